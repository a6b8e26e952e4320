/*
 * fuzz_cmdline.c - fuzz target for the kernel command-line parser
 * (src/lib/cmdline.c): any bytes, up to the first NUL, are a command line.
 *
 * The model splits the line itself (separators: space, tab, newline,
 * carriage return) and looks each word up in its own copy of the known
 * words. cmdline_parse() must then set exactly the options of the known
 * words (overwriting whatever *out held), count the unknown ones, and
 * print exactly one warning line per unknown word, naming it (cut at 64
 * bytes, with "...") and listing the known words. The string is an exact-
 * size heap copy, so a read past its NUL is an AddressSanitizer report.
 *
 * A word added to cmdline.c must be added to model_words[] too: the target
 * compares the list with cmdline_print_help() and stops when they differ.
 */
#include <string.h>

#include "fuzz_input.h"
#include "host_env.h"
#include "lib/cmdline.h"

#define WARN_WORD_MAX 64

struct model_word {
	const char *name;
	size_t offset; /* of its bool in struct cmdline_options */
};

static const struct model_word model_words[] = {
    {"exit", offsetof(struct cmdline_options, exit)},
    {"selftest", offsetof(struct cmdline_options, selftest)},
    {"debug", offsetof(struct cmdline_options, debug)},
    {"test-pagefault", offsetof(struct cmdline_options, test_pagefault)},
    {"test-null", offsetof(struct cmdline_options, test_null)},
    {"test-triple-fault", offsetof(struct cmdline_options, test_triple_fault)},
    {"test-stack-overflow", offsetof(struct cmdline_options, test_stack_overflow)},
    {"poison", offsetof(struct cmdline_options, poison)},
    {"no-poison", offsetof(struct cmdline_options, no_poison)},
    {"test-use-after-free", offsetof(struct cmdline_options, test_use_after_free)},
    {"test-ap-missing", offsetof(struct cmdline_options, test_ap_missing)},
};
#define MODEL_WORD_COUNT (sizeof(model_words) / sizeof(model_words[0]))

/* Text being built, as long as the log may get. */
struct text {
	char *s;
	size_t len, cap;
};

static void text_add(struct text *t, const char *s, size_t n)
{
	if (t->len + n + 1 > t->cap) {
		t->cap = (t->len + n + 1) * 2;
		t->s = realloc(t->s, t->cap);
		fuzz_check(t->s != NULL, "out of memory");
	}
	memcpy(t->s + t->len, s, n);
	t->len += n;
	t->s[t->len] = '\0';
}

static void text_add_str(struct text *t, const char *s)
{
	text_add(t, s, strlen(s));
}

static bool is_separator(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* The help must list exactly the model's words, in its order. */
static void check_model_is_complete(void)
{
	host_log_clear();
	cmdline_print_help();
	const char *p = strchr(host_log_text(), '\n');
	for (size_t i = 0; p != NULL && p[1] != '\0'; i++) {
		char word[64] = "";
		sscanf(p + 1, "%63s", word);
		fuzz_check(
		    i < MODEL_WORD_COUNT && strcmp(word, model_words[i].name) == 0,
		    "cmdline.c knows the word '%s' as number %zu, fuzz/fuzz_cmdline.c does not: add it to "
		    "model_words[]",
		    word, i);
		p = strchr(p + 1, '\n');
		if (p == NULL || p[1] == '\0')
			fuzz_check(i + 1 == MODEL_WORD_COUNT, "cmdline.c lists %zu words, the model %zu",
			           i + 1, MODEL_WORD_COUNT);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool model_checked;
	if (!model_checked) {
		check_model_is_complete();
		model_checked = true;
	}

	size_t len = strnlen((const char *)data, size);
	char *line = malloc(len + 1); /* exactly the string: ASan sees a read past its end */
	fuzz_check(line != NULL, "out of memory");
	memcpy(line, data, len);
	line[len] = '\0';

	/* The model: words, options, warnings. */
	struct cmdline_options want = {0};
	struct text log = {0};
	text_add(&log, "", 0);
	for (size_t i = 0; i < len;) {
		if (is_separator(line[i])) {
			i++;
			continue;
		}
		size_t start = i;
		while (i < len && !is_separator(line[i]))
			i++;
		size_t n = i - start;
		const struct model_word *known = NULL;
		for (size_t k = 0; k < MODEL_WORD_COUNT; k++) {
			if (strlen(model_words[k].name) == n &&
			    memcmp(model_words[k].name, line + start, n) == 0)
				known = &model_words[k];
		}
		if (known) {
			*(bool *)((char *)&want + known->offset) = true;
			continue;
		}
		want.unknown_count++;
		text_add_str(&log, "cmdline: unknown word '");
		text_add(&log, line + start, n < WARN_WORD_MAX ? n : WARN_WORD_MAX);
		text_add_str(&log,
		             n > WARN_WORD_MAX ? "...' ignored; known words:" : "' ignored; known words:");
		for (size_t k = 0; k < MODEL_WORD_COUNT; k++) {
			text_add_str(&log, " ");
			text_add_str(&log, model_words[k].name);
		}
		text_add_str(&log, "\n");
	}

	/* *out holds garbage before: every field must be overwritten. An empty
	 * input stands for the NULL command line. */
	struct cmdline_options got;
	memset(&got, 1, sizeof(got)); /* every bool true, a count of 0x01010101 */
	host_log_clear();
	cmdline_parse(size == 0 ? NULL : line, &got);

	for (size_t k = 0; k < MODEL_WORD_COUNT; k++) {
		bool got_on = *(const bool *)((const char *)&got + model_words[k].offset);
		bool want_on = *(const bool *)((const char *)&want + model_words[k].offset);
		fuzz_check(got_on == want_on, "option '%s' is %d, expected %d", model_words[k].name, got_on,
		           want_on);
	}
	fuzz_check(got.unknown_count == want.unknown_count, "%u unknown words, expected %u",
	           got.unknown_count, want.unknown_count);
	fuzz_check(strcmp(host_log_text(), log.s) == 0, "warnings:\n%s\nexpected:\n%s", host_log_text(),
	           log.s);
	free(log.s);
	free(line);
	return 0;
}
