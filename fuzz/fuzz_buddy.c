/*
 * fuzz_buddy.c - fuzz target for the buddy allocator (src/mm/buddy.c): the
 * input picks a span and the free ranges given to the buddy (some
 * overlapping, outside the span or without a whole page), then runs a
 * program of allocations, frees and bogus frees (wrong order, a tail, a
 * double free, a hole, misaligned, outside the span, order too large).
 *
 * The model keeps one state per frame (not managed / free / in a live
 * block) and the head and order of each live block. After every step:
 * buddy_check_invariants() holds, the free and managed page counts agree
 * with the model, every call returned what the model says (an allocation
 * succeeds exactly when some aligned run of 2^order free frames exists, and
 * the block it returns is such a run), and a refused call left the metadata
 * and the per-order free counts byte for byte unchanged. At the end
 * everything is freed, and the free lists must then hold exactly the
 * largest aligned blocks the managed frames can form.
 *
 * Half the inputs turn page poisoning on (the span then lies in the host
 * arena), switch it off and on, and write bytes into free poisoned pages:
 * the model's poisoned-page count must match buddy_poisoned_pages(), and an
 * allocation must report a use after free exactly when its block holds a
 * written poisoned page, naming the first such page and its first written
 * byte.
 */
#include <string.h>

#include "fuzz_input.h"
#include "host_env.h"
#include "mm/buddy.h"
#include "mm/mm_env.h"
#include "mm/stage_order.h"
#include "mm/page_poison.h"

#define MAX_SPAN_PAGES 2048u
#define MAX_FRAMES     (MAX_SPAN_PAGES + (1u << BUDDY_MAX_ORDER) + 1)
#define NO_OWNER       UINT32_MAX

enum frame_model { FRAME_UNMANAGED, FRAME_FREE, FRAME_LIVE };

static uint8_t frame_state[MAX_FRAMES];
static uint32_t frame_owner[MAX_FRAMES]; /* head of the live block covering it */
static uint8_t live_order[MAX_FRAMES];   /* order of the live block whose head it is */
static uint32_t live_heads[MAX_FRAMES];  /* the live blocks' heads, in no order */
static size_t nlive;
static uint64_t model_managed, model_live_pages;

/* Page poisoning (when the input turns it on): which free frames hold the
 * poison, and the offset of the first byte the target wrote into one of
 * them after it was freed (NO_WRITE: none). */
#define NO_WRITE     UINT16_MAX
#define POISON_ARENA MiB(16) /* holds every span a poisoning run picks */
static bool poison_mode, poison_on;
static uint8_t frame_poisoned[MAX_FRAMES];
static uint16_t frame_written[MAX_FRAMES];
static uint64_t model_poisoned;
static phys_addr_t reported_page; /* what the use-after-free hook heard */
static uint64_t reported_offset;
static unsigned reports;

static phys_addr_t span_lowest, span_end;
static uint64_t first_pfn; /* frame 0 of the model: lowest aligned down to the largest block */
static uint64_t nframes;

static void *metadata;
static uint64_t metadata_bytes;
static void *snapshot;

static phys_addr_t pa_of(uint64_t idx)
{
	return (first_pfn + idx) << PAGE_SHIFT;
}

static const char *error_name(enum mm_error err)
{
	return mm_strerror(err);
}

/* ---- checks after every step ---- */

static void check_counters(const char *after)
{
	fuzz_check(buddy_check_invariants(), "invariants broken after %s: %s", after, host_log_text());
	fuzz_check(buddy_managed_pages() == model_managed, "after %s: 0x%lx managed pages, expected 0x%lx",
	           after, buddy_managed_pages(), model_managed);
	fuzz_check(buddy_poisoned_pages() == model_poisoned, "after %s: 0x%lx poisoned pages, expected 0x%lx",
	           after, buddy_poisoned_pages(), model_poisoned);
	fuzz_check(buddy_count_free_pages() == model_managed - model_live_pages,
	           "after %s: 0x%lx free pages, expected 0x%lx", after, buddy_count_free_pages(),
	           model_managed - model_live_pages);
}

struct free_counts {
	size_t blocks[BUDDY_MAX_ORDER + 1];
};

static struct free_counts current_counts(void)
{
	struct free_counts c;
	for (unsigned o = 0; o <= BUDDY_MAX_ORDER; o++)
		c.blocks[o] = buddy_free_blocks(o);
	return c;
}

/* A refused call must leave everything as it was. */
static void check_unchanged(const struct free_counts *before, const char *call)
{
	struct free_counts now = current_counts();
	fuzz_check(memcmp(&now, before, sizeof(now)) == 0, "refused %s changed the free lists", call);
	fuzz_check(memcmp(snapshot, metadata, metadata_bytes) == 0, "refused %s changed the metadata", call);
}

/* ---- the model ---- */

/* A block handed out: its frames are the caller's, poisoned or not. */
static void mark_live(uint32_t head, unsigned order)
{
	for (uint64_t i = head; i < head + (1ull << order); i++) {
		frame_state[i] = FRAME_LIVE;
		frame_owner[i] = head;
		model_poisoned -= frame_poisoned[i];
		frame_poisoned[i] = 0;
		frame_written[i] = NO_WRITE;
	}
	live_order[head] = (uint8_t)order;
	live_heads[nlive++] = head;
	model_live_pages += 1ull << order;
}

static void mark_free(size_t live_index)
{
	uint32_t head = live_heads[live_index];
	unsigned order = live_order[head];
	for (uint64_t i = head; i < head + (1ull << order); i++) {
		frame_state[i] = FRAME_FREE;
		frame_owner[i] = NO_OWNER;
		if (poison_on) {
			model_poisoned += !frame_poisoned[i];
			frame_poisoned[i] = 1;
		}
	}
	live_heads[live_index] = live_heads[--nlive];
	model_live_pages -= 1ull << order;
}

/* Whether the 2^order frames from idx are all free in the model. */
static bool run_is_free(uint64_t idx, unsigned order)
{
	if (idx + (1ull << order) > nframes)
		return false;
	for (uint64_t i = idx; i < idx + (1ull << order); i++) {
		if (frame_state[i] != FRAME_FREE)
			return false;
	}
	return true;
}

static bool some_run_is_free(unsigned order)
{
	for (uint64_t idx = 0; idx < nframes; idx += 1ull << order) {
		if (run_is_free(idx, order))
			return true;
	}
	return false;
}

/* What buddy_free_pages(pa, order) must return. */
static enum mm_error expected_free(phys_addr_t pa, unsigned order)
{
	if (order > BUDDY_MAX_ORDER)
		return MM_ERR_INVALID;
	if (pa & ((PAGE_SIZE << order) - 1))
		return MM_ERR_MISALIGNED;
	if (pa < span_lowest || pa >= span_end)
		return MM_ERR_NOT_OWNED;
	uint64_t idx = (pa >> PAGE_SHIFT) - first_pfn;
	switch (frame_state[idx]) {
	case FRAME_UNMANAGED: return MM_ERR_RESERVED;
	case FRAME_FREE: return MM_ERR_DOUBLE_FREE;
	default: break;
	}
	if (frame_owner[idx] != idx)
		return MM_ERR_NOT_OWNED;
	return live_order[idx] == order ? MM_OK : MM_ERR_WRONG_ORDER;
}

/* What buddy_add_free_range(base, size_bytes) must return; applies it. */
static enum mm_error model_add(phys_addr_t base, uint64_t size_bytes)
{
	if (size_bytes == 0 || base + size_bytes < base)
		return MM_ERR_INVALID;
	/* buddy_init rounds the span's end up to a page (buddy.h). */
	if (base < span_lowest || base + size_bytes > ALIGN_UP(span_end, PAGE_SIZE))
		return MM_ERR_INVALID;
	uint64_t first = (base + PAGE_SIZE - 1) >> PAGE_SHIFT, end = (base + size_bytes) >> PAGE_SHIFT;
	for (uint64_t pfn = first; pfn < end; pfn++) {
		if (frame_state[pfn - first_pfn] != FRAME_UNMANAGED)
			return MM_ERR_OVERLAP;
	}
	for (uint64_t pfn = first; pfn < end; pfn++)
		frame_state[pfn - first_pfn] = FRAME_FREE;
	model_managed += end > first ? end - first : 0;
	return MM_OK;
}

/* ---- steps ---- */

static void do_free(phys_addr_t pa, unsigned order)
{
	enum mm_error expected = expected_free(pa, order);
	struct free_counts before = current_counts();
	memcpy(snapshot, metadata, metadata_bytes);
	enum mm_error got = buddy_free_pages(pa, order);
	fuzz_check(got == expected, "buddy_free_pages(0x%lx, %u) returned %s, expected %s", pa, order,
	           error_name(got), error_name(expected));
	if (got == MM_OK) {
		uint32_t idx = (uint32_t)((pa >> PAGE_SHIFT) - first_pfn);
		size_t k = 0;
		while (live_heads[k] != idx)
			k++;
		mark_free(k);
	} else {
		check_unchanged(&before, "buddy_free_pages");
	}
	check_counters("buddy_free_pages");
}

/* The first frame of [idx, idx + 2^order) written after it was poisoned,
 * or UINT64_MAX: the page a use-after-free report must name. */
static uint64_t first_written(uint64_t idx, unsigned order)
{
	for (uint64_t i = idx; i < idx + (1ull << order); i++) {
		if (frame_poisoned[i] && frame_written[i] != NO_WRITE)
			return i;
	}
	return UINT64_MAX;
}

static void record_use_after_free(phys_addr_t page, uint64_t offset)
{
	reported_page = page;
	reported_offset = offset;
	reports++;
}

/* Which free block the buddy hands out is its choice; the model checks
 * that it is an aligned run of free frames. With poisoning, a block
 * holding a written poisoned page must be reported (that page, that
 * offset), and is then allocated, kept out of use; any other block not. */
static void do_alloc(unsigned order)
{
	enum mm_error expected = order > BUDDY_MAX_ORDER   ? MM_ERR_INVALID
	                         : some_run_is_free(order) ? MM_OK
	                                                   : MM_ERR_NO_MEMORY;
	struct free_counts before = current_counts();
	memcpy(snapshot, metadata, metadata_bytes);
	phys_addr_t pa = 0;
	unsigned reports_before = reports;
	enum mm_error got = buddy_alloc_pages(order, &pa);
	if (got == MM_ERR_USE_AFTER_FREE && expected == MM_OK) {
		fuzz_check(reports == reports_before + 1, "use after free without a report");
		pa = reported_page & ~((PAGE_SIZE << order) - 1);
	}
	fuzz_check(got == expected || (got == MM_ERR_USE_AFTER_FREE && expected == MM_OK),
	           "buddy_alloc_pages(%u) returned %s, expected %s", order, error_name(got),
	           error_name(expected));
	if (got == MM_OK || got == MM_ERR_USE_AFTER_FREE) {
		fuzz_check((pa >> PAGE_SHIFT) >= first_pfn && ((pa >> PAGE_SHIFT) - first_pfn) < nframes,
		           "buddy_alloc_pages(%u) gave 0x%lx, outside the span", order, pa);
		uint64_t idx = (pa >> PAGE_SHIFT) - first_pfn;
		fuzz_check((pa & ((PAGE_SIZE << order) - 1)) == 0 && run_is_free(idx, order),
		           "buddy_alloc_pages(%u) gave 0x%lx, not an aligned run of free frames", order, pa);
		uint64_t written = first_written(idx, order);
		if (got == MM_OK)
			fuzz_check(written == UINT64_MAX,
			           "buddy_alloc_pages(%u) gave 0x%lx without reporting "
			           "the write to 0x%lx",
			           order, pa, pa_of(written));
		else
			fuzz_check(written != UINT64_MAX && reported_page == pa_of(written) &&
			               reported_offset == frame_written[written],
			           "use after free reported at 0x%lx+0x%lx", reported_page, reported_offset);
		mark_live((uint32_t)idx, order);
	} else {
		check_unchanged(&before, "buddy_alloc_pages");
	}
	check_counters("buddy_alloc_pages");
}

/* Write one byte into a free poisoned page, as a use after free would. */
static void do_write_after_free(struct fuzz_input *in)
{
	uint64_t idx = fuzz_u16(in) % nframes;
	uint16_t offset = fuzz_u16(in) % PAGE_SIZE;
	uint8_t value = fuzz_u8(in);
	if (!frame_poisoned[idx] || value == PAGE_POISON_BYTE)
		return;
	uint8_t *page = mm_phys_to_virt(pa_of(idx));
	page[offset] = value;
	if (frame_written[idx] == NO_WRITE || offset < frame_written[idx])
		frame_written[idx] = offset;
}

/* A frame address near the span, for bogus frees: anywhere in the
 * metadata's frames, or just outside them, sometimes not page aligned. */
static phys_addr_t take_frame_address(struct fuzz_input *in)
{
	uint16_t sel = fuzz_u16(in);
	phys_addr_t pa = pa_of(sel % (nframes + 2)) - PAGE_SIZE;
	if (fuzz_u8(in) < 16)
		pa += 8u << (sel % 9);
	return pa;
}

/* Free-range setup while the buddy is in stage PAGING. */
static void add_ranges(struct fuzz_input *in)
{
	unsigned count = fuzz_u8(in) % 8 + 1;
	for (unsigned r = 0; r < count; r++) {
		/* From a page near the span, plus a few bytes sometimes. */
		phys_addr_t base = take_frame_address(in);
		uint64_t pages_left = base >= pa_of(0) ? nframes - ((base - pa_of(0)) >> PAGE_SHIFT) : 0;
		uint64_t size_bytes = (uint64_t)(fuzz_u16(in) % (pages_left + 2)) * PAGE_SIZE;
		uint8_t tweak = fuzz_u8(in);
		if (tweak < 32)
			size_bytes += tweak * 100u;
		else if (tweak == 0xff)
			size_bytes = UINT64_MAX - base + 1 + r; /* wraps */
		memcpy(snapshot, metadata, metadata_bytes);
		struct free_counts before = current_counts();
		enum mm_error expected = model_add(base, size_bytes);
		enum mm_error got = buddy_add_free_range(base, size_bytes);
		fuzz_check(got == expected, "buddy_add_free_range(0x%lx, 0x%lx) returned %s, expected %s",
		           base, size_bytes, error_name(got), error_name(expected));
		if (got != MM_OK)
			check_unchanged(&before, "buddy_add_free_range");
		check_counters("buddy_add_free_range");
	}
	/* Allocating before stage BUDDY, or adding after it, is refused. */
	phys_addr_t pa;
	fuzz_check(buddy_alloc_pages(0, &pa) == MM_ERR_WRONG_STAGE, "buddy_alloc_pages in stage paging");
	mm_stage_force(MM_STAGE_BUDDY);
	fuzz_check(buddy_add_free_range(span_lowest, PAGE_SIZE) == MM_ERR_WRONG_STAGE,
	           "buddy_add_free_range in stage buddy");
}

/* With every block free, each free block is as large as the managed frames
 * around it allow: a block of order k at an aligned index whose frames are
 * all managed, and whose parent (order k + 1) is not all managed. */
static void check_fully_merged(void)
{
	size_t expected[BUDDY_MAX_ORDER + 1] = {0};
	for (unsigned order = 0; order <= BUDDY_MAX_ORDER; order++) {
		for (uint64_t idx = 0; idx < nframes; idx += 1ull << order) {
			if (!run_is_free(idx, order))
				continue;
			uint64_t parent = idx & ~((2ull << order) - 1);
			if (order == BUDDY_MAX_ORDER || !run_is_free(parent, order + 1))
				expected[order]++;
		}
	}
	for (unsigned order = 0; order <= BUDDY_MAX_ORDER; order++)
		fuzz_check(buddy_free_blocks(order) == expected[order],
		           "all freed: %zu free blocks of order %u, expected %zu", buddy_free_blocks(order),
		           order, expected[order]);
}

static void set_up_span(struct fuzz_input *in)
{
	static const phys_addr_t lowest_choices[] = {0, MiB(1) + KiB(12), GiB(4) - MiB(2),
	                                             GiB(1024) + KiB(4)};
	uint8_t setup = fuzz_u8(in);
	/* Bit 3: page poisoning, which writes the pages: a span in the arena. */
	poison_mode = setup & 8;
	span_lowest = lowest_choices[poison_mode ? setup & 1 : setup & 3];
	uint64_t pages = fuzz_u16(in) % MAX_SPAN_PAGES + 1;
	span_end = span_lowest + pages * PAGE_SIZE + ((setup & 4) ? 0x123 : 0);
	first_pfn = (span_lowest >> PAGE_SHIFT) & ~((1ull << BUDDY_MAX_ORDER) - 1);
	nframes = ((span_end + PAGE_SIZE - 1) >> PAGE_SHIFT) - first_pfn;

	metadata_bytes = buddy_metadata_bytes(span_lowest, span_end);
	/* The layout is the buddy's business (9 B per frame of each 4 MiB chunk
	 * that holds RAM, plus a directory): only bound it. */
	fuzz_check(metadata_bytes >= nframes && metadata_bytes <= ALIGN_UP(nframes, 1024) * 16 + 4096,
	           "buddy_metadata_bytes: 0x%lx for 0x%lx frames", metadata_bytes, nframes);
	metadata = malloc(metadata_bytes);
	snapshot = malloc(metadata_bytes);
	fuzz_check(metadata && snapshot, "out of memory");
	enum mm_error err = buddy_init(span_lowest, span_end, metadata, metadata_bytes);
	fuzz_check(err == MM_OK, "buddy_init(0x%lx, 0x%lx) returned %s", span_lowest, span_end,
	           error_name(err));
	if (poison_mode) {
		if (host_arena_size() != POISON_ARENA)
			host_arena_init(POISON_ARENA);
		buddy_set_poisoning(true);
		buddy_set_use_after_free_hook(record_use_after_free);
	}
	poison_on = poison_mode;
	phys_addr_t base;
	uint64_t n;
	buddy_managed_span(&base, &n);
	fuzz_check(base == pa_of(0) && n == nframes, "buddy_managed_span: 0x%lx, 0x%lx frames", base, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in;
	fuzz_input_init(&in, data, size);
	buddy_reset();
	host_log_clear();
	mm_stage_force(MM_STAGE_PAGING);
	memset(frame_state, FRAME_UNMANAGED, sizeof(frame_state));
	memset(frame_owner, 0xff, sizeof(frame_owner));
	memset(frame_poisoned, 0, sizeof(frame_poisoned));
	memset(frame_written, 0xff, sizeof(frame_written));
	model_poisoned = 0;
	nlive = 0;
	model_managed = model_live_pages = 0;

	set_up_span(&in);
	add_ranges(&in);

	while (!fuzz_input_done(&in)) {
		uint8_t op = fuzz_u8(&in);
		uint8_t arg = fuzz_u8(&in);
		host_log_clear(); /* the log of one step at a time */
		switch (op % 10) {
		case 0:
		case 1:
		case 2: do_alloc(arg % (BUDDY_MAX_ORDER + 2)); break;
		case 3:
			/* A good free. */
			if (nlive > 0) {
				uint32_t head = live_heads[arg % nlive];
				do_free(pa_of(head), live_order[head]);
			}
			break;
		case 4:
			/* A live block freed with another order. */
			if (nlive > 0) {
				uint32_t head = live_heads[arg % nlive];
				do_free(pa_of(head), (live_order[head] + 1 + fuzz_u8(&in) % 11) % 12);
			}
			break;
		case 5:
			/* A frame inside a live block, not its head. */
			if (nlive > 0) {
				uint32_t head = live_heads[arg % nlive];
				uint64_t pages = 1ull << live_order[head];
				do_free(pa_of(head + fuzz_u16(&in) % pages), fuzz_u8(&in) % 12);
			}
			break;
		case 6: {
			/* Free then free again: the second is a double free. */
			if (nlive > 0) {
				uint32_t head = live_heads[arg % nlive];
				unsigned order = live_order[head];
				do_free(pa_of(head), order);
				do_free(pa_of(head), order);
			}
			break;
		}
		case 7: do_free(take_frame_address(&in), arg % 12); break;
		case 8:
			/* Poisoning on or off decides what later frees do. */
			if (poison_mode) {
				poison_on = arg & 1;
				buddy_set_poisoning(poison_on);
			}
			break;
		case 9:
			if (poison_mode)
				do_write_after_free(&in);
			break;
		}
	}

	while (nlive > 0) {
		uint32_t head = live_heads[nlive - 1];
		do_free(pa_of(head), live_order[head]);
	}
	check_fully_merged();
	buddy_dump();
	buddy_reset();
	free(metadata);
	free(snapshot);
	return 0;
}
