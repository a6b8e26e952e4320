/*
 * memblock.c - stage 2: memory and reserved regions (see memblock.h).
 *
 * Algorithm:
 *  - Each table is an array of regions sorted by base, none overlapping or
 *    touching another, kept by the code stage 1 shares (range_table.c).
 *    Adding [base, end) finds the run of regions it overlaps or touches and
 *    replaces the run by one merged region; with no such run it inserts a
 *    new region at its sorted place.
 *  - Removing [base, end) finds the run of regions it overlaps, keeps the
 *    part of the first one below base and the part of the last one above
 *    end, and drops the rest. Cutting a hole in one region turns one region
 *    into two, so the room is checked before anything changes: a full table
 *    is refused with MM_ERR_TABLE_FULL (stage 1's policy differs).
 *  - Free ranges are computed on demand: walk memory regions upwards and
 *    step over the reserved regions inside each one.
 *  - Allocation is bottom-up first fit over the free ranges, then a reserve.
 */
#include "memblock.h"
#include "mm_env.h"
#include "stage_order.h"
#include "phys_area.h"

_Static_assert(MEMBLOCK_MAX_REGIONS >= PHYS_MEMORY_AREA_MAX,
               "the memory table must hold every phys_memory_area entry");

struct memblock_type {
	const char *name; /* "memory" or "reserved", for messages */
	size_t count;
	struct mm_range regions[MEMBLOCK_MAX_REGIONS];
};

static struct memblock_type memory = {.name = "memory"};
static struct memblock_type reserved = {.name = "reserved"};

void memblock_reset(void)
{
	memory.count = 0;
	reserved.count = 0;
	__builtin_memset(memory.regions, 0, sizeof(memory.regions));
	__builtin_memset(reserved.regions, 0, sizeof(reserved.regions));
}

/* LAB memblock: begin helper */
/* A range must be non-empty and its end must not wrap past 2^64. */
static enum mm_error check_range(const char *who, phys_addr_t base, uint64_t size_bytes)
{
	if (size_bytes == 0) {
		mm_warn("%s: zero size at base 0x%lx\n", who, base);
		return MM_ERR_INVALID;
	}
	if (size_bytes > UINT64_MAX - base) {
		mm_warn("%s: range at 0x%lx with size 0x%lx wraps past 2^64\n", who, base, size_bytes);
		return MM_ERR_INVALID;
	}
	return MM_OK;
}
/* LAB memblock: end helper */

/* The stages in which memblock may still change: before the buddy owns
 * free memory. */
static enum mm_error check_modify_stage(const char *who)
{
	return mm_stage_check(who, MM_STAGE_MEMBLOCK, MM_STAGE_PAGING);
}

/* Add [base, base + size_bytes) to type, merging as described above. */
static enum mm_error add_range(const char *who, struct memblock_type *type, phys_addr_t base,
                               uint64_t size_bytes)
{
	/* LAB memblock: begin */
	enum mm_error err = check_range(who, base, size_bytes);
	if (err != MM_OK)
		return err;
	uint64_t end = base + size_bytes;
	size_t first, last;
	range_table_run(type->regions, type->count, base, end, true, &first, &last);
	if (last == first && type->count == MEMBLOCK_MAX_REGIONS) {
		mm_warn("%s: %s table full (%d regions): cannot add [0x%lx-0x%lx)\n", who, type->name,
		        MEMBLOCK_MAX_REGIONS, base, end);
		return MM_ERR_TABLE_FULL;
	}
	struct mm_range merged = range_table_merge(type->regions, first, last, base, end);
	range_table_replace(type->regions, &type->count, first, last, &merged, 1);
	return MM_OK;
	/* LAB memblock: end */
}

/* Cut [base, base + size_bytes) out of type, splitting where needed. */
static enum mm_error remove_range(const char *who, struct memblock_type *type, phys_addr_t base,
                                  uint64_t size_bytes)
{
	/* LAB memblock: begin */
	enum mm_error err = check_range(who, base, size_bytes);
	if (err != MM_OK)
		return err;
	uint64_t end = base + size_bytes;

	size_t first, last;
	range_table_run(type->regions, type->count, base, end, false, &first, &last);
	if (first == last)
		return MM_OK; /* nothing of the range is in the table */

	/* What survives: the part below base and the part above end. */
	struct mm_range pieces[2];
	size_t n = range_table_cut_pieces(type->regions, first, last, base, end, pieces);
	if (type->count - (last - first) + n > MEMBLOCK_MAX_REGIONS) {
		mm_warn("%s: %s table full (%d regions): cutting [0x%lx-0x%lx) out of [0x%lx-0x%lx) needs "
		        "one more region\n",
		        who, type->name, MEMBLOCK_MAX_REGIONS, base, end, type->regions[first].base,
		        mm_range_end(&type->regions[first]));
		return MM_ERR_TABLE_FULL;
	}
	range_table_replace(type->regions, &type->count, first, last, pieces, n);
	return MM_OK;
	/* LAB memblock: end */
}

enum mm_error memblock_init_from_phys_areas(void)
{
	static const char who[] = "memblock_init_from_phys_areas";
	enum mm_error err = mm_stage_check(who, MM_STAGE_PHYS_AREAS, MM_STAGE_PHYS_AREAS);
	if (err != MM_OK)
		return err;

	memblock_reset();
	for (size_t i = 0; i < phys_memory_area_count; i++) {
		err = add_range(who, &memory, phys_memory_area[i].base, phys_memory_area[i].size_bytes);
		if (err != MM_OK)
			return err;
	}
	return mm_stage_advance(MM_STAGE_MEMBLOCK);
}

enum mm_error memblock_add(phys_addr_t base, uint64_t size_bytes)
{
	enum mm_error err = check_modify_stage("memblock_add");
	if (err != MM_OK)
		return err;
	return add_range("memblock_add", &memory, base, size_bytes);
}

enum mm_error memblock_reserve(phys_addr_t base, uint64_t size_bytes)
{
	enum mm_error err = check_modify_stage("memblock_reserve");
	if (err != MM_OK)
		return err;
	return add_range("memblock_reserve", &reserved, base, size_bytes);
}

enum mm_error memblock_remove(phys_addr_t base, uint64_t size_bytes)
{
	enum mm_error err = check_modify_stage("memblock_remove");
	if (err != MM_OK)
		return err;
	return remove_range("memblock_remove", &memory, base, size_bytes);
}

enum mm_error memblock_free(phys_addr_t base, uint64_t size_bytes)
{
	enum mm_error err = check_modify_stage("memblock_free");
	if (err != MM_OK)
		return err;
	return remove_range("memblock_free", &reserved, base, size_bytes);
}

bool memblock_is_memory(phys_addr_t base, uint64_t size_bytes)
{
	/* LAB memblock: begin */
	if (check_range("memblock_is_memory", base, size_bytes) != MM_OK)
		return false;
	/* Regions never touch, so a covered range lies inside a single one. */
	for (size_t i = 0; i < memory.count; i++) {
		const struct mm_range *region = &memory.regions[i];
		if (region->base <= base && mm_range_end(region) >= base + size_bytes)
			return true;
	}
	return false;
	/* LAB memblock: end */
}

bool memblock_overlaps_reserved(phys_addr_t base, uint64_t size_bytes)
{
	/* LAB memblock: begin */
	if (check_range("memblock_overlaps_reserved", base, size_bytes) != MM_OK)
		return false;
	for (size_t i = 0; i < reserved.count; i++) {
		const struct mm_range *region = &reserved.regions[i];
		if (region->base < base + size_bytes && mm_range_end(region) > base)
			return true;
	}
	return false;
	/* LAB memblock: end */
}

bool memblock_next_free_range(uint64_t *cursor, phys_addr_t *base, phys_addr_t *end)
{
	/* LAB memblock: begin */
	for (size_t m = 0; m < memory.count; m++) {
		const struct mm_range *mem = &memory.regions[m];
		uint64_t mem_end = mm_range_end(mem);
		if (mem_end <= *cursor)
			continue;
		uint64_t start = mem->base > *cursor ? mem->base : *cursor;
		uint64_t stop = mem_end;

		/* Step over reserved regions covering start; the first one that
		 * begins above start ends the free piece. Reserved regions never
		 * touch, so after one step the next one begins above start. */
		for (size_t r = 0; r < reserved.count && start < mem_end; r++) {
			const struct mm_range *res = &reserved.regions[r];
			if (mm_range_end(res) <= start)
				continue;
			if (res->base <= start) {
				start = mm_range_end(res);
				continue;
			}
			stop = res->base < mem_end ? res->base : mem_end;
			break;
		}
		if (start < stop) {
			*base = start;
			*end = stop;
			*cursor = stop;
			return true;
		}
	}
	return false;
	/* LAB memblock: end */
}

/* Bottom-up first fit in [min, max_end), then reserve. */
static enum mm_error alloc_in_window(const char *who, uint64_t size_bytes, uint64_t align, phys_addr_t min,
                                     phys_addr_t max_end, phys_addr_t *out)
{
	/* LAB memblock: begin */
	enum mm_error err = check_modify_stage(who);
	if (err != MM_OK)
		return err;
	if (size_bytes == 0) {
		mm_warn("%s: zero size requested (align 0x%lx)\n", who, align);
		return MM_ERR_INVALID;
	}
	if (align < PAGE_SIZE || (align & (align - 1)) != 0) {
		mm_warn("%s: alignment 0x%lx is not a power of two >= 0x%lx\n", who, align,
		        (uint64_t)PAGE_SIZE);
		return MM_ERR_MISALIGNED;
	}
	if (min >= max_end) {
		mm_warn("%s: empty window [0x%lx-0x%lx)\n", who, min, max_end);
		return MM_ERR_INVALID;
	}

	uint64_t cursor;
	phys_addr_t free_base, free_end;
	for_each_free_range(cursor, free_base, free_end)
	{
		if (free_base >= max_end)
			break;
		uint64_t lo = free_base > min ? free_base : min;
		uint64_t hi = free_end < max_end ? free_end : max_end;
		if (lo >= hi || lo > UINT64_MAX - (align - 1))
			continue;
		uint64_t candidate = ALIGN_UP(lo, align);
		if (candidate >= hi || hi - candidate < size_bytes)
			continue;
		err = add_range(who, &reserved, candidate, size_bytes);
		if (err != MM_OK)
			return err;
		*out = candidate;
		return MM_OK;
	}
	mm_warn("%s: no free range of 0x%lx bytes (align 0x%lx) in [0x%lx-0x%lx)\n", who, size_bytes, align,
	        min, max_end);
	return MM_ERR_NO_MEMORY;
	/* LAB memblock: end */
}

enum mm_error memblock_alloc(uint64_t size_bytes, uint64_t align, phys_addr_t *out)
{
	return alloc_in_window("memblock_alloc", size_bytes, align, MEMBLOCK_LOW_LIMIT,
	                       MEMBLOCK_ALLOC_ANYWHERE, out);
}

enum mm_error memblock_alloc_range(uint64_t size_bytes, uint64_t align, phys_addr_t min, phys_addr_t max_end,
                                   phys_addr_t *out)
{
	return alloc_in_window("memblock_alloc_range", size_bytes, align, min, max_end, out);
}

size_t memblock_memory_count(void)
{
	return memory.count;
}

size_t memblock_reserved_count(void)
{
	return reserved.count;
}

const struct mm_range *memblock_memory_region(size_t i)
{
	return i < memory.count ? &memory.regions[i] : NULL;
}

const struct mm_range *memblock_reserved_region(size_t i)
{
	return i < reserved.count ? &reserved.regions[i] : NULL;
}

static uint64_t total_bytes(const struct memblock_type *type)
{
	uint64_t total = 0;
	for (size_t i = 0; i < type->count; i++)
		total += type->regions[i].size_bytes;
	return total;
}

uint64_t memblock_memory_bytes(void)
{
	return total_bytes(&memory);
}

uint64_t memblock_reserved_bytes(void)
{
	return total_bytes(&reserved);
}

/* One table: a count it can hold, and regions that are non-empty, do not
 * wrap, and are sorted without overlapping or touching. The name comes from
 * the caller, not from the table, which may be the thing that is damaged. */
static bool check_type(const struct memblock_type *type, const char *name)
{
	if (type->count > MEMBLOCK_MAX_REGIONS) {
		mm_err("memblock_check_invariants: the %s table says %zu regions; it holds %d\n", name,
		       type->count, MEMBLOCK_MAX_REGIONS);
		return false;
	}
	for (size_t i = 0; i < type->count; i++) {
		const struct mm_range *r = &type->regions[i];
		if (r->size_bytes == 0 || r->size_bytes > UINT64_MAX - r->base) {
			mm_err("memblock_check_invariants: %s region %zu at 0x%lx, size 0x%lx, is empty or "
			       "wraps\n",
			       name, i, r->base, r->size_bytes);
			return false;
		}
		if (i > 0 && mm_range_end(&type->regions[i - 1]) >= r->base) {
			mm_err("memblock_check_invariants: %s regions %zu [0x%lx-0x%lx) and %zu "
			       "[0x%lx-0x%lx) are "
			       "out of order, overlap or touch\n",
			       name, i - 1, type->regions[i - 1].base, mm_range_end(&type->regions[i - 1]), i,
			       r->base, mm_range_end(r));
			return false;
		}
	}
	return true;
}

bool memblock_check_invariants(void)
{
	return check_type(&memory, "memory") && check_type(&reserved, "reserved");
}

static void dump_type(const struct memblock_type *type)
{
	mm_info("memblock: %s: %zu regions, 0x%lx bytes\n", type->name, type->count, total_bytes(type));
	for (size_t i = 0; i < type->count; i++)
		mm_info("  [0x%lx-0x%lx) %lu KiB\n", type->regions[i].base, mm_range_end(&type->regions[i]),
		        type->regions[i].size_bytes >> 10);
}

void memblock_dump(void)
{
	dump_type(&memory);
	dump_type(&reserved);
}
