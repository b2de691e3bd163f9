# ctest-labels: integration fixture
"""Real lists as people have them (issue 10, section 4), through `mailprobe
verify --input` and through POST /v1/jobs with text/csv: each kind of file
of listfiles.py (semicolons in UTF-8 with a BOM, UTF-16 LE with tabs,
UTF-16 BE, Windows-1252, pipes without a header) finds its address column,
verifies every row — a row without an address gets reason no_address, never
invalid_syntax on a name — and comes back in its own encoding, separator
and line ends with every other column octet for octet."""
import json
import os
import shutil
import subprocess
import tempfile

import listfiles
import mptest
from mpserve import Server, check_error
from mptest import check, check_eq, check_in, test

FAST = ["--connect-timeout", "3s", "--command-timeout", "3s", "--timeout", "12s", "--no-progress"]


def verify_bytes(*args, timeout=120):
    """Runs mailprobe verify on the fixture; (exit status, stdout bytes, stderr text)."""
    argv = [mptest.MAILPROBE, "verify"] + mptest.FIXTURE_FLAGS + FAST + list(args)
    p = subprocess.run(argv, capture_output=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr.decode(errors="replace")


class Dir:
    def __enter__(self):
        self.path = tempfile.mkdtemp(prefix="mplists-")
        return self.path

    def __exit__(self, *exc):
        shutil.rmtree(self.path, ignore_errors=True)


@test
def every_kind_of_file_through_the_cli_comes_back_in_its_own_shape():
    with Dir() as d:
        for kind in listfiles.KINDS:
            path = listfiles.make(kind, d)
            rc, out, err = verify_bytes("--format", "csv", "--input", path)
            check_eq(rc, 0, "%s: exit status (stderr %r)" % (kind, err[-300:]))
            listfiles.check_output(kind, out)


@test
def every_kind_of_file_through_the_cli_as_ndjson():
    with Dir() as d:
        for kind in listfiles.KINDS:
            rc, out, err = verify_bytes("--input", listfiles.make(kind, d))
            check_eq(rc, 0, "%s: exit status (%r)" % (kind, err[-300:]))
            records = mptest.parse_ndjson(out.decode())
            check_eq([r["email"] for r in records], ["alice@known.mptest", "zed@known.mptest", "",
                                                     "alice@known.mptest"], "%s: the addresses, cleaned" % kind)
            check_eq([(r["status"], r["reason"]) for r in records], listfiles.EXPECTED, "%s: verdicts" % kind)
            check_eq(records[2]["action"], "segment", "no address: set apart, not removed")


@test
def windows_1252_bytes_are_kept_not_converted():
    with Dir() as d:
        path = listfiles.make("windows1252-semicolon", d)
        rc, out, _ = verify_bytes("--format", "csv", "--input", path)
        check_eq(rc, 0, "exit status")
        check_in(b"Ann;M\xfcller;alice@known.mptest;deliverable;accepted;", out, "the 1252 octets, unchanged")
        check(b"\xc3\xbc" not in out, "no UTF-8 in a Windows-1252 answer")


@test
def the_column_and_the_encoding_can_be_given():
    # Windows-1251: "Comment;Mail". Both columns hold '@', so only the header
    # name (readable only in the right encoding) says which is the address.
    text = "\u041a\u043e\u043c\u043c\u0435\u043d\u0442\u0430\u0440\u0438\u0439;\u042d\u043b. \u043f\u043e\u0447\u0442\u0430\r\n" \
           "see a@b;alice@known.mptest\r\nask x@y;zed@known.mptest\r\n"
    with Dir() as d:
        path = os.path.join(d, "cyrillic.csv")
        with open(path, "wb") as f:
            f.write(subprocess.run(["iconv", "-f", "UTF-8", "-t", "WINDOWS-1251"], input=text.encode(),
                                   capture_output=True, check=True).stdout)
        rc, out, _ = verify_bytes("--encoding", "windows-1251", "--input", path)
        check_eq(rc, 0, "exit status")
        check_eq([r["email"] for r in mptest.parse_ndjson(out.decode())], ["alice@known.mptest", "zed@known.mptest"],
                 "the mail column, found by its Cyrillic name")
        rc, out, _ = verify_bytes("--column", "2", "--input", path)
        check_eq([r["email"] for r in mptest.parse_ndjson(out.decode())], ["alice@known.mptest", "zed@known.mptest"],
                 "--column 2")
        rc, out, err = verify_bytes("--column", "Phone", "--input", path)
        check_eq(rc, 2, "exit status for a missing column")
        check_in('no column "Phone"', err, "the message")
        check_in("--column NAME|N", err, "the hint")
        check_eq(out, b"", "nothing verified")
        rc, _, err = verify_bytes("--encoding", "ebcdic", "--input", path)
        check_eq(rc, 2, "an unknown encoding is a usage error")
        check_in("windows-1252", err, "the known ones are listed")


@test
def a_file_whose_columns_hold_no_address_is_refused_not_guessed():
    with Dir() as d:
        path = os.path.join(d, "names.csv")
        with open(path, "w") as f:
            f.write("First;Last\nAnn;Lee\nBob;Roe\n")
        rc, out, err = verify_bytes("--format", "csv", "--input", path)
        check_eq(rc, 2, "exit status")
        check_in("no column holds addresses", err, "the message")
        check_eq(out, b"", "no rows of invalid_syntax on people's names")


@test
def cells_we_write_are_defused_against_spreadsheet_formulas():
    rc, out, _ = verify_bytes("--format", "csv", "=cmd@known.mptest")
    check_eq(rc, 0, "exit status")
    lines = out.decode().splitlines()
    check(lines[1].startswith("'=cmd@known.mptest,undeliverable,mailbox_not_found,remove,"), "row: %r" % lines[1])
    check_in(",'=cmd@known.mptest,", lines[1], "normalized, defused too")


# --- the API ------------------------------------------------------------------------------

def job_csv(server, body, content_type="text/csv", query=""):
    created = server.json("POST", "/v1/jobs" + query, body, {"Content-Type": content_type}, expect=202)
    server.wait_job(created["id"])
    status, hdrs, data = server.request("GET", "/v1/jobs/%s/results?format=csv" % created["id"])
    check_eq(status, 200, "results status")
    return created, hdrs, data


@test
def every_kind_of_file_through_the_api_comes_back_in_its_own_shape():
    charsets = {"UTF-8": "utf-8", "UTF-16LE": "utf-16le", "UTF-16BE": "utf-16be", "WINDOWS-1252": "windows-1252"}
    with Dir() as d, Server() as s:
        for kind in listfiles.KINDS:
            with open(listfiles.make(kind, d), "rb") as f:
                body = f.read()
            created, hdrs, data = job_csv(s, body)
            check_eq(created["total"], len(listfiles.ROWS), "%s: total (the header is no address)" % kind)
            check_eq(hdrs["content-type"], "text/csv; charset=" + charsets[listfiles.KINDS[kind][0]],
                     "%s: the charset it came in" % kind)
            listfiles.check_output(kind, data)
            # NDJSON of the same job: the verdicts.
            status, _, nd = s.request("GET", "/v1/jobs/%s/results" % created["id"])
            check_eq([(r["status"], r["reason"]) for r in mptest.parse_ndjson(nd.decode())], listfiles.EXPECTED,
                     "%s: NDJSON verdicts" % kind)


@test
def the_api_takes_the_charset_and_the_column_it_is_given():
    text = "Kommentar;E-Post\r\nsee a@b;alice@known.mptest\r\n"
    body = subprocess.run(["iconv", "-f", "UTF-8", "-t", "WINDOWS-1252"], input=text.encode(),
                          capture_output=True, check=True).stdout
    with Server() as s:
        _, hdrs, data = job_csv(s, body, "text/csv; charset=windows-1252")
        check_in("charset=windows-1252", hdrs["content-type"], "answered in the charset given")
        check_in(b"see a@b;alice@known.mptest;deliverable;accepted;", data, "the E-Post column")
        _, _, data = job_csv(s, body, query="?column=1")
        check_in(b"see a@b;alice@known.mptest;undeliverable;invalid_syntax;", data, "?column=1: the comment")
        _, _, data = job_csv(s, body, query="?column=e-post")
        check_in(b";deliverable;accepted;", data, "?column=NAME, case aside")
        hdrs = check_error(s, "POST", "/v1/jobs?column=Phone", 400, "bad_request", body, {"Content-Type": "text/csv"})
        check_error(s, "POST", "/v1/jobs", 400, "bad_request", "First;Last\nAnn;Lee\n", {"Content-Type": "text/csv"})
        check_error(s, "POST", "/v1/jobs", 415, "unsupported_media_type", body,
                    {"Content-Type": "text/csv; charset=ebcdic"})


@test
def a_plain_job_answers_csv_with_an_email_column_in_utf8():
    with Server() as s:
        created = s.json("POST", "/v1/jobs", {"emails": ["alice@known.mptest", "", "-x@known.mptest"]}, expect=202)
        s.wait_job(created["id"])
        status, hdrs, data = s.request("GET", "/v1/jobs/%s/results?format=csv" % created["id"])
        check_eq(hdrs["content-type"], "text/csv; charset=utf-8", "content type")
        lines = data.decode().split("\r\n")
        check(lines[0].startswith("email,status,reason,action,score,syntax_reason,normalized,suggestion"),
              "the one column set: %r" % lines[0])
        check(lines[1].startswith("alice@known.mptest,deliverable,accepted,send,100,"), lines[1])
        check(lines[2].startswith(",unknown,no_address,segment,20,empty,"), lines[2])
        check(lines[3].startswith("'-x@known.mptest,"), "defused: %r" % lines[3])


if __name__ == "__main__":
    mptest.main()
