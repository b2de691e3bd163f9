# ctest-labels: integration fixture
"""Believe NXDOMAIN only from a resolver shown honest (engine/dns_trust.h,
docs/dns-and-safety.md), against real resolvers: the fixture's honest
unbound (127.0.0.1:5354, which serves the root's and the TLDs' NS records),
its liar (127.0.0.1:5355: the test zones, NXDOMAIN for everything else, the
root and the TLDs included), a dead port, and private unbound instances
(mpunbound.py) that appear, vanish or turn into liars while `serve` runs.

With the liar nothing is undeliverable for DNS reasons and every surface
says why (verify's stderr and --stats, /healthz, /metrics, the log; doctor
in test_doctor.py, the page in tests/e2e/resolver.test.mjs); with the
honest resolver a truly non-existent domain is still undeliverable."""
import json
import subprocess
import time

import mptest
import mpunbound
from mpserve import Server
from mptest import test, check, check_eq, check_in

FAST = ["--connect-timeout", "3s", "--command-timeout", "3s", "--timeout", "20s", "--no-progress"]
LIAR_FLAGS = mpunbound.serve_flags(mptest.FIXTURE_LIAR_DNS)

# Addresses whose domains a lying resolver denies, and one it answers.
DENIED_BY_THE_LIAR = ["jane@gmail.com", "bob@outlook.com", "x@acme-widgets.com", "x@nosuch.mptest",
                      "y@acme.cmo", "a@nullmx.mptest", "a@noaddr.mptest"]


def verify(*args, flags=mptest.FIXTURE_FLAGS):
    """`mailprobe verify` with the resolver of `flags` (the honest one by default)."""
    run = mptest.run("verify", *(list(flags) + FAST + list(args)), fixture_flags=False, timeout=120)
    check_eq(run.returncode, 0, "exit status (%r)" % run)
    return run


def stats_of(run):
    return json.loads([l for l in run.stderr.splitlines() if l.startswith("{")][-1])


def by_email(run):
    return {r["email"]: r for r in run.records}


def expect(r, status, reason, action=None):
    check_eq((r["status"], r["reason"]), (status, reason), "verdict of %s (%s)" % (r["email"], json.dumps(r)[:600]))
    if action:
        check_eq(r["action"], action, "action of %s" % r["email"])


# --- verify against the liar ------------------------------------------------------

@test
def liar_makes_nothing_undeliverable_for_dns_reasons():
    run = verify("--stats", "alice@known.mptest", "nobody@known.mptest", *DENIED_BY_THE_LIAR, flags=LIAR_FLAGS)
    got = by_email(run)
    expect(got["alice@known.mptest"], "deliverable", "accepted")
    # A mailbox server's own 5.1.1 is proof from SMTP, not from DNS.
    expect(got["nobody@known.mptest"], "undeliverable", "mailbox_not_found")
    for email in DENIED_BY_THE_LIAR:
        r = got[email]
        expect(r, "unknown", "dns_untrusted", "retry")
        check_in("not answering honestly", r["mx"]["message"], "a message a person understands (%s)" % email)
    check_eq(got["x@nosuch.mptest"]["mx"]["result"], "nxdomain", "what DNS said is still shown")
    check_eq(got["a@nullmx.mptest"]["mx"]["result"], "null_mx", "a null MX from a liar is not believed either")
    # Told once on stderr, with what to do; counted in --stats.
    check_eq(run.stderr.count("warning: the DNS resolver is not answering honestly"), 1, "one warning (%r)" % run.stderr)
    check_in("it says . does not exist (NXDOMAIN)", run.stderr, "why")
    check_in("--dns HOST[:PORT]", run.stderr, "what to do")
    st = stats_of(run)
    check_eq(st["resolver"], "lying", "--stats resolver")
    check_eq(st["dns_untrusted"], len(DENIED_BY_THE_LIAR), "--stats dns_untrusted")
    check_eq(st["by_status"]["undeliverable"], 1, "only the SMTP proof is undeliverable")


@test
def liar_csv_output_says_dns_untrusted():
    proc = subprocess.run([mptest.MAILPROBE, "verify", "--format", "csv"] + LIAR_FLAGS + FAST + ["jane@gmail.com"],
                          capture_output=True, text=True, timeout=60)
    check_eq(proc.returncode, 0, "exit status (%s)" % proc.stderr)
    check_in("jane@gmail.com,unknown,dns_untrusted,retry,", proc.stdout.splitlines()[1], "CSV row")


# --- verify against the honest resolver ---------------------------------------------

@test
def honest_resolver_still_proves_a_domain_does_not_exist():
    run = verify("--stats", "x@nosuch.mptest", "y@acme.cmo", "a@nullmx.mptest", "a@noaddr.mptest")
    got = by_email(run)
    expect(got["x@nosuch.mptest"], "undeliverable", "domain_not_found", "remove")
    # cmo. itself does not exist (a typo of .com): RFC 8020, nothing below it does either.
    expect(got["y@acme.cmo"], "undeliverable", "domain_not_found", "remove")
    check_eq(got["y@acme.cmo"]["suggestion"], "y@acme.com", "typo suggestion kept")
    expect(got["a@nullmx.mptest"], "undeliverable", "null_mx")
    expect(got["a@noaddr.mptest"], "undeliverable", "no_mail_host")
    for r in run.records:
        check_eq(r["mx"]["message"], None, "no doubt, no message (%s)" % r["email"])
    check("warning" not in run.stderr, "no warning (%r)" % run.stderr)
    st = stats_of(run)
    check_eq(st["resolver"], "honest", "--stats resolver")
    check_eq(st["dns_untrusted"], 0, "--stats dns_untrusted")


@test
def a_single_address_waits_for_the_first_canary_round():
    # The domain's NXDOMAIN may come back before the canaries do: it is held,
    # not hurried into `unknown` nor into an unproven `undeliverable`.
    for _ in range(3):
        run = verify("x@nosuch.mptest")
        expect(run.records[0], "undeliverable", "domain_not_found")


@test
def tld_canary_catches_a_resolver_contradicting_itself():
    # The honest fixture resolver answers shop.liedtld (an MX) yet says the
    # TLD liedtld. does not exist (RFC 8020: then nothing below it could).
    # One address at a time, so the positive answer comes first.
    run = verify("--stats", "--concurrency", "1", "a@shop.liedtld", "x@gone.liedtld", "x@nosuch.mptest")
    got = by_email(run)
    check(got["a@shop.liedtld"]["status"] != "undeliverable", "the MX answered (%r)" % got["a@shop.liedtld"])
    expect(got["x@gone.liedtld"], "unknown", "dns_untrusted")
    # From then on the resolver is a liar for every domain.
    expect(got["x@nosuch.mptest"], "unknown", "dns_untrusted")
    check_in("it says the TLD liedtld. does not exist, although it answered for names under it", run.stderr, "why")
    check_eq(stats_of(run)["resolver"], "lying", "--stats resolver")


@test
def a_filtered_tld_of_the_root_zone_is_not_taken_at_its_word():
    # The honest fixture resolver denies xyz. (a DNS filter blocking one TLD).
    # xyz is in the root zone (the core's list), so its denials are doubted;
    # the resolver is not called a liar for that alone.
    run = verify("--stats", "x@shop-example.xyz", "x@nosuch.mptest")
    got = by_email(run)
    expect(got["x@shop-example.xyz"], "unknown", "dns_untrusted", "retry")
    check_in("in the root zone", got["x@shop-example.xyz"]["mx"]["message"], "why")
    expect(got["x@nosuch.mptest"], "undeliverable", "domain_not_found")
    check_eq(stats_of(run)["resolver"], "honest", "--stats resolver")


@test
def free_provider_domain_is_never_undeliverable_on_dns_grounds():
    # A resolver that passes every canary and confirms com. -- yet denies
    # gmail.com. gmail.com is on the compiled free-provider list, and that
    # knowledge wins; a domain nobody knows, denied by the same resolver,
    # is taken at its word.
    root = mpunbound.root_lines("honest") + ('\nlocal-zone: "gmail.com." always_nxdomain\n'
                                             'local-zone: "acme-widgets.com." always_nxdomain\n')
    with mpunbound.Unbound(root) as dns:
        run = verify("jane@gmail.com", "x@acme-widgets.com", flags=mpunbound.serve_flags(dns.address))
    got = by_email(run)
    expect(got["jane@gmail.com"], "unknown", "dns_untrusted", "retry")
    check_in("well-known mail provider", got["jane@gmail.com"]["mx"]["message"], "why")
    expect(got["x@acme-widgets.com"], "undeliverable", "domain_not_found")
    check("warning" not in run.stderr, "the resolver passed its canaries (%r)" % run.stderr)


@test
def dns_canary_names_the_zones_a_private_resolver_serves():
    run = verify("--dns-canary", "mptest.", "x@nosuch.mptest")
    expect(run.records[0], "undeliverable", "domain_not_found")
    # A canary the resolver cannot answer (SERVFAIL) proves nothing: unanswered.
    run = verify("--stats", "--dns-canary", "servfail.mptest.", "x@nosuch.mptest", "alice@known.mptest")
    got = by_email(run)
    expect(got["x@nosuch.mptest"], "unknown", "dns_untrusted")
    check_in("does not answer", got["x@nosuch.mptest"]["mx"]["message"], "message")
    expect(got["alice@known.mptest"], "deliverable", "accepted")
    check_in("warning: the DNS resolver is not answering its test questions", run.stderr, "warning")
    check_eq(stats_of(run)["resolver"], "unanswered", "--stats resolver")


# --- resolvers that fail: unknown, as before -------------------------------------------

@test
def servfail_stays_unknown_dns_error():
    run = verify("a@servfail.mptest", "x@nosuch.mptest")
    got = by_email(run)
    expect(got["a@servfail.mptest"], "unknown", "dns_error", "retry")
    expect(got["x@nosuch.mptest"], "undeliverable", "domain_not_found")


@test
def dead_resolver_stays_unknown_and_is_reported():
    started = time.monotonic()
    run = verify("--stats", "--dns-timeout", "300ms", "x@nosuch.mptest", "alice@known.mptest",
                 flags=mpunbound.serve_flags("127.0.0.1:5399"))
    for r in run.records:
        expect(r, "unknown", "dns_error", "retry")
    check_in("warning: the DNS resolver is not answering its test questions", run.stderr, "warning")
    check_eq(stats_of(run)["resolver"], "unanswered", "--stats resolver")
    check(time.monotonic() - started < 15, "bounded by the DNS timeout")


# --- serve: /healthz, /metrics, the log, results -----------------------------------------

def healthz_dns(server):
    return server.json("GET", "/healthz")["dns"]


def wait_resolver(server, state, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        dns = healthz_dns(server)
        if dns["resolver"] == state:
            return dns
        time.sleep(0.1)
    raise AssertionError("resolver not %s after %ds: %r" % (state, timeout, healthz_dns(server)))


def metrics(server):
    status, _, body = server.request("GET", "/metrics")
    check_eq(status, 200, "/metrics")
    return body.decode()


@test
def serve_with_a_liar_tells_everyone():
    with Server("--cache-ttl", "0", *LIAR_FLAGS, fixture=False) as s:
        dns = wait_resolver(s, "lying")
        check_eq(dns["trusted"], False, "healthz trusted")
        check_in("does not exist (NXDOMAIN)", dns["why"], "healthz why")
        check_eq(dns["canaries"], ". com. root-servers.net.", "healthz canaries")
        check(dns["checked_s_ago"] is not None, "healthz checked_s_ago")
        text = metrics(s)
        check_in("mailprobe_dns_resolver_honest 0\n", text, "metrics gauge")
        check_in('mailprobe_dns_resolver_state{state="lying"} 1\n', text, "metrics state")
        r = s.verify("jane@gmail.com")
        expect(r, "unknown", "dns_untrusted", "retry")
        job = s.json("POST", "/v1/jobs", {"emails": DENIED_BY_THE_LIAR + ["alice@known.mptest"]}, expect=202)
        # The liar's denials are temporary answers: they wait on the retry
        # schedule (the resolver may be honest by then), never undeliverable.
        deadline, row = time.monotonic() + 60, None
        while time.monotonic() < deadline:
            row = s.json("GET", "/v1/jobs/" + job["id"])
            if row["state"] != "running" and row["done"] + row["retrying"] == row["total"]:
                break
            time.sleep(0.2)
        check_eq((row["state"], row["retrying"], row["done"]), ("retrying", len(DENIED_BY_THE_LIAR), 1),
                 "the denied addresses wait for a retry, the known one is done (%r)" % row)
        check_eq(row["counts"]["undeliverable"], 0, "no undeliverable in the job (%r)" % row)
        check_in('mailprobe_probe_reasons_total{reason="dns_untrusted"} %d\n' % (len(DENIED_BY_THE_LIAR) + 1),
                 metrics(s), "metrics reason counter")
        log = s.stderr()
        check_in('"msg":"DNS resolver not trusted', log, "log line")
        check_in('"resolver":"lying"', log, "log field")


@test
def serve_with_the_honest_resolver_trusts_it():
    with Server("--cache-ttl", "0") as s:
        dns = wait_resolver(s, "honest")
        check_eq(dns["trusted"], True, "healthz trusted")
        check_in("mailprobe_dns_resolver_honest 1\n", metrics(s), "metrics gauge")
        expect(s.verify("x@nosuch.mptest"), "undeliverable", "domain_not_found")


@test
def serve_follows_a_resolver_that_comes_and_goes():
    # Nothing answers at first; an honest resolver appears; it goes again.
    # The canaries are asked again every --dns-recheck (a tenth of it while
    # the resolver is not honest).
    with Server("--cache-ttl", "0", "--dns-recheck", "20s", "--dns-timeout", "300ms",
                *mpunbound.serve_flags("127.0.0.1:%d" % mpunbound.PORT), fixture=False) as s:
        wait_resolver(s, "unanswered")
        expect(s.verify("x@nosuch.mptest"), "unknown", "dns_error")
        with mpunbound.Unbound(mpunbound.root_lines("honest")):
            wait_resolver(s, "honest", timeout=15)
            expect(s.verify("x@nosuch2.mptest"), "undeliverable", "domain_not_found")
        # Gone: caught within one honest recheck (20 s).
        wait_resolver(s, "unanswered", timeout=40)


@test
def serve_notices_a_jump_in_denials():
    # An honest resolver is replaced by a liar on the same address. The next
    # canary round is an hour away, and the liar is truthful about mptest.
    # (so no TLD canary catches it), but half the fresh answers turning into
    # denials starts a round at once -- which the liar fails.
    honest = mpunbound.Unbound(mpunbound.root_lines("honest")).start()
    # --retry-schedule off: the answers are final at once (the schedule
    # would hold the doubted ones for minutes; serve_with_a_liar... shows it).
    s = Server("--cache-ttl", "0", "--dns-recheck", "1h", "--retry-schedule", "off",
               *mpunbound.serve_flags(honest.address), fixture=False)
    liar = None
    try:
        check_eq(wait_resolver(s, "honest")["rounds"], 1, "the start-up round")
        time.sleep(10.5)  # the jump detector starts at most one round per 10 s
        honest.stop()
        liar = mpunbound.Unbound(mpunbound.root_lines("liar")).start()
        emails = ["x@gone%d.mptest" % i for i in range(24)]
        job = s.json("POST", "/v1/jobs", {"emails": emails}, expect=202)
        done = s.wait_job(job["id"], timeout=60)
        dns = healthz_dns(s)
        check_eq(dns["resolver"], "lying", "state after the jump (%r)" % dns)
        check_eq(dns["rounds"], 2, "one round more, started by the jump")
        counts = done["counts"]
        check_eq(counts["undeliverable"] + counts["unknown"], 24, "every address answered (%r)" % done)
        check(counts["unknown"] >= 24 - 16, "denials after the jump were held, then doubted (%r)" % done)
    finally:
        s.stop()
        honest.stop()
        if liar:
            liar.stop()


@test
def serve_remembers_domains_that_received_mail():
    # A mail server answered for known.mptest (its catch-all verdict is
    # stored). Later an honest-looking resolver denies the domain: that
    # denial alone does not make anyone undeliverable.
    s = Server("--cache-ttl", "0")
    try:
        expect(s.verify("alice@known.mptest"), "deliverable", "accepted")
        s.stop(keep_dir=True)
        forgetful = mpunbound.root_lines("honest") + '\nlocal-zone: "known.mptest." always_nxdomain\n'
        with mpunbound.Unbound(forgetful) as dns:
            s = Server("--cache-ttl", "0", *mpunbound.serve_flags(dns.address), workdir=s.dir, fixture=False)
            wait_resolver(s, "honest")
            r = s.verify("bob@known.mptest")
            expect(r, "unknown", "dns_untrusted", "retry")
            check_in("A mail server answered for this domain before", r["mx"]["message"], "why")
            expect(s.verify("x@nosuch.mptest"), "undeliverable", "domain_not_found")
            s.stop(keep_dir=True)
            # --domain-cache-ttl 0: nothing is remembered, the denial stands.
            s = Server("--cache-ttl", "0", "--domain-cache-ttl", "0", *mpunbound.serve_flags(dns.address),
                       workdir=s.dir, fixture=False)
            wait_resolver(s, "honest")
            expect(s.verify("bob@known.mptest"), "undeliverable", "domain_not_found")
    finally:
        s.stop()


mptest.main()
