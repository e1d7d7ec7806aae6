#!/usr/bin/env bash
# ctest wrapper: the conformance check (`spanbench check`) of one registered
# client. Skips (exit 77) only when the client is not ready on this machine
# and says why; a ready client that fails the check fails the test.
#   check_client.sh SPANBENCH_BIN CLIENTS_TOML LOG_DIR PORT_BASE NAME
set -euo pipefail
bin=$1 registry=$2 logs=$3 base=$4 name=$5
line=$("$bin" --clients "$registry" clients | awk -v n="$name" '$1 == n')
if [ -z "$line" ]; then
  echo "check_client: $name is not in $registry" >&2
  exit 1
fi
if ! grep -q " ready " <<<" $(awk '{print $2}' <<<"$line") "; then
  echo "check_client: skipping $name: $line"
  exit 77
fi
exec "$bin" --clients "$registry" --log-dir "$logs" check --client "$name" \
  --control-port "$base" --satellite-ports "$((base + 1))-$((base + 8))"
