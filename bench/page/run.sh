#!/bin/sh
# The list tool in headless Chromium: a 200,000-line CSV dropped on the page,
# and the same list pasted (bench.mjs). Not a test: it prints a table.
#   bench/page/run.sh [BUILD]      (BUILD defaults to build; needs BUILD/web)
# Uses tests/e2e's playwright-core (installed from its package-lock.json, no
# browser download) and Debian's /usr/bin/chromium. It serves the page on a
# loopback port: run it in a private network namespace when others share the
# machine (unshare -n sh -c 'ip link set lo up && bench/page/run.sh build').
# Env: MP_BENCH_LINES (200000), MP_BENCH_ROUNDS (3); bench/page/profile.mjs
# writes a CPU profile and a trace of one drop.
set -eu
BUILD=${1:-build}
HERE=$(cd "$(dirname "$0")" && pwd)
BUILD=$(cd "$BUILD" && pwd)
if [ ! -f "$BUILD/web/mailcheck.mjs" ]; then
    echo "no WebAssembly build in $BUILD/web (build with emscripten installed)" >&2
    exit 1
fi
if [ ! -x /usr/bin/chromium ]; then
    echo "bench/page needs Debian's chromium (apt-get install chromium)" >&2
    exit 1
fi
node "$HERE/../../tests/e2e/install-deps.mjs" >&2
MP_WEB_DIR="$BUILD/web" exec node "$HERE/bench.mjs" "${MP_BENCH_LINES:-200000}" "${MP_BENCH_ROUNDS:-3}"
