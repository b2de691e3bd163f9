"""A running `mailprobe serve` for the integration tests: a process on a
free loopback port with its own database and the fixture flags, and the
checks several test files make of its answers. A module, so test files
share it instead of importing one another (docs/testing.md).

With MP_TEST_STORE=postgresql (the `_pg` variants ctest registers for
files with a `ctest-stores: ... postgresql` line) each server gets a fresh
database of the private PostgreSQL server in MP_PG_RUN_DIR
(tests/fixture/postgres.sh) instead of a SQLite file, and a short
--lease-ttl so a killed worker's addresses come back within seconds."""
import http.client
import http.server
import json
import os
import re
import resource
import shutil
import signal
import socket
import sqlite3
import ssl
import subprocess
import tempfile
import threading
import time

import mptest
from mptest import check, check_eq, check_in

STORE = os.environ.get("MP_TEST_STORE", "sqlite")
PG_RUN = os.environ.get("MP_PG_RUN_DIR", "")
POSTGRES_SH = os.path.join(mptest.SOURCE_DIR, "tests", "fixture", "postgres.sh")
PG_LEASE_TTL = "5"


def pg_createdb(name):
    """A new database of the fixture's PostgreSQL server; its URL."""
    out = subprocess.run(["bash", POSTGRES_SH, "createdb", PG_RUN, name], check=True, capture_output=True, text=True)
    return out.stdout.strip()


def sql_literal(v):
    if v is None:
        return "NULL"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, bytes):
        return "'\\x%s'::bytea" % v.hex() if STORE == "postgresql" else "X'%s'" % v.hex()
    return "'%s'" % str(v).replace("'", "''")


def bind(sql, params):
    """`sql` with each ? replaced by its parameter as a literal."""
    parts = sql.split("?")
    check(len(parts) == len(params) + 1, "parameters for %r" % sql)
    return "".join(p + (sql_literal(params[i]) if i < len(params) else "") for i, p in enumerate(parts))


def pg_value(text):
    if text == "\\N":
        return None
    if text in ("t", "f"):
        return 1 if text == "t" else 0  # as SQLite stores truth
    try:
        return int(text)
    except ValueError:
        return text


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """One `mailprobe serve` on a free loopback port with its own database
    (in a temporary directory, removed by stop()) and the fixture flags.
    `wrap` is a command line the server runs under (its last word is
    followed by the server's argv), `db` another database path."""

    def __init__(self, *args, env=None, workdir=None, fixture=True, port=None, start=True, wrap=None, db=None,
                 nofile=None):
        self.dir = workdir or tempfile.mkdtemp(prefix="mpserve-")
        self.port = port or free_port()
        self.args = list(args)
        self.env = env
        self.fixture = fixture
        self.wrap = list(wrap or [])
        self.db = db or self.default_db()
        self.nofile = nofile  # RLIMIT_NOFILE (soft and hard) of the server, None = inherited
        self.proc = None
        if start:
            self.start()

    def default_db(self):
        """SQLite: mp.db in the directory. PostgreSQL: a database of its own,
        the same for every server started on this directory."""
        if STORE != "postgresql":
            return os.path.join(self.dir, "mp.db")
        saved = os.path.join(self.dir, "pg-url")
        if os.path.exists(saved):
            with open(saved) as f:
                return f.read().strip()
        url = pg_createdb("mp_%s" % os.path.basename(self.dir).replace("-", "_").lower())
        with open(saved, "w") as f:
            f.write(url)
        return url

    def db_query(self, sql, *params):
        """The rows of one SQL query (? placeholders) on the server's
        database, as tuples; PostgreSQL's booleans as 1/0 like SQLite's."""
        if STORE == "postgresql":
            out = subprocess.run(["psql", "-qAt", "-F", "\t", "-P", "null=\\N", "-v", "ON_ERROR_STOP=1", self.db,
                                  "-c", bind(sql, params)], check=True, capture_output=True, text=True).stdout
            return [tuple(pg_value(v) for v in line.split("\t")) for line in out.splitlines()]
        con = sqlite3.connect(self.db, timeout=10)
        try:
            return con.execute(sql, params).fetchall()
        finally:
            con.close()

    def db_script(self, statements):
        """Runs [(sql, params), ...] in one transaction."""
        if STORE == "postgresql":
            script = "BEGIN;\n" + "".join(bind(q, p) + ";\n" for q, p in statements) + "COMMIT;\n"
            subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", self.db], input=script, check=True,
                           capture_output=True, text=True)
            return
        con = sqlite3.connect(self.db, timeout=10)
        try:
            with con:
                for q, p in statements:
                    con.execute(q, p)
        finally:
            con.close()

    def argv(self):
        argv = self.wrap + [mptest.MAILPROBE, "serve", "--db", self.db]
        if self.port is not None and not any(a.startswith("--listen") for a in self.args):
            argv += ["--listen", "127.0.0.1:%d" % self.port]
        if STORE == "postgresql" and "--lease-ttl" not in self.args:
            argv += ["--lease-ttl", PG_LEASE_TTL]
        if self.fixture:
            argv += mptest.FIXTURE_FLAGS
        return argv + self.args

    def start(self, wait=True):
        # libevent's debug mode: a misuse of its API (an event freed while
        # added, ...) aborts the server instead of corrupting it quietly.
        env = dict(os.environ, MAILPROBE_EVENT_DEBUG="1")
        if self.env:
            env.update(self.env)
        self.log = open(os.path.join(self.dir, "stderr.log"), "ab")
        limit = None
        if self.nofile:
            def limit():
                resource.setrlimit(resource.RLIMIT_NOFILE, (self.nofile, self.nofile))
        self.proc = subprocess.Popen(self.argv(), cwd=self.dir, stdout=subprocess.DEVNULL, stderr=self.log, env=env,
                                     preexec_fn=limit)
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

    def cpu_seconds(self):
        """User + system CPU time the server has used so far."""
        with open("/proc/%d/stat" % self.proc.pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def rss_kib(self, peak=False):
        """The server's resident memory now (or its peak), in KiB."""
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith("VmHWM:" if peak else "VmRSS:"):
                    return int(line.split()[1])
        return 0

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
        return self.proc.returncode if self.proc else None

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


def raise_nofile(need):
    """Raises this process's descriptor limit to at least `need` (up to the
    hard limit); a test that opens thousands of sockets calls it first."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(max(soft, need), hard) if hard != resource.RLIM_INFINITY else max(soft, need)
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    return want


def metric(server, name):
    text = server.request("GET", "/metrics")[2].decode()
    m = re.search(r"^%s (\d+)$" % re.escape(name), text, re.M)
    check(m, "metric %s present" % name)
    return int(m.group(1))


class HttpStub:
    """A small HTTP(S) server on loopback standing in for the rest of the
    world: serves `files` ({path: bytes}) to GET, answers /redirect with a
    302 to `redirect_to`, records every POST (headers, body) in `posts`
    and answers it 204 (a webhook receiver). With `certfile` (PEM with the
    key) it speaks https."""

    def __init__(self, files=None, certfile=None, redirect_to=None):
        self.files = files or {}
        self.redirect_to = redirect_to
        self.posts = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                if self.path == "/redirect" and outer.redirect_to:
                    self.send_response(302)
                    self.send_header("Location", outer.redirect_to)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                body = outer.files.get(self.path)
                self.send_response(404 if body is None else 200)
                self.send_header("Content-Length", str(len(body or b"")))
                self.end_headers()
                self.wfile.write(body or b"")

            def do_POST(self):  # noqa: N802
                n = int(self.headers.get("Content-Length", "0"))
                outer.posts.append((dict(self.headers), self.rfile.read(n)))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.scheme = "http"
        if certfile:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(certfile)
            self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True)
            self.scheme = "https"
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def url(self, path):
        return "%s://127.0.0.1:%d%s" % (self.scheme, self.port, path)

    def wait_posts(self, n=1, timeout=10):
        deadline = time.monotonic() + timeout
        while len(self.posts) < n and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.posts

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
