/* test_crc32.c - crc32 computes CRC-32/ISO-HDLC (the zlib CRC): the standard
 * check value, the empty input, piecewise updates, and a large buffer
 * against a bit-at-a-time reference written from the definition. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdint.h>
#include <stdlib.h>

#include "host_env.h"
#include "lib/crc32.h"

static int reset(void **state)
{
	(void)state;
	host_log_clear();
	return 0;
}

/* The definition, one bit at a time: no table, nothing shared with the
 * code under test but the polynomial. */
static uint32_t reference_crc32(const unsigned char *data, size_t len)
{
	uint32_t reg = 0xFFFFFFFFu;
	for (size_t i = 0; i < len; i++) {
		reg ^= data[i];
		for (int bit = 0; bit < 8; bit++)
			reg = (reg >> 1) ^ (0xEDB88320u & (0u - (reg & 1)));
	}
	return ~reg;
}

/* Bytes that look random but are the same on every run. */
static void fill_pseudo_random(unsigned char *buf, size_t len)
{
	uint32_t x = 0x12345678u;
	for (size_t i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		buf[i] = (unsigned char)(x >> 24);
	}
}

static void check_value_of_123456789_is_cbf43926(void **state)
{
	assert_int_equal(crc32("123456789", 9), 0xCBF43926u);
}

static void empty_input_gives_zero(void **state)
{
	assert_int_equal(crc32("", 0), 0);
	assert_int_equal(crc32(NULL, 0), 0);
}

static void single_byte_matches_the_known_value(void **state)
{
	assert_int_equal(crc32("a", 1), 0xE8B7BE43u);
}

static void updating_piece_by_piece_equals_one_shot(void **state)
{
	unsigned char buf[1000];
	fill_pseudo_random(buf, sizeof(buf));
	uint32_t whole = crc32(buf, sizeof(buf));
	for (size_t split = 0; split <= sizeof(buf); split += 37) {
		uint32_t crc = crc32(buf, split);
		crc = crc32_update(crc, buf + split, sizeof(buf) - split);
		assert_int_equal(crc, whole);
	}
	uint32_t bytewise = 0;
	for (size_t i = 0; i < sizeof(buf); i++)
		bytewise = crc32_update(bytewise, buf + i, 1);
	assert_int_equal(bytewise, whole);
}

static void update_from_zero_equals_one_shot(void **state)
{
	assert_int_equal(crc32_update(0, "123456789", 9), 0xCBF43926u);
}

static void one_mebibyte_matches_the_bitwise_reference(void **state)
{
	size_t len = 1024 * 1024;
	unsigned char *buf = malloc(len);
	assert_non_null(buf);
	fill_pseudo_random(buf, len);
	assert_int_equal(crc32(buf, len), reference_crc32(buf, len));
	free(buf);
}

static void a_changed_bit_changes_the_crc(void **state)
{
	unsigned char buf[64];
	fill_pseudo_random(buf, sizeof(buf));
	uint32_t before = crc32(buf, sizeof(buf));
	buf[40] ^= 0x10;
	assert_int_not_equal(crc32(buf, sizeof(buf)), before);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(check_value_of_123456789_is_cbf43926, reset),
	    cmocka_unit_test_setup(empty_input_gives_zero, reset),
	    cmocka_unit_test_setup(single_byte_matches_the_known_value, reset),
	    cmocka_unit_test_setup(updating_piece_by_piece_equals_one_shot, reset),
	    cmocka_unit_test_setup(update_from_zero_equals_one_shot, reset),
	    cmocka_unit_test_setup(one_mebibyte_matches_the_bitwise_reference, reset),
	    cmocka_unit_test_setup(a_changed_bit_changes_the_crc, reset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
