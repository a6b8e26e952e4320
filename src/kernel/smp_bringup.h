/*
 * smp_bringup.h - stage 6: find the CPUs (ACPI MADT), start them through the
 * low identity remap, then remove the remap on every CPU.
 */
#ifndef KERNEL_SMP_BRINGUP_H
#define KERNEL_SMP_BRINGUP_H

#include "boot/multiboot2.h"

/* Discover and start the CPUs (one CPU if ACPI is missing or bad: said
 * clearly, not fatal), then remove the low remap everywhere and check W^X.
 * Then check every CPU's stacks and their guard pages (kstack_audit).
 * Panics only if the remap cannot be removed, W^X fails or a stack has no
 * working guard. */
void smp_bringup(const struct mb2_info *info);

#endif /* KERNEL_SMP_BRINGUP_H */
