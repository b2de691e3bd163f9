"""A private unbound for the integration tests that need a resolver of
their own: one that appears, disappears or changes its mind while a
`mailprobe serve` keeps running (the fixture's two resolvers never change).
It is rendered from the fixture's own template (tests/fixture/unbound.conf.in)
with the fixture's test zones, on a loopback port of its choosing, and its
root is the honest one, the lying one, or any lines a test gives. A module,
so test files share it (docs/testing.md)."""
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import mptest

FIXTURE_SRC = os.path.join(os.environ.get("MP_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", "..")),
                           "tests", "fixture")
sys.path.insert(0, FIXTURE_SRC)
import dnsquery  # noqa: E402  (the fixture's stdlib DNS client)

# A port next to the fixture's resolvers (5354 honest, 5355 liar), free
# inside the test's own network namespace.
PORT = 5356


def root_lines(kind):
    """The lines of the fixture's root file `kind` ("honest" or "liar")."""
    with open(os.path.join(FIXTURE_SRC, "root-%s.conf" % kind)) as f:
        return f.read()


class Unbound:
    """unbound on 127.0.0.1:`port` serving the fixture's zones plus `root`
    (the text of a root file: root_lines("honest"), root_lines("liar") or a
    test's own lines). start() waits until it answers; stop() ends it by
    its PID. Use as a context manager."""

    def __init__(self, root, port=PORT):
        self.root = root
        self.port = port
        self.address = "127.0.0.1:%d" % port
        self.dir = tempfile.mkdtemp(prefix="mpunbound-")
        self.proc = None

    def start(self, timeout=10):
        with open(os.path.join(FIXTURE_SRC, "unbound.conf.in")) as f:
            conf = f.read()
        root_file = os.path.join(self.dir, "root.conf")
        with open(root_file, "w") as f:
            f.write(self.root)
        open(os.path.join(self.dir, "replies-zone.conf"), "w").close()
        conf = (conf.replace("@DIR@", self.dir).replace("@NAME@", "unbound").replace("@PORT@", str(self.port))
                .replace("@ROOT@", root_file))
        path = os.path.join(self.dir, "unbound.conf")
        with open(path, "w") as f:
            f.write(conf)
        self.log = open(os.path.join(self.dir, "stdout.log"), "ab")
        self.proc = subprocess.Popen(["unbound", "-d", "-c", path], stdout=self.log, stderr=self.log,
                                     stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("unbound exited: " + self.logs())
            try:
                if dnsquery.query(self.address, "mptest", "NS", timeout=0.3)["answers"]:
                    return self
            except OSError:
                pass
            time.sleep(0.05)
        raise AssertionError("unbound did not answer: " + self.logs())

    def logs(self):
        out = ""
        for name in ("stdout.log", "unbound.log"):
            try:
                with open(os.path.join(self.dir, name), errors="replace") as f:
                    out += f.read()[-1500:]
            except OSError:
                pass
        return out

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def serve_flags(address):
    """The fixture flags with another resolver."""
    return ["--dns", address, "--smtp-port", str(mptest.SMTP_PORT), "--allow-net", "127.0.0.0/8"]
