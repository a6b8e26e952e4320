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
    """(number, name, enumerator) of the MM stage, from src/mm/stage_order.c."""
    stage = kernel_var("mm_stage_now", "stage_order.c")
    number = int(stage)
    names = kernel_var("stage_names", "stage_order.c")
    count = names.type.sizeof // names.type.target().sizeof
    name = names[number].string() if 0 <= number < count else "invalid"
    return number, name, str(stage)


def stage_ladder():
    """Every stage as (number, name), in bring-up order."""
    names = kernel_var("stage_names", "stage_order.c")
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
    free_page_count: int  # the allocator's own total
    managed_pages: int
    first_blocks: list  # per order: physical addresses of the first blocks


BUDDY_CHUNK_SHIFT = 22  # 4 MiB chunks of metadata (src/mm/buddy.h)


def buddy_index_to_pa(index):
    """The physical address of a buddy frame index: chunk_base[] holds each
    4 MiB chunk's address >> 22, and a chunk has 1024 frame indices."""
    chunk_base = kernel_var("chunk_base", "buddy.c")
    chunk = int(chunk_base[index >> 10])
    return (chunk << BUDDY_CHUNK_SHIFT) | ((index & 1023) * PAGE_SIZE)


def read_percpu_pages():
    """Pages sitting in each CPU's list of single pages (src/mm/percpu_pages.c),
    as a list of counts, one per CPU with a list: `lists` points at nlists of
    them (CPU 0's static one alone until percpu_pages_set_cpus())."""
    lists = kernel_var("lists", "percpu_pages.c")
    count = int(kernel_var("nlists", "percpu_pages.c"))
    return [int(lists[i]["count"]) for i in range(count)]


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
        int(kernel_var("free_page_count", "buddy.c")),
        int(kernel_var("managed_pages", "buddy.c")),
        [[] for _ in range(orders)],
    )
    if not initialised:
        return state
    frames = kernel_var("frames", "buddy.c")
    nframes = int(kernel_var("nframes", "buddy.c"))
    heads = kernel_var("free_head", "buddy.c")
    none = 0xFFFFFFFF  # BUDDY_NONE
    for order in range(orders):
        index = int(heads[order])
        while index != none and len(state.first_blocks[order]) < blocks_per_order:
            if index >= nframes:
                raise gdb.GdbError(f"buddy: order-{order} list runs off the metadata at index 0x{index:x}")
            state.first_blocks[order].append(buddy_index_to_pa(index))
            index = int(frames[index]["next"])
    return state


# --------------------------------------------------------------------------
# The dump of docs/14-monitor.md section 14.1 (mm-dump)

# Stage numbers of enum mm_stage (src/mm/stage_order.h).
STAGE_PHYS_AREAS, STAGE_MEMBLOCK, STAGE_BUMP, STAGE_BUDDY, STAGE_SMP = 1, 2, 3, 5, 6
# The dump's names of the multiboot2 memory-map types.
FIRMWARE_TYPE_NAMES = {1: "available", 2: "reserved", 3: "acpi-reclaimable", 4: "acpi-nvs", 5: "bad-ram"}
MB2_TAG_END, MB2_TAG_MMAP = 0, 6
MB2_MAX_TOTAL_SIZE = 1 << 20  # src/boot/multiboot2.h
FIRST_MIB = 1 << 20
BUDDY_NONE = 0xFFFFFFFF


def align_up(value, alignment):
    return (value + alignment - 1) // alignment * alignment


def read_mb2_mmap(mbi_phys):
    """The memory map (tag 6) of the multiboot2 boot information at mbi_phys
    as [(base, end, type)], exactly as given; None unless the tags there walk
    cleanly to an end tag (so stale stack contents are never taken for it)."""
    total_size, reserved = struct.unpack("<II", read_phys(mbi_phys, 8))
    if reserved != 0 or not 16 <= total_size <= MB2_MAX_TOTAL_SIZE:
        return None
    data = read_phys(mbi_phys, total_size)
    offset, entries = 8, None
    while offset + 8 <= total_size:
        tag_type, tag_size = struct.unpack_from("<II", data, offset)
        if tag_size < 8 or offset + tag_size > total_size:
            return None
        if tag_type == MB2_TAG_END:
            return entries if entries is not None else []
        if tag_type == MB2_TAG_MMAP and tag_size >= 16:
            entry_size = struct.unpack_from("<I", data, offset + 8)[0]
            if entry_size < 24:
                return None
            entries = []
            for at in range(offset + 16, offset + tag_size - entry_size + 1, entry_size):
                base, length, kind = struct.unpack_from("<QQI", data, at)
                if length:
                    entries.append((base, min(base + length, 1 << 64), kind))
        offset += align_up(tag_size, 8)
    return None


def boot_ranges():
    """The ranges mm_bringup_memblock() gathered for memblock (the file-static
    `params` of src/kernel/mm_bringup.c) as [(base, size, what)]; [] before
    it did (the table is zero until then) or if the symbol is missing."""
    try:
        params = gdb.parse_and_eval("'mm_bringup.c'::params")
        count = int(params["reserved_count"])
        table = params["reserved"]
        return [(int(table[i]["base"]), int(table[i]["size_bytes"]), table[i]["what"].string())
                for i in range(min(count, table.type.range()[1] + 1))]
    except gdb.error:
        return []


def kernel_main_boot_info():
    """The physical address of the boot information that kernel_main's
    local `info` (struct mb2_info) points at, if a kernel_main frame is on
    the stack; None otherwise."""
    frame = gdb.newest_frame()
    while frame is not None and frame.name() != "kernel_main":
        frame = frame.older()
    if frame is None:
        return None
    try:
        base = value_to_int(frame.read_var("info")["base"])
    except (gdb.error, ValueError):
        return None
    return base - PHYS_OFFSET if base >= PHYS_OFFSET else None


def firmware_entries():
    """(entries, where): the boot loader's memory map as [(start, end, type)]
    and a sentence saying where it came from. The map is read from the
    boot information, found through mm_bringup's params (stage 2 on) or
    kernel_main's `info`; failing both, it is rebuilt from stage 1's tables
    (phys_memory_area trimmed to pages, so not exactly as given)."""
    candidates = [(base, "the boot information reserved by mm_bringup") for base, _, what in boot_ranges()
                  if what == "boot information"]
    from_frame = kernel_main_boot_info()
    if from_frame is not None:
        candidates.append((from_frame, "the boot information of kernel_main's info"))
    for mbi_phys, where in candidates:
        try:
            entries = read_mb2_mmap(mbi_phys)
        except gdb.GdbError:
            entries = None
        if entries is not None:
            return entries, f"{where} at 0x{mbi_phys:x}"
    usable, other = read_phys_areas()
    entries = [(base, base + size, 1) for base, size in usable]
    entries += [(base, base + size, kind) for base, size, kind in other]
    return sorted(entries), "phys_memory_area and phys_other_area (boot information not found)"


def subtract(ranges, holes):
    """[(start, end)] minus the union of holes, in order."""
    result = []
    for start, end in ranges:
        pieces = [(start, end)]
        for h_start, h_end in holes:
            pieces = [p for a, b in pieces for p in ((a, min(b, h_start)), (max(a, h_end), b)) if p[0] < p[1]]
        result += pieces
    return result


def owner_ranges(stage_number, reserved):
    """Who the reserved ranges belong to, as sorted [(start, end, name)].
    Derived from what the kernel keeps: the first MiB (a constant of
    mm_memblock_stage), the kernel image (linker symbols), mm_bringup's
    params (boot information, early page tables, modules), the bump
    allocator's cursor (kernel page tables) and the buddy's frames[]
    pointer (its metadata)."""
    if stage_number < STAGE_MEMBLOCK:
        return []
    owners = [(0, FIRST_MIB, "first-mib")]
    image_start = eval_int("__kernel_phys_start")
    image_end = align_up(eval_int("__kernel_phys_end"), PAGE_SIZE)
    owners.append((image_start, image_end, "kernel-image"))
    modules = 0
    names = {"boot information": "boot-information", "early page tables": "early-page-tables"}
    for base, size, what in boot_ranges():
        if size == 0:
            continue
        if what == "module":
            owners.append((base, base + size, f"module-{modules}"))
            modules += 1
        elif what in names:
            owners.append((base, base + size, names[what]))
    if stage_number >= STAGE_BUMP:
        # The bump allocator reserves whole free pages upwards from the end
        # of the image; what is reserved in [image end, cursor) and owned by
        # nobody else is its frames.
        cursor = int(kernel_var("cursor", "bump.c"))
        others = [(s // PAGE_SIZE * PAGE_SIZE, align_up(e, PAGE_SIZE)) for s, e, _ in owners]
        window = [(max(s, image_end), min(e, cursor)) for s, e in reserved]
        frames = subtract([w for w in window if w[0] < w[1]], others)
        owners += [(s, e, "kernel-page-tables") for s, e in frames]
    if stage_number >= STAGE_BUDDY and bool(kernel_var("initialised", "buddy.c")):
        meta = value_to_int(kernel_var("metadata_start", "buddy.c")) - PHYS_OFFSET
        size = int(kernel_var("metadata_size", "buddy.c"))
        owners.append((meta, meta + align_up(size, PAGE_SIZE), "buddy-metadata"))
    return sorted(owners)


def buddy_free_blocks():
    """Every free block as (start, end, order), per order ascending, each
    list in its own order, following the links through frames[]."""
    frames = kernel_var("frames", "buddy.c")
    nframes = int(kernel_var("nframes", "buddy.c"))
    heads = kernel_var("free_head", "buddy.c")
    counts = kernel_var("free_count", "buddy.c")
    blocks = []
    for order in range(counts.type.sizeof // counts.type.target().sizeof):
        index, seen = int(heads[order]), 0
        while index != BUDDY_NONE:
            if index >= nframes or seen > int(counts[order]):
                raise gdb.GdbError(f"buddy: the order-{order} list is broken at index 0x{index:x} "
                                   f"(nframes {nframes}, free_count {int(counts[order])})")
            start = buddy_index_to_pa(index)
            blocks.append((start, start + (PAGE_SIZE << order), order))
            index = int(frames[index]["next"])
            seen += 1
    return blocks, [int(counts[o]) for o in range(counts.type.sizeof // counts.type.target().sizeof)]


@dataclass
class MapRun:
    start: int
    end: int  # exclusive
    pa: int
    page_bytes: int
    rights: str
    global_page: bool


def map_runs(root=None):
    """The page-table leaves of root (default CR3) merged into runs of equal
    page size, rights and global bit whose virtual and physical addresses
    both follow on: the `dump map` lines."""
    runs = []
    for t in mappings(root):
        rights = permissions(t)
        last = runs[-1] if runs else None
        if (last and last.end == t.va and last.pa + (last.end - last.start) == t.pa
                and (last.page_bytes, last.rights, last.global_page) == (t.page_bytes, rights, t.global_page)):
            last.end += t.page_bytes
        else:
            runs.append(MapRun(t.va, t.va + t.page_bytes, t.pa, t.page_bytes, rights, t.global_page))
    return runs


PAGE_NAMES = {4 << 10: "4K", 2 << 20: "2M", 1 << 30: "1G"}


def dump_lines():
    """The MM state as the lines of docs/14-monitor.md section 14.1, with
    source=gdb: each part once the stage that makes it has run. Returns
    (lines, where the firmware lines came from)."""
    number, name, _ = read_stage()
    body = []
    firmware, firmware_where = firmware_entries()
    for start, end, kind in firmware:
        body.append(f"firmware 0x{start:x} 0x{end:x} type={kind} name={FIRMWARE_TYPE_NAMES.get(kind, 'unknown')}")
    if number >= STAGE_PHYS_AREAS:
        usable, _ = read_phys_areas()
        body += [f"area 0x{base:x} 0x{base + size:x}" for base, size in usable]
    if number >= STAGE_MEMBLOCK:
        memory, reserved = read_memblock()
        body += [f"memory 0x{base:x} 0x{base + size:x}" for base, size in memory]
        body += [f"reserved 0x{base:x} 0x{base + size:x}" for base, size in reserved]
        reserved_ranges = [(base, base + size) for base, size in reserved]
        body += [f"owner 0x{s:x} 0x{e:x} name={n}" for s, e, n in owner_ranges(number, reserved_ranges)]
    if number >= STAGE_BUDDY and bool(kernel_var("initialised", "buddy.c")):
        blocks, counts = buddy_free_blocks()
        body += [f"free 0x{s:x} 0x{e:x} order={order}" for s, e, order in blocks]
        body += [f"order {order} blocks={count}" for order, count in enumerate(counts)]
    if register("cr0") & CR0_PG:
        for r in map_runs():
            body.append(f"map 0x{r.start:x} 0x{r.end:x} pa=0x{r.pa:x} page={PAGE_NAMES[r.page_bytes]} "
                        f"rights={r.rights} global={int(r.global_page)}")
    if number >= STAGE_SMP:
        cpus = kernel_var("cpus", "smp.c")
        for i in range(int(kernel_var("cpu_count", "smp.c"))):
            if bool(cpus[i]["online"]):
                body.append(f"cpu {i} apic={int(cpus[i]['apic_id'])} state=online")
    lines = [f"begin version=1 source=gdb stage={name}"] + body
    lines.append(f"end lines={len(lines) + 1}")
    return ["dump " + line for line in lines], firmware_where


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
mm-dump [FILE]    the whole MM state in the dump format (docs/14-monitor.md)

ROOT is the physical address of a PML4; the default is CR3."""

    def __init__(self):
        super().__init__("stageos", gdb.COMMAND_USER, prefix=True)

    def invoke(self, arg, from_tty):
        gdb.execute("help stageos", from_tty)


class MmStage(gdb.Command):
    """Print the current MM stage (mm_stage_now in src/mm/stage_order.c).

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
src/mm/buddy.c), their sum, and the allocator's own total (free_page_count).

Usage: mm-buddy [N]
N: how many block addresses to list per order, following the free lists
through the frames[] metadata (default 4, 0 for none). The last line counts
the free single pages in the per-CPU lists (src/mm/percpu_pages.c)."""

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
        agree = "agrees" if summed == state.free_page_count else "DISAGREES"
        gdb.write(
            f"buddy: {state.free_page_count} free pages ({state.free_page_count * PAGE_SIZE >> 20} MiB) of "
            f"{state.managed_pages} managed; the lists hold {summed} pages ({agree} with free_page_count)\n"
        )
        cached = read_percpu_pages()
        busy = ", ".join(f"cpu {cpu}: {n}" for cpu, n in enumerate(cached) if n)
        gdb.write(f"per-CPU lists: {sum(cached)} free single pages{' (' + busy + ')' if busy else ''}; "
                  f"{state.free_page_count + sum(cached)} free pages in all\n")


class MmWalk(gdb.Command):
    """Walk one virtual address through the page tables, level by level.

Usage: mm-walk VA [ROOT]
VA: any expression, e.g. 0xffff800000100000, kernel_main, &free_page_count, $rsp;
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


class MmDump(gdb.Command):
    """Print the MM state in the dump format of docs/14-monitor.md (14.1),
with source=gdb, to FILE (overwritten) or to the console; scripts/memviz.py
draws it.

Usage: mm-dump [FILE]
Lines: firmware (the boot loader's memory map, once found), area (stage 1
on), memory, reserved and owner (stage 2 on), free and order (stage 5 on),
map (the page tables CR3 points at, whenever paging is on), cpu (stage 6)."""

    def __init__(self):
        super().__init__("mm-dump", gdb.COMMAND_DATA, gdb.COMPLETE_FILENAME)

    def invoke(self, arg, from_tty):
        argv = parse_args(arg, 0, 1, "mm-dump [FILE]")
        lines, where = dump_lines()
        text = "".join(line + "\n" for line in lines)
        if not argv:
            gdb.write(text)
            return
        try:
            with open(argv[0], "w") as out:
                out.write(text)
        except OSError as error:
            raise gdb.GdbError(f"mm-dump: cannot write {argv[0]}: {error.strerror}") from None
        gdb.write(f"mm-dump: {len(lines)} lines written to {argv[0]} (firmware lines from {where})\n")


StageOSPrefix()
MmStage()
MmAreas()
MmMemblock()
MmBuddy()
MmWalk()
MmMaps()
MmDump()
