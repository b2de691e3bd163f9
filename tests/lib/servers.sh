# tests/lib/servers.sh — what the loopback fixture (tests/fixture/fixture.sh)
# and the namespace lab (tests/lab/lab.sh) both do with the servers they
# start. Sourced, not run. The caller defines:
#   DIR        its run directory, with a "pids" file of "NAME PID" lines
#   TIMEOUT    seconds start-up may take
#   not_ready  prints what does not answer yet and fails, or succeeds
#   show_logs  prints the servers' logs;  die MESSAGE  ends with an error

# alive PID: the process exists and is not a zombie (an exited child of an
# init that does not reap still has a /proc entry).
alive() {
  local state
  state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
  [ -n "$state" ] && [ "$state" != Z ]
}

# wait_ready: until every server answers; dies at once when one of them
# exited, or after TIMEOUT seconds naming what still does not answer.
wait_ready() {
  local deadline=$((SECONDS + TIMEOUT)) missing name pid
  while ! missing=$(not_ready); do
    while read -r name pid; do
      alive "$pid" || { show_logs; die "$name (pid $pid) exited during start-up"; }
    done <"$DIR/pids"
    if [ "$SECONDS" -ge "$deadline" ]; then
      show_logs
      die "not ready after ${TIMEOUT}s: $missing"
    fi
    sleep 0.3
  done
}
