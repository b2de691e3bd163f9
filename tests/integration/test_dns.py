# ctest-labels: integration fixture
"""`mailprobe mx` against the fixture's DNS: every DNS case of the catalogue
(tests/fixture/README.md), the target policy, coalescing, and usage errors.
Only loopback is ever contacted: the resolver is the fixture's unbound and
the answers all point into 127.0.0.0/8."""
import subprocess

import mptest
from mptest import test, check, check_eq, check_in

ALLOW_LOOPBACK = ["--allow-net", "127.0.0.0/8"]


def mx(*args, allow=ALLOW_LOOPBACK, timeout=60):
    """Runs `mailprobe mx --dns FIXTURE [allow] ARGS` and returns the Run."""
    return mptest.run("mx", "--dns", mptest.FIXTURE_DNS, *(list(allow) + list(args)),
                      fixture_flags=False, timeout=timeout)


def one(domain, allow=ALLOW_LOOPBACK):
    """The single JSON record for one domain; exit status must be 0."""
    r = mx(domain, allow=allow)
    check_eq(r.returncode, 0, "exit status (%r)" % r)
    check_eq(len(r.records), 1, "records")
    rec = r.records[0]
    check_eq(rec["domain"], domain, "domain echoed")
    return rec


def hosts(rec):
    return [(h["name"], h["preference"], h["addresses"], h["blocked"]) for h in rec["hosts"]]


@test
def single_mx_resolves_to_its_address():
    rec = one("known.mptest")
    check_eq(rec["result"], "ok", "result")
    check_eq(rec["implicit_mx"], False, "implicit_mx")
    check_eq(hosts(rec), [("mx1.known.mptest", 10, ["127.0.0.10"], 0)], "hosts")
    check("error" not in rec, "no error field when ok: %r" % rec)
    check(0 < rec["ttl"] <= 60, "ttl bounded by the records' 60 s: %r" % rec["ttl"])


@test
def backup_mx_comes_after_primary_in_preference_order():
    rec = one("backup.mptest")
    check_eq(rec["result"], "ok", "result")
    check_eq(hosts(rec), [("mx-dead.backup.mptest", 10, ["127.0.0.12"], 0),
                          ("mx2.backup.mptest", 20, ["127.0.0.11"], 0)], "hosts in order")


@test
def preference_order_is_stable_across_runs():
    # Different preferences are never shuffled (only ties are).
    for _ in range(5):
        rec = one("backup.mptest")
        check_eq([h["name"] for h in rec["hosts"]],
                 ["mx-dead.backup.mptest", "mx2.backup.mptest"], "order")


@test
def null_mx_means_no_mail():
    rec = one("nullmx.mptest")
    check_eq(rec["result"], "null_mx", "result")
    check_eq(rec["hosts"], [], "hosts")
    check_in("7505", rec["error"], "error names the RFC")


@test
def no_mx_falls_back_to_the_domains_own_address():
    rec = one("implicit.mptest")
    check_eq(rec["result"], "ok", "result")
    check_eq(rec["implicit_mx"], True, "implicit_mx")
    check_eq(hosts(rec), [("implicit.mptest", 0, ["127.0.0.10"], 0)], "hosts")


@test
def no_mx_and_no_address_is_no_mail_host():
    rec = one("noaddr.mptest")
    check_eq(rec["result"], "no_mail_host", "result")
    check_eq(rec["implicit_mx"], True, "implicit_mx")
    check_eq(hosts(rec), [("noaddr.mptest", 0, [], 0)], "hosts")


@test
def undefined_names_are_nxdomain():
    for domain in ("nosuch.mptest", mptest.unique("nx") + ".mptest"):
        rec = one(domain)
        check_eq(rec["result"], "nxdomain", "%s result" % domain)
        check_eq(rec["hosts"], [], "%s hosts" % domain)


@test
def servfail_is_an_error_not_a_verdict():
    rec = one("servfail.mptest")
    check_eq(rec["result"], "error", "result")
    check_eq(rec["ttl"], 0, "errors are never cached")
    check_in("SERVFAIL", rec["error"], "error text")


@test
def dead_resolver_is_an_error_within_the_timeout():
    # Nothing listens on 127.0.0.1:5399 (the fixture's dead forwarder).
    r = mptest.run("mx", "--dns", "127.0.0.1:5399", "--timeout", "300ms", "known.mptest",
                   fixture_flags=False, timeout=30)
    check_eq(r.returncode, 0, "exit status")
    check_eq(r.records[0]["result"], "error", "result")
    check(r.seconds < 10, "gave up in %.1f s" % r.seconds)


@test
def default_policy_refuses_loopback_targets():
    # Without --allow-net the prober must not connect into 127.0.0.0/8.
    rec = one("known.mptest", allow=[])
    check_eq(rec["result"], "blocked_target", "result")
    check_eq(hosts(rec), [("mx1.known.mptest", 10, [], 1)], "address counted as blocked")
    check_in("--allow-net", rec["error"], "error explains the fix")


@test
def narrow_allow_net_blocks_what_it_does_not_cover():
    # 127.0.0.0/26 covers .10 (known) but not .99 (private).
    narrow = ["--allow-net", "127.0.0.0/26"]
    rec = one("private.mptest", allow=narrow)
    check_eq(rec["result"], "blocked_target", "private.mptest result")
    check_eq(hosts(rec), [("mx.private.mptest", 10, [], 1)], "private.mptest hosts")
    rec = one("known.mptest", allow=narrow)
    check_eq(rec["result"], "ok", "known.mptest result")
    rec = one("private.mptest")
    check_eq(rec["result"], "ok", "private.mptest with 127.0.0.0/8")
    check_eq(hosts(rec), [("mx.private.mptest", 10, ["127.0.0.99"], 0)], "hosts with /8")


@test
def provider_name_outside_mptest_is_served_by_the_fixture():
    rec = one("proofpoint.mptest")
    check_eq(rec["result"], "ok", "result")
    check_eq(hosts(rec), [("mx0a-001.pphosted.com", 10, ["127.0.0.28"], 0)], "hosts")


@test
def every_catalogue_mx_resolves_to_its_address():
    table = {
        "catchall.mptest": ("mx1.catchall.mptest", "127.0.0.10"),
        "access.mptest": ("mx1.access.mptest", "127.0.0.10"),
        "grey.mptest": ("mx1.grey.mptest", "127.0.0.10"),
        "dead.mptest": ("mx.dead.mptest", "127.0.0.12"),
        "silent.mptest": ("mx.silent.mptest", "127.0.0.20"),
        "greet554.mptest": ("mx.greet554.mptest", "127.0.0.21"),
        "slow.mptest": ("mx.slow.mptest", "127.0.0.22"),
        "hugeline.mptest": ("mx.hugeline.mptest", "127.0.0.23"),
        "multiline.mptest": ("mx.multiline.mptest", "127.0.0.24"),
        "reset.mptest": ("mx.reset.mptest", "127.0.0.25"),
        "limit421.mptest": ("mx.limit421.mptest", "127.0.0.26"),
        "garbage.mptest": ("mx.garbage.mptest", "127.0.0.27"),
        "acceptall.mptest": ("mx.acceptall.mptest", "127.0.0.28"),
        "earlyclose.mptest": ("mx.earlyclose.mptest", "127.0.0.29"),
    }
    r = mx(*table)
    check_eq(r.returncode, 0, "exit status")
    check_eq([rec["domain"] for rec in r.records], list(table), "one line per domain, in order")
    for rec in r.records:
        name, addr = table[rec["domain"]]
        check_eq(rec["result"], "ok", "%s result" % rec["domain"])
        check_eq(hosts(rec), [(name, 10, [addr], 0)], "%s hosts" % rec["domain"])


@test
def case_and_trailing_dot_do_not_matter():
    rec = one("KNOWN.Mptest.")
    check_eq(rec["result"], "ok", "result")
    check_eq(rec["hosts"][0]["name"], "mx1.known.mptest", "host")


@test
def invalid_domain_is_an_error_record():
    rec = one("bad..name.mptest")
    check_eq(rec["result"], "error", "result")
    check_in("not a valid domain", rec["error"], "error")


@test
def thousands_of_lookups_of_one_domain_cost_one_mx_query():
    n = 3000
    r = mx("--stats", *(["known.mptest"] * n))
    check_eq(r.returncode, 0, "exit status")
    check_eq(len(r.records), n, "one line per argument")
    check(all(rec["result"] == "ok" for rec in r.records), "all ok")
    stats = mptest.parse_ndjson(r.stderr)[-1]
    # One MX query plus A and AAAA of the one host.
    check_eq(stats["queries_sent"], 3, "queries sent (%r)" % stats)
    check_eq(stats["cache_misses"], 1, "cache misses")
    check_eq(stats["cache_hits"], n - 1, "coalesced or cached")


@test
def mixed_domains_keep_argument_order():
    domains = ["nosuch.mptest", "known.mptest", "nullmx.mptest", "implicit.mptest", "known.mptest"]
    r = mx(*domains)
    check_eq([rec["domain"] for rec in r.records], domains, "order")
    check_eq([rec["result"] for rec in r.records],
             ["nxdomain", "ok", "null_mx", "ok", "ok"], "results")


@test
def usage_errors_exit_2():
    for args in ([], ["--allow-net", "127.0.0.0/33", "known.mptest"], ["--timeout", "abc", "x.mptest"],
                 ["--bogus", "known.mptest"], ["known.mptest", "--stats"]):
        r = mptest.run("mx", "--dns", mptest.FIXTURE_DNS, *args, fixture_flags=False, timeout=30)
        check_eq(r.returncode, 2, "exit status for %r" % args)
        check_eq(r.stdout, "", "no output for %r" % args)
    r = mptest.run("mx", "--dns", "not-an-ip", "known.mptest", fixture_flags=False, timeout=30)
    check_eq(r.returncode, 2, "bad --dns")
    check_in("bad DNS server", r.stderr, "message names the problem")


@test
def help_exits_0():
    # Not NDJSON, so not through mptest.run (which parses stdout).
    proc = subprocess.run([mptest.MAILPROBE, "mx", "--help"], capture_output=True, text=True, timeout=30)
    check_eq(proc.returncode, 0, "exit status")
    check_in("--allow-net", proc.stdout, "help text")


mptest.main()
