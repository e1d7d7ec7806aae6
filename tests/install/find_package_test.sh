#!/usr/bin/env bash
# Another CMake project uses the installed library: cmake --install into a
# temporary prefix, then configure and build examples/hello_world.cpp with
# find_package(spanbench) and spanbench::core, and run it (registry from
# SPANBENCH_CLIENTS) for a one-second run of cpp-noop.
#   find_package_test.sh BUILD_DIR SOURCE_DIR WORK_DIR CONTROL_PORT
set -euo pipefail
build=$1 src=$2 work=$3 port=$4
rm -rf "$work"
mkdir -p "$work/project" "$work/elsewhere"
prefix=$work/prefix
cmake --install "$build" --prefix "$prefix" >"$work/install.log"
cp "$src/examples/hello_world.cpp" "$work/project/"
cat >"$work/project/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.22)
project(hello_spanbench CXX)
set(CMAKE_CXX_STANDARD 20)
find_package(spanbench 0.1 REQUIRED)
add_executable(hello_world hello_world.cpp)
target_link_libraries(hello_world PRIVATE spanbench::core spanbench::report)
CMAKE
cmake -S "$work/project" -B "$work/project/build" -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_BUILD_TYPE=Release >"$work/configure.log"
cmake --build "$work/project/build" -j2
cd "$work/elsewhere"
SPANBENCH_CLIENTS=$prefix/share/spanbench/clients.toml \
  "$work/project/build/hello_world" cpp-noop 1 "$port" | tee out.txt
grep -Eq 'spans / sec' out.txt || { echo "FAIL: hello_world printed no result" >&2; exit 1; }
echo "find_package: ok"
