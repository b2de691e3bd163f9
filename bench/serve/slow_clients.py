#!/usr/bin/env python3
"""bench/serve/slow_clients.py PORT PID [IDLE SLOW SECONDS] — what ordinary
clients of a running `mailprobe serve` see while IDLE connections sit idle
and SLOW ones send a request head one octet a second (the kind of load
--max-connections and --request-deadline are for).

Measures GET /healthz and POST /v1/verify (an invalid address: no DNS, no
SMTP) one after the other on new connections for SECONDS: first with no
other connections (the baseline), then with the idle and slow ones open.
Prints p50/p99/max latency of each phase, the server's RSS and CPU time, and
exits non-zero if an ordinary request failed. Loopback only; bounded by
SECONDS. Started by bench/serve/run.sh."""
import http.client
import json
import os
import resource
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "integration"))
from slowclients import SlowClients  # noqa: E402


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p / 100))] if values else float("nan")


def server_stats(pid):
    with open("/proc/%d/status" % pid) as f:
        status = dict(l.split(":", 1) for l in f if ":" in l)
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / 100.0
    return int(status["VmRSS"].split()[0]), int(status["VmHWM"].split()[0]), cpu


def ordinary(port, seconds):
    """Latencies (ms) of ordinary requests for `seconds`; raises on a failure."""
    lat = []
    body = json.dumps({"email": "not-an-address"})
    until = time.monotonic() + seconds
    while time.monotonic() < until:
        for method, path, payload in (("GET", "/healthz", None), ("POST", "/v1/verify", body)):
            t0 = time.monotonic()
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            c.request(method, path, body=payload, headers={"Content-Type": "application/json"} if payload else {})
            r = c.getresponse()
            r.read()
            c.close()
            if r.status != 200:
                raise SystemExit("%s %s answered %d" % (method, path, r.status))
            lat.append((time.monotonic() - t0) * 1000)
    return lat


def report(name, lat, pid):
    rss, peak, cpu = server_stats(pid)
    print("%-44s %6d req  p50 %6.2f ms  p99 %6.2f ms  max %7.2f ms  RSS %6d kB (peak %6d kB)  CPU %.1f s"
          % (name, len(lat), percentile(lat, 50), percentile(lat, 99), max(lat), rss, peak, cpu))


def main():
    port, pid = int(sys.argv[1]), int(sys.argv[2])
    idle_n = int(sys.argv[3]) if len(sys.argv) > 3 else 2500
    slow_n = int(sys.argv[4]) if len(sys.argv) > 4 else 2500
    seconds = float(sys.argv[5]) if len(sys.argv) > 5 else 10
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, idle_n + slow_n + 1000), hard))
    report("ordinary requests alone", ordinary(port, seconds), pid)
    with SlowClients(port, idle_n, slow_n) as clients:
        print("opened %d idle + %d slow connections in %.2f s" % (idle_n, slow_n, clients.opened_s))
        report("with %d idle + %d slow connections" % (idle_n, slow_n), ordinary(port, seconds), pid)

if __name__ == "__main__":
    main()
