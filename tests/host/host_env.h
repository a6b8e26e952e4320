/*
 * host_env.h - the host side of src/mm/mm_env.h: a malloc'd arena stands in
 * for physical memory, and everything the MM code logs is captured so that
 * tests can check that a refusal names the problem and the value.
 */
#ifndef HOST_ENV_H
#define HOST_ENV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Physical addresses [0, size) become readable and writable. Any earlier
 * arena is freed. size must be a multiple of 4096. */
void host_arena_init(uint64_t size_bytes);
void host_arena_free(void);
uint64_t host_arena_size(void);

/* Everything logged (mm_log_at, console_write) since the last clear. */
const char *host_log_text(void);
bool host_log_contains(const char *needle);
void host_log_clear(void);
/* The level (enum mm_log_level) of the mm_log_at() line holding the first
 * match of needle; -1 when nothing matches or console_write printed it. */
int host_log_level(const char *needle);

/* What mm_cpu_index() returns in the calling thread: a test thread that
 * plays CPU n says so first. The main thread is 0; a new thread shares its
 * creator's number until it sets its own (host_env.c says why). */
void host_set_cpu_index(unsigned cpu);
/* The clock behind mm_clock_us(): each reading returns now_us, then moves
 * it on by step_us, so that a stage reading the clock at its start and at
 * its end reports exactly step_us as its time. Both start at 0. */
void host_clock_set(uint64_t now_us, uint64_t step_us);

/* How many TLB flushes the MM code asked for, and the last page flushed. */
extern unsigned long host_tlb_flush_page_count;
extern unsigned long host_tlb_flush_all_count;
extern uint64_t host_tlb_last_flushed_page;

/* The "CR3" of the host environment. */
extern uint64_t host_root_table;

#endif /* HOST_ENV_H */
