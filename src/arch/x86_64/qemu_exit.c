/* qemu_exit.c - see qemu_exit.h. */
#include "qemu_exit.h"

#include "cpu.h"

void qemu_exit(unsigned value)
{
	outl(QEMU_EXIT_PORT, value);
	cpu_halt_forever();
}
