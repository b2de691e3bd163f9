#!/usr/bin/env python3
"""mplab: the network-namespace lab's catalogue and helpers.

The lab (tests/lab/lab.sh, README.md there) is a set of network namespaces
the tests create: "lab" holds unbound, Postfix (+ postgrey) and PostgreSQL
on 198.18.0.0/16 addresses, and each "worker" namespace has one address of
its own on the same bridge. This module is the one place that knows

  - the catalogue: 30 domains of five kinds on three MX addresses, which
    lab.sh turns into the DNS zone and Postfix's maps (`mplab.py zone`,
    `mplab.py postfix-maps DIR`), and the job the cluster test and the
    benchmark send (`job_addresses()`, `expected_status()`);
  - how to reach a namespace from Python: `enter()` moves this process
    into one (setns), `in_ns()` prefixes a command with `ip netns exec`;
  - how to read Postfix's log for politeness: `maillog_concurrency()`;
  - a `mailprobe serve` worker in its namespace (`Worker`), and a fresh
    database on the lab's PostgreSQL (`createdb()`), for the cluster test
    and the benchmark (bench/cluster).

Only the standard library: it runs as root beside the servers.
"""
import ctypes
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time

# --- addresses (README.md, "Addresses") -------------------------------------

LAB_ADDR = "198.18.0.1"                     # unbound :53, PostgreSQL :5432
MX_ADDRS = ["198.18.1.10", "198.18.1.11", "198.18.1.12"]  # Postfix :25
PREFIX_LEN = 16                             # one bridge, one 198.18.0.0/16
ALLOW_NET = "198.18.0.0/15"                 # what workers pass to --allow-net
SMTP_PORT = 25
PG_PORT = 5432
ZONE = "lab.mptest"


def worker_addr(n):
    """Worker n's (1-based) address: 198.18.2.(10+n)."""
    return "198.18.2.%d" % (10 + n)


# --- the catalogue ------------------------------------------------------------

# (kind, how many domains, addresses per domain in the standard job)
KINDS = [
    ("known", 10, 130),     # Postfix virtual domain: u000..u039 exist, others 550 5.1.1
    ("catchall", 8, 120),   # every local part accepted
    ("grey", 6, 100),       # postgrey first; u000..u039 exist
    ("nxdomain", 3, 50),    # no such domain
    ("nullmx", 3, 50),      # RFC 7505 null MX
]
USERS = 40                  # u000..u039 exist at known and grey domains


def domains():
    """[(domain, kind, mx address or None)] in catalogue order. SMTP domains
    take the three MX addresses in turn, so every MX serves every kind."""
    out, smtp_index = [], 0
    for kind, count, _ in KINDS:
        for i in range(1, count + 1):
            name = "%s%02d.%s" % (kind, i, ZONE)
            mx = None
            if kind in ("known", "catchall", "grey"):
                mx = MX_ADDRS[smtp_index % len(MX_ADDRS)]
                smtp_index += 1
            out.append((name, kind, mx))
    return out


def mx_host(addr):
    """The MX host name of an MX address: mx10.lab.mptest for 198.18.1.10."""
    return "mx%s.%s" % (addr.rsplit(".", 1)[1], ZONE)


def job_addresses(scale=1.0, kinds=None):
    """The standard job: for each domain its addresses u000, u001, ...
    (`scale` times the catalogue's count, at least 1), domains interleaved
    the way a real list mixes them (round robin). 3,160 at scale 1.
    `kinds` (e.g. {"known", "catchall"}) keeps only those domains."""
    counts = dict((k, n) for k, _, n in KINDS)
    per_domain = []
    for name, kind, _ in domains():
        if kinds and kind not in kinds:
            continue
        n = max(1, int(counts[kind] * scale))
        per_domain.append(["u%03d@%s" % (i, name) for i in range(n)])
    out = []
    for i in range(max(len(p) for p in per_domain)):
        out.extend(p[i] for p in per_domain if i < len(p))
    return out


def expected_status(address):
    """What the lab's servers make of an address (the prober's `status`)
    once greylisting has been waited out."""
    local, domain = address.split("@", 1)
    kind = dict((d, k) for d, k, _ in domains()).get(domain)
    if kind in ("known", "grey"):
        exists = re.fullmatch(r"u(\d{3})", local) and int(local[1:]) < USERS
        return "deliverable" if exists else "undeliverable"
    if kind == "catchall":
        return "risky"
    return "undeliverable"


def zone_lines():
    """unbound local-data lines for the catalogue (lab.sh includes them)."""
    lines = []
    for addr in MX_ADDRS:
        lines.append('local-data: "%s. 60 IN A %s"' % (mx_host(addr), addr))
    for name, kind, mx in domains():
        if mx:
            lines.append('local-data: "%s. 60 IN MX 10 %s."' % (name, mx_host(mx)))
        elif kind == "nullmx":
            lines.append('local-data: "%s. 60 IN MX 0 ."' % name)
        # nxdomain: nothing, so the static zone answers NXDOMAIN
    return lines


def postfix_maps(directory):
    """Writes virtual_domains, virtual_mailboxes and greylist_domains
    (texthash) for the catalogue into `directory`."""
    vd, vm, grey = [], [], []
    for name, kind, mx in domains():
        if not mx:
            continue
        vd.append("%s ok" % name)
        if kind == "catchall":
            vm.append("@%s %s/" % (name, name))
        else:
            vm.extend("u%03d@%s %s/u%03d" % (i, name, name, i) for i in range(USERS))
        if kind == "grey":
            grey.append("%s greylist" % name)
    for fname, lines in (("virtual_domains", vd), ("virtual_mailboxes", vm), ("greylist_domains", grey)):
        with open(os.path.join(directory, fname), "w") as f:
            f.write("# generated by tests/lab/mplab.py\n" + "\n".join(lines) + "\n")
    with open(os.path.join(directory, "recipient_access"), "w") as f:
        f.write("# generated by tests/lab/mplab.py: no scripted replies in the lab\n")


# --- namespaces -----------------------------------------------------------------

CLONE_NEWNET = 0x40000000


def read_env(run_dir):
    """The lab's variables (DIR/lab.env, written by `lab.sh start`)."""
    env = {}
    with open(os.path.join(run_dir, "lab.env")) as f:
        for line in f:
            m = re.match(r"export (\w+)=(.*)$", line.strip())
            if m:
                env[m.group(1)] = m.group(2)
    return env


def enter(ns):
    """Moves this process (its calling thread: Python's main thread) into
    network namespace `ns` (a name under /run/netns). Sockets made
    afterwards live there; processes started afterwards too."""
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open("/run/netns/%s" % ns, os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            err = ctypes.get_errno()
            raise OSError(err, "setns(%s): %s" % (ns, os.strerror(err)))
    finally:
        os.close(fd)


def in_ns(ns, argv):
    """argv run inside namespace `ns`."""
    return ["ip", "netns", "exec", ns] + list(argv)


# --- reading Postfix's log ------------------------------------------------------

# lab.sh names each MX listener's smtpd "postfix/mxNN" (syslog_name), so
# its lines say which MX address a client talked to; the loopback
# fixture's smtpd is plain "postfix".
_EVENT = re.compile(r" (\S+)/smtpd\[\d+\]: (connect|disconnect) from [^\[\s]*\[([0-9a-fA-F.:]+)\]")
_RCPT = re.compile(r" rcpt=(\d+)/(\d+)")


def service_addr(name):
    """The MX address of a lab smtpd's log name ("postfix/mx10" →
    "198.18.1.10"); other names are returned as they are."""
    m = re.fullmatch(r"postfix/mx(\d+)", name)
    return "198.18.1.%s" % m.group(1) if m else name


def maillog_concurrency(path, offset=0):
    """Replays smtpd's connect/disconnect lines in log order, from byte
    `offset` (a size taken earlier, to see one run only), and returns
      {"max_mx": {mx: n}, "max_client": {(mx, client): n},
       "sessions": {mx: count}, "max_rejected": {(mx, client): n}}
    — the most sessions open at once to each MX (service_addr() of the
    log name), the most at once from each client to each MX, the sessions
    per MX, and the most recipients one session had refused (Postfix's
    "rcpt=accepted/total" on the disconnect line).

    Log order is event order: smtpd logs "disconnect" before it closes the
    connection, and a session's slot is free for the prober only when its
    connection is closed (docs/scale-out.md, "Measuring politeness")."""
    open_mx, open_client = {}, {}
    out = {"max_mx": {}, "max_client": {}, "sessions": {}, "max_rejected": {}}
    with open(path, "rb") as f:
        f.seek(offset)
        for raw in f:
            line = raw.decode("utf-8", "replace")
            m = _EVENT.search(line)
            if not m:
                continue
            mx = service_addr(m.group(1))
            key = (mx, m.group(3))
            step = 1 if m.group(2) == "connect" else -1
            open_mx[mx] = open_mx.get(mx, 0) + step
            open_client[key] = open_client.get(key, 0) + step
            if step > 0:
                out["sessions"][mx] = out["sessions"].get(mx, 0) + 1
                out["max_mx"][mx] = max(out["max_mx"].get(mx, 0), open_mx[mx])
                out["max_client"][key] = max(out["max_client"].get(key, 0), open_client[key])
            else:
                r = _RCPT.search(line)
                refused = int(r.group(2)) - int(r.group(1)) if r else 0
                out["max_rejected"][key] = max(out["max_rejected"].get(key, 0), refused)
    return out


# --- workers ------------------------------------------------------------------

SERVE_PORT = 8025


class Worker:
    """`mailprobe serve` in worker namespace n of the lab `env` (read_env),
    listening on the worker's own address, with the lab's DNS and
    --allow-net; `args` follow. The process that creates it must be in a
    namespace that reaches the bridge (the lab's: `enter(env["MP_LAB_NS"])`).
    Errors raise AssertionError, as the test harness reports them."""

    def __init__(self, env, n, mailprobe, db, *args):
        self.n = n
        self.addr = env["MP_LAB_W%d_ADDR" % n]
        self.ns = env["MP_LAB_W%d_NS" % n]
        self.dir = os.path.join(env["MP_LAB_DIR"], "worker%d" % n)
        os.makedirs(self.dir, exist_ok=True)
        self.log_path = os.path.join(self.dir, "stderr-%d.log" % int(time.time() * 1000))
        argv = ["nsenter", "--net=/run/netns/" + self.ns, mailprobe, "serve", "--listen",
                "%s:%d" % (self.addr, SERVE_PORT), "--db", db, "--worker-name", "w%d" % n,
                "--dns", env["MP_LAB_DNS"], "--allow-net", env["MP_LAB_ALLOW_NET"], "--insecure-no-auth"]
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(argv + list(args), cwd=self.dir, stdout=subprocess.DEVNULL, stderr=self.log)
        deadline = time.monotonic() + 20
        while True:
            if self.proc.poll() is not None:
                raise AssertionError("worker %d exited: %s" % (n, self.stderr()[-800:]))
            try:
                socket.create_connection((self.addr, SERVE_PORT), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise AssertionError("worker %d does not listen" % n)
                time.sleep(0.05)

    def stderr(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def request(self, method, path, body=None, timeout=60):
        """(status, body bytes)."""
        conn = http.client.HTTPConnection(self.addr, SERVE_PORT, timeout=timeout)
        data = json.dumps(body).encode() if body is not None else None
        conn.request(method, path, body=data, headers={"Content-Type": "application/json"} if data else {})
        resp = conn.getresponse()
        out = resp.status, resp.read()
        conn.close()
        return out

    def json(self, method, path, body=None, expect=200):
        status, data = self.request(method, path, body)
        if status != expect:
            raise AssertionError("worker %d: %s %s: %d %r" % (self.n, method, path, status, data[:300]))
        return json.loads(data)

    def results(self, job_id):
        """The job's results (NDJSON) as dicts, in input order."""
        status, data = self.request("GET", "/v1/jobs/%s/results" % job_id, timeout=120)
        if status != 200:
            raise AssertionError("results: %d" % status)
        return [json.loads(line) for line in data.decode().splitlines() if line.strip()]

    def metric(self, name):
        """The sum of a /metrics series over its labels."""
        _, data = self.request("GET", "/metrics")
        total = 0.0
        for line in data.decode().splitlines():
            if line.startswith(name) and line[len(name):len(name) + 1] in (" ", "{"):
                total += float(line.rsplit(" ", 1)[1])
        return total

    def wait_job(self, job_id, timeout):
        """The job once done, cancelled or failed (or as it is at the timeout)."""
        deadline = time.monotonic() + timeout
        while True:
            job = self.json("GET", "/v1/jobs/" + job_id)
            if job["state"] in ("done", "cancelled", "failed") or time.monotonic() > deadline:
                return job
            time.sleep(0.5)

    def stop(self, sig=signal.SIGTERM):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def createdb(env, name):
    """A new database `name` on the lab's PostgreSQL; its URL."""
    subprocess.run(["psql", "-q", env["MP_LAB_PG_ADMIN_URL"], "-c", "CREATE DATABASE %s" % name], check=True,
                   capture_output=True)
    return env["MP_LAB_PG_URL"].rsplit("/", 1)[0] + "/" + name


def _main(argv):
    if argv[1:2] == ["zone"]:
        print("\n".join(zone_lines()))
    elif argv[1:2] == ["postfix-maps"] and len(argv) == 3:
        postfix_maps(argv[2])
    elif argv[1:2] == ["job"]:
        scale = float(argv[2]) if len(argv) > 2 else 1.0
        kinds = set(argv[3].split(",")) if len(argv) > 3 else None
        print("\n".join(job_addresses(scale, kinds)))
    elif argv[1:2] == ["concurrency"] and len(argv) == 3:
        print(maillog_concurrency(argv[2]))
    else:
        print("usage: mplab.py zone | postfix-maps DIR | job [SCALE [KIND,...]] | concurrency MAILLOG", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv))
