/* job_watch.h — who follows which job's progress (the event streams of
 * route_streams.c), and telling them. A job's row reaches its listeners
 * at most five times a second, its text made once for all of them; the
 * news comes from this worker's own writes and state changes (published
 * by the runner), from other workers (a store notice: the job is read
 * again), and, as the fallback, from reading every followed job every
 * 2 seconds. A final state (done, cancelled, failed) goes out at once. */
#ifndef MP_JOB_WATCH_H
#define MP_JOB_WATCH_H
#include <stdbool.h>
#include <stddef.h>
#include <event2/event.h>
#include <cjson/cJSON.h>
#include "store.h"

typedef struct mp_job_watch mp_job_watch;

enum { MP_JOB_WATCH_MAX = 1024 }; /* listeners at once: as many as streams */

/* `text` is the job object as a progress event sends it (no "updated"),
 * valid during the call. A listener may remove itself from inside. */
typedef void (*mp_job_watch_cb)(const mp_job_row *row, const char *text, void *arg);

/* NULL when out of memory. The store is borrowed. */
mp_job_watch *mp_job_watch_new(struct event_base *base, mp_store *store);
void mp_job_watch_free(mp_job_watch *w);

/* Follows job `id` for `cb`: its current row is read and sent at once.
 * false at MP_JOB_WATCH_MAX listeners or out of memory. */
bool mp_job_watch_add(mp_job_watch *w, const char *id, mp_job_watch_cb cb, void *arg);

/* Stops `cb`/`arg` following (no effect when it does not). */
void mp_job_watch_remove(mp_job_watch *w, mp_job_watch_cb cb, void *arg);

/* The job as it is now: its listeners hear of it at the next tick (a
 * final state at once). No effect when nobody follows it. */
void mp_job_watch_publish(mp_job_watch *w, const mp_job_row *row);

/* Someone else changed job `id`: it is read again at the next tick. */
void mp_job_watch_changed(mp_job_watch *w, const char *id);

/* Listeners now. */
size_t mp_job_watch_count(const mp_job_watch *w);

/* The job object as a progress event sends it: compact JSON without
 * "updated" (which changes on its own). malloc'd; NULL when out of memory. */
char *mp_job_progress_text(const mp_job_row *row);

/* The job object of the API (with "updated"); the caller frees it. */
cJSON *mp_job_object(const mp_job_row *row);

#endif
