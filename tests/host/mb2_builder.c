/*
 * mb2_builder.c - writes multiboot2 boot-information blobs (see
 * mb2_builder.h). Fields are stored little-endian through memcpy, as the
 * boot loader lays them out on x86.
 */
#include "mb2_builder.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void need(struct mb2_builder *b, size_t n)
{
	if (b->len + n > b->cap) {
		fprintf(stderr, "mb2_builder: %zu more bytes do not fit (%zu of %zu used)\n", n, b->len,
		        b->cap);
		abort();
	}
}

void mb2b_bytes(struct mb2_builder *b, const void *p, size_t n)
{
	need(b, n);
	memcpy(b->buf + b->len, p, n);
	b->len += n;
}

static void pad_to_8(struct mb2_builder *b)
{
	static const uint8_t zeroes[8];
	mb2b_bytes(b, zeroes, (8 - b->len % 8) % 8);
}

void mb2b_u8(struct mb2_builder *b, uint8_t v)
{
	mb2b_bytes(b, &v, sizeof(v));
}

void mb2b_u16(struct mb2_builder *b, uint16_t v)
{
	mb2b_bytes(b, &v, sizeof(v));
}

void mb2b_u32(struct mb2_builder *b, uint32_t v)
{
	mb2b_bytes(b, &v, sizeof(v));
}

void mb2b_u64(struct mb2_builder *b, uint64_t v)
{
	mb2b_bytes(b, &v, sizeof(v));
}

void mb2b_str(struct mb2_builder *b, const char *s)
{
	mb2b_bytes(b, s, strlen(s) + 1);
}

void mb2b_patch32(struct mb2_builder *b, size_t offset, uint32_t value)
{
	if (offset + 4 > b->len) {
		fprintf(stderr, "mb2b_patch32: offset %zu is past the %zu bytes written\n", offset, b->len);
		abort();
	}
	memcpy(b->buf + offset, &value, sizeof(value));
}

void mb2b_init(struct mb2_builder *b, void *buf, size_t cap)
{
	if ((uintptr_t)buf % 8 != 0) {
		fprintf(stderr, "mb2b_init: buffer %p is not 8-byte aligned\n", buf);
		abort();
	}
	b->buf = buf;
	b->cap = cap;
	b->len = 0;
	b->open_tag = SIZE_MAX;
	mb2b_u32(b, 0); /* total_size, written by mb2b_finish() */
	mb2b_u32(b, 0); /* reserved */
}

size_t mb2b_begin(struct mb2_builder *b, uint32_t type)
{
	if (b->open_tag != SIZE_MAX) {
		fprintf(stderr, "mb2b_begin: tag at offset %zu is still open\n", b->open_tag);
		abort();
	}
	pad_to_8(b);
	b->open_tag = b->len;
	mb2b_u32(b, type);
	mb2b_u32(b, 0); /* size, written by mb2b_close() */
	return b->open_tag;
}

void mb2b_close(struct mb2_builder *b)
{
	size_t start = b->open_tag;
	b->open_tag = SIZE_MAX;
	mb2b_patch32(b, start + 4, (uint32_t)(b->len - start));
	pad_to_8(b);
}

size_t mb2b_string_tag(struct mb2_builder *b, uint32_t type, const char *s)
{
	size_t at = mb2b_begin(b, type);
	mb2b_str(b, s);
	mb2b_close(b);
	return at;
}

size_t mb2b_module(struct mb2_builder *b, uint32_t start, uint32_t end, const char *cmdline)
{
	size_t at = mb2b_begin(b, 3);
	mb2b_u32(b, start);
	mb2b_u32(b, end);
	mb2b_str(b, cmdline);
	mb2b_close(b);
	return at;
}

size_t mb2b_basic_meminfo(struct mb2_builder *b, uint32_t lower_kib, uint32_t upper_kib)
{
	size_t at = mb2b_begin(b, 4);
	mb2b_u32(b, lower_kib);
	mb2b_u32(b, upper_kib);
	mb2b_close(b);
	return at;
}

size_t mb2b_mmap(struct mb2_builder *b, uint32_t entry_size, uint32_t version,
                 const struct mb2b_mmap_entry *entries, size_t count)
{
	size_t at = mb2b_begin(b, 6);
	mb2b_u32(b, entry_size);
	mb2b_u32(b, version);
	for (size_t i = 0; i < count; i++) {
		mb2b_u64(b, entries[i].base);
		mb2b_u64(b, entries[i].length);
		mb2b_u32(b, entries[i].type);
		mb2b_u32(b, 0); /* reserved */
		for (size_t extra = 24; extra < entry_size; extra++)
			mb2b_u8(b, 0);
	}
	mb2b_close(b);
	return at;
}

size_t mb2b_u32_tag(struct mb2_builder *b, uint32_t type, uint32_t value)
{
	size_t at = mb2b_begin(b, type);
	mb2b_u32(b, value);
	mb2b_close(b);
	return at;
}

size_t mb2b_u64_tag(struct mb2_builder *b, uint32_t type, uint64_t value)
{
	size_t at = mb2b_begin(b, type);
	mb2b_u64(b, value);
	mb2b_close(b);
	return at;
}

size_t mb2b_rsdp(struct mb2_builder *b, uint32_t type, const char oem_id[6], uint8_t revision)
{
	size_t at = mb2b_begin(b, type);
	mb2b_bytes(b, "RSD PTR ", 8);
	mb2b_u8(b, 0); /* checksum: not checked by the parser */
	mb2b_bytes(b, oem_id, 6);
	mb2b_u8(b, revision);
	mb2b_u32(b, 0x000e0000); /* rsdt_address */
	if (type == 15) {
		mb2b_u32(b, 36);                    /* length */
		mb2b_u64(b, 0x000000007ffe0000ULL); /* xsdt_address */
		mb2b_u8(b, 0);                      /* extended checksum */
		mb2b_bytes(b, "\0\0\0", 3);         /* reserved */
	}
	mb2b_close(b);
	return at;
}

size_t mb2b_efi_mmap(struct mb2_builder *b, uint32_t desc_size, uint32_t count)
{
	size_t at = mb2b_begin(b, 17);
	mb2b_u32(b, desc_size);
	mb2b_u32(b, 1); /* descriptor version, as UEFI firmware reports it */
	for (uint32_t i = 0; i < count; i++) {
		mb2b_u32(b, 7); /* EfiConventionalMemory */
		mb2b_u32(b, 0);
		mb2b_u64(b, (uint64_t)i << 20); /* physical start */
		mb2b_u64(b, 0);                 /* virtual start */
		mb2b_u64(b, 256);               /* pages */
		mb2b_u64(b, 0xf);               /* attributes */
		for (uint32_t extra = 40; extra < desc_size; extra++)
			mb2b_u8(b, 0);
	}
	mb2b_close(b);
	return at;
}

size_t mb2b_framebuffer_rgb(struct mb2_builder *b, uint64_t addr, uint32_t width, uint32_t height,
                            uint8_t bpp)
{
	size_t at = mb2b_begin(b, 8);
	mb2b_u64(b, addr);
	mb2b_u32(b, width * (bpp / 8)); /* pitch */
	mb2b_u32(b, width);
	mb2b_u32(b, height);
	mb2b_u8(b, bpp);
	mb2b_u8(b, 1);  /* RGB */
	mb2b_u16(b, 0); /* reserved */
	/* red at bit 16, green at 8, blue at 0, 8 bits each */
	const uint8_t fields[6] = {16, 8, 8, 8, 0, 8};
	mb2b_bytes(b, fields, sizeof(fields));
	mb2b_close(b);
	return at;
}

size_t mb2b_finish(struct mb2_builder *b)
{
	mb2b_begin(b, 0); /* the end tag: type 0, size 8 */
	mb2b_close(b);
	mb2b_patch32(b, 0, (uint32_t)b->len);
	return b->len;
}
