/* test_log.c - log levels: what prints at which threshold, with which
 * prefix. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "host_env.h"
#include "lib/log.h"

static int reset(void **state)
{
	log_set_level(LOG_INFO);
	host_log_clear();
	return 0;
}

static void default_threshold_is_info(void **state)
{
	assert_int_equal(log_get_level(), LOG_INFO);
	assert_true(log_enabled(LOG_INFO));
	assert_false(log_enabled(LOG_DEBUG));
}

static void info_prints_without_prefix(void **state)
{
	pr_info("memblock: %d regions\n", 3);
	assert_string_equal(host_log_text(), "memblock: 3 regions\n");
}

static void warnings_and_errors_carry_a_prefix(void **state)
{
	pr_warn("odd value 0x%x\n", 0x2a);
	pr_err("bad value %d\n", -1);
	assert_string_equal(host_log_text(), "warning: odd value 0x2a\nerror: bad value -1\n");
}

static void debug_is_silent_at_info(void **state)
{
	assert_int_equal(pr_debug("hidden\n"), 0);
	assert_string_equal(host_log_text(), "");
}

static void debug_prints_at_debug_threshold(void **state)
{
	log_set_level(LOG_DEBUG);
	pr_debug("shown %s\n", "now");
	assert_string_equal(host_log_text(), "debug: shown now\n");
}

static void error_threshold_hides_warnings(void **state)
{
	log_set_level(LOG_ERROR);
	pr_warn("hidden\n");
	pr_info("hidden\n");
	pr_err("shown\n");
	assert_string_equal(host_log_text(), "error: shown\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(default_threshold_is_info, reset),
	    cmocka_unit_test_setup(info_prints_without_prefix, reset),
	    cmocka_unit_test_setup(warnings_and_errors_carry_a_prefix, reset),
	    cmocka_unit_test_setup(debug_is_silent_at_info, reset),
	    cmocka_unit_test_setup(debug_prints_at_debug_threshold, reset),
	    cmocka_unit_test_setup(error_threshold_hides_warnings, reset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
