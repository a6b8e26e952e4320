/*
 * smp_bringup.h - stage 6: find the CPUs (ACPI MADT), start them through the
 * low identity remap, then remove the remap on every CPU.
 */
#ifndef KERNEL_SMP_BRINGUP_H
#define KERNEL_SMP_BRINGUP_H

#include <stdbool.h>

#include "boot/multiboot2.h"

/* Discover and start the CPUs (one CPU if ACPI is missing or bad: said
 * clearly, not fatal), then remove the low remap everywhere and check W^X.
 * Then check every CPU's stacks and their guard pages (kstack_audit).
 * Panics only if the remap cannot be removed, W^X fails or a stack has no
 * working guard. test_ap_missing (test word test-ap-missing): one AP gets
 * no STARTUP IPI, to show that a CPU that does not come up is named and
 * left out while the others go on. */
void smp_bringup(const struct mb2_info *info, bool test_ap_missing);

#endif /* KERNEL_SMP_BRINGUP_H */
