/*
 * gdt.h - the kernel's GDT and TSS. Long mode ignores segment bases and
 * limits, but it still needs a code segment with the L bit, a data
 * segment, and a TSS whose IST slots give the double-fault handler a stack
 * of its own (so a kernel stack overflow does not become a triple fault).
 */
#ifndef ARCH_GDT_H
#define ARCH_GDT_H

#define GDT_KERNEL_CODE 0x08
#define GDT_KERNEL_DATA 0x10
#define GDT_TSS         0x18

/* Each CPU has its own GDT and TSS (a TSS descriptor is marked busy when
 * loaded, so CPUs cannot share one). */
#define GDT_MAX_CPUS 16

/* The IST slot (1..7) used by the double-fault handler. */
#define IST_DOUBLE_FAULT 1

/* Build CPU cpu's GDT and TSS, load them and reload every segment register.
 * The boot CPU is cpu 0. IST slot 1 gets the CPU's double-fault stack from
 * kstack.h, which must exist already (an AP's: kstack_create_ap()). */
void gdt_init_cpu(unsigned cpu);

#endif /* ARCH_GDT_H */
