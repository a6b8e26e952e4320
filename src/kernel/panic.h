/*
 * panic.h - stopping the kernel with a reason, and the exit contract.
 *
 * panic() prints "KERNEL PANIC: <reason>" as the last line. If the command
 * line said `exit`, it then ends QEMU with status 35 (isa-debug-exit value
 * 0x11); otherwise the CPU halts forever.
 */
#ifndef KERNEL_PANIC_H
#define KERNEL_PANIC_H

#include <stdbool.h>

__attribute__((noreturn, format(printf, 1, 2))) void panic(const char *fmt, ...);

/* panic("%s", reason): the fatal handler kernel_main registers for arch code
 * (arch/x86_64/fatal.h), so that arch needs no kernel header. */
__attribute__((noreturn)) void panic_with_reason(const char *reason);

/* Whether `exit` was given: set first from entry32.S's early read of the
 * command line (src/boot/early_cmdline.S), so that panics before the full
 * parse honour it too. */
void panic_set_exit_on_finish(bool exit_requested);

/* Once cmdline_parse() has run: parsed_exit is what it read. If the early
 * read said otherwise, one of the two readers is wrong: panic, ending QEMU
 * with status 35 (either reader saw `exit`, so a test may be waiting). */
void panic_confirm_exit_on_finish(bool parsed_exit);
bool exit_requested(void);

/* The good end of a boot: with `exit`, QEMU exits with status 33 (0x10);
 * without, idle forever. */
__attribute__((noreturn)) void kernel_finish(void);

#endif /* KERNEL_PANIC_H */
