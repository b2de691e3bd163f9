#!/usr/bin/env python3
"""gen_changelog.py — the Debian changelog (changelog.gz) from CHANGELOG.md.

    gen_changelog.py CHANGELOG.md VERSION MAINTAINER OUT.gz

Every `## X.Y.Z — YYYY-MM-DD` section of CHANGELOG.md becomes one Debian
changelog entry (a native package: the version has no Debian revision);
its `- ` items become `  * ` items, wrapped at 78 columns. The newest
section must be VERSION, so a release cannot ship with a stale changelog.
Output is gzip -9n style (no name, mtime 0), as Debian policy wants
/usr/share/doc/PACKAGE/changelog.gz.
"""
import datetime
import gzip
import re
import sys
import textwrap

HEADING = re.compile(r"^## (\S+) — (\d{4}-\d{2}-\d{2})\s*$")


def sections(text):
    """[(version, date, [item text])] in file order."""
    out = []
    for line in text.split("\n"):
        m = HEADING.match(line)
        if m:
            out.append((m.group(1), m.group(2), []))
        elif out and line.startswith("- "):
            out[-1][2].append(line[2:].strip())
        elif out and out[-1][2] and line.startswith("  ") and line.strip():
            out[-1][2][-1] += " " + line.strip()
        elif line.startswith("## "):
            sys.exit(f"gen_changelog.py: heading not in the form '## X.Y.Z — YYYY-MM-DD': {line!r}")
    return out


def entry(version, date, items, maintainer):
    day = datetime.datetime.strptime(date, "%Y-%m-%d").replace(tzinfo=datetime.timezone.utc)
    lines = [f"mailprobe ({version}) unstable; urgency=medium", ""]
    for item in items or [f"Release {version}."]:
        # Markdown code spans read fine without their backticks.
        lines += textwrap.wrap(item.replace("`", ""), width=78, initial_indent="  * ",
                               subsequent_indent="    ", break_on_hyphens=False)
    lines += ["", f" -- {maintainer}  {day.strftime('%a, %d %b %Y %H:%M:%S +0000')}", ""]
    return "\n".join(lines)


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    source, version, maintainer, out = sys.argv[1:]
    with open(source, encoding="utf-8") as f:
        found = sections(f.read())
    if not found:
        sys.exit(f"gen_changelog.py: {source} has no '## X.Y.Z — YYYY-MM-DD' section")
    if found[0][0] != version:
        sys.exit(f"gen_changelog.py: {source} starts with {found[0][0]}, but the version is {version}:"
                 " add a section for it")
    text = "\n".join(entry(v, d, items, maintainer) for v, d, items in found)
    with open(out, "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as gz:
            gz.write(text.encode("utf-8"))


if __name__ == "__main__":
    main()
