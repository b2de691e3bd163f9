# ctest-labels: integration fixture
# ctest-stores: postgresql
"""Politeness across workers (issue 13), as the fixture's Postfix sees it in
its log: two workers on one PostgreSQL database never have more sessions
open at once to an MX address than --cluster-host-connections together,
and two workers behind one egress IP never more than --per-host-connections
together. (The namespace cluster test, tests/cluster/test_cluster.py, does
the same with one IP per worker.)"""
import os
import signal
import sys
import time

import mptest
from mpserve import Server, metric, pg_createdb
from mptest import check, check_eq, test

sys.path.insert(0, os.path.join(mptest.SOURCE_DIR, "tests", "lab"))
import mplab  # noqa: E402

MAILLOG = os.path.join(mptest.FIXTURE_DIR, "maillog") if mptest.FIXTURE_DIR else ""
# 240 unknown users at one MX address, 4 recipients a session: 60 sessions,
# each worker wanting more at once than it may have.
JOB = ["nobody%03d@known.mptest" % i for i in range(240)]
BUSY = ["--max-rcpt-per-session", "4", "--per-host-rate", "50", "--no-catch-all", "--job-in-flight", "20",
        "--no-access-log", "--retry-schedule", "off"]


def run_two(*args, egress=("", "")):
    if not MAILLOG:
        raise mptest.Skip("no fixture run directory (MP_FIXTURE_DIR): the maillog is needed")
    db = pg_createdb("polite_%d_%d" % (os.getpid(), int(time.time() * 1000) % 10 ** 8))
    workers = []
    for i, name in enumerate(egress):
        extra = ["--egress-name", name] if name else []
        workers.append(Server(*BUSY, *args, *extra, "--worker-name", "w%d" % (i + 1), db=db, start=False))
    for w in workers:
        w.start(wait=False)
    for w in workers:
        w.wait_ready()
    start = os.path.getsize(MAILLOG)
    try:
        job = workers[0].json("POST", "/v1/jobs", {"emails": JOB}, expect=202)
        final = workers[1].wait_job(job["id"], timeout=240)
        check_eq((final["state"], final["counts"]["undeliverable"]), ("done", len(JOB)), "the job")
        shares = [metric(w, "mailprobe_store_results_written_total") for w in workers]
        check(all(shares), "both workers probed: %r" % shares)
        health = [w.json("GET", "/healthz")["politeness"] for w in workers]
        requests = sum(metric(w, "mailprobe_allowance_requests_total") for w in workers)
    finally:
        for w in workers:
            w.stop(signal.SIGTERM)
    time.sleep(0.5)
    seen = mplab.maillog_concurrency(MAILLOG, start)
    print("  sessions: %d, most at once: %d, allowance requests: %d" % (
        seen["sessions"].get("postfix", 0), seen["max_mx"].get("postfix", 0), requests))
    return seen, health, requests


@test
def two_workers_stay_within_the_cluster_limit_together():
    seen, health, requests = run_two("--per-host-connections", "2", "--cluster-host-connections", "2",
                                     egress=("egress-a", "egress-b"))
    check_eq(seen["max_mx"].get("postfix"), 2, "most sessions at once from both workers (cluster limit 2)")
    check_eq([h["scope"] for h in health], ["cluster", "cluster"], "/healthz says whose limits hold")
    check_eq([h["egress"] for h in health], ["egress-a", "egress-b"], "each worker's egress")
    check(requests < seen["sessions"]["postfix"] / 2, "allowances are not asked per session (%d requests for %d "
                                                      "sessions)" % (requests, seen["sessions"]["postfix"]))


@test
def two_workers_behind_one_address_share_its_limit():
    # No --egress-name: both leave by 127.0.0.1, so the per-egress limit (2)
    # is theirs together although the cluster would allow 6.
    seen, health, _ = run_two("--per-host-connections", "2", "--cluster-host-connections", "6")
    check_eq(seen["max_mx"].get("postfix"), 2, "most sessions at once from the one address")
    check_eq([h["egress"] for h in health], ["source address", "source address"], "egress by source address")


mptest.main()
