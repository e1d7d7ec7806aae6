#!/usr/bin/env bash
# Installs every Debian package that spanbench's build, tests, benchmarks
# and Debian package (cpack -G DEB: dpkg-dev, file) need, then the Node.js
# client's packages, the HTML report's flame graph scripts and the Python client's tracers
# (scripts/install-python-clients.sh). Idempotent: when everything is
# present it checks and returns in about a second.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config git ca-certificates dpkg-dev file
  clang clang-format libclang-rt-14-dev
  libopentracing-dev libdd-opentracing-dev
  libcpp-httplib-dev libboost-dev nlohmann-json3-dev libtomlplusplus-dev libcli11-dev
  libspdlog-dev libfmt-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libprotobuf-dev protobuf-compiler libgrpc++-dev protobuf-compiler-grpc
  libmsgpack-dev libthrift-dev thrift-compiler libsimdjson-dev
  zlib1g-dev libcurl4-openssl-dev libssl-dev
  gnuplot-nox fonts-dejavu-core chromium python3 python3-yaml curl procps
  linux-perf
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "install-deps: all Debian packages present"
fi

# Node.js comes with this machine image; where it does not, Debian's will do.
if ! command -v npm >/dev/null; then
  echo "install-deps: installing nodejs npm"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi

# The Node.js client (clients/node) is installed from its lock file.
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ -f "$here/clients/node/package-lock.json" ] && command -v npm >/dev/null; then
  if [ ! -d "$here/clients/node/node_modules" ] ||
     [ "$here/clients/node/package-lock.json" -nt "$here/clients/node/node_modules/.package-lock.json" ]; then
    (cd "$here/clients/node" && npm ci --no-audit --no-fund --loglevel=error)
  fi
fi

# The HTML report's interactive flame graph (d3-flame-graph), from its lock file.
if [ -f "$here/src/report/web/package-lock.json" ] && command -v npm >/dev/null; then
  if [ ! -d "$here/src/report/web/node_modules" ] ||
     [ "$here/src/report/web/package-lock.json" -nt "$here/src/report/web/node_modules/.package-lock.json" ]; then
    (cd "$here/src/report/web" && npm ci --no-audit --no-fund --loglevel=error) ||
      echo "install-deps: npm ci in src/report/web failed; reports will show static flame graphs"
  fi
fi

# The Python client's tracers, in .venv. Where they cannot be installed (no
# PyPI and no wheel folder) the python clients show as not ready and say why;
# that stops the build only when a wheel folder was given explicitly.
if ! bash "$here/scripts/install-python-clients.sh"; then
  if [ -n "${SPANBENCH_WHEELS:-}" ] || [ -n "${PIP_NO_INDEX:-}" ]; then
    echo "install-deps: installing the Python tracers from the given wheel folder failed" >&2
    exit 1
  fi
  echo "install-deps: continuing without them (the python, python-cpp and python-otel clients)"
fi
