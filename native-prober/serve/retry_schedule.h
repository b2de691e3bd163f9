/* retry_schedule.h — when a job asks a temporary answer again.
 *
 * Greylisting, 421/451 throttles, timeouts, dropped sessions and DNS
 * failures are not verdicts: a job keeps such an address without a result
 * and asks again after the next wait of its schedule (--retry-schedule,
 * default "5m,15m,45m": the waits between attempts), from whichever worker
 * leases it then — another egress IP where there are several. Only when the
 * schedule is used up does the last answer become the address's result
 * (`unknown` with its reason). The schedule is persisted with the address
 * (store.h: its retry time and tries), so a restart in the middle of a wait
 * loses nothing. Pure: no I/O, no clock of its own. */
#ifndef MP_RETRY_SCHEDULE_H
#define MP_RETRY_SCHEDULE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "mailprobe/core.h"

enum {
    MP_RETRY_STEPS_MAX = 8,          /* waits in one schedule */
    MP_RETRY_TEXT_MAX = 96,          /* "5m,15m,45m" as mp_retry_schedule_format writes it */
};

typedef struct mp_retry_schedule {
    size_t steps;                          /* 0 = no retries: every answer is final */
    int64_t wait_ms[MP_RETRY_STEPS_MAX];   /* wait before attempt 2, 3, ... */
} mp_retry_schedule;

/* 5 minutes, 15 minutes, 45 minutes. */
void mp_retry_schedule_default(mp_retry_schedule *s);

/* Reads a comma-separated list of durations ("5m,15m,45m", "4s, 8s";
 * units as every duration option: ms, s, m, h, d, a bare number is
 * seconds), each at least 1 s and at most 7 days, at most
 * MP_RETRY_STEPS_MAX of them; "0", "off" or "none" is no retries. *out is
 * set only on success; false with a sentence in `why` otherwise. */
bool mp_retry_schedule_parse(const char *text, mp_retry_schedule *out, char *why, size_t whylen);

/* Writes the schedule as the option takes it ("5m,15m,45m"; "off"). */
void mp_retry_schedule_format(const mp_retry_schedule *s, char *out, size_t cap);

/* True for an answer that is worth asking again later: status unknown for
 * greylisting, a temporary failure (4xx, 421), a timeout, a failed or
 * dropped connection, a DNS failure, or a DNS denial not believed yet
 * (dns_untrusted). */
bool mp_retry_is_temporary(mp_status status, mp_reason reason);

/* After attempt number `tries` (1 = the first) ended in a temporary
 * answer at `now_s` (unix seconds): true and *retry_at (unix seconds,
 * rounded up) while the schedule has a wait left for it; false when that
 * answer is final. */
bool mp_retry_next(const mp_retry_schedule *s, int tries, int64_t now_s, int64_t *retry_at);

#endif
