/*
 * mb2_builder.h - builds multiboot2 boot-information blobs in a buffer, tag
 * by tag, for the parser's host tests and the fuzzer's seed generator.
 *
 * Usage: mb2b_init(), then tags (the helpers below, or mb2b_begin() +
 * mb2b_u8/16/32/64/bytes/str + mb2b_close() for any layout), then
 * mb2b_finish(), which adds the end tag and writes total_size. The helpers
 * return the offset of the tag they wrote, so a test can break one field
 * with mb2b_patch32() and check the error names that offset. Running out
 * of room aborts: it is a bug in the test, not a case to handle.
 */
#ifndef MB2_BUILDER_H
#define MB2_BUILDER_H

#include <stddef.h>
#include <stdint.h>

struct mb2_builder {
	uint8_t *buf; /* 8-byte aligned, cap bytes */
	size_t cap;
	size_t len;      /* bytes written so far (the next tag starts at len, aligned) */
	size_t open_tag; /* offset of the tag mb2b_begin() opened, or SIZE_MAX */
};

/* An entry of the memory map tag (type 6). */
struct mb2b_mmap_entry {
	uint64_t base;
	uint64_t length;
	uint32_t type;
};

/* Start a blob in buf (8-byte aligned, cap bytes): writes the fixed part. */
void mb2b_init(struct mb2_builder *b, void *buf, size_t cap);

/* Open a tag of the given type; returns its offset. Its size is written by
 * mb2b_close(): the bytes appended in between, plus the 8-byte header. */
size_t mb2b_begin(struct mb2_builder *b, uint32_t type);
void mb2b_u8(struct mb2_builder *b, uint8_t v);
void mb2b_u16(struct mb2_builder *b, uint16_t v);
void mb2b_u32(struct mb2_builder *b, uint32_t v);
void mb2b_u64(struct mb2_builder *b, uint64_t v);
void mb2b_bytes(struct mb2_builder *b, const void *p, size_t n);
void mb2b_str(struct mb2_builder *b, const char *s); /* with its NUL */
/* Close the open tag: write its size and pad with zeroes to 8 bytes. */
void mb2b_close(struct mb2_builder *b);

/* Whole tags; each returns the tag's offset. */
size_t mb2b_string_tag(struct mb2_builder *b, uint32_t type, const char *s); /* cmdline, loader name */
size_t mb2b_module(struct mb2_builder *b, uint32_t start, uint32_t end, const char *cmdline);
size_t mb2b_basic_meminfo(struct mb2_builder *b, uint32_t lower_kib, uint32_t upper_kib);
/* A memory map with entries of entry_size bytes (>= 24; the rest zeroes). */
size_t mb2b_mmap(struct mb2_builder *b, uint32_t entry_size, uint32_t version,
                 const struct mb2b_mmap_entry *entries, size_t count);
/* A tag with one 32-bit or 64-bit field (EFI pointers, load base, ...). */
size_t mb2b_u32_tag(struct mb2_builder *b, uint32_t type, uint32_t value);
size_t mb2b_u64_tag(struct mb2_builder *b, uint32_t type, uint64_t value);
/* ACPI RSDP copy: tag 14 (20 bytes, revision 0) or 15 (36 bytes). */
size_t mb2b_rsdp(struct mb2_builder *b, uint32_t type, const char oem_id[6], uint8_t revision);
/* EFI memory map with count descriptors of desc_size bytes (>= 40). */
size_t mb2b_efi_mmap(struct mb2_builder *b, uint32_t desc_size, uint32_t count);
/* An RGB framebuffer tag. */
size_t mb2b_framebuffer_rgb(struct mb2_builder *b, uint64_t addr, uint32_t width, uint32_t height,
                            uint8_t bpp);

/* Add the end tag and write total_size; returns total_size. */
size_t mb2b_finish(struct mb2_builder *b);

/* Overwrite a 32-bit field at an offset already written (to break rules). */
void mb2b_patch32(struct mb2_builder *b, size_t offset, uint32_t value);

#endif /* MB2_BUILDER_H */
