/*
 * kstring.h - the C string and memory functions, for a kernel without libc.
 * GCC and Clang emit calls to memset, memcpy, memmove and memcmp on their
 * own (for struct copies and large initialisers) even in freestanding code,
 * so the kernel must provide them under their standard names.
 *
 * Host tests cannot link a second memset next to libc's, so when
 * KSTRING_HOST_TEST is defined every function here is declared and defined
 * as kstring_test_<name> instead (memset becomes kstring_test_memset) and
 * the test calls it through the KSTRING() macro. Kernel code just calls
 * memset(); the macro is invisible there.
 */
#ifndef KSTRING_H
#define KSTRING_H

#include <stddef.h>

#ifdef KSTRING_HOST_TEST
#define KSTRING(name) kstring_test_##name
#else
#define KSTRING(name) name
#endif

/* Fill n bytes at dst with the byte value c. Returns dst. */
void *KSTRING(memset)(void *dst, int c, size_t n);

/* Copy n bytes from src to dst; the areas must not overlap. Returns dst. */
void *KSTRING(memcpy)(void *restrict dst, const void *restrict src, size_t n);

/* Copy n bytes from src to dst; the areas may overlap. Returns dst. */
void *KSTRING(memmove)(void *dst, const void *src, size_t n);

/* Compare n bytes as unsigned chars. Returns <0, 0 or >0 as a is below,
 * equal to or above b at the first differing byte. */
int KSTRING(memcmp)(const void *a, const void *b, size_t n);

/* Length of the NUL-terminated string s, NUL excluded. */
size_t KSTRING(strlen)(const char *s);

/* Length of s, but looking at no more than max bytes. Returns the length,
 * or max when there is no NUL within the first max bytes. */
size_t KSTRING(strnlen)(const char *s, size_t max);

/* Compare two NUL-terminated strings as unsigned chars. Returns <0, 0 or
 * >0 as a sorts before, equal to or after b. */
int KSTRING(strcmp)(const char *a, const char *b);

/* Like strcmp, but comparing at most n characters. */
int KSTRING(strncmp)(const char *a, const char *b, size_t n);

/* First occurrence of the character c in s; the terminating NUL counts as
 * part of s, so strchr(s, '\0') finds the end. Returns NULL if absent. */
char *KSTRING(strchr)(const char *s, int c);

#endif /* KSTRING_H */
