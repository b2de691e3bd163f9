/* The store's conformance suite (store.h): every promise of the interface,
 * run against a backend — SQLite files by default, PostgreSQL when
 * MP_TEST_PG_RUN names a running tests/fixture/postgres.sh directory
 * (ctest runs it both ways: test_serve_store, test_serve_store_pg). Each
 * test gets a fresh store: a new file, or a new database.
 *
 * The interface is asynchronous; the tests submit, then mp_store_drain()
 * runs the callbacks, which record what they were given.
 * ctest-labels: unit native
 * ctest-links: mpserve */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "store.h"
#include "test.h"

static struct event_base *base;
static const char *pg_run; /* NULL: SQLite */
static char tmpdir[64];
static int fresh_count;

/* A new, empty store location for the current test. */
static void fresh_location(char *out, size_t cap)
{
    fresh_count++;
    if (!pg_run) {
        snprintf(out, cap, "%s/s%d.db", tmpdir, fresh_count);
        return;
    }
    char cmd[512], db[64];
    snprintf(db, sizeof db, "conf_%d_%d", (int)getpid(), fresh_count);
    snprintf(cmd, sizeof cmd, "bash %s/tests/fixture/postgres.sh createdb %s %s", MP_SOURCE_DIR, pg_run, db);
    FILE *p = popen(cmd, "r");
    out[0] = '\0';
    if (p) {
        if (!fgets(out, (int)cap, p))
            out[0] = '\0';
        pclose(p);
    }
    out[strcspn(out, "\n")] = '\0';
}

/* Runs `sql` on the store's database with the backend's own client. */
static int run_sql(const char *location, const char *sql)
{
    char cmd[1024];
    if (pg_run)
        snprintf(cmd, sizeof cmd, "psql -q -v ON_ERROR_STOP=1 '%s' -c \"%s\" >/dev/null", location, sql);
    else
        snprintf(cmd, sizeof cmd, "sqlite3 '%s' \"%s\"", location, sql);
    return system(cmd);
}

static mp_store *open_at(const char *location)
{
    char err[256];
    mp_store *s = mp_store_open(base, location, err, sizeof err);
    if (!s)
        fprintf(stderr, "open %s: %s\n", location, err);
    return s;
}

static mp_store *open_fresh(char *location, size_t cap)
{
    fresh_location(location, cap);
    return open_at(location);
}

/* ---- what callbacks saw --------------------------------------------------------------- */

typedef struct seen {
    int calls;
    mp_store_status st;
    mp_job_row row;
    bool has_row;
    char text[4096];
    char err[MP_STORE_ERROR_MAX];
    /* lease */
    int64_t seqs[512];
    int tries[512];
    char domains[512][64];
    size_t count;
    mp_tristate fact[8];
    char fact_domain[8][64];
    size_t facts;
    /* beat */
    char running[8][MP_JOB_ID_LEN + 1];
    size_t nrunning;
    int64_t reaped;
    mp_store_cluster cluster;
    /* write */
    size_t stored, unchanged, njobs;
    mp_job_row jobs[8];
    mp_store_upkeep_report upkeep;
    mp_store_domain_row domain;
} seen;

static void on_done(mp_store_status st, const char *error, void *arg)
{
    seen *w = arg;
    w->calls++;
    w->st = st;
    snprintf(w->err, sizeof w->err, "%s", error);
}

static void on_job(mp_store_status st, const mp_job_row *row, const char *error, void *arg)
{
    seen *w = arg;
    on_done(st, error, arg);
    w->has_row = row != NULL;
    if (row)
        w->row = *row;
}

static void on_lease(mp_store_status st, const mp_store_lease_result *r, const char *error, void *arg)
{
    seen *w = arg;
    on_done(st, error, arg);
    w->count = w->facts = 0;
    for (size_t i = 0; r && i < r->count && i < 512; i++) {
        w->seqs[i] = r->items[i].seq;
        w->tries[i] = r->items[i].tries;
        snprintf(w->domains[i], sizeof w->domains[i], "%s", r->items[i].domain);
        w->count++;
    }
    for (size_t i = 0; r && i < r->fact_count && i < 8; i++) {
        w->fact[i] = r->facts[i].catch_all;
        snprintf(w->fact_domain[i], sizeof w->fact_domain[i], "%s", r->facts[i].domain);
        w->facts++;
    }
}

static void on_beat(mp_store_status st, const mp_store_beat_result *r, const char *error, void *arg)
{
    seen *w = arg;
    on_done(st, error, arg);
    w->nrunning = 0;
    for (size_t i = 0; r && i < r->running_count && i < 8; i++)
        memcpy(w->running[w->nrunning++], r->running[i], MP_JOB_ID_LEN + 1);
    if (r) {
        w->reaped = r->reaped;
        w->cluster = r->cluster;
    }
}

static void on_write(mp_store_status st, mp_store_batch *batch, const mp_store_write_result *r, const char *error,
                     void *arg)
{
    seen *w = arg;
    on_done(st, error, arg);
    mp_store_batch_free(batch);
    w->stored = r ? r->stored : 0;
    w->unchanged = r ? r->unchanged : 0;
    w->njobs = 0;
    for (size_t i = 0; r && i < r->job_count && i < 8; i++)
        w->jobs[w->njobs++] = r->jobs[i];
}

static void on_page(mp_store_status st, const mp_store_result_row *rows, size_t count, const char *error, void *arg)
{
    seen *w = arg;
    on_done(st, error, arg);
    w->count = 0;
    w->text[0] = '\0';
    for (size_t i = 0; i < count && i < 512; i++) {
        w->seqs[w->count++] = rows[i].seq;
        if (i == count - 1)
            snprintf(w->text, sizeof w->text, "%zu:%s", rows[i].len, rows[i].json);
    }
}

static void on_text(mp_store_status st, const char *text, const char *error, void *arg)
{
    seen *w = arg;
    on_done(st, error, arg);
    snprintf(w->text, sizeof w->text, "%s", text ? text : "(null)");
}

static void on_upkeep(mp_store_status st, const mp_store_upkeep_report *r, const char *error, void *arg)
{
    seen *w = arg;
    on_done(st, error, arg);
    if (r)
        w->upkeep = *r;
}

static void on_domain(mp_store_status st, const mp_store_domain_row *row, const char *error, void *arg)
{
    seen *w = arg;
    on_done(st, error, arg);
    memset(&w->domain, 0, sizeof w->domain);
    w->domain.catch_all = MP_UNKNOWN;
    if (row) {
        w->domain = *row;
        w->domain.mx_json = NULL;
        snprintf(w->text, sizeof w->text, "%s", row->mx_json ? row->mx_json : "(null)");
    }
}

/* ---- steps: submit, drain, return what was seen ------------------------------------------ */

static const char *const W1 = "0000000000000001", *const W2 = "0000000000000002";

static mp_store_status create(mp_store *s, const char *id, const char *const *emails, size_t n, int64_t now)
{
    mp_job_input in[64];
    for (size_t i = 0; i < n && i < 64; i++)
        in[i] = (mp_job_input){.p = emails[i], .len = emails[i][0] == 'e' && !emails[i][1] ? 3 : strlen(emails[i])};
    seen w = {0};
    CHECK_EQ_INT(mp_store_job_create(s, id, in, n, NULL, now, 1000, on_done, &w), MP_STORE_OK);
    mp_store_drain(s);
    CHECK_EQ_INT(w.calls, 1);
    return w.st;
}

static void create_n(mp_store *s, const char *id, size_t n, int64_t now)
{
    mp_job_input *in = calloc(n, sizeof *in);
    for (size_t i = 0; in && i < n; i++)
        in[i] = (mp_job_input){.p = "a@x.org", .len = 7};
    seen w = {0};
    CHECK(in != NULL);
    CHECK_EQ_INT(mp_store_job_create(s, id, in, n, NULL, now, 100000, on_done, &w), MP_STORE_OK);
    free(in);
    mp_store_drain(s);
    CHECK_EQ_INT(w.st, MP_STORE_OK);
}

static seen job(mp_store *s, const char *id)
{
    seen w = {0};
    CHECK_EQ_INT(mp_store_job_get(s, id, on_job, &w), MP_STORE_OK);
    mp_store_drain(s);
    return w;
}

/* A heartbeat of `worker` reporting its resolver `resolver`. */
static seen beat_reporting(mp_store *s, const char *worker, int64_t now, size_t max_running,
                           mp_resolver_state resolver)
{
    seen w = {0};
    mp_store_worker_report me = {"test", resolver, "what the canaries showed", now};
    CHECK_EQ_INT(mp_store_beat(s, worker, &me, now, 30, max_running, on_beat, &w), MP_STORE_OK);
    mp_store_drain(s);
    CHECK_EQ_INT(w.st, MP_STORE_OK);
    return w;
}

static seen beat(mp_store *s, const char *worker, int64_t now, size_t max_running)
{
    return beat_reporting(s, worker, now, max_running, MP_RESOLVER_HONEST);
}

static seen lease(mp_store *s, const char *id, const char *worker, size_t max, size_t per_domain, int64_t now)
{
    seen w = {0};
    CHECK_EQ_INT(mp_store_lease(s, id, worker, -1, max, per_domain, now, on_lease, &w), MP_STORE_OK);
    mp_store_drain(s);
    return w;
}

/* Writes results "{\"seq\":N}" with `status` for seqs [from, to). */
static seen write_range(mp_store *s, const char *id, int64_t from, int64_t to, mp_status status, int64_t now)
{
    mp_store_batch *b = mp_store_batch_new();
    for (int64_t q = from; q < to; q++) {
        char json[64];
        snprintf(json, sizeof json, "{\"seq\":%lld}", (long long)q);
        CHECK(mp_store_batch_result(b, id, q, status, strdup(json)));
    }
    seen w = {0};
    CHECK_EQ_INT(mp_store_write(s, b, now, on_write, &w), MP_STORE_OK);
    mp_store_drain(s);
    CHECK_EQ_INT(w.calls, 1);
    return w;
}

static seen end_job(mp_store *s, const char *id, int64_t now)
{
    seen w = {0};
    CHECK_EQ_INT(mp_store_job_end(s, id, now, on_job, &w), MP_STORE_OK);
    mp_store_drain(s);
    return w;
}

static seen results(mp_store *s, const char *id, bool pending)
{
    seen w = {0};
    CHECK_EQ_INT((pending ? mp_store_pending_page : mp_store_results_page)(s, id, -1, 512, on_page, &w), MP_STORE_OK);
    mp_store_drain(s);
    return w;
}

static seen upkeep(mp_store *s, int64_t now, int64_t finished_before, size_t cache_max, size_t budget)
{
    mp_store_upkeep_policy p = {now, finished_before, cache_max, budget};
    seen w = {0};
    CHECK_EQ_INT(mp_store_upkeep(s, &p, on_upkeep, &w), MP_STORE_OK);
    mp_store_drain(s);
    CHECK_EQ_INT(w.st, MP_STORE_OK);
    return w;
}

/* Creates a job and makes it running (the only unfinished one). */
static void running_job(mp_store *s, const char *id, const char *const *emails, size_t n)
{
    CHECK_EQ_INT(create(s, id, emails, n, 100), MP_STORE_OK);
    seen b = beat(s, W1, 100, 10);
    CHECK(b.nrunning >= 1);
}

#define OPEN(s, loc)                                                                                               \
    char loc[512];                                                                                                 \
    mp_store *s = open_fresh(loc, sizeof loc);                                                                     \
    CHECK(s != NULL);                                                                                              \
    if (!s)                                                                                                        \
    return

/* The last is 3 octets, "e", NUL, "f" (create() knows). */
static const char *const FIVE[] = {"a@x.org", "b@x.org", "c@y.org", "d@y.org", "e\0f"};

/* ---- the tests ------------------------------------------------------------------------ */

TEST(a_job_is_created_whole_and_read_back)
{
    OPEN(s, loc);
    CHECK(mp_store_schema_version(s) >= 1);
    CHECK(!strcmp(mp_store_backend(s), pg_run ? "postgresql" : "sqlite"));
    CHECK_EQ_INT(create(s, "0123456789abcdef", FIVE, 5, 1000), MP_STORE_OK);
    CHECK_EQ_INT(create(s, "0123456789abcdef", FIVE, 5, 1000), MP_STORE_ERROR); /* the id is taken */
    seen w = job(s, "0123456789abcdef");
    CHECK_EQ_INT(w.st, MP_STORE_OK);
    CHECK_EQ_INT(w.row.total, 5);
    CHECK_EQ_INT(w.row.done, 0);
    CHECK_EQ_INT(w.row.state, MP_JOB_QUEUED);
    CHECK_EQ_INT(w.row.created, 1000);
    CHECK_EQ_INT(job(s, "ffffffffffffffff").st, MP_STORE_NOT_FOUND);
    CHECK_EQ_INT(job(s, "short").st, MP_STORE_NOT_FOUND);
    seen p = results(s, "0123456789abcdef", true);
    CHECK_EQ_INT(p.count, 5);
    CHECK_EQ_STR(p.text, "3:null"); /* the embedded NUL survives: 3 octets */
    mp_store_close(s);
}

static void on_source(mp_store_status st, const mp_job_source *src, const char *error, void *arg)
{
    seen *w = arg;
    on_done(st, error, arg);
    w->count = 0;
    if (src) {
        snprintf(w->text, sizeof w->text, "%s", src->shape);
        w->count = src->header ? src->header_len : (size_t)-1;
        if (src->header && src->header_len < sizeof w->domains[0])
            memcpy(w->domains[0], src->header, src->header_len);
    }
}

typedef struct rows_seen { int n; char rows[4][32]; size_t row_len[4]; bool had_row[4]; } rows_seen;
static void on_rows(mp_store_status st, const mp_store_result_row *rows, size_t count, const char *error, void *arg)
{
    (void)st, (void)error;
    rows_seen *r = arg;
    for (size_t i = 0; i < count && r->n < 4; i++, r->n++) {
        r->had_row[r->n] = rows[i].row != NULL;
        r->row_len[r->n] = rows[i].row_len;
        if (rows[i].row && rows[i].row_len < sizeof r->rows[0])
            memcpy(r->rows[r->n], rows[i].row, rows[i].row_len);
    }
}

TEST(a_csv_job_keeps_its_rows_and_source_as_they_came_in)
{
    OPEN(s, loc);
    /* UTF-16 LE octets (NULs inside), and a row that is empty. */
    mp_job_input in[2] = {{.p = "a@x.org", .len = 7, .row = "A\0;\0a\0", .row_len = 6},
                          {.p = "", .len = 0, .row = "", .row_len = 0}};
    mp_job_source src = {"utf-16le bom sep=59 rows width=2 column=1", "N\0;\0E\0", 6};
    seen w = {0};
    CHECK_EQ_INT(mp_store_job_create(s, "00000000000000cc", in, 2, &src, 1, 10, on_done, &w), MP_STORE_OK);
    mp_job_input plain[1] = {{.p = "b@x.org", .len = 7}};
    CHECK_EQ_INT(mp_store_job_create(s, "00000000000000dd", plain, 1, NULL, 1, 10, on_done, &w), MP_STORE_OK);
    mp_store_drain(s);
    CHECK_EQ_INT(w.st, MP_STORE_OK);
    CHECK_EQ_INT(mp_store_job_source(s, "00000000000000cc", on_source, &w), MP_STORE_OK);
    mp_store_drain(s);
    CHECK_EQ_INT(w.st, MP_STORE_OK);
    CHECK_EQ_STR(w.text, src.shape);
    CHECK(w.count == 6 && !memcmp(w.domains[0], src.header, 6));
    CHECK_EQ_INT(mp_store_job_source(s, "00000000000000dd", on_source, &w), MP_STORE_OK);
    mp_store_drain(s);
    CHECK_EQ_INT(w.st, MP_STORE_NOT_FOUND);
    rows_seen r = {0}, p = {0};
    CHECK_EQ_INT(mp_store_pending_page(s, "00000000000000cc", -1, 10, on_rows, &r), MP_STORE_OK);
    CHECK_EQ_INT(mp_store_pending_page(s, "00000000000000dd", -1, 10, on_rows, &p), MP_STORE_OK);
    mp_store_drain(s);
    CHECK_EQ_INT(r.n, 2);
    CHECK(r.had_row[0] && r.row_len[0] == 6 && !memcmp(r.rows[0], "A\0;\0a\0", 6));
    CHECK(r.had_row[1] && r.row_len[1] == 0);
    CHECK(p.n == 1 && !p.had_row[0]);
    /* and with their results */
    beat(s, W1, 2, 10);
    write_range(s, "00000000000000cc", 0, 2, MP_STATUS_UNKNOWN, 3);
    rows_seen d = {0};
    CHECK_EQ_INT(mp_store_results_page(s, "00000000000000cc", -1, 10, on_rows, &d), MP_STORE_OK);
    mp_store_drain(s);
    CHECK(d.n == 2 && d.had_row[0] && d.row_len[0] == 6 && !memcmp(d.rows[0], "A\0;\0a\0", 6));
    mp_store_close(s);
}

TEST(each_address_gets_exactly_one_result_counted_in_the_job_row)
{
    OPEN(s, loc);
    running_job(s, "00000000000000c1", FIVE, 5);
    seen w = write_range(s, "00000000000000c1", 0, 2, MP_STATUS_DELIVERABLE, 200);
    CHECK_EQ_INT(w.st, MP_STORE_OK);
    CHECK_EQ_INT(w.stored, 2);
    CHECK_EQ_INT(w.njobs, 1);
    CHECK_EQ_INT(w.jobs[0].done, 2);
    CHECK_EQ_INT(w.jobs[0].counts[MP_STATUS_DELIVERABLE], 2);
    /* a second result for the same addresses changes nothing */
    w = write_range(s, "00000000000000c1", 1, 4, MP_STATUS_RISKY, 201);
    CHECK_EQ_INT(w.stored, 2);
    CHECK_EQ_INT(w.unchanged, 1);
    seen j = job(s, "00000000000000c1");
    CHECK_EQ_INT(j.row.done, 4);
    CHECK_EQ_INT(j.row.counts[MP_STATUS_DELIVERABLE], 2);
    CHECK_EQ_INT(j.row.counts[MP_STATUS_RISKY], 2);
    CHECK_EQ_INT(j.row.counts[MP_STATUS_UNKNOWN], 0);
    seen r = results(s, "00000000000000c1", false);
    CHECK_EQ_INT(r.count, 4);
    CHECK_EQ_INT(r.seqs[3], 3);
    CHECK_EQ_STR(r.text, "7:{\"seq\":3}");
    CHECK_EQ_INT(results(s, "00000000000000c1", true).count, 1);
    mp_store_close(s);
}

TEST(results_of_a_job_that_is_not_running_are_not_stored)
{
    OPEN(s, loc);
    CHECK_EQ_INT(create(s, "00000000000000c2", FIVE, 5, 1), MP_STORE_OK); /* queued */
    seen w = write_range(s, "00000000000000c2", 0, 1, MP_STATUS_RISKY, 2);
    CHECK_EQ_INT(w.st, MP_STORE_OK);
    CHECK_EQ_INT(w.stored, 0);
    CHECK_EQ_INT(w.unchanged, 1);
    CHECK_EQ_INT(job(s, "00000000000000c2").row.done, 0);
    mp_store_close(s);
}

TEST(the_oldest_unfinished_jobs_run_across_all_workers)
{
    OPEN(s, loc);
    CHECK_EQ_INT(create(s, "00000000000000a1", FIVE, 5, 10), MP_STORE_OK);
    CHECK_EQ_INT(create(s, "00000000000000a2", FIVE, 2, 11), MP_STORE_OK);
    CHECK_EQ_INT(create(s, "00000000000000a3", FIVE, 1, 12), MP_STORE_OK);
    seen b = beat(s, W1, 100, 2);
    CHECK_EQ_INT(b.nrunning, 2);
    CHECK_EQ_STR(b.running[0], "00000000000000a1");
    CHECK_EQ_STR(b.running[1], "00000000000000a2");
    CHECK_EQ_INT(job(s, "00000000000000a1").row.state, MP_JOB_RUNNING);
    CHECK_EQ_INT(job(s, "00000000000000a3").row.state, MP_JOB_QUEUED);
    CHECK_EQ_INT(b.cluster.jobs_running, 2);
    CHECK_EQ_INT(b.cluster.jobs_queued, 1);
    CHECK_EQ_INT(b.cluster.addresses_pending, 8);
    CHECK_EQ_INT(b.cluster.workers, 1);
    /* another worker sees the same running set */
    b = beat(s, W2, 101, 2);
    CHECK_EQ_STR(b.running[0], "00000000000000a1");
    CHECK_EQ_STR(b.running[1], "00000000000000a2");
    CHECK_EQ_INT(b.cluster.workers, 2);
    /* when one ends, the next oldest starts */
    CHECK_EQ_INT(end_job(s, "00000000000000a1", 102).st, MP_STORE_OK);
    b = beat(s, W1, 103, 2);
    CHECK_EQ_STR(b.running[0], "00000000000000a2");
    CHECK_EQ_STR(b.running[1], "00000000000000a3");
    mp_store_close(s);
}

TEST(each_workers_resolver_state_is_counted_until_it_leaves_or_falls_silent)
{
    OPEN(s, loc);
    seen b = beat_reporting(s, W1, 100, 1, MP_RESOLVER_LYING);
    CHECK_EQ_INT(b.cluster.resolvers[MP_RESOLVER_LYING], 1);
    CHECK_EQ_INT(b.cluster.resolvers[MP_RESOLVER_HONEST], 0);
    b = beat_reporting(s, W2, 101, 1, MP_RESOLVER_HONEST);
    CHECK_EQ_INT(b.cluster.workers, 2);
    CHECK_EQ_INT(b.cluster.resolvers[MP_RESOLVER_LYING], 1);
    CHECK_EQ_INT(b.cluster.resolvers[MP_RESOLVER_HONEST], 1);
    /* a worker's latest report replaces its earlier one */
    b = beat_reporting(s, W1, 102, 1, MP_RESOLVER_UNANSWERED);
    CHECK_EQ_INT(b.cluster.resolvers[MP_RESOLVER_LYING], 0);
    CHECK_EQ_INT(b.cluster.resolvers[MP_RESOLVER_UNANSWERED], 1);
    CHECK_EQ_INT(b.cluster.resolvers[MP_RESOLVER_HONEST], 1);
    /* the honest one leaves (gives back all its leases): not counted at once */
    seen r = {0};
    CHECK_EQ_INT(mp_store_release(s, W2, NULL, on_done, &r), MP_STORE_OK);
    mp_store_drain(s);
    CHECK_EQ_INT(r.st, MP_STORE_OK);
    b = beat_reporting(s, W1, 103, 1, MP_RESOLVER_UNANSWERED);
    CHECK_EQ_INT(b.cluster.workers, 1);
    CHECK_EQ_INT(b.cluster.resolvers[MP_RESOLVER_HONEST], 0);
    /* one that falls silent for the lease TTL (30 s here) stops counting */
    beat_reporting(s, W2, 104, 1, MP_RESOLVER_HONEST);
    b = beat_reporting(s, W1, 104 + 31, 1, MP_RESOLVER_UNANSWERED);
    CHECK_EQ_INT(b.cluster.workers, 1);
    CHECK_EQ_INT(b.cluster.resolvers[MP_RESOLVER_HONEST], 0);
    CHECK_EQ_INT(b.cluster.resolvers[MP_RESOLVER_UNANSWERED], 1);
    mp_store_close(s);
}

/* mp_jobs_resume once read at most 1,024 unfinished jobs. */
TEST(every_queued_job_runs_in_turn_however_many)
{
    OPEN(s, loc);
    enum { JOBS = 1500 };
    const char *one[] = {"x@y.org"};
    for (int i = 0; i < JOBS; i++) {
        char id[MP_JOB_ID_LEN + 1];
        snprintf(id, sizeof id, "%016x", i);
        mp_job_input in = {.p = one[0], .len = 7};
        CHECK_EQ_INT(mp_store_job_create(s, id, &in, 1, NULL, 1000 + i, 100000, NULL, NULL), MP_STORE_OK);
        if (i % 500 == 499)
            mp_store_drain(s);
    }
    mp_store_drain(s);
    seen b = beat(s, W1, 5000, 1);
    CHECK_EQ_INT(b.cluster.jobs_queued + b.cluster.jobs_running, JOBS);
    int turns = 0;
    for (; turns < JOBS + 1; turns++) {
        b = beat(s, W1, 5000, 1);
        if (!b.nrunning)
            break;
        char want[MP_JOB_ID_LEN + 1];
        snprintf(want, sizeof want, "%016x", turns);
        if (strcmp(b.running[0], want)) {
            CHECK_EQ_STR(b.running[0], want);
            break;
        }
        mp_store_job_end(s, b.running[0], 5000, NULL, NULL);
    }
    CHECK_EQ_INT(turns, JOBS);
    mp_store_close(s);
}

TEST(too_many_unfinished_jobs_are_refused_across_workers)
{
    OPEN(s, loc);
    mp_job_input in = {.p = "a@x.org", .len = 7};
    seen w = {0};
    CHECK_EQ_INT(mp_store_job_create(s, "00000000000000b1", &in, 1, NULL, 1, 2, on_done, &w), MP_STORE_OK);
    CHECK_EQ_INT(mp_store_job_create(s, "00000000000000b2", &in, 1, NULL, 1, 2, on_done, &w), MP_STORE_OK);
    mp_store_drain(s);
    CHECK_EQ_INT(w.st, MP_STORE_OK);
    CHECK_EQ_INT(mp_store_job_create(s, "00000000000000b3", &in, 1, NULL, 1, 2, on_done, &w), MP_STORE_OK);
    mp_store_drain(s);
    CHECK_EQ_INT(w.st, MP_STORE_TOO_MANY);
    CHECK_EQ_INT(job(s, "00000000000000b3").st, MP_STORE_NOT_FOUND);
    mp_store_close(s);
}

static const char *const MIXED[] = {"a1@one.org", "b1@two.org", "a2@one.org", "c1@three.org", "b2@two.org",
                                    "a3@one.org", "b3@two.org", "a4@one.org", "not an address", "a5@one.org"};

TEST(a_lease_hands_out_runs_of_one_domain_once)
{
    OPEN(s, loc);
    running_job(s, "00000000000000d1", MIXED, 10);
    /* two per domain: one.org's first two, two.org's first two, ... */
    seen l = lease(s, "00000000000000d1", W1, 4, 2, 100);
    CHECK_EQ_INT(l.st, MP_STORE_OK);
    CHECK_EQ_INT(l.count, 4);
    int one = 0, two = 0;
    for (size_t i = 0; i < l.count; i++) {
        one += !strcmp(l.domains[i], "one.org");
        two += !strcmp(l.domains[i], "two.org");
        CHECK(i == 0 || l.seqs[i] > l.seqs[i - 1]); /* in input order */
    }
    CHECK_EQ_INT(one + two, 4);
    CHECK(one >= 2 || two >= 2); /* runs, not singles */
    /* the rest, and never twice */
    seen m = lease(s, "00000000000000d1", W2, 100, 2, 100);
    CHECK_EQ_INT(m.count, 6);
    for (size_t i = 0; i < m.count; i++)
        for (size_t k = 0; k < l.count; k++)
            CHECK(m.seqs[i] != l.seqs[k]);
    int invalid = 0;
    for (size_t i = 0; i < m.count; i++)
        invalid += m.seqs[i] == 8 && !strcmp(m.domains[i], "");
    CHECK_EQ_INT(invalid, 1); /* an invalid address is leased too, under "" */
    CHECK_EQ_INT(lease(s, "00000000000000d1", W1, 100, 2, 100).count, 0);
    /* given back, they go again */
    seen r = {0};
    CHECK_EQ_INT(mp_store_release(s, W2, "00000000000000d1", on_done, &r), MP_STORE_OK);
    mp_store_drain(s);
    CHECK_EQ_INT(r.st, MP_STORE_OK);
    CHECK_EQ_INT(lease(s, "00000000000000d1", W1, 100, 2, 100).count, 6);
    seen b = beat(s, W1, 100, 10);
    CHECK_EQ_INT(b.cluster.addresses_leased, 10);
    /* no lease from a job that does not run */
    CHECK_EQ_INT(create(s, "00000000000000d2", MIXED, 2, 50), MP_STORE_OK);
    CHECK_EQ_INT(lease(s, "00000000000000d2", W1, 10, 1, 100).st, MP_STORE_NOT_FOUND);
    mp_store_close(s);
}

TEST(a_lease_starts_after_the_cursor_it_is_given)
{
    OPEN(s, loc);
    running_job(s, "00000000000000d4", MIXED, 10);
    seen w = {0};
    CHECK_EQ_INT(mp_store_lease(s, "00000000000000d4", W1, 4, 100, 1, 100, on_lease, &w), MP_STORE_OK);
    mp_store_drain(s);
    CHECK_EQ_INT(w.st, MP_STORE_OK);
    CHECK_EQ_INT(w.count, 5);
    for (size_t i = 0; i < w.count; i++)
        CHECK(w.seqs[i] > 4);
    /* the whole job: the rest */
    CHECK_EQ_INT(lease(s, "00000000000000d4", W1, 100, 1, 100).count, 5);
    mp_store_close(s);
}

TEST(a_lease_brings_the_domains_catch_all_verdicts)
{
    OPEN(s, loc);
    seen w = {0};
    CHECK_EQ_INT(mp_store_domain_put(s, "one.org", MP_YES, 90, on_done, &w), MP_STORE_OK);
    mp_store_drain(s);
    CHECK_EQ_INT(w.st, MP_STORE_OK);
    running_job(s, "00000000000000d3", MIXED, 10);
    seen l = lease(s, "00000000000000d3", W1, 100, 1, 100);
    CHECK_EQ_INT(l.count, 10);
    CHECK_EQ_INT(l.facts, 1);
    CHECK_EQ_STR(l.fact_domain[0], "one.org");
    CHECK_EQ_INT(l.fact[0], MP_YES);
    mp_store_close(s);
}

TEST(a_silent_workers_leases_go_to_the_next_and_the_first_result_wins)
{
    OPEN(s, loc);
    running_job(s, "00000000000000e1", FIVE, 5);
    beat(s, W1, 100, 10);
    CHECK_EQ_INT(lease(s, "00000000000000e1", W1, 5, 1, 100).count, 5);
    /* W1 goes quiet (kill -9); W2 keeps beating */
    seen b = beat(s, W2, 120, 10);
    CHECK_EQ_INT(b.reaped, 0); /* 20 s < TTL 30 s */
    CHECK_EQ_INT(lease(s, "00000000000000e1", W2, 5, 1, 120).count, 0);
    b = beat(s, W2, 131, 10);
    CHECK_EQ_INT(b.reaped, 5);
    CHECK_EQ_INT(b.cluster.workers, 1);
    CHECK_EQ_INT(lease(s, "00000000000000e1", W2, 5, 1, 131).count, 5);
    /* W1 was only slow: its late result still counts once, W2's then not */
    seen w = write_range(s, "00000000000000e1", 0, 2, MP_STATUS_DELIVERABLE, 132);
    CHECK_EQ_INT(w.stored, 2);
    w = write_range(s, "00000000000000e1", 0, 5, MP_STATUS_UNKNOWN, 133);
    CHECK_EQ_INT(w.stored, 3);
    CHECK_EQ_INT(w.unchanged, 2);
    seen j = job(s, "00000000000000e1");
    CHECK_EQ_INT(j.row.done, 5);
    CHECK_EQ_INT(j.row.counts[MP_STATUS_DELIVERABLE], 2);
    CHECK_EQ_INT(j.row.counts[MP_STATUS_UNKNOWN], 3);
    mp_store_close(s);
}

TEST(an_address_to_retry_waits_for_its_time)
{
    OPEN(s, loc);
    running_job(s, "00000000000000e2", FIVE, 2);
    CHECK_EQ_INT(lease(s, "00000000000000e2", W1, 5, 1, 100).count, 2);
    mp_store_batch *b = mp_store_batch_new();
    CHECK(mp_store_batch_retry(b, "00000000000000e2", 1, 400));
    CHECK(mp_store_batch_result(b, "00000000000000e2", 0, MP_STATUS_RISKY, strdup("{}")));
    seen w = {0};
    CHECK_EQ_INT(mp_store_write(s, b, 101, on_write, &w), MP_STORE_OK);
    mp_store_drain(s);
    CHECK_EQ_INT(w.stored, 1);
    CHECK_EQ_INT(lease(s, "00000000000000e2", W1, 5, 1, 399).count, 0); /* not yet */
    seen l = lease(s, "00000000000000e2", W2, 5, 1, 400);
    CHECK_EQ_INT(l.count, 1);
    CHECK_EQ_INT(l.seqs[0], 1);
    CHECK_EQ_INT(job(s, "00000000000000e2").row.done, 1);
    mp_store_close(s);
}

/* Writes one batch: retries (seq, retry_at) and final results (seq). */
static seen write_mixed(mp_store *s, const char *id, const int64_t (*retries)[2], size_t nr, const int64_t *finals,
                        size_t nf, int64_t now)
{
    mp_store_batch *b = mp_store_batch_new();
    for (size_t i = 0; i < nr; i++)
        CHECK(mp_store_batch_retry(b, id, retries[i][0], retries[i][1]));
    for (size_t i = 0; i < nf; i++)
        CHECK(mp_store_batch_result(b, id, finals[i], MP_STATUS_UNKNOWN, strdup("{}")));
    seen w = {0};
    CHECK_EQ_INT(mp_store_write(s, b, now, on_write, &w), MP_STORE_OK);
    mp_store_drain(s);
    CHECK_EQ_INT(w.st, MP_STORE_OK);
    return w;
}

TEST(retried_addresses_count_their_tries_until_their_result_comes)
{
    OPEN(s, loc);
    const char *id = "00000000000000e3";
    running_job(s, id, FIVE, 4);
    seen l = lease(s, id, W1, 4, 1, 100);
    CHECK_EQ_INT(l.count, 4);
    CHECK_EQ_INT(l.tries[0] + l.tries[1] + l.tries[2] + l.tries[3], 0);
    const int64_t first[][2] = {{1, 400}, {2, 300}}, done0[] = {0};
    seen w = write_mixed(s, id, first, 2, done0, 1, 101);
    CHECK_EQ_INT(w.njobs, 1);
    CHECK_EQ_INT(w.jobs[0].retrying, 2); /* the write's own row counts them */
    seen j = job(s, id);
    CHECK_EQ_INT(j.row.retrying, 2);
    CHECK_EQ_INT(j.row.next_retry_at, 300);
    CHECK_EQ_INT(j.row.done, 1);
    /* Due at 300: leased again, with its try; the next due is then 400. */
    l = lease(s, id, W2, 4, 1, 300);
    CHECK_EQ_INT(l.count, 1);
    CHECK_EQ_INT(l.seqs[0], 2);
    CHECK_EQ_INT(l.tries[0], 1);
    j = job(s, id);
    CHECK_EQ_INT(j.row.retrying, 2); /* still retrying while probed again */
    CHECK_EQ_INT(j.row.next_retry_at, 400);
    /* A second temporary answer: still one address retrying, two tries. */
    const int64_t again[][2] = {{2, 500}};
    write_mixed(s, id, again, 1, NULL, 0, 301);
    CHECK_EQ_INT(job(s, id).row.retrying, 2);
    l = lease(s, id, W1, 4, 1, 500);
    CHECK_EQ_INT(l.count, 2);
    CHECK_EQ_INT(l.tries[0] + l.tries[1], 3); /* seq 1 once, seq 2 twice */
    const int64_t last[] = {1, 2, 3};
    w = write_mixed(s, id, NULL, 0, last, 3, 501);
    CHECK_EQ_INT(w.stored, 3);
    j = job(s, id);
    CHECK_EQ_INT(j.row.retrying, 0);
    CHECK_EQ_INT(j.row.next_retry_at, 0);
    CHECK_EQ_INT(j.row.done, 4);
    mp_store_close(s);
}

/* ---- politeness allowances ---- */

typedef struct grants {
    int calls;
    mp_store_status st;
    size_t n;
    char host[8][64];
    int sessions[8], wanting[8], starving[8];
} grants;

static void on_grants(mp_store_status st, const mp_store_allowance *g, size_t n, const char *error, void *arg)
{
    (void)error;
    grants *w = arg;
    w->calls++;
    w->st = st;
    w->n = n;
    for (size_t i = 0; i < n && i < 8; i++) {
        snprintf(w->host[i], sizeof w->host[i], "%s", g[i].host);
        w->sessions[i] = g[i].sessions;
        w->wanting[i] = g[i].wanting;
        w->starving[i] = g[i].starving;
    }
}

/* Worker `who` (egress `egress`) asks about host a.mx:25 with limits 4 for
 * the host and 2 per egress; returns what it was granted. */
static grants ask1(mp_store *s, const char *who, const char *egress, bool wanted, int in_use, int64_t now)
{
    mp_store_allowance_ask a = {"192.0.2.1:25", egress, wanted, in_use};
    grants w = {0};
    CHECK_EQ_INT(mp_store_allowances(s, who, now, 30, 4, 2, &a, 1, on_grants, &w), MP_STORE_OK);
    mp_store_drain(s);
    CHECK_EQ_INT(w.calls, 1);
    CHECK_EQ_INT(w.st, MP_STORE_OK);
    CHECK_EQ_INT(w.n, 1);
    return w;
}

TEST(allowances_keep_every_mx_within_the_cluster_and_egress_limits)
{
    OPEN(s, loc);
    const char *W3 = "0000000000000003", *W4 = "0000000000000004", *W5 = "0000000000000005";
    CHECK_EQ_INT(ask1(s, W1, "198.18.2.11", true, 0, 100).sessions[0], 2);
    CHECK_EQ_INT(ask1(s, W2, "198.18.2.12", true, 0, 100).sessions[0], 2);
    grants g = ask1(s, W3, "198.18.2.13", true, 0, 100);
    CHECK_EQ_INT(g.sessions[0], 0); /* the host limit: 4 held */
    CHECK_EQ_INT(g.wanting[0], 2);
    CHECK_EQ_INT(g.starving[0], 0);
    /* Worker 1 renews: worker 3 starves, so 1 is its fair part -- but it
     * has 2 open, and nobody is asked to close a session. */
    g = ask1(s, W1, "198.18.2.11", true, 2, 101);
    CHECK_EQ_INT(g.sessions[0], 2);
    CHECK_EQ_INT(g.starving[0], 1);
    CHECK_EQ_INT(ask1(s, W1, "198.18.2.11", true, 1, 102).sessions[0], 1); /* one ended */
    CHECK_EQ_INT(ask1(s, W3, "198.18.2.13", true, 0, 103).sessions[0], 1);
    /* Behind worker 2's egress IP: its limit is worker 2's... */
    CHECK_EQ_INT(ask1(s, W4, "198.18.2.12", true, 0, 104).sessions[0], 0);
    /* ...which does not make worker 3 (another egress) give up anything, */
    CHECK_EQ_INT(ask1(s, W1, "198.18.2.11", false, 0, 105).sessions[0], 0); /* (given back: gone) */
    CHECK_EQ_INT(ask1(s, W3, "198.18.2.13", true, 1, 106).sessions[0], 2);
    /* but worker 2, renewing, shares its egress with worker 4. */
    g = ask1(s, W2, "198.18.2.12", true, 0, 107);
    CHECK_EQ_INT(g.sessions[0], 1);
    CHECK_EQ_INT(g.starving[0], 1);
    CHECK_EQ_INT(ask1(s, W4, "198.18.2.12", true, 0, 108).sessions[0], 1); /* the last one: 2 + 1 + 1 = 4 */
    /* Past their expiry (30 s), the silent workers' allowances go. */
    CHECK_EQ_INT(ask1(s, W5, "198.18.2.15", true, 0, 140).sessions[0], 2);
    mp_store_close(s);
}

TEST(one_allowance_request_covers_many_mx_addresses_in_host_order)
{
    OPEN(s, loc);
    mp_store_allowance_ask asks[] = {{"192.0.2.9:25", "e\"1", true, 0}, {"192.0.2.1:25", "e\"1", true, 0},
                                     {"[2001:db8::1]:25", "e\"1", false, 0}};
    grants w = {0};
    CHECK_EQ_INT(mp_store_allowances(s, W1, 100, 30, 6, 2, asks, 3, on_grants, &w), MP_STORE_OK);
    mp_store_drain(s);
    CHECK_EQ_INT(w.st, MP_STORE_OK);
    CHECK_EQ_INT(w.n, 3);
    CHECK_EQ_STR(w.host[0], "192.0.2.1:25");
    CHECK_EQ_STR(w.host[1], "192.0.2.9:25");
    CHECK_EQ_STR(w.host[2], "[2001:db8::1]:25");
    CHECK_EQ_INT(w.sessions[0] + w.sessions[1] + w.sessions[2], 4);
    /* More than the bound in one request is refused at once. */
    mp_store_allowance_ask many[MP_STORE_ALLOWANCE_ASKS_MAX + 1];
    for (size_t i = 0; i <= MP_STORE_ALLOWANCE_ASKS_MAX; i++)
        many[i] = asks[0];
    CHECK_EQ_INT(mp_store_allowances(s, W1, 100, 30, 6, 2, many, MP_STORE_ALLOWANCE_ASKS_MAX + 1, on_grants, &w),
                 MP_STORE_ERROR);
    mp_store_close(s);
}

TEST(delete_cancels_an_unfinished_job_and_deletes_a_finished_one)
{
    OPEN(s, loc);
    running_job(s, "00000000000000f1", FIVE, 5);
    CHECK_EQ_INT(lease(s, "00000000000000f1", W1, 5, 1, 100).count, 5);
    write_range(s, "00000000000000f1", 0, 1, MP_STATUS_DELIVERABLE, 101);
    seen e = end_job(s, "00000000000000f1", 102);
    CHECK_EQ_INT(e.st, MP_STORE_OK);
    CHECK(e.has_row);
    CHECK_EQ_INT(e.row.state, MP_JOB_CANCELLED);
    CHECK_EQ_INT(e.row.done, 1);
    /* results after the cancel are not stored; its leases ended */
    CHECK_EQ_INT(write_range(s, "00000000000000f1", 1, 2, MP_STATUS_RISKY, 103).stored, 0);
    CHECK_EQ_INT(beat(s, W1, 103, 10).cluster.addresses_leased, 0);
    CHECK_EQ_INT(results(s, "00000000000000f1", false).count, 1);
    /* a finished job: deleted with its addresses and results */
    e = end_job(s, "00000000000000f1", 104);
    CHECK_EQ_INT(e.st, MP_STORE_UNCHANGED);
    CHECK(!e.has_row);
    CHECK_EQ_INT(job(s, "00000000000000f1").st, MP_STORE_NOT_FOUND);
    CHECK_EQ_INT(results(s, "00000000000000f1", false).count, 0);
    CHECK_EQ_INT(results(s, "00000000000000f1", true).count, 0);
    CHECK_EQ_INT(end_job(s, "00000000000000f1", 105).st, MP_STORE_NOT_FOUND);
    mp_store_close(s);
}

TEST(a_job_is_finished_once_by_one_caller_when_complete)
{
    OPEN(s, loc);
    running_job(s, "00000000000000f2", FIVE, 2);
    seen w = {0};
    CHECK_EQ_INT(mp_store_job_finish(s, "00000000000000f2", 200, on_job, &w), MP_STORE_OK);
    mp_store_drain(s);
    CHECK_EQ_INT(w.st, MP_STORE_UNCHANGED); /* not complete */
    CHECK_EQ_INT(w.row.state, MP_JOB_RUNNING);
    write_range(s, "00000000000000f2", 0, 2, MP_STATUS_DELIVERABLE, 201);
    seen a = {0}, b = {0};
    CHECK_EQ_INT(mp_store_job_finish(s, "00000000000000f2", 202, on_job, &a), MP_STORE_OK);
    CHECK_EQ_INT(mp_store_job_finish(s, "00000000000000f2", 202, on_job, &b), MP_STORE_OK);
    mp_store_drain(s);
    CHECK_EQ_INT(a.st, MP_STORE_OK);
    CHECK_EQ_INT(a.row.state, MP_JOB_DONE);
    CHECK_EQ_INT(a.row.updated, 202);
    CHECK_EQ_INT(b.st, MP_STORE_UNCHANGED);
    CHECK_EQ_INT(b.row.state, MP_JOB_DONE);
    mp_store_close(s);
}

TEST(a_failed_job_keeps_its_reason)
{
    OPEN(s, loc);
    running_job(s, "00000000000000f3", FIVE, 2);
    char reason[400];
    memset(reason, 'x', sizeof reason - 1);
    reason[sizeof reason - 1] = 0;
    memcpy(reason, "disk full: ", 11);
    memcpy(reason + 253, "\xc3\xa9", 2); /* é across the 255-octet limit */
    seen w = {0};
    CHECK_EQ_INT(mp_store_job_fail(s, "00000000000000f3", reason, 5, on_job, &w), MP_STORE_OK);
    mp_store_drain(s);
    CHECK_EQ_INT(w.st, MP_STORE_OK);
    CHECK_EQ_INT(w.row.state, MP_JOB_FAILED);
    CHECK_EQ_STR(mp_job_state_name(w.row.state), "failed");
    CHECK(!strncmp(w.row.error, "disk full: xxx", 14));
    CHECK_EQ_INT(strlen(w.row.error), 255);
    CHECK_EQ_INT(job(s, "00000000000000f3").row.updated, 5);
    /* a finished job does not fail afterwards */
    CHECK_EQ_INT(mp_store_job_fail(s, "00000000000000f3", "late", 7, on_job, &w), MP_STORE_OK);
    mp_store_drain(s);
    CHECK_EQ_INT(w.st, MP_STORE_UNCHANGED);
    CHECK_EQ_INT(w.row.updated, 5);
    mp_store_close(s);
}

TEST(verify_cache_expires_and_keeps_at_most_max_entries)
{
    OPEN(s, loc);
    seen w = {0};
    CHECK_EQ_INT(mp_store_cache_put(s, "a@x.org", "{\"r\":1}", 100, 10, on_done, &w), MP_STORE_OK);
    CHECK_EQ_INT(mp_store_cache_get(s, "a@x.org", 99, on_text, &w), MP_STORE_OK);
    mp_store_drain(s);
    CHECK_EQ_INT(w.st, MP_STORE_OK);
    CHECK_EQ_STR(w.text, "{\"r\":1}");
    CHECK_EQ_INT(mp_store_cache_get(s, "a@x.org", 100, on_text, &w), MP_STORE_OK);
    mp_store_drain(s);
    CHECK_EQ_INT(w.st, MP_STORE_NOT_FOUND);
    CHECK_EQ_INT(upkeep(s, 100, 0, 10, 100).upkeep.cache_removed, 1);
    enum { CAP = 50 };
    char key[32];
    for (int i = 0; i < CAP + 20; i++) {
        snprintf(key, sizeof key, "u%d@x.org", i);
        CHECK_EQ_INT(mp_store_cache_put(s, key, "{}", 1000 + i, CAP, NULL, NULL), MP_STORE_OK);
    }
    /* replacing an entry does not count it twice */
    CHECK_EQ_INT(mp_store_cache_put(s, "u69@x.org", "{\"again\":1}", 5000, CAP, NULL, NULL), MP_STORE_OK);
    mp_store_drain(s);
    int present = 0;
    for (int i = 0; i < CAP + 20; i++) {
        snprintf(key, sizeof key, "u%d@x.org", i);
        seen g = {0};
        mp_store_cache_get(s, key, 0, on_text, &g);
        mp_store_drain(s);
        if (g.st == MP_STORE_OK) {
            present++;
            CHECK(i >= 20); /* the 20 that expire first went */
        }
    }
    CHECK_EQ_INT(present, CAP);
    CHECK_EQ_INT(upkeep(s, 0, 0, 10, 100).upkeep.cache_removed, CAP - 10);
    mp_store_close(s);
}

TEST(retention_deletes_jobs_finished_before_the_cutoff_in_bounded_rounds)
{
    OPEN(s, loc);
    create_n(s, "00000000000000e3", 250, 1); /* finished at 10: too old */
    create_n(s, "00000000000000e4", 5, 2);   /* finished at 100: kept */
    create_n(s, "00000000000000e5", 5, 3);   /* unfinished: kept */
    beat(s, W1, 5, 2);
    end_job(s, "00000000000000e3", 10);
    end_job(s, "00000000000000e4", 100);
    seen u = upkeep(s, 150, 50, 10, 100);
    CHECK_EQ_INT(u.upkeep.jobs_deleted, 1);
    CHECK_EQ_INT(u.upkeep.rows_deleted, 100);
    CHECK(u.upkeep.more);
    CHECK_EQ_INT(job(s, "00000000000000e3").st, MP_STORE_NOT_FOUND);
    CHECK_EQ_INT(upkeep(s, 150, 50, 10, 100).upkeep.rows_deleted, 100);
    u = upkeep(s, 150, 50, 10, 100);
    CHECK_EQ_INT(u.upkeep.rows_deleted, 50);
    CHECK(!u.upkeep.more);
    CHECK_EQ_INT(job(s, "00000000000000e4").st, MP_STORE_OK);
    CHECK_EQ_INT(job(s, "00000000000000e5").st, MP_STORE_OK);
    CHECK_EQ_INT(results(s, "00000000000000e4", true).count, 5);
    /* no retention: nothing goes */
    CHECK_EQ_INT(upkeep(s, 1000000, 0, 10, 100).upkeep.jobs_deleted, 0);
    CHECK_EQ_INT(job(s, "00000000000000e4").st, MP_STORE_OK);
    mp_store_close(s);
}

TEST(domain_facts_keep_a_known_verdict_when_a_later_fact_has_none)
{
    OPEN(s, loc);
    seen w = {0};
    CHECK_EQ_INT(mp_store_domain_get(s, "x.org", on_domain, &w), MP_STORE_OK);
    mp_store_drain(s);
    CHECK_EQ_INT(w.st, MP_STORE_NOT_FOUND);
    CHECK_EQ_INT(mp_store_domain_put(s, "x.org", MP_NO, 100, NULL, NULL), MP_STORE_OK);
    running_job(s, "00000000000000e6", FIVE, 1);
    mp_store_batch *b = mp_store_batch_new();
    CHECK(mp_store_batch_domain(b, "x.org", strdup("[{\"host\":\"mx.x.org\"}]"), MP_UNKNOWN, "google"));
    CHECK(mp_store_batch_domain(b, "x.org", NULL, MP_UNKNOWN, NULL)); /* merged: keeps the facts */
    CHECK_EQ_INT(mp_store_write(s, b, 200, on_write, &w), MP_STORE_OK);
    mp_store_drain(s);
    CHECK_EQ_INT(w.st, MP_STORE_OK);
    CHECK_EQ_INT(mp_store_domain_get(s, "x.org", on_domain, &w), MP_STORE_OK);
    mp_store_drain(s);
    CHECK_EQ_INT(w.st, MP_STORE_OK);
    CHECK_EQ_INT(w.domain.catch_all, MP_NO);
    CHECK_EQ_INT(w.domain.catch_all_at, 100);
    CHECK_EQ_STR(w.domain.provider, "google");
    CHECK_EQ_STR(w.text, "[{\"host\":\"mx.x.org\"}]");
    CHECK_EQ_INT(mp_store_domain_put(s, "x.org", MP_YES, 300, NULL, NULL), MP_STORE_OK);
    CHECK_EQ_INT(mp_store_domain_get(s, "x.org", on_domain, &w), MP_STORE_OK);
    mp_store_drain(s);
    CHECK_EQ_INT(w.domain.catch_all, MP_YES);
    CHECK_EQ_INT(w.domain.catch_all_at, 300);
    mp_store_close(s);
}

TEST(the_request_queue_is_bounded)
{
    OPEN(s, loc);
    /* Keep the thread busy with a big job, then flood it. */
    create_n(s, "00000000000000aa", 1, 1);
    enum { BIG = 200000 };
    mp_job_input *in = calloc(BIG, sizeof *in);
    for (size_t i = 0; in && i < BIG; i++)
        in[i] = (mp_job_input){.p = "someone@example.net", .len = 19};
    CHECK_EQ_INT(mp_store_job_create(s, "00000000000000ab", in, BIG, NULL, 1, 100, NULL, NULL), MP_STORE_OK);
    free(in);
    size_t busy = 0, queued = 0;
    for (int i = 0; i < MP_STORE_QUEUE_MAX + 1000; i++) {
        mp_store_status st = mp_store_job_get(s, "00000000000000aa", NULL, NULL);
        busy += st == MP_STORE_BUSY;
        queued += st == MP_STORE_OK;
    }
    mp_store_stats stats;
    mp_store_stats_get(s, &stats);
    CHECK(busy > 0);
    CHECK(queued <= MP_STORE_QUEUE_MAX);
    CHECK_EQ_INT(stats.busy, busy);
    CHECK(stats.queued <= MP_STORE_QUEUE_MAX);
    mp_store_close(s); /* NULL callbacks: nothing to run */
}

TEST(a_store_made_by_a_newer_mailprobe_is_refused)
{
    OPEN(s, loc);
    int version = mp_store_schema_version(s);
    mp_store_close(s);
    char sql[128];
    if (pg_run)
        snprintf(sql, sizeof sql, "UPDATE mp_schema SET version = %d", version + 1);
    else
        snprintf(sql, sizeof sql, "PRAGMA user_version = %d", version + 1);
    CHECK_EQ_INT(run_sql(loc, sql), 0);
    char err[256] = "";
    mp_store *again = mp_store_open(base, loc, err, sizeof err);
    CHECK(again == NULL);
    CHECK(strstr(err, "newer") != NULL);
    mp_store_close(again);
}

static int notices;
static char notice_id[MP_JOB_ID_LEN + 1];
static void on_notice(const char *job_id, void *arg)
{
    (void)arg;
    notices++;
    snprintf(notice_id, sizeof notice_id, "%s", job_id);
}

TEST(another_worker_hears_of_a_jobs_progress)
{
    if (!pg_run)
        return; /* SQLite: one worker, no one to tell */
    OPEN(a, loc);
    mp_store *b = open_at(loc);
    CHECK(b != NULL);
    if (!b) {
        mp_store_close(a);
        return;
    }
    mp_store_on_notice(b, on_notice, NULL);
    running_job(a, "00000000000000ee", FIVE, 2);
    notices = 0;
    write_range(a, "00000000000000ee", 0, 1, MP_STATUS_RISKY, 200);
    for (int i = 0; i < 100 && !notice_id[0]; i++) {
        event_base_loop(base, EVLOOP_NONBLOCK);
        usleep(20000);
    }
    CHECK(notices >= 1);
    CHECK_EQ_STR(notice_id, "00000000000000ee");
    mp_store_close(b);
    mp_store_close(a);
}

TEST(a_urls_password_never_reaches_a_log)
{
    char out[256];
    mp_store_location_public("postgresql://mp:s3cret@db.internal:5432/mp?sslmode=require", out, sizeof out);
    CHECK_EQ_STR(out, "postgresql://mp:***@db.internal:5432/mp?sslmode=require");
    mp_store_location_public("postgres://db/mp?user=mp&password=s3cret&sslmode=require", out, sizeof out);
    CHECK_EQ_STR(out, "postgres://db/mp?user=mp&password=***&sslmode=require");
    mp_store_location_public("postgresql://mailprobe@/mp?host=/tmp/x", out, sizeof out);
    CHECK_EQ_STR(out, "postgresql://mailprobe@/mp?host=/tmp/x");
    mp_store_location_public("/var/lib/mailprobe/a:b@c.db", out, sizeof out);
    CHECK_EQ_STR(out, "/var/lib/mailprobe/a:b@c.db");
}

TEST(store_status_names)
{
    CHECK_EQ_STR(mp_store_status_name(MP_STORE_OK), "ok");
    CHECK_EQ_STR(mp_store_status_name(MP_STORE_NOT_FOUND), "not_found");
    CHECK_EQ_STR(mp_store_status_name(MP_STORE_UNCHANGED), "unchanged");
    CHECK_EQ_STR(mp_store_status_name(MP_STORE_ERROR), "error");
    CHECK_EQ_STR(mp_store_status_name(MP_STORE_BUSY), "busy");
    CHECK_EQ_STR(mp_store_status_name(MP_STORE_TOO_MANY), "too_many");
    CHECK_EQ_STR(mp_store_status_name(MP_STORE_STATUS_COUNT), "unknown");
    CHECK(mp_job_state_final(MP_JOB_FAILED) && !mp_job_state_final(MP_JOB_RUNNING));
}

int main(void)
{
    base = event_base_new();
    pg_run = getenv("MP_TEST_PG_RUN");
    /* tmpfs when there is one: every commit is synced (synchronous = FULL). */
    snprintf(tmpdir, sizeof tmpdir, "%s/mp-store-XXXXXX", access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
    if (!pg_run && !mkdtemp(tmpdir))
        return 2;
    printf("backend: %s\n", pg_run ? "postgresql" : "sqlite");
    RUN(a_job_is_created_whole_and_read_back);
    RUN(a_csv_job_keeps_its_rows_and_source_as_they_came_in);
    RUN(each_address_gets_exactly_one_result_counted_in_the_job_row);
    RUN(results_of_a_job_that_is_not_running_are_not_stored);
    RUN(the_oldest_unfinished_jobs_run_across_all_workers);
    RUN(each_workers_resolver_state_is_counted_until_it_leaves_or_falls_silent);
    RUN(every_queued_job_runs_in_turn_however_many);
    RUN(too_many_unfinished_jobs_are_refused_across_workers);
    RUN(a_lease_hands_out_runs_of_one_domain_once);
    RUN(a_lease_starts_after_the_cursor_it_is_given);
    RUN(a_lease_brings_the_domains_catch_all_verdicts);
    RUN(a_silent_workers_leases_go_to_the_next_and_the_first_result_wins);
    RUN(an_address_to_retry_waits_for_its_time);
    RUN(retried_addresses_count_their_tries_until_their_result_comes);
    RUN(allowances_keep_every_mx_within_the_cluster_and_egress_limits);
    RUN(one_allowance_request_covers_many_mx_addresses_in_host_order);
    RUN(delete_cancels_an_unfinished_job_and_deletes_a_finished_one);
    RUN(a_job_is_finished_once_by_one_caller_when_complete);
    RUN(a_failed_job_keeps_its_reason);
    RUN(verify_cache_expires_and_keeps_at_most_max_entries);
    RUN(retention_deletes_jobs_finished_before_the_cutoff_in_bounded_rounds);
    RUN(domain_facts_keep_a_known_verdict_when_a_later_fact_has_none);
    RUN(the_request_queue_is_bounded);
    RUN(a_store_made_by_a_newer_mailprobe_is_refused);
    RUN(another_worker_hears_of_a_jobs_progress);
    RUN(a_urls_password_never_reaches_a_log);
    RUN(store_status_names);
    if (!pg_run) {
        char cmd[128];
        snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", tmpdir);
    }
    event_base_free(base);
    return test_report();
}
