/*
 * fuzz_paging.c - fuzz target for the page-table mapper (src/mm/paging.c,
 * pt_space.c, pt_walk.c): the input is a program of pt_map, pt_map_range,
 * pt_unmap, pt_unmap_range, pt_protect and pt_translate calls on one
 * address space, with 4 KiB, 2 MiB and 1 GiB pages, around both ends of
 * both canonical halves, sometimes with too few frames for new tables.
 *
 * The model is a sorted list of mappings (virtual start, size, physical
 * start, flags), one per page. From it the target predicts every call's
 * result, in the order the header documents the checks (non-canonical,
 * misaligned, beyond 52 bits, a large page in the way, already mapped, not
 * mapped, ...), what pt_unmap reports, the translation of the addresses
 * touched, and the TLB flushes asked for. Every 16 steps and at the end the
 * whole tree is compared with the model: pt_for_each_mapping() must list
 * exactly the model's pages, pt_audit_wx() must count its W+X pages, and
 * the table frames counted in the tree must be the frames the frame source
 * has handed out. At the end a clone (of one input in two) must equal the
 * original, and
 * pt_destroy() must return every frame.
 */
#include <string.h>

#include "counting_frames.h"
#include "fuzz_input.h"
#include "host_env.h"
#include "mm/paging.h"

#define ARENA_BYTES   MiB(4)
#define MAX_MAPPINGS  8192
#define PT_TLB_BOGUS  7 /* not an enum pt_tlb value */
#define CANONICAL_TOP 47

struct mapping {
	virt_addr_t va;
	uint64_t size_bytes;
	phys_addr_t pa;
	unsigned flags;
};

static struct mapping model[MAX_MAPPINGS];
static size_t nmodel;

static struct counting_frames frames;
static struct pt_space space;
static bool tight_frames; /* the frame source may run out in this step */

static const char *error_name(enum mm_error err)
{
	return mm_strerror(err);
}

/* ---- the model ---- */

/* The index of the first mapping that ends above va (nmodel if none). */
static size_t model_lower_bound(virt_addr_t va)
{
	size_t lo = 0, hi = nmodel;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (model[mid].va + (model[mid].size_bytes - 1) < va)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The mapping that contains va, or NULL. */
static struct mapping *model_find(virt_addr_t va)
{
	size_t i = model_lower_bound(va);
	return i < nmodel && model[i].va <= va ? &model[i] : NULL;
}

/* Whether some mapping overlaps [va, va + size_bytes). */
static bool model_overlaps(virt_addr_t va, uint64_t size_bytes)
{
	size_t i = model_lower_bound(va);
	return i < nmodel && model[i].va <= va + (size_bytes - 1);
}

static void model_insert(const struct mapping *m)
{
	size_t i = model_lower_bound(m->va);
	memmove(&model[i + 1], &model[i], (nmodel - i) * sizeof(model[0]));
	model[i] = *m;
	nmodel++;
}

static void model_remove(struct mapping *m)
{
	size_t i = (size_t)(m - model);
	memmove(&model[i], &model[i + 1], (nmodel - i - 1) * sizeof(model[0]));
	nmodel--;
}

static bool canonical(virt_addr_t va)
{
	uint64_t top = va >> CANONICAL_TOP;
	return top == 0 || top == 0x1ffff;
}

static bool aligned(uint64_t x, uint64_t a)
{
	return (x & (a - 1)) == 0;
}

/* The checks every call on a single page makes first. */
static enum mm_error model_check_page(virt_addr_t va, uint64_t va_align)
{
	if (!canonical(va))
		return MM_ERR_NON_CANONICAL;
	if (!aligned(va, va_align))
		return MM_ERR_MISALIGNED;
	return MM_OK;
}

/* The checks of a range of whole pages in one canonical half. */
static enum mm_error model_check_range(virt_addr_t va, uint64_t size_bytes)
{
	enum mm_error err = model_check_page(va, PAGE_SIZE);
	if (err != MM_OK)
		return err;
	if (size_bytes == 0)
		return MM_ERR_INVALID;
	if (!aligned(size_bytes, PAGE_SIZE))
		return MM_ERR_MISALIGNED;
	virt_addr_t last = va + size_bytes - 1;
	if (last < va)
		return MM_ERR_INVALID;
	if (!canonical(last) || (last >> CANONICAL_TOP) != (va >> CANONICAL_TOP))
		return MM_ERR_NON_CANONICAL;
	return MM_OK;
}

static enum mm_error model_check_pa(phys_addr_t pa, uint64_t size_bytes, uint64_t align)
{
	if (pa >= PT_PHYS_ADDR_MAX || size_bytes > PT_PHYS_ADDR_MAX - pa)
		return MM_ERR_INVALID;
	if (!aligned(pa, align))
		return MM_ERR_MISALIGNED;
	return MM_OK;
}

/* Map one page of size_bytes in the model, whose arguments are checked:
 * a larger page around va is in the way, any page inside is already
 * mapped. */
static enum mm_error model_map_page(virt_addr_t va, phys_addr_t pa, uint64_t size_bytes, unsigned flags)
{
	const struct mapping *around = model_find(va);
	if (around && around->size_bytes > size_bytes)
		return MM_ERR_HUGE_PAGE;
	if (model_overlaps(va, size_bytes))
		return MM_ERR_ALREADY_MAPPED;
	if (nmodel == MAX_MAPPINGS)
		return MM_ERR_NO_MEMORY; /* never: the ops are sized to stay below */
	struct mapping m = {.va = va, .size_bytes = size_bytes, .pa = pa, .flags = flags};
	model_insert(&m);
	return MM_OK;
}

static enum pt_page_size size_enum(uint64_t size_bytes)
{
	return size_bytes == PAGE_SIZE_1G ? PT_PAGE_1G : size_bytes == PAGE_SIZE_2M ? PT_PAGE_2M : PT_PAGE_4K;
}

/* ---- comparing the tree with the model ---- */

static void check_translation(virt_addr_t va)
{
	struct pt_translation t;
	enum mm_error got = pt_translate(&space, va, &t);
	if (!canonical(va)) {
		fuzz_check(got == MM_ERR_NON_CANONICAL,
		           "pt_translate(0x%lx) returned %s for a non-canonical va", va, error_name(got));
		return;
	}
	const struct mapping *m = model_find(va);
	if (!m) {
		fuzz_check(got == MM_ERR_NOT_MAPPED, "pt_translate(0x%lx) returned %s, expected not mapped",
		           va, error_name(got));
		return;
	}
	fuzz_check(got == MM_OK, "pt_translate(0x%lx) returned %s, expected pa 0x%lx", va, error_name(got),
	           m->pa + (va - m->va));
	fuzz_check(t.pa == m->pa + (va - m->va) && t.flags == m->flags && t.size == size_enum(m->size_bytes),
	           "pt_translate(0x%lx) = pa 0x%lx flags 0x%x size %d, expected 0x%lx 0x%x %d", va, t.pa,
	           t.flags, t.size, m->pa + (va - m->va), m->flags, size_enum(m->size_bytes));
}

struct walk_state {
	size_t next; /* index of the model entry the next leaf must match */
};

static bool visit_leaf(void *ctx, virt_addr_t va, const struct pt_translation *t)
{
	struct walk_state *w = ctx;
	fuzz_check(w->next < nmodel, "pt_for_each_mapping: extra page at va 0x%lx", va);
	const struct mapping *m = &model[w->next++];
	fuzz_check(va == m->va && t->pa == m->pa && t->flags == m->flags &&
	               t->size == size_enum(m->size_bytes),
	           "pt_for_each_mapping: va 0x%lx pa 0x%lx flags 0x%x size %d, expected va 0x%lx pa 0x%lx "
	           "flags 0x%x size %d",
	           va, t->pa, t->flags, t->size, m->va, m->pa, m->flags, size_enum(m->size_bytes));
	return true;
}

static void compare_mappings(const struct pt_space *sp, const char *which)
{
	struct walk_state w = {0};
	pt_for_each_mapping(sp, visit_leaf, &w);
	fuzz_check(w.next == nmodel, "%s: %zu pages, expected %zu", which, w.next, nmodel);
}

static void compare_tree(void)
{
	compare_mappings(&space, "pt_for_each_mapping");
	size_t wx = 0;
	for (size_t i = 0; i < nmodel; i++) {
		if ((model[i].flags & (PT_WRITE | PT_EXEC)) == (PT_WRITE | PT_EXEC))
			wx += model[i].size_bytes / PAGE_SIZE;
	}
	size_t got_wx = pt_audit_wx(&space, NULL, NULL);
	fuzz_check(got_wx == wx, "pt_audit_wx: %zu pages, expected %zu", got_wx, wx);
	fuzz_check(pt_count_table_frames(&space) == counting_frames_outstanding(&frames),
	           "%zu table frames in the tree, %zu handed out", pt_count_table_frames(&space),
	           counting_frames_outstanding(&frames));
	fuzz_check(frames.bad_frees == 0, "the mapper freed a frame it did not own");
}

/* ---- decoding the input ---- */

/* A virtual address around one of four places: 0, the top of the lower
 * half, the bottom of the higher half, the top of the address space; in
 * one of four GiB, one of eight 2 MiB slots, any 4 KiB page; often at the
 * edge of a 2 MiB page, aligned to 2 MiB or 1 GiB, or at either end of a
 * page the model has; sometimes misaligned or made non-canonical. */
static virt_addr_t take_va(struct fuzz_input *in)
{
	static const virt_addr_t windows[] = {0, (1ull << CANONICAL_TOP) - GiB(4), 0xffff800000000000ull,
	                                      0 - GiB(4)};
	uint32_t r = fuzz_u32(in);
	uint64_t gb = (r >> 2) & 3, slot = (r >> 4) & 7, page = (r >> 7) & 511;
	unsigned mode = (r >> 16) & 7;
	switch (mode) {
	case 2: page = (r & 0x80) ? 1 : 511 - ((r >> 8) & 1); break;
	case 3: page = 0; break;
	case 4: page = slot = 0; break;
	default: break;
	}
	virt_addr_t va = windows[r & 3] + gb * PAGE_SIZE_1G + slot * PAGE_SIZE_2M + page * PAGE_SIZE;
	if (mode == 7 && nmodel > 0) {
		/* At a page the model has: its start, its last 4 KiB, or the
		 * 4 KiB just past either end. */
		const struct mapping *m = &model[(r >> 19) % nmodel];
		switch (r & 3) {
		case 0: va = m->va; break;
		case 1: va = m->va - PAGE_SIZE; break;
		case 2: va = m->va + m->size_bytes - PAGE_SIZE; break;
		default: va = m->va + m->size_bytes; break;
		}
	} else if (mode == 5)
		va += ((r >> 19) & 0xfff) | 1;
	else if (mode == 6)
		va ^= 1ull << (48 + (r >> 19) % 16); /* breaks the sign extension */
	return va;
}

/* A physical address near 0, 4 GiB, or the 52-bit limit (or beyond it). */
static phys_addr_t take_pa(struct fuzz_input *in)
{
	static const phys_addr_t windows[] = {0, GiB(4), PT_PHYS_ADDR_MAX - GiB(4), PT_PHYS_ADDR_MAX};
	uint32_t r = fuzz_u32(in);
	uint64_t gb = (r >> 2) & 3, slot = (r >> 4) & 7, page = (r >> 7) & 511;
	switch ((r >> 16) & 7) {
	case 3: page = 0; break;
	case 4: page = slot = 0; break;
	case 5:
		page = slot = 0;
		gb = 0;
		break;
	default: break;
	}
	phys_addr_t pa = windows[r & 3] + gb * PAGE_SIZE_1G + slot * PAGE_SIZE_2M + page * PAGE_SIZE;
	if (((r >> 16) & 7) == 6)
		pa += 0x800;
	return pa;
}

/* PT_* flags, now and then with an unknown bit. */
static unsigned take_flags(struct fuzz_input *in)
{
	uint8_t r = fuzz_u8(in);
	return r >= 0xf8 ? (r & PT_FLAGS_ALL) | 0x20u : r & PT_FLAGS_ALL;
}

/* The size of a range: a few pages, within 8 pages of a few 2 MiB or of
 * one or two GiB, now and then empty or not whole pages. */
static uint64_t take_range_size(struct fuzz_input *in)
{
	uint8_t r = fuzz_u8(in), n = fuzz_u8(in);
	if (r == 0xff)
		return 0;
	if (r == 0xfe)
		return PAGE_SIZE + 8;
	int64_t pages_off = (int64_t)(r >> 4) - 8;
	switch (r % 4) {
	case 0:
	case 1: return (n % 64 + 1) * PAGE_SIZE;
	case 2: return (n % 4 + 1) * PAGE_SIZE_2M + (uint64_t)(pages_off * (int64_t)PAGE_SIZE);
	default: return (n % 2 + 1) * PAGE_SIZE_1G + (uint64_t)(pages_off * (int64_t)PAGE_SIZE);
	}
}

static enum pt_tlb take_tlb(struct fuzz_input *in)
{
	return (enum pt_tlb)(fuzz_u8(in) % 3);
}

/* ---- steps ---- */

/* The result of a call that may also run out of table frames: with tight
 * frames MM_ERR_NO_MEMORY is allowed once the arguments passed their
 * checks (whether a table is missing is the tree's business), and the
 * model is rolled back. */
static bool result_matches(enum mm_error got, enum mm_error expected, bool args_ok)
{
	return got == expected || (tight_frames && args_ok && got == MM_ERR_NO_MEMORY);
}

static void do_map(struct fuzz_input *in)
{
	virt_addr_t va = take_va(in);
	phys_addr_t pa = take_pa(in);
	enum pt_page_size size = (enum pt_page_size)(fuzz_u8(in) % 3);
	unsigned flags = take_flags(in);
	enum pt_tlb tlb = take_tlb(in);
	uint64_t bytes = pt_page_bytes(size);

	enum mm_error expected = MM_OK;
	if (size == PT_PAGE_1G && !space.allow_1g)
		expected = MM_ERR_UNSUPPORTED;
	else if (flags & ~(unsigned)PT_FLAGS_ALL)
		expected = MM_ERR_INVALID;
	if (expected == MM_OK)
		expected = model_check_page(va, bytes);
	if (expected == MM_OK)
		expected = model_check_pa(pa, bytes, bytes);
	bool args_ok = expected == MM_OK;
	/* A large page or a mapping in the way is found before any table is
	 * allocated, so only a call that maps may run out of frames. */
	if (args_ok && nmodel == MAX_MAPPINGS)
		return;
	if (args_ok)
		expected = model_map_page(va, pa, bytes, flags);

	unsigned long flushes = host_tlb_flush_page_count + host_tlb_flush_all_count;
	enum mm_error got = pt_map(&space, va, pa, size, flags, tlb);
	fuzz_check(result_matches(got, expected, expected == MM_OK),
	           "pt_map(0x%lx, 0x%lx, %d, 0x%x) returned %s, expected %s", va, pa, size, flags,
	           error_name(got), error_name(expected));
	if (got != expected)
		model_remove(model_find(va));
	if (tlb == PT_TLB_IGNORE)
		fuzz_check(flushes == host_tlb_flush_page_count + host_tlb_flush_all_count,
		           "pt_map with PT_TLB_IGNORE flushed");
	check_translation(va);
}

/* The page sizes pt_map_range picks: the largest that va, pa and the
 * remaining length allow. */
static uint64_t next_page_bytes(virt_addr_t va, phys_addr_t pa, uint64_t remaining)
{
	if (space.allow_1g && aligned(va | pa, PAGE_SIZE_1G) && remaining >= PAGE_SIZE_1G)
		return PAGE_SIZE_1G;
	if (aligned(va | pa, PAGE_SIZE_2M) && remaining >= PAGE_SIZE_2M)
		return PAGE_SIZE_2M;
	return PAGE_SIZE;
}

static void do_map_range(struct fuzz_input *in)
{
	virt_addr_t va = take_va(in);
	phys_addr_t pa = take_pa(in);
	uint64_t size_bytes = take_range_size(in);
	unsigned flags = take_flags(in);
	enum pt_tlb tlb = take_tlb(in);

	enum mm_error expected = flags & ~(unsigned)PT_FLAGS_ALL ? MM_ERR_INVALID : MM_OK;
	if (expected == MM_OK)
		expected = model_check_range(va, size_bytes);
	if (expected == MM_OK)
		expected = model_check_pa(pa, size_bytes, PAGE_SIZE);
	struct pt_map_stats want = {0};
	uint64_t done = 0;
	bool args_ok = expected == MM_OK;
	if (args_ok) {
		/* How many pages it takes, to stay inside the model's room. */
		size_t pages = 0;
		for (uint64_t d = 0; d < size_bytes && nmodel + pages <= MAX_MAPPINGS;
		     d += next_page_bytes(va + d, pa + d, size_bytes - d))
			pages++;
		if (nmodel + pages > MAX_MAPPINGS)
			return;
		while (done < size_bytes && expected == MM_OK) {
			uint64_t bytes = next_page_bytes(va + done, pa + done, size_bytes - done);
			expected = model_map_page(va + done, pa + done, bytes, flags);
			if (expected == MM_OK) {
				want.pages_1g += bytes == PAGE_SIZE_1G;
				want.pages_2m += bytes == PAGE_SIZE_2M;
				want.pages_4k += bytes == PAGE_SIZE;
				done += bytes;
			}
		}
	}

	struct pt_map_stats stats;
	enum mm_error got = pt_map_range(&space, va, pa, size_bytes, flags, tlb, &stats);
	fuzz_check(result_matches(got, expected, args_ok),
	           "pt_map_range(0x%lx, 0x%lx, 0x%lx, 0x%x) returned %s, expected %s", va, pa, size_bytes,
	           flags, error_name(got), error_name(expected));
	if (got != MM_OK && done > 0) {
		/* The call undoes its pages on failure: so does the model. */
		for (uint64_t d = 0; d < done;) {
			struct mapping *m = model_find(va + d);
			d += m->size_bytes;
			model_remove(m);
		}
	}
	if (got == MM_OK)
		fuzz_check(stats.pages_4k == want.pages_4k && stats.pages_2m == want.pages_2m &&
		               stats.pages_1g == want.pages_1g,
		           "pt_map_range(0x%lx, 0x%lx, 0x%lx) stats %zu/%zu/%zu pages, expected %zu/%zu/%zu",
		           va, pa, size_bytes, stats.pages_4k, stats.pages_2m, stats.pages_1g, want.pages_4k,
		           want.pages_2m, want.pages_1g);
	if (expected == MM_OK || got == MM_OK) {
		check_translation(va);
		check_translation(va + size_bytes - 1);
	}
}

/* pt_unmap and pt_protect: both act on the page that starts at va. */
static enum mm_error model_page_start(virt_addr_t va, struct mapping **m)
{
	enum mm_error err = model_check_page(va, PAGE_SIZE);
	if (err != MM_OK)
		return err;
	*m = model_find(va);
	if (!*m)
		return MM_ERR_NOT_MAPPED;
	return (*m)->va == va ? MM_OK : MM_ERR_HUGE_PAGE;
}

static void do_unmap(struct fuzz_input *in, bool bogus_tlb)
{
	virt_addr_t va = take_va(in);
	enum pt_tlb tlb = bogus_tlb ? (enum pt_tlb)PT_TLB_BOGUS : take_tlb(in);
	struct mapping *m = NULL;
	enum mm_error expected = bogus_tlb ? MM_ERR_INVALID : model_page_start(va, &m);
	unsigned long page_flushes = host_tlb_flush_page_count;

	struct pt_translation old;
	enum mm_error got = pt_unmap(&space, va, &old, tlb);
	fuzz_check(got == expected, "pt_unmap(0x%lx) returned %s, expected %s", va, error_name(got),
	           error_name(expected));
	if (got == MM_OK) {
		fuzz_check(old.pa == m->pa && old.flags == m->flags && old.size == size_enum(m->size_bytes),
		           "pt_unmap(0x%lx) reported pa 0x%lx flags 0x%x size %d, expected 0x%lx 0x%x %d", va,
		           old.pa, old.flags, old.size, m->pa, m->flags, size_enum(m->size_bytes));
		if (tlb == PT_TLB_FLUSH_PAGE)
			fuzz_check(host_tlb_flush_page_count == page_flushes + 1 &&
			               host_tlb_last_flushed_page == va,
			           "pt_unmap(0x%lx) did not flush that page", va);
		model_remove(m);
	}
	check_translation(va);
}

static void do_protect(struct fuzz_input *in)
{
	virt_addr_t va = take_va(in);
	unsigned flags = take_flags(in);
	struct mapping *m = NULL;
	enum mm_error expected = flags & ~(unsigned)PT_FLAGS_ALL ? MM_ERR_INVALID : model_page_start(va, &m);
	enum mm_error got = pt_protect(&space, va, flags, take_tlb(in));
	fuzz_check(got == expected, "pt_protect(0x%lx, 0x%x) returned %s, expected %s", va, flags,
	           error_name(got), error_name(expected));
	if (got == MM_OK)
		m->flags = flags;
	check_translation(va);
}

static void do_unmap_range(struct fuzz_input *in)
{
	virt_addr_t va = take_va(in);
	uint64_t size_bytes = take_range_size(in);
	enum mm_error expected = model_check_range(va, size_bytes);
	virt_addr_t last = va + size_bytes - 1;
	if (expected == MM_OK) {
		/* A page holding either end must lie inside the range. */
		const struct mapping *ends[2] = {model_find(va), model_find(last)};
		for (int e = 0; e < 2; e++) {
			if (ends[e] && (ends[e]->va < va || ends[e]->va + (ends[e]->size_bytes - 1) > last))
				expected = MM_ERR_HUGE_PAGE;
		}
	}
	enum mm_error got = pt_unmap_range(&space, va, size_bytes, take_tlb(in));
	fuzz_check(got == expected, "pt_unmap_range(0x%lx, 0x%lx) returned %s, expected %s", va, size_bytes,
	           error_name(got), error_name(expected));
	if (got == MM_OK) {
		size_t i = model_lower_bound(va);
		while (i < nmodel && model[i].va <= last)
			model_remove(&model[i]);
		check_translation(last);
	}
	check_translation(va);
}

static void check_clone(bool with_leaves)
{
	struct pt_space copy;
	enum mm_error err = pt_clone(&space, &copy, &frames.source, with_leaves);
	fuzz_check(err == MM_OK, "pt_clone returned %s", error_name(err));
	fuzz_check(pt_count_table_frames(&copy) == pt_count_table_frames(&space),
	           "the clone has %zu table frames, the original %zu", pt_count_table_frames(&copy),
	           pt_count_table_frames(&space));
	if (with_leaves) {
		compare_mappings(&copy, "clone");
	} else {
		size_t saved = nmodel;
		nmodel = 0;
		compare_mappings(&copy, "clone without leaves");
		nmodel = saved;
	}
	err = pt_destroy(&copy);
	fuzz_check(err == MM_OK && copy.root == 0, "pt_destroy(clone) returned %s", error_name(err));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in;
	fuzz_input_init(&in, data, size);
	/* One arena for all runs: the mapper zeroes every table it takes. */
	if (host_arena_size() != ARENA_BYTES)
		host_arena_init(ARENA_BYTES);
	host_log_clear();
	host_root_table = 0;
	host_tlb_flush_page_count = host_tlb_flush_all_count = 0;
	counting_frames_init(&frames, PAGE_SIZE, ARENA_BYTES / PAGE_SIZE - 1);
	nmodel = 0;
	uint8_t setup = fuzz_u8(&in);
	enum mm_error err = pt_space_create(&space, &frames.source, setup & 1);
	fuzz_check(err == MM_OK, "pt_space_create returned %s", error_name(err));

	for (unsigned step = 1; !fuzz_input_done(&in); step++) {
		uint8_t op = fuzz_u8(&in);
		host_log_clear();
		/* Bit 7: this step may get at most op & 3 new table frames. */
		tight_frames = (op & 0x80) != 0;
		frames.allocs_left = tight_frames ? (size_t)(op & 3) : SIZE_MAX;
		switch (op % 8) {
		case 0:
		case 1: do_map(&in); break;
		case 2: do_map_range(&in); break;
		case 3: do_unmap(&in, false); break;
		case 4: do_unmap_range(&in); break;
		case 5: do_protect(&in); break;
		case 6: check_translation(take_va(&in)); break;
		case 7: do_unmap(&in, true); break;
		}
		frames.allocs_left = SIZE_MAX;
		tight_frames = false;
		if (step % 16 == 0)
			compare_tree();
	}
	compare_tree();
	if (setup & 2) {
		check_clone(true);
		check_clone(false);
	}

	err = pt_destroy(&space);
	fuzz_check(err == MM_OK, "pt_destroy returned %s", error_name(err));
	fuzz_check(counting_frames_outstanding(&frames) == 0 && frames.bad_frees == 0,
	           "pt_destroy left %zu frames out, %zu bad frees", counting_frames_outstanding(&frames),
	           frames.bad_frees);
	counting_frames_fini(&frames);
	return 0;
}
