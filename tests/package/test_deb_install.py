"""The Debian package installed for real, used as an administrator would,
and purged.

apt-get install ./mailprobe_VERSION_ARCH.deb; then the system user, the
state directory, the conffiles and the enabled-but-not-started units; the
units through `systemd-analyze verify` and `security`; the service's
ExecStart run as the service user in its sandbox (tests/package/
systemd_unit.py: this machine's PID 1 is not systemd) with the packaged
config until /healthz answers; mailprobe-lists.service's ExecStart
fetching a list into the state directory and nowhere else, and the
service's ExecReload making the server load it; finally apt-get purge,
after which nothing of mailprobe may remain.

Root only, run serially, inside a private network namespace (ctest wraps
it in `unshare -n`: the packaged config listens on 127.0.0.1:8025). It
refuses to run when mailprobe is already on the machine, and purges what it
installed even when a step fails.
"""
import atexit
import grp
import http.server
import io
import json
import os
import pwd
import secrets
import shutil
import signal
import stat
import subprocess
import tarfile
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from package_info import deb_data, deb_path, project_version  # noqa: E402  (first: it puts mptest on the path)
import mptest  # noqa: E402
from mptest import Skip, check, check_eq, check_in, test  # noqa: E402
from systemd_unit import Unit  # noqa: E402

VERSION = project_version()
DEB = deb_path()
UNIT_DIR = "/lib/systemd/system"
APT = ["apt-get", "-y", "-q", "-o", "DPkg::Lock::Timeout=600", "--no-install-recommends"]
# Where a package's traces could stay; the scan looks for names containing "mailprobe".
SCAN_ROOTS = ["/etc", "/var", "/usr", "/lib", "/opt", "/srv", "/run", "/root"]
ENV_FILE = "/etc/mailprobe/mailprobe.env"
STATE_DIR = "/var/lib/mailprobe"
LIST_DOMAINS = ["throwaway%04d.mailprobe-test.net" % i for i in range(1200)]

state = {}  # what earlier steps learned, for the later ones


def run(argv, **kw):
    return subprocess.run(argv, capture_output=True, text=True, **kw)


def dpkg_status():
    """'ii', 'rc' ... or None when dpkg does not know the package."""
    p = run(["dpkg-query", "-W", "-f=${db:Status-Abbrev}", "mailprobe"])
    return p.stdout.strip() or None if p.returncode == 0 else None


def named_mailprobe():
    p = run(["find", *SCAN_ROOTS, "-xdev", "-name", "*mailprobe*"])
    return set(p.stdout.split("\n")) - {""}


def package_files():
    """The files (not directories) the .deb installs, as absolute paths."""
    with tarfile.open(fileobj=io.BytesIO(deb_data())) as t:
        return [m.name[1:] for m in t.getmembers() if not m.isdir() and m.name.startswith("./")]


def account_exists(db, name):
    try:
        (pwd.getpwnam if db == "passwd" else grp.getgrnam)(name)
        return True
    except KeyError:
        return False


def service_pids():
    """PIDs of processes running the installed binary."""
    pids = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if os.readlink(f"/proc/{pid}/exe") == "/usr/bin/mailprobe":
                pids.append(int(pid))
        except OSError:
            pass
    return pids


def http_json(url, body=None, headers=None, timeout=5):
    """(status, parsed JSON) of a GET, or a POST when body is given."""
    req = urllib.request.Request(url, data=json.dumps(body).encode() if body is not None else None,
                                 headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def serve_url():
    """http://ADDR:PORT from the packaged serve.conf's listen line."""
    with open("/etc/mailprobe/serve.conf", encoding="utf-8") as f:
        for line in f:
            key, _, value = line.partition("=")
            if key.strip() == "listen":
                return "http://" + value.strip()
    raise AssertionError("serve.conf has no listen line")


def wait_for(predicate, seconds, what):
    deadline = time.monotonic() + seconds
    last = None
    while time.monotonic() < deadline:
        try:
            ok, last = predicate()
            if ok:
                return last
        except OSError as e:
            last = e
        time.sleep(0.2)
    raise AssertionError(f"{what}: not within {seconds} s (last: {last!r})")


def append_env(line):
    """What an administrator does: a line added to the secrets file."""
    with open(ENV_FILE, "a", encoding="utf-8") as f:
        f.write(line + "\n")


def cleanup():
    """Whatever happened: no server left running, no package left installed,
    and what a broken purge left (the test failed on it) removed."""
    proc = state.get("serve")
    if proc and proc.poll() is None:
        proc.kill()
        proc.wait()
    if dpkg_status() not in (None, "un", "pn"):
        print("cleanup: purging mailprobe", flush=True)
        run(APT + ["purge", "mailprobe"])
    for path in (STATE_DIR, "/etc/mailprobe"):
        if os.path.lexists(path):
            print("cleanup: removing " + path, flush=True)
            shutil.rmtree(path)
    for db, tool in (("passwd", "userdel"), ("group", "groupdel")):
        if account_exists(db, "mailprobe"):
            print("cleanup: %s mailprobe" % tool, flush=True)
            run([tool, "mailprobe"])


# --- the steps, in order ----------------------------------------------------

@test
def installs_with_apt_get():
    # Refuse only what would collide with the package: dpkg's record, the
    # user, or a file the package installs. Other paths named *mailprobe*
    # (a checkout under /root or /srv, a perf cache) are recorded, so the
    # purge check below only blames what appeared during the test.
    before = named_mailprobe()
    taken = sorted(p for p in package_files() if os.path.lexists(p))
    check(dpkg_status() in (None, "un", "pn") and not account_exists("passwd", "mailprobe") and not taken,
          "mailprobe is already on this machine (package, user or files: %s); this test installs and "
          "purges it, so it leaves existing installations alone — remove it first" % taken[:5])
    state["before"] = before
    atexit.register(cleanup)
    # A copy that apt's sandbox user (_apt) may read.
    tmp = tempfile.mkdtemp(prefix="mp-deb-")
    os.chmod(tmp, 0o755)
    local = os.path.join(tmp, os.path.basename(DEB))
    shutil.copyfile(DEB, local)
    os.chmod(local, 0o644)
    p = run(APT + ["install", local])
    shutil.rmtree(tmp)
    check(p.returncode == 0, "apt-get install failed:\n%s\n%s" % (p.stdout[-2000:], p.stderr[-2000:]))
    check_eq(dpkg_status(), "ii", "dpkg status")
    state["files"] = run(["dpkg", "-L", "mailprobe"]).stdout.split("\n")
    check_eq(run(["/usr/bin/mailprobe", "--version"]).stdout.strip(), "mailprobe " + VERSION, "--version")


@test
def creates_a_system_user_and_the_state_directory():
    pw = pwd.getpwnam("mailprobe")
    check(100 <= pw.pw_uid < 1000, "a system uid, got %d" % pw.pw_uid)
    check_eq(pw.pw_dir, STATE_DIR, "home")
    check_eq(pw.pw_shell, "/usr/sbin/nologin", "shell")
    check_eq(grp.getgrgid(pw.pw_gid).gr_name, "mailprobe", "primary group")
    st = os.stat(STATE_DIR)
    check_eq((st.st_uid, st.st_gid), (pw.pw_uid, pw.pw_gid), "owner of " + STATE_DIR)
    check_eq(stat.S_IMODE(st.st_mode), 0o750, "mode of " + STATE_DIR)


@test
def keeps_the_configuration_as_conffiles_and_the_secrets_from_the_service_user():
    conffiles = run(["dpkg-query", "-W", "-f=${Conffiles}", "mailprobe"]).stdout.split()
    check_in("/etc/mailprobe/serve.conf", conffiles, "conffiles")
    check_in(ENV_FILE, conffiles, "conffiles")
    st = os.stat(ENV_FILE)
    check_eq((st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)), (0, 0, 0o600), "owner and mode of " + ENV_FILE)
    p = run(["setpriv", "--reuid", "mailprobe", "--regid", "mailprobe", "--init-groups", "cat", ENV_FILE])
    check(p.returncode != 0 and "Permission denied" in p.stderr, "the service user read the secrets: %r" % p)


@test
def enables_the_units_but_starts_nothing():
    for wants, unit in (("multi-user.target.wants", "mailprobe.service"),
                        ("timers.target.wants", "mailprobe-lists.timer")):
        link = f"/etc/systemd/system/{wants}/{unit}"
        check(os.path.islink(link), link + " is missing: the unit is not enabled")
        check_eq(os.readlink(link), f"{UNIT_DIR}/{unit}", link)
    check_eq(service_pids(), [], "processes of /usr/bin/mailprobe after installation")


@test
def units_pass_systemd_analyze():
    if not shutil.which("systemd-analyze"):
        raise Skip("systemd-analyze is not installed")
    units = [f"{UNIT_DIR}/{u}" for u in ("mailprobe.service", "mailprobe-lists.service", "mailprobe-lists.timer")]
    # --man=no, and `man -w` below instead: verify would format the pages
    # into man's cache (/var/cache/man), which the purge cannot clean.
    p = run(["systemd-analyze", "verify", "--man=no", *units])
    check(p.returncode == 0 and "mailprobe" not in p.stdout + p.stderr,
          "systemd-analyze verify:\n" + p.stdout + p.stderr)
    for path in units:
        for doc in Unit.load(path).get_all("Documentation", section="Unit"):
            for ref in doc.split():
                if ref.startswith("man:"):
                    page, section = ref[4:].rstrip(")").split("(")
                    check(run(["man", "-w", section, page]).returncode == 0, f"{path}: no man page {ref}")
                elif ref.startswith("file:"):
                    check(os.path.exists(ref[5:]), f"{path}: {ref} does not exist")
    for unit in units[:2]:
        p = run(["systemd-analyze", "security", "--offline=true", unit])
        last = (p.stdout.strip().split("\n") or [""])[-1]
        print("  " + last.lstrip("→ "), flush=True)
        # The bands of `systemd-analyze security`: SAFE < 2.0 ≤ OK < 5.0 ≤ MEDIUM ...
        check(p.returncode == 0 and (" OK" in last or " SAFE" in last), "exposure of %s: %s" % (unit, last))


@test
def service_answers_healthz_as_its_user_with_the_packaged_config():
    key = secrets.token_hex(16)
    append_env("MAILPROBE_API_KEYS=" + key)
    unit = Unit.load(f"{UNIT_DIR}/mailprobe.service")
    # The service's stderr (JSON log lines) stays for a look after a failure.
    log = open(os.path.join(os.environ.get("MP_LOG_DIR") or tempfile.gettempdir(), "deb-install-serve.log"), "w+")
    proc = state["serve"] = unit.spawn("ExecStart", stdout=log, stderr=subprocess.STDOUT)
    url = state["url"] = serve_url()

    def healthy():
        if proc.poll() is not None:
            log.seek(0)
            raise AssertionError("the service exited (%d):\n%s" % (proc.returncode, log.read()[-3000:]))
        code, body = http_json(url + "/healthz")
        return code == 200, body
    health = wait_for(healthy, 30, "GET /healthz")
    check_eq(health["status"], "ok", "healthz status")
    check_eq(health["version"], VERSION, "healthz version")

    uid, gid = pwd.getpwnam("mailprobe").pw_uid, grp.getgrnam("mailprobe").gr_gid
    with open(f"/proc/{proc.pid}/status", encoding="utf-8") as f:
        status = dict(line.split(":", 1) for line in f)
    check_eq(status["Uid"].split(), [str(uid)] * 4, "uids of the service")
    check_eq(status["Gid"].split(), [str(gid)] * 4, "gids of the service")
    check_eq(status["NoNewPrivs"].strip(), "1", "NoNewPrivs")
    check_eq(int(status["CapBnd"], 16), 0, "capability bounding set")
    check_eq(os.readlink(f"/proc/{proc.pid}/cwd"), STATE_DIR, "working directory")

    # The keys of the secrets file reached the service: /v1 needs one.
    code, body = http_json(url + "/v1/verify", {"email": "someone@example.com"})
    check_eq(code, 401, "POST /v1/verify without a key (%r)" % body)
    code, body = http_json(url + "/v1/verify", {"email": "someone@example.com"},
                           {"Authorization": "Bearer " + key})
    check_eq((code, body.get("email")), (200, "someone@example.com"), "POST /v1/verify with the key")
    with urllib.request.urlopen(url + "/", timeout=5) as r:
        page = r.read().decode()
    check_in("mailprobe " + VERSION, page, "the packaged page's footer")

    db = os.stat(os.path.join(STATE_DIR, "mailprobe.db"))
    check_eq((db.st_uid, stat.S_IMODE(db.st_mode) & 0o027), (uid, 0), "owner and UMask of the database")


class ListHandler(http.server.BaseHTTPRequestHandler):
    body = ("\n".join(LIST_DOMAINS) + "\n").encode()

    def do_GET(self):  # noqa: N802 (http.server's name)
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):
        pass


@test
def update_lists_writes_the_state_directory_only_and_the_server_reloads_it():
    check("serve" in state, "needs the running service of the previous step")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), ListHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        list_url = "http://127.0.0.1:%d/disposable.txt" % server.server_port
        append_env("MAILPROBE_UPDATE_LISTS_OPTS=--url " + list_url)
        lists = Unit.load(f"{UNIT_DIR}/mailprobe-lists.service")
        env = lists.environment()
        argv = lists.command("ExecStart", env)
        check_in(list_url, argv, "ExecStart with $MAILPROBE_UPDATE_LISTS_OPTS expanded")
        r = lists.run("ExecStart")
        check_eq(r.returncode, 0, "update-lists (%s)" % r.stderr)
        path = os.path.join(STATE_DIR, "disposable-domains.txt")
        st = os.stat(path)
        check_eq(st.st_uid, pwd.getpwnam("mailprobe").pw_uid, "owner of " + path)
        with open(path, encoding="utf-8") as f:
            written = [line for line in f.read().split("\n") if line and not line.startswith("#")]
        check(written == LIST_DOMAINS, "the list written: %d domains, %r..., expected %d"
              % (len(written), written[:3], len(LIST_DOMAINS)))

        # The same command aimed anywhere else fails and writes nothing.
        out_at = argv.index("--out") + 1
        for elsewhere in ("/etc/mailprobe/disposable-domains.txt", "/usr/share/mailprobe/disposable-list.txt",
                          "/var/lib/disposable-domains.txt"):
            bad = argv[:out_at] + [elsewhere] + argv[out_at + 1:]
            r = lists.run(argv=bad)
            check(r.returncode != 0 and not os.path.exists(elsewhere),
                  "update-lists --out %s: %d %s" % (elsewhere, r.returncode, r.stderr))
    finally:
        server.shutdown()

    # ExecReload (kill -HUP $MAINPID), then the server counts the new list.
    unit = Unit.load(f"{UNIT_DIR}/mailprobe.service")
    r = unit.run("ExecReload", mainpid=state["serve"].pid)
    check_eq(r.returncode, 0, "ExecReload (%s)" % r.stderr)

    def reloaded():
        code, body = http_json(state["url"] + "/healthz")
        return body["lists"]["extra_disposable_count"] == len(LIST_DOMAINS), body["lists"]
    wait_for(reloaded, 15, "the reloaded list in /healthz")

    proc = state.pop("serve")
    proc.send_signal(signal.SIGTERM)
    check_eq(proc.wait(timeout=30), 0, "exit status after SIGTERM (TimeoutStopSec=30)")


@test
def purge_leaves_nothing_behind():
    p = run(APT + ["purge", "mailprobe"])
    check(p.returncode == 0, "apt-get purge failed:\n%s\n%s" % (p.stdout[-2000:], p.stderr[-2000:]))
    check_in(dpkg_status(), (None, "un", "pn"), "dpkg status after purge")
    check(not account_exists("passwd", "mailprobe"), "the user mailprobe is still there")
    check(not account_exists("group", "mailprobe"), "the group mailprobe is still there")
    left = sorted(path for path in state.get("files", []) if path and os.path.lexists(path)
                  and "mailprobe" in path)
    check_eq(left, [], "files of the package after purge")
    check_eq(sorted(named_mailprobe() - state.get("before", set())), [], "paths named *mailprobe* after purge")


if __name__ == "__main__":
    if os.geteuid() != 0:
        print("test_deb_install.py needs root (apt-get install, a system user)")
        sys.exit(1)
    mptest.main()
