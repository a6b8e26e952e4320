/*
 * test_lab_memblock.c - memblock's behaviour as lab memblock grades it:
 * the refusals test_memblock.c checks through the wording of messages are
 * checked here through return values, unchanged tables and the level of
 * what was logged (students write their own messages), and random
 * operations are compared with a simple model of both tables.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <string.h>

#include "host_env.h"
#include "lab_checks.h"
#include "mm/memblock.h"
#include "mm/mm_env.h"
#include "mm/stage_order.h"

static int reset(void **state)
{
	(void)state;
	mm_stage_force(MM_STAGE_MEMBLOCK);
	memblock_reset();
	host_log_clear();
	return 0;
}

/* Both tables, to check that a refused call changed nothing. */
struct snapshot {
	size_t memory_count, reserved_count;
	struct mm_range memory[MEMBLOCK_MAX_REGIONS], reserved[MEMBLOCK_MAX_REGIONS];
};

static struct snapshot before, after;

static void take(struct snapshot *s)
{
	s->memory_count = memblock_memory_count();
	s->reserved_count = memblock_reserved_count();
	for (size_t i = 0; i < s->memory_count; i++)
		s->memory[i] = *memblock_memory_region(i);
	for (size_t i = 0; i < s->reserved_count; i++)
		s->reserved[i] = *memblock_reserved_region(i);
}

static void assert_unchanged_since(const struct snapshot *s)
{
	take(&after);
	assert_int_equal(after.memory_count, s->memory_count);
	assert_int_equal(after.reserved_count, s->reserved_count);
	assert_memory_equal(after.memory, s->memory, s->memory_count * sizeof(s->memory[0]));
	assert_memory_equal(after.reserved, s->reserved, s->reserved_count * sizeof(s->reserved[0]));
}

static void expect_region(const struct mm_range *r, uint64_t base, uint64_t size_bytes)
{
	assert_non_null(r);
	assert_int_equal(r->base, base);
	assert_int_equal(r->size_bytes, size_bytes);
}

/* --- refusals, by value ---------------------------------------------------- */

static void every_modifier_refuses_an_empty_or_wrapping_range(void **state)
{
	enum mm_error (*const modifiers[])(phys_addr_t, uint64_t) = {memblock_add, memblock_reserve,
	                                                             memblock_remove, memblock_free};
	assert_int_equal(memblock_add(0x100000, 0x10000), MM_OK);
	assert_int_equal(memblock_reserve(0x100000, 0x1000), MM_OK);
	take(&before);
	for (size_t i = 0; i < 4; i++) {
		host_log_clear();
		assert_int_equal(modifiers[i](0x104000, 0), MM_ERR_INVALID);
		assert_true(lab_log_has_warning());
		host_log_clear();
		assert_int_equal(modifiers[i](0xfffffffffffff000ULL, 0x2000), MM_ERR_INVALID);
		assert_true(lab_log_has_warning());
		assert_int_equal(modifiers[i](0x1000, UINT64_MAX), MM_ERR_INVALID);
		assert_unchanged_since(&before);
	}
	/* A range that ends exactly at 2^64 - 1 does not wrap. */
	assert_int_equal(memblock_add(0xfffffffffffff000ULL, 0xfff), MM_OK);
}

static void queries_answer_false_for_an_empty_or_wrapping_range(void **state)
{
	assert_int_equal(memblock_add(0x0, 0x200000), MM_OK);
	assert_int_equal(memblock_reserve(0x0, 0x200000), MM_OK);
	assert_false(memblock_is_memory(0x100000, 0));
	assert_true(lab_log_has_warning());
	host_log_clear();
	assert_false(memblock_overlaps_reserved(0x100000, 0));
	assert_true(lab_log_has_warning());
	assert_false(memblock_is_memory(0x100000, UINT64_MAX));
	assert_false(memblock_overlaps_reserved(0x100000, UINT64_MAX));
}

static void full_tables_refuse_a_new_region_or_a_split_and_change_nothing(void **state)
{
	for (uint64_t i = 0; i < MEMBLOCK_MAX_REGIONS; i++) {
		assert_int_equal(memblock_add(0x100000000ULL + 0x2000 * i, 0x1000), MM_OK);
		assert_int_equal(memblock_reserve(0x100000000ULL + 0x2000 * i, 0x1000), MM_OK);
	}
	take(&before);
	host_log_clear();
	assert_int_equal(memblock_add(0x1000, 0x1000), MM_ERR_TABLE_FULL);
	assert_true(lab_log_has_warning());
	assert_int_equal(memblock_reserve(0x1000, 0x1000), MM_ERR_TABLE_FULL);
	assert_int_equal(memblock_remove(0x100000400ULL, 0x400), MM_ERR_TABLE_FULL);
	assert_int_equal(memblock_free(0x100000400ULL, 0x400), MM_ERR_TABLE_FULL);
	assert_unchanged_since(&before);
	/* Cuts that need no new region still work. */
	assert_int_equal(memblock_remove(0x100000000ULL, 0x1000), MM_OK);
	assert_int_equal(memblock_free(0x100000000ULL, 0x400), MM_OK);
	assert_int_equal(memblock_memory_count(), MEMBLOCK_MAX_REGIONS - 1);
	expect_region(memblock_reserved_region(0), 0x100000400ULL, 0xc00);
}

static void bad_allocation_requests_are_refused_and_change_nothing(void **state)
{
	phys_addr_t pa = 0x1234;
	assert_int_equal(memblock_add(0x0, MiB(16)), MM_OK);
	take(&before);
	assert_int_equal(memblock_alloc(0, 0x1000, &pa), MM_ERR_INVALID);
	assert_true(lab_log_has_warning());
	assert_int_equal(memblock_alloc(0x1000, 0x800, &pa), MM_ERR_MISALIGNED);
	assert_int_equal(memblock_alloc(0x1000, 0x3000, &pa), MM_ERR_MISALIGNED);
	assert_int_equal(memblock_alloc(0x1000, 0, &pa), MM_ERR_MISALIGNED);
	assert_int_equal(memblock_alloc_range(0x1000, 0x1000, 0x9000, 0x8000, &pa), MM_ERR_INVALID);
	assert_int_equal(memblock_alloc_range(0x1000, 0x1000, 0x9000, 0x9000, &pa), MM_ERR_INVALID);
	assert_int_equal(pa, 0x1234);
	assert_unchanged_since(&before);
}

static void an_allocation_that_does_not_fit_is_refused_and_changes_nothing(void **state)
{
	phys_addr_t pa = 0x1234;
	assert_int_equal(memblock_add(MiB(1), 0x10000), MM_OK);
	assert_int_equal(memblock_reserve(MiB(1) + 0x8000, 0x1000), MM_OK);
	take(&before);
	host_log_clear();
	assert_int_equal(memblock_alloc(0x9000, 0x1000, &pa), MM_ERR_NO_MEMORY); /* 0x8000 + 0x7000 free */
	assert_true(lab_log_has_warning());
	assert_int_equal(pa, 0x1234);
	assert_unchanged_since(&before);
}

static void allocating_after_the_buddy_took_over_is_refused(void **state)
{
	phys_addr_t pa = 0x1234;
	assert_int_equal(memblock_add(0x0, MiB(16)), MM_OK);
	take(&before);
	mm_stage_force(MM_STAGE_BUDDY);
	assert_int_equal(memblock_alloc(0x1000, 0x1000, &pa), MM_ERR_WRONG_STAGE);
	assert_int_equal(memblock_alloc_range(0x1000, 0x1000, 0, MiB(4), &pa), MM_ERR_WRONG_STAGE);
	assert_int_equal(pa, 0x1234);
	assert_unchanged_since(&before);
}

/* --- allocation at the edges --------------------------------------------------- */

static void an_allocation_may_end_exactly_at_max_end(void **state)
{
	phys_addr_t pa = 0;
	assert_int_equal(memblock_add(0x0, MiB(16)), MM_OK);
	assert_int_equal(memblock_alloc_range(0x2000, 0x1000, 0x8000, 0xa000, &pa), MM_OK);
	assert_int_equal(pa, 0x8000);
	expect_region(memblock_reserved_region(0), 0x8000, 0x2000);
}

static void an_allocation_may_fill_a_free_range_exactly(void **state)
{
	phys_addr_t pa = 0;
	assert_int_equal(memblock_add(MiB(1), 0x10000), MM_OK);
	assert_int_equal(memblock_reserve(MiB(1), 0x3000), MM_OK);
	assert_int_equal(memblock_reserve(MiB(1) + 0x5000, 0x1000), MM_OK);
	assert_int_equal(memblock_alloc(0x2000, 0x1000, &pa), MM_OK); /* [0x103000, 0x105000) */
	assert_int_equal(pa, MiB(1) + 0x3000);
	assert_int_equal(memblock_reserved_count(), 1);
	expect_region(memblock_reserved_region(0), MiB(1), 0x6000);
}

static void alignment_is_applied_inside_each_free_range(void **state)
{
	phys_addr_t pa = 0;
	assert_int_equal(memblock_add(0x101000, 0x2000), MM_OK); /* aligned up: 0x102000, too short */
	assert_int_equal(memblock_add(0x201000, 0x8000), MM_OK); /* aligned up: 0x204000 fits */
	assert_int_equal(memblock_alloc(0x2000, 0x4000, &pa), MM_OK);
	assert_int_equal(pa, 0x204000);
	assert_int_equal(memblock_alloc(0x1000, 0x1000, &pa), MM_OK); /* the lowest fit again */
	assert_int_equal(pa, 0x101000);
}

static void a_window_starting_inside_a_free_range_is_honoured(void **state)
{
	phys_addr_t pa = 0;
	assert_int_equal(memblock_add(0x0, MiB(16)), MM_OK);
	assert_int_equal(memblock_alloc_range(0x1000, 0x1000, 0x7fff, MiB(16), &pa), MM_OK);
	assert_int_equal(pa, 0x8000); /* min rounded up to the alignment */
	assert_int_equal(memblock_alloc_range(0x1000, 0x1000, 0x8000, MEMBLOCK_ALLOC_ANYWHERE, &pa), MM_OK);
	assert_int_equal(pa, 0x9000);
}

/* --- random operations against a model ---------------------------------------- */

/*
 * The model: addresses in units of 0x400 over 32 pages, one flag per unit
 * for "memory" and one for "reserved". After every operation both tables
 * must be exactly the maximal runs of their flags, and the free ranges the
 * maximal runs of memory and not reserved. An allocation must return the
 * lowest aligned address in the window where size bytes are free.
 */
#define UNIT        0x400ULL
#define SPACE_UNITS 128
#define SPACE_BASE  0x200000ULL

static uint64_t rng_state = 0x2545f4914f6cdd1dULL;

static uint64_t next_random(void)
{
	return lab_random(&rng_state);
}

static bool model_memory[SPACE_UNITS], model_reserved[SPACE_UNITS];

static bool free_unit(size_t u)
{
	return model_memory[u] && !model_reserved[u];
}

static bool memory_unit(size_t u)
{
	return model_memory[u];
}

static bool reserved_unit(size_t u)
{
	return model_reserved[u];
}

/* The table (count regions, region(i)) must be the runs of flag. */
static void expect_runs(bool (*flag)(size_t), size_t count, const struct mm_range *(*region)(size_t))
{
	size_t idx = 0, pos = 0, start, end;
	for (; lab_next_run(flag, SPACE_UNITS, &pos, &start, &end); idx++) {
		assert_true(idx < count);
		expect_region(region(idx), SPACE_BASE + start * UNIT, (end - start) * UNIT);
	}
	assert_int_equal(count, idx);
}

static void expect_model(void)
{
	expect_runs(memory_unit, memblock_memory_count(), memblock_memory_region);
	expect_runs(reserved_unit, memblock_reserved_count(), memblock_reserved_region);
	/* The free ranges: the runs of free units, in order, and nothing after. */
	uint64_t cursor = 0;
	phys_addr_t base, end;
	size_t pos = 0, run_start, run_end;
	while (memblock_next_free_range(&cursor, &base, &end)) {
		assert_true(lab_next_run(free_unit, SPACE_UNITS, &pos, &run_start, &run_end));
		assert_int_equal(base, SPACE_BASE + run_start * UNIT);
		assert_int_equal(end, SPACE_BASE + run_end * UNIT);
		assert_int_equal(cursor, end);
	}
	assert_false(lab_next_run(free_unit, SPACE_UNITS, &pos, &run_start, &run_end));
}

/* The lowest address the model allows, or UINT64_MAX. */
static uint64_t model_alloc(uint64_t size_bytes, uint64_t align, uint64_t min, uint64_t max_end)
{
	for (uint64_t c = ALIGN_UP(min, align); c + size_bytes <= max_end; c += align) {
		if (c < SPACE_BASE)
			continue;
		bool fits = true;
		for (uint64_t a = c; a < c + size_bytes && fits; a += UNIT)
			fits = a < SPACE_BASE + SPACE_UNITS * UNIT && free_unit((a - SPACE_BASE) / UNIT);
		if (fits)
			return c;
	}
	return UINT64_MAX;
}

static void random_operations_give_the_tables_the_model_predicts(void **state)
{
	for (int trial = 0; trial < 300; trial++) {
		reset(NULL);
		memset(model_memory, 0, sizeof(model_memory));
		memset(model_reserved, 0, sizeof(model_reserved));
		int ops = 1 + (int)(next_random() % 16);
		for (int op = 0; op < ops; op++) {
			size_t b = next_random() % SPACE_UNITS;
			size_t len = 1 + next_random() % (SPACE_UNITS / 3);
			if (b + len > SPACE_UNITS)
				len = SPACE_UNITS - b;
			uint64_t base = SPACE_BASE + b * UNIT, size_bytes = len * UNIT;
			unsigned kind = (unsigned)(next_random() % 5);
			if (kind == 4) {
				uint64_t align = PAGE_SIZE << (next_random() % 3);
				uint64_t max_end = base + size_bytes + (next_random() % 4) * UNIT;
				uint64_t expected = model_alloc(size_bytes, align, base, max_end);
				phys_addr_t pa = 0x1234;
				enum mm_error err =
				    memblock_alloc_range(size_bytes, align, base, max_end, &pa);
				if (expected == UINT64_MAX) {
					assert_int_equal(err, MM_ERR_NO_MEMORY);
					assert_int_equal(pa, 0x1234);
				} else {
					assert_int_equal(err, MM_OK);
					assert_int_equal(pa, expected);
					for (uint64_t a = pa; a < pa + size_bytes; a += UNIT)
						model_reserved[(a - SPACE_BASE) / UNIT] = true;
				}
			} else {
				enum mm_error (*const modifiers[])(phys_addr_t, uint64_t) = {
				    memblock_add, memblock_reserve, memblock_remove, memblock_free};
				bool *flags = kind == 0 || kind == 2 ? model_memory : model_reserved;
				assert_int_equal(modifiers[kind](base, size_bytes), MM_OK);
				for (size_t u = b; u < b + len; u++)
					flags[u] = kind < 2;
			}
			expect_model();
			for (int q = 0; q < 4; q++) {
				size_t qb = next_random() % SPACE_UNITS;
				size_t qlen = 1 + next_random() % (SPACE_UNITS - qb);
				bool all_memory = true, any_reserved = false;
				for (size_t u = qb; u < qb + qlen; u++) {
					all_memory = all_memory && model_memory[u];
					any_reserved = any_reserved || model_reserved[u];
				}
				assert_int_equal(memblock_is_memory(SPACE_BASE + qb * UNIT, qlen * UNIT),
				                 all_memory);
				assert_int_equal(
				    memblock_overlaps_reserved(SPACE_BASE + qb * UNIT, qlen * UNIT),
				    any_reserved);
			}
		}
	}
}

#define TEST(name) cmocka_unit_test_setup(name, reset)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TEST(every_modifier_refuses_an_empty_or_wrapping_range),
	    TEST(queries_answer_false_for_an_empty_or_wrapping_range),
	    TEST(full_tables_refuse_a_new_region_or_a_split_and_change_nothing),
	    TEST(bad_allocation_requests_are_refused_and_change_nothing),
	    TEST(an_allocation_that_does_not_fit_is_refused_and_changes_nothing),
	    TEST(allocating_after_the_buddy_took_over_is_refused),
	    TEST(an_allocation_may_end_exactly_at_max_end),
	    TEST(an_allocation_may_fill_a_free_range_exactly),
	    TEST(alignment_is_applied_inside_each_free_range),
	    TEST(a_window_starting_inside_a_free_range_is_honoured),
	    TEST(random_operations_give_the_tables_the_model_predicts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
