#!/usr/bin/env bash
# Builds the BPF objects, the test helpers and the TypeScript. Incremental.
set -euo pipefail
cd "$(dirname "$0")/.."
make -s -C bpf OUT="$PWD/dist/bpf"
make -s -C test/helpers OUT="$PWD/dist/helpers"
if [ -f /usr/include/librdkafka/rdkafka_mock.h ]; then
  make -s -C test/helpers OUT="$PWD/dist/helpers" kafka
fi
npx tsc -p .
