/*
 * fuzz_format.c - fuzz target for the formatter (src/lib/format.c): the
 * input is a list of format strings, each of literal text around one
 * conversion built from fuzzer bytes (flags, a width and a precision,
 * written or '*', a length modifier, a letter) and the argument it takes.
 *
 * The reference is the C library's snprintf for every conversion C
 * defines the same way (d i u x X o c s % with the flags, widths,
 * precisions and lengths C gives a meaning to); the target's own rules for
 * what format.h defines differently: %p is always 0x and 16 digits (only
 * the width and '-' apply), a NULL %s is "(null)", an unknown conversion or
 * a format ending inside a conversion is printed as written. Each format is
 * run through ksnprintf() into an exact-size heap buffer of every size from
 * 0 to a few bytes past the text (the return value is the full length, the
 * buffer holds the cut text and a NUL, and AddressSanitizer sees any write
 * past it) and through kprintf(), whose console output must be the text.
 */
#include <string.h>

#include "fuzz_input.h"
#include "host_env.h"
#include "lib/format.h"

#define MAX_FORMAT 96
#define MAX_STRING 40

/* The argument a conversion takes, as the caller must pass it. */
enum arg_type {
	ARG_NONE, /* %% and the conversions printed as written */
	ARG_INT,
	ARG_UINT,
	ARG_LONG,
	ARG_ULONG,
	ARG_LLONG,
	ARG_ULLONG,
	ARG_SIZE,
	ARG_PTRDIFF,
	ARG_INTMAX,
	ARG_UINTMAX,
	ARG_STRING,
	ARG_POINTER,
};

struct test_case {
	char format[MAX_FORMAT];
	int stars;   /* how many '*' ints come before the argument */
	int star[2]; /* their values */
	enum arg_type type;
	uint64_t value;
	const char *string;
	/* How the expected text is made. */
	enum { BY_LIBC, BY_POINTER_RULE, AS_WRITTEN } reference;
	size_t conversion_start; /* offset of the '%' in format */
	size_t conversion_end;   /* offset after the conversion */
	bool left;
	int width; /* for the %p rule: the width asked for, after '*' */
};

/* The same call with whatever arguments the case takes: the star ints,
 * then the value as its type. */
#define CALL_WITH(fn, buf, n, c, value)                                                                      \
	((c)->stars == 0   ? fn(buf, n, (c)->format, value)                                                  \
	 : (c)->stars == 1 ? fn(buf, n, (c)->format, (c)->star[0], value)                                    \
	                   : fn(buf, n, (c)->format, (c)->star[0], (c)->star[1], value))

#define CALL_CASE(fn, buf, n, c)                                                                             \
	switch ((c)->type) {                                                                                 \
	case ARG_NONE: return CALL_WITH(fn, buf, n, c, 0);                                                   \
	case ARG_INT: return CALL_WITH(fn, buf, n, c, (int)(c)->value);                                      \
	case ARG_UINT: return CALL_WITH(fn, buf, n, c, (unsigned)(c)->value);                                \
	case ARG_LONG: return CALL_WITH(fn, buf, n, c, (long)(c)->value);                                    \
	case ARG_ULONG: return CALL_WITH(fn, buf, n, c, (unsigned long)(c)->value);                          \
	case ARG_LLONG: return CALL_WITH(fn, buf, n, c, (long long)(c)->value);                              \
	case ARG_ULLONG: return CALL_WITH(fn, buf, n, c, (unsigned long long)(c)->value);                    \
	case ARG_SIZE: return CALL_WITH(fn, buf, n, c, (size_t)(c)->value);                                  \
	case ARG_PTRDIFF: return CALL_WITH(fn, buf, n, c, (ptrdiff_t)(c)->value);                            \
	case ARG_INTMAX: return CALL_WITH(fn, buf, n, c, (intmax_t)(c)->value);                              \
	case ARG_UINTMAX: return CALL_WITH(fn, buf, n, c, (uintmax_t)(c)->value);                            \
	case ARG_STRING: return CALL_WITH(fn, buf, n, c, (c)->string);                                       \
	case ARG_POINTER: return CALL_WITH(fn, buf, n, c, (void *)(uintptr_t)(c)->value);                    \
	}                                                                                                    \
	return -1

static int run_libc(char *buf, size_t n, const struct test_case *c)
{
	CALL_CASE(snprintf, buf, n, c);
}

static int run_ksnprintf(char *buf, size_t n, const struct test_case *c)
{
	CALL_CASE(ksnprintf, buf, n, c);
}

/* kprintf with the snprintf shape, so CALL_CASE can use it. */
__attribute__((format(printf, 3, 4))) static int kprintf_as_snprintf(char *buf, size_t n, const char *fmt,
                                                                     ...)
{
	(void)buf;
	(void)n;
	va_list ap;
	va_start(ap, fmt);
	int len = kvprintf(fmt, ap);
	va_end(ap);
	return len;
}

static int run_kprintf(const struct test_case *c)
{
	CALL_CASE(kprintf_as_snprintf, NULL, 0, c);
}

/* ---- building a case from the input ---- */

struct builder {
	struct test_case *c;
	size_t len;
};

static void add_char(struct builder *b, char ch)
{
	if (b->len + 1 < MAX_FORMAT)
		b->c->format[b->len++] = ch;
	b->c->format[b->len] = '\0';
}

static void add_number(struct builder *b, unsigned v)
{
	char digits[16];
	snprintf(digits, sizeof(digits), "%u", v);
	for (char *d = digits; *d; d++)
		add_char(b, *d);
}

/* Literal text: any bytes but NUL and '%'. */
static void add_literal(struct builder *b, struct fuzz_input *in)
{
	unsigned n = fuzz_u8(in) % 8;
	for (unsigned i = 0; i < n; i++) {
		char ch = (char)fuzz_u8(in);
		add_char(b, ch == '\0' || ch == '%' ? '.' : ch);
	}
}

enum { F_LEFT = 1, F_ZERO = 2, F_PLUS = 4, F_SPACE = 8, F_ALT = 16 };

/* The flags C defines for each letter (others are undefined behaviour in C,
 * so the reference cannot say what they do). */
static unsigned flags_allowed(char letter)
{
	switch (letter) {
	case 'd':
	case 'i': return F_LEFT | F_ZERO | F_PLUS | F_SPACE;
	case 'u': return F_LEFT | F_ZERO;
	case 'o':
	case 'x':
	case 'X': return F_LEFT | F_ZERO | F_ALT;
	case '%': return 0;
	case 'c':
	case 's': return F_LEFT;
	default: return F_LEFT | F_ZERO | F_PLUS | F_SPACE | F_ALT; /* p, unknown: our own rules */
	}
}

static enum arg_type signed_type(unsigned length)
{
	static const enum arg_type t[] = {ARG_INT,   ARG_INT,     ARG_INT,    ARG_LONG,
	                                  ARG_LLONG, ARG_PTRDIFF, ARG_INTMAX, ARG_PTRDIFF};
	return t[length];
}

static enum arg_type unsigned_type(unsigned length)
{
	static const enum arg_type t[] = {ARG_UINT,   ARG_UINT, ARG_UINT,    ARG_ULONG,
	                                  ARG_ULLONG, ARG_SIZE, ARG_UINTMAX, ARG_SIZE};
	return t[length];
}

static void build_case(struct test_case *c, struct fuzz_input *in, char *string_buf)
{
	static const char letters[] = "diuxXocsp%diuxXqkfn";
	static const char *const lengths[] = {"", "hh", "h", "l", "ll", "z", "j", "t"};
	memset(c, 0, sizeof(*c));
	struct builder b = {.c = c};
	add_literal(&b, in);

	uint8_t sel = fuzz_u8(in);
	bool ends_early = sel >= 0xf0; /* the format ends inside the conversion */
	char letter = letters[sel % (sizeof(letters) - 1)];
	unsigned flags = fuzz_u8(in) & flags_allowed(letter);
	uint8_t width_sel = fuzz_u8(in), precision_sel = fuzz_u8(in);
	unsigned length = fuzz_u8(in) % 8;
	if (letter == 'c' || letter == 's' || letter == '%')
		length = 0; /* %lc, %ls are wide characters; %% takes nothing */
	/* Edge values (0, 1, -1, the sign bit of each width) or any. */
	static const uint64_t edges[] = {0, 1, UINT64_MAX, 1ull << 63, 0x80, 0x8000, 0x80000000u, 0x7fffffff};
	uint8_t value_sel = fuzz_u8(in);
	c->value = value_sel < 8 * 16 ? edges[value_sel % 8] : fuzz_u64(in);

	c->conversion_start = b.len;
	add_char(&b, '%');
	static const char flag_chars[] = "-0+ #";
	for (unsigned f = 0; f < 5; f++) {
		if (flags & (1u << f))
			add_char(&b, flag_chars[f]);
	}
	c->left = flags & F_LEFT;
	if (letter != '%') {
		/* Width: none, written (1..999), or '*' (-300..300). */
		if (width_sel % 3 == 1) {
			c->width = (int)(fuzz_u16(in) % 999 + 1);
			add_number(&b, (unsigned)c->width);
		} else if (width_sel % 3 == 2) {
			int w = (int)(fuzz_u16(in) % 601) - 300;
			c->star[c->stars++] = w;
			c->left |= w < 0;
			c->width = w < 0 ? -w : w;
			add_char(&b, '*');
		}
		/* Precision: none, '.', written, or '*' (-50..300); %c has none. */
		if (letter != 'c' && precision_sel % 4 != 0) {
			add_char(&b, '.');
			if (precision_sel % 4 == 2) {
				add_number(&b, fuzz_u16(in) % 300);
			} else if (precision_sel % 4 == 3) {
				c->star[c->stars++] = (int)(fuzz_u16(in) % 351) - 50;
				add_char(&b, '*');
			}
		}
		for (const char *l = lengths[length]; *l; l++)
			add_char(&b, *l);
	}
	if (!ends_early)
		add_char(&b, letter);
	c->conversion_end = b.len;

	c->reference = BY_LIBC;
	if (ends_early) {
		c->reference = AS_WRITTEN;
		c->type = ARG_NONE;
		return; /* nothing may follow */
	}
	switch (letter) {
	case 'd':
	case 'i': c->type = signed_type(length); break;
	case 'u':
	case 'o':
	case 'x':
	case 'X': c->type = unsigned_type(length); break;
	case 'c':
		c->type = ARG_INT;
		if ((c->value & 0xff) == 0)
			c->value |= 'c'; /* a NUL would end the texts compared as strings */
		break;
	case 's':
		c->type = ARG_STRING;
		if (c->value % 8 == 0) {
			c->string = NULL; /* libc gets "(null)" instead: that is what format.h prints */
		} else {
			size_t n = fuzz_u8(in) % MAX_STRING;
			for (size_t i = 0; i < n; i++)
				string_buf[i] = (char)(fuzz_u8(in) | 1); /* never NUL */
			string_buf[n] = '\0';
			c->string = string_buf;
		}
		break;
	case 'p':
		c->type = ARG_POINTER;
		c->reference = BY_POINTER_RULE;
		break;
	case '%': c->type = ARG_NONE; break;
	default:
		c->type = ARG_NONE;
		c->reference = AS_WRITTEN;
		break;
	}
	add_literal(&b, in);
}

/* ---- the expected text ---- */

static int expected_text(const struct test_case *c, char *out, size_t cap)
{
	if (c->reference == BY_LIBC) {
		if (c->type == ARG_STRING && c->string == NULL) {
			struct test_case with_text = *c;
			with_text.string = "(null)";
			return run_libc(out, cap, &with_text);
		}
		return run_libc(out, cap, c);
	}
	/* Literal text around one conversion: the text before it, the
	 * conversion's text, the text after it. */
	char middle[MAX_FORMAT + 1200];
	if (c->reference == AS_WRITTEN) {
		snprintf(middle, sizeof(middle), "%.*s", (int)(c->conversion_end - c->conversion_start),
		         c->format + c->conversion_start);
	} else {
		char digits[24];
		snprintf(digits, sizeof(digits), "0x%016llx", (unsigned long long)c->value);
		snprintf(middle, sizeof(middle), c->left ? "%-*s" : "%*s", c->width, digits);
	}
	return snprintf(out, cap, "%.*s%s%s", (int)c->conversion_start, c->format, middle,
	                c->format + c->conversion_end);
}

/* ksnprintf into an exact-size heap buffer of n bytes (NULL for 0), so any
 * write past it is caught: the full length comes back, the buffer holds
 * the text cut to n - 1 bytes and a NUL. */
static void check_buffer_size(const struct test_case *c, size_t n, const char *expected, int len)
{
	char *buf = n ? malloc(n) : NULL;
	fuzz_check(n == 0 || buf != NULL, "out of memory");
	int got = run_ksnprintf(buf, n, c);
	fuzz_check(got == len, "ksnprintf(size %zu, \"%s\") returned %d, expected %d", n, c->format, got,
	           len);
	if (n > 0) {
		size_t kept = (size_t)len < n - 1 ? (size_t)len : n - 1;
		fuzz_check(memcmp(buf, expected, kept) == 0 && buf[kept] == '\0',
		           "ksnprintf(size %zu, \"%s\") wrote \"%.*s\", expected \"%.*s\"", n, c->format,
		           (int)kept, buf, (int)kept, expected);
	}
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in;
	fuzz_input_init(&in, data, size);
	static char expected[4096], string_buf[MAX_STRING + 1];
	while (!fuzz_input_done(&in)) {
		struct test_case c;
		build_case(&c, &in, string_buf);
		int len = expected_text(&c, expected, sizeof(expected));
		fuzz_check(len >= 0 && (size_t)len < sizeof(expected), "reference failed for \"%s\"",
		           c.format);

		/* Small buffers, and the sizes around the text's end. */
		for (size_t n = 0; n <= 8 && n <= (size_t)len + 3; n++)
			check_buffer_size(&c, n, expected, len);
		size_t around[] = {(size_t)len / 2, (size_t)len, (size_t)len + 1, (size_t)len + 2,
		                   (size_t)len + 3};
		for (size_t k = 0; k < sizeof(around) / sizeof(around[0]); k++) {
			if (around[k] > 8)
				check_buffer_size(&c, around[k], expected, len);
		}

		host_log_clear();
		int printed = run_kprintf(&c);
		fuzz_check(printed == len && strcmp(host_log_text(), expected) == 0,
		           "kprintf(\"%s\") printed \"%s\" (%d), expected \"%s\" (%d)", c.format,
		           host_log_text(), printed, expected, len);
	}
	return 0;
}
