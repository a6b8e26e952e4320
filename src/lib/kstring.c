/*
 * kstring.c - memset, memcpy and friends for the kernel (see kstring.h).
 *
 * Algorithm: plain byte loops, chosen for clarity over speed. memmove copies
 * forwards when the destination lies below the source and backwards
 * otherwise, so an overlapping source byte is always read before it is
 * overwritten. Comparisons use unsigned char, as C requires.
 *
 * Note for the build: the kernel must compile this file with -ffreestanding
 * (or -fno-tree-loop-distribute-patterns). Otherwise GCC may recognise the
 * loop in memset as "a memset" and replace it with a call to memset, which
 * would call itself forever.
 */
#include "kstring.h"

#include <stdint.h>

void *KSTRING(memset)(void *dst, int c, size_t n)
{
	unsigned char *d = dst;
	for (size_t i = 0; i < n; i++)
		d[i] = (unsigned char)c;
	return dst;
}

void *KSTRING(memcpy)(void *restrict dst, const void *restrict src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;
	for (size_t i = 0; i < n; i++)
		d[i] = s[i];
	return dst;
}

void *KSTRING(memmove)(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;
	/* Comparing unrelated pointers with < is not portable C; comparing their
	 * integer values is what every kernel does. */
	if ((uintptr_t)d < (uintptr_t)s) {
		for (size_t i = 0; i < n; i++)
			d[i] = s[i];
	} else if ((uintptr_t)d > (uintptr_t)s) {
		for (size_t i = n; i > 0; i--)
			d[i - 1] = s[i - 1];
	}
	return dst;
}

int KSTRING(memcmp)(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a;
	const unsigned char *y = b;
	for (size_t i = 0; i < n; i++) {
		if (x[i] != y[i])
			return x[i] < y[i] ? -1 : 1;
	}
	return 0;
}

size_t KSTRING(strlen)(const char *s)
{
	size_t n = 0;
	while (s[n] != '\0')
		n++;
	return n;
}

size_t KSTRING(strnlen)(const char *s, size_t max)
{
	size_t n = 0;
	while (n < max && s[n] != '\0')
		n++;
	return n;
}

int KSTRING(strcmp)(const char *a, const char *b)
{
	const unsigned char *x = (const unsigned char *)a;
	const unsigned char *y = (const unsigned char *)b;
	while (*x != '\0' && *x == *y) {
		x++;
		y++;
	}
	return *x < *y ? -1 : *x > *y ? 1 : 0;
}

int KSTRING(strncmp)(const char *a, const char *b, size_t n)
{
	const unsigned char *x = (const unsigned char *)a;
	const unsigned char *y = (const unsigned char *)b;
	for (size_t i = 0; i < n; i++) {
		if (x[i] != y[i])
			return x[i] < y[i] ? -1 : 1;
		if (x[i] == '\0')
			return 0;
	}
	return 0;
}

char *KSTRING(strchr)(const char *s, int c)
{
	char wanted = (char)c;
	for (;; s++) {
		if (*s == wanted)
			return (char *)s;
		if (*s == '\0')
			return NULL;
	}
}
