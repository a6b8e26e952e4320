/*
 * buddy.c - the buddy allocator (see buddy.h).
 *
 * Algorithm: a block of order k is 2^k pages starting at a frame index that
 * is a multiple of 2^k; its buddy is the block at index ^ 2^k. Allocation
 * takes the smallest free block of order >= k and halves it until it has
 * order k, putting each unused upper half on its free list. Freeing merges
 * the block with its buddy for as long as the buddy is free with the same
 * order, then puts the result on its list. Adding a free range cuts it into
 * the largest aligned blocks that fit and frees each of them.
 *
 * Splitting and merging touch one frame's metadata each (the upper half's
 * head becomes a head or a tail), so every operation is O(BUDDY_MAX_ORDER).
 *
 * Page poisoning (on request, see buddy.h) adds O(pages) work: a free fills
 * each page of the block and sets its frame's poisoned flag; an allocation
 * checks each flagged page of the block it hands out and clears the flags.
 * The free-list links live in frames[], outside the pages, so a free page
 * holds nothing but the poison: the check needs to skip no bytes, and a
 * split or merge (which only changes metadata) can never look like a write
 * after free. Both the fill and the check run under the lock: a block must
 * not be on a free list, where another CPU could take it, before it is
 * poisoned, and the flags are part of the state the lock guards.
 */
#include "buddy.h"
#include "mm_env.h"
#include "mm_lock.h"
#include "mm_stage.h"
#include "page_poison.h"

/*
 * The allocator's state. buddy_lock guards all of it: every public function
 * below that reads or changes it is a thin wrapper that takes the lock and
 * calls the *_locked function that does the work.
 */
static struct mm_spinlock buddy_lock = MM_SPINLOCK_INIT;
static struct buddy_frame *frames; /* caller's metadata, one entry per frame */
static uint64_t base_pfn;          /* frame number of frames[0], 2^BUDDY_MAX_ORDER aligned */
static uint64_t nframes;           /* entries in frames[] */
static phys_addr_t span_lowest;    /* the span given to buddy_init, in bytes */
static phys_addr_t span_end;
static bool initialised;

/* The first block of each order's list, or BUDDY_NONE when it is empty. */
static uint32_t free_head[BUDDY_MAX_ORDER + 1] = {[0 ... BUDDY_MAX_ORDER] = BUDDY_NONE};
static size_t free_count[BUDDY_MAX_ORDER + 1]; /* blocks on each list */
static uint64_t free_pages;                    /* pages on all lists */
static uint64_t managed_pages;                 /* pages ever added */

/* Page poisoning: whether frees poison, how many free frames are flagged
 * poisoned (0 lets an allocation skip the per-page scan), and who hears of
 * a use after free. */
static bool poisoning;
static uint64_t poisoned_pages;
static buddy_use_after_free_hook use_after_free_hook;

/* Frame index <-> physical address. */
static phys_addr_t index_to_pa(uint64_t idx)
{
	return (base_pfn + idx) << PAGE_SHIFT;
}

static uint64_t pa_to_index(phys_addr_t pa)
{
	return (pa >> PAGE_SHIFT) - base_pfn;
}

static void list_push(uint32_t idx, unsigned order)
{
	struct buddy_frame *f = &frames[idx];
	f->state = BUDDY_FRAME_FREE_HEAD;
	f->order = (uint8_t)order;
	f->prev = BUDDY_NONE;
	f->next = free_head[order];
	if (f->next != BUDDY_NONE)
		frames[f->next].prev = idx;
	free_head[order] = idx;
	free_count[order]++;
	free_pages += 1ULL << order;
}

static void list_remove(uint32_t idx)
{
	struct buddy_frame *f = &frames[idx];
	unsigned order = f->order;
	if (f->prev != BUDDY_NONE)
		frames[f->prev].next = f->next;
	else
		free_head[order] = f->next;
	if (f->next != BUDDY_NONE)
		frames[f->next].prev = f->prev;
	f->next = f->prev = BUDDY_NONE;
	free_count[order]--;
	free_pages -= 1ULL << order;
}

/* Put the block at idx (its frames already marked: head anything, the rest
 * TAIL) on the free lists, merged with its free buddies. */
static void free_and_merge(uint32_t idx, unsigned order)
{
	/*
	 * Basic algorithm:
	 *   while the block is not of the largest order:
	 *     buddy = idx ^ 2^order
	 *     if the buddy is not a free head of this same order, stop
	 *     take the buddy off its list; the upper of the two heads becomes
	 *     a tail; the merged block starts at the lower one, one order up
	 *   put the (merged) block on the list of its order
	 * A buddy of another order is partly allocated or split further, so it
	 * cannot merge; an unmanaged buddy (a hole) never merges.
	 */
	while (order < BUDDY_MAX_ORDER) {
		uint64_t buddy = (uint64_t)idx ^ (1ULL << order);
		if (buddy >= nframes)
			break;
		struct buddy_frame *b = &frames[buddy];
		if (b->state != BUDDY_FRAME_FREE_HEAD || b->order != order)
			break;
		list_remove((uint32_t)buddy);
		uint32_t lower = idx < buddy ? idx : (uint32_t)buddy;
		uint32_t upper = idx < buddy ? (uint32_t)buddy : idx;
		frames[upper].state = BUDDY_FRAME_TAIL;
		idx = lower;
		order++;
	}
	list_push(idx, order);
}

uint64_t buddy_metadata_bytes(phys_addr_t lowest, phys_addr_t highest_end)
{
	if (highest_end <= lowest)
		return 0;
	uint64_t first = ALIGN_DOWN(lowest >> PAGE_SHIFT, 1ULL << BUDDY_MAX_ORDER);
	/* Round the end up to a page without overflowing near 2^64. */
	uint64_t end = (highest_end >> PAGE_SHIFT) + ((highest_end & (PAGE_SIZE - 1)) != 0);
	/* Indices are uint32_t and BUDDY_NONE is reserved. */
	if (end - first >= BUDDY_NONE)
		return 0;
	return (end - first) * sizeof(struct buddy_frame);
}

enum mm_error buddy_init(phys_addr_t lowest, phys_addr_t highest_end, void *metadata, uint64_t metadata_bytes)
{
	enum mm_error err = mm_stage_check("buddy_init", MM_STAGE_PAGING, MM_STAGE_PAGING);
	if (err != MM_OK)
		return err;
	if (initialised) {
		mm_log("buddy_init: already set up for 0x%lx..0x%lx, refusing 0x%lx..0x%lx\n", span_lowest,
		       span_end, lowest, highest_end);
		return MM_ERR_INVALID;
	}
	uint64_t need = buddy_metadata_bytes(lowest, highest_end);
	if (need == 0) {
		mm_log("buddy_init: span 0x%lx..0x%lx is empty or has too many frames\n", lowest,
		       highest_end);
		return MM_ERR_INVALID;
	}
	if (metadata == NULL) {
		mm_log("buddy_init: metadata pointer is NULL (need 0x%lx bytes)\n", need);
		return MM_ERR_INVALID;
	}
	if (!IS_ALIGNED((uintptr_t)metadata, _Alignof(struct buddy_frame))) {
		mm_log("buddy_init: metadata at 0x%lx is not %zu-byte aligned\n",
		       (uint64_t)(uintptr_t)metadata, _Alignof(struct buddy_frame));
		return MM_ERR_MISALIGNED;
	}
	if (metadata_bytes < need) {
		mm_log("buddy_init: metadata of 0x%lx bytes is too small, need 0x%lx bytes\n", metadata_bytes,
		       need);
		return MM_ERR_NO_MEMORY;
	}

	frames = metadata;
	base_pfn = ALIGN_DOWN(lowest >> PAGE_SHIFT, 1ULL << BUDDY_MAX_ORDER);
	nframes = need / sizeof(struct buddy_frame);
	span_lowest = lowest;
	span_end = highest_end;
	for (uint64_t i = 0; i < nframes; i++)
		frames[i] = (struct buddy_frame){
		    .next = BUDDY_NONE, .prev = BUDDY_NONE, .state = BUDDY_FRAME_UNMANAGED};
	for (unsigned o = 0; o <= BUDDY_MAX_ORDER; o++) {
		free_head[o] = BUDDY_NONE;
		free_count[o] = 0;
	}
	free_pages = 0;
	managed_pages = 0;
	poisoned_pages = 0;
	initialised = true;
	return MM_OK;
}

/* The largest order of a block that starts at idx and ends by end. */
static unsigned largest_block_at(uint64_t idx, uint64_t end)
{
	unsigned order = BUDDY_MAX_ORDER;
	while (order > 0 && (!IS_ALIGNED(idx, 1ULL << order) || idx + (1ULL << order) > end))
		order--;
	return order;
}

static enum mm_error add_free_range_locked(phys_addr_t base, uint64_t size_bytes)
{
	enum mm_error err = mm_stage_check("buddy_add_free_range", MM_STAGE_PAGING, MM_STAGE_PAGING);
	if (err != MM_OK)
		return err;
	if (!initialised) {
		mm_log("buddy_add_free_range: buddy_init has not run, cannot add 0x%lx + 0x%lx\n", base,
		       size_bytes);
		return MM_ERR_INVALID;
	}
	if (size_bytes == 0 || base + size_bytes < base) {
		mm_log("buddy_add_free_range: range 0x%lx + 0x%lx is empty or wraps\n", base, size_bytes);
		return MM_ERR_INVALID;
	}
	if (base < span_lowest || base + size_bytes > span_end) {
		mm_log("buddy_add_free_range: range 0x%lx..0x%lx is outside the span 0x%lx..0x%lx\n", base,
		       base + size_bytes, span_lowest, span_end);
		return MM_ERR_INVALID;
	}
	phys_addr_t start = ALIGN_UP(base, PAGE_SIZE);
	phys_addr_t end = ALIGN_DOWN(base + size_bytes, PAGE_SIZE);
	if (start >= end) {
		mm_log("buddy_add_free_range: range 0x%lx + 0x%lx holds no whole page, nothing added\n", base,
		       size_bytes);
		return MM_OK;
	}
	uint64_t first = pa_to_index(start), last = pa_to_index(end);

	/* Check everything before changing anything. */
	for (uint64_t i = first; i < last; i++) {
		if (frames[i].state != BUDDY_FRAME_UNMANAGED) {
			mm_log("buddy_add_free_range: frame 0x%lx of range 0x%lx..0x%lx is already managed\n",
			       index_to_pa(i), start, end);
			return MM_ERR_OVERLAP;
		}
	}

	uint64_t idx = first;
	while (idx < last) {
		unsigned order = largest_block_at(idx, last);
		for (uint64_t i = idx + 1; i < idx + (1ULL << order); i++)
			frames[i].state = BUDDY_FRAME_TAIL;
		managed_pages += 1ULL << order;
		free_and_merge((uint32_t)idx, order);
		idx += 1ULL << order;
	}
	return MM_OK;
}

enum mm_error buddy_add_free_range(phys_addr_t base, uint64_t size_bytes)
{
	mm_spin_lock(&buddy_lock);
	enum mm_error result = add_free_range_locked(base, size_bytes);
	mm_spin_unlock(&buddy_lock);
	return result;
}

/* Where a use after free was found: the changed page and the offset of
 * its first changed byte. */
struct poison_report {
	phys_addr_t page;
	uint64_t offset;
};

/* Fill every page of the block at idx with the poison and flag its frames.
 * Pages flagged already (a double free is refused before this, so none
 * should be) are not counted twice. */
static void poison_fill_block(uint32_t idx, unsigned order)
{
	for (uint64_t i = idx; i < idx + (1ULL << order); i++) {
		page_poison_fill(mm_phys_to_virt(index_to_pa(i)));
		poisoned_pages += !frames[i].poisoned;
		frames[i].poisoned = 1;
	}
}

/* Check every flagged page of the block at idx (just allocated) and clear
 * all its flags. Returns true when every flagged page still holds the
 * poison; otherwise false, with the first changed page (lowest address) in
 * *report, logged. The flags are cleared either way: the block is no longer
 * free, and on a report it is kept out of use for good. */
static bool poison_check_block(uint32_t idx, unsigned order, struct poison_report *report)
{
	bool intact = true;
	for (uint64_t i = idx; i < idx + (1ULL << order); i++) {
		if (!frames[i].poisoned)
			continue;
		frames[i].poisoned = 0;
		poisoned_pages--;
		if (!intact)
			continue; /* only the first changed page is reported */
		const uint8_t *page = mm_phys_to_virt(index_to_pa(i));
		uint64_t offset;
		if (!page_poison_intact(page, &offset)) {
			mm_log(
			    "buddy_alloc_pages: use after free: page 0x%lx changed at offset 0x%lx after it "
			    "was freed (byte 0x%02x, poison 0x%02x); the order-%u block at 0x%lx is kept out "
			    "of use\n",
			    index_to_pa(i), offset, page[offset], PAGE_POISON_BYTE, order, index_to_pa(idx));
			*report = (struct poison_report){.page = index_to_pa(i), .offset = offset};
			intact = false;
		}
	}
	return intact;
}

static enum mm_error alloc_pages_locked(unsigned order, phys_addr_t *out, struct poison_report *report)
{
	enum mm_error err = mm_stage_check("buddy_alloc_pages", MM_STAGE_BUDDY, MM_STAGE_SMP);
	if (err != MM_OK)
		return err;
	if (order > BUDDY_MAX_ORDER) {
		mm_log("buddy_alloc_pages: order %u is above the maximum %u\n", order, BUDDY_MAX_ORDER);
		return MM_ERR_INVALID;
	}
	if (out == NULL) {
		mm_log("buddy_alloc_pages: out pointer is NULL (order %u)\n", order);
		return MM_ERR_INVALID;
	}
	unsigned found = order;
	while (found <= BUDDY_MAX_ORDER && free_head[found] == BUDDY_NONE)
		found++;
	if (found > BUDDY_MAX_ORDER) {
		mm_log("buddy_alloc_pages: no free block of order %u or larger (0x%lx pages free)\n", order,
		       free_pages);
		return MM_ERR_NO_MEMORY;
	}

	uint32_t idx = free_head[found];
	list_remove(idx);
	/* Halve until the block has the requested order; the upper halves go on
	 * the lists (their heads were tails until now). */
	while (found > order) {
		found--;
		list_push(idx + (1U << found), found);
	}
	frames[idx].state = BUDDY_FRAME_ALLOCATED_HEAD;
	frames[idx].order = (uint8_t)order;
	if (poisoned_pages > 0 && !poison_check_block(idx, order, report))
		return MM_ERR_USE_AFTER_FREE; /* the block stays allocated: out of use */
	*out = index_to_pa(idx);
	return MM_OK;
}

enum mm_error buddy_alloc_pages(unsigned order, phys_addr_t *out)
{
	struct poison_report report = {0};
	mm_spin_lock(&buddy_lock);
	enum mm_error result = alloc_pages_locked(order, out, &report);
	buddy_use_after_free_hook hook = use_after_free_hook;
	mm_spin_unlock(&buddy_lock);
	/* The hook may panic: call it without the lock, so that whatever the
	 * panic path does (a dump, another CPU) cannot deadlock on the buddy. */
	if (result == MM_ERR_USE_AFTER_FREE && hook != NULL)
		hook(report.page, report.offset);
	return result;
}

/* The head of the block that contains the tail frame idx: blocks are
 * aligned to their size, so it is idx rounded down to some order. */
static uint64_t head_of_tail(uint64_t idx)
{
	for (unsigned o = 1; o <= BUDDY_MAX_ORDER; o++) {
		uint64_t candidate = ALIGN_DOWN(idx, 1ULL << o);
		if (frames[candidate].state == BUDDY_FRAME_FREE_HEAD ||
		    frames[candidate].state == BUDDY_FRAME_ALLOCATED_HEAD)
			return candidate;
	}
	return idx; /* cannot happen while the invariants hold */
}

static enum mm_error free_pages_locked(phys_addr_t pa, unsigned order)
{
	enum mm_error err = mm_stage_check("buddy_free_pages", MM_STAGE_BUDDY, MM_STAGE_SMP);
	if (err != MM_OK)
		return err;
	if (order > BUDDY_MAX_ORDER) {
		mm_log("buddy_free_pages: order %u of 0x%lx is above the maximum %u\n", order, pa,
		       BUDDY_MAX_ORDER);
		return MM_ERR_INVALID;
	}
	if (!IS_ALIGNED(pa, PAGE_SIZE << order)) {
		mm_log("buddy_free_pages: 0x%lx is not aligned to the order-%u block size 0x%lx\n", pa, order,
		       (uint64_t)(PAGE_SIZE << order));
		return MM_ERR_MISALIGNED;
	}
	if (!initialised || pa < span_lowest || pa >= span_end) {
		mm_log("buddy_free_pages: 0x%lx (order %u) is outside the managed span 0x%lx..0x%lx\n", pa,
		       order, span_lowest, span_end);
		return MM_ERR_NOT_OWNED;
	}
	uint64_t idx = pa_to_index(pa);
	struct buddy_frame *f = &frames[idx];
	switch (f->state) {
	case BUDDY_FRAME_UNMANAGED:
		mm_log("buddy_free_pages: 0x%lx (order %u) is a hole or reserved frame the buddy never "
		       "managed\n",
		       pa, order);
		return MM_ERR_RESERVED;
	case BUDDY_FRAME_FREE_HEAD:
		mm_log(
		    "buddy_free_pages: double free of 0x%lx (order %u): it heads a free block of order %u\n",
		    pa, order, f->order);
		return MM_ERR_DOUBLE_FREE;
	case BUDDY_FRAME_TAIL: {
		uint64_t head = head_of_tail(idx);
		if (frames[head].state == BUDDY_FRAME_FREE_HEAD) {
			mm_log("buddy_free_pages: double free of 0x%lx (order %u): it lies in the free block "
			       "at 0x%lx of order %u\n",
			       pa, order, index_to_pa(head), frames[head].order);
			return MM_ERR_DOUBLE_FREE;
		}
		mm_log(
		    "buddy_free_pages: 0x%lx (order %u) is inside the allocated block at 0x%lx of order %u, "
		    "not its head\n",
		    pa, order, index_to_pa(head), frames[head].order);
		return MM_ERR_NOT_OWNED;
	}
	default: /* BUDDY_FRAME_ALLOCATED_HEAD */ break;
	}
	if (f->order != order) {
		mm_log("buddy_free_pages: 0x%lx was allocated with order %u but freed with order %u\n", pa,
		       f->order, order);
		return MM_ERR_WRONG_ORDER;
	}
	/* Only now that the free is known to be good may the pages be written. */
	if (poisoning)
		poison_fill_block((uint32_t)idx, order);
	free_and_merge((uint32_t)idx, order);
	return MM_OK;
}

enum mm_error buddy_free_pages(phys_addr_t pa, unsigned order)
{
	mm_spin_lock(&buddy_lock);
	enum mm_error result = free_pages_locked(pa, order);
	mm_spin_unlock(&buddy_lock);
	return result;
}

void buddy_set_poisoning(bool on)
{
	mm_spin_lock(&buddy_lock);
	poisoning = on;
	mm_spin_unlock(&buddy_lock);
}

bool buddy_poisoning(void)
{
	return poisoning;
}

void buddy_set_use_after_free_hook(buddy_use_after_free_hook hook)
{
	mm_spin_lock(&buddy_lock);
	use_after_free_hook = hook;
	mm_spin_unlock(&buddy_lock);
}

uint64_t buddy_poisoned_pages(void)
{
	return poisoned_pages;
}

unsigned buddy_order_for_bytes(uint64_t size_bytes)
{
	unsigned order = 0;
	while (order <= BUDDY_MAX_ORDER && (PAGE_SIZE << order) < size_bytes)
		order++;
	return order;
}

uint64_t buddy_free_pages_total(void)
{
	return free_pages;
}

size_t buddy_free_blocks(unsigned order)
{
	return order <= BUDDY_MAX_ORDER ? free_count[order] : 0;
}

uint64_t buddy_managed_pages(void)
{
	return managed_pages;
}

void buddy_managed_span(phys_addr_t *base, uint64_t *nframes_out)
{
	*base = base_pfn << PAGE_SHIFT;
	*nframes_out = nframes;
}

static void dump_locked(void)
{
	for (unsigned o = 0; o <= BUDDY_MAX_ORDER; o++)
		mm_log("buddy: order %2u (%5lu KiB blocks): %zu free\n", o, (uint64_t)(PAGE_SIZE << o) >> 10,
		       free_count[o]);
	mm_log("buddy: 0x%lx of 0x%lx managed pages free (%lu MiB)\n", free_pages, managed_pages,
	       (free_pages << PAGE_SHIFT) >> 20);
}

void buddy_dump(void)
{
	mm_spin_lock(&buddy_lock);
	dump_locked();
	mm_spin_unlock(&buddy_lock);
}

/* Check one free list; adds its pages to *pages. */
static bool check_list(unsigned order, uint64_t *pages)
{
	uint32_t prev = BUDDY_NONE;
	size_t count = 0;
	for (uint32_t idx = free_head[order]; idx != BUDDY_NONE; idx = frames[idx].next) {
		if (idx >= nframes || count >= nframes) {
			mm_log("buddy_check_invariants: order-%u list runs off the metadata at index 0x%x\n",
			       order, idx);
			return false;
		}
		struct buddy_frame *f = &frames[idx];
		phys_addr_t pa = index_to_pa(idx);
		if (f->state != BUDDY_FRAME_FREE_HEAD || f->order != order) {
			mm_log("buddy_check_invariants: block 0x%lx on the order-%u list has state %u order "
			       "%u\n",
			       pa, order, f->state, f->order);
			return false;
		}
		if (!IS_ALIGNED(idx, 1ULL << order) || idx + (1ULL << order) > nframes) {
			mm_log(
			    "buddy_check_invariants: block 0x%lx of order %u is misaligned or past the end\n",
			    pa, order);
			return false;
		}
		if (f->prev != prev) {
			mm_log("buddy_check_invariants: block 0x%lx on the order-%u list has a wrong prev "
			       "link\n",
			       pa, order);
			return false;
		}
		uint64_t buddy = (uint64_t)idx ^ (1ULL << order);
		if (order < BUDDY_MAX_ORDER && buddy < nframes &&
		    frames[buddy].state == BUDDY_FRAME_FREE_HEAD && frames[buddy].order == order) {
			mm_log("buddy_check_invariants: free block 0x%lx and its buddy 0x%lx (order %u) are "
			       "not merged\n",
			       pa, index_to_pa(buddy), order);
			return false;
		}
		prev = idx;
		count++;
	}
	if (count != free_count[order]) {
		mm_log("buddy_check_invariants: order-%u list holds %zu blocks, counter says %zu\n", order,
		       count, free_count[order]);
		return false;
	}
	*pages += (uint64_t)count << order;
	return true;
}

/* The poisoned flags of the block headed by head (at idx): only a free
 * block's frames may carry one (an allocated block was checked and cleared
 * when it was handed out). Adds the flagged frames to *poisoned. */
static bool check_block_poison(uint64_t idx, const struct buddy_frame *head, uint64_t *poisoned)
{
	for (uint64_t i = idx; i < idx + (1ULL << head->order); i++) {
		if (!frames[i].poisoned)
			continue;
		if (head->state != BUDDY_FRAME_FREE_HEAD) {
			mm_log(
			    "buddy_check_invariants: frame 0x%lx of the allocated block at 0x%lx is marked "
			    "poisoned\n",
			    index_to_pa(i), index_to_pa(idx));
			return false;
		}
		(*poisoned)++;
	}
	return true;
}

/* Check the metadata frame by frame: every head is followed by exactly its
 * tails, only free frames are poisoned, and the free heads and the poisoned
 * frames are as many as the counters say. */
static bool check_frames(void)
{
	size_t heads[BUDDY_MAX_ORDER + 1] = {0};
	uint64_t managed = 0, poisoned = 0;
	uint64_t idx = 0;
	while (idx < nframes) {
		struct buddy_frame *f = &frames[idx];
		if (f->state == BUDDY_FRAME_UNMANAGED) {
			if (f->poisoned) {
				mm_log("buddy_check_invariants: unmanaged frame 0x%lx is marked poisoned\n",
				       index_to_pa(idx));
				return false;
			}
			idx++;
			continue;
		}
		if (f->state >= BUDDY_FRAME_TAIL || f->order > BUDDY_MAX_ORDER) {
			mm_log(
			    "buddy_check_invariants: frame 0x%lx has state %u order %u outside any block\n",
			    index_to_pa(idx), f->state, f->order);
			return false;
		}
		uint64_t size = 1ULL << f->order;
		if (!IS_ALIGNED(idx, size) || idx + size > nframes) {
			mm_log(
			    "buddy_check_invariants: block 0x%lx of order %u is misaligned or past the end\n",
			    index_to_pa(idx), f->order);
			return false;
		}
		for (uint64_t i = idx + 1; i < idx + size; i++) {
			if (frames[i].state != BUDDY_FRAME_TAIL) {
				mm_log("buddy_check_invariants: frame 0x%lx inside the block at 0x%lx of "
				       "order %u is "
				       "not a tail\n",
				       index_to_pa(i), index_to_pa(idx), f->order);
				return false;
			}
		}
		if (!check_block_poison(idx, f, &poisoned))
			return false;
		if (f->state == BUDDY_FRAME_FREE_HEAD)
			heads[f->order]++;
		managed += size;
		idx += size;
	}
	for (unsigned o = 0; o <= BUDDY_MAX_ORDER; o++) {
		if (heads[o] != free_count[o]) {
			mm_log("buddy_check_invariants: %zu free heads of order %u, but %zu on the list\n",
			       heads[o], o, free_count[o]);
			return false;
		}
	}
	if (managed != managed_pages) {
		mm_log("buddy_check_invariants: metadata holds 0x%lx managed pages, counter says 0x%lx\n",
		       managed, managed_pages);
		return false;
	}
	if (poisoned != poisoned_pages) {
		mm_log("buddy_check_invariants: 0x%lx frames are marked poisoned, counter says 0x%lx\n",
		       poisoned, poisoned_pages);
		return false;
	}
	return true;
}

static bool check_invariants_locked(void)
{
	uint64_t pages = 0;
	for (unsigned o = 0; o <= BUDDY_MAX_ORDER; o++) {
		if (!check_list(o, &pages))
			return false;
	}
	if (pages != free_pages) {
		mm_log("buddy_check_invariants: lists hold 0x%lx pages, counter says 0x%lx\n", pages,
		       free_pages);
		return false;
	}
	return check_frames();
}

bool buddy_check_invariants(void)
{
	mm_spin_lock(&buddy_lock);
	bool result = check_invariants_locked();
	mm_spin_unlock(&buddy_lock);
	return result;
}

static enum mm_error source_alloc(void *ctx, phys_addr_t *out)
{
	(void)ctx;
	return buddy_alloc_pages(0, out);
}

static enum mm_error source_free(void *ctx, phys_addr_t frame)
{
	(void)ctx;
	return buddy_free_pages(frame, 0);
}

static struct frame_source buddy_source = {
    .name = "buddy",
    .alloc_frame = source_alloc,
    .free_frame = source_free,
    .ctx = NULL,
};

struct frame_source *buddy_frame_source(void)
{
	return &buddy_source;
}

void buddy_reset(void)
{
	frames = NULL;
	base_pfn = 0;
	nframes = 0;
	span_lowest = span_end = 0;
	initialised = false;
	for (unsigned o = 0; o <= BUDDY_MAX_ORDER; o++) {
		free_head[o] = BUDDY_NONE;
		free_count[o] = 0;
	}
	free_pages = 0;
	managed_pages = 0;
	poisoning = false;
	poisoned_pages = 0;
	use_after_free_hook = NULL;
}

size_t buddy_for_each_free_block(unsigned order, bool (*visit)(void *ctx, phys_addr_t pa), void *ctx)
{
	if (order > BUDDY_MAX_ORDER)
		return 0;
	size_t visited = 0;
	mm_spin_lock(&buddy_lock);
	for (uint32_t idx = free_head[order]; idx != BUDDY_NONE; idx = frames[idx].next) {
		visited++;
		if (!visit(ctx, index_to_pa(idx)))
			break;
	}
	mm_spin_unlock(&buddy_lock);
	return visited;
}
