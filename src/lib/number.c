/* number.c - decimal and 0x-hexadecimal numbers (see number.h). */
#include "number.h"

#include <stddef.h>

/* The value of c as a digit of base 10 or 16, or -1. */
static int digit_value(char c, unsigned base)
{
	int v = -1;
	if (c >= '0' && c <= '9')
		v = c - '0';
	else if (base == 16 && c >= 'a' && c <= 'f')
		v = c - 'a' + 10;
	else if (base == 16 && c >= 'A' && c <= 'F')
		v = c - 'A' + 10;
	return v;
}

bool parse_u64(const char *s, uint64_t *out)
{
	if (s == NULL)
		return false;
	unsigned base = 10;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (*s == '\0')
		return false;
	uint64_t value = 0;
	for (; *s; s++) {
		int d = digit_value(*s, base);
		if (d < 0)
			return false;
		if (value > (UINT64_MAX - (uint64_t)d) / base)
			return false; /* value * base + d would pass UINT64_MAX */
		value = value * base + (uint64_t)d;
	}
	*out = value;
	return true;
}
