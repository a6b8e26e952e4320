/*
 * monitor.h - the MM monitor: after KERNEL OK, without `exit` on the
 * command line, a prompt `stageos> ` on COM1 and commands that show and
 * poke the live memory manager (docs/14-monitor.md). Polled input; nothing
 * typed can crash or hang it.
 */
#ifndef KERNEL_MONITOR_H
#define KERNEL_MONITOR_H

#include "boot/multiboot2.h"

/* One command: its name, its arguments as help shows them, one line of
 * help, and the function that runs it with argv[0] the name. */
struct monitor_command {
	const char *name;
	const char *args;
	const char *help;
	unsigned min_args, max_args; /* not counting the name */
	void (*run)(int argc, char **argv);
};

/* The command table (monitor_commands.c), and the boot information the
 * commands that need it (dump, selftest) read. */
extern const struct monitor_command monitor_commands[];
extern const unsigned monitor_command_count;
void monitor_commands_init(const struct mb2_info *info);

/* Run one command line (split into words, looked up, arguments counted).
 * Unknown commands and wrong argument counts get a message naming them. */
void monitor_execute(char *line);

/* Prompt, read, run, forever. Halts at once without a UART. */
__attribute__((noreturn)) void monitor_run(const struct mb2_info *info);

#endif /* KERNEL_MONITOR_H */
