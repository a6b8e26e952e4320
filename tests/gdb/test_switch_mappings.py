"""GDB test (8 GiB of RAM): the switch to the kernel's tables drops what the
early tables mapped beyond the kernel's needs and maps all RAM in the direct
map. Before: the identity map and KERNEL_VIRT_BASE cover the first 4 GiB and
2 GiB, the direct map only the first 4 GiB. After: the identity map is the
low remap, the trampoline's two pages at 0x8000 and 0x9000 and nothing else
(not even the kernel image at 1 MiB), KERNEL_VIRT_BASE only the kernel
image, and the direct map reaches RAM above 4 GiB."""
import gdbtest as t
import stageos

GiB = 1 << 30
IDENTITY_OUTSIDE_REMAP = 0x100000  # 1 MiB: the kernel image, not in the low remap
IDENTITY_HIGH = 0x5000000  # 80 MiB: RAM, far from the low remap
IDENTITY_IN_REMAP = 0x8000  # the trampoline's code page
KERNEL_ALIAS_BEYOND_IMAGE = stageos.KERNEL_VIRT_BASE + 0x5000000
DIRECT_MAP_ABOVE_4G = stageos.PHYS_OFFSET + 5 * GiB


def expect(va, readable, when):
    seen = t.readable(va)
    t.check(seen == readable,
            f"{when} the switch, 0x{va:x} is {'readable' if seen else 'unreadable'}, expected the opposite")


def test():
    t.stop_at("mm_switch_to_kernel_tables")
    memory, _ = stageos.read_memblock()
    t.check(any(base <= 5 * GiB < base + size for base, size in memory),
            f"physical 5 GiB is not RAM (memblock memory {memory}): the test needs -m 8G")

    for va, readable in ((IDENTITY_IN_REMAP, True), (IDENTITY_OUTSIDE_REMAP, True), (IDENTITY_HIGH, True),
                         (KERNEL_ALIAS_BEYOND_IMAGE, True), (DIRECT_MAP_ABOVE_4G, False)):
        expect(va, readable, "before")
    t.finish()
    for va, readable in ((IDENTITY_IN_REMAP, True), (IDENTITY_OUTSIDE_REMAP, False), (IDENTITY_HIGH, False),
                         (KERNEL_ALIAS_BEYOND_IMAGE, False), (DIRECT_MAP_ABOVE_4G, True)):
        expect(va, readable, "after")

    _, translation = stageos.walk(DIRECT_MAP_ABOVE_4G)
    t.check(translation is not None and translation.pa == 5 * GiB,
            f"the direct-map address 0x{DIRECT_MAP_ABOVE_4G:x} does not map physical 5 GiB: {translation}")


t.run(test)
