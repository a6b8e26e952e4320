/*
 * phys_area.c - stage 1: the phys_memory_area[512] table of usable RAM and
 * the record of the other memory-map entries (see phys_area.h).
 *
 * Algorithm:
 *  - phys_area_add() keeps the usable table sorted by base and free of
 *    overlaps: a new range absorbs every range it overlaps or touches, so
 *    merging can only shrink the table. A range that cannot merge is
 *    inserted at its sorted place; if the table is full, whichever range
 *    sorts last (the new one or the current last) is left out and counted.
 *    Ranges left out stay out, even if later merges free some slots.
 *  - phys_area_finish() trims each range inward to whole pages (base up,
 *    end down), drops ranges with no whole page left, warns about anything
 *    left out, and advances the MM stage.
 * Ranges are handled as [base, end) with end = base + size; clipping at
 * entry guarantees that end never wraps.
 */
#include "phys_area.h"
#include "mm_env.h"
#include "mm_stage.h"

struct phys_memory_area phys_memory_area[PHYS_MEMORY_AREA_MAX];
size_t phys_memory_area_count;

struct phys_other_area phys_other_area[PHYS_OTHER_AREA_MAX];
size_t phys_other_area_count;

static uint64_t dropped_bytes;     /* usable bytes left out, table full */
static size_t dropped_count;       /* usable ranges left out, table full */
static size_t other_dropped_count; /* other-type entries not recorded */

static uint64_t area_end(const struct phys_memory_area *area)
{
	return area->base + area->size_bytes;
}

void phys_area_reset(void)
{
	__builtin_memset(phys_memory_area, 0, sizeof(phys_memory_area));
	__builtin_memset(phys_other_area, 0, sizeof(phys_other_area));
	phys_memory_area_count = 0;
	phys_other_area_count = 0;
	dropped_bytes = 0;
	dropped_count = 0;
	other_dropped_count = 0;
}

/* Remove entries [from, to) of the usable table, closing the gap. */
static void remove_areas(size_t from, size_t to)
{
	size_t tail = phys_memory_area_count - to;
	__builtin_memmove(&phys_memory_area[from], &phys_memory_area[to], tail * sizeof(phys_memory_area[0]));
	phys_memory_area_count -= to - from;
}

static void leave_out(uint64_t size_bytes)
{
	dropped_count++;
	dropped_bytes += size_bytes;
}

/* Insert [base, end) into the usable table, merging with every range it
 * overlaps or touches. */
static void add_usable(phys_addr_t base, uint64_t end)
{
	size_t count = phys_memory_area_count;
	size_t first = 0;

	/* first: the first range that ends at or after base (it may touch). */
	while (first < count && area_end(&phys_memory_area[first]) < base)
		first++;
	/* [first, last): the ranges that overlap or touch [base, end). */
	size_t last = first;
	while (last < count && phys_memory_area[last].base <= end)
		last++;

	if (last > first) {
		uint64_t merged_base =
		    phys_memory_area[first].base < base ? phys_memory_area[first].base : base;
		uint64_t last_end = area_end(&phys_memory_area[last - 1]);
		uint64_t merged_end = last_end > end ? last_end : end;
		phys_memory_area[first].base = merged_base;
		phys_memory_area[first].size_bytes = merged_end - merged_base;
		remove_areas(first + 1, last);
		return;
	}

	if (count == PHYS_MEMORY_AREA_MAX) {
		if (first == count) { /* the new range sorts last */
			leave_out(end - base);
			return;
		}
		leave_out(phys_memory_area[count - 1].size_bytes);
		count--;
	}
	__builtin_memmove(&phys_memory_area[first + 1], &phys_memory_area[first],
	                  (count - first) * sizeof(phys_memory_area[0]));
	phys_memory_area[first].base = base;
	phys_memory_area[first].size_bytes = end - base;
	phys_memory_area_count = count + 1;
}

static void record_other(phys_addr_t base, uint64_t size_bytes, uint32_t type)
{
	if (phys_other_area_count == PHYS_OTHER_AREA_MAX) {
		other_dropped_count++;
		mm_log(
		    "phys_area_add: other-area table full (%d entries): [0x%lx-0x%lx) type %u not recorded\n",
		    PHYS_OTHER_AREA_MAX, base, base + size_bytes, type);
		return;
	}
	struct phys_other_area *other = &phys_other_area[phys_other_area_count++];
	other->base = base;
	other->size_bytes = size_bytes;
	other->type = type;
}

void phys_area_add(phys_addr_t base, uint64_t size_bytes, uint32_t type)
{
	/* Once stage 1 is finished, memblock has copied the table: a late
	 * addition would be silently ignored by everything after it. */
	if (mm_stage_check("phys_area_add", MM_STAGE_NONE, MM_STAGE_NONE) != MM_OK)
		return;
	if (size_bytes == 0)
		return;
	if (size_bytes > UINT64_MAX - base) {
		mm_log("phys_area_add: entry at 0x%lx with size 0x%lx wraps past 2^64, clipped to end "
		       "0x%lx\n",
		       base, size_bytes, UINT64_MAX);
		size_bytes = UINT64_MAX - base;
		if (size_bytes == 0)
			return;
	}
	if (type == PHYS_AREA_AVAILABLE)
		add_usable(base, base + size_bytes);
	else
		record_other(base, size_bytes, type);
}

enum mm_error phys_area_finish(void)
{
	enum mm_error err = mm_stage_check("phys_area_finish", MM_STAGE_NONE, MM_STAGE_NONE);
	if (err != MM_OK)
		return err;

	size_t kept = 0;
	for (size_t i = 0; i < phys_memory_area_count; i++) {
		uint64_t base = phys_memory_area[i].base;
		uint64_t end_down = ALIGN_DOWN(area_end(&phys_memory_area[i]), PAGE_SIZE);
		/* base <= end_down also guarantees that ALIGN_UP cannot wrap. */
		uint64_t base_up = base <= end_down ? ALIGN_UP(base, PAGE_SIZE) : end_down;
		if (base_up >= end_down) {
			mm_log("phys_area_finish: [0x%lx-0x%lx) holds no whole page, dropped\n", base,
			       area_end(&phys_memory_area[i]));
			continue;
		}
		phys_memory_area[kept].base = base_up;
		phys_memory_area[kept].size_bytes = end_down - base_up;
		kept++;
	}
	phys_memory_area_count = kept;

	if (dropped_count > 0)
		mm_log("phys_area: table full (%d entries): left out %zu ranges, 0x%lx bytes\n",
		       PHYS_MEMORY_AREA_MAX, dropped_count, dropped_bytes);
	if (other_dropped_count > 0)
		mm_log("phys_area: other-area table full (%d entries): %zu entries not recorded\n",
		       PHYS_OTHER_AREA_MAX, other_dropped_count);

	return mm_stage_advance(MM_STAGE_PHYS_AREAS);
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

uint64_t phys_area_total_bytes(void)
{
	uint64_t total = 0;
	for (size_t i = 0; i < phys_memory_area_count; i++)
		total += phys_memory_area[i].size_bytes;
	return total;
}

void phys_area_dump(void)
{
	mm_log("phys_area: %zu usable ranges, %lu KiB\n", phys_memory_area_count,
	       phys_area_total_bytes() >> 10);
	for (size_t i = 0; i < phys_memory_area_count; i++)
		mm_log("  [0x%lx-0x%lx) %lu KiB\n", phys_memory_area[i].base, area_end(&phys_memory_area[i]),
		       phys_memory_area[i].size_bytes >> 10);
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
