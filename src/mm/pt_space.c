/*
 * pt_space.c - creating an address space's root table, and the table
 * allocation and freeing that the rest of the mapper shares (see paging.h
 * and pt_internal.h). Cloning and destroying a whole space are in the
 * toolbox, pt_toolbox.c.
 *
 * Algorithm: every new table is zeroed before it is linked, so a walk never
 * follows junk. Freeing goes bottom-up (children before their table),
 * touching only tables, never the frames that leaves point to.
 */
#include "pt_internal.h"

enum mm_error pt_check_space(const char *who, const struct pt_space *sp)
{
	if (!sp || sp->root == 0 || !sp->frames) {
		mm_warn("%s: the address space has no root table (root 0x%lx)\n", who, sp ? sp->root : 0);
		return MM_ERR_INVALID;
	}
	return MM_OK;
}

/* Take a frame for a new table and zero it: a frame source hands out frames
 * with whatever they held, and junk read as entries would be followed as
 * pointers to tables. */
enum mm_error pt_alloc_table(struct frame_source *frames, const char *who, phys_addr_t *out)
{
	phys_addr_t table;
	enum mm_error err = frame_source_alloc(frames, &table);
	if (err != MM_OK) {
		mm_warn("%s: frame source %s has no frame for a page table (%s)\n", who, frames->name,
		        mm_strerror(err));
		return MM_ERR_NO_MEMORY;
	}
	/* 0 is refused because a root of 0 means "no tables". */
	if (!IS_ALIGNED(table, PAGE_SIZE) || table == 0 || table >= PT_PHYS_ADDR_MAX) {
		mm_warn("%s: frame source %s returned unusable frame 0x%lx\n", who, frames->name, table);
		frame_source_free(frames, table);
		return MM_ERR_INVALID;
	}
	__builtin_memset(pt_table(table), 0, PAGE_SIZE);
	*out = table;
	return MM_OK;
}

/* Return the table at `level` and every table below it to `frames`. Goes on
 * after a refusal, so that everything the source accepts comes back, and
 * returns the first error. */
enum mm_error pt_free_tables(struct frame_source *frames, const char *who, phys_addr_t table, int level)
{
	enum mm_error first = MM_OK;
	if (level > 1) {
		const uint64_t *entries = pt_table(table);
		for (unsigned i = 0; i < PT_ENTRIES; i++) {
			uint64_t e = entries[i];
			if (!(e & PTE_P) || pt_entry_is_leaf(e, level))
				continue;
			enum mm_error err = pt_free_tables(frames, who, e & PTE_ADDR_MASK, level - 1);
			if (first == MM_OK)
				first = err;
		}
	}
	enum mm_error err = frame_source_free(frames, table);
	if (err != MM_OK) {
		mm_warn("%s: frame source %s did not take back table frame 0x%lx (%s)\n", who, frames->name,
		        table, mm_strerror(err));
		if (first == MM_OK)
			first = err;
	}
	return first;
}

enum mm_error pt_space_create(struct pt_space *sp, struct frame_source *frames, bool allow_1g)
{
	if (!sp || !frames) {
		mm_warn("pt_space_create: no address space or no frame source given\n");
		return MM_ERR_INVALID;
	}
	phys_addr_t root;
	enum mm_error err = pt_alloc_table(frames, "pt_space_create", &root);
	if (err != MM_OK)
		return err;
	sp->root = root;
	sp->frames = frames;
	sp->allow_1g = allow_1g;
	return MM_OK;
}
