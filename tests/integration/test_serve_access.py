# ctest-labels: integration fixture
"""Who may make `mailprobe serve` knock on mail servers (issue 12 §1, §2):
requests from another site's page (Origin) and DNS rebinding (Host) are
refused; public keys for web pages are scoped to POST /v1/verify from their
origin with their own rate limit and daily quota; secret keys keep full
access; keys rotate from --api-keys-file on SIGHUP without a restart; a
client whose keys keep failing is refused before its next key is compared.
The browser's side of the same rules is tests/e2e/access.test.mjs."""
import http.client
import json
import os
import signal
import shutil
import socket
import tempfile
import time

import mptest
from mpserve import Server, check_error
from mptest import check, check_eq, check_in, test

EVIL = "https://evil.example"


def raw(port, head, body=b"", timeout=10):
    """Sends bytes as they are (head without its final blank line) and
    returns (status, headers, body) of the answer."""
    c = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        c.sendall(head + b"\r\n\r\n" + body)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = c.recv(65536)
            if not chunk:
                break
            data += chunk
        head_part, _, rest = data.partition(b"\r\n\r\n")
        lines = head_part.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1]) if lines and lines[0] else 0
        hdrs = {l.split(":", 1)[0].lower(): l.split(":", 1)[1].strip() for l in lines[1:] if ":" in l}
        n = int(hdrs.get("content-length", "0"))
        while len(rest) < n:
            chunk = c.recv(65536)
            if not chunk:
                break
            rest += chunk
        return status, hdrs, rest
    finally:
        c.close()


def created_jobs(s):
    return [l for l in s.stderr().splitlines() if '"route":"jobs_create"' in l and '"status":202' in l]


# --- §1: request forgery and DNS rebinding ------------------------------------------------------

@test
def a_page_of_another_origin_cannot_use_the_api():
    with Server() as s:
        own = "http://127.0.0.1:%d" % s.port
        # What a form or fetch() on evil.example sends without a preflight.
        hdrs = check_error(s, "POST", "/v1/jobs", 403, "forbidden", "a@known.mptest\n",
                           {"Content-Type": "text/plain", "Origin": EVIL})
        check("access-control-allow-origin" not in hdrs, "no CORS grant")
        check_error(s, "POST", "/v1/verify", 403, "forbidden", {"email": "a@known.mptest"}, {"Origin": EVIL})
        check_error(s, "POST", "/v1/jobs", 403, "forbidden", "a@known.mptest\n",
                    {"Content-Type": "text/plain", "Origin": "null"})
        check_eq(created_jobs(s), [], "no job was created")
        job = s.json("POST", "/v1/jobs", "a@known.mptest\n", {"Content-Type": "text/plain", "Origin": own},
                     expect=202)
        check_error(s, "GET", "/v1/jobs/" + job["id"], 403, "forbidden", headers={"Origin": EVIL})
        check_error(s, "GET", "/v1/jobs/%s/results" % job["id"], 403, "forbidden", headers={"Origin": EVIL})
        check_error(s, "DELETE", "/v1/jobs/" + job["id"], 403, "forbidden", headers={"Origin": EVIL})
        # The server's own page, and clients that send no Origin (curl, scripts), work.
        check_eq(s.json("GET", "/v1/jobs/" + job["id"], headers={"Origin": own})["id"], job["id"], "own origin")
        check_eq(s.json("GET", "/v1/jobs/" + job["id"], headers={"Origin": own.replace("http:", "https:")})["id"],
                 job["id"], "own origin behind a TLS proxy")
        check_eq(s.json("GET", "/v1/jobs/" + job["id"])["id"], job["id"], "no Origin")
    with Server("--cors-origin", "https://shop.example") as s:
        r = s.json("POST", "/v1/verify", {"email": "x"}, {"Origin": "https://shop.example"})
        check_eq(r["reason"], "invalid_syntax", "a --cors-origin may")
        check_error(s, "POST", "/v1/verify", 403, "forbidden", {"email": "x"}, {"Origin": EVIL})


@test
def a_host_that_is_not_this_server_is_refused():
    # DNS rebinding: evil.example first resolves to the attacker, then to
    # 127.0.0.1; the browser then sends Host: evil.example:PORT here.
    with Server() as s:
        evil_host = b"Host: evil.example:%d" % s.port
        for target in (b"/v1/verify", b"/healthz", b"/metrics", b"/"):
            status, hdrs, body = raw(s.port, b"GET " + target + b" HTTP/1.1\r\n" + evil_host)
            check_eq(status, 421, target.decode())
            check_eq(json.loads(body)["error"]["code"], "misdirected_request", "JSON error")
        status, _, body = raw(s.port, b'POST /v1/jobs HTTP/1.1\r\n' + evil_host +
                              b"\r\nContent-Type: text/plain\r\nContent-Length: 15", b"a@known.mptest\n")
        check_eq(status, 421, "no job through a rebound name")
        check_eq(created_jobs(s), [], "no job was created")
        for host in (b"127.0.0.1:%d" % s.port, b"localhost:%d" % s.port, b"LOCALHOST:%d" % s.port):
            check_eq(raw(s.port, b"GET /healthz HTTP/1.1\r\nHost: " + host)[0], 200, host.decode())
        check_eq(raw(s.port, b"GET /healthz HTTP/1.0")[0], 200, "HTTP/1.0 without Host")
        check_eq(raw(s.port, b"GET /healthz HTTP/1.1")[0], 400, "HTTP/1.1 without Host")
        check_eq(raw(s.port, b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:1")[0], 421, "another port")
    with Server("--public-host", "verify.example.org", "--public-host", "api.example.org:8443") as s:
        check_eq(raw(s.port, b"GET /healthz HTTP/1.1\r\nHost: verify.example.org")[0], 200, "a public host")
        check_eq(raw(s.port, b"GET /healthz HTTP/1.1\r\nHost: verify.example.org:443")[0], 200, "any port")
        check_eq(raw(s.port, b"GET /healthz HTTP/1.1\r\nHost: api.example.org:8443")[0], 200, "its port")
        check_eq(raw(s.port, b"GET /healthz HTTP/1.1\r\nHost: api.example.org")[0], 421, "not another port")
        check_eq(raw(s.port, b"GET /healthz HTTP/1.1\r\nHost: evil.example.org")[0], 421, "still not evil")
        # The page behind a TLS proxy at verify.example.org is its own origin.
        status, _, _ = raw(s.port, b'POST /v1/verify HTTP/1.1\r\nHost: verify.example.org\r\n'
                                   b'Origin: https://verify.example.org\r\nContent-Type: application/json\r\n'
                                   b'Content-Length: 13', b'{"email":"x"}')
        check_eq(status, 200, "own origin on a public host")


# --- §2: public keys, secret keys, rotation -----------------------------------------------------

SECRET = "s-0123456789abcdef"
PUBLIC = "p-0123456789abcdef"
SHOP = "https://shop.example"


def bearer(key, origin=None):
    h = {"Authorization": "Bearer " + key}
    if origin:
        h["Origin"] = origin
    return h


@test
def a_public_key_may_only_verify_and_only_from_its_origin():
    with Server("--api-key", SECRET, "--public-key", "%s origin=%s" % (PUBLIC, SHOP)) as s:
        r = s.json("POST", "/v1/verify", {"email": "x"}, bearer(PUBLIC, SHOP))
        check_eq(r["reason"], "invalid_syntax", "verify from its origin")
        status, hdrs, _ = s.request("POST", "/v1/verify", {"email": "x"}, bearer(PUBLIC, SHOP))
        check_eq(hdrs.get("access-control-allow-origin"), SHOP, "CORS grant for its origin")
        status, hdrs, _ = s.request("OPTIONS", "/v1/verify", headers={
            "Origin": SHOP, "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type"})
        check_eq((status, hdrs.get("access-control-allow-origin")), (204, SHOP), "preflight from its origin")
        check_error(s, "POST", "/v1/verify", 403, "forbidden", {"email": "x"}, bearer(PUBLIC, EVIL))
        check_error(s, "POST", "/v1/verify", 403, "forbidden", {"email": "x"}, bearer(PUBLIC))
        check_error(s, "POST", "/v1/jobs", 403, "forbidden", {"emails": ["x"]}, bearer(PUBLIC, SHOP))
        job = s.json("POST", "/v1/jobs", {"emails": ["x"]}, bearer(SECRET), expect=202)
        for method, path in (("GET", "/v1/jobs/" + job["id"]), ("GET", "/v1/jobs/%s/results" % job["id"]),
                             ("GET", "/v1/jobs/%s/events" % job["id"]), ("DELETE", "/v1/jobs/" + job["id"])):
            check_error(s, method, path, 403, "forbidden", headers=bearer(PUBLIC, SHOP))
        # The secret key has every route, from anywhere a server calls.
        check_eq(s.json("GET", "/v1/jobs/" + job["id"], headers=bearer(SECRET))["id"], job["id"], "secret: job")
        check_eq(s.json("POST", "/v1/verify", {"email": "x"}, bearer(SECRET))["reason"], "invalid_syntax",
                 "secret: verify")
        # The access log names the key by its id, never by the key.
        log = s.stderr()
        check(PUBLIC not in log and SECRET not in log, "keys never logged")
        check(any('"key":"' in l for l in log.splitlines() if '"status":200' in l), "key ids logged")


@test
def a_public_key_has_its_own_rate_limit_and_daily_quota():
    spec = "%s origin=%s rate=0.2 burst=3 daily=5" % (PUBLIC, SHOP)
    with Server("--api-key", SECRET, "--public-key", spec, "--rate-limit", "100", "--rate-burst", "100",
                "--cache-ttl", "0") as s:
        codes = [s.request("POST", "/v1/verify", {"email": "x"}, bearer(PUBLIC, SHOP))[0] for _ in range(3)]
        check_eq(codes, [200, 200, 200], "its burst")
        hdrs = check_error(s, "POST", "/v1/verify", 429, "rate_limited", {"email": "x"}, bearer(PUBLIC, SHOP))
        check(int(hdrs["retry-after"]) >= 1, "Retry-After")
        check_eq(s.request("POST", "/v1/verify", {"email": "x"}, bearer(SECRET))[0], 200, "the secret key is not held")
    with Server("--api-key", SECRET, "--public-key", "%s origin=%s rate=1000 burst=1000 daily=5" % (PUBLIC, SHOP),
                "--rate-limit", "0", "--cache-ttl", "0") as s:
        codes = [s.request("POST", "/v1/verify", {"email": "x"}, bearer(PUBLIC, SHOP))[0] for _ in range(5)]
        check_eq(codes, [200] * 5, "the day's quota")
        hdrs = check_error(s, "POST", "/v1/verify", 429, "quota_exceeded", {"email": "x"}, bearer(PUBLIC, SHOP))
        wait = int(hdrs["retry-after"])
        check(0 < wait <= 86400, "Retry-After until the next UTC day: %d" % wait)
        check_eq(s.request("POST", "/v1/verify", {"email": "x"}, bearer(SECRET))[0], 200, "secret keys have no quota")


@test
def wrong_keys_are_refused_before_the_next_key_is_compared():
    with Server("--api-key", SECRET, "--rate-limit", "0") as s:
        codes = [s.request("POST", "/v1/verify", {"email": "x"}, bearer("guess-%08d" % i))[0] for i in range(10)]
        check_eq(codes, [401] * 10, "ten guesses")
        hdrs = check_error(s, "POST", "/v1/verify", 429, "rate_limited", {"email": "x"}, bearer("guess-last-one"))
        check(int(hdrs["retry-after"]) >= 1, "Retry-After")
        # Now even the right key is not compared for this client: a guess
        # that happens to be right tells it nothing.
        check_eq(s.request("POST", "/v1/verify", {"email": "x"}, bearer(SECRET))[0], 429, "no oracle")
        check_eq(s.request("GET", "/healthz")[0], 200, "health is not behind the key")


@test
def unauthenticated_bodies_are_refused_before_they_are_read():
    with Server("--api-key", SECRET) as s:
        c = socket.create_connection(("127.0.0.1", s.port), timeout=10)
        # 15 MiB announced, not one octet of it sent: the answer comes anyway.
        c.sendall(b"POST /v1/jobs HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Type: text/plain\r\n"
                  b"Content-Length: %d\r\n\r\n" % (s.port, 15 << 20))
        started = time.monotonic()
        head = c.recv(4096)
        c.close()
        check(head.startswith(b"HTTP/1.1 401"), "401 before the body: %r" % head[:60])
        check(time.monotonic() - started < 5, "at once")
        # With the key, a declared length over the route's limit: 413 at once.
        c = socket.create_connection(("127.0.0.1", s.port), timeout=10)
        c.sendall(b"POST /v1/verify HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nAuthorization: Bearer %s\r\n"
                  b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n"
                  % (s.port, SECRET.encode(), (1 << 20) + 1))
        head = c.recv(4096)
        c.close()
        check(head.startswith(b"HTTP/1.1 413"), "413 before the body: %r" % head[:60])
        check_in(b"payload_too_large", head, "a JSON error")
        # A body sent in full with a refused request does not break the answer.
        body = b"a@known.mptest\n" * 20000
        status, _, data = raw(s.port, b"POST /v1/jobs HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Type: text/plain"
                                      b"\r\nContent-Length: %d" % (s.port, len(body)), body)
        check_eq(status, 401, "401 with the body unread")
        check_eq(json.loads(data)["error"]["code"], "unauthorized", "JSON error")
        m = s.request("GET", "/metrics")[2].decode()
        check_in("mailprobe_http_refused_before_body_total 3", m, "counted")


@test
def keys_rotate_from_the_key_file_on_sighup_without_a_restart():
    d = tempfile.mkdtemp(prefix="mpkeys-")
    keys = os.path.join(d, "keys")
    old_secret, new_secret = "old-secret-0001", "new-secret-0002"
    old_public, new_public = "old-public-0001", "new-public-0002"

    def write(*lines):
        with open(keys + ".new", "w") as f:
            f.write("# rotated by the test\n" + "".join(l + "\n" for l in lines))
        os.rename(keys + ".new", keys)

    write("secret " + old_secret, "public %s origin=%s" % (old_public, SHOP))
    try:
        with Server("--api-keys-file", keys, "--rate-limit", "0", "--cache-ttl", "0", workdir=d) as s:
            check_eq(s.request("POST", "/v1/verify", {"email": "x"}, bearer(old_secret))[0], 200, "old secret")
            check_eq(s.request("POST", "/v1/verify", {"email": "x"}, bearer(old_public, SHOP))[0], 200, "old public")
            check_eq(s.request("POST", "/v1/verify", {"email": "x"}, bearer(new_secret))[0], 401, "not yet")
            # A verify in flight across the reload keeps its answer.
            slow = http.client.HTTPConnection("127.0.0.1", s.port, timeout=30)
            slow.request("POST", "/v1/verify", body=json.dumps({"email": "a@slow.mptest"}),
                         headers=dict(bearer(old_secret), **{"Content-Type": "application/json"}))
            time.sleep(0.3)
            write("secret " + new_secret, "public %s origin=%s" % (new_public, SHOP))
            s.send(signal.SIGHUP)
            deadline = time.monotonic() + 5
            while "API keys reloaded" not in s.stderr() and time.monotonic() < deadline:
                time.sleep(0.05)
            check_eq(s.request("POST", "/v1/verify", {"email": "x"}, bearer(new_secret))[0], 200, "new secret")
            check_eq(s.request("POST", "/v1/verify", {"email": "x"}, bearer(new_public, SHOP))[0], 200, "new public")
            check_eq(s.request("POST", "/v1/verify", {"email": "x"}, bearer(old_secret))[0], 401, "old secret gone")
            check_eq(s.request("POST", "/v1/verify", {"email": "x"}, bearer(old_public, SHOP))[0], 401,
                     "old public gone")
            resp = slow.getresponse()
            check_eq(resp.status, 200, "the request in flight was answered")
            slow.close()
            # A broken file keeps the keys in force.
            write("secret short")
            s.send(signal.SIGHUP)
            deadline = time.monotonic() + 5
            while "key reload failed" not in s.stderr() and time.monotonic() < deadline:
                time.sleep(0.05)
            check_in("key reload failed", s.stderr(), "logged")
            check_eq(s.request("POST", "/v1/verify", {"email": "x"}, bearer(new_secret))[0], 200, "still in force")
            check(s.proc.poll() is None, "still running")
    finally:
        shutil.rmtree(d, ignore_errors=True)


@test
def a_key_file_that_does_not_load_stops_the_start():
    d = tempfile.mkdtemp(prefix="mpkeys-")
    try:
        path = os.path.join(d, "keys")
        with open(path, "w") as f:
            f.write("public p-0123456789abcdef\n")  # no origin
        run = mptest.run("serve", "--api-keys-file", path, "--db", ":memory:", fixture_flags=False, timeout=20)
        check_eq(run.returncode, 2, "exit status")
        check_in("origin", run.stderr, "says why")
        run = mptest.run("serve", "--public-key", "p-0123456789abcdef", "--db", ":memory:", fixture_flags=False,
                         timeout=20)
        check_eq(run.returncode, 2, "a public key without origin is a usage error")
    finally:
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    mptest.main()
