/*
 * cmdline.c - the kernel command-line parser (see cmdline.h).
 *
 * Algorithm: walk the string, skipping separators; each run of
 * non-separators is a word. The word is looked up in known_words[] by exact
 * match (same length, same bytes); a hit sets the bool at the recorded
 * offset inside struct cmdline_options, a miss prints a warning and the walk
 * goes on. The table is the only place that knows the words: adding an
 * option is one field in the struct and one line in the table.
 */
#include "cmdline.h"

#include <stddef.h>

#include "format.h"
#include "kstring.h"

/* Unknown words longer than this are cut short (with "...") in the warning,
 * so a garbage command line cannot flood the console. */
#define WARN_WORD_MAX 64

struct known_word {
	const char *name;
	const char *help;
	size_t offset; /* of the bool in struct cmdline_options */
};

static const struct known_word known_words[] = {
    {"exit", "end QEMU through isa-debug-exit when the boot finishes or fails",
     offsetof(struct cmdline_options, exit)},
    {"selftest", "run the in-kernel self-tests before KERNEL OK", offsetof(struct cmdline_options, selftest)},
    {"debug", "print debug messages too: the phys_memory_area, memblock and buddy tables",
     offsetof(struct cmdline_options, debug)},
    {"test-pagefault", "test only: write to an unmapped address to check the page-fault report",
     offsetof(struct cmdline_options, test_pagefault)},
    {"test-null", "test only: read address 0 after the low identity remap is gone (a page fault, CR2 = 0)",
     offsetof(struct cmdline_options, test_null)},
    {"test-triple-fault",
     "test only: load an empty IDT, then raise an exception: the CPU resets (QEMU status 0)",
     offsetof(struct cmdline_options, test_triple_fault)},
    {"test-stack-overflow",
     "test only: recurse without end on the boot CPU's stack until its guard page faults",
     offsetof(struct cmdline_options, test_stack_overflow)},
    {"poison", "fill freed pages with a pattern and check it when they are allocated again (use after free)",
     offsetof(struct cmdline_options, poison)},
    {"no-poison", "no page poisoning, even with selftest or debug",
     offsetof(struct cmdline_options, no_poison)},
    {"test-use-after-free", "test only: write to a freed page, then allocate it again (poisoning reports it)",
     offsetof(struct cmdline_options, test_use_after_free)},
    {"test-ap-missing", "test only: send one AP no STARTUP IPI; it is named and the boot goes on without it",
     offsetof(struct cmdline_options, test_ap_missing)},
};

#define KNOWN_WORD_COUNT (sizeof(known_words) / sizeof(known_words[0]))

/* early_cmdline.S reads `exit` with the same separators. */
static bool is_separator(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* The known word equal to the len bytes at word, or NULL. */
static const struct known_word *find_known_word(const char *word, size_t len)
{
	for (size_t i = 0; i < KNOWN_WORD_COUNT; i++) {
		if (strlen(known_words[i].name) == len && memcmp(known_words[i].name, word, len) == 0)
			return &known_words[i];
	}
	return NULL;
}

static void warn_unknown_word(const char *word, size_t len)
{
	int shown = len > WARN_WORD_MAX ? WARN_WORD_MAX : (int)len;
	kprintf("cmdline: unknown word '%.*s%s' ignored; known words:", shown, word,
	        len > WARN_WORD_MAX ? "..." : "");
	for (size_t i = 0; i < KNOWN_WORD_COUNT; i++)
		kprintf(" %s", known_words[i].name);
	kprintf("\n");
}

void cmdline_parse(const char *cmdline, struct cmdline_options *out)
{
	*out = (struct cmdline_options){0};
	if (cmdline == NULL)
		return;

	const char *p = cmdline;
	while (*p != '\0') {
		if (is_separator(*p)) {
			p++;
			continue;
		}
		const char *word = p;
		while (*p != '\0' && !is_separator(*p))
			p++;
		size_t len = (size_t)(p - word);

		const struct known_word *known = find_known_word(word, len);
		if (known != NULL) {
			*(bool *)((char *)out + known->offset) = true;
		} else {
			out->unknown_count++;
			warn_unknown_word(word, len);
		}
	}
}

bool cmdline_page_poisoning(const struct cmdline_options *opts)
{
	if (opts->no_poison)
		return false;
	return opts->poison || opts->selftest || opts->debug || opts->test_use_after_free;
}

void cmdline_print_help(void)
{
	kprintf("kernel command line: space-separated words\n");
	for (size_t i = 0; i < KNOWN_WORD_COUNT; i++)
		kprintf("  %-20s %s\n", known_words[i].name, known_words[i].help);
}
