# ctest-labels: integration fixture
"""Issue 12's smaller points, each against a real server or command: a JSON
string is never checked by a prefix, the webhook signature carries a
timestamp, every event stream the server accepts gets its events, and
`update-lists` validates every byte it writes and never follows a redirect
from https down to http."""
import hashlib
import hmac
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time

import mptest
from mpserve import HttpStub, Server, check_error
from mptest import check, check_eq, check_in, test


# --- a JSON string is the whole string ------------------------------------------------------

@test
def escaped_nul_in_a_json_string_is_refused_never_cut():
    with Server("--cache-ttl", "0") as s:
        body = b'{"email":"bob@gmial.com\\u0000<script>"}'
        check_error(s, "POST", "/v1/verify", 400, "bad_request", body, {"Content-Type": "application/json"})
        check_error(s, "POST", "/v1/verify", 400, "bad_request", b'{"email":"bob@known.mptest\x00x"}',
                    {"Content-Type": "application/json"})
        check_error(s, "POST", "/v1/jobs", 400, "bad_request", b'{"emails":["a@known.mptest","b@x.org\\u0000"]}',
                    {"Content-Type": "application/json"})
        # An escaped backslash followed by the text u0000 is not a NUL.
        r = s.json("POST", "/v1/verify", b'{"email":"a\\\\u0000@known.mptest"}', {"Content-Type": "application/json"})
        check_eq(r["email"], "a\\u0000@known.mptest", "the whole string is checked")
        check_eq(r["reason"], "invalid_syntax", "and found invalid")
        check_eq(s.request("GET", "/healthz")[0], 200, "still serving")


# --- webhook: signed with a timestamp ---------------------------------------------------------

@test
def webhook_signature_covers_a_timestamp():
    hook = HttpStub()
    try:
        with Server("--webhook", hook.url("/hook"), "--webhook-secret", "s3cret") as s:
            job = s.json("POST", "/v1/jobs", {"emails": ["x"]}, expect=202)
            s.wait_job(job["id"])
            hook.wait_posts(1)
        check_eq(len(hook.posts), 1, "one POST")
        headers, body = hook.posts[0]
        ts = headers.get("X-Mailprobe-Timestamp", "")
        check(re.fullmatch(r"\d{10}", ts), "a Unix time in X-Mailprobe-Timestamp: %r" % ts)
        check(abs(int(ts) - time.time()) < 60, "the time of sending")
        want = "sha256=" + hmac.new(b"s3cret", ts.encode() + b"." + body, hashlib.sha256).hexdigest()
        check_eq(headers.get("X-Mailprobe-Signature"), want, "HMAC over timestamp.body")
        replayed = "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
        check(headers.get("X-Mailprobe-Signature") != replayed, "not the body alone (replayable)")
    finally:
        hook.close()


# --- event streams: every accepted stream is served -----------------------------------------

@test
def every_accepted_event_stream_gets_its_events():
    n = 300  # more than the job runner's old 256 listener slots
    with Server("--rate-limit", "0") as s:
        job = s.json("POST", "/v1/jobs", {"emails": ["a@slow.mptest"]}, expect=202)
        conns = []
        try:
            for _ in range(n):
                c = socket.create_connection(("127.0.0.1", s.port), timeout=30)
                c.sendall(b"GET /v1/jobs/%s/events HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n"
                          % (job["id"].encode(), s.port))
                conns.append(c)
            ended_early = 0
            for c in conns:
                data = b""
                # Until the first event, or the stream's last chunk, or EOF.
                while b"event: progress" not in data and not data.endswith(b"\r\n0\r\n\r\n"):
                    chunk = c.recv(4096)
                    if not chunk:
                        break
                    data += chunk
                check_in(b"200 OK", data[:20], "stream accepted")
                if b"event: progress" not in data:
                    ended_early += 1
            check_eq(ended_early, 0, "streams that ended without an event")
        finally:
            for c in conns:
                c.close()


# --- update-lists ---------------------------------------------------------------------------

GOOD = "".join("d%d.example\n" % i for i in range(20)).encode()


def update_lists(*args):
    return subprocess.run([mptest.MAILPROBE, "update-lists"] + list(args), capture_output=True, timeout=60)


@test
def update_lists_validates_every_byte_it_writes():
    web = HttpStub({"/nul.txt": b"ok.example\n\x00Not A Domain!\n" + GOOD, "/good.txt": GOOD})
    d = tempfile.mkdtemp(prefix="mplists-")
    out = os.path.join(d, "list.txt")
    try:
        run = update_lists("--url", web.url("/good.txt"), "--out", out, "--min-count", "10")
        check_eq(run.returncode, 0, "good list: %r" % run.stderr)
        with open(out, "rb") as f:
            before = f.read()
        run = update_lists("--url", web.url("/nul.txt"), "--out", out, "--min-count", "1")
        check_eq(run.returncode, 1, "a NUL byte is a failure: %r" % run.stderr)
        check_in(b"line 2", run.stderr, "names the line")
        with open(out, "rb") as f:
            check_eq(f.read(), before, "previous list kept")
        # And what it writes is what `serve` loads.
        with Server("--disposable-list", out) as s:
            check_eq(s.json("GET", "/healthz")["lists"]["extra_disposable_count"], 20, "loaded")
    finally:
        web.close()
        shutil.rmtree(d, ignore_errors=True)


def self_signed_cert(d):
    """A certificate for 127.0.0.1 and its key in one PEM file (openssl CLI)."""
    pem = os.path.join(d, "cert.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", os.path.join(d, "key.pem"), "-out", os.path.join(d, "crt.pem")],
                   check=True, capture_output=True, timeout=60)
    with open(pem, "wb") as f:
        for name in ("crt.pem", "key.pem"):
            with open(os.path.join(d, name), "rb") as part:
                f.write(part.read())
    return pem, os.path.join(d, "crt.pem")


@test
def update_lists_never_follows_https_down_to_http():
    d = tempfile.mkdtemp(prefix="mplists-")
    out = os.path.join(d, "list.txt")
    plain = HttpStub({"/list.txt": GOOD})
    pem, ca = self_signed_cert(d)
    tls = HttpStub({"/list.txt": GOOD}, certfile=pem, redirect_to=plain.url("/list.txt"))
    try:
        run = update_lists("--url", tls.url("/list.txt"), "--out", out, "--min-count", "10", "--ca-file", ca)
        check_eq(run.returncode, 0, "https with --ca-file: %r" % run.stderr)
        os.unlink(out)
        run = update_lists("--url", tls.url("/redirect"), "--out", out, "--min-count", "10", "--ca-file", ca)
        check_eq(run.returncode, 1, "a redirect from https to http is a failure")
        check_in(b"redirect", run.stderr.lower(), "says why: %r" % run.stderr)
        check(not os.path.exists(out), "nothing written")
        # http to http (a mirror moved) is still followed.
        hop = HttpStub({}, redirect_to=plain.url("/list.txt"))
        try:
            run = update_lists("--url", hop.url("/redirect"), "--out", out, "--min-count", "10")
            check_eq(run.returncode, 0, "http redirect followed: %r" % run.stderr)
        finally:
            hop.close()
    finally:
        tls.close()
        plain.close()
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    mptest.main()
