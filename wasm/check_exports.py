#!/usr/bin/env python3
"""Fails when a function of the public core header is neither reached by the
WebAssembly binding nor excluded with a reason in wasm/exports.txt, or when an
export is not defined in binding.c (cf. tree-sitter's exports check).

usage: check_exports.py core.h exports.txt binding.c [stamp]"""
import re
import sys


def main():
    header, exports, binding = (open(p, encoding="utf-8").read() for p in sys.argv[1:4])
    header = re.sub(r"/\*.*?\*/", " ", header, flags=re.S)
    public = set(re.findall(r"\b(mp_[a-z0-9_]+)\s*\(", header))
    accounted, exported = set(), []
    for line in exports.splitlines():
        line = line.strip()
        m = re.match(r"#\s*(via [a-z0-9_]+|excluded):(.*)", line)
        if m:
            accounted.update(m.group(2).split())
        elif line and not line.startswith("#"):
            exported.append(line)
    errors = [f"core.h: {f} is neither exported nor excluded in wasm/exports.txt"
              for f in sorted(public - accounted)]
    errors += [f"wasm/exports.txt: {f} is not a function of core.h"
               for f in sorted(accounted - public)]
    for f in exported:
        if not f.endswith("_wasm"):
            errors.append(f"wasm/exports.txt: {f} must be a *_wasm wrapper")
        if not re.search(r"\b" + re.escape(f) + r"\s*\([^;{]*\)\s*\{", binding):
            errors.append(f"wasm/exports.txt: {f} is not defined in wasm/binding.c")
    for e in errors:
        print(e, file=sys.stderr)
    if errors:
        return 1
    if len(sys.argv) > 4:
        open(sys.argv[4], "w").write(",".join("_" + f for f in exported) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
