/*
 * mm_bringup.c - the kernel's MM stage driver (see mm_bringup.h).
 */
#include "mm_bringup.h"

#include "kernel/memory_map.h"
#include "arch/x86_64/cpu.h"
#include "kernel/modules.h"
#include "arch/x86_64/kstack.h"
#include "arch/x86_64/trampoline.h"
#include "arch/x86_64/tsc.h"
#include "kernel/panic.h"
#include "lib/format.h"
#include "lib/log.h"
#include "mm/buddy.h"
#include "mm/memblock.h"
#include "mm/percpu_pages.h"
#include "mm/stages.h"
#include "mm/stage_order.h"
#include "mm/page_poison.h"
#include "mm/phys_area.h"

/* Bounds exported by src/arch/x86_64/linker.ld. */
extern char __kernel_phys_start[], __kernel_phys_end[];
extern char __text_start[], __text_end[], __rodata_start[], __rodata_end[], __data_start[], __data_end[];
extern char early_tables_start[], early_tables_end[];
extern char __stacks_start[], __stacks_end[];

static void check(enum mm_error err, const char *stage)
{
	if (err != MM_OK)
		panic("%s: %s", stage, mm_strerror(err));
}

/* The buddy found a poisoned page changed while it was free: someone still
 * writes through a pointer to memory they gave back. Nothing after this can
 * be trusted, so stop, naming the page and the first changed byte. */
static void report_use_after_free(phys_addr_t page, uint64_t offset)
{
	panic("use after free: page 0x%lx changed at offset 0x%lx after it was freed", page, offset);
}

void mm_bringup_page_poisoning(bool on)
{
	/* The hook goes in even with poisoning off: nothing is poisoned then,
	 * so it is never called, but a later page_set_poisoning(true) (from
	 * GDB, say) reports at once. */
	buddy_set_use_after_free_hook(report_use_after_free);
	page_set_poisoning(on); /* the buddy's switch and the per-CPU lists' flag */
	if (on)
		kprintf("buddy: page poisoning on: freed pages are filled with 0x%x and checked when "
		        "allocated again\n",
		        PAGE_POISON_BYTE);
	else
		kprintf("buddy: page poisoning off\n");
}

void mm_bringup_phys_areas(const struct mb2_info *info)
{
	uint64_t start_us = tsc_now_us();
	check(mb2_fill_phys_areas(info), "stage 1 (phys_memory_area)");
	kprintf(
	    "phys_memory_area: %zu usable ranges, %lu MiB; %zu other ranges recorded; stage 1 took %lu us\n",
	    phys_memory_area_count, phys_area_total_bytes() >> 20, phys_other_area_count,
	    tsc_now_us() - start_us);
}

/* Every module and the fixed ranges below must fit params.reserved[]. */
_Static_assert(MODULES_MAX + 8 <= MM_MAX_BOOT_RESERVED, "mm_boot_params.reserved too small for MODULES_MAX");

static void gather_params(const struct mb2_info *info, uint64_t mbi_phys, struct mm_boot_params *p)
{
	*p = (struct mm_boot_params){0};
	p->kernel = (struct mm_kernel_layout){
	    .image_phys_start = (phys_addr_t)(uintptr_t)__kernel_phys_start,
	    .image_phys_end = ALIGN_UP((phys_addr_t)(uintptr_t)__kernel_phys_end, PAGE_SIZE),
	    .text_start = (virt_addr_t)__text_start,
	    .text_end = (virt_addr_t)__text_end,
	    .rodata_start = (virt_addr_t)__rodata_start,
	    .rodata_end = (virt_addr_t)__rodata_end,
	    .data_start = (virt_addr_t)__data_start,
	    .data_end = (virt_addr_t)__data_end,
	    .stacks_start = (virt_addr_t)__stacks_start,
	    .stacks_end = (virt_addr_t)__stacks_end,
	    /* The boot CPU's two stacks, kernel stack first (linker.ld). */
	    .stack_guards = {kstack_get(0, KSTACK_KERNEL).guard, kstack_get(0, KSTACK_DOUBLE_FAULT).guard},
	    .stack_guard_count = 2,
	};
	if (info->has_load_base && info->load_base_addr != p->kernel.image_phys_start)
		panic("mm_bringup: GRUB loaded the kernel at 0x%x, but it is linked for 0x%lx",
		      info->load_base_addr, p->kernel.image_phys_start);
	// The AP trampoline's two pages: all that stays identity-mapped (stage 6).
	p->low_remap = (struct mm_low_remap){
	    .code_phys = TRAMPOLINE_CODE_PHYS,
	    .code_bytes = PAGE_SIZE,
	    .data_phys = TRAMPOLINE_DATA_PHYS,
	    .data_bytes = PAGE_SIZE,
	};
	p->allow_1g_pages = cpu_has_1g_pages();
	if (!cpu_has_nx())
		panic("mm_bringup: this CPU has no NX bit: the kernel's W^X page tables need it");

	check(mm_boot_reserve(p, mbi_phys, info->total_size, "boot information"), "mm_bringup");
	check(mm_boot_reserve(p, (phys_addr_t)(uintptr_t)early_tables_start,
	                      (uint64_t)(early_tables_end - early_tables_start), "early page tables"),
	      "mm_bringup");
	modules_check_count(info);
	for (size_t i = 0; i < info->module_count; i++) {
		struct mb2_module m;
		if (!mb2_module(info, i, &m))
			panic("mm_bringup: module %zu of %zu cannot be read from the boot information", i,
			      info->module_count);
		check(mm_boot_reserve(p, m.start, m.end - m.start, "module"), "mm_bringup");
	}
}

/* What stages 2 to 4 need to know about the kernel and the boot loader,
 * gathered once by mm_bringup_memblock(). Large: kept off the stack. */
static struct mm_boot_params params;

void mm_bringup_memblock(const struct mb2_info *info, uint64_t mbi_phys)
{
	gather_params(info, mbi_phys, &params);
	check(mm_memblock_stage(&params), "stage 2 (memblock)");
}

void mm_bringup_bump(void)
{
	check(mm_bump_stage(&params), "stage 3 (bump)");
}

void mm_bringup_paging(void)
{
	check(mm_paging_stage(&params), "stage 4 (paging)");
	cpu_enable_global_pages(); // the kernel's pages now survive CR3 reloads
}

void mm_bringup_buddy(void)
{
	check(mm_buddy_stage(), "stage 5 (buddy)");
	if (log_enabled(LOG_DEBUG)) { // `debug`: the tables behind the stage lines
		phys_area_dump();
		memblock_dump();
		buddy_dump();
	}
}

void mm_bringup_check_tables(void)
{
	enum mm_stage stage = mm_stage_current();
	const char *memblock = "not set up yet", *buddy = "not set up yet";
	if (stage >= MM_STAGE_MEMBLOCK)
		memblock = memblock_check_invariants() ? "consistent" : "INCONSISTENT";
	if (stage >= MM_STAGE_BUDDY)
		buddy = buddy_check_invariants() ? "consistent" : "INCONSISTENT";
	kprintf("mm: memblock tables %s, buddy tables %s\n", memblock, buddy);
}
