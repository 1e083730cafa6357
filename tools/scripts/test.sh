#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite (unit + integration).
#   tools/scripts/test.sh             release build in ./build
#   tools/scripts/test.sh --sanitize  ASan+UBSan build in ./build-asan (what CI also runs)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
"$root/tools/scripts/install-deps.sh"
if [ "${1:-}" = "--sanitize" ]; then
  build="$root/build-asan"
  "$root/tools/scripts/build.sh" "$build" -DTSM_SANITIZE=address,undefined -DTSM_BUILD_BENCH=OFF \
    -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g"
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
else
  build="$root/build"
  "$root/tools/scripts/build.sh" "$build"
fi
cd "$build"
ctest --output-on-failure -j 2 --timeout 900
