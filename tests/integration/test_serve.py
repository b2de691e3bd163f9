# ctest-labels: integration fixture
# ctest-stores: sqlite postgresql
"""`mailprobe serve`: every endpoint and error of docs/openapi.yaml, API
keys, rate limits, CORS, static files, SSE, the result cache, SIGHUP reload
of --disposable-list, `update-lists`, the webhook and the configuration
precedence — against a real server process on loopback and the fixture.
Crash recovery (kill -9 mid-job) is in test_serve_resume.py."""
import hashlib
import hmac
import http.client
import http.server
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time

import mptest
from mpserve import HttpStub, Server, check_error, free_port, metric
from mptest import check, check_eq, check_in, test

SOURCE_DIR = mptest.SOURCE_DIR


@test
def healthz_reports_ok_and_versions():
    with Server() as s:
        h = s.json("GET", "/healthz")
        check_eq(h["status"], "ok", "status")
        check(h["lists"]["disposable_count"] > 1000, "compiled-in list size reported")
        check_eq(h["jobs"], {"queued": 0, "running": 0}, "no jobs")


@test
def verify_returns_the_result_object_from_smtp():
    with Server("--cache-ttl", "0") as s:
        r = s.verify("alice@known.mptest")
        check_eq((r["status"], r["reason"]), ("deliverable", "accepted"), "alice")
        check_eq(r["smtp"]["code"], 250, "smtp code")
        check_eq(r["mx"]["hosts"][0]["host"], "mx1.known.mptest", "mx host")
        r = s.verify("zed@known.mptest")
        check_eq((r["status"], r["reason"]), ("undeliverable", "mailbox_not_found"), "zed")
        r = s.verify("no at sign")
        check_eq(r["reason"], "invalid_syntax", "syntax")
        check_eq(r["email"], "no at sign", "input echoed")


@test
def verify_errors_are_json_with_the_right_status():
    with Server("--max-body-verify", "1000") as s:
        check_error(s, "POST", "/v1/verify", 400, "bad_request", b"{not json", {"Content-Type": "application/json"})
        check_error(s, "POST", "/v1/verify", 400, "bad_request", {"mail": "x@y.org"})
        check_error(s, "POST", "/v1/verify", 400, "bad_request", {"email": 42})
        check_error(s, "POST", "/v1/verify", 415, "unsupported_media_type", b"email=x", {"Content-Type": "application/x-www-form-urlencoded"})
        check_error(s, "POST", "/v1/verify", 413, "payload_too_large", {"email": "a" * 2000 + "@x.org"})
        hdrs = check_error(s, "GET", "/v1/verify", 405, "method_not_allowed")
        check_in("POST", hdrs.get("allow", ""), "Allow header")
        check_error(s, "GET", "/v1/nothing", 404, "not_found")
        check_error(s, "GET", "/v1/jobs/0123456789abcdef", 404, "not_found")
        check_error(s, "GET", "/v1/jobs/not-an-id", 404, "not_found")
        hdrs = check_error(s, "POST", "/v1/jobs/0123456789abcdef", 405, "method_not_allowed")
        check_in("DELETE", hdrs.get("allow", ""), "Allow header")
        check_error(s, "POST", "/healthz", 405, "method_not_allowed")


@test
def default_body_limit_of_verify_is_one_mebibyte():
    with Server() as s:
        check_error(s, "POST", "/v1/verify", 413, "payload_too_large",
                    b'{"email":"' + b"a" * (1 << 20) + b'"}', {"Content-Type": "application/json"})


@test
def verify_results_are_cached_for_cache_ttl():
    with Server("--cache-ttl", "60") as s:
        first = s.request("POST", "/v1/verify", {"email": "bob@known.mptest"})
        second = s.request("POST", "/v1/verify", {"email": "bob@known.mptest"})
        check_eq((first[0], second[0]), (200, 200), "statuses")
        check("x-mailprobe-cache" not in first[1], "first answer is fresh")
        check_eq(second[1].get("x-mailprobe-cache"), "hit", "second from the cache")
        check_eq(json.loads(first[2]), json.loads(second[2]), "same result")
        metrics = s.request("GET", "/metrics")[2].decode()
        check_in("mailprobe_verify_cache_hits_total 1", metrics, "metrics count the hit")
    with Server("--cache-ttl", "0") as s:
        s.verify("bob@known.mptest")
        again = s.request("POST", "/v1/verify", {"email": "bob@known.mptest"})
        check("x-mailprobe-cache" not in again[1], "cache off with --cache-ttl 0")


@test
def too_many_pending_verifies_is_503():
    with Server("--max-pending-verify", "1", "--cache-ttl", "0") as s:
        slow = http.client.HTTPConnection("127.0.0.1", s.port, timeout=60)
        slow.request("POST", "/v1/verify", body=json.dumps({"email": "a@slow.mptest"}),
                     headers={"Content-Type": "application/json"})
        time.sleep(0.3)
        hdrs = check_error(s, "POST", "/v1/verify", 503, "overloaded", {"email": "b@slow.mptest"})
        check("retry-after" in hdrs, "Retry-After")
        slow.close()


@test
def full_prober_queue_is_503_and_a_job_waits_for_room():
    # Room for one address in the prober (--concurrency 1, --max-queued 0):
    # a verify held on slow.mptest fills it; the next verify is 503 at once
    # and a job waits, then gets every address answered once room is back.
    with Server("--concurrency", "1", "--max-queued", "0", "--cache-ttl", "0", "--timeout", "4s",
                "--connect-timeout", "3s") as s:
        slow = http.client.HTTPConnection("127.0.0.1", s.port, timeout=60)
        slow.request("POST", "/v1/verify", body=json.dumps({"email": "a@slow.mptest"}),
                     headers={"Content-Type": "application/json"})
        time.sleep(0.3)
        hdrs = check_error(s, "POST", "/v1/verify", 503, "overloaded", {"email": "bob@known.mptest"})
        check("retry-after" in hdrs, "Retry-After")
        job = s.json("POST", "/v1/jobs", {"emails": ["alice@known.mptest", "zed@known.mptest", "not an address"]},
                     expect=202)
        time.sleep(0.5)
        check_eq(s.json("GET", "/v1/jobs/" + job["id"])["done"], 0, "the job waits while the prober is full")
        check(metric(s, "mailprobe_probes_refused_total") >= 2, "refusals counted")
        slow_status = slow.getresponse().status  # answered when its server fails to greet (3 s)
        check_eq(slow_status, 200, "the held verify")
        done = s.wait_job(job["id"], timeout=30)
        check_eq((done["state"], done["done"], done["total"]), ("done", 3, 3), "job")
        slow.close()


@test
def client_leaving_a_pending_verify_cancels_its_probe():
    with Server("--cache-ttl", "0") as s:
        for _ in range(3):
            c = socket.create_connection(("127.0.0.1", s.port))
            body = b'{"email":"a@slow.mptest"}'
            c.sendall(b"POST /v1/verify HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Type: application/json\r\n"
                      b"Content-Length: %d\r\n\r\n%s" % (s.port, len(body), body))
            time.sleep(0.2)
            c.close()
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            metrics = s.request("GET", "/metrics")[2].decode()
            if 'code="499"} 3' in metrics:
                break
            time.sleep(0.2)
        check_in('mailprobe_http_requests_total{route="verify",code="499"} 3', metrics, "counted as 499")
        check_in("mailprobe_verify_pending 0", metrics, "nothing left pending")
        check_eq(s.verify("x")["reason"], "invalid_syntax", "still serving")


@test
def idle_half_sent_requests_time_out():
    with Server("--request-timeout", "1") as s:
        c = socket.create_connection(("127.0.0.1", s.port))
        c.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # headers never finished
        c.settimeout(10)
        started = time.monotonic()
        data = c.recv(1000)
        c.close()
        check(time.monotonic() - started < 5, "closed by the server after the timeout")
        check(b"200 OK" not in data, "no reply to an unfinished request")


# --- jobs ---------------------------------------------------------------------------

JOB_EMAILS = ["alice@known.mptest", "zed@known.mptest", "not an address", "bob@known.mptest",
              "x@nosuch.mptest", "anything@catchall.mptest", "alice@known.mptest"]
EXPECTED_STATUS = ["deliverable", "undeliverable", "undeliverable", "deliverable",
                   "undeliverable", "risky", "deliverable"]


@test
def job_runs_to_done_with_counts_and_results_in_input_order():
    with Server() as s:
        created = s.json("POST", "/v1/jobs", {"emails": JOB_EMAILS}, expect=202)
        check_eq(created["total"], len(JOB_EMAILS), "total")
        check(re.fullmatch(r"[0-9a-f]{16}", created["id"]), "id shape")
        job = s.wait_job(created["id"])
        check_eq(job["state"], "done", "state")
        check_eq(job["done"], len(JOB_EMAILS), "done")
        check_eq(job["counts"], {"deliverable": 3, "undeliverable": 3, "risky": 1, "unknown": 0}, "counts")
        status, hdrs, data = s.request("GET", "/v1/jobs/%s/results" % created["id"])
        check_eq(status, 200, "results status")
        check_in("application/x-ndjson", hdrs["content-type"], "NDJSON")
        rows = mptest.parse_ndjson(data.decode())
        check_eq([r["email"] for r in rows], JOB_EMAILS, "input order, each once")
        check_eq([r["status"] for r in rows], EXPECTED_STATUS, "statuses")
        # CSV by query and by Accept
        for path, hdr in (("/v1/jobs/%s/results?format=csv" % created["id"], {}),
                          ("/v1/jobs/%s/results" % created["id"], {"Accept": "text/csv"})):
            status, hdrs, data = s.request("GET", path, headers=hdr)
            check_in("text/csv", hdrs["content-type"], "CSV type")
            lines = data.decode().splitlines()
            check_eq(lines[0].split(",")[:5], ["email", "status", "reason", "action", "score"], "CSV header")
            check_eq(len(lines), len(JOB_EMAILS) + 1, "CSV rows")
            check(lines[2].startswith("zed@known.mptest,undeliverable,mailbox_not_found,remove,"), lines[2])
        status, hdrs, data = s.request("GET", "/v1/jobs/%s/results?format=ndjson" % created["id"],
                                       headers={"Accept": "text/csv"})
        check_eq(len(mptest.parse_ndjson(data.decode())), len(JOB_EMAILS), "?format=ndjson wins over Accept")
        check_error(s, "GET", "/v1/jobs/%s/results?format=xml" % created["id"], 400, "bad_request")



@test
def jobs_store_domain_facts():
    with Server() as s:
        created = s.json("POST", "/v1/jobs", {"emails": ["alice@known.mptest", "x@catchall.mptest"]}, expect=202)
        s.wait_job(created["id"])
        rows = {r[0]: (json.loads(r[1]), r[2]) for r in s.db_query("SELECT domain, mx, catch_all FROM domains")}
    check_eq(sorted(rows), ["catchall.mptest", "known.mptest"], "one row per domain")
    mx, catch_all = rows["known.mptest"]
    check_in("mx1.known.mptest", json.dumps(mx), "MX hosts stored")
    check_eq(catch_all, 0, "known.mptest is not catch-all (learned from the unknown-user test)")
    check_eq(rows["catchall.mptest"][1], 1, "catchall.mptest is catch-all")

@test
def catch_all_verdicts_are_remembered_across_restarts():
    workdir = tempfile.mkdtemp(prefix="mpserve-")
    try:
        s = Server("--cache-ttl", "0", workdir=workdir)
        created = s.json("POST", "/v1/jobs", {"emails": ["x@catchall.mptest", "alice@known.mptest"]}, expect=202)
        s.wait_job(created["id"])
        check_eq(metric(s, "mailprobe_catch_all_tests_total"), 2, "one random-recipient test per domain")
        s.stop(keep_dir=True)
        rows = dict(s.db_query("SELECT domain, catch_all FROM domains WHERE catch_all_at IS NOT NULL"))
        check_eq(rows, {"catchall.mptest": 1, "known.mptest": 0}, "verdicts stored with their time")

        # A new process (a restart) recalls them: no new tests, same verdicts.
        s = Server("--cache-ttl", "0", workdir=workdir)
        r = s.verify("y@catchall.mptest")
        check_eq((r["status"], r["reason"], r["smtp"]["catch_all"]), ("risky", "catch_all", True), "recalled catch-all")
        r = s.verify("bob@known.mptest")
        check_eq((r["status"], r["smtp"]["catch_all"]), ("deliverable", False), "recalled not catch-all")
        check_eq(metric(s, "mailprobe_catch_all_tests_total"), 0, "no test for remembered domains")
        s.stop(keep_dir=True)

        # --domain-cache-ttl 0: nothing is recalled, each domain is tested again.
        s = Server("--cache-ttl", "0", "--domain-cache-ttl", "0", workdir=workdir)
        r = s.verify("z@catchall.mptest")
        check_eq((r["status"], r["reason"]), ("risky", "catch_all"), "tested again")
        check_eq(metric(s, "mailprobe_catch_all_tests_total"), 1, "tested again without the memory")
        s.stop(keep_dir=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


@test
def job_accepts_text_plain_and_csv_bodies():
    with Server() as s:
        text = "alice@known.mptest\r\n\r\n  zed@known.mptest  \n"
        created = s.json("POST", "/v1/jobs", text, {"Content-Type": "text/plain"}, expect=202)
        check_eq(created["total"], 2, "blank lines skipped")
        csv = 'email,name\n"alice@known.mptest",Alice\nbob@known.mptest,Bob\n'
        created = s.json("POST", "/v1/jobs", csv, {"Content-Type": "text/csv; charset=utf-8"}, expect=202)
        check_eq(created["total"], 2, "header skipped, first column taken")
        job = s.wait_job(created["id"])
        check_eq(job["counts"]["deliverable"], 2, "both deliverable")


@test
def job_limits_and_errors():
    with Server("--max-job-addresses", "3", "--max-body-jobs", "2000") as s:
        check_error(s, "POST", "/v1/jobs", 413, "payload_too_large", {"emails": ["a@b.org"] * 4})
        check_error(s, "POST", "/v1/jobs", 413, "payload_too_large", "a@b.org\n" * 4, {"Content-Type": "text/plain"})
        check_error(s, "POST", "/v1/jobs", 413, "payload_too_large", {"emails": ["a" * 3000]})
        check_error(s, "POST", "/v1/jobs", 400, "bad_request", {"emails": []})
        check_error(s, "POST", "/v1/jobs", 400, "bad_request", {"emails": "a@b.org"})
        check_error(s, "POST", "/v1/jobs", 400, "bad_request", {"emails": ["a@b.org", 7]})
        check_error(s, "POST", "/v1/jobs", 415, "unsupported_media_type", b"<x/>", {"Content-Type": "application/xml"})
        check_error(s, "GET", "/v1/jobs", 405, "method_not_allowed")


@test
def too_many_unfinished_jobs_is_503():
    # slow.mptest keeps the first job busy (one byte per second replies).
    with Server("--max-queued-jobs", "1", "--max-running-jobs", "1") as s:
        s.json("POST", "/v1/jobs", {"emails": ["a@slow.mptest"]}, expect=202)
        hdrs = check_error(s, "POST", "/v1/jobs", 503, "overloaded", {"emails": ["b@known.mptest"]})
        check("retry-after" in hdrs, "Retry-After on 503")


@test
def only_max_running_jobs_probe_at_once():
    with Server("--max-running-jobs", "1") as s:
        first = s.json("POST", "/v1/jobs", {"emails": ["a@slow.mptest"]}, expect=202)
        second = s.json("POST", "/v1/jobs", {"emails": ["b@slow.mptest"]}, expect=202)
        time.sleep(0.5)
        check_eq(s.json("GET", "/v1/jobs/" + first["id"])["state"], "running", "first runs")
        check_eq(s.json("GET", "/v1/jobs/" + second["id"])["state"], "queued", "second waits")
        check_eq(s.json("GET", "/healthz")["jobs"], {"queued": 1, "running": 1}, "healthz")
        check_in("mailprobe_jobs_queued 1", s.request("GET", "/metrics")[2].decode(), "queue depth metric")
        s.json("DELETE", "/v1/jobs/" + first["id"])
        deadline = time.monotonic() + 5
        while s.json("GET", "/v1/jobs/" + second["id"])["state"] != "running" and time.monotonic() < deadline:
            time.sleep(0.1)
        check_eq(s.json("GET", "/v1/jobs/" + second["id"])["state"], "running", "second starts when the first ends")

@test
def delete_cancels_a_running_job():
    with Server() as s:
        created = s.json("POST", "/v1/jobs", {"emails": ["a@slow.mptest", "b@slow.mptest"]}, expect=202)
        time.sleep(0.5)
        job = s.json("DELETE", "/v1/jobs/" + created["id"])
        check_eq(job["state"], "cancelled", "state after DELETE")
        check_eq(s.json("GET", "/v1/jobs/" + created["id"])["state"], "cancelled", "stays cancelled")
        check_eq(s.json("GET", "/healthz")["jobs"], {"queued": 0, "running": 0}, "runner is free")


@test
def events_stream_progress_and_end_with_done():
    with Server("--job-in-flight", "2") as s:
        created = s.json("POST", "/v1/jobs", {"emails": JOB_EMAILS}, expect=202)
        conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=60)
        conn.request("GET", "/v1/jobs/%s/events" % created["id"])
        resp = conn.getresponse()
        check_eq(resp.status, 200, "status")
        check_in("text/event-stream", resp.getheader("Content-Type"), "SSE type")
        text = resp.read().decode()  # the server ends the stream after "done"
        conn.close()
        events = [(m.group(1), json.loads(m.group(2)))
                  for m in re.finditer(r"event: (\w+)\ndata: (.*)\n\n", text)]
        check(len(events) >= 2, "at least one progress and the done event: %r" % text[:500])
        check_eq(events[-1][0], "done", "last event")
        check_eq(events[-1][1]["state"], "done", "final state")
        check_eq(events[-1][1]["done"], len(JOB_EMAILS), "final count")
        dones = [e[1]["done"] for e in events if e[0] == "progress"]
        check_eq(dones, sorted(dones), "progress only grows")


@test
def large_job_results_stream_in_chunks():
    # 2,500 syntactically invalid addresses: no network, several result pages.
    n = 2500
    with Server() as s:
        emails = ["bad%d" % i for i in range(n)]
        created = s.json("POST", "/v1/jobs", "\n".join(emails), {"Content-Type": "text/plain"}, expect=202)
        job = s.wait_job(created["id"])
        check_eq(job["counts"]["undeliverable"], n, "all invalid")
        status, hdrs, data = s.request("GET", "/v1/jobs/%s/results" % created["id"])
        check_eq(hdrs.get("transfer-encoding"), "chunked", "streamed")
        rows = mptest.parse_ndjson(data.decode())
        check_eq([r["email"] for r in rows], emails, "every row once, in order")


# --- security ---------------------------------------------------------------------------

KEY = "k-0123456789abcdef"


@test
def api_keys_are_required_on_v1_when_configured():
    with Server("--api-key", KEY, "--api-key", "second-key-456") as s:
        check_error(s, "POST", "/v1/verify", 401, "unauthorized", {"email": "x"})
        check_error(s, "POST", "/v1/verify", 401, "unauthorized", {"email": "x"}, {"Authorization": "Bearer wrong-key-000"})
        check_error(s, "POST", "/v1/verify", 401, "unauthorized", {"email": "x"}, {"Authorization": "Bearer " + KEY[:-1]})
        check_error(s, "GET", "/v1/jobs/0123456789abcdef", 401, "unauthorized")
        r = s.verify("x", {"Authorization": "Bearer " + KEY})
        check_eq(r["reason"], "invalid_syntax", "authorised")
        r = s.verify("x", {"Authorization": "Bearer second-key-456"})
        check_eq(r["reason"], "invalid_syntax", "second key works")
        check_eq(s.request("GET", "/healthz")[0], 200, "healthz needs no key")


@test
def refuses_a_public_address_without_a_key():
    port = free_port()
    proc = subprocess.run([mptest.MAILPROBE, "serve", "--listen", "0.0.0.0:%d" % port, "--db", ":memory:"],
                          capture_output=True, text=True, timeout=10)
    check_eq(proc.returncode, 2, "exit status")
    check_in("--insecure-no-auth", proc.stderr, "explains the way out")
    proc = subprocess.run([mptest.MAILPROBE, "serve", "--listen", "[::]:%d" % port, "--db", ":memory:"],
                          capture_output=True, text=True, timeout=10)
    check_eq(proc.returncode, 2, "IPv6 any-address refused too")
    # With a key it starts, and the key is then required even from loopback.
    with Server("--listen", "0.0.0.0:%d" % port, "--api-key", KEY, port=port) as s:
        check_error(s, "POST", "/v1/verify", 401, "unauthorized", {"email": "x"})
        check_eq(s.verify("x", {"Authorization": "Bearer " + KEY})["reason"], "invalid_syntax", "with the key")
    # --insecure-no-auth: the operator says something in front authenticates.
    with Server("--listen", "0.0.0.0:%d" % port, "--insecure-no-auth", port=port) as s:
        check_eq(s.verify("x")["reason"], "invalid_syntax", "open on purpose")


@test
def rate_limit_answers_429_with_retry_after():
    with Server("--rate-limit", "0.5", "--rate-burst", "3") as s:
        codes = [s.request("POST", "/v1/verify", {"email": "x"})[0] for _ in range(3)]
        check_eq(codes, [200, 200, 200], "burst allowed")
        hdrs = check_error(s, "POST", "/v1/verify", 429, "rate_limited", {"email": "x"})
        check(int(hdrs["retry-after"]) >= 1, "Retry-After")
        check_eq(s.request("GET", "/healthz")[0], 200, "healthz is not limited")
    # Per key: another key has its own bucket.
    with Server("--rate-limit", "0.5", "--rate-burst", "1", "--api-key", KEY, "--api-key", "other-key-999") as s:
        a = {"Authorization": "Bearer " + KEY}
        b = {"Authorization": "Bearer other-key-999"}
        check_eq(s.request("POST", "/v1/verify", {"email": "x"}, a)[0], 200, "key A first")
        check_eq(s.request("POST", "/v1/verify", {"email": "x"}, a)[0], 429, "key A limited")
        check_eq(s.request("POST", "/v1/verify", {"email": "x"}, b)[0], 200, "key B has its own bucket")


@test
def cors_only_for_configured_origins():
    good, bad = "https://shop.example", "https://evil.example"
    with Server("--cors-origin", good) as s:
        status, hdrs, _ = s.request("OPTIONS", "/v1/verify", headers={
            "Origin": good, "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type, authorization"})
        check_eq(status, 204, "preflight")
        check_eq(hdrs.get("access-control-allow-origin"), good, "allow origin")
        check_in("POST", hdrs.get("access-control-allow-methods", ""), "methods")
        check_in("Authorization", hdrs.get("access-control-allow-headers", ""), "headers")
        check_error(s, "OPTIONS", "/v1/verify", 403, "forbidden", headers={"Origin": bad})
        status, hdrs, _ = s.request("POST", "/v1/verify", {"email": "x"}, {"Origin": good})
        check_eq(hdrs.get("access-control-allow-origin"), good, "actual request")
        status, hdrs, _ = s.request("POST", "/v1/verify", {"email": "x"}, {"Origin": bad})
        check("access-control-allow-origin" not in hdrs, "no CORS header for other origins")
    with Server() as s:
        status, hdrs, _ = s.request("POST", "/v1/verify", {"email": "x"}, {"Origin": good})
        check("access-control-allow-origin" not in hdrs, "no CORS by default")


# --- static files ---------------------------------------------------------------------------

@test
def static_files_with_mime_types_and_no_traversal():
    web = tempfile.mkdtemp(prefix="mpweb-")
    try:
        files = {"index.html": "text/html", "app.js": "text/javascript", "mailcheck.mjs": "text/javascript",
                 "mailcheck.wasm": "application/wasm", "style.css": "text/css", "sub/index.html": "text/html"}
        for name in files:
            os.makedirs(os.path.dirname(os.path.join(web, name)), exist_ok=True)
            with open(os.path.join(web, name), "w") as f:
                f.write("content of " + name)
        with open(os.path.join(os.path.dirname(web), "secret-%d.txt" % os.getpid()), "w") as f:
            f.write("secret")
        os.symlink("/etc/passwd", os.path.join(web, "passwd"))
        with Server("--web", web) as s:
            for name, mime in files.items():
                status, hdrs, body = s.request("GET", "/" + name)
                check_eq(status, 200, name)
                check(hdrs["content-type"].startswith(mime), "%s: %s" % (name, hdrs["content-type"]))
                check_eq(body.decode(), "content of " + name, name)
            status, hdrs, body = s.request("GET", "/")
            check_eq(body.decode(), "content of index.html", "/ is index.html")
            check_eq(s.request("GET", "/sub/")[2].decode(), "content of sub/index.html", "directory index")
            check_eq(s.request("HEAD", "/app.js")[0], 200, "HEAD")
            check_error(s, "GET", "/missing.js", 404, "not_found")
            for evil in ("/../secret-%d.txt" % os.getpid(), "/%2e%2e/secret-" + str(os.getpid()) + ".txt",
                         "/sub/..%2f..%2fsecret-" + str(os.getpid()) + ".txt", "/passwd", "/a%00b"):
                status, _, body = s.request("GET", evil)
                check(status in (400, 403, 404), "%s: %d" % (evil, status))
                check(b"secret" not in body and b"root:" not in body, evil)
            check_error(s, "POST", "/index.html", 405, "method_not_allowed")
    finally:
        shutil.rmtree(web, ignore_errors=True)
        try:
            os.unlink(os.path.join(os.path.dirname(web), "secret-%d.txt" % os.getpid()))
        except OSError:
            pass


# --- metrics -----------------------------------------------------------------------------------

@test
def metrics_in_prometheus_text_format():
    with Server("--cache-ttl", "0") as s:
        s.verify("alice@known.mptest")
        s.request("GET", "/v1/nothing")
        status, hdrs, data = s.request("GET", "/metrics")
        check_eq(status, 200, "status")
        check_in("text/plain", hdrs["content-type"], "type")
        text = data.decode()
        for needle in ('mailprobe_http_requests_total{route="verify",code="200"} 1',
                       'mailprobe_http_requests_total{route="other",code="404"} 1',
                       'mailprobe_probes_total{status="deliverable"} 1',
                       'mailprobe_http_request_duration_seconds_bucket{route="verify",le="+Inf"} 1',
                       "mailprobe_smtp_sessions_total 1", "mailprobe_probes_in_flight 0",
                       "mailprobe_jobs_queued 0"):
            check_in(needle, text, "metrics")
        dns = int(re.search(r"^mailprobe_dns_queries_total (\d+)$", text, re.M).group(1))
        check(dns >= 2, "DNS queries counted (MX + address of mx1): %d" % dns)
        check_in("mailprobe_jobs_running 0", text, "job gauges")
        check_in("mailprobe_http_request_duration_seconds_count{route=\"verify\"} 1", text, "histogram count")
        for line in text.splitlines():
            check(line.startswith("#") or re.fullmatch(r"mailprobe_\w+(\{[^}]*\})? \S+", line), "line: " + line)


# --- the documented API exists ------------------------------------------------------------------

@test
def every_openapi_path_and_method_is_served():
    import yaml  # python3-yaml, a Debian test dependency
    with open(os.path.join(SOURCE_DIR, "docs", "openapi.yaml")) as f:
        spec = yaml.safe_load(f)
    check(spec["openapi"].startswith("3."), "OpenAPI 3")
    with Server() as s:
        job = s.json("POST", "/v1/jobs", {"emails": ["x"]}, expect=202)
        s.wait_job(job["id"])
        seen = 0
        # DELETE of the finished job deletes it: last, so the other paths find it
        ops = [(path, method, op) for path, item in spec["paths"].items() for method, op in item.items()]
        for path, method, op in sorted(ops, key=lambda o: o[1] == "delete"):
            concrete = path.replace("{id}", job["id"]).replace("{path}", "index.html")
            if method not in ("get", "post", "delete", "options", "head"):
                continue
            body = {"email": "x"} if path == "/v1/verify" else {"emails": ["x"]} if path == "/v1/jobs" else None
            hdrs = {"Origin": "https://a.example"} if method == "options" else {}
            status, _, _ = s.request(method.upper(), concrete, body, hdrs)
            check(status not in (404, 405) or method == "options" or path.startswith("/{"),
                  "%s %s -> %d" % (method, path, status))
            documented = set(str(c) for c in op.get("responses", {}))
            check(str(status) in documented or "default" in documented,
                  "%s %s answered %d, documented %s" % (method, path, status, sorted(documented)))
            seen += 1
        check(seen >= 8, "operations checked: %d" % seen)


# --- configuration ------------------------------------------------------------------------------

@test
def flags_beat_environment_beat_config_file():
    d = tempfile.mkdtemp(prefix="mpconf-")
    try:
        p_file, p_env, p_flag = free_port(), free_port(), free_port()
        conf = os.path.join(d, "serve.conf")
        with open(conf, "w") as f:
            f.write("# comment\nlisten = 127.0.0.1:%d\napi-key = file-key-1234\nrate-limit = 0\n" % p_file)
        # config file only
        s = Server("--config", conf, workdir=d, port=p_file)
        check_eq(s.request("POST", "/v1/verify", {"email": "x"}, {"Authorization": "Bearer file-key-1234"})[0], 200, "file key")
        s.stop(keep_dir=True)
        # environment beats the file
        env = {"MAILPROBE_LISTEN": "127.0.0.1:%d" % p_env, "MAILPROBE_API_KEYS": "env-key-1234,env-key-5678"}
        s = Server("--config", conf, workdir=d, port=p_env, env=env)
        check_eq(s.request("POST", "/v1/verify", {"email": "x"}, {"Authorization": "Bearer env-key-5678"})[0], 200, "env key")
        check_eq(s.request("POST", "/v1/verify", {"email": "x"}, {"Authorization": "Bearer file-key-1234"})[0], 401, "file key replaced")
        s.stop(keep_dir=True)
        # flags beat both
        s = Server("--config", conf, "--listen", "127.0.0.1:%d" % p_flag, "--api-key", "flag-key-1234",
                   workdir=d, port=p_flag, env=env)
        check_eq(s.request("POST", "/v1/verify", {"email": "x"}, {"Authorization": "Bearer flag-key-1234"})[0], 200, "flag key")
        check_eq(s.request("POST", "/v1/verify", {"email": "x"}, {"Authorization": "Bearer env-key-1234"})[0], 401, "env key replaced")
        s.stop(keep_dir=True)
        with open(conf, "a") as f:
            f.write("no-such-key = 1\n")
        proc = subprocess.run([mptest.MAILPROBE, "serve", "--config", conf], capture_output=True, text=True, timeout=10)
        check_eq(proc.returncode, 2, "unknown key is a usage error")
        check_in("serve.conf:5", proc.stderr, "names file and line")
    finally:
        shutil.rmtree(d, ignore_errors=True)


@test
def sigterm_stops_cleanly():
    s = Server()
    started = time.monotonic()
    rc = s.stop(signal.SIGTERM)
    check_eq(rc, 0, "exit status")
    check(time.monotonic() - started < 5, "stops promptly")


@test
def sigterm_answers_waiting_verifies_503_ends_streams_and_exits():
    s = Server("--cache-ttl", "0")
    try:
        answers = []

        def slow_verify():
            try:
                answers.append(s.request("POST", "/v1/verify", {"email": "a@slow.mptest"}, timeout=30))
            except Exception as e:  # noqa: BLE001
                answers.append(e)

        t = threading.Thread(target=slow_verify)
        t.start()
        job = s.json("POST", "/v1/jobs", {"emails": ["b@slow.mptest"]}, expect=202)
        events = http.client.HTTPConnection("127.0.0.1", s.port, timeout=30)
        events.request("GET", "/v1/jobs/%s/events" % job["id"])
        stream = events.getresponse()
        check_eq(stream.status, 200, "event stream open")
        time.sleep(0.5)  # the probes are waiting for slow.mptest's one-byte-a-second replies
        started = time.monotonic()
        s.send(signal.SIGTERM)
        text = stream.read().decode()  # raises IncompleteRead unless the stream is ended properly
        events.close()
        check_in("event: progress", text, "events before the end")
        t.join(10)
        check_eq(s.proc.wait(10), 0, "exit status")
        check(time.monotonic() - started < 5, "does not wait for the slow mail server")
        check_eq(len(answers), 1, "the client got an answer")
        status, hdrs, data = answers[0]
        check_eq(status, 503, "waiting verify answered 503")
        check_eq(json.loads(data)["error"]["code"], "overloaded", "error code")
        check("retry-after" in hdrs, "Retry-After")
    finally:
        s.stop()


# --- disposable list: update-lists and SIGHUP ----------------------------------------------------

def update_lists(*args):
    return subprocess.run([mptest.MAILPROBE, "update-lists"] + list(args), capture_output=True, text=True, timeout=60)


@test
def update_lists_downloads_validates_and_replaces_atomically():
    good = "".join("d%d.example\n" % i for i in range(50)).encode() + b"# comment\nknown.mptest\n"
    bad = b"ok.example\nNot A Domain!\n"
    web = HttpStub({"/good.txt": good, "/bad.txt": bad, "/big.txt": b"x.example\n" * 20000})
    d = tempfile.mkdtemp(prefix="mplists-")
    out = os.path.join(d, "list.txt")
    try:
        run = update_lists("--url", web.url("/good.txt"), "--out", out, "--min-count", "10")
        check_eq(run.returncode, 0, "good list: " + run.stderr)
        with open(out) as f:
            text = f.read()
        check_in("known.mptest\n", text, "written")
        for path, why in (("/bad.txt", "not a lower-case domain"), ("/missing.txt", "404"),
                          ("/good.txt", "expected 1000")):
            run = update_lists("--url", web.url(path), "--out", out)
            check_eq(run.returncode, 1, path)
            check_in(why, run.stderr, path)
            with open(out) as f:
                check_eq(f.read(), text, "previous list kept after " + path)
        run = update_lists("--url", web.url("/big.txt"), "--out", out, "--max-size", "1000")
        check_eq(run.returncode, 1, "size limit")
        check_in("larger than", run.stderr, "size limit message")
    finally:
        web.close()
        shutil.rmtree(d, ignore_errors=True)


@test
def disposable_list_override_reloads_on_sighup():
    d = tempfile.mkdtemp(prefix="mpdisp-")
    lst = os.path.join(d, "extra.txt")
    with open(lst, "w") as f:
        f.write("other.example\n")
    with Server("--disposable-list", lst, "--cache-ttl", "0", workdir=d) as s:
        r = s.verify("alice@known.mptest")
        check_eq((r["disposable"], r["status"]), (False, "deliverable"), "before")
        check_eq(s.json("GET", "/healthz")["lists"]["extra_disposable_count"], 1, "loaded")
        with open(lst + ".new", "w") as f:
            f.write("other.example\nknown.mptest\n")
        os.rename(lst + ".new", lst)
        s.send(signal.SIGHUP)
        deadline = time.monotonic() + 5
        while s.json("GET", "/healthz")["lists"]["extra_disposable_count"] != 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        r = s.verify("alice@known.mptest")
        check_eq((r["disposable"], r["status"], r["reason"]), (True, "risky", "disposable"), "after SIGHUP")
        with open(lst, "w") as f:
            f.write("Broken Line\n")
        s.send(signal.SIGHUP)
        time.sleep(0.5)
        check_eq(s.json("GET", "/healthz")["lists"]["extra_disposable_count"], 2, "a bad file keeps the old list")
        check(s.proc.poll() is None, "still running")


@test
def metrics_count_the_verdict_the_client_gets():
    """The extra disposable list is part of the engine's one verdict: /metrics
    counts the status the client receives (risky), not an earlier one."""
    d = tempfile.mkdtemp(prefix="mpdisp-")
    lst = os.path.join(d, "extra.txt")
    with open(lst, "w") as f:
        f.write("known.mptest\n")
    try:
        with Server("--disposable-list", lst, "--cache-ttl", "0", workdir=d) as s:
            r = s.verify("alice@known.mptest")
            check_eq((r["disposable"], r["status"], r["reason"]), (True, "risky", "disposable"), "verify")
            job = s.json("POST", "/v1/jobs", {"emails": ["bob@known.mptest"]}, expect=202)
            s.wait_job(job["id"])
            row = mptest.parse_ndjson(s.request("GET", "/v1/jobs/%s/results" % job["id"])[2].decode())[0]
            check_eq((row["disposable"], row["status"]), (True, "risky"), "job result")
            check_eq(metric(s, 'mailprobe_probes_total{status="risky"}'), 2, "both counted as risky")
            check_eq(metric(s, 'mailprobe_probes_total{status="deliverable"}'), 0, "none counted as deliverable")
    finally:
        shutil.rmtree(d, ignore_errors=True)


@test
def webhook_is_signed_with_hmac_sha256():
    hook = HttpStub()
    try:
        with Server("--webhook", hook.url("/hook"), "--webhook-secret", "s3cret") as s:
            job = s.json("POST", "/v1/jobs", {"emails": ["x", "y"]}, expect=202)
            s.wait_job(job["id"])
            deadline = time.monotonic() + 10
            while not hook.posts and time.monotonic() < deadline:
                time.sleep(0.1)
        check_eq(len(hook.posts), 1, "one POST")
        headers, body = hook.posts[0]
        payload = json.loads(body)
        check_eq((payload["id"], payload["state"], payload["event"]), (job["id"], "done", "job.finished"), "payload")
        signed = headers.get("X-Mailprobe-Timestamp", "").encode() + b"." + body
        want = "sha256=" + hmac.new(b"s3cret", signed, hashlib.sha256).hexdigest()
        check_eq(headers.get("X-Mailprobe-Signature"), want, "signature")
    finally:
        hook.close()



# --- added: limits at their defaults, logs, SIGHUP under load, update-lists timeouts ----------

@test
def default_body_limit_of_jobs_is_sixteen_mebibytes():
    with Server() as s:
        # 2 MiB of JSON whitespace: over the verify limit, well under the jobs limit.
        padded = b'{"emails": ["x"]' + b" " * (2 << 20) + b"}"
        created = s.json("POST", "/v1/jobs", padded, {"Content-Type": "application/json"}, expect=202)
        check_eq(created["total"], 1, "a 2 MiB job body is accepted")
        check_error(s, "POST", "/v1/jobs", 413, "payload_too_large",
                    b'{"emails": ["x"]' + b" " * (16 << 20) + b"}", {"Content-Type": "application/json"})
        check_error(s, "POST", "/v1/jobs", 413, "payload_too_large", b"a@b.org\n" * ((16 << 20) // 8 + 1),
                    {"Content-Type": "text/plain"})
        # Far beyond every limit: refused before the body is read, and the server carries on.
        c = socket.create_connection(("127.0.0.1", s.port), timeout=10)
        c.sendall(b"POST /v1/jobs HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n"
                  % (s.port, 1 << 30))
        check(c.recv(200).startswith(b"HTTP/1.1 413"), "413 for a 1 GiB Content-Length")
        c.close()
        check_eq(s.request("GET", "/healthz")[0], 200, "still serving")


@test
def every_log_line_is_one_json_object():
    with Server("--cache-ttl", "0") as s:
        s.verify("alice@known.mptest")
        s.request("GET", "/v1/nothing")
        s.request("POST", "/v1/verify", b"{", {"Content-Type": "application/json"})
        s.stop(keep_dir=True)
        lines = [l for l in s.stderr().splitlines() if l.strip()]
        shutil.rmtree(s.dir, ignore_errors=True)
    records = [json.loads(l) for l in lines]  # raises on any line that is not JSON
    check(all(isinstance(r, dict) for r in records), "objects")
    access = [r for r in records if "status" in r and "path" in r]
    check_eq([(r["method"], r["path"], r["status"]) for r in access],
             [("POST", "/v1/verify", 200), ("GET", "/v1/nothing", 404), ("POST", "/v1/verify", 400)],
             "one access line per request")
    for r in access:
        check(isinstance(r["ms"], (int, float)) and r["ms"] >= 0, "latency field")
        check_eq(r["client"], "127.0.0.1", "client")
    check_in("listening", [r.get("msg") for r in records], "start-up line")
    check_in("SIGTERM: stopping", [r.get("msg") for r in records], "shutdown line")


@test
def results_cut_short_by_sigterm_do_not_look_complete():
    n = 40000  # ~14 MB of NDJSON: more than loopback socket buffers hold
    s = Server("--rate-limit", "0")
    try:
        created = s.json("POST", "/v1/jobs", "\n".join("bad%d" % i for i in range(n)),
                         {"Content-Type": "text/plain"}, expect=202)
        s.wait_job(created["id"], timeout=120)
        conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=30)
        conn.request("GET", "/v1/jobs/%s/results" % created["id"])
        resp = conn.getresponse()
        check_eq(resp.status, 200, "status")
        first = resp.read(1000)
        check(first.startswith(b'{"email":"bad0"'), "first row")
        time.sleep(0.5)  # the server is now blocked on our full socket
        s.send(signal.SIGTERM)
        check_eq(s.proc.wait(10), 0, "exit status")
        truncated = False
        try:
            rest = resp.read()
            check(len(first) + len(rest) < n * 100, "not everything was sent")
        except http.client.IncompleteRead:
            truncated = True
        conn.close()
        check(truncated, "the client sees a truncated transfer, not a short but complete one")
    finally:
        s.stop()

@test
def sighup_reload_drops_no_request_in_flight():
    d = tempfile.mkdtemp(prefix="mphup-")
    lst = os.path.join(d, "extra.txt")
    # A big list makes each reload take a noticeable time, so requests
    # certainly arrive while one is under way.
    with open(lst, "w") as f:
        f.write("".join("d%d.mptest\n" % i for i in range(200000)))
    with Server("--disposable-list", lst, "--cache-ttl", "0", "--rate-limit", "0", workdir=d) as s:
        results, stop = [], threading.Event()

        def client():
            conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=30)
            while not stop.is_set():
                try:
                    if len(results) % 2:
                        conn.request("POST", "/v1/verify", body=b'{"email":"x@d7.mptest"}',
                                     headers={"Content-Type": "application/json"})
                    else:
                        conn.request("GET", "/v1/jobs/0123456789abcdef")
                    resp = conn.getresponse()
                    resp.read()
                    results.append(resp.status)
                except Exception as e:  # noqa: BLE001 — every failure is a finding
                    results.append(repr(e))
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=30)
            conn.close()

        threads = [threading.Thread(target=client) for _ in range(8)]
        for t in threads:
            t.start()
        time.sleep(0.3)
        for _ in range(10):
            s.send(signal.SIGHUP)
            time.sleep(0.15)
        time.sleep(0.3)
        stop.set()
        for t in threads:
            t.join(30)
        reloads = s.stderr().count("disposable list reloaded")
        check(reloads >= 5, "reloads happened: %d" % reloads)
        bad = [r for r in results if r not in (200, 404)]
        check(len(results) > 200, "requests made during the reloads: %d" % len(results))
        check_eq(bad, [], "every request answered")
        check_eq(s.verify("x@d7.mptest")["disposable"], True, "list still in force")
    shutil.rmtree(d, ignore_errors=True)


@test
def update_lists_gives_up_on_slow_or_absent_servers():
    class Stall(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Length", "100000")
            self.end_headers()
            self.wfile.write(b"a.example\n")
            self.wfile.flush()
            time.sleep(8)  # never finishes within --timeout

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Stall)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    d = tempfile.mkdtemp(prefix="mplists-")
    out = os.path.join(d, "list.txt")
    try:
        started = time.monotonic()
        run = update_lists("--url", "http://127.0.0.1:%d/list" % httpd.server_address[1], "--out", out,
                           "--timeout", "1")
        check_eq(run.returncode, 1, "timeout is a failure")
        check(time.monotonic() - started < 5, "gave up after --timeout")
        check_in("timed out", run.stderr.lower(), "says why: " + run.stderr)
        check(not os.path.exists(out), "nothing written")
        run = update_lists("--url", "http://127.0.0.1:%d/list" % free_port(), "--out", out)
        check_eq(run.returncode, 1, "connection refused is a failure")
        check(not os.path.exists(out), "nothing written")
        run = update_lists("--url", "file:///etc/passwd", "--out", out)
        check_eq(run.returncode, 2, "only http and https: a usage error")
        check_in("http:// or https://", run.stderr, "says why")
        check(not os.path.exists(out), "nothing written")
    finally:
        httpd.shutdown()
        httpd.server_close()
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    mptest.main()
