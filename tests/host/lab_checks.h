/*
 * lab_checks.h - what the labs' behaviour checks (tests/host/test_lab_*.c)
 * share: whether a warning was logged, whatever its words (students write
 * their own messages); a small seeded random generator; and the maximal
 * runs of a model's flags, which the tables under test must equal.
 */
#ifndef LAB_CHECKS_H
#define LAB_CHECKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Was some line logged at level MM_LOG_WARN since the last host_log_clear()? */
bool lab_log_has_warning(void);

/* The next number of a xorshift64 sequence; *state must not be 0. */
uint64_t lab_random(uint64_t *state);

/* The next maximal run [*start, *end) of units u in [*pos, count) for which
 * flag(u) holds; moves *pos past it. False when there is none. */
bool lab_next_run(bool (*flag)(size_t), size_t count, size_t *pos, size_t *start, size_t *end);

#endif /* LAB_CHECKS_H */
