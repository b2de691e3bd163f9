"""mptest: helpers for the integration tests (tests/integration/test_*.py).

Each test file is a plain Python 3 script run by ctest with the loopback
fixture (tests/fixture/) already started and these variables set:
MAILPROBE (the binary), MP_FIXTURE_DNS, MP_FIXTURE_LIAR_DNS, MP_FIXTURE_SMTP_PORT, MP_FIXTURE_DIR,
MP_SOURCE_DIR. A test file looks like:

    import mptest
    from mptest import test, check, check_eq

    @test
    def unknown_user_is_invalid():
        (r,) = mptest.verify("zed@known.mptest")
        check_eq(r["result"], "invalid", "result")

    mptest.main()

main() runs every @test in file order (or only those named on the command
line), prints one PASS/FAIL line each and then "N passed, N failed", and
exits non-zero if anything failed. To run one by hand:

    tests/fixture/fixture.sh start /tmp/fx && eval "$(tests/fixture/fixture.sh env /tmp/fx)"
    MAILPROBE=build/native-prober/mailprobe python3 tests/integration/test_x.py [name...]
"""
import json
import os
import socket
import subprocess
import sys
import time
import traceback

SOURCE_DIR = os.environ.get("MP_SOURCE_DIR") or os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(SOURCE_DIR, "tests", "fixture"))
sys.path.insert(0, os.path.join(SOURCE_DIR, "tests", "lib"))
import dnsquery  # noqa: E402  (tests/fixture/dnsquery.py)
from ptyrun import run_on_tty  # noqa: E402,F401  (tests/lib/ptyrun.py)

MAILPROBE = os.environ.get("MAILPROBE", "mailprobe")
FIXTURE_DNS = os.environ.get("MP_FIXTURE_DNS", "127.0.0.1:5354")
# The lying resolver: the fixture's zones, NXDOMAIN for everything else.
FIXTURE_LIAR_DNS = os.environ.get("MP_FIXTURE_LIAR_DNS", "127.0.0.1:5355")
SMTP_PORT = int(os.environ.get("MP_FIXTURE_SMTP_PORT", "2525"))
FIXTURE_DIR = os.environ.get("MP_FIXTURE_DIR", "")

# The flags that point the prober at the fixture instead of the Internet.
FIXTURE_FLAGS = ["--dns", FIXTURE_DNS, "--smtp-port", str(SMTP_PORT),
                 "--allow-net", "127.0.0.0/8"]


# --- running the binary ---------------------------------------------------

class Run:
    """The outcome of one mailprobe run: returncode, stdout, stderr, and
    records (stdout parsed as NDJSON, one dict per non-empty line)."""

    def __init__(self, argv, proc, seconds):
        self.argv = argv
        self.returncode = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr
        self.seconds = seconds
        self.records = parse_ndjson(proc.stdout)

    def __repr__(self):
        return "<Run %s rc=%d %.1fs stderr=%r>" % (" ".join(self.argv), self.returncode,
                                                   self.seconds, self.stderr[-500:])


def run(command, *args, fixture_flags=True, stdin=None, timeout=120):
    """Runs `mailprobe COMMAND [fixture flags] ARGS...` and returns a Run.
    fixture_flags=False leaves out --dns/--smtp-port/--allow-net (e.g. for
    `check`, or to pass narrower ones yourself). Raises
    subprocess.TimeoutExpired if it runs longer than timeout seconds."""
    argv = [MAILPROBE, command] + (FIXTURE_FLAGS if fixture_flags else []) + list(args)
    started = time.monotonic()
    proc = subprocess.run(argv, input=stdin, capture_output=True, text=True, timeout=timeout)
    return Run(argv, proc, time.monotonic() - started)


def verify(*addresses, extra=(), timeout=120):
    """Runs `mailprobe verify` on the fixture for addresses and returns the
    NDJSON records (one per address). Fails the test if the binary exits
    with 2 (usage error) or more."""
    result = run("verify", *(list(extra) + list(addresses)), timeout=timeout)
    check(result.returncode in (0, 1), "mailprobe verify failed: %r" % result)
    return result.records


def parse_ndjson(text):
    """Parses newline-delimited JSON; a malformed line fails the test with
    its line number."""
    records = []
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip():
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as e:
                raise AssertionError("stdout line %d is not JSON (%s): %r" % (number, e, line))
    return records


# --- talking to the fixture directly --------------------------------------

def dns(name, qtype="A", timeout=10.0):
    """Queries the fixture's DNS: {"rcode": ..., "answers": [(type, value)]}."""
    return dnsquery.query(FIXTURE_DNS, name, qtype, timeout)


class RawSmtp:
    """A deliberately dumb SMTP client for poking at servers that misbehave
    (smtplib gives up on them): raw bytes in, parsed replies out."""

    def __init__(self, host, port=None, timeout=10.0):
        self.sock = socket.create_connection((host, port or SMTP_PORT), timeout=timeout)
        self.buffer = b""

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def send(self, line):
        self.sock.sendall(line.encode() + b"\r\n")

    def recv_some(self, timeout):
        """Returns the next bytes that arrive (b"" at EOF); raises
        socket.timeout if none arrive in time, ConnectionResetError on RST."""
        self.sock.settimeout(timeout)
        return self.sock.recv(65536)

    def read_line(self, timeout=10.0):
        """Returns the next line, CRLF stripped; raises EOFError at EOF."""
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buffer:
            data = self.recv_some(max(0.01, deadline - time.monotonic()))
            if not data:
                raise EOFError("connection closed (buffered: %r)" % self.buffer[:200])
            self.buffer += data
        line, self.buffer = self.buffer.split(b"\n", 1)
        return line.rstrip(b"\r")

    def reply(self, timeout=10.0):
        """Reads one (possibly multi-line) reply: (code, [text lines])."""
        lines = []
        while True:
            line = self.read_line(timeout)
            if len(line) < 3 or not line[:3].isdigit():
                raise ValueError("not an SMTP reply line: %r" % line)
            lines.append(line[4:].decode("utf-8", "replace"))
            if line[3:4] != b"-":
                return int(line[:3]), lines

    def command(self, line, timeout=10.0):
        self.send(line)
        return self.reply(timeout)


def rcpt_replies(host, recipients, mail_from="probe@fixture-test.mptest", timeout=10.0):
    """EHLO, MAIL FROM, one RCPT per recipient, QUIT; returns
    [(code, "X.Y.Z text")] per recipient."""
    with RawSmtp(host, timeout=timeout) as s:
        code, _ = s.reply()
        check_eq(code, 220, "greeting from %s" % host)
        check_eq(s.command("EHLO tester.mptest")[0], 250, "EHLO")
        check_eq(s.command("MAIL FROM:<%s>" % mail_from)[0], 250, "MAIL FROM")
        replies = []
        for rcpt in recipients:
            code, lines = s.command("RCPT TO:<%s>" % rcpt)
            replies.append((code, " ".join(lines)))
        s.command("QUIT")
        return replies


def job_events(host, port, job_id, timeout=120):
    """Reads a job's event stream (GET /v1/jobs/ID/events, the server's own
    Host) until its `done` event or the end of the connection. Returns the
    decoded data of every event, in order, and the raw text."""
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.sendall(("GET /v1/jobs/%s/events HTTP/1.1\r\nHost: %s:%d\r\n\r\n" % (job_id, host, port)).encode())
        data = b""
        while b"event: done" not in data:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    text = data.decode(errors="replace")
    return [json.loads(line[6:]) for line in text.splitlines() if line.startswith("data: ")], text


def unique(prefix="t"):
    """A string that differs between runs (for fresh greylisting triplets)."""
    return "%s%d%04d" % (prefix, int(time.time()), os.getpid() % 10000)


# --- the test runner -------------------------------------------------------

_tests = []


def test(fn):
    """Registers fn as a test; its name is the function name."""
    _tests.append(fn)
    return fn


class Skip(Exception):
    """Raise to skip a test (counted and reported, not a failure)."""


def check(condition, message="check failed"):
    if not condition:
        raise AssertionError(message)


def check_eq(actual, expected, what="value"):
    if actual != expected:
        raise AssertionError("%s: expected %r, got %r" % (what, expected, actual))


def check_in(needle, haystack, what="value"):
    if needle not in haystack:
        raise AssertionError("%s: expected %r in %r" % (what, needle, haystack))


def main():
    """Runs the registered tests (or those named in sys.argv), prints
    "N passed, N failed" and exits 1 on any failure."""
    wanted = set(sys.argv[1:])
    passed = failed = skipped = 0
    for fn in _tests:
        if wanted and fn.__name__ not in wanted:
            continue
        started = time.monotonic()
        try:
            fn()
        except Skip as e:
            skipped += 1
            print("SKIP %s: %s" % (fn.__name__, e), flush=True)
            continue
        except Exception as e:  # noqa: BLE001 - any exception fails the test
            failed += 1
            print("FAIL %s: %s: %s" % (fn.__name__, type(e).__name__, e), flush=True)
            if not isinstance(e, AssertionError):
                traceback.print_exc()
            continue
        passed += 1
        print("PASS %s (%.1fs)" % (fn.__name__, time.monotonic() - started), flush=True)
    suffix = ", %d skipped" % skipped if skipped else ""
    print("%d passed, %d failed%s" % (passed, failed, suffix), flush=True)
    sys.exit(1 if failed or not (passed or skipped) else 0)
