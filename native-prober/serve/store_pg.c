/* store_pg.c — the PostgreSQL backend of the store (store_pg.h,
 * store_backend.h). Plain blocking libpq on the store thread (store.c):
 * one connection per worker, each operation one or a few statements —
 * the hot ones (lease, write) a single statement each, so a batch of
 * addresses costs one round trip. Progress reaches the other workers by
 * NOTIFY mp_jobs (payload: the job id), sent inside the statement that
 * changed the job, so it is delivered exactly when the change commits. */
#include "store_pg.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

/* Migrations, in order: entry i brings mp_schema.version from i to i + 1.
 * Never edit a released entry; append a new one. */
static const char *const migrations[] = {
    "CREATE TABLE jobs ("
    "  id text PRIMARY KEY, state smallint NOT NULL, total bigint NOT NULL, done bigint NOT NULL DEFAULT 0,"
    "  n_deliverable bigint NOT NULL DEFAULT 0, n_undeliverable bigint NOT NULL DEFAULT 0,"
    "  n_risky bigint NOT NULL DEFAULT 0, n_unknown bigint NOT NULL DEFAULT 0,"
    "  created bigint NOT NULL, updated bigint NOT NULL, error text, source text, header bytea, ord bigserial);"
    "CREATE INDEX jobs_queue ON jobs (state, created, ord);"
    "CREATE INDEX jobs_by_state ON jobs (state, updated);"
    "CREATE TABLE job_items ("
    "  job_id text NOT NULL, seq bigint NOT NULL, email bytea NOT NULL, domain text NOT NULL DEFAULT '',"
    "  done boolean NOT NULL DEFAULT false, status smallint, result text,"
    "  lease_owner text, retry_at bigint NOT NULL DEFAULT 0, attempts integer NOT NULL DEFAULT 0, row bytea,"
    "  PRIMARY KEY (job_id, seq));"
    "CREATE INDEX job_items_next ON job_items (job_id, seq) WHERE NOT done AND lease_owner IS NULL;"
    "CREATE INDEX job_items_domain ON job_items (job_id, domain, seq) WHERE NOT done AND lease_owner IS NULL;"
    "CREATE INDEX job_items_leased ON job_items (lease_owner) WHERE lease_owner IS NOT NULL;"
    "CREATE TABLE job_purge (job_id text PRIMARY KEY);"
    "CREATE TABLE verify_cache (address text PRIMARY KEY, result text NOT NULL, expires bigint NOT NULL);"
    "CREATE INDEX verify_cache_expires ON verify_cache (expires);"
    "CREATE TABLE verify_cache_size (n bigint NOT NULL);"
    "INSERT INTO verify_cache_size VALUES (0);"
    "CREATE FUNCTION mp_verify_cache_count() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
    "  IF TG_OP = 'INSERT' THEN UPDATE verify_cache_size SET n = n + 1;"
    "  ELSE UPDATE verify_cache_size SET n = n - 1; END IF; RETURN NULL; END $$;"
    "CREATE TRIGGER verify_cache_count AFTER INSERT OR DELETE ON verify_cache"
    "  FOR EACH ROW EXECUTE FUNCTION mp_verify_cache_count();"
    "CREATE TABLE domains (domain text PRIMARY KEY, mx text, catch_all boolean, catch_all_at bigint,"
    "  provider text, updated bigint NOT NULL);"
    "CREATE TABLE workers (id text PRIMARY KEY, name text NOT NULL, seen bigint NOT NULL, started bigint NOT NULL);",
    /* 2: the retry schedule of temporary answers (retry_schedule.h): an
     * address's tries, the job's count of addresses retrying (kept like
     * the status counts) and the index that finds the next one due; the
     * cluster's politeness (allowance.h): each worker's share of an MX
     * address's sessions, granted by mp_allowances_take under an advisory
     * lock per address with the rule of mp_allowance_share. */
    "ALTER TABLE job_items ADD COLUMN tries integer NOT NULL DEFAULT 0;"
    "ALTER TABLE jobs ADD COLUMN retrying bigint NOT NULL DEFAULT 0;"
    "CREATE INDEX job_items_retry ON job_items (job_id, retry_at) WHERE NOT done AND tries > 0;"
    "CREATE TABLE allowances (host text NOT NULL, worker text NOT NULL, egress text NOT NULL,"
    "  sessions integer NOT NULL, wanted boolean NOT NULL, expires bigint NOT NULL, PRIMARY KEY (host, worker));"
    "CREATE FUNCTION mp_allowances_take(p_worker text, p_now bigint, p_ttl integer, p_host_limit integer,"
    "    p_egress_limit integer, p_hosts text[], p_egress text[], p_wanted boolean[], p_in_use integer[])"
    "  RETURNS TABLE (r_host text, r_sessions integer, r_wanting integer, r_starving integer)"
    "  LANGUAGE plpgsql AS $$"
    "DECLARE i integer; total integer; egress_held integer; here integer; starving_here integer;"
    "  starving_elsewhere integer; cap integer; n integer;"
    "BEGIN"
    "  FOR i IN 1 .. coalesce(array_length(p_hosts, 1), 0) LOOP"
    "    PERFORM pg_advisory_xact_lock(727273, hashtext(p_hosts[i]));"
    "    DELETE FROM allowances a WHERE a.host = p_hosts[i] AND a.expires < p_now;"
    "    SELECT coalesce(sum(o.sessions), 0), coalesce(sum(o.sessions) FILTER (WHERE o.egress = p_egress[i]), 0),"
    "           count(*) FILTER (WHERE o.wanted), count(*) FILTER (WHERE o.wanted AND o.egress = p_egress[i]),"
    "           count(*) FILTER (WHERE o.wanted AND o.sessions = 0 AND o.egress = p_egress[i]),"
    "           count(*) FILTER (WHERE o.wanted AND o.sessions = 0 AND o.egress <> p_egress[i]"
    "                            AND o.group_held < p_egress_limit)"
    "      INTO total, egress_held, r_wanting, here, starving_here, starving_elsewhere"
    "      FROM (SELECT a.sessions, a.wanted, a.egress, sum(a.sessions) OVER (PARTITION BY a.egress) AS group_held"
    "            FROM allowances a WHERE a.host = p_hosts[i] AND a.worker <> p_worker) o;"
    "    r_starving := starving_here + starving_elsewhere;"
    "    IF p_wanted[i] THEN"
    "      cap := p_egress_limit;"
    "      IF starving_here > 0 THEN cap := least(cap, greatest(1, p_egress_limit / (here + 1))); END IF;"
    "      IF starving_elsewhere > 0 THEN cap := least(cap, greatest(1, p_host_limit / (r_wanting + 1))); END IF;"
    "      n := greatest(least(cap, p_host_limit - total, p_egress_limit - egress_held), p_in_use[i]);"
    "    ELSE"
    "      n := greatest(p_in_use[i], 0);"
    "    END IF;"
    "    IF n = 0 AND NOT p_wanted[i] THEN"
    "      DELETE FROM allowances a WHERE a.host = p_hosts[i] AND a.worker = p_worker;"
    "    ELSE"
    "      INSERT INTO allowances AS a (host, worker, egress, sessions, wanted, expires)"
    "        VALUES (p_hosts[i], p_worker, p_egress[i], n, p_wanted[i], p_now + p_ttl)"
    "        ON CONFLICT ON CONSTRAINT allowances_pkey DO UPDATE SET egress = excluded.egress,"
    "          sessions = excluded.sessions, wanted = excluded.wanted, expires = excluded.expires;"
    "    END IF;"
    "    r_host := p_hosts[i];"
    "    r_sessions := n;"
    "    RETURN NEXT;"
    "  END LOOP;"
    "END $$;",
    /* 3: each worker's resolver trust (dns_trust.h), reported with its
     * heartbeat, so a worker whose resolver lies can leave new addresses
     * to those whose resolver is honest (trust_share.h). */
    ("ALTER TABLE workers ADD COLUMN resolver text NOT NULL DEFAULT 'unproven',"
     "  ADD COLUMN resolver_why text NOT NULL DEFAULT '', ADD COLUMN resolver_since bigint NOT NULL DEFAULT 0;"),
};
enum { MIGRATION_COUNT = sizeof migrations / sizeof migrations[0] };

enum {
    LEASE_HEAD = 64,          /* a lease's domains: those of the first pending addresses */
    DELETE_NOW_ROWS = 10000,  /* addresses an API DELETE removes at once */
    COPY_CHUNK = 256 * 1024,  /* octets per PQputCopyData */
    MIGRATION_LOCK = 727271,  /* pg_advisory_xact_lock keys */
    CREATE_LOCK = 727272,
};

#define JOB_COLUMNS "id, state, total, done, created, updated, n_deliverable, n_undeliverable, n_risky, n_unknown, " \
                    "coalesce(error, ''), retrying, CASE WHEN retrying > 0 THEN (SELECT min(i.retry_at) FROM job_items i " \
                    "WHERE i.job_id = id AND NOT i.done AND i.tries > 0 AND i.lease_owner IS NULL) END"
enum { JOB_COLUMN_COUNT = 9 + MP_STATUS_COUNT }; /* the columns above */

struct mp_store_db {
    PGconn *conn;
    uint64_t round_trips;
};

/* ---- talking to the server ---------------------------------------------------------- */

/* The server's words without the trailing newline. */
static void set_error(char *err, const char *what, const char *msg)
{
    snprintf(err, MP_STORE_ERROR_MAX, "%s%s%s", what ? what : "", what ? ": " : "", msg ? msg : "failed");
    size_t n = strlen(err);
    while (n && (err[n - 1] == '\n' || err[n - 1] == ' '))
        err[--n] = '\0';
}

/* The connection is usable, re-established if it was lost (then it
 * LISTENs again). false + words when the server cannot be reached. */
static bool connected(mp_store_db *db, char *err)
{
    if (PQstatus(db->conn) == CONNECTION_OK)
        return true;
    PQreset(db->conn);
    db->round_trips++;
    if (PQstatus(db->conn) != CONNECTION_OK) {
        set_error(err, "database connection lost", PQerrorMessage(db->conn));
        return false;
    }
    PGresult *r = PQexec(db->conn, "LISTEN mp_jobs");
    db->round_trips++;
    PQclear(r);
    return true;
}

/* Runs one statement with text parameters; *res gets the result (the
 * caller clears it) when `res` is not NULL. false + words on failure. */
static bool run(mp_store_db *db, const char *sql, int n, const char *const *params, PGresult **res, char *err)
{
    if (res)
        *res = NULL;
    if (!connected(db, err))
        return false;
    PGresult *r = PQexecParams(db->conn, sql, n, NULL, params, NULL, NULL, 0);
    db->round_trips++;
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        set_error(err, NULL, r ? PQresultErrorMessage(r) : PQerrorMessage(db->conn));
        PQclear(r);
        return false;
    }
    if (res)
        *res = r;
    else
        PQclear(r);
    return true;
}

/* Runs several statements without parameters (a migration). */
static bool run_script(mp_store_db *db, const char *sql, char *err)
{
    PGresult *r = PQexec(db->conn, sql);
    db->round_trips++;
    bool ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
    if (!ok)
        set_error(err, NULL, r ? PQresultErrorMessage(r) : PQerrorMessage(db->conn));
    PQclear(r);
    return ok;
}

/* A deadlock or serialization failure: the statement rolled back whole
 * and may simply run again. */
static bool transient(const char *err) { return strstr(err, "deadlock") || strstr(err, "could not serialize"); }

static void rollback(mp_store_db *db)
{
    PGresult *r = PQexec(db->conn, "ROLLBACK");
    db->round_trips++;
    PQclear(r);
}

static int64_t int_at(PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? 0 : strtoll(PQgetvalue(r, row, col), NULL, 10);
}

static void i64(char *buf, int64_t v) { snprintf(buf, 24, "%lld", (long long)v); }

/* A bytea column (text format "\x6869") decoded into the arena. */
static const char *bytea_at(PGresult *r, int row, int col, mp_store_arena *arena, size_t *len)
{
    const char *t = PQgetvalue(r, row, col);
    size_t n = strlen(t);
    *len = 0;
    if (n < 2 || t[0] != '\\' || t[1] != 'x')
        return mp_store_arena_copy(arena, "", 0);
    size_t out_len = (n - 2) / 2;
    char *out = mp_store_arena_copy(arena, t + 2, n - 2); /* room enough; decoded in place */
    if (!out)
        return NULL;
    for (size_t i = 0; i < out_len; i++) {
        char pair[3] = {t[2 + 2 * i], t[3 + 2 * i], 0};
        out[i] = (char)strtol(pair, NULL, 16);
    }
    out[out_len] = '\0';
    *len = out_len;
    return out;
}

/* ---- open, migrations --------------------------------------------------------------- */

bool mp_store_pg_location(const char *location)
{
    return !strncmp(location, "postgresql://", 13) || !strncmp(location, "postgres://", 11);
}

static bool migrate(mp_store_db *db, int *version, char *err)
{
    char lock[64];
    snprintf(lock, sizeof lock, "SELECT pg_advisory_xact_lock(%d)", MIGRATION_LOCK);
    PGresult *r = NULL;
    /* One worker migrates; the others wait for the lock, then find it done. */
    if (!run(db, "BEGIN", 0, NULL, NULL, err) || !run(db, lock, 0, NULL, NULL, err) ||
        !run(db, "CREATE TABLE IF NOT EXISTS mp_schema (version integer NOT NULL)", 0, NULL, NULL, err) ||
        !run(db, "SELECT version FROM mp_schema", 0, NULL, &r, err))
        goto fail;
    int v0 = PQntuples(r) ? (int)int_at(r, 0, 0) : -1;
    PQclear(r);
    if (v0 < 0 && !run(db, "INSERT INTO mp_schema VALUES (0)", 0, NULL, NULL, err))
        goto fail;
    if (v0 < 0)
        v0 = 0;
    if (v0 > MIGRATION_COUNT) {
        snprintf(err, MP_STORE_ERROR_MAX, "database schema version %d is newer than this mailprobe (%d)", v0,
                 MIGRATION_COUNT);
        goto fail;
    }
    for (int v = v0; v < MIGRATION_COUNT; v++) {
        char set[64];
        snprintf(set, sizeof set, "UPDATE mp_schema SET version = %d", v + 1);
        if (!run_script(db, migrations[v], err) || !run(db, set, 0, NULL, NULL, err)) {
            char detail[MP_STORE_ERROR_MAX];
            snprintf(detail, sizeof detail, "migration %d: %s", v + 1, err);
            snprintf(err, MP_STORE_ERROR_MAX, "%s", detail);
            goto fail;
        }
    }
    if (!run(db, "COMMIT", 0, NULL, NULL, err))
        goto fail;
    *version = MIGRATION_COUNT;
    return true;
fail:
    rollback(db);
    return false;
}

static void pg_close(mp_store_db *db)
{
    PQfinish(db->conn);
    free(db);
}

static const mp_store_ops pg_ops;

/* The server's NOTICEs ("relation already exists, skipping") are not ours
 * to print: stderr carries one JSON object per line. */
static void quiet(void *arg, const char *message)
{
    (void)arg, (void)message;
}

mp_store_db *mp_store_pg_open(const char *url, const mp_store_ops **ops, int *version, char *err, size_t errlen)
{
    char e[MP_STORE_ERROR_MAX] = "";
    mp_store_db *db = calloc(1, sizeof *db);
    if (!db) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    *ops = &pg_ops;
    /* A dead network must not hold the store thread for the kernel's TCP
     * timeouts (minutes): unless the URL says otherwise, give up on a
     * connect after 10 s and on unacknowledged data after 30 s. */
    char full[MP_STORE_ERROR_MAX * 8];
    snprintf(full, sizeof full, "%s", url);
    const char *defaults[] = {"connect_timeout=10", "tcp_user_timeout=30000", "keepalives_idle=30"};
    for (size_t i = 0; i < sizeof defaults / sizeof defaults[0]; i++) {
        size_t key = strcspn(defaults[i], "=");
        char name[32];
        snprintf(name, sizeof name, "%.*s=", (int)key, defaults[i]);
        if (!strstr(full, name) && strlen(full) + strlen(defaults[i]) + 2 < sizeof full)
            snprintf(full + strlen(full), sizeof full - strlen(full), "%s%s", strchr(full, '?') ? "&" : "?",
                     defaults[i]);
    }
    db->conn = PQconnectdb(full);
    if (PQstatus(db->conn) != CONNECTION_OK) {
        set_error(e, "cannot connect to PostgreSQL", PQerrorMessage(db->conn));
        goto fail;
    }
    PQsetNoticeProcessor(db->conn, quiet, NULL);
    /* Plain text results in UTF-8; durable commits (the server's default,
     * made sure here: results are reported only once on disk). */
    /* lock_timeout: nothing of ours waits long for a lock (leases skip
     * locked rows); a lock held by someone else's long transaction should
     * fail a request, not freeze the worker. */
    if (!run(db, "SET client_encoding = 'UTF8'", 0, NULL, NULL, e) ||
        !run(db, "SET synchronous_commit = on", 0, NULL, NULL, e) ||
        !run(db, "SET lock_timeout = '30s'", 0, NULL, NULL, e) || !migrate(db, version, e) ||
        !run(db, "LISTEN mp_jobs", 0, NULL, NULL, e))
        goto fail;
    return db;
fail:
    snprintf(err, errlen, "%s", e);
    pg_close(db);
    return NULL;
}

static int pg_notice_fd(mp_store_db *db) { return PQstatus(db->conn) == CONNECTION_OK ? PQsocket(db->conn) : -1; }

static void pg_notices(mp_store_db *db, mp_store_emit_fn emit, void *ctx)
{
    if (PQstatus(db->conn) != CONNECTION_OK)
        return;
    PQconsumeInput(db->conn);
    PGnotify *n;
    int me = PQbackendPID(db->conn);
    while ((n = PQnotifies(db->conn))) {
        if (n->be_pid != me) /* our own changes we know */
            emit(n->extra, ctx);
        PQfreemem(n);
    }
}

static uint64_t pg_round_trips(mp_store_db *db) { return db->round_trips; }

/* ---- jobs --------------------------------------------------------------------------- */

static void row_from(PGresult *r, int i, mp_job_row *out)
{
    memset(out, 0, sizeof *out);
    snprintf(out->id, sizeof out->id, "%s", PQgetvalue(r, i, 0));
    out->state = (mp_job_state)int_at(r, i, 1);
    out->total = int_at(r, i, 2);
    out->done = int_at(r, i, 3);
    out->created = int_at(r, i, 4);
    out->updated = int_at(r, i, 5);
    for (int k = 0; k < MP_STATUS_COUNT; k++)
        out->counts[k] = int_at(r, i, 6 + k);
    snprintf(out->error, sizeof out->error, "%s", PQgetvalue(r, i, 6 + MP_STATUS_COUNT));
    out->retrying = int_at(r, i, 7 + MP_STATUS_COUNT);
    out->next_retry_at = int_at(r, i, 8 + MP_STATUS_COUNT);
}

/* Runs a statement returning job rows; the first goes to *out. OK with a
 * row, NOT_FOUND without, ERROR. */
static mp_store_status job_statement(mp_store_db *db, const char *sql, int n, const char *const *params,
                                     mp_job_row *out, char *err)
{
    PGresult *r;
    memset(out, 0, sizeof *out);
    if (!run(db, sql, n, params, &r, err))
        return MP_STORE_ERROR;
    mp_store_status st = PQntuples(r) ? MP_STORE_OK : MP_STORE_NOT_FOUND;
    if (st == MP_STORE_OK)
        row_from(r, 0, out);
    PQclear(r);
    return st;
}

static mp_store_status pg_job_get(mp_store_db *db, const char *id, mp_job_row *out, char *err)
{
    const char *p[] = {id};
    if (strlen(id) != MP_JOB_ID_LEN) {
        memset(out, 0, sizeof *out);
        return MP_STORE_NOT_FOUND;
    }
    return job_statement(db, "SELECT " JOB_COLUMNS " FROM jobs WHERE id = $1", 1, p, out, err);
}

/* Appends a bytea field in COPY's text format: \\x followed by hex. */
static char *hex_field(char *p, const char *data, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    *p++ = '\\';
    *p++ = '\\';
    *p++ = 'x';
    for (size_t k = 0; k < len; k++) {
        *p++ = hex[(unsigned char)data[k] >> 4];
        *p++ = hex[(unsigned char)data[k] & 15];
    }
    return p;
}

/* COPY's text format: fields by tabs, NULL as \N; bytea as hex; the
 * domain an A-label (nothing to escape). */
static bool copy_line(mp_store_db *db, char *buf, size_t *used, const mp_store_new_job *job, size_t i, char *err)
{
    const char *email = job->buf + job->off[i];
    size_t len = job->len[i];
    bool has_row = job->row_off[i] != MP_STORE_NO_ROW;
    char domain[MP_DOMAIN_MAX + 1];
    mp_store_domain_key(email, len, domain);
    size_t need = MP_JOB_ID_LEN + 24 + 6 + 2 * len + 2 * job->row_len[i] + strlen(domain) + 12;
    if (*used + need > COPY_CHUNK || need > COPY_CHUNK) {
        if (*used && PQputCopyData(db->conn, buf, (int)*used) != 1) {
            set_error(err, "COPY", PQerrorMessage(db->conn));
            return false;
        }
        *used = 0;
    }
    if (need > COPY_CHUNK) {
        set_error(err, NULL, "an address is too long to store");
        return false;
    }
    char *p = buf + *used;
    p += sprintf(p, "%s\t%zu\t", job->id, i);
    p = hex_field(p, email, len);
    p += sprintf(p, "\t%s\t", domain);
    if (has_row)
        p = hex_field(p, job->buf + job->row_off[i], job->row_len[i]);
    else
        p += sprintf(p, "\\N");
    *p++ = '\n';
    *used = (size_t)(p - buf);
    return true;
}

static bool copy_items(mp_store_db *db, const mp_store_new_job *job, char *err)
{
    PGresult *r = PQexec(db->conn, "COPY job_items (job_id, seq, email, domain, row) FROM STDIN");
    db->round_trips++;
    bool ok = PQresultStatus(r) == PGRES_COPY_IN;
    if (!ok)
        set_error(err, "COPY", PQresultErrorMessage(r));
    PQclear(r);
    char *buf = ok ? malloc(COPY_CHUNK) : NULL;
    size_t used = 0;
    if (ok && !buf) {
        set_error(err, NULL, "out of memory");
        ok = false;
    }
    for (size_t i = 0; ok && i < job->n; i++)
        ok = copy_line(db, buf, &used, job, i, err);
    if (ok && used && PQputCopyData(db->conn, buf, (int)used) != 1) {
        set_error(err, "COPY", PQerrorMessage(db->conn));
        ok = false;
    }
    free(buf);
    if (PQputCopyEnd(db->conn, ok ? NULL : "aborted") != 1 && ok) {
        set_error(err, "COPY", PQerrorMessage(db->conn));
        ok = false;
    }
    while ((r = PQgetResult(db->conn))) {
        if (ok && PQresultStatus(r) != PGRES_COMMAND_OK) {
            set_error(err, "COPY", PQresultErrorMessage(r));
            ok = false;
        }
        PQclear(r);
    }
    db->round_trips++;
    return ok;
}

static mp_store_status pg_job_create(mp_store_db *db, const mp_store_new_job *job, char *err)
{
    char lock[64], total[24], now[24];
    PGresult *r = NULL;
    snprintf(lock, sizeof lock, "SELECT pg_advisory_xact_lock(%d)", CREATE_LOCK);
    i64(total, (int64_t)job->n);
    i64(now, job->now);
    char *header = NULL;
    if (job->source.header && !(header = malloc(2 * job->source.header_len + 8))) {
        set_error(err, NULL, "out of memory");
        return MP_STORE_ERROR;
    }
    if (header) /* as a bytea literal: \x and hex */
        *hex_field(header, job->source.header, job->source.header_len) = '\0';
    const char *p[] = {job->id, total, now, job->source.shape, header ? header + 1 : NULL};
    /* The lock makes the count and the insert one step across workers. */
    if (!run(db, "BEGIN", 0, NULL, NULL, err) || !run(db, lock, 0, NULL, NULL, err) ||
        !run(db, "SELECT count(*) FROM jobs WHERE state IN (0, 1)", 0, NULL, &r, err))
        goto fail;
    int64_t unfinished = int_at(r, 0, 0);
    PQclear(r);
    if ((size_t)unfinished >= job->max_unfinished) {
        rollback(db);
        snprintf(err, MP_STORE_ERROR_MAX, "%lld jobs are unfinished; try again later", (long long)unfinished);
        return MP_STORE_TOO_MANY;
    }
    if (!run(db, "INSERT INTO jobs (id, state, total, created, updated, source, header)"
                 " VALUES ($1, 0, $2, $3, $3, $4, $5::bytea)", 5, p, NULL, err) ||
        !copy_items(db, job, err) || !run(db, "SELECT pg_notify('mp_jobs', '')", 0, NULL, NULL, err) ||
        !run(db, "COMMIT", 0, NULL, NULL, err))
        goto fail;
    free(header);
    return MP_STORE_OK;
fail:
    free(header);
    rollback(db);
    return MP_STORE_ERROR;
}

static mp_store_status pg_job_source(mp_store_db *db, const char *id, mp_store_source_out *out, char *err)
{
    const char *p[] = {id};
    PGresult *r;
    if (!run(db, "SELECT source, header FROM jobs WHERE id = $1 AND source IS NOT NULL", 1, p, &r, err))
        return MP_STORE_ERROR;
    mp_store_status st = PQntuples(r) ? MP_STORE_OK : MP_STORE_NOT_FOUND;
    if (st == MP_STORE_OK) {
        const char *shape = PQgetvalue(r, 0, 0);
        out->source.shape = mp_store_arena_copy(&out->arena, shape, strlen(shape));
        if (!PQgetisnull(r, 0, 1))
            out->source.header = bytea_at(r, 0, 1, &out->arena, &out->source.header_len);
        if (!out->source.shape || (!PQgetisnull(r, 0, 1) && !out->source.header)) {
            set_error(err, NULL, "out of memory");
            st = MP_STORE_ERROR;
        }
    }
    PQclear(r);
    return st;
}

/* Deletes up to `budget` addresses of deleted job `id`; forgets it once
 * none is left. */
static bool purge_items(mp_store_db *db, const char *id, size_t budget, size_t *deleted, char *err)
{
    char lim[24];
    i64(lim, (int64_t)budget);
    const char *p[] = {id, lim};
    PGresult *r;
    if (!run(db, "DELETE FROM job_items WHERE job_id = $1 AND seq IN "
                 "(SELECT seq FROM job_items WHERE job_id = $1 ORDER BY seq LIMIT $2)",
             2, p, &r, err))
        return false;
    *deleted = (size_t)strtoull(PQcmdTuples(r), NULL, 10);
    PQclear(r);
    return *deleted == budget || run(db, "DELETE FROM job_purge WHERE job_id = $1", 1, p, NULL, err);
}

static mp_store_status pg_job_end(mp_store_db *db, const char *id, int64_t now, mp_job_row *out, char *err)
{
    char t[24];
    i64(t, now);
    const char *p[] = {id, t};
    memset(out, 0, sizeof *out);
    if (strlen(id) != MP_JOB_ID_LEN)
        return MP_STORE_NOT_FOUND;
    mp_store_status st = job_statement(
        db,
        "WITH c AS (UPDATE jobs SET state = 3, updated = $2 WHERE id = $1 AND state IN (0, 1) RETURNING *),"
        " r AS (UPDATE job_items SET lease_owner = NULL WHERE job_id = $1 AND lease_owner IS NOT NULL"
        "       AND EXISTS (SELECT 1 FROM c))"
        " SELECT " JOB_COLUMNS ", pg_notify('mp_jobs', id) IS NULL FROM c",
        2, p, out, err);
    if (st != MP_STORE_NOT_FOUND)
        return st;
    PGresult *r;
    if (!run(db, "WITH d AS (DELETE FROM jobs WHERE id = $1 AND state IN (2, 3, 4) RETURNING id)"
                 " INSERT INTO job_purge SELECT id FROM d ON CONFLICT DO NOTHING RETURNING job_id",
             1, p, &r, err))
        return MP_STORE_ERROR;
    bool deleted = PQntuples(r) > 0;
    PQclear(r);
    size_t rows = 0;
    if (deleted && !purge_items(db, id, DELETE_NOW_ROWS, &rows, err))
        return MP_STORE_ERROR;
    return deleted ? MP_STORE_UNCHANGED : MP_STORE_NOT_FOUND;
}

/* After a conditional change that found nothing to change: UNCHANGED with
 * the job's row, or NOT_FOUND. */
static mp_store_status unchanged(mp_store_db *db, const char *id, mp_job_row *out, char *err)
{
    mp_store_status st = pg_job_get(db, id, out, err);
    return st == MP_STORE_OK ? MP_STORE_UNCHANGED : st;
}

static mp_store_status pg_job_finish(mp_store_db *db, const char *id, int64_t now, mp_job_row *out, char *err)
{
    char t[24];
    i64(t, now);
    const char *p[] = {id, t};
    mp_store_status st = job_statement(db,
                                       "UPDATE jobs SET state = 2, updated = $2 WHERE id = $1 AND state = 1 AND "
                                       "done >= total RETURNING " JOB_COLUMNS ", pg_notify('mp_jobs', id) IS NULL",
                                       2, p, out, err);
    return st == MP_STORE_NOT_FOUND ? unchanged(db, id, out, err) : st;
}

static mp_store_status pg_job_fail(mp_store_db *db, const char *id, const char *reason, int64_t now,
                                   mp_job_row *out, char *err)
{
    char t[24], why[MP_STORE_ERROR_MAX];
    i64(t, now);
    snprintf(why, sizeof why, "%.*s", (int)mp_store_reason_len(reason), reason);
    const char *p[] = {id, why, t};
    mp_store_status st = job_statement(db,
                                       "UPDATE jobs SET state = 4, error = $2, updated = $3 WHERE id = $1 AND state IN "
                                       "(0, 1) RETURNING " JOB_COLUMNS ", pg_notify('mp_jobs', id) IS NULL",
                                       3, p, out, err);
    if (st == MP_STORE_OK) { /* a failed job's leases mean nothing: best effort */
        char ignored[MP_STORE_ERROR_MAX];
        run(db, "UPDATE job_items SET lease_owner = NULL WHERE job_id = $1 AND lease_owner IS NOT NULL", 1, p, NULL,
            ignored);
    }
    return st == MP_STORE_NOT_FOUND ? unchanged(db, id, out, err) : st;
}

/* ---- workers and leases ----------------------------------------------------------------- */

static mp_store_status pg_beat(mp_store_db *db, const mp_store_beat_args *a, mp_store_beat_out *out, char *err)
{
    char now[24], stale[24], max[24], since[24];
    i64(now, a->now);
    i64(stale, a->now - a->lease_ttl);
    i64(max, (int64_t)a->max_running);
    i64(since, a->resolver_since);
    const char *p1[] = {a->worker, a->name, now, stale, mp_resolver_state_name(a->resolver), a->resolver_why, since};
    PGresult *r;
    /* Alive, with its resolver's state; the silent are forgotten and their
     * addresses freed. */
    if (!run(db,
             "WITH me AS (INSERT INTO workers (id, name, seen, started, resolver, resolver_why, resolver_since)"
             "            VALUES ($1, $2, $3, $3, $5, $6, $7)"
             "            ON CONFLICT (id) DO UPDATE SET seen = excluded.seen, name = excluded.name,"
             "            resolver = excluded.resolver, resolver_why = excluded.resolver_why,"
             "            resolver_since = excluded.resolver_since RETURNING 1),"
             " dead AS (DELETE FROM workers WHERE seen < $4 AND id <> $1 RETURNING id),"
             " freed AS (UPDATE job_items SET lease_owner = NULL WHERE lease_owner IN (SELECT id FROM dead) RETURNING 1)"
             " SELECT (SELECT count(*) FROM freed), (SELECT count(*) FROM me)",
             7, p1, &r, err))
        return MP_STORE_ERROR;
    out->reaped = int_at(r, 0, 0);
    PQclear(r);
    /* The running jobs: the oldest unfinished, for every worker alike. */
    const char *p2[] = {max, now};
    if (!run(db,
             "WITH r AS (SELECT id, state, created, ord FROM jobs WHERE state IN (0, 1) ORDER BY created, ord LIMIT $1),"
             " s AS (UPDATE jobs SET state = 1, updated = $2 WHERE id IN (SELECT id FROM r WHERE state = 0) RETURNING id)"
             " SELECT r.id, (SELECT count(*) FROM s) FROM r ORDER BY r.created, r.ord",
             2, p2, &r, err))
        return MP_STORE_ERROR;
    for (int i = 0; i < PQntuples(r) && out->running_count < a->max_running; i++)
        snprintf(out->running[out->running_count++], MP_JOB_ID_LEN + 1, "%s", PQgetvalue(r, i, 0));
    PQclear(r);
    /* The queue, and the live workers per resolver state (in the order of
     * mp_resolver_state: the names are the parameters). */
    _Static_assert(MP_RESOLVER_STATE_COUNT == 4, "one count per resolver state below");
    const char *p3[MP_RESOLVER_STATE_COUNT];
    for (int i = 0; i < MP_RESOLVER_STATE_COUNT; i++)
        p3[i] = mp_resolver_state_name((mp_resolver_state)i);
    if (!run(db,
             "SELECT (SELECT count(*) FROM workers), count(*) FILTER (WHERE state = 0), count(*) FILTER (WHERE state = 1),"
             " coalesce(sum(total - done), 0), (SELECT count(*) FROM job_items WHERE lease_owner IS NOT NULL),"
             " coalesce(sum(retrying), 0), (SELECT count(*) FROM workers WHERE resolver = $1),"
             " (SELECT count(*) FROM workers WHERE resolver = $2), (SELECT count(*) FROM workers WHERE resolver = $3),"
             " (SELECT count(*) FROM workers WHERE resolver = $4) FROM jobs WHERE state IN (0, 1)",
             MP_RESOLVER_STATE_COUNT, p3, &r, err))
        return MP_STORE_ERROR;
    mp_store_cluster *c = &out->cluster;
    c->workers = int_at(r, 0, 0);
    c->jobs_queued = int_at(r, 0, 1);
    c->jobs_running = int_at(r, 0, 2);
    c->addresses_pending = int_at(r, 0, 3);
    c->addresses_leased = int_at(r, 0, 4);
    c->addresses_retrying = int_at(r, 0, 5);
    for (int i = 0; i < MP_RESOLVER_STATE_COUNT; i++)
        c->resolvers[i] = int_at(r, 0, 6 + i);
    PQclear(r);
    return MP_STORE_OK;
}

static int item_by_seq(const void *a, const void *b)
{
    const mp_store_item *x = a, *y = b;
    return (x->seq > y->seq) - (x->seq < y->seq);
}

static mp_store_status pg_lease(mp_store_db *db, const mp_store_lease_args *a, mp_store_lease_out *out, char *err)
{
    char now[24], max[24], min[24], head[24], after[24];
    i64(now, a->now);
    i64(max, (int64_t)a->max_items);
    i64(min, (int64_t)a->per_domain_min);
    i64(head, LEASE_HEAD);
    i64(after, a->after_seq);
    const char *p[] = {a->job_id, a->worker, now, max, min, head, after};
    PGresult *r;
    /* The domains of the first pending addresses, in the order they first
     * appear; from each a run of its next pending addresses (rows another
     * worker is leasing right now are skipped, never waited for); and the
     * catch-all verdicts of those domains (rows without a seq); all of it
     * one statement. */
    if (!run(db,
             "WITH head AS ("
             "  SELECT domain, min(seq) AS first FROM (SELECT domain, seq FROM job_items"
             "    WHERE job_id = $1 AND seq > $7 AND NOT done AND lease_owner IS NULL AND retry_at <= $3"
             "      AND EXISTS (SELECT 1 FROM jobs WHERE id = $1 AND state = 1)"
             "    ORDER BY seq LIMIT $6) h GROUP BY domain),"
             " picked AS ("
             "  SELECT i.seq FROM head CROSS JOIN LATERAL ("
             "    SELECT seq FROM job_items WHERE job_id = $1 AND domain = head.domain AND seq >= head.first"
             "      AND NOT done AND lease_owner IS NULL AND retry_at <= $3 ORDER BY seq"
             "    LIMIT greatest($5::bigint, ceil($4::numeric / greatest(1, (SELECT count(*) FROM head)))::bigint)"
             "    FOR UPDATE SKIP LOCKED) i"
             "  ORDER BY head.first, i.seq LIMIT $4),"
             " taken AS (UPDATE job_items t SET lease_owner = $2, attempts = t.attempts + 1 FROM picked"
             "  WHERE t.job_id = $1 AND t.seq = picked.seq RETURNING t.seq, t.email, t.domain, t.tries)"
             " SELECT seq, email, domain, tries, NULL::boolean, NULL::bigint FROM taken"
             " UNION ALL SELECT NULL, NULL, d.domain, NULL, d.catch_all, d.catch_all_at FROM domains d"
             "  WHERE d.domain IN (SELECT domain FROM taken) AND d.catch_all IS NOT NULL",
             7, p, &r, err))
        return MP_STORE_ERROR;
    for (int i = 0; i < PQntuples(r); i++) {
        const char *d = PQgetvalue(r, i, 2);
        if (PQgetisnull(r, i, 0)) { /* a domain's verdict */
            mp_store_domain_fact *f = mp_store_grow((void **)&out->facts, &out->fact_count, &out->fact_cap,
                                                    sizeof *f);
            if (!f || !(f->domain = mp_store_arena_copy(&out->arena, d, strlen(d)))) {
                PQclear(r);
                set_error(err, NULL, "out of memory");
                return MP_STORE_ERROR;
            }
            f->catch_all = PQgetvalue(r, i, 4)[0] == 't' ? MP_YES : MP_NO;
            f->catch_all_at = int_at(r, i, 5);
            continue;
        }
        mp_store_item *it = mp_store_grow((void **)&out->items, &out->count, &out->cap, sizeof *it);
        if (!it || !(it->email = bytea_at(r, i, 1, &out->arena, &it->len)) ||
            !(it->domain = mp_store_arena_copy(&out->arena, d, strlen(d)))) {
            PQclear(r);
            set_error(err, NULL, "out of memory");
            return MP_STORE_ERROR;
        }
        it->seq = int_at(r, i, 0);
        it->tries = (int)int_at(r, i, 3);
    }
    PQclear(r);
    if (out->count == 0) {
        /* Nothing pending — or the job does not run. */
        mp_job_row row;
        mp_store_status st = pg_job_get(db, a->job_id, &row, err);
        if (st == MP_STORE_ERROR)
            return st;
        return st == MP_STORE_OK && row.state == MP_JOB_RUNNING ? MP_STORE_OK : MP_STORE_NOT_FOUND;
    }
    qsort(out->items, out->count, sizeof *out->items, item_by_seq);
    return MP_STORE_OK;
}

static mp_store_status pg_release(mp_store_db *db, const char *worker, const char *job_id, char *err)
{
    const char *p[] = {worker, job_id};
    bool ok = job_id ? run(db, "UPDATE job_items SET lease_owner = NULL WHERE lease_owner = $1 AND job_id = $2", 2, p,
                           NULL, err)
                     : run(db,
                           "WITH gone AS (DELETE FROM workers WHERE id = $1)"
                           " UPDATE job_items SET lease_owner = NULL WHERE lease_owner = $1",
                           1, p, NULL, err);
    return ok ? MP_STORE_OK : MP_STORE_ERROR;
}

/* ---- results ------------------------------------------------------------------------- */

static int batch_item_order(const void *a, const void *b)
{
    const mp_store_batch_item *x = a, *y = b;
    int c = strcmp(x->job_id, y->job_id);
    return c ? c : (x->seq > y->seq) - (x->seq < y->seq);
}

/* The batch as two JSON documents: the addresses (in job, seq order, so
 * concurrent writers lock rows in one order) and the domain facts. */
static bool batch_json(const mp_store_batch *b, char **items, char **facts)
{
    mp_store_batch_item *sorted = malloc((b->count ? b->count : 1) * sizeof *sorted);
    cJSON *ia = cJSON_CreateArray(), *fa = cJSON_CreateArray();
    bool ok = sorted && ia && fa;
    if (sorted && b->count) {
        memcpy(sorted, b->items, b->count * sizeof *sorted);
        qsort(sorted, b->count, sizeof *sorted, batch_item_order);
    }
    for (size_t i = 0; ok && i < b->count; i++) {
        const mp_store_batch_item *it = &sorted[i];
        cJSON *o = cJSON_CreateObject();
        ok = o && cJSON_AddItemToArray(ia, o) && cJSON_AddStringToObject(o, "j", it->job_id) &&
             cJSON_AddNumberToObject(o, "s", (double)it->seq) && cJSON_AddNumberToObject(o, "st", it->status) &&
             cJSON_AddNumberToObject(o, "ra", (double)it->retry_at) &&
             (it->json ? cJSON_AddStringToObject(o, "r", it->json) : cJSON_AddNullToObject(o, "r")) != NULL;
    }
    for (size_t i = 0; ok && i < b->domain_count; i++) {
        const mp_store_batch_facts *d = &b->domains[i];
        cJSON *o = cJSON_CreateObject();
        ok = o && cJSON_AddItemToArray(fa, o) && cJSON_AddStringToObject(o, "d", d->domain) &&
             (d->mx_json ? cJSON_AddStringToObject(o, "mx", d->mx_json) : cJSON_AddNullToObject(o, "mx")) &&
             (d->catch_all == MP_UNKNOWN ? cJSON_AddNullToObject(o, "ca")
                                         : cJSON_AddBoolToObject(o, "ca", d->catch_all == MP_YES)) &&
             (d->provider[0] ? cJSON_AddStringToObject(o, "p", d->provider) : cJSON_AddNullToObject(o, "p"));
    }
    *items = ok ? cJSON_PrintUnformatted(ia) : NULL;
    *facts = ok ? cJSON_PrintUnformatted(fa) : NULL;
    cJSON_Delete(ia);
    cJSON_Delete(fa);
    free(sorted);
    return *items && *facts;
}

/* One statement: results stored where the address has none and its job
 * runs, counted into the job rows; retries released with their time;
 * domain facts merged; every touched job's row back (with a NOTIFY for
 * those that changed). Domain names are unique within a batch. */
static const char *const write_sql =
    "WITH v AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS v(j text, s bigint, st smallint, r text, ra bigint)),"
    " fin AS (UPDATE job_items i SET done = true, status = v.st, result = v.r, lease_owner = NULL FROM v"
    "   WHERE v.ra = 0 AND i.job_id = v.j AND i.seq = v.s AND NOT i.done"
    "     AND EXISTS (SELECT 1 FROM jobs WHERE id = v.j AND state = 1)"
    "   RETURNING i.job_id, i.status, i.tries),"
    " retry AS (UPDATE job_items i SET lease_owner = NULL, retry_at = v.ra, tries = i.tries + 1 FROM v"
    "   WHERE v.ra > 0 AND i.job_id = v.j AND i.seq = v.s AND NOT i.done RETURNING i.job_id, i.tries),"
    " c AS (SELECT job_id, count(*) FILTER (WHERE f) AS n, count(*) FILTER (WHERE f AND status = 0) AS n0,"
    "   count(*) FILTER (WHERE f AND status = 1) AS n1, count(*) FILTER (WHERE f AND status = 2) AS n2,"
    "   count(*) FILTER (WHERE f AND status = 3) AS n3,"
    "   count(*) FILTER (WHERE NOT f AND tries = 1) - count(*) FILTER (WHERE f AND tries > 0) AS nr"
    "   FROM (SELECT job_id, status, tries, true AS f FROM fin"
    "         UNION ALL SELECT job_id, NULL, tries, false FROM retry) x GROUP BY job_id),"
    " up AS (UPDATE jobs jb SET done = jb.done + c.n, n_deliverable = jb.n_deliverable + c.n0,"
    "   n_undeliverable = jb.n_undeliverable + c.n1, n_risky = jb.n_risky + c.n2, n_unknown = jb.n_unknown + c.n3,"
    "   retrying = jb.retrying + c.nr FROM c WHERE jb.id = c.job_id RETURNING jb.*),"
    " dom AS (INSERT INTO domains (domain, mx, catch_all, catch_all_at, provider, updated)"
    "   SELECT d, mx, ca, CASE WHEN ca IS NULL THEN NULL ELSE $2::bigint END, p, $2::bigint"
    "   FROM jsonb_to_recordset($3::jsonb) AS x(d text, mx text, ca boolean, p text)"
    "   ON CONFLICT (domain) DO UPDATE SET mx = coalesce(excluded.mx, domains.mx),"
    "     catch_all = coalesce(excluded.catch_all, domains.catch_all),"
    "     catch_all_at = coalesce(excluded.catch_all_at, domains.catch_all_at),"
    "     provider = coalesce(excluded.provider, domains.provider), updated = excluded.updated RETURNING 1)"
    " SELECT " JOB_COLUMNS ", (SELECT count(*) FROM fin), (SELECT count(*) FROM dom) + (SELECT count(*) FROM retry),"
    "   pg_notify('mp_jobs', id) IS NULL FROM up"
    " UNION ALL SELECT " JOB_COLUMNS ", (SELECT count(*) FROM fin), 0, false FROM jobs"
    "   WHERE id IN (SELECT DISTINCT j FROM v) AND id NOT IN (SELECT id FROM up)";

static mp_store_status pg_write(mp_store_db *db, const mp_store_batch *b, int64_t now, mp_store_write_out *out,
                                char *err)
{
    char *items = NULL, *facts = NULL, t[24];
    i64(t, now);
    if (!batch_json(b, &items, &facts)) {
        free(items);
        free(facts);
        set_error(err, NULL, "out of memory");
        return MP_STORE_ERROR;
    }
    const char *p[] = {items, t, facts};
    PGresult *r = NULL;
    bool ok = run(db, write_sql, 3, p, &r, err);
    if (!ok && transient(err)) /* rolled back whole: once more */
        ok = run(db, write_sql, 3, p, &r, err);
    free(items);
    free(facts);
    if (!ok)
        return MP_STORE_ERROR;
    size_t finals = 0;
    for (size_t i = 0; i < b->count; i++)
        finals += b->items[i].retry_at == 0;
    for (int i = 0; i < PQntuples(r); i++) {
        mp_job_row *row = mp_store_grow((void **)&out->jobs, &out->job_count, &out->job_cap, sizeof *row);
        if (!row) {
            PQclear(r);
            set_error(err, NULL, "out of memory");
            return MP_STORE_ERROR;
        }
        row_from(r, i, row);
        out->stored = (size_t)int_at(r, i, JOB_COLUMN_COUNT);
    }
    PQclear(r);
    out->unchanged = finals - out->stored;
    return MP_STORE_OK;
}

static mp_store_status pg_page(mp_store_db *db, const char *id, int64_t after_seq, size_t limit, bool pending,
                               mp_store_page_out *out, char *err)
{
    char after[24], lim[24];
    i64(after, after_seq);
    i64(lim, (int64_t)limit);
    const char *p[] = {id, after, lim};
    PGresult *r;
    if (!run(db,
             pending ? "SELECT seq, email, NULL, row FROM job_items WHERE job_id = $1 AND seq > $2 AND NOT done "
                       "ORDER BY seq LIMIT $3"
                     : "SELECT seq, email, result, row FROM job_items WHERE job_id = $1 AND seq > $2 AND done "
                       "ORDER BY seq LIMIT $3",
             3, p, &r, err))
        return MP_STORE_ERROR;
    for (int i = 0; i < PQntuples(r); i++) {
        mp_store_result_row *row = mp_store_grow((void **)&out->rows, &out->count, &out->cap, sizeof *row);
        bool null = PQgetisnull(r, i, 2);
        const char *json = null ? "null" : PQgetvalue(r, i, 2);
        if (!row || !(row->email = bytea_at(r, i, 1, &out->arena, &row->len)) ||
            !(row->json = mp_store_arena_copy(&out->arena, json, strlen(json)))) {
            PQclear(r);
            set_error(err, NULL, "out of memory");
            return MP_STORE_ERROR;
        }
        row->seq = int_at(r, i, 0);
        if (!PQgetisnull(r, i, 3) && !(row->row = bytea_at(r, i, 3, &out->arena, &row->row_len))) {
            PQclear(r);
            set_error(err, NULL, "out of memory");
            return MP_STORE_ERROR;
        }
    }
    PQclear(r);
    return MP_STORE_OK;
}

/* ---- the verify cache, domain facts ----------------------------------------------------- */

static mp_store_status pg_cache_get(mp_store_db *db, const char *address, int64_t now, char **json, char *err)
{
    char t[24];
    i64(t, now);
    const char *p[] = {address, t};
    PGresult *r;
    *json = NULL;
    if (!run(db, "SELECT result FROM verify_cache WHERE address = $1 AND expires > $2", 2, p, &r, err))
        return MP_STORE_ERROR;
    if (PQntuples(r))
        *json = strdup(PQgetvalue(r, 0, 0));
    PQclear(r);
    return *json ? MP_STORE_OK : MP_STORE_NOT_FOUND;
}

/* Removes the entries closest to expiry while more than `max` are stored. */
static bool cache_trim(mp_store_db *db, size_t max, int64_t *removed, char *err)
{
    char m[24];
    i64(m, (int64_t)max);
    const char *p[] = {m};
    PGresult *r;
    if (!run(db, "DELETE FROM verify_cache WHERE address IN (SELECT address FROM verify_cache ORDER BY expires"
                 " LIMIT greatest(0, (SELECT n FROM verify_cache_size) - $1))",
             1, p, &r, err))
        return false;
    *removed = strtoll(PQcmdTuples(r), NULL, 10);
    PQclear(r);
    return true;
}

static mp_store_status pg_cache_put(mp_store_db *db, const char *address, const char *json, int64_t expires,
                                    size_t max_entries, char *err)
{
    char t[24];
    int64_t removed;
    i64(t, expires);
    const char *p[] = {address, json, t};
    bool ok = run(db,
                  "INSERT INTO verify_cache (address, result, expires) VALUES ($1, $2, $3) ON CONFLICT (address)"
                  " DO UPDATE SET result = excluded.result, expires = excluded.expires",
                  3, p, NULL, err) &&
              cache_trim(db, max_entries, &removed, err);
    return ok ? MP_STORE_OK : MP_STORE_ERROR;
}

static mp_store_status pg_domain_get(mp_store_db *db, const char *domain, mp_store_domain_row *out, char *err)
{
    const char *p[] = {domain};
    PGresult *r;
    memset(out, 0, sizeof *out);
    out->catch_all = MP_UNKNOWN;
    if (!run(db, "SELECT catch_all, catch_all_at, provider, mx FROM domains WHERE domain = $1", 1, p, &r, err))
        return MP_STORE_ERROR;
    mp_store_status st = PQntuples(r) ? MP_STORE_OK : MP_STORE_NOT_FOUND;
    if (st == MP_STORE_OK) {
        if (!PQgetisnull(r, 0, 0))
            out->catch_all = PQgetvalue(r, 0, 0)[0] == 't' ? MP_YES : MP_NO;
        out->catch_all_at = int_at(r, 0, 1);
        snprintf(out->provider, sizeof out->provider, "%s", PQgetvalue(r, 0, 2));
        out->mx_json = PQgetisnull(r, 0, 3) ? NULL : strdup(PQgetvalue(r, 0, 3));
    }
    PQclear(r);
    return st;
}

static mp_store_status pg_domain_put(mp_store_db *db, const char *domain, mp_tristate catch_all, int64_t now,
                                     char *err)
{
    char t[24];
    i64(t, now);
    const char *p[] = {domain, catch_all == MP_UNKNOWN ? NULL : catch_all == MP_YES ? "true" : "false", t};
    return run(db,
               "INSERT INTO domains (domain, catch_all, catch_all_at, updated)"
               " VALUES ($1, $2::boolean, CASE WHEN $2 IS NULL THEN NULL ELSE $3::bigint END, $3::bigint)"
               " ON CONFLICT (domain) DO UPDATE SET catch_all = coalesce(excluded.catch_all, domains.catch_all),"
               " catch_all_at = coalesce(excluded.catch_all_at, domains.catch_all_at), updated = excluded.updated",
               3, p, NULL, err)
               ? MP_STORE_OK
               : MP_STORE_ERROR;
}

/* ---- upkeep --------------------------------------------------------------------------- */

/* ---- politeness allowances ------------------------------------------------------- */

/* A text[] literal: each element in double quotes, " and \ escaped. */
static char *text_array(const mp_store_allowance_ask *asks, size_t n, bool egress)
{
    size_t cap = 3;
    for (size_t i = 0; i < n; i++)
        cap += 2 * strlen(egress ? asks[i].egress : asks[i].host) + 3;
    char *out = malloc(cap), *p = out;
    if (!out)
        return NULL;
    *p++ = '{';
    for (size_t i = 0; i < n; i++) {
        if (i)
            *p++ = ',';
        *p++ = '"';
        for (const char *c = egress ? asks[i].egress : asks[i].host; *c; c++) {
            if (*c == '"' || *c == '\\')
                *p++ = '\\';
            *p++ = *c;
        }
        *p++ = '"';
    }
    *p++ = '}';
    *p = '\0';
    return out;
}

/* One statement: mp_allowances_take (migration 2) locks each address and
 * applies the rule there, so a request costs one round trip. */
static mp_store_status pg_allowances(mp_store_db *db, const mp_store_allowance_args *a, mp_store_allowance_out *out,
                                     char *err)
{
    char now[24], ttl[24], hl[24], el[24];
    i64(now, a->now);
    i64(ttl, a->ttl);
    i64(hl, a->host_limit);
    i64(el, a->egress_limit);
    char *hosts = text_array(a->asks, a->n, false), *egress = text_array(a->asks, a->n, true);
    char *wanted = malloc(2 * a->n + 3), *in_use = malloc(12 * a->n + 3);
    mp_store_status st = MP_STORE_ERROR;
    if (!hosts || !egress || !wanted || !in_use) {
        set_error(err, NULL, "out of memory");
        goto done;
    }
    char *w = wanted, *u = in_use;
    *w++ = '{';
    *u++ = '{';
    for (size_t i = 0; i < a->n; i++) {
        w += sprintf(w, "%s%c", i ? "," : "", a->asks[i].wanted ? 't' : 'f');
        u += sprintf(u, "%s%d", i ? "," : "", a->asks[i].in_use > 0 ? a->asks[i].in_use : 0);
    }
    strcpy(w, "}");
    strcpy(u, "}");
    const char *p[] = {a->worker, now, ttl, hl, el, hosts, egress, wanted, in_use};
    static const char sql[] = "SELECT r_host, r_sessions, r_wanting, r_starving FROM mp_allowances_take("
                              "$1, $2, $3, $4, $5, $6::text[], $7::text[], $8::boolean[], $9::integer[])";
    PGresult *r = NULL;
    bool ok = run(db, sql, 9, p, &r, err);
    if (!ok && transient(err))
        ok = run(db, sql, 9, p, &r, err);
    if (!ok)
        goto done;
    st = MP_STORE_OK;
    for (int i = 0; i < PQntuples(r); i++) {
        mp_store_allowance *g = mp_store_grow((void **)&out->grants, &out->count, &out->cap, sizeof *g);
        const char *h = PQgetvalue(r, i, 0);
        if (!g || !(g->host = mp_store_arena_copy(&out->arena, h, strlen(h)))) {
            set_error(err, NULL, "out of memory");
            st = MP_STORE_ERROR;
            break;
        }
        g->sessions = (int)int_at(r, i, 1);
        g->wanting = (int)int_at(r, i, 2);
        g->starving = (int)int_at(r, i, 3);
    }
    PQclear(r);
done:
    free(hosts);
    free(egress);
    free(wanted);
    free(in_use);
    return st;
}

static mp_store_status pg_upkeep(mp_store_db *db, const mp_store_upkeep_policy *pol, mp_store_upkeep_report *out,
                                 char *err)
{
    char now[24], before[24];
    i64(now, pol->now);
    i64(before, pol->finished_before);
    memset(out, 0, sizeof *out);
    const char *p1[] = {now}, *p2[] = {before};
    PGresult *r;
    int64_t trimmed = 0;
    if (!run(db, "DELETE FROM verify_cache WHERE expires <= $1", 1, p1, &r, err))
        return MP_STORE_ERROR;
    out->cache_removed = (size_t)strtoull(PQcmdTuples(r), NULL, 10);
    PQclear(r);
    if (!cache_trim(db, pol->cache_max_entries, &trimmed, err))
        return MP_STORE_ERROR;
    out->cache_removed += (size_t)trimmed;
    if (pol->finished_before > 0) {
        if (!run(db,
                 "WITH d AS (DELETE FROM jobs WHERE id IN (SELECT id FROM jobs WHERE state IN (2, 3, 4)"
                 " AND updated < $1 LIMIT 64) RETURNING id)"
                 " INSERT INTO job_purge SELECT id FROM d ON CONFLICT DO NOTHING RETURNING job_id",
                 1, p2, &r, err))
            return MP_STORE_ERROR;
        out->jobs_deleted = (size_t)PQntuples(r);
        PQclear(r);
    }
    size_t budget = pol->row_budget;
    while (budget > 0) {
        if (!run(db, "SELECT job_id FROM job_purge LIMIT 1", 0, NULL, &r, err))
            return MP_STORE_ERROR;
        char id[MP_JOB_ID_LEN + 1] = "";
        if (PQntuples(r))
            snprintf(id, sizeof id, "%s", PQgetvalue(r, 0, 0));
        PQclear(r);
        if (!id[0])
            break;
        size_t n = 0;
        if (!purge_items(db, id, budget, &n, err))
            return MP_STORE_ERROR;
        out->rows_deleted += n;
        budget -= n;
    }
    if (budget == 0) {
        if (!run(db, "SELECT 1 FROM job_purge LIMIT 1", 0, NULL, &r, err))
            return MP_STORE_ERROR;
        out->more = PQntuples(r) > 0;
        PQclear(r);
    }
    return MP_STORE_OK; /* freed space: autovacuum's job */
}

static const mp_store_ops pg_ops = {
    .name = "postgresql",
    .shared = true,
    .close = pg_close,
    .notice_fd = pg_notice_fd,
    .notices = pg_notices,
    .round_trips = pg_round_trips,
    .job_create = pg_job_create,
    .job_source = pg_job_source,
    .job_get = pg_job_get,
    .job_end = pg_job_end,
    .job_finish = pg_job_finish,
    .job_fail = pg_job_fail,
    .beat = pg_beat,
    .lease = pg_lease,
    .release = pg_release,
    .write = pg_write,
    .page = pg_page,
    .cache_get = pg_cache_get,
    .cache_put = pg_cache_put,
    .domain_get = pg_domain_get,
    .domain_put = pg_domain_put,
    .allowances = pg_allowances,
    .upkeep = pg_upkeep,
};
