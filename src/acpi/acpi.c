/*
 * acpi.c - find the RSDP, check it, and walk the RSDT or XSDT to a table.
 *
 * Algorithm:
 *  1. RSDP: the signature "RSD PTR ", then the checksum of the first 20
 *     bytes; revision >= 2 adds a length (at least 36, and readable) and an
 *     extended checksum over that length.
 *  2. BIOS scan: read the EBDA segment at 0x40e and search the EBDA's first
 *     KiB, then 0xe0000-0xfffff, on 16-byte boundaries; the first candidate
 *     that passes step 1 wins, the others are reported.
 *  3. Find a table: map the root table (the XSDT when the RSDP offers one,
 *     else the RSDT) with its header checked, check that its entries are a
 *     whole number of addresses, then for each address map only the 36-byte
 *     header; when the signature matches, map and check the whole table. A
 *     bad candidate is reported and skipped.
 */
#include "acpi.h"

#include "lib/format.h"
#include "acpi_internal.h"

#define RSDP_SIGNATURE       "RSD PTR "
#define RSDP_SIGNATURE_SIZE  8
#define RSDP_OFF_OEM_ID      9
#define RSDP_OEM_ID_SIZE     6
#define RSDP_OFF_REVISION    15
#define RSDP_OFF_RSDT        16
#define RSDP_OFF_LENGTH      20
#define RSDP_OFF_XSDT        24
#define RSDP_FIRST_REVISION2 2

#define SDT_OFF_LENGTH 4

/* Where BIOS firmware puts the RSDP (ACPI specification 5.2.5.1). */
#define BDA_EBDA_SEGMENT 0x40e /* 16-bit real-mode segment of the EBDA */
#define EBDA_MIN         0x500 /* the BIOS data area ends here */
#define EBDA_END         0xa0000
#define EBDA_SEARCH_SIZE 1024
#define BIOS_AREA_START  0xe0000
#define BIOS_AREA_END    0x100000
#define RSDP_SCAN_ALIGN  16

const char *acpi_status_name(enum acpi_status status)
{
	switch (status) {
	case ACPI_OK: return "ok";
	case ACPI_ERR_NOT_FOUND: return "not found";
	case ACPI_ERR_BAD_SIGNATURE: return "bad signature";
	case ACPI_ERR_BAD_CHECKSUM: return "bad checksum";
	case ACPI_ERR_BAD_LENGTH: return "bad length";
	case ACPI_ERR_UNMAPPED: return "unmapped";
	case ACPI_ERR_BAD_ENTRY: return "bad entry";
	case ACPI_ERR_BAD_ARGUMENT: return "bad argument";
	}
	return "unknown status";
}

void acpi_printable(const uint8_t *bytes, size_t n, char *text)
{
	for (size_t i = 0; i < n; i++)
		text[i] = (bytes[i] >= 0x20 && bytes[i] < 0x7f) ? (char)bytes[i] : '?';
	text[n] = '\0';
}

static bool bytes_equal(const uint8_t *bytes, const char *expected, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (bytes[i] != (uint8_t)expected[i])
			return false;
	}
	return true;
}

static void clear_rsdp_info(struct acpi_rsdp_info *out)
{
	__builtin_memset(out, 0, sizeof(*out));
}

/* Step 1 for the RSDP at p, of which `available` bytes may be read.
 * where: how messages name it. Fills out (all but phys) only on success. */
static enum acpi_status check_rsdp(const uint8_t *p, size_t available, const char *where,
                                   struct acpi_rsdp_info *out)
{
	if (available < ACPI_RSDP_V1_SIZE) {
		kprintf("acpi: %s: only %zu bytes, an RSDP has at least %d\n", where, available,
		        ACPI_RSDP_V1_SIZE);
		return ACPI_ERR_BAD_LENGTH;
	}
	if (!bytes_equal(p, RSDP_SIGNATURE, RSDP_SIGNATURE_SIZE)) {
		char got[RSDP_SIGNATURE_SIZE + 1];
		acpi_printable(p, RSDP_SIGNATURE_SIZE, got);
		kprintf("acpi: %s: signature \"%s\", expected \"%s\"\n", where, got, RSDP_SIGNATURE);
		return ACPI_ERR_BAD_SIGNATURE;
	}
	uint8_t sum = acpi_byte_sum(p, ACPI_RSDP_V1_SIZE);
	if (sum != 0) {
		kprintf("acpi: %s: checksum 0x%x, expected sum 0 over the first %d bytes\n", where, sum,
		        ACPI_RSDP_V1_SIZE);
		return ACPI_ERR_BAD_CHECKSUM;
	}

	uint8_t revision = p[RSDP_OFF_REVISION];
	uint64_t xsdt_phys = 0;
	if (revision >= RSDP_FIRST_REVISION2) {
		if (available < ACPI_RSDP_V2_SIZE) {
			kprintf("acpi: %s: revision %u needs %d bytes, only %zu available\n", where, revision,
			        ACPI_RSDP_V2_SIZE, available);
			return ACPI_ERR_BAD_LENGTH;
		}
		uint32_t length = acpi_read_u32(p + RSDP_OFF_LENGTH);
		if (length < ACPI_RSDP_V2_SIZE || length > available) {
			kprintf("acpi: %s: length 0x%x, expected 0x%x to 0x%zx\n", where, length,
			        ACPI_RSDP_V2_SIZE, available);
			return ACPI_ERR_BAD_LENGTH;
		}
		sum = acpi_byte_sum(p, length);
		if (sum != 0) {
			kprintf("acpi: %s: extended checksum 0x%x, expected sum 0 over 0x%x bytes\n", where,
			        sum, length);
			return ACPI_ERR_BAD_CHECKSUM;
		}
		xsdt_phys = acpi_read_u64(p + RSDP_OFF_XSDT);
	}

	out->revision = revision;
	acpi_printable(p + RSDP_OFF_OEM_ID, RSDP_OEM_ID_SIZE, out->oem_id);
	out->rsdt_phys = acpi_read_u32(p + RSDP_OFF_RSDT);
	out->xsdt_phys = xsdt_phys;
	return ACPI_OK;
}

enum acpi_status acpi_rsdp_validate(const void *rsdp_bytes, size_t available, struct acpi_rsdp_info *out)
{
	if (!out)
		return ACPI_ERR_BAD_ARGUMENT;
	clear_rsdp_info(out);
	if (!rsdp_bytes) {
		kprintf("acpi: RSDP copy: NULL pointer\n");
		return ACPI_ERR_BAD_ARGUMENT;
	}
	enum acpi_status st = check_rsdp(rsdp_bytes, available, "RSDP copy", out);
	if (st != ACPI_OK)
		clear_rsdp_info(out);
	return st;
}

/* Step 2 over one area, mapped as a whole. */
static enum acpi_status scan_area(const struct acpi_context *c, uint64_t start, uint64_t size,
                                  struct acpi_rsdp_info *out)
{
	const uint8_t *area = c->map(start, size, c->ctx);
	if (!area) {
		kprintf("acpi: cannot read 0x%lx-0x%lx to look for the RSDP\n", start, start + size - 1);
		return ACPI_ERR_UNMAPPED;
	}
	for (uint64_t off = 0; off + ACPI_RSDP_V1_SIZE <= size; off += RSDP_SCAN_ALIGN) {
		if (!bytes_equal(area + off, RSDP_SIGNATURE, RSDP_SIGNATURE_SIZE))
			continue;
		char where[32];
		ksnprintf(where, sizeof(where), "RSDP at 0x%lx", start + off);
		if (check_rsdp(area + off, size - off, where, out) == ACPI_OK) {
			out->phys = start + off;
			return ACPI_OK;
		}
	}
	return ACPI_ERR_NOT_FOUND;
}

enum acpi_status acpi_rsdp_scan(const struct acpi_context *c, struct acpi_rsdp_info *out)
{
	if (!c || !c->map || !out)
		return ACPI_ERR_BAD_ARGUMENT;
	clear_rsdp_info(out);

	/* An unreadable or implausible EBDA pointer only narrows the search. */
	const uint8_t *bda = c->map(BDA_EBDA_SEGMENT, sizeof(uint16_t), c->ctx);
	if (!bda) {
		kprintf("acpi: cannot read the EBDA segment at 0x%x, searching only 0x%x-0x%x\n",
		        BDA_EBDA_SEGMENT, BIOS_AREA_START, BIOS_AREA_END - 1);
	} else {
		uint16_t segment = acpi_read_u16(bda);
		uint64_t ebda = (uint64_t)segment << 4;
		if (ebda >= EBDA_MIN && ebda + EBDA_SEARCH_SIZE <= EBDA_END) {
			if (scan_area(c, ebda, EBDA_SEARCH_SIZE, out) == ACPI_OK)
				return ACPI_OK;
		} else if (segment != 0) {
			kprintf("acpi: EBDA segment 0x%x puts the EBDA at 0x%lx, outside 0x%x-0x%x: not "
			        "searched\n",
			        segment, ebda, EBDA_MIN, EBDA_END - 1);
		}
	}

	enum acpi_status st = scan_area(c, BIOS_AREA_START, BIOS_AREA_END - BIOS_AREA_START, out);
	if (st == ACPI_ERR_NOT_FOUND)
		kprintf("acpi: no valid RSDP in the EBDA or in 0x%x-0x%x\n", BIOS_AREA_START,
		        BIOS_AREA_END - 1);
	if (st != ACPI_OK)
		clear_rsdp_info(out);
	return st;
}

enum acpi_status acpi_map_table(const struct acpi_context *c, uint64_t phys, const char *sig,
                                const char *name, const uint8_t **table, uint32_t *length)
{
	const uint8_t *header = c->map(phys, ACPI_SDT_HEADER_SIZE, c->ctx);
	if (!header) {
		kprintf("acpi: %s at 0x%lx: its %d-byte header cannot be read\n", name, phys,
		        ACPI_SDT_HEADER_SIZE);
		return ACPI_ERR_UNMAPPED;
	}
	if (sig && !bytes_equal(header, sig, 4)) {
		char got[5], want[5];
		acpi_printable(header, 4, got);
		acpi_printable((const uint8_t *)sig, 4, want);
		kprintf("acpi: %s at 0x%lx: signature \"%s\", expected \"%s\"\n", name, phys, got, want);
		return ACPI_ERR_BAD_SIGNATURE;
	}
	uint32_t len = acpi_read_u32(header + SDT_OFF_LENGTH);
	if (len < ACPI_SDT_HEADER_SIZE) {
		kprintf("acpi: %s at 0x%lx: length 0x%x is smaller than its %d-byte header\n", name, phys,
		        len, ACPI_SDT_HEADER_SIZE);
		return ACPI_ERR_BAD_LENGTH;
	}
	const uint8_t *whole = c->map(phys, len, c->ctx);
	if (!whole) {
		kprintf("acpi: %s at 0x%lx: its length 0x%x cannot be read\n", name, phys, len);
		return ACPI_ERR_UNMAPPED;
	}
	uint8_t sum = acpi_byte_sum(whole, len);
	if (sum != 0) {
		kprintf("acpi: %s at 0x%lx: checksum 0x%x, expected sum 0 over 0x%x bytes\n", name, phys, sum,
		        len);
		return ACPI_ERR_BAD_CHECKSUM;
	}
	*table = whole;
	*length = len;
	return ACPI_OK;
}

enum acpi_status acpi_find_table(const struct acpi_context *c, const struct acpi_rsdp_info *rsdp,
                                 const char sig[4], uint64_t *table_phys, uint32_t *length)
{
	if (!c || !c->map || !rsdp || !sig || !table_phys || !length)
		return ACPI_ERR_BAD_ARGUMENT;
	*table_phys = 0;
	*length = 0;

	char want[5];
	acpi_printable((const uint8_t *)sig, 4, want);
	bool use_xsdt = rsdp->revision >= RSDP_FIRST_REVISION2 && rsdp->xsdt_phys != 0;
	const char *root_name = use_xsdt ? "XSDT" : "RSDT";
	uint64_t root_phys = use_xsdt ? rsdp->xsdt_phys : rsdp->rsdt_phys;
	size_t entry_size = use_xsdt ? sizeof(uint64_t) : sizeof(uint32_t);
	if (root_phys == 0) {
		kprintf("acpi: the RSDP gives no RSDT or XSDT address, cannot look for '%s'\n", want);
		return ACPI_ERR_NOT_FOUND;
	}

	const uint8_t *root;
	uint32_t root_length;
	enum acpi_status st = acpi_map_table(c, root_phys, root_name, root_name, &root, &root_length);
	if (st != ACPI_OK)
		return st;
	uint32_t entry_bytes = root_length - ACPI_SDT_HEADER_SIZE;
	if (entry_bytes % entry_size != 0) {
		kprintf(
		    "acpi: %s at 0x%lx: length 0x%x leaves 0x%x bytes of entries, not a multiple of %zu\n",
		    root_name, root_phys, root_length, entry_bytes, entry_size);
		return ACPI_ERR_BAD_LENGTH;
	}

	size_t count = entry_bytes / entry_size;
	enum acpi_status last_rejection = ACPI_ERR_NOT_FOUND;
	for (size_t i = 0; i < count; i++) {
		const uint8_t *entry = root + ACPI_SDT_HEADER_SIZE + i * entry_size;
		uint64_t phys = use_xsdt ? acpi_read_u64(entry) : acpi_read_u32(entry);
		if (phys == 0) {
			kprintf("acpi: %s entry %zu is 0, skipped\n", root_name, i);
			continue;
		}
		/* Only the header of a table with another signature is read. */
		const uint8_t *header = c->map(phys, ACPI_SDT_HEADER_SIZE, c->ctx);
		if (!header) {
			kprintf("acpi: %s entry %zu: the header at 0x%lx cannot be read, skipped\n",
			        root_name, i, phys);
			continue;
		}
		if (!bytes_equal(header, sig, 4))
			continue;

		char name[16];
		ksnprintf(name, sizeof(name), "table '%s'", want);
		const uint8_t *table;
		uint32_t table_length;
		st = acpi_map_table(c, phys, sig, name, &table, &table_length);
		if (st != ACPI_OK) {
			kprintf("acpi: %s entry %zu: table '%s' at 0x%lx skipped (%s)\n", root_name, i, want,
			        phys, acpi_status_name(st));
			last_rejection = st;
			continue;
		}
		*table_phys = phys;
		*length = table_length;
		return ACPI_OK;
	}
	kprintf("acpi: no valid table '%s' among the %zu entries of the %s at 0x%lx\n", want, count,
	        root_name, root_phys);
	return last_rejection;
}
