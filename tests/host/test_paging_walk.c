/* test_paging_walk.c - the page-table mapper's read-only walks: visiting
 * every mapping in order, counting table frames, and the W^X audit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "counting_frames.h"
#include "host_env.h"
#include "mm/mm_env.h"
#include "mm/paging.h"

#define ARENA_BYTES MiB(4)

static struct counting_frames frames;
static struct pt_space space;

static int setup(void **state)
{
	return paging_fixture_setup(&frames, &space, ARENA_BYTES, true);
}

static int teardown(void **state)
{
	paging_fixture_teardown(&frames);
	return 0;
}

struct visits {
	size_t count, stop_after;
	virt_addr_t va[16];
	struct pt_translation t[16];
};

static bool record(void *ctx, virt_addr_t va, const struct pt_translation *t)
{
	struct visits *v = ctx;
	assert_true(v->count < 16);
	v->va[v->count] = va;
	v->t[v->count] = *t;
	v->count++;
	return v->count != v->stop_after;
}

static void map4k(virt_addr_t va, phys_addr_t pa, unsigned flags)
{
	assert_int_equal(pt_map(&space, va, pa, PT_PAGE_4K, flags, PT_TLB_IGNORE), MM_OK);
}

static void for_each_visits_in_ascending_order_with_canonical_addresses(void **state)
{
	/* Mapped out of order, in both halves. */
	map4k(KERNEL_VIRT_BASE + MiB(1), MiB(1), PT_EXEC);
	assert_int_equal(pt_map(&space, PHYS_OFFSET, 0, PT_PAGE_1G, PT_WRITE, PT_TLB_IGNORE), MM_OK);
	map4k(0x7ffffffff000, 0x3000, 0);
	map4k(0x1000, 0x2000, 0);
	assert_int_equal(pt_map(&space, MiB(2), MiB(2), PT_PAGE_2M, 0, PT_TLB_IGNORE), MM_OK);

	struct visits v = {0};
	pt_for_each_mapping(&space, record, &v);
	const virt_addr_t expected[] = {0x1000, MiB(2), 0x7ffffffff000, PHYS_OFFSET,
	                                KERNEL_VIRT_BASE + MiB(1)};
	assert_int_equal(v.count, 5);
	for (size_t i = 0; i < 5; i++)
		assert_int_equal(v.va[i], expected[i]);
}

static void for_each_gives_page_start_pa_flags_and_size(void **state)
{
	assert_int_equal(pt_map(&space, GiB(1), GiB(7), PT_PAGE_1G, PT_WRITE | PT_GLOBAL, PT_TLB_IGNORE),
	                 MM_OK);
	struct visits v = {0};
	pt_for_each_mapping(&space, record, &v);
	assert_int_equal(v.count, 1);
	assert_int_equal(v.t[0].pa, GiB(7));
	assert_int_equal(v.t[0].flags, PT_WRITE | PT_GLOBAL);
	assert_int_equal(v.t[0].size, PT_PAGE_1G);
}

static void for_each_stops_when_the_visitor_says_so(void **state)
{
	for (int i = 0; i < 6; i++)
		map4k(0x1000 * (i + 1), 0x1000, 0);
	struct visits v = {.stop_after = 2};
	pt_for_each_mapping(&space, record, &v);
	assert_int_equal(v.count, 2);
	assert_int_equal(v.va[1], 0x2000);
}

static void count_table_frames_counts_the_root_and_every_table(void **state)
{
	map4k(0x1000, 0x1000, 0);                                                         /* PDPT, PD, PT */
	map4k(MiB(2), 0x1000, 0);                                                         /* another PT */
	map4k(KERNEL_VIRT_BASE, 0x1000, 0);                                               /* PDPT, PD, PT */
	assert_int_equal(pt_map(&space, GiB(1), 0, PT_PAGE_1G, 0, PT_TLB_IGNORE), MM_OK); /* none */
	assert_int_equal(pt_count_table_frames(&space), 1 + 4 + 3);
	assert_int_equal(pt_count_table_frames(&space), counting_frames_outstanding(&frames));
}

struct wx_ranges {
	size_t count;
	virt_addr_t start[8];
	uint64_t size[8];
};

static void record_range(virt_addr_t start, uint64_t size_bytes, void *ctx)
{
	struct wx_ranges *r = ctx;
	assert_true(r->count < 8);
	r->start[r->count] = start;
	r->size[r->count] = size_bytes;
	r->count++;
}

static void audit_reports_exactly_the_wx_ranges_merged(void **state)
{
	const unsigned wx = PT_WRITE | PT_EXEC;
	map4k(0x1000, 0x1000, wx);
	map4k(0x2000, 0x1000, wx | PT_GLOBAL); /* adjacent: same range */
	map4k(0x3000, 0x1000, PT_WRITE);       /* breaks the range */
	map4k(0x4000, 0x1000, wx);
	map4k(0x6000, 0x1000, wx); /* a hole before it: new range */
	assert_int_equal(pt_map(&space, MiB(4), MiB(4), PT_PAGE_2M, wx, PT_TLB_IGNORE), MM_OK);
	map4k(MiB(6), 0x1000, wx);
	map4k(KERNEL_VIRT_BASE, 0x1000, wx);
	map4k(KERNEL_VIRT_BASE + 0x1000, 0x1000, PT_EXEC);

	struct wx_ranges r = {0};
	assert_int_equal(pt_audit_wx(&space, record_range, &r), 2 + 1 + 1 + 512 + 1 + 1);
	assert_int_equal(r.count, 5);
	const virt_addr_t start[] = {0x1000, 0x4000, 0x6000, MiB(4), KERNEL_VIRT_BASE};
	const uint64_t size[] = {0x2000, 0x1000, 0x1000, MiB(2) + KiB(4), 0x1000};
	for (size_t i = 0; i < 5; i++) {
		assert_int_equal(r.start[i], start[i]);
		assert_int_equal(r.size[i], size[i]);
	}
}

static void audit_of_a_wx_clean_space_reports_nothing(void **state)
{
	map4k(0x1000, 0x1000, PT_EXEC);
	map4k(0x2000, 0x1000, PT_WRITE);
	map4k(0x3000, 0x1000, 0);
	assert_int_equal(pt_map_mmio(&space, 0x10000, 0xfee00000, 0x1000, PT_TLB_IGNORE), MM_OK);
	struct wx_ranges r = {0};
	assert_int_equal(pt_audit_wx(&space, record_range, &r), 0);
	assert_int_equal(r.count, 0);
}

static void audit_without_report_still_counts(void **state)
{
	assert_int_equal(pt_map_range(&space, 0, 0, MiB(2) + KiB(8), PT_WRITE | PT_EXEC, PT_TLB_IGNORE, NULL),
	                 MM_OK);
	assert_int_equal(pt_audit_wx(&space, NULL, NULL), 514);
}

static void walk_path_records_each_level_down_to_the_leaf(void **state)
{
	assert_int_equal(pt_map(&space, PHYS_OFFSET + MiB(2), MiB(2), PT_PAGE_2M, PT_WRITE, PT_TLB_IGNORE),
	                 MM_OK);
	struct pt_walk_step steps[PT_LEVELS];
	int count = -1;
	assert_int_equal(pt_walk_path(&space, PHYS_OFFSET + MiB(2) + 0x1234, steps, &count), MM_OK);
	assert_int_equal(count, 3); /* PML4, PDPT, then the 2 MiB leaf in the PD */
	assert_int_equal(steps[0].level, 4);
	assert_int_equal(steps[0].table, space.root);
	assert_int_equal(steps[0].index, 256);
	assert_int_equal(steps[2].level, 2);
	assert_int_equal(steps[2].index, 1);
	assert_true(steps[2].entry & PTE_PS);
	assert_int_equal(pt_leaf_pa(steps[2].entry, 2), MiB(2));
}

static void walk_path_stops_at_the_entry_that_is_not_present(void **state)
{
	map4k(0x1000, 0x2000, 0);
	struct pt_walk_step steps[PT_LEVELS];
	int count = -1;
	assert_int_equal(pt_walk_path(&space, 0x3000, steps, &count), MM_ERR_NOT_MAPPED);
	assert_int_equal(count, 4);
	assert_int_equal(steps[3].index, 3);
	assert_int_equal(steps[3].entry, 0);
	assert_int_equal(pt_walk_path(&space, PHYS_OFFSET, steps, &count), MM_ERR_NOT_MAPPED);
	assert_int_equal(count, 1);
}

static void walk_path_refuses_a_non_canonical_address(void **state)
{
	struct pt_walk_step steps[PT_LEVELS];
	int count = -1;
	assert_int_equal(pt_walk_path(&space, 0x800000000000ULL, steps, &count), MM_ERR_NON_CANONICAL);
	assert_int_equal(count, 0);
	assert_true(host_log_contains("pt_walk_path: 0x800000000000 is not canonical"));
}

struct runs {
	size_t count;
	struct pt_run run[8];
};

static bool record_run(void *ctx, const struct pt_run *run)
{
	struct runs *r = ctx;
	assert_true(r->count < 8);
	r->run[r->count++] = *run;
	return true;
}

static void runs_merge_leaves_that_follow_on_in_both_addresses_with_equal_rights(void **state)
{
	map4k(0x10000, 0x50000, PT_WRITE);
	map4k(0x11000, 0x51000, PT_WRITE); /* follows on: same run */
	map4k(0x12000, 0x60000, PT_WRITE); /* physical jump: new run */
	map4k(0x13000, 0x61000, 0);        /* other rights: new run */
	map4k(0x15000, 0x63000, 0);        /* virtual gap: new run */
	struct runs r = {0};
	pt_for_each_run(&space, record_run, &r);
	assert_int_equal(r.count, 4);
	assert_int_equal(r.run[0].start, 0x10000);
	assert_int_equal(r.run[0].end, 0x12000);
	assert_int_equal(r.run[0].pa, 0x50000);
	assert_int_equal(r.run[0].flags, PT_WRITE);
	assert_int_equal(r.run[1].pa, 0x60000);
	assert_int_equal(r.run[2].flags, 0);
	assert_int_equal(r.run[3].start, 0x15000);
	assert_int_equal(r.run[3].end, 0x16000);
}

static void runs_of_large_pages_keep_their_size(void **state)
{
	assert_int_equal(pt_map_range(&space, PHYS_OFFSET, 0, MiB(4) + KiB(4), PT_WRITE, PT_TLB_IGNORE, NULL),
	                 MM_OK);
	struct runs r = {0};
	pt_for_each_run(&space, record_run, &r);
	assert_int_equal(r.count, 2);
	assert_int_equal(r.run[0].size, PT_PAGE_2M);
	assert_int_equal(r.run[0].end - r.run[0].start, MiB(4));
	assert_int_equal(r.run[1].size, PT_PAGE_4K);
	assert_int_equal(r.run[1].pa, MiB(4));
}

static bool stop_at_first(void *ctx, const struct pt_run *run)
{
	(*(size_t *)ctx)++;
	return false;
}

static void runs_stop_when_the_visitor_says_so(void **state)
{
	map4k(0x10000, 0x50000, 0);
	map4k(0x20000, 0x70000, 0);
	size_t calls = 0;
	pt_for_each_run(&space, stop_at_first, &calls);
	assert_int_equal(calls, 1);
}

#define TEST(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TEST(for_each_visits_in_ascending_order_with_canonical_addresses),
	    TEST(for_each_gives_page_start_pa_flags_and_size),
	    TEST(for_each_stops_when_the_visitor_says_so),
	    TEST(count_table_frames_counts_the_root_and_every_table),
	    TEST(audit_reports_exactly_the_wx_ranges_merged),
	    TEST(audit_of_a_wx_clean_space_reports_nothing),
	    TEST(audit_without_report_still_counts),
	    TEST(walk_path_records_each_level_down_to_the_leaf),
	    TEST(walk_path_stops_at_the_entry_that_is_not_present),
	    TEST(walk_path_refuses_a_non_canonical_address),
	    TEST(runs_merge_leaves_that_follow_on_in_both_addresses_with_equal_rights),
	    TEST(runs_of_large_pages_keep_their_size),
	    TEST(runs_stop_when_the_visitor_says_so),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
