#!/usr/bin/env bash
# lab.sh - the course's labs (docs/labs/): list them, cut a student tree,
# paste a lab's reference code back, check that its seeded bugs are caught.
#
# usage: scripts/lab.sh list
#        scripts/lab.sh start LAB DIR
#        scripts/lab.sh solve LAB DIR
#        scripts/lab.sh mutants LAB [--work-dir DIR] [--timeout-scale F] [--compiler gcc|clang]
#
#   list            one lab per line, in course order: its name, then its title
#   start LAB DIR   write a complete project tree to DIR (a new git repository
#                   with one commit) in which the functions LAB asks for, and
#                   those of the labs after it, are stubs that stop with
#                   "not implemented: <function> (lab <lab>)"; the labs before
#                   it are solved, so the kernel boots up to LAB's stage.
#                   Answers (docs/teachers/) and mutants are left out.
#   solve LAB DIR   paste the reference code of LAB into the tree at DIR (a
#                   teacher's answer key; the labs tests use it)
#   mutants LAB     apply each labs/LAB/mutants/*.patch in a scratch copy
#                   (build/mutants/LAB), grade it, and fail unless every one
#                   of them loses points
#
# Exit status: 0 on success; 1 when a mutant survives or does not apply; 2
# for bad arguments or a broken lab definition (the message names it).
set -euo pipefail
. "$(dirname "$0")/lib/script-support.sh"
exit_with_help_if_asked "$0" "$@"
require_tool lab.sh python3 "runs scripts/lab.py"
if [ $# -ge 3 ] && [ "$1" != mutants ]; then
  # DIR is relative to where the user runs the script.
  set -- "$1" "$2" "$(absolute_path "$3")" "${@:4}"
fi
exec python3 "$(dirname "$0")/lab.py" "$@"
