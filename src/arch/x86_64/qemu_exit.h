/*
 * qemu_exit.h - ending QEMU from inside: QEMU's isa-debug-exit device
 * (-device isa-debug-exit,iobase=0xf4,iosize=0x04) makes QEMU exit with
 * status (value << 1) | 1 when value is written to port 0xf4.
 */
#ifndef ARCH_QEMU_EXIT_H
#define ARCH_QEMU_EXIT_H

#define QEMU_EXIT_PORT    0xf4
#define QEMU_EXIT_SUCCESS 0x10 /* QEMU exits with status 33 */
#define QEMU_EXIT_FAILURE 0x11 /* QEMU exits with status 35 */

#ifndef __ASSEMBLER__ /* entry32.S uses the numbers above */
/* Write value to the exit port. Without the device (real hardware) nothing
 * happens, so the CPU then halts forever. */
__attribute__((noreturn)) void qemu_exit(unsigned value);
#endif

#endif /* ARCH_QEMU_EXIT_H */
