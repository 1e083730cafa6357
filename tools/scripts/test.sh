#!/usr/bin/env bash
# Installs what is missing, builds with warnings as errors, and runs the whole test suite
# (every ctest test: unit, integration, and the benchmark smoke runs where benchmarks are built).
#   tools/scripts/test.sh             release build in ./build
#   tools/scripts/test.sh --sanitize  ASan+UBSan build in ./build-asan
#   tools/scripts/test.sh --tsan      ThreadSanitizer build in ./build-tsan
# CI (.ci/run) runs all three, in this order.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
"$root/tools/scripts/install-deps.sh"
# Sanitizer builds: Debug at -O1 keeps the reports' stacks readable at bearable speed; -g1 (line
# tables only) is enough for symbolised stacks and compiles and links faster than full -g.
debug_o1=(-DCMAKE_BUILD_TYPE=Debug "-DCMAKE_CXX_FLAGS_DEBUG=-O1 -g1" -DTSM_BUILD_BENCH=OFF)
case "${1:-}" in
  --sanitize)
    build="$root/build-asan"
    "$root/tools/scripts/build.sh" "$build" -DTSM_WERROR=ON -DTSM_SANITIZE=address,undefined "${debug_o1[@]}"
    export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
    export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
    ;;
  --tsan)
    build="$root/build-tsan"
    "$root/tools/scripts/build.sh" "$build" -DTSM_WERROR=ON -DTSM_SANITIZE=thread "${debug_o1[@]}"
    # The suppressions cover only reports lying wholly inside libraries built without TSan.
    # Reports go to files: the tests keep tsmd's stderr in a log they delete, so a race in a
    # child process would otherwise show only as a failed request.
    reports="$build/tsan-reports"
    rm -rf "$reports" && mkdir -p "$reports"
    export TSAN_OPTIONS="suppressions=$root/tools/scripts/tsan.supp:halt_on_error=1:second_deadlock_stack=1:log_path=$reports/report"
    ;;
  "")
    build="$root/build"
    "$root/tools/scripts/build.sh" "$build" -DTSM_WERROR=ON
    ;;
  *)
    echo "usage: tools/scripts/test.sh [--sanitize|--tsan]" >&2
    exit 2
    ;;
esac
cd "$build"
status=0
ctest --output-on-failure -j 2 --timeout 900 || status=$?
if [ -n "${reports:-}" ] && compgen -G "$reports/report.*" >/dev/null; then
  cat "$reports"/report.*
  echo "test.sh: ThreadSanitizer reports above (one file per process in $reports)" >&2
  status=1
fi
exit "$status"
