# ctest-labels: integration
"""5,000 connections that never finish a request — half idle, half sending
a request head one octet a second — held open against a real `mailprobe
serve` on loopback while ordinary clients keep asking (issue 12 §9). Every
ordinary request is answered; the slow heads are cut at
--request-deadline with a 408; the idle connections stay (they are under
--max-connections) and cost the server little. No mail server is needed
(the verifies are of a syntactically invalid address). Latency figures
come from bench/serve/run.sh, not from here."""
import socket
import time

import mptest
from mpserve import Server, metric, raise_nofile
from mptest import check, check_eq, test
from slowclients import SlowClients

IDLE = 2500
SLOW = 2500
DEADLINE = 15


@test
def five_thousand_slow_or_idle_connections_do_not_stop_ordinary_requests():
    have = raise_nofile(IDLE + SLOW + 1000)
    if have < IDLE + SLOW + 200:
        raise mptest.Skip("needs %d file descriptors, the hard limit is %d" % (IDLE + SLOW + 200, have))
    with Server("--request-deadline", str(DEADLINE), "--rate-limit", "0", "--no-access-log", fixture=False) as s:
        with SlowClients(s.port, idle=IDLE, slow=SLOW) as clients:
            idle, slow, started, opened = clients.idle, clients.slow, clients.started, clients.opened_s
            check(metric(s, "mailprobe_http_connections_open") >= IDLE + SLOW, "all 5,000 are open")
            answered, worst = 0, 0.0
            until = time.monotonic() + DEADLINE - 5  # well before the slow ones are cut
            while time.monotonic() < until:
                t0 = time.monotonic()
                check_eq(s.request("GET", "/healthz", timeout=10)[0], 200, "health")
                check_eq(s.request("POST", "/v1/verify", {"email": "not-an-address"}, timeout=10)[0], 200, "verify")
                job = s.json("POST", "/v1/jobs", {"emails": ["x", "y"]}, expect=202, timeout=10)
                check_eq(s.request("GET", "/v1/jobs/" + job["id"], timeout=10)[0], 200, "job")
                worst = max(worst, time.monotonic() - t0)
                answered += 4
            check(answered >= 40, "ordinary requests answered meanwhile: %d" % answered)
            # The slow heads reach the deadline: each gets its 408.
            cut = 0
            for c in slow:
                c.settimeout(max(0.05, started + DEADLINE + 8 - time.monotonic()))
                try:
                    if c.recv(64).startswith(b"HTTP/1.1 408"):
                        cut += 1
                except OSError:
                    pass
            check_eq(cut, SLOW, "slow heads answered 408 at the deadline")
            check(metric(s, "mailprobe_http_request_deadline_total") >= SLOW, "deadlines counted")
            # The idle ones are still there, and the server still answers.
            alive = 0
            for c in idle[:200]:
                c.settimeout(0.01)
                try:
                    c.recv(1)  # b"" or an error: closed
                except socket.timeout:
                    alive += 1  # silent and open
                except OSError:
                    pass
            check_eq(alive, 200, "idle connections under the limit are kept")
            check_eq(s.request("GET", "/healthz", timeout=10)[0], 200, "still serving")
            print("  %d connections opened in %.1f s; %d ordinary requests, slowest round %.2f s; "
                  "server RSS %d KiB (peak %d KiB)" % (IDLE + SLOW, opened, answered, worst, s.rss_kib(),
                                                       s.rss_kib(peak=True)))


if __name__ == "__main__":
    mptest.main()
