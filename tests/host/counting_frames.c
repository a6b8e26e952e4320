/* counting_frames.c - the counting frame source of the mapper's host tests
 * (see counting_frames.h): a stack of free arena frames plus one
 * "handed out" flag per frame, which catches double and foreign frees. */
#include "counting_frames.h"

#include <stdlib.h>
#include <string.h>

#include "host_env.h"
#include "mm/mm_env.h"
#include "mm/paging.h"

static enum mm_error counting_alloc(void *ctx, uint64_t *out)
{
	struct counting_frames *cf = ctx;
	if (cf->allocs_left == 0 || cf->free_count == 0)
		return MM_ERR_NO_MEMORY;
	if (cf->allocs_left != SIZE_MAX)
		cf->allocs_left--;
	uint64_t frame = cf->free_list[--cf->free_count];
	cf->allocated[(frame - cf->first) / 4096] = 1;
	cf->allocs++;
	*out = frame;
	return MM_OK;
}

static enum mm_error counting_free(void *ctx, uint64_t frame)
{
	struct counting_frames *cf = ctx;
	if (frame < cf->first || frame % 4096 != 0 || (frame - cf->first) / 4096 >= cf->nframes) {
		cf->bad_frees++;
		return MM_ERR_NOT_OWNED;
	}
	size_t i = (frame - cf->first) / 4096;
	if (!cf->allocated[i]) {
		cf->bad_frees++;
		return MM_ERR_DOUBLE_FREE;
	}
	cf->allocated[i] = 0;
	/* Junk, so that a table still used after being freed shows up. */
	memset(mm_phys_to_virt(frame), 0x5a, 4096);
	cf->free_list[cf->free_count++] = frame;
	cf->frees++;
	return MM_OK;
}

void counting_frames_init(struct counting_frames *cf, uint64_t first, size_t nframes)
{
	memset(cf, 0, sizeof(*cf));
	cf->source.name = "counting";
	cf->source.alloc_frame = counting_alloc;
	cf->source.free_frame = counting_free;
	cf->source.ctx = cf;
	cf->first = first;
	cf->nframes = nframes;
	cf->allocated = calloc(nframes, 1);
	cf->free_list = calloc(nframes, sizeof(uint64_t));
	if (!cf->allocated || !cf->free_list)
		abort();
	for (size_t i = 0; i < nframes; i++)
		cf->free_list[i] = first + (nframes - 1 - i) * 4096;
	cf->free_count = nframes;
	cf->allocs_left = SIZE_MAX;
}

void counting_frames_fini(struct counting_frames *cf)
{
	free(cf->allocated);
	free(cf->free_list);
	cf->allocated = NULL;
	cf->free_list = NULL;
}

size_t counting_frames_outstanding(const struct counting_frames *cf)
{
	return cf->allocs - cf->frees;
}

int paging_fixture_setup(struct counting_frames *frames, struct pt_space *space, uint64_t arena_bytes,
                         bool allow_1g)
{
	host_arena_init(arena_bytes);
	host_log_clear();
	host_tlb_flush_page_count = 0;
	host_tlb_flush_all_count = 0;
	host_root_table = 0;
	counting_frames_init(frames, PAGE_SIZE, arena_bytes / PAGE_SIZE - 1);
	return pt_space_create(space, &frames->source, allow_1g) == MM_OK ? 0 : -1;
}

void paging_fixture_teardown(struct counting_frames *frames)
{
	counting_frames_fini(frames);
	host_arena_free();
}
