/*
 * stages.h - the MM stages 2 to 5, each one call, each consuming only what
 * the stages before it produced, and stage 6's removal of the low remap:
 *
 *   phys_memory_area[] ─► mm_memblock_stage ─► mm_bump_stage
 *       ─► mm_paging_stage (new tables, mm_switch_to_kernel_tables, W^X audit)
 *       ─► mm_buddy_stage
 *
 * Each stage prints one line saying what it produced (stage 4 a few), the
 * last ending with the stage's time from mm_clock_us(), "; stage 2 took
 * 31 us", and returns an error value; the kernel's driver
 * (src/kernel/mm_bringup.c) turns an error into a panic. Everything the
 * stages need to know about the kernel and the boot loader arrives in
 * struct mm_boot_params, so the same code runs in host tests over an arena.
 */
#ifndef MM_STAGES_H
#define MM_STAGES_H

#include "mm_types.h"
#include "paging.h"

/* Room for the kernel's module limit (128, MODULES_MAX in
 * src/kernel/modules.h) plus its fixed ranges (boot information, early page
 * tables, ...); the kernel checks the sum at compile time. */
#define MM_MAX_BOOT_RESERVED 160

/* Guard pages among the kernel image's stacks (two per CPU whose stacks are
 * in the image: its kernel stack's and its double-fault stack's). */
#define MM_MAX_STACK_GUARDS 4

/* A physical range that must never be handed out (boot information,
 * modules, early page tables...), with a name for the log. */
struct mm_boot_range {
	phys_addr_t base;
	uint64_t size_bytes;
	const char *what;
};

/* Where the kernel image is. Virtual bounds are page-aligned and linked at
 * KERNEL_VIRT_BASE + physical address. */
struct mm_kernel_layout {
	phys_addr_t image_phys_start;         /* first byte the loader placed (1 MiB) */
	phys_addr_t image_phys_end;           /* one past the last, page-aligned (incl. .bss) */
	virt_addr_t text_start, text_end;     /* R+X */
	virt_addr_t rodata_start, rodata_end; /* R */
	virt_addr_t data_start, data_end;     /* R+W (.data and .bss) */
	/* The stacks in the image: R+W, except each stack's guard page, which
	 * is never mapped. Guards are page-aligned, ascending, inside
	 * [stacks_start, stacks_end). No stacks: stacks_start == stacks_end. */
	virt_addr_t stacks_start, stacks_end;
	virt_addr_t stack_guards[MM_MAX_STACK_GUARDS];
	size_t stack_guard_count;
};

/* The low identity remap: the pages other CPUs run and read at their own
 * physical address while they turn paging on (the AP trampoline), mapped
 * virtual = physical from the CR3 switch until stage 6, and nothing else
 * in the lower half. Each range is page-aligned, inside the first MiB
 * (which stage 2 reserves, so no allocator hands it out) and not page 0. */
struct mm_low_remap {
	phys_addr_t code_phys; /* R+X: the code that enables paging and jumps up */
	uint64_t code_bytes;
	phys_addr_t data_phys; /* R, NX: what that code reads (GDT, CR3, stack pointer...) */
	uint64_t data_bytes;
};

struct mm_boot_params {
	struct mm_kernel_layout kernel;
	struct mm_low_remap low_remap;
	struct mm_boot_range reserved[MM_MAX_BOOT_RESERVED];
	size_t reserved_count;
	bool allow_1g_pages; /* CPUID says the CPU has 1 GiB pages */
};

/* Add a range to params->reserved. MM_ERR_TABLE_FULL (with a message) when
 * MM_MAX_BOOT_RESERVED ranges are there already. */
enum mm_error mm_boot_reserve(struct mm_boot_params *params, phys_addr_t base, uint64_t size_bytes,
                              const char *what);

/* Stage 2: memblock gets every phys_memory_area entry as memory, then
 * reserves the first 1 MiB, the kernel image and every params->reserved
 * range, before anything can allocate. */
enum mm_error mm_memblock_stage(const struct mm_boot_params *params);

/* Stage 3: the bump allocator starts at the page-aligned end of the kernel
 * image. */
enum mm_error mm_bump_stage(const struct mm_boot_params *params);

/* Stage 4: build the kernel's own tables with bump frames - the direct map
 * of all RAM at PHYS_OFFSET (R+W, NX, global), the kernel image at
 * KERNEL_VIRT_BASE with per-section permissions (its stacks' guard pages
 * left unmapped), the low identity remap of params->low_remap (code R+X,
 * data R+NX, not global) - switch to them, and audit W^X on the live
 * tables: no page may be writable and executable. A bad low remap range is
 * refused (MM_ERR_MISALIGNED, MM_ERR_INVALID, MM_ERR_OVERLAP) with a
 * message naming it; so are stack guards out of order or outside the
 * stacks (MM_ERR_INVALID). */
enum mm_error mm_paging_stage(const struct mm_boot_params *params);

/* The CR3 switch, in one function so that `break mm_switch_to_kernel_tables`
 * is the first step of the GDB walk-through. Logs the old and new root. */
void mm_switch_to_kernel_tables(phys_addr_t new_root);

/* Stage 5: the buddy allocator takes every free range left in memblock
 * (its metadata comes from memblock first); from then on memblock and bump
 * refuse, and the kernel's tables draw frames from the buddy. */
enum mm_error mm_buddy_stage(void);

/* Stage 6, once every other CPU runs on the higher half: unmap the low
 * identity remap from the kernel's tables and flush this CPU's TLB. The
 * frames it pointed to are NOT freed: they belong to whoever owned them
 * before (DragonOS once freed its remap's frames: a use-after-free). The
 * caller must then make every other CPU flush too. Afterwards nothing in
 * the lower half is mapped (checked), page 0 included, so a NULL
 * dereference faults. */
enum mm_error mm_remove_low_remap(void);

/* The kernel's address space (valid after mm_paging_stage). */
struct pt_space *mm_kernel_space(void);

/* Log the live W+X ranges; returns how many 4 KiB pages are W+X (0 is the
 * only good answer: from the CR3 switch on, nothing may be both). */
size_t mm_audit_wx(void);

/* Where stage 5 put the buddy's per-frame metadata: false (and zeroes)
 * before stage 5 has run. */
bool mm_buddy_metadata(phys_addr_t *pa, uint64_t *size_bytes);

#endif /* MM_STAGES_H */
