#!/usr/bin/env bash
# CTest smoke run of tsm-bench (tests/tools/CMakeLists.txt, label loadgen_smoke): a fresh durable
# tsmd on 127.0.0.1 port 0 with an empty data directory, one short bounded tsm-bench run with
# --strict (exit 3 if an operation is lost, 4 if any error, non-200 answer or non-200 callback
# was counted, or a kind the scenario asks for never completed), then tsmd is stopped.
# usage: tools/loadgen/smoke.sh TSMD TSM_BENCH SCENARIO
#   SCENARIO: ccm-install (closed loop, 2 threads) | mixed (open loop at 200/s, 50/50 mix) |
#             transceive (closed loop, K=4)
set -euo pipefail
source "$(dirname "$0")/tsmd-launch.sh"
TSMD=$1
BENCH=$2
SCENARIO=$3
DIR=$(mktemp -d "${TMPDIR:-/tmp}/tsm-bench-smoke.XXXXXX")
TSMD_PID=""
cleanup() {
    if [ -n "$TSMD_PID" ]; then kill "$TSMD_PID" 2>/dev/null || true; wait "$TSMD_PID" 2>/dev/null || true; fi
    rm -rf "$DIR"
}
trap cleanup EXIT

launch_tsmd "$TSMD" "$DIR/data" "$DIR/tsmd"
if [ -z "$TSM" ] || [ -z "$ADMIN" ]; then
    echo "tsmd did not start:"; cat "$DIR/tsmd.out" "$DIR/tsmd.err"; exit 1
fi

# Bounded: at most --ops operations and --duration seconds, then at most --drain seconds.
common=(--tsm "$TSM" --admin "$ADMIN" --tsmd-pid "$TSMD_PID" --strict --no-progress --json "$DIR/result.json"
        --duration 10 --drain 10)
case $SCENARIO in
ccm-install) args=(--scenario ccm-install --mode closed --touch-points 8 --sp-concurrency 4 --threads 2 --ops 200) ;;
mixed) args=(--scenario mixed --mix transceive=50,ccm-install=50 --mode open --rate 200 --touch-points 8
             --sp-concurrency 4 --ops 300) ;;
transceive) args=(--scenario transceive --mode closed --apdus 4 --touch-points 8 --sp-concurrency 4 --ops 500) ;;
*) echo "unknown scenario $SCENARIO"; exit 2 ;;
esac
echo "tsm-bench ${common[*]} ${args[*]}"
rc=0
timeout 60 "$BENCH" "${common[@]}" "${args[@]}" || rc=$?
if [ "$rc" -ne 0 ]; then
    echo "tsm-bench exit $rc"; echo "--- tsmd stderr (last lines)"; tail -20 "$DIR/tsmd.err"; exit 1
fi
# The JSON result is complete and names the scenario.
python3 - "$DIR/result.json" "$SCENARIO" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["config"]["scenario"] == sys.argv[2], r["config"]
step = r["steps"][0]
assert step["lost"] == 0 and step["calledBack"] == step["issued"] > 0, step
kinds = step["byKind"]
want = {"ccm-install": ["ccm-install"], "mixed": ["transceive", "ccm-install"], "transceive": ["transceive"]}[sys.argv[2]]
for k in want:
    assert kinds[k]["calledBack"] > 0 and kinds[k]["callbackNot200"] == 0, (k, kinds[k])
    assert kinds[k]["latencyMs"]["post_to_push"]["count"] == kinds[k]["calledBack"], (k, kinds[k])
print("smoke ok:", {k: kinds[k]["calledBack"] for k in want}, "operations called back")
PY
