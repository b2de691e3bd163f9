#!/usr/bin/env python3
"""bench/cluster/bench.py — the cluster benchmark's driver (run.sh starts the
namespace lab and calls it): for each worker count, a fresh database on the
lab's PostgreSQL, that many `mailprobe serve` workers (one egress IP each),
one politeness-bound job sent to worker 1, and what it cost:

  addresses per minute, and the speed-up over one worker;
  SMTP sessions per address (Postfix's log: the server's own count);
  PostgreSQL round trips per address (the workers' own counter, and
  pg_stat_statements' top-level statements on that database);
  the most sessions at once per MX address and per worker (Postfix's log),
  to show which limit bound.

Usage (inside run.sh): bench.py LAB_DIR MAILPROBE N WORKERS...
"""
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [os.path.join(HERE, "..", "..", "tests", d) for d in ("lab", "integration")]
import mplab  # noqa: E402
import mptest  # noqa: E402

RATE = os.environ.get("RATE", "2")           # --per-host-rate: new sessions/s per MX, per egress IP
CONN = os.environ.get("CONN", "2")           # --per-host-connections: sessions at once per MX, per egress IP
KINDS = {"known", "catchall"}                # answered at once: the politeness limits are what bind


def psql(env, db_url, sql):
    out = subprocess.run(["psql", "-qAt", db_url, "-c", sql], check=True, capture_output=True, text=True)
    return out.stdout.strip()


def follow(worker, job_id):
    """Reads the job's event stream to its end; the last event's data."""
    datas, _ = mptest.job_events(worker.addr, mplab.SERVE_PORT, job_id, 3600)
    return datas[-1] if datas else {}


def run(env, mailprobe, addresses, n):
    db_name = "bench_%d_%d" % (n, int(time.time()))
    db = mplab.createdb(env, db_name)
    admin = env["MP_LAB_PG_URL"]  # where pg_stat_statements is installed (it counts every database)
    sender = ["--from", "bench-%d-%d@lab.mptest" % (n, int(time.time()))]
    args = ["--per-host-rate", RATE, "--per-host-connections", CONN, "--no-access-log", "--helo", "probe.lab.mptest",
            "--retry-schedule", "off"] + sender
    workers = []
    try:
        for i in range(1, n + 1):
            workers.append(mplab.Worker(env, i, mailprobe, db, *args))
        time.sleep(1)  # every worker's first heartbeat: all share the job from its start
        psql(env, admin, "SELECT pg_stat_statements_reset()")
        maillog = env["MP_LAB_MAILLOG"]
        start = os.path.getsize(maillog)
        before = sum(w.metric("mailprobe_store_round_trips_total") for w in workers)
        began = time.monotonic()
        job = workers[0].json("POST", "/v1/jobs", {"emails": addresses}, expect=202)
        # Followed as the page follows it: its event stream (its reads count).
        last = follow(workers[0], job["id"])
        seconds = time.monotonic() - began
        if last.get("state") != "done":
            raise SystemExit("job did not finish: %r" % last)
        trips = sum(w.metric("mailprobe_store_round_trips_total") for w in workers) - before
        statements = int(psql(env, admin, "SELECT coalesce(sum(calls), 0) FROM pg_stat_statements s "
                                          "JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = '%s'" % db_name))
        shares = [int(w.metric("mailprobe_store_results_written_total")) for w in workers]
        if os.environ.get("DETAIL"):  # which statements the round trips were
            print(psql(env, admin, "SELECT calls, left(regexp_replace(query, '\\s+', ' ', 'g'), 90) FROM "
                                   "pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = '%s' "
                                   "ORDER BY calls DESC LIMIT 12" % db_name), file=sys.stderr)
    finally:
        for w in workers:
            w.stop()
    time.sleep(1)  # Postfix's log is written asynchronously
    seen = mplab.maillog_concurrency(maillog, start)
    return {
        "workers": n, "addresses": len(addresses), "seconds": seconds,
        "per_minute": len(addresses) / seconds * 60,
        "sessions": sum(seen["sessions"].values()),
        "trips": trips, "statements": statements, "shares": shares,
        "max_mx": max(seen["max_mx"].values()), "max_client": max(seen["max_client"].values()),
    }


def main(argv):
    lab_dir, mailprobe, count = argv[1], argv[2], int(argv[3])
    counts = [int(x) for x in argv[4:]] or [1, 2, 3]
    env = mplab.read_env(lab_dir)
    mplab.enter(env["MP_LAB_NS"])
    base = sum(c * n for k, c, n in mplab.KINDS if k in KINDS)  # the list at scale 1
    addresses = mplab.job_addresses(count / base + 0.01, KINDS)[:count]
    print("%d addresses at %d known and catch-all domains on 3 MX addresses; per egress IP: %s sessions at once, "
          "%s new/s per MX; cluster: 6 at once per MX" % (len(addresses), sum(c for k, c, _ in mplab.KINDS if k in KINDS),
                                                         CONN, RATE))
    print("| workers | seconds | addresses/min | speed-up | sessions/address | PG round trips/address "
          "(workers' count / pg_stat_statements) | most at once per MX / per worker | results per worker |")
    print("|---|---|---|---|---|---|---|---|")
    first = None
    for n in counts:
        r = run(env, mailprobe, addresses, n)
        first = first or r
        print("| %d | %.1f | %.0f | %.2f× | %.3f | %.4f / %.4f | %d / %d | %s |" % (
            n, r["seconds"], r["per_minute"], r["per_minute"] / first["per_minute"], r["sessions"] / r["addresses"],
            r["trips"] / r["addresses"], r["statements"] / r["addresses"], r["max_mx"], r["max_client"],
            " ".join(map(str, r["shares"]))), flush=True)


if __name__ == "__main__":
    main(sys.argv)
