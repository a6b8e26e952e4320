/* test_stage_order.c - the stage machine allows only the next stage, and a
 * stage check outside the allowed window refuses with a message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "host_env.h"
#include "mm/stage_order.h"

static int reset(void **state)
{
	(void)state;
	mm_stage_force(MM_STAGE_NONE);
	host_log_clear();
	return 0;
}

static void advancing_one_stage_at_a_time_works(void **state)
{
	for (enum mm_stage s = MM_STAGE_PHYS_AREAS; s <= MM_STAGE_SMP; s++) {
		assert_int_equal(mm_stage_advance(s), MM_OK);
		assert_int_equal(mm_stage_current(), s);
	}
}

static void skipping_a_stage_is_refused(void **state)
{
	assert_int_equal(mm_stage_advance(MM_STAGE_BUMP), MM_ERR_WRONG_STAGE);
	assert_int_equal(mm_stage_current(), MM_STAGE_NONE);
	assert_true(host_log_contains("cannot go from stage none to bump"));
}

static void going_back_is_refused(void **state)
{
	mm_stage_force(MM_STAGE_BUDDY);
	assert_int_equal(mm_stage_advance(MM_STAGE_BUMP), MM_ERR_WRONG_STAGE);
	assert_int_equal(mm_stage_current(), MM_STAGE_BUDDY);
}

static void check_inside_window_passes(void **state)
{
	mm_stage_force(MM_STAGE_BUMP);
	assert_int_equal(mm_stage_check("bump_alloc", MM_STAGE_MEMBLOCK, MM_STAGE_PAGING), MM_OK);
	assert_string_equal(host_log_text(), "");
}

static void check_outside_window_names_caller_and_stages(void **state)
{
	mm_stage_force(MM_STAGE_BUDDY);
	assert_int_equal(mm_stage_check("bump_alloc", MM_STAGE_MEMBLOCK, MM_STAGE_PAGING),
	                 MM_ERR_WRONG_STAGE);
	assert_true(
	    host_log_contains("bump_alloc: called in stage buddy, allowed only from memblock to paging"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(advancing_one_stage_at_a_time_works, reset),
	    cmocka_unit_test_setup(skipping_a_stage_is_refused, reset),
	    cmocka_unit_test_setup(going_back_is_refused, reset),
	    cmocka_unit_test_setup(check_inside_window_passes, reset),
	    cmocka_unit_test_setup(check_outside_window_names_caller_and_stages, reset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
