"""ptyrun: run a program with one of its output streams on a pseudo-terminal,
the way a person at a terminal would see it (the CLI and integration tests
use it for the readable output of `check` and the progress line of `verify`).
"""
import os
import pty
import select
import subprocess


def run_on_tty(argv, tty="stdout", env=None, timeout=60):
    """Runs argv with `tty` ("stdout" or "stderr") on a pseudo-terminal, the
    other output stream piped and stdin empty. Returns (exit code, the other
    stream's bytes, what the terminal showed as text with CRLF made LF)."""
    master, slave = pty.openpty()
    streams = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE}
    streams[tty] = slave
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, env=env, **streams)
    os.close(slave)
    shown = b""
    while True:
        ready, _, _ = select.select([master], [], [], timeout)
        if not ready:
            break
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        shown += chunk
    other = (p.stderr if tty == "stdout" else p.stdout).read()
    p.wait(timeout=timeout)
    os.close(master)
    return p.returncode, other, shown.decode("utf-8").replace("\r\n", "\n")
