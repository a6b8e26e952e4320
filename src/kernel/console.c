/* console.c - the kernel's console is COM1 (see lib/console.h). */
#include "lib/console.h"

#include "drivers/serial8250/serial8250.h"

void console_write(const char *s, size_t len)
{
	serial8250_write(s, len);
}

/* 0 free, 1 held. A plain test-and-set lock with a bounded wait: after
 * about a hundred million tries (well over a second) the waiter prints
 * anyway, so a CPU that died holding the lock cannot silence the others. */
static int console_locked;

void console_lock(void)
{
	for (unsigned long tries = 0; tries < 100000000ul; tries++) {
		if (__atomic_exchange_n(&console_locked, 1, __ATOMIC_ACQUIRE) == 0)
			return;
		__asm__ volatile("pause");
	}
}

void console_unlock(void)
{
	__atomic_store_n(&console_locked, 0, __ATOMIC_RELEASE);
}
