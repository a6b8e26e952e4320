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
 * the per-CPU page list (percpu_pages.h). Unlike the rest of this file it
 * is not a call: page_alloc(0) and page_free(pa, 0) read it every time, and
 * as a call it cost a pair about a fifth of its time (chapter 13.8). Instead
 * the environment keeps the number where this CPU's GS base points, in the
 * first 4 bytes there, from before its first call into src/mm: the kernel
 * points the GS base at the CPU's record (this_cpu_set_record(),
 * src/arch/x86_64/this_cpu.h), host programs at a word of the thread's own
 * (host_set_cpu_index(), tests/host/host_env.h). Reading it is then one
 * load through the GS segment. */
static inline unsigned mm_cpu_index(void)
{
	unsigned index;
	__asm__ volatile("movl %%gs:0, %0" : "=r"(index));
	return index;
}

/* A clock in microseconds; only the difference between two readings means
 * anything. The stages end their last line with the difference between
 * their first and last reading (the kernel: the calibrated TSC). */
uint64_t mm_clock_us(void);

/* How much a log line matters, most severe first. The kernel maps these
 * onto src/lib/log.h: errors and warnings print with an "error: " or
 * "warning: " prefix, debug lines only with the `debug` word. Host tests
 * record each line's level (host_log_level()).
 *   error:   the MM's own state is wrong (a failed invariant check, a
 *            double free, a W+X page, a self-test failure)
 *   warning: a refused call or input the MM works around (bad arguments,
 *            a full table, no memory); the caller gets an enum mm_error
 *   info:    the stage lines and the dumps asked for (`debug`, monitor)
 *   debug:   detail that is noise in a normal boot */
enum mm_log_level {
	MM_LOG_ERROR,
	MM_LOG_WARN,
	MM_LOG_INFO,
	MM_LOG_DEBUG,
};

/* Print one line of log at a level (the format is printf-like; the caller
 * supplies the trailing newline, one line per call so that a prefix lands
 * at its start). For uint64_t use %lx / %lu, for size_t %zu. */
void mm_log_at(enum mm_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define mm_err(...)   mm_log_at(MM_LOG_ERROR, __VA_ARGS__)
#define mm_warn(...)  mm_log_at(MM_LOG_WARN, __VA_ARGS__)
#define mm_info(...)  mm_log_at(MM_LOG_INFO, __VA_ARGS__)
#define mm_debug(...) mm_log_at(MM_LOG_DEBUG, __VA_ARGS__)

/* The stub that replaces a function a student writes in a lab (docs/labs/):
 * it says which function and which lab, and never returns. The kernel
 * panics (src/kernel/panic.c); host tests fail the current test case. The
 * reference tree never calls it; scripts/lab.sh puts the calls in. The
 * same declaration is in src/lib/lab_stub.h for code outside src/mm. */
__attribute__((noreturn)) void lab_not_implemented(const char *function, const char *lab);

#endif /* MM_ENV_H */
