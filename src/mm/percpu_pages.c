/*
 * percpu_pages.c - per-CPU lists of order-0 pages (see percpu_pages.h).
 *
 * Each list is a stack: pages[count - 1] is the page freed last, the one
 * most likely still in the cache, and the next one handed out. A full list
 * gives back its bottom PCP_BATCH pages, the coldest, and moves the rest
 * down. Each list has a cache line (or more) to itself, so CPUs working on
 * their own lists never share one.
 */
#include "percpu_pages.h"

#include "buddy.h"
#include "mm_env.h"

struct percpu_list {
	unsigned count;              /* pages in pages[] */
	phys_addr_t pages[PCP_HIGH]; /* free order-0 pages, CACHED in the buddy */
} __attribute__((aligned(64)));

static struct percpu_list lists[PCP_MAX_CPUS];

/* This CPU's list, or NULL when the lists must not be used: a CPU without
 * one, or page poisoning on. */
static struct percpu_list *this_list(void)
{
	unsigned cpu = mm_cpu_index();
	if (cpu >= PCP_MAX_CPUS || buddy_poisoning())
		return NULL;
	return &lists[cpu];
}

enum mm_error page_alloc(unsigned order, phys_addr_t *out)
{
	struct percpu_list *l = order == 0 && out != NULL ? this_list() : NULL;
	if (l == NULL)
		return buddy_alloc_pages(order, out);
	if (l->count == 0) {
		l->count = buddy_alloc_cached(PCP_BATCH, l->pages);
		if (l->count == 0) /* out of memory, wrong stage, poisoned pages left: the buddy says */
			return buddy_alloc_pages(0, out);
	}
	phys_addr_t pa = l->pages[--l->count];
	buddy_uncache_page(pa);
	*out = pa;
	return MM_OK;
}

/* Give the bottom n pages of l back to the buddy; move the rest down. */
static void drain(struct percpu_list *l, unsigned n)
{
	buddy_free_cached(l->pages, n);
	for (unsigned i = n; i < l->count; i++)
		l->pages[i - n] = l->pages[i];
	l->count -= n;
}

enum mm_error page_free(phys_addr_t pa, unsigned order)
{
	struct percpu_list *l = order == 0 ? this_list() : NULL;
	if (l == NULL)
		return buddy_free_pages(pa, order);
	enum mm_error err = buddy_cache_page(pa);
	if (err != MM_OK)
		return err;
	if (l->count == PCP_HIGH)
		drain(l, PCP_BATCH);
	l->pages[l->count++] = pa;
	return MM_OK;
}

uint64_t percpu_pages_cached(void)
{
	uint64_t pages = 0;
	for (unsigned cpu = 0; cpu < PCP_MAX_CPUS; cpu++)
		pages += percpu_pages_cached_on(cpu);
	return pages;
}

unsigned percpu_pages_cached_on(unsigned cpu)
{
	return cpu < PCP_MAX_CPUS ? __atomic_load_n(&lists[cpu].count, __ATOMIC_RELAXED) : 0;
}

uint64_t page_count_free(void)
{
	return buddy_count_free_pages() + percpu_pages_cached();
}

void percpu_pages_drain_this_cpu(void)
{
	unsigned cpu = mm_cpu_index();
	if (cpu < PCP_MAX_CPUS)
		drain(&lists[cpu], lists[cpu].count);
}

void percpu_pages_drain_all(void)
{
	for (unsigned cpu = 0; cpu < PCP_MAX_CPUS; cpu++)
		drain(&lists[cpu], lists[cpu].count);
}

bool page_check_invariants(void)
{
	uint64_t cached;
	if (!buddy_check_invariants_counting(&cached))
		return false;
	for (unsigned cpu = 0; cpu < PCP_MAX_CPUS; cpu++) {
		for (unsigned i = 0; i < lists[cpu].count; i++) {
			const struct buddy_frame_info *f = buddy_frame_info_at(lists[cpu].pages[i]);
			if (f == NULL || f->state != BUDDY_FRAME_CACHED) {
				mm_err(
				    "page_check_invariants: page 0x%lx in CPU %u's list is not cached in the "
				    "buddy (state %d)\n",
				    lists[cpu].pages[i], cpu, f ? (int)f->state : -1);
				return false;
			}
		}
	}
	if (cached != percpu_pages_cached()) {
		mm_err("page_check_invariants: the buddy has %lu cached pages, the per-CPU lists hold %lu\n",
		       cached, percpu_pages_cached());
		return false;
	}
	return true;
}

static enum mm_error source_alloc(void *ctx, phys_addr_t *out)
{
	(void)ctx;
	return page_alloc(0, out);
}

static enum mm_error source_free(void *ctx, phys_addr_t frame)
{
	(void)ctx;
	return page_free(frame, 0);
}

static struct frame_source page_source = {
    .name = "pages",
    .alloc_frame = source_alloc,
    .free_frame = source_free,
    .ctx = NULL,
};

struct frame_source *page_frame_source(void)
{
	return &page_source;
}

void percpu_pages_reset(void)
{
	for (unsigned cpu = 0; cpu < PCP_MAX_CPUS; cpu++)
		lists[cpu].count = 0;
}
