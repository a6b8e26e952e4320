/*
 * multiboot2_print.c - the boot summary: what the boot information says,
 * printed through kprintf once mb2_parse() has accepted it.
 *
 * One line per item, absent items left out, so the serial log shows at a
 * glance what the boot loader passed: loader, command line, modules, the
 * memory map and its usable total, ACPI, load base, framebuffer, EFI, other
 * tags present, and notes on anything unusual (unknown tags, versions).
 */
#include "multiboot2.h"

#include "lib/format.h"

/* Usable RAM as the map reports it (overlaps would count twice; the
 * phys_area table merges them). Saturates instead of wrapping. */
static uint64_t usable_bytes(const struct mb2_info *info)
{
	uint64_t total = 0;
	size_t i = 0;
	struct mb2_mmap_entry e;
	while (mb2_mmap_next(info, &i, &e)) {
		if (e.type != 1)
			continue;
		total = (e.length > UINT64_MAX - total) ? UINT64_MAX : total + e.length;
	}
	return total;
}

static void print_modules(const struct mb2_info *info)
{
	struct mb2_module m;
	for (size_t i = 0; mb2_module(info, i, &m); i++)
		kprintf("  module %zu: [0x%08x, 0x%08x) %u bytes \"%s\"\n", i, m.start, m.end,
		        m.end - m.start, m.cmdline);
}

static void print_mmap(const struct mb2_info *info)
{
	if (!info->has_mmap) {
		kprintf("  memory map: none\n");
		return;
	}
	kprintf("  memory map: %zu entries of %u bytes, version %u\n", info->mmap_entry_count,
	        info->mmap_entry_size, info->mmap_entry_version);
	size_t i = 0;
	struct mb2_mmap_entry e;
	while (mb2_mmap_next(info, &i, &e)) {
		/* base + length may pass 2^64 in a bad map: print the length too,
		 * not an end that would wrap. */
		kprintf("    base 0x%016lx length 0x%016lx %s", e.base, e.length, mb2_mmap_type_name(e.type));
		if (e.type < 1 || e.type > 5)
			kprintf(" (type %u)", e.type);
		kprintf("\n");
	}
	uint64_t usable = usable_bytes(info);
	kprintf("  usable RAM: 0x%lx bytes (%lu MiB)\n", usable, usable >> 20);
}

static bool has_rsdp_signature(const struct mb2_rsdp *rsdp)
{
	static const char expected[8] = "RSD PTR ";
	for (int i = 0; i < 8; i++)
		if (rsdp->signature[i] != expected[i])
			return false;
	return true;
}

/* The ACPI tags hold a copy of the RSDP; its OEM id is 6 characters, not
 * NUL-terminated, so it is printed with a precision. */
static void print_acpi(const struct mb2_info *info)
{
	const struct mb2_rsdp *rsdp = info->acpi_new_rsdp ? info->acpi_new_rsdp : info->acpi_old_rsdp;
	if (!rsdp) {
		kprintf("  ACPI: no RSDP tag\n");
		return;
	}
	kprintf("  ACPI: RSDP copy (%s tag%s), OEM \"%.6s\", revision %u%s\n",
	        info->acpi_new_rsdp ? "new" : "old",
	        info->acpi_new_rsdp && info->acpi_old_rsdp ? ", old one too" : "", rsdp->oem_id,
	        rsdp->revision, has_rsdp_signature(rsdp) ? "" : ", bad signature");
}

static void print_framebuffer(const struct mb2_framebuffer *fb)
{
	static const char *const type_names[] = {"indexed", "RGB", "EGA text"};
	const char *type = fb->type < 3 ? type_names[fb->type] : "unknown type";
	kprintf("  framebuffer: %ux%u, %u bpp, pitch %u, %s, at 0x%lx\n", fb->width, fb->height, fb->bpp,
	        fb->pitch, type, fb->addr);
}

static void print_efi(const struct mb2_info *info)
{
	if (info->has_efi64_system_table)
		kprintf("  EFI: 64-bit system table at 0x%lx\n", info->efi64_system_table);
	if (info->has_efi32_system_table)
		kprintf("  EFI: 32-bit system table at 0x%x\n", info->efi32_system_table);
	if (info->has_efi64_image_handle)
		kprintf("  EFI: 64-bit image handle 0x%lx\n", info->efi64_image_handle);
	if (info->has_efi32_image_handle)
		kprintf("  EFI: 32-bit image handle 0x%x\n", info->efi32_image_handle);
	if (info->has_efi_mmap)
		kprintf("  EFI: memory map of %zu descriptors, %u bytes each, version %u\n",
		        info->efi_mmap_descriptor_count, info->efi_mmap_descriptor_size,
		        info->efi_mmap_descriptor_version);
	if (info->efi_boot_services_not_terminated)
		kprintf("  EFI: boot services not terminated\n");
}

/* Tags the kernel does not use: one short line each, so nothing passes
 * unseen. */
static void print_other_tags(const struct mb2_info *info)
{
	if (info->has_basic_meminfo)
		kprintf("  basic meminfo: lower %u KiB, upper %u KiB\n", info->mem_lower_kib,
		        info->mem_upper_kib);
	if (info->has_bootdev)
		kprintf("  boot device: BIOS drive 0x%x, partition %u, sub-partition %u\n",
		        info->bootdev_biosdev, info->bootdev_partition, info->bootdev_sub_partition);
	if (info->has_vbe)
		kprintf("  VBE: mode 0x%x\n", info->vbe_mode);
	if (info->has_elf_sections)
		kprintf("  ELF sections: %u headers of %u bytes\n", info->elf_section_count,
		        info->elf_section_entsize);
	if (info->has_apm)
		kprintf("  APM: version 0x%x\n", info->apm.version);
	if (info->has_smbios)
		kprintf("  SMBIOS: version %u.%u, %zu bytes of tables\n", info->smbios_major,
		        info->smbios_minor, info->smbios_tables_size);
	if (info->has_network)
		kprintf("  network: %zu DHCP ACK tags, the first %zu bytes\n", info->network_tag_count,
		        info->network_dhcp_ack_size);
}

static void print_notes(const struct mb2_info *info)
{
	if (info->unknown_tag_count > 0)
		kprintf("  note: %zu unknown tag%s skipped (the first: type %u at offset 0x%x)\n",
		        info->unknown_tag_count, info->unknown_tag_count == 1 ? "" : "s",
		        info->first_unknown_type, info->first_unknown_offset);
	if (info->has_mmap && info->mmap_entry_version != 0)
		kprintf("  note: memory map entry_version %u (the spec knows 0); entries read as version 0\n",
		        info->mmap_entry_version);
	if (info->module_count > MB2_MAX_MODULES)
		kprintf("  note: %zu modules, the first %d kept in the table, the rest found by walking the "
		        "tags\n",
		        info->module_count, MB2_MAX_MODULES);
	if (info->has_efi_mmap && info->efi_mmap_trailing_bytes != 0)
		kprintf("  note: EFI memory map has %u bytes after its last whole descriptor\n",
		        info->efi_mmap_trailing_bytes);
}

void mb2_print_summary(const struct mb2_info *info)
{
	kprintf("multiboot2: %u bytes of boot information, %u tags\n", info->total_size, info->tag_count);
	kprintf("  boot loader: %s\n", info->boot_loader_name ? info->boot_loader_name : "(not named)");
	if (info->cmdline)
		kprintf("  command line: \"%s\"\n", info->cmdline);
	else
		kprintf("  command line: none\n");
	kprintf("  modules: %zu\n", info->module_count);
	print_modules(info);
	print_mmap(info);
	print_acpi(info);
	if (info->has_load_base)
		kprintf("  load base: 0x%x\n", info->load_base_addr);
	if (info->has_framebuffer)
		print_framebuffer(&info->framebuffer);
	print_efi(info);
	print_other_tags(info);
	print_notes(info);
}
