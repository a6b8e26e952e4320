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

/* The IST slot (1..7) used by the double-fault handler. */
#define IST_DOUBLE_FAULT 1

/* Load the GDT, reload every segment register, load the TSS. */
void gdt_init(void);

#endif /* ARCH_GDT_H */
