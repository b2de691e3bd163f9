#!/bin/sh
# Runs every benchmark against the build directory BUILD (default: build):
# bench_local, then each bench/*/run.sh, which gets BUILD as its argument.
# Figures go to standard output; the first failing benchmark stops the run.
set -eu
BUILD=${1:-build}
HERE=$(cd "$(dirname "$0")" && pwd)
BUILD=$(cd "$BUILD" && pwd)

if [ -x "$BUILD/bench/local/bench_local" ]; then
    echo "== bench_local: mp_check on one core"
    "$BUILD/bench/local/bench_local"
else
    echo "bench_local not built in $BUILD (run: cmake --build $BUILD)" >&2
    exit 1
fi

for script in "$HERE"/*/run.sh; do
    [ -e "$script" ] || continue
    echo "== $(basename "$(dirname "$script")")"
    sh "$script" "$BUILD"
done
