/* politeness.h — how much the engine may ask of one MX address: its budget.
 *
 * Mail servers limit what one client may do: sessions open at once, new
 * sessions per second, errors per session. The scheduler enforces a budget
 * per MX address ("address:port"): at most `sessions` open at once, new
 * ones at `rate` per second (a token bucket whose burst is `sessions`). It
 * asks for that budget through this hook, never deciding it alone:
 *
 *   - One host (`mailprobe verify`, `serve` with SQLite): the local
 *     politeness below — every MX address gets --per-host-connections and
 *     --per-host-rate.
 *   - Many workers (`serve` with PostgreSQL): the cluster's politeness
 *     (serve/allowance.h) — each worker holds a share of every MX
 *     address's budget, leased from the store, so the whole cluster stays
 *     within the global limit and each egress IP within its own
 *     (docs/scale-out.md).
 *
 * The error budget (--max-rejections-per-session) is per session and so
 * holds for the whole cluster as it is. Everything runs on the prober's
 * loop; the hook must answer at once (it may start work of its own and
 * answer "wait"). */
#ifndef MP_POLITENESS_H
#define MP_POLITENESS_H
#include <stdint.h>

/* What the engine may do at one MX address now. */
typedef struct mp_host_budget {
    int sessions;      /* open at once; 0 = no new session may start now */
    double rate;       /* new sessions per second (> 0 when sessions > 0) */
    int recheck_ms;    /* when sessions is 0 (or all in use): ask again
                          after this long */
} mp_host_budget;

/* The hook. `host` is "address:port" (IPv6 addresses without brackets),
 * valid during the call. */
typedef struct mp_politeness {
    /* The budget for `host`, asked whenever the scheduler wants another
     * session there; `open` is how many it has open there now. Must fill
     * *out (sessions < open is allowed: a shrunk budget; no session is
     * closed for it, none opens until fewer are open). */
    void (*budget)(const char *host, int open, mp_host_budget *out, void *arg);
    /* A session to `host` started (after a budget allowed it) / ended.
     * May be NULL. */
    void (*opened)(const char *host, void *arg);
    void (*closed)(const char *host, void *arg);
    void *arg;
} mp_politeness;

/* The one-host limits. */
typedef struct mp_politeness_limits {
    int sessions;      /* --per-host-connections */
    double rate;       /* --per-host-rate */
} mp_politeness_limits;

/* Fills *out with the local politeness: every MX address gets *limits,
 * which is borrowed (it must outlive the hook's use). */
void mp_politeness_local(const mp_politeness_limits *limits, mp_politeness *out);

/* A token bucket: *tokens refilled at `rate` per second since *refilled_ms
 * (monotonic, clock.h), capped at `burst`. Takes one token and returns 0
 * when one is there; else returns the milliseconds until one will be (>= 1)
 * and takes nothing. rate <= 0 never refills. */
int mp_token_bucket_take(double *tokens, int64_t *refilled_ms, double rate, double burst, int64_t now_ms);

#endif
