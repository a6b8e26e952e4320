/* test_buddy.c - the buddy allocator: set-up and metadata, how free ranges
 * become blocks, splitting and merging, every refused free, stages, holes and
 * memory above 4 GiB. With page poisoning off (the default; its tests are in
 * test_buddy_poison.c) the buddy never touches the memory it manages, so most
 * tests use spans without any host arena behind them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "host_env.h"
#include "mm/buddy.h"
#include "mm/mm_env.h"
#include "mm/stage_order.h"

#define PAGES(n) ((uint64_t)(n)*PAGE_SIZE)

static void *metadata;

static int reset(void **state)
{
	(void)state;
	buddy_reset();
	mm_stage_force(MM_STAGE_PAGING);
	host_log_clear();
	metadata = NULL;
	return 0;
}

static int release(void **state)
{
	(void)state;
	buddy_reset();
	free(metadata);
	metadata = NULL;
	host_arena_free();
	return 0;
}

/* buddy_init over [lowest, end) with exactly enough malloc'd metadata. */
static void start(phys_addr_t lowest, phys_addr_t end)
{
	uint64_t bytes = buddy_metadata_bytes(lowest, end);
	assert_true(bytes > 0);
	metadata = malloc(bytes);
	assert_non_null(metadata);
	assert_int_equal(buddy_init(lowest, end, metadata, bytes), MM_OK);
}

/* Free blocks per order, to compare states before and after. */
struct snapshot {
	size_t blocks[BUDDY_MAX_ORDER + 1];
	uint64_t free_page_count, managed_pages;
};

static struct snapshot take_snapshot(void)
{
	struct snapshot s;
	memset(&s, 0, sizeof(s));
	for (unsigned o = 0; o <= BUDDY_MAX_ORDER; o++)
		s.blocks[o] = buddy_free_blocks(o);
	s.free_page_count = buddy_count_free_pages();
	s.managed_pages = buddy_managed_pages();
	return s;
}

static void assert_unchanged(const struct snapshot *before)
{
	struct snapshot now = take_snapshot();
	assert_memory_equal(&now, before, sizeof(now));
	assert_true(buddy_check_invariants());
}

/* The free lists hold exactly expected[o] blocks of each order o. */
static void assert_blocks(const size_t expected[BUDDY_MAX_ORDER + 1])
{
	for (unsigned o = 0; o <= BUDDY_MAX_ORDER; o++) {
		if (buddy_free_blocks(o) != expected[o])
			fail_msg("order %u: %zu free blocks, expected %zu", o, buddy_free_blocks(o),
			         expected[o]);
	}
	assert_true(buddy_check_invariants());
}

/* One 4 MiB block at [0, 4 MiB), stage BUDDY. */
static void start_with_one_max_block(void)
{
	start(0, MiB(4));
	assert_int_equal(buddy_add_free_range(0, MiB(4)), MM_OK);
	mm_stage_force(MM_STAGE_BUDDY);
}

/* --- set-up and metadata --- */

/* Metadata for n chunks of 4 MiB in s sections of 1 GiB, m of them with RAM:
 * 9 bytes per frame, 4 per chunk, 4 per section, 1 KiB per section with RAM. */
static uint64_t layout(uint64_t n, uint64_t s, uint64_t m)
{
	return n * 1024 * (sizeof(struct buddy_frame) + sizeof(struct buddy_frame_info)) + 4 * n + 4 * s +
	       1024 * m;
}

static void metadata_is_9_bytes_per_frame_of_every_4mib_chunk_that_holds_ram(void **state)
{
	assert_int_equal(sizeof(struct buddy_frame) + sizeof(struct buddy_frame_info), 9);
	/* [4 MiB + 4 KiB, 12 MiB) touches chunks 1 and 2; [1 MiB, 5 MiB) chunks 0 and 1. */
	assert_int_equal(buddy_metadata_bytes(MiB(4) + PAGES(1), MiB(12)), layout(2, 1, 1));
	assert_int_equal(buddy_metadata_bytes(MiB(1), MiB(5)), layout(2, 1, 1));
	/* A partial last page is in a chunk like any other. */
	assert_int_equal(buddy_metadata_bytes(0, PAGES(2) + 1), layout(1, 1, 1));
	assert_int_equal(buddy_metadata_bytes(MiB(8), MiB(8)), 0);
	/* One GiB of RAM: 256 chunks, 2.25 MiB and 2 KiB. */
	assert_int_equal(buddy_metadata_bytes(GiB(1), GiB(2)), layout(256, 1, 1));
}

static void a_hole_costs_only_4_bytes_per_gib_of_directory(void **state)
{
	/*
	 * r1 = [0, 4 MiB), r2 = [16 TiB, 16 TiB + 4 MiB): two chunks of
	 * metadata, a directory of 16385 sections of which two hold RAM.
	 * Two ranges that share a chunk count it once: r3 and r4 both lie
	 * in [8 MiB, 12 MiB).
	 */
	struct buddy_ram_range ram[] = {{.base = 0, .size_bytes = MiB(4)},
	                                {.base = GiB(16384), .size_bytes = MiB(4)}};
	assert_int_equal(buddy_ram_metadata_bytes(ram, 2), layout(2, 16385, 2));
	struct buddy_ram_range shared[] = {{.base = MiB(8), .size_bytes = MiB(1)},
	                                   {.base = MiB(10), .size_bytes = MiB(1)}};
	assert_int_equal(buddy_ram_metadata_bytes(shared, 2), layout(1, 1, 1));
	/* Out of order or overlapping: refused with 0. */
	struct buddy_ram_range backwards[] = {ram[1], ram[0]};
	assert_int_equal(buddy_ram_metadata_bytes(backwards, 2), 0);
}

static void init_with_too_small_metadata_is_refused_naming_both_sizes(void **state)
{
	uint64_t need = buddy_metadata_bytes(0, MiB(4)); /* one chunk */
	metadata = malloc(need);
	assert_int_equal(need, 0x2808);
	assert_int_equal(buddy_init(0, MiB(4), metadata, need - 1), MM_ERR_NO_MEMORY);
	assert_true(
	    host_log_contains("buddy_init: metadata of 0x2807 bytes is too small, need 0x2808 bytes"));
	/* Nothing was set up: the right size still works. */
	assert_int_equal(buddy_init(0, MiB(4), metadata, need), MM_OK);
}

static void init_with_an_empty_span_is_refused(void **state)
{
	char buf[64];
	assert_int_equal(buddy_init(MiB(2), MiB(2), buf, sizeof(buf)), MM_ERR_INVALID);
	assert_true(host_log_contains("buddy_init: span 0x200000..0x200000 is empty"));
}

static void init_outside_stage_paging_is_refused(void **state)
{
	char buf[64];
	mm_stage_force(MM_STAGE_BUMP);
	assert_int_equal(buddy_init(0, PAGES(4), buf, sizeof(buf)), MM_ERR_WRONG_STAGE);
	assert_true(
	    host_log_contains("buddy_init: called in stage bump, allowed only from paging to paging"));
}

static void init_twice_is_refused(void **state)
{
	start(0, MiB(4));
	assert_int_equal(buddy_init(0, MiB(8), metadata, buddy_metadata_bytes(0, MiB(4))), MM_ERR_INVALID);
	assert_true(host_log_contains("buddy_init: already set up for 0x0..0x400000"));
}

static void a_new_buddy_manages_nothing(void **state)
{
	start(0, MiB(16));
	const size_t none[BUDDY_MAX_ORDER + 1] = {0};
	assert_blocks(none);
	assert_int_equal(buddy_count_free_pages(), 0);
	assert_int_equal(buddy_managed_pages(), 0);
}

/* --- adding free ranges --- */

static void thirteen_pages_at_1mib_become_blocks_of_8_4_and_1_pages(void **state)
{
	start(0, MiB(4));
	assert_int_equal(buddy_add_free_range(MiB(1), PAGES(13)), MM_OK);
	const size_t expected[BUDDY_MAX_ORDER + 1] = {[0] = 1, [2] = 1, [3] = 1};
	assert_blocks(expected);
	assert_int_equal(buddy_count_free_pages(), 13);
	assert_int_equal(buddy_managed_pages(), 13);
}

static void range_from_3mib_plus_4k_to_9mib_becomes_the_largest_aligned_blocks(void **state)
{
	/* Frames 769..2303: one block of each order 0..7 up to 4 MiB, then one
	 * of order 10 (4..8 MiB) and one of order 8 (8..9 MiB). */
	start(0, MiB(12));
	assert_int_equal(buddy_add_free_range(MiB(3) + PAGES(1), MiB(6) - PAGES(1)), MM_OK);
	const size_t expected[BUDDY_MAX_ORDER + 1] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1};
	assert_blocks(expected);
	assert_int_equal(buddy_count_free_pages(), 1535);
}

static void a_range_is_trimmed_inward_to_whole_pages(void **state)
{
	start(0, MiB(4));
	/* [1 MiB + 1, 1 MiB + 3 pages + 5) holds whole pages 1 MiB+4K, +8K. */
	assert_int_equal(buddy_add_free_range(MiB(1) + 1, PAGES(3) + 4), MM_OK);
	const size_t expected[BUDDY_MAX_ORDER + 1] = {[0] = 2};
	assert_blocks(expected);
	assert_int_equal(buddy_managed_pages(), 2);
}

static void a_range_without_a_whole_page_adds_nothing_and_says_so(void **state)
{
	start(0, MiB(4));
	assert_int_equal(buddy_add_free_range(PAGES(1) + 1, PAGE_SIZE), MM_OK);
	assert_int_equal(buddy_managed_pages(), 0);
	assert_true(host_log_contains("buddy_add_free_range: range 0x1001 + 0x1000 holds no whole page"));
}

static void adjacent_ranges_merge_into_one_block(void **state)
{
	start(0, MiB(4));
	assert_int_equal(buddy_add_free_range(MiB(2), MiB(2)), MM_OK);
	assert_int_equal(buddy_add_free_range(0, MiB(2)), MM_OK);
	const size_t expected[BUDDY_MAX_ORDER + 1] = {[10] = 1};
	assert_blocks(expected);
}

static void a_range_outside_the_span_is_refused(void **state)
{
	start(MiB(4), MiB(8));
	struct snapshot before = take_snapshot();
	assert_int_equal(buddy_add_free_range(MiB(7), MiB(2)), MM_ERR_INVALID);
	assert_true(host_log_contains(
	    "buddy_add_free_range: range 0x700000..0x900000 is outside the span 0x400000..0x800000"));
	assert_int_equal(buddy_add_free_range(MiB(3), MiB(2)), MM_ERR_INVALID);
	assert_unchanged(&before);
}

static void a_zero_or_wrapping_range_is_refused(void **state)
{
	start(0, MiB(4));
	assert_int_equal(buddy_add_free_range(MiB(1), 0), MM_ERR_INVALID);
	assert_true(host_log_contains("buddy_add_free_range: range 0x100000 + 0x0 is empty or wraps"));
	assert_int_equal(buddy_add_free_range(MiB(1), UINT64_MAX), MM_ERR_INVALID);
	assert_int_equal(buddy_managed_pages(), 0);
}

static void adding_a_range_twice_is_refused_as_overlap(void **state)
{
	start(0, MiB(4));
	assert_int_equal(buddy_add_free_range(MiB(1), MiB(1)), MM_OK);
	struct snapshot before = take_snapshot();
	assert_int_equal(buddy_add_free_range(MiB(1) + MiB(1) / 2, MiB(1)), MM_ERR_OVERLAP);
	assert_true(host_log_contains("buddy_add_free_range: frame 0x180000 of range 0x180000..0x280000 is "
	                              "already managed"));
	assert_unchanged(&before);
}

static void adding_a_range_after_stage_paging_is_refused(void **state)
{
	start(0, MiB(4));
	mm_stage_force(MM_STAGE_BUDDY);
	assert_int_equal(buddy_add_free_range(0, MiB(4)), MM_ERR_WRONG_STAGE);
	assert_true(host_log_contains("buddy_add_free_range: called in stage buddy"));
	assert_int_equal(buddy_managed_pages(), 0);
}

static void adding_a_range_before_init_is_refused(void **state)
{
	assert_int_equal(buddy_add_free_range(0, MiB(4)), MM_ERR_INVALID);
	assert_true(host_log_contains("buddy_add_free_range: buddy_init has not run"));
}

/* --- allocation: splitting, alignment, exhaustion --- */

static void first_order0_allocation_splits_a_4mib_block_into_one_block_per_lower_order(void **state)
{
	start_with_one_max_block();
	phys_addr_t pa = 1;
	assert_int_equal(buddy_alloc_pages(0, &pa), MM_OK);
	assert_int_equal(pa, 0);
	const size_t expected[BUDDY_MAX_ORDER + 1] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0};
	assert_blocks(expected);
	assert_int_equal(buddy_count_free_pages(), 1023);
}

static void freeing_the_only_allocation_merges_back_to_one_4mib_block(void **state)
{
	start_with_one_max_block();
	phys_addr_t pa;
	assert_int_equal(buddy_alloc_pages(0, &pa), MM_OK);
	assert_int_equal(buddy_free_pages(pa, 0), MM_OK);
	const size_t expected[BUDDY_MAX_ORDER + 1] = {[10] = 1};
	assert_blocks(expected);
	assert_int_equal(buddy_count_free_pages(), 1024);
}

static void allocation_takes_the_smallest_block_that_fits(void **state)
{
	start(0, MiB(4));
	assert_int_equal(buddy_add_free_range(MiB(1), PAGES(13)), MM_OK); /* orders 3, 2, 0 */
	mm_stage_force(MM_STAGE_BUDDY);
	phys_addr_t pa;
	assert_int_equal(buddy_alloc_pages(1, &pa), MM_OK);
	assert_int_equal(pa, MiB(1) + PAGES(8)); /* the order-2 block, halved */
	const size_t expected[BUDDY_MAX_ORDER + 1] = {[0] = 1, [1] = 1, [3] = 1};
	assert_blocks(expected);
}

static void every_returned_block_is_aligned_to_its_size(void **state)
{
	start(0, MiB(32));
	assert_int_equal(buddy_add_free_range(PAGES(3), MiB(32) - PAGES(3)), MM_OK);
	mm_stage_force(MM_STAGE_BUDDY);
	unsigned handed_out[BUDDY_MAX_ORDER + 1] = {0};
	for (unsigned round = 0; round < 4000; round++) {
		unsigned order = (round * 7) % (BUDDY_MAX_ORDER + 1);
		phys_addr_t pa;
		enum mm_error err = buddy_alloc_pages(order, &pa);
		if (err == MM_ERR_NO_MEMORY)
			continue;
		assert_int_equal(err, MM_OK);
		if (!IS_ALIGNED(pa, PAGE_SIZE << order))
			fail_msg("order %u block at 0x%lx is not aligned", order, pa);
		handed_out[order]++;
	}
	for (unsigned o = 0; o <= BUDDY_MAX_ORDER; o++)
		assert_true(handed_out[o] > 0);
	assert_int_equal(buddy_alloc_pages(0, &(phys_addr_t){0}), MM_ERR_NO_MEMORY);
	assert_true(buddy_check_invariants());
}

static void out_of_memory_names_the_order_and_changes_nothing(void **state)
{
	start(0, MiB(4));
	assert_int_equal(buddy_add_free_range(MiB(1), PAGES(13)), MM_OK);
	mm_stage_force(MM_STAGE_BUDDY);
	struct snapshot before = take_snapshot();
	phys_addr_t pa = 0x1234;
	assert_int_equal(buddy_alloc_pages(4, &pa), MM_ERR_NO_MEMORY);
	assert_true(
	    host_log_contains("buddy_alloc_pages: no free block of order 4 or larger (0xd pages free)"));
	assert_int_equal(pa, 0x1234);
	assert_unchanged(&before);
}

static void allocating_every_page_then_one_more_runs_out(void **state)
{
	start_with_one_max_block();
	phys_addr_t pa;
	for (unsigned i = 0; i < 1024; i++)
		assert_int_equal(buddy_alloc_pages(0, &pa), MM_OK);
	assert_int_equal(buddy_count_free_pages(), 0);
	assert_int_equal(buddy_alloc_pages(0, &pa), MM_ERR_NO_MEMORY);
	assert_true(host_log_contains("buddy_alloc_pages: no free block of order 0"));
}

static void an_order_above_the_maximum_is_invalid(void **state)
{
	start_with_one_max_block();
	phys_addr_t pa;
	assert_int_equal(buddy_alloc_pages(11, &pa), MM_ERR_INVALID);
	assert_true(host_log_contains("buddy_alloc_pages: order 11 is above the maximum 10"));
	assert_int_equal(buddy_free_pages(0, 11), MM_ERR_INVALID);
	assert_int_equal(buddy_free_blocks(10), 1);
}

static void allocating_before_stage_buddy_is_refused(void **state)
{
	start(0, MiB(4));
	assert_int_equal(buddy_add_free_range(0, MiB(4)), MM_OK);
	phys_addr_t pa;
	assert_int_equal(buddy_alloc_pages(0, &pa), MM_ERR_WRONG_STAGE);
	assert_true(
	    host_log_contains("buddy_alloc_pages: called in stage paging, allowed only from buddy to smp"));
	assert_int_equal(buddy_count_free_pages(), 1024);
}

static void freeing_before_stage_buddy_is_refused(void **state)
{
	start(0, MiB(4));
	assert_int_equal(buddy_free_pages(0, 0), MM_ERR_WRONG_STAGE);
	assert_true(host_log_contains("buddy_free_pages: called in stage paging"));
}

static void allocation_still_works_in_stage_smp(void **state)
{
	start_with_one_max_block();
	mm_stage_force(MM_STAGE_SMP);
	phys_addr_t pa;
	assert_int_equal(buddy_alloc_pages(10, &pa), MM_OK);
	assert_int_equal(buddy_free_pages(pa, 10), MM_OK);
}

/* --- refused frees: each names the address and order, and changes nothing --- */

static void freeing_a_misaligned_block_is_refused(void **state)
{
	start_with_one_max_block();
	phys_addr_t pa;
	assert_int_equal(buddy_alloc_pages(1, &pa), MM_OK);
	assert_int_equal(pa, 0);
	struct snapshot before = take_snapshot();
	assert_int_equal(buddy_free_pages(pa + PAGES(1), 1), MM_ERR_MISALIGNED);
	assert_true(
	    host_log_contains("buddy_free_pages: 0x1000 is not aligned to the order-1 block size 0x2000"));
	assert_int_equal(buddy_free_pages(pa + 8, 0), MM_ERR_MISALIGNED);
	assert_true(
	    host_log_contains("buddy_free_pages: 0x8 is not aligned to the order-0 block size 0x1000"));
	assert_unchanged(&before);
}

static void freeing_the_same_block_twice_is_refused(void **state)
{
	start_with_one_max_block();
	phys_addr_t a, b;
	assert_int_equal(buddy_alloc_pages(0, &a), MM_OK); /* 0x0 */
	assert_int_equal(buddy_alloc_pages(0, &b), MM_OK); /* 0x1000 */
	assert_int_equal(buddy_free_pages(b, 0), MM_OK);   /* its buddy a is in use: no merge */
	struct snapshot before = take_snapshot();
	assert_int_equal(buddy_free_pages(b, 0), MM_ERR_DOUBLE_FREE);
	assert_true(host_log_contains(
	    "buddy_free_pages: double free of 0x1000 (order 0): it heads a free block of order 0"));
	assert_unchanged(&before);
}

static void freeing_a_block_that_was_merged_away_is_refused_as_double_free(void **state)
{
	start_with_one_max_block();
	phys_addr_t a, b;
	assert_int_equal(buddy_alloc_pages(0, &a), MM_OK);
	assert_int_equal(buddy_alloc_pages(0, &b), MM_OK);
	assert_int_equal(buddy_free_pages(b, 0), MM_OK);
	assert_int_equal(buddy_free_pages(a, 0), MM_OK); /* all merged: b is a tail now */
	struct snapshot before = take_snapshot();
	assert_int_equal(buddy_free_pages(b, 0), MM_ERR_DOUBLE_FREE);
	assert_true(host_log_contains("buddy_free_pages: double free of 0x1000 (order 0): it lies in the "
	                              "free block at 0x0 of order 10"));
	assert_unchanged(&before);
}

static void freeing_a_frame_never_handed_out_is_refused_as_already_free(void **state)
{
	start_with_one_max_block();
	struct snapshot before = take_snapshot();
	assert_int_equal(buddy_free_pages(MiB(2), 0), MM_ERR_DOUBLE_FREE);
	assert_true(host_log_contains("buddy_free_pages: double free of 0x200000 (order 0)"));
	/* A double free means someone's book-keeping is wrong: an error. */
	assert_int_equal(host_log_level("buddy_free_pages: double free of 0x200000"), MM_LOG_ERROR);
	assert_unchanged(&before);
}

static void freeing_with_the_wrong_order_is_refused_naming_both(void **state)
{
	start_with_one_max_block();
	phys_addr_t pa;
	assert_int_equal(buddy_alloc_pages(2, &pa), MM_OK);
	assert_int_equal(pa, 0);
	struct snapshot before = take_snapshot();
	assert_int_equal(buddy_free_pages(pa, 0), MM_ERR_WRONG_ORDER);
	assert_true(
	    host_log_contains("buddy_free_pages: 0x0 was allocated with order 2 but freed with order 0"));
	assert_int_equal(buddy_free_pages(pa, 3), MM_ERR_WRONG_ORDER);
	assert_true(
	    host_log_contains("buddy_free_pages: 0x0 was allocated with order 2 but freed with order 3"));
	assert_unchanged(&before);
	assert_int_equal(buddy_free_pages(pa, 2), MM_OK);
}

static void freeing_a_frame_inside_an_allocated_block_is_refused(void **state)
{
	start_with_one_max_block();
	phys_addr_t pa;
	assert_int_equal(buddy_alloc_pages(2, &pa), MM_OK);
	struct snapshot before = take_snapshot();
	assert_int_equal(buddy_free_pages(pa + PAGES(2), 1), MM_ERR_NOT_OWNED);
	assert_true(host_log_contains("buddy_free_pages: 0x2000 (order 1) is inside the allocated block at "
	                              "0x0 of order 2, not its head"));
	assert_int_equal(buddy_free_pages(pa + PAGES(3), 0), MM_ERR_NOT_OWNED);
	assert_unchanged(&before);
}

static void freeing_a_hole_frame_is_refused_as_reserved(void **state)
{
	start(0, MiB(8));
	assert_int_equal(buddy_add_free_range(0, MiB(4) - PAGES(1)), MM_OK);
	assert_int_equal(buddy_add_free_range(MiB(4) + PAGES(1), MiB(4) - PAGES(1)), MM_OK);
	mm_stage_force(MM_STAGE_BUDDY);
	struct snapshot before = take_snapshot();
	assert_int_equal(buddy_free_pages(MiB(4), 0), MM_ERR_RESERVED);
	assert_true(host_log_contains(
	    "buddy_free_pages: 0x400000 (order 0) is a hole or reserved frame the buddy never managed"));
	assert_int_equal(buddy_free_pages(MiB(4) - PAGES(1), 0), MM_ERR_RESERVED);
	assert_unchanged(&before);
}

static void freeing_outside_the_span_is_refused(void **state)
{
	start(MiB(4), MiB(8));
	assert_int_equal(buddy_add_free_range(MiB(4), MiB(4)), MM_OK);
	mm_stage_force(MM_STAGE_BUDDY);
	struct snapshot before = take_snapshot();
	assert_int_equal(buddy_free_pages(MiB(8), 0), MM_ERR_NOT_OWNED);
	assert_true(host_log_contains(
	    "buddy_free_pages: 0x800000 (order 0) is outside the managed span 0x400000..0x800000"));
	assert_int_equal(buddy_free_pages(0, 10), MM_ERR_NOT_OWNED);
	assert_true(host_log_contains("buddy_free_pages: 0x0 (order 10) is outside the managed span"));
	assert_unchanged(&before);
}

/* --- holes and high memory --- */

static void blocks_never_span_a_hole(void **state)
{
	/* Frames 1023 and 1024 are a hole: each side is 1023 pages, one block of
	 * every order 0..9, and nothing merges across. */
	start(0, MiB(8));
	assert_int_equal(buddy_add_free_range(0, MiB(4) - PAGES(1)), MM_OK);
	assert_int_equal(buddy_add_free_range(MiB(4) + PAGES(1), MiB(4) - PAGES(1)), MM_OK);
	const size_t expected[BUDDY_MAX_ORDER + 1] = {2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 0};
	assert_blocks(expected);
	assert_int_equal(buddy_managed_pages(), 2046);

	mm_stage_force(MM_STAGE_BUDDY);
	phys_addr_t got[2046];
	for (unsigned i = 0; i < 2046; i++) {
		assert_int_equal(buddy_alloc_pages(0, &got[i]), MM_OK);
		assert_true(got[i] != MiB(4) - PAGES(1) && got[i] != MiB(4));
	}
	phys_addr_t pa;
	assert_int_equal(buddy_alloc_pages(0, &pa), MM_ERR_NO_MEMORY);
	for (unsigned i = 0; i < 2046; i++)
		assert_int_equal(buddy_free_pages(got[i], 0), MM_OK);
	assert_blocks(expected);
}

static void memory_above_4gib_is_managed_like_any_other(void **state)
{
	/* [4 GiB - 2 MiB, 4 GiB + 6 MiB): order 9, order 10 at 4 GiB, order 9. */
	start(GiB(4) - MiB(4), GiB(4) + MiB(8));
	assert_int_equal(buddy_add_free_range(GiB(4) - MiB(2), MiB(8)), MM_OK);
	const size_t expected[BUDDY_MAX_ORDER + 1] = {[9] = 2, [10] = 1};
	assert_blocks(expected);
	mm_stage_force(MM_STAGE_BUDDY);
	phys_addr_t pa;
	assert_int_equal(buddy_alloc_pages(10, &pa), MM_OK);
	assert_int_equal(pa, GiB(4));
	assert_int_equal(buddy_alloc_pages(9, &pa), MM_OK);
	assert_true(pa == GiB(4) - MiB(2) || pa == GiB(4) + MiB(4));
	assert_int_equal(buddy_free_pages(pa, 9), MM_OK);
	assert_int_equal(buddy_free_pages(GiB(4), 10), MM_OK);
	assert_blocks(expected);
}

static void a_span_far_above_the_host_arena_works_because_memory_is_never_touched(void **state)
{
	/* 1 TiB up: nothing there on the host; mm_phys_to_virt would abort. */
	start(GiB(1024), GiB(1024) + MiB(16));
	assert_int_equal(buddy_add_free_range(GiB(1024), MiB(16)), MM_OK);
	mm_stage_force(MM_STAGE_BUDDY);
	phys_addr_t pa[4];
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(buddy_alloc_pages(10, &pa[i]), MM_OK);
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(buddy_free_pages(pa[i], 10), MM_OK);
	assert_int_equal(buddy_free_blocks(10), 4);
}

static void freed_memory_keeps_its_content(void **state)
{
	host_arena_init(MiB(4)); /* filled with 0xa5 */
	start_with_one_max_block();
	phys_addr_t pa;
	assert_int_equal(buddy_alloc_pages(3, &pa), MM_OK);
	memset(mm_phys_to_virt(pa), 0x5a, PAGES(8));
	assert_int_equal(buddy_free_pages(pa, 3), MM_OK);
	const unsigned char *mem = mm_phys_to_virt(0);
	for (uint64_t i = 0; i < MiB(4); i++) {
		unsigned char want = (i >= pa && i < pa + PAGES(8)) ? 0x5a : 0xa5;
		if (mem[i] != want)
			fail_msg("byte 0x%lx is 0x%x, expected 0x%x", i, mem[i], want);
	}
}

/* --- helpers, frame source, dump, invariant checker --- */

static void order_for_bytes_is_the_smallest_order_that_holds_the_size(void **state)
{
	assert_int_equal(buddy_order_for_bytes(0), 0);
	assert_int_equal(buddy_order_for_bytes(1), 0);
	assert_int_equal(buddy_order_for_bytes(PAGE_SIZE), 0);
	assert_int_equal(buddy_order_for_bytes(PAGE_SIZE + 1), 1);
	assert_int_equal(buddy_order_for_bytes(PAGES(5)), 3);
	assert_int_equal(buddy_order_for_bytes(MiB(4)), 10);
	assert_int_equal(buddy_order_for_bytes(MiB(4) + 1), BUDDY_MAX_ORDER + 1);
	assert_int_equal(buddy_order_for_bytes(UINT64_MAX), BUDDY_MAX_ORDER + 1);
}

static void frame_source_hands_out_and_takes_back_single_frames(void **state)
{
	start_with_one_max_block();
	struct frame_source *src = buddy_frame_source();
	assert_string_equal(src->name, "buddy");
	phys_addr_t pa;
	assert_int_equal(frame_source_alloc(src, &pa), MM_OK);
	assert_int_equal(buddy_count_free_pages(), 1023);
	assert_int_equal(frame_source_free(src, pa), MM_OK);
	assert_int_equal(buddy_free_blocks(10), 1);
	assert_int_equal(frame_source_free(src, pa), MM_ERR_DOUBLE_FREE);
}

static void dump_lists_every_order_and_the_total(void **state)
{
	start_with_one_max_block();
	phys_addr_t pa;
	assert_int_equal(buddy_alloc_pages(0, &pa), MM_OK);
	host_log_clear();
	buddy_dump();
	assert_true(host_log_contains("buddy: order  0 (    4 KiB blocks): 1 free"));
	assert_true(host_log_contains("buddy: order  9 ( 2048 KiB blocks): 1 free"));
	assert_true(host_log_contains("buddy: order 10 ( 4096 KiB blocks): 0 free"));
	assert_true(host_log_contains("buddy: 0x3ff of 0x400 managed pages free (3 MiB)"));
}

static void invariant_check_catches_a_list_entry_of_the_wrong_order(void **state)
{
	start_with_one_max_block();
	phys_addr_t pa;
	assert_int_equal(buddy_alloc_pages(0, &pa), MM_OK); /* frame 1 is a free order-0 block */
	buddy_frame_info_at(PAGES(1))->order = 1;
	assert_false(buddy_check_invariants());
	assert_true(host_log_contains(
	    "buddy_check_invariants: block 0x1000 on the order-0 list has state 1 order 1"));
}

static void invariant_check_catches_a_block_with_a_missing_tail(void **state)
{
	start_with_one_max_block();
	phys_addr_t pa;
	assert_int_equal(buddy_alloc_pages(0, &pa), MM_OK); /* frames 2..3: a free order-1 block */
	buddy_frame_info_at(PAGES(3))->state = BUDDY_FRAME_UNMANAGED;
	assert_false(buddy_check_invariants());
	assert_true(host_log_contains(
	    "buddy_check_invariants: frame 0x3000 inside the block at 0x2000 of order 1 is not a tail"));
}

static void invariant_check_catches_an_unmerged_pair(void **state)
{
	start_with_one_max_block();
	phys_addr_t pa;
	assert_int_equal(buddy_alloc_pages(0, &pa), MM_OK); /* frame 1 is a free order-0 block */
	/* Pretend frame 0 was freed without merging with its free buddy, frame 1. */
	*buddy_frame_info_at(0) = (struct buddy_frame_info){.order = 0, .state = BUDDY_FRAME_FREE_HEAD};
	assert_false(buddy_check_invariants());
	assert_true(
	    host_log_contains("buddy_check_invariants: free block 0x1000 and its buddy 0x0 (order 0) are "
	                      "not merged"));
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, reset, release)
	const struct CMUnitTest tests[] = {
	    T(metadata_is_9_bytes_per_frame_of_every_4mib_chunk_that_holds_ram),
	    T(a_hole_costs_only_4_bytes_per_gib_of_directory),
	    T(init_with_too_small_metadata_is_refused_naming_both_sizes),
	    T(init_with_an_empty_span_is_refused),
	    T(init_outside_stage_paging_is_refused),
	    T(init_twice_is_refused),
	    T(a_new_buddy_manages_nothing),
	    T(thirteen_pages_at_1mib_become_blocks_of_8_4_and_1_pages),
	    T(range_from_3mib_plus_4k_to_9mib_becomes_the_largest_aligned_blocks),
	    T(a_range_is_trimmed_inward_to_whole_pages),
	    T(a_range_without_a_whole_page_adds_nothing_and_says_so),
	    T(adjacent_ranges_merge_into_one_block),
	    T(a_range_outside_the_span_is_refused),
	    T(a_zero_or_wrapping_range_is_refused),
	    T(adding_a_range_twice_is_refused_as_overlap),
	    T(adding_a_range_after_stage_paging_is_refused),
	    T(adding_a_range_before_init_is_refused),
	    T(first_order0_allocation_splits_a_4mib_block_into_one_block_per_lower_order),
	    T(freeing_the_only_allocation_merges_back_to_one_4mib_block),
	    T(allocation_takes_the_smallest_block_that_fits),
	    T(every_returned_block_is_aligned_to_its_size),
	    T(out_of_memory_names_the_order_and_changes_nothing),
	    T(allocating_every_page_then_one_more_runs_out),
	    T(an_order_above_the_maximum_is_invalid),
	    T(allocating_before_stage_buddy_is_refused),
	    T(freeing_before_stage_buddy_is_refused),
	    T(allocation_still_works_in_stage_smp),
	    T(freeing_a_misaligned_block_is_refused),
	    T(freeing_the_same_block_twice_is_refused),
	    T(freeing_a_block_that_was_merged_away_is_refused_as_double_free),
	    T(freeing_a_frame_never_handed_out_is_refused_as_already_free),
	    T(freeing_with_the_wrong_order_is_refused_naming_both),
	    T(freeing_a_frame_inside_an_allocated_block_is_refused),
	    T(freeing_a_hole_frame_is_refused_as_reserved),
	    T(freeing_outside_the_span_is_refused),
	    T(blocks_never_span_a_hole),
	    T(memory_above_4gib_is_managed_like_any_other),
	    T(a_span_far_above_the_host_arena_works_because_memory_is_never_touched),
	    T(freed_memory_keeps_its_content),
	    T(order_for_bytes_is_the_smallest_order_that_holds_the_size),
	    T(frame_source_hands_out_and_takes_back_single_frames),
	    T(dump_lists_every_order_and_the_total),
	    T(invariant_check_catches_a_list_entry_of_the_wrong_order),
	    T(invariant_check_catches_a_block_with_a_missing_tail),
	    T(invariant_check_catches_an_unmerged_pair),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
