#!/usr/bin/env bash
# bench/store/run.sh [BUILD] — the job store under one big job (issue 12,
# points 8 and 11), loopback only.
#
# One job of MP_BENCH_ADDRESSES (1,000,000) addresses at a special-use
# domain (answered by the local checks: no DNS, no SMTP, so the run measures
# the job runner and the store, not the network), with MP_BENCH_STREAMS
# (200) event streams open on it and GET /healthz every 20 ms
# (bench/store/load.py). Reported: the job's creation time, its run time
# and addresses per second, /healthz p50/p99/max while it runs, progress
# events received, the server's peak RSS and the database size. Two runs:
# as shipped (synchronous = FULL: an fsync per commit), then with fsync
# made a no-op (LD_PRELOAD of bench/store/nosync.c), which is what the
# durability costs. With MP_BENCH_STORE=postgresql (root) the same job runs
# once against a private PostgreSQL server instead (tests/fixture/
# postgres.sh: initdb in a temporary directory, fsync off). Not a test: it
# never fails a build.
# bench/run-all.sh starts every run.sh with `sh`: come back in bash.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-build}
bin="$build/native-prober/mailprobe"
n=${MP_BENCH_ADDRESSES:-1000000}
streams=${MP_BENCH_STREAMS:-200}
[ -x "$bin" ] || { echo "bench/store: $bin not built" >&2; exit 2; }
ulimit -n 4096 2>/dev/null || true

tmp=$(mktemp -d)
chmod 755 "$tmp" # a PostgreSQL server runs as postgres
pid=
store=${MP_BENCH_STORE:-sqlite}
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    [ "$store" = postgresql ] && bash "$here/../../tests/fixture/postgres.sh" stop "$tmp/pg"
    rm -rf "$tmp"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
python3 -c "
import sys
sys.stdout.write(''.join('user%d@example.com\n' % i for i in range($n)))" >"$tmp/list.txt"
cc -shared -fPIC -O2 -o "$tmp/nosync.so" "$here/nosync.c"

run() { # run NAME [PRELOAD]
    local name=$1 preload=${2:-} port db="$tmp/bench.db"
    port=$(free_port)
    rm -f "$tmp"/bench.db*
    if [ "$store" = postgresql ]; then
        bash "$here/../../tests/fixture/postgres.sh" start "$tmp/pg"
        db=$(bash "$here/../../tests/fixture/postgres.sh" createdb "$tmp/pg" "bench$RANDOM")
    fi
    LD_PRELOAD=$preload "$bin" serve --listen "127.0.0.1:$port" --db "$db" --web "$tmp" \
        --rate-limit 0 --no-access-log --max-body-jobs 100000000 --max-job-addresses "$n" \
        2>>"$tmp/server.log" &
    pid=$!
    for _ in $(seq 100); do
        curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
        sleep 0.05
    done
    local t0 t1 id
    t0=$(date +%s.%N)
    id=$(curl -sf -H 'Content-Type: text/plain' --data-binary @"$tmp/list.txt" "http://127.0.0.1:$port/v1/jobs" |
         python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
    t1=$(date +%s.%N)
    python3 "$here/load.py" "$port" "$id" "$streams" >"$tmp/load.json"
    local rss db
    rss=$(awk '/VmHWM/ {printf "%.1f MiB", $2/1024}' "/proc/$pid/status")
    if [ "$store" = postgresql ]; then
        db=$(psql -qAt "$db" -c "SELECT pg_database_size(current_database()) / 1048576" | awk '{print $1 " MiB"}')
    else
        db=$(du -cm "$tmp"/bench.db* | awk 'END {print $1 " MiB"}')
    fi
    kill "$pid"; wait "$pid" || true; pid=
    python3 - "$name" "$t0" "$t1" "$n" "$rss" "$db" "$tmp/load.json" <<'PY'
import json, sys
name, t0, t1, n, rss, db, path = sys.argv[1:]
r = json.load(open(path))
h = r["healthz"]
print("| %s | %.1f s | %.1f s | %d/s | %s / %s / %s ms (%d) | %d of %d streams, %d events | %s | %s |" % (
    name, float(t1) - float(t0), r["seconds"], int(int(n) / r["seconds"]), h["p50_ms"], h["p99_ms"], h["max_ms"],
    h["count"], r["streams_done"], r["streams"], r["progress_events"], rss, db))
PY
}

echo "| run | create | run | addresses/s | /healthz p50 / p99 / max (samples) | event streams | peak RSS | database |"
echo "|---|---|---|---|---|---|---|---|"
if [ "$store" = postgresql ]; then
    run "PostgreSQL 15 (private server, fsync off)"
else
    run "fsync every commit (as shipped)"
    run "fsync off (nosync.so)" "$tmp/nosync.so"
fi
