"""GDB test: after the switch, mm-walk of kernel symbols follows the link
layout: the physical address is the symbol's minus KERNEL_VIRT_BASE, in a
4 KiB page; .text is executable and read-only, .rodata read-only and NX,
.data writable and NX."""
import re

import gdbtest as t
import stageos

# symbol, section, expected rights, leaf bits that must be set / clear
CASES = [
    ("kernel_main", ".text", "r-x", ["P", "G"], ["RW", "NX"]),
    ("__rodata_start", ".rodata", "r--", ["P", "G", "NX"], ["RW"]),
    ("'buddy.c'::free_head", ".data", "rw-", ["P", "RW", "G", "NX"], []),
]


def test():
    t.stop_at("mm_switch_to_kernel_tables")
    t.finish()
    for symbol, section, rights, set_bits, clear_bits in CASES:
        va = stageos.eval_int(symbol)
        expected_pa = va - stageos.KERNEL_VIRT_BASE
        output = t.execute(f'mm-walk "{symbol}"')  # quoted: one argument
        found = re.search(r"=> 0x([0-9a-f]+) -> pa 0x([0-9a-f]+), (.+?) page, (\S+) kernel", output)
        t.check(found, f"mm-walk {symbol} ({section}) did not translate it:\n{output}")
        t.check(int(found.group(2), 16) == expected_pa,
                f"{symbol} ({section}) at 0x{va:x}: pa 0x{found.group(2)}, expected 0x{expected_pa:x}")
        what = f"{symbol} ({section})"
        t.check(found.group(3) == "4 KiB", f"{what} is in a {found.group(3)} page, expected 4 KiB")
        t.check(found.group(4) == rights, f"{what} has rights {found.group(4)}, expected {rights}")

        steps, _ = stageos.walk(va)
        levels = [s.level for s in steps]
        t.check(levels == [4, 3, 2, 1], f"the walk of {what} has levels {levels}, expected 4 3 2 1")
        leaf_bits = stageos.entry_flag_names(steps[-1].entry).split()
        for bit in set_bits:
            t.check(bit in leaf_bits, f"{what}: the PT entry lacks {bit} ({' '.join(leaf_bits)})")
        for bit in clear_bits:
            t.check(bit not in leaf_bits, f"{what}: the PT entry has {bit} ({' '.join(leaf_bits)})")


t.run(test)
