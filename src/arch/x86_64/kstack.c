/*
 * kstack.c - where each kernel stack and its guard page are (see kstack.h).
 *
 * The boot CPU's stacks are placed by linker.ld; their addresses are read
 * from its symbols. The APs' stacks are made by kstack_create_aps() before
 * any AP starts: buddy frames, mapped in each AP's slot of KSTACK_AP_REGION
 * with nothing mapped in the page below each. Only the number of slots made
 * is stored (the addresses follow from the layout); it is written by the
 * boot CPU before the APs start and never changes afterwards, so the
 * double-fault handler may read it on any CPU.
 */
#include "kstack.h"

#include "lib/format.h"
#include "lib/log.h"
#include "mm/buddy.h"
#include "mm/stages.h"
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

/* APs 1..ap_slots have both stacks (kstack_create_aps()); their addresses
 * follow from the slot layout, so no table per possible CPU is kept. */
static unsigned ap_slots;

/* Where stack `kind` of AP cpu lies in its slot (the picture in kstack.h). */
static struct kstack ap_stack(unsigned cpu, enum kstack_kind kind)
{
	virt_addr_t top = KSTACK_AP_REGION + cpu * KSTACK_AP_SLOT + ap_stack_top_in_slot[kind];
	virt_addr_t bottom = top - (PAGE_SIZE << ap_stack_order[kind]);
	return (struct kstack){.guard = bottom - PAGE_SIZE, .bottom = bottom, .top = top};
}

struct kstack kstack_get(unsigned cpu, enum kstack_kind kind)
{
	if (kind >= KSTACK_KINDS || cpu > ap_slots)
		return (struct kstack){0};
	if (cpu != 0)
		return ap_stack(cpu, kind);
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
	struct kstack s = ap_stack(cpu, kind);
	phys_addr_t pa;
	enum mm_error err = buddy_alloc_pages(order, &pa);
	if (err == MM_OK) {
		err = pt_map_range(mm_kernel_space(), s.bottom, pa, s.top - s.bottom, PT_WRITE,
		                   PT_TLB_FLUSH_PAGE, NULL);
		if (err != MM_OK)
			buddy_free_pages(pa, order);
	}
	if (err != MM_OK) {
		pr_err("kstack: cannot make the %s of CPU %u: %s\n", kstack_kind_name(kind), cpu,
		       mm_strerror(err));
		return false;
	}
	return true;
}

/* Unmap a stack create_ap_stack() made and give its frames back. */
static void destroy_ap_stack(unsigned cpu, enum kstack_kind kind)
{
	struct kstack s = ap_stack(cpu, kind);
	struct pt_translation t;
	if (pt_translate(mm_kernel_space(), s.bottom, &t) != MM_OK)
		return;
	pt_unmap_range(mm_kernel_space(), s.bottom, s.top - s.bottom, PT_TLB_FLUSH_PAGE);
	buddy_free_pages(t.pa, ap_stack_order[kind]);
}

unsigned kstack_create_aps(unsigned count)
{
	if (ap_slots != 0 || count >= SMP_MAX_CPUS) {
		pr_err("kstack_create_aps: %u APs asked for (at most %d, and only once; %u made before)\n",
		       count, SMP_MAX_CPUS - 1, ap_slots);
		return 0;
	}
	for (unsigned cpu = 1; cpu <= count; cpu++) {
		if (!create_ap_stack(cpu, KSTACK_DOUBLE_FAULT))
			break;
		if (!create_ap_stack(cpu, KSTACK_KERNEL)) {
			destroy_ap_stack(cpu, KSTACK_DOUBLE_FAULT);
			break;
		}
		ap_slots = cpu;
	}
	return ap_slots;
}

virt_addr_t kstack_ap_kernel_top(unsigned cpu)
{
	return ap_stack(cpu, KSTACK_KERNEL).top;
}

/* Is addr in the guard below one of CPU cpu's stacks? */
static bool in_guard_of(unsigned cpu, virt_addr_t addr, enum kstack_kind *kind)
{
	for (unsigned k = 0; k < KSTACK_KINDS; k++) {
		struct kstack s = kstack_get(cpu, (enum kstack_kind)k);
		if (s.top != 0 && addr >= s.guard && addr < s.bottom) {
			*kind = (enum kstack_kind)k;
			return true;
		}
	}
	return false;
}

bool kstack_find_guard(virt_addr_t addr, unsigned *cpu, enum kstack_kind *kind)
{
	/* The boot CPU's stacks, then those of the AP slot addr falls in. */
	unsigned slot = 0;
	if (addr >= KSTACK_AP_REGION && addr < KSTACK_AP_REGION + (ap_slots + 1ULL) * KSTACK_AP_SLOT)
		slot = (unsigned)((addr - KSTACK_AP_REGION) / KSTACK_AP_SLOT);
	if (in_guard_of(0, addr, kind)) {
		*cpu = 0;
		return true;
	}
	if (slot != 0 && in_guard_of(slot, addr, kind)) {
		*cpu = slot;
		return true;
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
	for (unsigned c = 0; c <= ap_slots; c++) {
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
