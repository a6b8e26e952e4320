#!/usr/bin/env bash
# bench-compare.sh - run the host benchmark bench_buddy of another revision
# and of this working tree, one after the other, several times, and print
# each row's median time for both side by side (docs/13-benchmarks.md,
# 13.6 and 13.8).
#
# usage: scripts/bench-compare.sh REV [--runs N] [--work-dir DIR]
#
#   REV            the revision to compare with (a commit, a tag, main~3)
#   --runs N       invocations of each program, alternating (default 5);
#                  each prints the median of its own 5 timed runs per row,
#                  and the table shows the median of those N medians
#   --work-dir DIR where REV's worktree and both builds go (default: a
#                  new temporary directory, removed afterwards)
#
# Alternating the two programs keeps a change of load on a shared machine
# from landing on one side only. Both are built with the GCC preset's
# compiler and flags (-O2, bench/CMakeLists.txt). Revisions from before
# bench_timer.h reported medians (older than issue 10's per-CPU lists)
# printed the fastest run instead; for those this script puts the current
# bench_timer.h into REV's tree and turns its best-of loops into medians,
# and says so, so that the two columns measure the same statistic. Rows
# only one side has are shown with '-' on the other.
#
# Times are for reading, not for pass/fail: instruction counts (the
# bench-callgrind target) are the repeatable measure of a change.
set -euo pipefail
. "$(dirname "$0")/lib/script-support.sh"
exit_with_help_if_asked "$0" "$@"

rev="" runs=5 work=""
while [ $# -gt 0 ]; do
  case "$1" in
    --runs | --work-dir)
      if [ $# -lt 2 ]; then
        echo "bench-compare.sh: $1 needs a value" >&2
        exit 2
      fi
      if [ "$1" = --runs ]; then runs=$2; else work=$(absolute_path "$2"); fi
      shift
      ;;
    -*) echo "bench-compare.sh: unknown option '$1' (known: --runs N, --work-dir DIR, --help)" >&2; exit 2 ;;
    *)
      if [ -n "$rev" ]; then
        echo "bench-compare.sh: one revision only (got '$rev' and '$1')" >&2
        exit 2
      fi
      rev=$1
      ;;
  esac
  shift
done
if [ -z "$rev" ]; then
  echo "bench-compare.sh: name the revision to compare with (see --help)" >&2
  exit 2
fi
case "$runs" in
  '' | *[!0-9]* | 0) echo "bench-compare.sh: --runs '$runs' is not a positive number" >&2; exit 2 ;;
esac
require_tool bench-compare.sh cmake "the build"
require_tool bench-compare.sh git "REV's worktree"
source_dir=$(cd "$(dirname "$0")/.." && pwd)
if ! git -C "$source_dir" rev-parse --verify --quiet "$rev^{commit}" >/dev/null; then
  echo "bench-compare.sh: '$rev' is not a commit of $source_dir" >&2
  exit 2
fi

own_work=no
if [ -z "$work" ]; then
  work=$(mktemp -d)
  own_work=yes
fi
cleanup() {
  git -C "$source_dir" worktree remove --force "$work/old" >/dev/null 2>&1 || true
  [ $own_work = yes ] && rm -rf "$work"
}
trap cleanup EXIT
git -C "$source_dir" worktree remove --force "$work/old" >/dev/null 2>&1 || true
rm -rf "$work/old"
git -C "$source_dir" worktree add --detach --quiet "$work/old" "$rev"

if ! grep -q bench_median "$work/old/bench/bench_timer.h"; then
  echo "bench-compare: $rev's bench printed the fastest run; using the current bench_timer.h and medians there"
  cp "$source_dir/bench/bench_timer.h" "$work/old/bench/bench_timer.h"
  python3 - "$work/old/bench/bench_buddy.c" <<'EOF'
import re, sys
path = sys.argv[1]
text = open(path).read()
# best_of(): keep every run, return their median.
text, n1 = re.subn(r"uint64_t best = UINT64_MAX;\n(\s*)for \(unsigned r = 0; r < w->reps; r\+\+\) \{\n"
                   r"\s*uint64_t ns = run\(w\);\n\s*if \(ns < best\)\n\s*best = ns;\n\s*\}\n(\s*)return best;",
                   "struct bench_runs runs = {0};\n\\1for (unsigned r = 0; r < w->reps; r++)\n"
                   "\\1\tbench_runs_add(&runs, run(w));\n\\2return bench_median(&runs);", text)
# The fill-and-free rows: the same for their two phases.
text, n2 = re.subn(r"uint64_t best_alloc = UINT64_MAX, best_free = UINT64_MAX;\n(\s*)for \(unsigned r = 0; r < w->reps; r\+\+\) \{\n"
                   r"(\s*)uint64_t a, f;\n\s*run_fill_and_free\(pages, &a, &f\);\n"
                   r"\s*best_alloc = a < best_alloc \? a : best_alloc;\n\s*best_free = f < best_free \? f : best_free;\n\s*\}\n",
                   "struct bench_runs allocs = {0}, frees = {0};\n\\1for (unsigned r = 0; r < w->reps; r++) {\n"
                   "\\2uint64_t a, f;\n\\2run_fill_and_free(pages, &a, &f);\n\\2bench_runs_add(&allocs, a);\n"
                   "\\2bench_runs_add(&frees, f);\n\\1}\n\\1uint64_t best_alloc = bench_median(&allocs), "
                   "best_free = bench_median(&frees);\n", text)
if n1 != 1 or n2 != 1:
    sys.exit(f"bench-compare: cannot turn {path}'s best-of loops into medians "
             f"({n1} of 1 and {n2} of 1 found): compare with a newer revision")
open(path, "w").write(text)
EOF
fi

build() { # build SOURCE DIR
  cmake -S "$1" -B "$2" -DCMAKE_C_COMPILER=gcc -DCMAKE_ASM_COMPILER=gcc >/dev/null
  cmake --build "$2" --target bench_buddy -j"$(nproc)" >/dev/null
}
echo "bench-compare: building bench_buddy of $rev and of the working tree"
build "$work/old" "$work/build-old"
build "$source_dir" "$work/build-new"

for i in $(seq "$runs"); do
  echo "bench-compare: invocation $i of $runs"
  "$work/build-old/bench/bench_buddy" >"$work/old.$i.txt"
  "$work/build-new/bench/bench_buddy" >"$work/new.$i.txt"
done

python3 - "$work" "$runs" "$rev" <<'EOF'
import re, statistics, sys
work, runs, rev = sys.argv[1], int(sys.argv[2]), sys.argv[3]

def rows(path):
    out = {}
    for line in open(path):
        cells = [c.strip() for c in line.split("|")[1:-1]]
        if len(cells) >= 3 and re.fullmatch(r"[0-9.]+", cells[2]):
            out[cells[0]] = float(cells[2])
    return out

old = [rows(f"{work}/old.{i}.txt") for i in range(1, runs + 1)]
new = [rows(f"{work}/new.{i}.txt") for i in range(1, runs + 1)]
names = list(new[0]) + [n for n in old[0] if n not in new[0]]
print(f"\nns per operation, median of {runs} invocations (each the median of its own timed runs)\n")
print(f"| row | {rev} | working tree | change |")
print("|---|---:|---:|---:|")
for name in names:
    a = statistics.median(r[name] for r in old) if name in old[0] else None
    b = statistics.median(r[name] for r in new) if name in new[0] else None
    change = f"{100 * (b - a) / a:+.0f} %" if a and b else "-"
    print(f"| {name} | {a if a is not None else '-'} | {b if b is not None else '-'} | {change} |")
EOF
