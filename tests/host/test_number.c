/* test_number.c - parse_u64: the numbers the monitor accepts and the ones
 * it refuses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "lib/number.h"

static void decimal_and_hex_are_read(void **state)
{
	uint64_t v = 0;
	assert_true(parse_u64("4096", &v));
	assert_int_equal(v, 4096);
	assert_true(parse_u64("0x2a4000", &v));
	assert_int_equal(v, 0x2a4000);
	assert_true(parse_u64("0XFFff", &v));
	assert_int_equal(v, 0xffff);
	assert_true(parse_u64("0", &v));
	assert_int_equal(v, 0);
}

static void the_largest_value_is_read_and_one_more_is_refused(void **state)
{
	uint64_t v = 7;
	assert_true(parse_u64("18446744073709551615", &v));
	assert_true(v == UINT64_MAX);
	assert_true(parse_u64("0xffffffffffffffff", &v));
	assert_true(v == UINT64_MAX);
	v = 7;
	assert_false(parse_u64("18446744073709551616", &v));
	assert_false(parse_u64("0x10000000000000000", &v));
	assert_int_equal(v, 7);
}

static void anything_else_is_refused_and_leaves_the_output_alone(void **state)
{
	static const char *const bad[] = {"", "0x", "12a", "-1", "+1", " 1", "1 ", "0xg", "x10", "1.5"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint64_t v = 7;
		assert_false(parse_u64(bad[i], &v));
		assert_int_equal(v, 7);
	}
	uint64_t v = 7;
	assert_false(parse_u64(NULL, &v));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(decimal_and_hex_are_read),
	    cmocka_unit_test(the_largest_value_is_read_and_one_more_is_refused),
	    cmocka_unit_test(anything_else_is_refused_and_leaves_the_output_alone),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
