#!/usr/bin/env python3
"""soak.py MAILPROBE WORK SECONDS [serve options...] — `mailprobe serve` under
a bounded mixed load, killed with SIGKILL halfway and restarted.

The load, all at once, for SECONDS:
  - single verifies: VERIFY_RPS requests/s over the generated addresses
    (a third of them repeats, answered from the cache);
  - jobs: one of JOB_SIZE addresses every JOB_EVERY s (fewer than
    JOBS_UNFINISHED_MAX unfinished at a time), each followed by
    STREAMS_PER_JOB event streams (reopened after the restart) and, once
    done, a read of its results;
  - slow clients: SLOW_CLIENTS connections sending a request one octet every
    2 s, and as many idle ones, reopened when the server closes them;
  - GET /healthz every 0.5 s.
Every 5 s: RSS, open descriptors, database size (+ WAL), and the p99
latency of verifies and health checks in the last 30 s. At SECONDS / 2 the
server gets SIGKILL and is started again on the same database and port.

After SECONDS the load stops, every job is waited for (at most
FINISH_WAIT s), and every job's results are read back: each address must
have exactly one result, in input order. Prints one JSON object.
"""
import collections
import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time

VERIFY_RPS = 10
JOB_SIZE = 3000
JOB_EVERY = 30
JOBS_UNFINISHED_MAX = 3
STREAMS_PER_JOB = 2
SLOW_CLIENTS = 20
FINISH_WAIT = 300
RETRY_SCHEDULE = "20s,40s"
WINDOW_S = 30

T0 = time.monotonic()


def now():
    return time.monotonic() - T0


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """The mailprobe serve process; the same port and database across restarts."""

    def __init__(self, mailprobe, work, opts):
        self.port = free_port()
        self.db = os.path.join(work, "soak.db")
        self.argv = [mailprobe, "serve", "--listen", "127.0.0.1:%d" % self.port, "--db", self.db,
                     "--web", work, "--rate-limit", "0", "--no-access-log",
                     # Temporary answers (the silent and the slow hosts) are
                     # asked again within the run, not after the default's
                     # 5 minutes: the retry path is part of the soak, and
                     # every job can finish before FINISH_WAIT.
                     "--retry-schedule", RETRY_SCHEDULE] + opts
        self.log = open(os.path.join(work, "serve.stderr"), "ab")
        self.proc = None
        self.restarts = []

    def start(self):
        started = time.monotonic()
        self.proc = subprocess.Popen(self.argv, stdout=subprocess.DEVNULL, stderr=self.log)
        while time.monotonic() - started < 30:
            try:
                c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                c.request("GET", "/healthz")
                if c.getresponse().status == 200:
                    c.close()
                    return time.monotonic() - started
            except OSError:
                pass
            time.sleep(0.05)
        raise SystemExit("serve did not come up: see %s" % self.log.name)

    def kill9_and_restart(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        at = now()
        ready = self.start()
        self.restarts.append({"at_s": round(at, 1), "ready_after_s": round(ready, 2)})

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()

    def rss_kb(self):
        try:
            with open("/proc/%d/status" % self.proc.pid) as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1])
        except OSError:
            return 0
        return 0

    def fds(self):
        try:
            return len(os.listdir("/proc/%d/fd" % self.proc.pid))
        except OSError:
            return 0

    def db_mib(self):
        return sum(os.path.getsize(self.db + s) for s in ("", "-wal") if os.path.exists(self.db + s)) / (1 << 20)


class Load:
    def __init__(self, server, addresses):
        self.s = server
        self.addresses = addresses
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.lat = collections.defaultdict(list)   # kind -> [(t, ms)]
        self.codes = collections.Counter()         # "kind code" -> n
        self.errors = collections.Counter()        # "kind error" -> n
        self.jobs = collections.OrderedDict()      # id -> (first, count)
        self.finished = set()
        self.next_slice = 0
        self.samples = []

    def record(self, kind, started, code=None, error=None):
        with self.lock:
            if error:
                self.errors["%s %s" % (kind, error)] += 1
            else:
                self.lat[kind].append((now(), (time.monotonic() - started) * 1000))
                self.codes["%s %d" % (kind, code)] += 1

    def request(self, kind, method, path, body=None, headers=None, timeout=90):
        started = time.monotonic()
        try:
            c = http.client.HTTPConnection("127.0.0.1", self.s.port, timeout=timeout)
            c.request(method, path, body=body, headers=headers or {})
            r = c.getresponse()
            data = r.read()
            c.close()
            self.record(kind, started, r.status)
            return r.status, data
        except (OSError, http.client.HTTPException) as e:
            self.record(kind, started, error=type(e).__name__)
            return None, b""

    # --- the load ----------------------------------------------------------
    def verifier(self, rng):
        recent = collections.deque(maxlen=200)
        while not self.stop.is_set():
            if recent and rng.random() < 0.33:
                email = rng.choice(recent)
            else:
                email = rng.choice(self.addresses)
                recent.append(email)
            self.request("verify", "POST", "/v1/verify", json.dumps({"email": email}),
                         {"Content-Type": "application/json"})
            self.stop.wait(rng.expovariate(VERIFY_RPS / 4))

    def healthz(self):
        while not self.stop.is_set():
            self.request("healthz", "GET", "/healthz", timeout=10)
            self.stop.wait(0.5)

    def submitter(self):
        while not self.stop.is_set():
            with self.lock:
                unfinished = len(self.jobs) - len(self.finished)
            if unfinished < JOBS_UNFINISHED_MAX and self.next_slice + JOB_SIZE <= len(self.addresses):
                first = self.next_slice
                body = "\n".join(self.addresses[first:first + JOB_SIZE]) + "\n"
                code, data = self.request("jobs", "POST", "/v1/jobs", body, {"Content-Type": "text/plain"})
                if code == 202:
                    job_id = json.loads(data)["id"]
                    with self.lock:
                        self.jobs[job_id] = (first, JOB_SIZE)
                    self.next_slice += JOB_SIZE
                    for _ in range(STREAMS_PER_JOB):
                        threading.Thread(target=self.events, args=(job_id,), daemon=True).start()
            self.stop.wait(JOB_EVERY)

    def events(self, job_id):
        """Follows a job's event stream until `done`, reconnecting after a drop."""
        while not self.stop.is_set():
            try:
                c = http.client.HTTPConnection("127.0.0.1", self.s.port, timeout=60)
                c.request("GET", "/v1/jobs/%s/events" % job_id)
                r = c.getresponse()
                for line in r:
                    if line.startswith(b"event: done"):
                        c.close()
                        self.job_done(job_id)
                        return
                c.close()
            except (OSError, http.client.HTTPException) as e:
                with self.lock:
                    self.errors["events %s" % type(e).__name__] += 1
            self.stop.wait(1.0)

    def job_done(self, job_id):
        with self.lock:
            if job_id in self.finished:
                return
            self.finished.add(job_id)
        self.request("results", "GET", "/v1/jobs/%s/results" % job_id, timeout=120)

    def slow_clients(self):
        """SLOW_CLIENTS trickling a request, SLOW_CLIENTS idle; reopened when closed."""
        socks, lifetimes = {}, []
        request = (b"POST /v1/verify HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Type: application/json\r\n"
                   b"Content-Length: 30\r\n\r\n" % self.s.port)
        while not self.stop.is_set():
            for i in range(2 * SLOW_CLIENTS):
                if i not in socks:
                    try:
                        socks[i] = [socket.create_connection(("127.0.0.1", self.s.port), timeout=5), 0, now()]
                    except OSError:
                        continue
                sock, sent, opened = socks[i]
                try:
                    if i < SLOW_CLIENTS and sent < len(request):
                        sock.send(request[sent:sent + 1])
                        socks[i][1] += 1
                    sock.setblocking(False)
                    try:
                        if sock.recv(4096) == b"":
                            raise ConnectionResetError()
                    except BlockingIOError:
                        pass
                    sock.setblocking(True)
                except OSError:
                    sock.close()
                    lifetimes.append(now() - opened)
                    del socks[i]
            self.stop.wait(2.0)
        for sock, _, _ in socks.values():
            sock.close()
        with self.lock:
            self.slow_closed = lifetimes

    def sampler(self):
        while not self.stop.is_set():
            t = now()
            with self.lock:
                window = {k: sorted(ms for at, ms in v if at >= t - WINDOW_S) for k, v in self.lat.items()}
                errors = sum(self.errors.values())
            p99 = {k: round(v[min(len(v) - 1, int(len(v) * 0.99))], 1) if v else None for k, v in window.items()}
            self.samples.append({"t": round(t), "rss_mib": round(self.s.rss_kb() / 1024, 1), "fds": self.s.fds(),
                                 "db_mib": round(self.s.db_mib(), 1),
                                 "verify_p99_ms": p99.get("verify"), "healthz_p99_ms": p99.get("healthz"),
                                 "verifies_30s": len(window.get("verify", [])), "errors": errors})
            self.stop.wait(5.0)


def check_jobs(load, addresses):
    """Every job done, every address exactly one result, in input order."""
    out = {"jobs": len(load.jobs), "addresses": 0, "results": 0, "missing": 0, "duplicates": 0,
           "out_of_order": 0, "not_done": 0, "by_status": collections.Counter()}
    for job_id, (first, count) in load.jobs.items():
        c = http.client.HTTPConnection("127.0.0.1", load.s.port, timeout=120)
        c.request("GET", "/v1/jobs/" + job_id)
        st = json.loads(c.getresponse().read())
        if st["state"] != "done" or st["done"] != st["total"]:
            out["not_done"] += 1
        c.request("GET", "/v1/jobs/%s/results" % job_id)
        r = c.getresponse()
        want = addresses[first:first + count]
        seen = collections.Counter()
        i = 0
        for line in r:
            rec = json.loads(line)
            seen[rec["email"]] += 1
            if i < len(want) and rec["email"] != want[i]:
                out["out_of_order"] += 1
            out["by_status"][rec["status"]] += 1
            i += 1
        c.close()
        out["addresses"] += count
        out["results"] += i
        out["missing"] += sum(1 for a in want if seen[a] == 0)
        out["duplicates"] += sum(n - 1 for n in seen.values() if n > 1)
    return out


def main():
    mailprobe, work, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
    opts = sys.argv[4:]
    with open(os.path.join(work, "addresses.txt")) as f:
        addresses = f.read().split()
    server = Server(mailprobe, work, opts)
    server.start()
    load = Load(server, addresses)
    threads = [threading.Thread(target=load.verifier, args=(random.Random(i),)) for i in range(4)]
    threads += [threading.Thread(target=f) for f in (load.healthz, load.submitter, load.slow_clients, load.sampler)]
    for t in threads:
        t.daemon = True
        t.start()
    time.sleep(seconds / 2)
    server.kill9_and_restart()
    time.sleep(seconds / 2)
    load.stop.set()
    for t in threads:
        t.join(60)
    # Let every job finish, then check each address's single result.
    deadline = time.monotonic() + FINISH_WAIT
    pending = list(load.jobs)
    while pending and time.monotonic() < deadline:
        c = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
        c.request("GET", "/v1/jobs/" + pending[0])
        if json.loads(c.getresponse().read())["state"] in ("done", "cancelled"):
            pending.pop(0)
        else:
            time.sleep(1)
        c.close()
    final = {"rss_mib": round(server.rss_kb() / 1024, 1), "fds": server.fds(), "db_mib": round(server.db_mib(), 1)}
    check = check_jobs(load, addresses)
    exit_code = server.stop()
    lat = {k: sorted(ms for _, ms in v) for k, v in load.lat.items()}
    print(json.dumps({
        "seconds": seconds, "restarts": server.restarts, "serve_exit": exit_code,
        "requests": dict(load.codes), "errors": dict(load.errors),
        "p99_ms": {k: round(v[int(len(v) * 0.99)], 1) for k, v in lat.items() if v},
        "slow_clients_closed": len(getattr(load, "slow_closed", [])),
        "slow_client_lifetime_max_s": round(max(getattr(load, "slow_closed", []) or [0]), 1),
        "final": final, "check": check, "samples": load.samples,
    }, default=dict))
    ok = (check["missing"] == 0 and check["duplicates"] == 0 and check["out_of_order"] == 0 and
          check["not_done"] == 0 and check["results"] == check["addresses"])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
