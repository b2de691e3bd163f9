/* The store (store.h) through its only backend today, SQLite in memory:
 * each address done exactly once, counts kept in the job row, pending
 * addresses in order with their bytes, queued jobs without a limit, failed
 * jobs with their reason, the verify cache's expiry and cap, deleting and
 * retention, domain facts, named results.
 * ctest-labels: unit native
 * ctest-links: mpserve */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "test.h"

static mp_store *open_memory(void)
{
    char err[256];
    mp_store *s = mp_store_open(":memory:", err, sizeof err);
    if (!s)
        fprintf(stderr, "open: %s\n", err);
    return s;
}

/* Stores the result of address `seq` of job `id` in its own transaction. */
static mp_store_status store_one(mp_store *s, const char *id, int64_t seq, mp_status status)
{
    if (mp_store_begin(s) != MP_STORE_OK)
        return MP_STORE_ERROR;
    mp_store_status st = mp_store_item_done(s, id, seq, status, "{}");
    return mp_store_commit(s) == MP_STORE_OK ? st : MP_STORE_ERROR;
}

static void make_job(mp_store *s, const char *id, size_t n, int64_t now)
{
    char err[256];
    mp_job_input *in = calloc(n, sizeof *in);
    for (size_t i = 0; in && i < n; i++)
        in[i] = (mp_job_input){"a@x.org", 7};
    CHECK(in != NULL);
    CHECK_EQ_INT(mp_store_job_create(s, id, in, n, now, err, sizeof err), MP_STORE_OK);
    free(in);
}

TEST(store_marks_each_address_done_exactly_once)
{
    char err[256];
    mp_store *s = open_memory();
    CHECK(s != NULL);
    if (!s)
        return;
    CHECK_EQ_STR(mp_store_backend(s), "sqlite");
    int version = 0;
    CHECK_EQ_INT(mp_store_schema_version(s, &version), MP_STORE_OK);
    CHECK(version >= 1);
    mp_job_input in[3] = {{"a@x.org", 7}, {"b@x.org", 7}, {"c\0d", 3}};
    CHECK_EQ_INT(mp_store_job_create(s, "0123456789abcdef", in, 3, 1000, err, sizeof err), MP_STORE_OK);
    /* duplicate id */
    CHECK_EQ_INT(mp_store_job_create(s, "0123456789abcdef", in, 3, 1000, err, sizeof err), MP_STORE_ERROR);
    mp_job_row row;
    CHECK_EQ_INT(mp_store_job_get(s, "0123456789abcdef", &row), MP_STORE_OK);
    CHECK_EQ_INT(row.total, 3);
    CHECK_EQ_INT(row.state, MP_JOB_QUEUED);
    CHECK_EQ_INT(mp_store_begin(s), MP_STORE_OK);
    CHECK_EQ_INT(mp_store_item_done(s, "0123456789abcdef", 1, MP_STATUS_RISKY, "{\"n\":1}"), MP_STORE_OK);
    CHECK_EQ_INT(mp_store_item_done(s, "0123456789abcdef", 1, MP_STATUS_RISKY, "{\"n\":2}"), MP_STORE_UNCHANGED);
    CHECK_EQ_INT(mp_store_commit(s), MP_STORE_OK);
    CHECK_EQ_INT(mp_store_job_get(s, "0123456789abcdef", &row), MP_STORE_OK);
    CHECK_EQ_INT(row.done, 1);
    CHECK_EQ_INT(mp_store_job_get(s, "ffffffffffffffff", &row), MP_STORE_NOT_FOUND);
    CHECK_EQ_INT(mp_store_job_get(s, "short", &row), MP_STORE_NOT_FOUND);
    mp_store_close(s);
}

TEST(job_counts_are_kept_in_the_job_row_with_each_result)
{
    mp_store *s = open_memory();
    if (!s)
        return;
    make_job(s, "00000000000000c1", 6, 1);
    mp_status st[6] = {MP_STATUS_DELIVERABLE, MP_STATUS_DELIVERABLE, MP_STATUS_UNDELIVERABLE, MP_STATUS_RISKY,
                       MP_STATUS_UNKNOWN, MP_STATUS_UNKNOWN};
    for (int i = 0; i < 6; i++)
        CHECK_EQ_INT(store_one(s, "00000000000000c1", i, st[i]), MP_STORE_OK);
    /* a second result for an address counts nothing */
    CHECK_EQ_INT(store_one(s, "00000000000000c1", 0, MP_STATUS_RISKY), MP_STORE_UNCHANGED);
    mp_job_row row;
    CHECK_EQ_INT(mp_store_job_get(s, "00000000000000c1", &row), MP_STORE_OK);
    CHECK_EQ_INT(row.done, 6);
    CHECK_EQ_INT(row.counts[MP_STATUS_DELIVERABLE], 2);
    CHECK_EQ_INT(row.counts[MP_STATUS_UNDELIVERABLE], 1);
    CHECK_EQ_INT(row.counts[MP_STATUS_RISKY], 1);
    CHECK_EQ_INT(row.counts[MP_STATUS_UNKNOWN], 2);
    /* A result rolled back counts nothing either. */
    make_job(s, "00000000000000c2", 1, 1);
    CHECK_EQ_INT(mp_store_begin(s), MP_STORE_OK);
    CHECK_EQ_INT(mp_store_item_done(s, "00000000000000c2", 0, MP_STATUS_RISKY, "{}"), MP_STORE_OK);
    mp_store_rollback(s);
    CHECK_EQ_INT(mp_store_job_get(s, "00000000000000c2", &row), MP_STORE_OK);
    CHECK_EQ_INT(row.done, 0);
    CHECK_EQ_INT(row.counts[MP_STATUS_RISKY], 0);
    mp_store_close(s);
}

static int pending_seen;
static size_t pending_len_last;
static void count_pending(int64_t seq, const char *email, size_t len, void *arg)
{
    (void)seq;
    (void)email;
    (void)arg;
    pending_seen++;
    pending_len_last = len;
}

TEST(store_lists_pending_addresses_in_order_with_their_bytes)
{
    char err[256];
    mp_store *s = open_memory();
    if (!s)
        return;
    mp_job_input in[3] = {{"a@x.org", 7}, {"b@x.org", 7}, {"c\0d", 3}};
    CHECK_EQ_INT(mp_store_job_create(s, "00000000000000aa", in, 3, 1, err, sizeof err), MP_STORE_OK);
    CHECK_EQ_INT(store_one(s, "00000000000000aa", 0, MP_STATUS_DELIVERABLE), MP_STORE_OK);
    pending_seen = 0;
    size_t n = 0;
    CHECK_EQ_INT(mp_store_items_pending(s, "00000000000000aa", -1, 10, count_pending, NULL, &n), MP_STORE_OK);
    CHECK_EQ_INT(n, 2);
    CHECK_EQ_INT(pending_seen, 2);
    CHECK_EQ_INT(pending_len_last, 3); /* the embedded NUL survives */
    CHECK_EQ_INT(mp_store_items_pending(s, "00000000000000aa", 1, 10, count_pending, NULL, &n), MP_STORE_OK);
    CHECK_EQ_INT(n, 1);
    mp_store_close(s);
}

/* mp_jobs_resume once read at most 1,024 unfinished jobs. */
TEST(every_queued_job_is_found_oldest_first_however_many)
{
    mp_store *s = open_memory();
    if (!s)
        return;
    enum { JOBS = 1500 };
    for (int i = 0; i < JOBS; i++) {
        char id[MP_JOB_ID_LEN + 1];
        snprintf(id, sizeof id, "%016x", i);
        make_job(s, id, 1, 1000 + i);
        if (i % 2)
            CHECK_EQ_INT(mp_store_job_set_state(s, id, MP_JOB_RUNNING, 2000), MP_STORE_OK);
    }
    size_t unfinished = 0;
    CHECK_EQ_INT(mp_store_jobs_requeue(s, 3000, &unfinished), MP_STORE_OK);
    CHECK_EQ_INT(unfinished, JOBS);
    int taken = 0;
    char id[MP_JOB_ID_LEN + 1], want[MP_JOB_ID_LEN + 1];
    while (mp_store_job_next_queued(s, id) == MP_STORE_OK) {
        snprintf(want, sizeof want, "%016x", taken);
        if (strcmp(id, want)) {
            CHECK_EQ_STR(id, want);
            break;
        }
        CHECK_EQ_INT(mp_store_job_set_state(s, id, MP_JOB_RUNNING, 3000), MP_STORE_OK);
        taken++;
    }
    CHECK_EQ_INT(taken, JOBS);
    CHECK_EQ_INT(mp_store_job_next_queued(s, id), MP_STORE_NOT_FOUND);
    mp_store_close(s);
}

TEST(a_failed_job_keeps_its_reason)
{
    mp_store *s = open_memory();
    if (!s)
        return;
    make_job(s, "00000000000000f1", 2, 1);
    char reason[400];
    memset(reason, 'x', sizeof reason - 1);
    reason[sizeof reason - 1] = 0;
    memcpy(reason, "disk full: ", 11);
    CHECK_EQ_INT(mp_store_job_fail(s, "00000000000000f1", reason, 5), MP_STORE_OK);
    mp_job_row row;
    CHECK_EQ_INT(mp_store_job_get(s, "00000000000000f1", &row), MP_STORE_OK);
    CHECK_EQ_INT(row.state, MP_JOB_FAILED);
    CHECK_EQ_STR(mp_job_state_name(row.state), "failed");
    CHECK(!strncmp(row.error, "disk full: xxx", 14));
    CHECK_EQ_INT(strlen(row.error), 255); /* clipped */
    CHECK_EQ_INT(row.updated, 5);
    /* a finished job does not fail afterwards */
    make_job(s, "00000000000000f2", 1, 1);
    CHECK_EQ_INT(mp_store_job_set_state(s, "00000000000000f2", MP_JOB_DONE, 6), MP_STORE_OK);
    CHECK_EQ_INT(mp_store_job_fail(s, "00000000000000f2", "late", 7), MP_STORE_OK);
    CHECK_EQ_INT(mp_store_job_get(s, "00000000000000f2", &row), MP_STORE_OK);
    CHECK_EQ_INT(row.state, MP_JOB_DONE);
    CHECK_EQ_STR(row.error, "");
    mp_store_close(s);
}

TEST(verify_cache_expires)
{
    mp_store *s = open_memory();
    if (!s)
        return;
    CHECK_EQ_INT(mp_store_cache_put(s, "a@x.org", "{\"r\":1}", 100, 10), MP_STORE_OK);
    char *hit = NULL;
    CHECK_EQ_INT(mp_store_cache_get(s, "a@x.org", 99, &hit), MP_STORE_OK);
    CHECK_EQ_STR(hit, "{\"r\":1}");
    free(hit);
    CHECK_EQ_INT(mp_store_cache_get(s, "a@x.org", 100, &hit), MP_STORE_NOT_FOUND);
    CHECK(hit == NULL);
    mp_store_upkeep_policy p = {.now = 100, .cache_max_entries = 10, .row_budget = 100};
    mp_store_upkeep_report r;
    CHECK_EQ_INT(mp_store_upkeep(s, &p, &r), MP_STORE_OK);
    CHECK_EQ_INT(r.cache_removed, 1);
    mp_store_close(s);
}

TEST(verify_cache_keeps_at_most_max_entries_dropping_the_oldest)
{
    mp_store *s = open_memory();
    if (!s)
        return;
    enum { CAP = 50 };
    char key[32];
    for (int i = 0; i < CAP + 20; i++) {
        snprintf(key, sizeof key, "u%d@x.org", i);
        CHECK_EQ_INT(mp_store_cache_put(s, key, "{}", 1000 + i, CAP), MP_STORE_OK);
    }
    /* replacing an entry does not count it twice */
    CHECK_EQ_INT(mp_store_cache_put(s, "u69@x.org", "{\"again\":1}", 5000, CAP), MP_STORE_OK);
    int present = 0;
    for (int i = 0; i < CAP + 20; i++) {
        char *hit = NULL;
        snprintf(key, sizeof key, "u%d@x.org", i);
        if (mp_store_cache_get(s, key, 0, &hit) == MP_STORE_OK) {
            present++;
            CHECK(i >= 20); /* the 20 that expire first went */
        }
        free(hit);
    }
    CHECK_EQ_INT(present, CAP);
    /* a lower cap in upkeep trims too */
    mp_store_upkeep_policy p = {.now = 0, .cache_max_entries = 10, .row_budget = 100};
    mp_store_upkeep_report r;
    CHECK_EQ_INT(mp_store_upkeep(s, &p, &r), MP_STORE_OK);
    CHECK_EQ_INT(r.cache_removed, CAP - 10);
    mp_store_close(s);
}

static int results_seen;
static void count_result(int64_t seq, const char *email, size_t len, const char *json, void *arg)
{
    (void)seq, (void)email, (void)len, (void)json, (void)arg;
    results_seen++;
}

/* Addresses and results of job `id` still stored. */
static size_t rows_of(mp_store *s, const char *id)
{
    size_t pending = 0, done = 0;
    results_seen = 0;
    mp_store_items_pending(s, id, -1, 1000000, count_pending, NULL, &pending);
    mp_store_results_page(s, id, -1, 1000000, count_result, NULL, &done);
    return pending + done;
}

TEST(delete_removes_a_finished_job_with_its_addresses_and_results)
{
    mp_store *s = open_memory();
    if (!s)
        return;
    make_job(s, "00000000000000d1", 3, 1);
    CHECK_EQ_INT(store_one(s, "00000000000000d1", 0, MP_STATUS_DELIVERABLE), MP_STORE_OK);
    /* an unfinished job is not deleted */
    CHECK_EQ_INT(mp_store_job_delete(s, "00000000000000d1"), MP_STORE_UNCHANGED);
    CHECK_EQ_INT(mp_store_job_set_state(s, "00000000000000d1", MP_JOB_RUNNING, 2), MP_STORE_OK);
    CHECK_EQ_INT(mp_store_job_delete(s, "00000000000000d1"), MP_STORE_UNCHANGED);
    CHECK_EQ_INT(rows_of(s, "00000000000000d1"), 3);
    CHECK_EQ_INT(mp_store_job_set_state(s, "00000000000000d1", MP_JOB_CANCELLED, 3), MP_STORE_OK);
    CHECK_EQ_INT(mp_store_job_delete(s, "00000000000000d1"), MP_STORE_OK);
    mp_job_row row;
    CHECK_EQ_INT(mp_store_job_get(s, "00000000000000d1", &row), MP_STORE_NOT_FOUND);
    CHECK_EQ_INT(rows_of(s, "00000000000000d1"), 0);
    CHECK_EQ_INT(mp_store_job_delete(s, "00000000000000d1"), MP_STORE_NOT_FOUND);
    mp_store_close(s);
}

TEST(retention_deletes_jobs_finished_before_the_cutoff_in_bounded_rounds)
{
    mp_store *s = open_memory();
    if (!s)
        return;
    make_job(s, "00000000000000e1", 250, 1); /* finished at 10: too old */
    make_job(s, "00000000000000e2", 5, 1);   /* finished at 100: kept */
    make_job(s, "00000000000000e3", 5, 1);   /* unfinished: kept */
    CHECK_EQ_INT(mp_store_job_set_state(s, "00000000000000e1", MP_JOB_DONE, 10), MP_STORE_OK);
    CHECK_EQ_INT(mp_store_job_set_state(s, "00000000000000e2", MP_JOB_DONE, 100), MP_STORE_OK);
    mp_store_upkeep_policy p = {.now = 150, .finished_before = 50, .cache_max_entries = 10, .row_budget = 100};
    mp_store_upkeep_report r;
    CHECK_EQ_INT(mp_store_upkeep(s, &p, &r), MP_STORE_OK);
    CHECK_EQ_INT(r.jobs_deleted, 1);
    CHECK_EQ_INT(r.rows_deleted, 100);
    CHECK(r.more);
    mp_job_row row;
    CHECK_EQ_INT(mp_store_job_get(s, "00000000000000e1", &row), MP_STORE_NOT_FOUND);
    CHECK_EQ_INT(rows_of(s, "00000000000000e1"), 150);
    CHECK_EQ_INT(mp_store_upkeep(s, &p, &r), MP_STORE_OK);
    CHECK_EQ_INT(r.rows_deleted, 100);
    CHECK_EQ_INT(mp_store_upkeep(s, &p, &r), MP_STORE_OK);
    CHECK_EQ_INT(r.rows_deleted, 50);
    CHECK(!r.more);
    CHECK_EQ_INT(rows_of(s, "00000000000000e1"), 0);
    CHECK_EQ_INT(mp_store_job_get(s, "00000000000000e2", &row), MP_STORE_OK);
    CHECK_EQ_INT(mp_store_job_get(s, "00000000000000e3", &row), MP_STORE_OK);
    CHECK_EQ_INT(rows_of(s, "00000000000000e2") + rows_of(s, "00000000000000e3"), 10);
    /* no retention: nothing goes */
    p.finished_before = 0;
    p.now = 1000000;
    CHECK_EQ_INT(mp_store_upkeep(s, &p, &r), MP_STORE_OK);
    CHECK_EQ_INT(r.jobs_deleted, 0);
    CHECK_EQ_INT(mp_store_job_get(s, "00000000000000e2", &row), MP_STORE_OK);
    mp_store_close(s);
}

TEST(domain_facts_keep_a_known_catch_all_until_it_is_too_old)
{
    mp_store *s = open_memory();
    if (!s)
        return;
    mp_tristate ca = MP_YES;
    char provider[32];
    CHECK_EQ_INT(mp_store_domain_get(s, "x.org", &ca, provider, sizeof provider), MP_STORE_NOT_FOUND);
    CHECK_EQ_INT(ca, MP_UNKNOWN);
    CHECK_EQ_INT(mp_store_domain_catch_all(s, "x.org", 0), MP_UNKNOWN);
    CHECK_EQ_INT(mp_store_domain_put(s, "x.org", NULL, MP_NO, NULL, 100), MP_STORE_OK);
    /* A later fact without a verdict keeps the verdict and its age. */
    CHECK_EQ_INT(mp_store_domain_put(s, "x.org", "[]", MP_UNKNOWN, "google", 200), MP_STORE_OK);
    CHECK_EQ_INT(mp_store_domain_get(s, "x.org", &ca, provider, sizeof provider), MP_STORE_OK);
    CHECK_EQ_INT(ca, MP_NO);
    CHECK_EQ_STR(provider, "google");
    CHECK_EQ_INT(mp_store_domain_catch_all(s, "x.org", 100), MP_NO);
    CHECK_EQ_INT(mp_store_domain_catch_all(s, "x.org", 101), MP_UNKNOWN);
    CHECK_EQ_INT(mp_store_domain_put(s, "x.org", NULL, MP_YES, NULL, 300), MP_STORE_OK);
    CHECK_EQ_INT(mp_store_domain_catch_all(s, "x.org", 250), MP_YES);
    mp_store_close(s);
}

TEST(store_status_names)
{
    CHECK_EQ_STR(mp_store_status_name(MP_STORE_OK), "ok");
    CHECK_EQ_STR(mp_store_status_name(MP_STORE_NOT_FOUND), "not_found");
    CHECK_EQ_STR(mp_store_status_name(MP_STORE_UNCHANGED), "unchanged");
    CHECK_EQ_STR(mp_store_status_name(MP_STORE_ERROR), "error");
    CHECK_EQ_STR(mp_store_status_name(MP_STORE_STATUS_COUNT), "unknown");
}

int main(void)
{
    RUN(store_marks_each_address_done_exactly_once);
    RUN(job_counts_are_kept_in_the_job_row_with_each_result);
    RUN(store_lists_pending_addresses_in_order_with_their_bytes);
    RUN(every_queued_job_is_found_oldest_first_however_many);
    RUN(a_failed_job_keeps_its_reason);
    RUN(verify_cache_expires);
    RUN(verify_cache_keeps_at_most_max_entries_dropping_the_oldest);
    RUN(delete_removes_a_finished_job_with_its_addresses_and_results);
    RUN(retention_deletes_jobs_finished_before_the_cutoff_in_bounded_rounds);
    RUN(domain_facts_keep_a_known_catch_all_until_it_is_too_old);
    RUN(store_status_names);
    return test_report();
}
