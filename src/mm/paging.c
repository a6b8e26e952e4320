/*
 * paging.c - maps, unmaps, protects and translates pages in x86_64 4-level
 * page tables (see paging.h). Creating, cloning and destroying a whole
 * space is in pt_space.c; the read-only walks (iteration, counting, W^X
 * audit) are in pt_walk.c.
 *
 * Algorithm: to map va with a leaf at some level, walk down from the root,
 * one 9-bit index of va per level; where an entry is not present, take a
 * frame from the frame source, zero it through mm_phys_to_virt and link it
 * with the permissive P|RW|US. At the leaf level write pa | flag bits (| PS
 * for a large page). Lookups walk the same way and stop at the first entry
 * that is not present or is a leaf. A range is mapped page by page, each
 * page as large as alignment and length allow; it is unmapped by stepping
 * over whole pages and whole holes (a missing entry at level L skips the
 * rest of what that entry would cover).
 */
#include "pt_internal.h"

/* LAB paging: begin helper */
static unsigned index_of(virt_addr_t va, int level)
{
	return (unsigned)(va >> pt_level_shift(level)) & (PT_ENTRIES - 1);
}
/* LAB paging: end helper */

/* The level whose entry is the leaf of a page of that size. */
static int leaf_level(enum pt_page_size size)
{
	return size == PT_PAGE_1G ? 3 : size == PT_PAGE_2M ? 2 : 1;
}

static uint64_t level_bytes(int level)
{
	return 1ULL << pt_level_shift(level);
}

static const char *level_page_name(int level)
{
	return level == 3 ? "1 GiB" : level == 2 ? "2 MiB" : "4 KiB";
}

uint64_t pt_page_bytes(enum pt_page_size size)
{
	switch (size) {
	case PT_PAGE_4K: return PAGE_SIZE;
	case PT_PAGE_2M: return PAGE_SIZE_2M;
	case PT_PAGE_1G: return PAGE_SIZE_1G;
	}
	return 0;
}

static bool is_canonical(virt_addr_t va)
{
	uint64_t top = va >> 47; /* bits 63..47 must be all 0 or all 1 */
	return top == 0 || top == 0x1ffff;
}

/* ---- Argument checks: each logs "who: problem value" and returns the error. ---- */

enum mm_error pt_check_tlb(const char *who, enum pt_tlb tlb)
{
	if (tlb != PT_TLB_FLUSH_PAGE && tlb != PT_TLB_FLUSH_ALL && tlb != PT_TLB_IGNORE) {
		mm_warn("%s: unknown TLB policy 0x%x\n", who, (unsigned)tlb);
		return MM_ERR_INVALID;
	}
	return MM_OK;
}

enum mm_error pt_check_flags(const char *who, unsigned flags)
{
	if (flags & ~(unsigned)PT_FLAGS_ALL) {
		mm_warn("%s: unknown flags 0x%x\n", who, flags & ~(unsigned)PT_FLAGS_ALL);
		return MM_ERR_INVALID;
	}
	return MM_OK;
}

static enum mm_error check_va(const char *who, virt_addr_t va, uint64_t align)
{
	if (!is_canonical(va)) {
		mm_warn("%s: va 0x%lx is not canonical (bits 63..48 must equal bit 47)\n", who, va);
		return MM_ERR_NON_CANONICAL;
	}
	if (!IS_ALIGNED(va, align)) {
		mm_warn("%s: va 0x%lx is not aligned to 0x%lx\n", who, va, align);
		return MM_ERR_MISALIGNED;
	}
	return MM_OK;
}

/* [va, va + size_bytes) must be non-empty, whole 4 KiB pages, and lie in
 * one canonical half (a range from one half into the other would cross the
 * non-canonical hole). */
static enum mm_error check_va_range(const char *who, virt_addr_t va, uint64_t size_bytes)
{
	enum mm_error err = check_va(who, va, PAGE_SIZE);
	if (err != MM_OK)
		return err;
	if (size_bytes == 0) {
		mm_warn("%s: empty range at va 0x%lx\n", who, va);
		return MM_ERR_INVALID;
	}
	if (!IS_ALIGNED(size_bytes, PAGE_SIZE)) {
		mm_warn("%s: size 0x%lx is not a multiple of 4 KiB\n", who, size_bytes);
		return MM_ERR_MISALIGNED;
	}
	virt_addr_t last = va + size_bytes - 1;
	if (last < va) {
		mm_warn("%s: range at va 0x%lx of 0x%lx bytes wraps around\n", who, va, size_bytes);
		return MM_ERR_INVALID;
	}
	if (!is_canonical(last) || (last >> 47) != (va >> 47)) {
		mm_warn("%s: range va 0x%lx..0x%lx is not canonical throughout\n", who, va, last);
		return MM_ERR_NON_CANONICAL;
	}
	return MM_OK;
}

static enum mm_error check_pa(const char *who, phys_addr_t pa, uint64_t size_bytes, uint64_t align)
{
	if (pa >= PT_PHYS_ADDR_MAX || size_bytes > PT_PHYS_ADDR_MAX - pa) {
		mm_warn("%s: pa 0x%lx (0x%lx bytes) is beyond the 52-bit physical address space\n", who, pa,
		        size_bytes);
		return MM_ERR_INVALID;
	}
	if (!IS_ALIGNED(pa, align)) {
		mm_warn("%s: pa 0x%lx is not aligned to 0x%lx\n", who, pa, align);
		return MM_ERR_MISALIGNED;
	}
	return MM_OK;
}

/* ---- Walking the tables ---- */

/* LAB paging: begin helper */
/* Walk from the root to va's entry at `level`, creating missing tables on
 * the way (counted in *tables_allocated). A large page met on the way is in
 * the way: MM_ERR_HUGE_PAGE. */
static enum mm_error walk_create(struct pt_space *sp, const char *who, virt_addr_t va, int level,
                                 uint64_t **slot, size_t *tables_allocated)
{
	phys_addr_t table = sp->root;
	for (int l = PT_LEVELS; l > level; l--) {
		uint64_t *entry = &pt_table(table)[index_of(va, l)];
		if (!(*entry & PTE_P)) {
			phys_addr_t next;
			enum mm_error err = pt_alloc_table(sp->frames, who, &next);
			if (err != MM_OK)
				return err;
			*entry = next | PTE_P | PTE_RW | PTE_US;
			(*tables_allocated)++;
		} else if (*entry & PTE_PS) {
			mm_warn("%s: va 0x%lx is inside the %s page at va 0x%lx (pa 0x%lx)\n", who, va,
			        level_page_name(l), ALIGN_DOWN(va, level_bytes(l)), pt_leaf_pa(*entry, l));
			return MM_ERR_HUGE_PAGE;
		}
		table = *entry & PTE_ADDR_MASK;
	}
	*slot = &pt_table(table)[index_of(va, level)];
	return MM_OK;
}
/* LAB paging: end helper */

/* Walk from the root towards va and stop at the first entry that is not
 * present or is a leaf; returns it and its level. */
static uint64_t *walk_find(const struct pt_space *sp, virt_addr_t va, int *level)
{
	/* LAB paging: begin */
	phys_addr_t table = sp->root;
	for (int l = PT_LEVELS;; l--) {
		uint64_t *entry = &pt_table(table)[index_of(va, l)];
		if (!(*entry & PTE_P) || pt_entry_is_leaf(*entry, l)) {
			*level = l;
			return entry;
		}
		table = *entry & PTE_ADDR_MASK;
	}
	/* LAB paging: end */
}

/* LAB paging: begin helper */
/* The lowest mapping under the table at `level` whose first entry covers
 * va `base`; false if there is none (the subtree maps nothing). */
static bool first_mapping(phys_addr_t table, int level, virt_addr_t base, virt_addr_t *va, phys_addr_t *pa)
{
	const uint64_t *entries = pt_table(table);
	for (unsigned i = 0; i < PT_ENTRIES; i++) {
		uint64_t e = entries[i];
		virt_addr_t at = base + ((uint64_t)i << pt_level_shift(level));
		if (!(e & PTE_P))
			continue;
		if (pt_entry_is_leaf(e, level)) {
			*va = at;
			*pa = pt_leaf_pa(e, level);
			return true;
		}
		if (first_mapping(e & PTE_ADDR_MASK, level - 1, at, va, pa))
			return true;
	}
	return false;
}
/* LAB paging: end helper */

/* The leaf entry bits for PT_* flags at `level`. */
uint64_t pt_leaf_bits(unsigned flags, int level)
{
	/* LAB paging: begin */
	uint64_t bits = PTE_P;
	if (flags & PT_WRITE)
		bits |= PTE_RW;
	if (!(flags & PT_EXEC))
		bits |= PTE_NX;
	if (flags & PT_USER)
		bits |= PTE_US;
	if (flags & PT_GLOBAL)
		bits |= PTE_G;
	if (flags & PT_NOCACHE)
		bits |= PTE_PCD | PTE_PWT;
	if (level > 1)
		bits |= PTE_PS;
	return bits;
	/* LAB paging: end */
}

/* Map one page with its leaf at `level`; arguments already checked. */
static enum mm_error map_one(struct pt_space *sp, const char *who, virt_addr_t va, phys_addr_t pa, int level,
                             unsigned flags, enum pt_tlb tlb, size_t *tables_allocated)
{
	/* LAB paging: begin */
	uint64_t *slot;
	enum mm_error err = walk_create(sp, who, va, level, &slot, tables_allocated);
	if (err != MM_OK)
		return err;
	uint64_t old = *slot;
	if (old & PTE_P) {
		if (pt_entry_is_leaf(old, level)) {
			mm_warn("%s: va 0x%lx is already mapped to pa 0x%lx (new pa 0x%lx)\n", who, va,
			        pt_leaf_pa(old, level), pa);
			return MM_ERR_ALREADY_MAPPED;
		}
		virt_addr_t used_va;
		phys_addr_t used_pa;
		if (first_mapping(old & PTE_ADDR_MASK, level - 1, va, &used_va, &used_pa)) {
			mm_warn(
			    "%s: cannot map a %s page at va 0x%lx: va 0x%lx inside it is already mapped to "
			    "pa 0x%lx (new pa 0x%lx)\n",
			    who, level_page_name(level), va, used_va, used_pa, pa);
			return MM_ERR_ALREADY_MAPPED;
		}
	}
	*slot = pa | pt_leaf_bits(flags, level);
	if (!(old & PTE_P)) {
		if (tlb == PT_TLB_FLUSH_PAGE)
			mm_tlb_flush_page(va);
		return MM_OK;
	}
	/* An empty table (left behind by unmaps) was in the way and is now
	 * replaced. The CPU may still cache the old entry that pointed to it,
	 * so flush at once (INVLPG also drops cached table entries), before
	 * the frame can be handed out again. */
	if (tlb != PT_TLB_IGNORE)
		mm_tlb_flush_page(va);
	/* The page is mapped either way; a source that will not take the old
	 * table back (the bump allocator never frees) is reported, not hidden. */
	return pt_free_tables(sp->frames, who, old & PTE_ADDR_MASK, level - 1);
	/* LAB paging: end */
}

/* Clear every leaf in [va, va + size_bytes); no large page may straddle an
 * end. Returns whether anything was unmapped. */
static bool unmap_pages(struct pt_space *sp, virt_addr_t va, uint64_t size_bytes, enum pt_tlb tlb)
{
	bool changed = false;
	uint64_t done = 0;
	while (done < size_bytes) {
		virt_addr_t cur = va + done;
		int level;
		uint64_t *entry = walk_find(sp, cur, &level);
		uint64_t span = level_bytes(level);
		if (*entry & PTE_P) {
			*entry = 0;
			if (tlb == PT_TLB_FLUSH_PAGE)
				mm_tlb_flush_page(cur);
			changed = true;
		}
		/* To the end of this page, or of the hole the missing entry leaves. */
		done += span - (cur & (span - 1));
	}
	return changed;
}

/* LAB paging: begin helper */
/* Whether va is mapped to pa by a leaf at `level`. */
static bool mapped_as(const struct pt_space *sp, virt_addr_t va, phys_addr_t pa, int level)
{
	int found;
	const uint64_t *entry = walk_find(sp, va, &found);
	return (*entry & PTE_P) && found == level && pt_leaf_pa(*entry, level) == pa;
}

/* The largest page that fits at va/pa with `remaining` bytes left. */
static enum pt_page_size largest_fit(const struct pt_space *sp, virt_addr_t va, phys_addr_t pa,
                                     uint64_t remaining, bool large_ok)
{
	if (large_ok && sp->allow_1g && IS_ALIGNED(va | pa, PAGE_SIZE_1G) && remaining >= PAGE_SIZE_1G)
		return PT_PAGE_1G;
	if (large_ok && IS_ALIGNED(va | pa, PAGE_SIZE_2M) && remaining >= PAGE_SIZE_2M)
		return PT_PAGE_2M;
	return PT_PAGE_4K;
}
/* LAB paging: end helper */

/* pt_map_range and pt_map_mmio: check, then map page by page, undoing
 * this call's pages if one fails. */
static enum mm_error map_range(struct pt_space *sp, const char *who, virt_addr_t va, phys_addr_t pa,
                               uint64_t size_bytes, unsigned flags, enum pt_tlb tlb, bool large_ok,
                               struct pt_map_stats *stats)
{
	/* LAB paging: begin */
	struct pt_map_stats done_stats = {0};
	enum mm_error err = pt_check_space(who, sp);
	if (err == MM_OK)
		err = pt_check_tlb(who, tlb);
	if (err == MM_OK)
		err = pt_check_flags(who, flags);
	if (err == MM_OK)
		err = check_va_range(who, va, size_bytes);
	if (err == MM_OK)
		err = check_pa(who, pa, size_bytes, PAGE_SIZE);
	if (err != MM_OK) {
		if (stats)
			*stats = done_stats;
		return err;
	}

	uint64_t done = 0;
	while (done < size_bytes) {
		enum pt_page_size size = largest_fit(sp, va + done, pa + done, size_bytes - done, large_ok);
		err = map_one(sp, who, va + done, pa + done, leaf_level(size), flags, tlb,
		              &done_stats.table_frames);
		if (err != MM_OK) {
			/* map_one can fail after mapping its page: when the page
			 * replaced an empty table that the frame source would not
			 * take back. Then that page is undone with the others. (A
			 * page found already mapped, even exactly so, is someone
			 * else's: MM_ERR_ALREADY_MAPPED leaves it alone.) */
			if (err != MM_ERR_ALREADY_MAPPED &&
			    mapped_as(sp, va + done, pa + done, leaf_level(size)))
				done += pt_page_bytes(size);
			break;
		}
		if (size == PT_PAGE_1G)
			done_stats.pages_1g++;
		else if (size == PT_PAGE_2M)
			done_stats.pages_2m++;
		else
			done_stats.pages_4k++;
		done += pt_page_bytes(size);
	}
	if (err != MM_OK && done > 0) {
		unmap_pages(sp, va, done, tlb);
		mm_warn("%s: undid the 0x%lx bytes mapped from va 0x%lx\n", who, done, va);
	}
	if (tlb == PT_TLB_FLUSH_ALL && done > 0)
		mm_tlb_flush_all();
	if (stats)
		*stats = done_stats;
	return err;
	/* LAB paging: end */
}

/* ---- Public operations ---- */

enum mm_error pt_map(struct pt_space *sp, virt_addr_t va, phys_addr_t pa, enum pt_page_size size,
                     unsigned flags, enum pt_tlb tlb)
{
	if (size != PT_PAGE_4K && size != PT_PAGE_2M && size != PT_PAGE_1G) {
		mm_warn("pt_map: unknown page size 0x%x\n", (unsigned)size);
		return MM_ERR_INVALID;
	}
	uint64_t bytes = pt_page_bytes(size);
	enum mm_error err = pt_check_space("pt_map", sp);
	if (err != MM_OK)
		return err;
	if (size == PT_PAGE_1G && !sp->allow_1g) {
		mm_warn("pt_map: 1 GiB pages are not enabled in this address space (va 0x%lx)\n", va);
		return MM_ERR_UNSUPPORTED;
	}
	err = pt_check_tlb("pt_map", tlb);
	if (err == MM_OK)
		err = pt_check_flags("pt_map", flags);
	if (err == MM_OK)
		err = check_va("pt_map", va, bytes);
	if (err == MM_OK)
		err = check_pa("pt_map", pa, bytes, bytes);
	if (err != MM_OK)
		return err;
	size_t tables = 0;
	err = map_one(sp, "pt_map", va, pa, leaf_level(size), flags, tlb, &tables);
	if (err == MM_OK && tlb == PT_TLB_FLUSH_ALL)
		mm_tlb_flush_all();
	return err;
}

enum mm_error pt_map_range(struct pt_space *sp, virt_addr_t va, phys_addr_t pa, uint64_t size_bytes,
                           unsigned flags, enum pt_tlb tlb, struct pt_map_stats *stats)
{
	return map_range(sp, "pt_map_range", va, pa, size_bytes, flags, tlb, true, stats);
}

enum mm_error pt_map_mmio(struct pt_space *sp, virt_addr_t va, phys_addr_t pa, uint64_t size_bytes,
                          enum pt_tlb tlb)
{
	/* No PT_EXEC: NX. Kernel only, read/write, uncached. */
	return map_range(sp, "pt_map_mmio", va, pa, size_bytes, PT_WRITE | PT_NOCACHE, tlb, false, NULL);
}

/* Find the leaf of the page that starts at va, for unmap and protect. */
enum mm_error pt_find_page_start(const struct pt_space *sp, const char *who, virt_addr_t va, uint64_t **entry,
                                 int *level)
{
	enum mm_error err = pt_check_space(who, sp);
	if (err == MM_OK)
		err = check_va(who, va, PAGE_SIZE);
	if (err != MM_OK)
		return err;
	*entry = walk_find(sp, va, level);
	if (!(**entry & PTE_P)) {
		mm_warn("%s: va 0x%lx is not mapped\n", who, va);
		return MM_ERR_NOT_MAPPED;
	}
	if (!IS_ALIGNED(va, level_bytes(*level))) {
		mm_warn("%s: va 0x%lx is inside the %s page at va 0x%lx; use the page's start\n", who, va,
		        level_page_name(*level), ALIGN_DOWN(va, level_bytes(*level)));
		return MM_ERR_HUGE_PAGE;
	}
	return MM_OK;
}

/* If a present large page contains va but reaches outside [first, last],
 * log it and return MM_ERR_HUGE_PAGE. */
static enum mm_error check_not_straddling(const struct pt_space *sp, virt_addr_t va, virt_addr_t first,
                                          virt_addr_t last)
{
	int level;
	const uint64_t *entry = walk_find(sp, va, &level);
	if (!(*entry & PTE_P))
		return MM_OK;
	virt_addr_t start = ALIGN_DOWN(va, level_bytes(level));
	virt_addr_t end = start + level_bytes(level) - 1;
	if (start < first || end > last) {
		mm_warn("pt_unmap_range: the %s page at va 0x%lx straddles the range va 0x%lx..0x%lx\n",
		        level_page_name(level), start, first, last);
		return MM_ERR_HUGE_PAGE;
	}
	return MM_OK;
}

enum mm_error pt_unmap_range(struct pt_space *sp, virt_addr_t va, uint64_t size_bytes, enum pt_tlb tlb)
{
	enum mm_error err = pt_check_space("pt_unmap_range", sp);
	if (err == MM_OK)
		err = pt_check_tlb("pt_unmap_range", tlb);
	if (err == MM_OK)
		err = check_va_range("pt_unmap_range", va, size_bytes);
	virt_addr_t last = va + size_bytes - 1;
	/* Only the pages holding the two ends can reach outside the range. */
	if (err == MM_OK)
		err = check_not_straddling(sp, va, va, last);
	if (err == MM_OK)
		err = check_not_straddling(sp, last, va, last);
	if (err != MM_OK)
		return err;
	if (unmap_pages(sp, va, size_bytes, tlb) && tlb == PT_TLB_FLUSH_ALL)
		mm_tlb_flush_all();
	return MM_OK;
}

enum mm_error pt_translate(const struct pt_space *sp, virt_addr_t va, struct pt_translation *out)
{
	enum mm_error err = pt_check_space("pt_translate", sp);
	if (err == MM_OK)
		err = check_va("pt_translate", va, 1);
	if (err != MM_OK)
		return err;
	int level;
	const uint64_t *entry = walk_find(sp, va, &level);
	if (!(*entry & PTE_P))
		return MM_ERR_NOT_MAPPED;
	if (out) {
		out->pa = pt_leaf_pa(*entry, level) + (va & (level_bytes(level) - 1));
		out->flags = pt_entry_flags(*entry);
		out->size = pt_level_page_size(level);
	}
	return MM_OK;
}
