/*
 * acpi_builder.h - crafts ACPI structures (RSDP, RSDT, XSDT, MADT and any
 * table) in the host arena for the ACPI parser's tests, and the physical
 * memory accessor those tests hand to the parser.
 *
 * The accessor returns a fresh malloc'd copy of exactly the bytes asked for,
 * so AddressSanitizer reports any read past what the parser mapped. The
 * copies live until acpib_release_maps().
 *
 * Tables: acpib_table_begin(), then fields (acpib_u8/16/32/64 or the MADT
 * entry helpers), then acpib_table_finish(), which writes the length and
 * the checksum. Running out of room aborts: it is a bug in the test.
 */
#ifndef ACPI_BUILDER_H
#define ACPI_BUILDER_H

#include <stddef.h>
#include <stdint.h>

/* ---- the accessor ---- */

struct acpib_mapper {
	uint64_t hole_start, hole_end; /* [start, end) reads as unmapped; equal: no hole */
	size_t calls;                  /* how many times acpib_map() was called */
};

/* An acpi_phys_map_fn: NULL outside the arena, for size 0, or when the range
 * touches the hole of the struct acpib_mapper that ctx points to. */
const void *acpib_map(uint64_t phys, uint64_t size, void *ctx);
/* Free every copy acpib_map() handed out. */
void acpib_release_maps(void);

/* The arena's bytes at a physical address, to write or to break things. */
uint8_t *acpib_at(uint64_t phys);

/* ---- RSDP ---- */

/* Write an RSDP at dst with both checksums right: 20 bytes for revision < 2,
 * else 36 (length 36). Returns the number of bytes written. */
size_t acpib_rsdp(void *dst, uint8_t revision, const char oem_id[6], uint32_t rsdt_phys, uint64_t xsdt_phys);
/* Make the RSDP at dst sum to 0 again after a test changed a field. */
void acpib_rsdp_fix_checksums(void *dst);

/* ---- tables ---- */

struct acpib_table {
	uint64_t phys;
	uint8_t *bytes; /* in the arena */
	uint32_t length;
	uint32_t cap;
};

/* Start a table at phys with room for cap bytes: writes the 36-byte header. */
void acpib_table_begin(struct acpib_table *t, uint64_t phys, const char sig[4], uint32_t cap);
void acpib_u8(struct acpib_table *t, uint8_t v);
void acpib_u16(struct acpib_table *t, uint16_t v);
void acpib_u32(struct acpib_table *t, uint32_t v);
void acpib_u64(struct acpib_table *t, uint64_t v);
/* Write the length field and the checksum. */
void acpib_table_finish(struct acpib_table *t);
/* Recompute the checksum of the table at phys over its length field. */
void acpib_fix_checksum(uint64_t phys);

/* A table holding only its header (FACP, HPET, ...). */
void acpib_empty_table(uint64_t phys, const char sig[4]);
/* An RSDT (32-bit entries) or XSDT (64-bit entries) listing the tables. */
void acpib_rsdt(uint64_t phys, const uint64_t *tables, size_t count);
void acpib_xsdt(uint64_t phys, const uint64_t *tables, size_t count);

/* ---- MADT ---- */

void acpib_madt_begin(struct acpib_table *t, uint64_t phys, uint32_t lapic_phys, uint32_t flags);
void acpib_madt_lapic(struct acpib_table *t, uint8_t acpi_uid, uint8_t apic_id, uint32_t flags);
void acpib_madt_x2apic(struct acpib_table *t, uint32_t x2apic_id, uint32_t flags, uint32_t acpi_uid);
void acpib_madt_ioapic(struct acpib_table *t, uint8_t id, uint32_t address, uint32_t gsi_base);
void acpib_madt_override(struct acpib_table *t, uint8_t bus, uint8_t source, uint32_t gsi, uint16_t flags);
void acpib_madt_lapic_nmi(struct acpib_table *t, uint8_t acpi_uid, uint16_t flags, uint8_t lint);
void acpib_madt_lapic_address(struct acpib_table *t, uint64_t address);
/* Any entry: type, a length byte that may lie, and body_bytes zero bytes. */
void acpib_madt_raw(struct acpib_table *t, uint8_t type, uint8_t length, size_t body_bytes);

#endif /* ACPI_BUILDER_H */
