/* prober_options.h — the command-line options that tune the prober, shared by
 * `mailprobe verify` and `mailprobe serve` so both accept the same spelling.
 *
 * Usage with getopt_long:
 *
 *     struct option opts[64];
 *     size_t n = 0;
 *     opts[n++] = (struct option){"format", required_argument, NULL, 'F'};
 *     n += mp_prober_options_append(opts + n, 64 - n - 1);   // leaves room for {0}
 *     opts[n] = (struct option){0};
 *     while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
 *         int r = mp_prober_option_apply(&cfg, c, optarg, err, sizeof err);
 *         if (r > 0) continue;            // one of ours, applied
 *         if (r < 0) { usage error: err } // ours, bad value
 *         ... the command's own options ...
 *     }
 *
 * Prober option codes start at MP_OPT_BASE so they never collide with a
 * command's single-letter options. */
#ifndef MP_PROBER_OPTIONS_H
#define MP_PROBER_OPTIONS_H
#include <getopt.h>
#include <stddef.h>
#include <stdio.h>
#include "prober.h"

enum {
    MP_OPT_BASE = 0x1000,
    MP_OPT_DNS = MP_OPT_BASE,
    MP_OPT_DNS_TIMEOUT,
    MP_OPT_DNS_CANARY,
    MP_OPT_DNS_RECHECK,
    MP_OPT_SMTP_PORT,
    MP_OPT_ALLOW_NET,
    MP_OPT_HELO,
    MP_OPT_FROM,
    MP_OPT_TIMEOUT,
    MP_OPT_CONNECT_TIMEOUT,
    MP_OPT_COMMAND_TIMEOUT,
    MP_OPT_CONCURRENCY,
    MP_OPT_PER_HOST_CONNECTIONS,
    MP_OPT_PER_HOST_RATE,
    MP_OPT_MAX_RCPT_PER_SESSION,
    MP_OPT_MAX_REJECTIONS,
    MP_OPT_NO_BATCHING,
    MP_OPT_GREYLIST_WAIT,
    MP_OPT_NO_CATCH_ALL,
    MP_OPT_PROXY,
    MP_OPT_STARTTLS,
    MP_OPT_TRANSCRIPT,
    MP_OPT_RISKY_ROLE,
    MP_OPT_RISKY_FREE,
    MP_OPT_SAFE_CATCH_ALL,
    MP_OPT_SAFE_DISPOSABLE,
    MP_OPT_ALLOW_QUOTED,
    MP_OPT_ALLOW_LITERAL,
    MP_OPT_ALLOW_SPECIAL_USE,
    MP_OPT_MAX_QUEUED,
    MP_OPT_MAX_DOMAINS,
    MP_OPT_MAX_HOSTS,
    MP_OPT_END
};

/* Copies the prober's getopt_long entries (without the terminating zero
 * entry) into dst (capacity cap). Returns how many were written; that is
 * all of them when cap >= mp_prober_options_count(). */
size_t mp_prober_options_append(struct option *dst, size_t cap);
size_t mp_prober_options_count(void);

/* What applying one option did. */
typedef enum mp_option_status {
    MP_OPTION_APPLIED = 0,  /* one of ours, applied */
    MP_OPTION_UNKNOWN,      /* not an option of this table: the caller's own? */
    MP_OPTION_BAD_VALUE,    /* ours, but the value is invalid (message in err) */
    MP_OPTION_STATUS_COUNT
} mp_option_status;

/* "applied", "unknown", "bad_value". */
const char *mp_option_status_name(mp_option_status s);

/* Applies option `code` (as returned by getopt_long) with its argument.
 * MP_OPTION_BAD_VALUE writes a message naming the option into err. */
mp_option_status mp_prober_option_apply(mp_prober_config *cfg, int code, const char *arg,
                                        char *err, size_t errlen);

/* The same by long name without dashes ("per-host-rate"), for config files
 * and environment variables. Flag options take "1/true/yes/on" or
 * "0/false/no/off". */
mp_option_status mp_prober_option_apply_named(mp_prober_config *cfg, const char *name, const char *value,
                                              char *err, size_t errlen);

/* Prints the help text of every prober option (one paragraph each, with its
 * default) for a command's --help. */
void mp_prober_options_help(FILE *out);

/* Value parsers shared with serve's config (config.c) and the one-shot
 * commands (doctor, mx, update-lists). A whole-string decimal integer
 * within [lo, hi]; false otherwise. */
bool mp_option_parse_long(const char *s, long lo, long hi, long *out);

/* What a duration option accepts. Every duration -- command line, config
 * file, environment -- is read by mp_option_parse_duration(), so one rule
 * holds for all: a number with a unit (ms, s, m, h, d: "500ms", "8s",
 * "1.5m", "1h"), or a bare number, which is seconds. */
typedef struct mp_duration_rule {
    int64_t floor_ms;     /* the smallest sane value for the purpose (> 0) */
    int64_t max_ms;
    int64_t step_ms;      /* 1, or 1000 for options kept in whole seconds */
    bool zero_is_off;     /* "0" is accepted and switches the feature off */
} mp_duration_rule;

/* Parses `s` under `rule` into *ms. False with a sentence in `why` (the
 * value quoted, the floor or maximum named, and for a bare number that is
 * too long the hint that it means seconds) otherwise. */
bool mp_option_parse_duration(const char *s, const mp_duration_rule *rule, int64_t *ms, char *why,
                              size_t whylen);

/* mp_option_parse_duration() for a one-shot command's own option (doctor,
 * mx, update-lists): on refusal prints "mailprobe COMMAND: OPTION 'VALUE':
 * why" on stderr and returns false. */
bool mp_option_duration_arg(const char *command, const char *option, const char *value,
                            const mp_duration_rule *rule, int64_t *ms);

/* Writes `ms` the way the help shows it: "500ms", "8s", "2m", "1h", "7d"
 * when exact, else "1500ms". */
void mp_duration_format(int64_t ms, char *out, size_t cap);
/* A flag's value: true for NULL (a bare flag), 1/true/yes/on; false for
 * 0/false/no/off (any case), into *out. Returns false for anything else. */
bool mp_option_parse_bool(const char *v, bool *out);

#endif
