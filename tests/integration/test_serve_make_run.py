# ctest-labels: integration fixture
"""`make run` (tools/run.sh BUILD): starts `mailprobe serve` on the fixed
address http://127.0.0.1:8025/ with the page built into BUILD/web and the
embedded default database, mailprobe.db (SQLite, WAL) in the working
directory. Uses the fixed port, so like the fixture it needs its own network
namespace when other checkouts run tests at the same time."""
import http.client
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import tempfile
import time

import mptest
from mptest import check, check_eq, check_in, test

SOURCE_DIR = mptest.SOURCE_DIR
PORT = 8025
# MAILPROBE is BUILD/native-prober/mailprobe.
BUILD = os.path.dirname(os.path.dirname(os.path.abspath(mptest.MAILPROBE)))


def get(path):
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=10)
    conn.request("GET", path)
    resp = conn.getresponse()
    out = (resp.status, resp.getheader("Content-Type", ""), resp.read())
    conn.close()
    return out


@test
def make_run_serves_the_page_and_the_api_on_port_8025():
    with socket.socket() as probe:
        busy = probe.connect_ex(("127.0.0.1", PORT)) == 0
    check(not busy, "port %d is free (run this test in its own network namespace)" % PORT)
    check(os.path.isfile(os.path.join(BUILD, "web", "index.html")), "the build has a page in %s/web" % BUILD)
    cwd = tempfile.mkdtemp(prefix="mprun-")
    log = open(os.path.join(cwd, "stderr.log"), "wb")
    proc = subprocess.Popen(["bash", os.path.join(SOURCE_DIR, "tools", "run.sh"), BUILD], cwd=cwd,
                            stdout=subprocess.DEVNULL, stderr=log)
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            check(proc.poll() is None, "run.sh exited early: %s" % open(os.path.join(cwd, "stderr.log")).read())
            try:
                with socket.create_connection(("127.0.0.1", PORT), timeout=0.2):
                    break
            except OSError:
                time.sleep(0.05)
        status, ctype, body = get("/")
        check_eq(status, 200, "GET /")
        check_in("text/html", ctype, "page type")
        with open(os.path.join(BUILD, "web", "index.html"), "rb") as f:
            check_eq(body, f.read(), "the page is BUILD/web/index.html")
        wasm = os.path.join(BUILD, "web", "mailcheck.wasm")
        if os.path.exists(wasm):  # absent when configured with -DMP_BUILD_WASM=OFF
            status, ctype, _ = get("/mailcheck.wasm")
            check_eq((status, ctype), (200, "application/wasm"), "wasm MIME type")
        status, _, body = get("/healthz")
        check_eq(status, 200, "healthz")
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=10)
        conn.request("POST", "/v1/verify", body=b'{"email":"not an address"}',
                     headers={"Content-Type": "application/json"})
        resp = conn.getresponse()
        check_eq(resp.status, 200, "the API answers without a key on loopback")
        check_in(b'"invalid_syntax"', resp.read(), "a result object")
        conn.close()
        proc.send_signal(signal.SIGTERM)  # run.sh execs mailprobe: this is the server
        check_eq(proc.wait(10), 0, "clean exit on SIGTERM")
        db = os.path.join(cwd, "mailprobe.db")
        check(os.path.isfile(db), "mailprobe.db created in the working directory")
        con = sqlite3.connect(db)
        try:
            check_eq(con.execute("PRAGMA journal_mode").fetchone()[0], "wal", "WAL mode")
            tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            check(tables >= {"jobs", "job_items"}, "schema: %s" % sorted(tables))
        finally:
            con.close()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        log.close()
        shutil.rmtree(cwd, ignore_errors=True)


if __name__ == "__main__":
    mptest.main()
