/* The store (store.h) through its only backend today, SQLite in memory:
 * each address done exactly once, pending addresses in order with their
 * bytes, the verify cache's expiry, domain facts, named results.
 * ctest-labels: unit native
 * ctest-links: mpserve */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "test.h"

TEST(store_marks_each_address_done_exactly_once)
{
    char err[256];
    mp_store *s = mp_store_open(":memory:", err, sizeof err);
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
    int64_t counts[MP_STATUS_COUNT];
    CHECK_EQ_INT(mp_store_job_counts(s, "0123456789abcdef", counts), MP_STORE_OK);
    CHECK_EQ_INT(counts[MP_STATUS_RISKY], 1);
    CHECK_EQ_INT(counts[MP_STATUS_DELIVERABLE], 0);
    char ids[4][MP_JOB_ID_LEN + 1];
    size_t n = 99;
    CHECK_EQ_INT(mp_store_jobs_unfinished(s, ids, 4, &n), MP_STORE_OK);
    CHECK_EQ_INT(n, 1);
    CHECK_EQ_INT(mp_store_job_set_state(s, "0123456789abcdef", MP_JOB_DONE, 1001), MP_STORE_OK);
    CHECK_EQ_INT(mp_store_jobs_unfinished(s, ids, 4, &n), MP_STORE_OK);
    CHECK_EQ_INT(n, 0);
    CHECK_EQ_INT(mp_store_job_get(s, "ffffffffffffffff", &row), MP_STORE_NOT_FOUND);
    CHECK_EQ_INT(mp_store_job_get(s, "short", &row), MP_STORE_NOT_FOUND);
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
    mp_store *s = mp_store_open(":memory:", err, sizeof err);
    if (!s)
        return;
    mp_job_input in[3] = {{"a@x.org", 7}, {"b@x.org", 7}, {"c\0d", 3}};
    CHECK_EQ_INT(mp_store_job_create(s, "00000000000000aa", in, 3, 1, err, sizeof err), MP_STORE_OK);
    mp_store_begin(s);
    mp_store_item_done(s, "00000000000000aa", 0, MP_STATUS_DELIVERABLE, "{}");
    mp_store_commit(s);
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

TEST(verify_cache_expires)
{
    char err[256];
    mp_store *s = mp_store_open(":memory:", err, sizeof err);
    if (!s)
        return;
    CHECK_EQ_INT(mp_store_cache_put(s, "a@x.org", 7, "{\"r\":1}", 100), MP_STORE_OK);
    char *hit = NULL;
    CHECK_EQ_INT(mp_store_cache_get(s, "a@x.org", 7, 99, &hit), MP_STORE_OK);
    CHECK_EQ_STR(hit, "{\"r\":1}");
    free(hit);
    CHECK_EQ_INT(mp_store_cache_get(s, "a@x.org", 7, 100, &hit), MP_STORE_NOT_FOUND);
    CHECK(hit == NULL);
    size_t removed = 0;
    CHECK_EQ_INT(mp_store_cache_expire(s, 100, &removed), MP_STORE_OK);
    CHECK_EQ_INT(removed, 1);
    mp_store_close(s);
}

TEST(domain_facts_keep_a_known_catch_all_until_it_is_too_old)
{
    char err[256];
    mp_store *s = mp_store_open(":memory:", err, sizeof err);
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
    RUN(store_lists_pending_addresses_in_order_with_their_bytes);
    RUN(verify_cache_expires);
    RUN(domain_facts_keep_a_known_catch_all_until_it_is_too_old);
    RUN(store_status_names);
    return test_report();
}
