# ctest-labels: integration fixture
# ctest-stores: postgresql
"""Resolver trust is shared by the workers of one PostgreSQL database
(issue 13; serve/trust_share.h): a worker whose resolver lies (the
fixture's liar on 127.0.0.1:5355) leases nothing new while another live
worker's resolver is honest, so addresses at a domain that truly does not
exist end `undeliverable / domain_not_found` — the honest worker's verdict
— instead of `unknown / dns_untrusted`. With no honest worker left, the
liar works as alone: nothing is undeliverable on its resolver's word.
Both retry schedules are off, so a dns_untrusted answer would be final
and seen here, not hidden in a five-minute wait."""
import re
import signal
import time

import mptest
import mpunbound
from mpserve import Server, metric, pg_createdb
from mptest import check, check_eq, check_in, test

LIAR_FLAGS = mpunbound.serve_flags(mptest.FIXTURE_LIAR_DNS)
COMMON = ["--cache-ttl", "0", "--retry-schedule", "off", "--no-access-log"]
# Domains of the test zones that do not exist (the honest resolver says
# NXDOMAIN, and so does the liar -- which also denies the root), and
# addresses the fixture's Postfix accepts.
NOWHERE = ["x@nosuch.mptest", "y@nosuch.mptest", "a@gone-trust1.mptest", "b@gone-trust2.mptest"]
DELIVERABLE = ["alice@known.mptest", "bob@known.mptest", "carol@known.mptest"]


def cluster_view(server):
    return server.json("GET", "/healthz")["cluster"]


def wait_cluster(server, resolvers, deferring, timeout=20):
    """Waits until `server`'s /healthz shows these resolver counts and
    deferring; returns its cluster object."""
    deadline = time.monotonic() + timeout
    c = None
    while time.monotonic() < deadline:
        c = cluster_view(server)
        if c["resolvers"] == resolvers and c["deferring"] == deferring:
            return c
        time.sleep(0.1)
    raise AssertionError("cluster view not %r / deferring %r after %ds: %r" % (resolvers, deferring, timeout, c))


def gauge(server, name, state):
    text = server.request("GET", "/metrics")[2].decode()
    m = re.search(r'^%s\{state="%s"\} (\d+)$' % (re.escape(name), state), text, re.M)
    check(m, "metric %s{state=%s} present" % (name, state))
    return int(m.group(1))


def results_by_email(server, job_id):
    status, _, data = server.request("GET", "/v1/jobs/%s/results" % job_id)
    check_eq(status, 200, "results status")
    return {r["email"]: r for r in mptest.parse_ndjson(data.decode())}


def verdict(r):
    return (r["status"], r["reason"])


@test
def a_liar_leaves_new_addresses_to_an_honest_worker():
    url = pg_createdb("trust_%d" % (int(time.time() * 1000) % 10 ** 9))
    liar = Server(*COMMON, *LIAR_FLAGS, "--worker-name", "liar", db=url, fixture=False)
    honest = Server(*COMMON, "--worker-name", "honest", db=url)
    try:
        c = wait_cluster(liar, {"honest": 1, "lying": 1}, True)
        check_eq(c["workers"], 2, "two live workers")
        check_eq(wait_cluster(honest, {"honest": 1, "lying": 1}, False)["deferring"], False,
                 "the honest worker does not defer")
        check_eq(metric(liar, "mailprobe_worker_deferring"), 1, "liar's deferring gauge")
        check_eq(metric(honest, "mailprobe_worker_deferring"), 0, "honest worker's deferring gauge")
        for state, n in (("honest", 1), ("lying", 1), ("unanswered", 0), ("unproven", 0)):
            check_eq(gauge(liar, "mailprobe_cluster_resolvers", state), n, "cluster resolvers %s" % state)
        check_eq(liar.db_query("SELECT name, resolver FROM workers ORDER BY name"),
                 [("honest", "honest"), ("liar", "lying")], "each worker's row says what its resolver is")
        why = liar.db_query("SELECT resolver_why, resolver_since > 0 FROM workers WHERE name = 'liar'")
        check_in("does not exist (NXDOMAIN)", why[0][0], "the liar's row says why")
        check_eq(why[0][1], 1, "and since when")

        job = liar.json("POST", "/v1/jobs", {"emails": NOWHERE + DELIVERABLE}, expect=202)
        done = liar.wait_job(job["id"], timeout=90)
        check_eq(done["state"], "done", "the job ends")
        got = results_by_email(liar, job["id"])
        for email in NOWHERE:
            check_eq(verdict(got[email]), ("undeliverable", "domain_not_found"),
                     "the honest resolver's verdict for %s (%r)" % (email, got[email]))
        for email in DELIVERABLE:
            check_eq(verdict(got[email]), ("deliverable", "accepted"), "verdict of %s" % email)
        check_eq([e for e, r in got.items() if r["reason"] == "dns_untrusted"], [], "no dns_untrusted result")
        check_eq(metric(liar, "mailprobe_store_addresses_leased_total"), 0, "the liar leased nothing")
        check_eq(metric(honest, "mailprobe_store_addresses_leased_total"), len(NOWHERE + DELIVERABLE),
                 "the honest worker leased every address")
        check_eq(liar.stderr().count("leaving new addresses to it"), 1, "the liar says once that it defers")

        # The honest worker leaves (SIGTERM): its row goes with it, and the
        # liar works alone at once (not a lease TTL later), as a lone worker
        # would: nothing undeliverable on its resolver's word.
        honest.stop(signal.SIGTERM)
        wait_cluster(liar, {"lying": 1}, False, timeout=10)
        check_eq(metric(liar, "mailprobe_worker_deferring"), 0, "deferring gauge after the honest one left")
        check_eq(liar.stderr().count("taking new addresses again"), 1, "the liar says once that it works again")
        job = liar.json("POST", "/v1/jobs", {"emails": NOWHERE + DELIVERABLE}, expect=202)
        check_eq(liar.wait_job(job["id"], timeout=90)["state"], "done", "the liar finishes it alone")
        got = results_by_email(liar, job["id"])
        for email in NOWHERE:
            check_eq(verdict(got[email]), ("unknown", "dns_untrusted"), "alone, the liar doubts %s" % email)
        for email in DELIVERABLE:
            check_eq(verdict(got[email]), ("deliverable", "accepted"), "verdict of %s" % email)
    finally:
        honest.stop()
        liar.stop()


@test
def a_lone_liar_on_postgresql_works_and_believes_no_denial():
    with Server(*COMMON, *LIAR_FLAGS, fixture=False) as liar:
        wait_cluster(liar, {"lying": 1}, False)
        check_eq(metric(liar, "mailprobe_worker_deferring"), 0, "deferring gauge")
        job = liar.json("POST", "/v1/jobs", {"emails": NOWHERE + DELIVERABLE}, expect=202)
        done = liar.wait_job(job["id"], timeout=90)
        check_eq((done["state"], done["counts"]["undeliverable"]), ("done", 0), "nothing undeliverable (%r)" % done)
        got = results_by_email(liar, job["id"])
        for email in NOWHERE:
            check_eq(verdict(got[email]), ("unknown", "dns_untrusted"), "verdict of %s" % email)
            check_eq(got[email]["action"], "retry", "action of %s" % email)
        for email in DELIVERABLE:
            check_eq(verdict(got[email]), ("deliverable", "accepted"), "verdict of %s" % email)
        check(metric(liar, "mailprobe_store_addresses_leased_total") >= len(NOWHERE + DELIVERABLE),
              "it leased the addresses itself")


if __name__ == "__main__":
    mptest.main()
