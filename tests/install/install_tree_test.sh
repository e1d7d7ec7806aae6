#!/usr/bin/env bash
# cmake --install into a temporary prefix, then, from a folder that is not
# the checkout: the installed registry is found beside bin/spanbench, its
# clients are ready (or say how to get ready with paths of the installed
# tree), one traced run of cpp-datadog against the satellites uses the
# installed client and supervisor, and logs go to ./logs.
#   install_tree_test.sh BUILD_DIR WORK_DIR PORT_BASE
set -euo pipefail
build=$1 work=$2 port=$3
rm -rf "$work"
mkdir -p "$work/elsewhere"
prefix=$work/prefix
cmake --install "$build" --prefix "$prefix" >"$work/install.log"
unset SPANBENCH_CLIENTS
cd "$work/elsewhere"

fail() { echo "FAIL: $*" >&2; exit 1; }
for f in bin/spanbench libexec/spanbench/spanbench-supervisor libexec/spanbench/spanbench-client-cpp \
         share/spanbench/clients.toml share/spanbench/suites/regress.toml \
         share/spanbench/clients/node/client.js share/spanbench/clients/node/package-lock.json \
         share/spanbench/clients/python/client.py; do
  [ -e "$prefix/$f" ] || fail "cmake --install did not install $f"
done

"$prefix/bin/spanbench" clients | tee clients.txt
grep -Eq '^cpp-datadog +ready ' clients.txt || fail "cpp-datadog is not ready in the installed tree"
grep -Eq '^python-noop +ready ' clients.txt || fail "python-noop is not ready in the installed tree"
if [ ! -d "$prefix/share/spanbench/clients/node/node_modules" ]; then
  grep -Fq "npm ci --omit=dev in $prefix/share/spanbench/clients/node" clients.txt ||
    fail "the Node.js clients do not say where to run npm ci"
fi
if grep -Eq 'scripts/|\.venv|cmake --build' clients.txt; then fail "a setup hint points into a checkout"; fi

"$prefix/bin/spanbench" run --client cpp-datadog --sps 100 --runtime 1 \
  --control-port "$port" --satellite-ports "$((port + 1))-$((port + 8))" | tee run.txt
grep -Eq '^ +0\.0% spans dropped \(out of 100 sent\)' run.txt || fail "the run lost spans or did not report"
grep -Fq "supervisor: $prefix/libexec/spanbench/spanbench-supervisor" logs/spanbench.log ||
  fail "the installed spanbench did not use the installed supervisor (logs/spanbench.log)"
ls logs/runs/*cpp-datadog-traced-*.log >/dev/null || fail "no client log under ./logs/runs"
echo "install tree: ok"
