/* fatal.c - the fatal-error hook arch code stops through (see fatal.h). */
#include "fatal.h"

#include <stdarg.h>
#include <stddef.h>

#include "cpu.h"
#include "lib/format.h"

static arch_fatal_handler handler;

void exceptions_set_fatal_handler(arch_fatal_handler fn)
{
	handler = fn;
}

void arch_fatal(const char *fmt, ...)
{
	char reason[256];
	va_list ap;
	va_start(ap, fmt);
	kvsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	if (handler != NULL)
		handler(reason);
	/* No handler yet, or one that came back although it must not. */
	__asm__ volatile("cli");
	kprintf("KERNEL PANIC: %s\n", reason);
	cpu_halt_forever();
}
