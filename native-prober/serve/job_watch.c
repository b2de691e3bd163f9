/* job_watch.c — progress listeners per job (job_watch.h): a list of
 * followed jobs, each with its listeners and the latest row; a 200 ms
 * tick sends what is due and reads what is stale. */
#include "job_watch.h"

#include <stdlib.h>
#include <string.h>

#include "clock.h"

enum {
    TICK_MS = 200,       /* at most five events a second per job */
    POLL_EVERY_MS = 2000 /* the fallback: read a followed job this often */
};

typedef struct listener { mp_job_watch_cb cb; void *arg; } listener;

typedef struct watched watched;
struct watched {
    char id[MP_JOB_ID_LEN + 1];
    listener *listeners;
    size_t count, cap;
    mp_job_row latest;
    bool have_latest, due, stale, reading;
    double heard;        /* monotonic seconds: latest news */
    mp_job_watch *owner;
    watched *next;
};

struct mp_job_watch {
    mp_store *store;
    watched *jobs;
    size_t listeners;
    struct event *tick;
};

/* ---- the job object ---------------------------------------------------------------------- */

/* The API's word for the job's state: a running job whose every address
 * without a result is waiting for its retry is "retrying". */
static const char *state_word(const mp_job_row *row)
{
    if (row->state == MP_JOB_RUNNING && row->retrying > 0 && row->retrying >= row->total - row->done)
        return "retrying";
    return mp_job_state_name(row->state);
}

cJSON *mp_job_object(const mp_job_row *row)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    cJSON_AddStringToObject(o, "id", row->id);
    cJSON_AddStringToObject(o, "state", state_word(row));
    cJSON_AddNumberToObject(o, "total", (double)row->total);
    cJSON_AddNumberToObject(o, "done", (double)row->done);
    cJSON *c = cJSON_AddObjectToObject(o, "counts");
    for (int s = 0; s < MP_STATUS_COUNT; s++)
        cJSON_AddNumberToObject(c, mp_status_name((mp_status)s), (double)row->counts[s]);
    if (row->state == MP_JOB_FAILED)
        cJSON_AddStringToObject(o, "error", row->error);
    cJSON_AddNumberToObject(o, "retrying", (double)row->retrying);
    if (row->retrying > 0 && row->next_retry_at > 0)
        cJSON_AddNumberToObject(o, "next_retry_at", (double)row->next_retry_at);
    else
        cJSON_AddNullToObject(o, "next_retry_at");
    cJSON_AddNumberToObject(o, "created", (double)row->created);
    cJSON_AddNumberToObject(o, "updated", (double)row->updated);
    return o;
}

char *mp_job_progress_text(const mp_job_row *row)
{
    cJSON *o = mp_job_object(row);
    if (!o)
        return NULL;
    cJSON_DeleteItemFromObject(o, "updated");
    char *text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return text;
}

/* ---- sending ----------------------------------------------------------------------------- */

static void arm(mp_job_watch *w)
{
    if (!evtimer_pending(w->tick, NULL)) {
        struct timeval tv = mp_timeval_ms(TICK_MS);
        evtimer_add(w->tick, &tv);
    }
}

/* Tells every listener of `j` its latest row. */
static void send_latest(watched *j)
{
    j->due = false;
    char *text = mp_job_progress_text(&j->latest);
    if (!text)
        return;
    /* Listeners may remove themselves (a stream ending): a copy. */
    size_t n = j->count;
    listener *copy = malloc((n ? n : 1) * sizeof *copy);
    if (copy) {
        memcpy(copy, j->listeners, n * sizeof *copy);
        mp_job_row row = j->latest;
        for (size_t i = 0; i < n; i++)
            copy[i].cb(&row, text, copy[i].arg);
    }
    free(copy);
    free(text);
}

static watched *find(mp_job_watch *w, const char *id)
{
    for (watched *j = w->jobs; j; j = j->next)
        if (!strcmp(j->id, id))
            return j;
    return NULL;
}

static void take_row(watched *j, const mp_job_row *row)
{
    j->latest = *row;
    j->have_latest = true;
    j->due = true;
    j->heard = mp_now_monotonic();
}

static void on_read(mp_store_status st, const mp_job_row *row, const char *error, void *arg)
{
    (void)error;
    watched *j = arg;
    j->reading = false;
    if (row) {
        take_row(j, row);
        if (j->count)
            send_latest(j); /* read at most every tick already */
    } else if (st == MP_STORE_NOT_FOUND) {
        j->heard = mp_now_monotonic(); /* deleted: the streams end by themselves */
    }
    arm(j->owner);
}

static void read_job(watched *j)
{
    if (j->reading)
        return;
    j->stale = false;
    if (mp_store_job_get(j->owner->store, j->id, on_read, j) == MP_STORE_OK)
        j->reading = true;
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    mp_job_watch *w = arg;
    double now = mp_now_monotonic();
    for (watched **pp = &w->jobs; *pp;) {
        watched *j = *pp;
        if (!j->count && !j->reading) { /* nobody left */
            *pp = j->next;
            free(j->listeners);
            free(j);
            continue;
        }
        if (j->due && j->count)
            send_latest(j);
        else if (j->stale || now - j->heard >= POLL_EVERY_MS / 1000.0)
            read_job(j);
        pp = &j->next;
    }
    if (w->jobs)
        arm(w);
}

/* ---- the interface ------------------------------------------------------------------------ */

mp_job_watch *mp_job_watch_new(struct event_base *base, mp_store *store)
{
    mp_job_watch *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->store = store;
    w->tick = evtimer_new(base, on_tick, w);
    if (!w->tick) {
        free(w);
        return NULL;
    }
    return w;
}

void mp_job_watch_free(mp_job_watch *w)
{
    if (!w)
        return;
    /* A read still in flight is answered by mp_store_close's drain, which
     * runs before this (serve.c): nothing points here by then. */
    while (w->jobs) {
        watched *j = w->jobs;
        w->jobs = j->next;
        free(j->listeners);
        free(j);
    }
    event_free(w->tick);
    free(w);
}

bool mp_job_watch_add(mp_job_watch *w, const char *id, mp_job_watch_cb cb, void *arg)
{
    if (w->listeners >= MP_JOB_WATCH_MAX)
        return false;
    watched *j = find(w, id);
    if (!j) {
        if (!(j = calloc(1, sizeof *j)))
            return false;
        snprintf(j->id, sizeof j->id, "%s", id);
        j->owner = w;
        j->next = w->jobs;
        w->jobs = j;
    }
    if (j->count == j->cap) {
        size_t cap = j->cap ? j->cap * 2 : 4;
        listener *more = realloc(j->listeners, cap * sizeof *more);
        if (!more)
            return false;
        j->listeners = more;
        j->cap = cap;
    }
    j->listeners[j->count++] = (listener){cb, arg};
    w->listeners++;
    j->stale = true; /* the current state for the newcomer, at once */
    read_job(j);
    arm(w);
    return true;
}

void mp_job_watch_remove(mp_job_watch *w, mp_job_watch_cb cb, void *arg)
{
    for (watched *j = w->jobs; j; j = j->next)
        for (size_t i = 0; i < j->count; i++)
            if (j->listeners[i].cb == cb && j->listeners[i].arg == arg) {
                j->listeners[i] = j->listeners[--j->count];
                w->listeners--;
                return;
            }
}

void mp_job_watch_publish(mp_job_watch *w, const mp_job_row *row)
{
    watched *j = find(w, row->id);
    if (!j)
        return;
    take_row(j, row);
    if (mp_job_state_final(row->state))
        send_latest(j);
    else
        arm(w);
}

void mp_job_watch_changed(mp_job_watch *w, const char *id)
{
    watched *j = find(w, id);
    if (j) {
        j->stale = true;
        arm(w);
    }
}

size_t mp_job_watch_count(const mp_job_watch *w) { return w->listeners; }
