/* jobs.c — the bulk job runner (jobs.h). One in-memory `job` per
 * unfinished job; its addresses live in the store and are read a window at a
 * time, so a 100,000-address job costs little memory. */
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
    LISTENERS_MAX = 256,
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
    mp_job_state state; /* QUEUED or RUNNING while in memory */
    int64_t last_fed;   /* highest seq given to the prober */
    bool exhausted;     /* nothing left to feed */
    int active;         /* slots in use */
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

struct mp_jobs {
    mp_jobs_env env;
    job *jobs; /* FIFO: oldest first */
    size_t running;
    pending_result buf[FLUSH_BATCH];
    size_t nbuf;
    struct event *flush_timer;
    struct event *kick; /* feeds jobs from a fresh loop turn */
    listener listeners[LISTENERS_MAX];
    size_t nlisteners;
};

static int64_t now_s(void) { return (int64_t)time(NULL); }

/* ---- listeners ------------------------------------------------------------ */

static void notify(mp_jobs *j, const char *id)
{
    /* A listener may unlisten itself: iterate over a copy. */
    listener copy[LISTENERS_MAX];
    size_t n = j->nlisteners;
    memcpy(copy, j->listeners, n * sizeof *copy);
    for (size_t i = 0; i < n; i++)
        copy[i].cb(id, copy[i].arg);
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

void mp_jobs_flush(mp_jobs *j)
{
    if (!j->nbuf)
        return;
    mp_store *s = j->env.store;
    bool ok = mp_store_begin(s) == MP_STORE_OK;
    for (size_t i = 0; ok && i < j->nbuf; i++) {
        pending_result *p = &j->buf[i];
        if (mp_store_item_done(s, p->job_id, p->seq, p->status, p->json) == MP_STORE_ERROR)
            ok = false;
        else if (p->domain[0])
            mp_store_domain_put(s, p->domain, p->mx_json, MP_UNKNOWN, p->provider, now_s());
    }
    if (ok)
        ok = mp_store_commit(s) == MP_STORE_OK;
    if (!ok) {
        /* Nothing was stored: the addresses stay unfinished and are probed
         * again after a restart. Log it; there is no one else to tell. */
        cJSON *f = cJSON_CreateObject();
        cJSON_AddStringToObject(f, "error", mp_store_error(s));
        mp_log("error", "storing results failed", f);
        mp_store_rollback(s);
    }
    /* One notification per job touched, after the buffer is empty again so
     * a listener may call back into the runner (mp_jobs_status_json). */
    char touched[FLUSH_BATCH][MP_JOB_ID_LEN + 1];
    size_t ntouched = 0;
    for (size_t i = 0; i < j->nbuf; i++) {
        bool seen = false;
        for (size_t k = 0; k < ntouched && !seen; k++)
            seen = !strcmp(touched[k], j->buf[i].job_id);
        if (!seen)
            memcpy(touched[ntouched++], j->buf[i].job_id, MP_JOB_ID_LEN + 1);
        free(j->buf[i].json);
        free(j->buf[i].mx_json);
    }
    j->nbuf = 0;
    for (size_t k = 0; k < ntouched; k++)
        notify(j, touched[k]);
}

static void flush_timer_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    mp_jobs_flush(arg);
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
    if (j->nbuf == FLUSH_BATCH)
        mp_jobs_flush(j);
    pending_result *p = &j->buf[j->nbuf];
    memset(p, 0, sizeof *p);
    memcpy(p->job_id, jb->id, sizeof p->job_id);
    p->seq = sl->seq;
    p->json = mp_result_to_json_text(r, sl->input, sl->input_len, d);
    p->status = r->status;
    if (!p->json) {
        /* Out of memory: leave the address unfinished for the next run. */
        p->json = NULL;
    } else {
        j->nbuf++;
        if (d && d->mx_count && r->syntax.ascii_domain[0]) {
            snprintf(p->domain, sizeof p->domain, "%s", r->syntax.ascii_domain);
            p->mx_json = mx_json_of(d);
            p->provider = d->provider;
        }
    }
    sl->probe_id = 0;
    jb->active--;
    if (j->nbuf >= FLUSH_BATCH)
        mp_jobs_flush(j);
    else if (!evtimer_pending(j->flush_timer, NULL)) {
        struct timeval tv = {0, FLUSH_DELAY_MS * 1000};
        evtimer_add(j->flush_timer, &tv);
    }
    kick(j);
}

static slot *slots_new(int n) { return calloc((size_t)n, sizeof(slot)); }
static void slots_free(slot *s) { free(s); }

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

static void job_remove(mp_jobs *j, job *jb)
{
    for (job **pp = &j->jobs; *pp; pp = &(*pp)->next)
        if (*pp == jb) {
            *pp = jb->next;
            break;
        }
    if (jb->state == MP_JOB_RUNNING)
        j->running--;
    slots_free(jb->slots);
    free(jb);
}

static void finish(mp_jobs *j, job *jb, mp_job_state final)
{
    char id[MP_JOB_ID_LEN + 1];
    memcpy(id, jb->id, sizeof id);
    mp_jobs_flush(j);
    mp_store_job_set_state(j->env.store, id, final, now_s());
    job_remove(j, jb);
    if (final == MP_JOB_DONE)
        j->env.metrics->jobs_finished++;
    notify(j, id);
    if (j->env.on_finished)
        j->env.on_finished(id, j->env.on_finished_arg);
}

static void run_jobs(mp_jobs *j)
{
    const mp_serve_config *cfg = j->env.cfg;
    for (job *jb = j->jobs, *next; jb; jb = next) {
        next = jb->next;
        if (jb->state == MP_JOB_QUEUED) {
            if (j->running >= (size_t)cfg->max_running_jobs)
                continue;
            jb->state = MP_JOB_RUNNING;
            j->running++;
            mp_store_job_set_state(j->env.store, jb->id, MP_JOB_RUNNING, now_s());
            notify(j, jb->id);
        }
        while (!jb->exhausted && jb->active < cfg->job_in_flight) {
            feed_ctx fc = {j, jb, 0};
            int want = cfg->job_in_flight - jb->active;
            size_t got = 0;
            if (mp_store_items_pending(j->env.store, jb->id, jb->last_fed, (size_t)want, feed_one, &fc, &got) !=
                MP_STORE_OK)
                break; /* database trouble: try again on the next kick */
            if (got < (size_t)want)
                jb->exhausted = true;
            if (fc.fed == 0 && got > 0)
                break; /* the prober is shutting down */
        }
        if (jb->exhausted && jb->active == 0) {
            /* Done only when the store agrees: results lost to a failed
             * write leave their rows unfinished, and those are fed again. */
            mp_job_row row;
            mp_jobs_flush(j);
            if (mp_store_job_get(j->env.store, jb->id, &row) == MP_STORE_OK && row.done < row.total) {
                jb->last_fed = -1;
                jb->exhausted = false;
                kick(j);
                continue;
            }
            finish(j, jb, MP_JOB_DONE);
        }
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
    if (!j->flush_timer || !j->kick) {
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
        for (int i = 0; i < j->env.cfg->job_in_flight; i++)
            if (jb->slots && jb->slots[i].probe_id)
                mp_prober_cancel(j->env.prober, jb->slots[i].probe_id);
        j->jobs = jb->next;
        slots_free(jb->slots);
        free(jb);
    }
    mp_jobs_flush(j);
    if (j->flush_timer)
        event_free(j->flush_timer);
    if (j->kick)
        event_free(j->kick);
    free(j);
}

static job *job_add(mp_jobs *j, const char *id)
{
    job *jb = calloc(1, sizeof *jb);
    if (!jb)
        return NULL;
    jb->slots = slots_new(j->env.cfg->job_in_flight);
    jb->runner = j;
    if (!jb->slots) {
        free(jb);
        return NULL;
    }
    memcpy(jb->id, id, MP_JOB_ID_LEN + 1);
    jb->state = MP_JOB_QUEUED;
    jb->last_fed = -1;
    job **pp = &j->jobs;
    while (*pp)
        pp = &(*pp)->next;
    *pp = jb;
    return jb;
}

size_t mp_jobs_resume(mp_jobs *j)
{
    char ids[1024][MP_JOB_ID_LEN + 1];
    size_t n = 0;
    mp_store_jobs_unfinished(j->env.store, ids, 1024, &n);
    for (size_t i = 0; i < n; i++) {
        /* A job that was running is queued again; it restarts after its last
         * stored result because finished rows are skipped. */
        mp_store_job_set_state(j->env.store, ids[i], MP_JOB_QUEUED, now_s());
        job_add(j, ids[i]);
    }
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

size_t mp_jobs_queued(const mp_jobs *j)
{
    size_t n = 0;
    for (const job *jb = j->jobs; jb; jb = jb->next)
        n += jb->state == MP_JOB_QUEUED;
    return n;
}

size_t mp_jobs_running(const mp_jobs *j) { return j->running; }

mp_jobs_error mp_jobs_create(mp_jobs *j, const mp_job_input *in, size_t n, const mp_job_source *source,
                             char id_out[MP_JOB_ID_LEN + 1], char *err, size_t errlen)
{
    size_t unfinished = 0;
    for (const job *jb = j->jobs; jb; jb = jb->next)
        unfinished++;
    if (unfinished >= (size_t)j->env.cfg->max_queued_jobs) {
        snprintf(err, errlen, "%zu jobs are unfinished; try again later", unfinished);
        return MP_JOBS_TOO_MANY;
    }
    random_id(id_out);
    if (mp_store_job_create(j->env.store, id_out, in, n, source, now_s(), err, errlen) != MP_STORE_OK)
        return MP_JOBS_STORE;
    if (!job_add(j, id_out)) {
        snprintf(err, errlen, "out of memory");
        return MP_JOBS_STORE;
    }
    j->env.metrics->jobs_created++;
    kick(j);
    return MP_JOBS_OK;
}

bool mp_jobs_cancel(mp_jobs *j, const char *id)
{
    mp_job_row row;
    if (mp_store_job_get(j->env.store, id, &row) != MP_STORE_OK)
        return false;
    for (job *jb = j->jobs; jb; jb = jb->next) {
        if (strcmp(jb->id, id))
            continue;
        for (int i = 0; i < j->env.cfg->job_in_flight; i++)
            if (jb->slots[i].probe_id) {
                mp_prober_cancel(j->env.prober, jb->slots[i].probe_id);
                jb->slots[i].probe_id = 0;
            }
        jb->active = 0;
        finish(j, jb, MP_JOB_CANCELLED);
        kick(j); /* a running slot is free for the next job */
        return true;
    }
    return true; /* done or cancelled already: nothing to do */
}

cJSON *mp_jobs_status_json(mp_jobs *j, const char *id)
{
    mp_jobs_flush(j);
    mp_job_row row;
    int64_t counts[MP_STATUS_COUNT];
    if (mp_store_job_get(j->env.store, id, &row) != MP_STORE_OK ||
        mp_store_job_counts(j->env.store, id, counts) != MP_STORE_OK)
        return NULL;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", row.id);
    cJSON_AddStringToObject(o, "state", mp_job_state_name(row.state));
    cJSON_AddNumberToObject(o, "total", (double)row.total);
    cJSON_AddNumberToObject(o, "done", (double)row.done);
    cJSON *c = cJSON_AddObjectToObject(o, "counts");
    for (int s = 0; s < MP_STATUS_COUNT; s++)
        cJSON_AddNumberToObject(c, mp_status_name((mp_status)s), (double)counts[s]);
    cJSON_AddNumberToObject(o, "created", (double)row.created);
    cJSON_AddNumberToObject(o, "updated", (double)row.updated);
    return o;
}
