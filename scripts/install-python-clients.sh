#!/usr/bin/env bash
# Installs the Python client's tracers (clients/python/requirements-*.txt)
# into a virtual environment, by default .venv at the repository root, which
# clients.toml's python, python-cpp and python-otel entries run with.
#
#   scripts/install-python-clients.sh [--venv DIR]
#
# The environment is made by Debian's interpreter (PYTHON, default
# /usr/bin/python3) with --system-site-packages: the tracers' common
# dependencies (protobuf, requests, thrift, ...) come from the Debian packages
# below, and the pinned tracer packages are installed with --no-deps.
# Packages come from PyPI, or from a local folder of wheels, given either the
# way pip reads its options from the environment or with SPANBENCH_WHEELS
# (which means the same: that folder and no index):
#
#   PIP_FIND_LINKS=/path/to/wheels PIP_NO_INDEX=1 scripts/install-python-clients.sh
#   SPANBENCH_WHEELS=/path/to/wheels scripts/install-python-clients.sh
#
# Idempotent: when the environment already holds the pinned versions it says
# so and returns at once. Exits 1 if a tracer could not be
# installed, after installing the others; its clients then show as not ready
# in `spanbench clients`, with the reason.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.venv"
while (($#)); do
  case $1 in
    --venv)
      if (($# < 2)); then echo "install-python-clients: --venv needs a folder" >&2; exit 2; fi
      venv=$2; shift 2 ;;
    -h | --help) awk 'NR > 1 && !/^#/ {exit} NR > 1 {sub(/^# ?/, ""); print}' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "install-python-clients: unknown argument $1 (usage: [--venv DIR])" >&2; exit 2 ;;
  esac
done
if [ -n "${SPANBENCH_WHEELS:-}" ]; then
  if [ ! -d "$SPANBENCH_WHEELS" ]; then
    echo "install-python-clients: SPANBENCH_WHEELS=$SPANBENCH_WHEELS is not a folder" >&2
    exit 2
  fi
  export PIP_FIND_LINKS=$SPANBENCH_WHEELS PIP_NO_INDEX=1
fi
python=${PYTHON:-/usr/bin/python3}
# Fail fast where there is no index to reach (pip retries 5 times by default).
export PIP_RETRIES=${PIP_RETRIES:-2}
say() { echo "install-python-clients: $*"; }

# What the tracer packages need from Debian (Debian 12 names): the venv and
# pip, the pure-Python dependencies, and the Streaming tracer's native
# libraries.
PACKAGES=(
  python3 python3-venv python3-pip
  python3-protobuf python3-thrift python3-requests python3-six python3-jsonpickle
  python3-deprecated python3-importlib-metadata python3-typing-extensions python3-backoff
  libprotobuf32 libevent-core-2.1-7 libc-ares2
)
missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if ((${#missing[@]})); then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  say "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# One requirements file per tracer of client.py.
tracers=(lightstep lightstep-streaming otel)
reqs=()
for t in "${tracers[@]}"; do reqs+=("$root/clients/python/requirements-$t.txt"); done

# Up to date: an environment of this interpreter that sees Debian's packages
# and holds every pinned version.
ident='import sys; print(sys.version, sys.base_prefix)'
venv_ok() {
  [ -x "$venv/bin/python" ] &&
    [ "$("$venv/bin/python" -c "$ident" 2>/dev/null)" = "$("$python" -c "$ident")" ] &&
    grep -q '^include-system-site-packages = true' "$venv/pyvenv.cfg" 2>/dev/null
}
pins_ok() {
  "$venv/bin/python" - "${reqs[@]}" <<'EOF'
import importlib.metadata, sys
for path in sys.argv[1:]:
    for line in open(path):
        name, _, version = line.split("#")[0].strip().partition("==")
        if name:
            try:
                if importlib.metadata.version(name) != version:
                    sys.exit(1)
            except importlib.metadata.PackageNotFoundError:
                sys.exit(1)
EOF
}
if venv_ok && pins_ok; then
  say "$venv is up to date"
  exit 0
fi
if ! venv_ok; then
  say "creating $venv with $python"
  rm -rf "$venv"
  "$python" -m venv --system-site-packages "$venv"
fi

pip=("$venv/bin/python" -m pip install --no-deps --disable-pip-version-check --no-warn-script-location -q)
if [ -n "${PIP_FIND_LINKS:-}" ]; then
  say "installing from ${PIP_FIND_LINKS}${PIP_NO_INDEX:+ (no index)}"
fi
# All at once first (the common case), then tracer by tracer to say which failed.
all=()
for r in "${reqs[@]}"; do all+=(-r "$r"); done
if "${pip[@]}" "${all[@]}" 2>"$venv/pip-error.log"; then
  rm -f "$venv/pip-error.log"
  say "installed the lightstep, lightstep-streaming and otel tracers into $venv"
  exit 0
fi
failed=()
for i in "${!tracers[@]}"; do
  if ! "${pip[@]}" -r "${reqs[$i]}" 2>"$venv/pip-error.log"; then
    failed+=("${tracers[$i]}")
    say "could not install the ${tracers[$i]} tracer ($(grep -m1 -E '^ERROR' "$venv/pip-error.log" || tail -1 "$venv/pip-error.log"))"
  fi
done
rm -f "$venv/pip-error.log"
if ((${#failed[@]} == 0)); then
  say "installed the lightstep, lightstep-streaming and otel tracers into $venv"
  exit 0
fi
say "not installed: ${failed[*]} (no PyPI here? give a folder of wheels:" \
  "SPANBENCH_WHEELS=DIR, or PIP_FIND_LINKS=DIR PIP_NO_INDEX=1; lightstep-streaming on Python 3.10+: see docs/adding_a_client.md)"
exit 1
