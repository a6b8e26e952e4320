"""GDB test: a hardware breakpoint set before the first instruction stops at
mm_switch_to_kernel_tables, in stage bump, with the early tables still in
CR3 and the kernel's new root as the argument."""
import gdbtest as t
import stageos


def test():
    t.stop_at("mm_switch_to_kernel_tables")

    number, name, _ = stageos.read_stage()
    t.check((number, name) == (3, "bump"), f"mm stage is {number} ({name}), expected 3 (bump)")
    t.check("mm stage 3: bump" in t.execute("mm-stage"), "mm-stage does not print 'mm stage 3: bump'")

    early = stageos.eval_int("&early_pml4")
    root = stageos.cr3_root()
    t.check(root == early, f"CR3 root is {root:#x}, expected early_pml4 at {early:#x}")

    new_root = stageos.eval_int("new_root")
    kernel_root = stageos.eval_int("'stages.c'::kernel_space.root")
    t.check(new_root == kernel_root, f"new_root {new_root:#x} is not kernel_space.root {kernel_root:#x}")


t.run(test)
