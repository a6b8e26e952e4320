"""GDB test: stepping over the CR3 switch (`finish` out of
mm_switch_to_kernel_tables) changes CR3 to a page-aligned root, and the
values before and after are the ones the kernel prints on serial."""
import gdbtest as t
import stageos


def test():
    t.stop_at("mm_switch_to_kernel_tables")
    before = t.register("cr3")
    new_root = stageos.eval_int("new_root")
    t.finish()
    after = t.register("cr3")

    t.check(after != before, f"CR3 is still {before:#x} after the switch")
    t.check(after % stageos.PAGE_SIZE == 0, f"CR3 {after:#x} after the switch is not page-aligned")
    t.check(after == new_root, f"CR3 {after:#x} is not the new_root argument {new_root:#x}")
    line = t.serial_match(r"^paging: CR3 0x([0-9a-f]+) -> 0x([0-9a-f]+)")
    printed = (int(line.group(1), 16), int(line.group(2), 16))
    t.check(printed == (before & stageos.PTE_ADDR_MASK, after),
            f"serial says CR3 {printed[0]:#x} -> {printed[1]:#x}, GDB saw {before:#x} -> {after:#x}")


t.run(test)
