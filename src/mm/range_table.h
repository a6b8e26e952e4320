/*
 * range_table.h - the one algorithm stage 1 and stage 2 share: a table of
 * [base, base + size) ranges kept sorted by base, no two overlapping or
 * touching. Adding a range merges it with the run of ranges it overlaps or
 * touches; cutting a range out keeps what lies below and above it, which
 * splits a range the cut falls inside.
 *
 * The functions only compute and move entries; what to do when a table is
 * full is the caller's policy, because the two tables differ on purpose:
 * phys_memory_area[] leaves out the range that sorts last (usable RAM may be
 * lost, loudly), memblock refuses with MM_ERR_TABLE_FULL.
 */
#ifndef RANGE_TABLE_H
#define RANGE_TABLE_H

#include "mm_types.h"

struct mm_range {
	phys_addr_t base;
	uint64_t size_bytes;
};

/* One past the last byte of r (the caller guarantees it does not wrap). */
static inline uint64_t mm_range_end(const struct mm_range *r)
{
	return r->base + r->size_bytes;
}

/* The run [*first, *last) of t[0 .. count) that overlaps [base, end), or
 * also touches it when `touching` (a range ending at base, or starting at
 * end). An empty run (*first == *last) is where [base, end) would be
 * inserted to keep the table sorted. */
void range_table_run(const struct mm_range *t, size_t count, uint64_t base, uint64_t end, bool touching,
                     size_t *first, size_t *last);

/* [base, end) merged with the run [first, last) it overlaps or touches. */
struct mm_range range_table_merge(const struct mm_range *t, size_t first, size_t last, uint64_t base,
                                  uint64_t end);

/* What survives of the run [first, last) when [base, end) is cut out: up to
 * two pieces (below base, above end) in pieces[]; returns how many. */
size_t range_table_cut_pieces(const struct mm_range *t, size_t first, size_t last, uint64_t base,
                              uint64_t end, struct mm_range pieces[2]);

/* Replace t[from .. to) by the n ranges in pieces, moving the tail; *count
 * is updated. The caller has checked that *count - (to - from) + n fits. */
void range_table_replace(struct mm_range *t, size_t *count, size_t from, size_t to,
                         const struct mm_range *pieces, size_t n);

#endif /* RANGE_TABLE_H */
