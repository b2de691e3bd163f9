"""Connections that never finish a request, held open against a server on
loopback: `idle` ones that send nothing and `slow` ones that send a request
head and then one more octet a second (what --max-connections and
--request-deadline are for). Used by test_serve_load.py and
bench/serve/slow_clients.py.

    with SlowClients(port, idle=2500, slow=2500) as clients:
        ...  # clients.idle, clients.slow: the sockets; clients.started (monotonic),
             # clients.opened_s: how long opening them all took
"""
import socket
import threading
import time


class SlowClients:
    def __init__(self, port, idle, slow):
        self.port, self.idle_n, self.slow_n = port, idle, slow
        self.idle, self.slow = [], []
        self.started = self.opened_s = 0.0
        self._stop = threading.Event()
        self._thread = None

    def __enter__(self):
        head = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nX-Slow: " % self.port
        self.started = time.monotonic()
        try:
            for i in range(self.idle_n + self.slow_n):
                c = socket.create_connection(("127.0.0.1", self.port), timeout=30)
                if i < self.slow_n:
                    c.sendall(head)
                    self.slow.append(c)
                else:
                    self.idle.append(c)
        except BaseException:
            self.close()
            raise
        self.opened_s = time.monotonic() - self.started
        self._thread = threading.Thread(target=self._trickle, daemon=True)
        self._thread.start()
        return self

    def _trickle(self):
        while not self._stop.wait(1.0):
            for c in self.slow:
                try:
                    c.send(b"a")
                except OSError:
                    pass

    def close(self):
        self._stop.set()
        if self._thread:
            self._thread.join(5)
        for c in self.idle + self.slow:
            c.close()

    def __exit__(self, *exc):
        self.close()
