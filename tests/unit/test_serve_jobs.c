/* The job runner's contract (jobs.h) without a mail server: its errors
 * have names, and a job waits for a full prober instead of losing
 * addresses (invalid addresses are answered locally: no network). Jobs end
 * to end: tests/integration/test_serve*.py.
 * ctest-labels: unit native
 * ctest-links: mpserve */
#include <stdio.h>
#include <string.h>
#include "jobs.h"
#include "test.h"

TEST(job_errors_have_names)
{
    CHECK_EQ_STR(mp_jobs_error_name(MP_JOBS_OK), "ok");
    CHECK_EQ_STR(mp_jobs_error_name(MP_JOBS_TOO_MANY), "too_many");
    CHECK_EQ_STR(mp_jobs_error_name(MP_JOBS_STORE), "store");
    CHECK_EQ_STR(mp_jobs_error_name(MP_JOBS_ERROR_COUNT), "?");
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    event_base_loopbreak(arg);
}

/* Runs the loop until `id` is done or `ms` passed; returns its row. */
static mp_job_row run_until_done(struct event_base *base, mp_store *store, const char *id, int ms)
{
    mp_job_row row = {0};
    struct event *tick = evtimer_new(base, on_tick, base);
    for (int waited = 0; waited < ms; waited += 20) {
        struct timeval tv = {0, 20000};
        evtimer_add(tick, &tv);
        event_base_dispatch(base);
        if (mp_store_job_get(store, id, &row) == MP_STORE_OK && row.state == MP_JOB_DONE)
            break;
    }
    event_free(tick);
    return row;
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
    char err[256] = "";
    mp_prober *prober = mp_prober_new(base, &cfg.prober, err, sizeof err);
    mp_store *store = mp_store_open(":memory:", err, sizeof err);
    CHECK(prober && store);
    if (!prober || !store)
        return;
    mp_metrics metrics;
    memset(&metrics, 0, sizeof metrics);
    mp_jobs_env env = {.base = base, .prober = prober, .store = store, .cfg = &cfg, .metrics = &metrics};
    mp_jobs *jobs = mp_jobs_new(&env);
    enum { N = 40 };
    char text[N][32];
    mp_job_input in[N];
    for (int i = 0; i < N; i++) {
        in[i].len = (size_t)snprintf(text[i], sizeof text[i], "not-an-address-%d", i);
        in[i].p = text[i];
    }
    char id[MP_JOB_ID_LEN + 1];
    CHECK_EQ_INT(mp_jobs_create(jobs, in, N, NULL, id, err, sizeof err), MP_JOBS_OK);
    mp_job_row row = run_until_done(base, store, id, 10000);
    CHECK_EQ_INT(row.state, MP_JOB_DONE);
    CHECK_EQ_INT(row.done, N);
    mp_prober_stats st;
    mp_prober_stats_get(prober, &st);
    CHECK(st.refused_full > 0); /* the bound was hit, and waited out */
    CHECK_EQ_INT(st.completed, N);
    mp_jobs_free(jobs);
    mp_store_close(store);
    mp_prober_free(prober);
    event_base_free(base);
}

int main(void)
{
    RUN(job_errors_have_names);
    RUN(a_full_prober_makes_a_job_wait_and_loses_no_address);
    return test_report();
}
