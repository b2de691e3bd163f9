#!/usr/bin/env python3
"""monitor.py verify|serve MAILPROBE WORKDIR [prober options...]

Runs one bounded-memory benchmark and samples the mailprobe process once a
second: resident set (VmRSS), its peak (VmHWM), results done. Prints one
JSON object on stdout: the samples, the RSS at every 100,000 results, peak
RSS, wall time, and the results by status. Checks that every address got
exactly one result.

  verify: `mailprobe verify --input WORKDIR/addresses.txt ...`, NDJSON read
          from its stdout as it comes.
  serve:  `mailprobe serve` with its database in WORKDIR, the whole list
          POSTed as one job (text/plain), progress from GET /v1/jobs/{id},
          then every result read back from /v1/jobs/{id}/results.
"""
import collections
import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time

DEADLINE_S = float(os.environ.get("MP_BENCH_DEADLINE", "3600"))  # one run at most


def status_kb(pid, field):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class Sampler(threading.Thread):
    """Samples the process's VmRSS and the caller's done count every second."""

    def __init__(self, pid, done):
        super().__init__(daemon=True)
        self.pid, self.done, self.samples, self.stop = pid, done, [], False
        self.started = time.monotonic()

    def run(self):
        while not self.stop:
            rss = status_kb(self.pid, "VmRSS")
            if rss:
                self.samples.append((round(time.monotonic() - self.started, 1), self.done(), rss))
            time.sleep(1.0)


def reap(proc):
    """Waits for the child; returns (exit code, its peak RSS in kB from the
    kernel's rusage, which no sampling interval can miss)."""
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, usage.ru_maxrss


def curve(samples, total, step=100_000):
    """The RSS when each multiple of `step` results was first reached (the
    last one, reached as the process ends, with the last RSS sampled)."""
    if samples and samples[-1][1] < total:
        samples = samples + [(samples[-1][0], total, samples[-1][2])]
    out, mark = [], step
    for t, done, rss in samples:
        while done >= mark and mark <= total:
            out.append({"done": mark, "seconds": t, "rss_mib": round(rss / 1024, 1)})
            mark += step
    return out


def run_verify(mailprobe, work, opts, total):
    argv = [mailprobe, "verify", "--input", os.path.join(work, "addresses.txt"), "--no-progress", "--stats"] + opts
    err = open(os.path.join(work, "verify.stderr"), "w")
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=err, bufsize=1 << 20)
    count = [0]
    by_status = collections.Counter()
    sampler = Sampler(proc.pid, lambda: count[0])
    sampler.start()
    killer = threading.Timer(DEADLINE_S, proc.kill)
    killer.start()
    for line in proc.stdout:
        by_status[json.loads(line)["status"]] += 1
        count[0] += 1
    rc, peak = reap(proc)
    killer.cancel()
    sampler.stop = True
    sampler.join()
    return rc, count[0], by_status, sampler, peak


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(port, method, path, body=None, headers=None, timeout=600):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    conn.request(method, path, body=body, headers=headers or {})
    resp = conn.getresponse()
    return conn, resp


def run_serve(mailprobe, work, opts, total):
    port = free_port()
    db = os.path.join(work, "bench.db")
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(db + suffix):
            os.unlink(db + suffix)
    argv = [mailprobe, "serve", "--listen", "127.0.0.1:%d" % port, "--db", db, "--no-access-log",
            "--rate-limit", "0", "--max-body-jobs", str(64 << 20), "--web", work] + opts
    err = open(os.path.join(work, "serve.stderr"), "w")
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=err)
    try:
        return serve_job(proc, port, db, work)
    finally:
        if proc.returncode is None:
            proc.kill()
            proc.wait()


def serve_job(proc, port, db, work):
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    done = [0]
    sampler = Sampler(proc.pid, lambda: done[0])
    sampler.start()
    with open(os.path.join(work, "addresses.txt"), "rb") as f:
        body = f.read()
    conn, resp = request(port, "POST", "/v1/jobs", body, {"Content-Type": "text/plain"})
    job = json.loads(resp.read())
    conn.close()
    if "id" not in job:
        raise SystemExit("job refused: %r" % job)
    deadline = time.monotonic() + DEADLINE_S
    state = None
    while time.monotonic() < deadline:
        conn, resp = request(port, "GET", "/v1/jobs/" + job["id"])
        st = json.loads(resp.read())
        conn.close()
        done[0], state = st["done"], st["state"]
        if state in ("done", "cancelled"):
            break
        time.sleep(1.0)
    sampler.stop = True
    sampler.join()
    # Every address exactly once, in input order.
    by_status, n, last_seq_ok = collections.Counter(), 0, True
    conn, resp = request(port, "GET", "/v1/jobs/%s/results" % job["id"])
    with open(os.path.join(work, "addresses.txt"), "rb") as want:
        for line in resp:
            r = json.loads(line)
            if r["email"].encode() != want.readline().rstrip(b"\n"):
                last_seq_ok = False
            by_status[r["status"]] += 1
            n += 1
    conn.close()
    proc.terminate()
    rc, peak = reap(proc)
    db_mib = sum(os.path.getsize(db + s) for s in ("", "-wal") if os.path.exists(db + s)) / (1 << 20)
    by_status["_in_input_order"] = int(last_seq_ok)
    by_status["_db_mib"] = round(db_mib, 1)
    by_status["_state"] = state
    return rc, n, by_status, sampler, peak


def main():
    mode, mailprobe, work = sys.argv[1:4]
    opts = sys.argv[4:]
    total = json.load(open(os.path.join(work, "expect.json")))["addresses"]
    started = time.monotonic()
    rc, n, by_status, sampler, peak = (run_verify if mode == "verify" else run_serve)(mailprobe, work, opts, total)
    wall = time.monotonic() - started
    samples = sampler.samples
    peak_kb = max([peak] + [s[2] for s in samples])
    after = [s[2] for s in samples if s[1] >= 100_000]
    print(json.dumps({
        "mode": mode, "exit": rc, "addresses": total, "results": n, "wall_s": round(wall, 1),
        "peak_rss_mib": round(peak_kb / 1024, 1),
        "rss_after_100k_mib": [round(min(after) / 1024, 1), round(max(after) / 1024, 1)] if after else None,
        "curve": curve(samples, total), "by_status": by_status,
        "samples": [[t, d, r] for t, d, r in samples],
    }))
    return 0 if n == total and rc == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
