#!/usr/bin/env bash
# bench/prober/run.sh — the SMTP prober on the loopback fixture, in one run:
#   1. batching on vs one session per address, for N domains x M addresses:
#      wall time, SMTP sessions per address, RCPTs and round trips per address;
#   2. peak RSS with 5,000 probes in flight (5,000 sessions against
#      silent.mptest, which accepts connections and never greets).
# Goals: <= 0.15 sessions/address at >= 100 addresses per domain;
#        <= 64 KiB per in-flight session.
#
# Usage: bench/prober/run.sh            (M=150 by default; env M, MAILPROBE)
# Uses a running fixture when MP_FIXTURE_DNS answers, else starts one.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
MAILPROBE=${MAILPROBE:-$ROOT/build/native-prober/mailprobe}
M=${M:-150}
INFLIGHT=${INFLIGHT:-5000}
DOMAINS=(known.mptest catchall.mptest access.mptest implicit.mptest)
WORK=$(mktemp -d /tmp/mp-bench-prober.XXXXXX)
FIXTURE_DIR=""

cleanup() {
    [ -n "$FIXTURE_DIR" ] && bash "$ROOT/tests/fixture/fixture.sh" stop "$FIXTURE_DIR" >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap cleanup EXIT

if ! python3 "$ROOT/tests/fixture/dnsquery.py" 127.0.0.1:5354 known.mptest MX >/dev/null 2>&1; then
    FIXTURE_DIR="$WORK/fixture"
    bash "$ROOT/tests/fixture/fixture.sh" start "$FIXTURE_DIR" >/dev/null
fi
FIX=(--dns 127.0.0.1:5354 --smtp-port 2525 --allow-net 127.0.0.0/8 --no-progress --stats)
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

# N domains x M addresses: the first few local parts exist, the rest do not.
python3 - "$M" "${DOMAINS[@]}" > "$WORK/batch.txt" <<'PY'
import sys
m, domains = int(sys.argv[1]), sys.argv[2:]
users = ["alice", "bob", "carol", "info", "postmaster"]
for d in domains:
    for i in range(m):
        print("%s@%s" % (users[i] if i < len(users) else "user%04d" % i, d))
PY
for i in $(seq 1 "$INFLIGHT"); do echo "u$i@silent.mptest"; done > "$WORK/silent.txt"
head -1 "$WORK/silent.txt" > "$WORK/one.txt"

# run LABEL INPUT FLAGS... → one table row
run() {
    local label=$1 input=$2; shift 2
    /usr/bin/time -f "%e %M" -o "$WORK/time" "$MAILPROBE" verify "${FIX[@]}" "$@" --input "$input" \
        > "$WORK/out" 2> "$WORK/err" || true
    python3 - "$label" "$WORK/time" "$WORK/err" "$WORK/out" <<'PY'
import json, sys
label, tfile, efile, ofile = sys.argv[1:]
wall, rss = open(tfile).read().split()[-2:]
stats = json.loads([l for l in open(efile) if l.startswith("{")][-1])
n = stats["submitted"]
results = sum(1 for _ in open(ofile))
print("| %-28s | %6d | %7d | %7.2f | %8d | %9.3f | %8.2f | %11.2f | %9.1f |" % (
    label, n, results, float(wall), stats["sessions_opened"], stats["sessions_opened"] / max(n, 1),
    stats["rcpt_sent"] / max(n, 1), stats["round_trips"] / max(n, 1), int(rss) / 1024.0))
PY
}

echo "mailprobe verify on the loopback fixture: ${#DOMAINS[@]} domains x $M addresses; $INFLIGHT in flight"
echo
echo "| run                          | addrs  | results | wall s  | sessions | sess/addr | rcpt/addr | trips/addr | peak MiB  |"
echo "|------------------------------|--------|---------|---------|----------|-----------|-----------|------------|-----------|"
POLITE=(--per-host-connections 4 --per-host-rate 50)
run "batching (default caps)" "$WORK/batch.txt" "${POLITE[@]}"
run "no batching (1 rcpt/session)" "$WORK/batch.txt" "${POLITE[@]}" --max-rcpt-per-session 1
run "baseline: 1 probe" "$WORK/one.txt" --connect-timeout 2s
run "$INFLIGHT probes in flight" "$WORK/silent.txt" --concurrency "$INFLIGHT" --max-rcpt-per-session 1 \
    --per-host-connections "$INFLIGHT" --per-host-rate 100000 --connect-timeout 5s --timeout 20s
echo
echo "Per in-flight probe+session: (peak of the last row - baseline) / $INFLIGHT."
