"""Contact lists as people have them, made the way their programs make them:
one small list (a deliverable address, an unknown one, a row without an
address, a quoted name with the separator and a line break in it, cells that
look like spreadsheet formulas) written as each kind of file — a European
spreadsheet's semicolons in UTF-8 with a BOM, "Unicode text" (UTF-16 LE,
tabs), UTF-16 BE, Windows-1252, pipes without a header — encoded by the
`iconv` program, and the checks of what comes back. A module, so the CLI and
the API tests share it (docs/testing.md)."""
import csv
import io
import os
import subprocess

from mptest import check, check_eq

HEADER = ["First Name", "Last Name", "E-mail Address"]
ROWS = [
    ["Ann", "M\u00fcller", "alice@known.mptest"],
    ["Zed", "Smith; Jr", "zed@known.mptest"],
    ["Eve", "two\nlines", ""],
    ["=1+2", "@SUM(A1)", "Ann M\u00fcller <alice@known.mptest>"],
]
# status, reason of each row, in order
EXPECTED = [("deliverable", "accepted"), ("undeliverable", "mailbox_not_found"),
            ("unknown", "no_address"), ("deliverable", "accepted")]

# name: (iconv encoding, BOM, separator, header?, line end, Python codec to read it back)
KINDS = {
    "utf8-bom-semicolon": ("UTF-8", b"\xef\xbb\xbf", ";", True, "\r\n", "utf-8-sig"),
    "utf16le-tab": ("UTF-16LE", b"\xff\xfe", "\t", True, "\r\n", "utf-16"),
    "utf16be-comma": ("UTF-16BE", b"\xfe\xff", ",", True, "\n", "utf-16"),
    "windows1252-semicolon": ("WINDOWS-1252", b"", ";", True, "\r\n", "cp1252"),
    "utf8-pipe-no-header": ("UTF-8", b"", "|", False, "\n", "utf-8"),
}


def record_texts(kind):
    """Each record (the header first, when the kind has one) as text,
    quoted as a spreadsheet writes it, without its line end."""
    _, _, sep, header, eol, _ = KINDS[kind]
    out = []
    for r in ([HEADER] if header else []) + ROWS:
        buf = io.StringIO()
        # The line end as the writer's: it quotes fields holding any of its characters.
        csv.writer(buf, delimiter=sep, lineterminator=eol, quoting=csv.QUOTE_MINIMAL).writerow(r)
        out.append(buf.getvalue()[:-len(eol)])
    return out


def encode(kind, text):
    """`text` in the kind's encoding, by the iconv program."""
    return subprocess.run(["iconv", "-f", "UTF-8", "-t", KINDS[kind][0]], input=text.encode(),
                          capture_output=True, check=True).stdout


def make(kind, directory):
    """Writes the list as `kind` into directory; returns its path."""
    _, bom, _, _, eol, _ = KINDS[kind]
    path = os.path.join(directory, "contacts-%s.csv" % kind)
    with open(path, "wb") as f:
        f.write(bom + encode(kind, "".join(r + eol for r in record_texts(kind))))
    return path


def parse(kind, data):
    """Reads CSV output in the kind's own format: (header, rows)."""
    _, bom, sep, _, _, codec = KINDS[kind]
    check(data.startswith(bom), "%s: the output starts with the input's BOM %r: %r" % (kind, bom, data[:4]))
    text = data.decode(codec)
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=sep))
    return rows[0], rows[1:]


def check_output(kind, data):
    """The CSV that came back for `kind`: in its encoding, BOM, separator and
    line ends; every input record octet for octet (formula-looking cells
    untouched), then the result columns with the expected verdicts."""
    header, rows = parse(kind, data)
    _, _, sep, has_header, eol, _ = KINDS[kind]
    width = len(HEADER)
    check_eq(header[:width], HEADER if has_header else ["", "", "email"], "%s: the input's header first" % kind)
    check_eq(header[width:width + 4], ["status", "reason", "action", "score"], "%s: result columns" % kind)
    check_eq(len(rows), len(ROWS), "%s: one row per input row: %r" % (kind, rows))
    for got, want, (status, reason) in zip(rows, ROWS, EXPECTED):
        check_eq(got[:width], want, "%s: the row's own columns" % kind)
        check_eq(got[width:width + 2], [status, reason], "%s: verdict of %r" % (kind, want[2]))
    for rec in record_texts(kind):
        check(encode(kind, rec + sep) in data, "%s: record %r comes back octet for octet" % (kind, rec))
    check(data.endswith(encode(kind, eol)), "%s: the input's line ends" % kind)
