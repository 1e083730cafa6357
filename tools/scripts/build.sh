#!/usr/bin/env bash
# Configures and builds OpenTSM with CMake + Ninja (+ ccache when present).
# usage: tools/scripts/build.sh [BUILD_DIR] [--target NAME]... [extra cmake args...]
#   no --target: everything (libraries, tools, tests, benchmarks);
#   --target server: tsmd and the tools only (what run-tsmd.sh needs).
# The cmake arguments apply when BUILD_DIR is configured; a later call with other targets reuses
# the same build directory and its objects.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build}
shift || true
targets=()
cmake_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --target) targets+=("$2"); shift 2 ;;
    *) cmake_args+=("$1"); shift ;;
  esac
done
if [ ! -f "$build/build.ninja" ]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTSM_WERROR=ON "${cmake_args[@]}"
elif [ ${#cmake_args[@]} -gt 0 ]; then
  cmake "$build" "${cmake_args[@]}" >/dev/null
fi
# Two jobs per core would thrash memory on small machines; the heavy units need ~1.5 GiB each.
ninja -C "$build" -j "$(nproc)" "${targets[@]}"
