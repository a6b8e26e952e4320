/*
 * mm_selftest.h - the buddy stress test run by the kernel with `selftest`
 * on the command line (and by a host test over the arena), after DragonOS's
 * test_buddy.
 */
#ifndef MM_SELFTEST_H
#define MM_SELFTEST_H

#include "mm_types.h"

struct buddy_stress_config {
	unsigned rounds;           /* DragonOS: 10 */
	uint64_t round_bytes;      /* per round; capped at half the free memory */
	uint64_t max_block_bytes;  /* largest request, rounded up to a power of two: 4 MiB */
	uint64_t seed;             /* for the pseudo-random sizes and choices */
};

struct buddy_stress_result {
	uint64_t round_bytes;     /* what each round really allocated (after the cap) */
	uint64_t allocations;     /* blocks allocated over all rounds */
	uint64_t early_frees;     /* blocks freed at random during the rounds */
	uint64_t bytes_verified;  /* bytes whose fill pattern was checked */
	uint64_t free_pages_before, free_pages_after;
};

/*
 * Each round allocates blocks of random sizes (up to max_block_bytes, rounded
 * up to a power of two) until round_bytes are handed out, checks that every
 * block is aligned to its size and overlaps no other block still held, fills
 * it with a pattern derived from its address, frees a random earlier block
 * about 70% of the time (verifying its pattern first), and at the end of the
 * round verifies and frees everything. Afterwards the buddy's free page count
 * must be what it was before. Returns MM_OK, or the first problem with a
 * message naming the block. Needs stage BUDDY.
 */
enum mm_error buddy_stress_test(const struct buddy_stress_config *config, struct buddy_stress_result *result);

#endif /* MM_SELFTEST_H */
