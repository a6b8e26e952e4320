/*
 * bump.h - stage 3: the bump allocator, which hands out the early 4 KiB
 * frames (the new kernel page tables) before the buddy allocator exists.
 *
 * As in DragonOS it starts at the page-aligned physical end of the kernel
 * image and only moves upwards; it never frees. Every frame it hands out is
 * zeroed and reserved in memblock, so the buddy allocator never gets it.
 */
#ifndef BUMP_H
#define BUMP_H

#include "frame_source.h"
#include "mm_types.h"

/* Forget all state (host tests; the kernel starts clean). */
void bump_reset(void);

/* Start handing out frames at start (page aligned, usually the end of the
 * kernel image). Allowed only in MM_STAGE_MEMBLOCK; advances to
 * MM_STAGE_BUMP.
 * Returns MM_OK, MM_ERR_MISALIGNED (start not page aligned) or
 * MM_ERR_WRONG_STAGE. */
enum mm_error bump_init(phys_addr_t start);

/* Hand out the next free frame at or after the cursor, walking memblock's
 * free ranges (so reserved regions and holes are skipped), zeroed, and
 * reserved in memblock. Allowed from MM_STAGE_BUMP to MM_STAGE_PAGING.
 * out: receives the frame's physical address.
 * Returns MM_OK, MM_ERR_NO_MEMORY (with a message), MM_ERR_TABLE_FULL (the
 * reserve failed) or MM_ERR_WRONG_STAGE. */
enum mm_error bump_alloc_frame(phys_addr_t *out);

/* The bump allocator cannot free: always MM_ERR_REFUSED, and a message
 * naming the frame. */
enum mm_error bump_free_frame(phys_addr_t frame);

/* The bump allocator as a frame source (name "bump") for the mapper. */
struct frame_source *bump_frame_source(void);

/* Frames handed out since bump_init(). */
size_t bump_frames_allocated(void);

/* The lowest address the next frame may have. */
phys_addr_t bump_cursor(void);

#endif /* BUMP_H */
