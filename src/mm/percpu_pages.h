/*
 * percpu_pages.h - per-CPU lists of order-0 pages in front of the buddy
 * (Linux's per_cpu_pages), and the page allocator's public API.
 *
 * Most allocations are single pages, and most single pages are freed soon
 * after. Each CPU keeps a small stack of free order-0 pages: page_alloc(0)
 * pops one and page_free(pa, 0) pushes one, without the buddy's lock.
 * Only when the stack is empty does it take PCP_BATCH pages from the buddy,
 * under one lock (Linux's rmqueue_bulk); only when it is full (PCP_HIGH,
 * the high watermark) does it give the PCP_BATCH coldest back, under one
 * lock. The low watermark is 0: a list is refilled when it runs dry.
 *
 * A page in a list is CACHED in the buddy's metadata (buddy.h), so freeing
 * it twice is still caught. Larger orders, CPUs without a list and
 * everything while page poisoning is on (page_set_poisoning) go straight to
 * the buddy (the lists neither fill nor check the poison).
 *
 * Which CPUs have a list: at first only CPU 0, the boot CPU, whose list is
 * static, since the MM runs on it alone until the other CPUs start. Once
 * the kernel knows how many CPUs there are, percpu_pages_set_cpus() gives
 * each of them one, in memory the kernel takes from the buddy: lists for
 * the CPUs that exist, not a static array for the most there could be.
 *
 * Interrupts: a list is only ever touched by its own CPU, from thread
 * context (no interrupt handler allocates; the kernel has no preemption),
 * so no lock and no interrupt masking is needed. The two exceptions are
 * documented at percpu_pages_drain_all() and page_check_invariants().
 */
#ifndef PERCPU_PAGES_H
#define PERCPU_PAGES_H

#include "frame_source.h"
#include "mm_types.h"

#define PCP_HIGH  64 /* a list holds at most this many pages */
#define PCP_BATCH 16 /* pages moved between a list and the buddy at once */

/* Allocate a block of 2^order pages, as buddy_alloc_pages() does, with the
 * same results and messages; order 0 comes from this CPU's list. */
enum mm_error page_alloc(unsigned order, phys_addr_t *out);

/* Free a block page_alloc() or buddy_alloc_pages() returned, as
 * buddy_free_pages() does, with the same checks, results and messages;
 * order 0 goes to this CPU's list. */
enum mm_error page_free(phys_addr_t pa, unsigned order);

/* The bytes percpu_pages_set_cpus() needs for count CPUs' lists (a cache
 * line or more each, 576 bytes), or 0 for count 0. */
uint64_t percpu_pages_bytes(unsigned count);

/* Give CPUs 0 .. count - 1 a list each (count: every CPU the kernel will
 * run, the boot CPU included), in memory of at least
 * percpu_pages_bytes(count) bytes, 64-byte aligned, which the caller gives
 * for good. CPU 0's pages move from its static list into the new one. Call
 * it once, before another CPU uses the page allocator (the lists have no
 * lock). Refused, with a message and nothing changed: count 0, memory NULL,
 * misaligned or too small (MM_ERR_INVALID, MM_ERR_MISALIGNED,
 * MM_ERR_NO_MEMORY), a second call (MM_ERR_INVALID). */
enum mm_error percpu_pages_set_cpus(unsigned count, void *memory, uint64_t bytes);

/* How many CPUs have a list: 1 until percpu_pages_set_cpus(). */
unsigned percpu_pages_cpus(void);

/* Turn page poisoning (buddy.h) on or off for the page allocator: the
 * buddy's switch, buddy_set_poisoning(), and the lists' own flag, which
 * their fast paths read. With the lists in front of the buddy, use this
 * one: after buddy_set_poisoning() alone, single pages freed through the
 * lists would not be poisoned (page_check_invariants() reports it). */
void page_set_poisoning(bool on);

/* Free pages: the buddy's (buddy_count_free_pages) plus those in lists. */
uint64_t page_count_free(void);

/* Pages sitting in all the lists, and in one CPU's list. */
uint64_t percpu_pages_cached(void);
unsigned percpu_pages_cached_on(unsigned cpu);

/* Give this CPU's list back to the buddy. */
void percpu_pages_drain_this_cpu(void);

/* Give every CPU's list back to the buddy. Touches other CPUs' lists: call
 * it only while no other CPU is in the page allocator (after the workers of
 * a test have finished; the kernel's other CPUs idle between runs). */
void percpu_pages_drain_all(void);

/* buddy_check_invariants(), and the lists agree with it: every page in a
 * list is CACHED, the buddy has as many CACHED frames as the lists hold,
 * and the lists know whether poisoning is on. Same condition as
 * percpu_pages_drain_all(). */
bool page_check_invariants(void);

/* A frame source (name "pages") over page_alloc(0) / page_free(pa, 0), for
 * the page-table mapper. */
struct frame_source *page_frame_source(void);

/* Host tests only: forget the lists (without giving pages back), the
 * memory of percpu_pages_set_cpus() and the poisoning flag: CPU 0 alone
 * has a list again. */
void percpu_pages_reset(void);

#endif /* PERCPU_PAGES_H */
