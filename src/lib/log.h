/*
 * log.h - log levels on top of kprintf. A message prints when its level is
 * at or below the current threshold (default LOG_INFO; the `debug` word on
 * the command line raises it to LOG_DEBUG). Errors and warnings carry a
 * prefix so they stand out in a long serial log.
 */
#ifndef LOG_H
#define LOG_H

#include <stdarg.h>

enum log_level {
	LOG_ERROR = 0, /* "error: " */
	LOG_WARN = 1,  /* "warning: " */
	LOG_INFO = 2,  /* no prefix: the normal boot lines */
	LOG_DEBUG = 3, /* "debug: " */
};

void log_set_level(enum log_level level);
enum log_level log_get_level(void);

/* Whether a message of this level would print now. */
int log_enabled(enum log_level level);

/* Print fmt at level (with its prefix) if enabled; returns bytes printed. */
int klog(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The same with a va_list, for wrappers such as the MM's mm_log_at(). */
int vklog(enum log_level level, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

#define pr_err(...)   klog(LOG_ERROR, __VA_ARGS__)
#define pr_warn(...)  klog(LOG_WARN, __VA_ARGS__)
#define pr_info(...)  klog(LOG_INFO, __VA_ARGS__)
#define pr_debug(...) klog(LOG_DEBUG, __VA_ARGS__)

#endif /* LOG_H */
