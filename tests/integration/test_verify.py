# ctest-labels: integration fixture
"""`mailprobe verify` against the loopback fixture: every catalogue case
(tests/fixture/README.md) ends with the right status, reason and SMTP fields
within its time limit; batching, CSV, transcripts and the safety of command
lines."""
import json
import os
import socket
import struct
import subprocess
import threading
import time

import mptest
from mptest import check, check_eq, check_in, test

# Short limits for the servers that misbehave, so tests stay quick.
FAST = ["--connect-timeout", "3s", "--command-timeout", "3s", "--timeout", "12s", "--no-progress"]


def verify(*addresses, extra=()):
    return mptest.verify(*addresses, extra=list(FAST) + list(extra))


def one(address, extra=()):
    records = verify(address, extra=extra)
    check_eq(len(records), 1, "records for %s" % address)
    return records[0]


def stats_of(run):
    """The JSON counters --stats prints as the last '{' line on stderr."""
    lines = [l for l in run.stderr.splitlines() if l.startswith("{")]
    check(lines, "no --stats line on stderr: %r" % run.stderr[-300:])
    return json.loads(lines[-1])


def raw_run(*args, fixture_flags=True, timeout=120):
    """Runs mailprobe verify without parsing stdout as NDJSON (CSV, --help)."""
    argv = [mptest.MAILPROBE, "verify"] + (mptest.FIXTURE_FLAGS if fixture_flags else []) + list(args)
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout)


def expect(r, status, reason, code=None, enhanced=None):
    what = r["email"]
    check_eq(r["status"], status, "%s status" % what)
    check_eq(r["reason"], reason, "%s reason" % what)
    if code is not None:
        check_eq(r["smtp"]["code"], code, "%s smtp.code" % what)
    if enhanced is not None:
        check_eq(r["smtp"]["enhanced_code"], enhanced, "%s smtp.enhanced_code" % what)


# --- Postfix: real mailboxes ---------------------------------------------------

@test
def known_user_is_deliverable():
    r = one("alice@known.mptest")
    expect(r, "deliverable", "accepted", 250, "2.1.5")
    check_eq(r["smtp"]["result"], "accepted", "smtp.result")
    check_eq(r["smtp"]["host"], "mx1.known.mptest", "smtp.host")
    check_eq(r["smtp"]["catch_all"], False, "catch_all (the random RCPT was refused)")
    check_eq(r["mx"]["result"], "ok", "mx.result")
    check_eq(r["mx"]["hosts"], [{"host": "mx1.known.mptest", "preference": 10}], "mx.hosts")
    check_eq(r["provider"], None, "provider")


@test
def unknown_user_is_undeliverable():
    r = one("zed@known.mptest")
    expect(r, "undeliverable", "mailbox_not_found", 550, "5.1.1")
    check_eq(r["smtp"]["result"], "rejected", "smtp.result")
    check_in("User unknown", r["smtp"]["message"], "smtp.message (the server's own words)")


@test
def catch_all_is_risky_and_tested_after_the_real_recipients():
    run = mptest.run("verify", *FAST, "--transcript", "--stats", "alice@catchall.mptest", "bob@catchall.mptest")
    check_eq(run.returncode, 0, "exit status")
    for r in run.records:
        expect(r, "risky", "catch_all", 250)
        check_eq(r["smtp"]["catch_all"], True, "catch_all")
    rcpts = [l for l in run.records[1]["transcript"] if l.startswith("C: RCPT TO:")]
    check_eq(rcpts[:2], ["C: RCPT TO:<alice@catchall.mptest>", "C: RCPT TO:<bob@catchall.mptest>"], "real first")
    check(len(rcpts) == 3 and rcpts[2].startswith("C: RCPT TO:<mp-"), "catch-all RCPT last: %r" % rcpts)
    st = stats_of(run)
    check_eq(st["catch_all_tests"], 1, "one catch-all RCPT per domain per run")
    check_eq(st["sessions_opened"], 1, "one session for the domain")


ACCESS = [
    # local part, status, reason, code, enhanced
    ("full", "risky", "mailbox_full", 452, "4.2.2"),
    ("quota", "risky", "mailbox_full", 552, "5.2.2"),
    ("disabled", "undeliverable", "mailbox_disabled", 550, "5.2.1"),
    ("blocked", "unknown", "blocked", 550, "5.7.1"),
    ("policy", "unknown", "blocked", 554, "5.7.1"),
    ("gone", "undeliverable", "mailbox_not_found", 550, "5.1.0"),
    ("tempfail", "unknown", "temporary_failure", 451, "4.3.0"),
    ("bob", "deliverable", "accepted", 250, "2.1.5"),
]


@test
def access_map_replies_are_classified():
    records = verify(*["%s@access.mptest" % a[0] for a in ACCESS], "moved@access.mptest")
    check_eq(len(records), len(ACCESS) + 1, "one result per address")
    for (local, status, reason, code, enhanced), r in zip(ACCESS, records):
        check_eq(r["email"], "%s@access.mptest" % local, "input order")
        expect(r, status, reason, code, enhanced)
    check_eq(records[2]["smtp"]["result"], "rejected", "disabled is a mailbox answer")
    check_eq(records[3]["smtp"]["result"], "unavailable", "5.7.1 blocks us, not the mailbox")
    check(isinstance(records[6]["retry_after"], int) and records[6]["retry_after"] > 0, "tempfail retry_after")
    moved = records[-1]
    check_eq((moved["smtp"]["code"], moved["smtp"]["enhanced_code"]), (551, "5.1.6"), "moved reply")
    expect(moved, "undeliverable", "mailbox_not_found")
    check_in("please try", moved["smtp"]["message"], "the forward path stays in the server's words")


@test
def greylisting_without_wait_reports_retry_after():
    sender = "%s@sender.mptest" % mptest.unique("g")
    r = one("alice@grey.mptest", extra=["--from", sender])
    expect(r, "unknown", "greylisted", 450, "4.2.0")
    check(isinstance(r["retry_after"], int) and r["retry_after"] > 0, "retry_after: %r" % r["retry_after"])
    check_eq(r["action"], "retry", "action")


@test
def greylisting_with_wait_retries_with_the_same_sender():
    sender = "%s@sender.mptest" % mptest.unique("w")
    started = time.monotonic()
    run = mptest.run("verify", *FAST, "--from", sender, "--greylist-wait", "4", "--stats",
                     "alice@grey.mptest", "nobody@grey.mptest")
    elapsed = time.monotonic() - started
    check_eq(run.returncode, 0, "exit status")
    expect(run.records[0], "deliverable", "accepted", 250)
    expect(run.records[1], "undeliverable", "mailbox_not_found", 550, "5.1.1")
    check(elapsed >= 3.5, "waited for the greylisting delay (%.1fs)" % elapsed)
    check(elapsed < 20, "but not much longer (%.1fs)" % elapsed)
    check(stats_of(run)["greylist_retries"] >= 2, "both retried once")


@test
def greylist_wait_longer_than_the_domain_idle_time_keeps_the_domain():
    # A probe waiting out --greylist-wait keeps its domain: with the idle
    # time shortened to 0.5 s (test-only variable) a 4 s wait used to free
    # the domain under the probe, and the retry touched freed memory
    # (heap-use-after-free under ASan, a crash or garbage without it).
    sender = "%s@sender.mptest" % mptest.unique("i")
    argv = [mptest.MAILPROBE, "verify"] + mptest.FIXTURE_FLAGS + list(FAST) + [
        "--from", sender, "--greylist-wait", "4", "--stats", "alice@grey.mptest", "nobody@grey.mptest"]
    env = dict(os.environ, MAILPROBE_TEST_DOMAIN_IDLE_MS="500")
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=60, env=env)
    check_eq(proc.returncode, 0, "exit status (stderr: %r)" % proc.stderr[-2000:])
    records = mptest.parse_ndjson(proc.stdout)
    check_eq(len(records), 2, "records")
    expect(records[0], "deliverable", "accepted", 250)
    expect(records[1], "undeliverable", "mailbox_not_found", 550, "5.1.1")
    check_eq(records[0]["mx"]["hosts"], [{"host": "mx1.grey.mptest", "preference": 10}], "the domain's MX, intact")


@test
def domain_and_host_memory_stay_within_their_caps():
    # 20 undefined domains (NXDOMAIN) and 6 real ones on 5 MX addresses,
    # with room for 4 domains and 2 hosts: the ones idle the longest are
    # forgotten, and a forgotten domain asked again is resolved and tested
    # again — same answers as without caps.
    tag = mptest.unique("cap")
    real = ["alice@known.mptest", "alice@backup.mptest", "alice@tls.mptest", "x@acceptall.mptest",
            "alice@implicit.mptest", "alice@catchall.mptest"]
    addresses = ["u@nx%02d-%s.mptest" % (i, tag) for i in range(20)] + real + ["bob@known.mptest"]
    run = mptest.run("verify", *FAST, "--max-domains", "4", "--max-hosts", "2", "--concurrency", "2", "--stats",
                     *addresses)
    check_eq(run.returncode, 0, "exit status: %r" % run)
    by_email = {r["email"]: r for r in run.records}
    check_eq(len(by_email), len(addresses), "one result per address")
    for a in addresses[:20]:
        expect(by_email[a], "undeliverable", "domain_not_found")
    for a in ("alice@known.mptest", "alice@backup.mptest", "alice@tls.mptest", "alice@implicit.mptest",
              "bob@known.mptest"):
        expect(by_email[a], "deliverable", "accepted", 250)
    check_eq(by_email["alice@catchall.mptest"]["smtp"]["catch_all"], True, "catch-all, tested after eviction")
    stats = stats_of(run)
    # In use at the end: at most the sessions still saying QUIT (--concurrency 2).
    check(stats["domains"] <= 4 + 2, "domains remembered: %r" % stats)
    check(stats["domains_evicted"] >= 20, "idle domains forgotten at the cap: %r" % stats)
    check(stats["hosts"] <= 2 + 2, "hosts remembered: %r" % stats)
    check(stats["hosts_evicted"] >= 3, "idle hosts forgotten at the cap: %r" % stats)


@test
def every_finished_probe_is_freed():
    # Addresses answered inside a session (accepted, rejected, handed back
    # after failures) used to stay in memory for the prober's lifetime: a
    # long-running server grew with every address. At the end of a run no
    # probe is left.
    addresses = ["alice@known.mptest", "zed@known.mptest", "bob@known.mptest", "alice@catchall.mptest",
                 "x@acceptall.mptest", "full@access.mptest", "a@reset.mptest", "b@reset.mptest",
                 "not an address", "u@nosuch.mptest"]
    run = mptest.run("verify", *FAST, "--stats", *addresses)
    check_eq(run.returncode, 0, "exit status: %r" % run)
    check_eq(len(run.records), len(addresses), "results")
    stats = stats_of(run)
    check_eq(stats["probes"], 0, "probes left in memory after every result came out: %r" % stats)


@test
def memory_caps_refuse_bad_values():
    for flag, value in (("--max-domains", "0"), ("--max-hosts", "x"), ("--max-queued", "-1")):
        proc = raw_run(flag, value, "alice@known.mptest")
        check_eq(proc.returncode, 2, "%s %s: exit status" % (flag, value))
        check_in(flag, proc.stderr, "the message names the option")


# --- DNS outcomes -----------------------------------------------------------------

@test
def backup_mx_is_used_after_a_dead_primary():
    r = one("alice@backup.mptest")
    expect(r, "deliverable", "accepted", 250)
    check_eq(r["smtp"]["host"], "mx2.backup.mptest", "answered by the backup MX")
    check_eq([h["host"] for h in r["mx"]["hosts"]], ["mx-dead.backup.mptest", "mx2.backup.mptest"], "MX order")


@test
def dead_domain_is_connection_failed():
    r = one("a@dead.mptest")
    expect(r, "unknown", "connection_failed")
    check_eq(r["smtp"]["result"], "unavailable", "smtp.result")
    check_eq(r["action"], "retry", "action")


@test
def dns_outcomes():
    records = verify("a@nullmx.mptest", "alice@implicit.mptest", "a@noaddr.mptest", "a@nosuch.mptest",
                     "a@servfail.mptest")
    expect(records[0], "undeliverable", "null_mx")
    check_eq(records[0]["mx"]["result"], "null_mx", "mx.result")
    check_eq(records[0]["smtp"]["result"], "not_checked", "no SMTP for a null MX")
    expect(records[1], "deliverable", "accepted", 250)
    check_eq(records[1]["mx"]["implicit"], True, "implicit MX")
    expect(records[2], "undeliverable", "no_mail_host")
    expect(records[3], "undeliverable", "domain_not_found")
    check_eq(records[3]["mx"]["result"], "nxdomain", "mx.result")
    expect(records[4], "unknown", "dns_error")


@test
def private_target_is_blocked_without_connecting():
    run = mptest.run("verify", "--dns", mptest.FIXTURE_DNS, "--smtp-port", str(mptest.SMTP_PORT),
                     "--allow-net", "127.0.0.0/26", "--stats", "--no-progress", "a@private.mptest",
                     fixture_flags=False)
    check_eq(run.returncode, 0, "exit status")
    expect(run.records[0], "unknown", "blocked_target")
    check_eq(run.records[0]["mx"]["result"], "blocked_target", "mx.result")
    check_eq(stats_of(run)["sessions_opened"], 0, "never connected")


# --- adversarial servers -----------------------------------------------------------

@test
def silent_server_times_out():
    started = time.monotonic()
    r = one("a@silent.mptest")
    expect(r, "unknown", "timeout")
    check(time.monotonic() - started < 10, "within the connect timeout")


@test
def greeting_554_is_blocked():
    r = one("a@greet554.mptest")
    expect(r, "unknown", "blocked", 554, "5.7.1")
    check_in("No SMTP service here", r["smtp"]["message"], "message")


@test
def slow_server_times_out():
    started = time.monotonic()
    r = one("a@slow.mptest")
    expect(r, "unknown", "timeout")
    check(time.monotonic() - started < 10, "within the connect timeout")


@test
def huge_line_is_a_protocol_error():
    started = time.monotonic()
    r = one("a@hugeline.mptest")
    expect(r, "unknown", "protocol_error")
    check(time.monotonic() - started < 10, "quickly")


@test
def multiline_replies_are_joined():
    records = verify("a@multiline.mptest", "b@multiline.mptest")
    for r in records:
        check_eq(r["smtp"]["code"], 250, "code")
        check_eq(r["smtp"]["result"], "accepted", "smtp.result")
        check_eq(r["smtp"]["catch_all"], True, "accepts everyone: catch-all")
        check(" " in r["smtp"]["message"], "lines joined: %r" % r["smtp"]["message"])


@test
def reset_connection_reconnects_and_answers_everyone():
    addresses = ["r%d@reset.mptest" % i for i in range(1, 5)]
    records = verify(*addresses)
    check_eq([r["email"] for r in records], addresses, "one result each, in order")
    for r in records:
        check_eq(r["smtp"]["result"], "accepted", "%s smtp.result" % r["email"])


@test
def limit_421_reconnects_and_continues():
    addresses = ["a1", "no2", "a3", "a4", "no5", "a6", "a7", "no8", "a9", "a10"]
    run = mptest.run("verify", *FAST, "--stats", "--no-catch-all", *["%s@limit421.mptest" % a for a in addresses])
    check_eq(run.returncode, 0, "exit status")
    check_eq(len(run.records), len(addresses), "every address has a result")
    for local, r in zip(addresses, run.records):
        if local.startswith("no"):
            expect(r, "undeliverable", "mailbox_not_found", 550, "5.1.1")
        else:
            expect(r, "deliverable", "accepted", 250)
    check(stats_of(run)["sessions_opened"] >= 4, "reconnected after each 421")


@test
def garbage_is_a_protocol_error():
    r = one("a@garbage.mptest")
    expect(r, "unknown", "protocol_error")


@test
def server_silent_after_the_first_reply_of_a_burst_times_out_and_the_rest_reconnect():
    # stall.mptest answers the first RCPT of each connection, then nothing:
    # the rest of a pipelined burst must time out after --command-timeout
    # (not hang the session until --timeout) and be asked again in new
    # sessions, where each gets its own answer.
    run = mptest.run("verify", "--connect-timeout", "3s", "--command-timeout", "2s", "--timeout", "40s",
                     "--no-progress", "--stats", "a@stall.mptest", "b@stall.mptest", "c@stall.mptest", timeout=90)
    check_eq(run.returncode, 0, "exit status: %r" % run)
    check_eq([r["email"] for r in run.records], ["a@stall.mptest", "b@stall.mptest", "c@stall.mptest"], "records")
    for r in run.records:
        check_eq(r["smtp"]["code"], 250, "%s smtp.code (its own answer, not a timeout)" % r["email"])
        check(r["reason"] != "timeout", "%s reason %s" % (r["email"], r["reason"]))
    check(run.seconds < 30, "took %.1fs: the burst waited for --timeout, not --command-timeout" % run.seconds)
    check(stats_of(run)["sessions_opened"] >= 3, "one session per answered recipient at least")


@test
def accept_all_gateway_is_risky():
    r = one("someone@acceptall.mptest")
    expect(r, "risky", "catch_all", 250)
    check_eq(r["smtp"]["catch_all"], True, "catch_all")


@test
def early_close_is_connection_failed():
    r = one("a@earlyclose.mptest")
    expect(r, "unknown", "connection_failed")


@test
def proofpoint_is_an_accept_all_provider():
    r = one("someone@proofpoint.mptest")
    expect(r, "risky", "accept_all_provider", 250)
    check_eq(r["provider"], "proofpoint", "provider")
    check_eq(r["smtp"]["host"], "mx0a-001.pphosted.com", "smtp.host")


@test
def utf8_local_part_needs_smtputf8_from_the_server():
    records = verify("jos\u00e9@acceptall.mptest", "jos\u00e9@known.mptest", extra=["--transcript"])
    expect(records[0], "unknown", "smtputf8_unsupported")
    check(not any(l.startswith("C: RCPT") for l in records[0]["transcript"]), "never sent without SMTPUTF8")
    expect(records[1], "undeliverable", "mailbox_not_found", 550, "5.1.1")
    check_in("C: RCPT TO:<jos\u00e9@known.mptest>", records[1]["transcript"], "sent as UTF-8")
    check_in("C: MAIL FROM:<probe@", " ".join(records[1]["transcript"]), "default sender")


class Socks5Proxy:
    """A minimal SOCKS5 proxy on loopback (no auth, CONNECT only) that
    records where it was asked to connect."""

    def __init__(self):
        self.targets = []
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(16)
        self.port = self.server.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(client,), daemon=True).start()

    @staticmethod
    def _pipe(a, b):
        try:
            while True:
                data = a.recv(65536)
                if not data:
                    break
                b.sendall(data)
        except OSError:
            pass
        for sock in (a, b):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def _handle(self, c):
        c.recv(262)
        c.sendall(b"\x05\x00")
        head = c.recv(4)
        host = socket.inet_ntoa(c.recv(4)) if head[3] == 1 else c.recv(c.recv(1)[0]).decode()
        port = struct.unpack(">H", c.recv(2))[0]
        self.targets.append((host, port))
        upstream = socket.create_connection((host, port))
        c.sendall(b"\x05\x00\x00\x01\x00\x00\x00\x00\x00\x00")
        threading.Thread(target=self._pipe, args=(c, upstream), daemon=True).start()
        self._pipe(upstream, c)

    def close(self):
        self.server.close()


@test
def socks5_proxy_carries_the_smtp_session():
    proxy = Socks5Proxy()
    try:
        r = one("alice@known.mptest", extra=["--proxy", "socks5://127.0.0.1:%d" % proxy.port])
        expect(r, "deliverable", "accepted", 250)
        check_eq(proxy.targets[:1], [("127.0.0.10", mptest.SMTP_PORT)], "the proxy connected to the MX address")
    finally:
        proxy.close()


@test
def proxies_that_resolve_names_themselves_are_refused():
    # socks5h:// and socks4a:// hand the proxy the MX *name*: it would
    # resolve it with its own DNS and connect wherever that says, past the
    # address checks (docs/dns-and-safety.md). A usage error, for both commands.
    for scheme in ("socks5h", "socks4a"):
        for command in ("verify", "serve"):
            run = mptest.run(command, "--proxy", "%s://127.0.0.1:1080" % scheme, *(["x@known.mptest"]
                             if command == "verify" else ["--db", ":memory:"]), timeout=30)
            check_eq(run.returncode, 2, "%s --proxy %s" % (command, scheme))
            check_in("resolve", run.stderr, "says why: %r" % run.stderr)


@test
def proxy_environment_variables_are_never_used():
    # libcurl reads ALL_PROXY / smtp_proxy when no proxy is set; the SMTP
    # sessions must connect directly to the checked address all the same.
    proxy = Socks5Proxy()
    try:
        env = dict(os.environ, ALL_PROXY="socks5h://127.0.0.1:%d" % proxy.port,
                   all_proxy="socks5h://127.0.0.1:%d" % proxy.port, smtp_proxy="socks5h://127.0.0.1:%d" % proxy.port)
        proc = subprocess.run([mptest.MAILPROBE, "verify"] + mptest.FIXTURE_FLAGS + list(FAST) + ["alice@known.mptest"],
                              capture_output=True, text=True, timeout=60, env=env)
        (r,) = mptest.parse_ndjson(proc.stdout)
        expect(r, "deliverable", "accepted", 250)
        check_eq(proxy.targets, [], "the proxy of the environment was not asked")
    finally:
        proxy.close()


# --- batching, ordering, formats ------------------------------------------------------

def known_batch(n):
    users = ["alice", "bob", "carol", "info", "postmaster"]
    return [(users[i] if i < len(users) else "user%03d" % i) + "@known.mptest" for i in range(n)]


@test
def batching_150_addresses_uses_few_sessions_and_stays_under_error_limits():
    addresses = known_batch(150)
    run = mptest.run("verify", *FAST, "--stats", "--per-host-rate", "50", "--timeout", "60s", "-",
                     stdin="\n".join(addresses) + "\n")
    check_eq(run.returncode, 0, "exit status")
    check_eq([r["email"] for r in run.records], addresses, "one result each, in input order")
    for r in run.records[:5]:
        expect(r, "deliverable", "accepted", 250)
    for r in run.records[5:]:
        expect(r, "undeliverable", "mailbox_not_found", 550, "5.1.1")
    st = stats_of(run)
    per = st["sessions_opened"] / 150.0
    check(per <= 0.15, "sessions per address %.3f > 0.15 (%r)" % (per, st))
    check_eq(st["sessions_failed"], 0, "no session hit Postfix's error limits")


@test
def no_batching_opens_one_session_per_address():
    addresses = ["user%d@known.mptest" % i for i in range(6)]
    run = mptest.run("verify", *FAST, "--stats", "--max-rcpt-per-session", "1", "--per-host-rate", "50", *addresses)
    check_eq(run.returncode, 0, "exit status")
    check_eq(stats_of(run)["sessions_opened"], 6, "sessions")
    check_eq(stats_of(run)["rcpt_sent"], 6, "RCPTs")


@test
def queued_addresses_do_not_time_out_while_waiting_their_turn():
    # 60 addresses, one session at a time, 10 RCPTs each, 2 sessions/s:
    # ~3 s of work under a 1.5 s --timeout. Waiting behind the domain's own
    # busy sessions extends the budget; nothing is answered "timeout".
    addresses = known_batch(60)
    run = mptest.run("verify", "--no-progress", "--stats", "--timeout", "1500ms", "--per-host-connections", "1",
                     "--per-host-rate", "2", "--max-rcpt-per-session", "10", *addresses)
    check_eq([r["email"] for r in run.records], addresses, "one result each")
    reasons = sorted(set(r["reason"] for r in run.records))
    check_eq(reasons, ["accepted", "mailbox_not_found"], "reasons")
    check(stats_of(run)["sessions_opened"] >= 6, "really queued behind several sessions")


@test
def results_keep_input_order_when_a_slow_address_comes_first():
    addresses = ["a@silent.mptest", "alice@known.mptest", "x@nosuch.mptest", "not an address"]
    records = verify(*addresses)
    check_eq([r["email"] for r in records], addresses, "input order")
    expect(records[3], "undeliverable", "invalid_syntax")


@test
def csv_input_keeps_its_columns_and_gains_results():
    path = os.path.join(mptest.FIXTURE_DIR or "/tmp", "verify-%s.csv" % mptest.unique())
    with open(path, "w") as f:
        f.write('name,E-mail,notes\n"Smith, Alice",alice@known.mptest,"said ""hi"""\nZed,zed@known.mptest,\n')
    try:
        run = raw_run(*FAST, "--format", "csv", "--input", path)
        check_eq(run.returncode, 0, "exit status")
        lines = run.stdout.splitlines()
        check_eq(len(lines), 3, "header + 2 rows: %r" % run.stdout)
        check(lines[0].startswith("name,E-mail,notes,status,reason,action,score"), "header: %r" % lines[0])
        check(lines[1].startswith('"Smith, Alice",alice@known.mptest,"said ""hi""",deliverable,accepted,send,'),
              "row 1: %r" % lines[1])
        check(lines[2].startswith("Zed,zed@known.mptest,,undeliverable,mailbox_not_found,remove,"),
              "row 2: %r" % lines[2])
        # --column picks another column; NDJSON output works with CSV input too.
        run = mptest.run("verify", *FAST, "--column", "e-mail", "--input", path)
        check_eq([r["email"] for r in run.records], ["alice@known.mptest", "zed@known.mptest"], "by --column")
        bad = mptest.run("verify", *FAST, "--column", "nope", "--input", path)
        check_eq(bad.records, [], "no results for a missing column")
        check_eq(bad.returncode, 2, "a missing column is a usage error")
        check_in('no column "nope"', bad.stderr, "the message names it")
    finally:
        os.unlink(path)


@test
def csv_output_for_plain_addresses():
    run = raw_run(*FAST, "--format", "csv", "alice@known.mptest", "bad@@x")
    lines = run.stdout.splitlines()
    check_eq(lines[0].split(",")[:3], ["email", "status", "reason"], "header")
    check(lines[1].startswith("alice@known.mptest,deliverable,accepted,"), "row: %r" % lines[1])
    check(lines[2].startswith("bad@@x,undeliverable,invalid_syntax,"), "row: %r" % lines[2])


@test
def transcript_records_the_conversation_and_never_data():
    r = one("alice@known.mptest", extra=["--transcript", "--helo", "prober.mptest", "--from", "me@prober.mptest"])
    t = r["transcript"]
    check_in("C: EHLO prober.mptest", t, "our own HELO name")
    check_in("C: MAIL FROM:<me@prober.mptest> SMTPUTF8", t, "our sender")
    check_in("C: RCPT TO:<alice@known.mptest>", t, "the RCPT")
    check(any(l.startswith("S: 250 2.1.5") for l in t), "the reply")
    check(not any(l.startswith("C: DATA") for l in t), "never DATA")
    check("transcript" not in one("alice@known.mptest"), "no transcript unless asked")


@test
def cr_lf_and_nul_in_input_never_reach_the_server():
    marker = mptest.unique("injected")
    evil = ["victim@acceptall.mptest\rRCPT TO:<%s@acceptall.mptest>" % marker,
            "victim@acceptall.mptest\x00RCPT TO:<%s@acceptall.mptest>" % marker,
            "%s@acceptall.mptest\rDATA" % marker]
    run = mptest.run("verify", *FAST, "--transcript", "-", stdin="\n".join(evil) + "\n")
    check_eq(len(run.records), 3, "one result per line")
    for r in run.records:
        expect(r, "undeliverable", "invalid_syntax")
        check_eq(r["smtp"]["result"], "not_checked", "never sent")
    log = os.path.join(mptest.FIXTURE_DIR, "advsmtp.log") if mptest.FIXTURE_DIR else None
    if log and os.path.exists(log):
        with open(log, errors="replace") as f:
            check(marker not in f.read(), "the marker reached the server")


# --- the progress line on a terminal ---------------------------------------------------

def verify_with_stderr_on_tty(args):
    """Runs mailprobe verify with stderr on a pseudo-terminal (stdout a pipe);
    returns (stdout, what the terminal showed)."""
    _, out, shown = mptest.run_on_tty([mptest.MAILPROBE, "verify"] + mptest.FIXTURE_FLAGS + list(args), "stderr")
    return out.decode(), shown


@test
def progress_line_on_a_terminal_counts_by_status():
    args = ["--connect-timeout", "3s", "--command-timeout", "3s", "--timeout", "12s",
            "alice@known.mptest", "zed@known.mptest", "x@catchall.mptest", "not an address"]
    out, shown = verify_with_stderr_on_tty(args)
    check_eq(len(mptest.parse_ndjson(out)), 4, "results still go to stdout, one each")
    final = shown.replace("\r", "\n").strip().splitlines()[-1]
    check_in("4 done / 4 read", final, "the last progress line")
    for counted in ("deliverable 1", "undeliverable 2", "risky 1", "unknown 0"):
        check_in(counted, final, "counts by status")
    # Not on a terminal, or with --no-progress: nothing but results and errors.
    check("done /" not in mptest.run("verify", *FAST, "alice@known.mptest").stderr, "no progress off a terminal")
    out, shown = verify_with_stderr_on_tty(["--no-progress", "alice@known.mptest"])
    check("done /" not in shown, "--no-progress")


# --- STARTTLS (Postfix on 127.0.0.13 offers it, self-signed) ----------------------

def tls_sessions_logged():
    """How many TLS sessions the fixture's Postfix has logged so far."""
    if not mptest.FIXTURE_DIR:
        return None  # a fixture started by hand elsewhere: skip the log checks
    log = os.path.join(mptest.FIXTURE_DIR, "maillog")
    check(os.path.exists(log), "the fixture's Postfix log %s exists" % log)
    with open(log, errors="replace") as f:
        return sum(1 for line in f if "TLS connection established from" in line)


def wait_for_tls_log(before, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        now = tls_sessions_logged()
        if now is None or now > before:
            return now
        time.sleep(0.1)
    return tls_sessions_logged()


@test
def starttls_is_used_when_offered():
    before = tls_sessions_logged()
    r = one("alice@tls.mptest", extra=["--transcript"])
    expect(r, "deliverable", "accepted", 250, "2.1.5")
    check_eq(r["smtp"]["host"], "mx.tls.mptest", "smtp.host")
    if before is not None:
        check(wait_for_tls_log(before) > before, "Postfix logged a TLS session for the probe")
        print("  TLS sessions logged by Postfix: %d" % tls_sessions_logged())
    # Everything after the handshake still went through the encrypted stream.
    check_in("C: RCPT TO:<alice@tls.mptest>", r["transcript"], "RCPT sent over TLS")
    check_eq(one("zed@tls.mptest")["reason"], "mailbox_not_found", "unknown user over TLS")


@test
def starttls_never_stays_in_plain_text():
    before = tls_sessions_logged()
    r = one("alice@tls.mptest", extra=["--starttls", "never"])
    expect(r, "deliverable", "accepted", 250)
    if before is not None:
        time.sleep(0.5)
        check_eq(tls_sessions_logged(), before, "no TLS session with --starttls never")


@test
def starttls_require_fails_honestly():
    # No STARTTLS offered, and an untrusted certificate: neither is proof about
    # the mailbox, so both end unknown (never deliverable, never undeliverable).
    for address in ("alice@known.mptest", "alice@tls.mptest"):
        r = one(address, extra=["--starttls", "require"])
        check_eq(r["status"], "unknown", "%s status with --starttls require" % address)
        check(r["reason"] in ("connection_failed", "tls_failed"), "%s reason: %s" % (address, r["reason"]))
        print("  --starttls require, %s: %s/%s" % (address, r["status"], r["reason"]))
    check_eq(mptest.run("verify", "--starttls", "sometimes", "a@b.mptest", fixture_flags=False).returncode, 2,
             "bad --starttls mode")


@test
def usage_errors_exit_2_and_help_documents_every_option():
    check_eq(mptest.run("verify", fixture_flags=False).returncode, 2, "no addresses")
    check_eq(mptest.run("verify", "--per-host-rate", "zero", "a@b.mptest", fixture_flags=False).returncode, 2,
             "bad value")
    check_eq(mptest.run("verify", "--format", "xml", "a@b.mptest", fixture_flags=False).returncode, 2, "bad format")
    helptext = raw_run("--help", fixture_flags=False).stdout
    for opt in ["--dns", "--smtp-port", "--allow-net", "--helo", "--from", "--timeout", "--connect-timeout",
                "--command-timeout", "--concurrency", "--per-host-connections", "--per-host-rate",
                "--max-rcpt-per-session", "--greylist-wait", "--proxy", "--starttls", "--transcript",
                "--risky-role", "--risky-free", "--input", "--format", "--column", "--stats"]:
        check_in(opt, helptext, "--help")


@test
def a_bare_timeout_is_seconds():
    # `--connect-timeout 2` is two seconds (a bare --timeout once meant
    # milliseconds and blamed the server for our own setting): the slow
    # server (greeting after 17 s) gets its two seconds, then the address is
    # unknown / timeout.
    started = time.monotonic()
    r = mptest.verify("a@slow.mptest", extra=["--no-progress", "--connect-timeout", "2"])[0]
    took = time.monotonic() - started
    expect(r, "unknown", "timeout")
    check(took >= 1.9, "waited the two seconds (%.2fs)" % took)
    check(took < 8, "and not much longer (%.2fs)" % took)


mptest.main()
