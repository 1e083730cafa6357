#!/usr/bin/env bash
# Installs every build and test dependency of OpenTSM from Debian 12 packages. Idempotent:
# packages already present are skipped, so a second run costs one dpkg query.
# pcscd and vsmartcard-vpcd give the PC/SC integration tests a virtual reader (docs/pcsc.md).
# mosquitto is the MQTT-over-WebSocket peer of the load harness (tools/loadgen/peers.sh).
# libpq-dev builds the PostgreSQL store; postgresql-15 is the server its tests start
# (docs/postgres-store.md).
set -euo pipefail
pkgs=(
  build-essential cmake ninja-build ccache pkg-config git
  libboost1.81-dev libboost-test1.81-dev libboost-url1.81-dev libboost-json1.81-dev
  libsimdjson-dev libsodium-dev librocksdb-dev libbenchmark-dev libssl-dev
  libtomlplusplus-dev curl libzip-dev
  libpcsclite-dev pcscd vsmartcard-vpcd
  mosquitto
  libpq-dev postgresql-15
)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo_cmd apt-get update -qq
  $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
