# ctest-labels: integration fixture
"""The prober's politeness on one host, as the fixture's Postfix sees it in
its log (tests/lab/mplab.py reads it): never more sessions at once than
--per-host-connections, and never more refused recipients in a session
than --max-rejections-per-session — greylisting's 450s included, since
Postfix counts every refusal against its error limits."""
import os
import sys
import time

import mptest
from mptest import check, check_eq, test

sys.path.insert(0, os.path.join(mptest.SOURCE_DIR, "tests", "lab"))
import mplab  # noqa: E402

MAILLOG = os.path.join(mptest.FIXTURE_DIR, "maillog") if mptest.FIXTURE_DIR else ""
FLAGS = ["--no-progress", "--timeout", "60s"]


def log_size():
    if not MAILLOG:
        raise mptest.Skip("no fixture run directory (MP_FIXTURE_DIR): the maillog is needed")
    return os.path.getsize(MAILLOG)


def log_since(start, sessions, timeout=10.0):
    """The maillog's concurrency figures from `start`, once `sessions`
    sessions have been logged as ended (Postfix writes asynchronously)."""
    deadline = time.monotonic() + timeout
    while True:
        seen = mplab.maillog_concurrency(MAILLOG, start)
        with open(MAILLOG, "rb") as f:
            f.seek(start)
            ended = f.read().count(b"/smtpd[")
        if sum(seen["sessions"].values()) >= sessions and ended >= 2 * sessions or time.monotonic() > deadline:
            return seen
        time.sleep(0.2)


def too_many_errors_since(start):
    with open(MAILLOG, "rb") as f:
        f.seek(start)
        return f.read().count(b"too many errors")


@test
def greylisting_counts_against_the_rejection_budget():
    # 30 first attempts at grey.mptest: postgrey answers every one 450, and
    # Postfix counts each as an error (slows down after 10, hangs up after
    # 20). A session must end after 8, as after 8 unknown users.
    start = log_size()
    sender = "%s@fixture-test.mptest" % mptest.unique("budget")
    addresses = ["r%02d@grey.mptest" % i for i in range(30)]
    began = time.monotonic()
    records = mptest.verify(*addresses, extra=FLAGS + ["--from", sender, "--stats"])
    check_eq(len(records), 30, "results")
    check_eq({r["reason"] for r in records}, {"greylisted"}, "reasons")
    check(time.monotonic() - began < 20, "no 1 s delays of Postfix's soft error limit")
    seen = log_since(start, 4)
    check_eq(too_many_errors_since(start), 0, "Postfix's 'too many errors' in its log")
    worst = max(seen["max_rejected"].values())
    check(worst <= 8, "a session had %d recipients refused (budget 8)" % worst)
    print("  sessions: %d, most refused in one: %d" % (sum(seen["sessions"].values()), worst))


@test
def never_more_sessions_at_once_than_the_host_limit():
    # 120 unknown users at one MX address: 15 sessions of 8 refusals, at
    # most 2 at a time (the default), reaching 2 (the limit is what binds).
    start = log_size()
    addresses = ["nobody%03d@known.mptest" % i for i in range(120)]
    records = mptest.verify(*addresses, extra=FLAGS + ["--per-host-rate", "50"])
    check_eq({r["reason"] for r in records}, {"mailbox_not_found"}, "reasons")
    seen = log_since(start, 15)
    check_eq(seen["max_mx"], {"postfix": 2}, "most sessions at once to the MX")
    check(seen["sessions"]["postfix"] >= 15, "sessions: %r" % seen["sessions"])


mptest.main()
