"""GDB test: right after stage 5, mm-buddy shows the free pages the kernel
printed when the buddy took over, the per-order lists add up to that
total, every listed block is aligned to its size, and the per-CPU lists of
single pages are still empty."""
import re

import gdbtest as t
import stageos


def test():
    # Back from mm_buddy_stage: its line is printed and nothing has been
    # allocated yet (the later stages do allocate).
    t.stop_at("mm_buddy_stage")
    t.finish()
    printed = t.serial_match(r"^buddy: took over \d+ free ranges: (\d+) free pages \((\d+) MiB\)")
    output = t.execute("mm-buddy")
    summary = re.search(r"^buddy: (\d+) free pages \((\d+) MiB\) of \d+ managed; "
                        r"the lists hold (\d+) pages \((\w+)", output, re.M)
    t.check(summary, f"mm-buddy printed no summary line:\n{output}")
    t.check(summary.group(1, 2) == printed.groups(),
            f"mm-buddy says {summary.group(1, 2)} (pages, MiB), serial {printed.groups()}")
    t.check(summary.group(3) == summary.group(1) and summary.group(4) == "agrees",
            f"the lists hold {summary.group(3)} pages, free_page_count is {summary.group(1)}")
    # Nothing has been allocated yet: the per-CPU lists are empty.
    cached = re.search(r"^per-CPU lists: (\d+) free single pages; (\d+) free pages in all", output, re.M)
    t.check(cached and cached.group(1) == "0" and cached.group(2) == summary.group(1),
            f"mm-buddy's per-CPU line is missing or wrong:\n{output}")

    state = stageos.read_buddy(blocks_per_order=8)
    for order, blocks in enumerate(state.first_blocks):
        t.check(len(blocks) == min(8, state.free_count[order]),
                f"order {order}: {len(blocks)} blocks on the list, free_count says {state.free_count[order]}")
        for pa in blocks:
            t.check(pa % (stageos.PAGE_SIZE << order) == 0, f"order-{order} block at 0x{pa:x} is not aligned")


t.run(test)
