/* test_cmdline.c - the kernel command line: each known word turns on its
 * option, words match exactly, separators may repeat, and an unknown word
 * is reported with the list of known words without stopping the parse. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <string.h>

#include "host_env.h"
#include "lib/cmdline.h"

static int reset(void **state)
{
	(void)state;
	host_log_clear();
	return 0;
}

/* Parses into an options struct filled with junk first, so that an option
 * the parser forgets to clear shows up. */
static struct cmdline_options parse(const char *cmdline)
{
	struct cmdline_options options;
	memset(&options, 0xa5, sizeof(options));
	cmdline_parse(cmdline, &options);
	return options;
}

static void exit_word_sets_only_exit(void **state)
{
	struct cmdline_options o = parse("exit");
	assert_true(o.exit);
	assert_false(o.selftest);
	assert_false(o.test_pagefault);
	assert_int_equal(o.unknown_count, 0);
	assert_string_equal(host_log_text(), "");
}

static void selftest_word_sets_only_selftest(void **state)
{
	struct cmdline_options o = parse("selftest");
	assert_false(o.exit);
	assert_true(o.selftest);
	assert_false(o.test_pagefault);
	assert_int_equal(o.unknown_count, 0);
}

static void test_pagefault_word_sets_only_test_pagefault(void **state)
{
	struct cmdline_options o = parse("test-pagefault");
	assert_false(o.exit);
	assert_false(o.selftest);
	assert_true(o.test_pagefault);
	assert_int_equal(o.unknown_count, 0);
}

static void debug_word_sets_only_debug(void **state)
{
	struct cmdline_options o = parse("debug");
	assert_true(o.debug);
	assert_false(o.exit);
	assert_false(o.selftest);
	assert_false(o.test_null);
	assert_int_equal(o.unknown_count, 0);
}

static void test_null_word_sets_only_test_null(void **state)
{
	struct cmdline_options o = parse("test-null");
	assert_true(o.test_null);
	assert_false(o.test_pagefault);
	assert_false(o.debug);
	assert_int_equal(o.unknown_count, 0);
}

static void test_triple_fault_word_sets_only_test_triple_fault(void **state)
{
	struct cmdline_options o = parse("test-triple-fault");
	assert_true(o.test_triple_fault);
	assert_false(o.exit);
	assert_false(o.test_pagefault);
	assert_false(o.test_null);
	assert_int_equal(o.unknown_count, 0);
}

static void test_stack_overflow_word_sets_only_test_stack_overflow(void **state)
{
	struct cmdline_options o = parse("test-stack-overflow");
	assert_true(o.test_stack_overflow);
	assert_false(o.test_null);
	assert_false(o.test_pagefault);
	assert_int_equal(o.unknown_count, 0);
}

static void poison_words_set_their_own_options(void **state)
{
	struct cmdline_options o = parse("poison");
	assert_true(o.poison);
	assert_false(o.no_poison);
	assert_false(o.test_use_after_free);
	o = parse("no-poison");
	assert_false(o.poison);
	assert_true(o.no_poison);
	o = parse("test-use-after-free");
	assert_true(o.test_use_after_free);
	assert_false(o.poison);
	assert_false(o.no_poison);
	assert_int_equal(o.unknown_count, 0);
}

static void test_ap_missing_sets_only_its_own_option(void **state)
{
	struct cmdline_options o = parse("test-ap-missing");
	assert_true(o.test_ap_missing);
	assert_false(o.exit);
	assert_false(o.selftest);
	assert_false(cmdline_page_poisoning(&o));
	assert_int_equal(o.unknown_count, 0);
}

static void page_poisoning_is_off_without_a_word_that_turns_it_on(void **state)
{
	struct cmdline_options o = parse("exit test-pagefault test-null");
	assert_false(cmdline_page_poisoning(&o));
	o = parse(NULL);
	assert_false(cmdline_page_poisoning(&o));
}

static void page_poisoning_is_on_with_poison_selftest_debug_or_test_use_after_free(void **state)
{
	static const char *const lines[] = {"poison", "exit selftest", "debug", "test-use-after-free"};
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		struct cmdline_options o = parse(lines[i]);
		assert_true(cmdline_page_poisoning(&o));
	}
}

static void no_poison_turns_page_poisoning_off_whatever_else_says_on(void **state)
{
	static const char *const lines[] = {"selftest no-poison", "no-poison debug", "poison no-poison",
	                                    "no-poison poison", "exit test-use-after-free no-poison"};
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		struct cmdline_options o = parse(lines[i]);
		assert_false(cmdline_page_poisoning(&o));
	}
}

static void several_words_set_several_options(void **state)
{
	struct cmdline_options o = parse("selftest exit test-pagefault");
	assert_true(o.exit);
	assert_true(o.selftest);
	assert_true(o.test_pagefault);
	assert_int_equal(o.unknown_count, 0);
}

static void repeated_spaces_and_tabs_separate_words(void **state)
{
	struct cmdline_options o = parse("  \t exit\t\t  selftest   \t");
	assert_true(o.exit);
	assert_true(o.selftest);
	assert_false(o.test_pagefault);
	assert_int_equal(o.unknown_count, 0);
	assert_string_equal(host_log_text(), "");
}

static void unknown_word_warns_with_the_known_words(void **state)
{
	struct cmdline_options o = parse("frobnicate");
	assert_int_equal(o.unknown_count, 1);
	assert_string_equal(host_log_text(), "cmdline: unknown word 'frobnicate' ignored; known words: exit "
	                                     "selftest debug test-pagefault test-null test-triple-fault "
	                                     "test-stack-overflow poison no-poison test-use-after-free "
	                                     "test-ap-missing\n");
}

static void parsing_goes_on_after_an_unknown_word(void **state)
{
	struct cmdline_options o = parse("exit bogus selftest other");
	assert_true(o.exit);
	assert_true(o.selftest);
	assert_int_equal(o.unknown_count, 2);
	assert_true(host_log_contains("unknown word 'bogus' ignored"));
	assert_true(host_log_contains("unknown word 'other' ignored"));
}

static void prefix_or_extension_of_a_word_is_unknown(void **state)
{
	struct cmdline_options o = parse("exitx exi selftes selftest2 test");
	assert_false(o.exit);
	assert_false(o.selftest);
	assert_false(o.test_pagefault);
	assert_int_equal(o.unknown_count, 5);
	assert_true(host_log_contains("'exitx'"));
	assert_true(host_log_contains("'exi'"));
	assert_true(host_log_contains("'selftes'"));
	assert_true(host_log_contains("'selftest2'"));
	assert_true(host_log_contains("'test'"));
}

static void matching_is_case_sensitive(void **state)
{
	struct cmdline_options o = parse("EXIT");
	assert_false(o.exit);
	assert_int_equal(o.unknown_count, 1);
}

static void empty_or_blank_command_line_sets_nothing(void **state)
{
	static const char *const lines[] = {"", " ", "\t \t"};
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		struct cmdline_options o = parse(lines[i]);
		assert_false(o.exit);
		assert_false(o.selftest);
		assert_false(o.test_pagefault);
		assert_int_equal(o.unknown_count, 0);
	}
	assert_string_equal(host_log_text(), "");
}

static void null_command_line_sets_nothing(void **state)
{
	struct cmdline_options o = parse(NULL);
	assert_false(o.exit);
	assert_false(o.selftest);
	assert_false(o.test_pagefault);
	assert_int_equal(o.unknown_count, 0);
	assert_string_equal(host_log_text(), "");
}

static void long_unknown_word_is_cut_to_64_characters_in_the_warning(void **state)
{
	char line[201];
	memset(line, 'w', 200);
	line[200] = '\0';
	line[64] = 'X'; /* the 65th character must not be shown */
	struct cmdline_options o = parse(line);
	assert_int_equal(o.unknown_count, 1);

	char expected[128] = "cmdline: unknown word '";
	memset(expected + strlen(expected), 'w', 64);
	strcpy(expected + strlen("cmdline: unknown word '") + 64, "...' ignored;");
	assert_true(host_log_contains(expected));
	assert_false(host_log_contains("X"));
}

static void word_of_exactly_64_characters_is_shown_whole(void **state)
{
	char line[65];
	memset(line, 'w', 64);
	line[64] = '\0';
	parse(line);
	char expected[80] = "'";
	strcat(expected, line);
	strcat(expected, "' ignored");
	assert_true(host_log_contains(expected));
	assert_false(host_log_contains("..."));
}

static void help_lists_every_word_with_its_help(void **state)
{
	cmdline_print_help();
	assert_true(host_log_contains("exit"));
	assert_true(host_log_contains("end QEMU through isa-debug-exit when the boot finishes or fails\n"));
	assert_true(host_log_contains("selftest"));
	assert_true(host_log_contains("run the in-kernel self-tests before KERNEL OK\n"));
	assert_true(host_log_contains("test-pagefault"));
	assert_true(
	    host_log_contains("test only: write to an unmapped address to check the page-fault report\n"));
	assert_true(host_log_contains("  test-use-after-free  test only: write to a freed page"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(exit_word_sets_only_exit, reset),
	    cmocka_unit_test_setup(selftest_word_sets_only_selftest, reset),
	    cmocka_unit_test_setup(test_pagefault_word_sets_only_test_pagefault, reset),
	    cmocka_unit_test_setup(debug_word_sets_only_debug, reset),
	    cmocka_unit_test_setup(test_null_word_sets_only_test_null, reset),
	    cmocka_unit_test_setup(test_triple_fault_word_sets_only_test_triple_fault, reset),
	    cmocka_unit_test_setup(test_stack_overflow_word_sets_only_test_stack_overflow, reset),
	    cmocka_unit_test_setup(poison_words_set_their_own_options, reset),
	    cmocka_unit_test_setup(test_ap_missing_sets_only_its_own_option, reset),
	    cmocka_unit_test_setup(page_poisoning_is_off_without_a_word_that_turns_it_on, reset),
	    cmocka_unit_test_setup(page_poisoning_is_on_with_poison_selftest_debug_or_test_use_after_free,
	                           reset),
	    cmocka_unit_test_setup(no_poison_turns_page_poisoning_off_whatever_else_says_on, reset),
	    cmocka_unit_test_setup(several_words_set_several_options, reset),
	    cmocka_unit_test_setup(repeated_spaces_and_tabs_separate_words, reset),
	    cmocka_unit_test_setup(unknown_word_warns_with_the_known_words, reset),
	    cmocka_unit_test_setup(parsing_goes_on_after_an_unknown_word, reset),
	    cmocka_unit_test_setup(prefix_or_extension_of_a_word_is_unknown, reset),
	    cmocka_unit_test_setup(matching_is_case_sensitive, reset),
	    cmocka_unit_test_setup(empty_or_blank_command_line_sets_nothing, reset),
	    cmocka_unit_test_setup(null_command_line_sets_nothing, reset),
	    cmocka_unit_test_setup(long_unknown_word_is_cut_to_64_characters_in_the_warning, reset),
	    cmocka_unit_test_setup(word_of_exactly_64_characters_is_shown_whole, reset),
	    cmocka_unit_test_setup(help_lists_every_word_with_its_help, reset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
