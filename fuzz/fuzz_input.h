/*
 * fuzz_input.h - what every operation-sequence fuzz target shares: a reader
 * that takes little-endian numbers off the front of the fuzzer's bytes (zero
 * once they run out, so every input is a valid program of operations), and
 * fuzz_check(), which stops the program when the code under test and the
 * target's model disagree.
 *
 * Header-only (static inline) so that each target stays one .c file.
 */
#ifndef FUZZ_INPUT_H
#define FUZZ_INPUT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fuzz_input {
	const uint8_t *data;
	size_t size;
	size_t pos;
};

static inline void fuzz_input_init(struct fuzz_input *in, const uint8_t *data, size_t size)
{
	in->data = data;
	in->size = size;
	in->pos = 0;
}

static inline bool fuzz_input_done(const struct fuzz_input *in)
{
	return in->pos >= in->size;
}

static inline uint64_t fuzz_take(struct fuzz_input *in, unsigned bytes)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < bytes; i++) {
		uint64_t b = in->pos < in->size ? in->data[in->pos++] : 0;
		v |= b << (8 * i);
	}
	return v;
}

static inline uint8_t fuzz_u8(struct fuzz_input *in)
{
	return (uint8_t)fuzz_take(in, 1);
}

static inline uint16_t fuzz_u16(struct fuzz_input *in)
{
	return (uint16_t)fuzz_take(in, 2);
}

static inline uint32_t fuzz_u32(struct fuzz_input *in)
{
	return (uint32_t)fuzz_take(in, 4);
}

static inline uint64_t fuzz_u64(struct fuzz_input *in)
{
	return fuzz_take(in, 8);
}

/* A mismatch between the code and the model: say what, then abort() so that
 * libFuzzer (or the replay driver, under ASan) saves and reports the input. */
__attribute__((format(printf, 2, 3))) static inline void fuzz_check(bool ok, const char *fmt, ...)
{
	if (ok)
		return;
	va_list ap;
	va_start(ap, fmt);
	fputs("fuzz model mismatch: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	abort();
}

#endif /* FUZZ_INPUT_H */
