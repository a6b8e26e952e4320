/*
 * number.h - reading the numbers people type: decimal (4096) or
 * hexadecimal with 0x (0x1000), the whole string, no sign, no overflow.
 */
#ifndef NUMBER_H
#define NUMBER_H

#include <stdbool.h>
#include <stdint.h>

/* Parse s into *out. Returns false, leaving *out alone, when s is empty,
 * has a character that is not a digit of its base, is "0x" alone, or is
 * larger than UINT64_MAX. */
bool parse_u64(const char *s, uint64_t *out);

#endif /* NUMBER_H */
