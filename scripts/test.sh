#!/usr/bin/env bash
# test.sh - the whole test suite, from a fresh clone: installs what is
# missing, then for GCC and for Clang configures, builds (kernel, ISOs, host
# tests) and runs ctest (host unit tests, fuzz smoke runs, QEMU boot tests).
# Extra arguments go to ctest, e.g. `scripts/test.sh -L host`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

start=$(date +%s)
for preset in gcc clang; do
  echo "=== $preset: configure and build ==="
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset"
  echo "=== $preset: ctest ==="
  ctest --preset "$preset" "$@"
done
echo "=== all tests passed with GCC and Clang in $(($(date +%s) - start)) s ==="
