/*
 * phys_area.c - stage 1: the phys_memory_area[512] table of usable RAM and
 * the record of the other memory-map entries (see phys_area.h).
 *
 * Algorithm (the sorted-table steps are range_table.c's, shared with
 * memblock; the policies are this file's):
 *  - phys_area_add() keeps the usable table sorted by base and free of
 *    overlaps: a new range absorbs every range it overlaps or touches, so
 *    merging can only shrink the table. A range that cannot merge is
 *    inserted at its sorted place; if the table is full, whichever range
 *    sorts last (the new one or the current last) is left out and counted.
 *    Ranges left out stay out, even if later merges free some slots.
 *  - A range of any other type is cut out of the usable table at once,
 *    rounded out to whole pages (the stricter type wins: a page that is
 *    partly firmware's is not RAM). Cutting the middle out of a range splits
 *    it in two, which can fill the table: then usable RAM is left out, never
 *    a restriction. The range is also recorded in phys_other_area[], and a
 *    usable range added later is cut against every recorded one. The record
 *    is bounded; once an entry could not be recorded, a later usable range
 *    might overlap it unseen, so phys_area_finish() refuses (fails closed).
 *    The multiboot2 reader adds all usable entries first, so in the kernel
 *    every restriction is applied however long the map is.
 *  - phys_area_finish() trims each range inward to whole pages (base up,
 *    end down), drops ranges with no whole page left, warns about anything
 *    left out, and advances the MM stage.
 * Ranges are handled as [base, end) with end = base + size; clipping at
 * entry guarantees that end never wraps.
 */
#include "phys_area.h"
#include "mm_env.h"
#include "stage_order.h"

struct mm_range phys_memory_area[PHYS_MEMORY_AREA_MAX];
size_t phys_memory_area_count;

struct phys_other_area phys_other_area[PHYS_OTHER_AREA_MAX];
size_t phys_other_area_count;

static uint64_t dropped_bytes;     /* usable bytes left out, table full */
static size_t dropped_count;       /* usable ranges left out, table full */
static size_t other_seen_count;    /* other-type entries added, recorded or not */
static size_t other_dropped_count; /* other-type entries not recorded */
static uint64_t excluded_bytes;    /* usable bytes cut out by other types */
/* A usable range came after an other-type entry that was not recorded: it
 * may overlap that entry, and nothing can tell any more. */
static bool usable_after_unrecorded;

void phys_area_reset(void)
{
	__builtin_memset(phys_memory_area, 0, sizeof(phys_memory_area));
	__builtin_memset(phys_other_area, 0, sizeof(phys_other_area));
	phys_memory_area_count = 0;
	phys_other_area_count = 0;
	dropped_bytes = 0;
	dropped_count = 0;
	other_seen_count = 0;
	other_dropped_count = 0;
	excluded_bytes = 0;
	usable_after_unrecorded = false;
}

/* LAB phys_area: begin helper */
static void leave_out(uint64_t size_bytes)
{
	dropped_count++;
	dropped_bytes += size_bytes;
}

/* Insert [base, end) at index pos of the usable table, which must be its
 * sorted place; when the table is full, whichever range sorts last (this one
 * or the current last) is left out and counted. */
static void insert_area(size_t pos, phys_addr_t base, uint64_t end)
{
	if (phys_memory_area_count == PHYS_MEMORY_AREA_MAX) {
		if (pos == phys_memory_area_count) { /* the new range sorts last */
			leave_out(end - base);
			return;
		}
		leave_out(phys_memory_area[--phys_memory_area_count].size_bytes);
	}
	struct mm_range r = {.base = base, .size_bytes = end - base};
	range_table_replace(phys_memory_area, &phys_memory_area_count, pos, pos, &r, 1);
}

/* Insert [base, end) into the usable table, merging with every range it
 * overlaps or touches (a merge never needs room). */
static void add_usable(phys_addr_t base, uint64_t end)
{
	size_t first, last;
	range_table_run(phys_memory_area, phys_memory_area_count, base, end, true, &first, &last);
	if (last == first) {
		insert_area(first, base, end);
		return;
	}
	struct mm_range merged = range_table_merge(phys_memory_area, first, last, base, end);
	range_table_replace(phys_memory_area, &phys_memory_area_count, first, last, &merged, 1);
}

/* [first, last): the range [base, end) rounded out to whole pages. The top
 * page of the address space rounds up to 2^64 - 1 rather than wrapping. */
static void round_out(phys_addr_t base, uint64_t end, phys_addr_t *first, uint64_t *last)
{
	*first = ALIGN_DOWN(base, PAGE_SIZE);
	*last = end > UINT64_MAX - (PAGE_SIZE - 1) ? UINT64_MAX : ALIGN_UP(end, PAGE_SIZE);
}

/* Take [cut_base, cut_end) out of the usable table, splitting a range it
 * falls inside. Returns the bytes taken out. */
static uint64_t cut_usable(phys_addr_t cut_base, uint64_t cut_end)
{
	size_t first, last;
	range_table_run(phys_memory_area, phys_memory_area_count, cut_base, cut_end, false, &first, &last);
	uint64_t before = 0, after = 0;
	for (size_t i = first; i < last; i++)
		before += phys_memory_area[i].size_bytes;
	struct mm_range pieces[2];
	size_t n = range_table_cut_pieces(phys_memory_area, first, last, cut_base, cut_end, pieces);
	for (size_t i = 0; i < n; i++)
		after += pieces[i].size_bytes;
	if (n == 2 && last - first == 1) { /* a split needs one more entry: it may not fit */
		range_table_replace(phys_memory_area, &phys_memory_area_count, first, last, pieces, 1);
		insert_area(first + 1, pieces[1].base, mm_range_end(&pieces[1]));
	} else {
		range_table_replace(phys_memory_area, &phys_memory_area_count, first, last, pieces, n);
	}
	return before - after;
}

/* Apply one non-usable range to the usable table, saying so if it took
 * anything out. */
static void exclude(phys_addr_t base, uint64_t end, uint32_t type)
{
	phys_addr_t first;
	uint64_t last;
	round_out(base, end, &first, &last);
	uint64_t cut = cut_usable(first, last);
	if (cut == 0)
		return;
	excluded_bytes += cut;
	mm_warn("phys_area: [0x%lx-0x%lx) is listed as usable and as %s: not using [0x%lx-0x%lx)\n", base,
	        end, phys_area_type_name(type), first, last);
}

static void record_other(phys_addr_t base, uint64_t size_bytes, uint32_t type)
{
	other_seen_count++;
	if (phys_other_area_count == PHYS_OTHER_AREA_MAX) {
		other_dropped_count++;
		mm_warn("phys_area_add: other-area table full (%d entries): [0x%lx-0x%lx) type %u not "
		        "recorded (it is still cut out of usable RAM)\n",
		        PHYS_OTHER_AREA_MAX, base, base + size_bytes, type);
		return;
	}
	struct phys_other_area *other = &phys_other_area[phys_other_area_count++];
	other->base = base;
	other->size_bytes = size_bytes;
	other->type = type;
}
/* LAB phys_area: end helper */

enum mm_error phys_area_add(phys_addr_t base, uint64_t size_bytes, uint32_t type)
{
	/* LAB phys_area: begin */
	/* Once stage 1 is finished, memblock has copied the table: a late
	 * addition would be silently ignored by everything after it. */
	enum mm_error err = mm_stage_check("phys_area_add", MM_STAGE_NONE, MM_STAGE_NONE);
	if (err != MM_OK)
		return err;
	if (size_bytes == 0)
		return MM_OK;
	if (size_bytes > UINT64_MAX - base) {
		mm_warn("phys_area_add: entry at 0x%lx with size 0x%lx wraps past 2^64, clipped to end "
		        "0x%lx\n",
		        base, size_bytes, UINT64_MAX);
		size_bytes = UINT64_MAX - base;
		if (size_bytes == 0)
			return MM_OK;
	}
	uint64_t end = base + size_bytes;
	if (type != PHYS_AREA_AVAILABLE) {
		exclude(base, end, type);
		record_other(base, size_bytes, type);
		return MM_OK;
	}
	add_usable(base, end);
	/* The stricter type wins whatever the order: cut the new range against
	 * every restriction seen before it. */
	for (size_t i = 0; i < phys_other_area_count; i++)
		exclude(phys_other_area[i].base, phys_other_area[i].base + phys_other_area[i].size_bytes,
		        phys_other_area[i].type);
	if (other_dropped_count > 0)
		usable_after_unrecorded = true;
	return MM_OK;
	/* LAB phys_area: end */
}

enum mm_error phys_area_finish(void)
{
	/* LAB phys_area: begin */
	enum mm_error err = mm_stage_check("phys_area_finish", MM_STAGE_NONE, MM_STAGE_NONE);
	if (err != MM_OK)
		return err;
	if (usable_after_unrecorded) {
		mm_warn("phys_area_finish: %zu non-usable entries did not fit the %d-entry record and usable "
		        "ranges came after them: cannot tell which of their pages are firmware's (add usable "
		        "entries first)\n",
		        other_dropped_count, PHYS_OTHER_AREA_MAX);
		return MM_ERR_TABLE_FULL;
	}

	size_t kept = 0;
	for (size_t i = 0; i < phys_memory_area_count; i++) {
		uint64_t base = phys_memory_area[i].base;
		uint64_t end_down = ALIGN_DOWN(mm_range_end(&phys_memory_area[i]), PAGE_SIZE);
		/* base <= end_down also guarantees that ALIGN_UP cannot wrap. */
		uint64_t base_up = base <= end_down ? ALIGN_UP(base, PAGE_SIZE) : end_down;
		if (base_up >= end_down) {
			mm_warn("phys_area_finish: [0x%lx-0x%lx) holds no whole page, dropped\n", base,
			        mm_range_end(&phys_memory_area[i]));
			continue;
		}
		phys_memory_area[kept].base = base_up;
		phys_memory_area[kept].size_bytes = end_down - base_up;
		kept++;
	}
	phys_memory_area_count = kept;

	if (dropped_count > 0)
		mm_warn("phys_area: table full (%d entries): left out %zu ranges, 0x%lx bytes\n",
		        PHYS_MEMORY_AREA_MAX, dropped_count, dropped_bytes);
	if (other_dropped_count > 0)
		mm_warn(
		    "phys_area: other-area table full (%d entries): %zu entries not recorded (all of them "
		    "were cut out of usable RAM)\n",
		    PHYS_OTHER_AREA_MAX, other_dropped_count);
	if (excluded_bytes > 0)
		mm_warn("phys_area: %lu KiB listed as usable are also listed as another type: not used\n",
		        excluded_bytes >> 10);

	return mm_stage_advance(MM_STAGE_PHYS_AREAS);
	/* LAB phys_area: end */
}

uint64_t phys_area_dropped_bytes(void)
{
	return dropped_bytes;
}

size_t phys_area_dropped_count(void)
{
	return dropped_count;
}

size_t phys_area_other_dropped_count(void)
{
	return other_dropped_count;
}

size_t phys_area_other_count(void)
{
	return other_seen_count;
}

uint64_t phys_area_excluded_bytes(void)
{
	return excluded_bytes;
}

uint64_t phys_area_total_bytes(void)
{
	uint64_t total = 0;
	for (size_t i = 0; i < phys_memory_area_count; i++)
		total += phys_memory_area[i].size_bytes;
	return total;
}

void phys_area_dump(void)
{
	mm_info("phys_area: %zu usable ranges, %lu KiB\n", phys_memory_area_count,
	        phys_area_total_bytes() >> 10);
	for (size_t i = 0; i < phys_memory_area_count; i++)
		mm_info("  [0x%lx-0x%lx) %lu KiB\n", phys_memory_area[i].base,
		        mm_range_end(&phys_memory_area[i]), phys_memory_area[i].size_bytes >> 10);
}

const char *phys_area_type_name(uint32_t type)
{
	switch (type) {
	case PHYS_AREA_AVAILABLE: return "available";
	case PHYS_AREA_RESERVED: return "reserved";
	case PHYS_AREA_ACPI_RECLAIMABLE: return "ACPI reclaimable";
	case PHYS_AREA_ACPI_NVS: return "ACPI NVS";
	case PHYS_AREA_BADRAM: return "bad RAM";
	}
	return "unknown";
}
