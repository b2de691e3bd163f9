/* store.h — everything `mailprobe serve` keeps across restarts: jobs, their
 * addresses in input order with one result each, the single-verify result
 * cache and the per-domain facts the prober learnt (MX hosts, catch-all,
 * provider).
 *
 * This is the interface; a backend implements it (store_backend.h). Today's
 * only backend is SQLite (store_sqlite.h: one file, WAL mode). Every
 * backend keeps the same promises:
 *   - Durability: an address is marked done in the same statement that
 *     stores its result, inside the caller's batch transaction, so after a
 *     crash every address has either its one result or none (and is probed
 *     again).
 *   - Single-threaded: use a store from the event loop only.
 *   - Every function that can fail returns an mp_store_status;
 *     mp_store_error() then says why in words. */
#ifndef MP_STORE_H
#define MP_STORE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "mailprobe/core.h"

typedef struct mp_store mp_store;

enum { MP_JOB_ID_LEN = 16 }; /* hex characters */

/* What a store call did. */
typedef enum mp_store_status {
    MP_STORE_OK = 0,     /* done (found, stored) */
    MP_STORE_NOT_FOUND,  /* no such job, no fresh cache entry, unknown domain */
    MP_STORE_UNCHANGED,  /* nothing to do: the address already had its result */
    MP_STORE_ERROR,      /* the database failed: mp_store_error() */
    MP_STORE_STATUS_COUNT
} mp_store_status;

/* "ok", "not_found", "unchanged", "error". */
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

typedef struct mp_job_row {
    char id[MP_JOB_ID_LEN + 1];
    mp_job_state state;
    int64_t total, done;
    int64_t created, updated; /* unix seconds */
    /* Finished addresses per mp_status, kept in the job's row and counted
     * in the transaction that stores each result: reading them never
     * scans the job's addresses. */
    int64_t counts[MP_STATUS_COUNT];
    char error[256];          /* why a failed job failed; "" otherwise */
} mp_job_row;

/* One address of a new job: `len` octets at `p` (any bytes). */
typedef struct mp_job_input { const char *p; size_t len; } mp_job_input;

/* Opens (creating and migrating) the store at `location`: today a SQLite
 * database path (":memory:" for a private in-memory one). NULL + message
 * on failure. Close with mp_store_close(). */
mp_store *mp_store_open(const char *location, char *err, size_t errlen);

/* Closes the store and frees it. NULL is fine. */
void mp_store_close(mp_store *s);

/* The backend's name ("sqlite"), for logs. */
const char *mp_store_backend(const mp_store *s);

/* Schema version after migrations into *version. */
mp_store_status mp_store_schema_version(mp_store *s, int *version);

/* Batch transactions around many writes (results, job creation). */
mp_store_status mp_store_begin(mp_store *s);
mp_store_status mp_store_commit(mp_store *s);
void mp_store_rollback(mp_store *s);

/* Creates job `id` (queued) with `n` addresses numbered 0..n-1, in one
 * transaction. MP_STORE_ERROR + message on failure (nothing is written;
 * an id already used fails too). */
mp_store_status mp_store_job_create(mp_store *s, const char *id, const mp_job_input *in, size_t n,
                                    int64_t now, char *err, size_t errlen);

/* Reads a job into *out: OK, NOT_FOUND or ERROR. */
mp_store_status mp_store_job_get(mp_store *s, const char *id, mp_job_row *out);

mp_store_status mp_store_job_set_state(mp_store *s, const char *id, mp_job_state st, int64_t now);

/* Ends job `id` as failed with `reason` (clipped to 255 octets). */
mp_store_status mp_store_job_fail(mp_store *s, const char *id, const char *reason, int64_t now);

/* At start-up: every running job becomes queued again (it restarts after
 * its last stored result); *unfinished gets the number of queued jobs. */
mp_store_status mp_store_jobs_requeue(mp_store *s, int64_t now, size_t *unfinished);

/* The oldest queued job's id into `id`: OK, NOT_FOUND (none), ERROR. */
mp_store_status mp_store_job_next_queued(mp_store *s, char id[MP_JOB_ID_LEN + 1]);

/* Deletes a finished (done, cancelled, failed) job with its addresses and
 * results: OK, NOT_FOUND, UNCHANGED (the job is not finished: nothing is
 * deleted), ERROR. The job is gone at once; a large job's addresses are
 * deleted in pieces, the rest by mp_store_upkeep(). */
mp_store_status mp_store_job_delete(mp_store *s, const char *id);

/* Calls cb for up to `limit` addresses of job `id` not done yet with
 * seq > after_seq, in input order; *count gets how many. `email` is valid
 * during the call only. */
typedef void (*mp_store_item_cb)(int64_t seq, const char *email, size_t len, void *arg);
mp_store_status mp_store_items_pending(mp_store *s, const char *id, int64_t after_seq, size_t limit,
                                       mp_store_item_cb cb, void *arg, size_t *count);

/* Stores the result of address `seq` and marks it done, counting it in the
 * job's `done` and its status's counter — only if it was not done yet: OK stored, UNCHANGED already done,
 * ERROR. Call inside mp_store_begin/commit. */
mp_store_status mp_store_item_done(mp_store *s, const char *id, int64_t seq, mp_status status,
                                   const char *json);

/* Calls cb for up to `limit` finished addresses with seq > after_seq in
 * input order; *count gets how many. `json` is the result; both strings
 * are valid during the call only. */
typedef void (*mp_store_result_cb)(int64_t seq, const char *email, size_t len, const char *json,
                                   void *arg);
mp_store_status mp_store_results_page(mp_store *s, const char *id, int64_t after_seq, size_t limit,
                                      mp_store_result_cb cb, void *arg, size_t *count);

/* Single-verify cache, keyed by the normalized address (`address`, NUL-
 * terminated; the caller never passes raw input). get: OK with a malloc'd
 * JSON string in *json (caller frees) when present and not expired at
 * `now`; NOT_FOUND (or ERROR) with *json NULL otherwise. put: stores or
 * replaces the entry, then removes the entries closest to expiry while
 * more than `max_entries` are stored. */
mp_store_status mp_store_cache_get(mp_store *s, const char *address, int64_t now, char **json);
mp_store_status mp_store_cache_put(mp_store *s, const char *address, const char *json, int64_t expires,
                                   size_t max_entries);

/* What one round of upkeep may do, and what it did. */
typedef struct mp_store_upkeep_policy {
    int64_t now;
    int64_t finished_before; /* finished jobs last updated before this go; 0 = keep jobs */
    size_t cache_max_entries;
    size_t row_budget;       /* most job addresses deleted in one round */
} mp_store_upkeep_policy;

typedef struct mp_store_upkeep_report {
    size_t jobs_deleted;     /* jobs past retention */
    size_t rows_deleted;     /* their (and DELETEd jobs') addresses */
    size_t cache_removed;    /* expired or over the cap */
    int64_t pages_freed;     /* returned to the file system */
    bool more;               /* addresses left to delete: run again soon */
} mp_store_upkeep_report;

/* One round of upkeep: deletes finished jobs past retention with their
 * addresses (at most row_budget addresses, then `more`), expired cache
 * entries and those over the cap, and gives the freed space back to the
 * file system (SQLite: incremental vacuum). `out` may be NULL. */
mp_store_status mp_store_upkeep(mp_store *s, const mp_store_upkeep_policy *policy, mp_store_upkeep_report *out);

/* Per-domain facts, latest wins, but an unknown fact — NULL mx_json or
 * provider, catch_all MP_UNKNOWN — keeps the one stored. `mx_json` is a
 * JSON array text. A known catch_all is stamped with `now`. */
mp_store_status mp_store_domain_put(mp_store *s, const char *domain, const char *mx_json, mp_tristate catch_all,
                                    const char *provider, int64_t now);

/* The catch-all verdict learned at or after `not_before` (Unix seconds):
 * MP_YES / MP_NO, or MP_UNKNOWN when there is none that fresh (or the
 * store failed: a memory that cannot answer knows nothing). */
mp_tristate mp_store_domain_catch_all(mp_store *s, const char *domain, int64_t not_before);

/* Reads the facts back (for tests and diagnostics): OK, NOT_FOUND, ERROR.
 * `provider` gets "" when unknown. */
mp_store_status mp_store_domain_get(mp_store *s, const char *domain, mp_tristate *catch_all, char *provider,
                                    size_t cap);

/* The backend's last error message (never NULL). */
const char *mp_store_error(mp_store *s);

#endif
