"""package_info: what the package tests look at — the version, read from
the top-level CMakeLists.txt's project(mailprobe VERSION ...) itself, and
the packages `make package` left in MP_PACKAGES_DIR (build/packages).
Importing it also makes tests/integration/mptest.py (the runner) importable."""
import glob
import io
import os
import re
import subprocess
import sys
import tarfile

SOURCE_DIR = os.environ.get("MP_SOURCE_DIR") or os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(SOURCE_DIR, "tests", "integration"))


def project_version():
    with open(os.path.join(SOURCE_DIR, "CMakeLists.txt"), encoding="utf-8") as f:
        m = re.search(r"^project\(\s*mailprobe\s+VERSION\s+([0-9]+(?:\.[0-9]+)*)\b", f.read(), re.M)
    if not m:
        raise SystemExit("CMakeLists.txt has no project(mailprobe VERSION x.y.z)")
    return m.group(1)


def packages_dir():
    return os.environ.get("MP_PACKAGES_DIR") or os.path.join(SOURCE_DIR, "build", "packages")


def deb_path():
    """The one mailprobe_VERSION_ARCH.deb."""
    found = glob.glob(os.path.join(packages_dir(), "mailprobe_%s_*.deb" % project_version()))
    if len(found) != 1:
        raise SystemExit("expected one mailprobe_%s_*.deb in %s (make package), found %r"
                         % (project_version(), packages_dir(), found))
    return found[0]


def npm_tarball():
    path = os.path.join(packages_dir(), "mailprobe-mailcheck-%s.tgz" % project_version())
    if not os.path.exists(path):
        raise SystemExit("%s is missing (make package)" % path)
    return path


def deb_data():
    """The .deb's data archive (tar bytes)."""
    return subprocess.run(["dpkg-deb", "--fsys-tarfile", deb_path()], capture_output=True, check=True).stdout


def deb_control_file(name):
    """One file of the .deb's control archive (conffiles, postinst ...), as text."""
    tar = subprocess.run(["dpkg-deb", "--ctrl-tarfile", deb_path()], capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(tar)) as t:
        return t.extractfile("./" + name).read().decode()


def tar_file(tar, path):
    """The bytes of /path in a .deb's data archive."""
    with tarfile.open(fileobj=io.BytesIO(tar)) as t:
        return t.extractfile("." + path).read()
