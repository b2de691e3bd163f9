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
    mp_job_input in[3] = {{.p = "a@x.org", .len = 7}, {.p = "b@x.org", .len = 7}, {.p = "c\0d", .len = 3}};
    CHECK_EQ_INT(mp_store_job_create(s, "0123456789abcdef", in, 3, NULL, 1000, err, sizeof err), MP_STORE_OK);
    /* duplicate id */
    CHECK_EQ_INT(mp_store_job_create(s, "0123456789abcdef", in, 3, NULL, 1000, err, sizeof err), MP_STORE_ERROR);
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
    mp_job_input in[3] = {{.p = "a@x.org", .len = 7}, {.p = "b@x.org", .len = 7}, {.p = "c\0d", .len = 3}};
    CHECK_EQ_INT(mp_store_job_create(s, "00000000000000aa", in, 3, NULL, 1, err, sizeof err), MP_STORE_OK);
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

typedef struct rows_seen { int n; char rows[4][32]; size_t row_len[4]; bool had_row[4]; } rows_seen;
static void collect_rows(int64_t seq, const char *email, size_t len, const char *json, const char *row,
                         size_t row_len, void *arg)
{
    (void)seq, (void)email, (void)len, (void)json;
    rows_seen *r = arg;
    if (r->n < 4) {
        r->had_row[r->n] = row != NULL;
        r->row_len[r->n] = row_len;
        if (row && row_len < sizeof r->rows[0])
            memcpy(r->rows[r->n], row, row_len);
        r->n++;
    }
}

TEST(a_csv_job_keeps_its_rows_and_source_as_they_came_in)
{
    char err[256];
    mp_store *s = mp_store_open(":memory:", err, sizeof err);
    if (!s)
        return;
    /* UTF-16 LE octets (NULs inside), and a row that is empty. */
    mp_job_input in[2] = {{.p = "a@x.org", .len = 7, .row = "A\0;\0a\0", .row_len = 6},
                          {.p = "", .len = 0, .row = "", .row_len = 0}};
    mp_job_source src = {"utf-16le bom sep=59 rows width=2 column=1", "N\0;\0E\0", 6};
    CHECK_EQ_INT(mp_store_job_create(s, "00000000000000cc", in, 2, &src, 1, err, sizeof err), MP_STORE_OK);
    mp_job_input plain[1] = {{.p = "b@x.org", .len = 7}};
    CHECK_EQ_INT(mp_store_job_create(s, "00000000000000dd", plain, 1, NULL, 1, err, sizeof err), MP_STORE_OK);
    char *shape = NULL, *header = NULL;
    size_t hl = 0;
    CHECK_EQ_INT(mp_store_job_source(s, "00000000000000cc", &shape, &header, &hl), MP_STORE_OK);
    CHECK_EQ_STR(shape, src.shape);
    CHECK(header && hl == 6 && !memcmp(header, src.header, 6));
    free(shape);
    free(header);
    CHECK_EQ_INT(mp_store_job_source(s, "00000000000000dd", &shape, &header, &hl), MP_STORE_NOT_FOUND);
    CHECK(shape == NULL && header == NULL);
    mp_store_begin(s);
    mp_store_item_done(s, "00000000000000cc", 0, MP_STATUS_DELIVERABLE, "{}");
    mp_store_item_done(s, "00000000000000cc", 1, MP_STATUS_UNKNOWN, "{}");
    mp_store_item_done(s, "00000000000000dd", 0, MP_STATUS_UNKNOWN, "{}");
    mp_store_commit(s);
    rows_seen r = {0};
    size_t n = 0;
    CHECK_EQ_INT(mp_store_results_page(s, "00000000000000cc", -1, 10, collect_rows, &r, &n), MP_STORE_OK);
    CHECK_EQ_INT(r.n, 2);
    CHECK(r.had_row[0] && r.row_len[0] == 6 && !memcmp(r.rows[0], "A\0;\0a\0", 6));
    CHECK(r.had_row[1] && r.row_len[1] == 0);
    rows_seen p = {0};
    CHECK_EQ_INT(mp_store_results_page(s, "00000000000000dd", -1, 10, collect_rows, &p, &n), MP_STORE_OK);
    CHECK(p.n == 1 && !p.had_row[0]);
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
    RUN(a_csv_job_keeps_its_rows_and_source_as_they_came_in);
    RUN(verify_cache_expires);
    RUN(domain_facts_keep_a_known_catch_all_until_it_is_too_old);
    RUN(store_status_names);
    return test_report();
}
