/* jobs.c — the bulk job runner (jobs.h). One `job` per running job this
 * worker works on: its leased addresses waiting (`queue`, in input order)
 * and those in the prober (`slots`). Everything that touches the store is
 * a request whose callback moves the job on; nothing waits. */
#include "jobs.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "result_json.h"
#include "trust_share.h"

enum {
    FLUSH_BATCH = 256,       /* results per write transaction */
    FLUSH_DELAY_MS = 200,    /* longest a result waits in memory (SQLite: a write is cheap) */
    FLUSH_DELAY_SHARED_MS = 2000, /* ... with a database server: each write is a round trip,
                                     and a politeness-bound worker finds ~100 results in 2 s */
    RETRY_FIRST_MS = 500,    /* first wait after a failed write; doubles */
    RETRY_MAX_MS = 16000,
    BEAT_IDLE_MS = 1000,     /* heartbeat while this worker has nothing to do */
    BEAT_BUSY_MS = 10000,    /* ... and while it has (at most a third of the lease TTL): a
                                beat is three statements, and new jobs come by notice */
    DRAINED_RECHECK_MS = 1000, /* a job with nothing to lease: lease / finish again after */
    LEASE_ERROR_WAIT_MS = 2000,
    RETRY_WAIT_MAX_S = 60,   /* a job waiting for its retries looks again at least this often */
    FULL_RETRY_MS = 100,     /* the prober's queue was full: feed again after this */
};

typedef struct job job;

/* One leased address waiting for a slot. */
typedef struct item {
    int64_t seq;
    size_t len;
    char *email; /* malloc'd */
    int tries;   /* temporary answers it had before */
} item;

/* One address of a job inside the prober. */
typedef struct slot {
    job *owner;
    int64_t seq;
    int tries;         /* temporary answers it had before this attempt */
    uint64_t probe_id; /* 0 = free */
    size_t input_len;  /* the address as submitted, echoed as "email" */
    char input[MP_INPUT_MAX + 1];
} slot;

struct job {
    char id[MP_JOB_ID_LEN + 1];
    item *queue;          /* leased, not yet fed: [head, count) */
    size_t head, count, cap;
    slot *slots;          /* cfg->job_in_flight */
    int active;           /* slots in use */
    size_t unwritten;     /* results of this job not yet stored */
    bool leasing;         /* a lease request is out */
    size_t lease_want;    /* ... asking for this many */
    bool finishing;       /* a finish request is out */
    bool checking;        /* a read (is it still running?) is out */
    bool drained;         /* the latest lease brought nothing */
    int64_t cursor;       /* leases search after this seq (-1: the whole job) */
    bool in_running_set;  /* named by the latest heartbeat */
    double quiet_until;   /* monotonic: no lease / finish before (nothing was left) */
    mp_jobs *runner;
    job *next;
};

/* Whether results reach the store. While writes fail, results stay in
 * memory, nothing new is leased or fed, and the write is retried with a
 * doubling wait; past --store-retry-time the jobs running here fail. */
typedef enum writer_state { WRITER_OK = 0, WRITER_RETRYING } writer_state;

/* How many results of one job a write carries. */
typedef struct job_count { char id[MP_JOB_ID_LEN + 1]; size_t n; } job_count;

struct mp_jobs {
    mp_jobs_env env;
    char worker[MP_WORKER_ID_LEN + 1];
    job *jobs;
    mp_store_batch *filling;    /* results waiting for the next write */
    mp_store_batch *outgoing;   /* the write in flight, or failed and waiting to retry */
    bool writing;               /* `outgoing` is with the store */
    job_count *out_counts;      /* per job, what `outgoing` carries */
    size_t out_count_n, out_count_cap;
    writer_state writer;
    double first_failure;       /* monotonic seconds, while RETRYING */
    int retry_ms;
    char write_error[MP_STORE_ERROR_MAX];
    bool beating, started, stopping;
    bool cluster_known;
    mp_store_cluster cluster;
    uint64_t retries_scheduled;  /* temporary answers put back on the retry schedule */
    /* Resolver trust shared with the cluster (trust_share.h). */
    mp_resolver_state resolver_seen; /* at the latest heartbeat, and since when (unix s) */
    int64_t resolver_since;
    mp_resolver_state beat_reported; /* what the heartbeat in flight reports */
    int64_t honest_peers;        /* from the latest heartbeat */
    mp_lease_stance stance;
    struct event *flush_timer, *kick, *beat_timer;
};

static int64_t now_s(void) { return (int64_t)time(NULL); }

static void kick(mp_jobs *j);
static void kick_after(mp_jobs *j, int ms);
static void beat_soon(mp_jobs *j);

/* ---- jobs here ---------------------------------------------------------------------------- */

static job *find(mp_jobs *j, const char *id)
{
    for (job *jb = j->jobs; jb; jb = jb->next)
        if (!strcmp(jb->id, id))
            return jb;
    return NULL;
}

static job *job_add(mp_jobs *j, const char *id)
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
    jb->cursor = -1;
    snprintf(jb->id, sizeof jb->id, "%s", id);
    job **pp = &j->jobs;
    while (*pp)
        pp = &(*pp)->next;
    *pp = jb;
    return jb;
}

static void queue_clear(job *jb)
{
    for (size_t i = jb->head; i < jb->count; i++)
        free(jb->queue[i].email);
    jb->head = jb->count = 0;
}

/* This worker stops working on `jb` (it ended): its probes are cancelled
 * and its waiting addresses forgotten. */
static void job_drop(mp_jobs *j, job *jb)
{
    for (int i = 0; i < j->env.cfg->job_in_flight; i++)
        if (jb->slots[i].probe_id)
            mp_prober_cancel(j->env.prober, jb->slots[i].probe_id);
    queue_clear(jb);
    for (job **pp = &j->jobs; *pp; pp = &(*pp)->next)
        if (*pp == jb) {
            *pp = jb->next;
            break;
        }
    /* A request still out for it (lease, finish, check) finds it gone: they
     * carry the runner and the id, never the job. */
    free(jb->queue);
    free(jb->slots);
    free(jb);
}

/* The store says how job `row` is: listeners hear it; a job that ended
 * (elsewhere, or deleted) is dropped here. */
static void job_seen(mp_jobs *j, const mp_job_row *row)
{
    mp_job_watch_publish(j->env.watch, row);
    job *jb = find(j, row->id);
    if (jb && mp_job_state_final(row->state))
        job_drop(j, jb);
}

/* ---- writing results ----------------------------------------------------------------------- */

static void fail_jobs_here(mp_jobs *j, const char *why);

/* How long a result may wait for the next write. */
static int flush_delay_ms(const mp_jobs *j)
{
    return mp_store_shared(j->env.store) ? FLUSH_DELAY_SHARED_MS : FLUSH_DELAY_MS;
}

static void arm_flush(mp_jobs *j, int ms)
{
    struct timeval tv = mp_timeval_ms(ms);
    evtimer_del(j->flush_timer);
    evtimer_add(j->flush_timer, &tv);
}

static void on_written(mp_store_status st, mp_store_batch *batch, const mp_store_write_result *r, const char *error,
                       void *arg);

/* Hands `outgoing` to the store. */
static void write_outgoing(mp_jobs *j)
{
    j->writing = true;
    mp_store_status st = mp_store_write(j->env.store, j->outgoing, now_s(), on_written, j);
    if (st != MP_STORE_OK)
        on_written(st, j->outgoing, NULL, st == MP_STORE_BUSY ? "the store's queue is full" : "out of memory", j);
}

/* Counts what the batch about to go out carries per job. */
static void count_outgoing(mp_jobs *j)
{
    j->out_count_n = 0;
    for (job *jb = j->jobs; jb; jb = jb->next) {
        if (!jb->unwritten)
            continue;
        job_count *c = NULL;
        if (j->out_count_n == j->out_count_cap) {
            size_t cap = j->out_count_cap ? j->out_count_cap * 2 : 8;
            job_count *more = realloc(j->out_counts, cap * sizeof *more);
            if (!more)
                return;
            j->out_counts = more;
            j->out_count_cap = cap;
        }
        c = &j->out_counts[j->out_count_n++];
        snprintf(c->id, sizeof c->id, "%s", jb->id);
        c->n = jb->unwritten;
    }
}

void mp_jobs_learnt_domain(mp_jobs *j, const char *domain, mp_tristate verdict)
{
    if (!j || !mp_store_batch_domain(j->filling, domain, NULL, verdict, NULL))
        return; /* a verdict is a hint: the next test learns it again */
    if (j->writer == WRITER_OK && !evtimer_pending(j->flush_timer, NULL))
        arm_flush(j, flush_delay_ms(j));
}

void mp_jobs_flush(mp_jobs *j)
{
    if (j->outgoing || mp_store_batch_empty(j->filling))
        return; /* one write at a time; the next goes when it is done */
    mp_store_batch *fresh = mp_store_batch_new();
    if (!fresh)
        return;
    count_outgoing(j);
    j->outgoing = j->filling;
    j->filling = fresh;
    write_outgoing(j);
}

/* After a failed write: wait (doubling) and try again, until
 * --store-retry-time has passed since the first failure; then the jobs
 * running here fail and their buffered results are dropped. */
static void writer_failed(mp_jobs *j, const char *why)
{
    snprintf(j->write_error, sizeof j->write_error, "%s", why);
    cJSON *f = cJSON_CreateObject();
    cJSON_AddStringToObject(f, "error", why);
    cJSON_AddNumberToObject(f, "buffered", (double)(mp_store_batch_results(j->outgoing) +
                                                    mp_store_batch_results(j->filling)));
    mp_log("error", "storing results failed", f);
    double now = mp_now_monotonic();
    if (j->writer == WRITER_OK) {
        j->writer = WRITER_RETRYING;
        j->first_failure = now;
        j->retry_ms = RETRY_FIRST_MS;
    } else {
        j->retry_ms = j->retry_ms * 2 > RETRY_MAX_MS ? RETRY_MAX_MS : j->retry_ms * 2;
    }
    if (now - j->first_failure >= j->env.cfg->store_retry_time_s) {
        char reason[MP_STORE_ERROR_MAX + 64];
        snprintf(reason, sizeof reason, "storing results failed for %d s: %s", j->env.cfg->store_retry_time_s,
                 j->write_error);
        fail_jobs_here(j, reason);
        return;
    }
    arm_flush(j, j->retry_ms);
}

static void on_written(mp_store_status st, mp_store_batch *batch, const mp_store_write_result *r, const char *error,
                       void *arg)
{
    mp_jobs *j = arg;
    j->writing = false;
    if (st != MP_STORE_OK) {
        j->outgoing = batch; /* kept for the retry */
        writer_failed(j, error);
        return;
    }
    mp_store_batch_free(batch);
    j->outgoing = NULL;
    for (size_t i = 0; i < j->out_count_n; i++) {
        job *jb = find(j, j->out_counts[i].id);
        if (jb)
            jb->unwritten -= j->out_counts[i].n <= jb->unwritten ? j->out_counts[i].n : jb->unwritten;
    }
    j->out_count_n = 0;
    bool was_retrying = j->writer == WRITER_RETRYING;
    j->writer = WRITER_OK;
    for (size_t i = 0; i < r->job_count; i++)
        job_seen(j, &r->jobs[i]);
    if (mp_store_batch_results(j->filling) >= FLUSH_BATCH || was_retrying || j->stopping)
        mp_jobs_flush(j);
    else if (!mp_store_batch_empty(j->filling) && !evtimer_pending(j->flush_timer, NULL))
        arm_flush(j, flush_delay_ms(j));
    kick(j);
}

static void flush_timer_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    mp_jobs *j = arg;
    if (j->outgoing && !j->writing)
        write_outgoing(j); /* the retry */
    else
        mp_jobs_flush(j);
}

/* ---- probing -------------------------------------------------------------------------------- */

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

/* A temporary answer with a wait left in the retry schedule: the address
 * is released until then (retry_schedule.h) instead of given its result.
 * True when the retry is in the batch. */
static bool schedule_retry(mp_jobs *j, job *jb, const slot *sl, const mp_result *r)
{
    int64_t retry_at;
    if (!mp_retry_is_temporary(r->status, r->reason) ||
        !mp_retry_next(&j->env.cfg->retry_schedule, sl->tries + 1, now_s(), &retry_at))
        return false;
    if (!mp_store_batch_retry(j->filling, jb->id, sl->seq, retry_at))
        return false; /* out of memory: this answer is its result after all */
    j->retries_scheduled++;
    return true;
}

static void on_probe_done(const mp_result *r, const mp_probe_details *d, void *arg)
{
    slot *sl = arg;
    job *jb = sl->owner;
    mp_jobs *j = jb->runner;
    sl->probe_id = 0;
    jb->active--;
    if (schedule_retry(j, jb, sl, r)) {
        jb->unwritten++;
    } else {
        /* Out of memory: the address keeps its lease and no result; it is
         * leased again when this worker's leases end (restart, TTL). */
        char *json = mp_result_to_json_text(r, sl->input, sl->input_len, d);
        if (json && mp_store_batch_result(j->filling, jb->id, sl->seq, r->status, json))
            jb->unwritten++;
    }
    if (d && d->mx_count && r->syntax.ascii_domain[0])
        mp_store_batch_domain(j->filling, r->syntax.ascii_domain, mx_json_of(d), MP_UNKNOWN, d->provider);
    if (j->writer == WRITER_RETRYING)
        return; /* the retry timer writes them */
    if (mp_store_batch_results(j->filling) >= FLUSH_BATCH)
        mp_jobs_flush(j);
    else if (!evtimer_pending(j->flush_timer, NULL))
        arm_flush(j, flush_delay_ms(j));
    kick(j);
}

/* Moves waiting addresses into the prober while slots are free. */
static void feed(mp_jobs *j, job *jb)
{
    int max = j->env.cfg->job_in_flight;
    for (int i = 0; i < max && jb->head < jb->count && jb->active < max; i++) {
        slot *sl = &jb->slots[i];
        if (sl->probe_id)
            continue;
        item *it = &jb->queue[jb->head];
        sl->owner = jb;
        sl->seq = it->seq;
        sl->tries = it->tries;
        /* Longer input is too_long whatever follows: the echo keeps the start. */
        sl->input_len = it->len < MP_INPUT_MAX ? it->len : MP_INPUT_MAX;
        memcpy(sl->input, it->email, sl->input_len);
        sl->input[sl->input_len] = 0;
        mp_submit_status st = mp_prober_submit(j->env.prober, it->email, it->len, on_probe_done, sl, &sl->probe_id);
        if (st != MP_SUBMIT_OK) { /* not fed: this address stays first in the queue */
            if (st != MP_SUBMIT_SHUTTING_DOWN)
                kick_after(j, FULL_RETRY_MS); /* backpressure: the prober is full */
            return;
        }
        free(it->email);
        jb->head++;
        jb->active++;
    }
    if (jb->head == jb->count)
        jb->head = jb->count = 0;
}

/* ---- leasing -------------------------------------------------------------------------------- */

/* What a lease request carries back to the runner: never the job itself,
 * which may be dropped while the request is out. */
typedef struct job_ref { mp_jobs *runner; char id[MP_JOB_ID_LEN + 1]; } job_ref;

/* The job a request was about (NULL when dropped meanwhile) and its
 * runner; frees the reference. `id` (may be NULL) gets the job's id. */
static job *ref_take(void *arg, mp_jobs **runner, char id[MP_JOB_ID_LEN + 1])
{
    job_ref *ref = arg;
    *runner = ref->runner;
    if (id)
        memcpy(id, ref->id, MP_JOB_ID_LEN + 1);
    job *jb = find(ref->runner, ref->id);
    free(ref);
    return jb;
}

static job_ref *ref_new(mp_jobs *j, const char *id)
{
    job_ref *r = malloc(sizeof *r);
    if (r) {
        r->runner = j;
        snprintf(r->id, sizeof r->id, "%s", id);
    }
    return r;
}

static bool queue_push(job *jb, const mp_store_item *it)
{
    if (jb->count == jb->cap) {
        size_t cap = jb->cap ? jb->cap * 2 : 64;
        item *more = realloc(jb->queue, cap * sizeof *more);
        if (!more)
            return false;
        jb->queue = more;
        jb->cap = cap;
    }
    char *copy = malloc(it->len ? it->len : 1);
    if (!copy)
        return false;
    memcpy(copy, it->email, it->len);
    jb->queue[jb->count++] = (item){it->seq, it->len, copy, it->tries};
    return true;
}

static void on_leased(mp_store_status st, const mp_store_lease_result *r, const char *error, void *arg)
{
    mp_jobs *j;
    char id[MP_JOB_ID_LEN + 1];
    job *jb = ref_take(arg, &j, id);
    if (!jb) {
        /* Dropped meanwhile (it ended): whatever came goes back. */
        if (r && r->count)
            mp_store_release(j->env.store, j->worker, id, NULL, NULL);
        return;
    }
    jb->leasing = false;
    double now = mp_now_monotonic();
    if (st == MP_STORE_ERROR || st == MP_STORE_BUSY) {
        mp_log_detail("error", "leasing addresses failed", error);
        jb->quiet_until = now + LEASE_ERROR_WAIT_MS / 1000.0;
    } else if (st == MP_STORE_OK && !r->count && jb->cursor >= 0) {
        jb->cursor = -1; /* nothing after the cursor: look at the whole job once */
    } else if (st != MP_STORE_OK || !r->count) {
        jb->drained = true; /* nothing left to lease: finish once nothing is left here */
    } else {
        jb->drained = false;
        /* Nothing before the first address leased was pending: the next
         * search starts there, unless this lease came back short (then
         * addresses given back or due for retry may be anywhere). */
        jb->cursor = r->count < jb->lease_want ? -1 : r->items[0].seq - 1;
        for (size_t i = 0; i < r->fact_count; i++)
            mp_domain_memory_put(j->env.memory, r->facts[i].domain, r->facts[i].catch_all, r->facts[i].catch_all_at);
        for (size_t i = 0; i < r->count; i++)
            if (!queue_push(jb, &r->items[i]))
                break; /* out of memory: the rest stays leased until our leases end */
        jb->quiet_until = 0;
    }
    kick(j);
}

static void lease_more(mp_jobs *j, job *jb, size_t want)
{
    int per = j->env.cfg->prober.max_rcpt_per_session / 2;
    job_ref *ref = ref_new(j, jb->id);
    if (!ref)
        return;
    if (mp_store_lease(j->env.store, jb->id, j->worker, jb->cursor, want, per > 0 ? (size_t)per : 1, now_s(),
                       on_leased, ref) == MP_STORE_OK) {
        jb->leasing = true;
        jb->lease_want = want;
    }
    else
        free(ref);
}

/* ---- ending jobs ------------------------------------------------------------------------------ */

/* An incomplete job whose addresses left all wait for their retry time:
 * nothing to lease before the first is due (another worker's progress or
 * a freed lease still wakes it by notice). */
static void wait_for_retries(job *jb, const mp_job_row *row)
{
    if (!jb || row->state != MP_JOB_RUNNING || row->retrying <= 0 || row->retrying < row->total - row->done)
        return;
    int64_t wait = row->next_retry_at - now_s();
    if (wait > RETRY_WAIT_MAX_S)
        wait = RETRY_WAIT_MAX_S;
    if (wait > 0)
        jb->quiet_until = mp_now_monotonic() + (double)wait;
}

static void on_finished(mp_store_status st, const mp_job_row *row, const char *error, void *arg)
{
    mp_jobs *j;
    job *jb = ref_take(arg, &j, NULL);
    if (jb)
        jb->finishing = false;
    if (st == MP_STORE_OK) {
        /* This worker stored the last result: it announces the job. */
        j->env.metrics->jobs_finished++;
        job_seen(j, row);
        if (j->env.on_finished)
            j->env.on_finished(row, j->env.on_finished_arg);
        beat_soon(j); /* the next job may start */
    } else if (row) {
        job_seen(j, row); /* finished elsewhere, or still incomplete: others hold addresses */
        wait_for_retries(jb, row);
    } else if (st == MP_STORE_NOT_FOUND && jb) {
        job_drop(j, jb); /* deleted */
    } else if (st == MP_STORE_ERROR) {
        mp_log_detail("error", "finishing a job failed", error);
    }
    kick(j);
}

static void finish_check(mp_jobs *j, job *jb)
{
    job_ref *ref = ref_new(j, jb->id);
    if (!ref)
        return;
    if (mp_store_job_finish(j->env.store, jb->id, now_s(), on_finished, ref) == MP_STORE_OK) {
        jb->finishing = true;
        jb->quiet_until = mp_now_monotonic() + DRAINED_RECHECK_MS / 1000.0;
    } else {
        free(ref);
    }
}

static void on_failed(mp_store_status st, const mp_job_row *row, const char *error, void *arg)
{
    mp_jobs *j = arg;
    if (st == MP_STORE_OK) {
        mp_job_watch_publish(j->env.watch, row);
        if (j->env.on_finished)
            j->env.on_finished(row, j->env.on_finished_arg);
    } else if (st == MP_STORE_ERROR) {
        /* The store is still failing: the job stays "running" there, and
         * whoever runs it next (a restart, another worker) goes on. */
        mp_log_detail("error", "recording a failed job failed", error);
    }
}

/* The store gave up: every job running here fails with `why`; the results
 * buffered for them are dropped (their addresses never got one). */
static void fail_jobs_here(mp_jobs *j, const char *why)
{
    mp_store_batch_free(j->outgoing);
    mp_store_batch_free(j->filling);
    j->outgoing = NULL;
    j->filling = mp_store_batch_new();
    j->writer = WRITER_OK;
    while (j->jobs) {
        job *jb = j->jobs;
        mp_store_job_fail(j->env.store, jb->id, why, now_s(), on_failed, j);
        job_drop(j, jb);
    }
}

/* ---- the pump ---------------------------------------------------------------------------------- */

/* One job's next step: feed the prober; lease more while fewer than half
 * a window of addresses wait here (so the prober never waits for a lease:
 * up to --job-in-flight in the prober and as many waiting); when the last
 * lease brought nothing and nothing of the job is left here (in the
 * prober, waiting, unwritten), ask the store whether it is complete —
 * incomplete means other workers hold addresses or some wait for their
 * retry time: lease again a second later. */
static void pump_job(mp_jobs *j, job *jb, double now)
{
    size_t max = (size_t)j->env.cfg->job_in_flight;
    feed(j, jb);
    size_t waiting = jb->count - jb->head, held = (size_t)jb->active + waiting;
    if (jb->leasing || jb->finishing || now < jb->quiet_until)
        return;
    if (!jb->drained) {
        if (waiting <= max / 2 && held < 2 * max && j->stance == MP_LEASE_TAKE)
            lease_more(j, jb, 2 * max - held);
    } else if (held == 0 && jb->unwritten > 0) {
        mp_jobs_flush(j); /* its last results: no need to wait for the timer */
    } else if (held == 0 && jb->unwritten == 0 && !j->outgoing) {
        jb->drained = false; /* if it is not complete: lease again, a second later */
        finish_check(j, jb);
    }
}

/* Takes new addresses, or leaves them to peers with an honest resolver
 * (trust_share.h): from the resolver's state now and the latest
 * heartbeat's count of honest peers; one log line when that changes. */
static void update_stance(mp_jobs *j)
{
    mp_resolver_trust rt;
    mp_prober_resolver_trust(j->env.prober, &rt);
    mp_lease_stance stance = mp_trust_share_stance(rt.state, j->honest_peers);
    if (stance == j->stance)
        return;
    j->stance = stance;
    cJSON *f = cJSON_CreateObject();
    cJSON_AddStringToObject(f, "resolver", mp_resolver_state_name(rt.state));
    cJSON_AddNumberToObject(f, "honest_peers", (double)j->honest_peers);
    if (stance == MP_LEASE_DEFER)
        mp_log("warn", "resolver not honest and another worker's is: leaving new addresses to it "
                       "(those held here finish)", f);
    else
        mp_log("info", "taking new addresses again", f);
}

static void pump(mp_jobs *j)
{
    update_stance(j);
    if (j->writer != WRITER_OK || j->stopping)
        return; /* nothing new while results cannot be written */
    double now = mp_now_monotonic(), soonest = 0;
    for (job *jb = j->jobs; jb; jb = jb->next) {
        pump_job(j, jb, now);
        if (jb->quiet_until > now && (soonest == 0 || jb->quiet_until < soonest))
            soonest = jb->quiet_until;
    }
    if (soonest > 0 && !evtimer_pending(j->kick, NULL)) {
        struct timeval tv = mp_timeval_ms((int)((soonest - now) * 1000) + 1);
        evtimer_add(j->kick, &tv);
    }
}

/* A zero timer, not event_active(): timers run after the loop has polled
 * sockets, so a job whose addresses finish instantly (invalid syntax) does
 * not starve HTTP clients. */
static void kick(mp_jobs *j)
{
    struct timeval zero = {0, 0};
    evtimer_del(j->kick);
    evtimer_add(j->kick, &zero);
}

/* Pumps again `ms` from now, unless a kick is due sooner anyway. */
static void kick_after(mp_jobs *j, int ms)
{
    if (!evtimer_pending(j->kick, NULL)) {
        struct timeval tv = mp_timeval_ms(ms);
        evtimer_add(j->kick, &tv);
    }
}

static void kick_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    pump(arg);
}

/* ---- the heartbeat ---------------------------------------------------------------------------- */

static void arm_beat(mp_jobs *j, int ms)
{
    struct timeval tv = mp_timeval_ms(ms);
    evtimer_del(j->beat_timer);
    evtimer_add(j->beat_timer, &tv);
}

static int beat_every_ms(const mp_jobs *j)
{
    int busy = j->env.cfg->lease_ttl_s * 1000 / 3;
    if (busy > BEAT_BUSY_MS)
        busy = BEAT_BUSY_MS;
    return j->jobs ? busy : BEAT_IDLE_MS;
}

static void on_checked(mp_store_status st, const mp_job_row *row, const char *error, void *arg)
{
    (void)error;
    mp_jobs *j;
    job *jb = ref_take(arg, &j, NULL);
    if (jb)
        jb->checking = false;
    if (row)
        job_seen(j, row);
    else if (st == MP_STORE_NOT_FOUND && jb)
        job_drop(j, jb);
}

static void on_beat(mp_store_status st, const mp_store_beat_result *r, const char *error, void *arg)
{
    mp_jobs *j = arg;
    j->beating = false;
    if (st != MP_STORE_OK) {
        mp_log_detail("error", "heartbeat failed", error);
        arm_beat(j, BEAT_IDLE_MS);
        return;
    }
    j->cluster = r->cluster;
    j->honest_peers = mp_trust_share_honest_peers(r->cluster.resolvers, j->beat_reported);
    update_stance(j);
    if (!j->cluster_known) {
        /* The first heartbeat: what this worker found waiting. */
        cJSON *f = cJSON_CreateObject();
        cJSON_AddNumberToObject(f, "resumed_jobs", (double)(r->cluster.jobs_queued + r->cluster.jobs_running));
        cJSON_AddNumberToObject(f, "addresses_pending", (double)r->cluster.addresses_pending);
        cJSON_AddNumberToObject(f, "workers", (double)r->cluster.workers);
        cJSON_AddStringToObject(f, "worker", j->worker);
        mp_log("info", "job queue", f);
    }
    j->cluster_known = true;
    for (job *jb = j->jobs; jb; jb = jb->next)
        jb->in_running_set = false;
    for (size_t i = 0; i < r->running_count && !j->stopping; i++) {
        job *jb = find(j, r->running[i]);
        if (!jb && j->writer == WRITER_OK)
            jb = job_add(j, r->running[i]);
        if (jb)
            jb->in_running_set = true;
    }
    /* Not running any more: ended elsewhere? Ask. */
    for (job *jb = j->jobs; jb; jb = jb->next) {
        if (jb->in_running_set || jb->checking)
            continue;
        job_ref *ref = ref_new(j, jb->id);
        if (ref && mp_store_job_get(j->env.store, jb->id, on_checked, ref) == MP_STORE_OK)
            jb->checking = true;
        else
            free(ref);
    }
    if (r->reaped)
        mp_log_detail("info", "freed the addresses of a silent worker", NULL);
    mp_resolver_trust rt;
    mp_prober_resolver_trust(j->env.prober, &rt);
    if (!j->stopping) /* the resolver changed during this heartbeat: tell the others now */
        arm_beat(j, rt.state != j->beat_reported ? 0 : beat_every_ms(j));
    kick(j);
}

static void beat(mp_jobs *j)
{
    if (j->beating)
        return;
    const mp_serve_config *cfg = j->env.cfg;
    mp_resolver_trust rt;
    mp_prober_resolver_trust(j->env.prober, &rt);
    if (rt.state != j->resolver_seen || !j->resolver_since) {
        j->resolver_seen = rt.state;
        j->resolver_since = now_s();
    }
    mp_store_worker_report me = {cfg->worker_name, rt.state, rt.why, j->resolver_since};
    if (mp_store_beat(j->env.store, j->worker, &me, now_s(), cfg->lease_ttl_s, (size_t)cfg->max_running_jobs, on_beat,
                      j) == MP_STORE_OK) {
        j->beating = true;
        j->beat_reported = rt.state;
    } else {
        arm_beat(j, BEAT_IDLE_MS);
    }
}

static void beat_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    beat(arg);
}

static void beat_soon(mp_jobs *j)
{
    if (j->started && !j->stopping)
        arm_beat(j, 0);
}

void mp_jobs_resolver_changed(mp_jobs *j)
{
    if (!j)
        return;
    beat_soon(j); /* the others learn it, and this worker its stance */
    kick(j);
}

/* Another worker changed something: a new job (id ""), or job `id`. */
static void on_notice(const char *id, void *arg)
{
    mp_jobs *j = arg;
    if (!id[0]) {
        beat_soon(j);
        return;
    }
    mp_job_watch_changed(j->env.watch, id);
    job *jb = find(j, id);
    if (jb && (jb->quiet_until || jb->drained)) {
        jb->quiet_until = 0; /* complete now, or addresses free again */
        jb->cursor = -1;
        kick(j);
    }
}

/* ---- life ------------------------------------------------------------------------------------ */

static void random_hex(char *out, size_t hex_len)
{
    unsigned char raw[32] = {0};
    size_t n = hex_len / 2 < sizeof raw ? hex_len / 2 : sizeof raw;
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    ssize_t got = fd >= 0 ? read(fd, raw, n) : -1;
    if (fd >= 0)
        close(fd);
    if (got != (ssize_t)n) { /* no urandom: time and pid, still unique enough per host */
        struct timeval tv;
        gettimeofday(&tv, NULL);
        uint64_t v = ((uint64_t)tv.tv_sec << 20) ^ (uint64_t)tv.tv_usec ^ ((uint64_t)getpid() << 44);
        memcpy(raw, &v, n < sizeof v ? n : sizeof v);
    }
    for (size_t i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", raw[i]);
    out[2 * n] = 0;
}

mp_jobs *mp_jobs_new(const mp_jobs_env *env)
{
    mp_jobs *j = calloc(1, sizeof *j);
    if (!j)
        return NULL;
    j->env = *env;
    random_hex(j->worker, MP_WORKER_ID_LEN);
    j->filling = mp_store_batch_new();
    j->flush_timer = evtimer_new(env->base, flush_timer_cb, j);
    j->kick = evtimer_new(env->base, kick_cb, j);
    j->beat_timer = evtimer_new(env->base, beat_cb, j);
    if (!j->filling || !j->flush_timer || !j->kick || !j->beat_timer) {
        mp_jobs_free(j);
        return NULL;
    }
    mp_store_on_notice(env->store, on_notice, j);
    return j;
}

void mp_jobs_start(mp_jobs *j)
{
    j->started = true;
    beat(j);
}

void mp_jobs_stop(mp_jobs *j)
{
    j->stopping = true;
    evtimer_del(j->beat_timer);
    mp_jobs_flush(j);
}

void mp_jobs_free(mp_jobs *j)
{
    if (!j)
        return;
    j->stopping = true;
    mp_store_on_notice(j->env.store, NULL, NULL);
    while (j->jobs)
        job_drop(j, j->jobs);
    /* The last results, then the leases back: the loop has ended, so wait
     * for the store here. */
    mp_store_drain(j->env.store);
    if (j->outgoing && !j->writing)
        write_outgoing(j);
    mp_store_drain(j->env.store);
    mp_jobs_flush(j);
    mp_store_drain(j->env.store);
    if (!mp_store_batch_empty(j->filling) || j->outgoing)
        mp_log_detail("error", "storing results at exit failed", j->write_error);
    if (j->started)
        mp_store_release(j->env.store, j->worker, NULL, NULL, NULL);
    mp_store_drain(j->env.store);
    mp_store_batch_free(j->filling);
    mp_store_batch_free(j->outgoing);
    free(j->out_counts);
    if (j->flush_timer)
        event_free(j->flush_timer);
    if (j->kick)
        event_free(j->kick);
    if (j->beat_timer)
        event_free(j->beat_timer);
    free(j);
}

/* ---- the API's requests ------------------------------------------------------------------------ */

const char *mp_jobs_error_name(mp_jobs_error e)
{
    static const char *const names[MP_JOBS_ERROR_COUNT] = {"ok", "too_many", "busy", "store"};
    return (unsigned)e < MP_JOBS_ERROR_COUNT ? names[e] : "?";
}

const char *mp_jobs_end_name(mp_jobs_end e)
{
    static const char *const names[MP_JOBS_END_COUNT] = {"cancelled", "deleted", "not_found", "store"};
    return (unsigned)e < MP_JOBS_END_COUNT ? names[e] : "?";
}

typedef struct create_ctx {
    mp_jobs *runner;
    char id[MP_JOB_ID_LEN + 1];
    mp_jobs_created_cb cb;
    void *arg;
} create_ctx;

static void on_created(mp_store_status st, const char *error, void *arg)
{
    create_ctx *c = arg;
    mp_jobs *j = c->runner;
    mp_jobs_error e = st == MP_STORE_OK ? MP_JOBS_OK : st == MP_STORE_TOO_MANY ? MP_JOBS_TOO_MANY
                                                     : st == MP_STORE_BUSY ? MP_JOBS_BUSY
                                                                           : MP_JOBS_STORE;
    if (e == MP_JOBS_OK) {
        j->env.metrics->jobs_created++;
        beat_soon(j);
    }
    c->cb(e, c->id, error, c->arg);
    free(c);
}

mp_jobs_error mp_jobs_create(mp_jobs *j, const mp_job_input *in, size_t n, const mp_job_source *source,
                             mp_jobs_created_cb cb, void *arg)
{
    create_ctx *c = calloc(1, sizeof *c);
    if (!c)
        return MP_JOBS_STORE;
    c->runner = j;
    c->cb = cb;
    c->arg = arg;
    random_hex(c->id, MP_JOB_ID_LEN);
    mp_store_status st = mp_store_job_create(j->env.store, c->id, in, n, source, now_s(),
                                             (size_t)j->env.cfg->max_queued_jobs, on_created, c);
    if (st == MP_STORE_OK)
        return MP_JOBS_OK;
    free(c);
    return st == MP_STORE_BUSY ? MP_JOBS_BUSY : MP_JOBS_STORE;
}

typedef struct end_ctx { mp_jobs *runner; mp_jobs_ended_cb cb; void *arg; } end_ctx;

static void on_ended(mp_store_status st, const mp_job_row *row, const char *error, void *arg)
{
    (void)error;
    end_ctx *c = arg;
    mp_jobs *j = c->runner;
    if (st == MP_STORE_OK && row) {
        job_seen(j, row); /* cancelled: dropped here; the others hear by notice or at their next write */
        if (j->env.on_finished)
            j->env.on_finished(row, j->env.on_finished_arg);
        beat_soon(j);
    }
    mp_jobs_end e = st == MP_STORE_OK ? MP_JOBS_END_CANCELLED : st == MP_STORE_UNCHANGED ? MP_JOBS_END_DELETED
                                                               : st == MP_STORE_NOT_FOUND ? MP_JOBS_END_NOT_FOUND
                                                                                          : MP_JOBS_END_STORE;
    c->cb(e, row, c->arg);
    free(c);
}

bool mp_jobs_end_job(mp_jobs *j, const char *id, mp_jobs_ended_cb cb, void *arg)
{
    end_ctx *c = malloc(sizeof *c);
    if (!c)
        return false;
    *c = (end_ctx){j, cb, arg};
    if (mp_store_job_end(j->env.store, id, now_s(), on_ended, c) == MP_STORE_OK)
        return true;
    free(c);
    return false;
}

void mp_jobs_stats_get(const mp_jobs *j, mp_jobs_stats *out)
{
    memset(out, 0, sizeof *out);
    memcpy(out->worker, j->worker, sizeof out->worker);
    out->name = j->env.cfg->worker_name;
    for (const job *jb = j->jobs; jb; jb = jb->next) {
        out->jobs++;
        out->held += (size_t)jb->active + (jb->count - jb->head);
    }
    out->writes_failing = j->writer != WRITER_OK;
    out->cluster_known = j->cluster_known;
    out->cluster = j->cluster;
    out->retries_scheduled = j->retries_scheduled;
    out->deferring = j->stance == MP_LEASE_DEFER;
    out->honest_peers = j->honest_peers;
}
