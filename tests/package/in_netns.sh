#!/bin/sh
# in_netns.sh COMMAND [ARG...]: runs COMMAND in a private network namespace
# with only loopback up (root only), so the servers a test starts neither
# meet nor disturb anyone else's on this machine — and nothing reaches a
# registry or the Internet.
exec unshare -n sh -c 'ip link set lo up && exec "$@"' sh "$@"
