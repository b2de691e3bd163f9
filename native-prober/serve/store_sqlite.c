/* store_sqlite.c — the SQLite backend of the store (store_sqlite.h,
 * store_backend.h): schema migrations keyed on PRAGMA user_version, and one
 * prepared statement per query, prepared at open and reset after each use. */
#include "store_sqlite.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_backend.h"

/* Migrations, in order: entry i brings user_version from i to i + 1. Never
 * edit a released entry; append a new one. */
static const char *const migrations[] = {
    "CREATE TABLE jobs ("
    "  id TEXT PRIMARY KEY, state INTEGER NOT NULL, total INTEGER NOT NULL,"
    "  done INTEGER NOT NULL DEFAULT 0, created INTEGER NOT NULL, updated INTEGER NOT NULL);"
    "CREATE TABLE job_items ("
    "  job_id TEXT NOT NULL, seq INTEGER NOT NULL, email BLOB NOT NULL,"
    "  done INTEGER NOT NULL DEFAULT 0, status INTEGER, result TEXT,"
    "  PRIMARY KEY (job_id, seq)) WITHOUT ROWID;"
    "CREATE INDEX job_items_status ON job_items (job_id, status);"
    "CREATE TABLE verify_cache (email BLOB PRIMARY KEY, result TEXT NOT NULL, expires INTEGER NOT NULL);"
    "CREATE TABLE domains (domain TEXT PRIMARY KEY, mx TEXT, catch_all INTEGER, provider TEXT,"
    "  updated INTEGER NOT NULL);",
    /* 2: when the catch-all verdict was learned, so it can expire on its own
     * (a later result without a verdict must not erase it). */
    "ALTER TABLE domains ADD COLUMN catch_all_at INTEGER;"
    "UPDATE domains SET catch_all_at = updated WHERE catch_all IS NOT NULL;",
    /* 3: CSV jobs keep each row as it came in, and the file's shape and
     * header, so their CSV results come back in that shape. */
    "ALTER TABLE job_items ADD COLUMN row BLOB;"
    "ALTER TABLE jobs ADD COLUMN source TEXT;"
    "ALTER TABLE jobs ADD COLUMN header BLOB;",
};
enum { MIGRATION_COUNT = sizeof migrations / sizeof migrations[0] };

enum {
    Q_BEGIN, Q_COMMIT, Q_ROLLBACK,
    Q_JOB_INSERT, Q_ITEM_INSERT, Q_JOB_SOURCE, Q_JOB_GET, Q_JOB_COUNTS, Q_JOB_STATE, Q_JOBS_UNFINISHED,
    Q_ITEMS_PENDING, Q_ITEM_DONE, Q_JOB_ADD_DONE, Q_RESULTS_PAGE,
    Q_CACHE_GET, Q_CACHE_PUT, Q_CACHE_EXPIRE, Q_DOMAIN_PUT, Q_DOMAIN_GET,
    Q_DOMAIN_CATCH_ALL, Q_COUNT
};

static const char *const sql[Q_COUNT] = {
    [Q_BEGIN] = "BEGIN IMMEDIATE",
    [Q_COMMIT] = "COMMIT",
    [Q_ROLLBACK] = "ROLLBACK",
    [Q_JOB_INSERT] = "INSERT INTO jobs (id, state, total, done, created, updated, source, header) "
                     "VALUES (?1, 0, ?2, 0, ?3, ?3, ?4, ?5)",
    [Q_ITEM_INSERT] = "INSERT INTO job_items (job_id, seq, email, row) VALUES (?1, ?2, ?3, ?4)",
    [Q_JOB_SOURCE] = "SELECT source, header FROM jobs WHERE id = ?1 AND source IS NOT NULL",
    [Q_JOB_GET] = "SELECT state, total, done, created, updated FROM jobs WHERE id = ?1",
    [Q_JOB_COUNTS] = "SELECT status, count(*) FROM job_items WHERE job_id = ?1 AND status IS NOT NULL GROUP BY status",
    [Q_JOB_STATE] = "UPDATE jobs SET state = ?2, updated = ?3 WHERE id = ?1",
    [Q_JOBS_UNFINISHED] = "SELECT id FROM jobs WHERE state IN (0, 1) ORDER BY created, rowid LIMIT ?1",
    [Q_ITEMS_PENDING] = "SELECT seq, email FROM job_items WHERE job_id = ?1 AND seq > ?2 AND done = 0 "
                        "ORDER BY seq LIMIT ?3",
    [Q_ITEM_DONE] = "UPDATE job_items SET done = 1, status = ?3, result = ?4 "
                    "WHERE job_id = ?1 AND seq = ?2 AND done = 0",
    [Q_JOB_ADD_DONE] = "UPDATE jobs SET done = done + 1 WHERE id = ?1",
    [Q_RESULTS_PAGE] = "SELECT seq, email, result, row FROM job_items WHERE job_id = ?1 AND seq > ?2 AND done = 1 "
                       "ORDER BY seq LIMIT ?3",
    [Q_CACHE_GET] = "SELECT result FROM verify_cache WHERE email = ?1 AND expires > ?2",
    [Q_CACHE_PUT] = "INSERT OR REPLACE INTO verify_cache (email, result, expires) VALUES (?1, ?2, ?3)",
    [Q_CACHE_EXPIRE] = "DELETE FROM verify_cache WHERE expires <= ?1",
    /* Latest wins, but an unknown (NULL) fact never erases a known one. */
    [Q_DOMAIN_PUT] = "INSERT INTO domains (domain, mx, catch_all, provider, updated, catch_all_at) "
                     "VALUES (?1, ?2, ?3, ?4, ?5, CASE WHEN ?3 IS NULL THEN NULL ELSE ?5 END) "
                     "ON CONFLICT (domain) DO UPDATE SET mx = coalesce(excluded.mx, mx), "
                     "catch_all = coalesce(excluded.catch_all, catch_all), "
                     "catch_all_at = coalesce(excluded.catch_all_at, catch_all_at), "
                     "provider = coalesce(excluded.provider, provider), updated = excluded.updated",
    [Q_DOMAIN_GET] = "SELECT catch_all, provider FROM domains WHERE domain = ?1",
    [Q_DOMAIN_CATCH_ALL] = "SELECT catch_all FROM domains WHERE domain = ?1 AND catch_all IS NOT NULL "
                           "AND catch_all_at >= ?2",
};

typedef struct sqlite_store {
    mp_store base; /* first: the interface's handle */
    sqlite3 *db;
    sqlite3_stmt *q[Q_COUNT];
} sqlite_store;

static sqlite_store *of(mp_store *s) { return (sqlite_store *)s; }

static const char *sq_error(mp_store *st)
{
    sqlite_store *s = of(st);
    return s->db ? sqlite3_errmsg(s->db) : "no database";
}

static bool migrate(sqlite_store *s, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    int version = 0;
    if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        version = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    if (version > MIGRATION_COUNT) {
        snprintf(err, errlen, "database schema version %d is newer than this mailprobe (%d)", version,
                 MIGRATION_COUNT);
        return false;
    }
    for (int v = version; v < MIGRATION_COUNT; v++) {
        char *msg = NULL, pragma[64];
        snprintf(pragma, sizeof pragma, "; PRAGMA user_version = %d; COMMIT;", v + 1);
        if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, &msg) != SQLITE_OK ||
            sqlite3_exec(s->db, migrations[v], NULL, NULL, &msg) != SQLITE_OK ||
            sqlite3_exec(s->db, pragma + 2, NULL, NULL, &msg) != SQLITE_OK) {
            snprintf(err, errlen, "migration %d: %s", v + 1, msg ? msg : sqlite3_errmsg(s->db));
            sqlite3_free(msg);
            sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
            return false;
        }
    }
    return true;
}

static const mp_store_ops sqlite_ops;

mp_store *mp_store_sqlite_open(const char *path, char *err, size_t errlen)
{
    sqlite_store *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->base.ops = &sqlite_ops;
    if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK) {
        snprintf(err, errlen, "%s: %s", path, s->db ? sqlite3_errmsg(s->db) : "cannot open");
        goto fail;
    }
    sqlite3_busy_timeout(s->db, 5000);
    char *msg = NULL;
    /* WAL: readers never block the writer; NORMAL sync is durable across a
     * process crash (kill -9), which is what the job store promises. */
    if (sqlite3_exec(s->db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;",
                     NULL, NULL, &msg) != SQLITE_OK) {
        snprintf(err, errlen, "%s: %s", path, msg ? msg : "pragma failed");
        sqlite3_free(msg);
        goto fail;
    }
    if (!migrate(s, err, errlen))
        goto fail;
    for (int i = 0; i < Q_COUNT; i++)
        if (sqlite3_prepare_v2(s->db, sql[i], -1, &s->q[i], NULL) != SQLITE_OK) {
            snprintf(err, errlen, "preparing statement %d: %s", i, sqlite3_errmsg(s->db));
            goto fail;
        }
    return &s->base;
fail:
    sqlite_ops.close(&s->base);
    return NULL;
}

static void sq_close(mp_store *st)
{
    sqlite_store *s = of(st);
    for (int i = 0; i < Q_COUNT; i++)
        sqlite3_finalize(s->q[i]);
    sqlite3_close(s->db);
    free(s);
}

static mp_store_status sq_schema_version(mp_store *store, int *version)
{
    sqlite_store *s = of(store);
    sqlite3_stmt *st = NULL;
    mp_store_status rc = MP_STORE_ERROR;
    *version = 0;
    if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
        *version = sqlite3_column_int(st, 0);
        rc = MP_STORE_OK;
    }
    sqlite3_finalize(st);
    return rc;
}

/* Runs a statement that returns no rows; resets it. */
static bool exec_done(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE;
}

/* Resets a query after its rows were read; `rc` is its last step. */
static mp_store_status query_end(sqlite3_stmt *st, int rc)
{
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? MP_STORE_OK : MP_STORE_ERROR;
}

static mp_store_status done_status(bool ok) { return ok ? MP_STORE_OK : MP_STORE_ERROR; }

static mp_store_status sq_begin(mp_store *s) { return done_status(exec_done(of(s)->q[Q_BEGIN])); }
static mp_store_status sq_commit(mp_store *s) { return done_status(exec_done(of(s)->q[Q_COMMIT])); }
static void sq_rollback(mp_store *s) { (void)exec_done(of(s)->q[Q_ROLLBACK]); }

static mp_store_status sq_job_create(mp_store *store, const char *id, const mp_job_input *in, size_t n,
                                     const mp_job_source *source, int64_t now, char *err, size_t errlen)
{
    sqlite_store *s = of(store);
    if (sq_begin(store) != MP_STORE_OK) {
        snprintf(err, errlen, "begin: %s", sqlite3_errmsg(s->db));
        return MP_STORE_ERROR;
    }
    sqlite3_stmt *job = s->q[Q_JOB_INSERT], *item = s->q[Q_ITEM_INSERT];
    sqlite3_bind_text(job, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(job, 2, (sqlite3_int64)n);
    sqlite3_bind_int64(job, 3, now);
    if (source) {
        sqlite3_bind_text(job, 4, source->shape, -1, SQLITE_STATIC);
        if (source->header)
            sqlite3_bind_blob(job, 5, source->header_len ? source->header : "", (int)source->header_len,
                              SQLITE_STATIC);
    }
    if (!exec_done(job))
        goto fail;
    for (size_t i = 0; i < n; i++) {
        sqlite3_bind_text(item, 1, id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(item, 2, (sqlite3_int64)i);
        sqlite3_bind_blob(item, 3, in[i].len ? in[i].p : "", (int)in[i].len, SQLITE_STATIC);
        if (in[i].row)
            sqlite3_bind_blob(item, 4, in[i].row_len ? in[i].row : "", (int)in[i].row_len, SQLITE_STATIC);
        if (!exec_done(item))
            goto fail;
    }
    if (sq_commit(store) == MP_STORE_OK)
        return MP_STORE_OK;
fail:
    snprintf(err, errlen, "%s", sqlite3_errmsg(s->db));
    sq_rollback(store);
    return MP_STORE_ERROR;
}

static char *copy_column(sqlite3_stmt *st, int col, size_t *len)
{
    const void *p = sqlite3_column_blob(st, col);
    size_t n = (size_t)sqlite3_column_bytes(st, col);
    char *c = malloc(n + 1);
    if (c) {
        if (n)
            memcpy(c, p, n);
        c[n] = '\0';
    }
    if (len)
        *len = n;
    return c;
}

static mp_store_status sq_job_source(mp_store *store, const char *id, char **shape, char **header,
                                     size_t *header_len)
{
    sqlite3_stmt *st = of(store)->q[Q_JOB_SOURCE];
    *shape = *header = NULL;
    *header_len = 0;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *shape = copy_column(st, 0, NULL);
        if (sqlite3_column_type(st, 1) != SQLITE_NULL)
            *header = copy_column(st, 1, header_len);
        if (!*shape || (sqlite3_column_type(st, 1) != SQLITE_NULL && !*header))
            rc = SQLITE_NOMEM;
    }
    mp_store_status status = query_end(st, rc);
    if (status != MP_STORE_OK || !*shape) {
        free(*shape);
        free(*header);
        *shape = *header = NULL;
        *header_len = 0;
        return status == MP_STORE_OK ? MP_STORE_NOT_FOUND : status;
    }
    return MP_STORE_OK;
}

static mp_store_status sq_job_get(mp_store *store, const char *id, mp_job_row *out)
{
    sqlite_store *s = of(store);
    memset(out, 0, sizeof *out);
    if (strlen(id) != MP_JOB_ID_LEN)
        return MP_STORE_NOT_FOUND;
    sqlite3_stmt *st = s->q[Q_JOB_GET];
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        memcpy(out->id, id, MP_JOB_ID_LEN + 1);
        out->state = (mp_job_state)sqlite3_column_int(st, 0);
        out->total = sqlite3_column_int64(st, 1);
        out->done = sqlite3_column_int64(st, 2);
        out->created = sqlite3_column_int64(st, 3);
        out->updated = sqlite3_column_int64(st, 4);
    }
    mp_store_status status = query_end(st, rc);
    return status == MP_STORE_OK && rc != SQLITE_ROW ? MP_STORE_NOT_FOUND : status;
}

static mp_store_status sq_job_counts(mp_store *store, const char *id, int64_t counts[MP_STATUS_COUNT])
{
    sqlite_store *s = of(store);
    memset(counts, 0, sizeof(int64_t) * MP_STATUS_COUNT);
    sqlite3_stmt *st = s->q[Q_JOB_COUNTS];
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int status = sqlite3_column_int(st, 0);
        if (status >= 0 && status < MP_STATUS_COUNT)
            counts[status] = sqlite3_column_int64(st, 1);
    }
    return query_end(st, rc);
}

static mp_store_status sq_job_set_state(mp_store *store, const char *id, mp_job_state state, int64_t now)
{
    sqlite3_stmt *st = of(store)->q[Q_JOB_STATE];
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, (int)state);
    sqlite3_bind_int64(st, 3, now);
    return done_status(exec_done(st));
}

static mp_store_status sq_jobs_unfinished(mp_store *store, char (*ids)[MP_JOB_ID_LEN + 1], size_t cap,
                                          size_t *count)
{
    sqlite3_stmt *st = of(store)->q[Q_JOBS_UNFINISHED];
    sqlite3_bind_int64(st, 1, (sqlite3_int64)cap);
    size_t n = 0;
    int rc = SQLITE_DONE;
    while (n < cap && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        const unsigned char *t = sqlite3_column_text(st, 0);
        if (t && strlen((const char *)t) == MP_JOB_ID_LEN)
            memcpy(ids[n++], t, MP_JOB_ID_LEN + 1);
    }
    *count = n;
    return query_end(st, rc);
}

/* Runs a page query (?1 job id, ?2 after seq, ?3 limit) and hands each row
 * to `row`; *count gets the number of rows. */
static mp_store_status page_query(sqlite3_stmt *st, const char *id, int64_t after_seq, size_t limit,
                                  void (*row)(sqlite3_stmt *st, void *ctx), void *ctx, size_t *count)
{
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, after_seq);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)limit);
    size_t n = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        row(st, ctx);
        n++;
    }
    *count = n;
    return query_end(st, rc);
}

/* The address column as bytes (it may hold NULs). */
static const char *email_column(sqlite3_stmt *st, int col, size_t *len)
{
    const void *p = sqlite3_column_blob(st, col);
    *len = (size_t)sqlite3_column_bytes(st, col);
    return p ? p : "";
}

typedef struct pending_ctx { mp_store_item_cb cb; void *arg; } pending_ctx;

static void pending_row(sqlite3_stmt *st, void *ctx)
{
    pending_ctx *pc = ctx;
    size_t len;
    const char *email = email_column(st, 1, &len);
    pc->cb(sqlite3_column_int64(st, 0), email, len, pc->arg);
}

static mp_store_status sq_items_pending(mp_store *store, const char *id, int64_t after_seq, size_t limit,
                                        mp_store_item_cb cb, void *arg, size_t *count)
{
    pending_ctx pc = {cb, arg};
    return page_query(of(store)->q[Q_ITEMS_PENDING], id, after_seq, limit, pending_row, &pc, count);
}

static mp_store_status sq_item_done(mp_store *store, const char *id, int64_t seq, mp_status status,
                                    const char *json)
{
    sqlite_store *s = of(store);
    sqlite3_stmt *st = s->q[Q_ITEM_DONE];
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, seq);
    sqlite3_bind_int(st, 3, (int)status);
    sqlite3_bind_text(st, 4, json, -1, SQLITE_STATIC);
    if (!exec_done(st))
        return MP_STORE_ERROR;
    if (sqlite3_changes(s->db) == 0)
        return MP_STORE_UNCHANGED;
    sqlite3_stmt *up = s->q[Q_JOB_ADD_DONE];
    sqlite3_bind_text(up, 1, id, -1, SQLITE_STATIC);
    return done_status(exec_done(up));
}

typedef struct results_ctx { mp_store_result_cb cb; void *arg; } results_ctx;

static void result_row(sqlite3_stmt *st, void *ctx)
{
    results_ctx *rc = ctx;
    size_t len;
    const char *email = email_column(st, 1, &len);
    const unsigned char *json = sqlite3_column_text(st, 2);
    bool has_row = sqlite3_column_type(st, 3) != SQLITE_NULL;
    const char *row = has_row ? sqlite3_column_blob(st, 3) : NULL;
    size_t row_len = has_row ? (size_t)sqlite3_column_bytes(st, 3) : 0;
    if (has_row && !row)
        row = ""; /* an empty row is still a row */
    rc->cb(sqlite3_column_int64(st, 0), email, len, json ? (const char *)json : "null", row, row_len, rc->arg);
}

static mp_store_status sq_results_page(mp_store *store, const char *id, int64_t after_seq, size_t limit,
                                       mp_store_result_cb cb, void *arg, size_t *count)
{
    results_ctx rc = {cb, arg};
    return page_query(of(store)->q[Q_RESULTS_PAGE], id, after_seq, limit, result_row, &rc, count);
}

static mp_store_status sq_cache_get(mp_store *store, const char *email, size_t len, int64_t now, char **json)
{
    sqlite3_stmt *st = of(store)->q[Q_CACHE_GET];
    sqlite3_bind_blob(st, 1, len ? email : "", (int)len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, now);
    *json = NULL;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const unsigned char *t = sqlite3_column_text(st, 0);
        if (t && !(*json = strdup((const char *)t)))
            rc = SQLITE_NOMEM;
    }
    mp_store_status status = query_end(st, rc);
    return status == MP_STORE_OK && !*json ? MP_STORE_NOT_FOUND : status;
}

static mp_store_status sq_cache_put(mp_store *store, const char *email, size_t len, const char *json,
                                    int64_t expires)
{
    sqlite3_stmt *st = of(store)->q[Q_CACHE_PUT];
    sqlite3_bind_blob(st, 1, len ? email : "", (int)len, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, json, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, expires);
    return done_status(exec_done(st));
}

static mp_store_status sq_cache_expire(mp_store *store, int64_t now, size_t *removed)
{
    sqlite_store *s = of(store);
    sqlite3_stmt *st = s->q[Q_CACHE_EXPIRE];
    sqlite3_bind_int64(st, 1, now);
    bool ok = exec_done(st);
    if (removed)
        *removed = ok ? (size_t)sqlite3_changes(s->db) : 0;
    return done_status(ok);
}

/* The stored form of a catch-all verdict: 1, 0, or NULL for unknown. */
static mp_tristate tristate_column(sqlite3_stmt *st, int col)
{
    if (sqlite3_column_type(st, col) == SQLITE_NULL)
        return MP_UNKNOWN;
    return sqlite3_column_int(st, col) ? MP_YES : MP_NO;
}

static mp_store_status sq_domain_put(mp_store *store, const char *domain, const char *mx_json,
                                     mp_tristate catch_all, const char *provider, int64_t now)
{
    sqlite3_stmt *st = of(store)->q[Q_DOMAIN_PUT];
    sqlite3_bind_text(st, 1, domain, -1, SQLITE_STATIC);
    if (mx_json)
        sqlite3_bind_text(st, 2, mx_json, -1, SQLITE_STATIC);
    if (catch_all != MP_UNKNOWN)
        sqlite3_bind_int(st, 3, catch_all == MP_YES);
    if (provider)
        sqlite3_bind_text(st, 4, provider, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, now);
    return done_status(exec_done(st));
}

static mp_tristate sq_domain_catch_all(mp_store *store, const char *domain, int64_t not_before)
{
    sqlite3_stmt *st = of(store)->q[Q_DOMAIN_CATCH_ALL];
    sqlite3_bind_text(st, 1, domain, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, not_before);
    mp_tristate catch_all = sqlite3_step(st) == SQLITE_ROW ? tristate_column(st, 0) : MP_UNKNOWN;
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return catch_all;
}

static mp_store_status sq_domain_get(mp_store *store, const char *domain, mp_tristate *catch_all,
                                     char *provider, size_t cap)
{
    sqlite3_stmt *st = of(store)->q[Q_DOMAIN_GET];
    sqlite3_bind_text(st, 1, domain, -1, SQLITE_STATIC);
    *catch_all = MP_UNKNOWN;
    provider[0] = '\0';
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *catch_all = tristate_column(st, 0);
        const unsigned char *p = sqlite3_column_text(st, 1);
        snprintf(provider, cap, "%s", p ? (const char *)p : "");
    }
    mp_store_status status = query_end(st, rc);
    return status == MP_STORE_OK && rc != SQLITE_ROW ? MP_STORE_NOT_FOUND : status;
}

static const mp_store_ops sqlite_ops = {
    .name = "sqlite",
    .close = sq_close,
    .schema_version = sq_schema_version,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .job_create = sq_job_create,
    .job_source = sq_job_source,
    .job_get = sq_job_get,
    .job_counts = sq_job_counts,
    .job_set_state = sq_job_set_state,
    .jobs_unfinished = sq_jobs_unfinished,
    .items_pending = sq_items_pending,
    .item_done = sq_item_done,
    .results_page = sq_results_page,
    .cache_get = sq_cache_get,
    .cache_put = sq_cache_put,
    .cache_expire = sq_cache_expire,
    .domain_put = sq_domain_put,
    .domain_catch_all = sq_domain_catch_all,
    .domain_get = sq_domain_get,
    .error = sq_error,
};
