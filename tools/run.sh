#!/usr/bin/env bash
# `make run`: start the main job. Until `mailprobe serve` exists this runs
# `mailprobe check` on standard input.
set -euo pipefail
build=${1:-build}
exec "$build/native-prober/mailprobe" check -
