#!/usr/bin/env python3
"""A cluster in network namespaces (issue 13): three `mailprobe serve`
workers, each in a namespace of its own with its own address (its egress
IP), sharing the lab's PostgreSQL, probing the lab's Postfix.

One job of 3,160 addresses over the lab's 30 domains (known and unknown
users, catch-all, greylisted, NXDOMAIN, null MX) goes in through worker 1;
worker 2 is killed with kill -9 mid-job. The job completes with every
address exactly once, in input order, with the verdicts of a single worker
(SQLite, one namespace) — greylisted addresses `deliverable` through the
retry schedule, no option asked for it — and Postfix's log shows no MX
address ever had more sessions at once from the whole cluster than
--cluster-host-connections, nor from one worker (client IP) more than
--per-host-connections.

# ctest-labels: cluster lab
"""
import os
import signal
import sys
import threading
import time

SOURCE = os.environ.get("MP_SOURCE_DIR") or os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
sys.path[:0] = [os.path.join(SOURCE, "tests", d) for d in ("lab", "integration")]
import mplab  # noqa: E402
import mptest  # noqa: E402
from mptest import check, check_eq, test  # noqa: E402

ENV = mplab.read_env(os.environ["MP_LAB_DIR"])
MAILPROBE = os.environ.get("MAILPROBE", "mailprobe")
WORKERS = int(ENV["MP_LAB_WORKERS"])
GLOBAL = 4       # --cluster-host-connections: below 3 workers x 2, so it binds
PER_EGRESS = 2   # --per-host-connections
SCHEDULE = "4s,8s,16s"  # the lab's postgrey waits 3 s
COMMON = ["--helo", "probe.lab.mptest", "--per-host-connections", str(PER_EGRESS), "--per-host-rate", "4",
          "--retry-schedule", SCHEDULE, "--job-in-flight", "400", "--no-access-log"]
CLUSTER = ["--cluster-host-connections", str(GLOBAL), "--cluster-host-rate", "8", "--lease-ttl", "5"]
PORT = mplab.SERVE_PORT

# The test talks HTTP to the workers from the lab namespace, over the bridge.
mplab.enter(ENV["MP_LAB_NS"])


def Worker(n, db, *args):
    return mplab.Worker(ENV, n, MAILPROBE, db, *(COMMON + list(args)))


def events_until_done(worker, job_id, timeout):
    """Worker's event stream of the job to its end: (every event's data, progress events)."""
    datas, text = mptest.job_events(worker.addr, PORT, job_id, timeout)
    return datas, text.count("event: progress")


JOB = mplab.job_addresses()
reference = {}


@test
def a_single_worker_answers_the_job():
    """The verdicts to compare with: one worker, SQLite, worker 1's namespace."""
    db = os.path.join(ENV["MP_LAB_DIR"], "single-%d.db" % os.getpid())
    w = Worker(1, db, "--from", "%s@lab.mptest" % mptest.unique("single"))
    try:
        started = time.monotonic()
        job = w.json("POST", "/v1/jobs", {"emails": JOB}, expect=202)
        final = w.wait_job(job["id"], timeout=400)
        check_eq(final["state"], "done", "single worker's job")
        rows = w.results(job["id"])
        print("  single worker: %d addresses in %.0f s, %d sessions" % (len(rows), time.monotonic() - started,
                                                                        w.metric("mailprobe_smtp_sessions_total")))
    finally:
        w.stop()
    check_eq([r["email"] for r in rows], JOB, "one result per address, in input order")
    reference.update((r["email"], r["status"]) for r in rows)
    wrong = [(e, s, mplab.expected_status(e)) for e, s in reference.items() if s != mplab.expected_status(e)]
    check_eq(wrong[:5], [], "the lab's catalogue (greylisted addresses retried to their verdict)")


@test
def a_cluster_finishes_a_job_after_kill_9_within_every_limit():
    if not reference:
        raise mptest.Skip("needs the single worker's verdicts")
    maillog = ENV["MP_LAB_MAILLOG"]
    start = os.path.getsize(maillog)
    db = mplab.createdb(ENV, "cluster_%d" % os.getpid())
    sender = ["--from", "%s@lab.mptest" % mptest.unique("cluster")]
    workers = [Worker(n, db, *(CLUSTER + sender)) for n in range(1, WORKERS + 1)]
    try:
        job = workers[0].json("POST", "/v1/jobs", {"emails": JOB}, expect=202)
        watched = {}
        t = threading.Thread(target=lambda: watched.update(r=events_until_done(workers[2], job["id"], 600)))
        t.start()
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            done = workers[0].json("GET", "/v1/jobs/" + job["id"])["done"]
            if done >= len(JOB) // 4 and workers[1].metric("mailprobe_store_addresses_leased_total") > 0:
                break
            time.sleep(0.2)
        check(done < len(JOB) * 3 // 4, "worker 2 killed mid-job (done %d)" % done)
        workers[1].stop(signal.SIGKILL)
        print("  worker 2 killed with %d of %d done" % (done, len(JOB)))
        final = workers[2].wait_job(job["id"], timeout=600)
        t.join(60)
        check_eq(final["state"], "done", "the job without worker 2")
        rows = workers[0].results(job["id"])
        check_eq([r["email"] for r in rows], JOB, "every address exactly once, in input order")
        differing = [(r["email"], r["status"], reference[r["email"]]) for r in rows
                     if r["status"] != reference[r["email"]]]
        check_eq(differing[:10], [], "the single worker's verdicts")
        datas, progress = watched.get("r", ([], 0))
        check(datas and datas[-1].get("state") == "done", "worker 3's event stream ended with done")
        check(progress >= 2, "worker 3 streamed progress (%d events)" % progress)
        check(any(d.get("retrying") for d in datas), "the stream showed addresses waiting for a retry")
    finally:
        for w in workers:
            w.stop()
    time.sleep(1)  # Postfix writes its log asynchronously
    seen = mplab.maillog_concurrency(maillog, start)
    print("  sessions per MX: %s" % seen["sessions"])
    print("  most at once per MX: %s" % seen["max_mx"])
    print("  most at once per worker: %s" % {"%s<-%s" % k: v for k, v in sorted(seen["max_client"].items())})
    for mx, most in seen["max_mx"].items():
        check(most <= GLOBAL, "%s had %d sessions at once (cluster limit %d)" % (mx, most, GLOBAL))
    for (mx, client), most in seen["max_client"].items():
        check(most <= PER_EGRESS, "%s had %d at once from %s (per-egress limit %d)" % (mx, most, client, PER_EGRESS))
    check_eq(max(seen["max_mx"].values()), GLOBAL, "the cluster limit was reached (it is what binds)")
    clients = {c for (_, c) in seen["max_client"]}
    check_eq(clients, {ENV["MP_LAB_W%d_ADDR" % n] for n in range(1, WORKERS + 1)}, "every worker probed")


mptest.main()
