/* test_buddy_poison.c - page poisoning in the buddy: the pattern and its
 * check (page_poison.h), what a free fills, what an allocation checks, the
 * report of a write after free (page, offset, hook, error value), that the
 * free-list bookkeeping never looks like a write, and that "off" checks
 * nothing. Unlike test_buddy.c these tests need memory behind the span: an
 * 8 MiB host arena, of which the buddy manages the upper 4 MiB.
 *
 *   arena  0 MiB ........... 4 MiB ............................ 8 MiB
 *          [ not managed    | one free order-10 block: SPAN_BASE ]
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <string.h>

#include "host_env.h"
#include "mm/buddy.h"
#include "mm/mm_env.h"
#include "mm/mm_selftest.h"
#include "mm/stage_order.h"
#include "mm/page_poison.h"

#define PAGES(n)    ((uint64_t)(n)*PAGE_SIZE)
#define SPAN_BASE   MiB(4)
#define SPAN_PAGES  (1U << BUDDY_MAX_ORDER)
#define ARENA_JUNK  0xa5 /* what host_arena_init() fills the arena with */
#define WRITE_VALUE 0x5a /* what the tests write after a free */

/* The buddy's metadata for the 8 MiB span (two chunks); the tests corrupt
 * it on purpose through buddy_frame_info_at(). */
static uint64_t metadata[(2 * 1024 * 9 + 2 * 4 + 4 + 1024) / 8 + 1];

/* What the use-after-free hook heard. */
static unsigned hook_calls;
static phys_addr_t hook_page;
static uint64_t hook_offset;

static void record_use_after_free(phys_addr_t page, uint64_t offset)
{
	hook_calls++;
	hook_page = page;
	hook_offset = offset;
}

/* The buddy over [0, 8 MiB) with the upper 4 MiB free, stage BUDDY,
 * poisoning on and the recording hook installed. */
static int start(void **state)
{
	(void)state;
	host_arena_init(MiB(8));
	buddy_reset();
	host_log_clear();
	hook_calls = 0;
	hook_page = hook_offset = 0;
	mm_stage_force(MM_STAGE_PAGING);
	assert_true(buddy_metadata_bytes(0, MiB(8)) <= sizeof(metadata));
	assert_int_equal(buddy_init(0, MiB(8), metadata, sizeof(metadata)), MM_OK);
	assert_int_equal(buddy_add_free_range(SPAN_BASE, MiB(4)), MM_OK);
	mm_stage_force(MM_STAGE_BUDDY);
	buddy_set_use_after_free_hook(record_use_after_free);
	buddy_set_poisoning(true);
	return 0;
}

static int release(void **state)
{
	(void)state;
	buddy_reset();
	host_arena_free();
	return 0;
}

static uint8_t *bytes_at(phys_addr_t pa)
{
	return mm_phys_to_virt(pa);
}

/* Every byte of [pa, pa + size) is value. */
static void assert_all_bytes(phys_addr_t pa, uint64_t size, uint8_t value)
{
	const uint8_t *p = bytes_at(pa);
	for (uint64_t i = 0; i < size; i++)
		if (p[i] != value)
			fail_msg("byte at 0x%lx is 0x%02x, expected 0x%02x", pa + i, p[i], value);
}

static phys_addr_t alloc_ok(unsigned order)
{
	phys_addr_t pa = 0;
	assert_int_equal(buddy_alloc_pages(order, &pa), MM_OK);
	return pa;
}

/* --- the pattern and its check --- */

static void a_filled_page_is_intact(void **state)
{
	static uint64_t page[PAGE_SIZE / 8];
	page_poison_fill(page);
	for (size_t i = 0; i < PAGE_SIZE; i++)
		assert_int_equal(((uint8_t *)page)[i], PAGE_POISON_BYTE);
	uint64_t offset = 12345;
	assert_true(page_poison_intact(page, &offset));
	assert_int_equal(offset, 12345); /* untouched when intact */
}

static void the_check_names_the_exact_byte_not_its_word(void **state)
{
	static uint64_t page[PAGE_SIZE / 8];
	static const uint64_t offsets[] = {0, 1, 7, 8, 0x46b, PAGE_SIZE - 1};
	for (size_t i = 0; i < sizeof(offsets) / sizeof(offsets[0]); i++) {
		page_poison_fill(page);
		((uint8_t *)page)[offsets[i]] = WRITE_VALUE;
		uint64_t offset;
		assert_false(page_poison_intact(page, &offset));
		assert_int_equal(offset, offsets[i]);
	}
}

static void the_check_names_the_first_of_several_changed_bytes(void **state)
{
	static uint64_t page[PAGE_SIZE / 8];
	page_poison_fill(page);
	((uint8_t *)page)[0x800] = 0;
	((uint8_t *)page)[0x123] = 0;
	uint64_t offset;
	assert_false(page_poison_intact(page, &offset));
	assert_int_equal(offset, 0x123);
}

/* --- switching --- */

static void poisoning_is_off_after_reset_as_by_default(void **state)
{
	assert_true(buddy_poisoning());
	buddy_reset();
	assert_false(buddy_poisoning());
	assert_int_equal(buddy_poisoned_pages(), 0);
}

/* --- what a free fills --- */

static void freeing_fills_every_page_of_the_block_with_the_poison(void **state)
{
	phys_addr_t pa = alloc_ok(2);
	memset(bytes_at(pa), 0x11, PAGES(4));
	assert_int_equal(buddy_free_pages(pa, 2), MM_OK);
	assert_all_bytes(pa, PAGES(4), PAGE_POISON_BYTE);
	assert_int_equal(buddy_poisoned_pages(), 4);
	assert_true(buddy_check_invariants());
}

static void pages_taken_over_are_neither_filled_nor_checked(void **state)
{
	/* The take-over wrote nothing: the arena's junk is still there, and
	 * handing the pages out does not mistake it for a write after free. */
	assert_int_equal(buddy_poisoned_pages(), 0);
	assert_all_bytes(SPAN_BASE, MiB(4), ARENA_JUNK);
	phys_addr_t pa = alloc_ok(BUDDY_MAX_ORDER);
	assert_int_equal(pa, SPAN_BASE);
	assert_int_equal(hook_calls, 0);
}

static void a_refused_free_writes_nothing(void **state)
{
	phys_addr_t pa = alloc_ok(1);
	memset(bytes_at(pa), 0x11, PAGES(2));
	assert_int_equal(buddy_free_pages(pa, 0), MM_ERR_WRONG_ORDER);
	assert_int_equal(buddy_free_pages(pa + PAGES(1), 0), MM_ERR_NOT_OWNED);
	assert_all_bytes(pa, PAGES(2), 0x11);
	assert_int_equal(buddy_poisoned_pages(), 0);
	assert_int_equal(buddy_free_pages(pa, 1), MM_OK);
	assert_int_equal(buddy_free_pages(pa, 1), MM_ERR_DOUBLE_FREE);
	assert_int_equal(buddy_poisoned_pages(), 2);
	assert_true(buddy_check_invariants());
}

/* --- what an allocation checks --- */

static void a_clean_freed_block_is_handed_out_again_without_a_report(void **state)
{
	phys_addr_t pa = alloc_ok(3);
	assert_int_equal(buddy_free_pages(pa, 3), MM_OK);
	assert_int_equal(alloc_ok(3), pa);
	assert_int_equal(hook_calls, 0);
	assert_int_equal(buddy_poisoned_pages(), 0);
	assert_all_bytes(pa, PAGES(8), PAGE_POISON_BYTE); /* the poison is what it holds */
	assert_true(buddy_check_invariants());
}

static void a_write_after_free_is_reported_with_its_page_and_offset(void **state)
{
	phys_addr_t pa = alloc_ok(2);
	assert_int_equal(buddy_free_pages(pa, 2), MM_OK);
	bytes_at(pa + PAGES(2))[0x468] = WRITE_VALUE; /* the third page of the block */

	phys_addr_t out = 0xdead;
	assert_int_equal(buddy_alloc_pages(2, &out), MM_ERR_USE_AFTER_FREE);
	assert_int_equal(out, 0xdead); /* nothing handed out */
	assert_int_equal(hook_calls, 1);
	assert_int_equal(hook_page, SPAN_BASE + PAGES(2));
	assert_int_equal(hook_offset, 0x468);
	assert_true(host_log_contains("buddy_alloc_pages: use after free: page 0x402000 changed at offset "
	                              "0x468 after it was freed (byte 0x5a, poison 0xaa); the order-2 block "
	                              "at 0x400000 is kept out of use\n"));
	assert_int_equal(buddy_poisoned_pages(), 0);
	assert_true(buddy_check_invariants());
}

static void a_reported_block_is_never_handed_out_again(void **state)
{
	phys_addr_t pa = alloc_ok(0);
	assert_int_equal(buddy_free_pages(pa, 0), MM_OK);
	bytes_at(pa)[0] = WRITE_VALUE;
	phys_addr_t out;
	assert_int_equal(buddy_alloc_pages(0, &out), MM_ERR_USE_AFTER_FREE);
	assert_int_equal(buddy_count_free_pages(), SPAN_PAGES - 1);
	/* Drain everything else: the written page is not among it. */
	for (unsigned i = 0; i < SPAN_PAGES - 1; i++)
		assert_int_not_equal(alloc_ok(0), pa);
	assert_int_equal(buddy_alloc_pages(0, &out), MM_ERR_NO_MEMORY);
	assert_int_equal(hook_calls, 1);
}

static void a_page_freed_alone_is_checked_inside_the_block_it_merged_into(void **state)
{
	/* A and B are buddies; freed B waits on the order-0 list, then freed A
	 * merges with it all the way back to one 4 MiB block. */
	phys_addr_t a = alloc_ok(0), b = alloc_ok(0);
	assert_int_equal(b, a + PAGES(1));
	assert_int_equal(buddy_free_pages(b, 0), MM_OK);
	assert_int_equal(buddy_free_pages(a, 0), MM_OK);
	assert_int_equal(buddy_free_blocks(BUDDY_MAX_ORDER), 1);
	bytes_at(b)[PAGE_SIZE - 1] = WRITE_VALUE;

	phys_addr_t out;
	assert_int_equal(buddy_alloc_pages(BUDDY_MAX_ORDER, &out), MM_ERR_USE_AFTER_FREE);
	assert_int_equal(hook_page, b);
	assert_int_equal(hook_offset, PAGE_SIZE - 1);
}

static void only_the_first_changed_page_is_reported_and_every_flag_is_cleared(void **state)
{
	phys_addr_t pa = alloc_ok(2);
	assert_int_equal(buddy_free_pages(pa, 2), MM_OK);
	bytes_at(pa + PAGES(3))[0x10] = WRITE_VALUE;
	bytes_at(pa + PAGES(1))[0x20] = WRITE_VALUE;
	phys_addr_t out;
	assert_int_equal(buddy_alloc_pages(2, &out), MM_ERR_USE_AFTER_FREE);
	assert_int_equal(hook_calls, 1);
	assert_int_equal(hook_page, pa + PAGES(1));
	assert_int_equal(hook_offset, 0x20);
	assert_int_equal(buddy_poisoned_pages(), 0);
	assert_true(buddy_check_invariants());
}

static void without_a_hook_the_error_value_and_the_log_still_report_it(void **state)
{
	buddy_set_use_after_free_hook(NULL);
	phys_addr_t pa = alloc_ok(0);
	assert_int_equal(buddy_free_pages(pa, 0), MM_OK);
	bytes_at(pa)[0x7] = WRITE_VALUE;
	phys_addr_t out;
	assert_int_equal(buddy_alloc_pages(0, &out), MM_ERR_USE_AFTER_FREE);
	assert_int_equal(hook_calls, 0);
	assert_true(
	    host_log_contains("use after free: page 0x400000 changed at offset 0x7 after it was freed"));
}

static void the_frame_source_passes_the_report_on_to_the_mapper(void **state)
{
	struct frame_source *src = buddy_frame_source();
	phys_addr_t pa;
	assert_int_equal(src->alloc_frame(src->ctx, &pa), MM_OK);
	assert_int_equal(src->free_frame(src->ctx, pa), MM_OK);
	bytes_at(pa)[0x100] = WRITE_VALUE;
	assert_int_equal(src->alloc_frame(src->ctx, &pa), MM_ERR_USE_AFTER_FREE);
	assert_int_equal(hook_calls, 1);
}

/* --- the bookkeeping never looks like a write --- */

/* xorshift64, for the churn below. */
static uint64_t next_random(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

static void free_list_bookkeeping_never_looks_like_a_use_after_free(void **state)
{
	/* Every page allocated one by one and freed: all 4 MiB is poisoned, and
	 * the merges back to one block wrote nothing into it (the links live in
	 * the metadata, not in the free pages). */
	static phys_addr_t held[SPAN_PAGES];
	for (unsigned i = 0; i < SPAN_PAGES; i++)
		held[i] = alloc_ok(0);
	for (unsigned i = 0; i < SPAN_PAGES; i++)
		assert_int_equal(buddy_free_pages(held[i], 0), MM_OK);
	assert_int_equal(buddy_free_blocks(BUDDY_MAX_ORDER), 1);
	assert_int_equal(buddy_poisoned_pages(), SPAN_PAGES);
	assert_all_bytes(SPAN_BASE, MiB(4), PAGE_POISON_BYTE);

	/* Then churn: random orders split and merge the blocks many times. */
	struct {
		phys_addr_t pa;
		unsigned order;
		bool held;
	} slot[16] = {{0}};
	uint64_t rng = 0x9e3779b97f4a7c15ULL;
	for (unsigned step = 0; step < 20000; step++) {
		unsigned s = next_random(&rng) % 16;
		if (slot[s].held)
			assert_int_equal(buddy_free_pages(slot[s].pa, slot[s].order), MM_OK);
		slot[s].order = next_random(&rng) % 7;
		enum mm_error err = buddy_alloc_pages(slot[s].order, &slot[s].pa);
		assert_true(err == MM_OK || err == MM_ERR_NO_MEMORY);
		slot[s].held = err == MM_OK;
	}
	for (unsigned s = 0; s < 16; s++)
		if (slot[s].held)
			assert_int_equal(buddy_free_pages(slot[s].pa, slot[s].order), MM_OK);
	assert_true(buddy_check_invariants());

	/* Finally every page handed out once more: none reported. */
	for (unsigned i = 0; i < SPAN_PAGES; i++)
		alloc_ok(0);
	assert_int_equal(hook_calls, 0);
	assert_int_equal(buddy_poisoned_pages(), 0);
}

static void the_stress_test_passes_with_poisoning_on(void **state)
{
	struct buddy_stress_config cfg = {
	    .rounds = 5, .round_bytes = MiB(2), .max_block_bytes = KiB(256), .seed = 777};
	struct buddy_stress_result r;
	assert_int_equal(buddy_stress_test(&cfg, &r), MM_OK);
	assert_true(r.allocations > 0);
	assert_int_equal(hook_calls, 0);
	assert_true(buddy_poisoned_pages() > 0);
	assert_true(buddy_check_invariants());
}

/* --- off means no check --- */

static void with_poisoning_off_a_free_writes_nothing_and_an_allocation_checks_nothing(void **state)
{
	buddy_set_poisoning(false);
	phys_addr_t pa = alloc_ok(1);
	memset(bytes_at(pa), 0x11, PAGES(2));
	assert_int_equal(buddy_free_pages(pa, 1), MM_OK);
	assert_all_bytes(pa, PAGES(2), 0x11); /* freed memory keeps its content */
	assert_int_equal(buddy_poisoned_pages(), 0);
	bytes_at(pa)[0x468] = WRITE_VALUE;
	assert_int_equal(alloc_ok(1), pa);
	assert_int_equal(hook_calls, 0);
	assert_int_equal(bytes_at(pa)[0x468], WRITE_VALUE);
	assert_true(buddy_check_invariants());
}

static void pages_poisoned_before_poisoning_went_off_are_still_checked(void **state)
{
	phys_addr_t pa = alloc_ok(0);
	assert_int_equal(buddy_free_pages(pa, 0), MM_OK);
	buddy_set_poisoning(false);
	bytes_at(pa)[0x30] = WRITE_VALUE;
	phys_addr_t out;
	assert_int_equal(buddy_alloc_pages(0, &out), MM_ERR_USE_AFTER_FREE);
	assert_int_equal(hook_page, pa);
	assert_int_equal(hook_offset, 0x30);
}

static void pages_freed_while_poisoning_was_off_are_not_checked_once_it_is_on(void **state)
{
	buddy_set_poisoning(false);
	phys_addr_t pa = alloc_ok(0);
	memset(bytes_at(pa), 0x11, PAGE_SIZE);
	assert_int_equal(buddy_free_pages(pa, 0), MM_OK);
	buddy_set_poisoning(true);
	assert_int_equal(alloc_ok(0), pa);
	assert_int_equal(hook_calls, 0);
}

/* --- invariants --- */

static void invariant_check_catches_a_poisoned_flag_on_an_allocated_frame(void **state)
{
	phys_addr_t pa = alloc_ok(1);
	buddy_frame_info_at(pa + PAGE_SIZE)->poisoned = 1;
	host_log_clear();
	assert_false(buddy_check_invariants());
	assert_true(host_log_contains(
	    "buddy_check_invariants: frame 0x401000 of the allocated block at 0x400000 is marked poisoned"));
}

static void invariant_check_catches_a_poisoned_count_that_disagrees(void **state)
{
	phys_addr_t pa = alloc_ok(0);
	assert_int_equal(buddy_free_pages(pa, 0), MM_OK);
	buddy_frame_info_at(pa)->poisoned = 0; /* the counter still says 1 */
	host_log_clear();
	assert_false(buddy_check_invariants());
	assert_true(
	    host_log_contains("buddy_check_invariants: 0x0 frames are marked poisoned, counter says 0x1"));
}

static void invariant_check_catches_a_poisoned_unmanaged_frame(void **state)
{
	buddy_frame_info_at(0)->poisoned = 1;
	host_log_clear();
	assert_false(buddy_check_invariants());
	assert_true(host_log_contains("buddy_check_invariants: unmanaged frame 0x0 is marked poisoned"));
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, start, release)
	const struct CMUnitTest tests[] = {
	    T(a_filled_page_is_intact),
	    T(the_check_names_the_exact_byte_not_its_word),
	    T(the_check_names_the_first_of_several_changed_bytes),
	    T(poisoning_is_off_after_reset_as_by_default),
	    T(freeing_fills_every_page_of_the_block_with_the_poison),
	    T(pages_taken_over_are_neither_filled_nor_checked),
	    T(a_refused_free_writes_nothing),
	    T(a_clean_freed_block_is_handed_out_again_without_a_report),
	    T(a_write_after_free_is_reported_with_its_page_and_offset),
	    T(a_reported_block_is_never_handed_out_again),
	    T(a_page_freed_alone_is_checked_inside_the_block_it_merged_into),
	    T(only_the_first_changed_page_is_reported_and_every_flag_is_cleared),
	    T(without_a_hook_the_error_value_and_the_log_still_report_it),
	    T(the_frame_source_passes_the_report_on_to_the_mapper),
	    T(free_list_bookkeeping_never_looks_like_a_use_after_free),
	    T(the_stress_test_passes_with_poisoning_on),
	    T(with_poisoning_off_a_free_writes_nothing_and_an_allocation_checks_nothing),
	    T(pages_poisoned_before_poisoning_went_off_are_still_checked),
	    T(pages_freed_while_poisoning_was_off_are_not_checked_once_it_is_on),
	    T(invariant_check_catches_a_poisoned_flag_on_an_allocated_frame),
	    T(invariant_check_catches_a_poisoned_count_that_disagrees),
	    T(invariant_check_catches_a_poisoned_unmanaged_frame),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
