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
    /* 3: per-status counts kept in the job row, written in the transaction
     * that stores each result, so reading a job never scans its addresses
     * (the index that served the scan goes). */
    "ALTER TABLE jobs ADD COLUMN n_deliverable INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE jobs ADD COLUMN n_undeliverable INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE jobs ADD COLUMN n_risky INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE jobs ADD COLUMN n_unknown INTEGER NOT NULL DEFAULT 0;"
    "UPDATE jobs SET"
    "  n_deliverable = (SELECT count(*) FROM job_items WHERE job_id = jobs.id AND status = 0),"
    "  n_undeliverable = (SELECT count(*) FROM job_items WHERE job_id = jobs.id AND status = 1),"
    "  n_risky = (SELECT count(*) FROM job_items WHERE job_id = jobs.id AND status = 2),"
    "  n_unknown = (SELECT count(*) FROM job_items WHERE job_id = jobs.id AND status = 3);"
    "DROP INDEX job_items_status;",
    /* 4: personal data kept only as long as needed. The verify cache is
     * keyed by the normalized address (the old one by the raw input, up to
     * 1 MiB each: dropped) and counted by triggers so it can be capped
     * without a scan; finished jobs are found by age; a job deleted by the
     * API or by retention leaves its addresses in job_purge until they are
     * deleted; a job that fails says why. */
    "DROP TABLE verify_cache;"
    "CREATE TABLE verify_cache (address TEXT PRIMARY KEY, result TEXT NOT NULL, expires INTEGER NOT NULL);"
    "CREATE INDEX verify_cache_expires ON verify_cache (expires);"
    "CREATE TABLE verify_cache_size (n INTEGER NOT NULL);"
    "INSERT INTO verify_cache_size VALUES (0);"
    "CREATE TRIGGER verify_cache_added AFTER INSERT ON verify_cache BEGIN "
    "  UPDATE verify_cache_size SET n = n + 1; END;"
    "CREATE TRIGGER verify_cache_removed AFTER DELETE ON verify_cache BEGIN "
    "  UPDATE verify_cache_size SET n = n - 1; END;"
    "CREATE INDEX jobs_by_state ON jobs (state, updated);"
    "CREATE TABLE job_purge (job_id TEXT PRIMARY KEY);"
    "ALTER TABLE jobs ADD COLUMN error TEXT;",
};
enum { MIGRATION_COUNT = sizeof migrations / sizeof migrations[0] };

enum {
    Q_BEGIN, Q_COMMIT, Q_ROLLBACK,
    Q_JOB_INSERT, Q_ITEM_INSERT, Q_JOB_GET, Q_JOB_STATE, Q_JOB_FAIL, Q_JOBS_REQUEUE, Q_JOBS_QUEUED,
    Q_JOB_NEXT_QUEUED, Q_JOB_DELETE, Q_JOB_EXISTS, Q_PURGE_ADD, Q_PURGE_NEXT, Q_PURGE_ITEMS, Q_PURGE_DONE,
    Q_JOBS_EXPIRED,
    Q_ITEMS_PENDING, Q_ITEM_DONE, Q_JOB_ADD_DONE, Q_RESULTS_PAGE,
    Q_CACHE_GET, Q_CACHE_PUT, Q_CACHE_EXPIRE, Q_CACHE_TRIM, Q_DOMAIN_PUT, Q_DOMAIN_GET,
    Q_DOMAIN_CATCH_ALL, Q_COUNT
};

static const char *const sql[Q_COUNT] = {
    [Q_BEGIN] = "BEGIN IMMEDIATE",
    [Q_COMMIT] = "COMMIT",
    [Q_ROLLBACK] = "ROLLBACK",
    [Q_JOB_INSERT] = "INSERT INTO jobs (id, state, total, done, created, updated) VALUES (?1, 0, ?2, 0, ?3, ?3)",
    [Q_ITEM_INSERT] = "INSERT INTO job_items (job_id, seq, email) VALUES (?1, ?2, ?3)",
    [Q_JOB_GET] = "SELECT state, total, done, created, updated, n_deliverable, n_undeliverable, n_risky, n_unknown, "
                  "error FROM jobs WHERE id = ?1",
    [Q_JOB_STATE] = "UPDATE jobs SET state = ?2, updated = ?3 WHERE id = ?1",
    [Q_JOB_FAIL] = "UPDATE jobs SET state = 4, error = ?2, updated = ?3 WHERE id = ?1 AND state IN (0, 1)",
    [Q_JOBS_REQUEUE] = "UPDATE jobs SET state = 0, updated = ?1 WHERE state = 1",
    [Q_JOBS_QUEUED] = "SELECT count(*) FROM jobs WHERE state = 0",
    [Q_JOB_NEXT_QUEUED] = "SELECT id FROM jobs WHERE state = 0 ORDER BY created, rowid LIMIT 1",
    /* Only a finished job (done, cancelled, failed) is deleted. */
    [Q_JOB_DELETE] = "DELETE FROM jobs WHERE id = ?1 AND state IN (2, 3, 4)",
    [Q_JOB_EXISTS] = "SELECT 1 FROM jobs WHERE id = ?1",
    [Q_PURGE_ADD] = "INSERT OR IGNORE INTO job_purge (job_id) VALUES (?1)",
    [Q_PURGE_NEXT] = "SELECT job_id FROM job_purge LIMIT 1",
    [Q_PURGE_ITEMS] = "DELETE FROM job_items WHERE job_id = ?1 AND seq IN "
                      "(SELECT seq FROM job_items WHERE job_id = ?1 ORDER BY seq LIMIT ?2)",
    [Q_PURGE_DONE] = "DELETE FROM job_purge WHERE job_id = ?1",
    [Q_JOBS_EXPIRED] = "SELECT id FROM jobs WHERE state IN (2, 3, 4) AND updated < ?1 LIMIT 64",
    [Q_ITEMS_PENDING] = "SELECT seq, email FROM job_items WHERE job_id = ?1 AND seq > ?2 AND done = 0 "
                        "ORDER BY seq LIMIT ?3",
    [Q_ITEM_DONE] = "UPDATE job_items SET done = 1, status = ?3, result = ?4 "
                    "WHERE job_id = ?1 AND seq = ?2 AND done = 0",
    /* ?2 is the mp_status: one of the four counters grows with `done`. */
    [Q_JOB_ADD_DONE] = "UPDATE jobs SET done = done + 1, n_deliverable = n_deliverable + (?2 = 0), "
                       "n_undeliverable = n_undeliverable + (?2 = 1), n_risky = n_risky + (?2 = 2), "
                       "n_unknown = n_unknown + (?2 = 3) WHERE id = ?1",
    [Q_RESULTS_PAGE] = "SELECT seq, email, result FROM job_items WHERE job_id = ?1 AND seq > ?2 AND done = 1 "
                       "ORDER BY seq LIMIT ?3",
    [Q_CACHE_GET] = "SELECT result FROM verify_cache WHERE address = ?1 AND expires > ?2",
    /* An upsert, not INSERT OR REPLACE: a replaced entry is an UPDATE, so
     * the triggers count each address once. */
    [Q_CACHE_PUT] = "INSERT INTO verify_cache (address, result, expires) VALUES (?1, ?2, ?3) "
                    "ON CONFLICT (address) DO UPDATE SET result = excluded.result, expires = excluded.expires",
    [Q_CACHE_EXPIRE] = "DELETE FROM verify_cache WHERE expires <= ?1",
    /* Over the cap: the entries that would expire first go. */
    [Q_CACHE_TRIM] = "DELETE FROM verify_cache WHERE address IN (SELECT address FROM verify_cache ORDER BY expires "
                     "LIMIT max(0, (SELECT n FROM verify_cache_size) - ?1))",
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

/* Freed pages go back to the file system only in auto_vacuum=INCREMENTAL
 * mode (upkeep runs PRAGMA incremental_vacuum). A new database gets it
 * before its first table; an older one is converted once by VACUUM. */
static bool incremental_vacuum_on(sqlite_store *s, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    int mode = -1, tables = 0;
    if (sqlite3_prepare_v2(s->db, "PRAGMA auto_vacuum", -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        mode = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    if (mode == 2)
        return true;
    if (sqlite3_prepare_v2(s->db, "SELECT count(*) FROM sqlite_master", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        tables = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    char *msg = NULL;
    if (sqlite3_exec(s->db, tables ? "PRAGMA auto_vacuum = INCREMENTAL; VACUUM;" : "PRAGMA auto_vacuum = INCREMENTAL;",
                     NULL, NULL, &msg) != SQLITE_OK) {
        snprintf(err, errlen, "turning on incremental vacuum: %s", msg ? msg : sqlite3_errmsg(s->db));
        sqlite3_free(msg);
        return false;
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
    /* Before WAL: a new database takes the vacuum mode only then. */
    if (!incremental_vacuum_on(s, err, errlen))
        goto fail;
    char *msg = NULL;
    /* WAL: readers never block the writer. synchronous = FULL: each commit
     * syncs the WAL before it returns, so a result that was streamed, or a
     * job announced done by the webhook, survives a power cut too (NORMAL
     * only survives a process crash; a cut could roll the last commits
     * back). The cost is one fsync per commit: see the README. */
    if (sqlite3_exec(s->db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;",
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
                                     int64_t now, char *err, size_t errlen)
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
    if (!exec_done(job))
        goto fail;
    for (size_t i = 0; i < n; i++) {
        sqlite3_bind_text(item, 1, id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(item, 2, (sqlite3_int64)i);
        sqlite3_bind_blob(item, 3, in[i].len ? in[i].p : "", (int)in[i].len, SQLITE_STATIC);
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
        for (int i = 0; i < MP_STATUS_COUNT; i++)
            out->counts[i] = sqlite3_column_int64(st, 5 + i);
        const unsigned char *e = sqlite3_column_text(st, 5 + MP_STATUS_COUNT);
        snprintf(out->error, sizeof out->error, "%s", e ? (const char *)e : "");
    }
    mp_store_status status = query_end(st, rc);
    return status == MP_STORE_OK && rc != SQLITE_ROW ? MP_STORE_NOT_FOUND : status;
}

static mp_store_status sq_job_set_state(mp_store *store, const char *id, mp_job_state state, int64_t now)
{
    sqlite3_stmt *st = of(store)->q[Q_JOB_STATE];
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, (int)state);
    sqlite3_bind_int64(st, 3, now);
    return done_status(exec_done(st));
}

static mp_store_status sq_job_fail(mp_store *store, const char *id, const char *reason, int64_t now)
{
    sqlite3_stmt *st = of(store)->q[Q_JOB_FAIL];
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    int len = (int)strnlen(reason, 255);
    while (len > 0 && ((unsigned char)reason[len] & 0xC0) == 0x80)
        len--; /* never cut a UTF-8 sequence */
    sqlite3_bind_text(st, 2, reason, len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, now);
    return done_status(exec_done(st));
}

/* A query whose single row is one integer into *out (0 when no row). */
static mp_store_status query_int(sqlite3_stmt *st, int64_t *out)
{
    int rc = sqlite3_step(st);
    *out = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    return query_end(st, rc);
}

static mp_store_status sq_jobs_requeue(mp_store *store, int64_t now, size_t *unfinished)
{
    sqlite_store *s = of(store);
    int64_t n = 0;
    *unfinished = 0;
    sqlite3_bind_int64(s->q[Q_JOBS_REQUEUE], 1, now);
    if (!exec_done(s->q[Q_JOBS_REQUEUE]) || query_int(s->q[Q_JOBS_QUEUED], &n) != MP_STORE_OK)
        return MP_STORE_ERROR;
    *unfinished = (size_t)n;
    return MP_STORE_OK;
}

/* A query whose single row is one job id into `id`: OK, NOT_FOUND, ERROR. */
static mp_store_status query_id(sqlite3_stmt *st, char id[MP_JOB_ID_LEN + 1])
{
    int rc = sqlite3_step(st);
    const unsigned char *t = rc == SQLITE_ROW ? sqlite3_column_text(st, 0) : NULL;
    bool found = t && strlen((const char *)t) == MP_JOB_ID_LEN;
    if (found)
        memcpy(id, t, MP_JOB_ID_LEN + 1);
    mp_store_status status = query_end(st, rc);
    return status == MP_STORE_OK && !found ? MP_STORE_NOT_FOUND : status;
}

static mp_store_status sq_job_next_queued(mp_store *store, char id[MP_JOB_ID_LEN + 1])
{
    return query_id(of(store)->q[Q_JOB_NEXT_QUEUED], id);
}

/* Deletes up to `budget` addresses of a deleted job; forgets the job once
 * none is left. *deleted gets how many went. */
static bool purge_items(sqlite_store *s, const char *id, size_t budget, size_t *deleted)
{
    sqlite3_stmt *st = s->q[Q_PURGE_ITEMS];
    sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)budget);
    if (!exec_done(st))
        return false;
    *deleted = (size_t)sqlite3_changes(s->db);
    if (*deleted == budget)
        return true;
    sqlite3_bind_text(s->q[Q_PURGE_DONE], 1, id, -1, SQLITE_TRANSIENT);
    return exec_done(s->q[Q_PURGE_DONE]);
}

/* Deletes a job's row (it is gone for the API at once) and queues its
 * addresses for purge_items. */
static bool job_row_delete(sqlite_store *s, const char *id, bool *deleted)
{
    sqlite3_bind_text(s->q[Q_JOB_DELETE], 1, id, -1, SQLITE_TRANSIENT);
    if (!exec_done(s->q[Q_JOB_DELETE]))
        return false;
    *deleted = sqlite3_changes(s->db) > 0;
    if (!*deleted)
        return true;
    sqlite3_bind_text(s->q[Q_PURGE_ADD], 1, id, -1, SQLITE_TRANSIENT);
    return exec_done(s->q[Q_PURGE_ADD]);
}

enum { DELETE_NOW_ROWS = 10000 }; /* addresses an API DELETE removes at once */

static mp_store_status sq_job_delete(mp_store *store, const char *id)
{
    sqlite_store *s = of(store);
    bool deleted = false;
    size_t rows = 0;
    if (strlen(id) != MP_JOB_ID_LEN)
        return MP_STORE_NOT_FOUND;
    if (sq_begin(store) != MP_STORE_OK)
        return MP_STORE_ERROR;
    if (!job_row_delete(s, id, &deleted) || (deleted && !purge_items(s, id, DELETE_NOW_ROWS, &rows)))
        goto fail;
    if (!deleted) {
        int64_t exists = 0;
        sqlite3_bind_text(s->q[Q_JOB_EXISTS], 1, id, -1, SQLITE_STATIC);
        if (query_int(s->q[Q_JOB_EXISTS], &exists) != MP_STORE_OK)
            goto fail;
        sq_rollback(store);
        return exists ? MP_STORE_UNCHANGED : MP_STORE_NOT_FOUND;
    }
    if (sq_commit(store) == MP_STORE_OK)
        return MP_STORE_OK;
fail:
    sq_rollback(store);
    return MP_STORE_ERROR;
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
    sqlite3_bind_int(up, 2, (int)status);
    return done_status(exec_done(up));
}

typedef struct results_ctx { mp_store_result_cb cb; void *arg; } results_ctx;

static void result_row(sqlite3_stmt *st, void *ctx)
{
    results_ctx *rc = ctx;
    size_t len;
    const char *email = email_column(st, 1, &len);
    const unsigned char *json = sqlite3_column_text(st, 2);
    rc->cb(sqlite3_column_int64(st, 0), email, len, json ? (const char *)json : "null", rc->arg);
}

static mp_store_status sq_results_page(mp_store *store, const char *id, int64_t after_seq, size_t limit,
                                       mp_store_result_cb cb, void *arg, size_t *count)
{
    results_ctx rc = {cb, arg};
    return page_query(of(store)->q[Q_RESULTS_PAGE], id, after_seq, limit, result_row, &rc, count);
}

static mp_store_status sq_cache_get(mp_store *store, const char *address, int64_t now, char **json)
{
    sqlite3_stmt *st = of(store)->q[Q_CACHE_GET];
    sqlite3_bind_text(st, 1, address, -1, SQLITE_STATIC);
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

/* Removes the entries closest to expiry while more than `max_entries` are
 * stored; *removed gets how many. */
static bool cache_trim(sqlite_store *s, size_t max_entries, size_t *removed)
{
    sqlite3_bind_int64(s->q[Q_CACHE_TRIM], 1, (sqlite3_int64)max_entries);
    bool ok = exec_done(s->q[Q_CACHE_TRIM]);
    *removed = ok ? (size_t)sqlite3_changes(s->db) : 0;
    return ok;
}

static mp_store_status sq_cache_put(mp_store *store, const char *address, const char *json, int64_t expires,
                                    size_t max_entries)
{
    sqlite_store *s = of(store);
    sqlite3_stmt *st = s->q[Q_CACHE_PUT];
    size_t removed;
    if (sq_begin(store) != MP_STORE_OK)
        return MP_STORE_ERROR;
    sqlite3_bind_text(st, 1, address, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, json, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, expires);
    if (exec_done(st) && cache_trim(s, max_entries, &removed) && sq_commit(store) == MP_STORE_OK)
        return MP_STORE_OK;
    sq_rollback(store);
    return MP_STORE_ERROR;
}

/* Jobs past retention: their rows go, their addresses to job_purge. */
static bool expire_jobs(sqlite_store *s, int64_t finished_before, size_t *jobs_deleted)
{
    char ids[64][MP_JOB_ID_LEN + 1];
    size_t n = 0;
    sqlite3_stmt *st = s->q[Q_JOBS_EXPIRED];
    sqlite3_bind_int64(st, 1, finished_before);
    int rc;
    while (n < 64 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        const unsigned char *t = sqlite3_column_text(st, 0);
        if (t && strlen((const char *)t) == MP_JOB_ID_LEN)
            memcpy(ids[n++], t, MP_JOB_ID_LEN + 1);
    }
    if (query_end(st, rc) != MP_STORE_OK)
        return false;
    for (size_t i = 0; i < n; i++) {
        bool deleted;
        if (!job_row_delete(s, ids[i], &deleted))
            return false;
        *jobs_deleted += deleted;
    }
    return true;
}

/* Deletes up to `budget` addresses of deleted jobs; *more when some are left. */
static bool purge_some(sqlite_store *s, size_t budget, size_t *rows_deleted, bool *more)
{
    char id[MP_JOB_ID_LEN + 1];
    mp_store_status found;
    *more = false;
    while (budget > 0 && (found = query_id(s->q[Q_PURGE_NEXT], id)) == MP_STORE_OK) {
        size_t n = 0;
        if (!purge_items(s, id, budget, &n))
            return false;
        *rows_deleted += n;
        budget -= n;
    }
    if (budget == 0)
        *more = query_id(s->q[Q_PURGE_NEXT], id) == MP_STORE_OK;
    return budget == 0 || found == MP_STORE_NOT_FOUND;
}

/* Gives free pages back to the file system; *freed gets how many. */
static bool vacuum_free_pages(sqlite_store *s, int64_t *freed)
{
    int64_t before = 0, after = 0;
    sqlite3_stmt *st = NULL;
    bool ok = sqlite3_prepare_v2(s->db, "PRAGMA freelist_count", -1, &st, NULL) == SQLITE_OK &&
              query_int(st, &before) == MP_STORE_OK;
    ok = ok && sqlite3_exec(s->db, "PRAGMA incremental_vacuum", NULL, NULL, NULL) == SQLITE_OK &&
         query_int(st, &after) == MP_STORE_OK;
    sqlite3_finalize(st);
    *freed = ok ? before - after : 0;
    return ok;
}

static mp_store_status sq_upkeep(mp_store *store, const mp_store_upkeep_policy *policy, mp_store_upkeep_report *out)
{
    sqlite_store *s = of(store);
    memset(out, 0, sizeof *out);
    if (sq_begin(store) != MP_STORE_OK)
        return MP_STORE_ERROR;
    size_t trimmed = 0;
    sqlite3_bind_int64(s->q[Q_CACHE_EXPIRE], 1, policy->now);
    bool ok = exec_done(s->q[Q_CACHE_EXPIRE]);
    out->cache_removed = ok ? (size_t)sqlite3_changes(s->db) : 0;
    ok = ok && cache_trim(s, policy->cache_max_entries, &trimmed);
    out->cache_removed += trimmed;
    ok = ok && (policy->finished_before <= 0 || expire_jobs(s, policy->finished_before, &out->jobs_deleted));
    ok = ok && purge_some(s, policy->row_budget, &out->rows_deleted, &out->more);
    if (!ok || sq_commit(store) != MP_STORE_OK) {
        sq_rollback(store);
        return MP_STORE_ERROR;
    }
    return vacuum_free_pages(s, &out->pages_freed) ? MP_STORE_OK : MP_STORE_ERROR;
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
    .job_get = sq_job_get,
    .job_set_state = sq_job_set_state,
    .job_fail = sq_job_fail,
    .jobs_requeue = sq_jobs_requeue,
    .job_next_queued = sq_job_next_queued,
    .job_delete = sq_job_delete,
    .items_pending = sq_items_pending,
    .item_done = sq_item_done,
    .results_page = sq_results_page,
    .cache_get = sq_cache_get,
    .cache_put = sq_cache_put,
    .upkeep = sq_upkeep,
    .domain_put = sq_domain_put,
    .domain_catch_all = sq_domain_catch_all,
    .domain_get = sq_domain_get,
    .error = sq_error,
};
