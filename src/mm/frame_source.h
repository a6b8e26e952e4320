/*
 * frame_source.h - where the page-table mapper gets its table frames.
 *
 * The same mapper runs on the bump allocator during boot (stage 4), on the
 * buddy allocator afterwards (stage 5), and on a host arena in the tests:
 * each of them offers this small interface.
 */
#ifndef FRAME_SOURCE_H
#define FRAME_SOURCE_H

#include "mm_types.h"

struct frame_source {
	const char *name; /* for messages, e.g. "bump" */
	/* Store one 4 KiB frame's physical address in *out. The frame's
	 * content is unspecified: the mapper zeroes every new table itself. */
	enum mm_error (*alloc_frame)(void *ctx, phys_addr_t *out);
	/* Give a frame back. A source that cannot free (the bump allocator)
	 * returns MM_ERR_REFUSED. */
	enum mm_error (*free_frame)(void *ctx, phys_addr_t frame);
	void *ctx;
};

static inline enum mm_error frame_source_alloc(struct frame_source *src, phys_addr_t *out)
{
	return src->alloc_frame(src->ctx, out);
}

static inline enum mm_error frame_source_free(struct frame_source *src, phys_addr_t frame)
{
	return src->free_frame(src->ctx, frame);
}

#endif /* FRAME_SOURCE_H */
