/* test_memblock.c - memblock's memory and reserved tables, grouped by API
 * like Linux tools/testing/memblock: add, reserve, remove, free, queries,
 * free-range iteration, allocation, full tables, bad ranges, stages.
 * memblock never touches memory, so no arena is needed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "host_env.h"
#include "mm/memblock.h"
#include "mm/mm_env.h"
#include "mm/stage_order.h"
#include "mm/phys_area.h"

static int reset(void **state)
{
	(void)state;
	mm_stage_force(MM_STAGE_MEMBLOCK);
	memblock_reset();
	phys_area_reset();
	host_log_clear();
	return 0;
}

static void assert_memory(size_t i, uint64_t base, uint64_t size_bytes)
{
	const struct mm_range *region = memblock_memory_region(i);
	assert_non_null(region);
	assert_int_equal(region->base, base);
	assert_int_equal(region->size_bytes, size_bytes);
}

static void assert_reserved(size_t i, uint64_t base, uint64_t size_bytes)
{
	const struct mm_range *region = memblock_reserved_region(i);
	assert_non_null(region);
	assert_int_equal(region->base, base);
	assert_int_equal(region->size_bytes, size_bytes);
}

/* A copy of a table, to check that a refused operation changed nothing. */
struct table_copy {
	size_t count;
	struct mm_range regions[MEMBLOCK_MAX_REGIONS];
};

static void copy_memory(struct table_copy *copy)
{
	copy->count = memblock_memory_count();
	for (size_t i = 0; i < copy->count; i++)
		copy->regions[i] = *memblock_memory_region(i);
}

static void copy_reserved(struct table_copy *copy)
{
	copy->count = memblock_reserved_count();
	for (size_t i = 0; i < copy->count; i++)
		copy->regions[i] = *memblock_reserved_region(i);
}

static void assert_same(const struct table_copy *a, const struct table_copy *b)
{
	assert_int_equal(a->count, b->count);
	assert_memory_equal(a->regions, b->regions, a->count * sizeof(a->regions[0]));
}

/* MEMBLOCK_MAX_REGIONS disjoint one-page regions, 0x2000 apart. */
static void fill_memory(void)
{
	for (uint64_t i = 0; i < MEMBLOCK_MAX_REGIONS; i++)
		assert_int_equal(memblock_add(0x100000000ULL + 0x2000 * i, 0x1000), MM_OK);
}

static void fill_reserved(void)
{
	for (uint64_t i = 0; i < MEMBLOCK_MAX_REGIONS; i++)
		assert_int_equal(memblock_reserve(0x100000000ULL + 0x2000 * i, 0x1000), MM_OK);
}

/* --- add --- */

static void add_to_an_empty_table_creates_one_region(void **state)
{
	assert_int_equal(memblock_add(0x100000, 0x10000), MM_OK);
	assert_int_equal(memblock_memory_count(), 1);
	assert_memory(0, 0x100000, 0x10000);
	assert_int_equal(memblock_memory_bytes(), 0x10000);
	assert_int_equal(memblock_reserved_count(), 0);
}

static void add_keeps_disjoint_regions_sorted(void **state)
{
	assert_int_equal(memblock_add(0x300000, 0x1000), MM_OK);
	assert_int_equal(memblock_add(0x100000, 0x1000), MM_OK);
	assert_int_equal(memblock_add(0x200000, 0x1000), MM_OK);
	assert_int_equal(memblock_memory_count(), 3);
	assert_memory(0, 0x100000, 0x1000);
	assert_memory(1, 0x200000, 0x1000);
	assert_memory(2, 0x300000, 0x1000);
}

static void add_merges_an_overlapping_region(void **state)
{
	assert_int_equal(memblock_add(0x100000, 0x4000), MM_OK);
	assert_int_equal(memblock_add(0x0fe000, 0x4000), MM_OK);
	assert_int_equal(memblock_memory_count(), 1);
	assert_memory(0, 0x0fe000, 0x6000);
}

static void add_merges_an_adjacent_region(void **state)
{
	assert_int_equal(memblock_add(0x100000, 0x4000), MM_OK);
	assert_int_equal(memblock_add(0x104000, 0x1000), MM_OK); /* touches from above */
	assert_int_equal(memblock_add(0x0fe000, 0x2000), MM_OK); /* touches from below */
	assert_int_equal(memblock_memory_count(), 1);
	assert_memory(0, 0x0fe000, 0x7000);
}

static void add_of_a_contained_range_changes_nothing(void **state)
{
	assert_int_equal(memblock_add(0x100000, 0x10000), MM_OK);
	assert_int_equal(memblock_add(0x104000, 0x1000), MM_OK);
	assert_int_equal(memblock_memory_count(), 1);
	assert_memory(0, 0x100000, 0x10000);
}

static void add_bridging_two_regions_merges_them_into_one(void **state)
{
	assert_int_equal(memblock_add(0x100000, 0x1000), MM_OK);
	assert_int_equal(memblock_add(0x200000, 0x1000), MM_OK);
	assert_int_equal(memblock_add(0x300000, 0x1000), MM_OK);
	assert_int_equal(memblock_add(0x101000, 0x1ff000), MM_OK);
	assert_int_equal(memblock_memory_count(), 1);
	assert_memory(0, 0x100000, 0x201000);
}

/* --- reserve --- */

static void reserve_goes_to_the_reserved_table_only(void **state)
{
	assert_int_equal(memblock_add(0x100000, 0x10000), MM_OK);
	assert_int_equal(memblock_reserve(0x104000, 0x2000), MM_OK);
	assert_int_equal(memblock_memory_count(), 1);
	assert_memory(0, 0x100000, 0x10000);
	assert_int_equal(memblock_reserved_count(), 1);
	assert_reserved(0, 0x104000, 0x2000);
	assert_int_equal(memblock_reserved_bytes(), 0x2000);
}

static void reserve_may_cover_addresses_that_are_not_memory(void **state)
{
	assert_int_equal(memblock_reserve(0xfee00000, 0x1000), MM_OK);
	assert_reserved(0, 0xfee00000, 0x1000);
	assert_false(memblock_is_memory(0xfee00000, 0x1000));
}

static void reserve_merges_adjacent_and_overlapping_reservations(void **state)
{
	assert_int_equal(memblock_reserve(0x100000, 0x1000), MM_OK);
	assert_int_equal(memblock_reserve(0x101000, 0x1000), MM_OK);
	assert_int_equal(memblock_reserve(0x101800, 0x1000), MM_OK);
	assert_int_equal(memblock_reserved_count(), 1);
	assert_reserved(0, 0x100000, 0x2800);
}

/* --- remove --- */

static void remove_from_the_middle_splits_a_region_in_two(void **state)
{
	assert_int_equal(memblock_add(0x100000, 0x10000), MM_OK);
	assert_int_equal(memblock_remove(0x104000, 0x2000), MM_OK);
	assert_int_equal(memblock_memory_count(), 2);
	assert_memory(0, 0x100000, 0x4000);
	assert_memory(1, 0x106000, 0xa000);
}

static void remove_at_the_bottom_edge_shrinks_the_region(void **state)
{
	assert_int_equal(memblock_add(0x100000, 0x10000), MM_OK);
	assert_int_equal(memblock_remove(0x0f0000, 0x14000), MM_OK);
	assert_int_equal(memblock_memory_count(), 1);
	assert_memory(0, 0x104000, 0xc000);
}

static void remove_at_the_top_edge_shrinks_the_region(void **state)
{
	assert_int_equal(memblock_add(0x100000, 0x10000), MM_OK);
	assert_int_equal(memblock_remove(0x10c000, 0x4000), MM_OK);
	assert_int_equal(memblock_memory_count(), 1);
	assert_memory(0, 0x100000, 0xc000);
}

static void remove_of_a_whole_region_deletes_it(void **state)
{
	assert_int_equal(memblock_add(0x100000, 0x1000), MM_OK);
	assert_int_equal(memblock_add(0x200000, 0x1000), MM_OK);
	assert_int_equal(memblock_remove(0x100000, 0x1000), MM_OK);
	assert_int_equal(memblock_memory_count(), 1);
	assert_memory(0, 0x200000, 0x1000);
}

static void remove_across_several_regions_keeps_only_the_outer_parts(void **state)
{
	assert_int_equal(memblock_add(0x100000, 0x4000), MM_OK);
	assert_int_equal(memblock_add(0x200000, 0x4000), MM_OK);
	assert_int_equal(memblock_add(0x300000, 0x4000), MM_OK);
	assert_int_equal(memblock_remove(0x102000, 0x201000), MM_OK);
	assert_int_equal(memblock_memory_count(), 2);
	assert_memory(0, 0x100000, 0x2000);
	assert_memory(1, 0x303000, 0x1000);
}

static void remove_of_a_hole_changes_nothing(void **state)
{
	assert_int_equal(memblock_add(0x100000, 0x1000), MM_OK);
	assert_int_equal(memblock_remove(0x200000, 0x1000), MM_OK);
	assert_int_equal(memblock_memory_count(), 1);
	assert_memory(0, 0x100000, 0x1000);
}

/* --- free --- */

static void free_from_the_middle_splits_a_reservation(void **state)
{
	assert_int_equal(memblock_reserve(0x100000, 0x10000), MM_OK);
	assert_int_equal(memblock_free(0x108000, 0x1000), MM_OK);
	assert_int_equal(memblock_reserved_count(), 2);
	assert_reserved(0, 0x100000, 0x8000);
	assert_reserved(1, 0x109000, 0x7000);
}

static void free_of_a_whole_reservation_deletes_it(void **state)
{
	assert_int_equal(memblock_reserve(0x100000, 0x10000), MM_OK);
	assert_int_equal(memblock_free(0x100000, 0x10000), MM_OK);
	assert_int_equal(memblock_reserved_count(), 0);
}

static void free_leaves_the_memory_table_alone(void **state)
{
	assert_int_equal(memblock_add(0x100000, 0x10000), MM_OK);
	assert_int_equal(memblock_reserve(0x100000, 0x10000), MM_OK);
	assert_int_equal(memblock_free(0x100000, 0x10000), MM_OK);
	assert_int_equal(memblock_memory_count(), 1);
	assert_memory(0, 0x100000, 0x10000);
}

/* --- queries --- */

static void is_memory_needs_the_whole_range_covered(void **state)
{
	assert_int_equal(memblock_add(0x100000, 0x10000), MM_OK);
	assert_int_equal(memblock_add(0x200000, 0x10000), MM_OK);
	assert_true(memblock_is_memory(0x100000, 0x10000));
	assert_true(memblock_is_memory(0x104000, 0x1000));
	assert_false(memblock_is_memory(0x10f000, 0x2000));   /* runs off the end */
	assert_false(memblock_is_memory(0x100000, 0x110000)); /* spans the hole */
	assert_false(memblock_is_memory(0x300000, 0x1000));
}

static void overlaps_reserved_sees_any_shared_byte(void **state)
{
	assert_int_equal(memblock_reserve(0x100000, 0x1000), MM_OK);
	assert_true(memblock_overlaps_reserved(0x100fff, 0x1000));
	assert_true(memblock_overlaps_reserved(0x0ff000, 0x1001));
	assert_false(memblock_overlaps_reserved(0x0ff000, 0x1000)); /* touches only */
	assert_false(memblock_overlaps_reserved(0x101000, 0x1000));
}

static void queries_with_a_zero_size_answer_false_with_a_message(void **state)
{
	assert_int_equal(memblock_add(0x100000, 0x10000), MM_OK);
	assert_false(memblock_is_memory(0x100000, 0));
	assert_true(host_log_contains("memblock_is_memory: zero size at base 0x100000"));
}

/* --- free-range iteration --- */

static void free_ranges_skip_reserved_regions_and_holes(void **state)
{
	assert_int_equal(memblock_add(0x100000, 0x100000), MM_OK);
	assert_int_equal(memblock_add(0x300000, 0x100000), MM_OK);
	assert_int_equal(memblock_reserve(0x180000, 0x10000), MM_OK);
	assert_int_equal(memblock_reserve(0x2f0000, 0x20000), MM_OK); /* reaches into the hole */
	assert_int_equal(memblock_reserve(0x3f0000, 0x100000), MM_OK);

	const phys_addr_t expected[][2] = {
	    {0x100000, 0x180000},
	    {0x190000, 0x200000},
	    {0x310000, 0x3f0000},
	};
	size_t n = 0;
	uint64_t cursor;
	phys_addr_t base, end;
	for_each_free_range(cursor, base, end)
	{
		assert_true(n < 3);
		assert_int_equal(base, expected[n][0]);
		assert_int_equal(end, expected[n][1]);
		n++;
	}
	assert_int_equal(n, 3);
}

static void free_ranges_of_empty_tables_are_none(void **state)
{
	uint64_t cursor = 0;
	phys_addr_t base, end;
	assert_false(memblock_next_free_range(&cursor, &base, &end));
}

static void a_fully_reserved_region_has_no_free_range(void **state)
{
	assert_int_equal(memblock_add(0x100000, 0x10000), MM_OK);
	assert_int_equal(memblock_add(0x200000, 0x10000), MM_OK);
	assert_int_equal(memblock_reserve(0x0f0000, 0x30000), MM_OK);
	uint64_t cursor = 0;
	phys_addr_t base, end;
	assert_true(memblock_next_free_range(&cursor, &base, &end));
	assert_int_equal(base, 0x200000);
	assert_int_equal(end, 0x210000);
	assert_false(memblock_next_free_range(&cursor, &base, &end));
}

static void free_range_iteration_starts_at_the_cursor_address(void **state)
{
	assert_int_equal(memblock_add(0x100000, 0x10000), MM_OK);
	uint64_t cursor = 0x108000;
	phys_addr_t base, end;
	assert_true(memblock_next_free_range(&cursor, &base, &end));
	assert_int_equal(base, 0x108000);
	assert_int_equal(end, 0x110000);
	assert_int_equal(cursor, 0x110000);
}

/* --- allocation --- */

static void alloc_returns_the_lowest_fit_at_or_above_1_mib(void **state)
{
	phys_addr_t pa = 0;
	assert_int_equal(memblock_add(0x0, MiB(16)), MM_OK);
	assert_int_equal(memblock_alloc(0x3000, 0x1000, &pa), MM_OK);
	assert_int_equal(pa, MiB(1));
}

static void alloc_reserves_what_it_returns(void **state)
{
	phys_addr_t first = 0, second = 0;
	assert_int_equal(memblock_add(0x0, MiB(16)), MM_OK);
	assert_int_equal(memblock_alloc(0x3000, 0x1000, &first), MM_OK);
	assert_int_equal(memblock_alloc(0x1000, 0x1000, &second), MM_OK);
	assert_int_equal(second, first + 0x3000);
	assert_int_equal(memblock_reserved_count(), 1);
	assert_reserved(0, MiB(1), 0x4000);
}

static void alloc_honours_the_alignment(void **state)
{
	phys_addr_t pa = 0;
	assert_int_equal(memblock_add(0x101000, MiB(16)), MM_OK);
	assert_int_equal(memblock_alloc(0x1000, 0x200000, &pa), MM_OK);
	assert_int_equal(pa, 0x200000);
}

static void alloc_skips_reserved_regions(void **state)
{
	phys_addr_t pa = 0;
	assert_int_equal(memblock_add(0x0, MiB(16)), MM_OK);
	assert_int_equal(memblock_reserve(MiB(1), 0x5000), MM_OK);
	assert_int_equal(memblock_alloc(0x1000, 0x1000, &pa), MM_OK);
	assert_int_equal(pa, MiB(1) + 0x5000);
}

static void alloc_skips_free_ranges_that_are_too_small(void **state)
{
	phys_addr_t pa = 0;
	assert_int_equal(memblock_add(0x100000, 0x2000), MM_OK);
	assert_int_equal(memblock_add(0x200000, 0x10000), MM_OK);
	assert_int_equal(memblock_alloc(0x4000, 0x1000, &pa), MM_OK);
	assert_int_equal(pa, 0x200000);
}

static void alloc_never_returns_memory_below_1_mib(void **state)
{
	phys_addr_t pa = 0;
	assert_int_equal(memblock_add(0x1000, 0x9f000), MM_OK);
	assert_int_equal(memblock_alloc(0x1000, 0x1000, &pa), MM_ERR_NO_MEMORY);
}

static void alloc_range_stays_inside_its_window(void **state)
{
	phys_addr_t pa = 0;
	assert_int_equal(memblock_add(0x0, MiB(16)), MM_OK);
	assert_int_equal(memblock_alloc_range(0x1000, 0x1000, 0x8000, 0xa000, &pa), MM_OK);
	assert_int_equal(pa, 0x8000);
	assert_int_equal(memblock_alloc_range(0x1000, 0x1000, 0x8000, 0xa000, &pa), MM_OK);
	assert_int_equal(pa, 0x9000);
	assert_int_equal(memblock_alloc_range(0x1000, 0x1000, 0x8000, 0xa000, &pa), MM_ERR_NO_MEMORY);
}

static void alloc_range_does_not_cross_max_end(void **state)
{
	phys_addr_t pa = 0x1234;
	assert_int_equal(memblock_add(0x0, MiB(16)), MM_OK);
	assert_int_equal(memblock_alloc_range(0x2000, 0x1000, 0x8000, 0x9000, &pa), MM_ERR_NO_MEMORY);
	assert_int_equal(pa, 0x1234);
	assert_int_equal(memblock_reserved_count(), 0);
}

static void alloc_out_of_memory_names_the_size(void **state)
{
	phys_addr_t pa = 0;
	assert_int_equal(memblock_add(0x100000, 0x10000), MM_OK);
	assert_int_equal(memblock_alloc(0x20000, 0x1000, &pa), MM_ERR_NO_MEMORY);
	assert_true(host_log_contains("memblock_alloc: no free range of 0x20000 bytes (align 0x1000)"));
}

static void alloc_refuses_an_alignment_that_is_not_a_power_of_two_page_multiple(void **state)
{
	phys_addr_t pa = 0;
	assert_int_equal(memblock_add(0x0, MiB(16)), MM_OK);
	assert_int_equal(memblock_alloc(0x1000, 0x800, &pa), MM_ERR_MISALIGNED);
	assert_true(host_log_contains("memblock_alloc: alignment 0x800 is not a power of two >= 0x1000"));
	assert_int_equal(memblock_alloc(0x1000, 0x3000, &pa), MM_ERR_MISALIGNED);
	assert_true(host_log_contains("alignment 0x3000"));
	assert_int_equal(memblock_reserved_count(), 0);
}

static void alloc_refuses_a_zero_size(void **state)
{
	phys_addr_t pa = 0;
	assert_int_equal(memblock_add(0x0, MiB(16)), MM_OK);
	assert_int_equal(memblock_alloc(0, 0x1000, &pa), MM_ERR_INVALID);
	assert_true(host_log_contains("memblock_alloc: zero size requested"));
}

static void alloc_range_refuses_an_empty_window(void **state)
{
	phys_addr_t pa = 0;
	assert_int_equal(memblock_alloc_range(0x1000, 0x1000, 0x9000, 0x8000, &pa), MM_ERR_INVALID);
	assert_true(host_log_contains("memblock_alloc_range: empty window [0x9000-0x8000)"));
}

/* --- full tables --- */

static void add_beyond_capacity_is_refused_and_changes_nothing(void **state)
{
	fill_memory();
	struct table_copy before, after;
	copy_memory(&before);
	assert_int_equal(memblock_add(0x1000, 0x1000), MM_ERR_TABLE_FULL);
	copy_memory(&after);
	assert_same(&before, &after);
	assert_true(
	    host_log_contains("memblock_add: memory table full (512 regions): cannot add [0x1000-0x2000)"));
	/* A refusal the caller hears about as a value: a warning. */
	assert_int_equal(host_log_level("memblock_add: memory table full"), MM_LOG_WARN);
}

static void add_that_merges_is_accepted_when_the_table_is_full(void **state)
{
	fill_memory();
	assert_int_equal(memblock_add(0x100001000ULL, 0x1000), MM_OK); /* closes the first gap */
	assert_int_equal(memblock_memory_count(), MEMBLOCK_MAX_REGIONS - 1);
	assert_memory(0, 0x100000000ULL, 0x3000);
}

static void reserve_beyond_capacity_is_refused_and_changes_nothing(void **state)
{
	fill_reserved();
	struct table_copy before, after;
	copy_reserved(&before);
	assert_int_equal(memblock_reserve(0x1000, 0x1000), MM_ERR_TABLE_FULL);
	copy_reserved(&after);
	assert_same(&before, &after);
	assert_true(host_log_contains("memblock_reserve: reserved table full (512 regions)"));
}

static void remove_that_splits_a_region_is_refused_when_the_table_is_full(void **state)
{
	fill_memory();
	assert_int_equal(memblock_add(0x100001000ULL, 0x1000), MM_OK); /* one 0x3000 region, one slot free */
	assert_int_equal(memblock_add(0x1000, 0x1000), MM_OK);         /* table full again */
	struct table_copy before, after;
	copy_memory(&before);
	assert_int_equal(memblock_remove(0x100001000ULL, 0x1000), MM_ERR_TABLE_FULL);
	copy_memory(&after);
	assert_same(&before, &after);
	assert_true(host_log_contains(
	    "memblock_remove: memory table full (512 regions): cutting "
	    "[0x100001000-0x100002000) out of [0x100000000-0x100003000) needs one more region"));
}

static void remove_at_an_edge_works_when_the_table_is_full(void **state)
{
	fill_memory();
	assert_int_equal(memblock_remove(0x100000000ULL, 0x800), MM_OK);
	assert_memory(0, 0x100000800ULL, 0x800);
	assert_int_equal(memblock_memory_count(), MEMBLOCK_MAX_REGIONS);
}

static void free_that_splits_a_reservation_is_refused_when_the_table_is_full(void **state)
{
	fill_reserved();
	struct table_copy before, after;
	copy_reserved(&before);
	assert_int_equal(memblock_free(0x100000400ULL, 0x400), MM_ERR_TABLE_FULL);
	copy_reserved(&after);
	assert_same(&before, &after);
	assert_true(host_log_contains("memblock_free: reserved table full (512 regions)"));
}

static void alloc_fails_cleanly_when_the_reserved_table_is_full(void **state)
{
	phys_addr_t pa = 0x1234;
	assert_int_equal(memblock_add(0x0, MiB(16)), MM_OK);
	fill_reserved(); /* far above the memory, none adjacent to it */
	assert_int_equal(memblock_alloc(0x1000, 0x1000, &pa), MM_ERR_TABLE_FULL);
	assert_int_equal(pa, 0x1234);
	assert_int_equal(memblock_reserved_count(), MEMBLOCK_MAX_REGIONS);
}

/* --- bad ranges --- */

static void a_zero_size_is_refused_with_a_message(void **state)
{
	assert_int_equal(memblock_add(0x100000, 0), MM_ERR_INVALID);
	assert_true(host_log_contains("memblock_add: zero size at base 0x100000"));
	assert_int_equal(memblock_reserve(0x200000, 0), MM_ERR_INVALID);
	assert_true(host_log_contains("memblock_reserve: zero size at base 0x200000"));
	assert_int_equal(memblock_remove(0x300000, 0), MM_ERR_INVALID);
	assert_true(host_log_contains("memblock_remove: zero size at base 0x300000"));
	assert_int_equal(memblock_free(0x400000, 0), MM_ERR_INVALID);
	assert_true(host_log_contains("memblock_free: zero size at base 0x400000"));
	assert_int_equal(memblock_memory_count(), 0);
	assert_int_equal(memblock_reserved_count(), 0);
}

static void a_wrapping_range_is_refused_with_a_message(void **state)
{
	assert_int_equal(memblock_add(0xfffffffffffff000ULL, 0x2000), MM_ERR_INVALID);
	assert_true(
	    host_log_contains("memblock_add: range at 0xfffffffffffff000 with size 0x2000 wraps past 2^64"));
	assert_int_equal(memblock_reserve(0x1000, UINT64_MAX), MM_ERR_INVALID);
	assert_true(host_log_contains(
	    "memblock_reserve: range at 0x1000 with size 0xffffffffffffffff wraps past 2^64"));
	assert_int_equal(memblock_memory_count(), 0);
	assert_int_equal(memblock_reserved_count(), 0);
}

/* --- stages --- */

static void init_copies_the_phys_area_table_and_advances_the_stage(void **state)
{
	mm_stage_force(MM_STAGE_NONE);
	phys_area_add(0x0, 0x9f000, PHYS_AREA_AVAILABLE);
	phys_area_add(0x100000, 0x7ee0000, PHYS_AREA_AVAILABLE);
	phys_area_add(0xf0000, 0x10000, PHYS_AREA_RESERVED);
	assert_int_equal(phys_area_finish(), MM_OK);
	assert_int_equal(memblock_init_from_phys_areas(), MM_OK);
	assert_int_equal(mm_stage_current(), MM_STAGE_MEMBLOCK);
	assert_int_equal(memblock_memory_count(), 2);
	assert_memory(0, 0x0, 0x9f000);
	assert_memory(1, 0x100000, 0x7ee0000);
	assert_int_equal(memblock_reserved_count(), 0);
}

static void init_takes_a_full_phys_area_table(void **state)
{
	mm_stage_force(MM_STAGE_NONE);
	for (uint64_t i = 0; i < PHYS_MEMORY_AREA_MAX; i++)
		phys_area_add(0x2000 * i, 0x1000, PHYS_AREA_AVAILABLE);
	assert_int_equal(phys_area_finish(), MM_OK);
	assert_int_equal(memblock_init_from_phys_areas(), MM_OK);
	assert_int_equal(memblock_memory_count(), PHYS_MEMORY_AREA_MAX);
}

static void init_outside_stage_phys_areas_is_refused(void **state)
{
	assert_int_equal(memblock_add(0x100000, 0x1000), MM_OK);
	assert_int_equal(memblock_init_from_phys_areas(), MM_ERR_WRONG_STAGE);
	assert_int_equal(memblock_memory_count(), 1);
	assert_true(host_log_contains("memblock_init_from_phys_areas: called in stage memblock"));
}

static void changes_after_the_buddy_took_over_are_refused(void **state)
{
	phys_addr_t pa = 0x1234;
	assert_int_equal(memblock_add(0x0, MiB(16)), MM_OK);
	assert_int_equal(memblock_reserve(MiB(2), 0x1000), MM_OK);
	mm_stage_force(MM_STAGE_BUDDY);
	assert_int_equal(memblock_add(MiB(32), 0x1000), MM_ERR_WRONG_STAGE);
	assert_int_equal(memblock_reserve(MiB(3), 0x1000), MM_ERR_WRONG_STAGE);
	assert_int_equal(memblock_remove(0x0, 0x1000), MM_ERR_WRONG_STAGE);
	assert_int_equal(memblock_free(MiB(2), 0x1000), MM_ERR_WRONG_STAGE);
	assert_int_equal(memblock_alloc(0x1000, 0x1000, &pa), MM_ERR_WRONG_STAGE);
	assert_int_equal(memblock_alloc_range(0x1000, 0x1000, 0, MiB(4), &pa), MM_ERR_WRONG_STAGE);
	assert_true(
	    host_log_contains("memblock_alloc: called in stage buddy, allowed only from memblock to paging"));
	assert_int_equal(pa, 0x1234);
	assert_int_equal(memblock_memory_count(), 1);
	assert_memory(0, 0x0, MiB(16));
	assert_int_equal(memblock_reserved_count(), 1);
	assert_reserved(0, MiB(2), 0x1000);
}

static void changes_before_stage_memblock_are_refused(void **state)
{
	mm_stage_force(MM_STAGE_PHYS_AREAS);
	assert_int_equal(memblock_add(0x100000, 0x1000), MM_ERR_WRONG_STAGE);
	assert_true(host_log_contains("memblock_add: called in stage phys_memory_area"));
	assert_int_equal(memblock_memory_count(), 0);
}

static void changes_are_allowed_up_to_stage_paging(void **state)
{
	mm_stage_force(MM_STAGE_PAGING);
	assert_int_equal(memblock_add(0x100000, 0x1000), MM_OK);
	assert_int_equal(memblock_reserve(0x100000, 0x1000), MM_OK);
}

static void queries_and_iteration_work_in_every_stage(void **state)
{
	assert_int_equal(memblock_add(0x100000, 0x10000), MM_OK);
	assert_int_equal(memblock_reserve(0x100000, 0x1000), MM_OK);
	mm_stage_force(MM_STAGE_SMP);
	assert_true(memblock_is_memory(0x100000, 0x1000));
	assert_true(memblock_overlaps_reserved(0x100000, 0x1000));
	uint64_t cursor = 0;
	phys_addr_t base, end;
	assert_true(memblock_next_free_range(&cursor, &base, &end));
	assert_int_equal(base, 0x101000);
	assert_int_equal(end, 0x110000);
	assert_string_equal(host_log_text(), "");
}

static void dump_logs_both_tables(void **state)
{
	assert_int_equal(memblock_add(0x100000, 0x10000), MM_OK);
	assert_int_equal(memblock_reserve(0x100000, 0x1000), MM_OK);
	memblock_dump();
	assert_true(
	    host_log_contains("memblock: memory: 1 regions, 0x10000 bytes\n  [0x100000-0x110000) 64 KiB\n"));
	assert_true(
	    host_log_contains("memblock: reserved: 1 regions, 0x1000 bytes\n  [0x100000-0x101000) 4 KiB\n"));
}

/* --- invariant check --- */

/* What a stray write (a stack overflow, say) could do to a table: the test
 * reaches behind the const of the query functions on purpose. */
static struct mm_range *writable(const struct mm_range *region)
{
	assert_non_null(region);
	return (struct mm_range *)(uintptr_t)region;
}

static void invariants_hold_after_every_kind_of_change(void **state)
{
	/* add, split by remove, reserve, allocate, split by free */
	phys_addr_t pa;
	assert_int_equal(memblock_add(0x100000, 0x400000), MM_OK);
	assert_int_equal(memblock_add(0x1000000, 0x100000), MM_OK);
	assert_int_equal(memblock_remove(0x200000, 0x1000), MM_OK);
	assert_int_equal(memblock_reserve(0x300000, 0x2000), MM_OK);
	assert_int_equal(memblock_alloc(0x3000, 0x1000, &pa), MM_OK);
	assert_int_equal(memblock_free(0x301000, 0x1000), MM_OK);
	assert_true(memblock_check_invariants());
	assert_string_equal(host_log_text(), "");
}

/*
 * memory before:  r0 [1 MiB-2 MiB)        r1 [4 MiB-5 MiB)
 * r1.base overwritten with 0x180000:  r1 now starts inside r0.
 */
static void invariant_check_names_overlapping_regions(void **state)
{
	assert_int_equal(memblock_add(0x100000, 0x100000), MM_OK);
	assert_int_equal(memblock_add(0x400000, 0x100000), MM_OK);
	writable(memblock_memory_region(1))->base = 0x180000;
	assert_false(memblock_check_invariants());
	assert_true(host_log_contains("memblock_check_invariants: memory regions 0 [0x100000-0x200000) and 1 "
	                              "[0x180000-0x280000) are out of order, overlap or touch"));
}

/* Adding merges touching regions, so two that touch mean damage too. */
static void invariant_check_names_touching_regions(void **state)
{
	assert_int_equal(memblock_reserve(0x100000, 0x1000), MM_OK);
	assert_int_equal(memblock_reserve(0x200000, 0x1000), MM_OK);
	writable(memblock_reserved_region(0))->size_bytes = 0x100000;
	assert_false(memblock_check_invariants());
	assert_true(host_log_contains("reserved regions 0 [0x100000-0x200000) and 1 [0x200000-0x201000)"));
}

static void invariant_check_names_an_empty_region(void **state)
{
	assert_int_equal(memblock_reserve(0x100000, 0x1000), MM_OK);
	writable(memblock_reserved_region(0))->size_bytes = 0;
	assert_false(memblock_check_invariants());
	assert_true(host_log_contains(
	    "memblock_check_invariants: reserved region 0 at 0x100000, size 0x0, is empty or wraps"));
}

static void invariant_check_names_a_wrapping_region(void **state)
{
	assert_int_equal(memblock_add(0x100000, 0x1000), MM_OK);
	writable(memblock_memory_region(0))->size_bytes = UINT64_MAX;
	assert_false(memblock_check_invariants());
	assert_true(
	    host_log_contains("memory region 0 at 0x100000, size 0xffffffffffffffff, is empty or wraps"));
}

#define TEST(name) cmocka_unit_test_setup(name, reset)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TEST(add_to_an_empty_table_creates_one_region),
	    TEST(add_keeps_disjoint_regions_sorted),
	    TEST(add_merges_an_overlapping_region),
	    TEST(add_merges_an_adjacent_region),
	    TEST(add_of_a_contained_range_changes_nothing),
	    TEST(add_bridging_two_regions_merges_them_into_one),
	    TEST(reserve_goes_to_the_reserved_table_only),
	    TEST(reserve_may_cover_addresses_that_are_not_memory),
	    TEST(reserve_merges_adjacent_and_overlapping_reservations),
	    TEST(remove_from_the_middle_splits_a_region_in_two),
	    TEST(remove_at_the_bottom_edge_shrinks_the_region),
	    TEST(remove_at_the_top_edge_shrinks_the_region),
	    TEST(remove_of_a_whole_region_deletes_it),
	    TEST(remove_across_several_regions_keeps_only_the_outer_parts),
	    TEST(remove_of_a_hole_changes_nothing),
	    TEST(free_from_the_middle_splits_a_reservation),
	    TEST(free_of_a_whole_reservation_deletes_it),
	    TEST(free_leaves_the_memory_table_alone),
	    TEST(is_memory_needs_the_whole_range_covered),
	    TEST(overlaps_reserved_sees_any_shared_byte),
	    TEST(queries_with_a_zero_size_answer_false_with_a_message),
	    TEST(free_ranges_skip_reserved_regions_and_holes),
	    TEST(free_ranges_of_empty_tables_are_none),
	    TEST(a_fully_reserved_region_has_no_free_range),
	    TEST(free_range_iteration_starts_at_the_cursor_address),
	    TEST(alloc_returns_the_lowest_fit_at_or_above_1_mib),
	    TEST(alloc_reserves_what_it_returns),
	    TEST(alloc_honours_the_alignment),
	    TEST(alloc_skips_reserved_regions),
	    TEST(alloc_skips_free_ranges_that_are_too_small),
	    TEST(alloc_never_returns_memory_below_1_mib),
	    TEST(alloc_range_stays_inside_its_window),
	    TEST(alloc_range_does_not_cross_max_end),
	    TEST(alloc_out_of_memory_names_the_size),
	    TEST(alloc_refuses_an_alignment_that_is_not_a_power_of_two_page_multiple),
	    TEST(alloc_refuses_a_zero_size),
	    TEST(alloc_range_refuses_an_empty_window),
	    TEST(add_beyond_capacity_is_refused_and_changes_nothing),
	    TEST(add_that_merges_is_accepted_when_the_table_is_full),
	    TEST(reserve_beyond_capacity_is_refused_and_changes_nothing),
	    TEST(remove_that_splits_a_region_is_refused_when_the_table_is_full),
	    TEST(remove_at_an_edge_works_when_the_table_is_full),
	    TEST(free_that_splits_a_reservation_is_refused_when_the_table_is_full),
	    TEST(alloc_fails_cleanly_when_the_reserved_table_is_full),
	    TEST(a_zero_size_is_refused_with_a_message),
	    TEST(a_wrapping_range_is_refused_with_a_message),
	    TEST(init_copies_the_phys_area_table_and_advances_the_stage),
	    TEST(init_takes_a_full_phys_area_table),
	    TEST(init_outside_stage_phys_areas_is_refused),
	    TEST(changes_after_the_buddy_took_over_are_refused),
	    TEST(changes_before_stage_memblock_are_refused),
	    TEST(changes_are_allowed_up_to_stage_paging),
	    TEST(queries_and_iteration_work_in_every_stage),
	    TEST(dump_logs_both_tables),
	    TEST(invariants_hold_after_every_kind_of_change),
	    TEST(invariant_check_names_overlapping_regions),
	    TEST(invariant_check_names_touching_regions),
	    TEST(invariant_check_names_an_empty_region),
	    TEST(invariant_check_names_a_wrapping_region),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
