"""A running `mailprobe serve` for the integration tests: a process on a
free loopback port with its own database and the fixture flags, and the
checks several test files make of its answers. A module, so test files
share it instead of importing one another (docs/testing.md)."""
import http.client
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import tempfile
import time

import mptest
from mptest import check, check_eq, check_in


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """One `mailprobe serve` on a free loopback port with its own database
    (in a temporary directory, removed by stop()) and the fixture flags.
    `wrap` is a command line the server runs under (its last word is
    followed by the server's argv), `db` another database path."""

    def __init__(self, *args, env=None, workdir=None, fixture=True, port=None, start=True, wrap=None, db=None):
        self.dir = workdir or tempfile.mkdtemp(prefix="mpserve-")
        self.port = port or free_port()
        self.args = list(args)
        self.env = env
        self.fixture = fixture
        self.wrap = list(wrap or [])
        self.db = db or os.path.join(self.dir, "mp.db")
        self.proc = None
        if start:
            self.start()

    def db_query(self, sql, *params):
        """The rows of one SQL query on the server's database."""
        con = sqlite3.connect(self.db, timeout=10)
        try:
            return con.execute(sql, params).fetchall()
        finally:
            con.close()

    def argv(self):
        argv = self.wrap + [mptest.MAILPROBE, "serve", "--db", self.db]
        if self.port is not None and not any(a.startswith("--listen") for a in self.args):
            argv += ["--listen", "127.0.0.1:%d" % self.port]
        if self.fixture:
            argv += mptest.FIXTURE_FLAGS
        return argv + self.args

    def start(self, wait=True):
        env = dict(os.environ)
        if self.env:
            env.update(self.env)
        self.log = open(os.path.join(self.dir, "stderr.log"), "ab")
        self.proc = subprocess.Popen(self.argv(), cwd=self.dir, stdout=subprocess.DEVNULL, stderr=self.log, env=env)
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self, timeout=10):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("server exited with %d: %s" % (self.proc.returncode, self.stderr()[-800:]))
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise AssertionError("server did not start listening")

    def stderr(self):
        try:
            with open(os.path.join(self.dir, "stderr.log"), "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def request(self, method, path, body=None, headers=None, timeout=60):
        """Returns (status, headers dict with lower-case names, body bytes)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        hdrs = dict(headers or {})
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
            hdrs.setdefault("Content-Type", "application/json")
        elif isinstance(body, str):
            body = body.encode()
        conn.request(method, path, body=body, headers=hdrs)
        resp = conn.getresponse()
        data = resp.read()
        out = (resp.status, {k.lower(): v for k, v in resp.getheaders()}, data)
        conn.close()
        return out

    def json(self, method, path, body=None, headers=None, expect=200, timeout=60):
        status, hdrs, data = self.request(method, path, body, headers, timeout)
        check_eq(status, expect, "%s %s status (body %r)" % (method, path, data[:300]))
        return json.loads(data)

    def verify(self, email, headers=None):
        return self.json("POST", "/v1/verify", {"email": email}, headers)

    def wait_job(self, job_id, timeout=60, headers=None):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            job = self.json("GET", "/v1/jobs/" + job_id, headers=headers)
            if job["state"] in ("done", "cancelled", "failed"):
                return job
            time.sleep(0.2)
        raise AssertionError("job %s not finished after %ds: %r" % (job_id, timeout, job))

    def send(self, sig):
        self.proc.send_signal(sig)

    def stop(self, sig=signal.SIGTERM, keep_dir=False):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        log = self.stderr()
        if not keep_dir:
            shutil.rmtree(self.dir, ignore_errors=True)
        # Under ASan/UBSan builds, a report fails the test that caused it.
        for marker in ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:"):
            if marker in log:
                raise AssertionError("sanitizer report: " + log[max(0, log.index(marker) - 200):][:3000])
        return self.proc.returncode

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def check_error(server, method, path, status, code, body=None, headers=None):
    """The response is `status` with the JSON error body {"error":{"code","message"}}."""
    got, hdrs, data = server.request(method, path, body, headers)
    check_eq(got, status, "%s %s status (body %r)" % (method, path, data[:200]))
    check_in("application/json", hdrs.get("content-type", ""), "error content type")
    err = json.loads(data)["error"]
    check_eq(err["code"], code, "error code")
    check(isinstance(err["message"], str) and err["message"], "error message present")
    return hdrs


# --- basics -------------------------------------------------------------------


def metric(server, name):
    text = server.request("GET", "/metrics")[2].decode()
    m = re.search(r"^%s (\d+)$" % re.escape(name), text, re.M)
    check(m, "metric %s present" % name)
    return int(m.group(1))
