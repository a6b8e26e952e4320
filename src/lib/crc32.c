/*
 * crc32.c - CRC-32/ISO-HDLC (see crc32.h).
 *
 * Algorithm: a CRC is the remainder of dividing the message, seen as a
 * polynomial over GF(2), by the generator polynomial. In the "reflected"
 * form used here, bits are taken least significant first, so one step of
 * the long division is: shift the register right by one; if the bit that
 * fell out was 1, xor in the polynomial 0xEDB88320.
 *
 * Doing eight such steps per byte is slow, so the effect of eight steps on
 * every possible low byte of the register is computed once into a 256-entry
 * table (on first use); then each message byte costs one table lookup:
 *     crc = table[(crc ^ byte) & 0xff] ^ (crc >> 8)
 * The register starts at 0xFFFFFFFF and is inverted at the end; keeping the
 * inversion inside crc32_update lets a CRC be continued piece by piece.
 */
#include "crc32.h"

#include <stdbool.h>

#define CRC32_POLYNOMIAL 0xEDB88320u

static uint32_t crc_table[256];
static bool crc_table_ready;

/* Fills crc_table: entry i is the register after eight division steps
 * starting from the value i. Called before the other CPUs start, and
 * calling it twice would only write the same values again. */
static void crc_table_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t reg = i;
		for (int bit = 0; bit < 8; bit++)
			reg = (reg & 1) ? (reg >> 1) ^ CRC32_POLYNOMIAL : reg >> 1;
		crc_table[i] = reg;
	}
	crc_table_ready = true;
}

uint32_t crc32_update(uint32_t crc, const void *data, size_t len)
{
	const unsigned char *bytes = data;
	if (!crc_table_ready)
		crc_table_init();

	/* Undo the final inversion of the previous piece (or, for crc == 0,
	 * produce the initial value 0xFFFFFFFF). */
	uint32_t reg = crc ^ 0xFFFFFFFFu;
	for (size_t i = 0; i < len; i++)
		reg = crc_table[(reg ^ bytes[i]) & 0xFF] ^ (reg >> 8);
	return reg ^ 0xFFFFFFFFu;
}

uint32_t crc32(const void *data, size_t len)
{
	return crc32_update(0, data, len);
}
