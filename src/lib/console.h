/*
 * console.h - where kernel text goes. The kernel sends it to the serial
 * port (src/kernel/console.c); host tests capture it in a buffer.
 */
#ifndef CONSOLE_H
#define CONSOLE_H

#include <stddef.h>

/* Write len bytes; "\n" is sent as is (the serial driver adds the "\r"). */
void console_write(const char *s, size_t len);

#endif /* CONSOLE_H */
