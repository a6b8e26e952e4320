/*
 * pt_walk.c - read-only walks over an address space's page tables: visiting
 * every mapping, counting table frames, and the W^X audit (see paging.h).
 *
 * Algorithm: a depth-first walk from the root, entries in index order, so
 * leaves come out in ascending virtual address (lower half first, PML4
 * entries 0..255, then the higher half, 256..511). A leaf's address is
 * built from the indices on the path and sign-extended from bit 47. The
 * audit visits every leaf and grows a range while the next W+X leaf starts
 * exactly where the range ends; a W+X leaf anywhere else starts a new one.
 * Runs (pt_for_each_run) grow the same way, for leaves of any rights.
 */
#include "pt_internal.h"

/* Make bits 63..48 copies of bit 47: the canonical form of the address. */
static virt_addr_t sign_extend(virt_addr_t va)
{
	return (va & (1ULL << 47)) ? va | 0xffff000000000000ULL : va;
}

static size_t count_tables(phys_addr_t table, int level)
{
	size_t count = 1;
	if (level == 1)
		return count;
	const uint64_t *entries = pt_table(table);
	for (unsigned i = 0; i < PT_ENTRIES; i++) {
		if ((entries[i] & PTE_P) && !pt_entry_is_leaf(entries[i], level))
			count += count_tables(entries[i] & PTE_ADDR_MASK, level - 1);
	}
	return count;
}

size_t pt_count_table_frames(const struct pt_space *sp)
{
	if (!sp || sp->root == 0)
		return 0;
	return count_tables(sp->root, PT_LEVELS);
}

/* Visit the leaves under the table at `level` whose first entry covers va
 * `base`. Returns false when the visitor asked to stop. */
static bool visit_table(phys_addr_t table, int level, virt_addr_t base, pt_visit_fn visit, void *ctx)
{
	const uint64_t *entries = pt_table(table);
	for (unsigned i = 0; i < PT_ENTRIES; i++) {
		uint64_t e = entries[i];
		if (!(e & PTE_P))
			continue;
		virt_addr_t va = sign_extend(base | ((uint64_t)i << pt_level_shift(level)));
		if (!pt_entry_is_leaf(e, level)) {
			if (!visit_table(e & PTE_ADDR_MASK, level - 1, va, visit, ctx))
				return false;
			continue;
		}
		struct pt_translation t = {
		    .pa = pt_leaf_pa(e, level),
		    .flags = pt_entry_flags(e),
		    .size = pt_level_page_size(level),
		};
		if (!visit(ctx, va, &t))
			return false;
	}
	return true;
}

void pt_for_each_mapping(const struct pt_space *sp, pt_visit_fn visit, void *ctx)
{
	if (!sp || sp->root == 0 || !visit)
		return;
	visit_table(sp->root, PT_LEVELS, 0, visit, ctx);
}

/* The audit's state while walking: the W+X range being grown. */
struct wx_audit {
	void (*report)(virt_addr_t start, uint64_t size_bytes, void *ctx);
	void *ctx;
	bool in_range;
	virt_addr_t start;
	uint64_t size_bytes;
	size_t pages_4k;
};

static void close_range(struct wx_audit *audit)
{
	if (audit->in_range && audit->report)
		audit->report(audit->start, audit->size_bytes, audit->ctx);
	audit->in_range = false;
}

static bool audit_leaf(void *ctx, virt_addr_t va, const struct pt_translation *t)
{
	struct wx_audit *audit = ctx;
	/* Other leaves need no action: one between two W+X leaves makes them
	 * non-adjacent, which closes the range below. */
	if ((t->flags & (PT_WRITE | PT_EXEC)) != (PT_WRITE | PT_EXEC))
		return true;
	uint64_t bytes = pt_page_bytes(t->size);
	audit->pages_4k += bytes / PAGE_SIZE;
	if (audit->in_range && audit->start + audit->size_bytes == va) {
		audit->size_bytes += bytes;
		return true;
	}
	close_range(audit);
	audit->in_range = true;
	audit->start = va;
	audit->size_bytes = bytes;
	return true;
}

size_t pt_audit_wx(const struct pt_space *sp,
                   void (*report)(virt_addr_t start, uint64_t size_bytes, void *ctx), void *ctx)
{
	struct wx_audit audit = {.report = report, .ctx = ctx};
	pt_for_each_mapping(sp, audit_leaf, &audit);
	close_range(&audit);
	return audit.pages_4k;
}

enum mm_error pt_walk_path(const struct pt_space *sp, virt_addr_t va, struct pt_walk_step steps[], int *count)
{
	*count = 0;
	enum mm_error err = pt_check_space("pt_walk_path", sp);
	if (err != MM_OK)
		return err;
	if (sign_extend(va & 0x0000ffffffffffffULL) != va) {
		mm_warn("pt_walk_path: 0x%lx is not canonical (bits 63..48 must copy bit 47)\n", va);
		return MM_ERR_NON_CANONICAL;
	}
	phys_addr_t table = sp->root;
	for (int level = PT_LEVELS; level >= 1; level--) {
		unsigned index = (unsigned)(va >> pt_level_shift(level)) & (PT_ENTRIES - 1);
		uint64_t e = pt_table(table)[index];
		steps[(*count)++] = (struct pt_walk_step){level, table, index, e};
		if (!(e & PTE_P))
			return MM_ERR_NOT_MAPPED;
		if (pt_entry_is_leaf(e, level))
			return MM_OK;
		table = e & PTE_ADDR_MASK;
	}
	return MM_ERR_INVALID; /* not reached: level 1 entries are leaves */
}

/* The run being grown while walking, and where it goes when it closes. */
struct run_walk {
	bool (*visit)(void *ctx, const struct pt_run *run);
	void *ctx;
	bool open;    /* run holds leaves not yet given to visit */
	bool stopped; /* visit asked to stop */
	struct pt_run run;
};

static bool run_leaf(void *ctx, virt_addr_t va, const struct pt_translation *t)
{
	struct run_walk *w = ctx;
	uint64_t bytes = pt_page_bytes(t->size);
	struct pt_run *r = &w->run;
	if (w->open && r->end == va && r->pa + (r->end - r->start) == t->pa && r->flags == t->flags &&
	    r->size == t->size) {
		r->end += bytes;
		return true;
	}
	if (w->open && !w->visit(w->ctx, r)) {
		w->open = false;
		w->stopped = true;
		return false;
	}
	w->open = true;
	*r = (struct pt_run){.start = va, .end = va + bytes, .pa = t->pa, .flags = t->flags, .size = t->size};
	return true;
}

void pt_for_each_run(const struct pt_space *sp, bool (*visit)(void *ctx, const struct pt_run *run), void *ctx)
{
	struct run_walk w = {.visit = visit, .ctx = ctx};
	pt_for_each_mapping(sp, run_leaf, &w);
	if (w.open && !w.stopped)
		visit(ctx, &w.run);
}
