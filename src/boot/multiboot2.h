/*
 * multiboot2.h - the multiboot2 boot-information parser: tag numbers, the
 * parsed summary (struct mb2_info), the validation errors, and helpers to
 * iterate the memory map and the modules.
 *
 * The parser walks the boot information IN PLACE and keeps pointers into it
 * (strings, memory-map entries, RSDP copies), so the structure must stay
 * where it is, untouched, for as long as struct mb2_info is used. Nothing is
 * copied into fixed buffers: a UEFI memory map can be many kilobytes.
 *
 * Addresses found inside tags (modules, framebuffer, ACPI, EFI tables) are
 * physical; the parser only records them.
 *
 * This file builds in the kernel and on the host: it includes no src/arch
 * header.
 */
#ifndef MULTIBOOT2_H
#define MULTIBOOT2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The value the boot loader leaves in EAX for a multiboot2 kernel. */
#define MB2_BOOTLOADER_MAGIC 0x36d76289u

/* A cap the kernel can pass as available_bytes: the structure GRUB builds is
 * a few kilobytes (tens with a large UEFI map); 1 MiB is far beyond it and
 * still bounds every read if total_size is garbage. */
#define MB2_MAX_TOTAL_SIZE (1024u * 1024u)

/* Modules kept in info->modules[]; mb2_module() finds later ones by walking
 * the structure again, so none is lost. */
#define MB2_MAX_MODULES 32

/* Tag types of the multiboot2 specification (boot information, section 3.6). */
enum mb2_tag_type {
	MB2_TAG_END = 0,
	MB2_TAG_CMDLINE = 1,
	MB2_TAG_BOOT_LOADER_NAME = 2,
	MB2_TAG_MODULE = 3,
	MB2_TAG_BASIC_MEMINFO = 4,
	MB2_TAG_BOOTDEV = 5,
	MB2_TAG_MMAP = 6,
	MB2_TAG_VBE = 7,
	MB2_TAG_FRAMEBUFFER = 8,
	MB2_TAG_ELF_SECTIONS = 9,
	MB2_TAG_APM = 10,
	MB2_TAG_EFI32 = 11, /* EFI 32-bit system table pointer */
	MB2_TAG_EFI64 = 12, /* EFI 64-bit system table pointer */
	MB2_TAG_SMBIOS = 13,
	MB2_TAG_ACPI_OLD = 14, /* copy of the ACPI 1.0 RSDP */
	MB2_TAG_ACPI_NEW = 15, /* copy of the ACPI 2.0+ RSDP */
	MB2_TAG_NETWORK = 16,
	MB2_TAG_EFI_MMAP = 17,
	MB2_TAG_EFI_BS = 18,   /* EFI boot services not terminated */
	MB2_TAG_EFI32_IH = 19, /* EFI 32-bit image handle */
	MB2_TAG_EFI64_IH = 20, /* EFI 64-bit image handle */
	MB2_TAG_LOAD_BASE_ADDR = 21,
	MB2_TAG_TYPE_COUNT = 22,
};

/* mb2_error.tag_type when the problem is in the fixed part, not in a tag. */
#define MB2_NO_TAG 0xffffffffu

/* Framebuffer types (framebuffer_type field of tag 8). */
enum mb2_framebuffer_type {
	MB2_FB_INDEXED = 0,
	MB2_FB_RGB = 1,
	MB2_FB_EGA_TEXT = 2,
};

/* The result of mb2_parse(): MB2_OK or the one rule that was broken. */
enum mb2_status {
	MB2_OK = 0,
	MB2_ERR_NULL,                     /* the pointer is NULL */
	MB2_ERR_MISALIGNED,               /* the structure does not start 8-byte aligned */
	MB2_ERR_TRUNCATED,                /* fewer than 8 bytes readable: no fixed part */
	MB2_ERR_TOTAL_SIZE_TOO_SMALL,     /* total_size < 16 (fixed part + end tag) */
	MB2_ERR_TOTAL_SIZE_TOO_LARGE,     /* total_size > available_bytes */
	MB2_ERR_TAG_SIZE_TOO_SMALL,       /* a tag's size < 8 (its own header) */
	MB2_ERR_TAG_PAST_END,             /* a tag ends after total_size */
	MB2_ERR_TAG_PADDING_PAST_END,     /* a tag's padding to 8 bytes ends after total_size */
	MB2_ERR_NO_END_TAG,               /* the tags ran out before an end tag */
	MB2_ERR_END_TAG_SIZE,             /* the end tag's size is not 8 */
	MB2_ERR_DATA_AFTER_END_TAG,       /* total_size goes on after the end tag */
	MB2_ERR_TAG_TOO_SHORT_FOR_TYPE,   /* smaller than the fixed fields of its type */
	MB2_ERR_DUPLICATE_TAG,            /* a type seen twice (only modules, network may repeat) */
	MB2_ERR_STRING_NOT_TERMINATED,    /* a string has no NUL inside its tag */
	MB2_ERR_MODULE_RANGE,             /* mod_start > mod_end */
	MB2_ERR_MMAP_ENTRY_SIZE_SMALL,    /* entry_size < 24 */
	MB2_ERR_MMAP_ENTRY_SIZE_ALIGN,    /* entry_size not a multiple of 8 */
	MB2_ERR_MMAP_PARTIAL_ENTRY,       /* the entries do not fill the tag exactly */
	MB2_ERR_EFI_MMAP_DESC_SIZE_SMALL, /* descriptor_size < 40 */
	MB2_ERR_EFI_MMAP_DESC_SIZE_ALIGN, /* descriptor_size not a multiple of 8 */
	MB2_ERR_FRAMEBUFFER_COLOR_INFO,   /* palette / colour fields do not fit the tag */
	MB2_ERR_ELF_SECTIONS_PAST_TAG,    /* num * entsize does not fit the tag */
};

/* What mb2_parse() found wrong. `problem` is a printf format that takes
 * `value` and then `limit` (both uint64_t); mb2_error_format() builds the
 * whole sentence. `offset` is the offset of the tag from the start of the
 * structure (0 for the fixed part). */
struct mb2_error {
	const char *problem;
	uint32_t tag_type; /* MB2_NO_TAG for the fixed part */
	uint32_t offset;
	uint64_t value;
	uint64_t limit;
};

struct mb2_module {
	uint32_t start;      /* physical address of the first byte */
	uint32_t end;        /* physical address one past the last byte */
	const char *cmdline; /* inside the boot information, NUL-terminated */
};

/* One memory-map entry (tag 6), as returned by mb2_mmap_next(). */
struct mb2_mmap_entry {
	uint64_t base; /* a physical address */
	uint64_t length;
	uint32_t type; /* 1 available, 2 reserved, 3 ACPI reclaimable, 4 ACPI NVS, 5 bad RAM */
};

/* The ACPI Root System Description Pointer as the ACPI tags copy it. The
 * first 20 bytes are the 1.0 layout; the rest exists from revision 2 on. */
struct mb2_rsdp {
	char signature[8]; /* "RSD PTR " */
	uint8_t checksum;
	char oem_id[6]; /* not NUL-terminated */
	uint8_t revision;
	uint32_t rsdt_address;
	/* ACPI 2.0 and later: */
	uint32_t length;
	uint64_t xsdt_address;
	uint8_t extended_checksum;
	uint8_t reserved[3];
} __attribute__((packed));

#define MB2_RSDP_V1_SIZE 20
#define MB2_RSDP_V2_SIZE 36

struct mb2_framebuffer {
	uint64_t addr; /* physical */
	uint32_t pitch, width, height;
	uint8_t bpp;
	uint8_t type; /* enum mb2_framebuffer_type, or a value we do not know */
	/* MB2_FB_RGB: position and size in bits of each colour field. */
	uint8_t red_position, red_mask_size;
	uint8_t green_position, green_mask_size;
	uint8_t blue_position, blue_mask_size;
	/* MB2_FB_INDEXED: palette_colors entries of 3 bytes (red, green, blue). */
	uint16_t palette_colors;
	const uint8_t *palette;
};

struct mb2_apm {
	uint16_t version, cseg;
	uint32_t offset;
	uint16_t cseg_16, dseg, flags, cseg_len, cseg_16_len, dseg_len;
};

/* Everything the boot information says. Pointers point into the boot
 * information; a has_* flag or a NULL pointer says a tag was absent. */
struct mb2_info {
	const uint8_t *base; /* the structure parsed */
	uint32_t total_size;
	uint32_t tag_count; /* tags seen, including the end tag */

	const char *cmdline;          /* tag 1 */
	const char *boot_loader_name; /* tag 2 */

	/* Tag 3: module_count counts every module tag; the first
	 * MB2_MAX_MODULES are also in modules[]. Use mb2_module() to get any. */
	struct mb2_module modules[MB2_MAX_MODULES];
	size_t module_count;

	bool has_basic_meminfo; /* tag 4 */
	uint32_t mem_lower_kib; /* RAM from address 0 */
	uint32_t mem_upper_kib; /* RAM from 1 MiB up to the first hole */

	bool has_bootdev; /* tag 5 */
	uint32_t bootdev_biosdev, bootdev_partition, bootdev_sub_partition;

	bool has_mmap; /* tag 6; read the entries with mb2_mmap_next() */
	const uint8_t *mmap_entries;
	uint32_t mmap_entry_size;
	uint32_t mmap_entry_version; /* 0 in the spec; others are accepted and noted */
	size_t mmap_entry_count;

	bool has_vbe; /* tag 7 */
	uint16_t vbe_mode, vbe_interface_seg, vbe_interface_off, vbe_interface_len;
	const uint8_t *vbe_control_info; /* 512 bytes */
	const uint8_t *vbe_mode_info;    /* 256 bytes */

	bool has_framebuffer; /* tag 8 */
	struct mb2_framebuffer framebuffer;

	bool has_elf_sections; /* tag 9 */
	uint32_t elf_section_count, elf_section_entsize, elf_section_shstrndx;
	const uint8_t *elf_section_headers;

	bool has_apm; /* tag 10 */
	struct mb2_apm apm;

	bool has_efi32_system_table; /* tag 11 */
	uint32_t efi32_system_table;
	bool has_efi64_system_table; /* tag 12 */
	uint64_t efi64_system_table;

	bool has_smbios; /* tag 13 */
	uint8_t smbios_major, smbios_minor;
	const uint8_t *smbios_tables;
	size_t smbios_tables_size;

	const struct mb2_rsdp *acpi_old_rsdp; /* tag 14: the first 20 bytes are valid */
	const struct mb2_rsdp *acpi_new_rsdp; /* tag 15: all 36 bytes are valid */

	bool has_network; /* tag 16, one per network card: the first is kept */
	const uint8_t *network_dhcp_ack;
	size_t network_dhcp_ack_size;
	size_t network_tag_count;

	bool has_efi_mmap; /* tag 17: descriptors as UEFI GetMemoryMap returns them */
	const uint8_t *efi_mmap;
	uint32_t efi_mmap_descriptor_size, efi_mmap_descriptor_version;
	size_t efi_mmap_descriptor_count;
	uint32_t efi_mmap_trailing_bytes; /* after the last whole descriptor (noted) */

	bool efi_boot_services_not_terminated; /* tag 18 */

	bool has_efi32_image_handle; /* tag 19 */
	uint32_t efi32_image_handle;
	bool has_efi64_image_handle; /* tag 20 */
	uint64_t efi64_image_handle;

	bool has_load_base; /* tag 21 */
	uint32_t load_base_addr;

	/* Tags of types the parser does not know: skipped, counted, noted. */
	size_t unknown_tag_count;
	uint32_t first_unknown_type;
	uint32_t first_unknown_offset;
};

/*
 * Check and summarise the boot information at mbi.
 *   mbi:             where the CPU can read the structure (8-byte aligned)
 *   available_bytes: how many bytes from mbi may be read; no read goes past
 *                    it, whatever total_size claims
 *   out:             filled on success (left cleared on failure)
 *   err:             on failure, which rule was broken, where, and the values
 *                    (may be NULL)
 * Returns MB2_OK, or the status of the first rule broken.
 */
enum mb2_status mb2_parse(const void *mbi, size_t available_bytes, struct mb2_info *out,
                          struct mb2_error *err);

/*
 * Write the error as one line, e.g.
 * "multiboot2: tag 6 (memory map) at offset 0x48: entry_size 20 is below 24".
 *   buf, size: the output buffer, always NUL-terminated when size > 0
 */
void mb2_error_format(const struct mb2_error *e, char *buf, size_t size);

/*
 * Get module `index` (0-based, in the order of the tags), also past the
 * MB2_MAX_MODULES kept in info->modules[].
 * Returns false when index >= info->module_count.
 */
bool mb2_module(const struct mb2_info *info, size_t index, struct mb2_module *out);

/*
 * Iterate the memory map: start with *index = 0; each call stores entry
 * *index in *out, advances *index and returns true, or returns false after
 * the last entry (or when there is no memory map).
 */
bool mb2_mmap_next(const struct mb2_info *info, size_t *index, struct mb2_mmap_entry *out);

/* A tag type's name, e.g. "memory map"; "unknown" for types beyond 21. */
const char *mb2_tag_name(uint32_t type);

/* A memory-map entry type's name, e.g. "ACPI NVS" (types 1-5 of the spec, and
 * 7, 12, 20 that GRUB passes through); "unknown" otherwise. */
const char *mb2_mmap_type_name(uint32_t type);

/* Print a short boot summary through kprintf: loader, command line,
 * modules, memory map and usable total, ACPI, load base, framebuffer, EFI,
 * and notes (unknown tags, unusual versions). */
void mb2_print_summary(const struct mb2_info *info);

#endif /* MULTIBOOT2_H */
