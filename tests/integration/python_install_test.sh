#!/usr/bin/env bash
# ctest: the Python tracers' install path, offline.
# 1. From an empty folder of wheels and no index, the install fails, names
#    each tracer, and leaves an environment whose ready checks say what to
#    install (for lightstep-streaming on Python 3.10+: that the published
#    wheel does not run there).
# 2. With the wheel folder given the way pip takes it (PIP_FIND_LINKS,
#    PIP_NO_INDEX) and no index, the same environment installs, all three
#    tracers of clients/python/client.py import and run there (check_ready.py)
#    at the pinned versions, and a second install finds it up to date.
# The wheel folder is SPANBENCH_WHEELS; only part 2 needs it, and the test
# skips (77) after part 1 when it is not given.
#   python_install_test.sh REPO_ROOT
set -euo pipefail
root=$1
wheels=${SPANBENCH_WHEELS:-}
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
for t in lightstep lightstep-streaming otel; do
  if out=$("$venv/bin/python" "$root/clients/python/check_ready.py" --tracer "$t"); then
    fail "check_ready.py --tracer $t passed without its packages"
  fi
  echo "not ready: $t: $out"
  grep -q "^missing Python package .*scripts/install-python-clients.sh (pip install --no-deps -r clients/python/requirements-$t.txt)" <<<"$out" ||
    fail "check_ready.py --tracer $t does not say what to install"
done
if "$venv/bin/python" -c 'import sys; sys.exit(sys.version_info < (3, 10))'; then
  grep -q "the published lightstep-streaming wheel does not run on Python 3.10+" <<<"$(
    "$venv/bin/python" "$root/clients/python/check_ready.py" --tracer lightstep-streaming)" ||
    fail "check_ready.py --tracer lightstep-streaming does not explain the Python 3.10+ build"
fi

if [ -z "$wheels" ] || [ ! -d "$wheels" ]; then
  echo "python_install_test: skipping the install from wheels: no wheel folder (set" \
    "SPANBENCH_WHEELS=DIR, a folder holding the wheels of clients/python/requirements-*.txt)"
  exit 77
fi
wheels=$(cd "$wheels" && pwd)

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
