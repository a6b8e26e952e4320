/* console.c - the kernel's console is COM1 (see lib/console.h). */
#include "lib/console.h"

#include "drivers/serial8250/serial8250.h"

void console_write(const char *s, size_t len)
{
	serial8250_write(s, len);
}
