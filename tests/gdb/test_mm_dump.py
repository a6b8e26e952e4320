"""GDB test: mm-dump writes a dump that scripts/mmdump.py reads, at three
moments of one boot, and each one shows what that moment should:

  at mm_switch_to_kernel_tables  stage bump, the early tables: the first
                                 4 GiB identity-mapped and direct-mapped R+W+X
  after it returns               still stage bump, the kernel's tables: the
                                 direct map is exactly memblock's memory,
                                 R+W, NX; .text R+X; no W+X run at all, and
                                 the lower half is only the trampoline's code
                                 page (r-x) and data page (r--)
  after mm_buddy_stage           free blocks and per-order counts that add
                                 up to the pages the kernel printed
"""
import os
import re
import sys
import tempfile

import gdbtest as t
import stageos

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(stageos.__file__))))
import mmdump  # noqa: E402  (scripts/, found through stageos's location)

GIB = 1 << 30
TRAMPOLINE_RUNS = [(0x8000, 0x9000, "r-x"), (0x9000, 0xa000, "r--")]


def take_dump(directory, name):
    path = os.path.join(directory, name)
    said = t.execute(f"mm-dump {path}")
    t.check("lines written" in said, f"mm-dump did not say it wrote {path}: {said!r}")
    try:
        dump = mmdump.read_dump_file(path)
    except mmdump.DumpError as error:
        raise t.Failure(f"the dump at {name} does not parse: {error}\n" + open(path).read()) from None
    check_common(dump, name)
    return dump


def spans(dump, kind):
    return [(r.start, r.end) for r in dump.ranges[kind]]


def runs_in(dump, low, high):
    return [r for r in dump.ranges["map"] if low <= r.start and r.end <= high]


def serial_memory_map():
    """The boot loader's map as mb2_print_summary printed it: [(start, end, name)]."""
    names = {"available": "available", "reserved": "reserved", "ACPI reclaimable": "acpi-reclaimable",
             "ACPI NVS": "acpi-nvs", "bad RAM": "bad-ram"}
    entries = []
    for line in t.serial_lines():
        found = re.match(r"^\s+base 0x([0-9a-f]+) length 0x([0-9a-f]+) (.+)$", line)
        if found:
            start, length = int(found.group(1), 16), int(found.group(2), 16)
            entries.append((start, start + length, names.get(found.group(3), "unknown")))
    return entries


def check_common(dump, moment):
    """What every dump must show, checked against the kernel's variables
    and serial log at the moment it was taken."""
    t.check(dump.source == "gdb", f"{moment}: source={dump.source}, expected gdb")
    seen = [(r.start, r.end, r.fields["name"]) for r in dump.ranges["firmware"]]
    t.check(seen == serial_memory_map(), f"{moment}: firmware lines {seen} differ from the serial memory map")
    memory, reserved = stageos.read_memblock()
    t.check(spans(dump, "memory") == [(b, b + s) for b, s in memory], f"{moment}: memory lines differ")
    t.check(spans(dump, "reserved") == [(b, b + s) for b, s in reserved], f"{moment}: reserved lines differ")
    for owner in dump.ranges["owner"]:
        t.check(any(s <= owner.start and owner.end <= e for s, e in spans(dump, "reserved")),
                f"{moment}: owner {owner.fields['name']} [0x{owner.start:x}, 0x{owner.end:x}) is not reserved")
    names = {r.fields["name"] for r in dump.ranges["owner"]}
    for name in ("first-mib", "kernel-image", "boot-information", "kernel-page-tables"):
        t.check(name in names, f"{moment}: no owner line named {name} (have {sorted(names)})")


def test():
    with tempfile.TemporaryDirectory(prefix="stageos-mm-dump-") as directory:
        t.stop_at("mm_switch_to_kernel_tables")
        before = take_dump(directory, "before.dump")
        t.finish()
        after = take_dump(directory, "after.dump")
        t.stop_at("mm_buddy_stage")
        t.finish()
        buddy = take_dump(directory, "buddy.dump")

    t.check((before.stage, after.stage, buddy.stage) == ("bump", "bump", "buddy"),
            f"stages {before.stage}, {after.stage}, {buddy.stage}; expected bump, bump, buddy")
    t.check(not before.ranges["free"] and not before.orders and not after.ranges["free"],
            "free or order lines before the buddy exists")
    new_root = int(t.serial_match(r"^paging: CR3 0x[0-9a-f]+ -> 0x([0-9a-f]+)").group(1), 16)
    t.check(any(r.fields["name"] == "kernel-page-tables" and r.start <= new_root < r.end
                for r in before.ranges["owner"]),
            f"the new root 0x{new_root:x} is not inside a kernel-page-tables owner range")

    # Before: entry32.S's early tables, 2 MiB pages, everything R+W+X.
    direct_base = stageos.PHYS_OFFSET
    early_direct = runs_in(before, direct_base, direct_base + (1 << 46))
    seen = [(r.start, r.end, r.fields["rights"]) for r in early_direct]
    t.check(seen == [(direct_base, direct_base + 4 * GIB, "rwx")],
            f"before: expected one R+W+X run over the first 4 GiB of the direct map, got {early_direct}")
    t.check(not [r for r in before.ranges["map"] if r.fields["rights"] == "r-x"], "before: an R+X run already")

    # After: the kernel's tables.
    direct = runs_in(after, direct_base, direct_base + (1 << 46))
    t.check(all(r.fields["rights"] == "rw-" and r.fields["global"] == 1 for r in direct),
            f"after: a direct-map run that is not R+W, NX, global: {direct}")
    covered = []
    for r in direct:  # runs split at page-size changes: merge them back
        if covered and covered[-1][1] == r.start - direct_base:
            covered[-1] = (covered[-1][0], r.end - direct_base)
        else:
            covered.append((r.start - direct_base, r.end - direct_base))
    t.check(covered == spans(after, "memory"), f"after: the direct map covers {covered}, memblock's memory is "
            f"{spans(after, 'memory')}")
    wx = [(r.start, r.end) for r in after.ranges["map"] if r.fields["rights"] == "rwx"]
    t.check(wx == [], f"after: W+X runs {wx}, expected none (W^X holds from the switch on)")
    low = [(r.start, r.end, r.fields["rights"]) for r in after.ranges["map"] if r.start < (1 << 47)]
    t.check(low == TRAMPOLINE_RUNS, f"after: the lower half maps {low}, expected only {TRAMPOLINE_RUNS}")
    text = runs_in(after, stageos.KERNEL_VIRT_BASE, 1 << 64)
    t.check("r-x" in {r.fields["rights"] for r in text}, f"after: no R+X run for the kernel's .text: {text}")
    t.check(before.ranges["map"] != after.ranges["map"], "the map lines did not change at the switch")

    # After stage 5: the buddy's lists.
    printed = t.serial_match(r"^buddy: took over \d+ free ranges: (\d+) free pages .* "
                             r"metadata \d+ KiB at 0x([0-9a-f]+)")
    per_order = {}
    for r in buddy.ranges["free"]:
        per_order[r.fields["order"]] = per_order.get(r.fields["order"], 0) + 1
    t.check(sorted(buddy.orders) == list(range(mmdump.MAX_ORDER + 1)), f"order lines for {sorted(buddy.orders)}")
    t.check(all(per_order.get(o, 0) == n for o, n in buddy.orders.items()),
            f"free lines per order {per_order} differ from the order lines {buddy.orders}")
    pages = sum(1 << r.fields["order"] for r in buddy.ranges["free"])
    t.check(pages == int(printed.group(1)), f"the free lines hold {pages} pages, the kernel printed {printed.group(1)}")
    for r in buddy.ranges["free"]:
        t.check(any(s <= r.start and r.end <= e for s, e in spans(buddy, "memory")), f"free block {r} outside memory")
        t.check(not any(s < r.end and r.start < e for s, e in spans(buddy, "reserved")), f"free block {r} is reserved")
    meta = [r for r in buddy.ranges["owner"] if r.fields["name"] == "buddy-metadata"]
    t.check(len(meta) == 1 and meta[0].start == int(printed.group(2), 16),
            f"buddy-metadata owner {meta}, the kernel printed metadata at 0x{printed.group(2)}")


t.run(test)
