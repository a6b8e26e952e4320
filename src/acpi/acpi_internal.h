/*
 * acpi_internal.h - helpers shared by acpi.c and madt.c and not part of the
 * public interface: little-endian field readers, the byte checksum, and
 * mapping one table with its header checked.
 */
#ifndef ACPI_INTERNAL_H
#define ACPI_INTERNAL_H

#include "acpi.h"

/* Fields are read through a byte copy: table entries need not be aligned
 * (the XSDT's 64-bit addresses start at offset 36), and the compiler turns
 * these copies into plain loads. x86 is little-endian, like ACPI. */
static inline uint16_t acpi_read_u16(const uint8_t *p)
{
	uint16_t v;
	__builtin_memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint32_t acpi_read_u32(const uint8_t *p)
{
	uint32_t v;
	__builtin_memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint64_t acpi_read_u64(const uint8_t *p)
{
	uint64_t v;
	__builtin_memcpy(&v, p, sizeof(v));
	return v;
}

/* The sum of n bytes modulo 256: 0 for a structure whose checksum is right. */
static inline uint8_t acpi_byte_sum(const uint8_t *p, size_t n)
{
	uint8_t sum = 0;
	for (size_t i = 0; i < n; i++)
		sum = (uint8_t)(sum + p[i]);
	return sum;
}

/* Copy n bytes (a signature, an OEM id) into text as a printable
 * NUL-terminated string, unprintable bytes shown as '?': messages may be
 * about bytes that are garbage. text has room for n + 1 characters. */
void acpi_printable(const uint8_t *bytes, size_t n, char *text);

/*
 * Map the table at phys and check its header: the 36-byte header is mapped
 * first, then exactly `length` bytes; sig, when not NULL, must match; length
 * must cover the header; the whole table must sum to 0.
 * name: how messages call the table ("XSDT", "MADT", "table 'APIC'").
 * table, length: the mapped table and its length, set on success.
 * Returns ACPI_OK or the first broken rule's status (with a message).
 */
enum acpi_status acpi_map_table(const struct acpi_context *c, uint64_t phys, const char *sig,
                                const char *name, const uint8_t **table, uint32_t *length);

#endif /* ACPI_INTERNAL_H */
