/*
 * this_cpu.h - which CPU is running this code: its index, 0 for the boot
 * CPU. Each CPU's GS base points at its own per-CPU record, whose first
 * field is the index (smp.c sets it up and checks that layout).
 *
 * A leaf module: it calls nothing else of the kernel, so exception reports,
 * the monitor and the SMP code can all ask without the modules calling
 * each other in a loop. The MM's per-CPU page lists read the same %gs:0
 * themselves (mm_cpu_index() in src/mm/mm_env.h), which is why the boot
 * CPU gets its GS base before the MM starts (this_cpu_init_boot()).
 */
#ifndef ARCH_THIS_CPU_H
#define ARCH_THIS_CPU_H

/* Point this CPU's GS base at its record (first field: its index). The boot
 * CPU calls it first; from then on this_cpu_index() reads the records. */
void this_cpu_set_record(const unsigned *record);

/* The boot CPU's first GS base, set by kernel_main before any MM stage: a
 * constant 0 until smp_start_aps() gives the boot CPU its record. Until
 * then %gs:0 would read address 0. */
void this_cpu_init_boot(void);

/* This CPU's index; 0 before the boot CPU set its record. Only for code
 * that runs after this CPU set its own record (an AP's GS base is 0 until
 * then, and %gs:0 would read address 0): the MM, the SMP code, the
 * monitor. */
unsigned this_cpu_index(void);

/* The same for exception reports, which can come from an AP that faults
 * before it set its record: it reads the GS base first and says 0 when it
 * is not set (a report that names the wrong CPU beats a fault inside the
 * report). Slower: rdmsr. */
unsigned this_cpu_index_checked(void);

#endif /* ARCH_THIS_CPU_H */
