"""GDB test: mm-maps marks W+X exactly where it is. The early tables map
everything R+W+X (three W+X ranges); the kernel's tables have none, as the
kernel's own W^X audit right after the switch says, and their lower half is
the trampoline's code page r-x and its data page r--, nothing else."""
import re

import gdbtest as t
import stageos

LOWER_HALF_END = 1 << 47
TRAMPOLINE_LOW_REMAP = [(0x8000, 0x9000, "r-x"), (0x9000, 0xA000, "r--")]


def wx_lines(output):
    return [line for line in output.splitlines() if line.endswith("W+X")]


def test():
    t.stop_at("mm_switch_to_kernel_tables")
    early = t.execute("mm-maps")
    t.check(len(wx_lines(early)) == 3, f"the early tables should give 3 W+X ranges:\n{early}")

    t.stop_at("mm_buddy_stage")  # the switch and the audit are done and printed
    audit = t.serial_match(r"^paging: W\^X audit: (\d+) writable\+executable pages; stage 4 took \d+ us$")
    output = t.execute("mm-maps")
    t.check(not wx_lines(output), f"expected no W+X range in the kernel's tables:\n{output}")
    summary = re.search(r"W\+X: (\d+) ranges, (\d+) pages of 4 KiB", output)
    counted = summary.group(2) if summary else "?"
    t.check(counted == audit.group(1) == "0",
            f"mm-maps counts {counted} W+X pages, the kernel's audit {audit.group(1)}; both should be 0")

    low = [(r.start, r.end, r.perms) for r in stageos.merged_ranges() if r.start < LOWER_HALF_END]
    t.check(low == TRAMPOLINE_LOW_REMAP,
            f"the lower half should be the trampoline's code r-x and data r-- only, not {low}:\n{output}")
    t.check(not any(r.global_page for r in stageos.merged_ranges() if r.start < LOWER_HALF_END),
            "the low remap must not be global: stage 6 removes it")


t.run(test)
