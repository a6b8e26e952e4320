/*
 * bump.c - stage 3: the bump allocator (see bump.h).
 *
 * Algorithm: a cursor starts at the end of the kernel image. To hand out a
 * frame, walk memblock's free ranges from the cursor upwards, take the
 * first whole page, reserve it in memblock, zero it, and move the cursor
 * just past it. Nothing is ever given back, so there is no bookkeeping
 * besides the cursor: memblock's reserved table is the record.
 */
#include "bump.h"
#include "memblock.h"
#include "mm_env.h"
#include "stage_order.h"

static phys_addr_t cursor;
static size_t frames_allocated;

void bump_reset(void)
{
	cursor = 0;
	frames_allocated = 0;
}

enum mm_error bump_init(phys_addr_t start)
{
	/* LAB bump: begin */
	enum mm_error err = mm_stage_check("bump_init", MM_STAGE_MEMBLOCK, MM_STAGE_MEMBLOCK);
	if (err != MM_OK)
		return err;
	if (!IS_ALIGNED(start, PAGE_SIZE)) {
		mm_warn("bump_init: start 0x%lx is not page aligned\n", start);
		return MM_ERR_MISALIGNED;
	}
	cursor = start;
	frames_allocated = 0;
	return mm_stage_advance(MM_STAGE_BUMP);
	/* LAB bump: end */
}

enum mm_error bump_alloc_frame(phys_addr_t *out)
{
	/* LAB bump: begin */
	enum mm_error err = mm_stage_check("bump_alloc_frame", MM_STAGE_BUMP, MM_STAGE_PAGING);
	if (err != MM_OK)
		return err;

	/* memblock's iterator cursor is an address: start it at ours. */
	uint64_t walk = cursor;
	phys_addr_t free_base, free_end;
	while (memblock_next_free_range(&walk, &free_base, &free_end)) {
		if (free_base > UINT64_MAX - (PAGE_SIZE - 1))
			break; /* no whole page can start this high */
		phys_addr_t frame = ALIGN_UP(free_base, PAGE_SIZE);
		if (frame >= free_end || free_end - frame < PAGE_SIZE)
			continue;
		err = memblock_reserve(frame, PAGE_SIZE);
		if (err != MM_OK)
			return err;
		__builtin_memset(mm_phys_to_virt(frame), 0, PAGE_SIZE);
		cursor = frame + PAGE_SIZE;
		frames_allocated++;
		*out = frame;
		return MM_OK;
	}
	mm_warn("bump_alloc_frame: no free 4 KiB frame at or above 0x%lx\n", cursor);
	return MM_ERR_NO_MEMORY;
	/* LAB bump: end */
}

enum mm_error bump_free_frame(phys_addr_t frame)
{
	/* LAB bump: begin */
	mm_warn("bump_free_frame: the bump allocator never frees (frame 0x%lx)\n", frame);
	return MM_ERR_REFUSED;
	/* LAB bump: end */
}

static enum mm_error source_alloc(void *ctx, phys_addr_t *out)
{
	/* LAB bump: begin */
	(void)ctx; /* the bump allocator is a single global */
	return bump_alloc_frame(out);
	/* LAB bump: end */
}

static enum mm_error source_free(void *ctx, phys_addr_t frame)
{
	/* LAB bump: begin */
	(void)ctx;
	return bump_free_frame(frame);
	/* LAB bump: end */
}

struct frame_source *bump_frame_source(void)
{
	static struct frame_source source = {
	    .name = "bump",
	    .alloc_frame = source_alloc,
	    .free_frame = source_free,
	    .ctx = NULL,
	};
	return &source;
}

size_t bump_frames_allocated(void)
{
	return frames_allocated;
}

phys_addr_t bump_cursor(void)
{
	return cursor;
}
