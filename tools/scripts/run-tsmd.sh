#!/usr/bin/env bash
# Installs what is missing, builds, and starts tsmd on the embedded default:
# RocksDB in ./data, SP API + touch points on 127.0.0.1:8080, admin on 127.0.0.1:8081.
# Extra arguments go to tsmd (e.g. --config tsmd.toml, --listen 0.0.0.0:8080).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
"$root/tools/scripts/install-deps.sh"
"$root/tools/scripts/build.sh" "$root/build" --target server
exec "$root/build/tools/tsmd/tsmd" --data-dir "$root/data" "$@"
