#!/usr/bin/env bash
# fuzz.sh - long libFuzzer campaigns on the fuzz targets in fuzz/.
#
# usage: scripts/fuzz.sh [TARGET SECONDS]
#
#   scripts/fuzz.sh                    list the targets
#   scripts/fuzz.sh TARGET SECONDS     build (Clang preset) if needed, then
#                                      fuzz TARGET for SECONDS seconds
#
# The campaign's corpus and any crash inputs live outside the source tree,
# in $STAGEOS_FUZZ_DIR/TARGET (default build/fuzz-campaigns/TARGET):
# corpus/ grows from one campaign to the next, crashes/ keeps the inputs
# that failed. The seeds the build writes (build/clang/fuzz/seeds/TARGET)
# are read, never written. At the end it prints the executions, the
# executions per second and the crashes found; it exits 1 on a crash.
# Replay a crash: build/clang/fuzz/fuzz_TARGET <crash file>.
set -euo pipefail
. "$(dirname "$0")/lib/script-support.sh"
exit_with_help_if_asked "$0" "$@"
# A relative STAGEOS_FUZZ_DIR is relative to where the script was started.
fuzz_dir=${STAGEOS_FUZZ_DIR:+$(realpath -m "$STAGEOS_FUZZ_DIR")}
cd "$(dirname "$0")/.."
root=$(pwd)

targets() {
  for f in fuzz/fuzz_*.c; do
    name=${f#fuzz/fuzz_}
    name=${name%.c}
    [ "$name" = main_replay ] || [ "$name" = seed_gen ] || echo "$name"
  done
}

summary() {
  case $1 in
    acpi) echo "RSDP, BIOS-area scan, RSDT/XSDT walk, MADT: against a reference, exact-size mappings" ;;
    buddy) echo "allocations, frees and bogus frees against a per-frame model; invariants every step" ;;
    cmdline) echo "any command line against a model of words, options and warnings" ;;
    format) echo "ksnprintf/kprintf against the C library's snprintf and format.h's own rules" ;;
    memblock) echo "add/reserve/remove/free/alloc against a bitmap model" ;;
    multiboot2) echo "any boot information: refused with a message or read inside its bounds" ;;
    paging) echo "map/unmap/protect/translate with 4K/2M/1G pages against a list of mappings" ;;
    *) echo "(see fuzz/fuzz_$1.c)" ;;
  esac
}

if [ $# -eq 0 ]; then
  echo "fuzz targets (scripts/fuzz.sh TARGET SECONDS):"
  for t in $(targets); do
    printf '  %-11s %s\n' "$t" "$(summary "$t")"
  done
  exit 0
fi

if [ $# -ne 2 ] || ! [[ $2 =~ ^[0-9]+$ ]] || [ "$2" -eq 0 ]; then
  echo "usage: scripts/fuzz.sh [TARGET SECONDS]   (SECONDS a whole number above 0)" >&2
  exit 2
fi
target=$1
seconds=$2
if ! targets | grep -qx "$target"; then
  echo "fuzz.sh: no target '$target'; known: $(targets | tr '\n' ' ')" >&2
  exit 2
fi

work=${fuzz_dir:-$root/build/fuzz-campaigns}/$target
case "$work/" in
  "$root"/build/*) ;;
  "$root"/*) echo "fuzz.sh: $work is inside the source tree; use build/ or a directory outside" >&2; exit 2 ;;
esac
# Configure (cheap when nothing changed; picks up new targets), then build
# only this target.
build=$root/build/clang
mkdir -p "$root/build"
# Two campaigns started at once must not configure the same tree together
# (CMake's files would be written twice): one at a time, under a lock.
(
  flock 9
  cmake --preset clang >/dev/null
  cmake --build --preset clang --target "fuzz_$target" >/dev/null
) 9>"$root/build/.fuzz-build.lock"
binary=$build/fuzz/fuzz_$target
read -r -a options < <(sed -n 1p "$build/fuzz/targets/$target.args")
seeds=$(sed -n 2p "$build/fuzz/targets/$target.args")

mkdir -p "$work/corpus" "$work/crashes"
log=$work/last-run.log
crashes_before=$(find "$work/crashes" -type f | wc -l)

echo "fuzz.sh: $target for $seconds s; corpus $work/corpus, log $log"
status=0
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
  "$binary" "${options[@]}" -max_total_time="$seconds" -print_final_stats=1 \
  -artifact_prefix="$work/crashes/" "$work/corpus" "$seeds" >"$log" 2>&1 || status=$?

execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
crashes=$(($(find "$work/crashes" -type f | wc -l) - crashes_before))
corpus=$(find "$work/corpus" -type f | wc -l)
echo "executions:        ${execs:-?}"
echo "executions/second: ${rate:-?}"
echo "corpus:            $corpus inputs"
echo "crashes found:     $crashes"
if [ "$status" -ne 0 ] || [ "$crashes" -ne 0 ]; then
  grep -a -m1 -E 'fuzz model mismatch|ERROR: |runtime error|KERNEL PANIC' "$log" || true
  ls -t "$work/crashes" | head -n "$((crashes > 0 ? crashes : 1))" | sed "s|^|crash input: $work/crashes/|"
  echo "fuzz.sh: $target failed (exit status $status); see $log" >&2
  exit 1
fi
