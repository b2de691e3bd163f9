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
 * are probed again after a restart), writes buffered results, frees. */
void mp_jobs_free(mp_jobs *j);

/* Loads queued/running jobs from the store (at start-up). Returns how many. */
size_t mp_jobs_resume(mp_jobs *j);

typedef enum mp_jobs_error {
    MP_JOBS_OK = 0,
    MP_JOBS_TOO_MANY,  /* max-queued-jobs unfinished jobs already: 503 */
    MP_JOBS_STORE,     /* database error (or out of memory): 500 */
    MP_JOBS_ERROR_COUNT
} mp_jobs_error;

/* "ok", "too_many", "store". */
const char *mp_jobs_error_name(mp_jobs_error e);

/* Creates a job from `n` addresses (copied into the store, with their
 * rows and the CSV `source` when there are; NULL: a plain list) and queues
 * it; id_out receives its id. */
mp_jobs_error mp_jobs_create(mp_jobs *j, const mp_job_input *in, size_t n, const mp_job_source *source,
                             char id_out[MP_JOB_ID_LEN + 1], char *err, size_t errlen);

/* Cancels a queued or running job. Returns false when the id is unknown;
 * a finished job is left as it is. */
bool mp_jobs_cancel(mp_jobs *j, const char *id);

/* Writes buffered results now. */
void mp_jobs_flush(mp_jobs *j);

/* The job object of the API: {"id","state","total","done","counts"}; NULL
 * when unknown. Flushes first so the numbers are current. */
cJSON *mp_jobs_status_json(mp_jobs *j, const char *id);

/* Unfinished jobs: waiting and probing. */
size_t mp_jobs_queued(const mp_jobs *j);
size_t mp_jobs_running(const mp_jobs *j);

/* Progress listeners (SSE): `cb(id, arg)` runs after results of job `id`
 * were written, and when its state changes. At most 256 listeners. */
typedef void (*mp_jobs_progress_cb)(const char *id, void *arg);
bool mp_jobs_listen(mp_jobs *j, mp_jobs_progress_cb cb, void *arg);
void mp_jobs_unlisten(mp_jobs *j, mp_jobs_progress_cb cb, void *arg);

#endif
