#!/usr/bin/env bash
# grade.sh - grade a lab (docs/labs/) in this tree, reference or student:
# builds what the lab's checks need, runs its host tests, then its QEMU
# boots, prints one line per check with its points, and ends with
# "score: X/Y".
#
# usage: scripts/grade.sh LAB [--build-dir DIR] [--timeout-scale F]
#                             [--stop-at-first-loss] [--list] [--quiet]
#                             [--compiler gcc|clang] [--jobs N]
#
#   --build-dir DIR       build here (default build/grade; an existing
#                         build directory such as build/gcc works too)
#   --timeout-scale F     multiply every time-out by F on a slow machine
#                         (default: $STAGEOS_TIMEOUT_SCALE, else 1)
#   --stop-at-first-loss  stop at the first check that loses points
#   --list                list the checks and their points; build nothing
#   --quiet               no details under failed checks
#
# Teachers' private tests: STAGEOS_PRIVATE_TESTS=DIR adds the checks of
# every DIR/LAB/*.json ({"checks": [...]}, the format of labs/LAB/lab.json)
# to the grade, without changing the tree (docs/teachers/labs-guide.md).
#
# Exit status: 0 only with full marks; 1 otherwise; 2 for bad arguments.
set -euo pipefail
. "$(dirname "$0")/lib/script-support.sh"
exit_with_help_if_asked "$0" "$@"
require_tool grade.sh python3 "runs scripts/lab.py"
require_tool grade.sh cmake "builds the lab's tests"
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --build-dir)
      [ $# -ge 2 ] || { echo "grade.sh: --build-dir needs a value" >&2; exit 2; }
      args+=("$1" "$(absolute_path "$2")")
      shift
      ;;
    *) args+=("$1") ;;
  esac
  shift
done
cd "$(dirname "$0")/.."
exec python3 scripts/lab.py grade "${args[@]}"
