/* test_percpu_pages.c - the per-CPU page lists in front of the buddy
 * (src/mm/percpu_pages.c): batches in and out, LIFO order, one list per
 * CPU, every bad free still refused as the buddy refuses it, the drain, the
 * counts and the invariant check; CPU 0's list alone until the lists of
 * every CPU are set up. The buddy manages 8 MiB at 4 MiB (two chunks) and
 * never touches the memory, so there is no arena. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>

#include "host_env.h"
#include "mm/buddy.h"
#include "mm/stage_order.h"
#include "mm/percpu_pages.h"

#define SPAN_BASE  MiB(4)
#define SPAN_PAGES 2048

static void *metadata;

/* The CPUs with a list in most cases, and their lists' memory. */
#define TEST_CPUS 8
static struct {
	_Alignas(64) unsigned char bytes[TEST_CPUS * 576];
} list_memory;

/* The buddy over [4 MiB, 12 MiB), all free, stage BUDDY, CPU 0, empty lists. */
static int start(void **state)
{
	(void)state;
	buddy_reset();
	percpu_pages_reset();
	host_set_cpu_index(0);
	host_log_clear();
	mm_stage_force(MM_STAGE_PAGING);
	uint64_t bytes = buddy_metadata_bytes(SPAN_BASE, MiB(12));
	metadata = malloc(bytes);
	assert_int_equal(buddy_init(SPAN_BASE, MiB(12), metadata, bytes), MM_OK);
	assert_int_equal(buddy_add_free_range(SPAN_BASE, MiB(8)), MM_OK);
	mm_stage_force(MM_STAGE_BUDDY);
	assert_int_equal(percpu_pages_bytes(TEST_CPUS), sizeof(list_memory.bytes));
	assert_int_equal(percpu_pages_set_cpus(TEST_CPUS, list_memory.bytes, sizeof(list_memory.bytes)),
	                 MM_OK);
	return 0;
}

static int release(void **state)
{
	(void)state;
	buddy_reset();
	percpu_pages_reset();
	host_set_cpu_index(0);
	free(metadata);
	return 0;
}

static phys_addr_t alloc_ok(unsigned order)
{
	phys_addr_t pa = 0;
	assert_int_equal(page_alloc(order, &pa), MM_OK);
	return pa;
}

static void the_first_single_page_takes_a_batch_from_the_buddy(void **state)
{
	phys_addr_t pa = alloc_ok(0);
	assert_true(pa >= SPAN_BASE && pa < MiB(12));
	assert_int_equal(buddy_count_free_pages(), SPAN_PAGES - PCP_BATCH);
	assert_int_equal(percpu_pages_cached(), PCP_BATCH - 1);
	assert_int_equal(page_count_free(), SPAN_PAGES - 1);
	/* The next PCP_BATCH - 1 come from the list: the buddy is not asked. */
	for (unsigned i = 1; i < PCP_BATCH; i++)
		alloc_ok(0);
	assert_int_equal(buddy_count_free_pages(), SPAN_PAGES - PCP_BATCH);
	assert_int_equal(percpu_pages_cached(), 0);
	assert_true(page_check_invariants());
}

static void a_freed_page_is_the_next_one_handed_out(void **state)
{
	phys_addr_t a = alloc_ok(0), b = alloc_ok(0);
	assert_int_equal(page_free(a, 0), MM_OK);
	assert_int_equal(page_free(b, 0), MM_OK);
	assert_int_equal(alloc_ok(0), b);
	assert_int_equal(alloc_ok(0), a);
}

static void a_full_list_gives_its_coldest_batch_back(void **state)
{
	/* Five whole batches: the list is empty again. */
	phys_addr_t pages[PCP_HIGH + PCP_BATCH];
	for (unsigned i = 0; i < PCP_HIGH + PCP_BATCH; i++)
		pages[i] = alloc_ok(0);
	assert_int_equal(percpu_pages_cached(), 0);
	for (unsigned i = 0; i < PCP_HIGH; i++)
		assert_int_equal(page_free(pages[i], 0), MM_OK);
	assert_int_equal(percpu_pages_cached(), PCP_HIGH);
	/* One more: the first PCP_BATCH freed go back to the buddy, under one lock. */
	uint64_t buddy_before = buddy_count_free_pages();
	assert_int_equal(page_free(pages[PCP_HIGH], 0), MM_OK);
	assert_int_equal(percpu_pages_cached(), PCP_HIGH - PCP_BATCH + 1);
	assert_int_equal(buddy_count_free_pages(), buddy_before + PCP_BATCH);
	assert_int_equal(buddy_frame_info_at(pages[0])->state == BUDDY_FRAME_CACHED, false);
	assert_int_equal(buddy_frame_info_at(pages[PCP_BATCH])->state, BUDDY_FRAME_CACHED);
	assert_true(page_check_invariants());
}

static void freeing_a_page_twice_is_caught_while_it_sits_in_a_list(void **state)
{
	phys_addr_t pa = alloc_ok(0);
	assert_int_equal(page_free(pa, 0), MM_OK);
	host_log_clear();
	assert_int_equal(page_free(pa, 0), MM_ERR_DOUBLE_FREE);
	char expected[128];
	snprintf(expected, sizeof(expected),
	         "buddy_free_pages: double free of 0x%lx (order 0): it is free in a per-CPU page list", pa);
	assert_true(host_log_contains(expected));
	/* The buddy's own free refuses it too. */
	assert_int_equal(buddy_free_pages(pa, 0), MM_ERR_DOUBLE_FREE);
	assert_true(page_check_invariants());
}

static void a_page_freed_on_one_cpu_and_again_on_another_is_caught(void **state)
{
	phys_addr_t pa = alloc_ok(0);
	assert_int_equal(page_free(pa, 0), MM_OK); /* into CPU 0's list */
	host_set_cpu_index(1);
	host_log_clear();
	assert_int_equal(page_free(pa, 0), MM_ERR_DOUBLE_FREE);
	assert_true(host_log_contains("it is free in a per-CPU page list"));
	assert_int_equal(percpu_pages_cached_on(1), 0);
	assert_true(page_check_invariants());
}

static void pages_of_both_chunks_are_checked_on_the_fast_path(void **state)
{
	/* The span is two 4 MiB chunks; each list remembers the chunk it
	 * looked up last. Hold one page of each, then free them alternately
	 * (every free looks up the other chunk), twice each, and take them
	 * back. */
	phys_addr_t one = alloc_ok(0), other = one;
	/* The buddy's own single pages come from the same chunk as the list's
	 * batch until that chunk is used up. */
	while (ALIGN_DOWN(other, BUDDY_MAX_BLOCK) == ALIGN_DOWN(one, BUDDY_MAX_BLOCK))
		assert_int_equal(buddy_alloc_pages(0, &other), MM_OK);
	assert_int_equal(page_free(one, 0), MM_OK);
	assert_int_equal(page_free(other, 0), MM_OK);
	assert_int_equal(page_free(one, 0), MM_ERR_DOUBLE_FREE);
	assert_int_equal(page_free(other, 0), MM_ERR_DOUBLE_FREE);
	assert_int_equal(buddy_frame_info_at(one)->state, BUDDY_FRAME_CACHED);
	assert_int_equal(buddy_frame_info_at(other)->state, BUDDY_FRAME_CACHED);
	assert_int_equal(alloc_ok(0), other);
	assert_int_equal(buddy_frame_info_at(other)->state, BUDDY_FRAME_ALLOCATED_HEAD);
	assert_int_equal(alloc_ok(0), one);
	assert_int_equal(buddy_frame_info_at(one)->state, BUDDY_FRAME_ALLOCATED_HEAD);
}

static void a_refill_takes_one_block_and_hands_out_its_pages_in_address_order(void **state)
{
	phys_addr_t first = alloc_ok(0);
	assert_true(IS_ALIGNED(first, PAGE_SIZE * PCP_BATCH));
	for (unsigned i = 1; i < PCP_BATCH; i++)
		assert_int_equal(alloc_ok(0), first + i * PAGE_SIZE);
	/* One split chain: one free block of each order from 4 to 9 is left
	 * in the first chunk, next to the whole second chunk. */
	for (unsigned o = 4; o < BUDDY_MAX_ORDER; o++)
		assert_int_equal(buddy_free_blocks(o), 1);
	assert_int_equal(buddy_free_blocks(BUDDY_MAX_ORDER), 1);
	assert_true(page_check_invariants());
}

static void poisoning_switched_in_the_buddy_alone_is_reported(void **state)
{
	buddy_set_poisoning(true);
	host_log_clear();
	assert_false(page_check_invariants());
	assert_true(host_log_contains("page_check_invariants: page poisoning is on in the buddy but off "
	                              "for the per-CPU lists (switch it with page_set_poisoning)"));
	page_set_poisoning(true);
	assert_true(page_check_invariants());
	page_set_poisoning(false);
	assert_false(buddy_poisoning());
}

static void bad_single_page_frees_get_the_buddys_errors(void **state)
{
	phys_addr_t block = alloc_ok(1);
	assert_int_equal(page_free(block, 0), MM_ERR_WRONG_ORDER);
	assert_int_equal(page_free(block + PAGE_SIZE, 0), MM_ERR_NOT_OWNED);
	assert_int_equal(page_free(block + 1, 0), MM_ERR_MISALIGNED);
	assert_int_equal(page_free(MiB(64), 0), MM_ERR_NOT_OWNED);
	/* A page the buddy holds free. */
	assert_int_equal(page_free(MiB(11), 0), MM_ERR_DOUBLE_FREE);
	assert_int_equal(percpu_pages_cached(), 0); /* the refusals put nothing in the list */
	assert_int_equal(page_free(block, 1), MM_OK);
	assert_true(page_check_invariants());
}

static void larger_orders_go_straight_to_the_buddy(void **state)
{
	phys_addr_t pa = alloc_ok(3);
	assert_int_equal(percpu_pages_cached(), 0);
	assert_int_equal(buddy_count_free_pages(), SPAN_PAGES - 8);
	assert_int_equal(page_free(pa, 3), MM_OK);
	assert_int_equal(buddy_free_blocks(BUDDY_MAX_ORDER), 2);
}

static void each_cpu_has_its_own_list(void **state)
{
	phys_addr_t on0 = alloc_ok(0);
	host_set_cpu_index(5);
	phys_addr_t on5 = alloc_ok(0);
	assert_int_equal(percpu_pages_cached_on(0), PCP_BATCH - 1);
	assert_int_equal(percpu_pages_cached_on(5), PCP_BATCH - 1);
	/* A page freed on CPU 5 joins CPU 5's list, whoever allocated it. */
	assert_int_equal(page_free(on0, 0), MM_OK);
	assert_int_equal(percpu_pages_cached_on(5), PCP_BATCH);
	assert_int_equal(alloc_ok(0), on0);
	assert_int_equal(page_free(on5, 0), MM_OK);
	assert_true(page_check_invariants());
}

static void a_cpu_without_a_list_uses_the_buddy(void **state)
{
	host_set_cpu_index(TEST_CPUS);
	phys_addr_t pa = alloc_ok(0);
	assert_int_equal(percpu_pages_cached(), 0);
	assert_int_equal(buddy_count_free_pages(), SPAN_PAGES - 1);
	assert_int_equal(page_free(pa, 0), MM_OK);
	assert_int_equal(buddy_count_free_pages(), SPAN_PAGES);
}

static void only_cpu_0_has_a_list_until_every_cpu_gets_one(void **state)
{
	percpu_pages_reset(); /* as at boot: CPU 0's static list alone */
	assert_int_equal(percpu_pages_cpus(), 1);
	phys_addr_t on0 = alloc_ok(0);
	assert_int_equal(percpu_pages_cached_on(0), PCP_BATCH - 1);
	host_set_cpu_index(1);
	phys_addr_t on1 = alloc_ok(0); /* no list yet: the buddy's own page */
	assert_int_equal(percpu_pages_cached(), PCP_BATCH - 1);
	/* Two CPUs: CPU 0's list moves, pages and all, into the new memory. */
	assert_int_equal(percpu_pages_set_cpus(2, list_memory.bytes, sizeof(list_memory.bytes)), MM_OK);
	assert_int_equal(percpu_pages_cpus(), 2);
	assert_int_equal(percpu_pages_cached_on(0), PCP_BATCH - 1);
	assert_true(page_check_invariants());
	assert_int_equal(page_free(on1, 0), MM_OK); /* now into CPU 1's list */
	assert_int_equal(percpu_pages_cached_on(1), 1);
	host_set_cpu_index(0);
	assert_int_equal(page_free(on0, 0), MM_OK);
	assert_int_equal(percpu_pages_cached_on(0), PCP_BATCH);
	assert_int_equal(page_count_free(), SPAN_PAGES);
	assert_true(page_check_invariants());
}

static void bad_list_set_ups_are_refused_and_change_nothing(void **state)
{
	percpu_pages_reset();
	phys_addr_t on0 = alloc_ok(0);
	unsigned char *mem = list_memory.bytes;
	uint64_t size = sizeof(list_memory.bytes);
	assert_int_equal(percpu_pages_set_cpus(0, mem, size), MM_ERR_INVALID);
	assert_int_equal(percpu_pages_set_cpus(2, NULL, size), MM_ERR_INVALID);
	assert_int_equal(percpu_pages_set_cpus(2, mem + 8, size - 8), MM_ERR_MISALIGNED);
	assert_int_equal(percpu_pages_set_cpus(TEST_CPUS + 1, mem, size), MM_ERR_NO_MEMORY);
	assert_int_equal(percpu_pages_cpus(), 1);
	assert_int_equal(percpu_pages_cached_on(0), PCP_BATCH - 1);
	assert_true(page_check_invariants());
	assert_int_equal(percpu_pages_set_cpus(TEST_CPUS, mem, size), MM_OK);
	assert_int_equal(percpu_pages_set_cpus(TEST_CPUS, mem, size), MM_ERR_INVALID); /* once only */
	assert_int_equal(percpu_pages_cpus(), TEST_CPUS);
	assert_int_equal(page_free(on0, 0), MM_OK);
	assert_true(page_check_invariants());
}

static void bad_list_set_ups_name_the_problem(void **state)
{
	percpu_pages_reset();
	unsigned char *mem = list_memory.bytes;
	assert_int_equal(percpu_pages_set_cpus(2, mem + 8, 4096), MM_ERR_MISALIGNED);
	assert_true(host_log_contains("percpu_pages_set_cpus: memory at 0x"));
	assert_true(host_log_contains("is not 64-byte aligned"));
	assert_int_equal(percpu_pages_set_cpus(3, mem, 1000), MM_ERR_NO_MEMORY);
	assert_true(host_log_contains("1000 bytes are too few for the lists of 3 CPUs, which need 1728"));
	assert_int_equal(percpu_pages_set_cpus(2, mem, sizeof(list_memory.bytes)), MM_OK);
	assert_int_equal(percpu_pages_set_cpus(4, mem, sizeof(list_memory.bytes)), MM_ERR_INVALID);
	assert_true(host_log_contains("2 CPUs have lists already, refusing lists for 4"));
}

static void with_poisoning_on_single_pages_bypass_the_lists(void **state)
{
	phys_addr_t kept = alloc_ok(0); /* a list of 15 */
	page_set_poisoning(true);
	/* The buddy would fill freed pages with the poison: give it an arena. */
	host_arena_init(MiB(12));
	phys_addr_t pa = alloc_ok(0);
	assert_int_equal(percpu_pages_cached(), PCP_BATCH - 1);
	assert_int_equal(page_free(pa, 0), MM_OK);
	assert_int_equal(buddy_poisoned_pages(), 1);
	assert_int_equal(percpu_pages_cached(), PCP_BATCH - 1);
	page_set_poisoning(false);
	assert_int_equal(page_free(kept, 0), MM_OK);
	assert_int_equal(percpu_pages_cached(), PCP_BATCH);
	host_arena_free();
}

static void the_drain_returns_every_page_and_the_buddy_merges_them(void **state)
{
	phys_addr_t pages[40];
	for (unsigned i = 0; i < 40; i++)
		pages[i] = alloc_ok(0);
	host_set_cpu_index(1);
	for (unsigned i = 0; i < 20; i++)
		assert_int_equal(page_free(pages[i], 0), MM_OK);
	host_set_cpu_index(0);
	for (unsigned i = 20; i < 40; i++)
		assert_int_equal(page_free(pages[i], 0), MM_OK);
	assert_int_equal(page_count_free(), SPAN_PAGES);
	assert_true(percpu_pages_cached() > 0);
	assert_true(page_check_invariants());
	percpu_pages_drain_this_cpu();
	assert_int_equal(percpu_pages_cached_on(0), 0);
	assert_int_equal(percpu_pages_cached_on(1), 20);
	percpu_pages_drain_all();
	assert_int_equal(percpu_pages_cached(), 0);
	assert_int_equal(buddy_count_free_pages(), SPAN_PAGES);
	assert_int_equal(buddy_free_blocks(BUDDY_MAX_ORDER), 2);
	assert_true(buddy_check_invariants());
}

static void out_of_memory_through_the_lists_is_the_buddys_answer(void **state)
{
	phys_addr_t pa;
	for (unsigned i = 0; i < SPAN_PAGES; i++)
		assert_int_equal(page_alloc(0, &pa), MM_OK);
	host_log_clear();
	assert_int_equal(page_alloc(0, &pa), MM_ERR_NO_MEMORY);
	assert_true(host_log_contains("buddy_alloc_pages: no free block of order 0 or larger"));
}

static void allocating_before_stage_buddy_is_refused(void **state)
{
	mm_stage_force(MM_STAGE_PAGING);
	phys_addr_t pa;
	host_log_clear();
	assert_int_equal(page_alloc(0, &pa), MM_ERR_WRONG_STAGE);
	assert_true(host_log_contains("buddy_alloc_pages: called in stage paging"));
	assert_int_equal(percpu_pages_cached(), 0);
}

static void invariant_check_catches_a_list_page_the_buddy_thinks_is_held(void **state)
{
	phys_addr_t pa = alloc_ok(0);
	assert_int_equal(page_free(pa, 0), MM_OK);
	buddy_frame_info_at(pa)->state = BUDDY_FRAME_ALLOCATED_HEAD;
	host_log_clear();
	assert_false(page_check_invariants());
	char expected[128];
	snprintf(expected, sizeof(expected),
	         "page_check_invariants: page 0x%lx in CPU 0's list is not cached in the buddy (state 2)",
	         pa);
	assert_true(host_log_contains(expected));
}

static void the_frame_source_is_named_pages_and_uses_the_lists(void **state)
{
	struct frame_source *src = page_frame_source();
	assert_string_equal(src->name, "pages");
	phys_addr_t pa;
	assert_int_equal(frame_source_alloc(src, &pa), MM_OK);
	assert_int_equal(percpu_pages_cached(), PCP_BATCH - 1);
	assert_int_equal(frame_source_free(src, pa), MM_OK);
	assert_int_equal(frame_source_free(src, pa), MM_ERR_DOUBLE_FREE);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, start, release)
	const struct CMUnitTest tests[] = {
	    T(the_first_single_page_takes_a_batch_from_the_buddy),
	    T(a_freed_page_is_the_next_one_handed_out),
	    T(a_full_list_gives_its_coldest_batch_back),
	    T(freeing_a_page_twice_is_caught_while_it_sits_in_a_list),
	    T(a_page_freed_on_one_cpu_and_again_on_another_is_caught),
	    T(pages_of_both_chunks_are_checked_on_the_fast_path),
	    T(a_refill_takes_one_block_and_hands_out_its_pages_in_address_order),
	    T(poisoning_switched_in_the_buddy_alone_is_reported),
	    T(bad_single_page_frees_get_the_buddys_errors),
	    T(larger_orders_go_straight_to_the_buddy),
	    T(each_cpu_has_its_own_list),
	    T(a_cpu_without_a_list_uses_the_buddy),
	    T(only_cpu_0_has_a_list_until_every_cpu_gets_one),
	    T(bad_list_set_ups_are_refused_and_change_nothing),
	    T(bad_list_set_ups_name_the_problem),
	    T(with_poisoning_on_single_pages_bypass_the_lists),
	    T(the_drain_returns_every_page_and_the_buddy_merges_them),
	    T(out_of_memory_through_the_lists_is_the_buddys_answer),
	    T(allocating_before_stage_buddy_is_refused),
	    T(invariant_check_catches_a_list_page_the_buddy_thinks_is_held),
	    T(the_frame_source_is_named_pages_and_uses_the_lists),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
