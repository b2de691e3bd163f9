#!/usr/bin/env python3
"""smtpsink.py [--port 2525] [--lifetime S] [--misbehave] — the benchmark's mail servers.

One asyncio server on 0.0.0.0:PORT (run it in a private network namespace:
there it answers every 127.x.y.z address, so each of the zone's mail hosts
is a host of its own to the prober). It speaks just enough SMTP, fast:
greeting, EHLO with PIPELINING, MAIL, RCPT, RSET, NOOP, QUIT; never DATA.
RCPT: local parts starting with "u" are accepted, any other (the x<N>
unknown users, the prober's random catch-all test) gets 550 5.1.1 — except
at domains d<N> with N % 10 == 3, which accept everyone (catch-all).
Pipelined commands are answered in order. Every connection ends after 60 s
idle; the server exits after --lifetime seconds (default 3600).
--misbehave: reached at an address ending in .250 it never greets (a
silent host), at .249 it sends every reply 1 s late (a slow one).
"""
import argparse
import asyncio

UNKNOWN = b"550 5.1.1 <%s>: Recipient address rejected: User unknown in virtual mailbox table\r\n"


def catch_all_domain(domain):
    name = domain.split(b".", 1)[0]
    return name[:1] == b"d" and name[1:].isdigit() and int(name[1:]) % 10 == 3


class Sink(asyncio.Protocol):
    misbehave = False

    def connection_made(self, transport):
        self.t = transport
        self.buf = b""
        local = transport.get_extra_info("sockname")[0] if self.misbehave else ""
        self.silent, self.slow = local.endswith(".250"), local.endswith(".249")
        self.send(b"220 sink.mpbench ESMTP\r\n")
        self.idle = asyncio.get_running_loop().call_later(60, self.t.close)

    def send(self, data, close=False):
        if self.silent:
            return
        if self.slow:
            asyncio.get_running_loop().call_later(1.0, self.send_now, data, close)
        else:
            self.send_now(data, close)

    def send_now(self, data, close):
        if not self.t.is_closing():
            self.t.write(data)
            if close:
                self.t.close()

    def data_received(self, data):
        self.idle.cancel()
        self.idle = asyncio.get_running_loop().call_later(60, self.t.close)
        self.buf += data
        if len(self.buf) > 65536:
            self.t.close()
            return
        out = []
        while b"\n" in self.buf:
            line, self.buf = self.buf.split(b"\n", 1)
            verb = line[:4].upper()
            if verb == b"RCPT":
                addr = line[line.find(b"<") + 1:line.rfind(b">")]
                local, _, domain = addr.partition(b"@")
                if local[:1] == b"u" or catch_all_domain(domain):
                    out.append(b"250 2.1.5 Ok\r\n")
                else:
                    out.append(UNKNOWN % addr)
            elif verb == b"MAIL":
                out.append(b"250 2.1.0 Ok\r\n")
            elif verb in (b"EHLO", b"HELO"):
                out.append(b"250-sink.mpbench\r\n250-PIPELINING\r\n250 ENHANCEDSTATUSCODES\r\n"
                           if verb == b"EHLO" else b"250 sink.mpbench\r\n")
            elif verb in (b"RSET", b"NOOP"):
                out.append(b"250 2.0.0 Ok\r\n")
            elif verb == b"QUIT":
                out.append(b"221 2.0.0 Bye\r\n")
                self.send(b"".join(out), close=True)
                self.buf = b""
                return
            else:
                out.append(b"502 5.5.2 Command not recognized\r\n")
        if out:
            self.send(b"".join(out))

    def connection_lost(self, exc):
        self.idle.cancel()


async def serve(port, lifetime):
    loop = asyncio.get_running_loop()
    server = await loop.create_server(Sink, "0.0.0.0", port, backlog=4096, reuse_address=True)
    print("smtpsink listening on 0.0.0.0:%d" % port, flush=True)
    await asyncio.sleep(lifetime)
    server.close()


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--port", type=int, default=2525)
    p.add_argument("--lifetime", type=float, default=3600)
    p.add_argument("--misbehave", action="store_true", help="silent hosts at .250, slow ones at .249")
    a = p.parse_args()
    Sink.misbehave = a.misbehave
    try:
        asyncio.run(serve(a.port, a.lifetime))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
