/* jobs.h — the bulk job runner of one `mailprobe serve` worker. Jobs live
 * in the store (store.h), a queue shared by every worker of the store:
 *
 *   - a heartbeat (mp_store_beat, every few seconds, and at once when a
 *     job is created here or announced by another worker) says which jobs
 *     run — the oldest --max-running-jobs unfinished ones, for all
 *     workers alike — keeps this worker's leases, and frees those of
 *     workers that fell silent for --lease-ttl;
 *   - for each running job the worker leases addresses in batches,
 *     grouped by domain (so SMTP sessions still carry many RCPT TO), keeps
 *     at most --job-in-flight of them in the prober and as many again
 *     waiting (so the prober never waits for a lease), and writes results
 *     in batched transactions (every 256 results, or 200 ms -- 2 s with
 *     PostgreSQL, where each write is a round trip): each address
 *     gets exactly one result, whoever probed it;
 *   - the worker that stores a job's last result finishes it (done), tells
 *     the listeners and the webhook once;
 *   - a worker whose resolver is not honest leases nothing new while
 *     another live worker's is (trust_share.h): those give DNS denials
 *     their real verdict where this one could only say dns_untrusted.
 *
 * A failing store never makes the runner probe again what it probed:
 * results stay in memory, no address is leased or fed, and the write is
 * retried with a doubling wait; after --store-retry-time the jobs running
 * here end `failed` with the reason. After a crash or restart, jobs go on
 * where their stored results end (SQLite: at once; PostgreSQL: another
 * worker takes the dead one's addresses after --lease-ttl). */
#ifndef MP_JOBS_H
#define MP_JOBS_H
#include <stdbool.h>
#include <stddef.h>
#include <event2/event.h>
#include "config.h"
#include "domain_memory.h"
#include "job_watch.h"
#include "metrics.h"
#include "prober.h"
#include "store.h"

typedef struct mp_jobs mp_jobs;

/* Everything the runner borrows; all must outlive it. */
typedef struct mp_jobs_env {
    struct event_base *base;
    mp_prober *prober;
    mp_store *store;
    const mp_serve_config *cfg;
    mp_metrics *metrics;
    mp_job_watch *watch;       /* told every job row the runner sees change */
    mp_domain_memory *memory;  /* the leased domains' catch-all verdicts go here */
    /* Called once per job this worker ended: done (it stored the last
     * result), cancelled (DELETE here) or failed. May be NULL. */
    void (*on_finished)(const mp_job_row *row, void *arg);
    void *on_finished_arg;
} mp_jobs_env;

/* A runner with a new random worker id (its leases). NULL when out of
 * memory. Nothing happens until mp_jobs_start. */
mp_jobs *mp_jobs_new(const mp_jobs_env *env);

/* Starts the heartbeat: the runner takes its share of the running jobs. */
void mp_jobs_start(mp_jobs *j);

/* Stops taking work (SIGTERM): nothing more is leased or fed; buffered
 * results are written. */
void mp_jobs_stop(mp_jobs *j);

/* Cancels the probes in flight (their addresses stay without a result and
 * are probed again, here after a restart or by another worker), writes
 * buffered results and gives the leases back — waiting for the store
 * (after the loop has ended) — then frees. NULL is fine. */
void mp_jobs_free(mp_jobs *j);

/* Writes buffered results now (e.g. before reading a job). */
void mp_jobs_flush(mp_jobs *j);

/* A domain's catch-all verdict (MP_YES / MP_NO) the prober learnt, from a
 * job or a single verify: stored with the next batch of results, stamped
 * with that write's time. NULL `j` (not started yet) drops it. */
void mp_jobs_learnt_domain(mp_jobs *j, const char *domain, mp_tristate verdict);

/* The prober's resolver changed state (dns_trust.h): the next heartbeat
 * goes at once, so the other workers learn it, and this one decides
 * again whether it leaves new addresses to honest peers
 * (trust_share.h). NULL `j` (not started yet) does nothing. */
void mp_jobs_resolver_changed(mp_jobs *j);

typedef enum mp_jobs_error {
    MP_JOBS_OK = 0,
    MP_JOBS_TOO_MANY,  /* max-queued-jobs unfinished jobs already (across workers): 503 */
    MP_JOBS_BUSY,      /* the store's queue is full: 503 */
    MP_JOBS_STORE,     /* database error (or out of memory): 500 */
    MP_JOBS_ERROR_COUNT
} mp_jobs_error;

/* "ok", "too_many", "busy", "store". */
const char *mp_jobs_error_name(mp_jobs_error e);

/* After mp_jobs_create: `id` (the new job's) on OK; `message` says why
 * otherwise. */
typedef void (*mp_jobs_created_cb)(mp_jobs_error e, const char *id, const char *message, void *arg);

/* Creates a job from `n` addresses (copied before this returns, with their
 * rows and the CSV `source` when there are; NULL: a plain list); `cb` runs
 * on the loop once it is stored (or refused). Returns MP_JOBS_OK when `cb`
 * will run, or an error (then it never runs). */
mp_jobs_error mp_jobs_create(mp_jobs *j, const mp_job_input *in, size_t n, const mp_job_source *source,
                             mp_jobs_created_cb cb, void *arg);

/* What DELETE /v1/jobs/{id} did. */
typedef enum mp_jobs_end {
    MP_JOBS_END_CANCELLED = 0, /* it was queued or running: now cancelled, on every worker */
    MP_JOBS_END_DELETED,       /* it was finished: deleted with its addresses and results */
    MP_JOBS_END_NOT_FOUND,
    MP_JOBS_END_STORE,         /* the store failed (or its queue was full) */
    MP_JOBS_END_COUNT
} mp_jobs_end;

/* "cancelled", "deleted", "not_found", "store". */
const char *mp_jobs_end_name(mp_jobs_end e);

/* `row` is the cancelled job (CANCELLED only). */
typedef void (*mp_jobs_ended_cb)(mp_jobs_end e, const mp_job_row *row, void *arg);

/* Ends a job the way DELETE does: a queued or running job is cancelled
 * (its stored results stay), a finished one is deleted. `cb` runs on the
 * loop; false when it cannot be asked (then `cb` never runs). */
bool mp_jobs_end_job(mp_jobs *j, const char *id, mp_jobs_ended_cb cb, void *arg);

/* This worker and what it knows of the cluster (/healthz, /metrics). */
typedef struct mp_jobs_stats {
    char worker[MP_WORKER_ID_LEN + 1];
    const char *name;          /* --worker-name */
    size_t jobs;               /* running jobs this worker works on */
    size_t held;               /* addresses leased here: waiting or in the prober */
    bool writes_failing;       /* results cannot be stored right now */
    bool cluster_known;        /* a heartbeat has answered */
    mp_store_cluster cluster;  /* from the latest heartbeat */
    uint64_t retries_scheduled; /* temporary answers put back on the retry schedule */
    bool deferring;            /* leasing nothing new: honest peers do it (trust_share.h) */
    int64_t honest_peers;      /* other live workers with an honest resolver */
} mp_jobs_stats;

void mp_jobs_stats_get(const mp_jobs *j, mp_jobs_stats *out);

#endif
