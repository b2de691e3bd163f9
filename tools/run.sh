#!/usr/bin/env bash
# `make run`: start `mailprobe serve` with the web page built into
# BUILD/web, on http://127.0.0.1:8025/ (override with MAILPROBE_LISTEN or
# extra arguments: tools/run.sh build --listen 127.0.0.1:9000). Jobs and the
# result cache live in mailprobe.db in the current directory.
set -euo pipefail
build=${1:-build}
shift || true
web="$build/web"
if [ ! -d "$web" ]; then
    echo "run.sh: $web does not exist; build first (make build)" >&2
    exit 1
fi
if [ $# -eq 0 ]; then
    echo "mailprobe: open http://${MAILPROBE_LISTEN:-127.0.0.1:8025}/ (Ctrl-C stops; jobs resume at the next start)" >&2
fi
exec "$build/native-prober/mailprobe" serve --web "$web" "$@"
