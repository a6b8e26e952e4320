/*
 * smp.h - starting the other CPUs (APs) and talking to them.
 *
 * The boot CPU (BSP, index 0) starts all APs together with INIT-SIPI-SIPI
 * through the low-memory trampoline (trampoline.S); each AP takes its slot
 * (index, stack, GDT/TSS) by an atomic ticket, so the index order is the
 * order in which they arrived. An AP then idles in `hlt` with interrupts
 * on, woken by an IPI (vector VECTOR_IPI) for one of two jobs: a TLB
 * shootdown (flush, then confirm) or a function to run (smp_run_on_all).
 */
#ifndef ARCH_SMP_H
#define ARCH_SMP_H

#include <stdbool.h>
#include <stdint.h>

#include "gdt.h"
#include "trampoline.h" /* TRAMPOLINE_CODE_PHYS, TRAMPOLINE_DATA_PHYS */

/* The most CPUs the kernel takes, the BSP included: a build-time bound, not
 * a size of anything static. Per-CPU memory (records, stacks) comes from
 * the buddy for the CPUs the MADT lists; this bounds only the stacks'
 * address region (kstack.h: 32 KiB of addresses each). */
#define SMP_MAX_CPUS 1024

/* Start every AP in apic_ids[0..count) at once (the BSP's own ID is
 * skipped; so are IDs the APIC mode cannot address and those beyond
 * SMP_MAX_CPUS, each with a message). The array is compacted in place.
 * An AP that does not come online within a second is named and left out;
 * the others go on. withhold_last (test word test-ap-missing): send the
 * last AP no STARTUP IPI, so that it never comes online. Returns the
 * number of CPUs online, the BSP included. */
unsigned smp_start_aps(uint32_t *apic_ids, unsigned count, bool withhold_last);

/* CPUs online, the BSP included. */
unsigned smp_cpus_online(void);

/* CPU index cpu's local APIC id and whether it is online: false when no CPU
 * has that index (indices run from 0 to smp_cpus_known() - 1). */
bool smp_cpu_info(unsigned cpu, uint32_t *apic_id, bool *online);

/* CPUs that have an index: online, or took a ticket and timed out. */
unsigned smp_cpus_known(void);

/* Microseconds from the first STARTUP IPI to the last AP online. */
uint64_t smp_startup_us(void);

/* Flush this CPU's TLB (global pages too), make every other online CPU
 * flush its own, and wait until each of them confirms. Returns how many
 * other CPUs confirmed; names any that did not within a second. When it
 * returns, no CPU that confirmed uses a translation older than the call. */
unsigned smp_tlb_shootdown(void);

/* Run fn(cpu, arg) on every online CPU at once (the BSP too) and wait until
 * all return. Returns false, naming them, if some AP did not finish within
 * timeout_ms. */
bool smp_run_on_all(void (*fn)(unsigned cpu, void *arg), void *arg, uint64_t timeout_ms);

#endif /* ARCH_SMP_H */
