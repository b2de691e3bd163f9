/* jobs.h — bulk verification jobs for `mailprobe serve`: a job is a list of
 * addresses stored in SQLite (store.h); the runner feeds at most
 * `job_in_flight` of a job's addresses to the prober at a time, at most
 * `max_running_jobs` jobs at once, and writes results back in batched
 * transactions (every 256 results or 200 ms). After a crash or restart,
 * mp_jobs_resume() picks unfinished jobs up where their stored results end:
 * each address gets exactly one result.
 */
#ifndef MP_JOBS_H
#define MP_JOBS_H
#include <stdbool.h>
#include <stddef.h>
#include <cjson/cJSON.h>
#include <event2/event.h>
#include "config.h"
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
    /* Called when a job reaches done or cancelled (e.g. the webhook). May be NULL. */
    void (*on_finished)(const char *id, void *arg);
    void *on_finished_arg;
} mp_jobs_env;

mp_jobs *mp_jobs_new(const mp_jobs_env *env);

/* Cancels the probes in flight (their addresses stay unfinished, so they
 * are probed again after a restart), writes buffered results, frees.
 *
 * A failing store (disk full) never makes the runner probe again what it
 * probed: results stay in memory, nothing new is fed, and the write is
 * retried with a doubling wait; after --store-retry-time the running jobs
 * end `failed` with the reason. */
void mp_jobs_free(mp_jobs *j);

/* At start-up: jobs that were running are queued again, and the runner
 * takes queued jobs from the store, oldest first, however many there are.
 * Returns how many unfinished jobs there are. */
size_t mp_jobs_resume(mp_jobs *j);

typedef enum mp_jobs_error {
    MP_JOBS_OK = 0,
    MP_JOBS_TOO_MANY,  /* max-queued-jobs unfinished jobs already: 503 */
    MP_JOBS_STORE,     /* database error (or out of memory): 500 */
    MP_JOBS_ERROR_COUNT
} mp_jobs_error;

/* "ok", "too_many", "store". */
const char *mp_jobs_error_name(mp_jobs_error e);

/* Creates a job from `n` addresses (copied into the store) and queues it;
 * id_out receives its id. */
mp_jobs_error mp_jobs_create(mp_jobs *j, const mp_job_input *in, size_t n, char id_out[MP_JOB_ID_LEN + 1],
                             char *err, size_t errlen);

/* What DELETE /v1/jobs/{id} did. */
typedef enum mp_jobs_end {
    MP_JOBS_END_CANCELLED = 0, /* it was queued or running: now cancelled */
    MP_JOBS_END_DELETED,       /* it was finished: deleted with its addresses and results */
    MP_JOBS_END_NOT_FOUND,
    MP_JOBS_END_STORE,         /* the store failed */
    MP_JOBS_END_COUNT
} mp_jobs_end;

/* "cancelled", "deleted", "not_found", "store". */
const char *mp_jobs_end_name(mp_jobs_end e);

/* Ends a job the way DELETE does: a queued or running job is cancelled
 * (its stored results stay), a finished one is deleted. */
mp_jobs_end mp_jobs_end_job(mp_jobs *j, const char *id);

/* Writes buffered results now. */
void mp_jobs_flush(mp_jobs *j);

/* The job object of the API: {"id","state","total","done","counts"}; NULL
 * when unknown. Flushes first so the numbers are current. */
cJSON *mp_jobs_status_json(mp_jobs *j, const char *id);

/* Unfinished jobs: waiting and probing. */
size_t mp_jobs_queued(const mp_jobs *j);
size_t mp_jobs_running(const mp_jobs *j);

/* The job object as a progress event sends it: compact JSON without
 * "updated" (which changes on its own). malloc'd; NULL when out of memory. */
char *mp_jobs_progress_text(const mp_job_row *row);

/* True for the states a job never leaves (done, cancelled). */
bool mp_job_state_final(mp_job_state s);

/* Progress listeners (SSE): `cb(id, text, final, arg)` runs after results
 * of job `id` were written, and when its state changes, with the job's
 * progress text (mp_jobs_progress_text; valid during the call) made once
 * for all listeners; `final` when the job reached done or cancelled. At
 * most 256 listeners. */
typedef void (*mp_jobs_progress_cb)(const char *id, const char *text, bool final, void *arg);
bool mp_jobs_listen(mp_jobs *j, mp_jobs_progress_cb cb, void *arg);
void mp_jobs_unlisten(mp_jobs *j, mp_jobs_progress_cb cb, void *arg);

#endif
