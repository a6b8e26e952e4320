/*
 * test_lab_phys_area.c - stage 1's behaviour as lab phys_area grades it:
 * what test_phys_area.c checks through the wording of messages is checked
 * here through return values, the table and the level of what was logged
 * (students write their own messages), and random maps are compared with a
 * simple model of what the table must hold.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <string.h>

#include "host_env.h"
#include "lab_checks.h"
#include "mm/mm_env.h"
#include "mm/phys_area.h"
#include "mm/stage_order.h"

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

/* --- refusals and warnings, by value and level ---------------------------- */

static void finish_drops_a_range_without_a_whole_page_and_warns(void **state)
{
	phys_area_add(0x100010, 0x1000, PHYS_AREA_AVAILABLE); /* straddles a boundary */
	phys_area_add(0x300000, 0x1000, PHYS_AREA_AVAILABLE);
	host_log_clear();
	assert_int_equal(phys_area_finish(), MM_OK);
	assert_int_equal(phys_memory_area_count, 1);
	assert_area(0, 0x300000, 0x1000);
	assert_true(lab_log_has_warning());
}

static void adding_after_finish_is_refused_and_changes_nothing(void **state)
{
	phys_area_add(0x100000, 0x1000, PHYS_AREA_AVAILABLE);
	assert_int_equal(phys_area_finish(), MM_OK);
	host_log_clear();
	assert_int_equal(phys_area_add(0x200000, 0x1000, PHYS_AREA_AVAILABLE), MM_ERR_WRONG_STAGE);
	assert_int_equal(phys_area_add(0x100000, 0x1000, PHYS_AREA_RESERVED), MM_ERR_WRONG_STAGE);
	assert_int_equal(phys_memory_area_count, 1);
	assert_area(0, 0x100000, 0x1000);
	assert_int_equal(phys_other_area_count, 0);
	assert_true(lab_log_has_warning());
}

static void finish_in_a_later_stage_is_refused_and_changes_nothing(void **state)
{
	phys_area_add(0x100010, 0x3000, PHYS_AREA_AVAILABLE);
	mm_stage_force(MM_STAGE_MEMBLOCK);
	assert_int_equal(phys_area_finish(), MM_ERR_WRONG_STAGE);
	assert_area(0, 0x100010, 0x3000); /* not trimmed */
	assert_int_equal(mm_stage_current(), MM_STAGE_MEMBLOCK);
	assert_true(lab_log_has_warning());
}

static void finishing_twice_is_refused(void **state)
{
	phys_area_add(0x100000, 0x2000, PHYS_AREA_AVAILABLE);
	assert_int_equal(phys_area_finish(), MM_OK);
	assert_int_equal(phys_area_finish(), MM_ERR_WRONG_STAGE);
	assert_int_equal(mm_stage_current(), MM_STAGE_PHYS_AREAS);
	assert_area(0, 0x100000, 0x2000);
}

static void an_entry_wrapping_past_2_64_is_clipped_and_warned_about(void **state)
{
	assert_int_equal(phys_area_add(0xfffffffffff00000ULL, 0x200000, PHYS_AREA_AVAILABLE), MM_OK);
	assert_int_equal(phys_memory_area_count, 1);
	assert_area(0, 0xfffffffffff00000ULL, 0xfffff);
	assert_true(lab_log_has_warning());
}

static void finish_warns_when_ram_was_left_out(void **state)
{
	for (uint64_t i = 0; i < PHYS_MEMORY_AREA_MAX + 1; i++)
		phys_area_add(0x2000 * i, 0x1000, PHYS_AREA_AVAILABLE);
	host_log_clear();
	assert_int_equal(phys_area_finish(), MM_OK);
	assert_int_equal(phys_memory_area_count, PHYS_MEMORY_AREA_MAX);
	assert_true(lab_log_has_warning());
}

static void finish_of_a_clean_map_says_nothing_alarming(void **state)
{
	phys_area_add(0x0, 0x9f000, PHYS_AREA_AVAILABLE);
	phys_area_add(0x100000, 0x7ee0000, PHYS_AREA_AVAILABLE);
	phys_area_add(0xf0000, 0x10000, PHYS_AREA_RESERVED); /* outside RAM */
	assert_int_equal(phys_area_finish(), MM_OK);
	assert_false(lab_log_has_warning());
	assert_int_equal(phys_area_excluded_bytes(), 0);
}

/* --- cutting other types out ----------------------------------------------- */

static void a_partial_page_firmware_range_takes_every_page_it_touches(void **state)
{
	phys_area_add(0x100000, 0x100000, PHYS_AREA_AVAILABLE);
	assert_int_equal(phys_area_add(0x140800, 0x1000, PHYS_AREA_ACPI_NVS), MM_OK);
	assert_int_equal(phys_memory_area_count, 2);
	assert_area(0, 0x100000, 0x40000);
	assert_area(1, 0x142000, 0xbe000);
	assert_int_equal(phys_area_excluded_bytes(), 0x2000);
	assert_true(lab_log_has_warning());
}

static void a_firmware_range_ending_on_a_page_boundary_takes_no_page_above(void **state)
{
	phys_area_add(0x100000, 0x10000, PHYS_AREA_AVAILABLE);
	phys_area_add(0x104000, 0x2000, PHYS_AREA_RESERVED); /* whole pages: nothing to round */
	assert_int_equal(phys_memory_area_count, 2);
	assert_area(0, 0x100000, 0x4000);
	assert_area(1, 0x106000, 0xa000);
	assert_int_equal(phys_area_excluded_bytes(), 0x2000);
}

static void a_firmware_range_touching_usable_ram_takes_nothing(void **state)
{
	phys_area_add(0x100000, 0x10000, PHYS_AREA_AVAILABLE);
	phys_area_add(0x110000, 0x1000, PHYS_AREA_RESERVED); /* right above */
	phys_area_add(0x0ff000, 0x1000, PHYS_AREA_RESERVED); /* right below */
	assert_int_equal(phys_memory_area_count, 1);
	assert_area(0, 0x100000, 0x10000);
	assert_int_equal(phys_area_excluded_bytes(), 0);
}

static void a_firmware_range_over_a_whole_range_removes_it_and_keeps_the_others(void **state)
{
	phys_area_add(0x100000, 0x1000, PHYS_AREA_AVAILABLE);
	phys_area_add(0x200000, 0x1000, PHYS_AREA_AVAILABLE);
	phys_area_add(0x300000, 0x1000, PHYS_AREA_AVAILABLE);
	phys_area_add(0x1ff000, 0x3000, PHYS_AREA_BADRAM);
	assert_int_equal(phys_memory_area_count, 2);
	assert_area(0, 0x100000, 0x1000);
	assert_area(1, 0x300000, 0x1000);
}

static void a_usable_range_added_later_is_cut_against_every_recorded_type(void **state)
{
	phys_area_add(0x104000, 0x1000, PHYS_AREA_RESERVED);
	phys_area_add(0x108800, 0x100, PHYS_AREA_ACPI_NVS);
	phys_area_add(0x10c000, 0x1000, 77); /* unknown types are not RAM either */
	phys_area_add(0x100000, 0x10000, PHYS_AREA_AVAILABLE);
	assert_int_equal(phys_memory_area_count, 4);
	assert_area(0, 0x100000, 0x4000);
	assert_area(1, 0x105000, 0x3000);
	assert_area(2, 0x109000, 0x3000);
	assert_area(3, 0x10d000, 0x3000);
}

static void other_entries_beyond_the_record_are_counted_and_still_cut(void **state)
{
	phys_area_add(0x0, 0x1000000, PHYS_AREA_AVAILABLE); /* usable first, as the reader does */
	for (uint64_t i = 0; i < PHYS_OTHER_AREA_MAX + 3; i++)
		assert_int_equal(phys_area_add(0x10000 * (i + 1), 0x1000, PHYS_AREA_RESERVED), MM_OK);
	assert_int_equal(phys_other_area_count, PHYS_OTHER_AREA_MAX);
	assert_int_equal(phys_area_other_dropped_count(), 3);
	assert_int_equal(phys_area_other_count(), PHYS_OTHER_AREA_MAX + 3);
	/* the last one was not recorded, and was cut all the same */
	assert_int_equal(phys_area_excluded_bytes(), (PHYS_OTHER_AREA_MAX + 3) * 0x1000);
	assert_int_equal(phys_memory_area_count, PHYS_OTHER_AREA_MAX + 4);
	assert_int_equal(phys_area_finish(), MM_OK);
}

static void usable_ram_after_unrecorded_entries_fails_closed(void **state)
{
	for (uint64_t i = 0; i < PHYS_OTHER_AREA_MAX + 1; i++)
		phys_area_add(0x10000 * (i + 1), 0x1000, PHYS_AREA_RESERVED);
	phys_area_add(0x0, 0x1000000, PHYS_AREA_AVAILABLE);
	host_log_clear();
	assert_int_equal(phys_area_finish(), MM_ERR_TABLE_FULL);
	assert_int_equal(mm_stage_current(), MM_STAGE_NONE);
	assert_true(lab_log_has_warning());
}

/* --- random maps against a model --------------------------------------------- */

/*
 * The model: addresses in units of 0x100 over 16 pages. A unit is usable
 * when some available entry covers it and no entry of another type, rounded
 * out to whole pages, does. Before finish the table must be exactly the
 * maximal runs of usable units; after it, the maximal runs of the pages
 * whose every unit is usable.
 */
#define UNIT           0x100ULL
#define UNITS_PER_PAGE (PAGE_SIZE / UNIT)
#define SPACE_UNITS    (16 * UNITS_PER_PAGE)
#define SPACE_BASE     0x100000ULL

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t next_random(void)
{
	return lab_random(&rng_state);
}

static bool model_avail[SPACE_UNITS], model_forbid[SPACE_UNITS];

/* Compare the table with the runs of units where want(u) holds. */
static void expect_table_is_runs_of(bool (*want)(size_t))
{
	size_t idx = 0, pos = 0, start, end;
	for (; lab_next_run(want, SPACE_UNITS, &pos, &start, &end); idx++) {
		assert_true(idx < phys_memory_area_count);
		assert_int_equal(phys_memory_area[idx].base, SPACE_BASE + start * UNIT);
		assert_int_equal(phys_memory_area[idx].size_bytes, (end - start) * UNIT);
	}
	assert_int_equal(phys_memory_area_count, idx);
}

static bool usable_unit(size_t u)
{
	return model_avail[u] && !model_forbid[u];
}

static bool whole_page_unit(size_t u)
{
	size_t first = u - u % UNITS_PER_PAGE;
	for (size_t i = first; i < first + UNITS_PER_PAGE; i++)
		if (!usable_unit(i))
			return false;
	return true;
}

static void random_maps_give_the_table_the_model_predicts(void **state)
{
	static const uint32_t other_types[] = {PHYS_AREA_RESERVED, PHYS_AREA_ACPI_RECLAIMABLE,
	                                       PHYS_AREA_ACPI_NVS, PHYS_AREA_BADRAM, 20};
	for (int trial = 0; trial < 400; trial++) {
		reset(NULL);
		memset(model_avail, 0, sizeof(model_avail));
		memset(model_forbid, 0, sizeof(model_forbid));
		int entries = 1 + (int)(next_random() % 12);
		for (int e = 0; e < entries; e++) {
			size_t b = next_random() % SPACE_UNITS;
			size_t len = 1 + next_random() % (SPACE_UNITS / 3);
			if (b + len > SPACE_UNITS)
				len = SPACE_UNITS - b;
			bool usable = next_random() % 3 != 0;
			uint32_t type = usable ? PHYS_AREA_AVAILABLE : other_types[next_random() % 5];
			assert_int_equal(phys_area_add(SPACE_BASE + b * UNIT, len * UNIT, type), MM_OK);
			if (usable) {
				for (size_t u = b; u < b + len; u++)
					model_avail[u] = true;
			} else {
				size_t lo = b - b % UNITS_PER_PAGE;
				size_t hi = ALIGN_UP(b + len, UNITS_PER_PAGE);
				for (size_t u = lo; u < hi && u < SPACE_UNITS; u++)
					model_forbid[u] = true;
			}
			expect_table_is_runs_of(usable_unit);
		}
		assert_int_equal(phys_area_finish(), MM_OK);
		expect_table_is_runs_of(whole_page_unit);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(finish_drops_a_range_without_a_whole_page_and_warns, reset),
	    cmocka_unit_test_setup(adding_after_finish_is_refused_and_changes_nothing, reset),
	    cmocka_unit_test_setup(finish_in_a_later_stage_is_refused_and_changes_nothing, reset),
	    cmocka_unit_test_setup(finishing_twice_is_refused, reset),
	    cmocka_unit_test_setup(an_entry_wrapping_past_2_64_is_clipped_and_warned_about, reset),
	    cmocka_unit_test_setup(finish_warns_when_ram_was_left_out, reset),
	    cmocka_unit_test_setup(finish_of_a_clean_map_says_nothing_alarming, reset),
	    cmocka_unit_test_setup(a_partial_page_firmware_range_takes_every_page_it_touches, reset),
	    cmocka_unit_test_setup(a_firmware_range_ending_on_a_page_boundary_takes_no_page_above, reset),
	    cmocka_unit_test_setup(a_firmware_range_touching_usable_ram_takes_nothing, reset),
	    cmocka_unit_test_setup(a_firmware_range_over_a_whole_range_removes_it_and_keeps_the_others,
	                           reset),
	    cmocka_unit_test_setup(a_usable_range_added_later_is_cut_against_every_recorded_type, reset),
	    cmocka_unit_test_setup(other_entries_beyond_the_record_are_counted_and_still_cut, reset),
	    cmocka_unit_test_setup(usable_ram_after_unrecorded_entries_fails_closed, reset),
	    cmocka_unit_test_setup(random_maps_give_the_table_the_model_predicts, reset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
