/* store_sqlite.c — the SQLite backend of the store (store_sqlite.h,
 * store_backend.h): schema migrations keyed on PRAGMA user_version, and one
 * prepared statement per query, prepared at open and reset after each use.
 * Runs on the store thread only (store.c); one worker per database file. */
#include "store_sqlite.h"

#include "allowance.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    /* 4: per-status counts kept in the job row, written in the transaction
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
    /* 5: personal data kept only as long as needed. The verify cache is
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
    /* 6: one job queue shared by the workers of a store: an address is
     * leased to one worker (lease_owner) whose heartbeat (workers.seen)
     * keeps it; its domain groups a lease; retry_at holds back a temporary
     * answer until its retry time; attempts counts the leases. */
    "ALTER TABLE job_items ADD COLUMN domain TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE job_items ADD COLUMN lease_owner TEXT;"
    "ALTER TABLE job_items ADD COLUMN retry_at INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE job_items ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;"
    "CREATE INDEX job_items_next ON job_items (job_id, seq) WHERE done = 0 AND lease_owner IS NULL;"
    "CREATE INDEX job_items_domain ON job_items (job_id, domain, seq) WHERE done = 0 AND lease_owner IS NULL;"
    "CREATE INDEX job_items_leased ON job_items (lease_owner) WHERE lease_owner IS NOT NULL;"
    "CREATE TABLE workers (id TEXT PRIMARY KEY, name TEXT NOT NULL, seen INTEGER NOT NULL, started INTEGER NOT NULL);"
    "CREATE INDEX jobs_queue ON jobs (state, created);",
    /* 7: the retry schedule of temporary answers (retry_schedule.h): an
     * address's tries, the job's count of addresses retrying (kept like
     * the status counts) and the index that finds the next one due; the
     * cluster's politeness allowances (allowance.h; one worker per SQLite
     * file, but the rule is the same as PostgreSQL's). */
    "ALTER TABLE job_items ADD COLUMN tries INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE jobs ADD COLUMN retrying INTEGER NOT NULL DEFAULT 0;"
    "CREATE INDEX job_items_retry ON job_items (job_id, retry_at) WHERE done = 0 AND tries > 0;"
    "CREATE TABLE allowances (host TEXT NOT NULL, worker TEXT NOT NULL, egress TEXT NOT NULL,"
    "  sessions INTEGER NOT NULL, wanted INTEGER NOT NULL, expires INTEGER NOT NULL,"
    "  PRIMARY KEY (host, worker)) WITHOUT ROWID;",
    /* 8: each worker's resolver trust (dns_trust.h), reported with its
     * heartbeat (trust_share.h; PostgreSQL's migration 3). */
    "ALTER TABLE workers ADD COLUMN resolver TEXT NOT NULL DEFAULT 'unproven';"
    "ALTER TABLE workers ADD COLUMN resolver_why TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE workers ADD COLUMN resolver_since INTEGER NOT NULL DEFAULT 0;",
};
enum { MIGRATION_COUNT = sizeof migrations / sizeof migrations[0] };

/* Job states as stored: the mp_job_state values. */
enum {
    Q_BEGIN, Q_COMMIT, Q_ROLLBACK,
    Q_UNFINISHED, Q_JOB_INSERT, Q_ITEM_INSERT, Q_JOB_SOURCE, Q_JOB_GET, Q_JOB_STATE_OF, Q_JOB_CANCEL, Q_JOB_RELEASE,
    Q_JOB_FINISH, Q_JOB_FAIL, Q_JOB_DELETE, Q_PURGE_ADD, Q_PURGE_NEXT, Q_PURGE_ITEMS, Q_PURGE_DONE,
    Q_JOBS_EXPIRED,
    Q_WORKER_SEEN, Q_REAP, Q_WORKERS_FORGET, Q_WORKERS_ALIVE, Q_RESOLVER_COUNTS, Q_WORKER_LEAVE, Q_RUNNING_SET, Q_JOB_START, Q_QUEUE_COUNTS,
    Q_LEASED_COUNT,
    Q_LEASE_HEAD, Q_LEASE_DOMAIN, Q_LEASE_TAKE, Q_FACT, Q_RELEASE_ALL, Q_RELEASE_JOB,
    Q_ITEM_DONE, Q_ITEM_RETRY, Q_JOB_COUNT, Q_RESULTS_PAGE, Q_PENDING_PAGE,
    Q_CACHE_GET, Q_CACHE_PUT, Q_CACHE_EXPIRE, Q_CACHE_TRIM, Q_DOMAIN_PUT, Q_DOMAIN_GET,
    Q_ALLOW_EXPIRE, Q_ALLOW_PEERS, Q_ALLOW_PUT, Q_ALLOW_DROP,
    Q_COUNT
};

/* The pending addresses of a job, as the partial indexes know them. */
#define PENDING "done = 0 AND lease_owner IS NULL AND retry_at <= ?3"

static const char *const sql[Q_COUNT] = {
    [Q_BEGIN] = "BEGIN IMMEDIATE",
    [Q_COMMIT] = "COMMIT",
    [Q_ROLLBACK] = "ROLLBACK",
    [Q_UNFINISHED] = "SELECT count(*) FROM jobs WHERE state IN (0, 1)",
    [Q_JOB_INSERT] = "INSERT INTO jobs (id, state, total, done, created, updated, source, header) "
                     "VALUES (?1, 0, ?2, 0, ?3, ?3, ?4, ?5)",
    [Q_ITEM_INSERT] = "INSERT INTO job_items (job_id, seq, email, domain, row) VALUES (?1, ?2, ?3, ?4, ?5)",
    [Q_JOB_SOURCE] = "SELECT source, header FROM jobs WHERE id = ?1 AND source IS NOT NULL",
    [Q_JOB_GET] = "SELECT state, total, done, created, updated, n_deliverable, n_undeliverable, n_risky, n_unknown, "
                  "error, retrying, CASE WHEN retrying > 0 THEN (SELECT min(retry_at) FROM job_items INDEXED BY "
                  "job_items_retry WHERE job_id = ?1 AND done = 0 AND tries > 0 AND lease_owner IS NULL) END "
                  "FROM jobs WHERE id = ?1",
    [Q_JOB_STATE_OF] = "SELECT state FROM jobs WHERE id = ?1",
    [Q_JOB_CANCEL] = "UPDATE jobs SET state = 3, updated = ?2 WHERE id = ?1 AND state IN (0, 1)",
    [Q_JOB_RELEASE] = "UPDATE job_items SET lease_owner = NULL WHERE job_id = ?1 AND lease_owner IS NOT NULL",
    [Q_JOB_FINISH] = "UPDATE jobs SET state = 2, updated = ?2 WHERE id = ?1 AND state = 1 AND done >= total",
    [Q_JOB_FAIL] = "UPDATE jobs SET state = 4, error = ?2, updated = ?3 WHERE id = ?1 AND state IN (0, 1)",
    /* Only a finished job (done, cancelled, failed) is deleted. */
    [Q_JOB_DELETE] = "DELETE FROM jobs WHERE id = ?1 AND state IN (2, 3, 4)",
    [Q_PURGE_ADD] = "INSERT OR IGNORE INTO job_purge (job_id) VALUES (?1)",
    [Q_PURGE_NEXT] = "SELECT job_id FROM job_purge LIMIT 1",
    [Q_PURGE_ITEMS] = "DELETE FROM job_items WHERE job_id = ?1 AND seq IN "
                      "(SELECT seq FROM job_items WHERE job_id = ?1 ORDER BY seq LIMIT ?2)",
    [Q_PURGE_DONE] = "DELETE FROM job_purge WHERE job_id = ?1",
    [Q_JOBS_EXPIRED] = "SELECT id FROM jobs WHERE state IN (2, 3, 4) AND updated < ?1 LIMIT 64",
    [Q_WORKER_SEEN] = "INSERT INTO workers (id, name, seen, started, resolver, resolver_why, resolver_since) "
                      "VALUES (?1, ?2, ?3, ?3, ?4, ?5, ?6) "
                      "ON CONFLICT (id) DO UPDATE SET seen = excluded.seen, name = excluded.name, "
                      "resolver = excluded.resolver, resolver_why = excluded.resolver_why, "
                      "resolver_since = excluded.resolver_since",
    /* A worker silent for the lease TTL has lost its addresses. */
    [Q_REAP] = "UPDATE job_items SET lease_owner = NULL WHERE lease_owner IN (SELECT id FROM workers WHERE seen < ?1)",
    [Q_WORKERS_FORGET] = "DELETE FROM workers WHERE seen < ?1",
    [Q_WORKERS_ALIVE] = "SELECT count(*) FROM workers",
    [Q_RESOLVER_COUNTS] = "SELECT resolver, count(*) FROM workers GROUP BY resolver",
    [Q_WORKER_LEAVE] = "DELETE FROM workers WHERE id = ?1",
    /* The running jobs are the oldest unfinished ones, for every worker alike. */
    [Q_RUNNING_SET] = "SELECT id, state FROM jobs WHERE state IN (0, 1) ORDER BY created, rowid LIMIT ?1",
    [Q_JOB_START] = "UPDATE jobs SET state = 1, updated = ?2 WHERE id = ?1 AND state = 0",
    [Q_QUEUE_COUNTS] = "SELECT coalesce(sum(state = 0), 0), coalesce(sum(state = 1), 0), coalesce(sum(total - done), 0), "
                       "coalesce(sum(retrying), 0) FROM jobs WHERE state IN (0, 1)",
    [Q_LEASED_COUNT] = "SELECT count(*) FROM job_items WHERE lease_owner IS NOT NULL",
    /* INDEXED BY: without statistics the planner would walk the primary
     * key past every leased and finished address, on every lease. The
     * head's domains come in the order they first appear. */
    [Q_LEASE_HEAD] = "SELECT domain, min(seq) FROM (SELECT domain, seq FROM job_items INDEXED BY job_items_next"
                     " WHERE job_id = ?1 AND seq > ?4 AND " PENDING " ORDER BY seq LIMIT ?2) GROUP BY domain"
                     " ORDER BY min(seq)",
    [Q_LEASE_DOMAIN] = "SELECT seq, email, tries FROM job_items INDEXED BY job_items_domain WHERE job_id = ?1 AND domain = ?2"
                       " AND seq >= ?5 AND " PENDING " ORDER BY seq LIMIT ?4",
    [Q_LEASE_TAKE] = "UPDATE job_items SET lease_owner = ?3, attempts = attempts + 1 WHERE job_id = ?1 AND seq = ?2",
    [Q_FACT] = "SELECT catch_all, catch_all_at FROM domains WHERE domain = ?1 AND catch_all IS NOT NULL",
    [Q_RELEASE_ALL] = "UPDATE job_items SET lease_owner = NULL WHERE lease_owner = ?1",
    [Q_RELEASE_JOB] = "UPDATE job_items SET lease_owner = NULL WHERE lease_owner = ?1 AND job_id = ?2",
    [Q_ITEM_DONE] = "UPDATE job_items SET done = 1, status = ?3, result = ?4, lease_owner = NULL "
                    "WHERE job_id = ?1 AND seq = ?2 AND done = 0 RETURNING tries",
    [Q_ITEM_RETRY] = "UPDATE job_items SET lease_owner = NULL, retry_at = ?3, tries = tries + 1 "
                     "WHERE job_id = ?1 AND seq = ?2 AND done = 0 RETURNING tries",
    [Q_JOB_COUNT] = "UPDATE jobs SET done = done + ?2, n_deliverable = n_deliverable + ?3, "
                    "n_undeliverable = n_undeliverable + ?4, n_risky = n_risky + ?5, n_unknown = n_unknown + ?6, "
                    "retrying = retrying + ?7 WHERE id = ?1",
    [Q_RESULTS_PAGE] = "SELECT seq, email, result, row FROM job_items WHERE job_id = ?1 AND seq > ?2 AND done = 1 "
                       "ORDER BY seq LIMIT ?3",
    [Q_PENDING_PAGE] = "SELECT seq, email, NULL, row FROM job_items WHERE job_id = ?1 AND seq > ?2 AND done = 0 "
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
    [Q_DOMAIN_GET] = "SELECT catch_all, catch_all_at, provider, mx FROM domains WHERE domain = ?1",
    /* The politeness allowances: the same steps as PostgreSQL's
     * mp_allowances_take, the rule in C (mp_allowance_share). */
    [Q_ALLOW_EXPIRE] = "DELETE FROM allowances WHERE host = ?1 AND expires < ?2",
    [Q_ALLOW_PEERS] = "SELECT sessions, wanted, egress = ?3, sum(sessions) OVER (PARTITION BY egress) >= ?4 "
                      "FROM allowances WHERE host = ?1 AND worker <> ?2",
    [Q_ALLOW_PUT] = "INSERT INTO allowances (host, worker, egress, sessions, wanted, expires) "
                    "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (host, worker) DO UPDATE SET "
                    "egress = excluded.egress, sessions = excluded.sessions, wanted = excluded.wanted, "
                    "expires = excluded.expires",
    [Q_ALLOW_DROP] = "DELETE FROM allowances WHERE host = ?1 AND worker = ?2",
};

enum {
    LEASE_HEAD = 64,       /* a lease's domains: those of the first pending addresses */
    DELETE_NOW_ROWS = 10000, /* addresses an API DELETE removes at once */
};

struct mp_store_db {
    sqlite3 *db;
    sqlite3_stmt *q[Q_COUNT];
};

/* ---- small helpers -------------------------------------------------------------------- */

static void set_error(mp_store_db *s, char *err)
{
    snprintf(err, MP_STORE_ERROR_MAX, "%s", s->db ? sqlite3_errmsg(s->db) : "no database");
}

static void text(sqlite3_stmt *st, int i, const char *v) { sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC); }
static void num(sqlite3_stmt *st, int i, int64_t v) { sqlite3_bind_int64(st, i, v); }

static void reset(sqlite3_stmt *st)
{
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
}

/* Runs a statement that returns no rows; resets it. */
static bool exec_done(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    reset(st);
    return rc == SQLITE_DONE;
}

/* Runs a statement returning rows of changes; *changed gets sqlite3_changes. */
static bool exec_changes(mp_store_db *s, sqlite3_stmt *st, int64_t *changed)
{
    bool ok = exec_done(st);
    *changed = ok ? sqlite3_changes(s->db) : 0;
    return ok;
}

/* A query whose single row is one integer into *out (0 when no row). */
static bool query_int(sqlite3_stmt *st, int64_t *out)
{
    int rc = sqlite3_step(st);
    *out = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE;
}

static bool begin(mp_store_db *s) { return exec_done(s->q[Q_BEGIN]); }

static void sync_lightly(mp_store_db *s);
static void sync_fully(mp_store_db *s);
static bool commit(mp_store_db *s) { return exec_done(s->q[Q_COMMIT]); }

/* Ends a transaction that failed: the error first (the rollback has words of its own). */
static mp_store_status fail(mp_store_db *s, char *err)
{
    set_error(s, err);
    exec_done(s->q[Q_ROLLBACK]);
    return MP_STORE_ERROR;
}

/* Commits; ERROR with the words when that fails. */
static mp_store_status done(mp_store_db *s, mp_store_status st, char *err)
{
    return commit(s) ? st : fail(s, err);
}

/* The address column as bytes (it may hold NULs). */
static const char *blob(sqlite3_stmt *st, int col, size_t *len)
{
    const void *p = sqlite3_column_blob(st, col);
    *len = (size_t)sqlite3_column_bytes(st, col);
    return p ? p : "";
}

/* The stored form of a catch-all verdict: 1, 0, or NULL for unknown. */
static mp_tristate tristate(sqlite3_stmt *st, int col)
{
    if (sqlite3_column_type(st, col) == SQLITE_NULL)
        return MP_UNKNOWN;
    return sqlite3_column_int(st, col) ? MP_YES : MP_NO;
}

/* ---- open, migrations --------------------------------------------------------------- */

static bool migrate(mp_store_db *s, int *version, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    int v0 = 0;
    if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        v0 = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    if (v0 > MIGRATION_COUNT) {
        snprintf(err, errlen, "database schema version %d is newer than this mailprobe (%d)", v0, MIGRATION_COUNT);
        return false;
    }
    for (int v = v0; v < MIGRATION_COUNT; v++) {
        char *msg = NULL, pragma[64];
        snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d; COMMIT;", v + 1);
        if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, &msg) != SQLITE_OK ||
            sqlite3_exec(s->db, migrations[v], NULL, NULL, &msg) != SQLITE_OK ||
            sqlite3_exec(s->db, pragma, NULL, NULL, &msg) != SQLITE_OK) {
            snprintf(err, errlen, "migration %d: %s", v + 1, msg ? msg : sqlite3_errmsg(s->db));
            sqlite3_free(msg);
            sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
            return false;
        }
    }
    *version = MIGRATION_COUNT;
    return true;
}

/* Freed pages go back to the file system only in auto_vacuum=INCREMENTAL
 * mode (upkeep runs PRAGMA incremental_vacuum). A new database gets it
 * before its first table; an older one is converted once by VACUUM. */
static bool incremental_vacuum_on(mp_store_db *s, char *err, size_t errlen)
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

static void sq_close(mp_store_db *s)
{
    for (int i = 0; i < Q_COUNT; i++)
        sqlite3_finalize(s->q[i]);
    sqlite3_close(s->db);
    free(s);
}

mp_store_db *mp_store_sqlite_open(const char *path, const mp_store_ops **ops, int *version, char *err,
                                       size_t errlen)
{
    mp_store_db *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    *ops = &sqlite_ops;
    /* NOMUTEX: one thread at a time (the opener, then the store thread). */
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
    if (!migrate(s, version, err, errlen))
        goto fail;
    for (int i = 0; i < Q_COUNT; i++)
        if (sqlite3_prepare_v2(s->db, sql[i], -1, &s->q[i], NULL) != SQLITE_OK) {
            snprintf(err, errlen, "preparing statement %d: %s", i, sqlite3_errmsg(s->db));
            goto fail;
        }
    /* One worker per file: whoever held leases before is gone, and its
     * addresses are free at once (not after the lease TTL). */
    if (sqlite3_exec(s->db, "UPDATE job_items SET lease_owner = NULL WHERE lease_owner IS NOT NULL; DELETE FROM workers;",
                     NULL, NULL, &msg) != SQLITE_OK) {
        snprintf(err, errlen, "freeing old leases: %s", msg ? msg : sqlite3_errmsg(s->db));
        sqlite3_free(msg);
        goto fail;
    }
    return s;
fail:
    sq_close(s);
    return NULL;
}

static int sq_notice_fd(mp_store_db *s)
{
    (void)s;
    return -1; /* one worker: no one else changes jobs */
}

static void sq_notices(mp_store_db *s, mp_store_emit_fn emit, void *ctx)
{
    (void)s, (void)emit, (void)ctx;
}

static uint64_t sq_round_trips(mp_store_db *s)
{
    (void)s;
    return 0; /* in-process: no server to talk to */
}

/* ---- jobs ----------------------------------------------------------------------------- */

static mp_store_status sq_job_create(mp_store_db *s, const mp_store_new_job *job, char *err)
{
    int64_t unfinished = 0;
    if (!begin(s))
        return fail(s, err);
    if (!query_int(s->q[Q_UNFINISHED], &unfinished))
        return fail(s, err);
    if ((size_t)unfinished >= job->max_unfinished) {
        exec_done(s->q[Q_ROLLBACK]);
        snprintf(err, MP_STORE_ERROR_MAX, "%lld jobs are unfinished; try again later", (long long)unfinished);
        return MP_STORE_TOO_MANY;
    }
    sqlite3_stmt *jq = s->q[Q_JOB_INSERT], *iq = s->q[Q_ITEM_INSERT];
    text(jq, 1, job->id);
    num(jq, 2, (int64_t)job->n);
    num(jq, 3, job->now);
    if (job->source.shape) {
        text(jq, 4, job->source.shape);
        if (job->source.header)
            sqlite3_bind_blob(jq, 5, job->source.header_len ? job->source.header : "", (int)job->source.header_len,
                              SQLITE_STATIC);
    }
    if (!exec_done(jq))
        return fail(s, err);
    char domain[MP_DOMAIN_MAX + 1];
    for (size_t i = 0; i < job->n; i++) {
        const char *email = job->buf + job->off[i];
        mp_store_domain_key(email, job->len[i], domain);
        text(iq, 1, job->id);
        num(iq, 2, (int64_t)i);
        sqlite3_bind_blob(iq, 3, job->len[i] ? email : "", (int)job->len[i], SQLITE_STATIC);
        text(iq, 4, domain);
        if (job->row_off[i] != MP_STORE_NO_ROW)
            sqlite3_bind_blob(iq, 5, job->row_len[i] ? job->buf + job->row_off[i] : "", (int)job->row_len[i],
                              SQLITE_STATIC);
        if (!exec_done(iq))
            return fail(s, err);
    }
    return done(s, MP_STORE_OK, err);
}

/* Reads job `id` into *out: OK, NOT_FOUND, ERROR. */
static mp_store_status read_job(mp_store_db *s, const char *id, mp_job_row *out, char *err)
{
    memset(out, 0, sizeof *out);
    if (strlen(id) != MP_JOB_ID_LEN)
        return MP_STORE_NOT_FOUND;
    sqlite3_stmt *st = s->q[Q_JOB_GET];
    text(st, 1, id);
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
        out->retrying = sqlite3_column_int64(st, 6 + MP_STATUS_COUNT);
        out->next_retry_at = sqlite3_column_int64(st, 7 + MP_STATUS_COUNT);
    }
    reset(st);
    if (rc == SQLITE_ROW)
        return MP_STORE_OK;
    if (rc == SQLITE_DONE)
        return MP_STORE_NOT_FOUND;
    set_error(s, err);
    return MP_STORE_ERROR;
}

static mp_store_status sq_job_source(mp_store_db *s, const char *id, mp_store_source_out *out, char *err)
{
    sqlite3_stmt *st = s->q[Q_JOB_SOURCE];
    text(st, 1, id);
    int rc = sqlite3_step(st);
    bool ok = true;
    if (rc == SQLITE_ROW) {
        const unsigned char *shape = sqlite3_column_text(st, 0);
        out->source.shape = mp_store_arena_copy(&out->arena, shape, strlen((const char *)shape));
        if (sqlite3_column_type(st, 1) != SQLITE_NULL) {
            size_t len = 0;
            const char *header = blob(st, 1, &len);
            out->source.header = mp_store_arena_copy(&out->arena, header, len);
            out->source.header_len = len;
            ok = out->source.header != NULL;
        }
        ok = ok && out->source.shape;
    }
    reset(st);
    if (rc == SQLITE_ROW && ok)
        return MP_STORE_OK;
    if (rc == SQLITE_DONE)
        return MP_STORE_NOT_FOUND;
    set_error(s, err);
    return MP_STORE_ERROR;
}

static mp_store_status sq_job_get(mp_store_db *s, const char *id, mp_job_row *out, char *err)
{
    return read_job(s, id, out, err);
}

/* Deletes up to `budget` addresses of a deleted job; forgets the job once
 * none is left. *deleted gets how many went. */
static bool purge_items(mp_store_db *s, const char *id, size_t budget, size_t *deleted)
{
    int64_t n = 0;
    sqlite3_stmt *st = s->q[Q_PURGE_ITEMS];
    sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
    num(st, 2, (int64_t)budget);
    if (!exec_changes(s, st, &n))
        return false;
    *deleted = (size_t)n;
    if (*deleted == budget)
        return true;
    sqlite3_bind_text(s->q[Q_PURGE_DONE], 1, id, -1, SQLITE_TRANSIENT);
    return exec_done(s->q[Q_PURGE_DONE]);
}

/* Deletes a finished job's row (it is gone for the API at once) and queues
 * its addresses for purge_items. */
static bool job_row_delete(mp_store_db *s, const char *id, bool *deleted)
{
    int64_t n = 0;
    sqlite3_bind_text(s->q[Q_JOB_DELETE], 1, id, -1, SQLITE_TRANSIENT);
    if (!exec_changes(s, s->q[Q_JOB_DELETE], &n))
        return false;
    *deleted = n > 0;
    if (!*deleted)
        return true;
    sqlite3_bind_text(s->q[Q_PURGE_ADD], 1, id, -1, SQLITE_TRANSIENT);
    return exec_done(s->q[Q_PURGE_ADD]);
}

static bool release_job(mp_store_db *s, const char *id)
{
    text(s->q[Q_JOB_RELEASE], 1, id);
    return exec_done(s->q[Q_JOB_RELEASE]);
}

static mp_store_status sq_job_end(mp_store_db *s, const char *id, int64_t now, mp_job_row *out, char *err)
{
    memset(out, 0, sizeof *out);
    if (strlen(id) != MP_JOB_ID_LEN)
        return MP_STORE_NOT_FOUND;
    if (!begin(s))
        return fail(s, err);
    int64_t cancelled = 0;
    text(s->q[Q_JOB_CANCEL], 1, id);
    num(s->q[Q_JOB_CANCEL], 2, now);
    if (!exec_changes(s, s->q[Q_JOB_CANCEL], &cancelled))
        return fail(s, err);
    if (cancelled) {
        if (!release_job(s, id) || read_job(s, id, out, err) != MP_STORE_OK)
            return fail(s, err);
        return done(s, MP_STORE_OK, err);
    }
    bool deleted = false;
    size_t rows = 0;
    if (!job_row_delete(s, id, &deleted) || (deleted && !purge_items(s, id, DELETE_NOW_ROWS, &rows)))
        return fail(s, err);
    return done(s, deleted ? MP_STORE_UNCHANGED : MP_STORE_NOT_FOUND, err);
}

/* A conditional state change, then the job's row: OK when it changed,
 * UNCHANGED (with the row) when not, NOT_FOUND. */
static mp_store_status change_state(mp_store_db *s, sqlite3_stmt *st, const char *id, mp_job_row *out,
                                    char *err)
{
    int64_t changed = 0;
    if (!begin(s) || !exec_changes(s, st, &changed))
        return fail(s, err);
    mp_store_status found = read_job(s, id, out, err);
    if (found == MP_STORE_ERROR)
        return fail(s, err);
    if (found == MP_STORE_NOT_FOUND)
        return done(s, MP_STORE_NOT_FOUND, err);
    found = done(s, changed ? MP_STORE_OK : MP_STORE_UNCHANGED, err);
    /* A finished job's leases mean nothing: given back afterwards, in a
     * transaction of their own, so a full disk that still takes the one
     * changed row (a failing job) is not refused for them. */
    if (changed && found == MP_STORE_OK) {
        sync_lightly(s);
        release_job(s, id);
        sync_fully(s);
    }
    return found;
}

static mp_store_status sq_job_finish(mp_store_db *s, const char *id, int64_t now, mp_job_row *out, char *err)
{
    text(s->q[Q_JOB_FINISH], 1, id);
    num(s->q[Q_JOB_FINISH], 2, now);
    return change_state(s, s->q[Q_JOB_FINISH], id, out, err);
}

static mp_store_status sq_job_fail(mp_store_db *s, const char *id, const char *reason, int64_t now,
                                   mp_job_row *out, char *err)
{
    sqlite3_stmt *st = s->q[Q_JOB_FAIL];
    text(st, 1, id);
    sqlite3_bind_text(st, 2, reason, (int)mp_store_reason_len(reason), SQLITE_STATIC);
    num(st, 3, now);
    return change_state(s, st, id, out, err);
}

/* ---- workers and leases ----------------------------------------------------------------- */

/* Leases, heartbeats and releases need not survive a crash: opening the
 * file frees every lease anyway (one worker per file). Their commits skip
 * the fsync; the next durable commit syncs the log, theirs included. */
/* (PRAGMA synchronous takes effect when compiled, not when stepped: it is
 * never prepared ahead.) */
static void sync_lightly(mp_store_db *s) { sqlite3_exec(s->db, "PRAGMA synchronous = NORMAL", NULL, NULL, NULL); }
static void sync_fully(mp_store_db *s) { sqlite3_exec(s->db, "PRAGMA synchronous = FULL", NULL, NULL, NULL); }

static mp_store_status sq_beat_tx(mp_store_db *s, const mp_store_beat_args *a, mp_store_beat_out *out, char *err);

static mp_store_status sq_beat(mp_store_db *s, const mp_store_beat_args *a, mp_store_beat_out *out, char *err)
{
    sync_lightly(s);
    mp_store_status st = sq_beat_tx(s, a, out, err);
    sync_fully(s);
    return st;
}

/* The live workers per resolver state; a name this mailprobe does not
 * know (a newer worker's) is not counted. False on error. */
static bool resolver_counts(mp_store_db *s, int64_t counts[MP_RESOLVER_STATE_COUNT])
{
    sqlite3_stmt *st = s->q[Q_RESOLVER_COUNTS];
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        for (int i = 0; name && i < MP_RESOLVER_STATE_COUNT; i++)
            if (!strcmp(name, mp_resolver_state_name((mp_resolver_state)i)))
                counts[i] = sqlite3_column_int64(st, 1);
    }
    reset(st);
    return rc == SQLITE_DONE;
}

static mp_store_status sq_beat_tx(mp_store_db *s, const mp_store_beat_args *a, mp_store_beat_out *out, char *err)
{
    int64_t stale = a->now - a->lease_ttl;
    if (!begin(s))
        return fail(s, err);
    sqlite3_stmt *st = s->q[Q_WORKER_SEEN];
    text(st, 1, a->worker);
    text(st, 2, a->name);
    num(st, 3, a->now);
    text(st, 4, mp_resolver_state_name(a->resolver));
    text(st, 5, a->resolver_why);
    num(st, 6, a->resolver_since);
    num(s->q[Q_REAP], 1, stale);
    num(s->q[Q_WORKERS_FORGET], 1, stale);
    if (!exec_done(st) || !exec_changes(s, s->q[Q_REAP], &out->reaped) || !exec_done(s->q[Q_WORKERS_FORGET]))
        return fail(s, err);
    st = s->q[Q_RUNNING_SET];
    num(st, 1, (int64_t)a->max_running);
    char queued[64][MP_JOB_ID_LEN + 1];
    size_t nqueued = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && out->running_count < a->max_running) {
        const unsigned char *id = sqlite3_column_text(st, 0);
        if (!id || strlen((const char *)id) != MP_JOB_ID_LEN)
            continue;
        memcpy(out->running[out->running_count++], id, MP_JOB_ID_LEN + 1);
        if (sqlite3_column_int(st, 1) == MP_JOB_QUEUED && nqueued < 64)
            memcpy(queued[nqueued++], id, MP_JOB_ID_LEN + 1);
    }
    reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return fail(s, err);
    for (size_t i = 0; i < nqueued; i++) {
        text(s->q[Q_JOB_START], 1, queued[i]);
        num(s->q[Q_JOB_START], 2, a->now);
        if (!exec_done(s->q[Q_JOB_START]))
            return fail(s, err);
    }
    mp_store_cluster *c = &out->cluster;
    st = s->q[Q_QUEUE_COUNTS];
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        c->jobs_queued = sqlite3_column_int64(st, 0);
        c->jobs_running = sqlite3_column_int64(st, 1);
        c->addresses_pending = sqlite3_column_int64(st, 2);
        c->addresses_retrying = sqlite3_column_int64(st, 3);
    }
    reset(st);
    if (rc != SQLITE_ROW || !query_int(s->q[Q_WORKERS_ALIVE], &c->workers) ||
        !query_int(s->q[Q_LEASED_COUNT], &c->addresses_leased) || !resolver_counts(s, c->resolvers))
        return fail(s, err);
    return done(s, MP_STORE_OK, err);
}

static int item_by_seq(const void *a, const void *b)
{
    const mp_store_item *x = a, *y = b;
    return (x->seq > y->seq) - (x->seq < y->seq);
}

/* The head of the queue: the domains of the first LEASE_HEAD pending
 * addresses, into out->facts (as placeholders), with where each domain's
 * run starts in first[]; false on error. */
static bool lease_head(mp_store_db *s, const mp_store_lease_args *a, mp_store_lease_out *out,
                       int64_t first[LEASE_HEAD])
{
    sqlite3_stmt *st = s->q[Q_LEASE_HEAD];
    text(st, 1, a->job_id);
    num(st, 2, LEASE_HEAD);
    num(st, 3, a->now);
    num(st, 4, a->after_seq);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        mp_store_domain_fact *f = mp_store_grow((void **)&out->facts, &out->fact_count, &out->fact_cap, sizeof *f);
        const unsigned char *d = sqlite3_column_text(st, 0);
        if (!f || !(f->domain = mp_store_arena_copy(&out->arena, d ? (const char *)d : "", d ? strlen((const char *)d) : 0))) {
            reset(st);
            return false;
        }
        f->catch_all = MP_UNKNOWN;
        first[out->fact_count - 1] = sqlite3_column_int64(st, 1);
    }
    reset(st);
    return rc == SQLITE_DONE;
}

/* Leases a run of domain `domain`'s pending addresses, up to `want`. */
static bool lease_domain(mp_store_db *s, const mp_store_lease_args *a, const char *domain, int64_t from, size_t want,
                         mp_store_lease_out *out)
{
    sqlite3_stmt *st = s->q[Q_LEASE_DOMAIN], *take = s->q[Q_LEASE_TAKE];
    text(st, 1, a->job_id);
    text(st, 2, domain);
    num(st, 3, a->now);
    num(st, 4, (int64_t)want);
    num(st, 5, from);
    int rc;
    size_t first = out->count;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        mp_store_item *it = mp_store_grow((void **)&out->items, &out->count, &out->cap, sizeof *it);
        size_t len;
        const char *email = blob(st, 1, &len);
        if (!it || !(it->email = mp_store_arena_copy(&out->arena, email, len))) {
            reset(st);
            return false;
        }
        it->seq = sqlite3_column_int64(st, 0);
        it->len = len;
        it->domain = domain;
        it->tries = sqlite3_column_int(st, 2);
    }
    reset(st);
    if (rc != SQLITE_DONE)
        return false;
    for (size_t i = first; i < out->count; i++) {
        text(take, 1, a->job_id);
        num(take, 2, out->items[i].seq);
        text(take, 3, a->worker);
        if (!exec_done(take))
            return false;
    }
    return true;
}

/* Keeps only the facts of the lease's domains that have a verdict. */
static bool lease_facts(mp_store_db *s, mp_store_lease_out *out)
{
    size_t kept = 0;
    for (size_t i = 0; i < out->fact_count; i++) {
        mp_store_domain_fact f = out->facts[i];
        sqlite3_stmt *st = s->q[Q_FACT];
        text(st, 1, f.domain);
        int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW && f.domain[0]) {
            f.catch_all = tristate(st, 0);
            f.catch_all_at = sqlite3_column_int64(st, 1);
            out->facts[kept++] = f;
        }
        reset(st);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE)
            return false;
    }
    out->fact_count = kept;
    return true;
}

static mp_store_status sq_lease_tx(mp_store_db *s, const mp_store_lease_args *a, mp_store_lease_out *out, char *err);

static mp_store_status sq_lease(mp_store_db *s, const mp_store_lease_args *a, mp_store_lease_out *out, char *err)
{
    sync_lightly(s);
    mp_store_status st = sq_lease_tx(s, a, out, err);
    sync_fully(s);
    return st;
}

static mp_store_status sq_lease_tx(mp_store_db *s, const mp_store_lease_args *a, mp_store_lease_out *out,
                                   char *err)
{
    int64_t state = -1;
    if (!begin(s))
        return fail(s, err);
    text(s->q[Q_JOB_STATE_OF], 1, a->job_id);
    if (!query_int(s->q[Q_JOB_STATE_OF], &state))
        return fail(s, err);
    if (state != MP_JOB_RUNNING)
        return done(s, MP_STORE_NOT_FOUND, err);
    int64_t first[LEASE_HEAD];
    if (!lease_head(s, a, out, first))
        return fail(s, err);
    /* Runs of per_domain each, round after round while they fill up. */
    size_t heads = out->fact_count ? out->fact_count : 1;
    size_t per_domain = (a->max_items + heads - 1) / heads;
    if (per_domain < a->per_domain_min)
        per_domain = a->per_domain_min;
    for (size_t before = (size_t)-1; out->count < a->max_items && out->count != before;) {
        before = out->count;
        for (size_t i = 0; i < out->fact_count && out->count < a->max_items; i++) {
            size_t want = a->max_items - out->count;
            if (!lease_domain(s, a, out->facts[i].domain, first[i], want < per_domain ? want : per_domain, out))
                return fail(s, err);
        }
    }
    if (!lease_facts(s, out))
        return fail(s, err);
    if (out->count)
        qsort(out->items, out->count, sizeof *out->items, item_by_seq);
    return done(s, MP_STORE_OK, err);
}

static mp_store_status sq_release(mp_store_db *s, const char *worker, const char *job_id, char *err)
{
    sqlite3_stmt *st = s->q[job_id ? Q_RELEASE_JOB : Q_RELEASE_ALL];
    text(st, 1, worker);
    if (job_id)
        text(st, 2, job_id);
    sync_lightly(s);
    bool ok = exec_done(st);
    if (ok && !job_id) { /* the worker leaves */
        text(s->q[Q_WORKER_LEAVE], 1, worker);
        ok = exec_done(s->q[Q_WORKER_LEAVE]);
    }
    sync_fully(s);
    if (ok)
        return MP_STORE_OK;
    set_error(s, err);
    return MP_STORE_ERROR;
}

/* ---- results ------------------------------------------------------------------------- */

/* The jobs a write touched, with what it counted for each. */
typedef struct job_tally {
    char id[MP_JOB_ID_LEN + 1];
    bool running;
    int64_t done, counts[MP_STATUS_COUNT];
    int64_t retrying;  /* change of the job's retrying count */
} job_tally;

static job_tally *tally_of(mp_store_db *s, job_tally **t, size_t *n, size_t *cap, const char *id, bool *ok)
{
    for (size_t i = 0; i < *n; i++)
        if (!strcmp((*t)[i].id, id))
            return &(*t)[i];
    job_tally *j = mp_store_grow((void **)t, n, cap, sizeof *j);
    int64_t state = -1;
    if (!j) {
        *ok = false;
        return NULL;
    }
    snprintf(j->id, sizeof j->id, "%s", id);
    text(s->q[Q_JOB_STATE_OF], 1, id);
    *ok = query_int(s->q[Q_JOB_STATE_OF], &state);
    j->running = state == MP_JOB_RUNNING;
    return j;
}

/* Runs an UPDATE ... RETURNING tries; *tries gets it, or -1 when no row
 * changed. */
static bool exec_tries(sqlite3_stmt *st, int64_t *tries)
{
    int rc = sqlite3_step(st);
    *tries = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    if (rc == SQLITE_ROW)
        rc = sqlite3_step(st);
    reset(st);
    return rc == SQLITE_DONE;
}

static bool write_item(mp_store_db *s, const mp_store_batch_item *it, job_tally *j, mp_store_write_out *out)
{
    int64_t changed = 0, tries = -1;
    if (it->retry_at) {
        sqlite3_stmt *st = s->q[Q_ITEM_RETRY];
        text(st, 1, it->job_id);
        num(st, 2, it->seq);
        num(st, 3, it->retry_at);
        if (!exec_tries(st, &tries))
            return false;
        j->retrying += tries == 1; /* its first temporary answer */
        return true;
    }
    if (j->running) {
        sqlite3_stmt *st = s->q[Q_ITEM_DONE];
        text(st, 1, it->job_id);
        num(st, 2, it->seq);
        num(st, 3, (int64_t)it->status);
        text(st, 4, it->json);
        if (!exec_tries(st, &tries))
            return false;
        changed = tries >= 0;
        j->retrying -= tries > 0; /* a retried address has its result */
    }
    if (changed && (unsigned)it->status < MP_STATUS_COUNT) {
        j->done++;
        j->counts[it->status]++;
        out->stored++;
    } else {
        out->unchanged++;
    }
    return true;
}

static bool write_domain(mp_store_db *s, const mp_store_batch_facts *d, int64_t now)
{
    sqlite3_stmt *st = s->q[Q_DOMAIN_PUT];
    text(st, 1, d->domain);
    if (d->mx_json)
        text(st, 2, d->mx_json);
    if (d->catch_all != MP_UNKNOWN)
        sqlite3_bind_int(st, 3, d->catch_all == MP_YES);
    if (d->provider[0])
        text(st, 4, d->provider);
    num(st, 5, now);
    return exec_done(st);
}

static mp_store_status sq_write(mp_store_db *s, const mp_store_batch *b, int64_t now, mp_store_write_out *out,
                                char *err)
{
    job_tally *t = NULL;
    size_t nt = 0, capt = 0;
    bool ok = begin(s);
    for (size_t i = 0; ok && i < b->count; i++) {
        job_tally *j = tally_of(s, &t, &nt, &capt, b->items[i].job_id, &ok);
        ok = ok && write_item(s, &b->items[i], j, out);
    }
    for (size_t i = 0; ok && i < b->domain_count; i++)
        ok = write_domain(s, &b->domains[i], now);
    for (size_t i = 0; ok && i < nt; i++) {
        if (t[i].done || t[i].retrying) {
            sqlite3_stmt *st = s->q[Q_JOB_COUNT];
            text(st, 1, t[i].id);
            num(st, 2, t[i].done);
            for (int k = 0; k < MP_STATUS_COUNT; k++)
                num(st, 3 + k, t[i].counts[k]);
            num(st, 3 + MP_STATUS_COUNT, t[i].retrying);
            ok = exec_done(st);
        }
        mp_job_row *row = ok ? mp_store_grow((void **)&out->jobs, &out->job_count, &out->job_cap, sizeof *row) : NULL;
        mp_store_status found = row ? read_job(s, t[i].id, row, err) : MP_STORE_ERROR;
        ok = found != MP_STORE_ERROR;
        if (found == MP_STORE_NOT_FOUND)
            out->job_count--; /* deleted meanwhile */
    }
    free(t);
    if (!ok)
        return fail(s, err);
    return done(s, MP_STORE_OK, err);
}

static mp_store_status sq_page(mp_store_db *s, const char *id, int64_t after_seq, size_t limit, bool pending,
                               mp_store_page_out *out, char *err)
{
    sqlite3_stmt *st = s->q[pending ? Q_PENDING_PAGE : Q_RESULTS_PAGE];
    text(st, 1, id);
    num(st, 2, after_seq);
    num(st, 3, (int64_t)limit);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        mp_store_result_row *row = mp_store_grow((void **)&out->rows, &out->count, &out->cap, sizeof *row);
        size_t len;
        const char *email = blob(st, 1, &len);
        const unsigned char *json = sqlite3_column_text(st, 2);
        if (!row || !(row->email = mp_store_arena_copy(&out->arena, email, len)) ||
            !(row->json = mp_store_arena_copy(&out->arena, json ? (const char *)json : "null",
                                              json ? strlen((const char *)json) : 4))) {
            reset(st);
            snprintf(err, MP_STORE_ERROR_MAX, "out of memory");
            return MP_STORE_ERROR;
        }
        row->seq = sqlite3_column_int64(st, 0);
        row->len = len;
        if (sqlite3_column_type(st, 3) != SQLITE_NULL) {
            const char *r = blob(st, 3, &len);
            if (!(row->row = mp_store_arena_copy(&out->arena, r, len))) {
                reset(st);
                snprintf(err, MP_STORE_ERROR_MAX, "out of memory");
                return MP_STORE_ERROR;
            }
            row->row_len = len;
        }
    }
    reset(st);
    if (rc == SQLITE_DONE)
        return MP_STORE_OK;
    set_error(s, err);
    return MP_STORE_ERROR;
}

/* ---- the verify cache, domain facts ----------------------------------------------------- */

static mp_store_status sq_cache_get(mp_store_db *s, const char *address, int64_t now, char **json, char *err)
{
    sqlite3_stmt *st = s->q[Q_CACHE_GET];
    text(st, 1, address);
    num(st, 2, now);
    *json = NULL;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const unsigned char *t = sqlite3_column_text(st, 0);
        *json = strdup(t ? (const char *)t : "null");
    }
    reset(st);
    if (rc == SQLITE_ROW && *json)
        return MP_STORE_OK;
    if (rc == SQLITE_DONE)
        return MP_STORE_NOT_FOUND;
    set_error(s, err);
    return MP_STORE_ERROR;
}

/* Removes the entries closest to expiry while more than `max_entries` are
 * stored; *removed gets how many. */
static bool cache_trim(mp_store_db *s, size_t max_entries, int64_t *removed)
{
    num(s->q[Q_CACHE_TRIM], 1, (int64_t)max_entries);
    return exec_changes(s, s->q[Q_CACHE_TRIM], removed);
}

static mp_store_status sq_cache_put(mp_store_db *s, const char *address, const char *json, int64_t expires,
                                    size_t max_entries, char *err)
{
    sqlite3_stmt *st = s->q[Q_CACHE_PUT];
    int64_t removed;
    if (!begin(s))
        return fail(s, err);
    text(st, 1, address);
    text(st, 2, json);
    num(st, 3, expires);
    if (!exec_done(st) || !cache_trim(s, max_entries, &removed))
        return fail(s, err);
    return done(s, MP_STORE_OK, err);
}

static mp_store_status sq_domain_get(mp_store_db *s, const char *domain, mp_store_domain_row *out, char *err)
{
    sqlite3_stmt *st = s->q[Q_DOMAIN_GET];
    text(st, 1, domain);
    memset(out, 0, sizeof *out);
    out->catch_all = MP_UNKNOWN;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        out->catch_all = tristate(st, 0);
        out->catch_all_at = sqlite3_column_int64(st, 1);
        const unsigned char *p = sqlite3_column_text(st, 2), *mx = sqlite3_column_text(st, 3);
        snprintf(out->provider, sizeof out->provider, "%s", p ? (const char *)p : "");
        out->mx_json = mx ? strdup((const char *)mx) : NULL;
    }
    reset(st);
    if (rc == SQLITE_ROW)
        return MP_STORE_OK;
    if (rc == SQLITE_DONE)
        return MP_STORE_NOT_FOUND;
    set_error(s, err);
    return MP_STORE_ERROR;
}

static mp_store_status sq_domain_put(mp_store_db *s, const char *domain, mp_tristate catch_all, int64_t now,
                                     char *err)
{
    mp_store_batch_facts d = {.catch_all = catch_all};
    snprintf(d.domain, sizeof d.domain, "%s", domain);
    if (write_domain(s, &d, now))
        return MP_STORE_OK;
    set_error(s, err);
    return MP_STORE_ERROR;
}

/* ---- upkeep --------------------------------------------------------------------------- */

/* A query whose single row is one job id into `id`: OK, NOT_FOUND, ERROR. */
static mp_store_status query_id(sqlite3_stmt *st, char id[MP_JOB_ID_LEN + 1])
{
    int rc = sqlite3_step(st);
    const unsigned char *t = rc == SQLITE_ROW ? sqlite3_column_text(st, 0) : NULL;
    bool found = t && strlen((const char *)t) == MP_JOB_ID_LEN;
    if (found)
        memcpy(id, t, MP_JOB_ID_LEN + 1);
    reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return MP_STORE_ERROR;
    return found ? MP_STORE_OK : MP_STORE_NOT_FOUND;
}

/* Jobs past retention: their rows go, their addresses to job_purge. */
static bool expire_jobs(mp_store_db *s, int64_t finished_before, size_t *jobs_deleted)
{
    char ids[64][MP_JOB_ID_LEN + 1];
    size_t n = 0;
    sqlite3_stmt *st = s->q[Q_JOBS_EXPIRED];
    num(st, 1, finished_before);
    int rc;
    while (n < 64 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        const unsigned char *t = sqlite3_column_text(st, 0);
        if (t && strlen((const char *)t) == MP_JOB_ID_LEN)
            memcpy(ids[n++], t, MP_JOB_ID_LEN + 1);
    }
    reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
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
static bool purge_some(mp_store_db *s, size_t budget, size_t *rows_deleted, bool *more)
{
    char id[MP_JOB_ID_LEN + 1];
    mp_store_status found = MP_STORE_NOT_FOUND;
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
static bool vacuum_free_pages(mp_store_db *s, int64_t *freed)
{
    int64_t before = 0, after = 0;
    sqlite3_stmt *st = NULL;
    bool ok = sqlite3_prepare_v2(s->db, "PRAGMA freelist_count", -1, &st, NULL) == SQLITE_OK &&
              query_int(st, &before);
    ok = ok && sqlite3_exec(s->db, "PRAGMA incremental_vacuum", NULL, NULL, NULL) == SQLITE_OK && query_int(st, &after);
    sqlite3_finalize(st);
    *freed = ok ? before - after : 0;
    return ok;
}

/* ---- politeness allowances ------------------------------------------------------- */

/* The other workers' allowances at `host`, into *peers (grown). */
static bool allowance_peers(mp_store_db *s, const mp_store_allowance_args *a, const mp_store_allowance_ask *ask,
                            mp_allowance_peer **peers, size_t *n, size_t *cap, mp_store_allowance *g)
{
    sqlite3_stmt *st = s->q[Q_ALLOW_PEERS];
    text(st, 1, ask->host);
    text(st, 2, a->worker);
    text(st, 3, ask->egress);
    num(st, 4, a->egress_limit);
    int rc;
    *n = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        mp_allowance_peer *p = mp_store_grow((void **)peers, n, cap, sizeof *p);
        if (!p)
            break;
        *p = (mp_allowance_peer){sqlite3_column_int(st, 0), sqlite3_column_int(st, 1) != 0,
                                 sqlite3_column_int(st, 2) != 0, sqlite3_column_int(st, 3) != 0};
        g->wanting += p->wanted;
        g->starving += p->wanted && p->sessions == 0 && (p->same_egress || !p->egress_full);
    }
    reset(st);
    return rc == SQLITE_DONE;
}

static bool allowance_one(mp_store_db *s, const mp_store_allowance_args *a, const mp_store_allowance_ask *ask,
                          mp_allowance_peer **peers, size_t *cap, mp_store_allowance *g)
{
    size_t n = 0;
    sqlite3_stmt *st = s->q[Q_ALLOW_EXPIRE];
    text(st, 1, ask->host);
    num(st, 2, a->now);
    if (!exec_done(st) || !allowance_peers(s, a, ask, peers, &n, cap, g))
        return false;
    mp_allowance_limits limits = {.host_sessions = a->host_limit, .egress_sessions = a->egress_limit};
    g->sessions = mp_allowance_share(&limits, *peers, n, ask->wanted, ask->in_use);
    if (g->sessions == 0 && !ask->wanted) {
        st = s->q[Q_ALLOW_DROP];
        text(st, 1, ask->host);
        text(st, 2, a->worker);
        return exec_done(st);
    }
    st = s->q[Q_ALLOW_PUT];
    text(st, 1, ask->host);
    text(st, 2, a->worker);
    text(st, 3, ask->egress);
    num(st, 4, g->sessions);
    num(st, 5, ask->wanted);
    num(st, 6, a->now + a->ttl);
    return exec_done(st);
}

static mp_store_status sq_allowances(mp_store_db *s, const mp_store_allowance_args *a, mp_store_allowance_out *out,
                                     char *err)
{
    mp_allowance_peer *peers = NULL;
    size_t cap = 0;
    bool ok = begin(s);
    for (size_t i = 0; ok && i < a->n; i++) {
        mp_store_allowance *g = mp_store_grow((void **)&out->grants, &out->count, &out->cap, sizeof *g);
        ok = g && (g->host = mp_store_arena_copy(&out->arena, a->asks[i].host, strlen(a->asks[i].host))) &&
             allowance_one(s, a, &a->asks[i], &peers, &cap, g);
    }
    free(peers);
    if (!ok)
        return fail(s, err);
    return done(s, MP_STORE_OK, err);
}

static mp_store_status sq_upkeep(mp_store_db *s, const mp_store_upkeep_policy *p, mp_store_upkeep_report *out,
                                 char *err)
{
    memset(out, 0, sizeof *out);
    int64_t expired = 0, trimmed = 0;
    if (!begin(s))
        return fail(s, err);
    num(s->q[Q_CACHE_EXPIRE], 1, p->now);
    bool ok = exec_changes(s, s->q[Q_CACHE_EXPIRE], &expired) && cache_trim(s, p->cache_max_entries, &trimmed);
    out->cache_removed = (size_t)(expired + trimmed);
    ok = ok && (p->finished_before <= 0 || expire_jobs(s, p->finished_before, &out->jobs_deleted));
    ok = ok && purge_some(s, p->row_budget, &out->rows_deleted, &out->more);
    if (!ok)
        return fail(s, err);
    if (done(s, MP_STORE_OK, err) != MP_STORE_OK)
        return MP_STORE_ERROR;
    if (vacuum_free_pages(s, &out->pages_freed))
        return MP_STORE_OK;
    set_error(s, err);
    return MP_STORE_ERROR;
}

static const mp_store_ops sqlite_ops = {
    .name = "sqlite",
    .shared = false, /* one worker per file */
    .close = sq_close,
    .notice_fd = sq_notice_fd,
    .notices = sq_notices,
    .round_trips = sq_round_trips,
    .job_create = sq_job_create,
    .job_source = sq_job_source,
    .job_get = sq_job_get,
    .job_end = sq_job_end,
    .job_finish = sq_job_finish,
    .job_fail = sq_job_fail,
    .beat = sq_beat,
    .lease = sq_lease,
    .release = sq_release,
    .write = sq_write,
    .page = sq_page,
    .cache_get = sq_cache_get,
    .cache_put = sq_cache_put,
    .domain_get = sq_domain_get,
    .domain_put = sq_domain_put,
    .allowances = sq_allowances,
    .upkeep = sq_upkeep,
};
