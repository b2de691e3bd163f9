#!/bin/sh
# Benchmarks the WebAssembly module against popular npm checkers on the same
# 200,000 addresses, in one Node run. Not a test: it prints a table.
#   bench/wasm/run.sh [BUILD]      (BUILD defaults to build; needs BUILD/web)
# The comparison libraries are installed into bench/wasm/node_modules
# (gitignored) from the npm registry, at the versions pinned in package.json.
set -eu
BUILD=${1:-build}
HERE=$(cd "$(dirname "$0")" && pwd)
BUILD=$(cd "$BUILD" && pwd)
if [ ! -f "$BUILD/web/mailcheck.mjs" ]; then
    echo "no WebAssembly build in $BUILD/web (build with emscripten installed)" >&2
    exit 1
fi
if [ ! -d "$HERE/node_modules/validator" ] || [ ! -d "$HERE/node_modules/email-validator" ] ||
   [ ! -d "$HERE/node_modules/mailcheck" ]; then
    # Data-only use: no install scripts run.
    (cd "$HERE" && npm install --no-audit --no-fund --ignore-scripts --no-package-lock >&2)
fi
exec node "$HERE/bench.mjs" "$BUILD/web/mailcheck.mjs" "${MP_BENCH_COUNT:-200000}"
