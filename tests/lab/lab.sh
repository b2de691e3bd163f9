#!/usr/bin/env bash
# lab.sh: the network-namespace lab — separate "hosts" on one machine for
# the cluster tests and benchmarks (tests/lab/README.md).
#
#   lab.sh start DIR    create the namespaces and the bridge, start the
#                       servers, wait until each answers
#   lab.sh stop DIR     stop the servers by their recorded PIDs, delete the
#                       namespaces (idempotent)
#   lab.sh env DIR      print the export lines the tests use (DIR/lab.env)
#
# Namespaces (TAG: 6 hex digits of DIR's path, so two labs never meet):
#   mpl-TAG-lab  198.18.0.1 (unbound :53, PostgreSQL :5432) and the MX
#                addresses 198.18.1.10-.12 (Postfix :25, postgrey on the
#                namespace's own loopback) on a bridge "br0"
#   mpl-TAG-wN   worker N: 198.18.2.(10+N) on "eth0", a veth into br0
# All in 198.18.0.0/16 on one bridge: no routing, no default route, and
# no address outside the namespaces this script creates.
#
# Environment: MP_LAB_WORKERS (3), MP_LAB_TIMEOUT (60 s to wait for the
# servers), MP_LAB_LIFETIME (3600 s, after which everything stops by
# itself), MP_LAB_GREY_DELAY (postgrey's delay, 3 s), MP_PYTHON.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# alive, wait_ready
. "$HERE/../lib/servers.sh"
FIXTURE=$HERE/../fixture
WORKERS=${MP_LAB_WORKERS:-3}
TIMEOUT=${MP_LAB_TIMEOUT:-60}
LIFETIME=${MP_LAB_LIFETIME:-3600}
GREY_DELAY=${MP_LAB_GREY_DELAY:-3}
PYTHON=${MP_PYTHON:-$(command -v /usr/bin/python3 || command -v python3 || echo python3)}
PG_BIN=${MP_PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
export PYTHONDONTWRITEBYTECODE=1

LAB_ADDR=198.18.0.1
MX_ADDRS="198.18.1.10 198.18.1.11 198.18.1.12"

usage() {
  echo "usage: lab.sh start|stop|env DIR" >&2
  exit 2
}

die() {
  echo "lab: $*" >&2
  exit 1
}

# lab CMD...: run CMD inside the lab namespace. nsenter execs CMD itself
# (`ip netns exec` forks and waits), so a recorded $! is the server's PID.
# Background servers use the array ("${LAB[@]}" CMD &): a function would
# run in a subshell whose PID is not the server's.
lab() { nsenter --net="/run/netns/$LAB_NS" "$@"; }

# ours PID: the process still is one we started (its command line names
# the run directory or one of our private roots), never a recycled PID.
ours() {
  local cmdline
  cmdline=$(tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null) || return 1
  case $cmdline in
    *"$DIR"* | *"$(private_root postfix)"* | *"$(private_root pg)"*) return 0 ;;
  esac
  return 1
}

record() { echo "$1 $2" >>"$DIR/pids"; }

# The postgres user (PostgreSQL refuses root); setpriv execs, no fork.
AS_POSTGRES=(setpriv --reuid=postgres --regid=postgres --init-groups)

# Servers running as another user (Postfix's daemons, PostgreSQL) must
# reach their files: DIR if that user can, else a private directory under
# /tmp named in DIR/NAME-root (removed by stop).
make_private_root() { # NAME USER
  local root=$DIR/$1
  if ! setpriv --reuid="$2" --regid="$2" --clear-groups test -x "$DIR" 2>/dev/null; then
    root=$(mktemp -d "/tmp/mailprobe-lab-$1.XXXXXX")
    chmod 755 "$root"
    echo "$root" >"$DIR/$1-root"
  fi
  mkdir -p "$root"
  echo "$root"
}

private_root() { # NAME
  if [ -f "$DIR/$1-root" ]; then cat "$DIR/$1-root"; else echo "$DIR/$1"; fi
}

show_logs() {
  local f
  for f in unbound.log maillog postgrey.log pg.log; do
    if [ -s "$DIR/$f" ]; then
      echo "----- $DIR/$f (last 40 lines)" >&2
      tail -n 40 "$DIR/$f" >&2
    fi
  done
}

# ---- the network ------------------------------------------------------------

make_network() {
  local n ns
  ip netns add "$LAB_NS"
  lab ip link set lo up
  lab ip link add br0 type bridge
  lab ip addr add "$LAB_ADDR/16" dev br0
  for a in $MX_ADDRS; do lab ip addr add "$a/16" dev br0; done
  lab ip link set br0 up
  for ((n = 1; n <= WORKERS; n++)); do
    ns=$(worker_ns "$n")
    ip netns add "$ns"
    ip -n "$ns" link set lo up
    # Made inside the lab namespace, the peer moved to the worker's: no
    # interface ever exists in the namespace that runs this script.
    lab ip link add "w$n" type veth peer name eth0 netns "$ns"
    lab ip link set "w$n" master br0 up
    ip -n "$ns" addr add "198.18.2.$((10 + n))/16" dev eth0
    ip -n "$ns" link set eth0 up
  done
  # Addresses are usable once duplicate address detection is done (IPv4:
  # at once) and the bridge forwards (no STP delay on a fresh bridge).
  lab ip link set br0 type bridge forward_delay 0 2>/dev/null || true
}

worker_ns() { echo "mpl-$TAG-w$1"; }

delete_network() {
  local ns
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}'); do
    case $ns in "mpl-$TAG-"*) ip netns del "$ns" 2>/dev/null || true ;; esac
  done
}

# ---- the servers ------------------------------------------------------------

start_unbound() {
  "$PYTHON" "$HERE/mplab.py" zone >"$DIR/lab-zone.conf"
  sed -e "s#@DIR@#$DIR#g" -e "s#@ZONE@#$DIR/lab-zone.conf#g" "$HERE/unbound.conf.in" >"$DIR/unbound.conf"
  unbound-checkconf "$DIR/unbound.conf" >"$DIR/unbound.log" 2>&1 || { show_logs; die "unbound.conf is invalid"; }
  "${LAB[@]}" setsid unbound -d -c "$DIR/unbound.conf" </dev/null >>"$DIR/unbound.log" 2>&1 &
  record unbound $!
}

start_postgrey() {
  mkdir -p "$DIR/postgrey-db"
  : >"$DIR/postgrey-whitelist"
  # On the lab's own loopback: only this namespace's Postfix asks it.
  "${LAB[@]}" setsid postgrey --inet=127.0.0.1:10023 --delay="$GREY_DELAY" --dbdir="$DIR/postgrey-db" \
    --user="$(id -un)" --group="$(id -gn)" --auto-whitelist-clients=0 \
    --whitelist-clients="$DIR/postgrey-whitelist" --whitelist-recipients="$DIR/postgrey-whitelist" \
    </dev/null >"$DIR/postgrey.log" 2>&1 &
  record postgrey $!
}

# The fixture's Postfix (tests/fixture/postfix) with the lab's listeners,
# maps and log: one smtpd service per MX address, each logging as
# postfix/mxNN so the log says which address a client talked to.
start_postfix() {
  local root f a
  root=$(make_private_root postfix postfix)
  mkdir -p "$root/postfix" "$root/postfix-spool" "$root/postfix-data"
  sed -e "s#@DIR@#$root#g" "$FIXTURE/postfix/main.cf.in" >"$root/postfix/main.cf"
  postconf -c "$root/postfix" -e \
    "inet_interfaces = ${MX_ADDRS// /, }" \
    "myhostname = mx.lab.mptest" \
    "mydomain = lab.mptest" \
    "smtpd_banner = \$myhostname ESMTP mailprobe lab"
  {
    echo "# master.cf of the lab's Postfix (generated by tests/lab/lab.sh)"
    for a in $MX_ADDRS; do
      echo "$a:25 inet n - n - - smtpd"
      echo "  -o syslog_name=postfix/mx${a##*.}"
    done
    # The fixture's internal services, without its loopback listeners.
    awk '/^[0-9]/ {skip=1; next} /^[ \t]+-o/ && skip {next} {skip=0} !/^#/' "$FIXTURE/postfix/master.cf"
  } >"$root/postfix/master.cf"
  "$PYTHON" "$HERE/mplab.py" postfix-maps "$root/postfix"
  chown postfix "$root/postfix-data"
  for f in active bounce corrupt defer deferred flush hold incoming private saved trace; do
    install -d -o postfix -g root -m 0700 "$root/postfix-spool/$f"
  done
  install -d -o postfix -g postdrop -m 0730 "$root/postfix-spool/maildrop"
  install -d -o postfix -g postdrop -m 0710 "$root/postfix-spool/public"
  install -d -o root -g root -m 0755 "$root/postfix-spool/pid"
  ln -sf "$root/maillog" "$DIR/maillog"
  "${LAB[@]}" setsid "$(postconf -c "$root/postfix" -h daemon_directory)/master" \
    -c "$root/postfix" -s -e "$LIFETIME" </dev/null >"$DIR/postfix.out" 2>&1 &
  record postfix $!
}

# A private PostgreSQL from Debian's packages, listening on the lab
# address only, trusting the lab's network (no password: nothing else can
# reach it), with pg_stat_statements for the benchmark's round-trip count.
start_postgres() {
  local root
  [ -x "$PG_BIN/initdb" ] || die "no PostgreSQL server binaries (tools/install-deps.sh test)"
  root=$(make_private_root pg postgres)
  chown postgres "$root"
  "${AS_POSTGRES[@]}" "$PG_BIN/initdb" -D "$root/data" -U mailprobe --auth=trust -E UTF8 \
    --locale=C.UTF-8 >"$DIR/initdb.log" 2>&1 || { cat "$DIR/initdb.log" >&2; die "initdb failed"; }
  cat >>"$root/data/postgresql.conf" <<EOF
listen_addresses = '$LAB_ADDR'
port = 5432
unix_socket_directories = ''
max_connections = 200
fsync = off
full_page_writes = off
shared_preload_libraries = 'pg_stat_statements'
pg_stat_statements.track = top
EOF
  echo "host all all 198.18.0.0/15 trust" >>"$root/data/pg_hba.conf"
  "${LAB[@]}" setsid "${AS_POSTGRES[@]}" "$PG_BIN/postgres" -D "$root/data" \
    </dev/null >"$DIR/pg.log" 2>&1 &
  record postgres $!
}

start_watchdog() {
  setsid bash "$HERE/lab.sh" watchdog "$DIR" </dev/null >/dev/null 2>&1 &
  record watchdog $!
}

# Prints what is not answering yet; silent and status 0 once all are.
not_ready() {
  lab "$PYTHON" - "$HERE" "$DIR" <<'EOF'
import smtplib, socket, sys
here, rundir = sys.argv[1], sys.argv[2]
sys.path[:0] = [here, here + "/../fixture"]
import dnsquery, mplab
missing = []
try:
    if not dnsquery.query(mplab.LAB_ADDR + ":53", "known01." + mplab.ZONE, "MX", timeout=1)["answers"]:
        missing.append("unbound (no MX for known01)")
except OSError as e:
    missing.append("unbound (%s)" % e)
for mx in mplab.MX_ADDRS:
    rcpt = next("u000@" + d for d, k, m in mplab.domains() if m == mx and k == "known")
    try:
        with smtplib.SMTP(mx, 25, timeout=2) as smtp:
            smtp.ehlo("lab-start.mptest")
            smtp.mail("lab-start@lab.mptest")
            code, text = smtp.rcpt(rcpt)
            if code != 250:
                missing.append("%s:25 (RCPT %s: %d %s)" % (mx, rcpt, code, text.decode()))
    except (OSError, smtplib.SMTPException) as e:
        missing.append("%s:25 (%s)" % (mx, e))
for name, addr in (("postgrey", ("127.0.0.1", 10023)), ("postgresql", (mplab.LAB_ADDR, 5432))):
    try:
        socket.create_connection(addr, timeout=1).close()
    except OSError as e:
        missing.append("%s %s:%d (%s)" % (name, addr[0], addr[1], e))
if missing:
    print(", ".join(missing))
    sys.exit(1)
EOF
}

write_env() {
  local n
  {
    echo "export MP_LAB_DIR=$DIR"
    echo "export MP_LAB_NS=$LAB_NS"
    echo "export MP_LAB_WORKERS=$WORKERS"
    for ((n = 1; n <= WORKERS; n++)); do
      echo "export MP_LAB_W${n}_NS=$(worker_ns "$n")"
      echo "export MP_LAB_W${n}_ADDR=198.18.2.$((10 + n))"
    done
    echo "export MP_LAB_DNS=$LAB_ADDR:53"
    echo "export MP_LAB_SMTP_PORT=25"
    echo "export MP_LAB_ALLOW_NET=198.18.0.0/15"
    echo "export MP_LAB_PG_URL=postgresql://mailprobe@$LAB_ADDR:5432/mailprobe"
    echo "export MP_LAB_PG_ADMIN_URL=postgresql://mailprobe@$LAB_ADDR:5432/postgres"
    echo "export MP_LAB_MAILLOG=$DIR/maillog"
    echo "export MP_LAB_GREY_DELAY=$GREY_DELAY"
  } >"$DIR/lab.env"
}

cmd_start() {
  local cmd name pid deadline missing
  [ "$(id -u)" -eq 0 ] || die "must run as root (namespaces, Postfix's master)"
  for cmd in ip nsenter unbound unbound-checkconf postconf postgrey setpriv "$PYTHON" setsid; do
    command -v "$cmd" >/dev/null || die "$cmd not found; run tools/install-deps.sh test"
  done
  [ -f "$DIR/pids" ] && cmd_stop
  delete_network
  if [ -n "$(ls -A "$DIR")" ] && [ ! -f "$DIR/.mailprobe-lab" ]; then
    die "$DIR is not empty and not a lab run directory; refusing to wipe it"
  fi
  rm -rf "$DIR"
  mkdir -p "$DIR"
  chmod 755 "$DIR"
  : >"$DIR/.mailprobe-lab"
  : >"$DIR/pids"
  trap '[ $? -eq 0 ] || cmd_stop' EXIT

  make_network
  write_env
  start_watchdog
  start_unbound
  start_postgrey
  start_postfix
  start_postgres

  wait_ready
  # The test database the workers share (created once the server answers).
  lab "${AS_POSTGRES[@]}" "$PG_BIN/createdb" -h "$LAB_ADDR" -U mailprobe mailprobe
  lab "${AS_POSTGRES[@]}" "$PG_BIN/psql" -q -h "$LAB_ADDR" -U mailprobe -d mailprobe \
    -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" >/dev/null
  echo "lab: ready in $DIR (namespaces: $(ip netns list | awk -v t="mpl-$TAG-" 'index($1, t) == 1 {printf "%s ", $1}'))"
}

cmd_stop() {
  local name pid i root
  if [ -f "$DIR/pids" ]; then
    while read -r name pid; do
      if alive "$pid" && ours "$pid"; then
        # PostgreSQL's fast shutdown is SIGINT; everything else takes TERM.
        if [ "$name" = postgres ]; then kill -INT "$pid" 2>/dev/null || true; else kill -TERM "$pid" 2>/dev/null || true; fi
      fi
    done < <(tac "$DIR/pids")
    while read -r name pid; do
      for ((i = 0; i < 100; i++)); do
        alive "$pid" || break
        sleep 0.1
      done
      if alive "$pid" && ours "$pid"; then
        echo "lab: $name (pid $pid) ignored its signal, killing" >&2
        kill -KILL "$pid" 2>/dev/null || true
      fi
    done <"$DIR/pids"
    rm -f "$DIR/pids"
  fi
  delete_network
  for name in postfix pg; do
    [ -f "$DIR/$name-root" ] || continue
    root=$(cat "$DIR/$name-root")
    case $root in
      /tmp/mailprobe-lab-"$name".*)
        [ -f "$root/maillog" ] && cp --remove-destination "$root/maillog" "$DIR/maillog"
        rm -rf "$root"
        ;;
    esac
    rm -f "$DIR/$name-root"
  done
}

cmd_env() {
  [ -f "$DIR/lab.env" ] || die "no lab in $DIR (lab.sh start $DIR first)"
  cat "$DIR/lab.env"
}

# Runs for the lab's lifetime, then stops it: a crashed run never leaves
# namespaces and servers behind for long.
cmd_watchdog() {
  local sleeper
  sleep "$LIFETIME" &
  sleeper=$!
  trap 'kill "$sleeper" 2>/dev/null; exit 0' TERM
  wait "$sleeper"
  [ -f "$DIR/pids" ] && sed -i "/^watchdog $$\$/d" "$DIR/pids"
  cmd_stop
}

[ $# -eq 2 ] || usage
if [ "$1" = stop ] && [ ! -d "$2" ]; then
  exit 0
fi
mkdir -p "$2"
DIR=$(cd "$2" && pwd)
TAG=$(printf '%s' "$DIR" | sha256sum | cut -c1-6)
LAB_NS=mpl-$TAG-lab
LAB=(nsenter --net="/run/netns/$LAB_NS")
case $1 in
  start) cmd_start ;;
  stop) cmd_stop ;;
  env) cmd_env ;;
  watchdog) cmd_watchdog ;;
  *) usage ;;
esac
