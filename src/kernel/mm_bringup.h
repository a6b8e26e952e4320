/*
 * mm_bringup.h - the kernel's MM stage driver: one function per MM stage 1
 * to 5, which kernel_main calls in order (stage 6 is smp_bringup.h). They
 * gather what the stages need from the linker script and the boot
 * information and turn any error a stage returns into a panic (the MM code
 * itself never panics).
 */
#ifndef KERNEL_MM_BRINGUP_H
#define KERNEL_MM_BRINGUP_H

#include <stdbool.h>
#include <stdint.h>

#include "boot/multiboot2.h"

/* Page poisoning in the buddy, on or off (from the command line), before
 * stage 5. Also installs the hook that turns a use after free into the
 * panic "use after free: page 0x... changed at offset 0x... after it was
 * freed". Prints one line saying which. */
void mm_bringup_page_poisoning(bool on);

/* Stage 1: the memory map into phys_memory_area[]. */
void mm_bringup_phys_areas(const struct mb2_info *info);

/* Stage 2: memblock's memory and reserved regions. Gathers first what
 * stages 2 to 4 need (the kernel image's sections from the linker script,
 * the boot information at mbi_phys, the modules, the early tables, the
 * trampoline's pages); all of it stays reserved. */
void mm_bringup_memblock(const struct mb2_info *info, uint64_t mbi_phys);

/* Stage 3: the bump allocator, from the end of the kernel image. */
void mm_bringup_bump(void);

/* Stage 4: the kernel's own page tables (direct map, W^X image, stacks
 * above guard pages, the trampoline's low remap), the CR3 switch in
 * mm_switch_to_kernel_tables(), then global pages on. */
void mm_bringup_paging(void);

/* Stage 5: the buddy takes over all free memory (with `debug`, the tables
 * of stages 1, 2 and 5 are printed after it). */
void mm_bringup_buddy(void);

/* After something may have written where it must not (a stack overflow):
 * check memblock's and the buddy's tables, as far as the current stage has
 * set them up, and print one line, "mm: memblock tables consistent, buddy
 * tables consistent" when all is well. kernel_main registers it as the
 * arch code's stack-overflow hook (exceptions_set_stack_overflow_hook() in
 * arch/x86_64/interrupts.h). The buddy's check takes its lock: do not call
 * this from code that may hold it. */
void mm_bringup_check_tables(void);

#endif /* KERNEL_MM_BRINGUP_H */
