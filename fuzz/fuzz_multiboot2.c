/*
 * fuzz_multiboot2.c - fuzz target for the multiboot2 parser: whatever bytes
 * arrive, mb2_parse() must refuse them with a message or accept them
 * without reading outside the buffer; what it accepts is printed and fed to
 * phys_memory_area[] exactly as the kernel does at stage 1.
 *
 * Built as a libFuzzer program with Clang, or with fuzz_main_replay.c (a
 * plain main) with GCC. Beyond what the sanitizers see, it checks that
 * every pointer the parser hands out lies inside total_size.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boot/multiboot2.h"
#include "kernel/memory_map.h"
#include "host_env.h"
#include "mm/stage_order.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_multiboot2: %s\n", what);
		abort();
	}
}

/* [p, p + n) lies inside the structure the parser accepted. */
static int inside(const struct mb2_info *info, const void *p, uint64_t n)
{
	const uint8_t *start = info->base, *end = info->base + info->total_size;
	const uint8_t *q = p;
	return q >= start && q <= end && n <= (uint64_t)(end - q);
}

static int string_inside(const struct mb2_info *info, const char *s)
{
	return s == NULL || inside(info, s, strlen(s) + 1);
}

static void check_accepted(const struct mb2_info *info)
{
	check(string_inside(info, info->cmdline), "command line outside the structure");
	check(string_inside(info, info->boot_loader_name), "loader name outside the structure");

	struct mb2_module m;
	size_t modules = 0;
	while (mb2_module(info, modules, &m)) {
		check(m.start <= m.end, "module with start > end accepted");
		check(string_inside(info, m.cmdline), "module command line outside the structure");
		modules++;
	}
	check(modules == info->module_count, "mb2_module() does not reach module_count");

	if (info->has_mmap)
		check(inside(info, info->mmap_entries,
		             (uint64_t)info->mmap_entry_count * info->mmap_entry_size),
		      "memory map entries outside the structure");
	size_t index = 0;
	struct mb2_mmap_entry e;
	while (mb2_mmap_next(info, &index, &e))
		;
	check(index == (info->has_mmap ? info->mmap_entry_count : 0), "mmap iteration count is wrong");

	if (info->has_efi_mmap)
		check(inside(info, info->efi_mmap,
		             (uint64_t)info->efi_mmap_descriptor_count * info->efi_mmap_descriptor_size),
		      "EFI memory map outside the structure");
	if (info->acpi_old_rsdp)
		check(inside(info, info->acpi_old_rsdp, MB2_RSDP_V1_SIZE), "old RSDP outside the structure");
	if (info->acpi_new_rsdp)
		check(inside(info, info->acpi_new_rsdp, MB2_RSDP_V2_SIZE), "new RSDP outside the structure");
	if (info->has_framebuffer && info->framebuffer.palette)
		check(inside(info, info->framebuffer.palette, 3ull * info->framebuffer.palette_colors),
		      "palette outside the structure");
	if (info->has_elf_sections)
		check(inside(info, info->elf_section_headers,
		             (uint64_t)info->elf_section_count * info->elf_section_entsize),
		      "ELF section headers outside the structure");
	if (info->has_smbios)
		check(inside(info, info->smbios_tables, info->smbios_tables_size),
		      "SMBIOS outside the structure");
	if (info->has_network)
		check(inside(info, info->network_dhcp_ack, info->network_dhcp_ack_size),
		      "DHCP ACK outside the structure");
	if (info->has_vbe)
		check(inside(info, info->vbe_control_info, 512 + 256), "VBE info outside the structure");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exactly sized heap copy (malloc aligns it to 16): one byte past
	 * it is a poisoned byte for AddressSanitizer. */
	uint8_t *buf = malloc(size ? size : 1);
	check(buf != NULL, "out of memory");
	if (size)
		memcpy(buf, data, size);
	host_log_clear();
	mm_stage_force(MM_STAGE_NONE);

	struct mb2_info info;
	struct mb2_error err;
	enum mb2_status st = mb2_parse(buf, size, &info, &err);
	if (st != MB2_OK) {
		char message[256];
		mb2_error_format(&err, message, sizeof(message));
		check(err.problem != NULL, "refusal without a problem");
		check(strncmp(message, "multiboot2: ", 12) == 0, "refusal message without its prefix");
	} else {
		check(info.base == buf && info.total_size <= size,
		      "accepted structure larger than the input");
		check_accepted(&info);
		mb2_print_summary(&info);
		mb2_fill_phys_areas(&info);
	}
	free(buf);
	return 0;
}
