/* test_kstring.c - the kernel's memory and string functions behave as C
 * specifies. kstring.c is compiled here with KSTRING_HOST_TEST, so its
 * functions are named kstring_test_memset and so on (see kstring.h) and do
 * not clash with the host libc; KSTRING(memset) names the kernel's one. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "host_env.h"
#include "lib/kstring.h"

static int reset(void **state)
{
	(void)state;
	host_log_clear();
	return 0;
}

/* A buffer with guard bytes around the part under test, to catch a
 * function that writes one byte too many or too few. */
static unsigned char buf[32];

static void fill(unsigned char *p, unsigned char value, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = value;
}

static void memset_fills_exactly_n_bytes_and_returns_dst(void **state)
{
	fill(buf, 0xee, sizeof(buf));
	assert_ptr_equal(KSTRING(memset)(buf + 4, 0x5a, 10), buf + 4);
	for (size_t i = 0; i < sizeof(buf); i++)
		assert_int_equal(buf[i], i >= 4 && i < 14 ? 0x5a : 0xee);
}

static void memset_uses_only_the_low_byte_of_the_value(void **state)
{
	KSTRING(memset)(buf, 0x1ff, 4);
	assert_int_equal(buf[0], 0xff);
	assert_int_equal(buf[3], 0xff);
	KSTRING(memset)(buf, -1, 1);
	assert_int_equal(buf[0], 0xff);
}

static void memset_of_zero_bytes_writes_nothing(void **state)
{
	fill(buf, 0xee, sizeof(buf));
	KSTRING(memset)(buf, 0, 0);
	assert_int_equal(buf[0], 0xee);
}

static void memcpy_copies_exactly_n_bytes_and_returns_dst(void **state)
{
	const unsigned char src[6] = {1, 2, 3, 4, 5, 6};
	fill(buf, 0xee, sizeof(buf));
	assert_ptr_equal(KSTRING(memcpy)(buf + 1, src, 5), buf + 1);
	const unsigned char expected[8] = {0xee, 1, 2, 3, 4, 5, 0xee, 0xee};
	assert_memory_equal(buf, expected, sizeof(expected));
}

static void memmove_to_a_higher_overlapping_address_keeps_the_source(void **state)
{
	for (size_t i = 0; i < 10; i++)
		buf[i] = (unsigned char)i;
	assert_ptr_equal(KSTRING(memmove)(buf + 3, buf, 6), buf + 3);
	const unsigned char expected[10] = {0, 1, 2, 0, 1, 2, 3, 4, 5, 9};
	assert_memory_equal(buf, expected, sizeof(expected));
}

static void memmove_to_a_lower_overlapping_address_keeps_the_source(void **state)
{
	for (size_t i = 0; i < 10; i++)
		buf[i] = (unsigned char)i;
	assert_ptr_equal(KSTRING(memmove)(buf, buf + 3, 6), buf);
	const unsigned char expected[10] = {3, 4, 5, 6, 7, 8, 6, 7, 8, 9};
	assert_memory_equal(buf, expected, sizeof(expected));
}

static void memmove_onto_itself_changes_nothing(void **state)
{
	for (size_t i = 0; i < 10; i++)
		buf[i] = (unsigned char)i;
	KSTRING(memmove)(buf, buf, 10);
	for (size_t i = 0; i < 10; i++)
		assert_int_equal(buf[i], i);
}

static void memcmp_orders_by_the_first_differing_byte_as_unsigned(void **state)
{
	const unsigned char a[3] = {1, 2, 0x80};
	const unsigned char b[3] = {1, 2, 0x01};
	assert_true(KSTRING(memcmp)(a, b, 3) > 0); /* 0x80 is above 0x01, not a negative char */
	assert_true(KSTRING(memcmp)(b, a, 3) < 0);
	assert_int_equal(KSTRING(memcmp)(a, b, 2), 0);
	assert_int_equal(KSTRING(memcmp)(a, b, 0), 0);
}

static void strlen_counts_up_to_the_nul(void **state)
{
	assert_int_equal(KSTRING(strlen)(""), 0);
	assert_int_equal(KSTRING(strlen)("kernel"), 6);
	assert_int_equal(KSTRING(strlen)("ab\0cd"), 2);
}

static void strnlen_stops_at_max_without_reading_further(void **state)
{
	const char no_nul[4] = {'a', 'b', 'c', 'd'};
	assert_int_equal(KSTRING(strnlen)(no_nul, 4), 4);
	assert_int_equal(KSTRING(strnlen)("abc", 10), 3);
	assert_int_equal(KSTRING(strnlen)("abc", 2), 2);
	assert_int_equal(KSTRING(strnlen)("abc", 0), 0);
}

static void strcmp_orders_strings_as_unsigned_chars(void **state)
{
	assert_int_equal(KSTRING(strcmp)("exit", "exit"), 0);
	assert_true(KSTRING(strcmp)("exit", "exiu") < 0);
	assert_true(KSTRING(strcmp)("exit", "exi") > 0);
	assert_true(KSTRING(strcmp)("", "a") < 0);
	assert_true(KSTRING(strcmp)("\x80", "\x01") > 0);
}

static void strncmp_compares_at_most_n_characters(void **state)
{
	assert_int_equal(KSTRING(strncmp)("selftest", "selfish", 4), 0);
	assert_true(KSTRING(strncmp)("selftest", "selfish", 5) > 0);
	assert_int_equal(KSTRING(strncmp)("abc", "abd", 0), 0);
	assert_int_equal(KSTRING(strncmp)("ab", "ab", 100), 0); /* stops at the NUL */
	assert_true(KSTRING(strncmp)("ab", "abc", 100) < 0);
	assert_true(KSTRING(strncmp)("\x80", "\x01", 1) > 0);
}

static void strchr_finds_the_first_occurrence(void **state)
{
	const char *s = "a=b=c";
	assert_ptr_equal(KSTRING(strchr)(s, '='), s + 1);
	assert_ptr_equal(KSTRING(strchr)(s, 'a'), s);
}

static void strchr_finds_the_terminating_nul(void **state)
{
	const char *s = "abc";
	assert_ptr_equal(KSTRING(strchr)(s, '\0'), s + 3);
}

static void strchr_returns_null_when_absent(void **state)
{
	assert_null(KSTRING(strchr)("abc", 'z'));
	assert_null(KSTRING(strchr)("", 'a'));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(memset_fills_exactly_n_bytes_and_returns_dst, reset),
	    cmocka_unit_test_setup(memset_uses_only_the_low_byte_of_the_value, reset),
	    cmocka_unit_test_setup(memset_of_zero_bytes_writes_nothing, reset),
	    cmocka_unit_test_setup(memcpy_copies_exactly_n_bytes_and_returns_dst, reset),
	    cmocka_unit_test_setup(memmove_to_a_higher_overlapping_address_keeps_the_source, reset),
	    cmocka_unit_test_setup(memmove_to_a_lower_overlapping_address_keeps_the_source, reset),
	    cmocka_unit_test_setup(memmove_onto_itself_changes_nothing, reset),
	    cmocka_unit_test_setup(memcmp_orders_by_the_first_differing_byte_as_unsigned, reset),
	    cmocka_unit_test_setup(strlen_counts_up_to_the_nul, reset),
	    cmocka_unit_test_setup(strnlen_stops_at_max_without_reading_further, reset),
	    cmocka_unit_test_setup(strcmp_orders_strings_as_unsigned_chars, reset),
	    cmocka_unit_test_setup(strncmp_compares_at_most_n_characters, reset),
	    cmocka_unit_test_setup(strchr_finds_the_first_occurrence, reset),
	    cmocka_unit_test_setup(strchr_finds_the_terminating_nul, reset),
	    cmocka_unit_test_setup(strchr_returns_null_when_absent, reset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
