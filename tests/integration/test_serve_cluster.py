# ctest-labels: integration fixture
# ctest-stores: postgresql
"""Several `mailprobe serve` workers on one PostgreSQL database (issue 13):
one job queue that every worker takes addresses from, any worker answering
for any job, a worker killed with kill -9 whose addresses the others
finish, exactly one result per address and the verdicts of a single
worker, cancel / delete / limits holding across workers, and the store's
round trips per address. The workers share loopback and the fixture; the
namespace cluster with per-egress politeness is docs/scale-out.md's next
step."""
import os
import signal
import socket
import tempfile
import threading
import time

import mptest
from mpserve import Server, metric, pg_createdb
from mptest import check, check_eq, check_in, test

# A mix the fixture answers in every way: real users, unknown users, a
# catch-all domain, accept-all servers, a fallback MX, no MX, NXDOMAIN,
# null MX, invalid syntax.
DOMAINS = {
    "known.mptest": ["alice", "bob", "carol", "info", "zed", "nobody"],
    "catchall.mptest": ["anyone", "else"],
    "access.mptest": ["alice", "bob", "nope"],
    "implicit.mptest": ["alice", "ghost"],
    "acceptall.mptest": ["a", "b"],
    "multiline.mptest": ["x", "y"],
    "backup.mptest": ["alice", "zz"],
}
# A temporary answer (a session slowed past its timeout under ASan, say) is
# asked again within the test's wait, not after the default's 5 minutes.
POLITE = ["--per-host-rate", "4", "--per-host-connections", "1", "--max-rcpt-per-session", "4", "--job-in-flight", "16",
          "--retry-schedule", "2s,4s", "--no-access-log"]
SLOW = POLITE + ["--lease-ttl", "4"]


def emails(n):
    out = []
    names = sorted(DOMAINS)
    for i in range(n):
        d = names[i % len(names)]
        users = DOMAINS[d]
        out.append("%s%d@%s" % (users[i % len(users)], i // 97, d) if i % 5 == 4 else "%s@%s" % (users[i % len(users)], d))
    for i, odd in ((7, "no-at-sign"), (11, "someone@nosuch.mptest"), (13, "someone@nullmx.mptest")):
        if i < n:
            out[i] = odd
    return out


def cluster(n, *args, db=None):
    """n workers on one fresh database (started together: one migrates,
    the others wait for its lock)."""
    url = db or pg_createdb("cluster_%d_%d" % (int(time.time() * 1000) % 10 ** 9, n))
    workers = [Server(*args, "--worker-name", "w%d" % (i + 1), db=url, start=False) for i in range(n)]
    for w in workers:
        w.start(wait=False)
    for w in workers:
        w.wait_ready()
    return workers


def stop_all(workers):
    for w in workers:
        w.stop(signal.SIGTERM)


def results(worker, job_id):
    status, _, data = worker.request("GET", "/v1/jobs/%s/results" % job_id)
    check_eq(status, 200, "results status")
    return mptest.parse_ndjson(data.decode())


def events_until_done(worker, job_id, timeout=120):
    """Reads the job's event stream on `worker` to its end; the last event."""
    datas, text = mptest.job_events("127.0.0.1", worker.port, job_id, timeout)
    check_in("event: done", text, "the stream ends with done")
    return datas[-1], text.count("event: progress")


@test
def a_job_sent_to_one_worker_is_shared_and_survives_a_kill_9():
    n = 240
    job_emails = emails(n)
    # The single-worker verdicts to compare with (SQLite, one process).
    single = Server(*POLITE, db=os.path.join(tempfile.mkdtemp(prefix="mp-single-"), "single.db"))
    try:
        created = single.json("POST", "/v1/jobs", {"emails": job_emails}, expect=202)
        single.wait_job(created["id"], timeout=240)
        expected = [r["status"] for r in results(single, created["id"])]
    finally:
        single.stop()
    check_eq(len(expected), n, "single worker: one result each")

    workers = cluster(3, *SLOW)
    try:
        job = workers[0].json("POST", "/v1/jobs", {"emails": job_emails}, expect=202)
        watcher = {}
        t = threading.Thread(target=lambda: watcher.update(done=events_until_done(workers[2], job["id"], 240)))
        t.start()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            leased = metric(workers[1], "mailprobe_store_addresses_leased_total")
            done = workers[2].json("GET", "/v1/jobs/" + job["id"])["done"]
            if leased > 0 and done >= n // 5:
                break
            time.sleep(0.2)
        check(leased > 0, "worker 2 took part before it was killed")
        check(done < n, "killed mid-job (done=%d)" % done)
        workers[1].stop(signal.SIGKILL, keep_dir=True)  # its leases are lost with it
        final = workers[2].wait_job(job["id"], timeout=240)
        t.join(60)
        check_eq(final["state"], "done", "done without worker 2")
        check_eq((final["done"], sum(final["counts"].values())), (n, n), "counts add up")
        rows = results(workers[2], job["id"])
        check_eq([r["email"] for r in rows], job_emails, "exactly one result per address, in input order")
        differing = [(e, r["status"], want) for e, r, want in zip(job_emails, rows, expected) if r["status"] != want]
        check_eq(differing, [], "the verdicts of a single worker")
        check_eq(workers[0].db_query("SELECT count(*), sum(CASE WHEN done THEN 1 ELSE 0 END), count(result) FROM "
                                     "job_items WHERE job_id = ?", job["id"]), [(n, n, n)], "stored once each")
        for w in (workers[0], workers[2]):
            check(metric(w, "mailprobe_store_addresses_leased_total") > 0, "every living worker took part")
        last, progress = watcher.get("done", (None, 0))
        check_eq((last or {}).get("state"), "done", "the event stream on worker 3 ended with done")
        check(progress >= 2, "worker 3 streamed progress made by the others (%d events)" % progress)
        # any worker answers for it, the killed one's replacement too
        workers[1].start()
        check_eq(workers[1].json("GET", "/v1/jobs/" + job["id"])["state"], "done", "a restarted worker answers")
        check_eq(len(results(workers[1], job["id"])), n, "and streams every result")
    finally:
        stop_all(workers)


@test
def cancel_delete_and_limits_hold_across_workers():
    workers = cluster(2, "--max-running-jobs", "1", "--max-queued-jobs", "2", *SLOW)
    try:
        a = workers[0].json("POST", "/v1/jobs", {"emails": emails(120)}, expect=202)["id"]
        b = workers[1].json("POST", "/v1/jobs", {"emails": emails(5)}, expect=202)["id"]
        # max-queued-jobs counts the cluster's unfinished jobs
        status, hdrs, _ = workers[1].request("POST", "/v1/jobs", {"emails": ["x@known.mptest"]})
        check_eq(status, 503, "a third unfinished job is refused by either worker")
        check(hdrs.get("retry-after"), "with Retry-After")
        time.sleep(2)
        states = [w.json("GET", "/v1/jobs/" + b)["state"] for w in workers]
        check_eq(states, ["queued", "queued"], "max-running-jobs 1 across workers: the second waits")
        # cancel on the other worker: every worker stops
        cancelled = workers[1].json("DELETE", "/v1/jobs/" + a)
        check_eq(cancelled["state"], "cancelled", "cancelled")
        frozen = cancelled["done"]
        time.sleep(3)
        again = workers[0].json("GET", "/v1/jobs/" + a)
        check_eq(again["state"], "cancelled", "worker 1 sees it cancelled")
        check(again["done"] <= frozen + 16 * 2, "at most what was in flight still landed (%d -> %d)" %
              (frozen, again["done"]))
        time.sleep(1)
        check_eq(workers[0].json("GET", "/v1/jobs/" + a)["done"], again["done"], "then nothing more")
        check_eq(workers[0].db_query("SELECT count(*) FROM job_items WHERE job_id = ? AND lease_owner IS NOT NULL",
                                     a), [(0,)], "no address of it stays leased")
        # the next job runs now, on whichever worker
        final = workers[0].wait_job(b, timeout=120)
        check_eq(final["state"], "done", "the queued job ran")
        # delete a finished job on one worker: gone for all
        status, _, _ = workers[0].request("DELETE", "/v1/jobs/" + b)
        check_eq(status, 204, "deleted")
        check_eq(workers[1].request("GET", "/v1/jobs/" + b)[0], 404, "gone on the other worker too")
    finally:
        stop_all(workers)


@test
def a_batch_costs_few_database_round_trips():
    """Leases and writes in big batches: well under 0.05 PostgreSQL round
    trips per address for a job answered without the network."""
    n = 6000
    workers = cluster(2, "--no-access-log", "--lease-ttl", "10")
    try:
        before = sum(metric(w, "mailprobe_store_round_trips_total") for w in workers)
        job = workers[0].json("POST", "/v1/jobs", {"emails": ["bad%d" % i for i in range(n)]}, expect=202)
        final = workers[1].wait_job(job["id"], timeout=120)
        check_eq(final["done"], n, "done")
        after = sum(metric(w, "mailprobe_store_round_trips_total") for w in workers)
        per_address = (after - before) / n
        print("round trips: %d for %d addresses = %.4f per address" % (after - before, n, per_address))
        check(per_address <= 0.05, "%.4f round trips per address" % per_address)
        shares = [metric(w, "mailprobe_store_results_written_total") for w in workers]
        check_eq(sum(shares), n, "each result written once")
    finally:
        stop_all(workers)


@test
def tools_cluster_sh_starts_a_database_and_workers_and_stops_them():
    import subprocess
    first = 18700 + os.getpid() % 1000
    script = os.path.join(mptest.SOURCE_DIR, "tools", "cluster.sh")
    build = os.path.dirname(os.path.dirname(mptest.MAILPROBE))
    proc = subprocess.Popen(["bash", script, "-n", "2", "-p", str(first), build, "--", *mptest.FIXTURE_FLAGS],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    workers = []
    try:
        check_eq(proc.stdout.readline().strip(), "cluster ready", "the script says when it is ready")
        ports = [first, first + 1]
        workers = [Server(port=p, start=False, db="(the script's)") for p in ports]
        for w in workers:
            check_eq(w.json("GET", "/healthz")["store"]["backend"], "postgresql", "on PostgreSQL")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and workers[1].json("GET", "/healthz")["cluster"]["workers"] < 2:
            time.sleep(0.2)
        check_eq(workers[1].json("GET", "/healthz")["cluster"]["workers"], 2, "both workers in the cluster")
        job = workers[0].json("POST", "/v1/jobs", {"emails": ["alice@known.mptest", "zed@known.mptest"]},
                              expect=202)
        final = workers[1].wait_job(job["id"], timeout=60)
        check_eq(final["counts"]["deliverable"], 1, "done, read from the other worker")
    finally:
        proc.send_signal(signal.SIGTERM)
        check_eq(proc.wait(30), 0, "stops cleanly")
        for w in workers:
            w.stop()  # only its empty directory: the script ran the process
    for p in (first, first + 1):
        with socket.socket() as sock:
            check(sock.connect_ex(("127.0.0.1", p)) != 0, "worker on %d stopped" % p)


if __name__ == "__main__":
    mptest.main()
