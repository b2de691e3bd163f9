/* jobs.c — the bulk job runner (jobs.h). Only running jobs live in memory
 * (one `job` each, with its window of slots); queued jobs stay in the store
 * and are taken oldest first when a running one ends, so 100,000 queued
 * jobs cost no memory. A job's addresses are read a window at a time. */
#include "jobs.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "result_json.h"

enum {
    FLUSH_BATCH = 256,    /* results per write transaction */
    FLUSH_DELAY_MS = 200, /* longest a result waits in memory */
    PROGRESS_EVERY_MS = 200, /* progress events: at most five a second per job */
    LISTENERS_MAX = 256,
    REFEED_PASSES_MAX = 3, /* passes over a job's unfinished addresses */
    RETRY_FIRST_MS = 500,  /* first wait after a failed write; doubles */
    RETRY_MAX_MS = 16000,
};

typedef struct job job;

/* One address of a job inside the prober. */
typedef struct slot {
    job *owner;
    int64_t seq;
    uint64_t probe_id; /* 0 = free */
    size_t input_len;  /* the address as submitted, echoed as "email" */
    char input[MP_INPUT_MAX + 1];
} slot;

struct job {
    char id[MP_JOB_ID_LEN + 1];
    int64_t last_fed;   /* highest seq given to the prober */
    bool exhausted;     /* nothing left to feed */
    int passes;         /* times its addresses were walked from the start */
    int active;         /* slots in use */
    bool progress_due;  /* results written since the last progress event */
    slot *slots;        /* cfg->job_in_flight */
    mp_jobs *runner;
    job *next;
};

/* A finished address waiting for the next write transaction. */
typedef struct pending_result {
    char job_id[MP_JOB_ID_LEN + 1];
    int64_t seq;
    mp_status status;
    char *json;
    char domain[MP_DOMAIN_MAX + 1]; /* "" = no domain facts */
    char *mx_json;
    const char *provider;           /* catch-all verdicts: the prober's memory (serve.c) */
} pending_result;

typedef struct listener { mp_jobs_progress_cb cb; void *arg; } listener;

/* Whether results reach the store. While writes fail, the results stay in
 * memory, no address is fed to the prober, and the write is retried with a
 * doubling wait; past --store-retry-time the running jobs fail. */
typedef enum writer_state { WRITER_OK = 0, WRITER_RETRYING } writer_state;

struct mp_jobs {
    mp_jobs_env env;
    job *jobs;      /* running jobs, oldest first */
    size_t running;
    size_t queued;  /* queued jobs in the store */
    pending_result *buf;
    size_t nbuf, capbuf;
    writer_state writer;
    char write_error[256]; /* the store's words for the last failed write */
    double first_failure;  /* monotonic seconds, while RETRYING */
    int retry_ms;
    struct event *flush_timer;
    struct event *kick; /* feeds jobs from a fresh loop turn */
    struct event *progress_timer;
    listener listeners[LISTENERS_MAX];
    size_t nlisteners;
};

static int64_t now_s(void) { return (int64_t)time(NULL); }

static double now_mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- the job object and its listeners ------------------------------------------ */

/* The job object of the API from its row (counts included). */
static cJSON *job_object(const mp_job_row *row)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    cJSON_AddStringToObject(o, "id", row->id);
    cJSON_AddStringToObject(o, "state", mp_job_state_name(row->state));
    cJSON_AddNumberToObject(o, "total", (double)row->total);
    cJSON_AddNumberToObject(o, "done", (double)row->done);
    cJSON *c = cJSON_AddObjectToObject(o, "counts");
    for (int s = 0; s < MP_STATUS_COUNT; s++)
        cJSON_AddNumberToObject(c, mp_status_name((mp_status)s), (double)row->counts[s]);
    if (row->state == MP_JOB_FAILED)
        cJSON_AddStringToObject(o, "error", row->error);
    cJSON_AddNumberToObject(o, "created", (double)row->created);
    cJSON_AddNumberToObject(o, "updated", (double)row->updated);
    return o;
}

char *mp_jobs_progress_text(const mp_job_row *row)
{
    cJSON *o = job_object(row);
    if (!o)
        return NULL;
    cJSON_DeleteItemFromObject(o, "updated"); /* changes on its own; not progress */
    char *text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return text;
}

bool mp_job_state_final(mp_job_state s)
{
    return s == MP_JOB_DONE || s == MP_JOB_CANCELLED || s == MP_JOB_FAILED;
}

/* Tells every listener about job `id`: its row is read once and its text
 * made once, whatever the number of listeners. */
static void notify(mp_jobs *j, const char *id)
{
    if (!j->nlisteners)
        return;
    mp_job_row row;
    if (mp_store_job_get(j->env.store, id, &row) != MP_STORE_OK)
        return;
    char *text = mp_jobs_progress_text(&row);
    if (!text)
        return;
    /* A listener may unlisten itself: iterate over a copy. */
    listener copy[LISTENERS_MAX];
    size_t n = j->nlisteners;
    memcpy(copy, j->listeners, n * sizeof *copy);
    for (size_t i = 0; i < n; i++)
        copy[i].cb(id, text, mp_job_state_final(row.state), copy[i].arg);
    free(text);
}

bool mp_jobs_listen(mp_jobs *j, mp_jobs_progress_cb cb, void *arg)
{
    if (j->nlisteners >= LISTENERS_MAX)
        return false;
    j->listeners[j->nlisteners++] = (listener){cb, arg};
    return true;
}

void mp_jobs_unlisten(mp_jobs *j, mp_jobs_progress_cb cb, void *arg)
{
    for (size_t i = 0; i < j->nlisteners; i++)
        if (j->listeners[i].cb == cb && j->listeners[i].arg == arg) {
            j->listeners[i] = j->listeners[--j->nlisteners];
            return;
        }
}

/* ---- writing results -------------------------------------------------------- */

static void kick(mp_jobs *j);
static void fail_running_jobs(mp_jobs *j, const char *why);

static void pending_free(pending_result *p)
{
    free(p->json);
    free(p->mx_json);
}

/* Writes every buffered result in one transaction. False when the store
 * failed: then nothing was written and the buffer is kept. */
static bool write_buffer(mp_jobs *j)
{
    mp_store *s = j->env.store;
    bool ok = mp_store_begin(s) == MP_STORE_OK;
    for (size_t i = 0; ok && i < j->nbuf; i++) {
        pending_result *p = &j->buf[i];
        if (mp_store_item_done(s, p->job_id, p->seq, p->status, p->json) == MP_STORE_ERROR)
            ok = false;
        else if (p->domain[0] &&
                 mp_store_domain_put(s, p->domain, p->mx_json, MP_UNKNOWN, p->provider, now_s()) == MP_STORE_ERROR)
            ok = false;
    }
    if (ok)
        ok = mp_store_commit(s) == MP_STORE_OK;
    if (!ok) {
        /* Before the rollback, which has its own words. */
        snprintf(j->write_error, sizeof j->write_error, "%s", mp_store_error(s));
        mp_store_rollback(s);
    }
    return ok;
}

/* After a failed write: wait (doubling) and try again, until
 * --store-retry-time has passed since the first failure; then the running
 * jobs fail and their buffered results are dropped. */
static void writer_failed(mp_jobs *j)
{
    const char *why = j->write_error;
    cJSON *f = cJSON_CreateObject();
    cJSON_AddStringToObject(f, "error", why);
    cJSON_AddNumberToObject(f, "buffered", (double)j->nbuf);
    mp_log("error", "storing results failed", f);
    double now = now_mono();
    if (j->writer == WRITER_OK) {
        j->writer = WRITER_RETRYING;
        j->first_failure = now;
        j->retry_ms = RETRY_FIRST_MS;
    } else {
        j->retry_ms = j->retry_ms * 2 > RETRY_MAX_MS ? RETRY_MAX_MS : j->retry_ms * 2;
    }
    if (now - j->first_failure >= j->env.cfg->store_retry_time_s) {
        char reason[320];
        snprintf(reason, sizeof reason, "storing results failed for %d s: %s", j->env.cfg->store_retry_time_s, why);
        j->writer = WRITER_OK;
        fail_running_jobs(j, reason);
        return;
    }
    struct timeval tv = {j->retry_ms / 1000, (j->retry_ms % 1000) * 1000};
    evtimer_del(j->flush_timer);
    evtimer_add(j->flush_timer, &tv);
}

/* Results of job `id` were written: its listeners hear of it with the next
 * progress tick, so a fast job sends five events a second, not one per
 * write. */
static void progress_due(mp_jobs *j, const char *id)
{
    for (job *jb = j->jobs; jb; jb = jb->next)
        if (!strcmp(jb->id, id))
            jb->progress_due = true;
    if (j->nlisteners && !evtimer_pending(j->progress_timer, NULL)) {
        struct timeval tv = {0, PROGRESS_EVERY_MS * 1000};
        evtimer_add(j->progress_timer, &tv);
    }
}

static void progress_timer_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    mp_jobs *j = arg;
    for (job *jb = j->jobs; jb; jb = jb->next)
        if (jb->progress_due) {
            jb->progress_due = false;
            notify(j, jb->id);
        }
}

void mp_jobs_flush(mp_jobs *j)
{
    if (!j->nbuf)
        return;
    if (!write_buffer(j)) {
        writer_failed(j);
        return;
    }
    bool was_retrying = j->writer == WRITER_RETRYING;
    j->writer = WRITER_OK;
    /* One notification per job touched, after the buffer is empty again so
     * a listener may call back into the runner (mp_jobs_status_json). */
    size_t n = j->nbuf;
    char (*touched)[MP_JOB_ID_LEN + 1] = malloc(n * sizeof *touched);
    size_t ntouched = 0;
    for (size_t i = 0; i < n; i++) {
        bool seen = false;
        for (size_t k = 0; touched && k < ntouched && !seen; k++)
            seen = !strcmp(touched[k], j->buf[i].job_id);
        if (touched && !seen)
            memcpy(touched[ntouched++], j->buf[i].job_id, MP_JOB_ID_LEN + 1);
        pending_free(&j->buf[i]);
    }
    j->nbuf = 0;
    for (size_t k = 0; k < ntouched; k++)
        progress_due(j, touched[k]);
    free(touched);
    if (was_retrying)
        kick(j); /* feeding was paused */
}

static void flush_timer_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    mp_jobs_flush(arg);
}

/* Room for one more result. The buffer holds at most FLUSH_BATCH results
 * while writes succeed; while they fail it also takes the results of the
 * probes still in flight (no new ones start), so it stays bounded by
 * max-running-jobs × job-in-flight. */
static pending_result *buffer_slot(mp_jobs *j)
{
    if (j->nbuf == j->capbuf) {
        size_t cap = j->capbuf ? j->capbuf * 2 : FLUSH_BATCH;
        pending_result *nb = realloc(j->buf, cap * sizeof *nb);
        if (!nb)
            return NULL;
        j->buf = nb;
        j->capbuf = cap;
    }
    return &j->buf[j->nbuf];
}

/* ---- the runner ------------------------------------------------------------ */

/* A zero timer, not event_active(): timers run after the loop has polled
 * sockets, so a job whose addresses finish instantly (invalid syntax) does
 * not starve HTTP clients. */
static void kick(mp_jobs *j)
{
    if (!evtimer_pending(j->kick, NULL)) {
        struct timeval now = {0, 0};
        evtimer_add(j->kick, &now);
    }
}

static char *mx_json_of(const mp_probe_details *d)
{
    cJSON *arr = cJSON_CreateArray();
    for (size_t i = 0; arr && i < d->mx_count; i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "host", d->mx[i].host);
        cJSON_AddNumberToObject(o, "preference", d->mx[i].preference);
        cJSON_AddItemToArray(arr, o);
    }
    char *t = arr ? cJSON_PrintUnformatted(arr) : NULL;
    cJSON_Delete(arr);
    return t;
}

static void on_probe_done(const mp_result *r, const mp_probe_details *d, void *arg)
{
    slot *sl = arg;
    job *jb = sl->owner;
    mp_jobs *j = jb->runner;
    sl->probe_id = 0;
    jb->active--;
    pending_result *p = buffer_slot(j);
    if (p) {
        memset(p, 0, sizeof *p);
        memcpy(p->job_id, jb->id, sizeof p->job_id);
        p->seq = sl->seq;
        p->json = mp_result_to_json_text(r, sl->input, sl->input_len, d);
        p->status = r->status;
    }
    /* Out of memory: the address stays unfinished and is fed again. */
    if (p && p->json) {
        j->nbuf++;
        if (d && d->mx_count && r->syntax.ascii_domain[0]) {
            snprintf(p->domain, sizeof p->domain, "%s", r->syntax.ascii_domain);
            p->mx_json = mx_json_of(d);
            p->provider = d->provider;
        }
    }
    if (j->writer == WRITER_RETRYING)
        return; /* the retry timer writes them */
    if (j->nbuf >= FLUSH_BATCH)
        mp_jobs_flush(j);
    else if (!evtimer_pending(j->flush_timer, NULL)) {
        struct timeval tv = {0, FLUSH_DELAY_MS * 1000};
        evtimer_add(j->flush_timer, &tv);
    }
    kick(j);
}

typedef struct feed_ctx { mp_jobs *j; job *jb; int fed; } feed_ctx;

static void feed_one(int64_t seq, const char *email, size_t len, void *arg)
{
    feed_ctx *fc = arg;
    job *jb = fc->jb;
    slot *sl = NULL;
    for (int i = 0; i < fc->j->env.cfg->job_in_flight; i++)
        if (!jb->slots[i].probe_id) {
            sl = &jb->slots[i];
            break;
        }
    if (!sl)
        return;
    sl->owner = jb;
    sl->seq = seq;
    /* Longer input is too_long whatever follows: the echo keeps the start. */
    sl->input_len = len < MP_INPUT_MAX ? len : MP_INPUT_MAX;
    memcpy(sl->input, email, sl->input_len);
    sl->input[sl->input_len] = 0;
    sl->probe_id = mp_prober_submit(fc->j->env.prober, email, len, on_probe_done, sl);
    jb->last_fed = seq;
    if (sl->probe_id) {
        jb->active++;
        fc->fed++;
    }
}

static void job_cancel_probes(mp_jobs *j, job *jb)
{
    for (int i = 0; i < j->env.cfg->job_in_flight; i++)
        if (jb->slots[i].probe_id) {
            mp_prober_cancel(j->env.prober, jb->slots[i].probe_id);
            jb->slots[i].probe_id = 0;
        }
    jb->active = 0;
}

static void job_remove(mp_jobs *j, job *jb)
{
    for (job **pp = &j->jobs; *pp; pp = &(*pp)->next)
        if (*pp == jb) {
            *pp = jb->next;
            break;
        }
    j->running--;
    free(jb->slots);
    free(jb);
}

/* Ends a running job: writes what is buffered, records the final state
 * (for a failed job with `reason`), tells the listeners and the webhook. */
static void finish(mp_jobs *j, job *jb, mp_job_state final, const char *reason)
{
    char id[MP_JOB_ID_LEN + 1];
    memcpy(id, jb->id, sizeof id);
    job_remove(j, jb);
    mp_store_status st = final == MP_JOB_FAILED ? mp_store_job_fail(j->env.store, id, reason, now_s())
                                                : mp_store_job_set_state(j->env.store, id, final, now_s());
    if (st != MP_STORE_OK)
        mp_log_detail("error", "recording the end of a job failed", mp_store_error(j->env.store));
    if (final == MP_JOB_DONE)
        j->env.metrics->jobs_finished++;
    notify(j, id);
    if (j->env.on_finished)
        j->env.on_finished(id, j->env.on_finished_arg);
    kick(j); /* a running slot is free for the next job */
}

/* The store gave up: every running job fails with `why`; results buffered
 * for them are dropped (their addresses were never marked done). */
static void fail_running_jobs(mp_jobs *j, const char *why)
{
    for (size_t i = 0; i < j->nbuf; i++)
        pending_free(&j->buf[i]);
    j->nbuf = 0;
    while (j->jobs) {
        job_cancel_probes(j, j->jobs);
        finish(j, j->jobs, MP_JOB_FAILED, why);
    }
}

static job *job_start(mp_jobs *j, const char *id)
{
    job *jb = calloc(1, sizeof *jb);
    if (!jb)
        return NULL;
    jb->slots = calloc((size_t)j->env.cfg->job_in_flight, sizeof(slot));
    if (!jb->slots) {
        free(jb);
        return NULL;
    }
    jb->runner = j;
    memcpy(jb->id, id, MP_JOB_ID_LEN + 1);
    jb->last_fed = -1;
    job **pp = &j->jobs;
    while (*pp)
        pp = &(*pp)->next;
    *pp = jb;
    j->running++;
    return jb;
}

/* Takes queued jobs from the store, oldest first, while fewer than
 * --max-running-jobs run. */
static void start_queued(mp_jobs *j)
{
    while (j->running < (size_t)j->env.cfg->max_running_jobs && j->queued > 0) {
        char id[MP_JOB_ID_LEN + 1];
        mp_store_status st = mp_store_job_next_queued(j->env.store, id);
        if (st == MP_STORE_NOT_FOUND) {
            j->queued = 0;
            return;
        }
        if (st != MP_STORE_OK || mp_store_job_set_state(j->env.store, id, MP_JOB_RUNNING, now_s()) != MP_STORE_OK)
            return; /* database trouble: try again on the next kick */
        j->queued--;
        if (!job_start(j, id)) {
            mp_store_job_set_state(j->env.store, id, MP_JOB_QUEUED, now_s());
            j->queued++;
            return;
        }
        notify(j, id);
    }
}

static void feed(mp_jobs *j, job *jb)
{
    const mp_serve_config *cfg = j->env.cfg;
    while (!jb->exhausted && jb->active < cfg->job_in_flight) {
        feed_ctx fc = {j, jb, 0};
        int want = cfg->job_in_flight - jb->active;
        size_t got = 0;
        if (mp_store_items_pending(j->env.store, jb->id, jb->last_fed, (size_t)want, feed_one, &fc, &got) !=
            MP_STORE_OK)
            return; /* database trouble: try again on the next kick */
        if (got < (size_t)want)
            jb->exhausted = true;
        if (fc.fed == 0 && got > 0)
            return; /* the prober is shutting down */
    }
}

/* A job with nothing in flight and nothing left to feed: done when the
 * store agrees. Results lost (out of memory) leave their rows unfinished,
 * and those are fed again — a bounded number of times. */
static void settle(mp_jobs *j, job *jb)
{
    mp_job_row row;
    mp_jobs_flush(j);
    if (j->writer != WRITER_OK || mp_store_job_get(j->env.store, jb->id, &row) != MP_STORE_OK)
        return;
    if (row.done >= row.total) {
        finish(j, jb, MP_JOB_DONE, NULL);
        return;
    }
    if (++jb->passes >= REFEED_PASSES_MAX) {
        char reason[256];
        snprintf(reason, sizeof reason, "%lld addresses could not be stored",
                 (long long)(row.total - row.done));
        finish(j, jb, MP_JOB_FAILED, reason);
        return;
    }
    jb->last_fed = -1;
    jb->exhausted = false;
    kick(j);
}

static void run_jobs(mp_jobs *j)
{
    if (j->writer != WRITER_OK)
        return; /* nothing new starts while results cannot be written */
    start_queued(j);
    for (job *jb = j->jobs, *next; jb; jb = next) {
        next = jb->next;
        feed(j, jb);
        if (jb->exhausted && jb->active == 0)
            settle(j, jb);
    }
}

static void kick_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    run_jobs(arg);
}

mp_jobs *mp_jobs_new(const mp_jobs_env *env)
{
    mp_jobs *j = calloc(1, sizeof *j);
    if (!j)
        return NULL;
    j->env = *env;
    j->flush_timer = evtimer_new(env->base, flush_timer_cb, j);
    j->kick = evtimer_new(env->base, kick_cb, j);
    j->progress_timer = evtimer_new(env->base, progress_timer_cb, j);
    if (!j->flush_timer || !j->kick || !j->progress_timer) {
        mp_jobs_free(j);
        return NULL;
    }
    return j;
}

void mp_jobs_free(mp_jobs *j)
{
    if (!j)
        return;
    while (j->jobs) {
        job *jb = j->jobs;
        job_cancel_probes(j, jb);
        j->jobs = jb->next;
        free(jb->slots);
        free(jb);
    }
    if (j->nbuf && !write_buffer(j))
        mp_log_detail("error", "storing results at exit failed", mp_store_error(j->env.store));
    for (size_t i = 0; i < j->nbuf; i++)
        pending_free(&j->buf[i]);
    free(j->buf);
    if (j->flush_timer)
        event_free(j->flush_timer);
    if (j->kick)
        event_free(j->kick);
    if (j->progress_timer)
        event_free(j->progress_timer);
    free(j);
}

size_t mp_jobs_resume(mp_jobs *j)
{
    /* A job that was running is queued again; it restarts after its last
     * stored result because finished rows are skipped. */
    size_t n = 0;
    if (mp_store_jobs_requeue(j->env.store, now_s(), &n) != MP_STORE_OK)
        mp_log_detail("error", "reading unfinished jobs failed", mp_store_error(j->env.store));
    j->queued = n;
    if (n)
        kick(j);
    return n;
}

static void random_id(char out[MP_JOB_ID_LEN + 1])
{
    unsigned char raw[MP_JOB_ID_LEN / 2] = {0};
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    ssize_t got = fd >= 0 ? read(fd, raw, sizeof raw) : -1;
    if (fd >= 0)
        close(fd);
    if (got != (ssize_t)sizeof raw) { /* no urandom: time and pid, still unique enough per host */
        struct timeval tv;
        gettimeofday(&tv, NULL);
        uint64_t v = ((uint64_t)tv.tv_sec << 20) ^ (uint64_t)tv.tv_usec ^ ((uint64_t)getpid() << 44);
        memcpy(raw, &v, sizeof raw < sizeof v ? sizeof raw : sizeof v);
    }
    for (size_t i = 0; i < sizeof raw; i++)
        snprintf(out + 2 * i, 3, "%02x", raw[i]);
    out[MP_JOB_ID_LEN] = 0;
}

const char *mp_jobs_error_name(mp_jobs_error e)
{
    static const char *const names[MP_JOBS_ERROR_COUNT] = {"ok", "too_many", "store"};
    return (unsigned)e < MP_JOBS_ERROR_COUNT ? names[e] : "?";
}

const char *mp_jobs_end_name(mp_jobs_end e)
{
    static const char *const names[MP_JOBS_END_COUNT] = {"cancelled", "deleted", "not_found", "store"};
    return (unsigned)e < MP_JOBS_END_COUNT ? names[e] : "?";
}

size_t mp_jobs_queued(const mp_jobs *j) { return j->queued; }

size_t mp_jobs_running(const mp_jobs *j) { return j->running; }

mp_jobs_error mp_jobs_create(mp_jobs *j, const mp_job_input *in, size_t n, char id_out[MP_JOB_ID_LEN + 1], char *err,
                             size_t errlen)
{
    size_t unfinished = j->queued + j->running;
    if (unfinished >= (size_t)j->env.cfg->max_queued_jobs) {
        snprintf(err, errlen, "%zu jobs are unfinished; try again later", unfinished);
        return MP_JOBS_TOO_MANY;
    }
    random_id(id_out);
    if (mp_store_job_create(j->env.store, id_out, in, n, now_s(), err, errlen) != MP_STORE_OK)
        return MP_JOBS_STORE;
    j->queued++;
    j->env.metrics->jobs_created++;
    kick(j);
    return MP_JOBS_OK;
}

mp_jobs_end mp_jobs_end_job(mp_jobs *j, const char *id)
{
    for (job *jb = j->jobs; jb; jb = jb->next) {
        if (strcmp(jb->id, id))
            continue;
        job_cancel_probes(j, jb);
        mp_jobs_flush(j);
        finish(j, jb, MP_JOB_CANCELLED, NULL);
        return MP_JOBS_END_CANCELLED;
    }
    mp_job_row row;
    mp_store_status st = mp_store_job_get(j->env.store, id, &row);
    if (st == MP_STORE_NOT_FOUND)
        return MP_JOBS_END_NOT_FOUND;
    if (st != MP_STORE_OK)
        return MP_JOBS_END_STORE;
    if (row.state == MP_JOB_QUEUED) {
        if (mp_store_job_set_state(j->env.store, id, MP_JOB_CANCELLED, now_s()) != MP_STORE_OK)
            return MP_JOBS_END_STORE;
        j->queued -= j->queued > 0;
        notify(j, id);
        return MP_JOBS_END_CANCELLED;
    }
    /* Finished (or running on no one: not possible with one runner). */
    st = mp_store_job_delete(j->env.store, id);
    return st == MP_STORE_OK ? MP_JOBS_END_DELETED : st == MP_STORE_NOT_FOUND ? MP_JOBS_END_NOT_FOUND
                                                                              : MP_JOBS_END_STORE;
}

cJSON *mp_jobs_status_json(mp_jobs *j, const char *id)
{
    mp_jobs_flush(j);
    mp_job_row row;
    if (mp_store_job_get(j->env.store, id, &row) != MP_STORE_OK)
        return NULL;
    return job_object(&row);
}
