#!/usr/bin/env bash
# ctest: the Python tracers' install path, offline. With a folder of wheels
# given the way pip takes it (PIP_FIND_LINKS, PIP_NO_INDEX) and no index,
# scripts/install-python-clients.sh builds a fresh environment in a temporary
# folder, all three tracers of clients/python/client.py import and run there
# (check_ready.py), and a second install finds it up to date. Before that,
# the same install from an empty folder must fail and name each tracer.
# The wheel folder is SPANBENCH_WHEELS; skips (77) only when it is not given.
#   python_install_test.sh REPO_ROOT
set -euo pipefail
root=$1
if [ -z "${SPANBENCH_WHEELS:-}" ] || [ ! -d "$SPANBENCH_WHEELS" ]; then
  echo "python_install_test: skipping: no wheel folder (set SPANBENCH_WHEELS=DIR, a folder" \
    "holding the wheels of clients/python/requirements-*.txt)"
  exit 77
fi
wheels=$(cd "$SPANBENCH_WHEELS" && pwd)
unset SPANBENCH_WHEELS PIP_FIND_LINKS PIP_NO_INDEX PIP_INDEX_URL PIP_EXTRA_INDEX_URL
tmp=$(mktemp -d "${TMPDIR:-/tmp}/spanbench-pyinstall.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
venv=$tmp/venv
fail() { echo "python_install_test: FAIL: $*" >&2; exit 1; }

echo "== from an empty wheel folder, no index: must fail and name the tracers"
mkdir "$tmp/empty"
if PIP_FIND_LINKS=$tmp/empty PIP_NO_INDEX=1 \
  bash "$root/scripts/install-python-clients.sh" --venv "$venv" >"$tmp/empty.log" 2>&1; then
  cat "$tmp/empty.log"
  fail "installing from an empty folder succeeded"
fi
cat "$tmp/empty.log"
grep -q "not installed: lightstep lightstep-streaming otel" "$tmp/empty.log" ||
  fail "the failed install did not name the three tracers"

echo "== from $wheels, no index"
PIP_FIND_LINKS=$wheels PIP_NO_INDEX=1 bash "$root/scripts/install-python-clients.sh" --venv "$venv" ||
  fail "installing from $wheels failed"

echo "== the tracers import and run in $venv"
"$venv/bin/python" -c '
import lightstep, lightstep_streaming, opentelemetry.sdk.trace
import opentelemetry.exporter.otlp.proto.http.trace_exporter
print("imported lightstep, lightstep_streaming, opentelemetry sdk + OTLP/HTTP exporter")' ||
  fail "a tracer does not import"
for t in lightstep lightstep-streaming otel; do
  out=$("$venv/bin/python" "$root/clients/python/check_ready.py" --tracer "$t") ||
    fail "check_ready.py --tracer $t: $out"
  echo "ready: $t"
done
# The environment is the one the requirement files pin.
while read -r req; do
  name=${req%%==*} version=${req#*==}
  got=$("$venv/bin/python" -c 'import sys, importlib.metadata as m; print(m.version(sys.argv[1]))' "$name") ||
    fail "$name is not installed"
  [ "$got" = "$version" ] || fail "$name is $got, the requirements pin $version"
done < <(grep -h -v '^#' "$root"/clients/python/requirements-*.txt | grep '==' | sort -u)

echo "== a second install finds it up to date"
out=$(PIP_FIND_LINKS=$wheels PIP_NO_INDEX=1 bash "$root/scripts/install-python-clients.sh" --venv "$venv")
echo "$out"
grep -q "is up to date" <<<"$out" || fail "the second install did not find the environment up to date"
echo "python_install_test: passed"
