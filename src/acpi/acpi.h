/*
 * acpi.h - ACPI discovery for SMP bring-up: find and check the RSDP, walk
 * the RSDT or XSDT to a table by its signature, and read the CPUs and
 * interrupt controllers out of the MADT.
 *
 * Physical memory is read only through a caller-supplied accessor
 * (struct acpi_context): the kernel passes one over its direct map, host
 * tests one over an arena. Every table is mapped in two steps, the 36-byte
 * header first and then exactly `length` bytes, and nothing is read past
 * what the accessor granted. Every failure prints one line naming the
 * table, the field or offset and the bad value, and comes back as an
 * enum acpi_status; nothing here panics, so the kernel can go on with one
 * CPU.
 *
 * Layouts (ACPI specification, sections 5.2.5 to 5.2.12):
 *
 *   RSDP   0 "RSD PTR "  8 checksum (first 20 bytes)  9 OEM id[6]
 *         15 revision   16 RSDT address (32-bit)
 *          revision >= 2: 20 length  24 XSDT address (64-bit)
 *                         32 extended checksum (over `length` bytes)
 *   header of every table (36 bytes): 0 signature[4]  4 length
 *          8 revision  9 checksum (whole table)  10 OEM id[6] ...
 *   RSDT   header, then 32-bit table addresses
 *   XSDT   header, then 64-bit table addresses
 *   MADT   header, 36 local APIC address (32-bit), 40 flags, 44 entries,
 *          each entry starting with (type, length)
 *
 * This file builds in the kernel and on the host: it includes no src/arch
 * header.
 */
#ifndef ACPI_H
#define ACPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Returns a pointer through which [phys, phys + size) can be read, or NULL
 * when that range is not accessible. A pointer must stay valid until the
 * acpi_* call that asked for it returns. */
typedef const void *(*acpi_phys_map_fn)(uint64_t phys, uint64_t size, void *ctx);

struct acpi_context {
	acpi_phys_map_fn map;
	void *ctx; /* passed back to map unchanged */
};

enum acpi_status {
	ACPI_OK = 0,
	ACPI_ERR_NOT_FOUND,     /* no RSDP, or no valid table with that signature */
	ACPI_ERR_BAD_SIGNATURE, /* "RSD PTR " or a table signature does not match */
	ACPI_ERR_BAD_CHECKSUM,  /* the bytes do not sum to 0 */
	ACPI_ERR_BAD_LENGTH,    /* a length field is too small, too large or uneven */
	ACPI_ERR_UNMAPPED,      /* the accessor refused a range */
	ACPI_ERR_BAD_ENTRY,     /* a MADT entry is malformed */
	ACPI_ERR_BAD_ARGUMENT,  /* a NULL pointer or accessor from the caller */
};

/* A short English name of a status ("bad checksum"), never NULL. */
const char *acpi_status_name(enum acpi_status status);

/* ---- RSDP --------------------------------------------------------------- */

#define ACPI_RSDP_V1_SIZE 20 /* up to and including the RSDT address */
#define ACPI_RSDP_V2_SIZE 36 /* revision >= 2: up to the reserved bytes */

struct acpi_rsdp_info {
	uint64_t phys;    /* where it was found; 0 for a copy (multiboot2 tag) */
	uint8_t revision; /* 0 for ACPI 1.0, 2 and above for ACPI 2.0+ */
	char oem_id[7];   /* NUL-terminated; unprintable bytes shown as '?' */
	uint64_t rsdt_phys;
	uint64_t xsdt_phys; /* 0 when revision < 2 */
};

/*
 * Check an RSDP held in memory, such as the copy in a multiboot2 ACPI tag
 * (old tag: 20 bytes, new tag: 36 bytes).
 * rsdp_bytes: the first byte of the RSDP; available: how many bytes may be
 * read there. out: filled on success (phys = 0), cleared on failure.
 * Checks the signature and the 20-byte checksum; for revision >= 2 also
 * 36 <= length <= available and the extended checksum over length bytes.
 * Returns ACPI_OK or the first broken rule's status (with a message).
 */
enum acpi_status acpi_rsdp_validate(const void *rsdp_bytes, size_t available, struct acpi_rsdp_info *out);

/*
 * Search for the RSDP the way BIOS firmware publishes it: on 16-byte
 * boundaries in the first KiB of the EBDA (whose segment is the 16-bit word
 * at physical 0x40e), then in 0xe0000-0xfffff. A candidate with the right
 * signature but a bad checksum is reported and the search goes on.
 * out: filled on success (phys = where it was found), cleared on failure.
 * Returns ACPI_OK, ACPI_ERR_NOT_FOUND, or ACPI_ERR_UNMAPPED when the BIOS
 * area cannot be read.
 */
enum acpi_status acpi_rsdp_scan(const struct acpi_context *c, struct acpi_rsdp_info *out);

/* ---- finding a table ---------------------------------------------------- */

#define ACPI_SDT_HEADER_SIZE 36

/*
 * Find the table with signature sig (4 characters, e.g. "APIC") listed in
 * the root table: the XSDT when rsdp->revision >= 2 and rsdp->xsdt_phys != 0,
 * else the RSDT (there is no fall-back from a broken XSDT to the RSDT). The
 * root table's signature, length and checksum must be right. A candidate
 * (an entry whose signature matches) that is unmapped, too short or has a
 * bad checksum is reported and skipped, and the search goes on.
 * table_phys, length: the table found (both required).
 * Returns ACPI_OK; an error of the root table; the status of the last
 * rejected candidate when no good one was found; else ACPI_ERR_NOT_FOUND.
 */
enum acpi_status acpi_find_table(const struct acpi_context *c, const struct acpi_rsdp_info *rsdp,
                                 const char sig[4], uint64_t *table_phys, uint32_t *length);

/* ---- MADT ("APIC") ------------------------------------------------------ */

/* One processor entry of the MADT (type 0 or 9), in table order. A CPU with
 * neither enabled nor online_capable set is unusable (the specification says
 * to ignore it); it is listed anyway so the log shows every entry. */
struct acpi_cpu {
	uint32_t apic_id;    /* 8-bit for a local APIC entry, 32-bit for x2APIC */
	uint32_t acpi_uid;   /* ACPI processor UID */
	bool enabled;        /* flags bit 0: ready to be started */
	bool online_capable; /* flags bit 1, meaningful only when not enabled */
	bool x2apic;         /* from a processor local x2APIC entry (type 9) */
};

struct acpi_madt_info {
	uint64_t lapic_phys;   /* header field, or the type 5 override */
	bool pcat_compat;      /* flags bit 0: dual 8259 PICs are present too */
	struct acpi_cpu *cpus; /* the caller's array, filled in table order */
	size_t cpus_capacity;  /* its length */
	size_t cpu_count;      /* entries filled in cpus[] */
	size_t cpus_ignored;   /* processor entries beyond cpus_capacity */
	size_t ioapic_count;   /* type 1 */
	size_t override_count; /* type 2, interrupt source overrides */
	size_t nmi_count;      /* type 4, local APIC NMI */
	size_t other_count;    /* entries of any other type, skipped */
};

/*
 * Read the MADT at madt_phys: its signature "APIC", length and checksum,
 * then every entry. Processor entries go into cpus[0..cpus_capacity), the
 * caller's memory; those beyond it are only counted (cpus_ignored), so a
 * first call with (NULL, 0) tells how many there are, and a second one with
 * that much room reads them all. There is no limit of its own. An entry must have length >= 2, end inside the
 * table and be at least as long as its type's fields; unknown types are counted in other_count and skipped. A
 * local APIC address override (type 5) replaces lapic_phys. out: filled on success, cleared on failure (no
 * partial CPU list; cpus and cpus_capacity are set either way). Returns ACPI_OK or the status of the first
 * broken rule (with a message).
 */
enum acpi_status acpi_parse_madt(const struct acpi_context *c, uint64_t madt_phys, struct acpi_cpu *cpus,
                                 size_t cpus_capacity, struct acpi_madt_info *out);

/* Print the MADT summary line and one line per CPU (kprintf). */
void acpi_print_madt(const struct acpi_madt_info *m);

#endif /* ACPI_H */
