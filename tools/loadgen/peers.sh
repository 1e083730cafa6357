#!/usr/bin/env bash
# Issue #4 §3: the same closed-loop request/reply shape through nats-server's WebSocket listener
# and through tsmd, and the ratio of operations per server CPU-second (tsmd : NATS).
# tsmd is durable (group-committed fsync); nats-server runs as configured by default (core NATS,
# no persistence). Installs nats-server and mosquitto with apt if missing (idempotent).
# mosquitto is installed but not driven yet: tsm-bench has no MQTT-over-WebSocket client.
# usage: tools/loadgen/peers.sh [BUILD_DIR] [OUT_DIR] [TOUCH_POINTS] [SP_CONNECTIONS] [APDUS] [SECONDS]
set -euo pipefail
BUILD=${1:-build-load}
OUT=${2:-/tmp/tsm-peers}
N=${3:-64}
C=${4:-32}
K=${5:-1}
DUR=${6:-20}
BENCH=$BUILD/tools/loadgen/tsm-bench
TSMD=$BUILD/tools/tsmd/tsmd
mkdir -p "$OUT"

missing=()
for p in nats-server mosquitto; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if ((${#missing[@]})); then
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
cpu_of() { awk '{print $14+$15}' "/proc/$1/stat"; }

# --- nats-server, WebSocket listener, defaults otherwise
NP=$(free_port); WP=$(free_port)
cat >"$OUT/nats.conf" <<CONF
listen: "127.0.0.1:$NP"
websocket { listen: "127.0.0.1:$WP", no_tls: true }
CONF
nats-server -c "$OUT/nats.conf" >"$OUT/nats.log" 2>&1 &
NATS_PID=$!
trap 'kill $NATS_PID 2>/dev/null || true' EXIT
sleep 0.5
echo "== nats-server $(nats-server --version | awk '{print $2}') pid $NATS_PID: tsm-bench --peer nats --peer-ws 127.0.0.1:$WP --peer-tcp 127.0.0.1:$NP --touch-points $N --sp-concurrency $C --apdus $K --duration $DUR"
"$BENCH" --peer nats --peer-ws "127.0.0.1:$WP" --peer-tcp "127.0.0.1:$NP" --peer-pid "$NATS_PID" \
    --touch-points "$N" --sp-concurrency "$C" --apdus "$K" --duration "$DUR" | tee "$OUT/nats.txt"
kill "$NATS_PID"; wait "$NATS_PID" 2>/dev/null || true
trap - EXIT

# --- tsmd, durable, 2 shards, same shape (closed loop, one operation in flight per session)
rm -rf "$OUT/tsmd.data"
"$TSMD" --listen 127.0.0.1:0 --admin-listen 127.0.0.1:0 --data-dir "$OUT/tsmd.data" --shards 2 >"$OUT/tsmd.out" 2>"$OUT/tsmd.err" &
TSMD_PID=$!
trap 'kill $TSMD_PID 2>/dev/null || true' EXIT
for _ in $(seq 100); do grep -q ready "$OUT/tsmd.out" 2>/dev/null && break; sleep 0.1; done
TSM=$(sed -n 's/^tsmd: listening on //p' "$OUT/tsmd.out"); ADMIN=$(sed -n 's/^tsmd: admin on //p' "$OUT/tsmd.out")
echo "== tsmd pid $TSMD_PID: tsm-bench --mode closed --touch-points $N --sp-concurrency $C --apdus $K --duration $DUR"
"$BENCH" --tsm "$TSM" --admin "$ADMIN" --tsmd-pid "$TSMD_PID" --mode closed --touch-points "$N" \
    --sp-concurrency "$C" --apdus "$K" --duration "$DUR" --no-progress --json "$OUT/tsmd.json" | tee "$OUT/tsmd.txt"
kill "$TSMD_PID"; wait "$TSMD_PID" 2>/dev/null || true
rm -rf "$OUT/tsmd.data"

nats_per_cpu=$(sed -n 's/.*), \([0-9]*\) request\/replies per server CPU-second.*/\1/p' "$OUT/nats.txt")
tsmd_per_cpu=$(sed -n 's/.*), \([0-9]*\) ops per tsmd CPU-second.*/\1/p' "$OUT/tsmd.txt")
echo
echo "per server CPU-second: tsmd $tsmd_per_cpu operations (durable) : nats-server $nats_per_cpu request/replies"
python3 -c "print('ratio tsmd : nats = %.3f' % ($tsmd_per_cpu / $nats_per_cpu))"
