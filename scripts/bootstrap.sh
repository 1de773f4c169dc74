#!/usr/bin/env bash
# Installs what the sensor needs on a fresh Debian machine (apt packages,
# npm ci), then builds. With --test, also what the tests drive: runc and
# busybox for real containers, iproute2 for network namespaces, librdkafka
# for the Kafka mock cluster. Safe to run
# again: it only installs what is missing and only rebuilds what changed.
set -euo pipefail
cd "$(dirname "$0")/.."
for_tests=0
[ "${1:-}" = "--test" ] && for_tests=1

missing=()
command -v clang >/dev/null 2>&1 || missing+=(clang llvm)
command -v make >/dev/null 2>&1 || missing+=(make)
command -v gcc >/dev/null 2>&1 || missing+=(gcc libc6-dev)
[ -f /usr/include/bpf/bpf_helpers.h ] || missing+=(libbpf-dev)
[ -e /usr/lib/x86_64-linux-gnu/libbpf.so.1 ] || [ -e /usr/lib/aarch64-linux-gnu/libbpf.so.1 ] \
  || ldconfig -p 2>/dev/null | grep -q 'libbpf.so.1 ' || missing+=(libbpf1)
[ -f /usr/include/linux/types.h ] || missing+=(linux-libc-dev)
if ((for_tests)); then
  command -v runc >/dev/null 2>&1 || missing+=(runc)
  [ -x /bin/busybox ] || missing+=(busybox-static)
  command -v ip >/dev/null 2>&1 || missing+=(iproute2)
  # The Kafka tests run librdkafka's mock cluster (a real-protocol broker).
  [ -f /usr/include/librdkafka/rdkafka_mock.h ] || missing+=(librdkafka-dev librdkafka1)
  # The chart tests unpack real helm and kubectl from an npm package's zip.
  command -v unzip >/dev/null 2>&1 || missing+=(unzip)
fi

if ((${#missing[@]})); then
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "bootstrap: missing system packages: ${missing[*]}" >&2
    echo "bootstrap: install them as root: apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  echo "bootstrap: installing ${missing[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "bootstrap: npm ci" >&2
  npm ci --no-audit --no-fund >&2
fi

bash scripts/build.sh >&2
