"""GDB test: mm-areas shows the phys_memory_area table the kernel describes
on serial: the same number of usable ranges, MiB and other ranges."""
import re

import gdbtest as t


def test():
    t.stop_at("mm_bump_stage")  # stage 1 and 2 are done and printed
    printed = t.serial_match(r"^phys_memory_area: (\d+) usable ranges, (\d+) MiB; "
                             r"(\d+) other ranges recorded")
    output = t.execute("mm-areas")
    usable = re.search(r"^phys_memory_area: (\d+) usable ranges, (\d+) MiB", output, re.M)
    other = re.search(r"^phys_other_area: (\d+) other ranges", output, re.M)
    t.check(usable and other, f"mm-areas printed no summary lines:\n{output}")
    seen = (usable.group(1), usable.group(2), other.group(1))
    t.check(seen == printed.groups(), f"mm-areas says {seen} (usable, MiB, other), serial {printed.groups()}")
    rows = re.findall(r"^\s+\d+\s+\[0x([0-9a-f]+)-0x([0-9a-f]+)\)", output, re.M)
    t.check(len(rows) == int(usable.group(1)) + int(other.group(1)),
            f"mm-areas lists {len(rows)} ranges, expected {usable.group(1)} + {other.group(1)}")


t.run(test)
