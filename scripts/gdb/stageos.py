"""stageos.py - kernel-aware GDB commands for StageOS.

Load it in GDB (scripts/debug.sh does it for you) with

    (gdb) source scripts/gdb/stageos.py

and type `help stageos` for the list. The commands read the kernel's state
through GDB alone: symbols and typed variables with gdb.parse_and_eval, raw
memory with gdb.selected_inferior().read_memory. Nothing runs in the kernel.

Physical memory (page tables) is read through the kernel's direct map at
PHYS_OFFSET + pa. Both the early tables of src/boot/entry32.S (first 4 GiB)
and the kernel's own tables (all RAM) provide it, so this works from
kernel_main on; with paging off (before long mode) virtual = physical.

The module can also be imported from Python (the GDB tests do that): walk(),
mappings(), merged_ranges() and the read_* helpers return plain data.
"""

import struct
from dataclasses import dataclass

import gdb

PHYS_OFFSET = 0xFFFF800000000000
KERNEL_VIRT_BASE = 0xFFFFFFFF80000000
PAGE_SIZE = 4096
PT_ENTRIES = 512
PTE_ADDR_MASK = 0x000FFFFFFFFFF000
MASK64 = (1 << 64) - 1

PTE_P, PTE_RW, PTE_US, PTE_PWT, PTE_PCD = 1 << 0, 1 << 1, 1 << 2, 1 << 3, 1 << 4
PTE_A, PTE_D, PTE_PS, PTE_G, PTE_NX = 1 << 5, 1 << 6, 1 << 7, 1 << 8, 1 << 63

# The bits mm-walk spells out, in the order of src/mm/paging.h.
PTE_BIT_NAMES = [
    (PTE_P, "P"),
    (PTE_RW, "RW"),
    (PTE_US, "US"),
    (PTE_PWT, "PWT"),
    (PTE_PCD, "PCD"),
    (PTE_A, "A"),
    (PTE_D, "D"),
    (PTE_PS, "PS"),
    (PTE_G, "G"),
    (PTE_NX, "NX"),
]
LEVEL_NAMES = {4: "PML4", 3: "PDPT", 2: "PD", 1: "PT"}
CR0_PG = 1 << 31

# src/mm/phys_area.h, enum phys_area_type.
AREA_TYPE_NAMES = {1: "available", 2: "reserved", 3: "ACPI reclaimable", 4: "ACPI NVS", 5: "bad RAM"}


# --------------------------------------------------------------------------
# Small helpers: numbers, sizes, kernel variables


def level_shift(level):
    """Lowest address bit a level's index covers: 12 (PT) .. 39 (PML4)."""
    return 12 + 9 * (level - 1)


def format_size(size_bytes):
    """A byte count in the largest binary unit that divides it exactly."""
    for unit, name in ((1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")):
        if size_bytes >= unit and size_bytes % unit == 0:
            return f"{size_bytes // unit} {name}"
    return f"{size_bytes} bytes"


def canonical(va):
    """Sign-extend bit 47, as the CPU requires of a virtual address."""
    va &= (1 << 48) - 1
    return va | 0xFFFF000000000000 if va & (1 << 47) else va


def is_canonical(va):
    return canonical(va) == va


def value_to_int(value):
    """A gdb.Value as an unsigned 64-bit number; functions and arrays give
    their address, so `mm-walk kernel_main` means the function's address."""
    code = value.type.strip_typedefs().code
    if code in (gdb.TYPE_CODE_FUNC, gdb.TYPE_CODE_ARRAY):
        value = value.address
    return int(value.cast(gdb.lookup_type("unsigned long"))) & MASK64


def eval_int(expression):
    """Evaluate a GDB expression to a number. A linker symbol without debug
    type (e.g. __text_start) is taken by its address."""
    try:
        return value_to_int(gdb.parse_and_eval(expression))
    except gdb.error as first_error:
        try:
            return value_to_int(gdb.parse_and_eval(f"&{expression}"))
        except gdb.error:
            raise gdb.GdbError(f"cannot evaluate '{expression}': {first_error}") from None


def kernel_var(name, source_file):
    """The kernel variable `name`, a static of source_file (e.g. "memblock.c").
    The file scope keeps common names such as `memory` unambiguous."""
    try:
        return gdb.parse_and_eval(f"'{source_file}'::{name}")
    except gdb.error as error:
        raise gdb.GdbError(
            f"cannot read {name} of {source_file}: {error} (is the kernel ELF with debug information loaded?)"
        ) from None


def register(name):
    """A register as an unsigned number (QEMU's x86_64 target has cr0 and cr3)."""
    return int(gdb.parse_and_eval(f"${name}")) & MASK64


def cr3_root():
    """The physical address of the root table now loaded in CR3 (without
    the PCID or cache-control bits)."""
    return register("cr3") & PTE_ADDR_MASK


# --------------------------------------------------------------------------
# Physical memory and page tables


def read_phys(pa, size_bytes):
    """size_bytes of physical memory at pa, as bytes: through the direct
    map, or directly when paging is off."""
    va = PHYS_OFFSET + pa if register("cr0") & CR0_PG else pa
    try:
        return bytes(gdb.selected_inferior().read_memory(va, size_bytes))
    except gdb.MemoryError:
        raise gdb.GdbError(
            f"cannot read physical 0x{pa:x} through virtual 0x{va:x}: the direct map does not cover it"
        ) from None


def read_table(pa, cache=None):
    """The 512 entries of the page table at physical address pa. cache (a
    dict) keeps tables already read during one command."""
    if cache is not None and pa in cache:
        return cache[pa]
    entries = struct.unpack("<512Q", read_phys(pa, PAGE_SIZE))
    if cache is not None:
        cache[pa] = entries
    return entries


def entry_flag_names(entry):
    """The set bits of an entry by name, e.g. "P RW A PS NX"."""
    return " ".join(name for bit, name in PTE_BIT_NAMES if entry & bit)


@dataclass
class WalkStep:
    level: int  # 4 (PML4) .. 1 (PT)
    index: int  # index into this level's table
    entry_pa: int  # physical address of the entry
    entry: int  # its value


@dataclass
class Translation:
    va: int
    pa: int  # including the offset in the page
    page_bytes: int  # 4 KiB, 2 MiB or 1 GiB
    writable: bool  # effective rights: RW on every level
    executable: bool  # no NX on any level
    user: bool  # US on every level
    global_page: bool  # G in the leaf
    nocache: bool  # PCD in the leaf


def walk(va, root=None):
    """Walk va through the tables rooted at root (default: CR3).
    Returns (steps, translation); translation is None when va is not mapped,
    and the last step is then the entry that is not present."""
    if not is_canonical(va):
        raise gdb.GdbError(f"0x{va:x} is not canonical: bits 63..48 must all equal bit 47")
    root = cr3_root() if root is None else root
    steps = []
    table = root
    writable = user = True
    executable = True
    for level in (4, 3, 2, 1):
        index = (va >> level_shift(level)) & (PT_ENTRIES - 1)
        entry = read_table(table)[index]
        steps.append(WalkStep(level, index, table + 8 * index, entry))
        if not entry & PTE_P:
            return steps, None
        writable &= bool(entry & PTE_RW)
        user &= bool(entry & PTE_US)
        executable &= not entry & PTE_NX
        if level == 1 or (level in (2, 3) and entry & PTE_PS):
            page_bytes = 1 << level_shift(level)
            page_pa = entry & PTE_ADDR_MASK & ~(page_bytes - 1)
            return steps, Translation(
                va,
                page_pa + (va & (page_bytes - 1)),
                page_bytes,
                writable,
                executable,
                user,
                bool(entry & PTE_G),
                bool(entry & PTE_PCD),
            )
        table = entry & PTE_ADDR_MASK
    raise AssertionError("unreachable: level 1 always ends the walk")


def permissions(t):
    """The rights of a translation as "rwx", "rw-", "r-x" or "r--"."""
    return "r" + ("w" if t.writable else "-") + ("x" if t.executable else "-")


def mappings(root=None):
    """Every mapped page of the tables rooted at root (default: CR3), in
    ascending virtual order, as Translation objects whose pa is the page
    start. Non-present entries are skipped; large pages are one item."""
    root = cr3_root() if root is None else root
    cache = {}

    def visit(table, level, va_base, writable, user, executable):
        for index, entry in enumerate(read_table(table, cache)):
            if not entry & PTE_P:
                continue
            va = canonical(va_base | (index << level_shift(level)))
            w = writable and bool(entry & PTE_RW)
            u = user and bool(entry & PTE_US)
            x = executable and not entry & PTE_NX
            if level == 1 or (level in (2, 3) and entry & PTE_PS):
                page_bytes = 1 << level_shift(level)
                page_pa = entry & PTE_ADDR_MASK & ~(page_bytes - 1)
                global_page, nocache = bool(entry & PTE_G), bool(entry & PTE_PCD)
                yield Translation(va, page_pa, page_bytes, w, x, u, global_page, nocache)
            else:
                yield from visit(entry & PTE_ADDR_MASK, level - 1, va, w, u, x)

    yield from visit(root, 4, 0, True, True, True)


@dataclass
class MapRange:
    start: int
    end: int  # exclusive
    perms: str  # "rwx", "r-x", ...
    user: bool
    global_page: bool
    nocache: bool
    pa: int  # physical address of the first page
    pa_contiguous: bool  # whether the whole range is one physical run
    pages: dict  # page size in bytes -> how many pages of that size

    @property
    def writable_and_executable(self):
        return self.perms == "rwx"


def merged_ranges(root=None):
    """mappings() merged, like QEMU's `info mem`: neighbouring pages with the
    same rights become one range."""
    ranges = []
    for t in mappings(root):
        key = (permissions(t), t.user, t.global_page, t.nocache)
        last = ranges[-1] if ranges else None
        if last and last.end == t.va and (last.perms, last.user, last.global_page, last.nocache) == key:
            last.pa_contiguous &= last.pa + (last.end - last.start) == t.pa
            last.end = t.va + t.page_bytes
            last.pages[t.page_bytes] = last.pages.get(t.page_bytes, 0) + 1
        else:
            ranges.append(MapRange(t.va, t.va + t.page_bytes, *key, t.pa, True, {t.page_bytes: 1}))
    return ranges


# --------------------------------------------------------------------------
# Kernel state as plain data


def read_stage():
    """(number, name, enumerator) of the MM stage, from src/mm/mm_stage.c."""
    stage = kernel_var("current_stage", "mm_stage.c")
    number = int(stage)
    names = kernel_var("stage_names", "mm_stage.c")
    count = names.type.sizeof // names.type.target().sizeof
    name = names[number].string() if 0 <= number < count else "invalid"
    return number, name, str(stage)


def stage_ladder():
    """Every stage as (number, name), in bring-up order."""
    names = kernel_var("stage_names", "mm_stage.c")
    count = names.type.sizeof // names.type.target().sizeof
    return [(i, names[i].string()) for i in range(count)]


def read_regions(array, count):
    """[(base, size_bytes)] of the first count elements of a region array."""
    return [(int(array[i]["base"]), int(array[i]["size_bytes"])) for i in range(count)]


def read_phys_areas():
    """(usable, other): usable is [(base, size)], other [(base, size, type)]."""
    usable_count = int(kernel_var("phys_memory_area_count", "phys_area.c"))
    usable = read_regions(kernel_var("phys_memory_area", "phys_area.c"), usable_count)
    other_array = kernel_var("phys_other_area", "phys_area.c")
    other = [
        (int(other_array[i]["base"]), int(other_array[i]["size_bytes"]), int(other_array[i]["type"]))
        for i in range(int(kernel_var("phys_other_area_count", "phys_area.c")))
    ]
    return usable, other


def read_memblock():
    """(memory, reserved), each [(base, size)], from src/mm/memblock.c."""
    tables = []
    for name in ("memory", "reserved"):
        table = kernel_var(name, "memblock.c")
        tables.append(read_regions(table["regions"], int(table["count"])))
    return tables[0], tables[1]


def free_ranges(memory, reserved):
    """Memory minus reserved, as [(base, end)]: what memblock would hand out."""
    result = []
    for base, size in memory:
        start, end = base, base + size
        for r_base, r_size in reserved:
            r_end = r_base + r_size
            if r_end <= start or r_base >= end:
                continue
            if r_base > start:
                result.append((start, r_base))
            start = max(start, r_end)
        if start < end:
            result.append((start, end))
    return result


@dataclass
class BuddyState:
    initialised: bool
    max_order: int
    free_count: list  # blocks on each order's list
    free_pages: int  # the allocator's own total
    managed_pages: int
    first_blocks: list  # per order: physical addresses of the first blocks


def read_buddy(blocks_per_order=4):
    """The buddy's lists, from src/mm/buddy.c. first_blocks follows each
    list's links through frames[] for at most blocks_per_order blocks."""
    initialised = bool(kernel_var("initialised", "buddy.c"))
    counts_var = kernel_var("free_count", "buddy.c")
    orders = counts_var.type.sizeof // counts_var.type.target().sizeof
    counts = [int(counts_var[o]) for o in range(orders)]
    state = BuddyState(
        initialised,
        orders - 1,
        counts,
        int(kernel_var("free_pages", "buddy.c")),
        int(kernel_var("managed_pages", "buddy.c")),
        [[] for _ in range(orders)],
    )
    if not initialised:
        return state
    frames = kernel_var("frames", "buddy.c")
    base_pfn = int(kernel_var("base_pfn", "buddy.c"))
    nframes = int(kernel_var("nframes", "buddy.c"))
    heads = kernel_var("free_head", "buddy.c")
    none = 0xFFFFFFFF  # BUDDY_NONE
    for order in range(orders):
        index = int(heads[order])
        while index != none and len(state.first_blocks[order]) < blocks_per_order:
            if index >= nframes:
                raise gdb.GdbError(f"buddy: order-{order} list runs off the metadata at index 0x{index:x}")
            state.first_blocks[order].append((base_pfn + index) * PAGE_SIZE)
            index = int(frames[index]["next"])
    return state


# --------------------------------------------------------------------------
# The commands


def parse_args(arg, minimum, maximum, usage):
    argv = gdb.string_to_argv(arg)
    if not minimum <= len(argv) <= maximum:
        raise gdb.GdbError(f"usage: {usage}")
    return argv


class StageOSPrefix(gdb.Command):
    """Kernel-aware commands for StageOS's memory management.

mm-stage          the current MM stage
mm-areas          stage 1: the phys_memory_area table and the other ranges
mm-memblock       stage 2: memblock's memory, reserved and free ranges
mm-buddy [N]      stage 5: free blocks per order (and the first N of each)
mm-walk VA [ROOT] one address through the page tables, level by level
mm-maps [ROOT]    every mapping merged into ranges, W+X marked

ROOT is the physical address of a PML4; the default is CR3."""

    def __init__(self):
        super().__init__("stageos", gdb.COMMAND_USER, prefix=True)

    def invoke(self, arg, from_tty):
        gdb.execute("help stageos", from_tty)


class MmStage(gdb.Command):
    """Print the current MM stage (the static current_stage of src/mm/mm_stage.c).

Usage: mm-stage
Shows the stage's number and name, and the whole ladder with a marker at
the current stage."""

    def __init__(self):
        super().__init__("mm-stage", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        parse_args(arg, 0, 0, "mm-stage")
        number, name, enumerator = read_stage()
        gdb.write(f"mm stage {number}: {name} ({enumerator})\n")
        for i, ladder_name in stage_ladder():
            gdb.write(f"  {'->' if i == number else '  '} {i} {ladder_name}\n")


class MmAreas(gdb.Command):
    """Print stage 1's table of usable RAM (phys_memory_area[]) and the record
of the memory-map entries of other types (phys_other_area[]).

Usage: mm-areas"""

    def __init__(self):
        super().__init__("mm-areas", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        parse_args(arg, 0, 0, "mm-areas")
        usable, other = read_phys_areas()
        total = sum(size for _, size in usable)
        gdb.write(f"phys_memory_area: {len(usable)} usable ranges, {total >> 20} MiB (0x{total:x} bytes)\n")
        for i, (base, size) in enumerate(usable):
            gdb.write(f"  {i:3}  [0x{base:016x}-0x{base + size:016x})  {format_size(size)}\n")
        gdb.write(f"phys_other_area: {len(other)} other ranges\n")
        for i, (base, size, kind) in enumerate(other):
            kind_name = AREA_TYPE_NAMES.get(kind, "unknown")
            gdb.write(f"  {i:3}  [0x{base:016x}-0x{base + size:016x})  {format_size(size)}, ")
            gdb.write(f"{kind_name} (type {kind})\n")


class MmMemblock(gdb.Command):
    """Print memblock's memory and reserved regions (the statics memory and
reserved of src/mm/memblock.c) and the free ranges between them.

Usage: mm-memblock"""

    def __init__(self):
        super().__init__("mm-memblock", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        parse_args(arg, 0, 0, "mm-memblock")
        memory, reserved = read_memblock()
        free = [(base, end - base) for base, end in free_ranges(memory, reserved)]
        for title, regions in (("memory", memory), ("reserved", reserved), ("free", free)):
            total = sum(size for _, size in regions)
            gdb.write(f"memblock {title}: {len(regions)} regions, {total >> 10} KiB (0x{total:x} bytes)\n")
            for i, (base, size) in enumerate(regions):
                gdb.write(f"  {i:3}  [0x{base:016x}-0x{base + size:016x})  {format_size(size)}\n")


class MmBuddy(gdb.Command):
    """Print the buddy allocator's free blocks per order (free_count[] of
src/mm/buddy.c), their sum, and the allocator's own total (free_pages).

Usage: mm-buddy [N]
N: how many block addresses to list per order, following the free lists
through the frames[] metadata (default 4, 0 for none)."""

    def __init__(self):
        super().__init__("mm-buddy", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        argv = parse_args(arg, 0, 1, "mm-buddy [N]")
        per_order = eval_int(argv[0]) if argv else 4
        if per_order > 1 << 20:
            raise gdb.GdbError(f"mm-buddy: N = {per_order} blocks per order is too many (at most {1 << 20})")
        state = read_buddy(per_order)
        if not state.initialised:
            number, name, _ = read_stage()
            gdb.write(f"buddy: not set up yet (MM stage {number}: {name})\n")
            return
        gdb.write("order  block size  free blocks  first blocks\n")
        summed = 0
        for order, count in enumerate(state.free_count):
            summed += count << order
            listed = " ".join(f"0x{pa:x}" for pa in state.first_blocks[order])
            more = count - len(state.first_blocks[order])
            if listed and more > 0:
                listed += f" (+{more} more)"
            row = f"{order:5}  {format_size(PAGE_SIZE << order):>10}  {count:11}  {listed}"
            gdb.write(row.rstrip() + "\n")
        agree = "agrees" if summed == state.free_pages else "DISAGREES"
        gdb.write(
            f"buddy: {state.free_pages} free pages ({state.free_pages * PAGE_SIZE >> 20} MiB) of "
            f"{state.managed_pages} managed; the lists hold {summed} pages ({agree} with free_pages)\n"
        )


class MmWalk(gdb.Command):
    """Walk one virtual address through the page tables, level by level.

Usage: mm-walk VA [ROOT]
VA: any expression, e.g. 0xffff800000100000, kernel_main, &free_pages, $rsp;
    quote one that has spaces or quotes: mm-walk "'buddy.c'::free_head".
ROOT: physical address of the PML4 (default: CR3's).
For each level: the index, the entry's physical address, its value, the
set flag bits (P RW US PWT PCD A D PS G NX) and where it points; then the
physical address and page size, or the level at which the walk stops."""

    def __init__(self):
        super().__init__("mm-walk", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        argv = parse_args(arg, 1, 2, "mm-walk VA [ROOT]")
        va = eval_int(argv[0])
        root = eval_int(argv[1]) if len(argv) > 1 else cr3_root()
        origin = "given" if len(argv) > 1 else "CR3"
        gdb.write(f"mm-walk 0x{va:x} from root 0x{root:x} ({origin})\n")
        steps, translation = walk(va, root)
        for step in steps:
            label = f"{LEVEL_NAMES[step.level]}[{step.index}]"
            flags = entry_flag_names(step.entry) or "-"
            line = f"  {label:10} entry at pa 0x{step.entry_pa:x} = 0x{step.entry:016x}  {flags}"
            if not step.entry & PTE_P:
                line += "  -> not present"
            elif step is steps[-1] and translation:
                page_pa = translation.pa - (va & (translation.page_bytes - 1))
                line += f"  -> {format_size(translation.page_bytes)} page at 0x{page_pa:x}"
            else:
                line += f"  -> {LEVEL_NAMES[step.level - 1]} at 0x{step.entry & PTE_ADDR_MASK:x}"
            gdb.write(line + "\n")
        if translation is None:
            level = LEVEL_NAMES[steps[-1].level]
            gdb.write(f"  => 0x{va:x} is not mapped (no present entry at the {level} level)\n")
            return
        t = translation
        extras = ["user" if t.user else "kernel"] + ["global"] * t.global_page + ["uncached"] * t.nocache
        gdb.write(f"  => 0x{va:x} -> pa 0x{t.pa:x}, {format_size(t.page_bytes)} page, ")
        gdb.write(f"{permissions(t)} {' '.join(extras)}\n")


class MmMaps(gdb.Command):
    """Print every live mapping, merged into ranges of equal rights (like
QEMU's `info mem`), and mark the writable-and-executable ones "W+X".

Usage: mm-maps [ROOT]
ROOT: physical address of the PML4 (default: CR3's).
Columns: first-last virtual address (inclusive: the last range may end at
2^64), size, rights (rwx), kern/user, g = global
(and "uncached" for PCD), the physical address of the first page (+ when the range is not one
physical run), and the pages by size."""

    def __init__(self):
        super().__init__("mm-maps", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        argv = parse_args(arg, 0, 1, "mm-maps [ROOT]")
        root = eval_int(argv[0]) if argv else cr3_root()
        ranges = merged_ranges(root)
        gdb.write(f"mm-maps from root 0x{root:x} ({'given' if argv else 'CR3'})\n")
        for r in ranges:
            owner = "user" if r.user else "kern"
            flags = ("g" if r.global_page else "-") + (" uncached" if r.nocache else "")
            by_size = sorted(r.pages.items(), reverse=True)
            pages = ", ".join(f"{n} x {format_size(size)}" for size, n in by_size)
            pa = f"pa 0x{r.pa:x}" + ("" if r.pa_contiguous else "+")
            marker = "  W+X" if r.writable_and_executable else ""
            size = format_size(r.end - r.start)
            gdb.write(f"  0x{r.start:016x}-0x{r.end - 1:016x}  {size:>10}  {r.perms} {owner} {flags}  ")
            gdb.write(f"{pa}  ({pages}){marker}\n")
        wx = [r for r in ranges if r.writable_and_executable]
        wx_pages = sum((r.end - r.start) // PAGE_SIZE for r in wx)
        gdb.write(f"{len(ranges)} ranges; W+X: {len(wx)} ranges, {wx_pages} pages of 4 KiB\n")


StageOSPrefix()
MmStage()
MmAreas()
MmMemblock()
MmBuddy()
MmWalk()
MmMaps()
