/* scheduler.h — inside the engine: who talks to which mail host, when.
 *
 * The prober (prober.c) owns probes — one per submitted address — from
 * admission to callback. The scheduler (scheduler.c) takes each admitted,
 * syntactically valid probe, groups probes by domain, resolves each domain
 * once (dns.h), and runs SMTP sessions (smtp_session.h) that share the
 * domain's queue: one MAIL FROM, many RCPT TO. It keeps each MX address
 * polite (connection limit, rate of new sessions), walks the MX list when a
 * host fails, tests each domain once for catch-all after its real
 * recipients, and retries greylisted and dropped recipients.
 *
 * The arrow points one way: prober.c calls the functions below; the
 * scheduler hands a probe back only through the two mp_sched_hooks, so it
 * never needs the prober's internals. Everything runs on one libevent loop.
 * Private to the engine. */
#ifndef MP_SCHEDULER_H
#define MP_SCHEDULER_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <event2/event.h>

#include "probe.h"
#include "prober.h"

typedef struct mp_scheduler mp_scheduler;

/* How the scheduler hands probes back to their owner. */
typedef struct mp_sched_hooks {
    /* The probe's answer is known: `ev` is the evidence (DNS, SMTP,
     * catch-all), retry_after the seconds until a retry is worthwhile (-1 =
     * none). The owner decides the verdict, runs the callback and frees the
     * probe unless a session still holds it (then `release` follows). */
    void (*finish)(void *owner, mp_probe *probe, const mp_evidence *ev, int retry_after);
    /* A probe finished earlier (where == MP_PROBE_FINISHED) was handed back
     * by the session that held it: nothing holds it any more. */
    void (*release)(void *owner, mp_probe *probe);
    /* The resolver's trust checker reported (a round ended, a TLD canary
     * answered): the state may have changed. May be NULL. */
    void (*resolver_changed)(void *owner);
} mp_sched_hooks;

/* Who we are on the wire: resolved once by the prober. */
typedef struct mp_sched_identity {
    const char *helo;             /* EHLO name (copied) */
    const char *from;             /* MAIL FROM address, "" = null reverse-path (copied) */
} mp_sched_identity;

/* Creates a scheduler on `base` with its DNS resolver. `cfg` is copied;
 * `hooks` is copied, `owner` is passed to them. NULL + a message in err
 * when the resolver cannot be created (bad --dns) or out of memory. */
mp_scheduler *mp_sched_new(struct event_base *base, const mp_prober_config *cfg,
                           const mp_sched_identity *who, const mp_sched_hooks *hooks,
                           void *owner, char *err, size_t errlen);

/* Stops everything: DNS queries cancelled, sessions closed without
 * callbacks, domains forgotten. Probes the scheduler held are neither
 * finished nor freed — the caller still owns them and must not touch
 * their list links (they pointed into the freed domains). NULL is fine. */
void mp_sched_free(mp_scheduler *s);

/* Takes an admitted, syntactically valid probe (its result filled by
 * mp_check, its rcpt address set): queues it at its domain, resolving the
 * domain first when needed. The probe may be finished at once (through
 * hooks->finish) when the domain is known to fail. */
void mp_sched_attach(mp_scheduler *s, mp_probe *probe);

/* True while `probe` waits in its domain's queue only because the domain's
 * sessions are busy or a politeness limit holds them back — not because a
 * server is failing to answer. The prober extends such a probe's deadline
 * a bounded number of times. */
bool mp_sched_waiting_politely(const mp_probe *probe);

/* The evidence for a probe whose deadline passed: DNS as far as it got,
 * SMTP unavailable with reason timeout, catch-all as known. */
void mp_sched_timeout_evidence(const mp_probe *probe, mp_evidence *ev);

/* Fills what the scheduler learnt about the probe's domain into `d`: DNS
 * result, MX hosts and provider (only when the evidence says DNS was
 * checked). The reply fields are the prober's. */
void mp_sched_domain_details(const mp_probe *probe, const mp_evidence *ev, mp_probe_details *d);

/* The prober finished (deadline) or cancelled `probe` while the scheduler
 * held it in a list of its domain (queue, parked, greylisting wait — not
 * in a session: that one is handed back through hooks->release). Takes it
 * out of the domain's lists and counts, stops its greylisting timer, and
 * lets the domain start its next session or go idle from the loop. A probe
 * the scheduler does not hold (admission, no domain) is only unlinked. */
void mp_sched_forget(mp_scheduler *s, mp_probe *probe);

/* Installs (copies) the catch-all memory; NULL removes it. */
void mp_sched_set_catch_all_memory(mp_scheduler *s, const mp_catch_all_memory *memory);

/* Installs (copies) the politeness hook that sets each MX address's
 * budget; NULL restores the local one (the configured per-host limits). */
void mp_sched_set_politeness(mp_scheduler *s, const mp_politeness *politeness);
/* The resolver's trust state (dns_trust.h). */
void mp_sched_resolver_trust(const mp_scheduler *s, mp_resolver_trust *out);

/* Adds the scheduler's counters (sessions, commands, round trips, catch-all
 * tests, greylist retries, DNS) to `out`. */
void mp_sched_stats(const mp_scheduler *s, mp_prober_stats *out);

#endif
