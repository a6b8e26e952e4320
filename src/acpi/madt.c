/*
 * madt.c - read the CPUs and interrupt controllers out of the MADT
 * (signature "APIC", ACPI specification 5.2.12).
 *
 * Algorithm:
 *  1. Map the table with its header checked (signature, length, checksum);
 *     its length must also cover the local APIC address and the flags.
 *  2. Walk the entries from offset 44. Each needs 2 bytes for (type,
 *     length), a length >= 2, its end inside the table and at least the
 *     size of its type's fields. Every step moves forward by length >= 2
 *     bytes, so the walk ends.
 *  3. Record each entry by type. The first broken rule stops the parse and
 *     clears the result: a half-read CPU list is never handed out.
 */
#include "acpi.h"

#include "lib/format.h"
#include "acpi_internal.h"

#define MADT_OFF_LAPIC_ADDR 36
#define MADT_OFF_FLAGS      40
#define MADT_OFF_ENTRIES    44
#define MADT_PCAT_COMPAT    0x1u

#define ENTRY_HEADER_SIZE 2 /* type, length */

/* Entry types and the size of their fields, (type, length) included. */
enum madt_entry_type {
	MADT_LOCAL_APIC = 0,          /* 2 UID, 3 APIC ID, 4 flags (32-bit) */
	MADT_IO_APIC = 1,             /* 2 id, 4 address, 8 GSI base */
	MADT_SOURCE_OVERRIDE = 2,     /* 2 bus, 3 source, 4 GSI, 8 flags (16-bit) */
	MADT_LOCAL_APIC_NMI = 4,      /* 2 UID, 3 flags (16-bit), 5 LINT# */
	MADT_LOCAL_APIC_OVERRIDE = 5, /* 4 address (64-bit) */
	MADT_LOCAL_X2APIC = 9,        /* 4 x2APIC ID, 8 flags, 12 UID (all 32-bit) */
};

#define LOCAL_APIC_SIZE          8
#define IO_APIC_SIZE             12
#define SOURCE_OVERRIDE_SIZE     10
#define LOCAL_APIC_NMI_SIZE      6
#define LOCAL_APIC_OVERRIDE_SIZE 12
#define LOCAL_X2APIC_SIZE        16

#define CPU_FLAG_ENABLED        0x1u
#define CPU_FLAG_ONLINE_CAPABLE 0x2u

/* The smallest length an entry of this type may have. */
static uint32_t entry_min_size(uint8_t type)
{
	switch (type) {
	case MADT_LOCAL_APIC: return LOCAL_APIC_SIZE;
	case MADT_IO_APIC: return IO_APIC_SIZE;
	case MADT_SOURCE_OVERRIDE: return SOURCE_OVERRIDE_SIZE;
	case MADT_LOCAL_APIC_NMI: return LOCAL_APIC_NMI_SIZE;
	case MADT_LOCAL_APIC_OVERRIDE: return LOCAL_APIC_OVERRIDE_SIZE;
	case MADT_LOCAL_X2APIC: return LOCAL_X2APIC_SIZE;
	default: return ENTRY_HEADER_SIZE;
	}
}

static void record_cpu(struct acpi_madt_info *out, uint32_t apic_id, uint32_t acpi_uid, uint32_t flags,
                       bool x2apic)
{
	if (out->cpu_count == out->cpus_capacity) {
		out->cpus_ignored++;
		return;
	}
	struct acpi_cpu *cpu = &out->cpus[out->cpu_count++];
	cpu->apic_id = apic_id;
	cpu->acpi_uid = acpi_uid;
	cpu->enabled = (flags & CPU_FLAG_ENABLED) != 0;
	/* The online-capable bit is reserved when the CPU is already enabled. */
	cpu->online_capable = !cpu->enabled && (flags & CPU_FLAG_ONLINE_CAPABLE) != 0;
	cpu->x2apic = x2apic;
}

/* Record one entry whose length has been checked against its type. */
static void record_entry(struct acpi_madt_info *out, const uint8_t *entry)
{
	switch (entry[0]) {
	case MADT_LOCAL_APIC: record_cpu(out, entry[3], entry[2], acpi_read_u32(entry + 4), false); break;
	case MADT_LOCAL_X2APIC:
		record_cpu(out, acpi_read_u32(entry + 4), acpi_read_u32(entry + 12), acpi_read_u32(entry + 8),
		           true);
		break;
	case MADT_IO_APIC: out->ioapic_count++; break;
	case MADT_SOURCE_OVERRIDE: out->override_count++; break;
	case MADT_LOCAL_APIC_NMI: out->nmi_count++; break;
	case MADT_LOCAL_APIC_OVERRIDE: out->lapic_phys = acpi_read_u64(entry + 4); break;
	default: out->other_count++; break;
	}
}

/* Step 2: check the entry at offset off of a table of `length` bytes.
 * Returns its length, or 0 after printing why it is malformed. */
static uint32_t check_entry(const uint8_t *table, uint32_t length, uint32_t off, uint64_t madt_phys)
{
	if (length - off < ENTRY_HEADER_SIZE) {
		kprintf("acpi: MADT at 0x%lx: entry at offset 0x%x: only %u byte left before the end 0x%x\n",
		        madt_phys, off, length - off, length);
		return 0;
	}
	uint8_t type = table[off];
	uint8_t entry_length = table[off + 1];
	if (entry_length < ENTRY_HEADER_SIZE) {
		kprintf("acpi: MADT at 0x%lx: entry at offset 0x%x (type %u) has length %u, less than %d\n",
		        madt_phys, off, type, entry_length, ENTRY_HEADER_SIZE);
		return 0;
	}
	if (entry_length > length - off) {
		kprintf(
		    "acpi: MADT at 0x%lx: entry at offset 0x%x (type %u, length %u) ends at 0x%x, past the "
		    "table's end 0x%x\n",
		    madt_phys, off, type, entry_length, off + entry_length, length);
		return 0;
	}
	if (entry_length < entry_min_size(type)) {
		kprintf(
		    "acpi: MADT at 0x%lx: entry at offset 0x%x (type %u) has length %u, its fields need %u\n",
		    madt_phys, off, type, entry_length, entry_min_size(type));
		return 0;
	}
	return entry_length;
}

/* Clear out, keeping only where the caller's CPU array is. */
static void clear_result(struct acpi_madt_info *out, struct acpi_cpu *cpus, size_t cpus_capacity)
{
	__builtin_memset(out, 0, sizeof(*out));
	out->cpus = cpus;
	out->cpus_capacity = cpus_capacity;
}

enum acpi_status acpi_parse_madt(const struct acpi_context *c, uint64_t madt_phys, struct acpi_cpu *cpus,
                                 size_t cpus_capacity, struct acpi_madt_info *out)
{
	if (!out)
		return ACPI_ERR_BAD_ARGUMENT;
	clear_result(out, cpus, cpus_capacity);
	if (!c || !c->map || (cpus == NULL && cpus_capacity != 0))
		return ACPI_ERR_BAD_ARGUMENT;

	const uint8_t *table;
	uint32_t length;
	enum acpi_status st = acpi_map_table(c, madt_phys, "APIC", "MADT", &table, &length);
	if (st != ACPI_OK)
		return st;
	if (length < MADT_OFF_ENTRIES) {
		kprintf("acpi: MADT at 0x%lx: length 0x%x is smaller than its 0x%x-byte fixed part\n",
		        madt_phys, length, MADT_OFF_ENTRIES);
		return ACPI_ERR_BAD_LENGTH;
	}
	out->lapic_phys = acpi_read_u32(table + MADT_OFF_LAPIC_ADDR);
	out->pcat_compat = (acpi_read_u32(table + MADT_OFF_FLAGS) & MADT_PCAT_COMPAT) != 0;

	uint32_t off = MADT_OFF_ENTRIES;
	while (off < length) {
		uint32_t entry_length = check_entry(table, length, off, madt_phys);
		if (entry_length == 0) {
			clear_result(out, cpus, cpus_capacity);
			return ACPI_ERR_BAD_ENTRY;
		}
		record_entry(out, table + off);
		off += entry_length;
	}
	return ACPI_OK;
}

void acpi_print_madt(const struct acpi_madt_info *m)
{
	size_t enabled = 0, online_capable = 0;
	for (size_t i = 0; i < m->cpu_count; i++) {
		enabled += m->cpus[i].enabled;
		online_capable += m->cpus[i].online_capable;
	}
	kprintf(
	    "acpi: MADT: local APIC at 0x%lx, %zu CPUs (enabled: %zu, online-capable: %zu), %zu I/O APICs, "
	    "%zu interrupt overrides%s\n",
	    m->lapic_phys, m->cpu_count, enabled, online_capable, m->ioapic_count, m->override_count,
	    m->pcat_compat ? ", dual 8259 PICs" : "");
	for (size_t i = 0; i < m->cpu_count; i++) {
		const struct acpi_cpu *cpu = &m->cpus[i];
		const char *state = cpu->enabled          ? "enabled"
		                    : cpu->online_capable ? "online-capable"
		                                          : "unusable";
		kprintf("acpi:   CPU %zu: %s ID 0x%x, UID %u, %s\n", i, cpu->x2apic ? "x2APIC" : "APIC",
		        cpu->apic_id, cpu->acpi_uid, state);
	}
	if (m->cpus_ignored != 0)
		kprintf("acpi: MADT: %zu more CPUs ignored, beyond the room for %zu\n", m->cpus_ignored,
		        m->cpus_capacity);
}
