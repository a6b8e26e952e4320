/* test_early_cmdline.c - the early read of `exit` (src/boot/early_cmdline.S,
 * assembled as 64-bit code for the host) finds the word exactly where
 * cmdline_parse() does, and never reads outside the boot information, however
 * broken it is.
 *
 * Every structure is placed so that it ends right before an inaccessible
 * page, below 4 GiB (the routine keeps addresses in 32-bit registers): one
 * byte read past total_size is a crash, not a silent pass. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include "boot/multiboot2.h"
#include "host_env.h"
#include "lib/cmdline.h"
#include "mb2_builder.h"

#define ARENA_BYTES (2u * 1024u * 1024u) /* the most the routine may read is 1 MiB */
#define GUARD_BYTES 4096u

static uint8_t *arena; /* ARENA_BYTES readable, then GUARD_BYTES that are not */

static int map_arena(void **state)
{
	void *p = mmap(NULL, ARENA_BYTES + GUARD_BYTES, PROT_READ | PROT_WRITE,
	               MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	if (p == MAP_FAILED || mprotect((uint8_t *)p + ARENA_BYTES, GUARD_BYTES, PROT_NONE) != 0)
		return -1;
	arena = p;
	return 0;
}

static int unmap_arena(void **state)
{
	return munmap(arena, ARENA_BYTES + GUARD_BYTES);
}

/* Call the routine as entry32.S does: boot information in EBX, answer in
 * EAX. The 128 bytes below RSP may hold the caller's data (the x86_64 red
 * zone), so the call's return address goes below them. */
static uint32_t early_has_exit(const uint8_t *mbi)
{
	uint32_t ebx = (uint32_t)(uintptr_t)mbi;
	uint32_t eax;
	__asm__ volatile("sub $128, %%rsp\n\t"
	                 "call early_cmdline_has_exit\n\t"
	                 "add $128, %%rsp"
	                 : "=a"(eax), "+b"(ebx)
	                 :
	                 : "rcx", "rdx", "rsi", "rdi", "memory", "cc");
	assert_int_equal(ebx, (uint32_t)(uintptr_t)mbi); /* EBX is kept */
	return eax;
}

/* Copy len bytes of a blob to the very end of the arena and return where
 * it now starts (8-byte aligned when len is a multiple of 8). */
static const uint8_t *place(const void *blob, size_t len)
{
	uint8_t *at = arena + ARENA_BYTES - len;
	memcpy(at, blob, len);
	return at;
}

/* Structures are built here, then place()d; tests that break a field after
 * mb2b_finish() patch the builder and place it again. */
static uint8_t scratch[4096] __attribute__((aligned(8)));
static struct mb2_builder b;

static void start_boot_info(void)
{
	mb2b_init(&b, scratch, sizeof(scratch));
}

/* A well-formed structure: a loader name, then the command line, then a
 * module, so the command-line tag is neither the first nor the last. */
static const uint8_t *boot_info_with_cmdline(const char *cmdline)
{
	start_boot_info();
	mb2b_string_tag(&b, MB2_TAG_BOOT_LOADER_NAME, "GRUB 2.06");
	mb2b_string_tag(&b, MB2_TAG_CMDLINE, cmdline);
	mb2b_module(&b, 0x200000, 0x201000, "module");
	size_t len = mb2b_finish(&b);
	return place(scratch, len);
}

static bool parser_says_exit(const char *cmdline)
{
	struct cmdline_options o;
	cmdline_parse(cmdline, &o);
	host_log_clear(); /* the warnings about unknown words are not the point here */
	return o.exit;
}

static void exit_alone_is_found(void **state)
{
	assert_int_equal(early_has_exit(boot_info_with_cmdline("exit")), 1);
}

static void exit_among_other_words_is_found(void **state)
{
	assert_int_equal(early_has_exit(boot_info_with_cmdline("selftest exit debug")), 1);
	assert_int_equal(early_has_exit(boot_info_with_cmdline("debug exit")), 1);
	assert_int_equal(early_has_exit(boot_info_with_cmdline(" \t\r\nexit\r\n")), 1);
	assert_int_equal(early_has_exit(boot_info_with_cmdline("exitx exit")), 1);
}

static void exit_inside_a_longer_word_is_not_found(void **state)
{
	static const char *const lines[] = {"",      "exi",   "xexit", "exitx",      "exit-",
	                                    "exi t", "e xit", "EXIT",  "texit exits"};
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		assert_int_equal(early_has_exit(boot_info_with_cmdline(lines[i])), 0);
}

static void no_cmdline_tag_means_no_exit(void **state)
{
	start_boot_info();
	mb2b_string_tag(&b, MB2_TAG_BOOT_LOADER_NAME, "exit"); /* the right word in the wrong tag */
	size_t len = mb2b_finish(&b);
	assert_int_equal(early_has_exit(place(scratch, len)), 0);
}

/* "debug\0exit": the command line ends at its NUL, as for cmdline_parse(). */
static void the_string_ends_at_its_nul(void **state)
{
	static const char bytes[] = "debug\0exit"; /* and the array's own NUL */
	start_boot_info();
	mb2b_begin(&b, MB2_TAG_CMDLINE);
	mb2b_bytes(&b, bytes, sizeof(bytes));
	mb2b_close(&b);
	size_t len = mb2b_finish(&b);
	assert_int_equal(early_has_exit(place(scratch, len)), 0);
}

/* A string without its NUL is read to the end of its tag, never further:
 * here total_size goes on after the tag with "xxxx" (which would make the
 * word "exitxxxx" if the read went on). */
static void an_unterminated_string_ends_with_its_tag(void **state)
{
	/* total_size 24, reserved, then the command-line tag (type 1, size 12)
	 * holding "exit" and no NUL, then 4 bytes outside any tag. */
	static const uint8_t blob[24] __attribute__((aligned(8))) = {
	    24, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 12, 0, 0, 0, 'e', 'x', 'i', 't', 'x', 'x', 'x', 'x'};
	assert_int_equal(early_has_exit(place(blob, sizeof(blob))), 1);
}

/* The same tag as the last readable bytes of memory, total_size 20: the
 * word ends where memory does, and no byte after it is touched. */
static void a_string_at_the_end_of_memory_is_not_overrun(void **state)
{
	static const uint8_t blob[20] = {20, 0, 0,  0, 0, 0, 0,   0,   1,   0,
	                                 0,  0, 12, 0, 0, 0, 'e', 'x', 'i', 't'};
	assert_int_equal(early_has_exit(place(blob, sizeof(blob))), 1);
}

/* total_size below 16 (no room for the end tag) or above the 1 MiB cap:
 * not a structure to read. */
static void implausible_total_size_means_no_exit(void **state)
{
	start_boot_info();
	mb2b_string_tag(&b, MB2_TAG_CMDLINE, "exit");
	size_t len = mb2b_finish(&b);
	assert_int_equal(early_has_exit(place(scratch, len)), 1);

	uint32_t sizes[] = {0, 8, 15, MB2_MAX_TOTAL_SIZE + 1, 0xffffffffu};
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		mb2b_patch32(&b, 0, sizes[i]);
		assert_int_equal(early_has_exit(place(scratch, len)), 0);
	}
}

/* The command-line tag lies partly or wholly beyond total_size. */
static void a_cmdline_tag_past_total_size_is_not_read(void **state)
{
	start_boot_info();
	size_t tag = mb2b_string_tag(&b, MB2_TAG_CMDLINE, "selftest exit");
	size_t len = mb2b_finish(&b);
	/* total_size ends inside the tag, before "exit" */
	mb2b_patch32(&b, 0, (uint32_t)tag + 16);
	assert_int_equal(early_has_exit(place(scratch, len)), 0);
	/* the tag's own size reaches past total_size */
	mb2b_patch32(&b, 0, (uint32_t)len);
	mb2b_patch32(&b, tag + 4, (uint32_t)(len - tag + 1));
	assert_int_equal(early_has_exit(place(scratch, len)), 0);
}

/* A tag smaller than its header before the command line stops the walk
 * (the walk could not move on; mb2_parse() rejects it too). */
static void a_tag_smaller_than_its_header_stops_the_walk(void **state)
{
	start_boot_info();
	size_t name = mb2b_string_tag(&b, MB2_TAG_BOOT_LOADER_NAME, "GRUB");
	mb2b_string_tag(&b, MB2_TAG_CMDLINE, "exit");
	size_t len = mb2b_finish(&b);
	for (uint32_t size = 0; size < 8; size++) {
		mb2b_patch32(&b, name + 4, size);
		assert_int_equal(early_has_exit(place(scratch, len)), 0);
	}
}

/* The end tag ends the walk even if bytes that look like a command-line
 * tag follow it inside total_size. */
static void the_end_tag_ends_the_walk(void **state)
{
	start_boot_info();
	mb2b_begin(&b, MB2_TAG_END);
	mb2b_close(&b);
	mb2b_string_tag(&b, MB2_TAG_CMDLINE, "exit");
	size_t len = mb2b_finish(&b);
	assert_int_equal(early_has_exit(place(scratch, len)), 0);
}

/* Every command line of up to 5 characters over an alphabet that can spell
 * `exit` and its near misses, with every separator and one non-separator
 * space character (\v): both readers agree. */
static void agrees_with_cmdline_parse_on_every_short_command_line(void **state)
{
	static const char alphabet[] = "exit \t\n\r\v-";
	const size_t n = sizeof(alphabet) - 1;
	char line[6];
	size_t checked = 0, with_exit = 0;
	for (size_t len = 0; len <= 5; len++) {
		size_t combinations = 1;
		for (size_t i = 0; i < len; i++)
			combinations *= n;
		for (size_t c = 0; c < combinations; c++) {
			size_t rest = c;
			for (size_t i = 0; i < len; i++, rest /= n)
				line[i] = alphabet[rest % n];
			line[len] = '\0';
			bool parsed = parser_says_exit(line);
			uint32_t early = early_has_exit(boot_info_with_cmdline(line));
			if (early != parsed)
				fail_msg("command line \"%s\": the parser says %d, the early read %u", line,
				         parsed, early);
			checked++;
			with_exit += parsed;
		}
	}
	/* Not a vacuous pass: both answers occurred. */
	assert_true(with_exit > 0 && with_exit < checked);
}

/* Longer lines, random words from a list of real and near-miss words. */
static void agrees_with_cmdline_parse_on_random_long_command_lines(void **state)
{
	static const char *const words[] = {"exit",      "exi", "exitt", "xexit", "selftest", "debug",
	                                    "test-null", "\t",  " ",     "\r\n",  "e",        "xit"};
	const size_t nwords = sizeof(words) / sizeof(words[0]);
	uint64_t seed = 0x5eed5eed5eedull;
	char line[512];
	for (int round = 0; round < 20000; round++) {
		size_t len = 0;
		size_t count = (seed >> 33) % 40;
		for (size_t w = 0; w < count; w++) {
			seed = seed * 6364136223846793005ull + 1442695040888963407ull;
			const char *word = words[(seed >> 33) % nwords];
			if (len + strlen(word) + 2 > sizeof(line))
				break;
			memcpy(line + len, word, strlen(word));
			len += strlen(word);
			if ((seed >> 20) & 1)
				line[len++] = ' ';
		}
		line[len] = '\0';
		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		bool parsed = parser_says_exit(line);
		uint32_t early = early_has_exit(boot_info_with_cmdline(line));
		if (early != parsed)
			fail_msg("command line \"%s\": the parser says %d, the early read %u", line, parsed,
			         early);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(exit_alone_is_found),
	    cmocka_unit_test(exit_among_other_words_is_found),
	    cmocka_unit_test(exit_inside_a_longer_word_is_not_found),
	    cmocka_unit_test(no_cmdline_tag_means_no_exit),
	    cmocka_unit_test(the_string_ends_at_its_nul),
	    cmocka_unit_test(an_unterminated_string_ends_with_its_tag),
	    cmocka_unit_test(a_string_at_the_end_of_memory_is_not_overrun),
	    cmocka_unit_test(implausible_total_size_means_no_exit),
	    cmocka_unit_test(a_cmdline_tag_past_total_size_is_not_read),
	    cmocka_unit_test(a_tag_smaller_than_its_header_stops_the_walk),
	    cmocka_unit_test(the_end_tag_ends_the_walk),
	    cmocka_unit_test(agrees_with_cmdline_parse_on_every_short_command_line),
	    cmocka_unit_test(agrees_with_cmdline_parse_on_random_long_command_lines),
	};
	return cmocka_run_group_tests(tests, map_arena, unmap_arena);
}
