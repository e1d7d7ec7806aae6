#!/usr/bin/env bash
# Runs every fuzz target (or the ones named) for SECONDS each, from
# the committed seed corpus. Builds nothing: configure and build first with
#   cmake -S . -B build-fuzz -G Ninja -DSPANBENCH_FUZZ=ON \
#         -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++
#   cmake --build build-fuzz --target <fuzz_ targets>
# Usage: tests/fuzz/run-short.sh BUILD_DIR [SECONDS] [TARGET...]
# New inputs go to BUILD_DIR/fuzz-corpus/<target>; crashes to
# BUILD_DIR/fuzz-artifacts/. Exit status is non-zero if any target failed.
set -euo pipefail

if (($# < 1)); then
  echo "usage: $0 BUILD_DIR [SECONDS] [TARGET...]" >&2
  exit 2
fi
build_dir="$(cd "$1" && pwd)"
seconds="${2:-10}"
shift $(($# < 2 ? $# : 2))
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

targets=("$@")
if ((${#targets[@]} == 0)); then
  # Every target there is a source for: tests/fuzz/fuzz_<name>.cc.
  for source in "$here"/fuzz_*.cc; do
    name="${source##*/fuzz_}"
    targets+=("${name%.cc}")
  done
fi

failed=()
for name in "${targets[@]}"; do
  binary="$(find "$build_dir" -type f -name "fuzz_${name}" -perm -u+x | head -n 1)"
  if [[ -z "$binary" ]]; then
    echo "run-short: fuzz_${name} not found under $build_dir (build with -DSPANBENCH_FUZZ=ON)" >&2
    failed+=("$name")
    continue
  fi
  work="$build_dir/fuzz-corpus/$name"
  artifacts="$build_dir/fuzz-artifacts/"
  mkdir -p "$work" "$artifacts"
  echo "run-short: fuzz_${name} for ${seconds}s"
  # The first directory receives new inputs; the committed seeds stay as they are.
  if ! "$binary" -max_total_time="$seconds" -rss_limit_mb=2048 -max_len=65536 \
      -timeout=10 -print_final_stats=1 -artifact_prefix="$artifacts" \
      "$work" "$here/corpus/$name" >"$build_dir/fuzz-artifacts/${name}.log" 2>&1; then
    echo "run-short: fuzz_${name} FAILED; see $build_dir/fuzz-artifacts/${name}.log" >&2
    tail -n 30 "$build_dir/fuzz-artifacts/${name}.log" >&2
    failed+=("$name")
  else
    grep -E "stat::number_of_executed_units|stat::new_units_added|stat::peak_rss_mb" \
      "$build_dir/fuzz-artifacts/${name}.log" | tr '\n' ' '
    echo
  fi
done

if ((${#failed[@]})); then
  echo "run-short: failed: ${failed[*]}" >&2
  exit 1
fi
echo "run-short: all ${#targets[@]} targets ran ${seconds}s without findings"
