/* test_phys_area.c - stage 1's table: usable ranges sorted and merged,
 * trimmed to pages at finish, other types recorded, overflow and wrapping
 * handled with a message and nothing written past a table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "host_env.h"
#include "mm/stage_order.h"
#include "mm/phys_area.h"

static int reset(void **state)
{
	(void)state;
	mm_stage_force(MM_STAGE_NONE);
	phys_area_reset();
	host_log_clear();
	return 0;
}

static void assert_area(size_t i, uint64_t base, uint64_t size_bytes)
{
	assert_true(i < phys_memory_area_count);
	assert_int_equal(phys_memory_area[i].base, base);
	assert_int_equal(phys_memory_area[i].size_bytes, size_bytes);
}

/* Fill the usable table with PHYS_MEMORY_AREA_MAX disjoint, non-touching
 * one-page ranges at 0x2000 * i + offset. */
static void fill_table(uint64_t offset)
{
	for (uint64_t i = 0; i < PHYS_MEMORY_AREA_MAX; i++)
		phys_area_add(offset + 0x2000 * i, 0x1000, PHYS_AREA_AVAILABLE);
	assert_int_equal(phys_memory_area_count, PHYS_MEMORY_AREA_MAX);
}

static void usable_ranges_are_kept_sorted_by_base(void **state)
{
	phys_area_add(0x300000, 0x1000, PHYS_AREA_AVAILABLE);
	phys_area_add(0x100000, 0x1000, PHYS_AREA_AVAILABLE);
	phys_area_add(0x200000, 0x1000, PHYS_AREA_AVAILABLE);
	assert_int_equal(phys_memory_area_count, 3);
	assert_area(0, 0x100000, 0x1000);
	assert_area(1, 0x200000, 0x1000);
	assert_area(2, 0x300000, 0x1000);
}

static void overlapping_usable_ranges_merge(void **state)
{
	phys_area_add(0x100000, 0x3000, PHYS_AREA_AVAILABLE);
	phys_area_add(0x102000, 0x4000, PHYS_AREA_AVAILABLE);
	assert_int_equal(phys_memory_area_count, 1);
	assert_area(0, 0x100000, 0x6000);
}

static void adjacent_usable_ranges_merge(void **state)
{
	phys_area_add(0x104000, 0x1000, PHYS_AREA_AVAILABLE);
	phys_area_add(0x100000, 0x4000, PHYS_AREA_AVAILABLE); /* touches from below */
	phys_area_add(0x105000, 0x2000, PHYS_AREA_AVAILABLE); /* touches from above */
	assert_int_equal(phys_memory_area_count, 1);
	assert_area(0, 0x100000, 0x7000);
}

static void a_range_bridging_two_ranges_merges_all_three(void **state)
{
	phys_area_add(0x100000, 0x1000, PHYS_AREA_AVAILABLE);
	phys_area_add(0x200000, 0x1000, PHYS_AREA_AVAILABLE);
	phys_area_add(0x300000, 0x1000, PHYS_AREA_AVAILABLE);
	phys_area_add(0x100800, 0x100000, PHYS_AREA_AVAILABLE);
	assert_int_equal(phys_memory_area_count, 2);
	assert_area(0, 0x100000, 0x101000);
	assert_area(1, 0x300000, 0x1000);
}

static void a_contained_range_changes_nothing(void **state)
{
	phys_area_add(0x100000, 0x10000, PHYS_AREA_AVAILABLE);
	phys_area_add(0x104000, 0x1000, PHYS_AREA_AVAILABLE);
	assert_int_equal(phys_memory_area_count, 1);
	assert_area(0, 0x100000, 0x10000);
}

static void finish_trims_ranges_inward_to_page_boundaries(void **state)
{
	phys_area_add(0x100010, 0x3000, PHYS_AREA_AVAILABLE); /* [0x100010, 0x103010) */
	assert_int_equal(phys_area_finish(), MM_OK);
	assert_int_equal(phys_memory_area_count, 1);
	assert_area(0, 0x101000, 0x2000);
}

static void finish_drops_ranges_without_a_whole_page(void **state)
{
	phys_area_add(0x100010, 0x1000, PHYS_AREA_AVAILABLE); /* straddles, no whole page */
	phys_area_add(0x200000, 0xfff, PHYS_AREA_AVAILABLE);  /* too short */
	phys_area_add(0x300000, 0x1000, PHYS_AREA_AVAILABLE);
	assert_int_equal(phys_area_finish(), MM_OK);
	assert_int_equal(phys_memory_area_count, 1);
	assert_area(0, 0x300000, 0x1000);
	assert_true(host_log_contains("phys_area_finish: [0x100010-0x101010) holds no whole page, dropped"));
}

static void finish_handles_a_range_ending_at_the_top_of_the_address_space(void **state)
{
	phys_area_add(0xfffffffffffff800ULL, 0x7ff, PHYS_AREA_AVAILABLE);
	assert_int_equal(phys_area_finish(), MM_OK);
	assert_int_equal(phys_memory_area_count, 0);
}

static void other_types_are_recorded_in_order_seen(void **state)
{
	phys_area_add(0xf0000, 0x10000, PHYS_AREA_RESERVED);
	phys_area_add(0x7fe0000, 0x20000, PHYS_AREA_ACPI_RECLAIMABLE);
	phys_area_add(0x1000, 0x1000, 42);
	assert_int_equal(phys_memory_area_count, 0);
	assert_int_equal(phys_other_area_count, 3);
	assert_int_equal(phys_other_area[0].base, 0xf0000);
	assert_int_equal(phys_other_area[0].type, PHYS_AREA_RESERVED);
	assert_int_equal(phys_other_area[1].size_bytes, 0x20000);
	assert_int_equal(phys_other_area[1].type, PHYS_AREA_ACPI_RECLAIMABLE);
	assert_int_equal(phys_other_area[2].type, 42);
}

static void other_table_overflow_is_counted_and_logged(void **state)
{
	for (uint64_t i = 0; i < PHYS_OTHER_AREA_MAX + 2; i++)
		phys_area_add(0x1000 * i, 0x1000, PHYS_AREA_RESERVED);
	assert_int_equal(phys_other_area_count, PHYS_OTHER_AREA_MAX);
	assert_int_equal(phys_area_other_dropped_count(), 2);
	assert_true(
	    host_log_contains("other-area table full (128 entries): [0x81000-0x82000) type 2 not recorded"));
}

static void overflow_leaves_out_a_new_range_that_sorts_last(void **state)
{
	fill_table(0);
	phys_area_add(0x10000000, 0x5000, PHYS_AREA_AVAILABLE);
	assert_int_equal(phys_memory_area_count, PHYS_MEMORY_AREA_MAX);
	assert_int_equal(phys_area_dropped_count(), 1);
	assert_int_equal(phys_area_dropped_bytes(), 0x5000);
	assert_area(PHYS_MEMORY_AREA_MAX - 1, 0x2000 * (PHYS_MEMORY_AREA_MAX - 1), 0x1000);
}

static void overflow_leaves_out_the_current_last_when_the_new_range_sorts_earlier(void **state)
{
	fill_table(0x100000);
	phys_area_add(0x0, 0x3000, PHYS_AREA_AVAILABLE);
	assert_int_equal(phys_memory_area_count, PHYS_MEMORY_AREA_MAX);
	assert_area(0, 0x0, 0x3000);
	assert_area(1, 0x100000, 0x1000);
	assert_area(PHYS_MEMORY_AREA_MAX - 1, 0x100000 + 0x2000 * (PHYS_MEMORY_AREA_MAX - 2), 0x1000);
	assert_int_equal(phys_area_dropped_count(), 1);
	assert_int_equal(phys_area_dropped_bytes(), 0x1000);
}

static void a_range_that_merges_is_kept_even_when_the_table_is_full(void **state)
{
	fill_table(0);
	phys_area_add(0x1000, 0x1000, PHYS_AREA_AVAILABLE); /* fills the gap between entries 0 and 1 */
	assert_int_equal(phys_memory_area_count, PHYS_MEMORY_AREA_MAX - 1);
	assert_area(0, 0x0, 0x3000);
	assert_int_equal(phys_area_dropped_count(), 0);
}

static void finish_warns_with_the_bytes_left_out(void **state)
{
	fill_table(0);
	phys_area_add(0x10000000, 0x5000, PHYS_AREA_AVAILABLE);
	phys_area_add(0x20000000, 0x2000, PHYS_AREA_AVAILABLE);
	assert_int_equal(phys_area_finish(), MM_OK);
	assert_true(
	    host_log_contains("phys_area: table full (512 entries): left out 2 ranges, 0x7000 bytes"));
}

static void finish_is_silent_when_nothing_was_left_out(void **state)
{
	phys_area_add(0x100000, 0x1000, PHYS_AREA_AVAILABLE);
	assert_int_equal(phys_area_finish(), MM_OK);
	assert_false(host_log_contains("table full"));
}

static void an_entry_wrapping_past_2_64_is_clipped_with_a_warning(void **state)
{
	phys_area_add(0xfffffffffff00000ULL, 0x200000, PHYS_AREA_AVAILABLE);
	assert_int_equal(phys_memory_area_count, 1);
	assert_area(0, 0xfffffffffff00000ULL, 0xfffff);
	assert_true(host_log_contains(
	    "phys_area_add: entry at 0xfffffffffff00000 with size 0x200000 wraps past 2^64"));
}

static void a_zero_size_entry_is_ignored(void **state)
{
	phys_area_add(0x100000, 0, PHYS_AREA_AVAILABLE);
	phys_area_add(0x100000, 0, PHYS_AREA_RESERVED);
	assert_int_equal(phys_memory_area_count, 0);
	assert_int_equal(phys_other_area_count, 0);
}

static void finish_advances_the_stage_to_phys_areas(void **state)
{
	assert_int_equal(phys_area_finish(), MM_OK);
	assert_int_equal(mm_stage_current(), MM_STAGE_PHYS_AREAS);
}

static void finish_in_a_later_stage_is_refused_and_changes_nothing(void **state)
{
	phys_area_add(0x100010, 0x3000, PHYS_AREA_AVAILABLE);
	mm_stage_force(MM_STAGE_MEMBLOCK);
	assert_int_equal(phys_area_finish(), MM_ERR_WRONG_STAGE);
	assert_area(0, 0x100010, 0x3000);
	assert_int_equal(mm_stage_current(), MM_STAGE_MEMBLOCK);
	assert_true(host_log_contains("phys_area_finish: called in stage memblock"));
}

static void adding_after_finish_is_refused(void **state)
{
	assert_int_equal(phys_area_finish(), MM_OK);
	phys_area_add(0x100000, 0x1000, PHYS_AREA_AVAILABLE);
	assert_int_equal(phys_memory_area_count, 0);
	assert_true(host_log_contains("phys_area_add: called in stage phys_memory_area"));
}

static void total_bytes_sums_the_table(void **state)
{
	phys_area_add(0x100000, 0x3000, PHYS_AREA_AVAILABLE);
	phys_area_add(0x200000, 0x5000, PHYS_AREA_AVAILABLE);
	phys_area_add(0x300000, 0x9000, PHYS_AREA_RESERVED);
	assert_int_equal(phys_area_total_bytes(), 0x8000);
}

static void dump_logs_each_range_with_its_size(void **state)
{
	phys_area_add(0x100000, 0x3000, PHYS_AREA_AVAILABLE);
	phys_area_add(0x200000, 0x100000, PHYS_AREA_AVAILABLE);
	phys_area_dump();
	assert_true(host_log_contains("  [0x100000-0x103000) 12 KiB\n"));
	assert_true(host_log_contains("  [0x200000-0x300000) 1024 KiB\n"));
}

static void type_names_are_readable(void **state)
{
	assert_string_equal(phys_area_type_name(PHYS_AREA_AVAILABLE), "available");
	assert_string_equal(phys_area_type_name(PHYS_AREA_ACPI_NVS), "ACPI NVS");
	assert_string_equal(phys_area_type_name(99), "unknown");
}

static void a_reserved_range_inside_usable_ram_splits_it_rounded_out_to_pages(void **state)
{
	phys_area_add(0x100000, 0x100000, PHYS_AREA_AVAILABLE);
	assert_int_equal(phys_area_add(0x140800, 0x1000, PHYS_AREA_ACPI_NVS), MM_OK);
	assert_int_equal(phys_memory_area_count, 2);
	assert_area(0, 0x100000, 0x40000);
	assert_area(1, 0x142000, 0xbe000);
	assert_int_equal(phys_area_excluded_bytes(), 0x2000);
	assert_true(host_log_contains("phys_area: [0x140800-0x141800) is listed as usable and as ACPI NVS: "
	                              "not using [0x140000-0x142000)"));
}

static void a_reserved_range_before_the_usable_one_is_cut_all_the_same(void **state)
{
	phys_area_add(0x140800, 0x1000, PHYS_AREA_RESERVED);
	phys_area_add(0x100000, 0x100000, PHYS_AREA_AVAILABLE);
	assert_int_equal(phys_memory_area_count, 2);
	assert_area(0, 0x100000, 0x40000);
	assert_area(1, 0x142000, 0xbe000);
}

static void a_reserved_range_covering_ends_and_wholes_trims_and_removes(void **state)
{
	phys_area_add(0x100000, 0x10000, PHYS_AREA_AVAILABLE);
	phys_area_add(0x200000, 0x10000, PHYS_AREA_AVAILABLE);
	phys_area_add(0x300000, 0x10000, PHYS_AREA_AVAILABLE);
	/* from the middle of the first to the middle of the third */
	phys_area_add(0x108000, 0x200000, PHYS_AREA_BADRAM);
	assert_int_equal(phys_memory_area_count, 2);
	assert_area(0, 0x100000, 0x8000);
	assert_area(1, 0x308000, 0x8000);
	assert_int_equal(phys_area_excluded_bytes(), 0x8000 + 0x10000 + 0x8000);
}

static void a_cut_that_splits_a_full_table_leaves_out_ram_never_the_cut(void **state)
{
	phys_area_add(0, 0x10000, PHYS_AREA_AVAILABLE);
	for (uint64_t i = 0; i < PHYS_MEMORY_AREA_MAX - 1; i++)
		phys_area_add(0x100000 + 0x2000 * i, 0x1000, PHYS_AREA_AVAILABLE);
	assert_int_equal(phys_memory_area_count, PHYS_MEMORY_AREA_MAX);
	phys_area_add(0x8000, 0x1000, PHYS_AREA_RESERVED); /* splits entry 0 */
	assert_int_equal(phys_memory_area_count, PHYS_MEMORY_AREA_MAX);
	assert_area(0, 0, 0x8000);
	assert_area(1, 0x9000, 0x7000);
	/* the range that sorts last made room, and is counted */
	assert_int_equal(phys_area_dropped_count(), 1);
	assert_int_equal(phys_area_dropped_bytes(), 0x1000);
}

static void a_reserved_range_at_the_top_of_the_address_space_rounds_without_wrapping(void **state)
{
	phys_area_add(0xffffffffff000000ULL, 0xfff000, PHYS_AREA_AVAILABLE);
	phys_area_add(0xfffffffffff00800ULL, 0x100, PHYS_AREA_RESERVED);
	assert_int_equal(phys_memory_area_count, 2);
	assert_area(0, 0xffffffffff000000ULL, 0xf00000);
	assert_area(1, 0xfffffffffff01000ULL, 0xfe000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(usable_ranges_are_kept_sorted_by_base, reset),
	    cmocka_unit_test_setup(overlapping_usable_ranges_merge, reset),
	    cmocka_unit_test_setup(adjacent_usable_ranges_merge, reset),
	    cmocka_unit_test_setup(a_range_bridging_two_ranges_merges_all_three, reset),
	    cmocka_unit_test_setup(a_contained_range_changes_nothing, reset),
	    cmocka_unit_test_setup(finish_trims_ranges_inward_to_page_boundaries, reset),
	    cmocka_unit_test_setup(finish_drops_ranges_without_a_whole_page, reset),
	    cmocka_unit_test_setup(finish_handles_a_range_ending_at_the_top_of_the_address_space, reset),
	    cmocka_unit_test_setup(other_types_are_recorded_in_order_seen, reset),
	    cmocka_unit_test_setup(other_table_overflow_is_counted_and_logged, reset),
	    cmocka_unit_test_setup(overflow_leaves_out_a_new_range_that_sorts_last, reset),
	    cmocka_unit_test_setup(overflow_leaves_out_the_current_last_when_the_new_range_sorts_earlier,
	                           reset),
	    cmocka_unit_test_setup(a_range_that_merges_is_kept_even_when_the_table_is_full, reset),
	    cmocka_unit_test_setup(finish_warns_with_the_bytes_left_out, reset),
	    cmocka_unit_test_setup(finish_is_silent_when_nothing_was_left_out, reset),
	    cmocka_unit_test_setup(an_entry_wrapping_past_2_64_is_clipped_with_a_warning, reset),
	    cmocka_unit_test_setup(a_zero_size_entry_is_ignored, reset),
	    cmocka_unit_test_setup(finish_advances_the_stage_to_phys_areas, reset),
	    cmocka_unit_test_setup(finish_in_a_later_stage_is_refused_and_changes_nothing, reset),
	    cmocka_unit_test_setup(adding_after_finish_is_refused, reset),
	    cmocka_unit_test_setup(total_bytes_sums_the_table, reset),
	    cmocka_unit_test_setup(dump_logs_each_range_with_its_size, reset),
	    cmocka_unit_test_setup(type_names_are_readable, reset),
	    cmocka_unit_test_setup(a_reserved_range_inside_usable_ram_splits_it_rounded_out_to_pages, reset),
	    cmocka_unit_test_setup(a_reserved_range_before_the_usable_one_is_cut_all_the_same, reset),
	    cmocka_unit_test_setup(a_reserved_range_covering_ends_and_wholes_trims_and_removes, reset),
	    cmocka_unit_test_setup(a_cut_that_splits_a_full_table_leaves_out_ram_never_the_cut, reset),
	    cmocka_unit_test_setup(a_reserved_range_at_the_top_of_the_address_space_rounds_without_wrapping,
	                           reset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
