"""GDB test (debug preset only): with -Og and no inlining, `next` and `step`
walk through the buddy as the source reads. Stopped at buddy_alloc_pages,
`next` reaches the line that calls alloc_pages_locked, `step` enters it as a
frame of its own (an -O2 build inlines it), its arguments are readable, and
`finish` returns to buddy_alloc_pages with its result (docs/11-gdb.md)."""
import gdb

import gdbtest as t


def source_line():
    sal = gdb.selected_frame().find_sal()
    with open(sal.symtab.fullname()) as source:
        return source.readlines()[sal.line - 1]


def test():
    t.stop_at("buddy_alloc_pages")
    caller = gdb.selected_frame().older()
    t.check(caller is not None and caller.name(), "buddy_alloc_pages has no named caller frame")
    for _ in range(6):
        if "alloc_pages_locked(" in source_line():
            break
        t.execute("next")
    t.check("alloc_pages_locked(" in source_line(),
            f"six `next` from buddy_alloc_pages did not reach the call of alloc_pages_locked: {source_line()!r}")
    t.execute("step")
    frame = gdb.selected_frame()
    t.check(frame.name() == "alloc_pages_locked" and frame.older().name() == "buddy_alloc_pages",
            f"`step` went to {frame.name()} (called from {frame.older().name()}), "
            "expected alloc_pages_locked called from buddy_alloc_pages")
    arguments = t.execute("info args")
    t.check("order = " in arguments and "optimized out" not in arguments,
            f"the arguments of alloc_pages_locked are not all readable:\n{arguments}")
    t.finish()
    # GDB prints "Value returned" itself (not into the captured output) and
    # keeps the value as the last history entry.
    returned = str(gdb.history(0))
    t.check(gdb.selected_frame().name() == "buddy_alloc_pages" and returned == "MM_OK",
            f"`finish` went to {gdb.selected_frame().name()} returning {returned}, "
            "expected buddy_alloc_pages and MM_OK")


t.run(test)
