"""One version: the top-level CMakeLists.txt's project(mailprobe VERSION ...)
is the only place it is written, and every place it reaches agrees —
`mailprobe --version`, /healthz, the served OpenAPI document and page
footer, the WebAssembly module, the .deb (control, changelog, man pages,
page, OpenAPI), the npm package's package.json, and CHANGELOG.md's newest
section. Starts `mailprobe serve` on a free loopback port (ctest runs this
file inside `unshare -n`)."""
import gzip
import json
import os
import pathlib
import re
import socket
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from package_info import SOURCE_DIR, deb_data, deb_path, npm_tarball, project_version, tar_file  # noqa: E402  (first: it puts mptest on the path)
import mptest  # noqa: E402
from mptest import check, check_eq, check_in, test  # noqa: E402

VERSION = project_version()
MAILPROBE = os.environ.get("MAILPROBE", "mailprobe")
WEB_DIR = os.environ["MP_WEB_DIR"]


def openapi_version(text):
    m = re.search(r"^info:\n(?:  .*\n)*?  version: '?([^'\n]+)'?$", text, re.M)
    return m.group(1) if m else None


def footer_version(html):
    m = re.search(r'<span data-testid="version">mailprobe ([^<]+)</span>', html)
    return m.group(1) if m else None


def deb_file(path):
    return tar_file(deb_data(), path)


@test
def the_version_is_written_once_in_cmakelists():
    check(re.fullmatch(r"[0-9]+\.[0-9]+\.[0-9]+", VERSION), "x.y.z, got %r" % VERSION)
    # The other sources carry placeholders the build fills in.
    with open(os.path.join(SOURCE_DIR, "docs", "openapi.yaml"), encoding="utf-8") as f:
        check_eq(openapi_version(f.read()), "@PROJECT_VERSION@", "docs/openapi.yaml info.version")
    with open(os.path.join(SOURCE_DIR, "web", "index.html"), encoding="utf-8") as f:
        check_eq(footer_version(f.read()), "@PROJECT_VERSION@", "web/index.html footer")
    with open(os.path.join(SOURCE_DIR, "core", "include", "mailprobe", "core.h"), encoding="utf-8") as f:
        check_in("#define MP_CORE_VERSION MP_VERSION", f.read(), "core.h")


@test
def changelog_starts_with_this_version():
    with open(os.path.join(SOURCE_DIR, "CHANGELOG.md"), encoding="utf-8") as f:
        heading = next(line for line in f if line.startswith("## "))
    check(re.match(r"## %s — \d{4}-\d{2}-\d{2}$" % re.escape(VERSION), heading.strip()),
          "CHANGELOG.md's newest section is %r, not %s" % (heading.strip(), VERSION))


@test
def binary_reports_it():
    out = subprocess.run([MAILPROBE, "--version"], capture_output=True, text=True, check=True).stdout
    check_eq(out.strip(), "mailprobe " + VERSION, "mailprobe --version")


@test
def server_reports_it_in_healthz_openapi_and_page():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.Popen([MAILPROBE, "serve", "--listen", "127.0.0.1:%d" % port, "--web", WEB_DIR,
                                 "--db", os.path.join(tmp, "v.db"), "--no-access-log"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            base = "http://127.0.0.1:%d" % port
            deadline = time.monotonic() + 20
            while True:
                try:
                    with urllib.request.urlopen(base + "/healthz", timeout=2) as r:
                        health = json.loads(r.read())
                    break
                except OSError:
                    check(proc.poll() is None and time.monotonic() < deadline,
                          "mailprobe serve did not answer: %s" % (proc.stderr.read() if proc.poll() is not None else ""))
                    time.sleep(0.1)
            check_eq(health["version"], VERSION, "/healthz version")
            with urllib.request.urlopen(base + "/openapi.yaml", timeout=5) as r:
                check_eq(openapi_version(r.read().decode()), VERSION, "/openapi.yaml info.version")
            with urllib.request.urlopen(base + "/", timeout=5) as r:
                check_eq(footer_version(r.read().decode()), VERSION, "the page's footer")
        finally:
            proc.terminate()
            proc.wait(timeout=10)


@test
def webassembly_module_reports_it():
    script = ("import { load } from %s; const mc = await load(); console.log(mc.version);"
              % json.dumps(pathlib.Path(WEB_DIR, "mailcheck.mjs").resolve().as_uri()))
    out = subprocess.run(["node", "--input-type=module", "-e", script], capture_output=True, text=True, check=True)
    check_eq(out.stdout.strip(), VERSION, "mailcheck.mjs version")


@test
def debian_package_carries_it():
    check_eq(os.path.basename(deb_path()).split("_")[1], VERSION, "file name")
    control = subprocess.run(["dpkg-deb", "-f", deb_path(), "Version"], capture_output=True, text=True, check=True)
    check_eq(control.stdout.strip(), VERSION, "control Version")
    changelog = gzip.decompress(deb_file("/usr/share/doc/mailprobe/changelog.gz")).decode()
    check(changelog.startswith("mailprobe (%s) " % VERSION), "changelog starts %r" % changelog[:40])
    man = gzip.decompress(deb_file("/usr/share/man/man1/mailprobe.1.gz")).decode()
    check_in('"mailprobe %s"' % VERSION, man.split("\n")[0], "mailprobe(1) .TH")
    check_eq(footer_version(deb_file("/usr/share/mailprobe/web/index.html").decode()), VERSION, "packaged page")
    check_eq(openapi_version(deb_file("/usr/share/mailprobe/web/openapi.yaml").decode()), VERSION,
             "packaged openapi.yaml")


@test
def npm_package_carries_it():
    with tarfile.open(npm_tarball()) as t:
        pkg = json.loads(t.extractfile("package/package.json").read())
    check_eq(pkg["version"], VERSION, "package.json version")
    check_eq(os.path.basename(npm_tarball()), "mailprobe-mailcheck-%s.tgz" % VERSION, "tarball name")


if __name__ == "__main__":
    mptest.main()
