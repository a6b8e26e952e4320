#!/usr/bin/env bash
# test.sh - the whole test suite, from a fresh clone: installs what is
# missing (scripts/setup.sh), then for GCC and for Clang configures, builds
# (kernel, ISOs, host tests, fuzz targets) and runs ctest (host unit tests,
# fuzz smoke runs, QEMU boot tests, GDB tests, script tests).
#
# usage: scripts/test.sh [--preset NAME]... [--build-dir DIR] [CTEST_OPTIONS] [-- CTEST_ARGS]
#
#   scripts/test.sh                    everything, GCC then Clang
#   scripts/test.sh -L host            only the tests labelled host, both compilers
#   scripts/test.sh --preset gcc -R '^boot\.pc_'    one preset (gcc, clang, debug)
#   scripts/test.sh --build-dir build/gcc -L scripts
#                                      the build in DIR as it is: no set-up,
#                                      no configure, no build
#   STAGEOS_SKIP_SETUP=1 scripts/test.sh    no scripts/setup.sh
#
# CTEST_OPTIONS are the ctest options that select and show tests: -L, -LE,
# -R, -E (each with a regular expression), -j N, --repeat until-fail:N,
# --timeout S, -V, -VV, -N, --output-on-failure, --stop-on-failure,
# --rerun-failed; anything else is refused (ctest itself ignores options it
# does not know). Everything after -- goes to ctest unchecked. Paths are
# relative to the directory you run the script from.
#
# Exit status: 0 when every selected test passed; 1 when a test failed or no
# test matched the selection (ctest alone calls that a success); 2 for bad
# arguments.
set -euo pipefail
. "$(dirname "$0")/lib/script-support.sh"
exit_with_help_if_asked "$0" "$@"

presets=() build_dir="" ctest_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --preset | --build-dir)
      if [ $# -lt 2 ]; then
        echo "test.sh: $1 needs a value" >&2
        exit 2
      fi
      if [ "$1" = --preset ]; then presets+=("$2"); else build_dir=$(absolute_path "$2"); fi
      shift
      ;;
    -L | -LE | -R | -E | -j | --repeat | --timeout)
      if [ $# -lt 2 ]; then
        echo "test.sh: the ctest option $1 needs a value" >&2
        exit 2
      fi
      ctest_args+=("$1" "$2")
      shift
      ;;
    -j[0-9]* | -V | -VV | -N | --output-on-failure | --stop-on-failure | --rerun-failed) ctest_args+=("$1") ;;
    --) shift; ctest_args+=("$@"); break ;;
    *)
      echo "test.sh: unknown option '$1' (known: --preset NAME, --build-dir DIR, the ctest options" \
           "-L -LE -R -E -j --repeat --timeout -V -VV -N --output-on-failure --stop-on-failure" \
           "--rerun-failed, and -- before anything else for ctest; see --help)" >&2
      exit 2
      ;;
  esac
  shift
done
if [ -n "$build_dir" ] && [ ${#presets[@]} -gt 0 ]; then
  echo "test.sh: --build-dir and --preset exclude each other (a preset names its own build directory)" >&2
  exit 2
fi
cd "$(dirname "$0")/.."

# run_ctest WHAT CTEST_SELECTION...: ctest with the user's options, after
# checking (ctest -N) that they select at least one test.
run_ctest() {
  local what=$1 listing count
  shift
  if ! listing=$(ctest "$@" -N "${ctest_args[@]}" 2>&1); then
    echo "$listing" >&2
    echo "test.sh: ctest could not list the tests of $what (see above)" >&2
    exit 1
  fi
  count=$(sed -n 's/^Total Tests: \([0-9]*\)$/\1/p' <<<"$listing")
  if [ "${count:-0}" -eq 0 ]; then
    echo "test.sh: no test of $what matches '${ctest_args[*]}': nothing was run" \
         "(ctest $* --print-labels lists the labels)" >&2
    exit 1
  fi
  echo "=== $what: ctest, $count tests ==="
  if ! ctest "$@" --output-on-failure --no-tests=error "${ctest_args[@]}"; then
    echo "test.sh: tests of $what failed (ctest's summary above names them)" >&2
    exit 1
  fi
}

start=$(date +%s)
if [ -n "$build_dir" ]; then
  require_tool test.sh ctest "CMake's test driver"
  if [ ! -f "$build_dir/CTestTestfile.cmake" ]; then
    echo "test.sh: $build_dir is not a configured build directory (no CTestTestfile.cmake):" \
         "configure and build it first, e.g. cmake --preset gcc && cmake --build --preset gcc" >&2
    exit 1
  fi
  build_dir=$(cd "$build_dir" && pwd) # without ../ in the messages
  run_ctest "$build_dir" --test-dir "$build_dir"
  echo "=== the selected tests of $build_dir passed in $(($(date +%s) - start)) s ==="
  exit 0
fi

[ ${#presets[@]} -gt 0 ] || presets=(gcc clang)
bash scripts/setup.sh
require_tool test.sh cmake "the build"
for preset in "${presets[@]}"; do
  case "$preset" in
    gcc | debug) require_tool test.sh gcc "the $preset preset's compiler" ;;
    clang) require_tool test.sh clang "the clang preset's compiler" ;;
    *) echo "test.sh: unknown preset '$preset' (known: gcc clang debug)" >&2; exit 2 ;;
  esac
done
for preset in "${presets[@]}"; do
  echo "=== $preset: configure and build ==="
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset"
  run_ctest "preset $preset" --preset "$preset"
done
echo "=== all selected tests passed with ${presets[*]} in $(($(date +%s) - start)) s ==="
