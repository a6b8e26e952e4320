/* test_format.c - kvsnprintf formats like C's snprintf for every conversion,
 * flag, width, precision and length modifier; %p, NULL %s and unknown
 * conversions follow format.h; truncation keeps the C return value; kprintf
 * delivers output of any length to the console in full. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "host_env.h"
#include "lib/format.h"

static unsigned long cases_checked;

static int reset(void **state)
{
	(void)state;
	host_log_clear();
	cases_checked = 0;
	return 0;
}

/* Formats the same arguments with the host's vsnprintf and with kvsnprintf
 * and fails, naming the format, unless text and return value agree. */
static void __attribute__((format(printf, 1, 2))) check_like_libc(const char *fmt, ...)
{
	char expected[512], actual[512];
	va_list ap, ap_copy;
	va_start(ap, fmt);
	va_copy(ap_copy, ap);
	int expected_len = vsnprintf(expected, sizeof(expected), fmt, ap);
	int actual_len = kvsnprintf(actual, sizeof(actual), fmt, ap_copy);
	va_end(ap_copy);
	va_end(ap);
	if (expected_len != actual_len || strcmp(expected, actual) != 0)
		fail_msg("format \"%s\": libc gives \"%s\" (%d), kvsnprintf gives \"%s\" (%d)", fmt, expected,
		         expected_len, actual, actual_len);
	cases_checked++;
}

/* The values every integer conversion is tried with, as 64-bit patterns;
 * each length modifier sees them cut to its own width. */
static const uint64_t edge_values[] = {
    0,
    1,
    7,
    8,
    42,
    100,
    0x7f,
    0x80,
    0xff,
    0x100,
    0x7fff,
    0x8000,
    0xffff,
    0x7fffffff,
    0x80000000,
    0xffffffff,
    0x123456789abcdef0,
    (uint64_t)INT64_MAX,
    (uint64_t)INT64_MIN,
    UINT64_MAX,
    (uint64_t)-1 - 1, /* -2 */
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Passes bits as the argument type that the length modifier expects. */
static void check_integer_like_libc(const char *fmt, const char *length, uint64_t bits)
{
	if (strcmp(length, "l") == 0)
		check_like_libc(fmt, (long)bits);
	else if (strcmp(length, "ll") == 0)
		check_like_libc(fmt, (long long)bits);
	else if (strcmp(length, "z") == 0)
		check_like_libc(fmt, (size_t)bits);
	else if (strcmp(length, "j") == 0)
		check_like_libc(fmt, (intmax_t)bits);
	else if (strcmp(length, "t") == 0)
		check_like_libc(fmt, (ptrdiff_t)bits);
	else /* "", "h" and "hh" take an int (shorter types are promoted) */
		check_like_libc(fmt, (int)bits);
}

/* Tries every combination of the given flags, widths, precisions, length
 * modifiers and conversions with every edge value. */
static void check_integer_table(const char *const *flags, size_t nflags, const char *conversions)
{
	static const char *const widths[] = {"", "1", "8", "25"};
	static const char *const precisions[] = {"", ".", ".0", ".1", ".5", ".30"};
	static const char *const lengths[] = {"hh", "h", "", "l", "ll", "z", "j", "t"};
	for (size_t f = 0; f < nflags; f++)
		for (size_t w = 0; w < ARRAY_SIZE(widths); w++)
			for (size_t p = 0; p < ARRAY_SIZE(precisions); p++)
				for (size_t l = 0; l < ARRAY_SIZE(lengths); l++)
					for (const char *c = conversions; *c != '\0'; c++) {
						char fmt[64];
						snprintf(fmt, sizeof(fmt), "<%%%s%s%s%s%c>", flags[f],
						         widths[w], precisions[p], lengths[l], *c);
						for (size_t v = 0; v < ARRAY_SIZE(edge_values); v++)
							check_integer_like_libc(fmt, lengths[l],
							                        edge_values[v]);
					}
}

static void signed_conversions_match_libc_for_all_flags_widths_precisions_and_lengths(void **state)
{
	static const char *const flags[] = {"", "-", "0", "+", " ", "-0", "+0", "- ", "+ ", "-+0"};
	check_integer_table(flags, ARRAY_SIZE(flags), "di");
	assert_true(cases_checked > 10000);
}

static void unsigned_conversions_match_libc_for_all_flags_widths_precisions_and_lengths(void **state)
{
	/* '#' is defined for x, X and o only, so %u gets no '#'. */
	static const char *const flags[] = {"", "-", "0", "-0"};
	static const char *const alternate_flags[] = {"", "-", "0", "#", "-#", "0#", "-0#"};
	check_integer_table(flags, ARRAY_SIZE(flags), "u");
	check_integer_table(alternate_flags, ARRAY_SIZE(alternate_flags), "xXo");
	assert_true(cases_checked > 10000);
}

static void zero_with_precision_zero_prints_no_digits(void **state)
{
	char buf[32];
	assert_int_equal(ksnprintf(buf, sizeof(buf), "[%.0d|%.0u|%.0x|%#.0x|%5.0d]", 0, 0u, 0u, 0u, 0), 11);
	assert_string_equal(buf, "[||||     ]");
}

static void alternate_form_of_zero_is_a_single_zero(void **state)
{
	char buf[32];
	ksnprintf(buf, sizeof(buf), "[%#x|%#X|%#o|%#.0o|%x]", 0u, 0u, 0u, 0u, 0u);
	assert_string_equal(buf, "[0|0|0|0|0]");
}

static void extreme_values_print_in_full(void **state)
{
	char buf[128];
	ksnprintf(buf, sizeof(buf), "%lld %llu %llx %llo", (long long)INT64_MIN,
	          (unsigned long long)UINT64_MAX, (unsigned long long)UINT64_MAX,
	          (unsigned long long)UINT64_MAX);
	assert_string_equal(buf, "-9223372036854775808 18446744073709551615 ffffffffffffffff "
	                         "1777777777777777777777");
}

static void chars_and_strings_match_libc(void **state)
{
	static const char *const strings[] = {"", "a", "hello", "hello, world"};
	static const char *const specs[] = {"%s",   "%-s",   "%1s",   "%8s",    "%-8s",    "%.0s",
	                                    "%.2s", "%.20s", "%8.2s", "%-8.2s", "%20.10s", "%.s"};
	for (size_t i = 0; i < ARRAY_SIZE(specs); i++)
		for (size_t s = 0; s < ARRAY_SIZE(strings); s++)
			check_like_libc(specs[i], strings[s]);
	static const char *const char_specs[] = {"%c", "%-c", "%1c", "%5c", "%-5c"};
	for (size_t i = 0; i < ARRAY_SIZE(char_specs); i++) {
		check_like_libc(char_specs[i], 'x');
		check_like_libc(char_specs[i], 0xe9); /* a byte above 0x7f */
	}
	check_like_libc("%c%c%c", 'a', 'b', 'c');
	assert_int_equal(cases_checked,
	                 ARRAY_SIZE(specs) * ARRAY_SIZE(strings) + 2 * ARRAY_SIZE(char_specs) + 1);
}

static void precision_stops_reading_an_unterminated_string(void **state)
{
	const char not_terminated[3] = {'a', 'b', 'c'};
	char buf[16];
	ksnprintf(buf, sizeof(buf), "%.3s|%.2s", not_terminated, not_terminated);
	assert_string_equal(buf, "abc|ab");
}

static void star_width_and_precision_match_libc(void **state)
{
	static const int amounts[] = {-20, -5, -1, 0, 1, 5, 20};
	/* Not a literal: the compiler would warn that '0' is ignored with a
	 * precision, which is exactly what this checks. */
	const char *zero_star_format = "[%0*.*lx]";
	for (size_t w = 0; w < ARRAY_SIZE(amounts); w++) {
		check_like_libc("[%*d]", amounts[w], -42);
		check_like_libc("[%0*x]", amounts[w], 0xbeefu);
		check_like_libc("[%*s]", amounts[w], "abc");
		for (size_t p = 0; p < ARRAY_SIZE(amounts); p++) {
			check_like_libc("[%*.*d]", amounts[w], amounts[p], 12345);
			check_like_libc("[%-*.*s]", amounts[w], amounts[p], "abcdefgh");
			check_like_libc(zero_star_format, amounts[w], amounts[p], 0xabcdefUL);
		}
	}
	assert_int_equal(cases_checked, 7 * 3 + 7 * 7 * 3);
}

static void percent_percent_prints_one_percent(void **state)
{
	check_like_libc("100%% sure, %d%%", 50);
	check_like_libc("%%%%");
	assert_int_equal(cases_checked, 2);
}

static void mixed_text_and_conversions_match_libc(void **state)
{
	check_like_libc("module %u crc32=%08x at %#lx, %zu bytes (%s)", 3u, 0xcbf43926u, 0x100000UL,
	                (size_t)4096, "initrd");
	check_like_libc("%d %i %u %x %X %o %c %s %%", -1, 2, 3u, 0xabu, 0xabu, 8u, 'z', "end");
	assert_int_equal(cases_checked, 2);
}

static void pointer_prints_0x_and_16_lowercase_digits(void **state)
{
	char buf[64];
	assert_int_equal(ksnprintf(buf, sizeof(buf), "%p", (void *)0xffffffff80100000), 18);
	assert_string_equal(buf, "0xffffffff80100000");
	ksnprintf(buf, sizeof(buf), "%p", (void *)0x1234);
	assert_string_equal(buf, "0x0000000000001234");
}

static void null_pointer_prints_all_zero_digits(void **state)
{
	char buf[64];
	ksnprintf(buf, sizeof(buf), "%p", NULL);
	assert_string_equal(buf, "0x0000000000000000");
}

static void pointer_honours_width_and_left_alignment(void **state)
{
	char buf[64];
	ksnprintf(buf, sizeof(buf), "[%20p][%-20p]", (void *)0x10, (void *)0x10);
	assert_string_equal(buf, "[  0x0000000000000010][0x0000000000000010  ]");
}

static void null_string_prints_null_in_parentheses(void **state)
{
	char buf[32];
	const char *volatile nothing = NULL; /* volatile: the compiler would warn about a literal NULL */
	ksnprintf(buf, sizeof(buf), "[%s][%8s]", nothing, nothing);
	assert_string_equal(buf, "[(null)][  (null)]");
}

/* These formats are wrong on purpose; the compiler rightly says so. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat"
#pragma GCC diagnostic ignored "-Wformat-extra-args"

static void unknown_conversion_is_printed_as_written_without_taking_an_argument(void **state)
{
	char buf[64];
	assert_int_equal(ksnprintf(buf, sizeof(buf), "a %q b %-5y c %d", 7), 15);
	assert_string_equal(buf, "a %q b %-5y c 7");
}

static void format_ending_inside_a_conversion_is_printed_as_written(void **state)
{
	char buf[32];
	assert_int_equal(ksnprintf(buf, sizeof(buf), "50%"), 3);
	assert_string_equal(buf, "50%");
	ksnprintf(buf, sizeof(buf), "x%-08l");
	assert_string_equal(buf, "x%-08l");
}

#pragma GCC diagnostic pop

static void size_zero_writes_nothing_and_returns_full_length(void **state)
{
	char buf[4] = {'#', '#', '#', '#'};
	assert_int_equal(ksnprintf(buf, 0, "hello %d", 12345), 11);
	assert_memory_equal(buf, "####", 4);
	assert_int_equal(ksnprintf(NULL, 0, "%s", "counted"), 7);
}

static void size_one_gives_an_empty_string(void **state)
{
	char buf[4] = {'#', '#', '#', '#'};
	assert_int_equal(ksnprintf(buf, 1, "hello"), 5);
	assert_memory_equal(buf, "\0###", 4);
}

static void output_one_byte_too_long_is_cut_and_terminated(void **state)
{
	char buf[6] = {'#', '#', '#', '#', '#', '#'};
	assert_int_equal(ksnprintf(buf, 5, "%s", "hello"), 5);
	assert_string_equal(buf, "hell");
	assert_int_equal(buf[5], '#');
}

static void output_that_fits_exactly_is_complete(void **state)
{
	char buf[7] = {'#', '#', '#', '#', '#', '#', '#'};
	assert_int_equal(ksnprintf(buf, 6, "%05d", 42), 5);
	assert_string_equal(buf, "00042");
	assert_int_equal(buf[6], '#');
}

static void truncation_matches_libc_at_every_size(void **state)
{
	const char *fmt = "%-6s|%+08.3d|%#x";
	char expected[64], actual[64];
	for (size_t size = 0; size <= 30; size++) {
		memset(expected, '#', sizeof(expected));
		memset(actual, '#', sizeof(actual));
		int expected_len = snprintf(expected, size, fmt, "ab", -7, 0xffu);
		int actual_len = ksnprintf(actual, size, fmt, "ab", -7, 0xffu);
		assert_int_equal(actual_len, expected_len);
		assert_memory_equal(actual, expected, sizeof(actual));
	}
}

static void kprintf_sends_long_output_to_the_console_in_full(void **state)
{
	static char long_text[5001];
	for (size_t i = 0; i < sizeof(long_text) - 1; i++)
		long_text[i] = (char)('a' + i % 26);
	long_text[sizeof(long_text) - 1] = '\0';

	static char expected[16000];
	int expected_len = snprintf(expected, sizeof(expected), "<%s>%3000d<%s>", long_text, -1, long_text);
	assert_true((size_t)expected_len < sizeof(expected));
	assert_int_equal(kprintf("<%s>%3000d<%s>", long_text, -1, long_text), expected_len);
	assert_string_equal(host_log_text(), expected);
}

static void kprintf_returns_the_number_of_bytes_written(void **state)
{
	assert_int_equal(kprintf("stage %d: %s\n", 3, "bump"), 14);
	assert_string_equal(host_log_text(), "stage 3: bump\n");
	assert_int_equal(kprintf("%s", ""), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(signed_conversions_match_libc_for_all_flags_widths_precisions_and_lengths,
	                           reset),
	    cmocka_unit_test_setup(
	        unsigned_conversions_match_libc_for_all_flags_widths_precisions_and_lengths, reset),
	    cmocka_unit_test_setup(zero_with_precision_zero_prints_no_digits, reset),
	    cmocka_unit_test_setup(alternate_form_of_zero_is_a_single_zero, reset),
	    cmocka_unit_test_setup(extreme_values_print_in_full, reset),
	    cmocka_unit_test_setup(chars_and_strings_match_libc, reset),
	    cmocka_unit_test_setup(precision_stops_reading_an_unterminated_string, reset),
	    cmocka_unit_test_setup(star_width_and_precision_match_libc, reset),
	    cmocka_unit_test_setup(percent_percent_prints_one_percent, reset),
	    cmocka_unit_test_setup(mixed_text_and_conversions_match_libc, reset),
	    cmocka_unit_test_setup(pointer_prints_0x_and_16_lowercase_digits, reset),
	    cmocka_unit_test_setup(null_pointer_prints_all_zero_digits, reset),
	    cmocka_unit_test_setup(pointer_honours_width_and_left_alignment, reset),
	    cmocka_unit_test_setup(null_string_prints_null_in_parentheses, reset),
	    cmocka_unit_test_setup(unknown_conversion_is_printed_as_written_without_taking_an_argument,
	                           reset),
	    cmocka_unit_test_setup(format_ending_inside_a_conversion_is_printed_as_written, reset),
	    cmocka_unit_test_setup(size_zero_writes_nothing_and_returns_full_length, reset),
	    cmocka_unit_test_setup(size_one_gives_an_empty_string, reset),
	    cmocka_unit_test_setup(output_one_byte_too_long_is_cut_and_terminated, reset),
	    cmocka_unit_test_setup(output_that_fits_exactly_is_complete, reset),
	    cmocka_unit_test_setup(truncation_matches_libc_at_every_size, reset),
	    cmocka_unit_test_setup(kprintf_sends_long_output_to_the_console_in_full, reset),
	    cmocka_unit_test_setup(kprintf_returns_the_number_of_bytes_written, reset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
