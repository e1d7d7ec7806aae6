#!/usr/bin/env bash
# Installs dependencies and builds spanbench into build/ (warnings are errors).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/install-deps.sh
cmake --preset ci >/dev/null
cmake --build build -j"$(nproc)"
