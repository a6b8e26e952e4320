/*
 * console.h - where kernel text goes. The kernel sends it to the serial
 * port (src/kernel/console.c); host tests capture it in a buffer.
 */
#ifndef CONSOLE_H
#define CONSOLE_H

#include <stddef.h>

/* Write len bytes; "\n" is sent as is (the serial driver adds the "\r"). */
void console_write(const char *s, size_t len);

/* Serialise output between CPUs: kvprintf holds the lock for one call. The
 * kernel's lock gives up waiting after a while rather than hang (a CPU that
 * faulted while printing must still be able to print its report). */
void console_lock(void);
void console_unlock(void);

#endif /* CONSOLE_H */
