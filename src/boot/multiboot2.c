/*
 * multiboot2.c - walk and validate the multiboot2 boot information in place.
 *
 * Algorithm:
 *  1. Check the fixed part: a non-NULL, 8-byte aligned pointer, at least 8
 *     readable bytes, then 16 <= total_size <= available_bytes. From here on
 *     every read is at an offset already proven to lie below total_size.
 *  2. Walk the tags from offset 8. For each: its 8-byte header fits before
 *     total_size, size >= 8, the tag ends inside total_size and so does its
 *     padding; the next tag starts at ALIGN_UP_8(offset + size). Every step
 *     moves forward by at least 8 bytes, so the walk always ends.
 *  3. Before reading any field of a known type, check the tag is as large as
 *     that type's fixed fields and any rule of its own (NUL-terminated
 *     strings, memory-map entry sizes, ...); then record it in mb2_info.
 *     Unknown types are skipped and counted.
 *  4. The walk stops at the end tag (type 0), which must be 8 bytes long and
 *     end exactly at total_size.
 * The first broken rule stops the parse with its own status and a filled
 * struct mb2_error; nothing is guessed.
 */
#include "multiboot2.h"

#include "lib/format.h"

/* The next multiple of 8 (tags start 8-byte aligned). */
#define ALIGN_UP_8(x) (((x) + 7) & ~(uint64_t)7)

/* Fields are read through memcpy: the compiler makes plain loads of them,
 * and a fuzzer-made structure with odd sizes cannot cause misaligned access. */
static uint8_t read_u8(const uint8_t *base, uint32_t offset)
{
	return base[offset];
}

static uint16_t read_u16(const uint8_t *base, uint32_t offset)
{
	uint16_t v;
	__builtin_memcpy(&v, base + offset, sizeof(v));
	return v;
}

static uint32_t read_u32(const uint8_t *base, uint32_t offset)
{
	uint32_t v;
	__builtin_memcpy(&v, base + offset, sizeof(v));
	return v;
}

static uint64_t read_u64(const uint8_t *base, uint32_t offset)
{
	uint64_t v;
	__builtin_memcpy(&v, base + offset, sizeof(v));
	return v;
}

#define FIXED_PART_SIZE 8 /* total_size, reserved */
#define TAG_HEADER_SIZE 8 /* type, size */
#define MMAP_ENTRY_MIN  24
#define EFI_DESC_MIN    40 /* the UEFI EFI_MEMORY_DESCRIPTOR */
#define FB_COMMON_SIZE  32 /* framebuffer tag up to its colour information */
#define ELF_HEADER_SIZE 20 /* type, size, num, entsize, shndx */

/* The fixed fields of each type, header included: a smaller tag is refused
 * before any field is read. Strings need at least their NUL. The ELF tag
 * uses 32-bit num/entsize/shndx as GRUB writes them (the spec's text shows
 * 16-bit fields, its own multiboot2.h and every boot loader use 32 bits). */
static const uint32_t min_tag_size[MB2_TAG_TYPE_COUNT] = {
    [MB2_TAG_END] = 8,
    [MB2_TAG_CMDLINE] = 9,
    [MB2_TAG_BOOT_LOADER_NAME] = 9,
    [MB2_TAG_MODULE] = 17,
    [MB2_TAG_BASIC_MEMINFO] = 16,
    [MB2_TAG_BOOTDEV] = 20,
    [MB2_TAG_MMAP] = 16,
    [MB2_TAG_VBE] = 784, /* 16 + 512-byte control info + 256-byte mode info */
    [MB2_TAG_FRAMEBUFFER] = FB_COMMON_SIZE,
    [MB2_TAG_ELF_SECTIONS] = ELF_HEADER_SIZE,
    [MB2_TAG_APM] = 28,
    [MB2_TAG_EFI32] = 12,
    [MB2_TAG_EFI64] = 16,
    [MB2_TAG_SMBIOS] = 16,
    [MB2_TAG_ACPI_OLD] = TAG_HEADER_SIZE + MB2_RSDP_V1_SIZE,
    [MB2_TAG_ACPI_NEW] = TAG_HEADER_SIZE + MB2_RSDP_V2_SIZE,
    [MB2_TAG_NETWORK] = 8,
    [MB2_TAG_EFI_MMAP] = 16,
    [MB2_TAG_EFI_BS] = 8,
    [MB2_TAG_EFI32_IH] = 12,
    [MB2_TAG_EFI64_IH] = 16,
    [MB2_TAG_LOAD_BASE_ADDR] = 12,
};

static const char *const tag_names[MB2_TAG_TYPE_COUNT] = {
    [MB2_TAG_END] = "end",
    [MB2_TAG_CMDLINE] = "command line",
    [MB2_TAG_BOOT_LOADER_NAME] = "boot loader name",
    [MB2_TAG_MODULE] = "module",
    [MB2_TAG_BASIC_MEMINFO] = "basic memory information",
    [MB2_TAG_BOOTDEV] = "BIOS boot device",
    [MB2_TAG_MMAP] = "memory map",
    [MB2_TAG_VBE] = "VBE info",
    [MB2_TAG_FRAMEBUFFER] = "framebuffer info",
    [MB2_TAG_ELF_SECTIONS] = "ELF sections",
    [MB2_TAG_APM] = "APM table",
    [MB2_TAG_EFI32] = "EFI 32-bit system table",
    [MB2_TAG_EFI64] = "EFI 64-bit system table",
    [MB2_TAG_SMBIOS] = "SMBIOS tables",
    [MB2_TAG_ACPI_OLD] = "ACPI old RSDP",
    [MB2_TAG_ACPI_NEW] = "ACPI new RSDP",
    [MB2_TAG_NETWORK] = "networking information",
    [MB2_TAG_EFI_MMAP] = "EFI memory map",
    [MB2_TAG_EFI_BS] = "EFI boot services not terminated",
    [MB2_TAG_EFI32_IH] = "EFI 32-bit image handle",
    [MB2_TAG_EFI64_IH] = "EFI 64-bit image handle",
    [MB2_TAG_LOAD_BASE_ADDR] = "image load base physical address",
};

const char *mb2_tag_name(uint32_t type)
{
	if (type < MB2_TAG_TYPE_COUNT)
		return tag_names[type];
	return "unknown";
}

const char *mb2_mmap_type_name(uint32_t type)
{
	switch (type) {
	case 1: return "available";
	case 2: return "reserved";
	case 3: return "ACPI reclaimable";
	case 4: return "ACPI NVS";
	case 5: return "bad RAM";
	/* Not in the multiboot2 spec, but GRUB passes its own types through
	 * (seen under OVMF: type 20 for UEFI runtime code). */
	case 7:
	case 12: return "persistent memory";
	case 20: return "firmware code";
	}
	return "unknown";
}

/* The state of one walk. first_offset[t] is where the first tag of type t
 * was seen (0 = not yet: no tag can start at offset 0). */
struct walk {
	const uint8_t *base;
	uint32_t total_size;
	struct mb2_info *info;
	struct mb2_error *err;
	uint32_t first_offset[MB2_TAG_TYPE_COUNT];
};

static enum mb2_status fail(struct mb2_error *err, enum mb2_status status, uint32_t tag_type, uint32_t offset,
                            const char *problem, uint64_t value, uint64_t limit)
{
	err->problem = problem;
	err->tag_type = tag_type;
	err->offset = offset;
	err->value = value;
	err->limit = limit;
	return status;
}

/* A string field runs from `start` to the end of its tag and must hold a
 * NUL: otherwise a reader would run past the tag. */
static enum mb2_status check_string(struct walk *w, uint32_t type, uint32_t offset, uint32_t size,
                                    uint32_t start)
{
	for (uint32_t i = start; i < size; i++)
		if (read_u8(w->base, offset + i) == '\0')
			return MB2_OK;
	return fail(w->err, MB2_ERR_STRING_NOT_TERMINATED, type, offset,
	            "the %lu-byte string has no NUL inside the tag (size %lu)", size - start, size);
}

static enum mb2_status record_module(struct walk *w, uint32_t offset, uint32_t size)
{
	uint32_t start = read_u32(w->base, offset + 8);
	uint32_t end = read_u32(w->base, offset + 12);
	if (start > end)
		return fail(w->err, MB2_ERR_MODULE_RANGE, MB2_TAG_MODULE, offset,
		            "mod_start 0x%lx is above mod_end 0x%lx", start, end);
	enum mb2_status st = check_string(w, MB2_TAG_MODULE, offset, size, 16);
	if (st != MB2_OK)
		return st;
	struct mb2_info *info = w->info;
	if (info->module_count < MB2_MAX_MODULES) {
		struct mb2_module *m = &info->modules[info->module_count];
		m->start = start;
		m->end = end;
		m->cmdline = (const char *)(w->base + offset + 16);
	}
	info->module_count++;
	return MB2_OK;
}

static enum mb2_status record_mmap(struct walk *w, uint32_t offset, uint32_t size)
{
	uint32_t entry_size = read_u32(w->base, offset + 8);
	uint32_t entries_bytes = size - 16;
	if (entry_size < MMAP_ENTRY_MIN)
		return fail(w->err, MB2_ERR_MMAP_ENTRY_SIZE_SMALL, MB2_TAG_MMAP, offset,
		            "entry_size %lu is below %lu", entry_size, MMAP_ENTRY_MIN);
	if (entry_size % 8 != 0)
		return fail(w->err, MB2_ERR_MMAP_ENTRY_SIZE_ALIGN, MB2_TAG_MMAP, offset,
		            "entry_size %lu is not a multiple of %lu", entry_size, 8);
	if (entries_bytes % entry_size != 0)
		return fail(w->err, MB2_ERR_MMAP_PARTIAL_ENTRY, MB2_TAG_MMAP, offset,
		            "%lu bytes of entries are not a whole number of %lu-byte entries", entries_bytes,
		            entry_size);
	struct mb2_info *info = w->info;
	info->has_mmap = true;
	info->mmap_entry_size = entry_size;
	info->mmap_entry_version = read_u32(w->base, offset + 12);
	info->mmap_entries = w->base + offset + 16;
	info->mmap_entry_count = entries_bytes / entry_size;
	return MB2_OK;
}

/* Only whole descriptors are counted; bytes after the last one are noted,
 * not refused: the kernel does not rely on the EFI map (it uses tag 6). */
static enum mb2_status record_efi_mmap(struct walk *w, uint32_t offset, uint32_t size)
{
	uint32_t desc_size = read_u32(w->base, offset + 8);
	if (desc_size < EFI_DESC_MIN)
		return fail(w->err, MB2_ERR_EFI_MMAP_DESC_SIZE_SMALL, MB2_TAG_EFI_MMAP, offset,
		            "descriptor_size %lu is below %lu", desc_size, EFI_DESC_MIN);
	if (desc_size % 8 != 0)
		return fail(w->err, MB2_ERR_EFI_MMAP_DESC_SIZE_ALIGN, MB2_TAG_EFI_MMAP, offset,
		            "descriptor_size %lu is not a multiple of %lu", desc_size, 8);
	struct mb2_info *info = w->info;
	info->has_efi_mmap = true;
	info->efi_mmap_descriptor_size = desc_size;
	info->efi_mmap_descriptor_version = read_u32(w->base, offset + 12);
	info->efi_mmap = w->base + offset + 16;
	info->efi_mmap_descriptor_count = (size - 16) / desc_size;
	info->efi_mmap_trailing_bytes = (size - 16) % desc_size;
	return MB2_OK;
}

static enum mb2_status record_framebuffer(struct walk *w, uint32_t offset, uint32_t size)
{
	struct mb2_framebuffer *fb = &w->info->framebuffer;
	const uint8_t *b = w->base;
	fb->addr = read_u64(b, offset + 8);
	fb->pitch = read_u32(b, offset + 16);
	fb->width = read_u32(b, offset + 20);
	fb->height = read_u32(b, offset + 24);
	fb->bpp = read_u8(b, offset + 28);
	fb->type = read_u8(b, offset + 29);
	/* offset + 30: 16 reserved bits; the colour information follows. */
	uint32_t color = offset + FB_COMMON_SIZE;
	if (fb->type == MB2_FB_INDEXED) {
		if (size < FB_COMMON_SIZE + 2)
			return fail(w->err, MB2_ERR_FRAMEBUFFER_COLOR_INFO, MB2_TAG_FRAMEBUFFER, offset,
			            "size %lu cannot hold the palette's colour count (needs %lu)", size,
			            FB_COMMON_SIZE + 2);
		fb->palette_colors = read_u16(b, color);
		uint64_t needed = FB_COMMON_SIZE + 2 + 3 * (uint64_t)fb->palette_colors;
		if (size < needed)
			return fail(w->err, MB2_ERR_FRAMEBUFFER_COLOR_INFO, MB2_TAG_FRAMEBUFFER, offset,
			            "size %lu cannot hold the palette (needs %lu)", size, needed);
		fb->palette = b + color + 2;
	} else if (fb->type == MB2_FB_RGB) {
		if (size < FB_COMMON_SIZE + 6)
			return fail(w->err, MB2_ERR_FRAMEBUFFER_COLOR_INFO, MB2_TAG_FRAMEBUFFER, offset,
			            "size %lu cannot hold the RGB field layout (needs %lu)", size,
			            FB_COMMON_SIZE + 6);
		fb->red_position = read_u8(b, color);
		fb->red_mask_size = read_u8(b, color + 1);
		fb->green_position = read_u8(b, color + 2);
		fb->green_mask_size = read_u8(b, color + 3);
		fb->blue_position = read_u8(b, color + 4);
		fb->blue_mask_size = read_u8(b, color + 5);
	}
	/* EGA text and types the spec reserves for later carry no colour info. */
	w->info->has_framebuffer = true;
	return MB2_OK;
}

static enum mb2_status record_elf_sections(struct walk *w, uint32_t offset, uint32_t size)
{
	struct mb2_info *info = w->info;
	uint32_t num = read_u32(w->base, offset + 8);
	uint32_t entsize = read_u32(w->base, offset + 12);
	uint64_t needed = ELF_HEADER_SIZE + (uint64_t)num * entsize;
	if (needed > size)
		return fail(w->err, MB2_ERR_ELF_SECTIONS_PAST_TAG, MB2_TAG_ELF_SECTIONS, offset,
		            "section headers end at byte %lu of the tag, past its size %lu", needed, size);
	info->has_elf_sections = true;
	info->elf_section_count = num;
	info->elf_section_entsize = entsize;
	info->elf_section_shstrndx = read_u32(w->base, offset + 16);
	info->elf_section_headers = w->base + offset + ELF_HEADER_SIZE;
	return MB2_OK;
}

static void record_vbe(struct walk *w, uint32_t offset)
{
	struct mb2_info *info = w->info;
	info->has_vbe = true;
	info->vbe_mode = read_u16(w->base, offset + 8);
	info->vbe_interface_seg = read_u16(w->base, offset + 10);
	info->vbe_interface_off = read_u16(w->base, offset + 12);
	info->vbe_interface_len = read_u16(w->base, offset + 14);
	info->vbe_control_info = w->base + offset + 16;
	info->vbe_mode_info = w->base + offset + 16 + 512;
}

static void record_apm(struct walk *w, uint32_t offset)
{
	struct mb2_apm *apm = &w->info->apm;
	const uint8_t *b = w->base;
	w->info->has_apm = true;
	apm->version = read_u16(b, offset + 8);
	apm->cseg = read_u16(b, offset + 10);
	apm->offset = read_u32(b, offset + 12);
	apm->cseg_16 = read_u16(b, offset + 16);
	apm->dseg = read_u16(b, offset + 18);
	apm->flags = read_u16(b, offset + 20);
	apm->cseg_len = read_u16(b, offset + 22);
	apm->cseg_16_len = read_u16(b, offset + 24);
	apm->dseg_len = read_u16(b, offset + 26);
}

/* Check the rules of one tag of a known type and record what it says. The
 * tag lies inside total_size and is at least min_tag_size[type] long. */
static enum mb2_status record_known_tag(struct walk *w, uint32_t type, uint32_t offset, uint32_t size)
{
	struct mb2_info *info = w->info;
	const uint8_t *b = w->base;
	const uint8_t *payload = b + offset + TAG_HEADER_SIZE;
	enum mb2_status st;

	switch (type) {
	case MB2_TAG_CMDLINE:
	case MB2_TAG_BOOT_LOADER_NAME:
		st = check_string(w, type, offset, size, TAG_HEADER_SIZE);
		if (st != MB2_OK)
			return st;
		if (type == MB2_TAG_CMDLINE)
			info->cmdline = (const char *)payload;
		else
			info->boot_loader_name = (const char *)payload;
		return MB2_OK;
	case MB2_TAG_MODULE: return record_module(w, offset, size);
	case MB2_TAG_BASIC_MEMINFO:
		info->has_basic_meminfo = true;
		info->mem_lower_kib = read_u32(b, offset + 8);
		info->mem_upper_kib = read_u32(b, offset + 12);
		return MB2_OK;
	case MB2_TAG_BOOTDEV:
		info->has_bootdev = true;
		info->bootdev_biosdev = read_u32(b, offset + 8);
		info->bootdev_partition = read_u32(b, offset + 12);
		info->bootdev_sub_partition = read_u32(b, offset + 16);
		return MB2_OK;
	case MB2_TAG_MMAP: return record_mmap(w, offset, size);
	case MB2_TAG_VBE: record_vbe(w, offset); return MB2_OK;
	case MB2_TAG_FRAMEBUFFER: return record_framebuffer(w, offset, size);
	case MB2_TAG_ELF_SECTIONS: return record_elf_sections(w, offset, size);
	case MB2_TAG_APM: record_apm(w, offset); return MB2_OK;
	case MB2_TAG_EFI32:
		info->has_efi32_system_table = true;
		info->efi32_system_table = read_u32(b, offset + 8);
		return MB2_OK;
	case MB2_TAG_EFI64:
		info->has_efi64_system_table = true;
		info->efi64_system_table = read_u64(b, offset + 8);
		return MB2_OK;
	case MB2_TAG_SMBIOS:
		info->has_smbios = true;
		info->smbios_major = read_u8(b, offset + 8);
		info->smbios_minor = read_u8(b, offset + 9);
		info->smbios_tables = b + offset + 16;
		info->smbios_tables_size = size - 16;
		return MB2_OK;
	case MB2_TAG_ACPI_OLD: info->acpi_old_rsdp = (const struct mb2_rsdp *)payload; return MB2_OK;
	case MB2_TAG_ACPI_NEW: info->acpi_new_rsdp = (const struct mb2_rsdp *)payload; return MB2_OK;
	case MB2_TAG_NETWORK:
		if (info->network_tag_count++ == 0) {
			info->has_network = true;
			info->network_dhcp_ack = payload;
			info->network_dhcp_ack_size = size - TAG_HEADER_SIZE;
		}
		return MB2_OK;
	case MB2_TAG_EFI_MMAP: return record_efi_mmap(w, offset, size);
	case MB2_TAG_EFI_BS: info->efi_boot_services_not_terminated = true; return MB2_OK;
	case MB2_TAG_EFI32_IH:
		info->has_efi32_image_handle = true;
		info->efi32_image_handle = read_u32(b, offset + 8);
		return MB2_OK;
	case MB2_TAG_EFI64_IH:
		info->has_efi64_image_handle = true;
		info->efi64_image_handle = read_u64(b, offset + 8);
		return MB2_OK;
	case MB2_TAG_LOAD_BASE_ADDR:
		info->has_load_base = true;
		info->load_base_addr = read_u32(b, offset + 8);
		return MB2_OK;
	}
	return MB2_OK; /* not reached: every type below MB2_TAG_TYPE_COUNT is handled */
}

static enum mb2_status record_tag(struct walk *w, uint32_t type, uint32_t offset, uint32_t size)
{
	if (type >= MB2_TAG_TYPE_COUNT) {
		/* A later version of the spec may add types: skip, but say so. */
		if (w->info->unknown_tag_count++ == 0) {
			w->info->first_unknown_type = type;
			w->info->first_unknown_offset = offset;
		}
		return MB2_OK;
	}
	if (size < min_tag_size[type])
		return fail(w->err, MB2_ERR_TAG_TOO_SHORT_FOR_TYPE, type, offset,
		            "size %lu is below the %lu bytes of this tag type's fields", size,
		            min_tag_size[type]);
	/* Two command lines or two memory maps leave no right answer. Modules
	 * and network cards (one tag each) may repeat. */
	if (type != MB2_TAG_MODULE && type != MB2_TAG_NETWORK && w->first_offset[type] != 0)
		return fail(w->err, MB2_ERR_DUPLICATE_TAG, type, offset,
		            "a second tag of this type (the first is at offset 0x%lx)", w->first_offset[type],
		            0);
	if (w->first_offset[type] == 0)
		w->first_offset[type] = offset;
	return record_known_tag(w, type, offset, size);
}

/* Step 1: the pointer and the fixed part. */
static enum mb2_status check_fixed_part(const void *mbi, size_t available_bytes, struct mb2_error *err,
                                        uint32_t *total_size)
{
	if (!mbi)
		return fail(err, MB2_ERR_NULL, MB2_NO_TAG, 0, "the boot information pointer is NULL", 0, 0);
	if ((uintptr_t)mbi % 8 != 0)
		return fail(err, MB2_ERR_MISALIGNED, MB2_NO_TAG, 0, "address 0x%lx is not %lu-byte aligned",
		            (uint64_t)(uintptr_t)mbi, 8);
	if (available_bytes < FIXED_PART_SIZE)
		return fail(err, MB2_ERR_TRUNCATED, MB2_NO_TAG, 0,
		            "only %lu bytes are readable, the fixed part needs %lu", available_bytes,
		            FIXED_PART_SIZE);
	uint32_t size = read_u32(mbi, 0);
	if (size < FIXED_PART_SIZE + TAG_HEADER_SIZE)
		return fail(err, MB2_ERR_TOTAL_SIZE_TOO_SMALL, MB2_NO_TAG, 0, "total_size %lu is below %lu",
		            size, FIXED_PART_SIZE + TAG_HEADER_SIZE);
	if (size > available_bytes)
		return fail(err, MB2_ERR_TOTAL_SIZE_TOO_LARGE, MB2_NO_TAG, 0,
		            "total_size %lu is above the %lu bytes readable", size, available_bytes);
	/* The reserved field (offset 4) must be ignored, says the spec. */
	*total_size = size;
	return MB2_OK;
}

enum mb2_status mb2_parse(const void *mbi, size_t available_bytes, struct mb2_info *out,
                          struct mb2_error *err)
{
	struct mb2_error scratch;
	if (!err)
		err = &scratch;
	__builtin_memset(err, 0, sizeof(*err));
	if (!out)
		return fail(err, MB2_ERR_NULL, MB2_NO_TAG, 0, "the output pointer is NULL", 0, 0);
	__builtin_memset(out, 0, sizeof(*out));

	struct walk w;
	__builtin_memset(&w, 0, sizeof(w));
	enum mb2_status st = check_fixed_part(mbi, available_bytes, err, &w.total_size);
	if (st != MB2_OK)
		return st;
	w.base = mbi;
	w.info = out;
	w.err = err;

	/* Step 2: the tags. Invariant: offset <= total_size, offset % 8 == 0. */
	uint32_t offset = FIXED_PART_SIZE;
	for (;;) {
		uint32_t left = w.total_size - offset;
		if (left < TAG_HEADER_SIZE) {
			st = fail(err, MB2_ERR_NO_END_TAG, MB2_NO_TAG, offset,
			          "the tags end without an end tag: %lu bytes left, a tag needs %lu", left,
			          TAG_HEADER_SIZE);
			break;
		}
		uint32_t type = read_u32(w.base, offset);
		uint32_t size = read_u32(w.base, offset + 4);
		out->tag_count++;
		if (size < TAG_HEADER_SIZE) {
			st = fail(err, MB2_ERR_TAG_SIZE_TOO_SMALL, type, offset,
			          "size %lu is below the %lu bytes of a tag header", size, TAG_HEADER_SIZE);
			break;
		}
		if (size > left) {
			st = fail(err, MB2_ERR_TAG_PAST_END, type, offset,
			          "size %lu passes total_size: only %lu bytes left", size, left);
			break;
		}
		if (type == MB2_TAG_END) {
			if (size != TAG_HEADER_SIZE)
				st = fail(err, MB2_ERR_END_TAG_SIZE, type, offset, "size %lu is not %lu",
				          size, TAG_HEADER_SIZE);
			else if (size != left)
				st = fail(err, MB2_ERR_DATA_AFTER_END_TAG, type, offset,
				          "%lu bytes follow the end tag before total_size (expected %lu)",
				          left - size, 0);
			break;
		}
		uint64_t next = ALIGN_UP_8((uint64_t)offset + size);
		if (next > w.total_size) {
			st = fail(err, MB2_ERR_TAG_PADDING_PAST_END, type, offset,
			          "size %lu padded to 8 bytes passes total_size: only %lu bytes left", size,
			          left);
			break;
		}
		st = record_tag(&w, type, offset, size);
		if (st != MB2_OK)
			break;
		offset = (uint32_t)next;
	}
	if (st != MB2_OK) {
		__builtin_memset(out, 0, sizeof(*out));
		return st;
	}
	out->base = w.base;
	out->total_size = w.total_size;
	return MB2_OK;
}

void mb2_error_format(const struct mb2_error *e, char *buf, size_t size)
{
	if (size == 0)
		return;
	int n;
	if (e->tag_type == MB2_NO_TAG)
		n = ksnprintf(buf, size, "multiboot2: at offset 0x%x: ", e->offset);
	else
		n = ksnprintf(buf, size, "multiboot2: tag %u (%s) at offset 0x%x: ", e->tag_type,
		              mb2_tag_name(e->tag_type), e->offset);
	if (n < 0 || (size_t)n >= size)
		return;
	/* problem is one of the formats in this file: it takes value, then limit
	 * (a format may use neither; printf ignores unused arguments). */
	ksnprintf(buf + n, size - (size_t)n, e->problem ? e->problem : "no error recorded", e->value,
	          e->limit);
}

bool mb2_module(const struct mb2_info *info, size_t index, struct mb2_module *out)
{
	if (index >= info->module_count)
		return false;
	if (index < MB2_MAX_MODULES) {
		*out = info->modules[index];
		return true;
	}
	/* Past the table: walk the tags again. mb2_parse() validated them. */
	size_t seen = 0;
	for (uint32_t offset = FIXED_PART_SIZE; (uint64_t)offset + TAG_HEADER_SIZE <= info->total_size;) {
		uint32_t type = read_u32(info->base, offset);
		uint32_t size = read_u32(info->base, offset + 4);
		if (type == MB2_TAG_END)
			break;
		if (type == MB2_TAG_MODULE && seen++ == index) {
			out->start = read_u32(info->base, offset + 8);
			out->end = read_u32(info->base, offset + 12);
			out->cmdline = (const char *)(info->base + offset + 16);
			return true;
		}
		offset = (uint32_t)ALIGN_UP_8((uint64_t)offset + size);
	}
	return false;
}

bool mb2_mmap_next(const struct mb2_info *info, size_t *index, struct mb2_mmap_entry *out)
{
	if (!info->has_mmap || *index >= info->mmap_entry_count)
		return false;
	const uint8_t *entry = info->mmap_entries + *index * info->mmap_entry_size;
	__builtin_memcpy(&out->base, entry, 8);
	__builtin_memcpy(&out->length, entry + 8, 8);
	__builtin_memcpy(&out->type, entry + 16, 4);
	(*index)++;
	return true;
}
