#!/usr/bin/env bash
# Reproduces the figures of docs/performance.md: starts a fresh durable tsmd (--shards 2) per
# scenario on loopback ports, runs tsm-bench against it, keeps JSON/SVG/text in OUT.
# usage: [TSMD_SHARDS=N] tools/loadgen/run-baseline.sh [BUILD_DIR] [OUT_DIR] [scenario...]
#   scenarios: closed1 closed8 ccm1 mixed sweep soak2k soak15k bare2k bare15k (default: all)
#   ccm1:  closed loop of /ccm/install of tests/data/cap/kaoh-helloworld.cap (INSTALL [for load],
#          LOAD, INSTALL [for install]; 2 round trips) on a fresh sandbox card per operation
#   mixed: closed loop, 90 % /transceive (K=1) and 10 % /ccm/install, figures per kind too
set -euo pipefail
source "$(dirname "$0")/tsmd-launch.sh"
BUILD=${1:-build-load}
OUT=${2:-/tmp/tsm-baseline}
shift $(( $# > 2 ? 2 : $# )) || true
SCENARIOS=${*:-closed1 closed8 ccm1 mixed sweep soak2k soak15k bare2k bare15k}
TSMD=$BUILD/tools/tsmd/tsmd
BENCH=$BUILD/tools/loadgen/tsm-bench
mkdir -p "$OUT"

start_tsmd() { # $1 = name
    rm -rf "$OUT/$1.data"
    launch_tsmd "$TSMD" "$OUT/$1.data" "$OUT/$1.tsmd"
}
stop_tsmd() { curl -s "http://$ADMIN/metrics" >"$OUT/$1.metrics" 2>/dev/null || true; kill "$TSMD_PID" 2>/dev/null || true; wait "$TSMD_PID" 2>/dev/null || true; rm -rf "$OUT/$1.data"; }
bench() { # $1 = name, rest = tsm-bench options
    local name=$1; shift
    start_tsmd "$name"
    echo "== $name: tsm-bench --tsm $TSM --admin $ADMIN --tsmd-pid $TSMD_PID $*" | tee "$OUT/$name.txt"
    "$BENCH" --tsm "$TSM" --admin "$ADMIN" --tsmd-pid "$TSMD_PID" --json "$OUT/$name.json" "$@" \
        2>"$OUT/$name.progress" | tee -a "$OUT/$name.txt" || echo "tsm-bench exit $?" | tee -a "$OUT/$name.txt"
    stop_tsmd "$name"
}

for s in $SCENARIOS; do
    case $s in
    closed1) bench closed1 --mode closed --touch-points 64 --sp-concurrency 32 --apdus 1 --warmup 3 --duration 20 ;;
    closed8) bench closed8 --mode closed --touch-points 64 --sp-concurrency 32 --apdus 8 --warmup 3 --duration 20 ;;
    ccm1) bench ccm1 --mode closed --scenario ccm-install --touch-points 64 --sp-concurrency 32 --warmup 3 --duration 20 ;;
    mixed) bench mixed --mode closed --scenario mixed --mix transceive=90,ccm-install=10 --touch-points 64 \
               --sp-concurrency 32 --apdus 1 --warmup 3 --duration 20 ;;
    sweep) bench sweep --touch-points 1000 --sp-concurrency 128 --apdus 1 --sweep 1000,2000,4000,6000,8000,10000,12000 \
               --duration 10 --drain 15 --svg "$OUT/sweep.svg" ;;
    soak2k) bench soak2k --mode soak --touch-points 2000 --duration 20 ;;
    soak15k) bench soak15k --mode soak --touch-points 15000 --duration 30 ;;
    bare2k) bench bare2k --mode soak --no-deliver --touch-points 2000 --duration 20 ;;
    bare15k) bench bare15k --mode soak --no-deliver --touch-points 15000 --duration 30 ;;
    *) echo "unknown scenario $s" >&2; exit 2 ;;
    esac
done
