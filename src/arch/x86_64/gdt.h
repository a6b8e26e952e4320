/*
 * gdt.h - the kernel's GDT and TSS. Long mode ignores segment bases and
 * limits, but it still needs a code segment with the L bit, a data
 * segment, and a TSS whose IST slots give the double-fault handler a stack
 * of its own (so a kernel stack overflow does not become a triple fault).
 */
#ifndef ARCH_GDT_H
#define ARCH_GDT_H

#include <stdint.h>

#define GDT_KERNEL_CODE 0x08
#define GDT_KERNEL_DATA 0x10
#define GDT_TSS         0x18

/* The IST slot (1..7) used by the double-fault handler. */
#define IST_DOUBLE_FAULT 1

struct gdt_tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));

/* One CPU's GDT and TSS. Each CPU has its own (a TSS descriptor is marked
 * busy when loaded, so CPUs cannot share one): the boot CPU's are in gdt.c,
 * an AP's in its per-CPU record (smp.c), allocated from the buddy for the
 * CPUs that exist. GDT: null, code, data, then the 16-byte TSS descriptor. */
struct gdt_cpu_tables {
	uint64_t gdt[5];
	struct gdt_tss tss;
};

/* Build the boot CPU's GDT and TSS (cpu 0) and load them, as below. */
void gdt_init_boot_cpu(void);

/* Build CPU cpu's GDT and TSS in *tables, load them and reload every
 * segment register. IST slot 1 gets the CPU's double-fault stack from
 * kstack.h, which must exist already (an AP's: kstack_create_aps()). */
void gdt_init_cpu(struct gdt_cpu_tables *tables, unsigned cpu);

#endif /* ARCH_GDT_H */
