"""GDB test: a panic before the command line is parsed still honours `exit`.

GRUB always hands over well-formed boot information, so the test breaks it
the way a faulty boot loader could: at the first instruction of kernel_main,
total_size becomes 8 (less than the fixed part and an end tag). mb2_parse()
rejects it and kernel_main panics before cmdline_parse() has run. entry32.S
read `exit` from the intact structure beforehand and passed it in RDX, so
the panic must end QEMU with status 35 (the driver checks that and the panic
line, see tests/gdb/CMakeLists.txt)."""
import struct

import gdb

import gdbtest as t
import stageos


def test():
    t.stop_at("kernel_main")
    # System V: kernel_main(magic in RDI, mbi_phys in RSI, exit_early in RDX).
    exit_early = stageos.register("rdx") & 0xffffffff
    t.check(exit_early == 1, f"exit_early is {exit_early}, expected 1 (the ISO's command line is \"exit\")")
    mbi = stageos.register("rsi")
    inferior = gdb.selected_inferior()
    # The early tables still map the first 4 GiB at their physical addresses.
    (total_size,) = struct.unpack("<I", bytes(inferior.read_memory(mbi, 4)))
    t.check(16 <= total_size <= 1 << 20, f"total_size at {mbi:#x} is {total_size}: not GRUB's boot information")
    inferior.write_memory(mbi, struct.pack("<I", 8))
    print(f"total_size at {mbi:#x}: {total_size} -> 8")


t.run(test)
