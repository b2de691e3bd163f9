"""package_info: what the package tests look at — the version, read from
the top-level CMakeLists.txt's project(mailprobe VERSION ...) itself, and
the packages `make package` left in MP_PACKAGES_DIR (build/packages)."""
import glob
import os
import re

SOURCE_DIR = os.environ.get("MP_SOURCE_DIR") or os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


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
