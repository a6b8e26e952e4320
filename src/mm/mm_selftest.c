/*
 * mm_selftest.c - the buddy stress test (see mm_selftest.h).
 *
 * Book-keeping comes from the buddy itself, before the "before" count is
 * taken: a list of the blocks held, and one bit per frame of the managed
 * span saying whether some held block covers it. A new block whose frames
 * are already marked would be memory handed out twice - the bug this test
 * hunts. The buddy's largest block (4 MiB) holds 2^25 bits, 128 GiB of span,
 * so the bitmap comes in pieces of one such block each, listed in a
 * directory block: any span the buddy manages can be tested.
 */
#include "mm_selftest.h"

#include "buddy.h"
#include "mm_env.h"
#include "stage_order.h"
#include "percpu_pages.h"

struct held_block {
	phys_addr_t pa;
	unsigned order;
};

/* One piece of the frame bitmap: a buddy block and where it came from. */
struct bitmap_piece {
	uint64_t *bits;
	phys_addr_t pa;
	unsigned order;
};

/* Frames one piece covers. A host test builds this file with a much smaller
 * value so that a small arena needs several pieces. */
#ifndef BITS_PER_PIECE
#define BITS_PER_PIECE ((PAGE_SIZE << BUDDY_MAX_ORDER) * 8)
#endif

/* A buddy block the book-keeping took, to give back at the end. */
struct bookkeeping_block {
	phys_addr_t pa;
	unsigned order;
};

struct stress_state {
	struct held_block *held;
	size_t held_count, held_capacity;
	/* bit i of the bitmap: frame (span_base >> 12) + i is held. It lives in
	 * pieces[i / BITS_PER_PIECE], at bit i % BITS_PER_PIECE. */
	struct bitmap_piece *pieces;
	size_t piece_count, pieces_taken;
	struct bookkeeping_block directory, held_block;
	phys_addr_t span_base;
	uint64_t span_frames;
	uint64_t rng;
};

/* xorshift64*: small, fast and good enough to pick sizes and victims. */
static uint64_t next_random(struct stress_state *s)
{
	s->rng ^= s->rng >> 12;
	s->rng ^= s->rng << 25;
	s->rng ^= s->rng >> 27;
	return s->rng * 0x2545f4914f6cdd1dULL;
}

/* Allocate book-keeping memory of at least `bytes` from the buddy. */
static enum mm_error alloc_bookkeeping(uint64_t bytes, void **out, phys_addr_t *pa, unsigned *order)
{
	*order = buddy_order_for_bytes(bytes);
	if (*order > BUDDY_MAX_ORDER) {
		mm_err("selftest: book-keeping of %lu bytes exceeds the largest block\n", bytes);
		return MM_ERR_NO_MEMORY;
	}
	enum mm_error err = page_alloc(*order, pa);
	if (err != MM_OK)
		return err;
	*out = mm_phys_to_virt(*pa);
	__builtin_memset(*out, 0, PAGE_SIZE << *order);
	return MM_OK;
}

/* The word of the bitmap that holds bit i, and the bit's mask in it. */
static uint64_t *frame_word(const struct stress_state *s, uint64_t i, uint64_t *mask)
{
	uint64_t j = i % BITS_PER_PIECE;
	*mask = 1ULL << (j % 64);
	return &s->pieces[i / BITS_PER_PIECE].bits[j / 64];
}

static bool frame_bit(const struct stress_state *s, uint64_t i)
{
	uint64_t mask;
	return (*frame_word(s, i, &mask) & mask) != 0;
}

static void set_frame_bits(struct stress_state *s, phys_addr_t pa, unsigned order, bool value)
{
	uint64_t first = (pa - s->span_base) >> PAGE_SHIFT;
	for (uint64_t i = first; i < first + (1ULL << order); i++) {
		uint64_t mask;
		uint64_t *word = frame_word(s, i, &mask);
		*word = value ? *word | mask : *word & ~mask;
	}
}

static void give_back(phys_addr_t pa, unsigned order)
{
	enum mm_error err = page_free(pa, order);
	if (err != MM_OK)
		mm_err("selftest: giving back book-keeping block 0x%lx order %u failed: %s\n", pa, order,
		       mm_strerror(err));
}

/* Give back every block the book-keeping took (any that it has). */
static void free_bookkeeping(struct stress_state *s)
{
	for (size_t i = 0; i < s->pieces_taken; i++)
		give_back(s->pieces[i].pa, s->pieces[i].order);
	if (s->pieces)
		give_back(s->directory.pa, s->directory.order);
	if (s->held)
		give_back(s->held_block.pa, s->held_block.order);
	s->pieces = NULL;
	s->held = NULL;
	s->pieces_taken = 0;
}

/* Take the bitmap (directory, then its pieces) and the held list. */
static enum mm_error take_bookkeeping(struct stress_state *s)
{
	s->piece_count = (s->span_frames + BITS_PER_PIECE - 1) / BITS_PER_PIECE;
	enum mm_error err = alloc_bookkeeping(s->piece_count * sizeof(struct bitmap_piece),
	                                      (void **)&s->pieces, &s->directory.pa, &s->directory.order);
	while (err == MM_OK && s->pieces_taken < s->piece_count) {
		struct bitmap_piece *p = &s->pieces[s->pieces_taken];
		uint64_t frames = s->span_frames - s->pieces_taken * BITS_PER_PIECE;
		if (frames > BITS_PER_PIECE)
			frames = BITS_PER_PIECE;
		err = alloc_bookkeeping((frames + 63) / 64 * 8, (void **)&p->bits, &p->pa, &p->order);
		if (err == MM_OK)
			s->pieces_taken++;
	}
	if (err == MM_OK)
		err = alloc_bookkeeping(s->held_capacity * sizeof(struct held_block), (void **)&s->held,
		                        &s->held_block.pa, &s->held_block.order);
	if (err != MM_OK) {
		mm_err("selftest: no memory for the book-keeping of a span of %lu frames (%lu KiB of bitmap "
		       "in %zu pieces) and %zu held blocks: %s\n",
		       s->span_frames, s->span_frames / 8 >> 10, s->piece_count, s->held_capacity,
		       mm_strerror(err));
		free_bookkeeping(s);
	}
	return err;
}

/* The pattern of the word at byte offset `off` of the block at pa: depends
 * on both, so a block written through the wrong address shows up. */
static inline uint64_t pattern(phys_addr_t pa, uint64_t off, uint64_t salt)
{
	return (pa + off) * 0x9e3779b97f4a7c15ULL ^ salt;
}

static void fill_block(phys_addr_t pa, unsigned order, uint64_t salt)
{
	uint64_t *w = mm_phys_to_virt(pa);
	uint64_t words = (PAGE_SIZE << order) / 8;
	for (uint64_t i = 0; i < words; i++)
		w[i] = pattern(pa, i * 8, salt);
}

static enum mm_error verify_block(phys_addr_t pa, unsigned order, uint64_t salt, uint64_t *verified)
{
	const uint64_t *w = mm_phys_to_virt(pa);
	uint64_t words = (PAGE_SIZE << order) / 8;
	for (uint64_t i = 0; i < words; i++) {
		if (w[i] != pattern(pa, i * 8, salt)) {
			mm_err("selftest: block 0x%lx order %u: word at 0x%lx is 0x%lx, expected 0x%lx\n", pa,
			       order, pa + i * 8, w[i], pattern(pa, i * 8, salt));
			return MM_ERR_INVALID;
		}
	}
	*verified += words * 8;
	return MM_OK;
}

/* Verify, unmark and free held block i (the last one moves into its slot). */
static enum mm_error release_block(struct stress_state *s, size_t i, uint64_t salt, uint64_t *verified)
{
	struct held_block b = s->held[i];
	enum mm_error err = verify_block(b.pa, b.order, salt, verified);
	if (err != MM_OK)
		return err;
	set_frame_bits(s, b.pa, b.order, false);
	s->held[i] = s->held[--s->held_count];
	err = page_free(b.pa, b.order);
	if (err != MM_OK)
		mm_err("selftest: freeing block 0x%lx order %u failed: %s\n", b.pa, b.order,
		       mm_strerror(err));
	return err;
}

static enum mm_error take_block(struct stress_state *s, unsigned order, uint64_t salt)
{
	phys_addr_t pa;
	enum mm_error err = page_alloc(order, &pa);
	if (err != MM_OK) {
		mm_err("selftest: allocating order %u failed: %s\n", order, mm_strerror(err));
		return err;
	}
	if (!IS_ALIGNED(pa, PAGE_SIZE << order)) {
		mm_err("selftest: block 0x%lx of order %u is not aligned to its size 0x%lx\n", pa, order,
		       PAGE_SIZE << order);
		return MM_ERR_MISALIGNED;
	}
	if (pa < s->span_base || ((pa - s->span_base) >> PAGE_SHIFT) + (1ULL << order) > s->span_frames) {
		mm_err("selftest: block 0x%lx order %u lies outside the managed span\n", pa, order);
		return MM_ERR_INVALID;
	}
	uint64_t first = (pa - s->span_base) >> PAGE_SHIFT;
	for (uint64_t i = first; i < first + (1ULL << order); i++) {
		if (frame_bit(s, i)) {
			mm_err("selftest: block 0x%lx order %u overlaps a block still held (frame 0x%lx): "
			       "handed out twice\n",
			       pa, order, s->span_base + (i << PAGE_SHIFT));
			return MM_ERR_OVERLAP;
		}
	}
	if (s->held_count == s->held_capacity) {
		mm_err("selftest: more than %zu blocks held\n", s->held_capacity);
		return MM_ERR_TABLE_FULL;
	}
	set_frame_bits(s, pa, order, true);
	s->held[s->held_count++] = (struct held_block){pa, order};
	fill_block(pa, order, salt);
	return MM_OK;
}

static enum mm_error run_round(struct stress_state *s, const struct buddy_stress_config *cfg,
                               uint64_t round_bytes, struct buddy_stress_result *r)
{
	uint64_t salt = next_random(s);
	unsigned max_order = buddy_order_for_bytes(cfg->max_block_bytes);
	uint64_t allocated = 0;
	enum mm_error err;
	while (allocated < round_bytes) {
		/* A random size in (0, max], rounded up to a page and then to a
		 * power of two, but never past what the round has left. */
		uint64_t size = next_random(s) % (PAGE_SIZE << max_order) + 1;
		if (size > round_bytes - allocated)
			size = round_bytes - allocated;
		unsigned order = buddy_order_for_bytes(size);
		if ((err = take_block(s, order, salt)) != MM_OK)
			return err;
		allocated += PAGE_SIZE << order;
		r->allocations++;
		/* Free a random earlier block about 70% of the time. */
		if (s->held_count > 0 && next_random(s) % 10 < 7) {
			if ((err = release_block(s, next_random(s) % s->held_count, salt,
			                         &r->bytes_verified)) != MM_OK)
				return err;
			r->early_frees++;
		}
	}
	while (s->held_count > 0)
		if ((err = release_block(s, s->held_count - 1, salt, &r->bytes_verified)) != MM_OK)
			return err;
	return MM_OK;
}

enum mm_error buddy_stress_test(const struct buddy_stress_config *cfg, struct buddy_stress_result *r)
{
	enum mm_error err = mm_stage_check("buddy_stress_test", MM_STAGE_BUDDY, MM_STAGE_SMP);
	if (err != MM_OK)
		return err;
	*r = (struct buddy_stress_result){0};
	struct stress_state s = {.rng = cfg->seed ? cfg->seed : 0x5eed};
	buddy_managed_span(&s.span_base, &s.span_frames);

	/* Book-keeping: the frame bitmap and room for the worst case of blocks
	 * held at once (every one a single page). That list must fit one
	 * largest block, which caps a round at about 1 GiB. */
	uint64_t round_bytes = cfg->round_bytes;
	uint64_t free_bytes = page_count_free() * PAGE_SIZE;
	if (round_bytes > free_bytes / 2)
		round_bytes = ALIGN_DOWN(free_bytes / 2, PAGE_SIZE);
	uint64_t max_round = (BUDDY_MAX_BLOCK / sizeof(struct held_block) - 1) * PAGE_SIZE;
	if (round_bytes > max_round)
		round_bytes = max_round;
	s.held_capacity = round_bytes / PAGE_SIZE + 1;
	if ((err = take_bookkeeping(&s)) != MM_OK)
		return err;
	/* The book-keeping may have used memory the round wanted: cap again. */
	free_bytes = page_count_free() * PAGE_SIZE;
	if (round_bytes > free_bytes / 2)
		round_bytes = ALIGN_DOWN(free_bytes / 2, PAGE_SIZE);
	r->round_bytes = round_bytes;
	r->free_pages_before = page_count_free();

	for (unsigned round = 0; round < cfg->rounds && err == MM_OK; round++)
		err = run_round(&s, cfg, round_bytes, r);

	r->free_pages_after = page_count_free();
	free_bookkeeping(&s);
	if (err != MM_OK)
		return err;
	if (r->free_pages_after != r->free_pages_before) {
		mm_err("selftest: %lu free pages before, %lu after: pages were lost\n", r->free_pages_before,
		       r->free_pages_after);
		return MM_ERR_INVALID;
	}
	return MM_OK;
}

/* The concurrent worker (see mm_selftest.h). Its state is on its own stack,
 * so any number of CPUs can run it at once; only the buddy is shared. */

static uint64_t worker_pattern(unsigned cpu, phys_addr_t pa, uint64_t off)
{
	return ((uint64_t)cpu << 56) ^ (pa + off);
}

void buddy_worker_fill(unsigned cpu, phys_addr_t pa, unsigned order)
{
	uint64_t *w = mm_phys_to_virt(pa);
	for (uint64_t i = 0; i < (PAGE_SIZE << order) / 8; i++)
		w[i] = worker_pattern(cpu, pa, i * 8);
}

enum mm_error buddy_worker_check_and_free(unsigned cpu, phys_addr_t pa, unsigned order,
                                          uint64_t *bytes_verified)
{
	const uint64_t *w = mm_phys_to_virt(pa);
	uint64_t words = (PAGE_SIZE << order) / 8;
	for (uint64_t i = 0; i < words; i++) {
		if (w[i] != worker_pattern(cpu, pa, i * 8)) {
			mm_err("selftest: CPU %u: block 0x%lx order %u was overwritten at 0x%lx (0x%lx): "
			       "handed to two CPUs?\n",
			       cpu, pa, order, pa + i * 8, w[i]);
			return MM_ERR_OVERLAP;
		}
	}
	*bytes_verified += words * 8;
	return page_free(pa, order);
}

void buddy_concurrent_worker(unsigned cpu, const struct buddy_worker_config *cfg,
                             struct buddy_worker_result *r)
{
	struct held_block held[BUDDY_WORKER_MAX_HELD];
	size_t count = 0;
	struct stress_state rng = {.rng = (cfg->seed ^ ((uint64_t)cpu * 0x9e3779b97f4a7c15ULL)) | 1};
	*r = (struct buddy_worker_result){.error = MM_OK};
	for (unsigned step = 0; step < cfg->iterations && r->error == MM_OK; step++) {
		bool do_alloc = count == 0 || (count < BUDDY_WORKER_MAX_HELD && next_random(&rng) % 2 == 0);
		if (do_alloc) {
			struct held_block b = {.order = (unsigned)(next_random(&rng) % (cfg->max_order + 1))};
			enum mm_error err = page_alloc(b.order, &b.pa);
			if (err == MM_ERR_NO_MEMORY)
				continue; /* the others hold a lot right now: not a failure */
			if (err != MM_OK) {
				r->error = err;
				break;
			}
			buddy_worker_fill(cpu, b.pa, b.order);
			held[count++] = b;
			r->allocations++;
		} else {
			size_t i = next_random(&rng) % count;
			r->error =
			    buddy_worker_check_and_free(cpu, held[i].pa, held[i].order, &r->bytes_verified);
			held[i] = held[--count];
		}
	}
	/* Give everything back, even after an error, so nothing leaks. */
	while (count > 0) {
		count--;
		enum mm_error err =
		    buddy_worker_check_and_free(cpu, held[count].pa, held[count].order, &r->bytes_verified);
		if (r->error == MM_OK)
			r->error = err;
	}
}
