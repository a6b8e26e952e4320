/*
 * line_editor.c - bytes to lines for the serial monitor (see line_editor.h).
 *
 * ANSI terminals send keys such as the arrows as ESC [ <parameters> <final
 * byte>, the final byte being 0x40..0x7e; ESC followed by any other byte is
 * a two-byte sequence. Both are skipped whole, so pressing an arrow key
 * does not type "[A" into the line. A control byte (Enter above all) ends
 * an unfinished sequence and counts as itself, so a stray ESC never eats
 * the Enter that follows it.
 */
#include "line_editor.h"

#define BS  0x08
#define DEL 0x7f
#define ESC 0x1b
#define CR  '\r'
#define LF  '\n'

void line_editor_reset(struct line_editor *ed)
{
	ed->len = 0;
	ed->line[0] = '\0';
	ed->too_long = false;
	ed->after_cr = false;
	ed->escape = 0;
}

/* Is the byte part of an escape sequence (and so to be skipped)? */
static bool in_escape(struct line_editor *ed, uint8_t byte)
{
	if (ed->escape != 0 && byte < 0x20 && byte != ESC) {
		ed->escape = 0; /* Enter (or another control byte) ends a broken sequence */
		return false;
	}
	if (ed->escape == 1) { /* the byte after ESC */
		ed->escape = byte == '[' ? 2 : 0;
		return true;
	}
	if (ed->escape == 2) { /* parameters until a final byte */
		if (byte >= 0x40 && byte <= 0x7e)
			ed->escape = 0;
		return true;
	}
	if (byte == ESC) {
		ed->escape = 1;
		return true;
	}
	return false;
}

static enum line_event end_line(struct line_editor *ed, void (*echo)(const char *s, size_t n))
{
	echo("\n", 1);
	ed->line[ed->len] = '\0';
	bool too_long = ed->too_long;
	ed->len = 0;
	ed->too_long = false;
	return too_long ? LINE_TOO_LONG : LINE_READY;
}

enum line_event line_editor_feed(struct line_editor *ed, uint8_t byte, void (*echo)(const char *s, size_t n))
{
	bool after_cr = ed->after_cr;
	ed->after_cr = false;
	if (in_escape(ed, byte))
		return LINE_PENDING;
	if (byte == CR) {
		ed->after_cr = true;
		return end_line(ed, echo);
	}
	if (byte == LF)
		return after_cr ? LINE_PENDING : end_line(ed, echo);
	if (byte == BS || byte == DEL) {
		if (ed->len > 0 && !ed->too_long) {
			ed->len--;
			echo("\b \b", 3);
		}
		return LINE_PENDING;
	}
	if (byte < 0x20 || byte > 0x7e)
		return LINE_PENDING; /* other control bytes and non-ASCII: ignored */
	if (ed->len == LINE_EDITOR_MAX) {
		ed->too_long = true; /* dropped; the line is refused at Enter */
		return LINE_PENDING;
	}
	char c = (char)byte;
	ed->line[ed->len++] = c;
	echo(&c, 1);
	return LINE_PENDING;
}
