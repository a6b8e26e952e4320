#!/usr/bin/env bash
# student_tree.sh LAB WORKDIR [GRADE_OPTIONS...] - the ctest
# labs.<LAB>.student_tree_scores_below_full_until_solved:
# the student tree of LAB (scripts/lab.sh start) builds and grades below
# full marks, and the same tree with the reference code pasted back
# (scripts/lab.sh solve) grades full marks.
set -euo pipefail
lab=$1 work=$2
shift 2 # the rest goes to grade.sh (--compiler, --ccache)
root="$(cd "$(dirname "$0")/../.." && pwd)"
tree="$work/tree"
rm -rf "$tree"
mkdir -p "$work"
"$root/scripts/lab.sh" start "$lab" "$tree"

# score_of OUTPUT: the X/Y of the last "score: X/Y" line.
score_of() { sed -n 's/^score: \([0-9]*\/[0-9]*\)$/\1/p' <<<"$1" | tail -n 1; }

# grade: run the grader in the tree; sets out, status and score.
grade() { # grade.sh options...
  set +e
  out=$(cd "$tree" && scripts/grade.sh "$lab" "$@" 2>&1)
  status=$?
  set -e
  echo "$out"
  score=$(score_of "$out")
}

grade "$@"
if [ -z "$score" ]; then
  echo "FAIL: the student tree of lab $lab printed no score (the build or the grader broke; see above)"
  exit 1
fi
if grep -q "build failed" <<<"$out"; then
  echo "FAIL: the student tree of lab $lab does not build (see above)"
  exit 1
fi
if [ "$status" -eq 0 ] || [ "${score%/*}" = "${score#*/}" ]; then
  echo "FAIL: the student tree of lab $lab, with its functions still stubs, scored $score (exit $status): the checks do not test them"
  exit 1
fi
if ! grep -q "not implemented: .* (lab $lab)" <<<"$out"; then
  echo "FAIL: no check of lab $lab said that a function of the lab is not implemented"
  exit 1
fi
echo "student tree of lab $lab: $score with the stubs (below full, as it must be)"

"$root/scripts/lab.sh" solve "$lab" "$tree"
grade "$@"
if [ "$status" -ne 0 ] || [ -z "$score" ] || [ "${score%/*}" != "${score#*/}" ]; then
  echo "FAIL: the student tree of lab $lab with the reference code pasted back scored ${score:-nothing} (exit $status), not full marks"
  exit 1
fi
echo "PASS: lab $lab: stubs score below full, the pasted-back reference scores $score"
