/*
 * acpi_builder.c - writes ACPI structures into the host arena and serves
 * the parser's reads from exact-size copies. See acpi_builder.h.
 */
#include "acpi_builder.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host_env.h"
#include "mm/mm_env.h"

#define SDT_HEADER_SIZE 36

static void **copies;
static size_t copy_count, copy_cap;

const void *acpib_map(uint64_t phys, uint64_t size, void *ctx)
{
	struct acpib_mapper *m = ctx;
	m->calls++;
	uint64_t arena = host_arena_size();
	if (size == 0 || phys >= arena || size > arena - phys)
		return NULL;
	if (m->hole_start < m->hole_end && phys < m->hole_end && phys + size > m->hole_start)
		return NULL;
	if (copy_count == copy_cap) {
		copy_cap = copy_cap ? copy_cap * 2 : 64;
		copies = realloc(copies, copy_cap * sizeof(*copies));
		if (!copies)
			abort();
	}
	void *copy = malloc(size);
	if (!copy)
		abort();
	memcpy(copy, mm_phys_to_virt(phys), size);
	copies[copy_count++] = copy;
	return copy;
}

void acpib_release_maps(void)
{
	for (size_t i = 0; i < copy_count; i++)
		free(copies[i]);
	free(copies);
	copies = NULL;
	copy_count = copy_cap = 0;
}

uint8_t *acpib_at(uint64_t phys)
{
	return mm_phys_to_virt(phys);
}

static uint8_t checksum_for(const uint8_t *p, size_t n)
{
	uint8_t sum = 0;
	for (size_t i = 0; i < n; i++)
		sum = (uint8_t)(sum + p[i]);
	return (uint8_t)(0x100 - sum);
}

size_t acpib_rsdp(void *dst, uint8_t revision, const char oem_id[6], uint32_t rsdt_phys, uint64_t xsdt_phys)
{
	uint8_t *p = dst;
	size_t size = revision >= 2 ? 36 : 20;
	memset(p, 0, size);
	memcpy(p, "RSD PTR ", 8);
	memcpy(p + 9, oem_id, 6);
	p[15] = revision;
	memcpy(p + 16, &rsdt_phys, 4);
	if (revision >= 2) {
		uint32_t length = 36;
		memcpy(p + 20, &length, 4);
		memcpy(p + 24, &xsdt_phys, 8);
	}
	acpib_rsdp_fix_checksums(p);
	return size;
}

void acpib_rsdp_fix_checksums(void *dst)
{
	uint8_t *p = dst;
	p[8] = 0;
	p[8] = checksum_for(p, 20);
	if (p[15] >= 2) {
		uint32_t length;
		memcpy(&length, p + 20, 4);
		p[32] = 0;
		p[32] = checksum_for(p, length);
	}
}

static void put(struct acpib_table *t, const void *v, size_t n)
{
	if (t->length + n > t->cap) {
		fprintf(stderr, "acpi_builder: table at %#llx is full (%u bytes)\n",
		        (unsigned long long)t->phys, t->cap);
		abort();
	}
	memcpy(t->bytes + t->length, v, n);
	t->length += (uint32_t)n;
}

void acpib_u8(struct acpib_table *t, uint8_t v)
{
	put(t, &v, sizeof(v));
}

void acpib_u16(struct acpib_table *t, uint16_t v)
{
	put(t, &v, sizeof(v));
}

void acpib_u32(struct acpib_table *t, uint32_t v)
{
	put(t, &v, sizeof(v));
}

void acpib_u64(struct acpib_table *t, uint64_t v)
{
	put(t, &v, sizeof(v));
}

void acpib_table_begin(struct acpib_table *t, uint64_t phys, const char sig[4], uint32_t cap)
{
	if (cap < SDT_HEADER_SIZE || phys + cap > host_arena_size()) {
		fprintf(stderr, "acpi_builder: no room for %u bytes at %#llx\n", cap,
		        (unsigned long long)phys);
		abort();
	}
	t->phys = phys;
	t->bytes = mm_phys_to_virt(phys);
	t->length = 0;
	t->cap = cap;
	put(t, sig, 4);
	acpib_u32(t, 0); /* length, written by acpib_table_finish() */
	acpib_u8(t, 1);  /* revision */
	acpib_u8(t, 0);  /* checksum, written by acpib_table_finish() */
	put(t, "STAGE ", 6);
	put(t, "STAGEOS ", 8);
	acpib_u32(t, 1); /* OEM revision */
	put(t, "TEST", 4);
	acpib_u32(t, 1); /* creator revision */
}

void acpib_table_finish(struct acpib_table *t)
{
	memcpy(t->bytes + 4, &t->length, 4);
	acpib_fix_checksum(t->phys);
}

void acpib_fix_checksum(uint64_t phys)
{
	uint8_t *p = mm_phys_to_virt(phys);
	uint32_t length;
	memcpy(&length, p + 4, 4);
	p[9] = 0;
	p[9] = checksum_for(p, length);
}

void acpib_empty_table(uint64_t phys, const char sig[4])
{
	struct acpib_table t;
	acpib_table_begin(&t, phys, sig, SDT_HEADER_SIZE);
	acpib_table_finish(&t);
}

void acpib_rsdt(uint64_t phys, const uint64_t *tables, size_t count)
{
	struct acpib_table t;
	acpib_table_begin(&t, phys, "RSDT", (uint32_t)(SDT_HEADER_SIZE + 4 * count));
	for (size_t i = 0; i < count; i++)
		acpib_u32(&t, (uint32_t)tables[i]);
	acpib_table_finish(&t);
}

void acpib_xsdt(uint64_t phys, const uint64_t *tables, size_t count)
{
	struct acpib_table t;
	acpib_table_begin(&t, phys, "XSDT", (uint32_t)(SDT_HEADER_SIZE + 8 * count));
	for (size_t i = 0; i < count; i++)
		acpib_u64(&t, tables[i]);
	acpib_table_finish(&t);
}

void acpib_madt_begin(struct acpib_table *t, uint64_t phys, uint32_t lapic_phys, uint32_t flags)
{
	acpib_table_begin(t, phys, "APIC", 4096);
	acpib_u32(t, lapic_phys);
	acpib_u32(t, flags);
}

void acpib_madt_lapic(struct acpib_table *t, uint8_t acpi_uid, uint8_t apic_id, uint32_t flags)
{
	acpib_u8(t, 0);
	acpib_u8(t, 8);
	acpib_u8(t, acpi_uid);
	acpib_u8(t, apic_id);
	acpib_u32(t, flags);
}

void acpib_madt_x2apic(struct acpib_table *t, uint32_t x2apic_id, uint32_t flags, uint32_t acpi_uid)
{
	acpib_u8(t, 9);
	acpib_u8(t, 16);
	acpib_u16(t, 0);
	acpib_u32(t, x2apic_id);
	acpib_u32(t, flags);
	acpib_u32(t, acpi_uid);
}

void acpib_madt_ioapic(struct acpib_table *t, uint8_t id, uint32_t address, uint32_t gsi_base)
{
	acpib_u8(t, 1);
	acpib_u8(t, 12);
	acpib_u8(t, id);
	acpib_u8(t, 0);
	acpib_u32(t, address);
	acpib_u32(t, gsi_base);
}

void acpib_madt_override(struct acpib_table *t, uint8_t bus, uint8_t source, uint32_t gsi, uint16_t flags)
{
	acpib_u8(t, 2);
	acpib_u8(t, 10);
	acpib_u8(t, bus);
	acpib_u8(t, source);
	acpib_u32(t, gsi);
	acpib_u16(t, flags);
}

void acpib_madt_lapic_nmi(struct acpib_table *t, uint8_t acpi_uid, uint16_t flags, uint8_t lint)
{
	acpib_u8(t, 4);
	acpib_u8(t, 6);
	acpib_u8(t, acpi_uid);
	acpib_u16(t, flags);
	acpib_u8(t, lint);
}

void acpib_madt_lapic_address(struct acpib_table *t, uint64_t address)
{
	acpib_u8(t, 5);
	acpib_u8(t, 12);
	acpib_u16(t, 0);
	acpib_u64(t, address);
}

void acpib_madt_raw(struct acpib_table *t, uint8_t type, uint8_t length, size_t body_bytes)
{
	acpib_u8(t, type);
	acpib_u8(t, length);
	for (size_t i = 0; i < body_bytes; i++)
		acpib_u8(t, 0);
}
