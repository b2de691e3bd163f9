/* store.h — everything `mailprobe serve` keeps across restarts, in one
 * SQLite database (WAL mode): jobs, their addresses in input order with one
 * result each, the single-verify result cache and the per-domain facts the
 * prober learnt (MX hosts, catch-all, provider).
 *
 * Durability rule: an address row is marked done in the same statement that
 * stores its result, inside the caller's batch transaction, so after a crash
 * every address has either its one result or none (and is probed again).
 * All statements are prepared once at open. Single-threaded: use from the
 * event loop only. */
#ifndef MP_STORE_H
#define MP_STORE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "mailprobe/core.h"

typedef struct mp_store mp_store;

enum { MP_JOB_ID_LEN = 16 }; /* hex characters */

typedef enum mp_job_state {
    MP_JOB_QUEUED = 0,
    MP_JOB_RUNNING,
    MP_JOB_DONE,
    MP_JOB_CANCELLED,
    MP_JOB_STATE_COUNT
} mp_job_state;

const char *mp_job_state_name(mp_job_state s);

typedef struct mp_job_row {
    char id[MP_JOB_ID_LEN + 1];
    mp_job_state state;
    int64_t total, done;
    int64_t created, updated; /* unix seconds */
} mp_job_row;

/* One address of a new job: `len` octets at `p` (any bytes). */
typedef struct mp_job_input { const char *p; size_t len; } mp_job_input;

/* Opens (creating and migrating) the database at `path`. NULL + message on
 * failure. */
mp_store *mp_store_open(const char *path, char *err, size_t errlen);
void mp_store_close(mp_store *s);

/* Schema version after migrations (PRAGMA user_version). */
int mp_store_schema_version(mp_store *s);

/* Batch transactions around many writes (results, job creation). */
bool mp_store_begin(mp_store *s);
bool mp_store_commit(mp_store *s);
void mp_store_rollback(mp_store *s);

/* Creates job `id` (queued) with `n` addresses numbered 0..n-1, in one
 * transaction. false + message on failure (nothing is written). */
bool mp_store_job_create(mp_store *s, const char *id, const mp_job_input *in, size_t n, int64_t now,
                         char *err, size_t errlen);

/* Reads a job; false when unknown. */
bool mp_store_job_get(mp_store *s, const char *id, mp_job_row *out);

/* counts[status] = finished addresses per mp_status (others zeroed). */
bool mp_store_job_counts(mp_store *s, const char *id, int64_t counts[MP_STATUS_COUNT]);

bool mp_store_job_set_state(mp_store *s, const char *id, mp_job_state st, int64_t now);

/* Up to `cap` unfinished (queued/running) jobs, oldest first. */
size_t mp_store_jobs_unfinished(mp_store *s, char (*ids)[MP_JOB_ID_LEN + 1], size_t cap);

/* Calls cb for up to `limit` addresses of job `id` not done yet with
 * seq > after_seq, in input order. Returns how many, -1 on error. */
typedef void (*mp_store_item_cb)(int64_t seq, const char *email, size_t len, void *arg);
int mp_store_items_pending(mp_store *s, const char *id, int64_t after_seq, int limit, mp_store_item_cb cb,
                           void *arg);

/* Stores the result of address `seq` and marks it done, counting it in the
 * job — only if it was not done yet. Returns 1 stored, 0 already done (no
 * change), -1 error. Call inside mp_store_begin/commit. */
int mp_store_item_done(mp_store *s, const char *id, int64_t seq, mp_status status, const char *json);

/* Calls cb for up to `limit` finished addresses with seq > after_seq in
 * input order. Returns how many, -1 on error. `json` is the result. */
typedef void (*mp_store_result_cb)(int64_t seq, const char *email, size_t len, const char *json,
                                   void *arg);
int mp_store_results_page(mp_store *s, const char *id, int64_t after_seq, int limit, mp_store_result_cb cb,
                          void *arg);

/* Single-verify cache, keyed by the exact input. get: a malloc'd JSON
 * string (caller frees) when present and not expired, else NULL. */
char *mp_store_cache_get(mp_store *s, const char *email, size_t len, int64_t now);
bool mp_store_cache_put(mp_store *s, const char *email, size_t len, const char *json, int64_t expires);

/* Per-domain facts (latest wins; an unknown fact -- NULL mx/provider,
 * catch_all -1 -- keeps the one stored). `mx_json` is a JSON array text;
 * catch_all -1/0/1; provider may be NULL. */
bool mp_store_domain_put(mp_store *s, const char *domain, const char *mx_json, int catch_all,
                         const char *provider, int64_t now);
/* The catch-all verdict (0/1) learned at or after `not_before` (Unix
 * seconds), or -1 when there is none that fresh. */
int mp_store_domain_catch_all(mp_store *s, const char *domain, int64_t not_before);
/* Reads them back (for tests / diagnostics): false when unknown. */
bool mp_store_domain_get(mp_store *s, const char *domain, int *catch_all, char *provider, size_t cap);

/* Deletes expired cache entries; returns how many. */
int mp_store_cache_expire(mp_store *s, int64_t now);

/* SQLite's last error message. */
const char *mp_store_error(mp_store *s);

#endif
