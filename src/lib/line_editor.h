/*
 * line_editor.h - turns the bytes typed on a serial terminal into lines:
 * printable characters are echoed and kept, backspace (BS or DEL) removes
 * the last one, Enter is CR, LF or CR LF, and everything else (control
 * bytes, bytes above 0x7e, the escape sequences of arrow and function keys)
 * is ignored. A line longer than the buffer is never overflowed: the
 * excess is dropped and the whole line is reported as too long when Enter
 * comes. The monitor feeds it one byte at a time; it has no other state
 * than the struct, so host tests drive it directly.
 */
#ifndef LINE_EDITOR_H
#define LINE_EDITOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LINE_EDITOR_MAX 120 /* characters in a line, not counting the NUL */

struct line_editor {
	char line[LINE_EDITOR_MAX + 1]; /* NUL-terminated when a line is ready */
	size_t len;
	bool too_long;  /* characters were dropped from this line */
	bool after_cr;  /* the last byte was CR: an LF right after it is part of the same Enter */
	uint8_t escape; /* 0, or 1 after ESC, or 2 inside an ESC [ ... sequence */
};

enum line_event {
	LINE_PENDING,  /* nothing to do yet */
	LINE_READY,    /* ed->line holds a complete line (possibly empty) */
	LINE_TOO_LONG, /* Enter ended a line longer than LINE_EDITOR_MAX: discarded */
};

/* Start empty. */
void line_editor_reset(struct line_editor *ed);

/* Take one byte. echo(s, n) is called with what the terminal should show
 * (the character, "\b \b" for a backspace, "\n" for Enter). After
 * LINE_READY or LINE_TOO_LONG the next byte starts a new line. */
enum line_event line_editor_feed(struct line_editor *ed, uint8_t byte, void (*echo)(const char *s, size_t n));

#endif /* LINE_EDITOR_H */
