/*
 * fatal.h - how arch code stops the kernel without knowing the kernel.
 *
 * The dependency between src/arch and src/kernel runs one way only (kernel
 * -> arch): arch code never includes a header of src/kernel. When arch code
 * meets an error it cannot continue from (an exception, a CPU without a
 * double-fault stack), it calls arch_fatal(), which formats the reason and
 * hands it to the handler the kernel registered at start-up; for StageOS
 * that is panic(), which owns the exit contract (status 35 with `exit`).
 */
#ifndef ARCH_FATAL_H
#define ARCH_FATAL_H

/* A fatal handler must not return; reason is one line without "\n". */
typedef void (*arch_fatal_handler)(const char *reason);

/* Register fn as the fatal handler. Until a handler is registered, a fatal
 * error prints "KERNEL PANIC: <reason>" and halts the CPU: without the
 * kernel's handler the arch code cannot know whether `exit` was asked for. */
void exceptions_set_fatal_handler(arch_fatal_handler fn);

/* Format the reason (printf style) and stop through the fatal handler. */
__attribute__((noreturn, format(printf, 1, 2))) void arch_fatal(const char *fmt, ...);

#endif /* ARCH_FATAL_H */
