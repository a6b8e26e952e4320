/* test_multiboot2.c - the multiboot2 parser accepts what boot loaders
 * build (BIOS and UEFI shapes), refuses each broken rule with its own status
 * and a message naming the tag, offset and value, prints a boot summary,
 * and feeds the memory map into phys_memory_area[]. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boot/multiboot2.h"
#include "kernel/memory_map.h"
#include "host_env.h"
#include "mb2_builder.h"
#include "mm/stage_order.h"
#include "mm/phys_area.h"

/* The builder writes here; each parse copies the blob into a malloc'd
 * buffer of exactly its size, so AddressSanitizer catches any read past it. */
static uint64_t storage[16384];
static struct mb2_builder b;
static uint8_t *copy;
static struct mb2_info info;
static struct mb2_error err;
static char message[256];

static int setup(void **state)
{
	(void)state;
	mm_stage_force(MM_STAGE_NONE);
	phys_area_reset();
	host_log_clear();
	memset(storage, 0, sizeof(storage));
	mb2b_init(&b, storage, sizeof(storage));
	memset(&info, 0xee, sizeof(info)); /* junk: the parser must clear it */
	memset(&err, 0, sizeof(err));
	message[0] = '\0';
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(copy);
	copy = NULL;
	return 0;
}

/* Parse what the builder wrote, with available_bytes readable. */
static enum mb2_status parse_available(size_t available)
{
	free(copy);
	copy = malloc(b.len);
	assert_non_null(copy);
	memcpy(copy, b.buf, b.len);
	enum mb2_status st = mb2_parse(copy, available, &info, &err);
	mb2_error_format(&err, message, sizeof(message));
	return st;
}

static enum mb2_status parse(void)
{
	return parse_available(b.len);
}

static void assert_error(enum mb2_status got, enum mb2_status expected, uint32_t tag_type, size_t offset,
                         uint64_t value, const char *text)
{
	assert_int_equal(got, expected);
	assert_int_equal(err.tag_type, tag_type);
	assert_int_equal(err.offset, offset);
	assert_int_equal(err.value, value);
	assert_string_equal(message, text);
}

/* ---- well-formed structures ---------------------------------------------- */

static const struct mb2b_mmap_entry bios_map[] = {
    {0x0, 0x9fc00, 1},        /* low RAM */
    {0x9fc00, 0x400, 2},      /* EBDA */
    {0xf0000, 0x10000, 2},    /* BIOS ROM; 0xa0000-0xf0000 is a hole */
    {0x100000, 0x7ee0000, 1}, /* RAM from 1 MiB */
    {0x7fe0000, 0x10000, 3},  /* ACPI tables */
    {0x7ff0000, 0x10000, 4},  /* ACPI NVS */
    {0xfffc0000, 0x40000, 2}, /* flash */
};

struct bios_offsets {
	size_t cmdline, loader, module0, module1, meminfo, mmap, acpi, load_base;
};

/* What GRUB passes on a BIOS machine, give or take the order of tags. */
static struct bios_offsets build_bios_blob(void)
{
	struct bios_offsets at;
	at.cmdline = mb2b_string_tag(&b, MB2_TAG_CMDLINE, "selftest exit");
	at.loader = mb2b_string_tag(&b, MB2_TAG_BOOT_LOADER_NAME, "GRUB 2.06-test");
	at.module0 = mb2b_module(&b, 0x200000, 0x201000, "initrd.img");
	at.module1 = mb2b_module(&b, 0x202000, 0x202010, "");
	at.meminfo = mb2b_basic_meminfo(&b, 639, 130048);
	at.mmap = mb2b_mmap(&b, 24, 0, bios_map, sizeof(bios_map) / sizeof(bios_map[0]));
	at.acpi = mb2b_rsdp(&b, MB2_TAG_ACPI_OLD, "BOCHS ", 0);
	at.load_base = mb2b_u32_tag(&b, MB2_TAG_LOAD_BASE_ADDR, 0x200000);
	mb2b_finish(&b);
	return at;
}

static void bios_blob_is_accepted_with_size_and_tag_count(void **state)
{
	build_bios_blob();
	assert_int_equal(parse(), MB2_OK);
	assert_ptr_equal(info.base, copy);
	assert_int_equal(info.total_size, b.len);
	assert_int_equal(info.tag_count, 9); /* 8 tags and the end tag */
	assert_int_equal(info.unknown_tag_count, 0);
}

static void bios_blob_strings_point_into_the_structure(void **state)
{
	struct bios_offsets at = build_bios_blob();
	assert_int_equal(parse(), MB2_OK);
	assert_string_equal(info.cmdline, "selftest exit");
	assert_ptr_equal(info.cmdline, (const char *)copy + at.cmdline + 8);
	assert_string_equal(info.boot_loader_name, "GRUB 2.06-test");
	assert_ptr_equal(info.boot_loader_name, (const char *)copy + at.loader + 8);
}

static void bios_blob_modules_are_recorded_in_order(void **state)
{
	build_bios_blob();
	assert_int_equal(parse(), MB2_OK);
	assert_int_equal(info.module_count, 2);
	struct mb2_module m;
	assert_true(mb2_module(&info, 0, &m));
	assert_int_equal(m.start, 0x200000);
	assert_int_equal(m.end, 0x201000);
	assert_string_equal(m.cmdline, "initrd.img");
	assert_true(mb2_module(&info, 1, &m));
	assert_int_equal(m.start, 0x202000);
	assert_int_equal(m.end, 0x202010);
	assert_string_equal(m.cmdline, "");
	assert_false(mb2_module(&info, 2, &m));
}

static void bios_blob_basic_meminfo_and_load_base_are_recorded(void **state)
{
	build_bios_blob();
	assert_int_equal(parse(), MB2_OK);
	assert_true(info.has_basic_meminfo);
	assert_int_equal(info.mem_lower_kib, 639);
	assert_int_equal(info.mem_upper_kib, 130048);
	assert_true(info.has_load_base);
	assert_int_equal(info.load_base_addr, 0x200000);
}

static void bios_blob_memory_map_entries_come_back_in_order(void **state)
{
	build_bios_blob();
	assert_int_equal(parse(), MB2_OK);
	assert_true(info.has_mmap);
	assert_int_equal(info.mmap_entry_size, 24);
	assert_int_equal(info.mmap_entry_version, 0);
	assert_int_equal(info.mmap_entry_count, 7);
	size_t i = 0;
	struct mb2_mmap_entry e;
	for (size_t n = 0; n < 7; n++) {
		assert_true(mb2_mmap_next(&info, &i, &e));
		assert_int_equal(e.base, bios_map[n].base);
		assert_int_equal(e.length, bios_map[n].length);
		assert_int_equal(e.type, bios_map[n].type);
	}
	assert_int_equal(i, 7);
	assert_false(mb2_mmap_next(&info, &i, &e));
}

static void bios_blob_old_rsdp_copy_is_pointed_to(void **state)
{
	struct bios_offsets at = build_bios_blob();
	assert_int_equal(parse(), MB2_OK);
	assert_ptr_equal(info.acpi_old_rsdp, copy + at.acpi + 8);
	assert_null(info.acpi_new_rsdp);
	assert_memory_equal(info.acpi_old_rsdp->oem_id, "BOCHS ", 6);
	assert_int_equal(info.acpi_old_rsdp->revision, 0);
}

static void bios_blob_leaves_absent_tags_absent(void **state)
{
	build_bios_blob();
	assert_int_equal(parse(), MB2_OK);
	assert_false(info.has_framebuffer);
	assert_false(info.has_efi64_system_table);
	assert_false(info.has_efi_mmap);
	assert_false(info.efi_boot_services_not_terminated);
	assert_false(info.has_vbe);
	assert_false(info.has_network);
}

/* A UEFI machine: a long memory map, EFI tables, the EFI map itself. */
static void build_uefi_blob(uint32_t entry_size, uint32_t entry_version, size_t entries)
{
	static struct mb2b_mmap_entry map[400];
	for (size_t i = 0; i < entries; i++) {
		map[i].base = (uint64_t)i * 0x10000;
		map[i].length = 0x10000;
		map[i].type = (i % 3 == 0) ? 1 : (i % 3 == 1 ? 2 : 4);
	}
	mb2b_string_tag(&b, MB2_TAG_CMDLINE, "");
	mb2b_string_tag(&b, MB2_TAG_BOOT_LOADER_NAME, "GRUB 2.06");
	mb2b_u64_tag(&b, MB2_TAG_EFI64, 0x7f9e018ULL);
	mb2b_u64_tag(&b, MB2_TAG_EFI64_IH, 0x7e6b318ULL);
	mb2b_mmap(&b, entry_size, entry_version, map, entries);
	mb2b_framebuffer_rgb(&b, 0x80000000ULL, 1024, 768, 32);
	mb2b_rsdp(&b, MB2_TAG_ACPI_NEW, "OVMFOE", 2);
	mb2b_efi_mmap(&b, 48, 120);
	mb2b_begin(&b, MB2_TAG_EFI_BS);
	mb2b_close(&b);
	mb2b_u32_tag(&b, MB2_TAG_LOAD_BASE_ADDR, 0x200000);
	mb2b_finish(&b);
}

static void uefi_blob_with_300_map_entries_is_read_in_place(void **state)
{
	build_uefi_blob(24, 0, 300);
	assert_int_equal(parse(), MB2_OK);
	assert_int_equal(info.mmap_entry_count, 300);
	size_t i = 0;
	struct mb2_mmap_entry e;
	size_t n = 0;
	while (mb2_mmap_next(&info, &i, &e)) {
		assert_int_equal(e.base, (uint64_t)n * 0x10000);
		assert_int_equal(e.type, n % 3 == 0 ? 1 : (n % 3 == 1 ? 2 : 4));
		n++;
	}
	assert_int_equal(n, 300);
}

static void uefi_blob_efi_and_acpi_tags_are_recorded(void **state)
{
	build_uefi_blob(24, 0, 300);
	assert_int_equal(parse(), MB2_OK);
	assert_true(info.has_efi64_system_table);
	assert_int_equal(info.efi64_system_table, 0x7f9e018ULL);
	assert_true(info.has_efi64_image_handle);
	assert_int_equal(info.efi64_image_handle, 0x7e6b318ULL);
	assert_true(info.has_efi_mmap);
	assert_int_equal(info.efi_mmap_descriptor_size, 48);
	assert_int_equal(info.efi_mmap_descriptor_version, 1);
	assert_int_equal(info.efi_mmap_descriptor_count, 120);
	assert_int_equal(info.efi_mmap_trailing_bytes, 0);
	assert_true(info.efi_boot_services_not_terminated);
	assert_non_null(info.acpi_new_rsdp);
	assert_memory_equal(info.acpi_new_rsdp->oem_id, "OVMFOE", 6);
	assert_int_equal(info.acpi_new_rsdp->revision, 2);
	assert_int_equal(info.acpi_new_rsdp->xsdt_address, 0x7ffe0000ULL);
}

static void uefi_blob_framebuffer_is_recorded(void **state)
{
	build_uefi_blob(24, 0, 10);
	assert_int_equal(parse(), MB2_OK);
	assert_true(info.has_framebuffer);
	assert_int_equal(info.framebuffer.addr, 0x80000000ULL);
	assert_int_equal(info.framebuffer.width, 1024);
	assert_int_equal(info.framebuffer.height, 768);
	assert_int_equal(info.framebuffer.pitch, 4096);
	assert_int_equal(info.framebuffer.bpp, 32);
	assert_int_equal(info.framebuffer.type, MB2_FB_RGB);
	assert_int_equal(info.framebuffer.red_position, 16);
	assert_int_equal(info.framebuffer.blue_mask_size, 8);
}

static void mmap_with_32_byte_entries_of_version_1_steps_by_entry_size(void **state)
{
	build_uefi_blob(32, 1, 300);
	assert_int_equal(parse(), MB2_OK);
	assert_int_equal(info.mmap_entry_size, 32);
	assert_int_equal(info.mmap_entry_version, 1);
	assert_int_equal(info.mmap_entry_count, 300);
	size_t i = 150;
	struct mb2_mmap_entry e;
	assert_true(mb2_mmap_next(&info, &i, &e));
	assert_int_equal(e.base, 150 * 0x10000ULL);
	assert_int_equal(e.length, 0x10000);
	assert_int_equal(e.type, 1);
}

static void reserved_field_is_ignored(void **state)
{
	build_bios_blob();
	mb2b_patch32(&b, 4, 0xdeadbeef);
	assert_int_equal(parse(), MB2_OK);
}

static void available_bytes_larger_than_total_size_is_fine(void **state)
{
	build_bios_blob();
	size_t total = b.len;
	mb2b_u64(&b, 0); /* readable bytes after the structure */
	assert_int_equal(parse_available(b.len), MB2_OK);
	assert_int_equal(info.total_size, total);
}

static void unknown_tag_is_skipped_and_counted(void **state)
{
	mb2b_string_tag(&b, MB2_TAG_CMDLINE, "a");
	size_t unknown = mb2b_u64_tag(&b, 42, 0x1234);
	mb2b_u32_tag(&b, 1000, 7);
	mb2b_u32_tag(&b, MB2_TAG_LOAD_BASE_ADDR, 0x400000);
	mb2b_finish(&b);
	assert_int_equal(parse(), MB2_OK);
	assert_int_equal(info.unknown_tag_count, 2);
	assert_int_equal(info.first_unknown_type, 42);
	assert_int_equal(info.first_unknown_offset, unknown);
	assert_true(info.has_load_base); /* the walk went on past them */
	assert_int_equal(info.load_base_addr, 0x400000);
}

static void modules_beyond_the_table_are_counted_and_still_found(void **state)
{
	for (uint32_t i = 0; i < MB2_MAX_MODULES + 8; i++)
		mb2b_module(&b, 0x1000000 + i * 0x1000, 0x1000000 + i * 0x1000 + 0x100,
		            i == 35 ? "m35" : "m");
	mb2b_finish(&b);
	assert_int_equal(parse(), MB2_OK);
	assert_int_equal(info.module_count, MB2_MAX_MODULES + 8);
	struct mb2_module m;
	assert_true(mb2_module(&info, 35, &m));
	assert_int_equal(m.start, 0x1000000 + 35 * 0x1000);
	assert_int_equal(m.end, 0x1000000 + 35 * 0x1000 + 0x100);
	assert_string_equal(m.cmdline, "m35");
	assert_true(mb2_module(&info, MB2_MAX_MODULES + 7, &m));
	assert_false(mb2_module(&info, MB2_MAX_MODULES + 8, &m));
}

static void network_tags_may_repeat_and_the_first_is_kept(void **state)
{
	mb2b_begin(&b, MB2_TAG_NETWORK);
	mb2b_bytes(&b, "ack-one", 7);
	mb2b_close(&b);
	mb2b_begin(&b, MB2_TAG_NETWORK);
	mb2b_bytes(&b, "ack-two!", 8);
	mb2b_close(&b);
	mb2b_finish(&b);
	assert_int_equal(parse(), MB2_OK);
	assert_int_equal(info.network_tag_count, 2);
	assert_int_equal(info.network_dhcp_ack_size, 7);
	assert_memory_equal(info.network_dhcp_ack, "ack-one", 7);
}

static void efi_mmap_trailing_bytes_are_accepted_and_recorded(void **state)
{
	mb2b_begin(&b, MB2_TAG_EFI_MMAP);
	mb2b_u32(&b, 48);
	mb2b_u32(&b, 1);
	for (int i = 0; i < 2 * 48 + 8; i++)
		mb2b_u8(&b, 0);
	mb2b_close(&b);
	mb2b_finish(&b);
	assert_int_equal(parse(), MB2_OK);
	assert_int_equal(info.efi_mmap_descriptor_count, 2);
	assert_int_equal(info.efi_mmap_trailing_bytes, 8);
}

static void indexed_framebuffer_palette_is_pointed_to(void **state)
{
	size_t at = mb2b_begin(&b, MB2_TAG_FRAMEBUFFER);
	mb2b_u64(&b, 0xa0000);
	mb2b_u32(&b, 320);
	mb2b_u32(&b, 320);
	mb2b_u32(&b, 200);
	mb2b_u8(&b, 8);
	mb2b_u8(&b, MB2_FB_INDEXED);
	mb2b_u16(&b, 0);
	mb2b_u16(&b, 2);
	mb2b_bytes(&b, "\x01\x02\x03\x04\x05\x06", 6);
	mb2b_close(&b);
	mb2b_finish(&b);
	assert_int_equal(parse(), MB2_OK);
	assert_int_equal(info.framebuffer.palette_colors, 2);
	assert_ptr_equal(info.framebuffer.palette, copy + at + 34);
	assert_int_equal(info.framebuffer.palette[5], 6);
}

static void every_spec_tag_type_is_recognised(void **state)
{
	mb2b_string_tag(&b, MB2_TAG_CMDLINE, "c");
	mb2b_string_tag(&b, MB2_TAG_BOOT_LOADER_NAME, "l");
	mb2b_module(&b, 0, 0, "");
	mb2b_basic_meminfo(&b, 1, 2);
	mb2b_begin(&b, MB2_TAG_BOOTDEV);
	mb2b_u32(&b, 0x80);
	mb2b_u32(&b, 1);
	mb2b_u32(&b, 0xffffffff);
	mb2b_close(&b);
	mb2b_mmap(&b, 24, 0, bios_map, 1);
	mb2b_begin(&b, MB2_TAG_VBE);
	mb2b_u16(&b, 0x118);
	for (int i = 0; i < 6 + 512 + 256; i++)
		mb2b_u8(&b, 0);
	mb2b_close(&b);
	mb2b_framebuffer_rgb(&b, 0xfd000000, 800, 600, 32);
	mb2b_begin(&b, MB2_TAG_ELF_SECTIONS);
	mb2b_u32(&b, 2);  /* num */
	mb2b_u32(&b, 64); /* entsize */
	mb2b_u32(&b, 1);  /* shndx */
	for (int i = 0; i < 128; i++)
		mb2b_u8(&b, 0);
	mb2b_close(&b);
	mb2b_begin(&b, MB2_TAG_APM);
	mb2b_u16(&b, 0x0102);
	for (int i = 0; i < 18; i++)
		mb2b_u8(&b, 0);
	mb2b_close(&b);
	mb2b_u32_tag(&b, MB2_TAG_EFI32, 0x1000);
	mb2b_u64_tag(&b, MB2_TAG_EFI64, 0x2000);
	mb2b_begin(&b, MB2_TAG_SMBIOS);
	mb2b_u8(&b, 3);
	mb2b_u8(&b, 2);
	for (int i = 0; i < 6 + 31; i++)
		mb2b_u8(&b, 0);
	mb2b_close(&b);
	mb2b_rsdp(&b, MB2_TAG_ACPI_OLD, "OLDOEM", 0);
	mb2b_rsdp(&b, MB2_TAG_ACPI_NEW, "NEWOEM", 2);
	mb2b_begin(&b, MB2_TAG_NETWORK);
	mb2b_close(&b);
	mb2b_efi_mmap(&b, 40, 1);
	mb2b_begin(&b, MB2_TAG_EFI_BS);
	mb2b_close(&b);
	mb2b_u32_tag(&b, MB2_TAG_EFI32_IH, 0x3000);
	mb2b_u64_tag(&b, MB2_TAG_EFI64_IH, 0x4000);
	mb2b_u32_tag(&b, MB2_TAG_LOAD_BASE_ADDR, 0x5000);
	mb2b_finish(&b);
	assert_int_equal(parse(), MB2_OK);
	assert_int_equal(info.tag_count, 22);
	assert_int_equal(info.unknown_tag_count, 0);
	assert_true(info.cmdline && info.boot_loader_name && info.module_count == 1);
	assert_true(info.has_basic_meminfo && info.has_mmap && info.has_framebuffer);
	assert_true(info.has_bootdev);
	assert_int_equal(info.bootdev_biosdev, 0x80);
	assert_int_equal(info.bootdev_sub_partition, 0xffffffff);
	assert_true(info.has_vbe);
	assert_int_equal(info.vbe_mode, 0x118);
	assert_true(info.has_elf_sections);
	assert_int_equal(info.elf_section_count, 2);
	assert_int_equal(info.elf_section_entsize, 64);
	assert_int_equal(info.elf_section_shstrndx, 1);
	assert_true(info.has_apm);
	assert_int_equal(info.apm.version, 0x0102);
	assert_true(info.has_efi32_system_table && info.has_efi64_system_table);
	assert_true(info.has_smbios);
	assert_int_equal(info.smbios_major, 3);
	assert_int_equal(info.smbios_tables_size, 31);
	assert_true(info.acpi_old_rsdp && info.acpi_new_rsdp);
	assert_true(info.has_network);
	assert_int_equal(info.network_dhcp_ack_size, 0);
	assert_true(info.has_efi_mmap && info.efi_boot_services_not_terminated);
	assert_true(info.has_efi32_image_handle && info.has_efi64_image_handle);
	assert_int_equal(info.efi32_image_handle, 0x3000);
	assert_int_equal(info.load_base_addr, 0x5000);
}

/* ---- the fixed part ------------------------------------------------------- */

static void null_pointer_is_refused(void **state)
{
	enum mb2_status st = mb2_parse(NULL, 100, &info, &err);
	mb2_error_format(&err, message, sizeof(message));
	assert_error(st, MB2_ERR_NULL, MB2_NO_TAG, 0, 0,
	             "multiboot2: at offset 0x0: the boot information pointer is NULL");
}

static void misaligned_structure_is_refused(void **state)
{
	build_bios_blob();
	parse(); /* makes the malloc'd copy */
	enum mb2_status st = mb2_parse(copy + 4, b.len - 4, &info, &err);
	mb2_error_format(&err, message, sizeof(message));
	assert_int_equal(st, MB2_ERR_MISALIGNED);
	assert_int_equal(err.value, (uint64_t)(uintptr_t)(copy + 4));
	assert_int_equal(err.limit, 8);
	assert_non_null(strstr(message, "is not 8-byte aligned"));
}

static void fewer_than_8_readable_bytes_are_refused(void **state)
{
	build_bios_blob();
	assert_error(parse_available(4), MB2_ERR_TRUNCATED, MB2_NO_TAG, 0, 4,
	             "multiboot2: at offset 0x0: only 4 bytes are readable, the fixed part needs 8");
}

static void total_size_below_16_is_refused(void **state)
{
	build_bios_blob();
	mb2b_patch32(&b, 0, 12);
	assert_error(parse(), MB2_ERR_TOTAL_SIZE_TOO_SMALL, MB2_NO_TAG, 0, 12,
	             "multiboot2: at offset 0x0: total_size 12 is below 16");
}

static void total_size_above_available_bytes_is_refused(void **state)
{
	mb2b_finish(&b);
	mb2b_patch32(&b, 0, 0x10000);
	assert_error(parse(), MB2_ERR_TOTAL_SIZE_TOO_LARGE, MB2_NO_TAG, 0, 0x10000,
	             "multiboot2: at offset 0x0: total_size 65536 is above the 16 bytes readable");
	assert_int_equal(err.limit, 16);
}

/* ---- the walk ------------------------------------------------------------ */

static void tag_size_below_8_is_refused(void **state)
{
	size_t at = mb2b_string_tag(&b, MB2_TAG_CMDLINE, "hello");
	mb2b_finish(&b);
	mb2b_patch32(&b, at + 4, 4);
	assert_error(parse(), MB2_ERR_TAG_SIZE_TOO_SMALL, MB2_TAG_CMDLINE, at, 4,
	             "multiboot2: tag 1 (command line) at offset 0x8: size 4 is below the 8 bytes of a tag "
	             "header");
}

static void tag_running_past_total_size_is_refused(void **state)
{
	mb2b_string_tag(&b, MB2_TAG_CMDLINE, "hello");
	size_t at = mb2b_u64_tag(&b, MB2_TAG_EFI64, 0x1000);
	mb2b_finish(&b);
	mb2b_patch32(&b, at + 4, 0x100);
	assert_error(parse(), MB2_ERR_TAG_PAST_END, MB2_TAG_EFI64, at, 0x100,
	             "multiboot2: tag 12 (EFI 64-bit system table) at offset 0x18: size 256 passes "
	             "total_size: only 24 bytes left");
}

static void tag_padding_past_total_size_is_refused(void **state)
{
	size_t at = mb2b_string_tag(&b, MB2_TAG_CMDLINE, "abc"); /* size 12, padded to 16 */
	mb2b_patch32(&b, 0, 20);
	assert_error(parse(), MB2_ERR_TAG_PADDING_PAST_END, MB2_TAG_CMDLINE, at, 12,
	             "multiboot2: tag 1 (command line) at offset 0x8: size 12 padded to 8 bytes passes "
	             "total_size: only 12 bytes left");
}

static void missing_end_tag_is_refused(void **state)
{
	mb2b_string_tag(&b, MB2_TAG_CMDLINE, "abc");
	mb2b_patch32(&b, 0, (uint32_t)b.len);
	assert_error(
	    parse(), MB2_ERR_NO_END_TAG, MB2_NO_TAG, 0x18, 0,
	    "multiboot2: at offset 0x18: the tags end without an end tag: 0 bytes left, a tag needs 8");
}

static void end_tag_of_wrong_size_is_refused(void **state)
{
	size_t at = mb2b_begin(&b, MB2_TAG_END);
	mb2b_u64(&b, 0);
	mb2b_close(&b);
	mb2b_patch32(&b, 0, (uint32_t)b.len);
	assert_error(parse(), MB2_ERR_END_TAG_SIZE, MB2_TAG_END, at, 16,
	             "multiboot2: tag 0 (end) at offset 0x8: size 16 is not 8");
}

static void bytes_after_the_end_tag_are_refused(void **state)
{
	build_bios_blob();
	size_t end_at = b.len - 8;
	mb2b_u64(&b, 0);
	mb2b_patch32(&b, 0, (uint32_t)b.len);
	char expected[160];
	snprintf(expected, sizeof(expected),
	         "multiboot2: tag 0 (end) at offset 0x%zx: 8 bytes follow the end tag before total_size "
	         "(expected 0)",
	         end_at);
	assert_error(parse(), MB2_ERR_DATA_AFTER_END_TAG, MB2_TAG_END, end_at, 8, expected);
}

/* ---- per-type rules ------------------------------------------------------ */

static void tag_shorter_than_its_type_is_refused(void **state)
{
	mb2b_string_tag(&b, MB2_TAG_CMDLINE, "abc");
	size_t at = mb2b_begin(&b, MB2_TAG_BASIC_MEMINFO);
	mb2b_u32(&b, 639);
	mb2b_close(&b);
	mb2b_finish(&b);
	assert_error(parse(), MB2_ERR_TAG_TOO_SHORT_FOR_TYPE, MB2_TAG_BASIC_MEMINFO, at, 12,
	             "multiboot2: tag 4 (basic memory information) at offset 0x18: size 12 is below the 16 "
	             "bytes of this tag type's fields");
	assert_int_equal(err.limit, 16);
}

static void module_without_room_for_a_command_line_is_refused(void **state)
{
	size_t at = mb2b_begin(&b, MB2_TAG_MODULE);
	mb2b_u32(&b, 0x1000);
	mb2b_u32(&b, 0x2000);
	mb2b_close(&b);
	mb2b_finish(&b);
	assert_error(parse(), MB2_ERR_TAG_TOO_SHORT_FOR_TYPE, MB2_TAG_MODULE, at, 16,
	             "multiboot2: tag 3 (module) at offset 0x8: size 16 is below the 17 bytes of this tag "
	             "type's fields");
}

static void acpi_new_rsdp_shorter_than_36_bytes_is_refused(void **state)
{
	size_t at = mb2b_rsdp(&b, MB2_TAG_ACPI_OLD, "BOCHS ", 0);
	mb2b_patch32(&b, at, MB2_TAG_ACPI_NEW); /* a 20-byte copy in a "new" tag */
	mb2b_finish(&b);
	assert_error(parse(), MB2_ERR_TAG_TOO_SHORT_FOR_TYPE, MB2_TAG_ACPI_NEW, at, 28,
	             "multiboot2: tag 15 (ACPI new RSDP) at offset 0x8: size 28 is below the 44 bytes of "
	             "this tag type's fields");
}

static void second_command_line_is_refused(void **state)
{
	mb2b_string_tag(&b, MB2_TAG_CMDLINE, "one");
	size_t at = mb2b_string_tag(&b, MB2_TAG_CMDLINE, "two");
	mb2b_finish(&b);
	assert_error(parse(), MB2_ERR_DUPLICATE_TAG, MB2_TAG_CMDLINE, at, 8,
	             "multiboot2: tag 1 (command line) at offset 0x18: a second tag of this type (the first "
	             "is at offset 0x8)");
}

static void command_line_without_nul_is_refused(void **state)
{
	size_t at = mb2b_begin(&b, MB2_TAG_CMDLINE);
	mb2b_bytes(&b, "abcd", 4); /* the padding after it is zero, but outside the tag */
	mb2b_close(&b);
	mb2b_finish(&b);
	assert_error(
	    parse(), MB2_ERR_STRING_NOT_TERMINATED, MB2_TAG_CMDLINE, at, 4,
	    "multiboot2: tag 1 (command line) at offset 0x8: the 4-byte string has no NUL inside the "
	    "tag (size 12)");
}

static void module_command_line_without_nul_is_refused(void **state)
{
	size_t at = mb2b_begin(&b, MB2_TAG_MODULE);
	mb2b_u32(&b, 0x1000);
	mb2b_u32(&b, 0x2000);
	mb2b_bytes(&b, "initrd", 6);
	mb2b_close(&b);
	mb2b_finish(&b);
	assert_error(parse(), MB2_ERR_STRING_NOT_TERMINATED, MB2_TAG_MODULE, at, 6,
	             "multiboot2: tag 3 (module) at offset 0x8: the 6-byte string has no NUL inside the tag "
	             "(size 22)");
}

static void module_ending_before_it_starts_is_refused(void **state)
{
	size_t at = mb2b_module(&b, 0x300000, 0x200000, "backwards");
	mb2b_finish(&b);
	assert_error(
	    parse(), MB2_ERR_MODULE_RANGE, MB2_TAG_MODULE, at, 0x300000,
	    "multiboot2: tag 3 (module) at offset 0x8: mod_start 0x300000 is above mod_end 0x200000");
}

/* The fixed part and the name take 0x48 bytes, so the map sits at 0x48 as in the
 * example of the issue. */
static void mmap_entry_size_below_24_is_refused(void **state)
{
	mb2b_string_tag(&b, MB2_TAG_BOOT_LOADER_NAME,
	                "a boot loader name long enough to put the map at 0x48");
	size_t at = mb2b_begin(&b, MB2_TAG_MMAP);
	mb2b_u32(&b, 20);
	mb2b_u32(&b, 0);
	for (int i = 0; i < 40; i++)
		mb2b_u8(&b, 0);
	mb2b_close(&b);
	mb2b_finish(&b);
	assert_int_equal(at, 0x48);
	assert_error(parse(), MB2_ERR_MMAP_ENTRY_SIZE_SMALL, MB2_TAG_MMAP, 0x48, 20,
	             "multiboot2: tag 6 (memory map) at offset 0x48: entry_size 20 is below 24");
}

static void mmap_entry_size_not_a_multiple_of_8_is_refused(void **state)
{
	size_t at = mb2b_begin(&b, MB2_TAG_MMAP);
	mb2b_u32(&b, 28);
	mb2b_u32(&b, 0);
	for (int i = 0; i < 56; i++)
		mb2b_u8(&b, 0);
	mb2b_close(&b);
	mb2b_finish(&b);
	assert_error(parse(), MB2_ERR_MMAP_ENTRY_SIZE_ALIGN, MB2_TAG_MMAP, at, 28,
	             "multiboot2: tag 6 (memory map) at offset 0x8: entry_size 28 is not a multiple of 8");
}

static void mmap_with_a_partial_entry_is_refused(void **state)
{
	size_t at = mb2b_mmap(&b, 24, 0, bios_map, 2);
	mb2b_patch32(&b, at + 4, 16 + 24 + 8); /* one entry and a third */
	mb2b_finish(&b);
	assert_error(
	    parse(), MB2_ERR_MMAP_PARTIAL_ENTRY, MB2_TAG_MMAP, at, 32,
	    "multiboot2: tag 6 (memory map) at offset 0x8: 32 bytes of entries are not a whole number "
	    "of 24-byte entries");
}

static void efi_mmap_descriptor_size_below_40_is_refused(void **state)
{
	size_t at = mb2b_efi_mmap(&b, 48, 2);
	mb2b_patch32(&b, at + 8, 32);
	mb2b_finish(&b);
	assert_error(parse(), MB2_ERR_EFI_MMAP_DESC_SIZE_SMALL, MB2_TAG_EFI_MMAP, at, 32,
	             "multiboot2: tag 17 (EFI memory map) at offset 0x8: descriptor_size 32 is below 40");
}

static void efi_mmap_descriptor_size_not_a_multiple_of_8_is_refused(void **state)
{
	size_t at = mb2b_efi_mmap(&b, 48, 2);
	mb2b_patch32(&b, at + 8, 44);
	mb2b_finish(&b);
	assert_error(
	    parse(), MB2_ERR_EFI_MMAP_DESC_SIZE_ALIGN, MB2_TAG_EFI_MMAP, at, 44,
	    "multiboot2: tag 17 (EFI memory map) at offset 0x8: descriptor_size 44 is not a multiple "
	    "of 8");
}

static void rgb_framebuffer_without_its_colour_fields_is_refused(void **state)
{
	size_t at = mb2b_framebuffer_rgb(&b, 0xfd000000, 800, 600, 32);
	mb2b_patch32(&b, at + 4, 32);
	mb2b_finish(&b);
	assert_error(parse(), MB2_ERR_FRAMEBUFFER_COLOR_INFO, MB2_TAG_FRAMEBUFFER, at, 32,
	             "multiboot2: tag 8 (framebuffer info) at offset 0x8: size 32 cannot hold the RGB field "
	             "layout (needs 38)");
}

static void indexed_framebuffer_palette_past_the_tag_is_refused(void **state)
{
	size_t at = mb2b_begin(&b, MB2_TAG_FRAMEBUFFER);
	mb2b_u64(&b, 0xa0000);
	mb2b_u32(&b, 320);
	mb2b_u32(&b, 320);
	mb2b_u32(&b, 200);
	mb2b_u8(&b, 8);
	mb2b_u8(&b, MB2_FB_INDEXED);
	mb2b_u16(&b, 0);
	mb2b_u16(&b, 10); /* ten colours claimed, two given */
	mb2b_bytes(&b, "\x01\x02\x03\x04\x05\x06", 6);
	mb2b_close(&b);
	mb2b_finish(&b);
	assert_error(parse(), MB2_ERR_FRAMEBUFFER_COLOR_INFO, MB2_TAG_FRAMEBUFFER, at, 40,
	             "multiboot2: tag 8 (framebuffer info) at offset 0x8: size 40 cannot hold the palette "
	             "(needs 64)");
}

static void elf_section_headers_past_the_tag_are_refused(void **state)
{
	size_t at = mb2b_begin(&b, MB2_TAG_ELF_SECTIONS);
	mb2b_u32(&b, 0x10000); /* num */
	mb2b_u32(&b, 0x10000); /* entsize: 2^32 bytes of headers */
	mb2b_u32(&b, 0);
	mb2b_u32(&b, 0);
	mb2b_close(&b);
	mb2b_finish(&b);
	assert_error(parse(), MB2_ERR_ELF_SECTIONS_PAST_TAG, MB2_TAG_ELF_SECTIONS, at, 20 + 0x100000000ULL,
	             "multiboot2: tag 9 (ELF sections) at offset 0x8: section headers end at byte 4294967316 "
	             "of the tag, past its size 24");
}

static void refused_structure_leaves_info_cleared(void **state)
{
	build_bios_blob();
	mb2b_patch32(&b, 0, 12);
	assert_int_equal(parse(), MB2_ERR_TOTAL_SIZE_TOO_SMALL);
	assert_null(info.cmdline);
	assert_int_equal(info.module_count, 0);
	assert_false(info.has_mmap);
}

static void error_may_be_null(void **state)
{
	mb2b_finish(&b);
	mb2b_patch32(&b, 0, 12);
	parse();
	assert_int_equal(mb2_parse(copy, b.len, &info, NULL), MB2_ERR_TOTAL_SIZE_TOO_SMALL);
}

static void error_message_is_cut_to_the_buffer_and_terminated(void **state)
{
	build_bios_blob();
	mb2b_patch32(&b, 0, 12);
	parse();
	char small[20];
	memset(small, 'x', sizeof(small));
	mb2_error_format(&err, small, sizeof(small));
	assert_string_equal(small, "multiboot2: at offs");
}

/* ---- names ---------------------------------------------------------------- */

static void tag_and_mmap_type_names_are_given(void **state)
{
	assert_string_equal(mb2_tag_name(MB2_TAG_MMAP), "memory map");
	assert_string_equal(mb2_tag_name(MB2_TAG_LOAD_BASE_ADDR), "image load base physical address");
	assert_string_equal(mb2_tag_name(22), "unknown");
	for (uint32_t t = 0; t < MB2_TAG_TYPE_COUNT; t++)
		assert_string_not_equal(mb2_tag_name(t), "unknown");
	assert_string_equal(mb2_mmap_type_name(1), "available");
	assert_string_equal(mb2_mmap_type_name(4), "ACPI NVS");
	assert_string_equal(mb2_mmap_type_name(20), "firmware code");
	assert_string_equal(mb2_mmap_type_name(99), "unknown");
}

/* ---- the summary ------------------------------------------------------------ */

static void summary_names_loader_command_line_and_modules(void **state)
{
	build_bios_blob();
	assert_int_equal(parse(), MB2_OK);
	mb2_print_summary(&info);
	assert_true(host_log_contains("  boot loader: GRUB 2.06-test\n"));
	assert_true(host_log_contains("  command line: \"selftest exit\"\n"));
	assert_true(host_log_contains("  module 0: [0x00200000, 0x00201000) 4096 bytes \"initrd.img\"\n"));
	assert_true(host_log_contains("  module 1: [0x00202000, 0x00202010) 16 bytes \"\"\n"));
}

static void summary_lists_the_memory_map_and_usable_total(void **state)
{
	build_bios_blob();
	assert_int_equal(parse(), MB2_OK);
	mb2_print_summary(&info);
	assert_true(host_log_contains("  memory map: 7 entries of 24 bytes, version 0\n"));
	assert_true(host_log_contains("    base 0x0000000000000000 length 0x000000000009fc00 available\n"));
	assert_true(
	    host_log_contains("    base 0x0000000007fe0000 length 0x0000000000010000 ACPI reclaimable\n"));
	assert_true(host_log_contains("  usable RAM: 0x7f7fc00 bytes (127 MiB)\n"));
}

static void summary_shows_acpi_oem_and_revision(void **state)
{
	build_uefi_blob(24, 0, 4);
	assert_int_equal(parse(), MB2_OK);
	mb2_print_summary(&info);
	assert_true(host_log_contains("  ACPI: RSDP copy (new tag), OEM \"OVMFOE\", revision 2\n"));
}

static void summary_says_when_there_is_no_rsdp(void **state)
{
	mb2b_finish(&b);
	assert_int_equal(parse(), MB2_OK);
	mb2_print_summary(&info);
	assert_true(host_log_contains("  ACPI: no RSDP tag\n"));
	assert_true(host_log_contains("  memory map: none\n"));
}

static void summary_shows_load_base_framebuffer_and_efi(void **state)
{
	build_uefi_blob(24, 0, 4);
	assert_int_equal(parse(), MB2_OK);
	mb2_print_summary(&info);
	assert_true(host_log_contains("  load base: 0x200000\n"));
	assert_true(host_log_contains("  framebuffer: 1024x768, 32 bpp, pitch 4096, RGB, at 0x80000000\n"));
	assert_true(host_log_contains("  EFI: 64-bit system table at 0x7f9e018\n"));
	assert_true(host_log_contains("  EFI: memory map of 120 descriptors, 48 bytes each, version 1\n"));
	assert_true(host_log_contains("  EFI: boot services not terminated\n"));
}

static void summary_notes_unknown_tags_and_unusual_versions(void **state)
{
	struct mb2b_mmap_entry one = {0x100000, 0x100000, 1};
	mb2b_mmap(&b, 32, 1, &one, 1);
	size_t unknown = mb2b_u32_tag(&b, 77, 0);
	mb2b_finish(&b);
	assert_int_equal(parse(), MB2_OK);
	mb2_print_summary(&info);
	char expected[128];
	snprintf(expected, sizeof(expected),
	         "  note: 1 unknown tag skipped (the first: type 77 at offset 0x%zx)\n", unknown);
	assert_true(host_log_contains(expected));
	assert_true(host_log_contains("  note: memory map entry_version 1 (the spec knows 0)"));
}

/* ---- feeding phys_memory_area[] --------------------------------------------- */

static void mmap_fills_phys_areas_sorted_merged_and_trimmed(void **state)
{
	static const struct mb2b_mmap_entry map[] = {
	    {0x100000, 0x100000, 1}, /* [1 MiB, 2 MiB) */
	    {0x1000, 0x9e7ff, 1},    /* ends mid-page: trimmed to 0x9f000 */
	    {0x200000, 0x100800, 1}, /* touches the first: merged, end trimmed */
	    {0x500, 0x400, 1},       /* no whole page: dropped */
	    {0xf0000, 0x10000, 2},   /* reserved: recorded elsewhere */
	};
	mb2b_mmap(&b, 24, 0, map, 5);
	mb2b_finish(&b);
	assert_int_equal(parse(), MB2_OK);
	assert_int_equal(mb2_fill_phys_areas(&info), MM_OK);
	assert_int_equal(phys_memory_area_count, 2);
	assert_int_equal(phys_memory_area[0].base, 0x1000);
	assert_int_equal(phys_memory_area[0].size_bytes, 0x9f000 - 0x1000);
	assert_int_equal(phys_memory_area[1].base, 0x100000);
	assert_int_equal(phys_memory_area[1].size_bytes, 0x200000);
	assert_int_equal(phys_other_area_count, 1);
	assert_int_equal(phys_other_area[0].type, 2);
	assert_int_equal(mm_stage_current(), MM_STAGE_PHYS_AREAS);
}

static void without_mmap_basic_meminfo_is_used_with_a_warning(void **state)
{
	mb2b_basic_meminfo(&b, 639, 130048);
	mb2b_finish(&b);
	assert_int_equal(parse(), MB2_OK);
	assert_int_equal(mb2_fill_phys_areas(&info), MM_OK);
	assert_true(
	    host_log_contains("mb2_fill_phys_areas: warning: no memory map tag, using basic meminfo: 639 "
	                      "KiB at 0x0, 130048 KiB at 0x100000"));
	assert_int_equal(phys_memory_area_count, 2);
	assert_int_equal(phys_memory_area[0].base, 0);
	assert_int_equal(phys_memory_area[0].size_bytes, 0x9f000);
	assert_int_equal(phys_memory_area[1].base, 0x100000);
	assert_int_equal(phys_memory_area[1].size_bytes, 130048ULL * 1024);
}

static void empty_mmap_falls_back_to_basic_meminfo(void **state)
{
	mb2b_mmap(&b, 24, 0, NULL, 0);
	mb2b_basic_meminfo(&b, 639, 1024);
	mb2b_finish(&b);
	assert_int_equal(parse(), MB2_OK);
	assert_int_equal(mb2_fill_phys_areas(&info), MM_OK);
	assert_true(host_log_contains("warning: the memory map has no entries, using basic meminfo"));
	assert_int_equal(phys_memory_area_count, 2);
}

static void no_mmap_and_no_meminfo_is_an_error(void **state)
{
	mb2b_string_tag(&b, MB2_TAG_CMDLINE, "");
	mb2b_finish(&b);
	assert_int_equal(parse(), MB2_OK);
	assert_int_equal(mb2_fill_phys_areas(&info), MM_ERR_INVALID);
	assert_true(
	    host_log_contains("mb2_fill_phys_areas: no memory map tag and no basic meminfo tag: the boot "
	                      "information describes no RAM"));
	assert_int_equal(mm_stage_current(), MM_STAGE_NONE);
}

static void filling_phys_areas_twice_is_refused_and_keeps_the_table(void **state)
{
	build_bios_blob();
	assert_int_equal(parse(), MB2_OK);
	assert_int_equal(mb2_fill_phys_areas(&info), MM_OK);
	size_t count = phys_memory_area_count;
	assert_int_equal(mb2_fill_phys_areas(&info), MM_ERR_WRONG_STAGE);
	assert_int_equal(phys_memory_area_count, count);
	assert_true(host_log_contains("mb2_fill_phys_areas: called in stage phys_memory_area"));
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(bios_blob_is_accepted_with_size_and_tag_count),
	    T(bios_blob_strings_point_into_the_structure),
	    T(bios_blob_modules_are_recorded_in_order),
	    T(bios_blob_basic_meminfo_and_load_base_are_recorded),
	    T(bios_blob_memory_map_entries_come_back_in_order),
	    T(bios_blob_old_rsdp_copy_is_pointed_to),
	    T(bios_blob_leaves_absent_tags_absent),
	    T(uefi_blob_with_300_map_entries_is_read_in_place),
	    T(uefi_blob_efi_and_acpi_tags_are_recorded),
	    T(uefi_blob_framebuffer_is_recorded),
	    T(mmap_with_32_byte_entries_of_version_1_steps_by_entry_size),
	    T(reserved_field_is_ignored),
	    T(available_bytes_larger_than_total_size_is_fine),
	    T(unknown_tag_is_skipped_and_counted),
	    T(modules_beyond_the_table_are_counted_and_still_found),
	    T(network_tags_may_repeat_and_the_first_is_kept),
	    T(efi_mmap_trailing_bytes_are_accepted_and_recorded),
	    T(indexed_framebuffer_palette_is_pointed_to),
	    T(every_spec_tag_type_is_recognised),
	    T(null_pointer_is_refused),
	    T(misaligned_structure_is_refused),
	    T(fewer_than_8_readable_bytes_are_refused),
	    T(total_size_below_16_is_refused),
	    T(total_size_above_available_bytes_is_refused),
	    T(tag_size_below_8_is_refused),
	    T(tag_running_past_total_size_is_refused),
	    T(tag_padding_past_total_size_is_refused),
	    T(missing_end_tag_is_refused),
	    T(end_tag_of_wrong_size_is_refused),
	    T(bytes_after_the_end_tag_are_refused),
	    T(tag_shorter_than_its_type_is_refused),
	    T(module_without_room_for_a_command_line_is_refused),
	    T(acpi_new_rsdp_shorter_than_36_bytes_is_refused),
	    T(second_command_line_is_refused),
	    T(command_line_without_nul_is_refused),
	    T(module_command_line_without_nul_is_refused),
	    T(module_ending_before_it_starts_is_refused),
	    T(mmap_entry_size_below_24_is_refused),
	    T(mmap_entry_size_not_a_multiple_of_8_is_refused),
	    T(mmap_with_a_partial_entry_is_refused),
	    T(efi_mmap_descriptor_size_below_40_is_refused),
	    T(efi_mmap_descriptor_size_not_a_multiple_of_8_is_refused),
	    T(rgb_framebuffer_without_its_colour_fields_is_refused),
	    T(indexed_framebuffer_palette_past_the_tag_is_refused),
	    T(elf_section_headers_past_the_tag_are_refused),
	    T(refused_structure_leaves_info_cleared),
	    T(error_may_be_null),
	    T(error_message_is_cut_to_the_buffer_and_terminated),
	    T(tag_and_mmap_type_names_are_given),
	    T(summary_names_loader_command_line_and_modules),
	    T(summary_lists_the_memory_map_and_usable_total),
	    T(summary_shows_acpi_oem_and_revision),
	    T(summary_says_when_there_is_no_rsdp),
	    T(summary_shows_load_base_framebuffer_and_efi),
	    T(summary_notes_unknown_tags_and_unusual_versions),
	    T(mmap_fills_phys_areas_sorted_merged_and_trimmed),
	    T(without_mmap_basic_meminfo_is_used_with_a_warning),
	    T(empty_mmap_falls_back_to_basic_meminfo),
	    T(no_mmap_and_no_meminfo_is_an_error),
	    T(filling_phys_areas_twice_is_refused_and_keeps_the_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
