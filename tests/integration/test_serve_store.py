# ctest-labels: integration fixture
# ctest-stores: sqlite postgresql
"""`mailprobe serve` and its store (issue 12, points 7, 8, 10, 12): what is
kept, for how long, and what happens when the disk is full — the verify
cache keyed by the normalized address and capped, DELETE and
--job-retention deleting finished jobs with their addresses and results and
giving the space back, per-status counts kept in the job row, a failing
store failing the job instead of probing it again and again, and every
queued job resuming however many there are."""
import json
import os
import tempfile
import time

import mptest
from mpserve import STORE, Server, metric
from mptest import check, check_eq, check_in, test

SQLITE = STORE == "sqlite"

KNOWN = ["alice@known.mptest", "bob@known.mptest", "carol@known.mptest", "zed@known.mptest", "info@known.mptest"]


def invalid(n, prefix="not-an-address"):
    """n addresses the prober answers at once (invalid syntax: no network)."""
    return ["%s-%d" % (prefix, i) for i in range(n)]


def run_job(s, emails, timeout=120, **kw):
    job = s.json("POST", "/v1/jobs", {"emails": emails}, expect=202, **kw)
    return s.wait_job(job["id"], timeout=timeout)


@test
def job_counts_are_kept_in_the_job_row():
    with Server("--no-catch-all") as s:
        final = run_job(s, KNOWN + invalid(3))
        check_eq(final["state"], "done", "state")
        row = s.db_query("SELECT done, n_deliverable, n_undeliverable, n_risky, n_unknown FROM jobs WHERE id = ?",
                         final["id"])[0]
        c = final["counts"]
        check_eq(row, (8, c["deliverable"], c["undeliverable"], c["risky"], c["unknown"]), "job row = API counts")
        check_eq((c["deliverable"], c["undeliverable"]), (4, 4), "counts")
        # the counters agree with the stored results, and nothing indexes
        # results by status any more (reading counts never scans them)
        by_status = dict(s.db_query("SELECT status, count(*) FROM job_items WHERE job_id = ? GROUP BY status",
                                    final["id"]))
        check_eq((by_status.get(0, 0), by_status.get(1, 0)), (row[1], row[2]), "rows agree")
        if SQLITE:
            check_eq(s.db_query("SELECT name FROM sqlite_master WHERE name = 'job_items_status'"), [], "no status index")


@test
def verify_cache_is_keyed_by_the_normalized_address():
    with Server() as s:
        first = s.verify("alice@known.mptest")
        check_eq(first["status"], "deliverable", "probed")
        status, hdrs, data = s.request("POST", "/v1/verify", {"email": "alice@KNOWN.mptest"})
        check_eq(status, 200, "status")
        check_eq(hdrs.get("x-mailprobe-cache"), "hit", "another spelling of the address is a hit")
        hit = json.loads(data)
        check_eq(hit["email"], "alice@KNOWN.mptest", "the asking input is echoed")
        check_eq(hit["syntax"]["domain"], "KNOWN.mptest", "its own syntax")
        check_eq(hit["status"], "deliverable", "the cached verdict")
        check_eq(s.db_query("SELECT address FROM verify_cache"), [("alice@known.mptest",)], "one entry, normalized")


@test
def input_that_is_not_an_address_is_never_cached():
    with Server() as s:
        junk = "x" * 900000 + "@known.mptest"
        r = s.verify(junk)
        check_eq(r["reason"], "invalid_syntax", "answered")
        s.verify("no at sign")
        check_eq(s.db_query("SELECT count(*) FROM verify_cache"), [(0,)], "nothing cached")
        if SQLITE:
            check(os.path.getsize(s.db) + os.path.getsize(s.db + "-wal") < 400000, "the junk is nowhere in the file")


@test
def verify_cache_keeps_at_most_cache_max_entries():
    with Server("--cache-max-entries", "3", "--no-catch-all") as s:
        for email in KNOWN:
            s.verify(email)
        check_eq(s.db_query("SELECT count(*) FROM verify_cache"), [(3,)], "capped at 3")
        status, hdrs, _ = s.request("POST", "/v1/verify", {"email": KNOWN[-1]})
        check_eq(hdrs.get("x-mailprobe-cache"), "hit", "the newest stay")


@test
def delete_of_a_finished_job_deletes_it_with_its_addresses_and_results():
    with Server("--no-catch-all") as s:
        final = run_job(s, KNOWN)
        job_id = final["id"]
        check_eq(s.db_query("SELECT count(*) FROM job_items WHERE job_id = ?", job_id), [(5,)], "stored")
        status, _, body = s.request("DELETE", "/v1/jobs/" + job_id)
        check_eq((status, body), (204, b""), "deleted")
        for path in ("/v1/jobs/%s", "/v1/jobs/%s/results", "/v1/jobs/%s/events"):
            check_eq(s.request("GET", path % job_id)[0], 404, path)
        check_eq(s.db_query("SELECT count(*) FROM job_items WHERE job_id = ?", job_id), [(0,)], "addresses gone")
        check_eq(s.db_query("SELECT count(*) FROM jobs WHERE id = ?", job_id), [(0,)], "job gone")
        check_eq(s.request("DELETE", "/v1/jobs/" + job_id)[0], 404, "a second DELETE")


@test
def finished_jobs_go_after_job_retention_and_the_file_shrinks():
    with Server("--job-retention", "3", "--no-access-log") as s:
        # a small job first (it ages and goes while the big one runs), then a big one
        check_eq(run_job(s, ["zed@known.mptest"])["state"], "done", "small job")
        final = run_job(s, invalid(30000, "x" * 80))
        check_eq(final["state"], "done", "state")
        big = 0
        if SQLITE:  # force the WAL into the file so its size says what is stored
            s.db_query("PRAGMA wal_checkpoint(TRUNCATE)")
            big = os.path.getsize(s.db)
            check(big > 3000000, "30,000 addresses and results stored (%d octets)" % big)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and s.request("GET", "/v1/jobs/" + final["id"])[0] != 404:
            time.sleep(0.5)
        check_eq(s.request("GET", "/v1/jobs/" + final["id"])[0], 404, "deleted after the retention")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and s.db_query("SELECT count(*) FROM job_items")[0][0]:
            time.sleep(0.5)
        check_eq(s.db_query("SELECT count(*) FROM job_items WHERE job_id = ?", final["id"]), [(0,)], "addresses gone")
        check_eq(s.db_query("SELECT count(*) FROM job_items"), [(0,)], "the other job's too, once it aged")
        check_in('"msg":"store upkeep"', s.stderr(), "upkeep logged")
        if SQLITE:
            time.sleep(1)
            s.db_query("PRAGMA wal_checkpoint(TRUNCATE)")
            small = os.path.getsize(s.db)
            check(small < big / 10, "space given back: %d -> %d octets" % (big, small))
            check_eq(s.db_query("PRAGMA freelist_count"), [(0,)], "no free pages left in the file")


@test
def a_failing_store_fails_the_job_instead_of_probing_it_again():
    """The database on a 1 MiB file system: the job is stored, its results
    do not fit. The runner must not probe the addresses again and again: it
    stops feeding, retries the write, and then fails the job with the
    reason. (SQLite: PostgreSQL's disk is the server's.)"""
    if not SQLITE:
        raise mptest.Skip("SQLite only: PostgreSQL's disk is its server's")
    small = os.path.join(tempfile.mkdtemp(prefix="mp-small-"), "fs")
    os.makedirs(small)
    wrap = ["unshare", "-m", "sh", "-c", 'mount -t tmpfs -o size=1m tmpfs "$0" && exec "$@"', small]
    # The job must fit and leave a few pages for the failure record, and
    # its results must not: 3,000 addresses left too few, so that any
    # schema change (a migration's pages) tipped the record out too.
    total = 2500
    with Server("--store-retry-time", "3", "--no-access-log", wrap=wrap, db=os.path.join(small, "mp.db")) as s:
        job = s.json("POST", "/v1/jobs", {"emails": invalid(total)}, expect=202)
        final = s.wait_job(job["id"], timeout=60)
        check_eq(final["state"], "failed", "the job failed")
        check_in("full", final.get("error", ""), "with the store's reason")
        check(final["done"] < total, "not every result was stored")
        probes = sum(metric(s, 'mailprobe_probes_total{status="%s"}' % st)
                     for st in ("deliverable", "undeliverable", "risky", "unknown"))
        check(probes <= total, "no address probed twice (%d probes for %d addresses)" % (probes, total))
        time.sleep(2)
        again = sum(metric(s, 'mailprobe_probes_total{status="%s"}' % st)
                    for st in ("deliverable", "undeliverable", "risky", "unknown"))
        check_eq(again, probes, "and nothing probed after it failed")
        check_in('"msg":"storing results failed"', s.stderr(), "logged")


@test
def every_queued_job_resumes_however_many_there_are():
    """mp_jobs_resume once read at most 1,024 unfinished jobs; 100,000 may
    be queued."""
    jobs = 1500
    s = Server("--no-access-log", "--max-queued-jobs", "2000")
    try:
        s.stop(keep_dir=True)  # the schema exists now
        now = int(time.time())
        rows = []
        for i in range(jobs):
            job_id = "%016x" % (0xa000 + i)
            rows.append(("INSERT INTO jobs (id, state, total, done, created, updated) VALUES (?, ?, 1, 0, ?, ?)",
                         (job_id, i % 2, now, now)))
            rows.append(("INSERT INTO job_items (job_id, seq, email) VALUES (?, 0, ?)", (job_id, b"not-an-address")))
        s.db_script(rows)
        s.start()
        check_in('"resumed_jobs":%d' % jobs, s.stderr(), "every unfinished job counted")
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            left = s.db_query("SELECT count(*) FROM jobs WHERE state <> 2")[0][0]
            if not left:
                break
            time.sleep(0.5)
        check_eq(s.db_query("SELECT count(*) FROM jobs WHERE state = 2 AND done = 1"), [(jobs,)], "all done")
        check_eq(s.json("GET", "/healthz")["jobs"], {"queued": 0, "running": 0}, "nothing left")
    finally:
        s.stop()


if __name__ == "__main__":
    mptest.main()
