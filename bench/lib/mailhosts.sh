# bench/lib/mailhosts.sh — sourced by benchmarks that need many mail domains:
# the generated zone `mpbench.` (gen.py) served by a real unbound, and the
# light SMTP server smtpsink.py answering every 127.x.y.z address.
#
#   source bench/lib/mailhosts.sh
#   mailhosts_netns "$@"                 # re-executes the caller in a private
#                                        # network namespace (root), lo up
#   mailhosts_start WORK ADDRESSES DOMAINS HOSTS [sink options...]
#   ... mailprobe ... "${MAILHOSTS_FLAGS[@]}" ...
#   (the caller's EXIT trap runs mailhosts_stop)
#
# Everything listens on loopback inside the namespace: unbound on
# 127.0.0.1:5354, the sink on 0.0.0.0:2525. Servers are stopped by PID.
MAILHOSTS_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
MAILHOSTS_PIDS=()
# --dns-canary: the zone the resolver serves is the one proof of its honesty
# here (the root is not reachable from the namespace).
MAILHOSTS_FLAGS=(--dns 127.0.0.1:5354 --dns-canary mpbench. --smtp-port 2525 --allow-net 127.0.0.0/8 --helo bench.mpbench)

# Re-executes the calling script (its arguments given) in a private network
# namespace, unless it already runs in one of ours.
mailhosts_netns() {
    if [ -z "${MP_BENCH_NETNS:-}" ]; then
        [ "$(id -u)" = 0 ] || { echo "$0: needs root (a private network namespace)" >&2; exit 2; }
        exec unshare -n env MP_BENCH_NETNS=1 bash "$0" "$@"
    fi
    ip link set lo up
    command -v unbound >/dev/null || { echo "$0: needs unbound (tools/install-deps.sh test)" >&2; exit 2; }
    ulimit -n "$(ulimit -Hn)"
}

# mailhosts_start WORK ADDRESSES DOMAINS HOSTS [smtpsink options...]
mailhosts_start() {
    local work=$1 addresses=$2 domains=$3 hosts=$4
    shift 4
    python3 "$MAILHOSTS_LIB/gen.py" "$work" "$addresses" "$domains" "$hosts"
    cat >"$work/unbound.conf" <<EOF
server:
    do-daemonize: no
    username: ""
    chroot: ""
    directory: "$work"
    pidfile: "$work/unbound.pid"
    use-syslog: no
    logfile: "$work/unbound.log"
    interface: 127.0.0.1@5354
    port: 5354
    do-ip6: no
    access-control: 127.0.0.0/8 allow
    outgoing-interface: 127.0.0.1
    num-threads: 1
    module-config: "iterator"
    do-not-query-localhost: no
    qname-minimisation: no
    minimal-responses: yes
    so-rcvbuf: 4m
    so-sndbuf: 4m
auth-zone:
    name: "mpbench."
    zonefile: "$work/mpbench.zone"
    for-downstream: yes
    for-upstream: yes
    fallback-enabled: no
forward-zone:
    name: "."
    forward-addr: 127.0.0.1@5399
EOF
    unbound -d -c "$work/unbound.conf" &
    MAILHOSTS_PIDS+=($!)
    python3 "$MAILHOSTS_LIB/smtpsink.py" --port 2525 "$@" >"$work/sink.log" 2>&1 &
    MAILHOSTS_PIDS+=($!)
    local _
    for _ in $(seq 300); do
        python3 "$MAILHOSTS_LIB/../../tests/fixture/dnsquery.py" 127.0.0.1:5354 d000001.mpbench MX >/dev/null 2>&1 &&
            grep -q listening "$work/sink.log" && return 0
        sleep 0.1
    done
    echo "mailhosts: unbound or the sink did not start" >&2
    tail -5 "$work/unbound.log" "$work/sink.log" >&2
    return 1
}

mailhosts_stop() {
    local p
    for p in "${MAILHOSTS_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${MAILHOSTS_PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
    MAILHOSTS_PIDS=()
}
