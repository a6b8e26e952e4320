/*
 * counting_frames.h - a frame source for the page-table mapper's host
 * tests: hands out arena frames from a free list and counts what goes out
 * and comes back, so that a test can check that destroy returns every
 * table frame, that the mapper never frees a frame it does not own, and
 * what happens when frames run out.
 */
#ifndef COUNTING_FRAMES_H
#define COUNTING_FRAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mm/frame_source.h"

struct counting_frames {
	struct frame_source source; /* give &cf.source to the mapper */
	uint64_t first;             /* managed frames: [first, first + nframes * 4096) */
	size_t nframes;
	unsigned char *allocated; /* one flag per managed frame */
	uint64_t *free_list;      /* stack of free frames, lowest on top at start */
	size_t free_count;
	size_t allocs, frees; /* successful calls */
	size_t bad_frees;     /* frees of frames not handed out (double or foreign) */
	size_t allocs_left;   /* allocations that may still succeed (SIZE_MAX: no limit) */
};

/* Manage nframes arena frames from physical address `first` (the arena
 * must hold them). Frees are checked; freed frames are filled with junk. */
void counting_frames_init(struct counting_frames *cf, uint64_t first, size_t nframes);

/* Release the bookkeeping (not the arena). */
void counting_frames_fini(struct counting_frames *cf);

/* Frames handed out and not yet returned. */
size_t counting_frames_outstanding(const struct counting_frames *cf);

/*
 * The mapper tests' common fixture: a fresh arena of arena_bytes (junk
 * filled), an empty log, zeroed TLB counters and "CR3", a counting source
 * over every arena frame but frame 0 (a root of 0 means "no tables"), and
 * an empty space on it. Returns 0, or -1 if the space cannot be created.
 * paging_fixture_teardown() releases the source and the arena.
 */
struct pt_space;
int paging_fixture_setup(struct counting_frames *frames, struct pt_space *space, uint64_t arena_bytes,
                         bool allow_1g);
void paging_fixture_teardown(struct counting_frames *frames);

#endif /* COUNTING_FRAMES_H */
