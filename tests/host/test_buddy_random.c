/* test_buddy_random.c - long random sequences of allocations and frees
 * (fixed seeds, so every run is the same) checked step by step against a
 * simple reference model: the list of blocks handed out and which frames
 * they cover. The span straddles 4 GiB and has holes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "host_env.h"
#include "mm/buddy.h"
#include "mm/stage_order.h"

/* The span and the free ranges inside it: the gaps between them are holes. */
#define SPAN_LOWEST (GiB(4) - MiB(40))
#define SPAN_END    (GiB(4) + MiB(40))
static const struct {
	phys_addr_t base;
	uint64_t size_bytes;
} ranges[] = {
    {GiB(4) - MiB(40) + KiB(12), MiB(30) - KiB(12)}, /* unaligned start */
    {GiB(4) - MiB(10) + KiB(4), MiB(10) - KiB(24)},  /* ends 20 KiB below 4 GiB */
    {GiB(4) + KiB(8), MiB(7)},                       /* just above 4 GiB */
    {GiB(4) + MiB(9), MiB(31) - KiB(4)},
};
#define NRANGES    (sizeof(ranges) / sizeof(ranges[0]))
#define SPAN_PAGES ((SPAN_END - SPAN_LOWEST) / PAGE_SIZE)

#define CHECK_EVERY 1000 /* steps between two full invariant walks */

/* The reference model. */
struct block {
	phys_addr_t pa;
	unsigned order;
};
static struct block *live; /* blocks handed out and not yet freed */
static size_t nlive;
static uint64_t live_pages;
static uint8_t *frame_owned;   /* per frame of the span: 1 = inside a live block */
static uint8_t *frame_managed; /* per frame of the span: 1 = given to the buddy */
static uint64_t managed_pages;
static void *metadata;

static uint64_t rng_state;

/* xorshift64: small, fast, and the same sequence everywhere. */
static uint64_t rng_next(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static uint64_t frame_of(phys_addr_t pa)
{
	return (pa - SPAN_LOWEST) / PAGE_SIZE;
}

static int setup(void **state)
{
	(void)state;
	buddy_reset();
	host_log_clear();
	mm_stage_force(MM_STAGE_PAGING);
	uint64_t bytes = buddy_metadata_bytes(SPAN_LOWEST, SPAN_END);
	metadata = malloc(bytes);
	frame_owned = calloc(SPAN_PAGES, 1);
	frame_managed = calloc(SPAN_PAGES, 1);
	live = calloc(SPAN_PAGES, sizeof(*live));
	assert_non_null(metadata);
	assert_non_null(frame_owned);
	assert_non_null(frame_managed);
	assert_non_null(live);
	nlive = 0;
	live_pages = 0;
	managed_pages = 0;
	assert_int_equal(buddy_init(SPAN_LOWEST, SPAN_END, metadata, bytes), MM_OK);
	for (size_t r = 0; r < NRANGES; r++) {
		assert_int_equal(buddy_add_free_range(ranges[r].base, ranges[r].size_bytes), MM_OK);
		phys_addr_t start = ALIGN_UP(ranges[r].base, PAGE_SIZE);
		phys_addr_t end = ALIGN_DOWN(ranges[r].base + ranges[r].size_bytes, PAGE_SIZE);
		for (phys_addr_t pa = start; pa < end; pa += PAGE_SIZE) {
			frame_managed[frame_of(pa)] = 1;
			managed_pages++;
		}
	}
	assert_int_equal(buddy_managed_pages(), managed_pages);
	assert_true(buddy_check_invariants());
	mm_stage_force(MM_STAGE_BUDDY);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	buddy_reset();
	free(metadata);
	free(frame_owned);
	free(frame_managed);
	free(live);
	return 0;
}

/* A new block must be aligned, lie on managed frames, and overlap no live block. */
static void model_alloc(phys_addr_t pa, unsigned order, unsigned long step)
{
	uint64_t npages = 1ULL << order;
	if (!IS_ALIGNED(pa, PAGE_SIZE << order))
		fail_msg("step %lu: order %u block 0x%lx is not aligned", step, order, pa);
	if (pa < SPAN_LOWEST || pa + (npages << PAGE_SHIFT) > SPAN_END)
		fail_msg("step %lu: order %u block 0x%lx leaves the span", step, order, pa);
	for (uint64_t f = frame_of(pa); f < frame_of(pa) + npages; f++) {
		if (!frame_managed[f])
			fail_msg("step %lu: order %u block 0x%lx covers unmanaged frame 0x%lx", step, order,
			         pa, SPAN_LOWEST + f * PAGE_SIZE);
		if (frame_owned[f])
			fail_msg("step %lu: order %u block 0x%lx overlaps a live block at frame 0x%lx", step,
			         order, pa, SPAN_LOWEST + f * PAGE_SIZE);
		frame_owned[f] = 1;
	}
	live[nlive++] = (struct block){pa, order};
	live_pages += npages;
}

static void model_free(size_t i)
{
	for (uint64_t f = frame_of(live[i].pa); f < frame_of(live[i].pa) + (1ULL << live[i].order); f++)
		frame_owned[f] = 0;
	live_pages -= 1ULL << live[i].order;
	live[i] = live[--nlive];
}

/* Free total == managed - handed out, after every single step. */
static void check_totals(unsigned long step)
{
	if (buddy_count_free_pages() != managed_pages - live_pages)
		fail_msg("step %lu: buddy has 0x%lx free pages, model expects 0x%lx", step,
		         buddy_count_free_pages(), managed_pages - live_pages);
}

/* Try a free the model knows is wrong; it must be refused and change nothing. */
static void try_bad_free(unsigned long step, phys_addr_t last_freed)
{
	uint64_t free_before = buddy_count_free_pages();
	if (nlive > 0 && (rng_next() & 1)) {
		struct block *b = &live[rng_next() % nlive];
		unsigned wrong = b->order == BUDDY_MAX_ORDER ? b->order - 1 : b->order + 1;
		enum mm_error err = buddy_free_pages(b->pa, wrong);
		if (err != MM_ERR_WRONG_ORDER && err != MM_ERR_MISALIGNED)
			fail_msg("step %lu: freeing order-%u block 0x%lx as order %u gave %s", step, b->order,
			         b->pa, wrong, mm_strerror(err));
	} else if (last_freed != 0 && !frame_owned[frame_of(last_freed)]) {
		enum mm_error err = buddy_free_pages(last_freed, 0);
		if (err != MM_ERR_DOUBLE_FREE)
			fail_msg("step %lu: freeing free frame 0x%lx again gave %s", step, last_freed,
			         mm_strerror(err));
	}
	if (buddy_count_free_pages() != free_before)
		fail_msg("step %lu: a refused free changed the free total", step);
}

/* Run `steps` random operations from `seed`, checking the model all along. */
static void run_random(uint64_t seed, unsigned long steps)
{
	rng_state = seed;
	phys_addr_t last_freed = 0;
	for (unsigned long step = 0; step < steps; step++) {
		uint64_t r = rng_next() % 100;
		if (r < 2) {
			try_bad_free(step, last_freed);
		} else if (r < 51 || nlive == 0) {
			unsigned order = (unsigned)(rng_next() % (BUDDY_MAX_ORDER + 1));
			phys_addr_t pa;
			enum mm_error err = buddy_alloc_pages(order, &pa);
			if (err == MM_OK) {
				model_alloc(pa, order, step);
			} else if (err == MM_ERR_NO_MEMORY) {
				for (unsigned o = order; o <= BUDDY_MAX_ORDER; o++)
					if (buddy_free_blocks(o) != 0)
						fail_msg("step %lu: order %u refused with %zu free order-%u "
						         "blocks",
						         step, order, buddy_free_blocks(o), o);
			} else {
				fail_msg("step %lu: order %u allocation gave %s", step, order,
				         mm_strerror(err));
			}
		} else {
			size_t i = rng_next() % nlive;
			enum mm_error err = buddy_free_pages(live[i].pa, live[i].order);
			if (err != MM_OK)
				fail_msg("step %lu: freeing order-%u block 0x%lx gave %s", step,
				         live[i].order, live[i].pa, mm_strerror(err));
			last_freed = live[i].pa;
			model_free(i);
		}
		check_totals(step);
		if (step % CHECK_EVERY == 0 && !buddy_check_invariants())
			fail_msg("step %lu: invariants broken: %s", step, host_log_text());
		/* Keep the captured log small: refusals are expected here. */
		host_log_clear();
	}
	assert_true(buddy_check_invariants());
}

static void two_hundred_thousand_random_operations_agree_with_the_reference_model(void **state)
{
	run_random(0x5eed5eed12345678ULL, 200000);
}

static void freeing_everything_after_random_use_restores_the_initial_blocks(void **state)
{
	size_t initial[BUDDY_MAX_ORDER + 1];
	for (unsigned o = 0; o <= BUDDY_MAX_ORDER; o++)
		initial[o] = buddy_free_blocks(o);

	run_random(0x0123456789abcdefULL, 50000);
	assert_true(nlive > 0);

	/* Free in random order. */
	while (nlive > 0) {
		size_t i = rng_next() % nlive;
		assert_int_equal(buddy_free_pages(live[i].pa, live[i].order), MM_OK);
		model_free(i);
	}
	for (unsigned o = 0; o <= BUDDY_MAX_ORDER; o++) {
		if (buddy_free_blocks(o) != initial[o])
			fail_msg("order %u: %zu free blocks, %zu at the start", o, buddy_free_blocks(o),
			         initial[o]);
	}
	assert_int_equal(buddy_count_free_pages(), managed_pages);
	assert_true(buddy_check_invariants());
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
	        two_hundred_thousand_random_operations_agree_with_the_reference_model, setup, teardown),
	    cmocka_unit_test_setup_teardown(freeing_everything_after_random_use_restores_the_initial_blocks,
	                                    setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
