"""GDB test: mm-memblock shows the memory and reserved regions the kernel
describes at the end of stage 2: the same counts, MiB and KiB."""
import re

import gdbtest as t


def test():
    t.stop_at("mm_bump_stage")  # right after the memblock line, before bump reserves more
    printed = t.serial_match(r"^memblock: (\d+) memory regions \((\d+) MiB\), "
                             r"(\d+) reserved regions \((\d+) KiB\)")
    output = t.execute("mm-memblock")
    summaries = re.findall(r"^memblock (\w+): (\d+) regions, \d+ KiB \(0x([0-9a-f]+) bytes\)", output, re.M)
    tables = {name: (int(count), int(size, 16)) for name, count, size in summaries}
    t.check("memory" in tables and "reserved" in tables, f"mm-memblock printed no summary lines:\n{output}")
    (memory_count, memory_bytes), (reserved_count, reserved_bytes) = tables["memory"], tables["reserved"]
    seen = (memory_count, memory_bytes >> 20, reserved_count, reserved_bytes >> 10)
    expected = tuple(int(g) for g in printed.groups())
    t.check(seen == expected,
            f"mm-memblock says {seen} (memory regions, MiB, reserved regions, KiB), serial {expected}")


t.run(test)
