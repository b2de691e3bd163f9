#!/usr/bin/env python3
"""Writes a libFuzzer seed corpus: one file per address of every
tests/data/corpus*.tsv (escapes \\t \\r \\n \\0 \\\\ decoded), plus the extra
seeds below that the corpus cannot hold (invalid UTF-8, the option-only
forms). With --replies: one file per reply of tests/data/smtp-replies.tsv,
in its wire form (CRLF lines). Usage: make_seeds.py [--replies] DATA_DIR OUT_DIR"""
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


def data_lines(path):
    """The lines of a tests/data TSV after its header, without comments."""
    with open(path, encoding="utf-8") as f:
        lines = [line.rstrip("\n") for line in f]
    lines = [line for line in lines if line and not line.startswith("#")]
    return lines[1:]


def reply_seeds(data_dir):
    """The wire form of every reply in smtp-replies.tsv ({rcpt} filled in)."""
    seeds = []
    for line in data_lines(os.path.join(data_dir, "smtp-replies.tsv")):
        reply = line.split("\t")[6].replace("{rcpt}", "someone@example.com")
        seeds.append(("\r\n".join(reply.split("\\n")) + "\r\n").encode("utf-8"))
    return seeds


def main():
    args = sys.argv[1:]
    replies = args[:1] == ["--replies"]
    data_dir, out_dir = args[1:] if replies else args
    os.makedirs(out_dir, exist_ok=True)
    if replies:
        write(reply_seeds(data_dir), out_dir)
        return
    seeds = list(EXTRA)
    for path in sorted(glob.glob(os.path.join(data_dir, "corpus*.tsv"))):
        for line in data_lines(path):
            seeds.append(unescape(line.split("\t", 1)[0]).encode("utf-8"))
    write(seeds, out_dir)


def write(seeds, out_dir):
    for seed in seeds:
        name = hashlib.sha1(seed).hexdigest()
        with open(os.path.join(out_dir, name), "wb") as f:
            f.write(seed)
    print("%d seeds in %s" % (len(seeds), out_dir))


if __name__ == "__main__":
    main()
