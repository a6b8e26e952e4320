/* log.c - log levels (see log.h). */
#include "log.h"

#include <stdarg.h>

#include "format.h"

static enum log_level threshold = LOG_INFO;

static const char *const prefixes[] = {
    [LOG_ERROR] = "error: ",
    [LOG_WARN] = "warning: ",
    [LOG_INFO] = "",
    [LOG_DEBUG] = "debug: ",
};

void log_set_level(enum log_level level)
{
	threshold = level;
}

enum log_level log_get_level(void)
{
	return threshold;
}

int log_enabled(enum log_level level)
{
	return level <= threshold;
}

int vklog(enum log_level level, const char *fmt, va_list ap)
{
	if (!log_enabled(level))
		return 0;
	/* One buffer so that the prefix and the message reach the console in
	 * one piece, even when other CPUs print too. */
	char line[512];
	int n = ksnprintf(line, sizeof(line), "%s", level <= LOG_DEBUG ? prefixes[level] : "");
	if (n >= 0 && (size_t)n < sizeof(line))
		kvsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	return kprintf("%s", line);
}

int klog(enum log_level level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vklog(level, fmt, ap);
	va_end(ap);
	return n;
}
