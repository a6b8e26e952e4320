/*
 * range_table.c - sorted, merged tables of physical ranges (see
 * range_table.h), shared by phys_memory_area[] (stage 1) and memblock's two
 * tables (stage 2).
 *
 * Algorithm: the table is sorted and its ranges are disjoint and do not
 * touch, so the ranges that meet [base, end) form one contiguous run. The
 * run starts at the first range that ends at or after base (after, when
 * touching ranges do not count) and stops before the first range that
 * starts after end (at or after end, when they do not count).
 */
#include "range_table.h"
#include "mm_env.h" /* lab_not_implemented() in the lab trees */

void range_table_run(const struct mm_range *t, size_t count, uint64_t base, uint64_t end, bool touching,
                     size_t *first, size_t *last)
{
	/* LAB phys_area: begin */
	size_t i = 0;
	while (i < count && (touching ? mm_range_end(&t[i]) < base : mm_range_end(&t[i]) <= base))
		i++;
	*first = i;
	while (i < count && (touching ? t[i].base <= end : t[i].base < end))
		i++;
	*last = i;
	/* LAB phys_area: end */
}

struct mm_range range_table_merge(const struct mm_range *t, size_t first, size_t last, uint64_t base,
                                  uint64_t end)
{
	/* LAB phys_area: begin */
	if (last > first) {
		uint64_t last_end = mm_range_end(&t[last - 1]);
		if (t[first].base < base)
			base = t[first].base;
		if (last_end > end)
			end = last_end;
	}
	return (struct mm_range){.base = base, .size_bytes = end - base};
	/* LAB phys_area: end */
}

size_t range_table_cut_pieces(const struct mm_range *t, size_t first, size_t last, uint64_t base,
                              uint64_t end, struct mm_range pieces[2])
{
	/* LAB phys_area: begin */
	size_t n = 0;
	if (last == first)
		return 0;
	const struct mm_range *lowest = &t[first], *highest = &t[last - 1];
	if (lowest->base < base)
		pieces[n++] = (struct mm_range){.base = lowest->base, .size_bytes = base - lowest->base};
	if (mm_range_end(highest) > end)
		pieces[n++] = (struct mm_range){.base = end, .size_bytes = mm_range_end(highest) - end};
	return n;
	/* LAB phys_area: end */
}

void range_table_replace(struct mm_range *t, size_t *count, size_t from, size_t to,
                         const struct mm_range *pieces, size_t n)
{
	/* LAB phys_area: begin */
	size_t tail = *count - to;
	__builtin_memmove(&t[from + n], &t[to], tail * sizeof(t[0]));
	for (size_t i = 0; i < n; i++)
		t[from + i] = pieces[i];
	*count = *count - (to - from) + n;
	/* LAB phys_area: end */
}
