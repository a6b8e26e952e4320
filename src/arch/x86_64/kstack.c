/*
 * kstack.c - where each kernel stack and its guard page are (see kstack.h).
 *
 * The boot CPU's stacks are placed by linker.ld; their addresses are read
 * from its symbols. An AP's stacks are made by kstack_create_ap() before the
 * AP starts: buddy frames, mapped in the AP's slot of KSTACK_AP_REGION with
 * nothing mapped in the page below each. The table of AP stacks is written
 * by the boot CPU only, before the AP that uses them is started, and never
 * changes afterwards, so the double-fault handler may read it on any CPU.
 */
#include "kstack.h"

#include "lib/format.h"
#include "lib/log.h"
#include "mm/buddy.h"
#include "mm/mm_init.h"
#include "mm/paging.h"
#include "smp.h"

/* Placed by linker.ld, section .stacks. */
extern char boot_stack_guard[], boot_stack_higher[], boot_stack_higher_top[];
extern char boot_df_stack_guard[], boot_df_stack[], boot_df_stack_top[];

/* The size of each AP stack (a buddy order) and where its top lies in the
 * CPU's slot: the picture in kstack.h. */
#define AP_DF_ORDER     1 /* 8 KiB */
#define AP_DF_TOP       KiB(12)
#define AP_KERNEL_ORDER 2 /* 16 KiB */
#define AP_KERNEL_TOP   KiB(32)

_Static_assert(AP_DF_TOP - (PAGE_SIZE << AP_DF_ORDER) >= PAGE_SIZE,
               "the double-fault stack's guard must fit at the bottom of the slot");
_Static_assert(AP_KERNEL_TOP - (PAGE_SIZE << AP_KERNEL_ORDER) - PAGE_SIZE >= AP_DF_TOP,
               "the kernel stack's guard must lie above the double-fault stack");
_Static_assert(AP_KERNEL_TOP <= KSTACK_AP_SLOT, "both stacks must fit in the slot");

static const unsigned ap_stack_order[KSTACK_KINDS] = {
    [KSTACK_KERNEL] = AP_KERNEL_ORDER,
    [KSTACK_DOUBLE_FAULT] = AP_DF_ORDER,
};
static const uint64_t ap_stack_top_in_slot[KSTACK_KINDS] = {
    [KSTACK_KERNEL] = AP_KERNEL_TOP,
    [KSTACK_DOUBLE_FAULT] = AP_DF_TOP,
};

/* ap_stacks[0] stays empty: the boot CPU's stacks are in the image. */
static struct kstack ap_stacks[SMP_MAX_CPUS][KSTACK_KINDS];

struct kstack kstack_get(unsigned cpu, enum kstack_kind kind)
{
	if (kind >= KSTACK_KINDS || cpu >= SMP_MAX_CPUS)
		return (struct kstack){0};
	if (cpu != 0)
		return ap_stacks[cpu][kind];
	if (kind == KSTACK_KERNEL)
		return (struct kstack){(virt_addr_t)boot_stack_guard, (virt_addr_t)boot_stack_higher,
		                       (virt_addr_t)boot_stack_higher_top};
	return (struct kstack){(virt_addr_t)boot_df_stack_guard, (virt_addr_t)boot_df_stack,
	                       (virt_addr_t)boot_df_stack_top};
}

const char *kstack_kind_name(enum kstack_kind kind)
{
	return kind == KSTACK_KERNEL ? "kernel stack" : "double-fault stack";
}

/* Make one stack of AP cpu: buddy frames mapped below its top in the slot.
 * The page below stays unmapped: nothing in the slot is ever mapped there. */
static bool create_ap_stack(unsigned cpu, enum kstack_kind kind)
{
	unsigned order = ap_stack_order[kind];
	uint64_t bytes = PAGE_SIZE << order;
	virt_addr_t top = KSTACK_AP_REGION + cpu * KSTACK_AP_SLOT + ap_stack_top_in_slot[kind];
	phys_addr_t pa;
	enum mm_error err = buddy_alloc_pages(order, &pa);
	if (err == MM_OK) {
		err = pt_map_range(mm_kernel_space(), top - bytes, pa, bytes, PT_WRITE, PT_TLB_FLUSH_PAGE,
		                   NULL);
		if (err != MM_OK)
			buddy_free_pages(pa, order);
	}
	if (err != MM_OK) {
		pr_err("kstack: cannot make the %s of CPU %u: %s\n", kstack_kind_name(kind), cpu,
		       mm_strerror(err));
		return false;
	}
	ap_stacks[cpu][kind] =
	    (struct kstack){.guard = top - bytes - PAGE_SIZE, .bottom = top - bytes, .top = top};
	return true;
}

bool kstack_create_ap(unsigned cpu)
{
	if (cpu == 0 || cpu >= SMP_MAX_CPUS || ap_stacks[cpu][KSTACK_KERNEL].top != 0) {
		pr_err("kstack_create_ap: CPU %u is not an AP without stacks (APs are 1..%d)\n", cpu,
		       SMP_MAX_CPUS - 1);
		return false;
	}
	/* If the second fails, the first stays mapped: a slot is used once. */
	return create_ap_stack(cpu, KSTACK_DOUBLE_FAULT) && create_ap_stack(cpu, KSTACK_KERNEL);
}

bool kstack_find_guard(virt_addr_t addr, unsigned *cpu, enum kstack_kind *kind)
{
	for (unsigned c = 0; c < SMP_MAX_CPUS; c++) {
		for (unsigned k = 0; k < KSTACK_KINDS; k++) {
			struct kstack s = kstack_get(c, (enum kstack_kind)k);
			/* guard < bottom < top also holds for every real stack: an
			 * entry that breaks it was overwritten, not made here. */
			if (s.guard < s.bottom && s.bottom < s.top && addr >= s.guard && addr < s.bottom) {
				*cpu = c;
				*kind = (enum kstack_kind)k;
				return true;
			}
		}
	}
	return false;
}

/* The problem with one stack's mappings, or NULL if there is none. */
static const char *stack_mapping_problem(const struct kstack *s)
{
	struct pt_translation t;
	for (virt_addr_t page = s->guard; page < s->bottom; page += PAGE_SIZE)
		if (pt_translate(mm_kernel_space(), page, &t) != MM_ERR_NOT_MAPPED)
			return "its guard page is mapped";
	for (virt_addr_t page = s->bottom; page < s->top; page += PAGE_SIZE) {
		if (pt_translate(mm_kernel_space(), page, &t) != MM_OK)
			return "a page of it is not mapped";
		if ((t.flags & (PT_WRITE | PT_EXEC)) != PT_WRITE)
			return "a page of it is not read/write, no-execute";
	}
	return NULL;
}

unsigned kstack_audit(unsigned *stacks, unsigned *cpus)
{
	unsigned bad = 0;
	*stacks = *cpus = 0;
	for (unsigned c = 0; c < SMP_MAX_CPUS; c++) {
		*cpus += kstack_get(c, KSTACK_KERNEL).top != 0;
		for (unsigned k = 0; k < KSTACK_KINDS; k++) {
			struct kstack s = kstack_get(c, (enum kstack_kind)k);
			if (s.top == 0)
				continue;
			(*stacks)++;
			const char *problem = stack_mapping_problem(&s);
			if (problem != NULL) {
				pr_err("kstack: CPU %u's %s [0x%lx-0x%lx): %s\n", c,
				       kstack_kind_name((enum kstack_kind)k), s.bottom, s.top, problem);
				bad++;
			}
		}
	}
	return bad;
}
