/*
 * paging.h - the x86_64 4-level page-table mapper (stage 4's engine, used
 * for every address space afterwards).
 *
 * How a 48-bit virtual address is split (like xv6's walk()):
 *
 *   63        48 47      39 38      30 29      21 20      12 11         0
 *  +------------+----------+----------+----------+----------+------------+
 *  | copies of  |  PML4    |  PDPT    |   PD     |   PT     |  offset in |
 *  |  bit 47    |  index   |  index   |  index   |  index   |  the page  |
 *  +------------+----------+----------+----------+----------+------------+
 *     16 bits      9 bits     9 bits     9 bits     9 bits     12 bits
 *   level:          4          3          2          1
 *
 * Each table is one 4 KiB frame of 512 eight-byte entries. The walk starts
 * at the root (PML4, the table CR3 points to) and uses each index to pick
 * the entry that points to the next table. A 4 KiB page's leaf is the PT
 * entry. With PS set, a PD entry is the leaf of a 2 MiB page (bits 20..0
 * are the offset) and a PDPT entry the leaf of a 1 GiB page (bits 29..0).
 * An address is canonical when bits 63..48 all equal bit 47: the lower half
 * 0 .. 0x00007fff_ffffffff and the higher half 0xffff8000_00000000 .. ~0.
 *
 * Entry bits used here:
 *
 *   bit  0  P    present; without it the CPU ignores every other bit
 *   bit  1  RW   writable (else read-only)
 *   bit  2  US   user mode may access (else kernel only)
 *   bit  3  PWT  write-through  } both set: uncached, for device memory
 *   bit  4  PCD  cache disable  }
 *   bit  5  A    accessed (set by the CPU)
 *   bit  6  D    dirty, leaves only (set by the CPU)
 *   bit  7  PS   page size: this PD/PDPT entry is a 2 MiB/1 GiB leaf
 *   bit  8  G    global: survives a CR3 reload (leaves only)
 *   bits 51..12  physical address of the next table or of the page
 *                (52-bit physical addresses; a large page's address is
 *                aligned to its size, so its low bits are zero)
 *   bit 63  NX   no execute (needs EFER.NXE)
 *
 * PAT is not used: bit 7 of a PT entry and bit 12 of a large leaf stay 0,
 * so PCD|PWT alone select "uncached".
 *
 * Choices (see also each function):
 * - Intermediate entries are always the permissive P|RW|US; the leaf alone
 *   restricts (read-only, kernel-only, NX). This is the usual x86 practice,
 *   and it is what makes the W^X audit, which looks only at leaves, right.
 * - Mapping a page that is present is always refused (MM_ERR_ALREADY_MAPPED),
 *   even with the identical pa and flags: a remap is a caller's bug or
 *   needs pt_unmap/pt_protect first, so it is never silently accepted.
 * - A large page in the way of a smaller mapping: MM_ERR_HUGE_PAGE. Smaller
 *   mappings in the way of a large page: MM_ERR_ALREADY_MAPPED. An empty
 *   table in the way of a large page (left behind by unmaps) is replaced
 *   by the large leaf and freed; unless PT_TLB_IGNORE, that page is
 *   flushed at once, before the frame can be reused, whatever the policy.
 * - Unmapping frees nothing: neither the mapped frame (never the mapper's)
 *   nor tables that became empty; pt_destroy returns all tables.
 * - Every modifying call takes an enum pt_tlb, so each call site shows its
 *   flush decision. The mapper does exactly what it is told, even where x86
 *   would not need it (a new mapping of a non-present page).
 */
#ifndef PAGING_H
#define PAGING_H

#include "frame_source.h"
#include "mm_types.h"
#include "pt_entry.h"

/* An address space: the physical address of its root table (PML4; 0 means
 * none), where its table frames come from, and whether the CPU supports
 * 1 GiB pages (CPUID 0x80000001 EDX bit 26; the caller finds out). */
struct pt_space {
	phys_addr_t root;
	struct frame_source *frames;
	bool allow_1g;
};

/* What the mapper does to the TLB after changing a leaf. */
enum pt_tlb {
	PT_TLB_FLUSH_PAGE, /* mm_tlb_flush_page() once per leaf changed */
	PT_TLB_FLUSH_ALL,  /* mm_tlb_flush_all() once per call that changed something */
	PT_TLB_IGNORE,     /* nothing: tables not loaded, or the caller flushes */
};

/* What a virtual address maps to. */
struct pt_translation {
	phys_addr_t pa; /* pt_translate: including the offset; otherwise the page start */
	unsigned flags; /* PT_WRITE | PT_EXEC | ... */
	enum pt_page_size size;
};

/* Work done by pt_map_range (and pt_map_mmio). */
struct pt_map_stats {
	size_t pages_4k;
	size_t pages_2m;
	size_t pages_1g;
	size_t table_frames; /* table frames allocated by the call */
};

/* The size in bytes of a page of the given size (4096, 2 MiB, 1 GiB). */
uint64_t pt_page_bytes(enum pt_page_size size);

/*
 * Create an empty address space: allocate a root table and zero it.
 * sp: filled in; frames: where this space's tables come from; allow_1g:
 * whether pt_map may use 1 GiB pages. Returns MM_OK or MM_ERR_NO_MEMORY.
 */
enum mm_error pt_space_create(struct pt_space *sp, struct frame_source *frames, bool allow_1g);

/*
 * Map one page: va -> pa, of the given size, with the given PT_* flags.
 * va and pa must be aligned to the page size, va canonical, pa below 2^52.
 * Missing tables are allocated (zeroed) on the way. On MM_ERR_NO_MEMORY the
 * tables allocated so far stay linked (empty) in the tree, so nothing leaks
 * and pt_destroy returns them. Returns MM_OK, MM_ERR_NON_CANONICAL,
 * MM_ERR_MISALIGNED, MM_ERR_INVALID (pa too high, unknown flags),
 * MM_ERR_UNSUPPORTED (1 GiB without allow_1g), MM_ERR_ALREADY_MAPPED,
 * MM_ERR_HUGE_PAGE or MM_ERR_NO_MEMORY; or, when a large page replaced an
 * empty table left by unmaps, the error of giving that table back to the
 * frame source (logged; the page is mapped).
 */
enum mm_error pt_map(struct pt_space *sp, virt_addr_t va, phys_addr_t pa, enum pt_page_size size,
                     unsigned flags, enum pt_tlb tlb);

/*
 * Map [va, va + size_bytes) -> [pa, ...) with the given flags, each page of
 * the largest size that va, pa and the remaining length allow (1 GiB only
 * when sp->allow_1g). va, pa and size_bytes must be 4 KiB aligned. If a
 * page cannot be mapped, the pages this call mapped are unmapped again
 * (tables allocated stay) and the error is returned. stats (may be NULL)
 * receives the pages mapped and table frames allocated, also on failure.
 * Returns as pt_map, plus MM_ERR_INVALID for a zero size or a range that
 * wraps around.
 */
enum mm_error pt_map_range(struct pt_space *sp, virt_addr_t va, phys_addr_t pa, uint64_t size_bytes,
                           unsigned flags, enum pt_tlb tlb, struct pt_map_stats *stats);

/*
 * Map device memory: [va, va + size_bytes) -> [pa, ...), read/write, NX,
 * uncached (PCD|PWT), kernel only, always 4 KiB pages (device registers
 * are small and often share no alignment). Returns as pt_map_range.
 */
enum mm_error pt_map_mmio(struct pt_space *sp, virt_addr_t va, phys_addr_t pa, uint64_t size_bytes,
                          enum pt_tlb tlb);

/*
 * Unmap the page that starts at va, whatever its size. old (may be NULL)
 * receives its pa (page start), flags and size. Frees nothing: the mapped
 * frame belongs to the caller, and tables that became empty stay. Returns
 * MM_OK, MM_ERR_NON_CANONICAL, MM_ERR_MISALIGNED (va not 4 KiB aligned),
 * MM_ERR_NOT_MAPPED, or MM_ERR_HUGE_PAGE (va is inside a large page but
 * not at its start).
 */
enum mm_error pt_unmap(struct pt_space *sp, virt_addr_t va, struct pt_translation *old, enum pt_tlb tlb);

/*
 * Unmap every page in [va, va + size_bytes), whatever its size; holes are
 * skipped. Before changing anything, refuses with MM_ERR_HUGE_PAGE if a
 * large page straddles either end of the range. va and size_bytes must be
 * 4 KiB aligned. Frees nothing. Returns MM_OK, MM_ERR_NON_CANONICAL,
 * MM_ERR_MISALIGNED, MM_ERR_INVALID (zero size, wrap-around) or
 * MM_ERR_HUGE_PAGE.
 */
enum mm_error pt_unmap_range(struct pt_space *sp, virt_addr_t va, uint64_t size_bytes, enum pt_tlb tlb);

/*
 * Look up va. out receives the physical address va maps to (page start
 * plus the offset), the page's flags and size. Returns MM_OK,
 * MM_ERR_NON_CANONICAL or MM_ERR_NOT_MAPPED. "Not mapped" is an answer to
 * a question, not a mistake, so it is not logged.
 */
enum mm_error pt_translate(const struct pt_space *sp, virt_addr_t va, struct pt_translation *out);

/*
 * Replace the flags of the page that starts at va (its address, size and
 * the CPU's accessed/dirty bits stay). Returns as pt_unmap, plus
 * MM_ERR_INVALID for unknown flags.
 */
enum mm_error pt_protect(struct pt_space *sp, virt_addr_t va, unsigned flags, enum pt_tlb tlb);

/*
 * Make dst a deep copy of src: every table is copied into a new frame from
 * `frames` (dst->frames becomes `frames`, dst->allow_1g src's). Mapped
 * frames are shared, not copied. with_leaves=false copies the table
 * structure but leaves every leaf entry empty (an address space shaped
 * like src with nothing mapped). On failure dst's tables are all returned
 * and dst->root is 0. Returns MM_OK, MM_ERR_INVALID (src has no root) or
 * MM_ERR_NO_MEMORY.
 */
enum mm_error pt_clone(const struct pt_space *src, struct pt_space *dst, struct frame_source *frames,
                       bool with_leaves);

/*
 * Return every table frame of sp (not the mapped frames) to sp->frames;
 * sp->root becomes 0. Refuses (MM_ERR_REFUSED) to destroy the tables now
 * loaded in CR3, and (MM_ERR_INVALID) a space with no root. If the source
 * refuses a frame, the rest are still returned and the first error is
 * returned.
 */
enum mm_error pt_destroy(struct pt_space *sp);

/* How many table frames sp uses, the root included (0 without a root). */
size_t pt_count_table_frames(const struct pt_space *sp);

/* Called for each mapping; return false to stop the walk. */
typedef bool (*pt_visit_fn)(void *ctx, virt_addr_t va, const struct pt_translation *t);

/*
 * Call visit for every leaf of sp, in ascending virtual address order, with
 * the canonical (sign-extended) address of the page and its translation
 * (pa = page start).
 */
void pt_for_each_mapping(const struct pt_space *sp, pt_visit_fn visit, void *ctx);

/* One table visited on the way from the root to a virtual address. */
struct pt_walk_step {
	int level;         /* 4 = PML4, 3 = PDPT, 2 = PD, 1 = PT */
	phys_addr_t table; /* the table's physical address */
	unsigned index;    /* the entry's index in it, from the address bits */
	uint64_t entry;    /* the entry's raw value */
};

/*
 * Follow va from sp's root as the CPU does, recording one step per table
 * read in steps[0 .. *count) (at most PT_LEVELS). Returns MM_OK when a leaf
 * maps va (the last step holds it), MM_ERR_NOT_MAPPED when a step's entry is
 * not present (the last step shows it), or MM_ERR_NON_CANONICAL /
 * MM_ERR_INVALID (logged, *count = 0). Reads only; never faults.
 */
enum mm_error pt_walk_path(const struct pt_space *sp, virt_addr_t va, struct pt_walk_step steps[],
                           int *count);

/* A run of leaves: the same page size and rights, virtual and physical
 * addresses both following on. */
struct pt_run {
	virt_addr_t start, end; /* [start, end), canonical */
	phys_addr_t pa;         /* where start is mapped */
	unsigned flags;         /* PT_WRITE | PT_EXEC | ... */
	enum pt_page_size size;
};

/* Call visit once per run of sp's leaves, in ascending virtual order (the
 * lower half first). visit returns false to stop. */
void pt_for_each_run(const struct pt_space *sp, bool (*visit)(void *ctx, const struct pt_run *run),
                     void *ctx);

/*
 * The W^X audit: find every leaf that is both writable and executable,
 * merge virtually adjacent ones into ranges and call report (may be NULL)
 * once per range, in ascending order. Returns the number of W+X bytes in
 * 4 KiB units (a 2 MiB W+X page counts 512), so 0 means the space is W^X.
 */
size_t pt_audit_wx(const struct pt_space *sp,
                   void (*report)(virt_addr_t start, uint64_t size_bytes, void *ctx), void *ctx);

#endif /* PAGING_H */
