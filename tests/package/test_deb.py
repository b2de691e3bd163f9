"""The .deb as a file: lintian, its control data, what it contains, and its
man pages — no installation (test_deb_install.py does that)."""
import atexit
import gzip
import io
import os
import re
import shutil
import stat
import subprocess
import sys
import tarfile
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from package_info import deb_control_file, deb_data, deb_path, project_version, tar_file  # noqa: E402  (first: it puts mptest on the path)
import mptest  # noqa: E402
from mptest import Skip, check, check_eq, check_in, test  # noqa: E402

VERSION = project_version()
DEB = deb_path()


def run(argv, **kw):
    return subprocess.run(argv, capture_output=True, text=True, **kw)


DATA = deb_data()
with tarfile.open(fileobj=io.BytesIO(DATA)) as _tar:
    MEMBERS = {m.name[1:]: m for m in _tar.getmembers()}  # "/usr/bin/mailprobe": TarInfo



# The packaged binary, for objdump/ldd/readelf.
WORK = tempfile.mkdtemp(prefix="mp-deb-")
atexit.register(shutil.rmtree, WORK, True)
BINARY = os.path.join(WORK, "mailprobe")
with open(BINARY, "wb") as f:
    f.write(tar_file(DATA, "/usr/bin/mailprobe"))


def commands():
    """The commands `mailprobe --help` lists."""
    out = run([os.environ.get("MAILPROBE", "mailprobe"), "--help"]).stdout
    listed = out.split("commands:\n", 1)[1].split("\n\n", 1)[0]
    return [line.split()[0] for line in listed.split("\n") if line.strip()]


@test
def lintian_finds_no_error_and_no_unjustified_warning():
    if not shutil.which("lintian"):
        raise Skip("lintian is not installed (tools/install-deps.sh test)")
    # Overrides live in the package, each under a comment that justifies it;
    # an override that no longer matches anything (unused-override) fails.
    # (--show-overrides would make --fail-on count the overridden tags.)
    p = run(["lintian", "--fail-on", "error,warning", "--tag-display-limit", "0", "--display-info",
             "--pedantic", DEB])
    print("\n".join("  " + line for line in p.stdout.strip().split("\n") if line), flush=True)
    check_eq(p.returncode, 0, "lintian exit status (%s)" % p.stderr.strip())
    check(not re.search(r"^[EW]: ", p.stdout, re.M), "lintian errors or warnings")
    check("unused-override" not in p.stdout, "an override matches nothing: drop it")
    # Each group of overrides (lines up to a blank line) starts with its reason.
    justified = False
    for line in tar_file(DATA, "/usr/share/lintian/overrides/mailprobe").decode().split("\n"):
        if line.startswith("#"):
            justified = True
        elif not line.strip():
            justified = False
        else:
            check(justified, "override without a comment that justifies it: " + line)


@test
def control_lists_the_libraries_the_binary_links():
    fields = run(["dpkg-deb", "-f", DEB, "Package", "Version", "Architecture", "Depends", "Section"]).stdout
    control = dict(line.split(": ", 1) for line in fields.strip().split("\n"))
    check_eq(control["Package"], "mailprobe", "Package")
    check_eq(control["Version"], VERSION, "Version")
    check_eq(control["Architecture"], run(["dpkg", "--print-architecture"]).stdout.strip(), "Architecture")
    depends = {d.strip().split(" ")[0] for d in control["Depends"].split(",")}
    check_in("adduser", depends, "Depends (postinst uses adduser)")
    # Every shared library the binary needs comes from a package it depends on.
    direct = re.findall(r"NEEDED\s+(\S+)", run(["objdump", "-p", BINARY]).stdout)
    where = dict(re.findall(r"^\s*(\S+) => (/\S+)", run(["ldd", BINARY]).stdout, re.M))
    check(len(direct) >= 6 and set(direct) <= set(where), "NEEDED %r, ldd %r" % (direct, where))
    for lib, path in ((lib, where[lib]) for lib in direct):
        # dpkg knows a library by the path its package ships (/usr/lib/... on a merged /usr).
        owners = {run(["dpkg", "-S", p]).stdout.split(":")[0]
                  for p in (path, os.path.realpath(path), "/usr" + path)} - {""}
        check(owners & depends, "Depends has no package for %s (%s; from %s)" % (lib, path, sorted(owners)))


@test
def contains_the_binary_page_units_configuration_and_docs():
    expected = ["/usr/bin/mailprobe", "/usr/share/mailprobe/disposable-domains.txt",
                "/lib/systemd/system/mailprobe.service", "/lib/systemd/system/mailprobe-lists.service",
                "/lib/systemd/system/mailprobe-lists.timer", "/etc/mailprobe/serve.conf",
                "/etc/mailprobe/mailprobe.env", "/usr/share/doc/mailprobe/copyright",
                "/usr/share/doc/mailprobe/changelog.gz", "/usr/share/doc/mailprobe/self-hosting.md",
                "/usr/share/lintian/overrides/mailprobe"]
    expected += ["/usr/share/mailprobe/web/" + f for f in
                 ("index.html", "app.js", "style.css", "widget.js", "mailcheck.mjs", "mailcheck.wasm", "openapi.yaml")]
    for path in expected:
        check_in(path, MEMBERS, "package contents")
    check_eq(stat.S_IMODE(MEMBERS["/etc/mailprobe/mailprobe.env"].mode), 0o600, "mode of mailprobe.env")
    check_eq(stat.S_IMODE(MEMBERS["/usr/bin/mailprobe"].mode), 0o755, "mode of the binary")
    stray = [p for p in MEMBERS if re.search(r"CMakeFiles|cmake_install|Makefile|CTestTestfile|\.d\.ts$", p)]
    check_eq(stray, [], "build files in the package")
    listed = deb_control_file("conffiles").split()
    check_eq(sorted(listed), ["/etc/mailprobe/mailprobe.env", "/etc/mailprobe/serve.conf"], "conffiles")


@test
def maintainer_scripts_enable_units_but_never_start_them():
    scripts = {name: deb_control_file(name) for name in ("postinst", "prerm", "postrm")}
    check_in("deb-systemd-helper enable", scripts["postinst"], "postinst enables the units")
    # Starting is the administrator's decision; an upgrade may only restart a
    # running server, removal stops it.
    for name, text in scripts.items():
        for action in re.findall(r"deb-systemd-invoke\s+(\S+)", text):
            check_in(action, ("try-restart", "stop"), "deb-systemd-invoke in " + name)
        check(not re.search(r"^\s*(systemctl\s+(start|restart|enable)|service\s)", text, re.M),
              name + " starts or enables a unit by hand")


@test
def binary_is_stripped_and_hardened():
    sections, dynamic, headers, symbols, elf_header = (
        run(["readelf", flag, "-W", BINARY]).stdout for flag in ("-S", "-d", "-l", "--dyn-syms", "-h"))
    check(".debug_info" not in sections and ".symtab" not in sections, "not stripped")
    check("GNU_RELRO" in headers and "BIND_NOW" in dynamic, "full RELRO (-z relro -z now)")
    check(re.search(r"^\s*Type:\s+DYN\b", elf_header, re.M), "a position-independent executable")
    check(re.search(r"__\w+_chk@", symbols), "fortified libc calls (_FORTIFY_SOURCE)")
    check("__stack_chk_fail" in symbols, "stack protector")


@test
def every_command_has_a_readable_man_page():
    pages = ["mailprobe"] + ["mailprobe-" + c for c in commands()]
    for page in pages:
        path = "/usr/share/man/man1/%s.1.gz" % page
        check_in(path, MEMBERS, "man pages")
        roff = gzip.decompress(tar_file(DATA, path)).decode()
        for section in (".SH NAME", ".SH SYNOPSIS", ".SH SEE ALSO"):
            check_in(section, roff, page)
        if page != "mailprobe":
            check_in(".SH OPTIONS", roff, page)
        # groff's own warnings, as lintian's manpage check runs it.
        p = run(["groff", "-man", "-Tutf8", "-ww", "-z"], input=roff,
                env={**os.environ, "LC_ALL": "C.UTF-8"})
        check_eq((p.returncode, p.stderr.strip()), (0, ""), "groff on " + page)


if __name__ == "__main__":
    mptest.main()
