/*
 * fuzz_memblock.c - fuzz target for memblock (src/mm/memblock.c): the input
 * is a program of add / reserve / remove / free / alloc / query operations,
 * each run on memblock and on a model, and after every operation the two
 * must agree exactly.
 *
 * The model is one byte per unit of a small universe of UNIVERSE_UNITS units
 * (memory? reserved?), where a unit is 1, 16, 4096 or 65536 bytes and the
 * universe sits at address 0, straddles 4 GiB, or ends at 2^64 (where a
 * range reaching 2^64 must be refused as wrapping). From the bytes the model
 * derives what memblock must answer: the result of each call (including
 * MM_ERR_TABLE_FULL when a change would need more than
 * MEMBLOCK_MAX_REGIONS regions, and then no change at all), both region
 * tables (maximal runs, in order), the free ranges, the totals, and the
 * address every allocation must get (the lowest aligned fit).
 */
#include <string.h>

#include "fuzz_input.h"
#include "host_env.h"
#include "mm/memblock.h"
#include "mm/stage_order.h"

#define UNIVERSE_UNITS 8192u
#define MAP_WORDS      (UNIVERSE_UNITS / 64)

typedef unsigned __int128 u128;

/* The model: one bit per unit, set when the unit is memory / reserved. */
struct unit_map {
	uint64_t w[MAP_WORDS];
};
static struct unit_map model_memory, model_reserved;
static uint64_t window; /* address of unit 0 */
static unsigned unit_shift;

static uint64_t addr_of(uint64_t unit)
{
	return window + (unit << unit_shift);
}

static const char *error_name(enum mm_error err)
{
	return mm_strerror(err);
}

/* ---- the model ---- */

static bool map_test(const struct unit_map *m, uint64_t i)
{
	return (m->w[i / 64] >> (i % 64)) & 1;
}

static void map_assign(struct unit_map *m, uint64_t first, uint64_t units, bool set)
{
	for (uint64_t i = first; i < first + units; i++) {
		if (set)
			m->w[i / 64] |= 1ull << (i % 64);
		else
			m->w[i / 64] &= ~(1ull << (i % 64));
	}
}

/* The free units: memory and not reserved. */
static struct unit_map free_map(void)
{
	struct unit_map f;
	for (size_t k = 0; k < MAP_WORDS; k++)
		f.w[k] = model_memory.w[k] & ~model_reserved.w[k];
	return f;
}

/* The first unit at or after i whose bit is `value`, or UNIVERSE_UNITS. */
static uint64_t map_find(const struct unit_map *m, uint64_t i, bool value)
{
	while (i < UNIVERSE_UNITS) {
		uint64_t word = value ? m->w[i / 64] : ~m->w[i / 64];
		word &= ~0ull << (i % 64);
		if (word != 0)
			return (i & ~63ull) + (uint64_t)__builtin_ctzll(word);
		i = (i & ~63ull) + 64;
	}
	return UNIVERSE_UNITS;
}

/* Maximal runs of set bits: what a region table must hold. */
static size_t count_runs(const struct unit_map *m)
{
	size_t runs = 0;
	uint64_t carry = 0; /* the previous word's top bit */
	for (size_t k = 0; k < MAP_WORDS; k++) {
		runs += (size_t)__builtin_popcountll(m->w[k] & ~((m->w[k] << 1) | carry));
		carry = m->w[k] >> 63;
	}
	return runs;
}

/* What memblock_add/reserve (set) or memblock_remove/free (!set) must
 * return for [first, first + units) of the universe given as base and
 * size_bytes, and the model after it. */
static enum mm_error model_change(struct unit_map *map, uint64_t base, uint64_t size_bytes, uint64_t first,
                                  uint64_t units, bool set)
{
	if (size_bytes == 0 || (u128)base + size_bytes > UINT64_MAX)
		return MM_ERR_INVALID;
	struct unit_map before = *map;
	map_assign(map, first, units, set);
	if (count_runs(map) > MEMBLOCK_MAX_REGIONS) {
		*map = before;
		return MM_ERR_TABLE_FULL;
	}
	return MM_OK;
}

/* The address memblock_alloc_range must return: the lowest address at or
 * above min, aligned to align, whose size_bytes are all free and end by
 * max_end; by brute force over the units, with a prefix count of free
 * units. Returns false when nothing fits. */
static bool model_alloc_address(uint64_t size_units, uint64_t align, uint64_t min, uint64_t max_end,
                                uint64_t *unit_out)
{
	static uint32_t free_before[UNIVERSE_UNITS + 1];
	struct unit_map f = free_map();
	free_before[0] = 0;
	for (uint64_t i = 0; i < UNIVERSE_UNITS; i++)
		free_before[i + 1] = free_before[i] + map_test(&f, i);
	for (uint64_t i = 0; i + size_units <= UNIVERSE_UNITS; i++) {
		uint64_t a = addr_of(i);
		if (a < min || (a & (align - 1)) != 0)
			continue;
		if ((u128)a + ((u128)size_units << unit_shift) > max_end)
			break;
		if (free_before[i + size_units] - free_before[i] == size_units) {
			*unit_out = i;
			return true;
		}
	}
	return false;
}

/* ---- comparing memblock with the model ---- */

static void compare_table(const char *name, const struct unit_map *map, size_t count,
                          const struct mm_range *(*region)(size_t), uint64_t total)
{
	size_t r = 0;
	uint64_t units = 0;
	for (uint64_t i = map_find(map, 0, true); i < UNIVERSE_UNITS; i = map_find(map, i, true)) {
		uint64_t j = map_find(map, i, false);
		const struct mm_range *got = region(r);
		fuzz_check(got != NULL, "%s: region %zu [0x%lx-0x%lx) missing (%zu regions)", name, r,
		           addr_of(i), addr_of(j), count);
		fuzz_check(got->base == addr_of(i) && got->size_bytes == (j - i) << unit_shift,
		           "%s: region %zu is [0x%lx+0x%lx), expected [0x%lx+0x%lx)", name, r, got->base,
		           got->size_bytes, addr_of(i), (j - i) << unit_shift);
		units += j - i;
		r++;
		i = j;
	}
	fuzz_check(count == r, "%s: %zu regions, expected %zu", name, count, r);
	fuzz_check(total == units << unit_shift, "%s: 0x%lx bytes, expected 0x%lx", name, total,
	           units << unit_shift);
}

static void compare_free_ranges(void)
{
	struct unit_map f = free_map();
	uint64_t cursor;
	phys_addr_t base, end;
	uint64_t i = 0;
	for_each_free_range(cursor, base, end)
	{
		i = map_find(&f, i, true);
		fuzz_check(i < UNIVERSE_UNITS, "free range [0x%lx-0x%lx) not free in the model", base, end);
		uint64_t j = map_find(&f, i, false);
		fuzz_check(base == addr_of(i) && end == addr_of(j),
		           "free range [0x%lx-0x%lx), expected [0x%lx-0x%lx)", base, end, addr_of(i),
		           addr_of(j));
		i = j;
	}
	i = map_find(&f, i, true);
	fuzz_check(i == UNIVERSE_UNITS, "free range at 0x%lx missing", addr_of(i));
}

/* The tables after every operation. Walking all free ranges costs about
 * memory + reserved regions per range, so with large tables the free
 * ranges are compared only at the end (at_end). */
static void compare_all(bool at_end)
{
	fuzz_check(memblock_check_invariants(), "memblock_check_invariants: %s", host_log_text());
	compare_table("memory", &model_memory, memblock_memory_count(), memblock_memory_region,
	              memblock_memory_bytes());
	compare_table("reserved", &model_reserved, memblock_reserved_count(), memblock_reserved_region,
	              memblock_reserved_bytes());
	if (at_end || memblock_memory_count() + memblock_reserved_count() <= 64)
		compare_free_ranges();
}

/* ---- operations ---- */

/* A range of the universe: first unit and length in units (may be 0). */
static void take_range(struct fuzz_input *in, uint64_t *first, uint64_t *units)
{
	*first = fuzz_u16(in) % UNIVERSE_UNITS;
	*units = fuzz_u16(in) % (UNIVERSE_UNITS - *first + 1);
}

enum op_kind { OP_ADD, OP_RESERVE, OP_REMOVE, OP_FREE };

static enum mm_error call_op(enum op_kind kind, uint64_t base, uint64_t size_bytes)
{
	switch (kind) {
	case OP_ADD: return memblock_add(base, size_bytes);
	case OP_RESERVE: return memblock_reserve(base, size_bytes);
	case OP_REMOVE: return memblock_remove(base, size_bytes);
	case OP_FREE: return memblock_free(base, size_bytes);
	}
	return MM_ERR_INVALID;
}

static const char *const op_names[] = {"memblock_add", "memblock_reserve", "memblock_remove",
                                       "memblock_free"};

static void do_change(enum op_kind kind, uint64_t first, uint64_t units)
{
	uint64_t base = addr_of(first), size_bytes = units << unit_shift;
	struct unit_map *map = kind == OP_ADD || kind == OP_REMOVE ? &model_memory : &model_reserved;
	bool set = kind == OP_ADD || kind == OP_RESERVE;
	enum mm_error expected = model_change(map, base, size_bytes, first, units, set);
	enum mm_error got = call_op(kind, base, size_bytes);
	fuzz_check(got == expected, "%s(0x%lx, 0x%lx) returned %s, expected %s", op_names[kind], base,
	           size_bytes, error_name(got), error_name(expected));
}

/* A size that wraps past 2^64 from an address of the universe: refused,
 * and nothing changes. From address 0 no size wraps; that case is skipped. */
static void do_wrapping_change(enum op_kind kind, uint64_t first, uint64_t extra)
{
	uint64_t base = addr_of(first);
	if (base == 0)
		return;
	uint64_t size_bytes = (UINT64_MAX - base) + 1 + extra % base;
	enum mm_error got = call_op(kind, base, size_bytes);
	fuzz_check(got == MM_ERR_INVALID, "%s(0x%lx, 0x%lx) wraps but returned %s", op_names[kind], base,
	           size_bytes, error_name(got));
}

static void do_alloc(struct fuzz_input *in, bool ranged)
{
	uint64_t size_units = fuzz_u8(in) % 65;
	uint8_t align_sel = fuzz_u8(in);
	uint64_t align = align_sel < 240 ? 1ull << (12 + align_sel % 9) : (uint64_t)(align_sel - 240) << 11;
	uint64_t min = MEMBLOCK_LOW_LIMIT, max_end = MEMBLOCK_ALLOC_ANYWHERE;
	if (ranged) {
		min = addr_of(fuzz_u16(in) % UNIVERSE_UNITS);
		uint16_t end_sel = fuzz_u16(in);
		max_end = end_sel == 0xffff ? MEMBLOCK_ALLOC_ANYWHERE : addr_of(end_sel % UNIVERSE_UNITS);
	}
	uint64_t size_bytes = size_units << unit_shift;

	enum mm_error expected;
	uint64_t unit = 0;
	if (size_bytes == 0)
		expected = MM_ERR_INVALID;
	else if (align < PAGE_SIZE || (align & (align - 1)) != 0)
		expected = MM_ERR_MISALIGNED;
	else if (min >= max_end)
		expected = MM_ERR_INVALID;
	else if (!model_alloc_address(size_units, align, min, max_end, &unit))
		expected = MM_ERR_NO_MEMORY;
	else
		expected = model_change(&model_reserved, addr_of(unit), size_bytes, unit, size_units, true);

	phys_addr_t out = 0;
	enum mm_error got = ranged ? memblock_alloc_range(size_bytes, align, min, max_end, &out)
	                           : memblock_alloc(size_bytes, align, &out);
	fuzz_check(got == expected, "alloc(0x%lx, align 0x%lx, [0x%lx-0x%lx)) returned %s, expected %s",
	           size_bytes, align, min, max_end, error_name(got), error_name(expected));
	if (got == MM_OK)
		fuzz_check(out == addr_of(unit), "alloc(0x%lx, align 0x%lx) gave 0x%lx, expected 0x%lx",
		           size_bytes, align, out, addr_of(unit));
}

static void do_query(struct fuzz_input *in)
{
	uint64_t first, units;
	take_range(in, &first, &units);
	uint64_t base = addr_of(first), size_bytes = units << unit_shift;
	bool valid = size_bytes != 0 && (u128)base + size_bytes <= UINT64_MAX;
	bool all_memory = valid, any_reserved = false;
	for (uint64_t i = first; valid && i < first + units; i++) {
		all_memory &= map_test(&model_memory, i);
		any_reserved |= map_test(&model_reserved, i);
	}
	fuzz_check(memblock_is_memory(base, size_bytes) == all_memory,
	           "memblock_is_memory(0x%lx, 0x%lx) != %d", base, size_bytes, all_memory);
	fuzz_check(memblock_overlaps_reserved(base, size_bytes) == any_reserved,
	           "memblock_overlaps_reserved(0x%lx, 0x%lx) != %d", base, size_bytes, any_reserved);
}

/* Outside MEMBLOCK..PAGING every change is refused and nothing moves. */
static void do_wrong_stage(struct fuzz_input *in)
{
	uint64_t first, units;
	take_range(in, &first, &units);
	enum op_kind kind = fuzz_u8(in) % 4;
	mm_stage_force(MM_STAGE_BUDDY);
	enum mm_error got = call_op(kind, addr_of(first), units << unit_shift);
	phys_addr_t out;
	enum mm_error got_alloc = memblock_alloc(PAGE_SIZE, PAGE_SIZE, &out);
	mm_stage_force(MM_STAGE_MEMBLOCK);
	fuzz_check(got == MM_ERR_WRONG_STAGE && got_alloc == MM_ERR_WRONG_STAGE,
	           "%s / memblock_alloc in stage buddy returned %s / %s", op_names[kind], error_name(got),
	           error_name(got_alloc));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in;
	fuzz_input_init(&in, data, size);
	static const unsigned shifts[] = {0, 4, 12, 16};
	uint8_t setup = fuzz_u8(&in);
	unit_shift = shifts[setup & 3];
	uint64_t universe_bytes = (uint64_t)UNIVERSE_UNITS << unit_shift;
	switch ((setup >> 2) % 3) {
	case 0: window = 0; break;
	case 1: window = GiB(4) - universe_bytes / 2; break;
	default: window = 0 - universe_bytes; break; /* the universe ends at 2^64 */
	}
	memset(&model_memory, 0, sizeof(model_memory));
	memset(&model_reserved, 0, sizeof(model_reserved));
	host_log_clear();
	mm_stage_force(MM_STAGE_MEMBLOCK);
	memblock_reset();

	while (!fuzz_input_done(&in)) {
		uint8_t op = fuzz_u8(&in);
		uint64_t first, units;
		switch (op % 10) {
		case 0:
		case 1:
		case 2:
		case 3:
			take_range(&in, &first, &units);
			do_change(op % 4, first, units);
			break;
		case 4: {
			/* A comb: count ranges of units each, stride apart, to reach
			 * the table's capacity. */
			enum op_kind kind = fuzz_u8(&in) % 4;
			unsigned count = fuzz_u16(&in) % 600;
			uint64_t len = fuzz_u8(&in) % 4 + 1, stride = len + 1 + fuzz_u8(&in) % 4;
			take_range(&in, &first, &units);
			for (unsigned k = 0; k < count && first + k * stride + len <= UNIVERSE_UNITS; k++)
				do_change(kind, first + k * stride, len);
			break;
		}
		case 5: do_alloc(&in, false); break;
		case 6: do_alloc(&in, true); break;
		case 7: do_query(&in); break;
		case 8: do_wrong_stage(&in); break;
		case 9: {
			enum op_kind kind = fuzz_u8(&in) % 4;
			first = fuzz_u16(&in) % UNIVERSE_UNITS;
			do_wrapping_change(kind, first, fuzz_u8(&in));
			break;
		}
		}
		compare_all(false);
	}
	compare_all(true);
	memblock_dump();
	return 0;
}
