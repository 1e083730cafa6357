# Sourced by smoke.sh, run-baseline.sh and peers.sh.
# launch_tsmd TSMD DATA_DIR LOG: starts TSMD in the background, durable with $TSMD_SHARDS (default 2) shards, on
# 127.0.0.1 port 0 (SP/touch-point and admin listeners) with its data in DATA_DIR, stdout in
# LOG.out and stderr in LOG.err; waits up to 10 s for "ready". Sets TSMD_PID, TSM (host:port of
# the SP/touch-point listener) and ADMIN (host:port of the admin listener); TSM and ADMIN are
# empty when tsmd did not start.
launch_tsmd() {
    "$1" --listen 127.0.0.1:0 --admin-listen 127.0.0.1:0 --data-dir "$2" --shards "${TSMD_SHARDS:-2}" >"$3.out" 2>"$3.err" &
    TSMD_PID=$!
    for _ in $(seq 100); do grep -q ready "$3.out" 2>/dev/null && break; sleep 0.1; done
    TSM=$(sed -n 's/^tsmd: listening on //p' "$3.out")
    ADMIN=$(sed -n 's/^tsmd: admin on //p' "$3.out")
}
