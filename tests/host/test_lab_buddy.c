/* test_lab_buddy.c - every free the buddy must refuse, judged by behaviour
 * only: the error value, and that nothing changed (the free lists, the
 * counters, the invariants). test_buddy.c checks the same refusals and also
 * their messages; lab buddy (docs/labs/05-buddy.md) grades these, since a
 * student words the messages of check_free() in their own way. */
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
	metadata = NULL;
	return 0;
}

static int release(void **state)
{
	(void)state;
	buddy_reset();
	free(metadata);
	metadata = NULL;
	return 0;
}

/* The buddy over [0, 8 MiB) with the free ranges given (pairs of base and
 * size, ended by a size of 0), then stage BUDDY. No arena: without page
 * poisoning the buddy never touches the memory it manages. */
static void start(const uint64_t *ranges)
{
	uint64_t bytes = buddy_metadata_bytes(0, MiB(8));
	metadata = malloc(bytes);
	assert_non_null(metadata);
	assert_int_equal(buddy_init(0, MiB(8), metadata, bytes), MM_OK);
	for (; ranges[1] != 0; ranges += 2)
		assert_int_equal(buddy_add_free_range(ranges[0], ranges[1]), MM_OK);
	mm_stage_force(MM_STAGE_BUDDY);
}

static const uint64_t one_max_block[] = {0, MiB(4), 0, 0};

static phys_addr_t alloc_ok(unsigned order)
{
	phys_addr_t pa;
	assert_int_equal(buddy_alloc_pages(order, &pa), MM_OK);
	return pa;
}

/* buddy_free_pages(pa, order) must answer `expected` and change nothing. */
static void expect_refused(phys_addr_t pa, unsigned order, enum mm_error expected)
{
	size_t blocks[BUDDY_MAX_ORDER + 1];
	for (unsigned o = 0; o <= BUDDY_MAX_ORDER; o++)
		blocks[o] = buddy_free_blocks(o);
	uint64_t free_pages = buddy_count_free_pages(), managed = buddy_managed_pages();
	enum mm_error err = buddy_free_pages(pa, order);
	if (err != expected)
		fail_msg("buddy_free_pages(0x%lx, %u) returned %s, expected %s", pa, order, mm_strerror(err),
		         mm_strerror(expected));
	for (unsigned o = 0; o <= BUDDY_MAX_ORDER; o++)
		if (buddy_free_blocks(o) != blocks[o])
			fail_msg("the refused free of 0x%lx changed the order-%u list: %zu blocks, were %zu",
			         pa, o, buddy_free_blocks(o), blocks[o]);
	assert_int_equal(buddy_count_free_pages(), free_pages);
	assert_int_equal(buddy_managed_pages(), managed);
	assert_true(buddy_check_invariants());
}

static void a_block_not_aligned_to_its_size_is_misaligned(void **state)
{
	start(one_max_block);
	phys_addr_t pa = alloc_ok(1); /* [0, 8 KiB) */
	expect_refused(pa + PAGES(1), 1, MM_ERR_MISALIGNED);
	expect_refused(pa + 8, 0, MM_ERR_MISALIGNED);
	expect_refused(PAGES(2), 2, MM_ERR_MISALIGNED);
}

static void a_second_free_of_a_block_is_a_double_free(void **state)
{
	start(one_max_block);
	alloc_ok(0);
	phys_addr_t b = alloc_ok(0);
	assert_int_equal(buddy_free_pages(b, 0), MM_OK); /* its buddy is in use: no merge */
	expect_refused(b, 0, MM_ERR_DOUBLE_FREE);
}

static void a_free_of_a_block_merged_away_is_a_double_free(void **state)
{
	start(one_max_block);
	phys_addr_t a = alloc_ok(0), b = alloc_ok(0);
	assert_int_equal(buddy_free_pages(b, 0), MM_OK);
	assert_int_equal(buddy_free_pages(a, 0), MM_OK); /* one free 4 MiB block again: b is inside */
	expect_refused(b, 0, MM_ERR_DOUBLE_FREE);
	expect_refused(a, 0, MM_ERR_DOUBLE_FREE);
	expect_refused(MiB(2), 9, MM_ERR_DOUBLE_FREE);
}

static void a_free_of_memory_never_handed_out_is_a_double_free(void **state)
{
	start(one_max_block);
	expect_refused(MiB(2), 0, MM_ERR_DOUBLE_FREE);
	expect_refused(0, 10, MM_ERR_DOUBLE_FREE);
}

static void a_free_with_another_order_than_the_allocation_is_the_wrong_order(void **state)
{
	start(one_max_block);
	phys_addr_t pa = alloc_ok(2);
	expect_refused(pa, 0, MM_ERR_WRONG_ORDER);
	expect_refused(pa, 1, MM_ERR_WRONG_ORDER);
	expect_refused(pa, 3, MM_ERR_WRONG_ORDER);
	assert_int_equal(buddy_free_pages(pa, 2), MM_OK);
	assert_int_equal(buddy_free_blocks(BUDDY_MAX_ORDER), 1);
}

static void a_free_inside_an_allocated_block_is_not_owned(void **state)
{
	start(one_max_block);
	phys_addr_t pa = alloc_ok(2); /* pages 0..3 */
	expect_refused(pa + PAGES(2), 1, MM_ERR_NOT_OWNED);
	expect_refused(pa + PAGES(3), 0, MM_ERR_NOT_OWNED);
	expect_refused(pa + PAGES(1), 0, MM_ERR_NOT_OWNED);
}

static void a_free_of_a_frame_the_buddy_never_managed_is_reserved(void **state)
{
	/* Pages 1023 and 1024 are never added: a hole. */
	static const uint64_t around_a_hole[] = {
	    0, MiB(4) - PAGES(1), MiB(4) + PAGES(1), MiB(4) - PAGES(1), 0, 0};
	start(around_a_hole);
	expect_refused(MiB(4), 0, MM_ERR_RESERVED);
	expect_refused(MiB(4) - PAGES(1), 0, MM_ERR_RESERVED);
}

static void a_free_outside_the_managed_span_is_not_owned(void **state)
{
	start(one_max_block);
	expect_refused(MiB(8), 0, MM_ERR_NOT_OWNED);
	expect_refused(GiB(1), 10, MM_ERR_NOT_OWNED);
}

static void an_order_above_the_maximum_is_invalid(void **state)
{
	start(one_max_block);
	expect_refused(0, BUDDY_MAX_ORDER + 1, MM_ERR_INVALID);
}

static void a_free_before_stage_buddy_is_the_wrong_stage(void **state)
{
	start(one_max_block);
	phys_addr_t pa = alloc_ok(0);
	mm_stage_force(MM_STAGE_PAGING);
	expect_refused(pa, 0, MM_ERR_WRONG_STAGE);
}

static void after_every_refusal_the_block_still_frees_and_merges(void **state)
{
	start(one_max_block);
	phys_addr_t a = alloc_ok(0), b = alloc_ok(3);
	expect_refused(b, 0, MM_ERR_WRONG_ORDER);
	expect_refused(b + PAGES(4), 2, MM_ERR_NOT_OWNED);
	expect_refused(a + PAGES(1), 0, MM_ERR_DOUBLE_FREE);
	assert_int_equal(buddy_free_pages(b, 3), MM_OK);
	assert_int_equal(buddy_free_pages(a, 0), MM_OK);
	assert_int_equal(buddy_free_blocks(BUDDY_MAX_ORDER), 1);
	assert_int_equal(buddy_count_free_pages(), 1024);
	assert_true(buddy_check_invariants());
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, reset, release)
	const struct CMUnitTest tests[] = {
	    T(a_block_not_aligned_to_its_size_is_misaligned),
	    T(a_second_free_of_a_block_is_a_double_free),
	    T(a_free_of_a_block_merged_away_is_a_double_free),
	    T(a_free_of_memory_never_handed_out_is_a_double_free),
	    T(a_free_with_another_order_than_the_allocation_is_the_wrong_order),
	    T(a_free_inside_an_allocated_block_is_not_owned),
	    T(a_free_of_a_frame_the_buddy_never_managed_is_reserved),
	    T(a_free_outside_the_managed_span_is_not_owned),
	    T(an_order_above_the_maximum_is_invalid),
	    T(a_free_before_stage_buddy_is_the_wrong_stage),
	    T(after_every_refusal_the_block_still_frees_and_merges),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
