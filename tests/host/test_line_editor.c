/* test_line_editor.c - the monitor's line editor: what it keeps, echoes,
 * ignores and refuses, byte by byte, as a terminal would send them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <string.h>

#include "lib/line_editor.h"

static struct line_editor ed;
static char echoed[4096];
static size_t echoed_len;

static void echo(const char *s, size_t n)
{
	assert_true(echoed_len + n < sizeof(echoed));
	memcpy(echoed + echoed_len, s, n);
	echoed_len += n;
	echoed[echoed_len] = '\0';
}

static int reset(void **state)
{
	line_editor_reset(&ed);
	echoed_len = 0;
	echoed[0] = '\0';
	return 0;
}

/* Feed every byte of s; return the event of the last one. */
static enum line_event feed(const char *s, size_t n)
{
	enum line_event ev = LINE_PENDING;
	for (size_t i = 0; i < n; i++)
		ev = line_editor_feed(&ed, (uint8_t)s[i], echo);
	return ev;
}

#define FEED(s) feed((s), sizeof(s) - 1)

static void a_line_ends_with_cr_and_is_echoed(void **state)
{
	assert_int_equal(FEED("help\r"), LINE_READY);
	assert_string_equal(ed.line, "help");
	assert_string_equal(echoed, "help\n");
}

static void lf_alone_ends_a_line_too(void **state)
{
	assert_int_equal(FEED("stage\n"), LINE_READY);
	assert_string_equal(ed.line, "stage");
}

static void crlf_is_one_enter_not_two(void **state)
{
	assert_int_equal(FEED("a\r"), LINE_READY);
	assert_int_equal(FEED("\n"), LINE_PENDING);
	assert_int_equal(FEED("b\n"), LINE_READY);
	assert_string_equal(ed.line, "b");
}

static void lf_lf_gives_an_empty_line(void **state)
{
	FEED("x\n");
	assert_int_equal(FEED("\n"), LINE_READY);
	assert_string_equal(ed.line, "");
}

static void backspace_and_delete_remove_the_last_character(void **state)
{
	assert_int_equal(FEED("halp\b\b\x7f"
	                      "elp\r"),
	                 LINE_READY);
	assert_string_equal(ed.line, "help");
	assert_non_null(strstr(echoed, "\b \b\b \b\b \b"));
}

static void backspace_on_an_empty_line_does_nothing(void **state)
{
	assert_int_equal(FEED("\b\b\x7fok\r"), LINE_READY);
	assert_string_equal(ed.line, "ok");
	assert_string_equal(echoed, "ok\n");
}

static void control_bytes_and_non_ascii_are_ignored(void **state)
{
	assert_int_equal(FEED("\x01wa\x07l\x80k\xff\t\r"), LINE_READY);
	assert_string_equal(ed.line, "walk");
}

static void arrow_keys_type_nothing(void **state)
{
	/* up, down, a two-byte ESC sequence, and a CSI with parameters */
	assert_int_equal(FEED("\x1b[Ad\x1b[Bu\x1bOmp\x1b[1;5Cx\r"), LINE_READY);
	assert_string_equal(ed.line, "dumpx");
}

static void enter_after_a_lone_escape_still_ends_the_line(void **state)
{
	assert_int_equal(FEED("help\x1b\r"), LINE_READY);
	assert_string_equal(ed.line, "help");
	assert_int_equal(FEED("cpus\x1b[\r"), LINE_READY);
	assert_string_equal(ed.line, "cpus");
}

static void a_line_of_exactly_the_maximum_is_kept(void **state)
{
	char line[LINE_EDITOR_MAX + 1];
	memset(line, 'a', LINE_EDITOR_MAX);
	line[LINE_EDITOR_MAX] = '\r';
	assert_int_equal(feed(line, sizeof(line)), LINE_READY);
	assert_int_equal(strlen(ed.line), LINE_EDITOR_MAX);
}

static void a_longer_line_is_refused_whole_and_never_overflows(void **state)
{
	char line[LINE_EDITOR_MAX + 50];
	memset(line, 'b', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\r';
	assert_int_equal(feed(line, sizeof(line)), LINE_TOO_LONG);
	/* the next line starts clean */
	assert_int_equal(FEED("help\r"), LINE_READY);
	assert_string_equal(ed.line, "help");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(a_line_ends_with_cr_and_is_echoed, reset),
	    cmocka_unit_test_setup(lf_alone_ends_a_line_too, reset),
	    cmocka_unit_test_setup(crlf_is_one_enter_not_two, reset),
	    cmocka_unit_test_setup(lf_lf_gives_an_empty_line, reset),
	    cmocka_unit_test_setup(backspace_and_delete_remove_the_last_character, reset),
	    cmocka_unit_test_setup(backspace_on_an_empty_line_does_nothing, reset),
	    cmocka_unit_test_setup(control_bytes_and_non_ascii_are_ignored, reset),
	    cmocka_unit_test_setup(arrow_keys_type_nothing, reset),
	    cmocka_unit_test_setup(enter_after_a_lone_escape_still_ends_the_line, reset),
	    cmocka_unit_test_setup(a_line_of_exactly_the_maximum_is_kept, reset),
	    cmocka_unit_test_setup(a_longer_line_is_refused_whole_and_never_overflows, reset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
