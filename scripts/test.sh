#!/usr/bin/env bash
# Sets up, builds and runs every test: unit, integration (real clients and
# satellites on 127.0.0.1), a format check, and a short fuzz of each decoder.
#   scripts/test.sh            everything
#   FUZZ_SECONDS=0 scripts/test.sh   skip fuzzing
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/build.sh

echo "== format check"
git ls-files '*.cc' '*.h' '*.cpp' | xargs clang-format --dry-run --Werror

echo "== tests"
# Timing-sensitive integration tests are marked RUN_SERIAL; the rest run two at a time.
ctest --test-dir build -j2 --output-on-failure --timeout 600

FUZZ_SECONDS=${FUZZ_SECONDS:-3}
if [ "$FUZZ_SECONDS" != 0 ]; then
  echo "== fuzz (${FUZZ_SECONDS}s per decoder)"
  cmake -S . -B build-fuzz -G Ninja -DSPANBENCH_FUZZ=ON -DSPANBENCH_BUILD_TESTS=ON \
    -DSPANBENCH_BUILD_BENCH=OFF -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ >/dev/null
  targets=$(cd tests/fuzz && ls fuzz_*.cc | sed 's/\.cc$//')
  # shellcheck disable=SC2086
  cmake --build build-fuzz -j"$(nproc)" --target $targets
  bash tests/fuzz/run-short.sh build-fuzz "$FUZZ_SECONDS"
fi
echo "all tests passed"
