/*
 * mm_selftest.h - the buddy stress test run by the kernel with `selftest`
 * on the command line (and by a host test over the arena), after DragonOS's
 * test_buddy.
 */
#ifndef MM_SELFTEST_H
#define MM_SELFTEST_H

#include "mm_types.h"

struct buddy_stress_config {
	unsigned rounds;          /* DragonOS: 10 */
	uint64_t round_bytes;     /* per round; capped at half the free memory */
	uint64_t max_block_bytes; /* largest request, rounded up to a power of two: 4 MiB */
	uint64_t seed;            /* for the pseudo-random sizes and choices */
};

struct buddy_stress_result {
	uint64_t round_bytes;    /* what each round really allocated (after the cap) */
	uint64_t allocations;    /* blocks allocated over all rounds */
	uint64_t early_frees;    /* blocks freed at random during the rounds */
	uint64_t bytes_verified; /* bytes whose fill pattern was checked */
	uint64_t free_pages_before, free_pages_after;
};

/*
 * Each round allocates blocks of random sizes (up to max_block_bytes, rounded
 * up to a power of two) until round_bytes are handed out, checks that every
 * block is aligned to its size and overlaps no other block still held, fills
 * it with a pattern derived from its address, frees a random earlier block
 * about 70% of the time (verifying its pattern first), and at the end of the
 * round verifies and frees everything. All of it goes through page_alloc()
 * and page_free() (percpu_pages.h), so single pages pass through this CPU's
 * list. Afterwards the free page count (page_count_free, lists included)
 * must be what it was before. Returns MM_OK, or the first problem with a
 * message naming the block. Needs stage BUDDY.
 */
enum mm_error buddy_stress_test(const struct buddy_stress_config *config, struct buddy_stress_result *result);

/*
 * The concurrent stress test: every CPU runs this worker at the same time.
 * Each holds up to BUDDY_WORKER_MAX_HELD blocks of random orders up to
 * max_order, fills each with a pattern made of its CPU number and the block
 * address, and verifies the pattern just before freeing it, through
 * page_alloc() and page_free(), so order-0 blocks pass through each CPU's
 * own list. If a block were ever handed to two CPUs (a locking bug), one of
 * them finds the other's pattern. Frees everything it holds before
 * returning (single pages to its CPU's list).
 */
#define BUDDY_WORKER_MAX_HELD 32

struct buddy_worker_config {
	unsigned iterations; /* allocate-or-free steps */
	unsigned max_order;
	uint64_t seed; /* mixed with the CPU number */
};

struct buddy_worker_result {
	uint64_t allocations;
	uint64_t bytes_verified;
	enum mm_error error; /* MM_OK, or the first problem (logged) */
};

void buddy_concurrent_worker(unsigned cpu, const struct buddy_worker_config *config,
                             struct buddy_worker_result *result);

/* The worker's two steps, public so that a test can corrupt a block in
 * between: write CPU cpu's pattern over the block, and verify it and free
 * the block (MM_ERR_OVERLAP, logged, and the block kept, if another pattern
 * is found). bytes_verified grows by the block's size on success. */
void buddy_worker_fill(unsigned cpu, phys_addr_t pa, unsigned order);
enum mm_error buddy_worker_check_and_free(unsigned cpu, phys_addr_t pa, unsigned order,
                                          uint64_t *bytes_verified);

#endif /* MM_SELFTEST_H */
