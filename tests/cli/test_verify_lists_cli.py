#!/usr/bin/env python3
# ctest-labels: cli
"""`mailprobe verify` reading lists, without the network (only addresses
the core refuses, and rows without one, so no DNS or SMTP is needed): the
one CSV result column set (the binary, web/rows.js and docs/result-schema.md
agree), what a bad record does mid-stream, and usage errors.

usage: test_verify_lists_cli.py PATH/TO/mailprobe
"""
import os
import re
import subprocess
import sys
import tempfile
import unittest

MAILPROBE = None
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
# No resolver is ever asked: every address here is refused by the core first.
OFFLINE = ["--dns", "127.0.0.1:9", "--no-progress"]


def verify(args, stdin=b""):
    p = subprocess.run([MAILPROBE, "verify"] + OFFLINE + args, input=stdin, capture_output=True, timeout=60)
    return p.returncode, p.stdout, p.stderr.decode(errors="replace")


class VerifyLists(unittest.TestCase):
    def test_the_csv_result_columns_are_one_set_everywhere(self):
        code, out, _ = verify(["--format", "csv", "bad@@x"])
        self.assertEqual(code, 0)
        header = out.decode().splitlines()[0].split(",")
        self.assertEqual(header[0], "email")
        binary = header[1:]
        with open(os.path.join(ROOT, "web", "rows.js")) as f:
            m = re.search(r"RESULT_CSV_COLUMNS = \[([^\]]*)\]", f.read())
        page = re.findall(r"'([a-z_]+)'", m.group(1))
        with open(os.path.join(ROOT, "docs", "result-schema.md")) as f:
            doc = f.read()
        m = re.search(r"<!-- csv-columns -->\s*`([^`]+)`", doc)
        self.assertIsNotNone(m, "docs/result-schema.md lists the CSV columns after <!-- csv-columns -->")
        docs = [c.strip() for c in m.group(1).split(",")]
        self.assertEqual(binary, page, "mailprobe verify and web/rows.js")
        self.assertEqual(binary, docs, "mailprobe verify and docs/result-schema.md")

    def test_a_row_without_an_address_is_no_address_not_invalid_syntax(self):
        code, out, _ = verify(["--format", "csv", "--input", "-"], b"Name;Email\nAnn Lee;\nBob;bad@@x\n")
        self.assertEqual(code, 0)
        lines = out.decode().splitlines()
        self.assertEqual(lines[0].split(";")[:4], ["Name", "Email", "status", "reason"])
        self.assertTrue(lines[1].startswith("Ann Lee;;unknown;no_address;segment;20;empty;"), lines[1])
        self.assertTrue(lines[2].startswith("Bob;bad@@x;undeliverable;invalid_syntax;remove;0;multiple_at;"), lines[2])

    def test_a_bad_record_mid_stream_ends_with_exit_2_after_the_rows_before_it(self):
        rows = 300  # more than the 200 rows read ahead
        text = "id,email\n" + "".join("%d,u%d@@x\n" % (i, i) for i in range(rows)) + '%d,"' % rows
        text += "x" * (1 << 20) + "\n"
        with tempfile.NamedTemporaryFile(suffix=".csv") as f:
            f.write(text.encode())
            f.flush()
            code, out, err = verify(["--format", "csv", "--input", f.name])
        self.assertEqual(code, 2)
        self.assertIn("line %d" % (rows + 2), err)
        self.assertIn("an unclosed quote?", err)
        self.assertEqual(len(out.decode().splitlines()), rows + 1, "the header and every row before the bad one")

    def test_stdin_dash_is_one_address_a_line_as_written(self):
        code, out, _ = verify(["--format", "csv", "-"], b" bad@@x\n\nx;y,z\n")
        self.assertEqual(code, 0)
        lines = out.decode().splitlines()
        self.assertEqual(len(lines), 4)
        self.assertTrue(lines[1].startswith('" bad@@x",undeliverable,'), lines[1])
        self.assertTrue(lines[2].startswith(",unknown,no_address,"), lines[2])
        self.assertTrue(lines[3].startswith('"x;y,z",undeliverable,'), lines[3])

    def test_usage_errors(self):
        code, _, err = verify(["--column", "email", "--input-format", "lines", "-"])
        self.assertEqual(code, 2)
        self.assertIn("--column needs CSV input", err)
        code, _, err = verify(["--encoding", "klingon", "x@y"])
        self.assertEqual(code, 2)
        code, _, err = verify(["--input", "/nonexistent/list.csv"])
        self.assertEqual(code, 2)
        self.assertIn("No such file", err)


if __name__ == "__main__":
    MAILPROBE = sys.argv.pop(1)
    unittest.main(verbosity=2)
