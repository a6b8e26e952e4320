/*
 * kstack.h - every kernel stack, and the unmapped guard page below each.
 *
 * Each CPU has two stacks: its kernel stack, where it runs, and its
 * double-fault stack, which the CPU switches to through IST slot 1 of the
 * CPU's TSS (gdt.h). Below each stack lies a guard: virtual addresses the
 * kernel's tables never map. A stack that grows past its bottom faults in
 * the guard at the first write instead of overwriting whatever lies below.
 *
 *   boot CPU (0): both stacks are in the kernel image, section .stacks of
 *                 linker.ld, which stage 4 maps without the guard pages;
 *   APs (1..):    both stacks come from the buddy and are mapped in a
 *                 region of their own, KSTACK_AP_REGION, one slot per CPU.
 */
#ifndef ARCH_KSTACK_H
#define ARCH_KSTACK_H

#include <stdbool.h>

#include "mm/mm_types.h"

/* The AP stacks' region: 32 KiB per CPU, room for SMP_MAX_CPUS (smp.h;
 * 1024 CPUs use 32 MiB of addresses, only the slots of CPUs that exist are
 * mapped). A slot, from
 * its lowest address:
 *   + 0 KiB   guard, never mapped (4 KiB)
 *   + 4 KiB   double-fault stack (8 KiB, buddy order 1)
 *   + 12 KiB  guard, never mapped (4 KiB)
 *   + 16 KiB  kernel stack (16 KiB, buddy order 2)
 * The lowest slot belongs to CPU 0 and stays empty: its stacks are in the
 * image. */
#define KSTACK_AP_REGION 0xffffe00000000000ULL
#define KSTACK_AP_SLOT   KiB(32)

enum kstack_kind {
	KSTACK_KERNEL,       /* where the CPU runs */
	KSTACK_DOUBLE_FAULT, /* IST1: where the double-fault handler runs */
	KSTACK_KINDS,
};

/* One stack: [guard, bottom) is never mapped, [bottom, top) is the stack
 * (read/write, no-execute), top is its first RSP. All three are 0 for a
 * stack that does not exist. */
struct kstack {
	virt_addr_t guard, bottom, top;
};

/* CPU cpu's stack of that kind. The boot CPU's always exist; an AP's exist
 * once kstack_create_aps() made them. */
struct kstack kstack_get(unsigned cpu, enum kstack_kind kind);

/* "kernel stack" or "double-fault stack". */
const char *kstack_kind_name(enum kstack_kind kind);

/* Allocate the two stacks of APs 1..count from the buddy and map each in its
 * CPU's slot above its guard, in order. Stops at the first that cannot be
 * allocated or mapped (and says why), leaving nothing of that CPU's slot
 * allocated. Returns the number of APs that have their stacks: count when
 * all went well. Called once, by the boot CPU, before any AP starts. */
unsigned kstack_create_aps(unsigned count);

/* The top of AP cpu's kernel stack (its first RSP). Slots are KSTACK_AP_SLOT
 * apart, so AP n's is kstack_ap_kernel_top(1) + (n - 1) * KSTACK_AP_SLOT:
 * the trampoline computes it from its ticket (trampoline.S). */
virt_addr_t kstack_ap_kernel_top(unsigned cpu);

/* Does addr lie in the guard below one of the stacks? If so *cpu and *kind
 * say whose. Safe to call from the double-fault handler: it only reads
 * the stacks' addresses. */
bool kstack_find_guard(virt_addr_t addr, unsigned *cpu, enum kstack_kind *kind);

/* Check every existing stack against the live tables: each stack page
 * mapped writable, each guard page not mapped. Logs one line per problem;
 * returns the number of stacks with a problem (0 is good), and in *stacks
 * and *cpus how many stacks and CPUs it checked, for the caller's summary
 * (stage 6's last line). */
unsigned kstack_audit(unsigned *stacks, unsigned *cpus);

#endif /* ARCH_KSTACK_H */
