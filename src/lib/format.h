/*
 * format.h - printf-style formatting for a kernel without libc.
 *
 * Conversions: %c %s %d %i %u %x %X %p %o %%, with the length modifiers
 * hh h l ll z, flags '-' '0' '+' ' ' '#', a field width and a precision
 * (both may be '*'). %p prints 0x followed by 16 hex digits. A NULL %s
 * prints "(null)". An unknown conversion is printed as is, so a mistake
 * shows in the output instead of eating arguments silently.
 */
#ifndef FORMAT_H
#define FORMAT_H

#include <stdarg.h>
#include <stddef.h>

/* Format into buf (always NUL-terminated when size > 0). Returns the length
 * the full output would have, like C's vsnprintf. */
int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap) __attribute__((format(printf, 3, 0)));
int ksnprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Format straight to the console; returns the number of bytes written. */
int kvprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
int kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* FORMAT_H */
