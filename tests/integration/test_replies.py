# ctest-labels: integration fixture
"""Real providers' replies through the real session (issue 10, section 2).

Every row of tests/data/smtp-replies.tsv is served by the fixture's scripted
server (advsmtp.py, 127.0.0.30) exactly as the provider sent it, multi-line
included, to RCPT TO:<rNNN@rNNN.replies.mptest>, whose MX is the provider's
own kind of host name (gmail-smtp-in.l.google.com, *.pphosted.com, ...;
answered by the fixture's unbound, all on loopback). One `mailprobe verify`
run checks them all: status, reason, smtp.result, provider, and that the
reply arrives intact (code, enhanced code, text). The summary line gives the
corpus size, the rows as expected and the false undeliverables (must be 0).
tests/unit/test_engine_replies.c checks the same rows without the session."""
import json
import os
import re
import sys
import time

import mptest
from mptest import check, check_eq, test

sys.path.insert(0, os.path.join(mptest.SOURCE_DIR, "tests", "fixture"))
import replies  # noqa: E402  (tests/fixture/replies.py)

CORPUS = os.path.join(mptest.SOURCE_DIR, "tests", "data", "smtp-replies.tsv")
ROWS = replies.load_rows(CORPUS)
# Every row is its own domain on one MX address: let the politeness limits
# (2 sessions, 2 new sessions per second per MX address) not be the test.
FLAGS = ["--no-progress", "--per-host-connections", "16", "--per-host-rate", "500"]
TEXT_MAX = 511  # MP_SMTP_TEXT_MAX: the reply text the prober keeps


def expected_reply(row, address):
    """(code, enhanced code or None, text) as the prober's reply reader
    reports them (native-prober/engine/smtp_reply.h): the first line's enhanced
    code when its class matches, each line's text without a repeated one,
    joined by single spaces."""
    lines = [line.replace("{rcpt}", address) for line in row["lines"]]
    code = int(lines[-1][:3])
    enhanced = None
    texts = []
    for number, line in enumerate(lines):
        text = line[4:]
        m = re.match(r"(%d\.[0-9]{1,3}\.[0-9]{1,3})(?: |$)" % (code // 100), text)
        if m:
            if number == 0:
                enhanced = m.group(1)
            text = text[m.end():].lstrip(" ")
        if texts and text:
            texts.append(" ")
        texts.append(text)
    return code, enhanced, "".join(texts)[:TEXT_MAX]


_run = {}


def corpus_run():
    """One verify run over every row (shared by the tests below)."""
    if not _run:
        addresses = [replies.address_of(row) for row in ROWS]
        started = time.monotonic()
        records = mptest.verify(*addresses, extra=FLAGS, timeout=240)
        _run["seconds"] = time.monotonic() - started
        check_eq(len(records), len(ROWS), "one record per corpus row")
        _run["records"] = dict(zip(addresses, records))
    return _run


@test
def every_corpus_reply_gets_its_verdict_through_the_session():
    run = corpus_run()
    wrong, false_undeliverable = [], []
    for row in ROWS:
        address = replies.address_of(row)
        r = run["records"][address]
        got = (r["status"], r["reason"], r["smtp"]["result"], r["provider"] or "-")
        want = (row["status"], row["reason"], row["smtp_result"], row["provider"])
        if got != want:
            wrong.append("%s: want %s, got %s: %s" % (row["id"], "/".join(want), "/".join(got), row["reply"][:120]))
        if r["status"] == "undeliverable" and row["status"] != "undeliverable":
            false_undeliverable.append(row["id"])
    print("smtp-replies.tsv through the session: %d replies, %d as expected, %d false undeliverable (%.1fs)"
          % (len(ROWS), len(ROWS) - len(wrong), len(false_undeliverable), run["seconds"]), flush=True)
    check(not wrong, "%d rows differ:\n  %s" % (len(wrong), "\n  ".join(wrong)))
    check_eq(false_undeliverable, [], "false undeliverables")


@test
def every_reply_arrives_intact():
    run = corpus_run()
    for row in ROWS:
        address = replies.address_of(row)
        smtp = run["records"][address]["smtp"]
        code, enhanced, text = expected_reply(row, address)
        check_eq(smtp["code"], code, "%s smtp.code" % row["id"])
        check_eq(smtp["enhanced_code"], enhanced, "%s smtp.enhanced_code" % row["id"])
        check_eq(smtp["message"], text, "%s smtp.message" % row["id"])
        check_eq(smtp["host"], row["mx_host"], "%s smtp.host" % row["id"])


@test
def accepted_rows_show_provider_and_catch_all_behaviour():
    """A gateway's 250 proves nothing (accept_all_provider); elsewhere the
    prober's catch-all test (a random local part, refused by the fixture)
    makes the 250 a deliverable mailbox."""
    run = corpus_run()
    accepted = [row for row in ROWS if row["category"] == "accepted"]
    check(len(accepted) >= 3, "accepted rows in the corpus")
    for row in accepted:
        r = run["records"][replies.address_of(row)]
        check_eq(r["smtp"]["catch_all"], False, "%s smtp.catch_all" % row["id"])
        gateway = row["provider"] in ("proofpoint", "mimecast", "barracuda", "cisco", "yahoo")
        check_eq(r["reason"], "accept_all_provider" if gateway else "accepted", "%s reason" % row["id"])


@test
def refusals_that_end_the_transaction_do_not_hang():
    """421 closes the connection, a first-RCPT 452 "too many recipients"
    cannot be cured by a new transaction: both end promptly as
    temporary_failure (no reconnect-or-RSET loop until the time limit)."""
    run = corpus_run()
    for row in ROWS:
        first = row["lines"][-1][:3]
        too_many = first == "452" and ("4.5.3" in row["reply"] or "too many recipients" in row["reply"].lower())
        if first != "421" and not too_many:
            continue
        r = run["records"][replies.address_of(row)]
        check_eq((r["reason"], r["action"]), ("temporary_failure", "retry"), "%s reason/action" % row["id"])
    check(run["seconds"] < 60, "the whole corpus took %.1fs (a loop or a wait?)" % run["seconds"])


@test
def too_many_recipients_after_the_first_opens_a_new_transaction():
    """RFC 5321 §4.5.3.1.10: a 452 "too many recipients" after accepted
    ones means "the rest in a new transaction", not an answer about them.
    txlimit.mptest takes 2 per transaction: 7 addresses need 4 of them, and
    every address gets its own verdict."""
    addresses = ["a@txlimit.mptest", "no1@txlimit.mptest", "b@txlimit.mptest", "no2@txlimit.mptest",
                 "c@txlimit.mptest", "no3@txlimit.mptest", "d@txlimit.mptest"]
    run = mptest.run("verify", *(FLAGS + ["--stats"] + addresses))
    check_eq(run.returncode, 0, "exit status: %r" % run)
    got = [(r["email"].split("@")[0], r["reason"]) for r in run.records]
    want = [(a.split("@")[0], "mailbox_not_found" if a.startswith("no") else "accepted") for a in addresses]
    check_eq(got, want, "one verdict per address")
    stats = [json.loads(line) for line in run.stderr.splitlines() if line.startswith("{")]
    check(stats, "no --stats line: %r" % run.stderr[-300:])
    check_eq(stats[-1]["mail_sent"], 4, "transactions (MAIL FROM) for 7 recipients, 2 at a time")


mptest.main()
