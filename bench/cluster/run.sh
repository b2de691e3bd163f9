#!/usr/bin/env bash
# bench/cluster/run.sh — many workers, one PostgreSQL (issue 13): addresses
# per minute with 1, 2 and 3 `mailprobe serve` workers, each in a network
# namespace of its own (its own egress IP), on a politeness-bound list —
# known and catch-all domains on three MX addresses, answered at once, so
# the per-egress limits (--per-host-connections, --per-host-rate) are what
# binds — with SMTP sessions per address and PostgreSQL round trips per
# address. Goals: 3 workers >= 2.5x one worker; sessions per address no
# worse than one worker's + 10 %; <= 0.05 round trips per address.
#
# Usage: bench/cluster/run.sh [BUILD]        (as root: it makes namespaces)
# Environment: N (addresses, default 6000), WORKERS ("1 2 3"), RATE (2),
# CONN (2). The lab (tests/lab) runs in a temporary directory and is
# stopped at the end.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "${1:-$ROOT/build}" && pwd)
MAILPROBE=${MAILPROBE:-$BUILD/native-prober/mailprobe}
N=${N:-6000}
WORKERS=${WORKERS:-1 2 3}
LAB=$(mktemp -d /tmp/mp-bench-cluster.XXXXXX)

cleanup() {
    bash "$ROOT/tests/lab/lab.sh" stop "$LAB" >/dev/null 2>&1 || true
    rm -rf "$LAB"
}
trap cleanup EXIT

[ "$(id -u)" -eq 0 ] || { echo "bench/cluster: needs root (network namespaces)" >&2; exit 1; }
[ -x "$MAILPROBE" ] || { echo "bench/cluster: $MAILPROBE not built" >&2; exit 1; }
MP_LAB_WORKERS=3 bash "$ROOT/tests/lab/lab.sh" start "$LAB" >/dev/null
echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cores"
# shellcheck disable=SC2086
python3 "$ROOT/bench/cluster/bench.py" "$LAB" "$MAILPROBE" "$N" $WORKERS
