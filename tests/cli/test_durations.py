#!/usr/bin/env python3
# ctest-labels: cli
"""Every duration option, from the outside: one rule for all (a unit --
500ms, 8s, 2m, 1h, 7d -- or a bare number, which is seconds), a floor for
its purpose and a maximum, refused with exit 2 and a message that names the
option, the value and the limit; on the command line, in serve's config
file and in its environment alike; and --help shows the units.

No server is needed: refused values stop the command before it starts, and
accepted ones are shown with an address that never reaches DNS.

usage: test_durations.py PATH/TO/mailprobe
"""
import os
import subprocess
import sys
import tempfile
import unittest

MAILPROBE = None

# (command, option, a value below its floor, an accepted value in units)
OPTIONS = [
    ("verify", "--timeout", "999ms", "1500ms"),
    ("verify", "--connect-timeout", "500ms", "8s"),
    ("verify", "--command-timeout", "0.5", "2m"),
    ("verify", "--dns-timeout", "50ms", "250ms"),
    ("verify", "--dns-recheck", "9s", "1h"),
    ("verify", "--greylist-wait", "500ms", "6"),
    ("serve", "--cache-ttl", "500ms", "1d"),
    ("serve", "--domain-cache-ttl", "0.5", "7d"),
    ("serve", "--request-timeout", "0", "2m"),
    ("doctor", "--timeout", "100ms", "10s"),
    ("mx", "--timeout", "50ms", "3s"),
    ("update-lists", "--timeout", "500ms", "60s"),
]

# An address that needs no network: invalid syntax is answered locally.
OFFLINE = ["--dns", "127.0.0.1:9", "not an address"]


def run(args, env=None, timeout=60):
    full_env = dict(os.environ)
    full_env.update(env or {})
    p = subprocess.run([MAILPROBE] + args, capture_output=True, text=True, timeout=timeout, env=full_env,
                       stdin=subprocess.DEVNULL)
    return p.returncode, p.stdout, p.stderr


def extra_args(command):
    """What a command needs besides the option to get past argument parsing."""
    return {"verify": OFFLINE, "mx": ["--dns", "127.0.0.1:9", "x.invalid"], "doctor": [], "serve": [],
            "update-lists": []}[command]


class Durations(unittest.TestCase):
    def test_a_value_below_the_floor_is_refused_with_exit_2(self):
        for command, option, low, _ in OPTIONS:
            with self.subTest(command=command, option=option):
                code, out, err = run([command, option, low] + extra_args(command))
                self.assertEqual(code, 2, err)
                self.assertIn(option, err)
                self.assertIn("'%s'" % low, err)
                self.assertIn("too short: at least", err)

    def test_malformed_values_are_refused_with_the_units_named(self):
        for command, option, _, _ in OPTIONS:
            for bad in ("soon", "8 s", "-5", "8sec"):
                with self.subTest(command=command, option=option, value=bad):
                    code, _, err = run([command, option, bad] + extra_args(command))
                    self.assertEqual(code, 2, err)
                    self.assertIn("500ms, 8s, 2m or 1h", err)
                    self.assertIn("a bare number means seconds", err)

    def test_a_bare_number_is_seconds_and_says_so_when_too_long(self):
        # `--timeout 60000` meant milliseconds under the old rule: now it is
        # 60000 seconds, over the maximum, and the message says how to write ms.
        code, _, err = run(["verify", "--timeout", "60000"] + OFFLINE)
        self.assertEqual(code, 2)
        self.assertIn("60000 seconds is too long: at most 1h", err)
        self.assertIn("for milliseconds write 60000ms", err)

    def test_accepted_values_run(self):
        for command, option, _, good in OPTIONS:
            if command != "verify":
                continue
            with self.subTest(option=option):
                code, out, err = run(["verify", "--no-progress", option, good] + OFFLINE)
                self.assertEqual(code, 0, err)
                self.assertIn('"reason":"invalid_syntax"', out)

    def test_whole_second_options_refuse_fractions(self):
        for command, option in (("verify", "--greylist-wait"), ("serve", "--cache-ttl")):
            with self.subTest(option=option):
                code, _, err = run([command, option, "1500ms"] + extra_args(command))
                self.assertEqual(code, 2)
                self.assertIn("whole seconds", err)

    def test_serve_reads_durations_alike_from_its_config_file_and_environment(self):
        with tempfile.NamedTemporaryFile("w", suffix=".conf", delete=False) as f:
            f.write("listen = 127.0.0.1:1\ntimeout = 10ms\n")
            path = f.name
        try:
            code, _, err = run(["serve", "--config", path])
            self.assertEqual(code, 2)
            self.assertIn("%s:2: --timeout '10ms': 10ms is too short: at least 1s" % path, err)
        finally:
            os.unlink(path)
        code, _, err = run(["serve"], env={"MAILPROBE_COMMAND_TIMEOUT": "20ms"})
        self.assertEqual(code, 2)
        self.assertIn("MAILPROBE_COMMAND_TIMEOUT: --command-timeout '20ms': 20ms is too short", err)
        code, _, err = run(["serve"], env={"MAILPROBE_CACHE_TTL": "forever"})
        self.assertEqual(code, 2)
        self.assertIn("MAILPROBE_CACHE_TTL", err)

    def test_help_shows_the_units(self):
        for command in ("verify", "serve"):
            with self.subTest(command=command):
                code, out, _ = run([command, "--help"])
                self.assertEqual(code, 0)
                self.assertIn("--timeout DURATION", out)
                self.assertIn("(default 60s)", out)
                self.assertIn("--dns-canary ZONE", out)
                self.assertIn("a bare number means seconds", out)
        for command in ("doctor", "mx", "update-lists"):
            with self.subTest(command=command):
                code, out, _ = run([command, "--help"])
                self.assertEqual(code, 0)
                self.assertIn("--timeout DURATION", out)
                self.assertIn("a bare number means seconds", out)


if __name__ == "__main__":
    MAILPROBE = sys.argv.pop(1)
    unittest.main(verbosity=2)
