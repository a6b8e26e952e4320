/* lab_checks.c - the helpers of lab_checks.h. */
#include "lab_checks.h"

#include <string.h>

#include "host_env.h"
#include "mm/mm_env.h"

bool lab_log_has_warning(void)
{
	const char *text = host_log_text();
	char line[512];
	while (*text) {
		size_t len = strcspn(text, "\n");
		size_t n = len < sizeof(line) - 1 ? len : sizeof(line) - 1;
		memcpy(line, text, n);
		line[n] = '\0';
		/* host_log_level() judges the first line holding this text: a
		 * line repeated inside an earlier one counts with that one's level. */
		if (n > 0 && host_log_level(line) == MM_LOG_WARN)
			return true;
		text += len + (text[len] == '\n');
	}
	return false;
}

uint64_t lab_random(uint64_t *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 7;
	*state ^= *state << 17;
	return *state;
}

bool lab_next_run(bool (*flag)(size_t), size_t count, size_t *pos, size_t *start, size_t *end)
{
	size_t u = *pos;
	while (u < count && !flag(u))
		u++;
	if (u == count) {
		*pos = u;
		return false;
	}
	*start = u;
	while (u < count && flag(u))
		u++;
	*end = *pos = u;
	return true;
}
