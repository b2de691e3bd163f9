#!/usr/bin/env python3
# ctest-labels: cli
"""`mailprobe check`, from the outside: the NDJSON contract of
docs/result-schema.md, one answer per input line in input order, the exit
codes, the options and the readable terminal form.

usage: test_check_cli.py PATH/TO/mailprobe
"""
import json
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import ptyrun  # noqa: E402  (tests/lib/ptyrun.py)

MAILPROBE = None

TOP_KEYS = ["email", "normalized", "status", "reason", "action", "score", "syntax",
            "disposable", "role", "free", "unknown_tld", "suggestion", "mx", "smtp"]
SYNTAX_KEYS = ["valid", "reason", "message", "position", "local", "domain",
               "ascii_domain", "unicode_domain", "smtputf8"]
SMTP_KEYS = ["result", "code", "enhanced_code", "message", "host", "catch_all"]
STATUSES = {"deliverable", "undeliverable", "risky", "unknown"}
ACTIONS = {"send", "remove", "retry", "segment"}


def run(args, stdin=b"", env=None):
    """Runs mailprobe check with args; returns (exit code, stdout lines, stderr)."""
    p = subprocess.run([MAILPROBE, "check"] + args, input=stdin, capture_output=True,
                       timeout=60, env=env)
    return p.returncode, p.stdout, p.stderr


def answers(args, stdin=b""):
    code, out, _ = run(args, stdin)
    text = out.decode("utf-8")  # must be valid UTF-8, whatever came in
    assert text.endswith("\n") or text == "", "output must end with a newline"
    return code, [json.loads(line) for line in text.splitlines()]


def check(address, *options):
    _, objs = answers(["--json"] + list(options) + [address])
    assert len(objs) == 1
    return objs[0]


class NdjsonShape(unittest.TestCase):
    def test_valid_address_has_exactly_the_schema_keys_in_order(self):
        o = check("Ann.Lee@Acme-Corp.NET")
        self.assertEqual(list(o), TOP_KEYS)
        self.assertEqual(list(o["syntax"]), SYNTAX_KEYS)
        self.assertEqual(list(o["smtp"]), SMTP_KEYS)
        self.assertEqual(o["email"], "Ann.Lee@Acme-Corp.NET")
        self.assertEqual(o["normalized"], "Ann.Lee@acme-corp.net")
        self.assertEqual((o["status"], o["reason"], o["action"], o["score"]),
                         ("unknown", "not_checked", "segment", 50))
        s = o["syntax"]
        self.assertEqual(s, {"valid": True, "reason": None, "message": None, "position": None,
                             "local": "Ann.Lee", "domain": "Acme-Corp.NET",
                             "ascii_domain": "acme-corp.net", "unicode_domain": "acme-corp.net",
                             "smtputf8": False})
        self.assertIs(o["mx"], None)
        self.assertEqual(o["smtp"], {"result": "not_checked", "code": None, "enhanced_code": None,
                                     "message": None, "host": None, "catch_all": None})
        for k in ("disposable", "role", "free", "unknown_tld"):
            self.assertIsInstance(o[k], bool)

    def test_invalid_address_has_reason_message_and_null_normalized(self):
        o = check("ann.example.org")
        self.assertEqual(list(o), TOP_KEYS)
        self.assertIs(o["normalized"], None)
        self.assertEqual((o["status"], o["reason"], o["action"], o["score"]),
                         ("undeliverable", "invalid_syntax", "remove", 0))
        self.assertEqual(o["syntax"]["valid"], False)
        self.assertEqual(o["syntax"]["reason"], "no_at")
        self.assertIsInstance(o["syntax"]["message"], str)
        self.assertTrue(o["syntax"]["message"])
        self.assertIs(o["suggestion"], None)

    def test_position_points_at_the_offending_octet(self):
        o = check("an n@acme-corp.net")
        self.assertEqual(o["syntax"]["reason"], "whitespace")
        self.assertEqual(o["syntax"]["position"], 2)

    def test_vocabulary_is_closed(self):
        _, objs = answers(["--json", "-"], b"a@acme-corp.net\n\nx\n@\nb@example.com\n")
        for o in objs:
            self.assertIn(o["status"], STATUSES)
            self.assertIn(o["action"], ACTIONS)
            self.assertIsInstance(o["score"], int)
            self.assertTrue(0 <= o["score"] <= 100)

    def test_issue_example_gmial_gets_a_full_verdict_and_suggestion(self):
        code, out, _ = run(["--json", "-"], b"someone@gmial.com\n")
        self.assertEqual(code, 0)
        lines = out.decode().splitlines()
        self.assertEqual(len(lines), 1)
        o = json.loads(lines[0])
        self.assertEqual(list(o), TOP_KEYS)
        # The verdict itself depends on the lists (a typo-squatting domain
        # may be listed as disposable): any full, consistent verdict will do.
        self.assertIn((o["status"], o["reason"], o["action"]),
                      {("unknown", "not_checked", "segment"), ("risky", "disposable", "segment")})
        self.assertEqual(o["normalized"], "someone@gmial.com")
        self.assertEqual(o["suggestion"], "someone@gmail.com")


class EveryLineAnswered(unittest.TestCase):
    def test_input_order_is_kept(self):
        addrs = ["user%d@host%d.example-mail.net" % (i, i % 7) if i % 3 else "bad%d" % i
                 for i in range(3000)]
        _, objs = answers(["--json", "-"], ("\n".join(addrs) + "\n").encode())
        self.assertEqual([o["email"] for o in objs], addrs)

    def test_arguments_and_stdin_answer_in_command_line_order(self):
        _, objs = answers(["--json", "first@acme-corp.net", "-", "last@acme-corp.net"],
                          b"mid1@acme-corp.net\nmid2@acme-corp.net\n")
        self.assertEqual([o["email"] for o in objs],
                         ["first@acme-corp.net", "mid1@acme-corp.net", "mid2@acme-corp.net",
                          "last@acme-corp.net"])

    def test_empty_lines_get_an_empty_answer(self):
        _, objs = answers(["--json", "-"], b"\n\na@acme-corp.net\n\n")
        self.assertEqual(len(objs), 4)
        for i in (0, 1, 3):
            self.assertEqual(objs[i]["email"], "")
            self.assertEqual(objs[i]["syntax"]["reason"], "empty")
        self.assertEqual(objs[2]["syntax"]["valid"], True)

    def test_crlf_is_stripped_once_and_only_at_the_end(self):
        _, objs = answers(["--json", "-"], b"a@acme-corp.net\r\nb@acme-corp.net\r\r\nc@acme\rcorp.net\n")
        self.assertEqual(len(objs), 3)
        self.assertEqual(objs[0]["email"], "a@acme-corp.net")
        self.assertTrue(objs[0]["syntax"]["valid"])
        self.assertEqual(objs[1]["email"], "b@acme-corp.net\r")
        self.assertEqual(objs[1]["syntax"]["reason"], "control_char")
        self.assertEqual(objs[2]["syntax"]["reason"], "control_char")

    def test_last_line_without_newline_is_answered(self):
        _, objs = answers(["--json", "-"], b"a@acme-corp.net\nb@acme-corp.net")
        self.assertEqual([o["email"] for o in objs], ["a@acme-corp.net", "b@acme-corp.net"])

    def test_nul_inside_a_line_is_one_invalid_answer(self):
        _, objs = answers(["--json", "-"], b"ann\x00@acme-corp.net\nbob@acme-corp.net\n")
        self.assertEqual(len(objs), 2)
        self.assertEqual(objs[0]["email"], "ann\ufffd@acme-corp.net")
        self.assertFalse(objs[0]["syntax"]["valid"])
        self.assertEqual(objs[0]["syntax"]["reason"], "control_char")
        self.assertEqual(objs[1]["email"], "bob@acme-corp.net")

    def test_invalid_utf8_is_echoed_as_replacement_characters(self):
        _, objs = answers(["--json", "-"], b"j\xff\xc3@acme-corp.net\n\xed\xa0\x80@x.org\n")
        self.assertEqual(len(objs), 2)
        self.assertEqual(objs[0]["email"], "j\ufffd\ufffd@acme-corp.net")
        self.assertEqual(objs[0]["syntax"]["reason"], "invalid_utf8")
        self.assertEqual(objs[1]["email"], "\ufffd\ufffd\ufffd@x.org")

    def test_2kib_line_is_too_long_and_echoed_whole(self):
        long_line = "a" * 2048 + "@acme-corp.net"
        _, objs = answers(["--json", "-"], (long_line + "\nok@acme-corp.net\n").encode())
        self.assertEqual(len(objs), 2)
        self.assertEqual(objs[0]["email"], long_line)
        self.assertEqual(objs[0]["syntax"]["reason"], "too_long")
        self.assertEqual(objs[1]["email"], "ok@acme-corp.net")

    def test_line_beyond_the_reader_limit_is_one_too_long_answer(self):
        # 3 MiB without a newline, then a valid address: never split into
        # several answers, never cut into a shorter valid address.
        huge = b"x" * (3 << 20) + b"@acme-corp.net"
        code, objs = answers(["--json", "-"], huge + b"\nok@acme-corp.net\n")
        self.assertEqual(code, 1)
        self.assertEqual(len(objs), 2)
        self.assertEqual(objs[0]["syntax"]["reason"], "too_long")
        self.assertIs(objs[0]["normalized"], None)
        self.assertEqual(objs[1]["email"], "ok@acme-corp.net")
        self.assertTrue(objs[1]["syntax"]["valid"])

    def test_random_bytes_always_give_one_valid_json_line_each(self):
        import random
        rng = random.Random(1234)
        alphabet = bytes(b for b in range(256) if b != 0x0A)
        lines = [bytes(rng.choice(alphabet) for _ in range(rng.randrange(0, 80))) for _ in range(2000)]
        lines += [b"%s@%s" % (l[:20], l[20:]) for l in lines[:500]]
        code, objs = answers(["--json", "-"], b"\n".join(lines) + b"\n")
        self.assertIn(code, (0, 1))
        self.assertEqual(len(objs), len(lines))
        for line, o in zip(lines, objs):
            if line.endswith(b"\r"):
                line = line[:-1]
            try:
                text = line.decode("utf-8")
            except UnicodeDecodeError:
                continue
            if "\0" not in text:
                self.assertEqual(o["email"], text)

    def test_large_input_streams(self):
        n = 50000
        data = b"".join(b"user%d@acme-corp.net\n" % i for i in range(n))
        code, out, _ = run(["--json", "-"], data)
        self.assertEqual(code, 0)
        lines = out.split(b"\n")
        self.assertEqual(len(lines), n + 1)
        self.assertEqual(json.loads(lines[n - 1])["email"], "user%d@acme-corp.net" % (n - 1))


class ExitCodes(unittest.TestCase):
    def test_all_valid_exits_0(self):
        self.assertEqual(run(["--json", "a@acme-corp.net", "b@acme-corp.net"])[0], 0)

    def test_any_invalid_exits_1(self):
        self.assertEqual(run(["--json", "a@acme-corp.net", "nope"])[0], 1)
        self.assertEqual(run(["--json", "-"], b"a@acme-corp.net\n\n")[0], 1)

    def test_unknown_option_exits_2(self):
        code, out, err = run(["--frobnicate", "a@acme-corp.net"])
        self.assertEqual(code, 2)
        self.assertEqual(out, b"")
        self.assertIn(b"usage", err)

    def test_no_address_exits_2(self):
        code, out, err = run([])
        self.assertEqual(code, 2)
        self.assertEqual(out, b"")
        self.assertIn(b"no address", err)


class Options(unittest.TestCase):
    def test_help_documents_every_option(self):
        code, out, _ = run(["--help"])
        self.assertEqual(code, 0)
        text = out.decode()
        for opt in ("--json", "--allow-quoted", "--allow-literal", "--allow-special-use",
                    "--risky-role", "--risky-free", "--help", "exit status"):
            self.assertIn(opt, text)

    def test_allow_quoted(self):
        addr = '"john doe"@acme-corp.net'
        self.assertEqual(check(addr)["syntax"]["reason"], "quoted_local")
        o = check(addr, "--allow-quoted")
        self.assertTrue(o["syntax"]["valid"])
        self.assertEqual(o["syntax"]["local"], '"john doe"')

    def test_allow_literal(self):
        addr = "ann@[203.0.113.7]"
        self.assertEqual(check(addr)["syntax"]["reason"], "domain_literal")
        self.assertTrue(check(addr, "--allow-literal")["syntax"]["valid"])

    def test_allow_special_use(self):
        addr = "ann@foo.test"
        o = check(addr)
        self.assertEqual((o["status"], o["reason"]), ("undeliverable", "special_use_domain"))
        self.assertEqual(o["syntax"]["reason"], "special_use_domain")
        o = check(addr, "--allow-special-use")
        self.assertTrue(o["syntax"]["valid"])
        self.assertEqual(o["reason"], "not_checked")

    def test_risky_role(self):
        o = check("info@acme-corp.net")
        self.assertTrue(o["role"])
        self.assertEqual(o["status"], "unknown")
        o = check("info@acme-corp.net", "--risky-role")
        self.assertEqual((o["status"], o["reason"], o["action"]), ("risky", "role_account", "segment"))

    def test_risky_free(self):
        o = check("ann@gmail.com")
        self.assertTrue(o["free"])
        self.assertEqual(o["status"], "unknown")
        o = check("ann@gmail.com", "--risky-free")
        self.assertEqual((o["status"], o["reason"], o["action"]), ("risky", "free_provider", "segment"))

    def test_disposable_is_risky_by_default(self):
        o = check("ann@mailinator.com")
        self.assertTrue(o["disposable"])
        self.assertEqual((o["status"], o["reason"], o["action"]), ("risky", "disposable", "segment"))


def run_on_tty(args, env_extra=None):
    """Runs mailprobe check with stdout on a pseudo-terminal; returns its output."""
    env = dict(os.environ)
    env.pop("NO_COLOR", None)
    env.update(env_extra or {})
    code, _, shown = ptyrun.run_on_tty([MAILPROBE, "check"] + args, "stdout", env, timeout=30)
    return code, shown


class Terminal(unittest.TestCase):
    def test_tty_gets_one_readable_coloured_line_per_address(self):
        code, out = run_on_tty(["ann@acme-corp.net", "nope"])
        self.assertEqual(code, 1)
        lines = out.splitlines()
        self.assertEqual(len(lines), 2)
        self.assertIn("\033[32m", lines[0])
        self.assertIn("ann@acme-corp.net  unknown (not_checked)", lines[0])
        self.assertIn("\033[31m", lines[1])
        self.assertIn("nope  undeliverable (invalid_syntax: no_at)", lines[1])

    def test_no_color_and_suggestion(self):
        _, out = run_on_tty(["someone@gmai.com"], {"NO_COLOR": "1"})
        self.assertNotIn("\033", out)
        self.assertEqual(out.strip(),
                         "\u2717 someone@gmai.com  unknown (not_checked) \u2014 did you mean someone@gmail.com?")

    def test_flags_the_reason_does_not_say_are_shown(self):
        _, out = run_on_tty(["info@acme-corp.net", "ann@gmail.com"], {"NO_COLOR": "1"})
        lines = out.splitlines()
        self.assertEqual(lines[0], "\u2713 info@acme-corp.net  unknown (not_checked) [role]")
        self.assertEqual(lines[1], "\u2713 ann@gmail.com  unknown (not_checked) [free]")
        _, out = run_on_tty(["--risky-role", "info@acme-corp.net"], {"NO_COLOR": "1"})
        self.assertEqual(out.strip(), "! info@acme-corp.net  risky (role_account)")

    def test_json_flag_wins_on_a_tty(self):
        _, out = run_on_tty(["--json", "ann@acme-corp.net"])
        self.assertEqual(json.loads(out)["email"], "ann@acme-corp.net")

    def test_control_characters_never_reach_the_terminal(self):
        _, out = run_on_tty(["a\033[2Jb@acme-corp.net"], {"NO_COLOR": "1"})
        self.assertNotIn("\033", out)
        self.assertIn("a\ufffd[2Jb@acme-corp.net", out)


if __name__ == "__main__":
    MAILPROBE = sys.argv.pop(1)
    unittest.main(verbosity=1)
