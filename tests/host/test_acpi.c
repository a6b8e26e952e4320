/* test_acpi.c - ACPI discovery: the RSDP is accepted from a multiboot2 copy,
 * the EBDA or the BIOS area and refused for each broken rule; tables are
 * found through the RSDT or the XSDT with bad candidates skipped; the MADT
 * yields the CPUs, I/O APICs and overrides, and a malformed MADT is refused
 * with a message naming the offset and the value, without reading past
 * what the accessor mapped (every mapping is an exact-size heap copy). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <string.h>

#include "acpi/acpi.h"
#include "acpi_builder.h"
#include "host_env.h"

#define ARENA_SIZE 0x200000ull
#define EBDA       0x9fc00ull
#define RSDT       0x100000ull
#define XSDT       0x101000ull
#define MADT       0x102000ull
#define MADT2      0x103000ull
#define FACP       0x104000ull
#define HPET       0x105000ull

static struct acpib_mapper mapper;
static const struct acpi_context ctx = {.map = acpib_map, .ctx = &mapper};
static struct acpi_rsdp_info rsdp;
static struct acpi_madt_info madt;
/* The caller's room for processor entries: more than QEMU's largest q35. */
#define CPU_ROOM 300
static struct acpi_cpu cpu_room[CPU_ROOM];
static uint8_t copy[64];

static int setup(void **state)
{
	(void)state;
	host_arena_init(ARENA_SIZE);
	memset(acpib_at(0), 0, ARENA_SIZE); /* no EBDA, no RSDP anywhere */
	memset(&mapper, 0, sizeof(mapper));
	memset(&rsdp, 0xee, sizeof(rsdp)); /* junk: the parser must fill or clear it */
	memset(&madt, 0xee, sizeof(madt));
	memset(cpu_room, 0xee, sizeof(cpu_room));
	memset(copy, 0, sizeof(copy));
	host_log_clear();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	acpib_release_maps();
	host_arena_free();
	return 0;
}

static void set_ebda_segment(uint16_t segment)
{
	memcpy(acpib_at(0x40e), &segment, sizeof(segment));
}

/* An RSDP as acpi_rsdp_validate() or acpi_rsdp_scan() would have filled it. */
static void use_rsdp(uint8_t revision, uint32_t rsdt_phys, uint64_t xsdt_phys)
{
	memset(&rsdp, 0, sizeof(rsdp));
	rsdp.revision = revision;
	rsdp.rsdt_phys = rsdt_phys;
	rsdp.xsdt_phys = xsdt_phys;
}

/* A MADT at phys with four enabled xAPIC CPUs (APIC IDs 0-3). */
static void build_madt_with_four_cpus(uint64_t phys)
{
	struct acpib_table t;
	acpib_madt_begin(&t, phys, 0xfee00000, 1);
	for (uint8_t i = 0; i < 4; i++)
		acpib_madt_lapic(&t, i, i, 1);
	acpib_table_finish(&t);
}

/* ---- RSDP from a multiboot2 copy ----------------------------------------- */

static void rsdp_v1_copy_is_accepted(void **state)
{
	size_t n = acpib_rsdp(copy, 0, "BOCHS ", 0x7fe14d2, 0);
	assert_int_equal(n, 20);
	assert_int_equal(acpi_rsdp_validate(copy, n, &rsdp), ACPI_OK);
	assert_int_equal(rsdp.revision, 0);
	assert_string_equal(rsdp.oem_id, "BOCHS ");
	assert_int_equal(rsdp.rsdt_phys, 0x7fe14d2);
	assert_int_equal(rsdp.xsdt_phys, 0);
	assert_int_equal(rsdp.phys, 0);
}

static void rsdp_v2_copy_is_accepted(void **state)
{
	size_t n = acpib_rsdp(copy, 2, "OVMF  ", 0x7fb7e074, 0x7fb7e0e8);
	assert_int_equal(n, 36);
	assert_int_equal(acpi_rsdp_validate(copy, n, &rsdp), ACPI_OK);
	assert_int_equal(rsdp.revision, 2);
	assert_string_equal(rsdp.oem_id, "OVMF  ");
	assert_int_equal(rsdp.rsdt_phys, 0x7fb7e074);
	assert_int_equal(rsdp.xsdt_phys, 0x7fb7e0e8);
}

static void rsdp_oem_id_unprintable_bytes_show_as_question_marks(void **state)
{
	size_t n = acpib_rsdp(copy, 0,
	                      "AB\x01\xff"
	                      "CD",
	                      0x1000, 0);
	assert_int_equal(acpi_rsdp_validate(copy, n, &rsdp), ACPI_OK);
	assert_string_equal(rsdp.oem_id, "AB??CD");
}

static void rsdp_with_bad_signature_is_refused(void **state)
{
	size_t n = acpib_rsdp(copy, 0, "BOCHS ", 0x1000, 0);
	copy[7] = 'X';
	assert_int_equal(acpi_rsdp_validate(copy, n, &rsdp), ACPI_ERR_BAD_SIGNATURE);
	assert_true(host_log_contains("acpi: RSDP copy: signature \"RSD PTRX\", expected \"RSD PTR \""));
	assert_int_equal(rsdp.rsdt_phys, 0); /* cleared, not half filled */
}

static void rsdp_with_bad_checksum_is_refused(void **state)
{
	size_t n = acpib_rsdp(copy, 0, "BOCHS ", 0x1000, 0);
	copy[16] ^= 0x01; /* the RSDT address changes, the checksum does not */
	assert_int_equal(acpi_rsdp_validate(copy, n, &rsdp), ACPI_ERR_BAD_CHECKSUM);
	assert_true(
	    host_log_contains("acpi: RSDP copy: checksum 0x1, expected sum 0 over the first 20 bytes"));
}

static void rsdp_v2_with_bad_extended_checksum_is_refused(void **state)
{
	size_t n = acpib_rsdp(copy, 2, "OVMF  ", 0x1000, 0x2000);
	copy[24] ^= 0x10; /* XSDT address: outside the first 20 bytes */
	assert_int_equal(acpi_rsdp_validate(copy, n, &rsdp), ACPI_ERR_BAD_CHECKSUM);
	assert_true(
	    host_log_contains("acpi: RSDP copy: extended checksum 0x10, expected sum 0 over 0x24 bytes"));
	assert_int_equal(rsdp.xsdt_phys, 0);
}

static void rsdp_shorter_than_20_bytes_is_refused(void **state)
{
	acpib_rsdp(copy, 0, "BOCHS ", 0x1000, 0);
	assert_int_equal(acpi_rsdp_validate(copy, 19, &rsdp), ACPI_ERR_BAD_LENGTH);
	assert_true(host_log_contains("acpi: RSDP copy: only 19 bytes, an RSDP has at least 20"));
}

static void rsdp_v2_in_a_20_byte_copy_is_refused(void **state)
{
	acpib_rsdp(copy, 2, "OVMF  ", 0x1000, 0x2000);
	assert_int_equal(acpi_rsdp_validate(copy, 20, &rsdp), ACPI_ERR_BAD_LENGTH);
	assert_true(host_log_contains("acpi: RSDP copy: revision 2 needs 36 bytes, only 20 available"));
}

static void rsdp_v2_length_smaller_than_36_is_refused(void **state)
{
	acpib_rsdp(copy, 2, "OVMF  ", 0x1000, 0x2000);
	copy[20] = 20;
	acpib_rsdp_fix_checksums(copy);
	assert_int_equal(acpi_rsdp_validate(copy, 36, &rsdp), ACPI_ERR_BAD_LENGTH);
	assert_true(host_log_contains("acpi: RSDP copy: length 0x14, expected 0x24 to 0x24"));
}

static void rsdp_v2_length_beyond_the_copy_is_refused(void **state)
{
	acpib_rsdp(copy, 2, "OVMF  ", 0x1000, 0x2000);
	copy[20] = 40; /* 4 bytes more than the copy holds: they must not be read */
	acpib_rsdp_fix_checksums(copy);
	assert_int_equal(acpi_rsdp_validate(copy, 36, &rsdp), ACPI_ERR_BAD_LENGTH);
	assert_true(host_log_contains("acpi: RSDP copy: length 0x28, expected 0x24 to 0x24"));
}

static void rsdp_null_copy_is_refused(void **state)
{
	assert_int_equal(acpi_rsdp_validate(NULL, 36, &rsdp), ACPI_ERR_BAD_ARGUMENT);
	assert_true(host_log_contains("acpi: RSDP copy: NULL pointer"));
}

/* ---- RSDP found by the BIOS scan ----------------------------------------- */

static void rsdp_v1_is_found_in_the_bios_area(void **state)
{
	acpib_rsdp(acpib_at(0xf5a40), 0, "BOCHS ", RSDT, 0);
	assert_int_equal(acpi_rsdp_scan(&ctx, &rsdp), ACPI_OK);
	assert_int_equal(rsdp.phys, 0xf5a40);
	assert_int_equal(rsdp.revision, 0);
	assert_int_equal(rsdp.rsdt_phys, RSDT);
}

static void rsdp_v2_is_found_at_the_start_of_the_bios_area(void **state)
{
	acpib_rsdp(acpib_at(0xe0000), 2, "OVMF  ", RSDT, XSDT);
	assert_int_equal(acpi_rsdp_scan(&ctx, &rsdp), ACPI_OK);
	assert_int_equal(rsdp.phys, 0xe0000);
	assert_int_equal(rsdp.xsdt_phys, XSDT);
}

static void rsdp_v2_is_found_near_the_end_of_the_bios_area(void **state)
{
	acpib_rsdp(acpib_at(0xfffd0), 2, "OVMF  ", RSDT, XSDT);
	assert_int_equal(acpi_rsdp_scan(&ctx, &rsdp), ACPI_OK);
	assert_int_equal(rsdp.phys, 0xfffd0);
}

static void rsdp_is_found_in_the_ebda(void **state)
{
	set_ebda_segment(EBDA >> 4);
	acpib_rsdp(acpib_at(EBDA + 0x10), 0, "SEABIO", RSDT, 0);
	assert_int_equal(acpi_rsdp_scan(&ctx, &rsdp), ACPI_OK);
	assert_int_equal(rsdp.phys, EBDA + 0x10);
	assert_string_equal(rsdp.oem_id, "SEABIO");
}

static void rsdp_in_the_ebda_is_preferred_to_the_bios_area(void **state)
{
	set_ebda_segment(EBDA >> 4);
	acpib_rsdp(acpib_at(EBDA + 0x3e0), 0, "EBDA  ", RSDT, 0);
	acpib_rsdp(acpib_at(0xe0000), 0, "BIOS  ", RSDT, 0);
	assert_int_equal(acpi_rsdp_scan(&ctx, &rsdp), ACPI_OK);
	assert_int_equal(rsdp.phys, EBDA + 0x3e0);
}

static void rsdp_beyond_the_first_kib_of_the_ebda_is_not_searched(void **state)
{
	set_ebda_segment(EBDA >> 4);
	acpib_rsdp(acpib_at(EBDA + 0x400), 0, "EBDA  ", RSDT, 0);
	assert_int_equal(acpi_rsdp_scan(&ctx, &rsdp), ACPI_ERR_NOT_FOUND);
}

static void rsdp_off_a_16_byte_boundary_is_not_found(void **state)
{
	acpib_rsdp(acpib_at(0xe0008), 0, "BOCHS ", RSDT, 0);
	assert_int_equal(acpi_rsdp_scan(&ctx, &rsdp), ACPI_ERR_NOT_FOUND);
	assert_true(host_log_contains("acpi: no valid RSDP in the EBDA or in 0xe0000-0xfffff"));
	assert_int_equal(rsdp.phys, 0);
}

static void rsdp_scan_skips_a_bad_candidate_and_goes_on(void **state)
{
	acpib_rsdp(acpib_at(0xe1000), 0, "BAD   ", RSDT, 0);
	acpib_at(0xe1000)[17] ^= 0x5; /* a zero byte of the RSDT address */
	acpib_rsdp(acpib_at(0xe2000), 0, "GOOD  ", RSDT, 0);
	assert_int_equal(acpi_rsdp_scan(&ctx, &rsdp), ACPI_OK);
	assert_int_equal(rsdp.phys, 0xe2000);
	assert_true(host_log_contains("acpi: RSDP at 0xe1000: checksum 0x5, expected sum 0"));
}

static void rsdp_scan_ignores_an_ebda_segment_outside_low_memory(void **state)
{
	set_ebda_segment(0xb800); /* video memory */
	acpib_rsdp(acpib_at(0xf0000), 0, "BOCHS ", RSDT, 0);
	assert_int_equal(acpi_rsdp_scan(&ctx, &rsdp), ACPI_OK);
	assert_int_equal(rsdp.phys, 0xf0000);
	assert_true(
	    host_log_contains("acpi: EBDA segment 0xb800 puts the EBDA at 0xb8000, outside 0x500-0x9ffff"));
}

static void rsdp_scan_of_an_unmapped_bios_area_reports_unmapped(void **state)
{
	mapper.hole_start = 0;
	mapper.hole_end = 0x100000;
	assert_int_equal(acpi_rsdp_scan(&ctx, &rsdp), ACPI_ERR_UNMAPPED);
	assert_true(host_log_contains("acpi: cannot read the EBDA segment at 0x40e"));
	assert_true(host_log_contains("acpi: cannot read 0xe0000-0xfffff to look for the RSDP"));
}

/* ---- finding a table ----------------------------------------------------- */

static void table_is_found_through_the_rsdt(void **state)
{
	uint64_t tables[] = {FACP, MADT, HPET};
	acpib_empty_table(FACP, "FACP");
	build_madt_with_four_cpus(MADT);
	acpib_empty_table(HPET, "HPET");
	acpib_rsdt(RSDT, tables, 3);
	use_rsdp(0, RSDT, 0);
	uint64_t phys;
	uint32_t length;
	assert_int_equal(acpi_find_table(&ctx, &rsdp, "APIC", &phys, &length), ACPI_OK);
	assert_int_equal(phys, MADT);
	assert_int_equal(length, 44 + 4 * 8);
	assert_int_equal(acpi_find_table(&ctx, &rsdp, "HPET", &phys, &length), ACPI_OK);
	assert_int_equal(phys, HPET);
	assert_int_equal(length, 36);
}

static void table_is_found_through_the_xsdt_when_revision_is_2(void **state)
{
	uint64_t rsdt_tables[] = {MADT};
	uint64_t xsdt_tables[] = {FACP, MADT2};
	build_madt_with_four_cpus(MADT);
	build_madt_with_four_cpus(MADT2);
	acpib_empty_table(FACP, "FACP");
	acpib_rsdt(RSDT, rsdt_tables, 1);
	acpib_xsdt(XSDT, xsdt_tables, 2);
	use_rsdp(2, RSDT, XSDT);
	uint64_t phys;
	uint32_t length;
	assert_int_equal(acpi_find_table(&ctx, &rsdp, "APIC", &phys, &length), ACPI_OK);
	assert_int_equal(phys, MADT2);
}

static void unreadable_root_entry_is_skipped_and_the_search_goes_on(void **state)
{
	/* The first entry lies above 4 GiB, outside the arena: the accessor
	 * refuses it, the parser reports it and goes on to the next entry. */
	uint64_t xsdt_tables[] = {0x100000000ull + MADT, MADT};
	build_madt_with_four_cpus(MADT);
	acpib_xsdt(XSDT, xsdt_tables, 2);
	use_rsdp(2, 0, XSDT);
	uint64_t phys;
	uint32_t length;
	assert_int_equal(acpi_find_table(&ctx, &rsdp, "APIC", &phys, &length), ACPI_OK);
	assert_int_equal(phys, MADT);
	assert_true(
	    host_log_contains("acpi: XSDT entry 0: the header at 0x100102000 cannot be read, skipped"));
}

static void rsdt_is_used_when_revision_2_has_no_xsdt(void **state)
{
	uint64_t tables[] = {MADT};
	build_madt_with_four_cpus(MADT);
	acpib_rsdt(RSDT, tables, 1);
	use_rsdp(2, RSDT, 0);
	uint64_t phys;
	uint32_t length;
	assert_int_equal(acpi_find_table(&ctx, &rsdp, "APIC", &phys, &length), ACPI_OK);
	assert_int_equal(phys, MADT);
}

static void missing_signature_is_not_found(void **state)
{
	uint64_t tables[] = {FACP, MADT};
	acpib_empty_table(FACP, "FACP");
	build_madt_with_four_cpus(MADT);
	acpib_xsdt(XSDT, tables, 2);
	use_rsdp(2, 0, XSDT);
	uint64_t phys = 1;
	uint32_t length = 1;
	assert_int_equal(acpi_find_table(&ctx, &rsdp, "SRAT", &phys, &length), ACPI_ERR_NOT_FOUND);
	assert_int_equal(phys, 0);
	assert_int_equal(length, 0);
	assert_true(
	    host_log_contains("acpi: no valid table 'SRAT' among the 2 entries of the XSDT at 0x101000"));
}

static void rsdp_without_root_address_finds_nothing(void **state)
{
	use_rsdp(2, 0, 0);
	uint64_t phys;
	uint32_t length;
	assert_int_equal(acpi_find_table(&ctx, &rsdp, "APIC", &phys, &length), ACPI_ERR_NOT_FOUND);
	assert_true(
	    host_log_contains("acpi: the RSDP gives no RSDT or XSDT address, cannot look for 'APIC'"));
}

static void root_table_with_bad_checksum_is_refused(void **state)
{
	uint64_t tables[] = {MADT};
	build_madt_with_four_cpus(MADT);
	acpib_xsdt(XSDT, tables, 1);
	acpib_at(XSDT + 36)[0] ^= 0x3c;
	use_rsdp(2, 0, XSDT);
	uint64_t phys;
	uint32_t length;
	assert_int_equal(acpi_find_table(&ctx, &rsdp, "APIC", &phys, &length), ACPI_ERR_BAD_CHECKSUM);
	assert_true(
	    host_log_contains("acpi: XSDT at 0x101000: checksum 0x3c, expected sum 0 over 0x2c bytes"));
}

static void root_table_with_wrong_signature_is_refused(void **state)
{
	uint64_t tables[] = {MADT};
	build_madt_with_four_cpus(MADT);
	acpib_rsdt(RSDT, tables, 1);
	use_rsdp(2, RSDT, RSDT); /* the XSDT address points at the RSDT */
	uint64_t phys;
	uint32_t length;
	assert_int_equal(acpi_find_table(&ctx, &rsdp, "APIC", &phys, &length), ACPI_ERR_BAD_SIGNATURE);
	assert_true(host_log_contains("acpi: XSDT at 0x100000: signature \"RSDT\", expected \"XSDT\""));
}

static void root_table_shorter_than_its_header_is_refused(void **state)
{
	uint64_t tables[] = {MADT};
	acpib_rsdt(RSDT, tables, 1);
	acpib_at(RSDT + 4)[0] = 35;
	acpib_fix_checksum(RSDT);
	use_rsdp(0, RSDT, 0);
	uint64_t phys;
	uint32_t length;
	assert_int_equal(acpi_find_table(&ctx, &rsdp, "APIC", &phys, &length), ACPI_ERR_BAD_LENGTH);
	assert_true(
	    host_log_contains("acpi: RSDT at 0x100000: length 0x23 is smaller than its 36-byte header"));
}

static void root_table_with_a_partial_entry_is_refused(void **state)
{
	uint64_t tables[] = {MADT, FACP};
	acpib_xsdt(XSDT, tables, 2);
	acpib_at(XSDT + 4)[0] = 36 + 12; /* one and a half 64-bit entries */
	acpib_fix_checksum(XSDT);
	use_rsdp(2, 0, XSDT);
	uint64_t phys;
	uint32_t length;
	assert_int_equal(acpi_find_table(&ctx, &rsdp, "APIC", &phys, &length), ACPI_ERR_BAD_LENGTH);
	assert_true(
	    host_log_contains("acpi: XSDT at 0x101000: length 0x30 leaves 0xc bytes of entries, not a "
	                      "multiple of 8"));
}

static void root_table_longer_than_mapped_memory_is_unmapped(void **state)
{
	uint64_t tables[] = {MADT};
	acpib_rsdt(RSDT, tables, 1);
	uint32_t huge = 0x40000000;
	memcpy(acpib_at(RSDT + 4), &huge, 4);
	use_rsdp(0, RSDT, 0);
	uint64_t phys;
	uint32_t length;
	assert_int_equal(acpi_find_table(&ctx, &rsdp, "APIC", &phys, &length), ACPI_ERR_UNMAPPED);
	assert_true(host_log_contains("acpi: RSDT at 0x100000: its length 0x40000000 cannot be read"));
}

static void unmapped_root_table_is_reported(void **state)
{
	uint64_t tables[] = {MADT};
	acpib_xsdt(XSDT, tables, 1);
	mapper.hole_start = XSDT;
	mapper.hole_end = XSDT + 0x1000;
	use_rsdp(2, 0, XSDT);
	uint64_t phys;
	uint32_t length;
	assert_int_equal(acpi_find_table(&ctx, &rsdp, "APIC", &phys, &length), ACPI_ERR_UNMAPPED);
	assert_true(host_log_contains("acpi: XSDT at 0x101000: its 36-byte header cannot be read"));
}

static void candidate_with_bad_checksum_is_skipped_and_the_search_goes_on(void **state)
{
	uint64_t tables[] = {FACP, MADT, MADT2};
	acpib_empty_table(FACP, "FACP");
	build_madt_with_four_cpus(MADT);
	acpib_at(MADT + 41)[0] ^= 0x7; /* a zero byte of the flags */
	build_madt_with_four_cpus(MADT2);
	acpib_xsdt(XSDT, tables, 3);
	use_rsdp(2, 0, XSDT);
	uint64_t phys;
	uint32_t length;
	assert_int_equal(acpi_find_table(&ctx, &rsdp, "APIC", &phys, &length), ACPI_OK);
	assert_int_equal(phys, MADT2);
	assert_true(host_log_contains(
	    "acpi: table 'APIC' at 0x102000: checksum 0x7, expected sum 0 over 0x4c bytes"));
	assert_true(host_log_contains("acpi: XSDT entry 1: table 'APIC' at 0x102000 skipped (bad checksum)"));
}

static void only_candidate_with_bad_checksum_reports_bad_checksum(void **state)
{
	uint64_t tables[] = {MADT};
	build_madt_with_four_cpus(MADT);
	acpib_at(MADT + 41)[0] ^= 0x7; /* a zero byte of the flags */
	acpib_rsdt(RSDT, tables, 1);
	use_rsdp(0, RSDT, 0);
	uint64_t phys;
	uint32_t length;
	assert_int_equal(acpi_find_table(&ctx, &rsdp, "APIC", &phys, &length), ACPI_ERR_BAD_CHECKSUM);
	assert_int_equal(phys, 0);
}

static void null_root_entry_is_skipped(void **state)
{
	uint64_t tables[] = {0, MADT};
	build_madt_with_four_cpus(MADT);
	acpib_rsdt(RSDT, tables, 2);
	use_rsdp(0, RSDT, 0);
	uint64_t phys;
	uint32_t length;
	assert_int_equal(acpi_find_table(&ctx, &rsdp, "APIC", &phys, &length), ACPI_OK);
	assert_int_equal(phys, MADT);
	assert_true(host_log_contains("acpi: RSDT entry 0 is 0, skipped"));
}

/* ---- MADT ---------------------------------------------------------------- */

static void madt_with_four_enabled_cpus_lists_them(void **state)
{
	build_madt_with_four_cpus(MADT);
	assert_int_equal(acpi_parse_madt(&ctx, MADT, cpu_room, CPU_ROOM, &madt), ACPI_OK);
	assert_int_equal(madt.lapic_phys, 0xfee00000);
	assert_true(madt.pcat_compat);
	assert_int_equal(madt.cpu_count, 4);
	for (uint32_t i = 0; i < 4; i++) {
		assert_int_equal(madt.cpus[i].apic_id, i);
		assert_int_equal(madt.cpus[i].acpi_uid, i);
		assert_true(madt.cpus[i].enabled);
		assert_false(madt.cpus[i].online_capable);
		assert_false(madt.cpus[i].x2apic);
	}
	assert_int_equal(madt.cpus_ignored, 0);
	assert_int_equal(madt.ioapic_count, 0);
}

static void madt_reports_disabled_and_online_capable_cpus(void **state)
{
	struct acpib_table t;
	acpib_madt_begin(&t, MADT, 0xfee00000, 0);
	acpib_madt_lapic(&t, 0, 0, 1); /* enabled */
	acpib_madt_lapic(&t, 1, 2, 2); /* online capable */
	acpib_madt_lapic(&t, 2, 4, 0); /* unusable */
	acpib_madt_lapic(&t, 3, 6, 3); /* enabled; bit 1 is reserved then */
	acpib_table_finish(&t);
	assert_int_equal(acpi_parse_madt(&ctx, MADT, cpu_room, CPU_ROOM, &madt), ACPI_OK);
	assert_false(madt.pcat_compat);
	assert_int_equal(madt.cpu_count, 4);
	assert_true(madt.cpus[0].enabled);
	assert_false(madt.cpus[1].enabled);
	assert_true(madt.cpus[1].online_capable);
	assert_int_equal(madt.cpus[1].apic_id, 2);
	assert_false(madt.cpus[2].enabled);
	assert_false(madt.cpus[2].online_capable);
	assert_true(madt.cpus[3].enabled);
	assert_false(madt.cpus[3].online_capable);
}

static void madt_reads_x2apic_entries(void **state)
{
	struct acpib_table t;
	acpib_madt_begin(&t, MADT, 0xfee00000, 1);
	acpib_madt_lapic(&t, 0, 0, 1);
	acpib_madt_x2apic(&t, 0x100, 1, 0x2000);
	acpib_madt_x2apic(&t, 0xabcdef, 2, 7);
	acpib_table_finish(&t);
	assert_int_equal(acpi_parse_madt(&ctx, MADT, cpu_room, CPU_ROOM, &madt), ACPI_OK);
	assert_int_equal(madt.cpu_count, 3);
	assert_false(madt.cpus[0].x2apic);
	assert_true(madt.cpus[1].x2apic);
	assert_int_equal(madt.cpus[1].apic_id, 0x100);
	assert_int_equal(madt.cpus[1].acpi_uid, 0x2000);
	assert_true(madt.cpus[1].enabled);
	assert_int_equal(madt.cpus[2].apic_id, 0xabcdef);
	assert_true(madt.cpus[2].online_capable);
}

static void madt_counts_io_apics_overrides_and_nmis(void **state)
{
	struct acpib_table t;
	acpib_madt_begin(&t, MADT, 0xfee00000, 1);
	acpib_madt_lapic(&t, 0, 0, 1);
	acpib_madt_ioapic(&t, 0, 0xfec00000, 0);
	acpib_madt_override(&t, 0, 0, 2, 0);
	acpib_madt_override(&t, 0, 9, 9, 0xd);
	acpib_madt_lapic_nmi(&t, 0xff, 0, 1);
	acpib_table_finish(&t);
	assert_int_equal(acpi_parse_madt(&ctx, MADT, cpu_room, CPU_ROOM, &madt), ACPI_OK);
	assert_int_equal(madt.cpu_count, 1);
	assert_int_equal(madt.ioapic_count, 1);
	assert_int_equal(madt.override_count, 2);
	assert_int_equal(madt.nmi_count, 1);
	assert_int_equal(madt.other_count, 0);
}

static void madt_local_apic_address_override_replaces_the_header_address(void **state)
{
	struct acpib_table t;
	acpib_madt_begin(&t, MADT, 0xfee00000, 1);
	acpib_madt_lapic(&t, 0, 0, 1);
	acpib_madt_lapic_address(&t, 0x1fee00000ull);
	acpib_table_finish(&t);
	assert_int_equal(acpi_parse_madt(&ctx, MADT, cpu_room, CPU_ROOM, &madt), ACPI_OK);
	assert_int_equal(madt.lapic_phys, 0x1fee00000ull);
}

static void madt_skips_unknown_entry_types(void **state)
{
	struct acpib_table t;
	acpib_madt_begin(&t, MADT, 0xfee00000, 1);
	acpib_madt_raw(&t, 0x7f, 5, 3);
	acpib_madt_lapic(&t, 0, 0, 1);
	acpib_madt_raw(&t, 0x10, 2, 0);
	acpib_table_finish(&t);
	assert_int_equal(acpi_parse_madt(&ctx, MADT, cpu_room, CPU_ROOM, &madt), ACPI_OK);
	assert_int_equal(madt.cpu_count, 1);
	assert_int_equal(madt.other_count, 2);
}

static void madt_longer_entry_than_its_type_needs_is_accepted(void **state)
{
	struct acpib_table t;
	acpib_madt_begin(&t, MADT, 0xfee00000, 1);
	acpib_madt_raw(&t, 0, 10, 8); /* a local APIC entry from a later revision */
	acpib_madt_lapic(&t, 1, 1, 1);
	acpib_table_finish(&t);
	assert_int_equal(acpi_parse_madt(&ctx, MADT, cpu_room, CPU_ROOM, &madt), ACPI_OK);
	assert_int_equal(madt.cpu_count, 2);
	assert_int_equal(madt.cpus[1].apic_id, 1);
}

static void madt_with_more_cpus_than_the_room_counts_the_rest_as_ignored(void **state)
{
	struct acpib_table t;
	acpib_madt_begin(&t, MADT, 0xfee00000, 1);
	for (unsigned i = 0; i < 16 + 6; i++)
		acpib_madt_x2apic(&t, i, 1, i);
	acpib_table_finish(&t);
	assert_int_equal(acpi_parse_madt(&ctx, MADT, cpu_room, 16, &madt), ACPI_OK);
	assert_int_equal(madt.cpu_count, 16);
	assert_int_equal(madt.cpus_ignored, 6);
	assert_int_equal(madt.cpus[15].apic_id, 15);
	assert_int_equal(cpu_room[16].apic_id, 0xeeeeeeee); /* nothing written past the room */
}

/* The kernel's way: count with no room, then read them all into an array
 * of that size. Nothing caps the count: 288 CPUs, 255 xAPIC entries and
 * then x2APIC entries for IDs 255 and up, as QEMU lays out its largest q35. */
static void madt_counted_with_no_room_then_read_with_enough_room(void **state)
{
	struct acpib_table t;
	acpib_madt_begin(&t, MADT, 0xfee00000, 1);
	for (unsigned i = 0; i < 255; i++)
		acpib_madt_lapic(&t, (uint8_t)i, (uint8_t)i, 1);
	for (unsigned i = 255; i < 288; i++)
		acpib_madt_x2apic(&t, i, 1, i);
	acpib_table_finish(&t);
	assert_int_equal(acpi_parse_madt(&ctx, MADT, NULL, 0, &madt), ACPI_OK);
	assert_int_equal(madt.cpu_count, 0);
	assert_int_equal(madt.cpus_ignored, 288);
	size_t total = madt.cpu_count + madt.cpus_ignored;
	assert_int_equal(acpi_parse_madt(&ctx, MADT, cpu_room, total, &madt), ACPI_OK);
	assert_int_equal(madt.cpu_count, 288);
	assert_int_equal(madt.cpus_ignored, 0);
	assert_false(madt.cpus[254].x2apic);
	assert_int_equal(madt.cpus[254].apic_id, 254);
	assert_true(madt.cpus[255].x2apic);
	assert_int_equal(madt.cpus[255].apic_id, 255);
	assert_int_equal(madt.cpus[287].apic_id, 287);
	assert_true(madt.cpus[287].enabled);
}

static void madt_with_room_but_no_array_is_refused(void **state)
{
	build_madt_with_four_cpus(MADT);
	assert_int_equal(acpi_parse_madt(&ctx, MADT, NULL, 4, &madt), ACPI_ERR_BAD_ARGUMENT);
	assert_int_equal(madt.cpu_count, 0);
}

static void madt_entry_of_length_0_is_refused(void **state)
{
	struct acpib_table t;
	acpib_madt_begin(&t, MADT, 0xfee00000, 1);
	acpib_madt_lapic(&t, 0, 0, 1);
	acpib_madt_raw(&t, 0, 0, 6);
	acpib_table_finish(&t);
	assert_int_equal(acpi_parse_madt(&ctx, MADT, cpu_room, CPU_ROOM, &madt), ACPI_ERR_BAD_ENTRY);
	assert_true(
	    host_log_contains("acpi: MADT at 0x102000: entry at offset 0x34 (type 0) has length 0, less "
	                      "than 2"));
	assert_int_equal(madt.cpu_count, 0); /* no half-read list */
}

static void madt_entry_of_length_1_is_refused(void **state)
{
	struct acpib_table t;
	acpib_madt_begin(&t, MADT, 0xfee00000, 1);
	acpib_madt_raw(&t, 0x55, 1, 2);
	acpib_table_finish(&t);
	assert_int_equal(acpi_parse_madt(&ctx, MADT, cpu_room, CPU_ROOM, &madt), ACPI_ERR_BAD_ENTRY);
	assert_true(host_log_contains("entry at offset 0x2c (type 85) has length 1, less than 2"));
}

static void madt_entry_past_the_end_is_refused(void **state)
{
	struct acpib_table t;
	acpib_madt_begin(&t, MADT, 0xfee00000, 1);
	acpib_madt_lapic(&t, 0, 0, 1);
	acpib_madt_raw(&t, 1, 12, 4); /* an I/O APIC entry cut after 6 bytes */
	acpib_table_finish(&t);
	assert_int_equal(acpi_parse_madt(&ctx, MADT, cpu_room, CPU_ROOM, &madt), ACPI_ERR_BAD_ENTRY);
	assert_true(
	    host_log_contains("acpi: MADT at 0x102000: entry at offset 0x34 (type 1, length 12) ends at "
	                      "0x40, past the table's end 0x3a"));
}

static void madt_entry_shorter_than_its_type_is_refused(void **state)
{
	struct acpib_table t;
	acpib_madt_begin(&t, MADT, 0xfee00000, 1);
	acpib_madt_raw(&t, 9, 8, 6); /* an x2APIC entry needs 16 bytes */
	acpib_table_finish(&t);
	assert_int_equal(acpi_parse_madt(&ctx, MADT, cpu_room, CPU_ROOM, &madt), ACPI_ERR_BAD_ENTRY);
	assert_true(host_log_contains("entry at offset 0x2c (type 9) has length 8, its fields need 16"));
}

static void madt_single_trailing_byte_is_refused(void **state)
{
	struct acpib_table t;
	acpib_madt_begin(&t, MADT, 0xfee00000, 1);
	acpib_madt_lapic(&t, 0, 0, 1);
	acpib_u8(&t, 0);
	acpib_table_finish(&t);
	assert_int_equal(acpi_parse_madt(&ctx, MADT, cpu_room, CPU_ROOM, &madt), ACPI_ERR_BAD_ENTRY);
	assert_true(host_log_contains("entry at offset 0x34: only 1 byte left before the end 0x35"));
}

static void madt_length_smaller_than_the_header_is_refused(void **state)
{
	build_madt_with_four_cpus(MADT);
	acpib_at(MADT + 4)[0] = 20;
	acpib_fix_checksum(MADT);
	assert_int_equal(acpi_parse_madt(&ctx, MADT, cpu_room, CPU_ROOM, &madt), ACPI_ERR_BAD_LENGTH);
	assert_true(
	    host_log_contains("acpi: MADT at 0x102000: length 0x14 is smaller than its 36-byte header"));
}

static void madt_length_without_room_for_the_fixed_fields_is_refused(void **state)
{
	build_madt_with_four_cpus(MADT);
	acpib_at(MADT + 4)[0] = 40;
	acpib_fix_checksum(MADT);
	assert_int_equal(acpi_parse_madt(&ctx, MADT, cpu_room, CPU_ROOM, &madt), ACPI_ERR_BAD_LENGTH);
	assert_true(host_log_contains(
	    "acpi: MADT at 0x102000: length 0x28 is smaller than its 0x2c-byte fixed part"));
}

static void madt_with_bad_checksum_is_refused(void **state)
{
	build_madt_with_four_cpus(MADT);
	acpib_at(MADT + 44 + 3)[0] ^= 0x20;
	assert_int_equal(acpi_parse_madt(&ctx, MADT, cpu_room, CPU_ROOM, &madt), ACPI_ERR_BAD_CHECKSUM);
	assert_true(
	    host_log_contains("acpi: MADT at 0x102000: checksum 0x20, expected sum 0 over 0x4c bytes"));
}

static void madt_with_another_signature_is_refused(void **state)
{
	acpib_empty_table(MADT, "FACP");
	assert_int_equal(acpi_parse_madt(&ctx, MADT, cpu_room, CPU_ROOM, &madt), ACPI_ERR_BAD_SIGNATURE);
	assert_true(host_log_contains("acpi: MADT at 0x102000: signature \"FACP\", expected \"APIC\""));
}

static void unmapped_madt_is_reported(void **state)
{
	build_madt_with_four_cpus(MADT);
	mapper.hole_start = MADT;
	mapper.hole_end = MADT + 1;
	assert_int_equal(acpi_parse_madt(&ctx, MADT, cpu_room, CPU_ROOM, &madt), ACPI_ERR_UNMAPPED);
	assert_true(host_log_contains("acpi: MADT at 0x102000: its 36-byte header cannot be read"));
	assert_int_equal(madt.cpu_count, 0);
}

static void madt_whose_entries_are_unmapped_is_reported(void **state)
{
	build_madt_with_four_cpus(MADT);
	mapper.hole_start = MADT + 50; /* the header reads, the entries do not */
	mapper.hole_end = MADT + 51;
	assert_int_equal(acpi_parse_madt(&ctx, MADT, cpu_room, CPU_ROOM, &madt), ACPI_ERR_UNMAPPED);
	assert_true(host_log_contains("acpi: MADT at 0x102000: its length 0x4c cannot be read"));
}

static void madt_summary_names_the_local_apic_and_every_cpu(void **state)
{
	struct acpib_table t;
	acpib_madt_begin(&t, MADT, 0xfee00000, 1);
	acpib_madt_lapic(&t, 0, 0, 1);
	acpib_madt_lapic(&t, 1, 1, 2);
	acpib_madt_x2apic(&t, 0x100, 0, 2);
	acpib_madt_ioapic(&t, 0, 0xfec00000, 0);
	acpib_madt_override(&t, 0, 0, 2, 0);
	acpib_table_finish(&t);
	assert_int_equal(acpi_parse_madt(&ctx, MADT, cpu_room, CPU_ROOM, &madt), ACPI_OK);
	host_log_clear();
	acpi_print_madt(&madt);
	assert_true(
	    host_log_contains("acpi: MADT: local APIC at 0xfee00000, 3 CPUs (enabled: 1, online-capable: 1), "
	                      "1 I/O APICs, 1 interrupt overrides, dual 8259 PICs\n"));
	assert_true(host_log_contains("acpi:   CPU 0: APIC ID 0x0, UID 0, enabled\n"));
	assert_true(host_log_contains("acpi:   CPU 1: APIC ID 0x1, UID 1, online-capable\n"));
	assert_true(host_log_contains("acpi:   CPU 2: x2APIC ID 0x100, UID 2, unusable\n"));
}

static void madt_summary_mentions_ignored_cpus(void **state)
{
	struct acpib_table t;
	acpib_madt_begin(&t, MADT, 0xfee00000, 1);
	for (unsigned i = 0; i < 64 + 2; i++)
		acpib_madt_x2apic(&t, i, 1, i);
	acpib_table_finish(&t);
	assert_int_equal(acpi_parse_madt(&ctx, MADT, cpu_room, 64, &madt), ACPI_OK);
	acpi_print_madt(&madt);
	assert_true(host_log_contains("acpi: MADT: 2 more CPUs ignored, beyond the room for 64"));
}

/* ---- the whole path, as the kernel takes it ------------------------------ */

static void bios_scan_then_xsdt_then_madt_yields_the_cpus(void **state)
{
	uint64_t tables[] = {FACP, MADT};
	acpib_empty_table(FACP, "FACP");
	build_madt_with_four_cpus(MADT);
	acpib_xsdt(XSDT, tables, 2);
	acpib_rsdp(acpib_at(0xf52e0), 2, "BOCHS ", 0, XSDT);
	uint64_t phys;
	uint32_t length;
	assert_int_equal(acpi_rsdp_scan(&ctx, &rsdp), ACPI_OK);
	assert_int_equal(acpi_find_table(&ctx, &rsdp, "APIC", &phys, &length), ACPI_OK);
	assert_int_equal(acpi_parse_madt(&ctx, phys, cpu_room, CPU_ROOM, &madt), ACPI_OK);
	assert_int_equal(madt.cpu_count, 4);
}

static void status_names_are_distinct(void **state)
{
	assert_string_equal(acpi_status_name(ACPI_OK), "ok");
	assert_string_equal(acpi_status_name(ACPI_ERR_BAD_CHECKSUM), "bad checksum");
	for (int a = ACPI_OK; a <= ACPI_ERR_BAD_ARGUMENT; a++) {
		for (int b = a + 1; b <= ACPI_ERR_BAD_ARGUMENT; b++)
			assert_string_not_equal(acpi_status_name(a), acpi_status_name(b));
	}
	assert_string_equal(acpi_status_name((enum acpi_status)99), "unknown status");
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(rsdp_v1_copy_is_accepted),
	    T(rsdp_v2_copy_is_accepted),
	    T(rsdp_oem_id_unprintable_bytes_show_as_question_marks),
	    T(rsdp_with_bad_signature_is_refused),
	    T(rsdp_with_bad_checksum_is_refused),
	    T(rsdp_v2_with_bad_extended_checksum_is_refused),
	    T(rsdp_shorter_than_20_bytes_is_refused),
	    T(rsdp_v2_in_a_20_byte_copy_is_refused),
	    T(rsdp_v2_length_smaller_than_36_is_refused),
	    T(rsdp_v2_length_beyond_the_copy_is_refused),
	    T(rsdp_null_copy_is_refused),
	    T(rsdp_v1_is_found_in_the_bios_area),
	    T(rsdp_v2_is_found_at_the_start_of_the_bios_area),
	    T(rsdp_v2_is_found_near_the_end_of_the_bios_area),
	    T(rsdp_is_found_in_the_ebda),
	    T(rsdp_in_the_ebda_is_preferred_to_the_bios_area),
	    T(rsdp_beyond_the_first_kib_of_the_ebda_is_not_searched),
	    T(rsdp_off_a_16_byte_boundary_is_not_found),
	    T(rsdp_scan_skips_a_bad_candidate_and_goes_on),
	    T(rsdp_scan_ignores_an_ebda_segment_outside_low_memory),
	    T(rsdp_scan_of_an_unmapped_bios_area_reports_unmapped),
	    T(table_is_found_through_the_rsdt),
	    T(table_is_found_through_the_xsdt_when_revision_is_2),
	    T(unreadable_root_entry_is_skipped_and_the_search_goes_on),
	    T(rsdt_is_used_when_revision_2_has_no_xsdt),
	    T(missing_signature_is_not_found),
	    T(rsdp_without_root_address_finds_nothing),
	    T(root_table_with_bad_checksum_is_refused),
	    T(root_table_with_wrong_signature_is_refused),
	    T(root_table_shorter_than_its_header_is_refused),
	    T(root_table_with_a_partial_entry_is_refused),
	    T(root_table_longer_than_mapped_memory_is_unmapped),
	    T(unmapped_root_table_is_reported),
	    T(candidate_with_bad_checksum_is_skipped_and_the_search_goes_on),
	    T(only_candidate_with_bad_checksum_reports_bad_checksum),
	    T(null_root_entry_is_skipped),
	    T(madt_with_four_enabled_cpus_lists_them),
	    T(madt_reports_disabled_and_online_capable_cpus),
	    T(madt_reads_x2apic_entries),
	    T(madt_counts_io_apics_overrides_and_nmis),
	    T(madt_local_apic_address_override_replaces_the_header_address),
	    T(madt_skips_unknown_entry_types),
	    T(madt_longer_entry_than_its_type_needs_is_accepted),
	    T(madt_with_more_cpus_than_the_room_counts_the_rest_as_ignored),
	    T(madt_counted_with_no_room_then_read_with_enough_room),
	    T(madt_with_room_but_no_array_is_refused),
	    T(madt_entry_of_length_0_is_refused),
	    T(madt_entry_of_length_1_is_refused),
	    T(madt_entry_past_the_end_is_refused),
	    T(madt_entry_shorter_than_its_type_is_refused),
	    T(madt_single_trailing_byte_is_refused),
	    T(madt_length_smaller_than_the_header_is_refused),
	    T(madt_length_without_room_for_the_fixed_fields_is_refused),
	    T(madt_with_bad_checksum_is_refused),
	    T(madt_with_another_signature_is_refused),
	    T(unmapped_madt_is_reported),
	    T(madt_whose_entries_are_unmapped_is_reported),
	    T(madt_summary_names_the_local_apic_and_every_cpu),
	    T(madt_summary_mentions_ignored_cpus),
	    T(bios_scan_then_xsdt_then_madt_yields_the_cpus),
	    T(status_names_are_distinct),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
