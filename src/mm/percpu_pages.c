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
	unsigned count; /* pages in pages[] */
	/* A one-entry cache of the buddy's address -> metadata look-up, like a
	 * TLB with one entry: the 4 MiB chunk used last (the address of its
	 * last byte, pa | (BUDDY_MAX_BLOCK - 1), so that 0 means "none") and
	 * its 1024 metadata bytes. */
	phys_addr_t chunk_last;
	uint8_t *chunk_bytes;
	phys_addr_t pages[PCP_HIGH]; /* free order-0 pages, CACHED in the buddy */
} __attribute__((aligned(64)));

/* The lists of CPUs 0 .. nlists - 1: until percpu_pages_set_cpus(), CPU
 * 0's static one alone. */
static struct percpu_list boot_list;
static struct percpu_list *lists = &boot_list;
static unsigned nlists = 1;

/*
 * The fast paths touch one metadata byte per page, the page's state in the
 * buddy (buddy.h): "allocated, order 0" while someone holds the page,
 * "cached" while it sits in a list. That byte is what catches a page freed
 * twice, on whichever CPU. Finding it is the buddy's two-level look-up
 * (section, then chunk); but the pages one CPU handles come mostly from a
 * few 4 MiB chunks, and a chunk's bytes lie one after the other in address
 * order, so each list remembers the last chunk it looked up and finds the
 * byte of any page in it with a shift and a mask. The chunk -> metadata map
 * never changes once the buddy is set up, so the entry never goes stale.
 */
static inline bool in_cached_chunk(const struct percpu_list *l, phys_addr_t pa)
{
	return (pa | (BUDDY_MAX_BLOCK - 1)) == l->chunk_last;
}

static inline uint8_t *byte_in_cached_chunk(const struct percpu_list *l, phys_addr_t pa)
{
	return l->chunk_bytes + ((pa >> PAGE_SHIFT) & ((1U << BUDDY_MAX_ORDER) - 1));
}

/* The byte of pa when it is not in the cached chunk: ask the buddy, and
 * remember the chunk. NULL when pa has no metadata (a hole, or outside the
 * span). Out of line, so that the fast paths stay short. */
static __attribute__((noinline)) uint8_t *page_byte_miss(struct percpu_list *l, phys_addr_t pa)
{
	uint8_t *first = (uint8_t *)buddy_frame_info_at(ALIGN_DOWN(pa, BUDDY_MAX_BLOCK));
	if (first == NULL)
		return NULL;
	l->chunk_last = pa | (BUDDY_MAX_BLOCK - 1);
	l->chunk_bytes = first;
	return byte_in_cached_chunk(l, pa);
}

static inline uint8_t *page_byte(struct percpu_list *l, phys_addr_t pa)
{
	return in_cached_chunk(l, pa) ? byte_in_cached_chunk(l, pa) : page_byte_miss(l, pa);
}

/* The lists serve the CPUs below this number: all that have one
 * (nlists), or none while page poisoning is on (the lists neither fill nor
 * check the poison). page_set_poisoning() and percpu_pages_set_cpus() set
 * it, so that the fast paths answer "is there a list for this CPU, and is
 * poisoning off?" with one compare, without calling into the buddy. */
static unsigned cpus_served = 1;
static bool lists_poisoning; /* the lists' copy of the switch */

static void update_cpus_served(void)
{
	__atomic_store_n(&cpus_served, lists_poisoning ? 0 : nlists, __ATOMIC_RELAXED);
}

void page_set_poisoning(bool on)
{
	buddy_set_poisoning(on);
	lists_poisoning = on;
	update_cpus_served();
}

uint64_t percpu_pages_bytes(unsigned count)
{
	return (uint64_t)count * sizeof(struct percpu_list);
}

enum mm_error percpu_pages_set_cpus(unsigned count, void *memory, uint64_t bytes)
{
	if (nlists != 1) {
		mm_warn("percpu_pages_set_cpus: %u CPUs have lists already, refusing lists for %u\n", nlists,
		        count);
		return MM_ERR_INVALID;
	}
	if (count == 0 || memory == NULL) {
		mm_warn("percpu_pages_set_cpus: lists for %u CPUs at 0x%lx: %s\n", count,
		        (uint64_t)(uintptr_t)memory, count == 0 ? "no CPU" : "no memory given");
		return MM_ERR_INVALID;
	}
	if (!IS_ALIGNED((uintptr_t)memory, 64)) {
		mm_warn("percpu_pages_set_cpus: memory at 0x%lx is not 64-byte aligned\n",
		        (uint64_t)(uintptr_t)memory);
		return MM_ERR_MISALIGNED;
	}
	if (bytes < percpu_pages_bytes(count)) {
		mm_warn("percpu_pages_set_cpus: %lu bytes are too few for the lists of %u CPUs, which need "
		        "%lu\n",
		        bytes, count, percpu_pages_bytes(count));
		return MM_ERR_NO_MEMORY;
	}
	struct percpu_list *all = memory;
	__builtin_memset(all, 0, percpu_pages_bytes(count));
	all[0] = boot_list; /* CPU 0's pages, count and chunk entry */
	lists = all;
	nlists = count;
	boot_list = (struct percpu_list){0};
	update_cpus_served();
	return MM_OK;
}

unsigned percpu_pages_cpus(void)
{
	return nlists;
}

static inline bool lists_serve(unsigned cpu)
{
	return cpu < __atomic_load_n(&cpus_served, __ATOMIC_RELAXED);
}

/*
 * page_alloc(0) and page_free(pa, 0) each have a fast path for the common
 * case (a page in the list, room in it, poisoning off, the page in the
 * cached chunk): a few dozen instructions, no call (mm_cpu_index() is one
 * load, mm_env.h) and no lock. Everything else goes to alloc_slow() and free_slow(), kept out of
 * line so that the fast paths need few registers and no stack.
 */

/* page_alloc(0) off the fast path: an empty list (refill it from the
 * buddy), or a page outside the cached chunk. */
static __attribute__((noinline)) enum mm_error alloc_slow(struct percpu_list *l, phys_addr_t *out)
{
	if (l->count == 0) {
		l->count = buddy_alloc_cached(PCP_BATCH, l->pages);
		if (l->count == 0) /* out of memory, wrong stage, poisoned pages left: the buddy says */
			return buddy_alloc_pages(0, out);
	}
	phys_addr_t pa = l->pages[--l->count];
	*page_byte(l, pa) = buddy_order0_byte(BUDDY_FRAME_ALLOCATED_HEAD); /* a managed page: not NULL */
	*out = pa;
	return MM_OK;
}

enum mm_error page_alloc(unsigned order, phys_addr_t *out)
{
	if (order != 0 || out == NULL)
		return buddy_alloc_pages(order, out);
	unsigned cpu = mm_cpu_index();
	if (!lists_serve(cpu))
		return buddy_alloc_pages(0, out);
	struct percpu_list *l = &lists[cpu];
	if (l->count == 0 || !in_cached_chunk(l, l->pages[l->count - 1]))
		return alloc_slow(l, out);
	phys_addr_t pa = l->pages[--l->count];
	*byte_in_cached_chunk(l, pa) = buddy_order0_byte(BUDDY_FRAME_ALLOCATED_HEAD);
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

/* page_free(pa, 0) off the fast path: pa is not in the cached chunk, or
 * its byte is not "allocated, order 0" (a double free, a page inside a
 * larger block, a hole, a misaligned address: the buddy refuses it with
 * buddy_free_pages' message), or the list is full (its PCP_BATCH coldest
 * pages go back to the buddy first). */
static __attribute__((noinline)) enum mm_error free_slow(struct percpu_list *l, phys_addr_t pa)
{
	uint8_t *byte = IS_ALIGNED(pa, PAGE_SIZE) ? page_byte(l, pa) : NULL;
	if (byte != NULL && *byte == buddy_order0_byte(BUDDY_FRAME_ALLOCATED_HEAD)) {
		*byte = buddy_order0_byte(BUDDY_FRAME_CACHED);
	} else {
		enum mm_error err = buddy_cache_page(pa);
		if (err != MM_OK)
			return err;
	}
	if (l->count == PCP_HIGH)
		drain(l, PCP_BATCH);
	l->pages[l->count++] = pa;
	return MM_OK;
}

enum mm_error page_free(phys_addr_t pa, unsigned order)
{
	if (order != 0)
		return buddy_free_pages(pa, order);
	unsigned cpu = mm_cpu_index();
	if (!lists_serve(cpu))
		return buddy_free_pages(pa, 0);
	struct percpu_list *l = &lists[cpu];
	if (!IS_ALIGNED(pa, PAGE_SIZE) || !in_cached_chunk(l, pa) || l->count == PCP_HIGH)
		return free_slow(l, pa);
	uint8_t *byte = byte_in_cached_chunk(l, pa);
	if (*byte != buddy_order0_byte(BUDDY_FRAME_ALLOCATED_HEAD))
		return free_slow(l, pa);
	*byte = buddy_order0_byte(BUDDY_FRAME_CACHED);
	l->pages[l->count++] = pa;
	return MM_OK;
}

uint64_t percpu_pages_cached(void)
{
	uint64_t pages = 0;
	for (unsigned cpu = 0; cpu < nlists; cpu++)
		pages += percpu_pages_cached_on(cpu);
	return pages;
}

unsigned percpu_pages_cached_on(unsigned cpu)
{
	return cpu < nlists ? __atomic_load_n(&lists[cpu].count, __ATOMIC_RELAXED) : 0;
}

uint64_t page_count_free(void)
{
	return buddy_count_free_pages() + percpu_pages_cached();
}

void percpu_pages_drain_this_cpu(void)
{
	unsigned cpu = mm_cpu_index();
	if (cpu < nlists)
		drain(&lists[cpu], lists[cpu].count);
}

void percpu_pages_drain_all(void)
{
	for (unsigned cpu = 0; cpu < nlists; cpu++)
		drain(&lists[cpu], lists[cpu].count);
}

bool page_check_invariants(void)
{
	uint64_t cached;
	if (!buddy_check_invariants_counting(&cached))
		return false;
	for (unsigned cpu = 0; cpu < nlists; cpu++) {
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
	if (buddy_poisoning() != lists_poisoning) {
		mm_err("page_check_invariants: page poisoning is %s in the buddy but %s for the per-CPU "
		       "lists (switch it with page_set_poisoning)\n",
		       buddy_poisoning() ? "on" : "off", lists_poisoning ? "on" : "off");
		return false;
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
	/* The chunk entry too: the buddy may be set up anew. */
	boot_list = (struct percpu_list){0};
	lists = &boot_list;
	nlists = 1;
	lists_poisoning = false;
	update_cpus_served();
}
