/*
 * cmdline.h - the kernel command line: space-separated words from the
 * multiboot2 command-line tag (for example "exit selftest"), each of which
 * turns one option on. Unknown words are reported and ignored, so a typo
 * never stops the boot but never goes unnoticed either.
 */
#ifndef CMDLINE_H
#define CMDLINE_H

#include <stdbool.h>

/* The options the command line can turn on; all false by default. */
struct cmdline_options {
	bool exit;                /* "exit": end QEMU through isa-debug-exit at the end */
	bool selftest;            /* "selftest": run the in-kernel self-tests */
	bool debug;               /* "debug": print debug-level messages too */
	bool test_pagefault;      /* "test-pagefault": provoke a page fault (tests only) */
	bool test_null;           /* "test-null": read address 0 once page 0 is unmapped (tests only) */
	bool test_triple_fault;   /* "test-triple-fault": empty IDT, then an exception (tests only) */
	bool test_stack_overflow; /* "test-stack-overflow": overflow the boot CPU's stack (tests only) */
	bool poison;              /* "poison": page poisoning on (see cmdline_page_poisoning) */
	bool no_poison;           /* "no-poison": page poisoning off, whatever else says on */
	bool test_use_after_free; /* "test-use-after-free": write a freed page (tests only) */
	bool test_ap_missing;     /* "test-ap-missing": one AP gets no STARTUP IPI (tests only) */
	unsigned unknown_count;   /* how many words were not recognised */
};

/*
 * Parse a command line into *out (which is fully overwritten).
 * cmdline: words separated by spaces, tabs, newlines or carriage returns
 *          (runs of them too); NULL or "" leaves every option off.
 *          Words match exactly, not by prefix.
 * out:     receives the options; each unknown word adds one to
 *          unknown_count and prints one warning line through kprintf that
 *          names the word and lists the known ones.
 */
void cmdline_parse(const char *cmdline, struct cmdline_options *out);

/* Whether the buddy poisons freed pages: on with `poison`, and also with
 * `selftest`, `debug` and `test-use-after-free` (the boots meant to find
 * bugs); `no-poison` turns it off whatever else is on the line. */
bool cmdline_page_poisoning(const struct cmdline_options *opts);

/* Print every known word with one line of help, through kprintf. */
void cmdline_print_help(void);

#endif /* CMDLINE_H */
