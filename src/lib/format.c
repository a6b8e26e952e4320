/*
 * format.c - printf-style formatting for the kernel (see format.h).
 *
 * Algorithm: one loop walks the format string. Plain text is copied out; at
 * each '%' the conversion is parsed into a struct conversion (flags, width,
 * precision, length modifier, conversion letter), its argument is fetched
 * and converted to text, and the text is padded to the field width. Every
 * character goes through one "output" object that knows where text goes:
 *   - kvsnprintf: into the caller's buffer; what does not fit is dropped but
 *     still counted, so the return value is the full length as in C;
 *   - kvprintf: into a small stack buffer that is handed to console_write()
 *     each time it fills up, so output of any length arrives whole.
 */
#include "format.h"

#include <stdbool.h>
#include <stdint.h>

#include "console.h"

/* Size of the stack buffer kvprintf fills before each console_write(). */
#define CONSOLE_CHUNK_BYTES 256

/* Enough for the longest number: UINT64_MAX in octal has 22 digits. */
#define MAX_DIGITS 24

/* Where formatted text goes, and how much of it there was in total. */
struct output {
	char *buf;       /* destination (kvsnprintf) or chunk (kvprintf) */
	size_t capacity; /* bytes of buf that may hold text */
	size_t used;     /* bytes of buf holding text */
	size_t total;    /* bytes produced so far, kept or not */
	bool to_console; /* flush a full buf to console_write() */
};

/* What one '%...' conversion asked for. */
struct conversion {
	bool left;      /* '-': pad on the right */
	bool zero;      /* '0': pad numbers with zeroes */
	bool plus;      /* '+': show the sign of positive numbers */
	bool space;     /* ' ': a space where '+' would be */
	bool alternate; /* '#': 0x prefix for %x, leading 0 for %o */
	int width;      /* minimum field width, 0 if none */
	int precision;  /* -1 if none */
	enum {
		LEN_INT,
		LEN_CHAR,
		LEN_SHORT,
		LEN_LONG,
		LEN_LONG_LONG,
		LEN_SIZE,
		LEN_INTMAX,
		LEN_PTRDIFF
	} length;
	char letter; /* the conversion letter, e.g. 'd' */
};

static void output_flush(struct output *out)
{
	if (out->used > 0)
		console_write(out->buf, out->used);
	out->used = 0;
}

static void output_char(struct output *out, char c)
{
	if (out->used == out->capacity && out->to_console)
		output_flush(out);
	if (out->used < out->capacity)
		out->buf[out->used++] = c;
	out->total++;
}

static void output_text(struct output *out, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		output_char(out, s[i]);
}

static void output_repeat(struct output *out, char c, size_t count)
{
	for (size_t i = 0; i < count; i++)
		output_char(out, c);
}

/* Reads a decimal number at *p (advancing *p). Saturates at INT32_MAX (the
 * largest int here; <limits.h> is not among our headers) instead of
 * overflowing: a width of billions is silly but must not be undefined. */
static int parse_decimal(const char **p)
{
	int value = 0;
	while (**p >= '0' && **p <= '9') {
		int digit = **p - '0';
		value = value > (INT32_MAX - digit) / 10 ? INT32_MAX : value * 10 + digit;
		(*p)++;
	}
	return value;
}

/* Writes the digits of value in base (8, 10 or 16) backwards from the end
 * of digits[MAX_DIGITS]; returns how many. Zero gives one digit "0". */
static size_t number_to_digits(uint64_t value, unsigned base, bool upper, char digits[MAX_DIGITS])
{
	const char *symbols = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	size_t n = 0;
	do {
		digits[MAX_DIGITS - 1 - n] = symbols[value % base];
		value /= base;
		n++;
	} while (value != 0);
	return n;
}

/* Emits a number as C does: [spaces] prefix [zeroes] digits [spaces].
 * prefix is the sign or "0x" (may be ""); magnitude is the absolute value. */
static void output_number(struct output *out, const struct conversion *conv, const char *prefix,
                          uint64_t magnitude, unsigned base)
{
	char digits[MAX_DIGITS];
	size_t ndigits = number_to_digits(magnitude, base, conv->letter == 'X', digits);
	const char *first = digits + MAX_DIGITS - ndigits;

	/* The precision is the minimum number of digits; the default is 1, and
	 * C prints no digits at all for a zero value with precision 0. */
	size_t min_digits = conv->precision < 0 ? 1 : (size_t)conv->precision;
	if (magnitude == 0 && conv->precision == 0)
		ndigits = 0;
	/* '#' with %o: the first digit must be a 0 (raise the precision). */
	if (conv->letter == 'o' && conv->alternate && (ndigits == 0 || first[0] != '0') &&
	    min_digits <= ndigits)
		min_digits = ndigits + 1;

	size_t prefix_len = 0;
	while (prefix[prefix_len] != '\0')
		prefix_len++;
	size_t zeroes = min_digits > ndigits ? min_digits - ndigits : 0;
	size_t body = prefix_len + zeroes + ndigits;
	size_t pad = (size_t)conv->width > body ? (size_t)conv->width - body : 0;

	/* '0' pads between the prefix and the digits, but C ignores it when
	 * '-' is given or when a precision says how many digits to show. */
	if (conv->zero && !conv->left && conv->precision < 0) {
		zeroes += pad;
		pad = 0;
	}
	if (!conv->left)
		output_repeat(out, ' ', pad);
	output_text(out, prefix, prefix_len);
	output_repeat(out, '0', zeroes);
	output_text(out, first, ndigits);
	if (conv->left)
		output_repeat(out, ' ', pad);
}

/* Emits len bytes of s padded to the field width (spaces only). */
static void output_padded_text(struct output *out, const struct conversion *conv, const char *s, size_t len)
{
	size_t pad = (size_t)conv->width > len ? (size_t)conv->width - len : 0;
	if (!conv->left)
		output_repeat(out, ' ', pad);
	output_text(out, s, len);
	if (conv->left)
		output_repeat(out, ' ', pad);
}

/* Fetches a signed integer argument of the size the length modifier says.
 * Arguments narrower than int arrive promoted to int, so hh and h read an
 * int and cut it down, as C's printf does. */
static int64_t fetch_signed(const struct conversion *conv, va_list *ap)
{
	switch (conv->length) {
	case LEN_CHAR: return (signed char)va_arg(*ap, int);
	case LEN_SHORT: return (short)va_arg(*ap, int);
	case LEN_LONG: return va_arg(*ap, long);
	case LEN_LONG_LONG: return va_arg(*ap, long long);
	case LEN_SIZE: return (ptrdiff_t)va_arg(*ap, size_t); /* the signed type of size_t's width */
	case LEN_INTMAX: return va_arg(*ap, intmax_t);
	case LEN_PTRDIFF: return va_arg(*ap, ptrdiff_t);
	case LEN_INT: break;
	}
	return va_arg(*ap, int);
}

/* Same for unsigned conversions (%u %x %X %o). */
static uint64_t fetch_unsigned(const struct conversion *conv, va_list *ap)
{
	switch (conv->length) {
	case LEN_CHAR: return (unsigned char)va_arg(*ap, int);
	case LEN_SHORT: return (unsigned short)va_arg(*ap, int);
	case LEN_LONG: return va_arg(*ap, unsigned long);
	case LEN_LONG_LONG: return va_arg(*ap, unsigned long long);
	case LEN_SIZE: return va_arg(*ap, size_t);
	case LEN_INTMAX: return va_arg(*ap, uintmax_t);
	case LEN_PTRDIFF: return (size_t)va_arg(*ap, ptrdiff_t); /* the unsigned type of ptrdiff_t's width */
	case LEN_INT: break;
	}
	return va_arg(*ap, unsigned int);
}

/* Parses flags, width, precision and length of the conversion that starts
 * after a '%' at *p; leaves *p on the conversion letter. A '*' width or
 * precision takes an int argument; a negative '*' width means '-' and a
 * negative '*' precision means none, as in C. */
static void parse_conversion(const char **p, struct conversion *conv, va_list *ap)
{
	*conv = (struct conversion){.precision = -1, .length = LEN_INT};
	for (;; (*p)++) {
		if (**p == '-')
			conv->left = true;
		else if (**p == '0')
			conv->zero = true;
		else if (**p == '+')
			conv->plus = true;
		else if (**p == ' ')
			conv->space = true;
		else if (**p == '#')
			conv->alternate = true;
		else
			break;
	}

	if (**p == '*') {
		int width = va_arg(*ap, int);
		if (width < 0) {
			conv->left = true;
			/* -INT_MIN does not fit in an int: saturate. */
			width = width == INT32_MIN ? INT32_MAX : -width;
		}
		conv->width = width;
		(*p)++;
	} else {
		conv->width = parse_decimal(p);
	}

	if (**p == '.') {
		(*p)++;
		if (**p == '*') {
			int precision = va_arg(*ap, int);
			conv->precision = precision < 0 ? -1 : precision;
			(*p)++;
		} else {
			conv->precision = parse_decimal(p); /* a lone '.' means 0 */
		}
	}

	/* Length modifier: "hh" and "ll" are the one-letter ones doubled. */
	if (**p == 'h' && (*p)[1] == 'h') {
		conv->length = LEN_CHAR;
		*p += 2;
	} else if (**p == 'l' && (*p)[1] == 'l') {
		conv->length = LEN_LONG_LONG;
		*p += 2;
	} else {
		switch (**p) {
		case 'h': conv->length = LEN_SHORT; break;
		case 'l': conv->length = LEN_LONG; break;
		case 'z': conv->length = LEN_SIZE; break;
		case 'j': conv->length = LEN_INTMAX; break;
		case 't': conv->length = LEN_PTRDIFF; break;
		default: break;
		}
		if (conv->length != LEN_INT)
			(*p)++;
	}
	conv->letter = **p;
}

/* Formats fmt with the arguments in *ap into out. */
static void format_to_output(struct output *out, const char *fmt, va_list *ap)
{
	const char *p = fmt;
	while (*p != '\0') {
		if (*p != '%') {
			output_char(out, *p++);
			continue;
		}
		const char *start = p++;
		struct conversion conv;
		parse_conversion(&p, &conv, ap);

		switch (conv.letter) {
		case 'd':
		case 'i': {
			int64_t value = fetch_signed(&conv, ap);
			/* 0 - (uint64_t)value is the magnitude even for INT64_MIN,
			 * whose negation does not fit in an int64_t. */
			uint64_t magnitude = value < 0 ? 0 - (uint64_t)value : (uint64_t)value;
			const char *sign = value < 0 ? "-" : conv.plus ? "+" : conv.space ? " " : "";
			output_number(out, &conv, sign, magnitude, 10);
			break;
		}
		case 'u': output_number(out, &conv, "", fetch_unsigned(&conv, ap), 10); break;
		case 'o': output_number(out, &conv, "", fetch_unsigned(&conv, ap), 8); break;
		case 'x':
		case 'X': {
			uint64_t value = fetch_unsigned(&conv, ap);
			/* C adds the 0x of '#' only to non-zero values. */
			const char *prefix =
			    conv.alternate && value != 0 ? (conv.letter == 'x' ? "0x" : "0X") : "";
			output_number(out, &conv, prefix, value, 16);
			break;
		}
		case 'p': {
			/* Always 0x and all 16 digits, so addresses line up in logs;
			 * only the width and '-' of the conversion apply. */
			uintptr_t value = (uintptr_t)va_arg(*ap, void *);
			struct conversion pointer = {
			    .left = conv.left, .width = conv.width, .precision = 16, .letter = 'x'};
			output_number(out, &pointer, "0x", value, 16);
			break;
		}
		case 'c': {
			char c = (char)va_arg(*ap, int);
			output_padded_text(out, &conv, &c, 1);
			break;
		}
		case 's': {
			const char *s = va_arg(*ap, const char *);
			if (s == NULL)
				s = "(null)";
			/* With a precision, read no further than it: the string
			 * need not be NUL-terminated then. */
			size_t len = 0;
			while ((conv.precision < 0 || len < (size_t)conv.precision) && s[len] != '\0')
				len++;
			output_padded_text(out, &conv, s, len);
			break;
		}
		case '%': output_char(out, '%'); break;
		case '\0':
			/* The format ends inside a conversion: print what is there. */
			output_text(out, start, (size_t)(p - start));
			break;
		default:
			/* Unknown: print it as written, letter included, and fetch
			 * no argument for it (a '*' already fetched its int). */
			p++;
			output_text(out, start, (size_t)(p - start));
			continue;
		}
		if (*p != '\0')
			p++;
	}
}

/* The int the printf family returns for total bytes (C's limit is INT_MAX). */
static int total_as_int(size_t total)
{
	return total > INT32_MAX ? INT32_MAX : (int)total;
}

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	/* One byte is kept back for the terminating NUL. */
	struct output out = {.buf = buf, .capacity = size > 0 ? size - 1 : 0};
	va_list args;
	va_copy(args, ap);
	format_to_output(&out, fmt, &args);
	va_end(args);
	if (size > 0)
		buf[out.used] = '\0';
	return total_as_int(out.total);
}

int ksnprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = kvsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

int kvprintf(const char *fmt, va_list ap)
{
	char chunk[CONSOLE_CHUNK_BYTES];
	struct output out = {.buf = chunk, .capacity = sizeof(chunk), .to_console = true};
	va_list args;
	va_copy(args, ap);
	/* One call's output reaches the console in one piece, even when other
	 * CPUs print at the same time. */
	console_lock();
	format_to_output(&out, fmt, &args);
	output_flush(&out);
	console_unlock();
	va_end(args);
	return total_as_int(out.total);
}

int kprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = kvprintf(fmt, ap);
	va_end(ap);
	return n;
}
