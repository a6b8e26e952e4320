/*
 * fuzz_seed_gen.c - writes the seed corpus of one fuzz target (all but
 * multiboot2, which has mb2_seed_gen): for the operation-sequence targets
 * (memblock, buddy, paging, format) a few fixed pseudo-random programs of
 * growing length, which the targets read as operations; for cmdline a few
 * command lines; for acpi well-formed tables in the target's input layout
 * (see fuzz_acpi.c). Every run writes the same bytes.
 *
 * Usage: fuzz_seed_gen <target> <directory>   (the directory must exist)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *out_dir;

static void save(const char *name, const void *bytes, size_t len)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", out_dir, name);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(bytes, 1, len, f) != len || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

/* xorshift64: the same bytes on every machine. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint8_t rng_byte(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint8_t)(rng_state >> 32);
}

/* Programs of 16 to max_len random bytes. The GCC smoke run replays each
 * at every length, so the slow model targets get shorter ones. */
static void random_programs(size_t max_len)
{
	static uint8_t buf[512];
	for (size_t len = 16; len <= max_len && len <= sizeof(buf); len *= 2) {
		for (size_t k = 0; k < len; k++)
			buf[k] = rng_byte();
		char name[32];
		snprintf(name, sizeof(name), "random-%zu", len);
		save(name, buf, len);
	}
}

/* A program being written: bytes appended little-endian. */
static uint8_t prog[4096];
static size_t prog_len;

static void put(uint64_t v, unsigned bytes)
{
	for (unsigned i = 0; i < bytes && prog_len < sizeof(prog); i++)
		prog[prog_len++] = (uint8_t)(v >> (8 * i));
}

/* fuzz_paging's address encoding: window, GiB, 2 MiB slot, page, mode
 * (3: 2 MiB aligned, 4: 1 GiB aligned). */
static uint32_t paging_addr(unsigned window, unsigned gb, unsigned slot, unsigned page, unsigned mode)
{
	return window | gb << 2 | slot << 4 | page << 7 | mode << 16;
}

/* Large pages mapped and then cut into by ranges that stop short of their
 * ends, protected, and unmapped in pieces, in both halves. */
static void paging_programs(void)
{
	for (unsigned window = 0; window < 4; window++) {
		prog_len = 0;
		put(1, 1); /* 1 GiB pages allowed */
		/* pt_map(2 MiB page at slot 1, pa 0, RW|X) */
		put(0, 1), put(paging_addr(window, 0, 1, 0, 3), 4), put(5u << 16, 4), put(1, 1), put(3, 1),
		    put(0, 1);
		/* pt_map(1 GiB page in GiB 2) */
		put(0, 1), put(paging_addr(window, 2, 0, 0, 4), 4), put(5u << 16, 4), put(2, 1), put(1, 1),
		    put(0, 1);
		/* pt_map_range(from slot 3 page 510, 2 MiB + 7 pages) */
		put(2, 1), put(paging_addr(window, 0, 3, 510, 0), 4), put(paging_addr(0, 0, 3, 510, 0), 4);
		put(0xf2, 1), put(0, 1), put(1, 1), put(0, 1);
		/* pt_unmap_range(slot 1, 2 MiB - 4 KiB): a large page straddles */
		put(4, 1), put(paging_addr(window, 0, 1, 0, 3), 4), put(0x72, 1), put(0, 1), put(0, 1);
		/* pt_protect(slot 1, read-only) then pt_unmap of its second page */
		put(5, 1), put(paging_addr(window, 0, 1, 0, 3), 4), put(0, 1), put(0, 1);
		put(3, 1), put(paging_addr(window, 0, 1, 1, 0), 4), put(0, 1);
		/* pt_unmap_range over everything mapped in GiB 0 */
		put(4, 1), put(paging_addr(window, 0, 0, 0, 4), 4), put(0x82, 1), put(7, 1), put(0, 1);
		char name[32];
		snprintf(name, sizeof(name), "large-pages-%u", window);
		save(name, prog, prog_len);
	}
}

/* Command lines: the known words, separators of every kind, near misses,
 * a word longer than the warning shows. */
static void cmdline_seeds(void)
{
	static const char *const lines[] = {
	    "exit selftest",
	    "   ",
	    "exit\tdebug\r\ntest-null",
	    "frobnicate",
	    "exi exits EXIT selftest- test-pagefault test-null debug debug",
	    "a-word-that-is-longer-than-the-sixty-four-bytes-the-warning-shows-of-it exit",
	    "%s %x %n exit",
	};
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		char name[32];
		snprintf(name, sizeof(name), "line-%zu", i);
		save(name, lines[i], strlen(lines[i]));
	}
}

/* fuzz_acpi's layout: a table of `length` bytes with a signature (the
 * checksum is left to the target's fix-up flag). */
static void acpi_table_header(const char sig[4], uint32_t length)
{
	put(length, 2); /* the record's length */
	for (int i = 0; i < 4; i++)
		put((uint8_t)sig[i], 1);
	put(length, 4);
	put(1, 1), put(0, 1); /* revision, checksum */
	for (const char *p = "STAGEOFUZZTABL"; *p; p++)
		put((uint8_t)*p, 1); /* OEM id, OEM table id */
	put(0, 12);                  /* OEM revision, creator id and revision */
}

/* An RSDP (revision 0 with an RSDT, or 2 with an XSDT) naming table 1 as
 * its root, which lists a MADT (table 2) and a FACP (table 3); the RSDP as
 * a copy, in the EBDA or in the BIOS area. */
static void acpi_seeds(void)
{
	static const char *const names[] = {"copy", "copy2", "ebda", "bios"};
	for (unsigned where = 0; where < 4; where++) {
		for (unsigned revision = 0; revision <= 2; revision += 2) {
			prog_len = 0;
			put(3 | where << 2 | 5u << 4, 1); /* fix both checksums; slot 5 */
			unsigned rsdp_len = revision ? 36 : 20;
			put(rsdp_len, 1);
			for (const char *p = "RSD PTR "; *p; p++)
				put((uint8_t)*p, 1);
			put(0, 1);
			for (const char *p = "STAGEO"; *p; p++)
				put((uint8_t)*p, 1);
			put(revision, 1);
			put(revision ? 0 : 1, 4); /* RSDT: table 0 */
			if (revision)
				put(36, 4), put(1, 8), put(0, 4); /* length, XSDT: table 0 */
			unsigned entry = revision ? 8 : 4;
			acpi_table_header(revision ? "XSDT" : "RSDT", 36 + 2 * entry);
			put(2, entry), put(3, entry); /* tables 1 and 2 */
			acpi_table_header("APIC", 44 + 8 + 8 + 16 + 12 + 10 + 6 + 12);
			put(0xfee00000u, 4), put(1, 4);                        /* local APIC, PC-AT */
			put(0, 1), put(8, 1), put(0, 1), put(0, 1), put(1, 4); /* CPU 0 enabled */
			put(0, 1), put(8, 1), put(1, 1), put(1, 1), put(2, 4); /* CPU 1 online-capable */
			put(9, 1), put(16, 1), put(0, 2), put(0x100, 4), put(1, 4), put(7, 4); /* x2APIC */
			put(1, 1), put(12, 1), put(0, 2), put(0xfec00000u, 4), put(0, 4);      /* I/O APIC */
			put(2, 1), put(10, 1), put(0, 2), put(2, 4), put(0, 2);                /* override */
			put(4, 1), put(6, 1), put(0xff, 1), put(0, 2), put(1, 1);              /* NMI */
			put(5, 1), put(12, 1), put(0, 2), put(0xfee00000u, 8);                 /* address */
			acpi_table_header("FACP", 36);
			char name[32];
			snprintf(name, sizeof(name), "%s-rev%u", names[where], revision);
			save(name, prog, prog_len);
		}
	}
}

/* fuzz_buddy with poisoning: 1024 pages from 0, all given to the buddy;
 * take the whole 4 MiB block, free it (poisoned), write a byte into its
 * sixth page, and take it again: a use after free to report. */
static void buddy_programs(void)
{
	prog_len = 0;
	put(8, 1), put(1023, 2); /* poisoning, span of 1024 pages at 0 */
	put(0, 1), put(1, 2), put(0x20, 1), put(1024, 2), put(0x20, 1); /* one range: all of it */
	put(0, 1), put(10, 1);                                          /* alloc order 10 */
	put(3, 1), put(0, 1);                                           /* free it */
	put(9, 1), put(0, 1), put(5, 2), put(0x123, 2), put(0x55, 1);   /* write after free */
	put(0, 1), put(10, 1);                                          /* alloc order 10 again */
	save("poison-write", prog, prog_len);
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: %s <target> <directory>\n", argv[0]);
		return 2;
	}
	const char *target = argv[1];
	out_dir = argv[2];
	if (strcmp(target, "format") == 0) {
		random_programs(512);
	} else if (strcmp(target, "buddy") == 0) {
		random_programs(512);
		buddy_programs();
	} else if (strcmp(target, "memblock") == 0) {
		random_programs(256);
	} else if (strcmp(target, "paging") == 0) {
		random_programs(256);
		paging_programs();
	} else if (strcmp(target, "acpi") == 0) {
		acpi_seeds();
	} else if (strcmp(target, "cmdline") == 0) {
		cmdline_seeds();
	} else {
		fprintf(stderr, "%s: no seeds for target '%s'\n", argv[0], target);
		return 2;
	}
	return 0;
}
