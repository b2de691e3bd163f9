/* store.c — the store interface (store.h): a bounded queue of requests, one
 * thread that runs them in order against the backend (store_backend.h),
 * and their callbacks back on the event loop.
 *
 * Hand-off: a request belongs to the loop until it is queued, to the
 * store thread while it waits and runs, and to the loop again once it is
 * on the done list; the mutex only guards the two lists. Each side wakes
 * the other with an eventfd: the thread sleeps in poll() on its eventfd
 * and the backend's notice socket (PostgreSQL LISTEN), the loop watches
 * the other eventfd with a libevent event. */
#include "store.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "store_backend.h"
#include "store_pg.h"
#include "store_sqlite.h"

typedef enum req_op {
    OP_JOB_CREATE, OP_JOB_SOURCE, OP_JOB_GET, OP_JOB_END, OP_JOB_FINISH, OP_JOB_FAIL, OP_BEAT, OP_LEASE, OP_RELEASE, OP_WRITE,
    OP_PAGE, OP_PENDING_PAGE, OP_CACHE_GET, OP_CACHE_PUT, OP_DOMAIN_GET, OP_DOMAIN_PUT, OP_ALLOWANCES, OP_UPKEEP,
    OP_NOTICE, /* made by the thread: a job changed elsewhere */
} req_op;

typedef struct req req;
struct req {
    req_op op;
    mp_store_status st;
    char err[MP_STORE_ERROR_MAX];
    void (*cb)(void); /* the op's callback type, cast back in finish() */
    void *arg;
    req *next;
    union {
        struct { mp_store_new_job job; char *buf; size_t *off, *len, *row_len; ptrdiff_t *row_off; } create;
        struct { char id[MP_JOB_ID_LEN + 1]; mp_store_source_out out; } source;
        struct { char id[MP_JOB_ID_LEN + 1]; int64_t now; char reason[MP_STORE_ERROR_MAX]; mp_job_row row; } job;
        struct { mp_store_beat_args a; mp_store_beat_out out; } beat;
        struct { mp_store_lease_args a; mp_store_lease_out out; } lease;
        struct { char worker[MP_WORKER_ID_LEN + 1]; char job_id[MP_JOB_ID_LEN + 1]; } release;
        struct { mp_store_batch *batch; int64_t now; mp_store_write_out out; } write;
        struct { char id[MP_JOB_ID_LEN + 1]; int64_t after; size_t limit; mp_store_page_out out; } page;
        struct { char *address, *json; int64_t when; size_t max; } cache;
        struct { char domain[MP_DOMAIN_MAX + 1]; mp_tristate catch_all; int64_t now; mp_store_domain_row row; } domain;
        struct { mp_store_upkeep_policy p; mp_store_upkeep_report r; } upkeep;
        struct { mp_store_allowance_args a; mp_store_arena in; mp_store_allowance_out out; } allowances;
        struct { char job_id[MP_JOB_ID_LEN + 1]; } notice;
    } u;
};

struct mp_store {
    const mp_store_ops *ops;
    mp_store_db *be;
    int version;
    struct event_base *base;
    pthread_t thread;
    bool thread_started;
    pthread_mutex_t mu;
    req *todo, **todo_tail; /* guarded by mu */
    size_t todo_count;      /* guarded by mu */
    req *done, **done_tail; /* guarded by mu */
    bool stopping;          /* guarded by mu */
    int todo_fd, done_fd;   /* eventfds: wake the thread, wake the loop */
    struct event *done_ev;
    size_t in_flight;       /* loop side: submitted, callback not yet run */
    mp_store_notice_cb notice_cb;
    void *notice_arg;
    mp_store_stats stats;   /* loop side */
    _Atomic uint64_t round_trips; /* written by the thread */
};

/* ---- the thread ---------------------------------------------------------------------- */

static void wake(int fd)
{
    uint64_t one = 1;
    while (write(fd, &one, sizeof one) < 0 && errno == EINTR) {
    }
}

static void clear(int fd)
{
    uint64_t n;
    while (read(fd, &n, sizeof n) < 0 && errno == EINTR) {
    }
}

static void push_done(mp_store *s, req *r)
{
    pthread_mutex_lock(&s->mu);
    r->next = NULL;
    *s->done_tail = r;
    s->done_tail = &r->next;
    pthread_mutex_unlock(&s->mu);
    wake(s->done_fd);
}

/* Runs one request against the backend (store thread). */
static void run(mp_store *s, req *r)
{
    const mp_store_ops *o = s->ops;
    mp_store_db *b = s->be;
    char *e = r->err;
    switch (r->op) {
    case OP_JOB_CREATE: r->st = o->job_create(b, &r->u.create.job, e); break;
    case OP_JOB_SOURCE: r->st = o->job_source(b, r->u.source.id, &r->u.source.out, e); break;
    case OP_JOB_GET: r->st = o->job_get(b, r->u.job.id, &r->u.job.row, e); break;
    case OP_JOB_END: r->st = o->job_end(b, r->u.job.id, r->u.job.now, &r->u.job.row, e); break;
    case OP_JOB_FINISH: r->st = o->job_finish(b, r->u.job.id, r->u.job.now, &r->u.job.row, e); break;
    case OP_JOB_FAIL: r->st = o->job_fail(b, r->u.job.id, r->u.job.reason, r->u.job.now, &r->u.job.row, e); break;
    case OP_BEAT: r->st = o->beat(b, &r->u.beat.a, &r->u.beat.out, e); break;
    case OP_LEASE: r->st = o->lease(b, &r->u.lease.a, &r->u.lease.out, e); break;
    case OP_RELEASE:
        r->st = o->release(b, r->u.release.worker, r->u.release.job_id[0] ? r->u.release.job_id : NULL, e);
        break;
    case OP_WRITE: r->st = o->write(b, r->u.write.batch, r->u.write.now, &r->u.write.out, e); break;
    case OP_PAGE:
    case OP_PENDING_PAGE:
        r->st = o->page(b, r->u.page.id, r->u.page.after, r->u.page.limit, r->op == OP_PENDING_PAGE, &r->u.page.out, e);
        break;
    case OP_CACHE_GET: r->st = o->cache_get(b, r->u.cache.address, r->u.cache.when, &r->u.cache.json, e); break;
    case OP_CACHE_PUT:
        r->st = o->cache_put(b, r->u.cache.address, r->u.cache.json, r->u.cache.when, r->u.cache.max, e);
        break;
    case OP_DOMAIN_GET: r->st = o->domain_get(b, r->u.domain.domain, &r->u.domain.row, e); break;
    case OP_DOMAIN_PUT:
        r->st = o->domain_put(b, r->u.domain.domain, r->u.domain.catch_all, r->u.domain.now, e);
        break;
    case OP_UPKEEP: r->st = o->upkeep(b, &r->u.upkeep.p, &r->u.upkeep.r, e); break;
    case OP_ALLOWANCES: r->st = o->allowances(b, &r->u.allowances.a, &r->u.allowances.out, e); break;
    case OP_NOTICE: break;
    }
    if (r->st == MP_STORE_OK || r->st == MP_STORE_NOT_FOUND || r->st == MP_STORE_UNCHANGED)
        r->err[0] = '\0';
    else if (!r->err[0])
        snprintf(r->err, sizeof r->err, "%s failed", s->ops->name);
}

static void emit_notice(const char *job_id, void *ctx)
{
    mp_store *s = ctx;
    req *r = calloc(1, sizeof *r);
    if (!r)
        return; /* a notice is a hint: polling catches up */
    r->op = OP_NOTICE;
    snprintf(r->u.notice.job_id, sizeof r->u.notice.job_id, "%s", job_id);
    push_done(s, r);
}

static void *store_thread(void *arg)
{
    mp_store *s = arg;
    for (;;) {
        pthread_mutex_lock(&s->mu);
        req *r = s->todo;
        if (r) {
            s->todo = r->next;
            if (!s->todo)
                s->todo_tail = &s->todo;
            s->todo_count--;
        }
        bool stopping = s->stopping;
        pthread_mutex_unlock(&s->mu);
        if (r) {
            run(s, r);
            atomic_store(&s->round_trips, s->ops->round_trips(s->be));
            push_done(s, r);
            s->ops->notices(s->be, emit_notice, s); /* those that came with the answers */
            continue;
        }
        if (stopping)
            break;
        int nfd = s->ops->notice_fd(s->be);
        struct pollfd p[2] = {{.fd = s->todo_fd, .events = POLLIN}, {.fd = nfd, .events = POLLIN}};
        if (poll(p, nfd >= 0 ? 2 : 1, -1) < 0)
            continue;
        if (p[0].revents)
            clear(s->todo_fd);
        if (nfd >= 0 && p[1].revents)
            s->ops->notices(s->be, emit_notice, s);
    }
    return NULL;
}

/* ---- the loop side --------------------------------------------------------------------- */

static void req_free(req *r)
{
    switch (r->op) {
    case OP_JOB_CREATE:
        free(r->u.create.buf);
        free(r->u.create.off);
        free(r->u.create.len);
        free(r->u.create.row_off);
        free(r->u.create.row_len);
        break;
    case OP_JOB_SOURCE: mp_store_arena_free(&r->u.source.out.arena); break;
    case OP_BEAT: free(r->u.beat.out.running); break;
    case OP_LEASE:
        free(r->u.lease.out.items);
        free(r->u.lease.out.facts);
        mp_store_arena_free(&r->u.lease.out.arena);
        break;
    case OP_WRITE:
        mp_store_batch_free(r->u.write.batch); /* NULL when the callback took it */
        free(r->u.write.out.jobs);
        break;
    case OP_PAGE:
    case OP_PENDING_PAGE:
        free(r->u.page.out.rows);
        mp_store_arena_free(&r->u.page.out.arena);
        break;
    case OP_CACHE_GET:
    case OP_CACHE_PUT:
        free(r->u.cache.address);
        free(r->u.cache.json);
        break;
    case OP_DOMAIN_GET: free(r->u.domain.row.mx_json); break;
    case OP_ALLOWANCES:
        free(r->u.allowances.a.asks);
        mp_store_arena_free(&r->u.allowances.in);
        free(r->u.allowances.out.grants);
        mp_store_arena_free(&r->u.allowances.out.arena);
        break;
    default: break;
    }
    free(r);
}

/* Runs a finished request's callback (loop side). */
static void finish(mp_store *s, req *r)
{
    if (r->op == OP_NOTICE) {
        if (s->notice_cb)
            s->notice_cb(r->u.notice.job_id, s->notice_arg);
        req_free(r);
        return;
    }
    s->in_flight--;
    s->stats.requests++;
    s->stats.errors += r->st == MP_STORE_ERROR;
    if (r->op == OP_LEASE && r->st == MP_STORE_OK)
        s->stats.leased += r->u.lease.out.count;
    if (r->op == OP_WRITE && r->st == MP_STORE_OK)
        s->stats.written += r->u.write.out.stored;
    if (!r->cb) { /* fire and forget */
        req_free(r);
        return;
    }
    switch (r->op) {
    case OP_JOB_CREATE:
    case OP_RELEASE:
    case OP_CACHE_PUT:
    case OP_DOMAIN_PUT:
        ((mp_store_done_cb)r->cb)(r->st, r->err, r->arg);
        break;
    case OP_JOB_SOURCE:
        ((mp_store_source_cb)r->cb)(r->st, r->st == MP_STORE_OK ? &r->u.source.out.source : NULL, r->err, r->arg);
        break;
    case OP_JOB_GET:
    case OP_JOB_END:
    case OP_JOB_FINISH:
    case OP_JOB_FAIL: {
        /* A row for OK, and for UNCHANGED when there is one (job_end's
         * "deleted" has none). */
        bool row = r->st == MP_STORE_OK || (r->st == MP_STORE_UNCHANGED && r->u.job.row.id[0]);
        ((mp_store_job_cb)r->cb)(r->st, row ? &r->u.job.row : NULL, r->err, r->arg);
        break;
    }
    case OP_BEAT: {
        mp_store_beat_result br = {r->u.beat.out.running_count, (const char(*)[MP_JOB_ID_LEN + 1])r->u.beat.out.running,
                                   r->u.beat.out.reaped, r->u.beat.out.cluster};
        ((mp_store_beat_cb)r->cb)(r->st, r->st == MP_STORE_OK ? &br : NULL, r->err, r->arg);
        break;
    }
    case OP_LEASE: {
        const mp_store_lease_out *o = &r->u.lease.out;
        mp_store_lease_result lr = {o->count, o->items, o->fact_count, o->facts};
        ((mp_store_lease_cb)r->cb)(r->st, r->st == MP_STORE_OK ? &lr : NULL, r->err, r->arg);
        break;
    }
    case OP_WRITE: {
        const mp_store_write_out *o = &r->u.write.out;
        mp_store_write_result wr = {o->stored, o->unchanged, o->job_count, o->jobs};
        mp_store_batch *batch = r->u.write.batch;
        r->u.write.batch = NULL; /* the caller's again */
        ((mp_store_write_cb)r->cb)(r->st, batch, r->st == MP_STORE_OK ? &wr : NULL, r->err, r->arg);
        break;
    }
    case OP_PAGE:
    case OP_PENDING_PAGE:
        ((mp_store_page_cb)r->cb)(r->st, r->u.page.out.rows, r->u.page.out.count, r->err, r->arg);
        break;
    case OP_CACHE_GET:
        ((mp_store_text_cb)r->cb)(r->st, r->st == MP_STORE_OK ? r->u.cache.json : NULL, r->err, r->arg);
        break;
    case OP_DOMAIN_GET:
        ((mp_store_domain_cb)r->cb)(r->st, r->st == MP_STORE_OK ? &r->u.domain.row : NULL, r->err, r->arg);
        break;
    case OP_UPKEEP:
        ((mp_store_upkeep_cb)r->cb)(r->st, r->st == MP_STORE_OK ? &r->u.upkeep.r : NULL, r->err, r->arg);
        break;
    case OP_ALLOWANCES: {
        const mp_store_allowance_out *o = &r->u.allowances.out;
        bool ok = r->st == MP_STORE_OK;
        ((mp_store_allowance_cb)r->cb)(r->st, ok ? o->grants : NULL, ok ? o->count : 0, r->err, r->arg);
        break;
    }
    case OP_NOTICE: break;
    }
    req_free(r);
}

/* Runs every finished request's callback; true when there were any. */
static bool finish_all(mp_store *s)
{
    pthread_mutex_lock(&s->mu);
    req *list = s->done;
    s->done = NULL;
    s->done_tail = &s->done;
    pthread_mutex_unlock(&s->mu);
    for (req *r = list, *next; r; r = next) {
        next = r->next;
        finish(s, r);
    }
    return list != NULL;
}

static void on_done(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    mp_store *s = arg;
    clear(s->done_fd);
    finish_all(s);
}

static req *req_new(req_op op, void (*cb)(void), void *arg)
{
    req *r = calloc(1, sizeof *r);
    if (r) {
        r->op = op;
        r->cb = cb;
        r->arg = arg;
    }
    return r;
}

/* Queues `r` (taking it): OK, or BUSY when the queue is full (then it is
 * freed and its callback never runs). */
static mp_store_status submit(mp_store *s, req *r)
{
    if (!r)
        return MP_STORE_ERROR;
    pthread_mutex_lock(&s->mu);
    if (s->todo_count >= MP_STORE_QUEUE_MAX || s->stopping) {
        pthread_mutex_unlock(&s->mu);
        if (r->op == OP_WRITE)
            r->u.write.batch = NULL; /* still the caller's */
        req_free(r);
        s->stats.busy++;
        return MP_STORE_BUSY;
    }
    r->next = NULL;
    *s->todo_tail = r;
    s->todo_tail = &r->next;
    s->todo_count++;
    pthread_mutex_unlock(&s->mu);
    s->in_flight++;
    wake(s->todo_fd);
    return MP_STORE_OK;
}

/* ---- open and close ------------------------------------------------------------------- */

mp_store *mp_store_open(struct event_base *base, const char *location, char *err, size_t errlen)
{
    mp_store *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->base = base;
    s->todo_tail = &s->todo;
    s->done_tail = &s->done;
    s->todo_fd = s->done_fd = -1;
    pthread_mutex_init(&s->mu, NULL);
    s->be = mp_store_pg_location(location) ? mp_store_pg_open(location, &s->ops, &s->version, err, errlen)
                                           : mp_store_sqlite_open(location, &s->ops, &s->version, err, errlen);
    if (!s->be)
        goto fail;
    s->todo_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    s->done_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    s->done_ev = s->done_fd >= 0 ? event_new(base, s->done_fd, EV_READ | EV_PERSIST, on_done, s) : NULL;
    if (s->todo_fd < 0 || !s->done_ev || event_add(s->done_ev, NULL) != 0) {
        snprintf(err, errlen, "store: cannot set up its events: %s", strerror(errno));
        goto fail;
    }
    if (pthread_create(&s->thread, NULL, store_thread, s) != 0) {
        snprintf(err, errlen, "store: cannot start its thread");
        goto fail;
    }
    s->thread_started = true;
    return s;
fail:
    mp_store_close(s);
    return NULL;
}

void mp_store_drain(mp_store *s)
{
    while (s->in_flight > 0) {
        struct pollfd p = {.fd = s->done_fd, .events = POLLIN};
        if (!finish_all(s))
            poll(&p, 1, 100);
        clear(s->done_fd);
    }
}

void mp_store_close(mp_store *s)
{
    if (!s)
        return;
    if (s->thread_started) {
        mp_store_drain(s);
        pthread_mutex_lock(&s->mu);
        s->stopping = true;
        pthread_mutex_unlock(&s->mu);
        wake(s->todo_fd);
        pthread_join(s->thread, NULL);
        s->notice_cb = NULL;
        finish_all(s); /* notices that came last */
    }
    if (s->be)
        s->ops->close(s->be);
    if (s->done_ev)
        event_free(s->done_ev);
    if (s->todo_fd >= 0)
        close(s->todo_fd);
    if (s->done_fd >= 0)
        close(s->done_fd);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

void mp_store_location_public(const char *location, char *out, size_t cap)
{
    snprintf(out, cap, "%s", location);
    if (!mp_store_pg_location(out))
        return;
    char *user = strstr(out, "://") + 3, *at = strchr(user, '@'), *slash = strchr(user, '/');
    char *colon = at ? memchr(user, ':', (size_t)(at - user)) : NULL;
    if (colon && (!slash || at < slash) && (size_t)(colon - out) + 5 < cap) {
        memmove(colon + 4, at, strlen(at) + 1); /* ":***@..." */
        memcpy(colon + 1, "***", 3);
    }
    for (char *p = strstr(out, "password="); p; p = strstr(p + 1, "password=")) {
        char *v = p + 9, *end = v + strcspn(v, "& ");
        if ((size_t)(v - out) + 4 < cap) {
            memmove(v + 3, end, strlen(end) + 1);
            memcpy(v, "***", 3);
        }
    }
}

const char *mp_store_backend(const mp_store *s) { return s->ops->name; }
bool mp_store_shared(const mp_store *s) { return s->ops->shared; }
int mp_store_schema_version(const mp_store *s) { return s->version; }

void mp_store_stats_get(const mp_store *s, mp_store_stats *out)
{
    *out = s->stats;
    out->round_trips = atomic_load(&((mp_store *)s)->round_trips);
    pthread_mutex_lock(&((mp_store *)s)->mu);
    out->queued = s->todo_count;
    pthread_mutex_unlock(&((mp_store *)s)->mu);
}

void mp_store_on_notice(mp_store *s, mp_store_notice_cb cb, void *arg)
{
    s->notice_cb = cb;
    s->notice_arg = arg;
}

/* ---- the operations ------------------------------------------------------------------ */

#define CB(f) ((void (*)(void))(f))

mp_store_status mp_store_job_create(mp_store *s, const char *id, const mp_job_input *in, size_t n,
                                    const mp_job_source *source, int64_t now, size_t max_unfinished,
                                    mp_store_done_cb cb, void *arg)
{
    req *r = req_new(OP_JOB_CREATE, CB(cb), arg);
    if (!r)
        return MP_STORE_ERROR;
    /* Everything in one buffer: addresses, rows, then the source's shape
     * (NUL-terminated) and header. */
    size_t total = 0, shape_len = source && source->shape ? strlen(source->shape) + 1 : 0;
    for (size_t i = 0; i < n; i++)
        total += in[i].len + (in[i].row ? in[i].row_len : 0);
    total += shape_len + (source && source->header ? source->header_len : 0);
    size_t slots = n ? n : 1;
    r->u.create.buf = malloc(total ? total : 1);
    r->u.create.off = malloc(slots * sizeof(size_t));
    r->u.create.len = malloc(slots * sizeof(size_t));
    r->u.create.row_off = malloc(slots * sizeof(ptrdiff_t));
    r->u.create.row_len = malloc(slots * sizeof(size_t));
    if (!r->u.create.buf || !r->u.create.off || !r->u.create.len || !r->u.create.row_off || !r->u.create.row_len) {
        req_free(r);
        return MP_STORE_ERROR;
    }
    char *buf = r->u.create.buf;
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
        if (in[i].len)
            memcpy(buf + at, in[i].p, in[i].len);
        r->u.create.off[i] = at;
        r->u.create.len[i] = in[i].len;
        at += in[i].len;
        r->u.create.row_off[i] = in[i].row ? (ptrdiff_t)at : MP_STORE_NO_ROW;
        r->u.create.row_len[i] = in[i].row ? in[i].row_len : 0;
        if (in[i].row && in[i].row_len)
            memcpy(buf + at, in[i].row, in[i].row_len);
        at += r->u.create.row_len[i];
    }
    mp_store_new_job *job = &r->u.create.job;
    if (shape_len) {
        memcpy(buf + at, source->shape, shape_len);
        job->source.shape = buf + at;
        at += shape_len;
        if (source->header) {
            if (source->header_len)
                memcpy(buf + at, source->header, source->header_len);
            job->source.header = buf + at;
            job->source.header_len = source->header_len;
        }
    }
    snprintf(job->id, sizeof job->id, "%s", id);
    job->buf = buf;
    job->off = r->u.create.off;
    job->len = r->u.create.len;
    job->row_off = r->u.create.row_off;
    job->row_len = r->u.create.row_len;
    job->n = n;
    job->now = now;
    job->max_unfinished = max_unfinished;
    return submit(s, r);
}

mp_store_status mp_store_job_source(mp_store *s, const char *id, mp_store_source_cb cb, void *arg)
{
    req *r = req_new(OP_JOB_SOURCE, CB(cb), arg);
    if (!r)
        return MP_STORE_ERROR;
    snprintf(r->u.source.id, sizeof r->u.source.id, "%s", id);
    return submit(s, r);
}

static mp_store_status job_request(mp_store *s, req_op op, const char *id, int64_t now, const char *reason,
                                   mp_store_job_cb cb, void *arg)
{
    req *r = req_new(op, CB(cb), arg);
    if (!r)
        return MP_STORE_ERROR;
    snprintf(r->u.job.id, sizeof r->u.job.id, "%s", id);
    r->u.job.now = now;
    if (reason)
        snprintf(r->u.job.reason, sizeof r->u.job.reason, "%.*s", (int)mp_store_reason_len(reason), reason);
    return submit(s, r);
}

mp_store_status mp_store_job_get(mp_store *s, const char *id, mp_store_job_cb cb, void *arg)
{
    return job_request(s, OP_JOB_GET, id, 0, NULL, cb, arg);
}

mp_store_status mp_store_job_end(mp_store *s, const char *id, int64_t now, mp_store_job_cb cb, void *arg)
{
    return job_request(s, OP_JOB_END, id, now, NULL, cb, arg);
}

mp_store_status mp_store_job_finish(mp_store *s, const char *id, int64_t now, mp_store_job_cb cb, void *arg)
{
    return job_request(s, OP_JOB_FINISH, id, now, NULL, cb, arg);
}

mp_store_status mp_store_job_fail(mp_store *s, const char *id, const char *reason, int64_t now,
                                  mp_store_job_cb cb, void *arg)
{
    return job_request(s, OP_JOB_FAIL, id, now, reason, cb, arg);
}

mp_store_status mp_store_beat(mp_store *s, const char *worker, const mp_store_worker_report *me, int64_t now,
                              int lease_ttl, size_t max_running, mp_store_beat_cb cb, void *arg)
{
    req *r = req_new(OP_BEAT, CB(cb), arg);
    if (!r)
        return MP_STORE_ERROR;
    mp_store_beat_args *a = &r->u.beat.a;
    snprintf(a->worker, sizeof a->worker, "%s", worker);
    snprintf(a->name, sizeof a->name, "%s", me->name ? me->name : "");
    a->resolver = me->resolver;
    const char *why = me->resolver_why ? me->resolver_why : "";
    _Static_assert(MP_STORE_RESOLVER_WHY_MAX == 255, "mp_store_reason_len clips to 255 octets");
    snprintf(a->resolver_why, sizeof a->resolver_why, "%.*s", (int)mp_store_reason_len(why), why);
    a->resolver_since = me->resolver_since;
    a->now = now;
    a->lease_ttl = lease_ttl;
    a->max_running = max_running;
    r->u.beat.out.running = calloc(max_running ? max_running : 1, sizeof *r->u.beat.out.running);
    if (!r->u.beat.out.running) {
        req_free(r);
        return MP_STORE_ERROR;
    }
    return submit(s, r);
}

mp_store_status mp_store_lease(mp_store *s, const char *job_id, const char *worker, int64_t after_seq,
                               size_t max_items, size_t per_domain_min, int64_t now, mp_store_lease_cb cb, void *arg)
{
    req *r = req_new(OP_LEASE, CB(cb), arg);
    if (!r)
        return MP_STORE_ERROR;
    mp_store_lease_args *a = &r->u.lease.a;
    snprintf(a->job_id, sizeof a->job_id, "%s", job_id);
    snprintf(a->worker, sizeof a->worker, "%s", worker);
    a->after_seq = after_seq;
    a->max_items = max_items;
    a->per_domain_min = per_domain_min ? per_domain_min : 1;
    a->now = now;
    return submit(s, r);
}

mp_store_status mp_store_release(mp_store *s, const char *worker, const char *job_id, mp_store_done_cb cb,
                                 void *arg)
{
    req *r = req_new(OP_RELEASE, CB(cb), arg);
    if (!r)
        return MP_STORE_ERROR;
    snprintf(r->u.release.worker, sizeof r->u.release.worker, "%s", worker);
    snprintf(r->u.release.job_id, sizeof r->u.release.job_id, "%s", job_id ? job_id : "");
    return submit(s, r);
}

mp_store_status mp_store_write(mp_store *s, mp_store_batch *batch, int64_t now, mp_store_write_cb cb, void *arg)
{
    req *r = req_new(OP_WRITE, CB(cb), arg);
    if (!r)
        return MP_STORE_ERROR;
    r->u.write.batch = batch;
    r->u.write.now = now;
    return submit(s, r);
}

static mp_store_status page_request(mp_store *s, req_op op, const char *id, int64_t after_seq, size_t limit,
                                    mp_store_page_cb cb, void *arg)
{
    req *r = req_new(op, CB(cb), arg);
    if (!r)
        return MP_STORE_ERROR;
    snprintf(r->u.page.id, sizeof r->u.page.id, "%s", id);
    r->u.page.after = after_seq;
    r->u.page.limit = limit;
    return submit(s, r);
}

mp_store_status mp_store_results_page(mp_store *s, const char *id, int64_t after_seq, size_t limit,
                                      mp_store_page_cb cb, void *arg)
{
    return page_request(s, OP_PAGE, id, after_seq, limit, cb, arg);
}

mp_store_status mp_store_pending_page(mp_store *s, const char *id, int64_t after_seq, size_t limit,
                                      mp_store_page_cb cb, void *arg)
{
    return page_request(s, OP_PENDING_PAGE, id, after_seq, limit, cb, arg);
}

mp_store_status mp_store_cache_get(mp_store *s, const char *address, int64_t now, mp_store_text_cb cb, void *arg)
{
    req *r = req_new(OP_CACHE_GET, CB(cb), arg);
    if (!r || !(r->u.cache.address = strdup(address))) {
        if (r)
            req_free(r);
        return MP_STORE_ERROR;
    }
    r->u.cache.when = now;
    return submit(s, r);
}

mp_store_status mp_store_cache_put(mp_store *s, const char *address, const char *json, int64_t expires,
                                   size_t max_entries, mp_store_done_cb cb, void *arg)
{
    req *r = req_new(OP_CACHE_PUT, CB(cb), arg);
    if (!r || !(r->u.cache.address = strdup(address)) || !(r->u.cache.json = strdup(json))) {
        if (r)
            req_free(r);
        return MP_STORE_ERROR;
    }
    r->u.cache.when = expires;
    r->u.cache.max = max_entries;
    return submit(s, r);
}

mp_store_status mp_store_domain_get(mp_store *s, const char *domain, mp_store_domain_cb cb, void *arg)
{
    req *r = req_new(OP_DOMAIN_GET, CB(cb), arg);
    if (!r)
        return MP_STORE_ERROR;
    snprintf(r->u.domain.domain, sizeof r->u.domain.domain, "%s", domain);
    return submit(s, r);
}

mp_store_status mp_store_domain_put(mp_store *s, const char *domain, mp_tristate catch_all, int64_t now,
                                    mp_store_done_cb cb, void *arg)
{
    req *r = req_new(OP_DOMAIN_PUT, CB(cb), arg);
    if (!r)
        return MP_STORE_ERROR;
    snprintf(r->u.domain.domain, sizeof r->u.domain.domain, "%s", domain);
    r->u.domain.catch_all = catch_all;
    r->u.domain.now = now;
    return submit(s, r);
}

static int ask_by_host(const void *a, const void *b)
{
    return strcmp(((const mp_store_allowance_ask *)a)->host, ((const mp_store_allowance_ask *)b)->host);
}

mp_store_status mp_store_allowances(mp_store *s, const char *worker, int64_t now, int ttl, int host_limit,
                                    int egress_limit, const mp_store_allowance_ask *asks, size_t n,
                                    mp_store_allowance_cb cb, void *arg)
{
    if (n > MP_STORE_ALLOWANCE_ASKS_MAX)
        return MP_STORE_ERROR;
    req *r = req_new(OP_ALLOWANCES, CB(cb), arg);
    if (!r)
        return MP_STORE_ERROR;
    mp_store_allowance_args *a = &r->u.allowances.a;
    snprintf(a->worker, sizeof a->worker, "%s", worker);
    a->now = now;
    a->ttl = ttl;
    a->host_limit = host_limit;
    a->egress_limit = egress_limit;
    a->asks = calloc(n ? n : 1, sizeof *a->asks);
    bool ok = a->asks != NULL;
    for (size_t i = 0; ok && i < n; i++) {
        size_t hl = strnlen(asks[i].host, MP_STORE_HOST_KEY_MAX), el = strnlen(asks[i].egress, MP_STORE_EGRESS_MAX);
        a->asks[i] = asks[i];
        ok = (a->asks[i].host = mp_store_arena_copy(&r->u.allowances.in, asks[i].host, hl)) &&
             (a->asks[i].egress = mp_store_arena_copy(&r->u.allowances.in, asks[i].egress, el));
    }
    if (!ok) {
        req_free(r);
        return MP_STORE_ERROR;
    }
    a->n = n;
    /* Every worker locks the addresses in the same order: no deadlock. */
    qsort(a->asks, n, sizeof *a->asks, ask_by_host);
    return submit(s, r);
}

mp_store_status mp_store_upkeep(mp_store *s, const mp_store_upkeep_policy *policy, mp_store_upkeep_cb cb,
                                void *arg)
{
    req *r = req_new(OP_UPKEEP, CB(cb), arg);
    if (!r)
        return MP_STORE_ERROR;
    r->u.upkeep.p = *policy;
    return submit(s, r);
}
