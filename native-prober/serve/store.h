/* store.h — everything `mailprobe serve` keeps: jobs, their addresses in
 * input order with one result each, the leases that share a job's addresses
 * among workers, the single-verify result cache, the per-domain facts the
 * prober learnt (MX hosts, catch-all, provider) and the workers themselves.
 *
 * One interface, two backends (store_backend.h): SQLite, one file for one
 * worker (`--db PATH`, the default), and PostgreSQL, one database for any
 * number of workers (`--db postgresql://...`).
 *
 * Asynchronous: every operation is queued and runs on the store's own
 * thread, in the order submitted, so the event loop never waits for a disk
 * or a database server; its callback then runs on the loop (never inside
 * the submitting call). A submission returns MP_STORE_OK when the request
 * is queued — its callback will run exactly once — or MP_STORE_BUSY (the
 * queue holds MP_STORE_QUEUE_MAX requests) / MP_STORE_ERROR (out of
 * memory), and then the callback never runs. A NULL callback is allowed
 * (fire and forget; a write's batch is then freed). Data handed to a callback
 * (rows, pages, leases, error text) lives until the callback returns.
 * Nothing may be called from another thread.
 *
 * Every backend keeps the same promises:
 *   - Exactly one result per address: a result is stored only if the
 *     address has none yet (the first writer wins; a late or repeated
 *     write is counted as unchanged), in the transaction that counts it in
 *     its job's row.
 *   - Durable before reported: when a write's callback runs, the write is
 *     on disk (SQLite synchronous = FULL; PostgreSQL synchronous_commit).
 *   - Leases: an address is handed to one worker at a time; a worker's
 *     leases end when its heartbeat (mp_store_beat) is older than the lease
 *     TTL, and its addresses go to the next worker that asks.
 *   - Errors are values: mp_store_status, and the backend's words in the
 *     callback's `error` (never NULL; "" on success). */
#ifndef MP_STORE_H
#define MP_STORE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <event2/event.h>
#include "dns_trust.h"
#include "mailprobe/core.h"

typedef struct mp_store mp_store;

enum {
    MP_JOB_ID_LEN = 16,           /* hex characters */
    MP_WORKER_ID_LEN = 16,        /* hex characters */
    MP_STORE_QUEUE_MAX = 4096,    /* requests waiting for the store thread */
    MP_STORE_ERROR_MAX = 256,     /* octets of an error message */
    MP_STORE_RESOLVER_WHY_MAX = 255, /* octets of a worker's resolver reason kept */
};

/* What a store call did. */
typedef enum mp_store_status {
    MP_STORE_OK = 0,     /* done (found, stored, queued) */
    MP_STORE_NOT_FOUND,  /* no such job, no fresh cache entry, unknown domain */
    MP_STORE_UNCHANGED,  /* nothing to do (already done, already finished, not finished) */
    MP_STORE_ERROR,      /* the database failed (or out of memory): see `error` */
    MP_STORE_BUSY,       /* the request queue is full: try again later */
    MP_STORE_TOO_MANY,   /* job_create: max_unfinished jobs exist already */
    MP_STORE_STATUS_COUNT
} mp_store_status;

/* "ok", "not_found", "unchanged", "error", "busy", "too_many". */
const char *mp_store_status_name(mp_store_status s);

typedef enum mp_job_state {
    MP_JOB_QUEUED = 0,
    MP_JOB_RUNNING,
    MP_JOB_DONE,
    MP_JOB_CANCELLED,
    MP_JOB_FAILED,     /* the store kept failing; mp_job_row.error says why */
    MP_JOB_STATE_COUNT
} mp_job_state;

/* "queued", "running", "done", "cancelled", "failed" (the API's words). */
const char *mp_job_state_name(mp_job_state s);

/* True for the states a job never leaves (done, cancelled, failed). */
bool mp_job_state_final(mp_job_state s);

typedef struct mp_job_row {
    char id[MP_JOB_ID_LEN + 1];
    mp_job_state state;
    int64_t total, done;
    int64_t created, updated; /* unix seconds */
    /* Finished addresses per mp_status, kept in the job's row and counted
     * in the transaction that stores each result: reading them never
     * scans the job's addresses. */
    int64_t counts[MP_STATUS_COUNT];
    /* Addresses whose answers so far were temporary, waiting for (or in)
     * their next attempt (retry_schedule.h): counted in the job's row like
     * the results; and when the earliest of those not being probed is due
     * (unix seconds; 0 = none). */
    int64_t retrying;
    int64_t next_retry_at;
    char error[MP_STORE_ERROR_MAX]; /* why a failed job failed; "" otherwise */
} mp_job_row;

/* One address of a new job: `len` octets at `p` (any bytes); for a CSV
 * job also its row exactly as it came in (`row_len` octets; NULL: none),
 * which its CSV results begin with. */
typedef struct mp_job_input {
    const char *p;
    size_t len;
    const char *row;
    size_t row_len;
} mp_job_input;

/* Where a CSV job came from, so its results come back in its shape:
 * `shape` is a line of result_csv.h (mp_result_csv_describe: encoding,
 * separator, columns), `header` the header row's octets (NULL: none).
 * Opaque to the store. */
typedef struct mp_job_source {
    const char *shape;
    const char *header;
    size_t header_len;
} mp_job_source;

/* ---- opening ------------------------------------------------------------------------- */

/* Opens the store at `location` — a SQLite path (":memory:" for a private
 * in-memory one) or a postgresql:// / postgres:// URL (libpq syntax) —
 * creating or migrating its schema (a schema newer than this mailprobe is
 * refused), and starts its thread; callbacks run on `base`. Blocks while it
 * connects (start-up only). NULL + message on failure. */
mp_store *mp_store_open(struct event_base *base, const char *location, char *err, size_t errlen);

/* `location` as logs may show it: a URL's password (user:PASSWORD@ or
 * password=...) becomes "***". Into `out` (cap octets). */
void mp_store_location_public(const char *location, char *out, size_t cap);

/* Waits for every submitted request to finish and runs the callbacks of
 * those finished (on the calling thread: for shutdown and tests), then
 * closes the store and frees it. NULL is fine. */
void mp_store_close(mp_store *s);

/* Blocks until every request submitted so far has run and its callback has
 * run (on the calling thread). For shutdown and tests. */
void mp_store_drain(mp_store *s);

/* The backend's name ("sqlite", "postgresql"), and the schema version the
 * store runs (after migrations). */
const char *mp_store_backend(const mp_store *s);
int mp_store_schema_version(const mp_store *s);

/* True when many workers may share this store (PostgreSQL): then the
 * politeness budgets are the cluster's, and each write is a round trip to
 * a server. */
bool mp_store_shared(const mp_store *s);

/* Counters for /metrics, read on the loop. */
typedef struct mp_store_stats {
    uint64_t requests;     /* operations finished */
    uint64_t errors;       /* ... with MP_STORE_ERROR */
    uint64_t busy;         /* submissions refused: queue full */
    uint64_t round_trips;  /* statements sent to a database server (PostgreSQL; 0 for SQLite) */
    uint64_t leased;       /* addresses handed out by mp_store_lease */
    uint64_t written;      /* results stored by mp_store_write */
    size_t queued;         /* requests waiting now */
} mp_store_stats;
void mp_store_stats_get(const mp_store *s, mp_store_stats *out);

/* Jobs changed by someone else (another worker's write, cancel, new job):
 * `cb(job_id, arg)` runs on the loop for each notice (job_id "" = "a job
 * was created"). PostgreSQL delivers them (LISTEN/NOTIFY); SQLite has
 * no one else and never calls it. NULL removes it. */
typedef void (*mp_store_notice_cb)(const char *job_id, void *arg);
void mp_store_on_notice(mp_store *s, mp_store_notice_cb cb, void *arg);

/* ---- jobs --------------------------------------------------------------------------- */

/* For operations that only succeed or fail. */
typedef void (*mp_store_done_cb)(mp_store_status st, const char *error, void *arg);

/* For operations that end with a job's row (NULL unless OK/UNCHANGED). */
typedef void (*mp_store_job_cb)(mp_store_status st, const mp_job_row *row, const char *error, void *arg);

/* Creates job `id` (queued) with `n` addresses numbered 0..n-1 — with
 * their rows, and the CSV `source` (NULL: a plain list) — in one
 * transaction, each address with the domain it is leased by. Everything is
 * copied before this returns. TOO_MANY when `max_unfinished` queued and
 * running jobs exist (counted in the same transaction, so across workers);
 * ERROR (an id already used fails too). Nothing is written unless OK. */
mp_store_status mp_store_job_create(mp_store *s, const char *id, const mp_job_input *in, size_t n,
                                    const mp_job_source *source, int64_t now, size_t max_unfinished,
                                    mp_store_done_cb cb, void *arg);

/* `src` (NULL unless OK) is the CSV job's source; its header NULL when it
 * had none. */
typedef void (*mp_store_source_cb)(mp_store_status st, const mp_job_source *src, const char *error, void *arg);

/* A CSV job's source: OK; NOT_FOUND for a job without one, or no such
 * job; ERROR. */
mp_store_status mp_store_job_source(mp_store *s, const char *id, mp_store_source_cb cb, void *arg);

/* Reads a job: OK, NOT_FOUND or ERROR. */
mp_store_status mp_store_job_get(mp_store *s, const char *id, mp_store_job_cb cb, void *arg);

/* What DELETE does: a queued or running job becomes cancelled (OK with its
 * row; its leases end); a finished one is deleted with its addresses and
 * results (UNCHANGED, row NULL; a large job's addresses go in pieces, the
 * rest by mp_store_upkeep); NOT_FOUND; ERROR. */
mp_store_status mp_store_job_end(mp_store *s, const char *id, int64_t now, mp_store_job_cb cb, void *arg);

/* A running job whose every address has its result becomes done: OK with
 * its row for the one caller that made it so (that one announces it),
 * UNCHANGED when it is not complete or someone else finished it (row =
 * the job now), NOT_FOUND, ERROR. */
mp_store_status mp_store_job_finish(mp_store *s, const char *id, int64_t now, mp_store_job_cb cb, void *arg);

/* Ends a queued or running job as failed with `reason` (clipped to 255
 * octets, whole UTF-8 sequences): OK with its row, UNCHANGED when it was
 * finished already, NOT_FOUND, ERROR. */
mp_store_status mp_store_job_fail(mp_store *s, const char *id, const char *reason, int64_t now,
                                  mp_store_job_cb cb, void *arg);

/* ---- workers, the shared queue ---------------------------------------------------------- */

/* What a worker learns from its heartbeat. */
typedef struct mp_store_cluster {
    int64_t workers;            /* with a heartbeat younger than the TTL */
    int64_t jobs_queued, jobs_running;
    int64_t addresses_pending;  /* without a result, in queued and running jobs */
    int64_t addresses_leased;   /* of those, leased to a worker now */
    int64_t addresses_retrying; /* of those, with temporary answers so far (retry schedule) */
    /* Live workers per resolver state, as each reported it in its latest
     * heartbeat (trust_share.h); a state this mailprobe does not know
     * (a newer worker's) is not counted. */
    int64_t resolvers[MP_RESOLVER_STATE_COUNT];
} mp_store_cluster;

/* What a worker says of itself with each heartbeat, kept in its row of
 * the workers' table for the others to read. */
typedef struct mp_store_worker_report {
    const char *name;             /* for people (--worker-name) */
    mp_resolver_state resolver;   /* its resolver's trust now (dns_trust.h) */
    const char *resolver_why;     /* why, in words (NULL: ""); clipped to
                                     MP_STORE_RESOLVER_WHY_MAX octets, whole
                                     UTF-8 sequences */
    int64_t resolver_since;       /* unix seconds: since when it is in that state */
} mp_store_worker_report;

typedef struct mp_store_beat_result {
    size_t running_count;                  /* jobs in `running` */
    const char (*running)[MP_JOB_ID_LEN + 1]; /* the running jobs, oldest first */
    int64_t reaped;                        /* addresses freed from dead workers' leases */
    mp_store_cluster cluster;
} mp_store_beat_result;

typedef void (*mp_store_beat_cb)(mp_store_status st, const mp_store_beat_result *r, const char *error, void *arg);

/* The worker's heartbeat, and its view of the queue, in one request:
 * records that worker `worker` is alive at `now`, with what it reports of
 * itself (`me`, copied before this returns: its name, its resolver's
 * state); frees the leases of workers silent for `lease_ttl` seconds (a
 * worker killed with kill -9 loses its addresses to the next that asks)
 * and forgets those workers; makes the oldest `max_running` unfinished
 * jobs the running ones (queued ones among them start: across all workers
 * at most `max_running` jobs run); and counts the cluster's queue and the
 * live workers' resolver states (this one's included, as reported now).
 * At most max_running ids are returned. */
mp_store_status mp_store_beat(mp_store *s, const char *worker, const mp_store_worker_report *me, int64_t now,
                              int lease_ttl, size_t max_running, mp_store_beat_cb cb, void *arg);

/* One leased address: valid during the callback. */
typedef struct mp_store_item {
    int64_t seq;
    const char *email; /* `len` octets, may hold NUL */
    size_t len;
    const char *domain; /* the lease's grouping key: the A-label domain, "" when invalid */
    int tries;          /* temporary answers it had so far (mp_store_batch_retry) */
} mp_store_item;

/* A domain's stored catch-all verdict (MP_UNKNOWN: none), and when it was
 * learnt. */
typedef struct mp_store_domain_fact {
    const char *domain;
    mp_tristate catch_all;
    int64_t catch_all_at;
} mp_store_domain_fact;

typedef struct mp_store_lease_result {
    size_t count;
    const mp_store_item *items;   /* in input order (seq) */
    size_t fact_count;
    const mp_store_domain_fact *facts; /* one per domain of the items that has a verdict */
} mp_store_lease_result;

typedef void (*mp_store_lease_cb)(mp_store_status st, const mp_store_lease_result *r, const char *error,
                                  void *arg);

/* Leases up to `max_items` addresses of running job `job_id` with seq >
 * `after_seq` to `worker`: addresses without a result, not leased, whose
 * retry time has come (`now`). Grouped by domain so a worker's SMTP
 * sessions can batch them: the domains of the first pending addresses,
 * each with a run of its next pending addresses (at least
 * `per_domain_min` when there are that many). The facts of those domains
 * come along. `after_seq` is a hint that keeps the search short (the
 * first seq of the previous lease, minus one: nothing before it was
 * pending then); -1 searches the whole job, which a caller does when a
 * lease comes back short. OK with 0 items when nothing is left to lease;
 * NOT_FOUND when the job is not running; ERROR. */
mp_store_status mp_store_lease(mp_store *s, const char *job_id, const char *worker, int64_t after_seq,
                               size_t max_items, size_t per_domain_min, int64_t now, mp_store_lease_cb cb, void *arg);

/* Gives back `worker`'s leases (of job `job_id`, or of every job when
 * NULL): those addresses go to the next worker that asks. NULL also means
 * the worker leaves: its row goes, so the others stop counting it (and
 * its resolver) at once rather than after the lease TTL. */
mp_store_status mp_store_release(mp_store *s, const char *worker, const char *job_id, mp_store_done_cb cb,
                                 void *arg);

/* ---- results --------------------------------------------------------------------------- */

/* A batch of writes: results of addresses, and domain facts. Built on the
 * loop, handed to mp_store_write, and given back to the caller in the
 * callback (to retry it, or to free it). */
typedef struct mp_store_batch mp_store_batch;

mp_store_batch *mp_store_batch_new(void);
void mp_store_batch_free(mp_store_batch *b);
size_t mp_store_batch_results(const mp_store_batch *b);
bool mp_store_batch_empty(const mp_store_batch *b);

/* Adds the final result of address `seq` of job `job_id`; `json` is taken
 * (freed with the batch). false when out of memory (json is freed). */
bool mp_store_batch_result(mp_store_batch *b, const char *job_id, int64_t seq, mp_status status, char *json);

/* Adds a not-yet-final answer: address `seq` is released and may be leased
 * again from `retry_at` (unix seconds, > 0) on; it keeps no result, its
 * `tries` grows by one, and its job counts it among `retrying` until its
 * result comes. For the retry schedule of temporary answers
 * (retry_schedule.h, docs/scale-out.md). */
bool mp_store_batch_retry(mp_store_batch *b, const char *job_id, int64_t seq, int64_t retry_at);

/* Adds what was learnt about a domain: latest wins, but an unknown fact —
 * NULL mx_json (taken) or provider (copied), catch_all MP_UNKNOWN — keeps
 * the one stored. A known catch_all is stamped with `now` of the write. */
bool mp_store_batch_domain(mp_store_batch *b, const char *domain, char *mx_json, mp_tristate catch_all,
                           const char *provider);

typedef struct mp_store_write_result {
    size_t stored;            /* results stored */
    size_t unchanged;         /* results for addresses that had one (or whose job is not running) */
    size_t job_count;
    const mp_job_row *jobs;   /* each job the batch touched, as it is after the write */
} mp_store_write_result;

/* `batch` is the caller's again (free it, or keep it to retry after ERROR).
 * When the submission itself fails (BUSY, ERROR) the batch stays the
 * caller's too. */
typedef void (*mp_store_write_cb)(mp_store_status st, mp_store_batch *batch, const mp_store_write_result *r,
                                  const char *error, void *arg);

/* Writes `batch` in one transaction at time `now`: each result only if its
 * address has none and its job is running (counted in the job's row), each
 * retry, each domain fact. ERROR: nothing was written. */
mp_store_status mp_store_write(mp_store *s, mp_store_batch *batch, int64_t now, mp_store_write_cb cb, void *arg);

/* One stored result: valid during the callback. `row` is the CSV row the
 * address came in (NULL: none). */
typedef struct mp_store_result_row {
    int64_t seq;
    const char *email;
    size_t len;
    const char *json;
    const char *row;
    size_t row_len;
} mp_store_result_row;

typedef void (*mp_store_page_cb)(mp_store_status st, const mp_store_result_row *rows, size_t count,
                                 const char *error, void *arg);

/* Up to `limit` stored results of job `id` with seq > after_seq, in input
 * order. */
mp_store_status mp_store_results_page(mp_store *s, const char *id, int64_t after_seq, size_t limit,
                                      mp_store_page_cb cb, void *arg);

/* Up to `limit` addresses of job `id` without a result, seq > after_seq,
 * in input order, whoever holds them (tests and diagnostics). */
mp_store_status mp_store_pending_page(mp_store *s, const char *id, int64_t after_seq, size_t limit,
                                      mp_store_page_cb cb, void *arg);

/* ---- the verify cache ------------------------------------------------------------------- */

typedef void (*mp_store_text_cb)(mp_store_status st, const char *text, const char *error, void *arg);

/* The cached result of `address` (a normalized address, never raw input;
 * verify_cache.h) if not expired at `now`: OK with its JSON, NOT_FOUND. */
mp_store_status mp_store_cache_get(mp_store *s, const char *address, int64_t now, mp_store_text_cb cb, void *arg);

/* Stores or replaces the entry, then removes the entries closest to expiry
 * while more than `max_entries` are stored. `cb` may be NULL. */
mp_store_status mp_store_cache_put(mp_store *s, const char *address, const char *json, int64_t expires,
                                   size_t max_entries, mp_store_done_cb cb, void *arg);

/* ---- domain facts ------------------------------------------------------------------ */

typedef struct mp_store_domain_row {
    mp_tristate catch_all;
    int64_t catch_all_at;
    char provider[64];  /* "" unknown */
    char *mx_json;      /* NULL unknown */
} mp_store_domain_row;

typedef void (*mp_store_domain_cb)(mp_store_status st, const mp_store_domain_row *row, const char *error,
                                   void *arg);

/* A domain's facts: OK, NOT_FOUND, ERROR. */
mp_store_status mp_store_domain_get(mp_store *s, const char *domain, mp_store_domain_cb cb, void *arg);

/* Stores one domain's catch-all verdict learnt at `now` (the rest as in
 * mp_store_batch_domain). `cb` may be NULL. */
mp_store_status mp_store_domain_put(mp_store *s, const char *domain, mp_tristate catch_all, int64_t now,
                                    mp_store_done_cb cb, void *arg);

/* ---- politeness allowances (allowance.h) ------------------------------------------- */

enum {
    MP_STORE_ALLOWANCE_ASKS_MAX = 256,  /* MX addresses in one request */
    MP_STORE_HOST_KEY_MAX = 63,         /* "address:port" */
    MP_STORE_EGRESS_MAX = 127,          /* an egress IP's name */
};

/* One MX address a worker asks about (strings copied before the call
 * returns). */
typedef struct mp_store_allowance_ask {
    const char *host;    /* "address:port", at most MP_STORE_HOST_KEY_MAX octets */
    const char *egress;  /* the egress IP it leaves by, at most MP_STORE_EGRESS_MAX */
    bool wanted;         /* the worker wants sessions there (false: give back) */
    int in_use;          /* sessions it has open there now */
} mp_store_allowance_ask;

/* What the worker holds at one MX address after the request. */
typedef struct mp_store_allowance {
    const char *host;
    int sessions;        /* granted: open at most this many there */
    int wanting;         /* other live workers wanting sessions there */
    int starving;        /* of those, holding none (not counting those whose
                            own egress IP is full: they wait for their peers) */
} mp_store_allowance;

typedef void (*mp_store_allowance_cb)(mp_store_status st, const mp_store_allowance *grants, size_t n,
                                      const char *error, void *arg);

/* Grants, renews or gives back `worker`'s allowances at `n` MX addresses
 * (at most MP_STORE_ALLOWANCE_ASKS_MAX) in one request: each address in
 * its own lock, allowances of other workers past their expiry dropped,
 * the rule of mp_allowance_share applied against what the others hold
 * (`host_limit` for all workers, `egress_limit` for those of the same
 * egress), and the result kept until `now` + `ttl` seconds (an address
 * not wanted and with nothing open is given back). Grants come in host
 * order. OK or ERROR (nothing granted). */
mp_store_status mp_store_allowances(mp_store *s, const char *worker, int64_t now, int ttl, int host_limit,
                                    int egress_limit, const mp_store_allowance_ask *asks, size_t n,
                                    mp_store_allowance_cb cb, void *arg);

/* ---- upkeep ---------------------------------------------------------------------- */

/* What one round of upkeep may do, and what it did. */
typedef struct mp_store_upkeep_policy {
    int64_t now;
    int64_t finished_before; /* finished jobs last updated before this go; 0 = keep jobs */
    size_t cache_max_entries;
    size_t row_budget;       /* most job addresses deleted in one round */
} mp_store_upkeep_policy;

typedef struct mp_store_upkeep_report {
    size_t jobs_deleted;     /* jobs past retention */
    size_t rows_deleted;     /* their (and deleted jobs') addresses */
    size_t cache_removed;    /* expired or over the cap */
    int64_t pages_freed;     /* returned to the file system (SQLite) */
    bool more;               /* addresses left to delete: run again soon */
} mp_store_upkeep_report;

typedef void (*mp_store_upkeep_cb)(mp_store_status st, const mp_store_upkeep_report *r, const char *error,
                                   void *arg);

/* One round of upkeep: deletes finished jobs past retention with their
 * addresses (at most row_budget addresses, then `more`), expired cache
 * entries and those over the cap, and gives the freed space back to the
 * file system (SQLite: incremental vacuum; PostgreSQL: autovacuum's job). */
mp_store_status mp_store_upkeep(mp_store *s, const mp_store_upkeep_policy *policy, mp_store_upkeep_cb cb,
                                void *arg);

#endif
