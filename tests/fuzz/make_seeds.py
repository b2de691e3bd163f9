#!/usr/bin/env python3
"""Writes a libFuzzer seed corpus: one file per address of every
tests/data/corpus*.tsv (escapes \\t \\r \\n \\0 \\\\ decoded), plus the extra
seeds below that the corpus cannot hold (invalid UTF-8, the option-only
forms). Usage: make_seeds.py DATA_DIR OUT_DIR"""
import glob
import hashlib
import os
import sys

EXTRA = [
    b'"john doe"@x.org', b'"a\\"b"@x.org', b'"a@b"@x.org', b'""@x.org',
    b"ann@[192.0.2.1]", b"ann@[IPv6:2001:db8::1]", b"ann@[IPv6:::ffff:1.2.3.4]",
    b"ann@foo.test", b"ann@example.com", b"a\xff@x.org", b"a\xc0\x80@x.org",
    b"a\xed\xa0\x80@x.org", b"ann@x.or\xe2\x82", b"ann@xn--bcher-kva.de",
]


def unescape(s):
    out, i = [], 0
    while i < len(s):
        if s[i] == "\\" and i + 1 < len(s):
            out.append({"t": "\t", "r": "\r", "n": "\n", "0": "\0"}.get(s[i + 1], s[i + 1]))
            i += 2
        else:
            out.append(s[i])
            i += 1
    return "".join(out)


def main():
    data_dir, out_dir = sys.argv[1], sys.argv[2]
    os.makedirs(out_dir, exist_ok=True)
    seeds = list(EXTRA)
    for path in sorted(glob.glob(os.path.join(data_dir, "corpus*.tsv"))):
        with open(path, encoding="utf-8") as f:
            header = True
            for line in f:
                line = line.rstrip("\n")
                if not line or line.startswith("#"):
                    continue
                if header:
                    header = False
                    continue
                seeds.append(unescape(line.split("\t", 1)[0]).encode("utf-8"))
    for seed in seeds:
        name = hashlib.sha1(seed).hexdigest()
        with open(os.path.join(out_dir, name), "wb") as f:
            f.write(seed)
    print("%d seeds in %s" % (len(seeds), out_dir))


if __name__ == "__main__":
    main()
