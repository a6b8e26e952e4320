#!/usr/bin/env bash
# check-mm-separable.sh - src/mm/ must stay separable (ctest runs it as
# host.mm_is_separable).
#
# usage: scripts/check-mm-separable.sh CC SOURCE_DIR
#
# Every file includes only <stdint.h>, <stddef.h>, <stdbool.h> and src/mm's
# own headers, and every .c compiles freestanding with nothing but src/mm on
# the include path (so a header from src/arch, src/boot, src/drivers or
# src/lib cannot sneak in, even through another header). And the other way
# round for the boot-information parser: src/boot includes nothing of
# src/mm (stage 1's glue between the two is src/kernel/memory_map.c).
# And src/arch includes nothing of src/kernel: the kernel depends on arch,
# never back (arch reaches the kernel only through hooks the kernel
# registers, such as exceptions_set_fatal_handler() in arch/x86_64/fatal.h).
set -euo pipefail
. "$(dirname "$0")/lib/script-support.sh"
exit_with_help_if_asked "$0" "$@"
if [ $# -ne 2 ]; then
  echo "check-mm-separable.sh: expected CC SOURCE_DIR (a compiler and the top of the source tree)," \
       "got $# argument(s) (see --help)" >&2
  exit 2
fi
cc=$1 mm="$2/src/mm"
status=0
while IFS= read -r line; do
  echo "check-mm-separable: not a freestanding or src/mm header: $line"
  status=1
done < <(grep -nE '^\s*#\s*include\s*<' "$mm"/*.[ch] | grep -vE '<(stdint|stddef|stdbool)\.h>' || true)
while IFS= read -r line; do
  echo "check-mm-separable: includes a header outside src/mm: $line"
  status=1
done < <(grep -nE '^\s*#\s*include\s*"[^"]*/' "$mm"/*.[ch] || true)
while IFS= read -r line; do
  echo "check-mm-separable: the parser in src/boot includes src/mm: $line"
  status=1
done < <(grep -nE '^\s*#\s*include\s*"(\.\./)*mm/' "$2/src/boot"/*.[chS] || true)
while IFS= read -r line; do
  echo "check-mm-separable: src/arch includes a header of src/kernel (arch must not depend on the" \
       "kernel; register a hook from the kernel instead, see src/arch/x86_64/fatal.h): $line"
  status=1
done < <(grep -rnE '^\s*#\s*include\s*"(\.\./)*kernel/' "$2/src/arch" || true)
count=0
for f in "$mm"/*.c; do
  if ! "$cc" -std=gnu11 -ffreestanding -fsyntax-only -Wall -Wextra -Werror -Wno-unused-parameter \
       -iquote "$mm" "$f"; then
    echo "check-mm-separable: $f does not compile on its own with only src/mm on the include path"
    status=1
  fi
  count=$((count + 1))
done
[ $status -eq 0 ] && echo "check-mm-separable: $count files in src/mm compile freestanding with only src/mm headers;" \
  "src/boot includes nothing of src/mm; src/arch includes nothing of src/kernel"
exit $status
