/* gdt.c - builds and loads the kernel's GDT and TSS (see gdt.h). */
#include "gdt.h"

#include <stdint.h>

#include "fatal.h"
#include "kstack.h"

struct gdt_pointer {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

/* The boot CPU's; those of the APs come with their per-CPU records. */
static struct gdt_cpu_tables boot_cpu_tables;

static uint64_t tss_descriptor_low(uint64_t base, uint32_t limit)
{
	return (limit & 0xffffULL) | ((base & 0xffffffULL) << 16) | (0x89ULL << 40) /* present, 64-bit TSS */
	       | (((uint64_t)limit >> 16 & 0xf) << 48) | ((base >> 24 & 0xff) << 56);
}

void gdt_init_boot_cpu(void)
{
	gdt_init_cpu(&boot_cpu_tables, 0);
}

void gdt_init_cpu(struct gdt_cpu_tables *tables, unsigned cpu)
{
	uint64_t *g = tables->gdt;
	struct gdt_tss *t = &tables->tss;
	g[0] = 0;
	g[1] = 0x00af9a000000ffffULL; /* code: present, DPL 0, executable, L=1 */
	g[2] = 0x00cf92000000ffffULL; /* data: present, DPL 0, writable */
	uint64_t base = (uint64_t)t;
	g[3] = tss_descriptor_low(base, sizeof(*t) - 1);
	g[4] = base >> 32;

	/* The double fault gets a stack of its own (kstack.h), the one place a
	 * CPU can still run after its kernel stack ran into its guard page. */
	uint64_t df_top = kstack_get(cpu, KSTACK_DOUBLE_FAULT).top;
	if (df_top == 0)
		arch_fatal("gdt_init_cpu: CPU %u has no double-fault stack", cpu);
	t->ist[IST_DOUBLE_FAULT - 1] = df_top;
	t->iomap_base = sizeof(*t); /* no I/O permission bitmap */

	struct gdt_pointer ptr = {.limit = sizeof(tables->gdt) - 1, .base = (uint64_t)g};
	/* Reload CS with a far return (there is no far jump to an absolute
	 * 64-bit address), then the data segments, then the task register. */
	__asm__ volatile("lgdt %0\n\t"
	                 "pushq %1\n\t"
	                 "leaq 1f(%%rip), %%rax\n\t"
	                 "pushq %%rax\n\t"
	                 "lretq\n"
	                 "1:\n\t"
	                 "movw %w2, %%ds\n\t"
	                 "movw %w2, %%es\n\t"
	                 "movw %w2, %%ss\n\t"
	                 "ltr %w3\n\t"
	                 :
	                 : "m"(ptr), "i"(GDT_KERNEL_CODE), "r"(GDT_KERNEL_DATA), "r"(GDT_TSS)
	                 : "rax", "memory");
}
