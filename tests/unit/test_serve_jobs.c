/* The job runner's contract (jobs.h) without a mail server: its errors
 * have names, and a job waits for a full prober instead of losing
 * addresses (invalid addresses are answered locally: no network). Jobs end
 * to end: tests/integration/test_serve*.py.
 * ctest-labels: unit native
 * ctest-links: mpserve */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "domain_memory.h"
#include "job_watch.h"
#include "jobs.h"
#include "test.h"

TEST(job_errors_have_names)
{
    CHECK_EQ_STR(mp_jobs_error_name(MP_JOBS_OK), "ok");
    CHECK_EQ_STR(mp_jobs_error_name(MP_JOBS_TOO_MANY), "too_many");
    CHECK_EQ_STR(mp_jobs_error_name(MP_JOBS_BUSY), "busy");
    CHECK_EQ_STR(mp_jobs_error_name(MP_JOBS_STORE), "store");
    CHECK_EQ_STR(mp_jobs_error_name(MP_JOBS_ERROR_COUNT), "?");
    CHECK_EQ_STR(mp_jobs_end_name(MP_JOBS_END_CANCELLED), "cancelled");
    CHECK_EQ_STR(mp_jobs_end_name(MP_JOBS_END_DELETED), "deleted");
    CHECK_EQ_STR(mp_jobs_end_name(MP_JOBS_END_NOT_FOUND), "not_found");
    CHECK_EQ_STR(mp_jobs_end_name(MP_JOBS_END_STORE), "store");
    CHECK_EQ_STR(mp_jobs_end_name(MP_JOBS_END_COUNT), "?");
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    event_base_loopbreak(arg);
}

/* Runs the loop for about `ms` (or until broken earlier). */
static void spin(struct event_base *base, int ms)
{
    struct event *tick = evtimer_new(base, on_tick, base);
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
    evtimer_add(tick, &tv);
    event_base_dispatch(base);
    event_free(tick);
}

typedef struct created { int calls; mp_jobs_error e; char id[MP_JOB_ID_LEN + 1]; } created;

static void on_created(mp_jobs_error e, const char *id, const char *message, void *arg)
{
    (void)message;
    created *c = arg;
    c->calls++;
    c->e = e;
    if (id)
        snprintf(c->id, sizeof c->id, "%s", id);
}

typedef struct got_row { int calls; mp_store_status st; mp_job_row row; } got_row;

static void on_row(mp_store_status st, const mp_job_row *row, const char *error, void *arg)
{
    (void)error;
    got_row *g = arg;
    g->calls++;
    g->st = st;
    if (row)
        g->row = *row;
}

/* The job's row as the store has it now (the loop runs until it answers). */
static mp_job_row job_row(struct event_base *base, mp_store *store, const char *id)
{
    got_row g = {0};
    if (mp_store_job_get(store, id, on_row, &g) == MP_STORE_OK)
        for (int i = 0; i < 500 && !g.calls; i++)
            spin(base, 10);
    return g.row;
}

TEST(a_full_prober_makes_a_job_wait_and_loses_no_address)
{
    struct event_base *base = event_base_new();
    mp_serve_config cfg;
    mp_serve_config_default(&cfg);
    cfg.prober.concurrency = 1; /* room for 1 + 1: the job's 8 slots are refused most of the time */
    cfg.prober.max_queued = 1;
    cfg.job_in_flight = 8;
    snprintf(cfg.prober.helo, sizeof cfg.prober.helo, "test.invalid");
    snprintf(cfg.prober.dns_server, sizeof cfg.prober.dns_server, "127.0.0.1:9");
    char dir[] = "/tmp/mp-test-jobs.XXXXXX", path[64], err[256] = "";
    CHECK(mkdtemp(dir) != NULL);
    snprintf(path, sizeof path, "%s/jobs.db", dir);
    mp_prober *prober = mp_prober_new(base, &cfg.prober, err, sizeof err);
    mp_store *store = mp_store_open(base, path, err, sizeof err);
    mp_job_watch *watch = mp_job_watch_new(base, store);
    mp_domain_memory *memory = mp_domain_memory_new();
    CHECK(prober && store && watch && memory);
    if (!prober || !store || !watch || !memory)
        return;
    mp_metrics metrics;
    memset(&metrics, 0, sizeof metrics);
    mp_jobs_env env = {.base = base, .prober = prober, .store = store, .cfg = &cfg, .metrics = &metrics,
                       .watch = watch, .memory = memory};
    mp_jobs *jobs = mp_jobs_new(&env);
    mp_jobs_start(jobs);
    enum { N = 40 };
    char text[N][32];
    mp_job_input in[N];
    for (int i = 0; i < N; i++) {
        in[i].len = (size_t)snprintf(text[i], sizeof text[i], "not-an-address-%d", i);
        in[i].p = text[i];
    }
    created c = {0};
    CHECK_EQ_INT(mp_jobs_create(jobs, in, N, NULL, on_created, &c), MP_JOBS_OK);
    for (int i = 0; i < 500 && !c.calls; i++)
        spin(base, 10);
    CHECK_EQ_INT(c.calls, 1);
    CHECK_EQ_INT(c.e, MP_JOBS_OK);
    mp_job_row row = {0};
    for (int waited = 0; waited < 10000 && row.state != MP_JOB_DONE; waited += 50) {
        spin(base, 50);
        row = job_row(base, store, c.id);
    }
    CHECK_EQ_INT(row.state, MP_JOB_DONE);
    CHECK_EQ_INT(row.done, N);
    mp_prober_stats st;
    mp_prober_stats_get(prober, &st);
    CHECK(st.refused_full > 0); /* the bound was hit, and waited out */
    CHECK_EQ_INT(st.completed, N);
    mp_jobs_free(jobs);
    mp_job_watch_free(watch);
    mp_store_close(store);
    mp_domain_memory_free(memory);
    mp_prober_free(prober);
    event_base_free(base);
    char cmd[96];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK_EQ_INT(system(cmd), 0);
}

int main(void)
{
    RUN(job_errors_have_names);
    RUN(a_full_prober_makes_a_job_wait_and_loses_no_address);
    return test_report();
}
