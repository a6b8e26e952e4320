/* this_cpu.c - the running CPU's index, through its GS base (this_cpu.h). */
#include "this_cpu.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cpu.h"

#define MSR_GS_BASE 0xc0000101u

static bool records_ready; /* the boot CPU's GS base points at its record */

void this_cpu_set_record(const unsigned *record)
{
	wrmsr(MSR_GS_BASE, (uint64_t)(uintptr_t)record);
	__atomic_store_n(&records_ready, true, __ATOMIC_RELEASE);
}

void this_cpu_init_boot(void)
{
	static const unsigned boot_cpu_index = 0;
	this_cpu_set_record(&boot_cpu_index);
}

unsigned this_cpu_index(void)
{
	if (!__atomic_load_n(&records_ready, __ATOMIC_ACQUIRE))
		return 0;
	/* The GS base is the address of this CPU's index, so %gs:0 reads the
	 * index itself: one load, where reading the base back with rdmsr costs
	 * a serializing instruction (and, under TCG, a call into QEMU) on every
	 * per-CPU page allocation. */
	unsigned index;
	__asm__ volatile("movl %%gs:0, %0" : "=r"(index));
	return index;
}

unsigned this_cpu_index_checked(void)
{
	if (!__atomic_load_n(&records_ready, __ATOMIC_ACQUIRE))
		return 0;
	const unsigned *record = (const unsigned *)(uintptr_t)rdmsr(MSR_GS_BASE);
	return record != NULL ? *record : 0;
}
