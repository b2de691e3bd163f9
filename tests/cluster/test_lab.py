#!/usr/bin/env python3
"""The namespace lab itself (tests/lab/), checked without mailprobe: every
server answers as the catalogue says, from a worker's namespace, and the
namespaces hold nothing but lab addresses. When this fails, the lab is
broken, not the prober.

# ctest-labels: cluster lab
"""
import ipaddress
import json
import os
import smtplib
import socket
import subprocess
import sys
import time

SOURCE = os.environ.get("MP_SOURCE_DIR") or os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
sys.path[:0] = [os.path.join(SOURCE, "tests", d) for d in ("lab", "integration", "fixture")]
import dnsquery  # noqa: E402
import mplab  # noqa: E402
import mptest  # noqa: E402
from mptest import check, check_eq, check_in, test  # noqa: E402

ENV = mplab.read_env(os.environ["MP_LAB_DIR"])
LAB_NS = ENV["MP_LAB_NS"]
WORKERS = [ENV["MP_LAB_W%d_NS" % n] for n in range(1, int(ENV["MP_LAB_WORKERS"]) + 1)]
DNS = ENV["MP_LAB_DNS"]
LAB_NET = ipaddress.ip_network("198.18.0.0/16")


def in_ns(ns, argv, **kw):
    return subprocess.run(["nsenter", "--net=/run/netns/" + ns] + argv, capture_output=True, text=True,
                          timeout=30, **kw)


def domains(kind):
    return [(d, mx) for d, k, mx in mplab.domains() if k == kind]


@test
def namespaces_hold_only_lab_addresses():
    for ns in [LAB_NS] + WORKERS:
        out = in_ns(ns, ["ip", "-j", "addr"])
        check_eq(out.returncode, 0, "ip addr in %s: %s" % (ns, out.stderr))
        for link in json.loads(out.stdout):
            for a in link.get("addr_info", []):
                addr = ipaddress.ip_address(a["local"])
                if link["ifname"] == "lo":
                    check(addr.is_loopback, "%s: %s on lo" % (ns, addr))
                elif a.get("scope") == "global":
                    check(addr.version == 4 and addr in LAB_NET, "%s: %s on %s" % (ns, addr, link["ifname"]))
        routes = in_ns(ns, ["ip", "route"]).stdout
        check("default" not in routes, "%s has a default route: %s" % (ns, routes))
    for n, ns in enumerate(WORKERS, 1):
        check_in(mplab.worker_addr(n), in_ns(ns, ["ip", "addr"]).stdout, "worker %d's address" % n)


@test
def dns_answers_the_catalogue_from_a_worker():
    mplab.enter(WORKERS[0])
    for name, mx in domains("known") + domains("catchall") + domains("grey"):
        r = dnsquery.query(DNS, name, "MX", timeout=3)
        check_eq(r["answers"], [("MX", (10, mplab.mx_host(mx)))], name)
        (a,) = dnsquery.query(DNS, mplab.mx_host(mx), "A", timeout=3)["answers"]
        check_eq(a, ("A", mx), mplab.mx_host(mx))
    for name, _ in domains("nxdomain"):
        check_eq(dnsquery.query(DNS, name, "MX", timeout=3)["rcode"], "NXDOMAIN", name)
    for name, _ in domains("nullmx"):
        check_eq(dnsquery.query(DNS, name, "MX", timeout=3)["answers"], [("MX", (0, "."))], name)
    # The honesty canaries have their NS records; nothing real resolves.
    for zone in (".", "com", "root-servers.net"):
        r = dnsquery.query(DNS, zone, "NS", timeout=3)
        check(r["rcode"] == "NOERROR" and r["answers"], "NS %s: %r" % (zone, r))
    check_eq(dnsquery.query(DNS, "example.com", "MX", timeout=5)["rcode"], "SERVFAIL", "example.com")


def rcpt(mx, mail_from, recipients):
    with smtplib.SMTP(mx, mplab.SMTP_PORT, timeout=5) as s:
        s.ehlo("lab-test.mptest")
        s.mail(mail_from)
        return [s.rcpt(r) for r in recipients]


@test
def postfix_answers_each_kind_on_each_mx():
    mplab.enter(WORKERS[0])
    for mx in mplab.MX_ADDRS:
        known = next(d for d, m in domains("known") if m == mx)
        catchall = next(d for d, m in domains("catchall") if m == mx)
        (ok, unknown, anything) = rcpt(mx, "lab-test@lab.mptest",
                                       ["u039@" + known, "u040@" + known, "whoever-%d@%s" % (os.getpid(), catchall)])
        check_eq(ok[0], 250, "u039@%s" % known)
        check_eq(unknown[0], 550, "u040@%s" % known)
        check_in(b"5.1.1", unknown[1], "unknown user's reply")
        check_eq(anything[0], 250, "catch-all at %s" % catchall)


@test
def postgrey_greylists_the_first_attempt_then_accepts():
    grey, mx = domains("grey")[0]
    sender = "%s@lab.mptest" % mptest.unique("grey")
    mplab.enter(WORKERS[1])
    (first,) = rcpt(mx, sender, ["u001@" + grey])
    check_eq(first[0], 450, "first attempt")
    check_in(b"Greylisted", first[1], "reply")
    (early,) = rcpt(mx, sender, ["u001@" + grey])
    check_eq(early[0], 450, "retry before the delay")
    time.sleep(int(ENV["MP_LAB_GREY_DELAY"]) + 1)
    # postgrey keys on the client's /24: every worker shares 198.18.2.0/24.
    mplab.enter(WORKERS[-1])
    (later,) = rcpt(mx, sender, ["u001@" + grey])
    check_eq(later[0], 250, "retry after the delay, from another worker")


@test
def maillog_says_which_mx_and_which_client():
    mx = mplab.MX_ADDRS[1]
    maillog = ENV["MP_LAB_MAILLOG"]
    start = os.path.getsize(maillog)
    mplab.enter(WORKERS[0])
    a = smtplib.SMTP(mx, mplab.SMTP_PORT, timeout=5)
    b = smtplib.SMTP(mx, mplab.SMTP_PORT, timeout=5)  # two at once from worker 1
    a.quit()
    b.quit()
    mplab.enter(WORKERS[1])
    smtplib.SMTP(mx, mplab.SMTP_PORT, timeout=5).quit()
    smtplib.SMTP(mx, mplab.SMTP_PORT, timeout=5).quit()  # one after the other
    deadline = time.monotonic() + 10
    while True:
        seen = mplab.maillog_concurrency(maillog, start)
        if seen["sessions"].get(mx) == 4 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    check_eq(seen["sessions"], {mx: 4}, "sessions logged")
    check_eq(seen["max_mx"], {mx: 2}, "most sessions at once to %s" % mx)
    check_eq(seen["max_client"], {(mx, mplab.worker_addr(1)): 2, (mx, mplab.worker_addr(2)): 1},
             "most sessions at once per client")


@test
def postgresql_answers_a_worker_over_tcp():
    out = in_ns(WORKERS[2], ["psql", ENV["MP_LAB_PG_URL"], "-At", "-c",
                             "SELECT extname FROM pg_extension WHERE extname = 'pg_stat_statements'"])
    check_eq((out.returncode, out.stdout.strip()), (0, "pg_stat_statements"), "psql: %s" % out.stderr)


@test
def a_worker_reaches_nothing_of_the_lab_but_its_network():
    # postgrey listens on the lab's own loopback: a worker's 127.0.0.1 is
    # its own, empty.
    mplab.enter(WORKERS[0])
    try:
        socket.create_connection(("127.0.0.1", 10023), timeout=2).close()
        check(False, "127.0.0.1:10023 answered inside a worker namespace")
    except ConnectionRefusedError:
        pass


mptest.main()
