#!/usr/bin/env bash
# bench/serve/run.sh [BUILD] — load test of `mailprobe serve`, loopback only.
#
# Three runs of 20,000 requests each at 1,000 concurrent connections with
# ApacheBench (`ab`, Debian package apache2-utils, installed here if
# missing and we are root): GET /healthz, POST /v1/verify answered from the
# result cache, and POST /v1/verify through the prober (--cache-ttl 0; the
# address is syntactically invalid, so no DNS or SMTP leaves the host).
# Prints throughput, p50/p99 latency, failures and the server's peak RSS.
# Then slow_clients.py: ordinary requests one after the other, alone and
# while 2,500 idle connections and 2,500 sending a head one octet a second
# are open (MP_BENCH_SLOW_SECONDS, default 10 s per phase).
# Every run is bounded (ab -n, timeout 120 s). Not a test: it never fails a
# build, but it exits non-zero if a request failed.
# bench/run-all.sh starts every run.sh with `sh`: come back in bash.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -euo pipefail
build=${1:-build}
bin="$build/native-prober/mailprobe"
requests=${MP_BENCH_REQUESTS:-20000}
concurrency=${MP_BENCH_CONCURRENCY:-1000}
[ -x "$bin" ] || { echo "bench/serve: $bin not built" >&2; exit 2; }
if ! command -v ab >/dev/null; then
    if [ "$(id -u)" = 0 ]; then
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q apache2-utils >/dev/null
    else
        echo "bench/serve: needs ab: apt-get install apache2-utils" >&2
        exit 2
    fi
fi
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

tmp=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

start() { # start CACHE_TTL
    port=$(free_port)
    "$bin" serve --listen "127.0.0.1:$port" --db "$tmp/bench-$1.db" --cache-ttl "$1" \
        --rate-limit 0 --no-access-log --max-pending-verify 100000 --web "$tmp" 2>>"$tmp/server.log" &
    pid=$!
    for _ in $(seq 100); do
        curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && return 0
        sleep 0.05
    done
    echo "bench/serve: server did not start" >&2
    cat "$tmp/server.log" >&2
    exit 1
}
stop() { kill "$pid"; wait "$pid" || true; pid=; }
rss() { awk '/VmHWM/ {print $2 " kB"}' "/proc/$pid/status"; }

printf '{"email":"not-an-address"}' >"$tmp/verify.json"
failed=0
run() { # run NAME ab-args...
    local name=$1; shift
    local out="$tmp/ab-${name//[^a-z0-9]/_}.txt"
    timeout 120 ab -q -r -s 30 -n "$requests" -c "$concurrency" "$@" >"$out" 2>&1 || true
    local rps p50 p99 fails non2xx complete
    rps=$(awk '/^Requests per second/ {print $4}' "$out")
    p50=$(awk '$1 == "50%" {print $2}' "$out")
    p99=$(awk '$1 == "99%" {print $2}' "$out")
    complete=$(awk '/^Complete requests/ {print $3}' "$out")
    fails=$(awk '/^Failed requests/ {print $3}' "$out")
    non2xx=$(awk '/^Non-2xx responses/ {print $3}' "$out")
    printf '%-26s %6s req  %9s req/s  p50 %5s ms  p99 %5s ms  failed %s  non-2xx %s  peak RSS %s\n' \
        "$name" "${complete:-0}" "${rps:-?}" "${p50:-?}" "${p99:-?}" "${fails:-?}" "${non2xx:-0}" "$(rss)"
    if [ "${complete:-0}" != "$requests" ] || [ "${fails:-1}" != 0 ] || [ "${non2xx:-0}" != 0 ]; then
        failed=1
        tail -5 "$out" >&2
    fi
}

echo "mailprobe serve: $requests requests per run, $concurrency concurrent connections, loopback ($(nproc) cores)"
start 3600
run "GET /healthz" "http://127.0.0.1:$port/healthz"
curl -s -H 'Content-Type: application/json' -d @"$tmp/verify.json" "http://127.0.0.1:$port/v1/verify" >/dev/null
run "POST /v1/verify (cached)" -p "$tmp/verify.json" -T application/json "http://127.0.0.1:$port/v1/verify"
stop
start 0
run "POST /v1/verify (prober)" -p "$tmp/verify.json" -T application/json "http://127.0.0.1:$port/v1/verify"
stop
start 0
timeout 300 python3 "$(dirname "$0")/slow_clients.py" "$port" "$pid" 2500 2500 "${MP_BENCH_SLOW_SECONDS:-10}" || failed=1
stop
exit $failed
