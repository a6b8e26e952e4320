/*
 * mb2_seed_gen.c - writes the seed corpus of fuzz_multiboot2: a few
 * well-formed boot-information blobs in the shapes boot loaders produce
 * (BIOS, UEFI, every tag type, many modules, unknown tags, the smallest
 * possible), built with tests/host/mb2_builder. Each seed stays below the
 * fuzzer's -max_len of 8192 bytes.
 *
 * Usage: mb2_seed_gen <directory>   (the directory must exist)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mb2_builder.h"

static uint64_t storage[1024]; /* 8 KiB, 8-byte aligned */
static const char *out_dir;

static void save(const char *name, struct mb2_builder *b)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", out_dir, name);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(b->buf, 1, b->len, f) != b->len || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

static void start(struct mb2_builder *b)
{
	memset(storage, 0, sizeof(storage));
	mb2b_init(b, storage, sizeof(storage));
}

static const struct mb2b_mmap_entry e820[] = {
    {0x0, 0x9fc00, 1},       {0x9fc00, 0x400, 2},     {0xf0000, 0x10000, 2},    {0x100000, 0x7ee0000, 1},
    {0x7fe0000, 0x10000, 3}, {0x7ff0000, 0x10000, 4}, {0xfffc0000, 0x40000, 2}, {0x100000000, 0x1000, 5},
};

static void seed_bios(void)
{
	struct mb2_builder b;
	start(&b);
	mb2b_string_tag(&b, 1, "selftest exit");
	mb2b_string_tag(&b, 2, "GRUB 2.06");
	mb2b_module(&b, 0x200000, 0x201000, "initrd");
	mb2b_module(&b, 0x202000, 0x202000, "");
	mb2b_basic_meminfo(&b, 639, 130048);
	mb2b_mmap(&b, 24, 0, e820, sizeof(e820) / sizeof(e820[0]));
	mb2b_rsdp(&b, 14, "BOCHS ", 0);
	mb2b_u32_tag(&b, 21, 0x200000);
	mb2b_finish(&b);
	save("bios.mb2", &b);
}

static void seed_uefi(void)
{
	static struct mb2b_mmap_entry map[100];
	for (size_t i = 0; i < 100; i++) {
		map[i].base = (uint64_t)i * 0x100000;
		map[i].length = 0x100000 - (i % 7) * 0x1000;
		map[i].type = 1 + (uint32_t)(i % 5);
	}
	struct mb2_builder b;
	start(&b);
	mb2b_string_tag(&b, 1, "");
	mb2b_string_tag(&b, 2, "GRUB 2.06");
	mb2b_u64_tag(&b, 12, 0x7f9e018);
	mb2b_u64_tag(&b, 20, 0x7e6b318);
	mb2b_mmap(&b, 32, 1, map, 100);
	mb2b_framebuffer_rgb(&b, 0x80000000, 1024, 768, 32);
	mb2b_rsdp(&b, 15, "OVMFOE", 2);
	mb2b_efi_mmap(&b, 48, 40);
	mb2b_begin(&b, 18);
	mb2b_close(&b);
	mb2b_finish(&b);
	save("uefi.mb2", &b);
}

static void seed_every_tag(void)
{
	struct mb2_builder b;
	start(&b);
	mb2b_string_tag(&b, 1, "c");
	mb2b_string_tag(&b, 2, "l");
	mb2b_module(&b, 0x1000, 0x2000, "m");
	mb2b_basic_meminfo(&b, 639, 1024);
	mb2b_begin(&b, 5);
	mb2b_u32(&b, 0x80);
	mb2b_u32(&b, 0);
	mb2b_u32(&b, 0xffffffff);
	mb2b_close(&b);
	mb2b_mmap(&b, 24, 0, e820, 4);
	mb2b_begin(&b, 7);
	for (int i = 0; i < 8 + 512 + 256; i++)
		mb2b_u8(&b, (uint8_t)i);
	mb2b_close(&b);
	mb2b_begin(&b, 8); /* indexed framebuffer with a 4-colour palette */
	mb2b_u64(&b, 0xa0000);
	mb2b_u32(&b, 320);
	mb2b_u32(&b, 320);
	mb2b_u32(&b, 200);
	mb2b_u8(&b, 8);
	mb2b_u8(&b, 0);
	mb2b_u16(&b, 0);
	mb2b_u16(&b, 4);
	for (int i = 0; i < 12; i++)
		mb2b_u8(&b, (uint8_t)(i * 20));
	mb2b_close(&b);
	mb2b_begin(&b, 9);
	mb2b_u32(&b, 2);
	mb2b_u32(&b, 64);
	mb2b_u32(&b, 1);
	for (int i = 0; i < 128; i++)
		mb2b_u8(&b, 0);
	mb2b_close(&b);
	mb2b_begin(&b, 10);
	mb2b_u16(&b, 0x0102);
	for (int i = 0; i < 18; i++)
		mb2b_u8(&b, 0);
	mb2b_close(&b);
	mb2b_u32_tag(&b, 11, 0x1000);
	mb2b_u64_tag(&b, 12, 0x2000);
	mb2b_begin(&b, 13);
	mb2b_u8(&b, 3);
	mb2b_u8(&b, 2);
	for (int i = 0; i < 6 + 24; i++)
		mb2b_u8(&b, 0);
	mb2b_close(&b);
	mb2b_rsdp(&b, 14, "OLDOEM", 0);
	mb2b_rsdp(&b, 15, "NEWOEM", 2);
	mb2b_begin(&b, 16);
	mb2b_bytes(&b, "dhcp-ack", 8);
	mb2b_close(&b);
	mb2b_efi_mmap(&b, 40, 3);
	mb2b_begin(&b, 18);
	mb2b_close(&b);
	mb2b_u32_tag(&b, 19, 0x3000);
	mb2b_u64_tag(&b, 20, 0x4000);
	mb2b_u32_tag(&b, 21, 0x5000);
	mb2b_finish(&b);
	save("every_tag.mb2", &b);
}

static void seed_many_modules(void)
{
	struct mb2_builder b;
	start(&b);
	for (uint32_t i = 0; i < 40; i++)
		mb2b_module(&b, 0x1000000 + i * 0x1000, 0x1000000 + i * 0x1000 + 0x800, "mod");
	mb2b_basic_meminfo(&b, 639, 65536);
	mb2b_finish(&b);
	save("many_modules.mb2", &b);
}

static void seed_unknown_tags(void)
{
	struct mb2_builder b;
	start(&b);
	mb2b_u64_tag(&b, 22, 1);
	mb2b_u32_tag(&b, 0xffffffff, 2);
	mb2b_string_tag(&b, 1, "after unknown tags");
	mb2b_finish(&b);
	save("unknown_tags.mb2", &b);
}

static void seed_minimal(void)
{
	struct mb2_builder b;
	start(&b);
	mb2b_finish(&b);
	save("minimal.mb2", &b);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s <directory>\n", argv[0]);
		return 2;
	}
	out_dir = argv[1];
	seed_bios();
	seed_uefi();
	seed_every_tag();
	seed_many_modules();
	seed_unknown_tags();
	seed_minimal();
	return 0;
}
