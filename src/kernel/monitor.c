/*
 * monitor.c - the monitor's loop: prompt, read a line through the line
 * editor, split it into words, find the command, check the argument count,
 * run it (see monitor.h). The commands themselves are in
 * monitor_commands.c.
 */
#include "monitor.h"

#include "arch/x86_64/cpu.h"
#include "drivers/serial8250/serial8250.h"
#include "lib/console.h"
#include "lib/format.h"
#include "lib/kstring.h"
#include "lib/line_editor.h"

#define MAX_WORDS 8 /* a command and up to seven arguments */

static void echo(const char *s, size_t n)
{
	console_write(s, n);
}

/* Split line in place at spaces and tabs; returns the number of words, or
 * -1 when there are more than max. */
static int split_words(char *line, char **words, int max)
{
	int count = 0;
	char *p = line;
	for (;;) {
		while (*p == ' ' || *p == '\t')
			*p++ = '\0';
		if (*p == '\0')
			return count;
		if (count == max)
			return -1;
		words[count++] = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
	}
}

void monitor_execute(char *line)
{
	char *argv[MAX_WORDS];
	int argc = split_words(line, argv, MAX_WORDS);
	if (argc == 0)
		return;
	if (argc < 0) {
		kprintf("too many words: a command takes at most %d arguments\n", MAX_WORDS - 1);
		return;
	}
	for (unsigned i = 0; i < monitor_command_count; i++) {
		const struct monitor_command *c = &monitor_commands[i];
		if (strcmp(argv[0], c->name) != 0)
			continue;
		unsigned given = (unsigned)argc - 1;
		if (given < c->min_args || given > c->max_args) {
			kprintf("%s: %u argument%s given, %u to %u expected; usage: %s %s\n", c->name, given,
			        given == 1 ? "" : "s", c->min_args, c->max_args, c->name, c->args);
			return;
		}
		c->run(argc, argv);
		return;
	}
	kprintf("unknown command '%s': 'help' lists the commands\n", argv[0]);
}

void monitor_run(const struct mb2_info *info)
{
	if (!serial8250_present())
		cpu_halt_forever(); /* nobody can type: idle as before */
	monitor_commands_init(info);
	kprintf("monitor: type 'help' for the commands, 'quit' to end\n");
	struct line_editor ed;
	line_editor_reset(&ed);
	for (;;) {
		kprintf("stageos> ");
		enum line_event ev = LINE_PENDING;
		while (ev == LINE_PENDING) {
			int byte = serial8250_read_byte();
			if (byte < 0) {
				__asm__ volatile("pause");
				continue;
			}
			ev = line_editor_feed(&ed, (uint8_t)byte, echo);
		}
		if (ev == LINE_TOO_LONG)
			kprintf("line too long: at most %d characters; ignored\n", LINE_EDITOR_MAX);
		else
			monitor_execute(ed.line);
	}
}
