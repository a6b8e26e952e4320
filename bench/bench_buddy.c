/*
 * bench_buddy.c - how fast the buddy allocator (src/mm/buddy.c) is on the
 * host, with and without page poisoning, and how much metadata it needs per
 * GiB it manages.
 *
 * Method: the real buddy.c manages a 256 MiB span at physical address 0.
 * With poisoning off the buddy never reads or writes the memory it manages
 * (its free lists live in the per-frame metadata); with poisoning on it
 * fills every freed page and checks it when it is handed out again, so a
 * 256 MiB host arena stands behind the span. The metadata comes from
 * malloc. Each workload is timed BENCH_REPS times with CLOCK_MONOTONIC and
 * the median run is printed:
 *
 *  - take-over: buddy_init + buddy_add_free_range of the whole span, the
 *    buddy's part of the boot cost, per page;
 *  - order-0 pairs, cold: alloc then free one page when only 4 MiB blocks
 *    are free, so every allocation splits 10 times and every free merges
 *    10 times (the worst case of both);
 *  - order-0 pairs, warm: the same with one page held, so the order-0 list
 *    is never empty and nothing splits or merges (the best case);
 *  - random orders: 64 slots hold blocks; each step frees a random slot's
 *    block and allocates one of a random order 0..10 in its place;
 *  - fill, then free everything: order-0 allocations until the buddy is
 *    empty, then every page freed in allocation order.
 *
 * Then the order-0 and random workloads again through the page allocator's
 * public API, page_alloc/page_free, whose order-0 pages go through this
 * CPU's list (percpu_pages.h): the same loops, so the rows compare.
 *
 * Then the same workloads again with page poisoning on (fewer random steps:
 * each one fills and checks up to 4 MiB). Every page a poisoned workload
 * allocates has been freed, and so poisoned, before (the fill is preceded
 * by an untimed fill and free), except the very first pages taken from the
 * untouched span, so the rows show the full cost: one page filled per page
 * freed, one page checked per page allocated.
 *
 * --quick runs a small fixed workload once, for counting instructions
 * under callgrind (figures that do not depend on the machine's load).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "bench_timer.h"
#include "host_env.h"
#include "mm/buddy.h"
#include "mm/stage_order.h"
#include "mm/percpu_pages.h"

#define SPAN_BYTES   MiB(256)
#define SPAN_PAGES   (SPAN_BYTES / PAGE_SIZE)
#define RANDOM_SLOTS 64
#define RANDOM_SEED  0x9e3779b97f4a7c15ULL

/* How much work one timed run does. */
struct workload {
	uint64_t order0_pairs;          /* alloc+free pairs in each order-0 benchmark */
	uint64_t random_steps;          /* free+alloc steps of the random-order benchmark */
	uint64_t poisoned_random_steps; /* the same with poisoning on (each moves ~1 MiB) */
	unsigned reps;                  /* timed runs; the median is reported */
};

static const struct workload full_workload = {
    .order0_pairs = 1000000, .random_steps = 1000000, .poisoned_random_steps = 2000, .reps = BENCH_REPS};
static const struct workload quick_workload = {
    .order0_pairs = 10000, .random_steps = 10000, .poisoned_random_steps = 200, .reps = 1};

/* What the runs below go through: the buddy itself, the buddy with page
 * poisoning on, or the page allocator's public API with its per-CPU lists
 * (percpu_pages.h; poisoning off). */
static enum run_mode { RUN_BUDDY, RUN_POISONED, RUN_LISTS } mode;

static bool poisoning_on(void)
{
	return mode == RUN_POISONED;
}

/* The two calls a workload makes, so that one body serves both APIs. */
struct page_api {
	enum mm_error (*alloc)(unsigned order, phys_addr_t *out);
	enum mm_error (*free)(phys_addr_t pa, unsigned order);
};
static const struct page_api buddy_api = {buddy_alloc_pages, buddy_free_pages};
static const struct page_api lists_api = {page_alloc, page_free};

static void *metadata;
static uint64_t metadata_bytes;

/* The random workload, drawn once so that drawing it is not timed. */
static uint8_t *random_slot, *random_order;

static void check(enum mm_error err, const char *what)
{
	if (err != MM_OK)
		bench_fail(what, mm_strerror(err), (unsigned long)err);
}

/* Set the buddy up over the span with every page free, in stage BUDDY. */
static void buddy_start(void)
{
	buddy_reset();
	percpu_pages_reset();
	mm_stage_force(MM_STAGE_PAGING);
	check(buddy_init(0, SPAN_BYTES, metadata, metadata_bytes), "buddy_init");
	check(buddy_add_free_range(0, SPAN_BYTES), "buddy_add_free_range");
	mm_stage_force(MM_STAGE_BUDDY);
	page_set_poisoning(poisoning_on());
}

/* After each run every page must be free again and the invariants hold;
 * otherwise the run measured something other than what it claims. */
static void expect_all_free(const char *after)
{
	if (page_count_free() != SPAN_PAGES || !page_check_invariants())
		bench_fail(after, "pages were lost or the lists disagree", (unsigned long)page_count_free());
	percpu_pages_drain_all();
	if (buddy_count_free_pages() != SPAN_PAGES || !buddy_check_invariants()) {
		fprintf(stderr,
		        "benchmark failed: after %s, %lu of %lu pages are free or the invariants broke\n",
		        after, (unsigned long)buddy_count_free_pages(), (unsigned long)SPAN_PAGES);
		exit(1);
	}
}

/* --- The timed loops ---
 *
 * Each workload's loop is an always-inlined body, and each row gets its own
 * BENCH_LOOP function that calls it: callgrind then counts the poisoned and
 * the plain runs of the same loop separately, under two names. */

#define LOOP_BODY static inline __attribute__((always_inline))

LOOP_BODY void take_over(void)
{
	check(buddy_init(0, SPAN_BYTES, metadata, metadata_bytes), "buddy_init");
	check(buddy_add_free_range(0, SPAN_BYTES), "buddy_add_free_range");
}

LOOP_BODY void order0_pairs(const struct page_api *api, uint64_t pairs)
{
	phys_addr_t pa;
	for (uint64_t i = 0; i < pairs; i++) {
		check(api->alloc(0, &pa), "alloc(0)");
		check(api->free(pa, 0), "free(0)");
	}
}

/* The blocks the random-order benchmark holds. */
struct held_block {
	phys_addr_t pa;
	unsigned order;
	bool held;
};

/* Returns how many allocations were refused: no block that large was left,
 * which is a possible answer, not a failure of the buddy. */
LOOP_BODY uint64_t random_orders(const struct page_api *api, struct held_block *slot, uint64_t steps)
{
	uint64_t refused = 0;
	for (uint64_t i = 0; i < steps; i++) {
		struct held_block *b = &slot[random_slot[i]];
		if (b->held)
			check(api->free(b->pa, b->order), "free");
		b->order = random_order[i];
		b->held = api->alloc(b->order, &b->pa) == MM_OK;
		refused += !b->held;
	}
	return refused;
}

LOOP_BODY void fill(const struct page_api *api, phys_addr_t *pages)
{
	for (uint64_t i = 0; i < SPAN_PAGES; i++)
		check(api->alloc(0, &pages[i]), "alloc(0) while filling");
}

LOOP_BODY void free_all(const struct page_api *api, const phys_addr_t *pages)
{
	for (uint64_t i = 0; i < SPAN_PAGES; i++)
		check(api->free(pages[i], 0), "free(0) while emptying");
}

static uint64_t random_refused; /* refusals in the last random-order run */

/* One row's two loops: loop_<name> for the buddy with poisoning off and
 * loop_poisoned_<name> for the run with it on, both doing `body`. */
#define BENCH_LOOP_TWINS(name, params, body)                                                                 \
	BENCH_LOOP void loop_##name params                                                                   \
	{                                                                                                    \
		body;                                                                                        \
	}                                                                                                    \
	BENCH_LOOP void loop_poisoned_##name params                                                          \
	{                                                                                                    \
		body;                                                                                        \
	}

/* And a third, loop_lists_<name>, through page_alloc/page_free: `body`
 * names the API as `api`, a constant in each loop, so the calls are direct. */
#define BENCH_LOOP_TRIPLETS(name, params, body)                                                              \
	BENCH_LOOP_TWINS(name, params, const struct page_api *api = &buddy_api; body)                        \
	BENCH_LOOP void loop_lists_##name params                                                             \
	{                                                                                                    \
		const struct page_api *api = &lists_api;                                                     \
		body;                                                                                        \
	}

/* The loop of a row in the current mode. */
#define RUN_LOOP(name, ...)                                                                                  \
	(mode == RUN_POISONED ? loop_poisoned_##name(__VA_ARGS__)                                            \
	 : mode == RUN_LISTS  ? loop_lists_##name(__VA_ARGS__)                                               \
	                      : loop_##name(__VA_ARGS__))

BENCH_LOOP_TWINS(take_over, (void), take_over())
BENCH_LOOP_TRIPLETS(order0_cold, (uint64_t pairs), order0_pairs(api, pairs))
BENCH_LOOP_TRIPLETS(order0_warm, (uint64_t pairs), order0_pairs(api, pairs))
BENCH_LOOP_TRIPLETS(random_orders, (struct held_block * slot, uint64_t steps),
                    random_refused = random_orders(api, slot, steps))
BENCH_LOOP_TRIPLETS(fill, (phys_addr_t * pages), fill(api, pages))
BENCH_LOOP_TRIPLETS(free_all, (const phys_addr_t *pages), free_all(api, pages))

/* --- One timed run of each benchmark: set up, time the loop, check --- */

static uint64_t run_take_over(const struct workload *w)
{
	buddy_reset();
	mm_stage_force(MM_STAGE_PAGING);
	page_set_poisoning(poisoning_on());
	uint64_t t0 = bench_now_ns();
	poisoning_on() ? loop_poisoned_take_over() : loop_take_over();
	uint64_t elapsed = bench_now_ns() - t0;
	mm_stage_force(MM_STAGE_BUDDY);
	expect_all_free("the take-over");
	return elapsed;
}

static uint64_t run_order0_cold(const struct workload *w)
{
	buddy_start();
	uint64_t t0 = bench_now_ns();
	RUN_LOOP(order0_cold, w->order0_pairs);
	uint64_t elapsed = bench_now_ns() - t0;
	expect_all_free("the cold order-0 pairs");
	return elapsed;
}

static uint64_t run_order0_warm(const struct workload *w)
{
	buddy_start();
	phys_addr_t held;
	/* Holding one page leaves its buddy on the order-0 list for good (and,
	 * through the lists, PCP_BATCH - 1 pages in this CPU's list). */
	const struct page_api *api = mode == RUN_LISTS ? &lists_api : &buddy_api;
	check(api->alloc(0, &held), "alloc(0)");
	uint64_t t0 = bench_now_ns();
	RUN_LOOP(order0_warm, w->order0_pairs);
	uint64_t elapsed = bench_now_ns() - t0;
	check(api->free(held, 0), "free(0)");
	expect_all_free("the warm order-0 pairs");
	return elapsed;
}

static uint64_t run_random_orders(const struct workload *w)
{
	struct held_block slot[RANDOM_SLOTS] = {0};
	buddy_start();
	uint64_t t0 = bench_now_ns();
	RUN_LOOP(random_orders, slot, poisoning_on() ? w->poisoned_random_steps : w->random_steps);
	uint64_t elapsed = bench_now_ns() - t0;
	for (unsigned s = 0; s < RANDOM_SLOTS; s++)
		if (slot[s].held)
			check(page_free(slot[s].pa, slot[s].order), "page_free");
	host_log_clear(); /* the refusals' messages */
	expect_all_free("the random orders");
	return elapsed;
}

/* Order-0 allocations until the buddy is empty, then every page freed.
 * The two phases are timed separately: *alloc_ns and *free_ns. */
static void run_fill_and_free(phys_addr_t *pages, uint64_t *alloc_ns, uint64_t *free_ns)
{
	buddy_start();
	if (poisoning_on()) { /* poison every page first, so that the fill checks every page */
		fill(&buddy_api, pages);
		free_all(&buddy_api, pages);
	}
	uint64_t t0 = bench_now_ns();
	RUN_LOOP(fill, pages);
	*alloc_ns = bench_now_ns() - t0;
	if (buddy_count_free_pages() != 0)
		bench_fail("the fill", "pages are still free", (unsigned long)buddy_count_free_pages());
	t0 = bench_now_ns();
	RUN_LOOP(free_all, pages);
	*free_ns = bench_now_ns() - t0;
	expect_all_free("the fill-and-free pass");
}

/* The median of w->reps runs of one benchmark. */
static uint64_t median_of(uint64_t (*run)(const struct workload *), const struct workload *w)
{
	struct bench_runs runs = {0};
	for (unsigned r = 0; r < w->reps; r++)
		bench_runs_add(&runs, run(w));
	return bench_median(&runs);
}

static void draw_random_workload(uint64_t steps)
{
	random_slot = malloc(steps);
	random_order = malloc(steps);
	if (!random_slot || !random_order)
		bench_fail("malloc of the random workload", "out of memory", (unsigned long)steps);
	uint64_t seed = RANDOM_SEED;
	for (uint64_t i = 0; i < steps; i++) {
		random_slot[i] = (uint8_t)(bench_rand(&seed) % RANDOM_SLOTS);
		random_order[i] = (uint8_t)(bench_rand(&seed) % (BUDDY_MAX_ORDER + 1));
	}
}

/* Print one row, its name marked when poisoning is on. */
static void row(const char *name, uint64_t ops, uint64_t ns, const char *note)
{
	char full[160];
	snprintf(full, sizeof(full), "%s%s", name,
	         poisoning_on()      ? ", poisoning on"
	         : mode == RUN_LISTS ? ", per-CPU lists"
	                             : "");
	bench_print_row(full, ops, ns, note);
}

/* The note of a row: for the buddy, with poisoning on, or through the lists. */
static const char *note3(const char *buddy, const char *poisoned, const char *lists)
{
	return mode == RUN_POISONED ? poisoned : mode == RUN_LISTS ? lists : buddy;
}

/* Every benchmark once, in the mode the global says. */
static void print_rows(const struct workload *w, phys_addr_t *pages)
{
	char note[160];
	uint64_t ns;
	if (mode != RUN_LISTS) { /* the lists play no part in the take-over */
		ns = median_of(run_take_over, w);
		row("take over 256 MiB (buddy_init + buddy_add_free_range), per page", SPAN_PAGES, ns,
		    poisoning_on() ? "no page is filled: pages never freed are not checked"
		                   : "the buddy's share of the boot: memsets and O(blocks)");
	}

	ns = median_of(run_order0_cold, w);
	row("alloc+free order 0, cold (10 splits, 10 merges)", w->order0_pairs, ns,
	    note3("per pair; only 4 MiB blocks free", "per pair; 1 page checked, 1 page filled",
	          "per pair; one batch split off once, then the list"));
	ns = median_of(run_order0_warm, w);
	row("alloc+free order 0, warm (no split, no merge)", w->order0_pairs, ns,
	    note3("per pair; order-0 list never empty", "per pair; 1 page checked, 1 page filled",
	          "per pair; a pop and a push, no lock"));

	ns = median_of(run_random_orders, w);
	uint64_t steps = poisoning_on() ? w->poisoned_random_steps : w->random_steps;
	snprintf(note, sizeof(note), "per step (free one, alloc one) with %d blocks held; %lu refused",
	         RANDOM_SLOTS, (unsigned long)random_refused);
	row("free+alloc random order 0..10", steps, ns, note);

	struct bench_runs allocs = {0}, frees = {0};
	for (unsigned r = 0; r < w->reps; r++) {
		uint64_t a, f;
		run_fill_and_free(pages, &a, &f);
		bench_runs_add(&allocs, a);
		bench_runs_add(&frees, f);
	}
	row("fill: order-0 allocs until empty", SPAN_PAGES, bench_median(&allocs),
	    note3("per allocation", "per allocation; every page checked",
	          "per allocation; batches of 16 under one lock"));
	row("then free every page, in allocation order", SPAN_PAGES, bench_median(&frees),
	    note3("per free; merges back to 4 MiB blocks", "per free; every page filled",
	          "per free; batches of 16 back, 64 left in the list"));
}

int main(int argc, char **argv)
{
	bool quick = bench_parse_quick(argc, argv);
	const struct workload *w = quick ? &quick_workload : &full_workload;

	metadata_bytes = buddy_metadata_bytes(0, SPAN_BYTES);
	metadata = malloc(metadata_bytes);
	phys_addr_t *pages = malloc(SPAN_PAGES * sizeof(*pages));
	if (!metadata || !pages)
		bench_fail("malloc of the metadata", "out of memory", (unsigned long)metadata_bytes);
	draw_random_workload(w->random_steps);

	bench_print_header("bench_buddy: src/mm/buddy.c over a 256 MiB span (65536 frames)", quick);
	print_rows(w, pages);
	mode = RUN_LISTS;
	print_rows(w, pages);
	host_arena_init(SPAN_BYTES); /* poisoning writes into the pages: memory behind the span */
	mode = RUN_POISONED;
	print_rows(w, pages);
	mode = RUN_BUDDY;
	host_arena_free();

	uint64_t per_gib = buddy_metadata_bytes(0, GiB(1));
	printf("\nmetadata: %zu bytes per 4 KiB frame of RAM = %lu KiB per GiB of RAM (%.2f%% of the "
	       "memory); %lu KiB for this span\n",
	       sizeof(struct buddy_frame) + sizeof(struct buddy_frame_info), (unsigned long)(per_gib >> 10),
	       100.0 * (double)per_gib / (double)GiB(1), (unsigned long)(metadata_bytes >> 10));

	buddy_reset();
	free(pages);
	free(metadata);
	free(random_slot);
	free(random_order);
	return 0;
}
