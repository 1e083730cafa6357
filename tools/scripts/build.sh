#!/usr/bin/env bash
# Configures and builds OpenTSM with CMake + Ninja (+ ccache when present).
# usage: tools/scripts/build.sh [BUILD_DIR] [extra cmake args...]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build}
shift || true
if [ ! -f "$build/build.ninja" ]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@"
fi
# Two jobs per core would thrash memory on small machines; the heavy units need ~1.5 GiB each.
ninja -C "$build" -j "$(nproc)"
