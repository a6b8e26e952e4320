/*
 * stages.c - the MM stages 2 to 5 and stage 6's removal of the low remap
 * (see stages.h). Each function checks
 * the stage it starts from, does its one job, advances the stage and prints
 * one line. They only call the public APIs of memblock, bump, the mapper
 * and the buddy: this file is the place to read the bring-up order.
 */
#include "stages.h"

#include "buddy.h"
#include "bump.h"
#include "memblock.h"
#include "mm_env.h"
#include "stage_order.h"
#include "percpu_pages.h"
#include "phys_area.h"

/* The first address past the lower half (bit 47 set is non-canonical). */
#define LOWER_HALF_END ((virt_addr_t)1 << 47)

static struct pt_space kernel_space;
static phys_addr_t buddy_meta_phys; /* where stage 5 put the buddy's metadata */
static uint64_t buddy_meta_bytes;
static struct mm_low_remap low_remap; /* what stage 4 mapped, for stage 6 */

struct pt_space *mm_kernel_space(void)
{
	return &kernel_space;
}

bool mm_buddy_metadata(phys_addr_t *pa, uint64_t *size_bytes)
{
	*pa = buddy_meta_phys;
	*size_bytes = buddy_meta_bytes;
	return buddy_meta_bytes != 0;
}

enum mm_error mm_boot_reserve(struct mm_boot_params *params, phys_addr_t base, uint64_t size_bytes,
                              const char *what)
{
	if (params->reserved_count == MM_MAX_BOOT_RESERVED) {
		mm_warn("mm_boot_reserve: no room for %s [0x%lx-0x%lx): all %d slots used\n", what, base,
		        base + size_bytes, MM_MAX_BOOT_RESERVED);
		return MM_ERR_TABLE_FULL;
	}
	params->reserved[params->reserved_count++] = (struct mm_boot_range){base, size_bytes, what};
	return MM_OK;
}

/* Reserve one range, saying what it is if that fails. */
static enum mm_error reserve_named(phys_addr_t base, uint64_t size_bytes, const char *what)
{
	enum mm_error err = memblock_reserve(base, size_bytes);
	if (err != MM_OK)
		mm_warn("memblock: cannot reserve %s [0x%lx-0x%lx): %s\n", what, base, base + size_bytes,
		        mm_strerror(err));
	return err;
}

/* Do [a, a + a_bytes) and [b, b + b_bytes) share a byte? */
static bool ranges_overlap(phys_addr_t a, uint64_t a_bytes, phys_addr_t b, uint64_t b_bytes)
{
	return a < b + b_bytes && b < a + a_bytes;
}

enum mm_error mm_memblock_stage(const struct mm_boot_params *params)
{
	uint64_t start_us = mm_clock_us();
	enum mm_error err = memblock_init_from_phys_areas();
	if (err != MM_OK)
		return err;
	/* Ranges the map lists as both usable and another type were cut out
	 * in stage 1 (phys_area.c): memory here is RAM and nothing else. */
	/* The first MiB holds the BIOS data area, the EBDA, ROMs and (later)
	 * the AP trampoline; nothing general-purpose goes there. */
	if ((err = reserve_named(0, MiB(1), "first 1 MiB")) != MM_OK)
		return err;
	const struct mm_kernel_layout *k = &params->kernel;
	if ((err = reserve_named(k->image_phys_start, k->image_phys_end - k->image_phys_start,
	                         "kernel image")) != MM_OK)
		return err;
	for (size_t i = 0; i < params->reserved_count; i++) {
		const struct mm_boot_range *r = &params->reserved[i];
		if (r->size_bytes == 0)
			continue;
		if ((err = reserve_named(r->base, r->size_bytes, r->what)) != MM_OK)
			return err;
	}
	mm_info(
	    "memblock: %zu memory regions (%lu MiB), %zu reserved regions (%lu KiB); stage 2 took %lu us\n",
	    memblock_memory_count(), memblock_memory_bytes() >> 20, memblock_reserved_count(),
	    memblock_reserved_bytes() >> 10, mm_clock_us() - start_us);
	return MM_OK;
}

enum mm_error mm_bump_stage(const struct mm_boot_params *params)
{
	uint64_t start_us = mm_clock_us();
	phys_addr_t start = ALIGN_UP(params->kernel.image_phys_end, PAGE_SIZE);
	enum mm_error err = bump_init(start);
	if (err != MM_OK)
		return err;
	mm_info(
	    "bump: hands out zeroed frames from 0x%lx (the end of the kernel image); stage 3 took %lu us\n",
	    start, mm_clock_us() - start_us);
	return MM_OK;
}

/* Map one section of the kernel image at its link address. */
static enum mm_error map_kernel_section(virt_addr_t start, virt_addr_t end, unsigned flags, const char *name)
{
	/* LAB paging: begin */
	if (end <= start)
		return MM_OK;
	enum mm_error err = pt_map_range(&kernel_space, start, start - KERNEL_VIRT_BASE, end - start, flags,
	                                 PT_TLB_IGNORE, NULL);
	if (err != MM_OK)
		mm_warn("paging: cannot map kernel %s [0x%lx-0x%lx): %s\n", name, start, end,
		        mm_strerror(err));
	return err;
	/* LAB paging: end */
}

/* The kernel image's sections, each with only the rights it needs (W^X):
 * code R+X, read-only data R, data and .bss R+W. Global: the kernel's pages
 * are the same in every address space. */
static enum mm_error map_image_sections(const struct mm_kernel_layout *k)
{
	/* LAB paging: begin */
	enum mm_error err;
	if ((err = map_kernel_section(k->text_start, k->text_end, PT_EXEC | PT_GLOBAL, ".text")) != MM_OK ||
	    (err = map_kernel_section(k->rodata_start, k->rodata_end, PT_GLOBAL, ".rodata")) != MM_OK)
		return err;
	return map_kernel_section(k->data_start, k->data_end, PT_WRITE | PT_GLOBAL, ".data/.bss");
	/* LAB paging: end */
}

/* The stacks in the kernel image, R+W, in the runs between their guard
 * pages. The guard pages are skipped on purpose, and must stay unmapped:
 * the first write past the bottom of a stack has to fault in its guard
 * (and be reported as a stack overflow) instead of landing in .bss below.
 * Returns the number of bytes mapped in *mapped. */
static enum mm_error map_kernel_stacks(const struct mm_kernel_layout *k, uint64_t *mapped)
{
	virt_addr_t from = k->stacks_start;
	*mapped = 0;
	if (k->stack_guard_count > MM_MAX_STACK_GUARDS) {
		mm_warn("paging: %zu stack guards; at most %d\n", k->stack_guard_count, MM_MAX_STACK_GUARDS);
		return MM_ERR_INVALID;
	}
	for (size_t i = 0; i <= k->stack_guard_count; i++) {
		/* Map [from, guard), skip the guard; after the last guard, map up
		 * to the end of the stacks. */
		bool last = i == k->stack_guard_count;
		virt_addr_t guard = last ? k->stacks_end : k->stack_guards[i];
		if (guard < from || guard % PAGE_SIZE != 0 || (!last && guard + PAGE_SIZE > k->stacks_end)) {
			if (last)
				mm_warn("paging: kernel stacks end at 0x%lx, below 0x%lx\n", guard, from);
			else
				mm_warn("paging: stack guard %zu at 0x%lx is not a page inside the stacks "
				        "[0x%lx-0x%lx) "
				        "above the guard before it\n",
				        i, guard, k->stacks_start, k->stacks_end);
			return MM_ERR_INVALID;
		}
		enum mm_error err = map_kernel_section(from, guard, PT_WRITE | PT_GLOBAL, "stack");
		if (err != MM_OK)
			return err;
		*mapped += guard - from;
		from = guard + PAGE_SIZE;
	}
	return MM_OK;
}

/* The direct map: every memblock memory region at PHYS_OFFSET + phys. */
static enum mm_error map_direct_map(struct pt_map_stats *total)
{
	/* LAB paging: begin */
	for (size_t i = 0; i < memblock_memory_count(); i++) {
		const struct mm_range *r = memblock_memory_region(i);
		struct pt_map_stats s = {0};
		/* Tables are not loaded yet: nothing to flush (PT_TLB_IGNORE). */
		enum mm_error err = pt_map_range(&kernel_space, PHYS_OFFSET + r->base, r->base, r->size_bytes,
		                                 PT_WRITE | PT_GLOBAL, PT_TLB_IGNORE, &s);
		if (err != MM_OK) {
			mm_warn("paging: cannot direct-map [0x%lx-0x%lx): %s\n", r->base,
			        r->base + r->size_bytes, mm_strerror(err));
			return err;
		}
		total->pages_4k += s.pages_4k;
		total->pages_2m += s.pages_2m;
		total->pages_1g += s.pages_1g;
		total->table_frames += s.table_frames;
	}
	return MM_OK;
	/* LAB paging: end */
}

void mm_switch_to_kernel_tables(phys_addr_t new_root)
{
	phys_addr_t old_root = mm_read_root_table();
	mm_load_root_table(new_root); /* the CR3 write: from here on, our tables */
	mm_info("paging: CR3 0x%lx -> 0x%lx (the kernel's own tables are live)\n", old_root, new_root);
}

static void report_wx_range(virt_addr_t start, uint64_t size_bytes, void *ctx)
{
	(void)ctx;
	mm_err("  W+X: [0x%lx-0x%lx) %lu KiB\n", start, start + size_bytes, size_bytes >> 10);
}

size_t mm_audit_wx(void)
{
	size_t pages = pt_audit_wx(&kernel_space, report_wx_range, NULL);
	mm_info("paging: W^X audit: %zu writable+executable pages\n", pages);
	return pages;
}

/* May [base, base + size_bytes) be part of the low remap? The rules are
 * those of struct mm_low_remap; the boot loader's ranges (boot information,
 * modules) must not be there either, since the trampoline is copied over
 * these pages. */
static enum mm_error check_low_remap_range(const struct mm_boot_params *params, phys_addr_t base,
                                           uint64_t size_bytes, const char *what)
{
	if (!IS_ALIGNED(base, PAGE_SIZE) || !IS_ALIGNED(size_bytes, PAGE_SIZE)) {
		mm_warn("paging: low remap %s [0x%lx-0x%lx) is not page-aligned\n", what, base,
		        base + size_bytes);
		return MM_ERR_MISALIGNED;
	}
	const char *problem = NULL;
	if (size_bytes == 0)
		problem = "is empty";
	else if (base == 0)
		problem = "includes page 0, which stays unmapped so that NULL faults";
	else if (base >= MiB(1) || size_bytes > MiB(1) - base)
		problem = "is not inside the first MiB, which stage 2 reserves";
	if (problem) {
		mm_warn("paging: low remap %s [0x%lx-0x%lx) %s\n", what, base, base + size_bytes, problem);
		return MM_ERR_INVALID;
	}
	for (size_t i = 0; i < params->reserved_count; i++) {
		const struct mm_boot_range *r = &params->reserved[i];
		if (ranges_overlap(base, size_bytes, r->base, r->size_bytes)) {
			mm_warn("paging: low remap %s [0x%lx-0x%lx) overlaps the %s [0x%lx-0x%lx)\n", what,
			        base, base + size_bytes, r->what, r->base, r->base + r->size_bytes);
			return MM_ERR_OVERLAP;
		}
	}
	return MM_OK;
}

/* The low identity remap: the trampoline's code R+X and its data R, NX,
 * at their physical addresses, and nothing else in the lower half. Not
 * global: it is removed in stage 6. */
static enum mm_error map_low_remap(const struct mm_boot_params *params)
{
	const struct mm_low_remap *lr = &params->low_remap;
	enum mm_error err;
	if ((err = check_low_remap_range(params, lr->code_phys, lr->code_bytes, "code")) != MM_OK ||
	    (err = check_low_remap_range(params, lr->data_phys, lr->data_bytes, "data")) != MM_OK)
		return err;
	if (ranges_overlap(lr->code_phys, lr->code_bytes, lr->data_phys, lr->data_bytes)) {
		mm_warn("paging: low remap code [0x%lx-0x%lx) and data [0x%lx-0x%lx) overlap\n",
		        lr->code_phys, lr->code_phys + lr->code_bytes, lr->data_phys,
		        lr->data_phys + lr->data_bytes);
		return MM_ERR_OVERLAP;
	}
	/* Tables are not loaded yet: nothing to flush (PT_TLB_IGNORE). */
	if ((err = pt_map_range(&kernel_space, lr->code_phys, lr->code_phys, lr->code_bytes, PT_EXEC,
	                        PT_TLB_IGNORE, NULL)) != MM_OK ||
	    (err = pt_map_range(&kernel_space, lr->data_phys, lr->data_phys, lr->data_bytes, 0, PT_TLB_IGNORE,
	                        NULL)) != MM_OK) {
		mm_warn("paging: cannot map the low identity remap: %s\n", mm_strerror(err));
		return err;
	}
	low_remap = *lr;
	mm_info("paging: low identity remap for AP start-up: trampoline code [0x%lx-0x%lx) R+X, data "
	        "[0x%lx-0x%lx) R+NX until the other CPUs are up\n",
	        lr->code_phys, lr->code_phys + lr->code_bytes, lr->data_phys, lr->data_phys + lr->data_bytes);
	return MM_OK;
}

enum mm_error mm_paging_stage(const struct mm_boot_params *params)
{
	uint64_t start_us = mm_clock_us();
	enum mm_error err = mm_stage_check("mm_paging_stage", MM_STAGE_BUMP, MM_STAGE_BUMP);
	if (err != MM_OK)
		return err;
	if ((err = pt_space_create(&kernel_space, bump_frame_source(), params->allow_1g_pages)) != MM_OK)
		return err;

	struct pt_map_stats dm = {0};
	if ((err = map_direct_map(&dm)) != MM_OK)
		return err;
	uint64_t direct_map_table_bytes = (dm.table_frames + 1) * PAGE_SIZE; /* + 1: the root */
	mm_info("paging: direct map of %lu MiB at 0x%lx: %zu x 1 GiB, %zu x 2 MiB, %zu x 4 KiB pages, "
	        "%lu KiB of page tables (1 GiB pages %s)\n",
	        memblock_memory_bytes() >> 20, PHYS_OFFSET, dm.pages_1g, dm.pages_2m, dm.pages_4k,
	        direct_map_table_bytes >> 10,
	        params->allow_1g_pages ? "available" : "not supported by this CPU");

	const struct mm_kernel_layout *k = &params->kernel;
	if ((err = map_image_sections(k)) != MM_OK)
		return err;
	uint64_t stack_bytes;
	if ((err = map_kernel_stacks(k, &stack_bytes)) != MM_OK)
		return err;
	mm_info(
	    "paging: kernel image at 0x%lx: .text R+X %lu KiB, .rodata R %lu KiB, .data/.bss R+W %lu KiB, "
	    "stacks R+W %lu KiB above %zu unmapped guard pages\n",
	    k->text_start, (k->text_end - k->text_start) >> 10, (k->rodata_end - k->rodata_start) >> 10,
	    (k->data_end - k->data_start) >> 10, stack_bytes >> 10, k->stack_guard_count);

	/* Other CPUs start in real mode at a low physical address and turn
	 * paging on with these tables: the code doing it, and the data it reads
	 * afterwards, must be mapped at the same address before and after. */
	if ((err = map_low_remap(params)) != MM_OK)
		return err;

	mm_switch_to_kernel_tables(kernel_space.root);
	if ((err = mm_stage_advance(MM_STAGE_PAGING)) != MM_OK)
		return err;
	/* mm_audit_wx()'s line, closed with the stage's time. */
	size_t wx_pages = pt_audit_wx(&kernel_space, report_wx_range, NULL);
	mm_info("paging: W^X audit: %zu writable+executable pages; stage 4 took %lu us\n", wx_pages,
	        mm_clock_us() - start_us);
	if (wx_pages != 0) {
		mm_err("paging: W^X audit failed: %zu writable+executable pages right after the CR3 switch\n",
		       wx_pages);
		return MM_ERR_INVALID;
	}
	return MM_OK;
}

enum mm_error mm_buddy_stage(void)
{
	uint64_t start_us = mm_clock_us();
	enum mm_error err = mm_stage_check("mm_buddy_stage", MM_STAGE_PAGING, MM_STAGE_PAGING);
	if (err != MM_OK)
		return err;
	size_t n = memblock_memory_count();
	if (n == 0) {
		mm_warn("buddy: memblock has no memory regions\n");
		return MM_ERR_NO_MEMORY;
	}
	/* The buddy's metadata follows RAM: it is sized from the memory regions
	 * (holes cost nothing) and is the last thing memblock hands out. */
	static struct buddy_ram_range ram[MEMBLOCK_MAX_REGIONS];
	for (size_t i = 0; i < n; i++)
		ram[i] = (struct buddy_ram_range){memblock_memory_region(i)->base,
		                                  memblock_memory_region(i)->size_bytes};
	uint64_t meta_bytes = buddy_ram_metadata_bytes(ram, n);
	if (meta_bytes == 0) { /* memblock regions are sorted and never empty: too much RAM */
		mm_warn("buddy: %lu MiB of RAM is too much for the buddy's metadata: frame indices are "
		        "32-bit, so it numbers at most 16 TiB\n",
		        memblock_memory_bytes() >> 20);
		return MM_ERR_UNSUPPORTED;
	}
	phys_addr_t meta_phys;
	if ((err = memblock_alloc(ALIGN_UP(meta_bytes, PAGE_SIZE), PAGE_SIZE, &meta_phys)) != MM_OK) {
		mm_warn("buddy: cannot get %lu bytes of metadata from memblock: %s\n", meta_bytes,
		        mm_strerror(err));
		return err;
	}
	if ((err = buddy_init_ram(ram, n, mm_phys_to_virt(meta_phys), meta_bytes)) != MM_OK)
		return err;
	buddy_meta_phys = meta_phys;
	buddy_meta_bytes = meta_bytes;

	/* Take over every free range: memory minus everything reserved so far
	 * (first MiB, kernel, boot info, modules, bump frames, metadata). */
	phys_addr_t base, end;
	uint64_t cursor;
	size_t ranges = 0;
	for_each_free_range(cursor, base, end)
	{
		/* Reserved ranges end anywhere (the boot information is not page
		 * sized): only whole pages between them can be handed out. */
		phys_addr_t first = ALIGN_UP(base, PAGE_SIZE), last = ALIGN_DOWN(end, PAGE_SIZE);
		if (first >= last)
			continue;
		if ((err = buddy_add_free_range(first, last - first)) != MM_OK)
			return err;
		ranges++;
	}
	if ((err = mm_stage_advance(MM_STAGE_BUDDY)) != MM_OK)
		return err;
	/* From now on the kernel's tables grow with buddy frames, through this
	 * CPU's list of single pages. */
	kernel_space.frames = page_frame_source();
	uint64_t free_page_count = buddy_count_free_pages();
	mm_info("buddy: took over %zu free ranges: %lu free pages (%lu MiB) in blocks of up to %lu KiB, "
	        "metadata %lu KiB at 0x%lx; stage 5 took %lu us\n",
	        ranges, free_page_count, free_page_count >> (20 - PAGE_SHIFT), BUDDY_MAX_BLOCK >> 10,
	        meta_bytes >> 10, meta_phys, mm_clock_us() - start_us);
	return MM_OK;
}

/* LAB smp: begin helper */
/* Unmap one range of the low remap, naming it if that fails. */
static enum mm_error unmap_low_range(phys_addr_t base, uint64_t size_bytes, const char *what)
{
	enum mm_error err = pt_unmap_range(&kernel_space, base, size_bytes, PT_TLB_FLUSH_PAGE);
	if (err != MM_OK)
		mm_err("mm_remove_low_remap: unmapping %s [0x%lx-0x%lx) failed: %s\n", what, base,
		       base + size_bytes, mm_strerror(err));
	return err;
}
/* LAB smp: end helper */

/* Take both ranges of the low remap (low_remap: the trampoline's code and
 * data) out of the kernel's tables. The frames behind them are not the
 * tables' to free: they stay reserved, reachable through the direct map.
 * This CPU's TLB must forget exactly the pages that changed (the other
 * CPUs' TLBs are smp_tlb_shootdown()'s job). */
static enum mm_error unmap_low_remap(void)
{
	/* LAB smp: begin */
	/* pt_unmap_range never frees mapped frames; the empty tables stay in
	 * place (a few KiB) in case the range is mapped again. */
	enum mm_error err = unmap_low_range(low_remap.code_phys, low_remap.code_bytes, "code");
	if (err == MM_OK)
		err = unmap_low_range(low_remap.data_phys, low_remap.data_bytes, "data");
	return err;
	/* LAB smp: end */
}

/* pt_for_each_mapping visitor: the walk is in ascending order, so the first
 * mapping is the lowest. Note it and stop. */
static bool note_lowest_mapping(void *ctx, virt_addr_t va, const struct pt_translation *t)
{
	(void)t;
	*(virt_addr_t *)ctx = va;
	return false;
}

enum mm_error mm_remove_low_remap(void)
{
	enum mm_error err = mm_stage_check("mm_remove_low_remap", MM_STAGE_BUDDY, MM_STAGE_BUDDY);
	if (err != MM_OK)
		return err;
	uint64_t free_before = buddy_count_free_pages();
	if ((err = unmap_low_remap()) != MM_OK)
		return err;
	/* Check the result, whoever wrote unmap_low_remap(): the whole lower
	 * half is empty, and no frame went back to the buddy. */
	virt_addr_t lowest = UINT64_MAX;
	pt_for_each_mapping(&kernel_space, note_lowest_mapping, &lowest);
	if (lowest < LOWER_HALF_END) {
		mm_err("mm_remove_low_remap: 0x%lx in the lower half is still mapped after the unmap\n",
		       lowest);
		return MM_ERR_INVALID;
	}
	if (buddy_count_free_pages() != free_before) {
		mm_err("mm_remove_low_remap: the buddy's free pages changed from %lu to %lu\n", free_before,
		       buddy_count_free_pages());
		return MM_ERR_INVALID;
	}
	if ((err = mm_stage_advance(MM_STAGE_SMP)) != MM_OK)
		return err;
	mm_info("paging: low identity remap removed (code [0x%lx-0x%lx), data [0x%lx-0x%lx)), no frame "
	        "freed; nothing in the lower half is mapped\n",
	        low_remap.code_phys, low_remap.code_phys + low_remap.code_bytes, low_remap.data_phys,
	        low_remap.data_phys + low_remap.data_bytes);
	return MM_OK;
}
