#!/usr/bin/env bash
# bench/soak/run.sh [BUILD] — `mailprobe serve` under a bounded mixed load for
# MP_SOAK_SECONDS (default 600) on loopback (issue 12, "A soak"): single
# verifies, jobs with event streams and result downloads, slow and idle
# clients, health checks — and a `kill -9` halfway, then a restart on the
# same database. Reports RSS, open descriptors, database size and p99
# latency over time, and checks, after the restart, that every address of
# every job has exactly one result, in input order (soak.py).
#
# Runs in a private network namespace (root; bench/lib/mailhosts.sh): unbound
# with 20,000 generated domains (NXDOMAIN, null MX, implicit MX, MX on 2,000
# mail hosts) and the SMTP sink with --misbehave (1 host in 250 never greets,
# 1 in 250 answers 1 s late). Bounded: the load stops after MP_SOAK_SECONDS,
# unfinished jobs are waited for at most 300 s more.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
BUILD=$(cd "${1:-build}" && pwd)
BIN=$BUILD/native-prober/mailprobe
[ -x "$BIN" ] || { echo "bench/soak: $BIN not built" >&2; exit 2; }
source "$HERE/../lib/mailhosts.sh"
mailhosts_netns "$BUILD"

SECONDS_LOAD=${MP_SOAK_SECONDS:-600}
WORK=$(mktemp -d /tmp/mp-bench-soak.XXXXXX)
cleanup() { mailhosts_stop; rm -rf "$WORK"; }
trap cleanup EXIT

echo "bench/soak: ${SECONDS_LOAD} s; $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
mailhosts_start "$WORK" 200000 20000 2000 --misbehave --lifetime $((SECONDS_LOAD + 1200))

status=0
python3 "$HERE/soak.py" "$BIN" "$WORK" "$SECONDS_LOAD" "${MAILHOSTS_FLAGS[@]}" >"$WORK/soak.json" || status=1
[ -z "${MP_BENCH_KEEP:-}" ] || cp "$WORK/soak.json" "$MP_BENCH_KEEP.soak.json"
python3 - "$WORK/soak.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
c = r["check"]
print("restart: %s; serve exit %s" % (r["restarts"], r["serve_exit"]))
print("requests: %s" % r["requests"])
print("errors (connections cut by the kill, slow clients timed out...): %s" % r["errors"])
print("p99 over the whole run: %s ms; slow clients closed by the server: %d (longest lived %.0f s)"
      % (r["p99_ms"], r["slow_clients_closed"], r["slow_client_lifetime_max_s"]))
print("jobs %d, addresses %d, results %d, missing %d, duplicates %d, out of order %d, not done %d; %s"
      % (c["jobs"], c["addresses"], c["results"], c["missing"], c["duplicates"], c["out_of_order"],
         c["not_done"], dict(c["by_status"])))
print("final: %s" % r["final"])
print("| t s | RSS MiB | fds | DB MiB | verifies / 30 s | verify p99 ms | healthz p99 ms |")
print("|---:|---:|---:|---:|---:|---:|---:|")
for s in r["samples"]:
    if s["t"] % 60 < 5:
        print("| %d | %s | %s | %s | %s | %s | %s |" % (s["t"], s["rss_mib"], s["fds"], s["db_mib"],
              s["verifies_30s"], s["verify_p99_ms"], s["healthz_p99_ms"]))
PY
exit $status
