#!/usr/bin/env bash
# The Debian package: cpack -G DEB, its Depends, dpkg -i, spanbench clients
# and one traced run of cpp-datadog against the satellites from a folder
# that is not the checkout, then dpkg -r leaves nothing behind. Needs root
# and dpkg; skips (exit 77), saying why, without them or when a spanbench
# package is already installed (the test would replace it).
#   deb_test.sh BUILD_DIR WORK_DIR PORT_BASE
set -euo pipefail
build=$1 work=$2 port=$3
skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || skip "installing a .deb needs root (CI runs as root)"
command -v dpkg >/dev/null && command -v dpkg-shlibdeps >/dev/null ||
  skip "needs dpkg and dpkg-shlibdeps (dpkg-dev)"
if dpkg-query -W -f='${Status}' spanbench 2>/dev/null | grep -q "install ok installed"; then
  skip "a spanbench package is already installed on this machine"
fi
[ ! -e /usr/bin/spanbench ] || skip "/usr/bin/spanbench exists and is not from a spanbench package"

rm -rf "$work"
mkdir -p "$work/elsewhere"
cpack -G DEB --config "$build/CPackConfig.cmake" -B "$work" >"$work/cpack.log" ||
  { cat "$work/cpack.log"; fail "cpack -G DEB failed"; }
deb=$(ls "$work"/spanbench_*.deb)
depends=$(dpkg-deb -f "$deb" Depends)
echo "Depends: $depends"
echo "Recommends: $(dpkg-deb -f "$deb" Recommends)"
for lib in libc6 libstdc++6 libfmt libspdlog libprotobuf libgrpc++ libdd-opentracing; do
  grep -Fq "$lib" <<<"$depends" || fail "Depends lacks $lib"
done

trap 'dpkg --purge spanbench >/dev/null 2>&1 || true' EXIT
dpkg -i "$deb"
unset SPANBENCH_CLIENTS
cd "$work/elsewhere"
[ "$(command -v spanbench)" = /usr/bin/spanbench ] || fail "spanbench is not /usr/bin/spanbench"
spanbench clients | tee clients.txt
grep -Eq '^cpp-datadog +ready ' clients.txt || fail "cpp-datadog is not ready from the package"
spanbench run --client cpp-datadog --sps 100 --runtime 1 \
  --control-port "$port" --satellite-ports "$((port + 1))-$((port + 8))" | tee run.txt
grep -Eq '^ +0\.0% spans dropped \(out of 100 sent\)' run.txt || fail "the run lost spans or did not report"
grep -Fq "supervisor: /usr/libexec/spanbench/spanbench-supervisor" logs/spanbench.log ||
  fail "the packaged spanbench did not use the packaged supervisor"

dpkg -r spanbench
trap - EXIT
for p in /usr/bin/spanbench /usr/libexec/spanbench /usr/share/spanbench; do
  [ ! -e "$p" ] || fail "dpkg -r left $p"
done
# Removed, its remove script ran; purge forgets it, so no "rc" entry stays.
dpkg --purge spanbench
! dpkg-query -W spanbench >/dev/null 2>&1 || fail "dpkg --purge left spanbench in dpkg's database"
echo "deb: ok"
