#!/usr/bin/env bash
# Sets up, builds and runs every test: unit, integration (real clients and
# satellites on 127.0.0.1), install (cmake --install, find_package, and the
# .deb installed with dpkg when run as root), a format check, the generated
# code built with Unix Makefiles, the satellite and controller tests under
# ASan + UBSan, and a short fuzz of each decoder and request path.
#   scripts/test.sh            everything
#   FUZZ_SECONDS=0 scripts/test.sh   skip fuzzing
#   SANITIZE=0 scripts/test.sh       skip the sanitizer build
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/build.sh

echo "== format check"
git ls-files '*.cc' '*.h' '*.cpp' | xargs clang-format --dry-run --Werror

echo "== Unix Makefiles build path: code generation and a library built from it"
# The build above uses Ninja, which makes output folders by itself; CMake's
# default generator does not, so its generated-code steps are checked here.
cmake -S . -B build-make -G "Unix Makefiles" -DCMAKE_BUILD_TYPE=Release \
  -DSPANBENCH_BUILD_TESTS=OFF -DSPANBENCH_BUILD_BENCH=OFF >/dev/null
cmake --build build-make -j"$(nproc)" --target spanbench_generated spanbench_jaeger_thrift >/dev/null

echo "== tests"
# Timing-sensitive integration tests are marked RUN_SERIAL; the rest run two at a time.
ctest --test-dir build -j2 --output-on-failure --timeout 600

SANITIZE=${SANITIZE:-1}
if [ "$SANITIZE" != 0 ]; then
  # The servers that face other processes (satellites, the control server)
  # and the controller, built with AddressSanitizer and UndefinedBehavior-
  # Sanitizer; only the test targets that exercise them are built.
  echo "== sanitizers (ASan + UBSan): satellite and controller tests"
  cmake --preset asan -DSPANBENCH_BUILD_BENCH=OFF >/dev/null
  cmake --build build-asan -j"$(nproc)" --target satellite_integration_tests integration_tests
  export ASAN_OPTIONS=abort_on_error=1:detect_leaks=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  ctest --test-dir build-asan -j2 --output-on-failure --timeout 600 -L satellite
  # Rate and CPU-share accuracy are checked in the release build above; a
  # Debug + ASan client does not hold them.
  ctest --test-dir build-asan --output-on-failure --timeout 600 \
    -R '^(ControllerTest|ControlServerTest|ControlServerAccess|LitterTest|LitterRunTest|LitterCliTest)[.]' \
    -E 'CalibratedUntracedRunHoldsTargetCpu|AchievesSpanRate'
  unset ASAN_OPTIONS UBSAN_OPTIONS
fi

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
