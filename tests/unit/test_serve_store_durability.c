/* Durability of the SQLite store across a power cut (issue 12, point 11):
 * what a commit returned is on disk, so results already streamed or
 * announced by the webhook never roll back.
 *
 * A power cut keeps only what was fsync'ed. An SQLite VFS shim
 * ("powercut", the default VFS while this test runs) records a file's
 * content each time SQLite syncs it; a child process opens the store,
 * commits, and dies without closing anything (the cut). The parent then
 * puts every file back to its last synced content — a file never synced is
 * lost, the shared-memory index always — reopens the store and checks
 * what survived.
 * ctest-labels: unit native
 * ctest-links: mpserve */
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <event2/event.h>

#include "store.h"
#include "test.h"

/* ---- the shim: every xSync copies the file to "<path>.synced" ------------------ */

typedef struct shim_file {
    sqlite3_file base;      /* our methods */
    sqlite3_file *real;     /* the unix VFS's file, allocated after us */
    char path[512];         /* "" = a temporary file: not tracked */
} shim_file;

static sqlite3_vfs *real_vfs;

static bool copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb"), *out = in ? fopen(to, "wb") : NULL;
    char buf[65536];
    size_t n;
    bool ok = in && out;
    while (ok && (n = fread(buf, 1, sizeof buf, in)) > 0)
        ok = fwrite(buf, 1, n, out) == n;
    if (in)
        fclose(in);
    if (out)
        ok = fclose(out) == 0 && ok;
    return ok;
}

static int shim_close(sqlite3_file *f)
{
    shim_file *s = (shim_file *)f;
    return s->real->pMethods ? s->real->pMethods->xClose(s->real) : SQLITE_OK;
}
static int shim_read(sqlite3_file *f, void *p, int n, sqlite3_int64 off)
{
    shim_file *s = (shim_file *)f;
    return s->real->pMethods->xRead(s->real, p, n, off);
}
static int shim_write(sqlite3_file *f, const void *p, int n, sqlite3_int64 off)
{
    shim_file *s = (shim_file *)f;
    return s->real->pMethods->xWrite(s->real, p, n, off);
}
static int shim_truncate(sqlite3_file *f, sqlite3_int64 size)
{
    shim_file *s = (shim_file *)f;
    return s->real->pMethods->xTruncate(s->real, size);
}
static int shim_sync(sqlite3_file *f, int flags)
{
    shim_file *s = (shim_file *)f;
    int rc = s->real->pMethods->xSync(s->real, flags);
    if (rc == SQLITE_OK && s->path[0]) {
        char synced[600];
        snprintf(synced, sizeof synced, "%s.synced", s->path);
        if (!copy_file(s->path, synced))
            rc = SQLITE_IOERR_FSYNC;
    }
    return rc;
}
static int shim_file_size(sqlite3_file *f, sqlite3_int64 *size)
{
    shim_file *s = (shim_file *)f;
    return s->real->pMethods->xFileSize(s->real, size);
}
static int shim_lock(sqlite3_file *f, int l) { return ((shim_file *)f)->real->pMethods->xLock(((shim_file *)f)->real, l); }
static int shim_unlock(sqlite3_file *f, int l)
{
    return ((shim_file *)f)->real->pMethods->xUnlock(((shim_file *)f)->real, l);
}
static int shim_check_lock(sqlite3_file *f, int *out)
{
    return ((shim_file *)f)->real->pMethods->xCheckReservedLock(((shim_file *)f)->real, out);
}
static int shim_control(sqlite3_file *f, int op, void *arg)
{
    return ((shim_file *)f)->real->pMethods->xFileControl(((shim_file *)f)->real, op, arg);
}
static int shim_sector(sqlite3_file *f) { return ((shim_file *)f)->real->pMethods->xSectorSize(((shim_file *)f)->real); }
static int shim_device(sqlite3_file *f)
{
    /* No "safe append"/"sequential" promises: SQLite syncs as on a plain disk. */
    return ((shim_file *)f)->real->pMethods->xDeviceCharacteristics(((shim_file *)f)->real) &
           ~(SQLITE_IOCAP_SAFE_APPEND | SQLITE_IOCAP_SEQUENTIAL | SQLITE_IOCAP_POWERSAFE_OVERWRITE);
}
static int shim_shm_map(sqlite3_file *f, int pg, int sz, int ext, void volatile **pp)
{
    return ((shim_file *)f)->real->pMethods->xShmMap(((shim_file *)f)->real, pg, sz, ext, pp);
}
static int shim_shm_lock(sqlite3_file *f, int off, int n, int flags)
{
    return ((shim_file *)f)->real->pMethods->xShmLock(((shim_file *)f)->real, off, n, flags);
}
static void shim_shm_barrier(sqlite3_file *f) { ((shim_file *)f)->real->pMethods->xShmBarrier(((shim_file *)f)->real); }
static int shim_shm_unmap(sqlite3_file *f, int del)
{
    return ((shim_file *)f)->real->pMethods->xShmUnmap(((shim_file *)f)->real, del);
}

static const sqlite3_io_methods shim_methods = {
    2, shim_close, shim_read, shim_write, shim_truncate, shim_sync, shim_file_size, shim_lock, shim_unlock,
    shim_check_lock, shim_control, shim_sector, shim_device, shim_shm_map, shim_shm_lock, shim_shm_barrier,
    shim_shm_unmap, NULL, NULL,
};

static int shim_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags, int *out_flags)
{
    (void)vfs;
    shim_file *s = (shim_file *)f;
    memset(s, 0, sizeof *s);
    s->real = (sqlite3_file *)(s + 1);
    snprintf(s->path, sizeof s->path, "%s", name ? name : "");
    int rc = real_vfs->xOpen(real_vfs, name, s->real, flags, out_flags);
    s->base.pMethods = rc == SQLITE_OK ? &shim_methods : NULL;
    return rc;
}

static sqlite3_vfs shim_vfs;

static void shim_register(void)
{
    real_vfs = sqlite3_vfs_find("unix");
    shim_vfs = *real_vfs;
    shim_vfs.zName = "powercut";
    shim_vfs.szOsFile = (int)sizeof(shim_file) + real_vfs->szOsFile;
    shim_vfs.xOpen = shim_open;
    sqlite3_vfs_register(&shim_vfs, 1);
}

/* The cut: each file gets its last synced content; never synced = gone. */
static void power_cut(const char *db)
{
    const char *suffixes[] = {"", "-wal"};
    for (size_t i = 0; i < 2; i++) {
        char path[600], synced[620];
        snprintf(path, sizeof path, "%s%s", db, suffixes[i]);
        snprintf(synced, sizeof synced, "%s.synced", path);
        if (rename(synced, path) != 0)
            unlink(path);
    }
    char shm[600];
    snprintf(shm, sizeof shm, "%s-shm", db);
    unlink(shm);
}

/* ---- the test ------------------------------------------------------------------ */

static const char *const JOB = "00000000000000b1";

static int child_status = 3;
static void on_stored(mp_store_status st, mp_store_batch *b, const mp_store_write_result *r, const char *err,
                      void *arg)
{
    (void)err, (void)arg;
    mp_store_batch_free(b);
    child_status = st == MP_STORE_OK && r->stored == 1 ? 0 : 4;
}

static mp_job_row seen_row;
static mp_store_status seen_status = MP_STORE_ERROR;
static void on_job(mp_store_status st, const mp_job_row *row, const char *err, void *arg)
{
    (void)err, (void)arg;
    seen_status = st;
    if (row)
        seen_row = *row;
}

/* In a child: create a job, store one result, and die right after the
 * write's callback ran — the moment the result could have been streamed
 * or announced. */
static void commit_then_cut(const char *db)
{
    pid_t pid = fork();
    if (pid == 0) {
        char err[256];
        struct event_base *base = event_base_new();
        mp_store *s = base ? mp_store_open(base, db, err, sizeof err) : NULL;
        mp_job_input in[2] = {{.p = "a@x.org", .len = 7}, {.p = "b@x.org", .len = 7}};
        if (!s)
            _exit(3);
        mp_store_job_create(s, JOB, in, 2, NULL, 1, 10, NULL, NULL);
        mp_store_beat(s, "00000000000000aa", &(mp_store_worker_report){.name = "test"}, 2, 30, 1, NULL,
                      NULL); /* it runs */
        mp_store_batch *b = mp_store_batch_new();
        mp_store_batch_result(b, JOB, 0, MP_STATUS_DELIVERABLE, strdup("{\"streamed\":true}"));
        mp_store_write(s, b, 3, on_stored, NULL);
        mp_store_drain(s);
        _exit(child_status); /* no close, no checkpoint: the power goes */
    }
    int status = 0;
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    power_cut(db);
}

TEST(a_committed_result_survives_a_power_cut)
{
    char dir[] = "/tmp/mp-powercut-XXXXXX", db[128];
    CHECK(mkdtemp(dir) != NULL);
    snprintf(db, sizeof db, "%s/d.db", dir);
    commit_then_cut(db);
    char err[256];
    struct event_base *base = event_base_new();
    mp_store *s = mp_store_open(base, db, err, sizeof err);
    CHECK(s != NULL);
    if (s) {
        CHECK_EQ_INT(mp_store_job_get(s, JOB, on_job, NULL), MP_STORE_OK);
        mp_store_drain(s);
        CHECK_EQ_INT(seen_status, MP_STORE_OK);
        CHECK_EQ_INT(seen_row.done, 1);
        CHECK_EQ_INT(seen_row.counts[MP_STATUS_DELIVERABLE], 1);
        mp_store_close(s);
    }
    event_base_free(base);
    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK_EQ_INT(system(cmd), 0);
}

/* The shim itself: an unsynced write is lost by the cut (so the test
 * above can fail). */
TEST(the_power_cut_loses_what_was_not_synced)
{
    char dir[] = "/tmp/mp-powercut-XXXXXX", db[128];
    CHECK(mkdtemp(dir) != NULL);
    snprintf(db, sizeof db, "%s/raw.db", dir);
    pid_t pid = fork();
    if (pid == 0) {
        sqlite3 *h = NULL;
        int ok = sqlite3_open(db, &h) == SQLITE_OK &&
                 sqlite3_exec(h, "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF; CREATE TABLE t(x);", NULL, NULL,
                              NULL) == SQLITE_OK;
        _exit(ok ? 0 : 3);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    power_cut(db);
    sqlite3 *h = NULL;
    int tables = -1;
    sqlite3_stmt *st = NULL;
    if (sqlite3_open(db, &h) == SQLITE_OK &&
        sqlite3_prepare_v2(h, "SELECT count(*) FROM sqlite_master", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        tables = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(h);
    CHECK_EQ_INT(tables, 0);
    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK_EQ_INT(system(cmd), 0);
}

int main(void)
{
    shim_register();
    RUN(the_power_cut_loses_what_was_not_synced);
    RUN(a_committed_result_survives_a_power_cut);
    return test_report();
}
