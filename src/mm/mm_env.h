/*
 * mm_env.h - everything src/mm/ needs from the environment it runs in.
 *
 * The kernel implements these in src/arch/x86_64/mm_env.c; the host tests,
 * the fuzzers (fuzz/) and the benchmarks (bench/) all link
 * tests/host/host_env.c, which implements them over a malloc'd arena that
 * stands in for physical memory. Nothing else in src/mm/ knows where it
 * runs.
 */
#ifndef MM_ENV_H
#define MM_ENV_H

#include "mm_types.h"

/* A pointer through which the CPU can read and write physical address pa
 * (the direct map in the kernel, the arena on the host). */
void *mm_phys_to_virt(phys_addr_t pa);

/* The physical address of the top-level page table now in use (CR3), and
 * loading a new one. */
phys_addr_t mm_read_root_table(void);
void mm_load_root_table(phys_addr_t root);

/* Invalidate the TLB entry for one page, or the whole (non-global) TLB. */
void mm_tlb_flush_page(virt_addr_t va);
void mm_tlb_flush_all(void);

/* Tell the CPU we are spinning on a lock (x86: the pause instruction). */
void mm_cpu_relax(void);

/* This CPU's number, 0 for the boot CPU, below the number of CPUs: it picks
 * the per-CPU page list (percpu_pages.h). The kernel reads it from the
 * CPU's own record (this_cpu_index(), src/arch/x86_64/this_cpu.h); host
 * programs give each thread its own. */
unsigned mm_cpu_index(void);
/* A clock in microseconds; only the difference between two readings means
 * anything. The stages end their last line with the difference between
 * their first and last reading (the kernel: the calibrated TSC). */
uint64_t mm_clock_us(void);

/* Print one line of log (the format is printf-like; the caller supplies
 * the trailing newline). For uint64_t use %lx / %lu, for size_t %zu. */
void mm_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* MM_ENV_H */
