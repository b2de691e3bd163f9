# ctest-labels: integration fixture
"""`mailprobe doctor` against the loopback fixture: one test per check and
per exit code (docs/doctor.md).

The SMTP side always uses the fixture's servers (--mx 127.0.0.x). The
fixture's DNS knows `localhost` and its PTR, which covers the loopback
cases. Forward-confirmed rDNS of a *public* address and blocklist listings
need answers the fixture does not have, so a few tests start a tiny DNS
server of their own on 127.0.0.1 (below) and pass --public-ip 1.2.3.4: that
address only ever appears inside DNS questions sent to this loopback server;
it is never connected to."""
import socket
import struct
import subprocess
import threading

import mptest
from mptest import test, check, check_eq, check_in

PUBLIC_IP = "1.2.3.4"


# --- a tiny DNS server (RFC 1035 §4.1), enough for A and PTR ---------------

class TinyDns:
    """Answers from `records` {(name, qtype): [rdata bytes]}; NXDOMAIN for
    anything else. Records every question it is asked in `asked`."""

    def __init__(self, records):
        self.records = records
        self.asked = []
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.address = "127.0.0.1:%d" % self.sock.getsockname()[1]
        self.running = True
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.running = False
        self.thread.join()
        self.sock.close()

    def _serve(self):
        while self.running:
            try:
                msg, peer = self.sock.recvfrom(4096)
            except socket.timeout:
                continue
            reply = self._answer(msg)
            if reply:
                self.sock.sendto(reply, peer)

    def _answer(self, msg):
        if len(msg) < 12:
            return None
        qid, _flags, qd = struct.unpack("!HHH", msg[:6])
        if qd != 1:
            return None
        labels, pos = [], 12
        while pos < len(msg) and msg[pos]:
            n = msg[pos]
            labels.append(msg[pos + 1:pos + 1 + n].decode("ascii").lower())
            pos += 1 + n
        question_end = pos + 5
        name = ".".join(labels)
        qtype = struct.unpack("!H", msg[pos + 1:pos + 3])[0]
        self.asked.append((name, qtype))
        answers = self.records.get((name, qtype), [])
        known_name = any(n == name for n, _ in self.records)
        rcode = 0 if answers or known_name else 3
        out = struct.pack("!HHHHHH", qid, 0x8400 | 0x0100 | rcode, 1, len(answers), 0, 0)
        out += msg[12:question_end]
        for rdata in answers:
            out += struct.pack("!HHHIH", 0xC00C, qtype, 1, 60, len(rdata)) + rdata
        return out


def a(ip):
    return socket.inet_aton(ip)


def dname(name):
    return b"".join(bytes([len(l)]) + l.encode() for l in name.split(".")) + b"\0"


A, NS, PTR = 1, 2, 12
RECORDS = {
    # The prober's built-in canaries (engine/dns_trust.h): an honest resolver
    # returns their NS records.
    ("", NS): [dname("a.root-servers.net")],
    ("com", NS): [dname("a.gtld-servers.net")],
    ("root-servers.net", NS): [dname("a.root-servers.net")],
    ("fcrdns.mptest", A): [a(PUBLIC_IP)],
    ("other.mptest", A): [a("5.6.7.8")],
    ("4.3.2.1.in-addr.arpa", PTR): [dname("fcrdns.mptest")],
    ("4.3.2.1.listed.bl.mptest", A): [a("127.0.0.2")],
    ("4.3.2.1.refusing.bl.mptest", A): [a("127.255.255.254")],
}


def doctor(*args, fixture_flags=True, timeout=60):
    """Runs doctor; its output is text, not NDJSON, so not via mptest.run."""
    argv = [mptest.MAILPROBE, "doctor"] + (mptest.FIXTURE_FLAGS if fixture_flags else []) + list(args)
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout)


def lines(proc, tag):
    """Output lines with a given status tag ("ok", "FAIL", "n/a", "warn")."""
    return [l for l in proc.stdout.splitlines() if l.startswith("[%-4s]" % tag)]


def tiny_flags(dns):
    return ["--dns", dns.address, "--smtp-port", str(mptest.SMTP_PORT), "--allow-net", "127.0.0.0/8"]


# --- checks against the fixture --------------------------------------------

@test
def healthy_server_and_loopback_helo_pass():
    p = doctor("--mx", "127.0.0.10", "--helo", "localhost")
    check_eq(p.returncode, 0, "exit status (%s)" % p.stdout)
    check_in("greeting: 220", p.stdout, "greeting shown")
    check_in("from 127.0.0.1", p.stdout, "sending IP from getsockname")
    check_in("forward-confirmed", p.stdout, "rDNS of 127.0.0.1 is localhost")
    check_eq(len(lines(p, "n/a")), 1, "blocklists not applicable to loopback")
    check_eq(lines(p, "FAIL"), [], "no failures")


@test
def mx_by_name_is_resolved_through_the_configured_dns():
    p = doctor("--mx", "mx1.known.mptest", "--helo", "localhost")
    check_eq(p.returncode, 0, "exit status (%s)" % p.stdout)
    check_in("mx1.known.mptest (127.0.0.10)", p.stdout, "resolved address")


@test
def connection_refused_exits_10():
    p = doctor("--mx", "127.0.0.12", "--helo", "localhost")
    check_eq(p.returncode, 10, "exit status (%s)" % p.stdout)
    check_in("Connection refused", p.stdout, "reason")
    check_in("fix:", p.stdout, "a fix is suggested")


@test
def refused_target_without_allow_net_exits_10():
    p = doctor("--dns", mptest.FIXTURE_DNS, "--smtp-port", str(mptest.SMTP_PORT),
               "--mx", "127.0.0.10", "--helo", "localhost", fixture_flags=False)
    check_eq(p.returncode, 10, "exit status (%s)" % p.stdout)
    check_in("loopback address; the prober refuses it", p.stdout, "why")
    check_in("--allow-net", p.stdout, "the fix")


@test
def greeting_554_exits_11():
    p = doctor("--mx", "127.0.0.21", "--helo", "localhost")
    check_eq(p.returncode, 11, "exit status (%s)" % p.stdout)
    check_in("554 5.7.1 No SMTP service here", p.stdout, "the server's words")


@test
def silent_server_exits_11_within_the_timeout():
    p = doctor("--mx", "127.0.0.20", "--helo", "localhost", "--timeout", "1500ms")
    check_eq(p.returncode, 11, "exit status (%s)" % p.stdout)
    check_in("no greeting within 1500 ms", p.stdout, "reason")


@test
def huge_greeting_line_is_bounded_and_exits_11():
    p = doctor("--mx", "127.0.0.23", "--helo", "localhost", "--timeout", "5s")
    check_eq(p.returncode, 11, "exit status (%s)" % p.stdout)
    check_in("did not speak SMTP", p.stdout, "reason")


@test
def early_close_after_ehlo_is_only_a_warning():
    p = doctor("--mx", "127.0.0.29", "--helo", "localhost", "--timeout", "3s")
    check_eq(p.returncode, 0, "exit status (%s)" % p.stdout)
    check_eq(len(lines(p, "warn")), 1, "EHLO warning")


@test
def unresolvable_helo_exits_12():
    p = doctor("--mx", "127.0.0.10", "--helo", "nosuch.mptest")
    check_eq(p.returncode, 12, "exit status (%s)" % p.stdout)
    check_in("nosuch.mptest does not resolve", p.stdout, "reason")


@test
def helo_not_matching_reverse_dns_exits_13():
    # mx1.known.mptest resolves (127.0.0.10), but we send from 127.0.0.1,
    # whose PTR is localhost.
    p = doctor("--mx", "127.0.0.10", "--helo", "mx1.known.mptest")
    check_eq(p.returncode, 13, "exit status (%s)" % p.stdout)
    check_in("has PTR localhost, not the HELO name mx1.known.mptest", p.stdout, "reason")


@test
def lying_resolver_exits_15_and_suggests_dns():
    p = doctor("--dns", mptest.FIXTURE_LIAR_DNS, "--smtp-port", str(mptest.SMTP_PORT), "--allow-net",
               "127.0.0.0/8", "--mx", "127.0.0.10", "--helo", "localhost", fixture_flags=False)
    check_eq(p.returncode, 15, "exit status (%s)" % p.stdout)
    check_in("[FAIL] resolver    the DNS resolver is not answering honestly: it says . does not exist", p.stdout,
             "the finding, first")
    check_in("--dns HOST[:PORT]", p.stdout, "the fix names --dns")
    check_in("unknown (dns_untrusted), never undeliverable", p.stdout, "what it means for verdicts")
    check_in("greeting: 220", p.stdout, "the other checks still run")


@test
def resolver_check_asks_the_given_canaries():
    # The liar serves the fixture's own zones honestly: named as canaries,
    # they pass (a private resolver's operator does this for their zones).
    p = doctor("--dns", mptest.FIXTURE_LIAR_DNS, "--smtp-port", str(mptest.SMTP_PORT), "--allow-net",
               "127.0.0.0/8", "--mx", "127.0.0.10", "--helo", "localhost", "--dns-canary", "mptest.",
               fixture_flags=False)
    check_in("[ok  ] resolver    answers honestly: it answered every canary (1) (mptest.)", p.stdout,
             "resolver line")
    check_eq(p.returncode, 0, "exit status (%s)" % p.stdout)
    # A canary is a zone: a name without NS records fails it.
    p = doctor("--dns", mptest.FIXTURE_LIAR_DNS, "--smtp-port", str(mptest.SMTP_PORT), "--allow-net",
               "127.0.0.0/8", "--mx", "127.0.0.10", "--helo", "localhost", "--dns-canary", "mptest.",
               "--dns-canary", "known.mptest", fixture_flags=False)
    check_eq(p.returncode, 15, "exit status (%s)" % p.stdout)
    check_in("it says known.mptest. has no name servers", p.stdout, "why")


@test
def honest_fixture_resolver_passes_the_built_in_canaries():
    p = doctor("--mx", "127.0.0.10", "--helo", "localhost")
    check_in("[ok  ] resolver    answers honestly: it answered every canary (3) (. com. root-servers.net.)",
             p.stdout, "resolver line")


@test
def silent_resolver_exits_15():
    p = doctor("--dns", "127.0.0.1:5399", "--smtp-port", str(mptest.SMTP_PORT), "--allow-net", "127.0.0.0/8",
               "--mx", "127.0.0.10", "--helo", "localhost", "--timeout", "500ms", fixture_flags=False)
    check_eq(p.returncode, 15, "exit status (%s)" % p.stdout)
    check_in("does not answer its test questions: it gave no answer for .", p.stdout, "the finding")


@test
def first_failing_check_decides_the_exit_code():
    p = doctor("--mx", "127.0.0.12", "--helo", "nosuch.mptest")
    check_eq(p.returncode, 10, "port failure outranks the HELO failure (%s)" % p.stdout)
    check_eq(len(lines(p, "FAIL")), 2, "both failures are still reported")


# --- public-address cases with the tiny DNS server ---------------------------

@test
def public_ip_with_forward_confirmed_rdns_and_clean_lists_passes():
    with TinyDns(RECORDS) as dns:
        p = doctor("--mx", "127.0.0.10", "--helo", "fcrdns.mptest", "--public-ip", PUBLIC_IP,
                   "--blocklist", "clean.bl.mptest", *tiny_flags(dns), fixture_flags=False)
    check_eq(p.returncode, 0, "exit status (%s)" % p.stdout)
    check_in("1.2.3.4 has PTR fcrdns.mptest, which resolves back to it", p.stdout, "FCrDNS")
    check_in("not listed on clean.bl.mptest", p.stdout, "blocklist")


@test
def ptr_matching_but_name_pointing_elsewhere_exits_13():
    records = dict(RECORDS)
    records[("fcrdns.mptest", A)] = [a("5.6.7.8")]
    with TinyDns(records) as dns:
        p = doctor("--mx", "127.0.0.10", "--helo", "fcrdns.mptest", "--public-ip", PUBLIC_IP,
                   "--blocklist", "clean.bl.mptest", *tiny_flags(dns), fixture_flags=False)
    check_eq(p.returncode, 13, "exit status (%s)" % p.stdout)
    check_in("does not resolve to 1.2.3.4", p.stdout, "reason")


@test
def missing_ptr_exits_13():
    with TinyDns(RECORDS) as dns:
        p = doctor("--mx", "127.0.0.10", "--helo", "other.mptest", "--public-ip", "5.6.7.8",
                   "--blocklist", "clean.bl.mptest", *tiny_flags(dns), fixture_flags=False)
    check_eq(p.returncode, 13, "exit status (%s)" % p.stdout)
    check_in("has no reverse DNS", p.stdout, "reason")


@test
def listed_ip_exits_14():
    with TinyDns(RECORDS) as dns:
        p = doctor("--mx", "127.0.0.10", "--helo", "fcrdns.mptest", "--public-ip", PUBLIC_IP,
                   "--blocklist", "clean.bl.mptest", "--blocklist", "listed.bl.mptest",
                   *tiny_flags(dns), fixture_flags=False)
    check_eq(p.returncode, 14, "exit status (%s)" % p.stdout)
    check_in("1.2.3.4 is LISTED on listed.bl.mptest (127.0.0.2)", p.stdout, "listing")
    check_in("not listed on clean.bl.mptest", p.stdout, "the other list")


@test
def blocklist_refusing_the_query_is_not_a_listing():
    with TinyDns(RECORDS) as dns:
        p = doctor("--mx", "127.0.0.10", "--helo", "fcrdns.mptest", "--public-ip", PUBLIC_IP,
                   "--blocklist", "refusing.bl.mptest", *tiny_flags(dns), fixture_flags=False)
    check_eq(p.returncode, 0, "exit status (%s)" % p.stdout)
    check_in("refused to answer (127.255.255.254)", p.stdout, "warning")


@test
def default_blocklists_are_asked_through_the_configured_resolver():
    with TinyDns(RECORDS) as dns:
        p = doctor("--mx", "127.0.0.10", "--helo", "fcrdns.mptest", "--public-ip", PUBLIC_IP,
                   *tiny_flags(dns), fixture_flags=False)
        asked = [name for name, _ in dns.asked]
    check_eq(p.returncode, 0, "exit status (%s)" % p.stdout)
    for zone in ("zen.spamhaus.org", "b.barracudacentral.org", "bl.spamcop.net"):
        check_in("4.3.2.1." + zone, asked, "query for %s" % zone)


# --- usage -------------------------------------------------------------------

@test
def usage_errors_exit_2():
    for args in (["--smtp-port", "0"], ["--smtp-port", "x"], ["--timeout", "-5"], ["--bogus", "1"],
                 ["--public-ip", "not-an-ip"], ["--allow-net", "300.0.0.0/8"], ["--mx"],
                 ["--dns", "not-an-ip"]):
        p = doctor(*args, fixture_flags=False, timeout=30)
        check_eq(p.returncode, 2, "exit status for %r" % args)


@test
def help_documents_every_exit_code():
    p = doctor("--help", fixture_flags=False, timeout=30)
    check_eq(p.returncode, 0, "exit status")
    for code in ("10", "11", "12", "13", "14", "15"):
        check_in(code, p.stdout, "exit code %s documented" % code)


mptest.main()
