/*
 * bench_buddy.c - how fast the buddy allocator (src/mm/buddy.c) is on the
 * host, and how much metadata it needs per GiB it manages.
 *
 * Method: the real buddy.c manages a 256 MiB span at physical address 0.
 * The buddy never reads or writes the memory it manages (its free lists live
 * in the per-frame metadata), so no arena stands behind the span; the
 * metadata comes from malloc. Each workload is timed BENCH_REPS times with
 * CLOCK_MONOTONIC and the fastest run is printed:
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
#include "mm/mm_stage.h"

#define SPAN_BYTES   MiB(256)
#define SPAN_PAGES   (SPAN_BYTES / PAGE_SIZE)
#define RANDOM_SLOTS 64
#define RANDOM_SEED  0x9e3779b97f4a7c15ULL

/* How much work one timed run does. */
struct workload {
	uint64_t order0_pairs; /* alloc+free pairs in each order-0 benchmark */
	uint64_t random_steps; /* free+alloc steps of the random-order benchmark */
	unsigned reps;         /* timed runs; the fastest is reported */
};

static const struct workload full_workload = {
    .order0_pairs = 1000000, .random_steps = 1000000, .reps = BENCH_REPS};
static const struct workload quick_workload = {.order0_pairs = 10000, .random_steps = 10000, .reps = 1};

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
	mm_stage_force(MM_STAGE_PAGING);
	check(buddy_init(0, SPAN_BYTES, metadata, metadata_bytes), "buddy_init");
	check(buddy_add_free_range(0, SPAN_BYTES), "buddy_add_free_range");
	mm_stage_force(MM_STAGE_BUDDY);
}

/* After each run every page must be free again and the invariants hold;
 * otherwise the run measured something other than what it claims. */
static void expect_all_free(const char *after)
{
	if (buddy_free_pages_total() != SPAN_PAGES || !buddy_check_invariants()) {
		fprintf(stderr,
		        "benchmark failed: after %s, %lu of %lu pages are free or the invariants broke\n",
		        after, (unsigned long)buddy_free_pages_total(), (unsigned long)SPAN_PAGES);
		exit(1);
	}
}

/* --- The timed loops (see BENCH_LOOP) --- */

BENCH_LOOP void loop_take_over(void)
{
	check(buddy_init(0, SPAN_BYTES, metadata, metadata_bytes), "buddy_init");
	check(buddy_add_free_range(0, SPAN_BYTES), "buddy_add_free_range");
}

BENCH_LOOP void loop_order0_cold(uint64_t pairs)
{
	phys_addr_t pa;
	for (uint64_t i = 0; i < pairs; i++) {
		check(buddy_alloc_pages(0, &pa), "buddy_alloc_pages(0)");
		check(buddy_free_pages(pa, 0), "buddy_free_pages(0)");
	}
}

BENCH_LOOP void loop_order0_warm(uint64_t pairs)
{
	phys_addr_t pa;
	for (uint64_t i = 0; i < pairs; i++) {
		check(buddy_alloc_pages(0, &pa), "buddy_alloc_pages(0)");
		check(buddy_free_pages(pa, 0), "buddy_free_pages(0)");
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
BENCH_LOOP uint64_t loop_random_orders(struct held_block *slot, uint64_t steps)
{
	uint64_t refused = 0;
	for (uint64_t i = 0; i < steps; i++) {
		struct held_block *b = &slot[random_slot[i]];
		if (b->held)
			check(buddy_free_pages(b->pa, b->order), "buddy_free_pages");
		b->order = random_order[i];
		b->held = buddy_alloc_pages(b->order, &b->pa) == MM_OK;
		refused += !b->held;
	}
	return refused;
}

BENCH_LOOP void loop_fill(phys_addr_t *pages)
{
	for (uint64_t i = 0; i < SPAN_PAGES; i++)
		check(buddy_alloc_pages(0, &pages[i]), "buddy_alloc_pages(0) while filling");
}

BENCH_LOOP void loop_free_all(const phys_addr_t *pages)
{
	for (uint64_t i = 0; i < SPAN_PAGES; i++)
		check(buddy_free_pages(pages[i], 0), "buddy_free_pages(0) while emptying");
}

/* --- One timed run of each benchmark: set up, time the loop, check --- */

static uint64_t run_take_over(const struct workload *w)
{
	buddy_reset();
	mm_stage_force(MM_STAGE_PAGING);
	uint64_t t0 = bench_now_ns();
	loop_take_over();
	uint64_t elapsed = bench_now_ns() - t0;
	mm_stage_force(MM_STAGE_BUDDY);
	expect_all_free("the take-over");
	return elapsed;
}

static uint64_t run_order0_cold(const struct workload *w)
{
	buddy_start();
	uint64_t t0 = bench_now_ns();
	loop_order0_cold(w->order0_pairs);
	uint64_t elapsed = bench_now_ns() - t0;
	expect_all_free("the cold order-0 pairs");
	return elapsed;
}

static uint64_t run_order0_warm(const struct workload *w)
{
	buddy_start();
	phys_addr_t held;
	/* Holding one page leaves its buddy on the order-0 list for good. */
	check(buddy_alloc_pages(0, &held), "buddy_alloc_pages(0)");
	uint64_t t0 = bench_now_ns();
	loop_order0_warm(w->order0_pairs);
	uint64_t elapsed = bench_now_ns() - t0;
	check(buddy_free_pages(held, 0), "buddy_free_pages(0)");
	expect_all_free("the warm order-0 pairs");
	return elapsed;
}

static uint64_t random_refused; /* refusals in the last random-order run */

static uint64_t run_random_orders(const struct workload *w)
{
	struct held_block slot[RANDOM_SLOTS] = {0};
	buddy_start();
	uint64_t t0 = bench_now_ns();
	random_refused = loop_random_orders(slot, w->random_steps);
	uint64_t elapsed = bench_now_ns() - t0;
	for (unsigned s = 0; s < RANDOM_SLOTS; s++)
		if (slot[s].held)
			check(buddy_free_pages(slot[s].pa, slot[s].order), "buddy_free_pages");
	host_log_clear(); /* the refusals' messages */
	expect_all_free("the random orders");
	return elapsed;
}

/* Order-0 allocations until the buddy is empty, then every page freed.
 * The two phases are timed separately: *alloc_ns and *free_ns. */
static void run_fill_and_free(phys_addr_t *pages, uint64_t *alloc_ns, uint64_t *free_ns)
{
	buddy_start();
	uint64_t t0 = bench_now_ns();
	loop_fill(pages);
	*alloc_ns = bench_now_ns() - t0;
	if (buddy_free_pages_total() != 0)
		bench_fail("the fill", "pages are still free", (unsigned long)buddy_free_pages_total());
	t0 = bench_now_ns();
	loop_free_all(pages);
	*free_ns = bench_now_ns() - t0;
	expect_all_free("the fill-and-free pass");
}

/* The fastest of w->reps runs of one benchmark. */
static uint64_t best_of(uint64_t (*run)(const struct workload *), const struct workload *w)
{
	uint64_t best = UINT64_MAX;
	for (unsigned r = 0; r < w->reps; r++) {
		uint64_t ns = run(w);
		if (ns < best)
			best = ns;
	}
	return best;
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
	char note[160];

	uint64_t ns = best_of(run_take_over, w);
	bench_print_row("take over 256 MiB (buddy_init + buddy_add_free_range), per page", SPAN_PAGES, ns,
	                "the buddy's share of the boot, O(frames)");

	ns = best_of(run_order0_cold, w);
	bench_print_row("alloc+free order 0, cold (10 splits, 10 merges)", w->order0_pairs, ns,
	                "per pair; only 4 MiB blocks free");
	ns = best_of(run_order0_warm, w);
	bench_print_row("alloc+free order 0, warm (no split, no merge)", w->order0_pairs, ns,
	                "per pair; order-0 list never empty");

	ns = best_of(run_random_orders, w);
	snprintf(note, sizeof(note), "per step (free one, alloc one) with %d blocks held; %lu refused",
	         RANDOM_SLOTS, (unsigned long)random_refused);
	bench_print_row("free+alloc random order 0..10", w->random_steps, ns, note);

	uint64_t best_alloc = UINT64_MAX, best_free = UINT64_MAX;
	for (unsigned r = 0; r < w->reps; r++) {
		uint64_t a, f;
		run_fill_and_free(pages, &a, &f);
		best_alloc = a < best_alloc ? a : best_alloc;
		best_free = f < best_free ? f : best_free;
	}
	bench_print_row("fill: order-0 allocs until empty", SPAN_PAGES, best_alloc, "per allocation");
	bench_print_row("then free every page, in allocation order", SPAN_PAGES, best_free,
	                "per free; merges back to 4 MiB blocks");

	uint64_t per_gib = buddy_metadata_bytes(0, GiB(1));
	printf("\nmetadata: %zu bytes per 4 KiB frame = %lu KiB per managed GiB (%.2f%% of the memory); "
	       "%lu KiB for this span\n",
	       sizeof(struct buddy_frame), (unsigned long)(per_gib >> 10),
	       100.0 * (double)per_gib / (double)GiB(1), (unsigned long)(metadata_bytes >> 10));

	buddy_reset();
	free(pages);
	free(metadata);
	free(random_slot);
	free(random_order);
	return 0;
}
