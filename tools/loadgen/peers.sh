#!/usr/bin/env bash
# Issue #4 §3: the same closed-loop request/reply shape through nats-server and mosquitto (each
# through its WebSocket listener) and through tsmd, and the ratios of operations per server
# CPU-second (tsmd : peer).
#   - tsmd is durable (group-committed fsync), 2 shards; one /transceive per touch point in flight.
#   - nats-server runs as configured by default (core NATS, no persistence); touch points are NATS
#     WebSocket clients subscribed to tp.<i>, the SP publishes over TCP with a reply inbox.
#   - mosquitto runs as configured by default (no persistence) plus two listeners: MQTT over TCP
#     for the SP side and MQTT over WebSocket (`protocol websockets`) for the touch points. MQTT
#     3.1.1 has no request/reply: each touch point subscribes to tp/<i> and answers on its own
#     reply topic rp/<i>, to which the SP connection driving it is subscribed. QoS 0 everywhere.
# Installs nats-server and mosquitto with apt if missing (idempotent). Loopback only; every run is
# bounded by SECONDS (+ a drain).
# usage: tools/loadgen/peers.sh [BUILD_DIR] [OUT_DIR] [TOUCH_POINTS] [SP_CONNECTIONS] [APDUS] [SECONDS]
#   PEERS="nats mosquitto" (default) selects the peers to run.
set -euo pipefail
source "$(dirname "$0")/tsmd-launch.sh"
BUILD=${1:-build-load}
OUT=${2:-/tmp/tsm-peers}
N=${3:-64}
C=${4:-32}
K=${5:-1}
DUR=${6:-20}
PEERS=${PEERS:-nats mosquitto}
BENCH=$BUILD/tools/loadgen/tsm-bench
TSMD=$BUILD/tools/tsmd/tsmd
mkdir -p "$OUT"
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

missing=()
for p in nats-server mosquitto; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if ((${#missing[@]})); then
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PEER_PID=""
stop_peer() { if [ -n "$PEER_PID" ]; then kill "$PEER_PID" 2>/dev/null || true; wait "$PEER_PID" 2>/dev/null || true; PEER_PID=""; fi; }
trap stop_peer EXIT

for peer in $PEERS; do
    rm -f "$OUT/$peer.txt"
    case $peer in
    nats)
        # --- nats-server, WebSocket listener, defaults otherwise
        NP=$(free_port); WP=$(free_port)
        cat >"$OUT/nats.conf" <<CONF
listen: "127.0.0.1:$NP"
websocket { listen: "127.0.0.1:$WP", no_tls: true }
CONF
        nats-server -c "$OUT/nats.conf" >"$OUT/nats.log" 2>&1 &
        PEER_PID=$!
        sleep 0.5
        echo "== nats-server $(nats-server --version | awk '{print $2}') pid $PEER_PID: tsm-bench --peer nats --peer-ws 127.0.0.1:$WP --peer-tcp 127.0.0.1:$NP --touch-points $N --sp-concurrency $C --apdus $K --duration $DUR"
        "$BENCH" --peer nats --peer-ws "127.0.0.1:$WP" --peer-tcp "127.0.0.1:$NP" --peer-pid "$PEER_PID" \
            --touch-points "$N" --sp-concurrency "$C" --apdus "$K" --duration "$DUR" | tee "$OUT/nats.txt" || echo "tsm-bench exit $?"
        stop_peer
        ;;
    mosquitto)
        # --- mosquitto: MQTT/TCP listener (SP side) + MQTT/WebSocket listener (touch points)
        MP=$(free_port); MWP=$(free_port)
        cat >"$OUT/mosquitto.conf" <<CONF
listener $MP 127.0.0.1
listener $MWP 127.0.0.1
protocol websockets
allow_anonymous true
CONF
        mosquitto -c "$OUT/mosquitto.conf" >"$OUT/mosquitto.log" 2>&1 &
        PEER_PID=$!
        for _ in $(seq 50); do grep -q "running" "$OUT/mosquitto.log" 2>/dev/null && break; sleep 0.1; done
        if ! grep -q "Opening websockets listen socket" "$OUT/mosquitto.log"; then
            # Debian's mosquitto 2.0.11 (bookworm) is built with WebSockets; a build without them
            # refuses `protocol websockets`. tsm-bench's MQTT touch points speak WebSocket only.
            echo "!! mosquitto has no WebSocket listener (built without websockets?); skipping the mosquitto peer:" >&2
            cat "$OUT/mosquitto.log" >&2
            stop_peer
            continue
        fi
        MV=$(sed -n 's/.*mosquitto version \([0-9.]*\) running.*/\1/p' "$OUT/mosquitto.log")
        echo "== mosquitto $MV pid $PEER_PID (touch points: MQTT over WebSocket 127.0.0.1:$MWP; SP: MQTT over TCP 127.0.0.1:$MP; QoS 0):" \
             "tsm-bench --peer mosquitto --peer-ws 127.0.0.1:$MWP --peer-tcp 127.0.0.1:$MP --touch-points $N --sp-concurrency $C --apdus $K --duration $DUR"
        "$BENCH" --peer mosquitto --peer-ws "127.0.0.1:$MWP" --peer-tcp "127.0.0.1:$MP" --peer-pid "$PEER_PID" \
            --touch-points "$N" --sp-concurrency "$C" --apdus "$K" --duration "$DUR" | tee "$OUT/mosquitto.txt" || echo "tsm-bench exit $?"
        stop_peer
        ;;
    *) echo "unknown peer $peer (nats, mosquitto)" >&2; exit 2 ;;
    esac
done

# --- tsmd, durable, 2 shards, same shape (closed loop, one operation in flight per session)
rm -rf "$OUT/tsmd.data"
launch_tsmd "$TSMD" "$OUT/tsmd.data" "$OUT/tsmd"
PEER_PID=$TSMD_PID
echo "== tsmd pid $PEER_PID: tsm-bench --mode closed --touch-points $N --sp-concurrency $C --apdus $K --duration $DUR"
"$BENCH" --tsm "$TSM" --admin "$ADMIN" --tsmd-pid "$PEER_PID" --mode closed --touch-points "$N" \
    --sp-concurrency "$C" --apdus "$K" --duration "$DUR" --no-progress --json "$OUT/tsmd.json" | tee "$OUT/tsmd.txt" || echo "tsm-bench exit $?"
stop_peer
rm -rf "$OUT/tsmd.data"

tsmd_per_cpu=$(sed -n 's/.*), \([0-9]*\) ops per tsmd CPU-second.*/\1/p' "$OUT/tsmd.txt")
echo
echo "per server CPU-second (same shape: $N touch points, $C SP connections, K=$K, closed loop, ${DUR} s each):"
echo "  tsmd       $tsmd_per_cpu operations (durable; SP POST -> WebSocket push -> responses -> HTTP callback)"
for peer in $PEERS; do
    [ -f "$OUT/$peer.txt" ] || continue
    per_cpu=$(sed -n 's/.*), \([0-9]*\) request\/replies per server CPU-second.*/\1/p' "$OUT/$peer.txt")
    [ -n "$per_cpu" ] && [ -n "$tsmd_per_cpu" ] || continue
    case $peer in
    nats) what="request/replies (core NATS, WebSocket touch points)" ;;
    mosquitto) what="request/replies (MQTT 3.1.1 QoS 0, WebSocket touch points)" ;;
    esac
    printf '  %-10s %s %s -> ratio tsmd : %s = %s\n' "$peer" "$per_cpu" "$what" "$peer" \
        "$(python3 -c "print('%.3f' % ($tsmd_per_cpu / $per_cpu))")"
done
