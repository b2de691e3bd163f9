#!/usr/bin/env python3
"""gen.py DIR [ADDRESSES [DOMAINS [HOSTS]]] — the bounded-memory benchmark's data.

Writes, deterministically (fixed seed):
  DIR/mpbench.zone   the zone `mpbench.` for unbound's auth-zone: DOMAINS
                     names d000000..d199999.mpbench, of which
                       30 %  are not in the zone        -> NXDOMAIN
                       10 %  have a null MX (RFC 7505)  -> no SMTP
                        5 %  have no MX but an A record -> implicit MX
                       55 %  have MX 10 mxNNNNN.mpbench, one of HOSTS mail
                             hosts shared by several domains (a hosting
                             provider), each on its own 127.1.x.y address
  DIR/addresses.txt  ADDRESSES lines, every domain used ADDRESSES / DOMAINS
                     times, in shuffled order (a list sorted by nothing);
                     local parts u<N> (the sink accepts them) and x<N>
                     (unknown user, 550 5.1.1), 60 / 40.
  DIR/expect.json    how many addresses of each kind, for the summary.
"""
import json
import os
import random
import sys

NXDOMAIN, NULL_MX, IMPLICIT, MX = "nxdomain", "null_mx", "implicit", "mx"


def host_address(i):
    """127.1.x.y, x = i // 250, y = 1..250: 62,500 addresses at most."""
    return "127.%d.%d.%d" % (1 + i // 62500, (i // 250) % 250, 1 + i % 250)


def kind_of(d):
    r = (d * 2654435761) % 100  # spread the kinds over the numbering
    if r < 30:
        return NXDOMAIN
    if r < 40:
        return NULL_MX
    if r < 45:
        return IMPLICIT
    return MX


def main():
    out = sys.argv[1]
    n_addresses = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
    n_domains = int(sys.argv[3]) if len(sys.argv) > 3 else 200_000
    n_hosts = int(sys.argv[4]) if len(sys.argv) > 4 else 20_000
    os.makedirs(out, exist_ok=True)
    counts = {NXDOMAIN: 0, NULL_MX: 0, IMPLICIT: 0, MX: 0}
    with open(os.path.join(out, "mpbench.zone"), "w") as z:
        z.write("$ORIGIN mpbench.\n$TTL 86400\n")
        z.write("@ IN SOA ns hostmaster 1 3600 600 86400 86400\n@ IN NS ns\nns IN A 127.0.0.1\n")
        for h in range(n_hosts):
            z.write("mx%05d IN A %s\n" % (h, host_address(h)))
        for d in range(n_domains):
            kind = kind_of(d)
            name = "d%06d" % d
            if kind == NULL_MX:
                z.write("%s IN MX 0 .\n" % name)
            elif kind == IMPLICIT:
                z.write("%s IN A %s\n" % (name, host_address(d % n_hosts)))
            elif kind == MX:
                z.write("%s IN MX 10 mx%05d\n" % (name, d % n_hosts))
    rng = random.Random(12)
    per = n_addresses // n_domains
    order = [d for d in range(n_domains) for _ in range(per)]
    order += [rng.randrange(n_domains) for _ in range(n_addresses - len(order))]
    rng.shuffle(order)
    with open(os.path.join(out, "addresses.txt"), "w") as f:
        for i, d in enumerate(order):
            counts[kind_of(d)] += 1
            local = ("u%d" if rng.random() < 0.6 else "x%d") % i
            f.write("%s@d%06d.mpbench\n" % (local, d))
    with open(os.path.join(out, "expect.json"), "w") as f:
        json.dump({"addresses": n_addresses, "domains": n_domains, "hosts": n_hosts, "by_kind": counts}, f)


if __name__ == "__main__":
    main()
