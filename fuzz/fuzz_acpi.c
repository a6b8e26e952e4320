/*
 * fuzz_acpi.c - fuzz target for the ACPI parser (src/acpi/): RSDP checks
 * and the BIOS-area scan, the RSDT/XSDT walk to a table, and the MADT.
 *
 * The input describes physical memory:
 *   byte 0      flags: bit 0 fix the RSDP's checksums, bit 1 fix every
 *               table's checksum, bits 2-3 where the RSDP is (0, 1: a copy
 *               as in a multiboot2 tag; 2: in the EBDA; 3: in the BIOS
 *               area), bits 4-7 its 16-byte slot there
 *   byte 1      RSDP length n (up to 64), then n bytes of RSDP
 *   then up to 8 tables: a 16-bit length (up to 1024) and the bytes; table
 *               i lies at TABLE_BASE + i * TABLE_STRIDE
 * Address fields are relocated so that the fuzzer need not guess addresses:
 * in the RSDP's RSDT and XSDT fields and in the entries of a table signed
 * "RSDT" or "XSDT", a value 1..8 means table value - 1, and 0x100 * (k + 1)
 * + off means table k plus off bytes. Then the checksums are fixed if asked.
 *
 * The accessor hands out a fresh malloc'd copy of exactly the bytes asked
 * for, and only when they lie inside one table (or BIOS area): reading one
 * byte past what the parser mapped is an AddressSanitizer report. Beyond
 * that, a reference written from the rules in acpi.h, reading the memory
 * directly, must give the same status and the same results for
 * acpi_rsdp_validate / acpi_rsdp_scan, acpi_find_table ("APIC", "FACP"),
 * and acpi_parse_madt at every table, and a failure must leave *out zeroed.
 */
#include <string.h>

#include "acpi/acpi.h"
#include "fuzz_input.h"
#include "host_env.h"

#define MAX_TABLES       8
#define MAX_TABLE_BYTES  1024
#define MAX_RSDP_BYTES   64
#define TABLE_BASE       0x7fe0000u
#define TABLE_STRIDE     0x10000u
#define BDA_BASE         0x400u
#define EBDA_BASE        0x9fc00u
#define EBDA_BYTES       1024u
#define BIOS_AREA_BASE   0xe0000u
#define BIOS_AREA_BYTES  0x20000u
#define EBDA_SEGMENT_OFF 0x0e /* in the BDA */

struct blob {
	uint64_t phys;
	uint8_t *bytes;
	size_t len;
};

static struct blob memory[MAX_TABLES + 3];
static size_t nblobs;
static uint8_t tables[MAX_TABLES][MAX_TABLE_BYTES];
static uint8_t bda[256], ebda[EBDA_BYTES], bios_area[BIOS_AREA_BYTES];

static void *copies[4096];
static size_t ncopies;

/* ---- physical memory and the accessor ---- */

/* Where [phys, phys + size) can be read, or NULL: inside one blob only. */
static const uint8_t *memory_at(uint64_t phys, uint64_t size)
{
	for (size_t i = 0; i < nblobs; i++) {
		const struct blob *b = &memory[i];
		if (size > 0 && phys >= b->phys && phys - b->phys <= b->len &&
		    size <= b->len - (phys - b->phys))
			return b->bytes + (phys - b->phys);
	}
	return NULL;
}

static const void *map_copy(uint64_t phys, uint64_t size, void *ctx)
{
	(void)ctx;
	const uint8_t *at = memory_at(phys, size);
	if (!at || ncopies == sizeof(copies) / sizeof(copies[0]))
		return NULL;
	void *copy = malloc(size);
	fuzz_check(copy != NULL, "out of memory");
	memcpy(copy, at, size);
	copies[ncopies++] = copy;
	return copy;
}

static void release_copies(void)
{
	for (size_t i = 0; i < ncopies; i++)
		free(copies[i]);
	ncopies = 0;
}

static void add_blob(uint64_t phys, uint8_t *bytes, size_t len)
{
	memory[nblobs++] = (struct blob){.phys = phys, .bytes = bytes, .len = len};
}

/* ---- little-endian fields, checksums, relocation ---- */

static uint64_t get(const uint8_t *p, unsigned bytes)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < bytes; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static void put(uint8_t *p, uint64_t v, unsigned bytes)
{
	for (unsigned i = 0; i < bytes; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint8_t sum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;
	for (size_t i = 0; i < n; i++)
		s = (uint8_t)(s + p[i]);
	return s;
}

/* Make p[0..n) sum to 0 by changing p[at]. */
static void fix_sum(uint8_t *p, size_t n, size_t at)
{
	p[at] = 0;
	p[at] = (uint8_t)(0x100 - sum(p, n));
}

static void relocate(uint8_t *field, unsigned bytes)
{
	uint64_t v = get(field, bytes);
	if (v >= 1 && v <= MAX_TABLES)
		put(field, TABLE_BASE + (v - 1) * TABLE_STRIDE, bytes);
	else if (v >= 0x100 && v < 0x100 * (MAX_TABLES + 1))
		put(field, TABLE_BASE + ((v >> 8) - 1) * TABLE_STRIDE + (v & 0xff), bytes);
}

/* ---- the reference ---- */

static enum acpi_status ref_rsdp(const uint8_t *p, size_t available, struct acpi_rsdp_info *info)
{
	memset(info, 0, sizeof(*info));
	if (available < ACPI_RSDP_V1_SIZE)
		return ACPI_ERR_BAD_LENGTH;
	if (memcmp(p, "RSD PTR ", 8) != 0)
		return ACPI_ERR_BAD_SIGNATURE;
	if (sum(p, ACPI_RSDP_V1_SIZE) != 0)
		return ACPI_ERR_BAD_CHECKSUM;
	if (p[15] >= 2) {
		if (available < ACPI_RSDP_V2_SIZE)
			return ACPI_ERR_BAD_LENGTH;
		uint32_t length = (uint32_t)get(p + 20, 4);
		if (length < ACPI_RSDP_V2_SIZE || length > available)
			return ACPI_ERR_BAD_LENGTH;
		if (sum(p, length) != 0)
			return ACPI_ERR_BAD_CHECKSUM;
		info->xsdt_phys = get(p + 24, 8);
	}
	info->revision = p[15];
	for (int i = 0; i < 6; i++)
		info->oem_id[i] = p[9 + i] >= 0x20 && p[9 + i] < 0x7f ? (char)p[9 + i] : '?';
	info->rsdt_phys = get(p + 16, 4);
	return ACPI_OK;
}

static enum acpi_status ref_scan_area(uint64_t start, uint64_t size, struct acpi_rsdp_info *info)
{
	const uint8_t *area = memory_at(start, size);
	if (!area)
		return ACPI_ERR_UNMAPPED;
	for (uint64_t off = 0; off + ACPI_RSDP_V1_SIZE <= size; off += 16) {
		if (memcmp(area + off, "RSD PTR ", 8) == 0 &&
		    ref_rsdp(area + off, size - off, info) == ACPI_OK) {
			info->phys = start + off;
			return ACPI_OK;
		}
	}
	memset(info, 0, sizeof(*info));
	return ACPI_ERR_NOT_FOUND;
}

static enum acpi_status ref_scan(struct acpi_rsdp_info *info)
{
	const uint8_t *segment = memory_at(BDA_BASE + EBDA_SEGMENT_OFF, 2);
	if (segment) {
		uint64_t base = get(segment, 2) << 4;
		if (base >= 0x500 && base + 1024 <= 0xa0000 && ref_scan_area(base, 1024, info) == ACPI_OK)
			return ACPI_OK;
	}
	return ref_scan_area(BIOS_AREA_BASE, BIOS_AREA_BYTES, info);
}

/* A table: its header, then all `length` bytes, must be readable; the
 * signature (when sig) must match, the length cover the header, the sum
 * be 0. */
static enum acpi_status ref_table(uint64_t phys, const char *sig, const uint8_t **table, uint32_t *length)
{
	const uint8_t *header = memory_at(phys, ACPI_SDT_HEADER_SIZE);
	if (!header)
		return ACPI_ERR_UNMAPPED;
	if (sig && memcmp(header, sig, 4) != 0)
		return ACPI_ERR_BAD_SIGNATURE;
	uint32_t len = (uint32_t)get(header + 4, 4);
	if (len < ACPI_SDT_HEADER_SIZE)
		return ACPI_ERR_BAD_LENGTH;
	if (!memory_at(phys, len))
		return ACPI_ERR_UNMAPPED;
	if (sum(header, len) != 0)
		return ACPI_ERR_BAD_CHECKSUM;
	*table = header;
	*length = len;
	return ACPI_OK;
}

static enum acpi_status ref_find(const struct acpi_rsdp_info *rsdp, const char *sig, uint64_t *phys,
                                 uint32_t *length)
{
	*phys = 0;
	*length = 0;
	bool xsdt = rsdp->revision >= 2 && rsdp->xsdt_phys != 0;
	uint64_t root_phys = xsdt ? rsdp->xsdt_phys : rsdp->rsdt_phys;
	unsigned entry_size = xsdt ? 8 : 4;
	if (root_phys == 0)
		return ACPI_ERR_NOT_FOUND;
	const uint8_t *root;
	uint32_t root_len;
	enum acpi_status st = ref_table(root_phys, xsdt ? "XSDT" : "RSDT", &root, &root_len);
	if (st != ACPI_OK)
		return st;
	if ((root_len - ACPI_SDT_HEADER_SIZE) % entry_size != 0)
		return ACPI_ERR_BAD_LENGTH;
	enum acpi_status last = ACPI_ERR_NOT_FOUND;
	for (uint32_t off = ACPI_SDT_HEADER_SIZE; off < root_len; off += entry_size) {
		uint64_t entry = get(root + off, entry_size);
		const uint8_t *header = entry ? memory_at(entry, ACPI_SDT_HEADER_SIZE) : NULL;
		if (!header || memcmp(header, sig, 4) != 0)
			continue;
		const uint8_t *table;
		uint32_t len;
		st = ref_table(entry, sig, &table, &len);
		if (st == ACPI_OK) {
			*phys = entry;
			*length = len;
			return ACPI_OK;
		}
		last = st;
	}
	return last;
}

static void ref_cpu(struct acpi_madt_info *m, uint32_t apic_id, uint32_t uid, uint32_t flags, bool x2apic)
{
	if (m->cpu_count == m->cpus_capacity) {
		m->cpus_ignored++;
		return;
	}
	/* Field by field: the padding stays as memset left it. */
	struct acpi_cpu *cpu = &m->cpus[m->cpu_count++];
	cpu->apic_id = apic_id;
	cpu->acpi_uid = uid;
	cpu->enabled = flags & 1;
	cpu->online_capable = !cpu->enabled && (flags & 2);
	cpu->x2apic = x2apic;
}

/* Empty the result, keeping the caller's array and its length (madt.c
 * keeps them on failure too). */
static void ref_clear(struct acpi_madt_info *m, struct acpi_cpu *cpus, size_t capacity)
{
	memset(m, 0, sizeof(*m));
	m->cpus = cpus;
	m->cpus_capacity = capacity;
}

static enum acpi_status ref_madt(uint64_t phys, struct acpi_cpu *cpus, size_t capacity,
                                 struct acpi_madt_info *m)
{
	/* The smallest length of each entry type (0, 1, 2, 4, 5, 9). */
	static const uint8_t min_size[10] = {8, 12, 10, 2, 6, 12, 2, 2, 2, 16};
	ref_clear(m, cpus, capacity);
	const uint8_t *t;
	uint32_t len;
	enum acpi_status st = ref_table(phys, "APIC", &t, &len);
	if (st != ACPI_OK)
		return st;
	if (len < 44)
		return ACPI_ERR_BAD_LENGTH;
	m->lapic_phys = get(t + 36, 4);
	m->pcat_compat = get(t + 40, 4) & 1;
	for (uint32_t off = 44; off < len;) {
		uint8_t type = t[off];
		if (len - off < 2 || t[off + 1] < 2 || t[off + 1] > len - off ||
		    t[off + 1] < (type < 10 ? min_size[type] : 2)) {
			ref_clear(m, cpus, capacity);
			return ACPI_ERR_BAD_ENTRY;
		}
		const uint8_t *e = t + off;
		switch (type) {
		case 0: ref_cpu(m, e[3], e[2], (uint32_t)get(e + 4, 4), false); break;
		case 9:
			ref_cpu(m, (uint32_t)get(e + 4, 4), (uint32_t)get(e + 12, 4), (uint32_t)get(e + 8, 4),
			        true);
			break;
		case 1: m->ioapic_count++; break;
		case 2: m->override_count++; break;
		case 4: m->nmi_count++; break;
		case 5: m->lapic_phys = get(e + 4, 8); break;
		default: m->other_count++; break;
		}
		off += e[1];
	}
	return ACPI_OK;
}

/* ---- running both ---- */

static const struct acpi_context context = {.map = map_copy};

/* The MADT is read into arrays of MADT_ROOM entries, so that both the
 * entries that fit and those only counted (cpus_ignored) are exercised. */
#define MADT_ROOM 16

static void check_madt(uint64_t phys)
{
	static struct acpi_madt_info got, want;
	static struct acpi_cpu got_cpus[MADT_ROOM], want_cpus[MADT_ROOM];
	memset(got_cpus, 0, sizeof(got_cpus));
	memset(want_cpus, 0, sizeof(want_cpus));
	enum acpi_status st = acpi_parse_madt(&context, phys, got_cpus, MADT_ROOM, &got);
	enum acpi_status ref = ref_madt(phys, want_cpus, MADT_ROOM, &want);
	fuzz_check(st == ref, "acpi_parse_madt(0x%lx): %s, expected %s", phys, acpi_status_name(st),
	           acpi_status_name(ref));
	struct acpi_madt_info a = got, b = want;
	a.cpus = b.cpus = NULL; /* the two arrays differ by design; their contents are compared below */
	fuzz_check(memcmp(&a, &b, sizeof(a)) == 0 && got.cpus == got_cpus && want.cpus == want_cpus &&
	               memcmp(got_cpus, want_cpus, got.cpu_count * sizeof(got_cpus[0])) == 0,
	           "acpi_parse_madt(0x%lx): the result differs (%s)", phys, acpi_status_name(st));
	if (st == ACPI_OK)
		acpi_print_madt(&got);
	release_copies();
}

static void check_find(const struct acpi_rsdp_info *rsdp, const char *sig)
{
	uint64_t phys, want_phys;
	uint32_t length, want_length;
	enum acpi_status st = acpi_find_table(&context, rsdp, sig, &phys, &length);
	enum acpi_status ref = ref_find(rsdp, sig, &want_phys, &want_length);
	release_copies();
	fuzz_check(st == ref && phys == want_phys && length == want_length,
	           "acpi_find_table('%s'): %s at 0x%lx (0x%x bytes), expected %s at 0x%lx (0x%x bytes)", sig,
	           acpi_status_name(st), phys, length, acpi_status_name(ref), want_phys, want_length);
	if (st == ACPI_OK && memcmp(sig, "APIC", 4) == 0)
		check_madt(phys);
}

/* Read the tables; relocate the address fields of an RSDT or XSDT. */
static size_t read_tables(struct fuzz_input *in, bool fix_checksums)
{
	size_t count = 0;
	while (!fuzz_input_done(in) && count < MAX_TABLES) {
		uint8_t *t = tables[count];
		size_t len = fuzz_u16(in) % (MAX_TABLE_BYTES + 1);
		for (size_t i = 0; i < len; i++)
			t[i] = fuzz_u8(in);
		unsigned entry = len >= 4 && memcmp(t, "XSDT", 4) == 0   ? 8
		                 : len >= 4 && memcmp(t, "RSDT", 4) == 0 ? 4
		                                                         : 0;
		for (size_t off = ACPI_SDT_HEADER_SIZE; entry && off + entry <= len; off += entry)
			relocate(t + off, entry);
		if (fix_checksums && len >= 10) {
			size_t declared = len >= 8 ? get(t + 4, 4) : len;
			size_t n = declared < len ? declared : len;
			if (n >= 10)
				fix_sum(t, n, 9);
		}
		add_blob(TABLE_BASE + count * TABLE_STRIDE, t, len);
		count++;
	}
	return count;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in;
	fuzz_input_init(&in, data, size);
	host_log_clear();
	nblobs = 0;
	uint8_t flags = fuzz_u8(&in);
	size_t rsdp_len = fuzz_u8(&in) % (MAX_RSDP_BYTES + 1);
	uint8_t rsdp[MAX_RSDP_BYTES];
	for (size_t i = 0; i < rsdp_len; i++)
		rsdp[i] = fuzz_u8(&in);
	if (rsdp_len >= ACPI_RSDP_V1_SIZE)
		relocate(rsdp + 16, 4);
	if (rsdp_len >= 32)
		relocate(rsdp + 24, 8);
	if ((flags & 1) && rsdp_len >= ACPI_RSDP_V1_SIZE) {
		fix_sum(rsdp, ACPI_RSDP_V1_SIZE, 8);
		uint32_t length = rsdp_len >= 24 ? (uint32_t)get(rsdp + 20, 4) : 0;
		if (length > 32 && length <= rsdp_len)
			fix_sum(rsdp, length, 32);
	}
	size_t ntables = read_tables(&in, flags & 2);

	struct acpi_rsdp_info got, want;
	enum acpi_status st, ref;
	unsigned where = (flags >> 2) & 3;
	if (where < 2) {
		/* A copy, as in a multiboot2 ACPI tag: exactly rsdp_len bytes. */
		uint8_t *copy = malloc(rsdp_len ? rsdp_len : 1);
		fuzz_check(copy != NULL, "out of memory");
		memcpy(copy, rsdp, rsdp_len);
		st = acpi_rsdp_validate(copy, rsdp_len, &got);
		free(copy);
		ref = ref_rsdp(rsdp, rsdp_len, &want);
		if (ref != ACPI_OK)
			memset(&want, 0, sizeof(want));
	} else {
		/* In the EBDA or the BIOS area, on a 16-byte boundary. */
		memset(bda, 0, sizeof(bda));
		memset(ebda, 0, sizeof(ebda));
		memset(bios_area, 0, sizeof(bios_area));
		put(bda + EBDA_SEGMENT_OFF, EBDA_BASE >> 4, 2);
		uint8_t *area = where == 2 ? ebda : bios_area;
		size_t off = (size_t)(flags >> 4) * (where == 2 ? 16 : 0x1000) + (where == 2 ? 0 : 0x10);
		memcpy(area + off, rsdp, rsdp_len);
		add_blob(BDA_BASE, bda, sizeof(bda));
		add_blob(EBDA_BASE, ebda, sizeof(ebda));
		add_blob(BIOS_AREA_BASE, bios_area, sizeof(bios_area));
		st = acpi_rsdp_scan(&context, &got);
		ref = ref_scan(&want);
	}
	release_copies();
	fuzz_check(st == ref, "RSDP: %s, expected %s", acpi_status_name(st), acpi_status_name(ref));
	fuzz_check(memcmp(&got, &want, sizeof(got)) == 0, "RSDP: the result differs (%s)",
	           acpi_status_name(st));

	if (st == ACPI_OK) {
		check_find(&got, "APIC");
		check_find(&got, "FACP");
	}
	for (size_t i = 0; i < ntables; i++) {
		check_madt(TABLE_BASE + i * TABLE_STRIDE);
		check_madt(TABLE_BASE + i * TABLE_STRIDE + 4);
	}
	return 0;
}
