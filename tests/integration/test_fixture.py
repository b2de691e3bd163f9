#!/usr/bin/env python3
# ctest-labels: integration fixture
"""Smoke tests of the loopback fixture itself: every behaviour in the
catalogue (tests/fixture/README.md) is checked against the real servers,
without the mailprobe binary, so a failing prober test can be told apart
from a broken fixture."""
import os
import socket
import sys
import time

import mptest
from mptest import RawSmtp, check, check_eq, check_in, rcpt_replies, test

sys.path.insert(0, os.path.join(mptest.SOURCE_DIR, "tests", "fixture"))
import replies  # noqa: E402  (tests/fixture/replies.py)

REPLY_ROWS = replies.load_rows(os.path.join(mptest.SOURCE_DIR, "tests", "data", "smtp-replies.tsv"))

KNOWN_MX = "127.0.0.10"
BACKUP_MX = "127.0.0.11"
DEAD_MX = "127.0.0.12"
UNKNOWN_USER = "550 5.1.1 <%s>: Recipient address rejected: User unknown in virtual mailbox table"


def mx(domain):
    answer = mptest.dns(domain, "MX")
    check_eq(answer["rcode"], "NOERROR", "rcode of %s MX" % domain)
    return sorted(value for rtype, value in answer["answers"] if rtype == "MX")


def address(host):
    answer = mptest.dns(host, "A")
    check_eq(answer["rcode"], "NOERROR", "rcode of %s A" % host)
    return [value for rtype, value in answer["answers"] if rtype == "A"]


def reply_text(code_and_text):
    code, text = code_and_text
    return "%d %s" % (code, text)


def refused(host):
    try:
        socket.create_connection((host, mptest.SMTP_PORT), timeout=5).close()
    except ConnectionRefusedError:
        return True
    return False


# --- DNS ----------------------------------------------------------------

@test
def dns_known_domain_has_one_mx_on_127_0_0_10():
    check_eq(mx("known.mptest"), [(10, "mx1.known.mptest")], "MX")
    check_eq(address("mx1.known.mptest"), [KNOWN_MX], "A")


@test
def dns_postfix_domains_point_at_postfix():
    for domain in ("catchall", "access", "grey"):
        check_eq(mx(domain + ".mptest"), [(10, "mx1.%s.mptest" % domain)], domain)
        check_eq(address("mx1.%s.mptest" % domain), [KNOWN_MX], domain)


@test
def dns_backup_domain_has_dead_primary_and_live_secondary():
    check_eq(mx("backup.mptest"), [(10, "mx-dead.backup.mptest"), (20, "mx2.backup.mptest")], "MX")
    check_eq(address("mx-dead.backup.mptest"), [DEAD_MX], "primary A")
    check_eq(address("mx2.backup.mptest"), [BACKUP_MX], "backup A")


@test
def dns_dead_domain_points_at_nothing():
    check_eq(mx("dead.mptest"), [(10, "mx.dead.mptest")], "MX")
    check_eq(address("mx.dead.mptest"), [DEAD_MX], "A")


@test
def dns_null_mx_is_a_single_dot_with_preference_0():
    check_eq(mx("nullmx.mptest"), [(0, ".")], "MX")


@test
def dns_implicit_domain_has_no_mx_but_an_address():
    check_eq(mx("implicit.mptest"), [], "MX")
    check_eq(address("implicit.mptest"), [KNOWN_MX], "A")


@test
def dns_noaddr_domain_exists_with_neither_mx_nor_address():
    check_eq(mx("noaddr.mptest"), [], "MX")
    check_eq(address("noaddr.mptest"), [], "A")
    check_eq(mptest.dns("noaddr.mptest", "AAAA")["answers"], [], "AAAA")
    txt = mptest.dns("noaddr.mptest", "TXT")["answers"]
    check_eq(len(txt), 1, "TXT records")


@test
def dns_undefined_names_are_nxdomain():
    for name in ("nosuch.mptest", mptest.unique("random") + ".mptest", "x.known.mptest"):
        check_eq(mptest.dns(name, "MX")["rcode"], "NXDOMAIN", name)


@test
def dns_servfail_domain_fails_within_a_few_seconds():
    started = time.monotonic()
    check_eq(mptest.dns("servfail.mptest", "MX", timeout=15)["rcode"], "SERVFAIL", "rcode")
    check(time.monotonic() - started < 10, "SERVFAIL took %.1fs" % (time.monotonic() - started))


@test
def dns_never_resolves_outside_names():
    # Nothing outside the fixture's zones is resolved (no Internet access,
    # ever): it is forwarded to a dead loopback port and fails.
    check_eq(mptest.dns("example.com", "MX", timeout=15)["rcode"], "SERVFAIL", "example.com")


@test
def dns_private_domain_points_at_127_0_0_99():
    check_eq(mx("private.mptest"), [(10, "mx.private.mptest")], "MX")
    check_eq(address("mx.private.mptest"), ["127.0.0.99"], "A")


ADVERSARIAL = {
    "silent": "127.0.0.20", "greet554": "127.0.0.21", "slow": "127.0.0.22",
    "hugeline": "127.0.0.23", "multiline": "127.0.0.24", "reset": "127.0.0.25",
    "limit421": "127.0.0.26", "garbage": "127.0.0.27", "acceptall": "127.0.0.28",
    "earlyclose": "127.0.0.29", "replies": "127.0.0.30", "stall": "127.0.0.31",
}


@test
def dns_adversarial_domains_point_at_their_own_address():
    for name, ip in ADVERSARIAL.items():
        if name == "replies":
            continue
        check_eq(mx(name + ".mptest"), [(10, "mx.%s.mptest" % name)], name)
        check_eq(address("mx.%s.mptest" % name), [ip], name)


@test
def dns_proofpoint_domain_uses_a_pphosted_mx_served_locally():
    check_eq(mx("proofpoint.mptest"), [(10, "mx0a-001.pphosted.com")], "MX")
    check_eq(address("mx0a-001.pphosted.com"), ["127.0.0.28"], "A")


# --- Postfix ------------------------------------------------------------

@test
def postfix_known_users_are_accepted_and_others_rejected_550_5_1_1():
    users = ["alice", "bob", "carol", "info", "postmaster"]
    replies = rcpt_replies(KNOWN_MX, ["%s@known.mptest" % u for u in users] + ["zed@known.mptest"])
    for user, reply in zip(users, replies):
        check_eq(reply, (250, "2.1.5 Ok"), user)
    check_eq(reply_text(replies[-1]), UNKNOWN_USER % "zed@known.mptest", "unknown user")


@test
def postfix_catchall_accepts_every_local_part():
    rcpts = [mptest.unique("nobody") + "@catchall.mptest", "x.y+z@catchall.mptest"]
    for reply in rcpt_replies(KNOWN_MX, rcpts):
        check_eq(reply[0], 250, "catch-all")


ACCESS_REPLIES = {
    "full": "452 4.2.2 <full@access.mptest>: Recipient address rejected: Mailbox full",
    "quota": "552 5.2.2 <quota@access.mptest>: Recipient address rejected: Mailbox over quota",
    "disabled": "550 5.2.1 <disabled@access.mptest>: Recipient address rejected: "
                "Mailbox disabled, not accepting messages",
    "blocked": "550 5.7.1 <blocked@access.mptest>: Recipient address rejected: "
               "Service unavailable; client blocked using zen.spamhaus.org",
    "policy": "554 5.7.1 <policy@access.mptest>: Recipient address rejected: Rejected by policy",
    "moved": "551 5.1.6 <moved@access.mptest>: Recipient address rejected: "
             "User has moved; please try <new@example.org>",
    # Postfix rewrites the enhanced code 5.1.10 to 5.1.0 (see README.md).
    "gone": "550 5.1.0 <gone@access.mptest>: Recipient address rejected: "
            "RESOLVER.ADR.RecipientNotFound",
    "tempfail": "451 4.3.0 <tempfail@access.mptest>: Recipient address rejected: "
                "Temporary lookup failure",
}


@test
def postfix_access_map_replies():
    users = list(ACCESS_REPLIES)
    replies = rcpt_replies(KNOWN_MX, ["%s@access.mptest" % u for u in users])
    for user, reply in zip(users, replies):
        check_eq(reply_text(reply), ACCESS_REPLIES[user], user)


@test
def postfix_access_domain_has_real_users_too():
    replies = rcpt_replies(KNOWN_MX, ["alice@access.mptest", "bob@access.mptest", "zed@access.mptest"])
    check_eq([r[0] for r in replies], [250, 250, 550], "alice, bob, zed")


@test
def postfix_greylists_the_first_attempt_and_accepts_after_3_seconds():
    sender = mptest.unique("grey") + "@fixture-test.mptest"
    first = rcpt_replies(KNOWN_MX, ["alice@grey.mptest"], mail_from=sender)[0]
    check_eq(first[0], 450, "first attempt")
    check(first[1].startswith("4.2.0 <alice@grey.mptest>: Recipient address rejected: "
                              "Greylisted, see http://postgrey"), repr(first))
    again = rcpt_replies(KNOWN_MX, ["alice@grey.mptest"], mail_from=sender)[0]
    check_eq(again[0], 450, "retry before the delay")
    time.sleep(3.5)
    later = rcpt_replies(KNOWN_MX, ["alice@grey.mptest", "zed@grey.mptest"], mail_from=sender)
    check_eq(later[0], (250, "2.1.5 Ok"), "retry after the delay")
    # zed's triplet is new: greylisted first, like a real greylisting MX.
    check_eq(later[1][0], 450, "unknown user, first attempt")


@test
def postfix_greylisting_is_per_domain():
    sender = mptest.unique("nogrey") + "@fixture-test.mptest"
    check_eq(rcpt_replies(KNOWN_MX, ["alice@known.mptest"], mail_from=sender)[0][0], 250, "known")


@test
def postfix_backup_mx_answers_on_127_0_0_11_and_primary_refuses():
    check(refused(DEAD_MX), "something listens on %s" % DEAD_MX)
    replies = rcpt_replies(BACKUP_MX, ["alice@backup.mptest", "bob@backup.mptest", "zed@backup.mptest"])
    check_eq([r[0] for r in replies], [250, 250, 550], "alice, bob, zed")


@test
def postfix_implicit_mx_domain_accepts_alice():
    replies = rcpt_replies(KNOWN_MX, ["alice@implicit.mptest", "bob@implicit.mptest"])
    check_eq([r[0] for r in replies], [250, 550], "alice, bob")


@test
def postfix_does_not_relay_for_other_domains():
    check_eq(rcpt_replies(KNOWN_MX, ["x@example.org"])[0][0], 554, "relay")


@test
def postfix_disconnects_after_20_errors():
    # smtpd_hard_error_limit (20): the politeness the prober must respect.
    # Beyond smtpd_soft_error_limit (10) each error reply is delayed 1 s.
    with RawSmtp(KNOWN_MX, timeout=30) as s:
        s.reply()
        s.command("EHLO tester.mptest")
        s.command("MAIL FROM:<limits@fixture-test.mptest>")
        codes = []
        for i in range(25):
            try:
                codes.append(s.command("RCPT TO:<nobody%d@known.mptest>" % i, timeout=30)[0])
            except (EOFError, ConnectionError):
                break
        check_eq(codes[:20], [550] * 20, "first 20 rejections")
        check_eq(codes[20:], [421], "then 421 and close")


# --- advsmtp.py ----------------------------------------------------------

@test
def adversarial_silent_never_greets():
    with RawSmtp(ADVERSARIAL["silent"]) as s:
        try:
            data = s.recv_some(3)
        except socket.timeout:
            data = None
        check_eq(data, None, "bytes from a silent server")


@test
def adversarial_greet554_refuses_in_the_greeting():
    with RawSmtp(ADVERSARIAL["greet554"]) as s:
        check_eq(s.reply(), (554, ["5.7.1 No SMTP service here"]), "greeting")
        check_eq(s.command("EHLO tester.mptest")[0], 503, "EHLO after 554")
        check_eq(s.command("QUIT")[0], 221, "QUIT")


@test
def adversarial_slow_sends_one_byte_per_second():
    with RawSmtp(ADVERSARIAL["slow"]) as s:
        arrivals = []
        for _ in range(3):
            check_eq(len(s.recv_some(5)), 1, "bytes per read")
            arrivals.append(time.monotonic())
        check(arrivals[2] - arrivals[0] >= 1.8, "3 bytes in %.1fs" % (arrivals[2] - arrivals[0]))


@test
def adversarial_hugeline_greets_with_1_mib_without_crlf():
    with RawSmtp(ADVERSARIAL["hugeline"]) as s:
        data = b""
        while len(data) < 1 << 20:
            chunk = s.recv_some(10)
            check(chunk, "EOF after %d bytes" % len(data))
            data += chunk
        check_eq(len(data), 1 << 20, "greeting length")
        check(data.startswith(b"220 ") and b"\n" not in data, "a line without end")
        try:
            more = s.recv_some(1)
        except socket.timeout:
            more = None
        check_eq(more, None, "bytes after the huge line")


@test
def adversarial_multiline_answers_pipelined_commands_in_multiline_replies():
    with RawSmtp(ADVERSARIAL["multiline"]) as s:
        code, lines = s.reply()
        check(code == 220 and len(lines) > 1, "multi-line greeting: %r" % lines)
        code, lines = s.command("EHLO tester.mptest")
        check_in("PIPELINING", lines, "EHLO keywords")
        # One write, three commands (RFC 2920): three replies in order.
        s.sock.sendall(b"MAIL FROM:<a@fixture-test.mptest>\r\nRCPT TO:<x@multiline.mptest>\r\n"
                       b"RCPT TO:<y@multiline.mptest>\r\n")
        for what in ("MAIL", "RCPT x", "RCPT y"):
            code, lines = s.reply()
            check(code == 250 and len(lines) > 1, "%s: %r %r" % (what, code, lines))
        code, lines = s.command("QUIT")
        check(code == 221 and len(lines) > 1, "QUIT: %r" % lines)


@test
def adversarial_reset_sends_rst_at_the_second_rcpt():
    with RawSmtp(ADVERSARIAL["reset"]) as s:
        s.reply()
        s.command("EHLO tester.mptest")
        s.command("MAIL FROM:<a@fixture-test.mptest>")
        check_eq(s.command("RCPT TO:<one@reset.mptest>")[0], 250, "first RCPT")
        s.send("RCPT TO:<two@reset.mptest>")
        try:
            data = s.recv_some(5)
        except ConnectionResetError:
            return
        raise AssertionError("expected a connection reset, got %r" % data)


@test
def adversarial_limit421_closes_after_3_rcpts():
    with RawSmtp(ADVERSARIAL["limit421"]) as s:
        s.reply()
        s.command("EHLO tester.mptest")
        s.command("MAIL FROM:<a@fixture-test.mptest>")
        codes = [s.command("RCPT TO:<%s@limit421.mptest>" % u)[0] for u in ("a", "nobody", "b")]
        check_eq(codes, [250, 550, 250], "first three RCPTs")
        check_eq(s.command("RCPT TO:<c@limit421.mptest>"),
                 (421, ["4.7.0 Too many recipients, closing"]), "fourth RCPT")
        check_eq(s.recv_some(5), b"", "closed after 421")


@test
def adversarial_garbage_answers_rcpt_with_non_smtp():
    with RawSmtp(ADVERSARIAL["garbage"]) as s:
        s.reply()
        s.command("EHLO tester.mptest")
        check_eq(s.command("MAIL FROM:<a@fixture-test.mptest>")[0], 250, "MAIL")
        s.send("RCPT TO:<x@garbage.mptest>")
        line = s.read_line()
        check(not line[:3].isdigit(), "looks like a reply: %r" % line)


@test
def adversarial_acceptall_accepts_any_recipient():
    replies = rcpt_replies(ADVERSARIAL["acceptall"], [mptest.unique("zz") + "@acceptall.mptest",
                                                      "nobody@proofpoint.mptest"])
    check_eq([r[0] for r in replies], [250, 250], "RCPT")


@test
def adversarial_earlyclose_closes_on_ehlo_without_reply():
    with RawSmtp(ADVERSARIAL["earlyclose"]) as s:
        check_eq(s.reply()[0], 220, "greeting")
        s.send("EHLO tester.mptest")
        check_eq(s.recv_some(5), b"", "EOF instead of an EHLO reply")


@test
def adversarial_stall_answers_the_first_rcpt_of_a_pipelined_burst_then_nothing():
    with RawSmtp(ADVERSARIAL["stall"]) as s:
        check_eq(s.reply()[0], 220, "greeting")
        code, lines = s.command("EHLO tester.mptest")
        check_eq(code, 250, "EHLO")
        check_in("PIPELINING", lines, "EHLO keywords")
        check_eq(s.command("MAIL FROM:<probe@fixture-test.mptest>")[0], 250, "MAIL FROM")
        for rcpt in ("a@stall.mptest", "b@stall.mptest", "c@stall.mptest"):
            s.send("RCPT TO:<%s>" % rcpt)
        check_eq(s.reply(), (250, ["2.1.5 Ok"]), "the first RCPT's reply")
        s.send("QUIT")
        try:
            data = s.recv_some(3)
        except socket.timeout:
            data = None
        check_eq(data, None, "nothing more (no reply, no close) within 3 s")


@test
def dns_every_corpus_row_has_its_provider_mx_on_127_0_0_30():
    for row in REPLY_ROWS:
        check_eq(mx("%s.replies.mptest" % row["id"]), [(10, row["mx_host"])], row["id"])
    for host in sorted({row["mx_host"] for row in REPLY_ROWS}):
        check_eq(address(host), [ADVERSARIAL["replies"]], host)
    # Only those names: the rest of the providers' zones is not served.
    check_eq(mptest.dns("www.google.com", "A", timeout=10)["rcode"], "SERVFAIL", "www.google.com")


@test
def adversarial_replies_sends_each_corpus_reply_line_for_line():
    """Every row's reply arrives exactly as written in the corpus (raw
    lines, {rcpt} replaced); other local parts are unknown users."""
    for row in REPLY_ROWS:
        rcpt = replies.address_of(row)
        with RawSmtp(ADVERSARIAL["replies"]) as s:
            check_eq(s.reply()[0], 220, "greeting")
            s.command("EHLO tester.mptest")
            check_eq(s.command("MAIL FROM:<a@fixture-test.mptest>")[0], 250, "MAIL")
            s.send("RCPT TO:<%s>" % rcpt)
            got = [s.read_line().decode() for _ in row["lines"]]
            check_eq(got, [line.replace("{rcpt}", rcpt) for line in row["lines"]], row["id"])
    check_eq(rcpt_replies(ADVERSARIAL["replies"], ["other@r001.replies.mptest"]),
             [(550, (UNKNOWN_USER % "other@r001.replies.mptest")[4:])], "another local part")


@test
def adversarial_txlimit_takes_two_recipients_per_transaction():
    check_eq(mx("txlimit.mptest"), [(10, "mx.txlimit.mptest")], "MX")
    with RawSmtp(ADVERSARIAL["replies"]) as s:
        check_eq(s.reply()[0], 220, "greeting")
        s.command("EHLO tester.mptest")
        for _ in range(2):  # the limit holds per transaction, RSET starts anew
            check_eq(s.command("MAIL FROM:<a@fixture-test.mptest>")[0], 250, "MAIL")
            check_eq(s.command("RCPT TO:<a@txlimit.mptest>")[0], 250, "1st")
            check_eq(s.command("RCPT TO:<no1@txlimit.mptest>")[0], 550, "2nd")
            check_eq(s.command("RCPT TO:<b@txlimit.mptest>"), (452, ["4.5.3 Error: too many recipients"]), "3rd")
            check_eq(s.command("RSET")[0], 250, "RSET")


@test
def nothing_listens_on_the_dead_and_private_addresses():
    check(refused(DEAD_MX), DEAD_MX)
    check(refused("127.0.0.99"), "127.0.0.99")


if __name__ == "__main__":
    mptest.main()
