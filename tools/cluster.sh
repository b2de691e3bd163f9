#!/usr/bin/env bash
# tools/cluster.sh [-n WORKERS] [-p FIRST_PORT] [-d DIR] [BUILD] [-- SERVE_ARGS...]
#
# A mailprobe cluster on this machine, for trying scale-out and for tests:
# a private PostgreSQL server (tests/fixture/postgres.sh: initdb in DIR,
# a Unix socket only, as the postgres user) and WORKERS `mailprobe serve`
# processes (default 3) sharing its database, on 127.0.0.1:FIRST_PORT,
# FIRST_PORT+1, ... (default 8025). Any worker takes jobs and answers for
# any job (docs/scale-out.md). SERVE_ARGS go to every worker (e.g. --dns,
# --allow-net, --helo, --from).
#
# Runs in the foreground until SIGINT/SIGTERM (Ctrl-C), then stops the
# workers (SIGTERM: they write their results and give their leases back)
# and the database server, and removes DIR unless -d named it. Prints
# one line per worker (its URL and log file) when all answer /healthz,
# then `cluster ready` on stdout. Needs root (the server runs as the
# postgres user) and Debian's postgresql package.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
workers=3
first_port=8025
dir=
keep=0
while getopts "n:p:d:" opt; do
    case $opt in
        n) workers=$OPTARG ;;
        p) first_port=$OPTARG ;;
        d) dir=$OPTARG; keep=1 ;;
        *) sed -n '2,17p' "$0" >&2; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
build=build
if [ $# -gt 0 ] && [ "$1" != "--" ]; then build=$1; shift; fi
[ "${1:-}" = "--" ] && shift
bin="$build/native-prober/mailprobe"
[ -x "$bin" ] || { echo "cluster.sh: $bin not built (make build)" >&2; exit 2; }
case $workers in ''|*[!0-9]*|0) echo "cluster.sh: -n wants a number of workers" >&2; exit 2 ;; esac
[ -n "$dir" ] || dir=$(mktemp -d /tmp/mailprobe-cluster-XXXXXX)
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
chmod 755 "$dir" # the database server runs as postgres and must reach its directory

pids=()
stop() {
    trap - INT TERM EXIT
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    bash "$here/tests/fixture/postgres.sh" stop "$dir/pg" || true
    [ "$keep" = 1 ] || rm -rf "$dir"
}
trap stop EXIT
trap 'exit 0' INT TERM

bash "$here/tests/fixture/postgres.sh" start "$dir/pg"
url=$(bash "$here/tests/fixture/postgres.sh" url "$dir/pg")
echo "database: $url" >&2
for i in $(seq 1 "$workers"); do
    port=$((first_port + i - 1))
    "$bin" serve --listen "127.0.0.1:$port" --db "$url" --worker-name "worker$i" --web "$build/web" "$@" \
        2>"$dir/worker$i.log" &
    pids+=("$!")
done
for i in $(seq 1 "$workers"); do
    port=$((first_port + i - 1))
    for _ in $(seq 200); do
        curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
        kill -0 "${pids[$((i - 1))]}" 2>/dev/null || { echo "cluster.sh: worker$i exited:" >&2; tail -5 "$dir/worker$i.log" >&2; exit 1; }
        sleep 0.05
    done
    echo "worker$i: http://127.0.0.1:$port/ (log: $dir/worker$i.log)" >&2
done
echo "cluster ready"
# Until a signal, or until a worker dies.
while :; do
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null || { echo "cluster.sh: a worker exited" >&2; exit 1; }; done
    sleep 1 &
    wait $! || true
done
