#!/usr/bin/env bash
# Sets up, builds, and benchmarks the bundled C++ client: calibrates it to
# 70% of a core with the no-op tracer, then runs it with Datadog's C++ tracer
# at 1000 spans/s for 10 s against mock satellites, and prints the result.
#   scripts/quickstart.sh [CLIENT]     (see: build/src/spanbench clients)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/build.sh
exec build/src/spanbench run --client "${1:-cpp-datadog}" --sps 1000 --runtime 10 --json results/quickstart.json
