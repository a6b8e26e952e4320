"""GDB test: mm-maps marks W+X exactly where it is. The early tables map
everything R+W+X (three W+X ranges); the kernel's tables have one, the
64 MiB low identity remap, as large as the kernel's own W^X audit says."""
import re

import gdbtest as t


def wx_lines(output):
    return [line for line in output.splitlines() if line.endswith("W+X")]


def test():
    t.stop_at("mm_switch_to_kernel_tables")
    early = t.execute("mm-maps")
    t.check(len(wx_lines(early)) == 3, f"the early tables should give 3 W+X ranges:\n{early}")

    t.stop_at("mm_buddy_stage")  # the switch and the audit are done and printed
    audit = t.serial_match(r"^paging: W\^X audit: (\d+) writable\+executable pages")
    output = t.execute("mm-maps")
    lines = wx_lines(output)
    t.check(len(lines) == 1 and lines[0].split()[0] == "0x0000000000000000-0x0000000003ffffff",
            f"expected one W+X range, the low remap [0x0-0x4000000):\n{output}")
    summary = re.search(r"W\+X: (\d+) ranges, (\d+) pages of 4 KiB", output)
    counted = summary.group(2) if summary else "?"
    t.check(counted == audit.group(1),
            f"mm-maps counts {counted} W+X pages, the kernel's audit {audit.group(1)}")


t.run(test)
