/* test_paging_clone.c - the page-table mapper's whole-space operations:
 * create, clone (with and without leaves), destroy (every table frame comes
 * back, no mapped frame does), and running out of frames. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>

#include "counting_frames.h"
#include "host_env.h"
#include "mm/mm_env.h"
#include "mm/paging.h"

#define ARENA_BYTES MiB(4)
#define HALF_FRAMES (ARENA_BYTES / PAGE_SIZE / 2)

/* Two sources over the two halves of the arena: `frames` for the source
 * space, `clone_frames` for clones, so each clone's frames are told apart. */
static struct counting_frames frames, clone_frames;
static struct pt_space space, copy;

static int setup(void **state)
{
	host_arena_init(ARENA_BYTES);
	host_log_clear();
	host_tlb_flush_page_count = 0;
	host_tlb_flush_all_count = 0;
	host_root_table = 0;
	counting_frames_init(&frames, PAGE_SIZE, HALF_FRAMES - 1);
	counting_frames_init(&clone_frames, HALF_FRAMES * PAGE_SIZE, HALF_FRAMES);
	copy = (struct pt_space){0};
	return pt_space_create(&space, &frames.source, true) == MM_OK ? 0 : -1;
}

static int teardown(void **state)
{
	counting_frames_fini(&frames);
	counting_frames_fini(&clone_frames);
	host_arena_free();
	return 0;
}

/* A space with pages of every size in both halves. */
static void map_sample(void)
{
	assert_int_equal(pt_map_range(&space, MiB(2) - KiB(8), MiB(2) - KiB(8), MiB(2) + KiB(12), PT_WRITE,
	                              PT_TLB_IGNORE, NULL),
	                 MM_OK);
	assert_int_equal(pt_map(&space, GiB(1), GiB(4), PT_PAGE_1G, 0, PT_TLB_IGNORE), MM_OK);
	assert_int_equal(pt_map_range(&space, KERNEL_VIRT_BASE + MiB(1), MiB(1), KiB(64), PT_EXEC | PT_GLOBAL,
	                              PT_TLB_IGNORE, NULL),
	                 MM_OK);
	assert_int_equal(pt_map(&space, PHYS_OFFSET, 0, PT_PAGE_1G, PT_WRITE, PT_TLB_IGNORE), MM_OK);
}

/* Collects every mapping of a space, to compare two spaces. */
struct mapping_list {
	size_t count;
	virt_addr_t va[128];
	struct pt_translation t[128];
};

static bool collect(void *ctx, virt_addr_t va, const struct pt_translation *t)
{
	struct mapping_list *list = ctx;
	assert_true(list->count < 128);
	list->va[list->count] = va;
	list->t[list->count] = *t;
	list->count++;
	return true;
}

static void list_mappings(const struct pt_space *sp, struct mapping_list *list)
{
	list->count = 0;
	pt_for_each_mapping(sp, collect, list);
}

static void assert_same_mappings(const struct pt_space *a, const struct pt_space *b)
{
	static struct mapping_list la, lb;
	list_mappings(a, &la);
	list_mappings(b, &lb);
	assert_int_equal(la.count, lb.count);
	for (size_t i = 0; i < la.count; i++) {
		assert_int_equal(la.va[i], lb.va[i]);
		assert_int_equal(la.t[i].pa, lb.t[i].pa);
		assert_int_equal(la.t[i].flags, lb.t[i].flags);
		assert_int_equal(la.t[i].size, lb.t[i].size);
	}
}

static size_t mapping_count(const struct pt_space *sp)
{
	static struct mapping_list list;
	list_mappings(sp, &list);
	return list.count;
}

static void create_gives_an_empty_space_with_one_table(void **state)
{
	assert_int_not_equal(space.root, 0);
	assert_int_equal(pt_count_table_frames(&space), 1);
	assert_int_equal(counting_frames_outstanding(&frames), 1);
	assert_int_equal(mapping_count(&space), 0);
}

static void create_without_frames_is_no_memory(void **state)
{
	struct pt_space other;
	frames.allocs_left = 0;
	assert_int_equal(pt_space_create(&other, &frames.source, false), MM_ERR_NO_MEMORY);
	assert_true(
	    host_log_contains("pt_space_create: frame source counting has no frame for a page table"));
}

static void clone_with_leaves_maps_everything_the_source_maps(void **state)
{
	map_sample();
	assert_int_equal(pt_clone(&space, &copy, &clone_frames.source, true), MM_OK);
	assert_int_not_equal(copy.root, space.root);
	assert_true(copy.allow_1g);
	assert_same_mappings(&space, &copy);
	struct pt_translation t;
	assert_int_equal(pt_translate(&copy, PHYS_OFFSET + 0x1234, &t), MM_OK);
	assert_int_equal(t.pa, 0x1234);
	assert_int_equal(t.size, PT_PAGE_1G);
}

static void clone_takes_its_tables_from_the_given_source(void **state)
{
	map_sample();
	size_t source_outstanding = counting_frames_outstanding(&frames);
	assert_int_equal(pt_clone(&space, &copy, &clone_frames.source, true), MM_OK);
	assert_int_equal(counting_frames_outstanding(&frames), source_outstanding);
	assert_int_equal(counting_frames_outstanding(&clone_frames), pt_count_table_frames(&space));
	assert_int_equal(pt_count_table_frames(&copy), pt_count_table_frames(&space));
}

static void clone_without_leaves_copies_the_tables_but_maps_nothing(void **state)
{
	map_sample();
	assert_int_equal(pt_clone(&space, &copy, &clone_frames.source, false), MM_OK);
	assert_int_equal(pt_count_table_frames(&copy), pt_count_table_frames(&space));
	assert_int_equal(mapping_count(&copy), 0);
	assert_int_equal(pt_translate(&copy, MiB(2), NULL), MM_ERR_NOT_MAPPED);
	/* The structure is there: mapping where the source has a PT needs no new table. */
	size_t allocs = clone_frames.allocs;
	assert_int_equal(pt_map(&copy, MiB(2) - KiB(8), 0x7000, PT_PAGE_4K, 0, PT_TLB_IGNORE), MM_OK);
	assert_int_equal(clone_frames.allocs, allocs);
}

static void changing_the_clone_leaves_the_source_unchanged(void **state)
{
	static struct mapping_list before;
	map_sample();
	list_mappings(&space, &before);
	assert_int_equal(pt_clone(&space, &copy, &clone_frames.source, true), MM_OK);
	assert_int_equal(pt_unmap(&copy, MiB(2), NULL, PT_TLB_IGNORE), MM_OK);
	assert_int_equal(pt_protect(&copy, GiB(1), PT_WRITE | PT_EXEC, PT_TLB_IGNORE), MM_OK);
	assert_int_equal(pt_map(&copy, GiB(8), 0x1000, PT_PAGE_4K, 0, PT_TLB_IGNORE), MM_OK);
	assert_int_equal(pt_unmap_range(&copy, KERNEL_VIRT_BASE + MiB(1), KiB(64), PT_TLB_IGNORE), MM_OK);

	static struct mapping_list after;
	list_mappings(&space, &after);
	assert_int_equal(after.count, before.count);
	assert_memory_equal(after.va, before.va, before.count * sizeof(before.va[0]));
	assert_memory_equal(after.t, before.t, before.count * sizeof(before.t[0]));
	assert_int_equal(pt_translate(&space, GiB(8), NULL), MM_ERR_NOT_MAPPED);
}

static void destroy_returns_every_table_frame_after_map_range(void **state)
{
	map_sample();
	assert_true(counting_frames_outstanding(&frames) > 5);
	assert_int_equal(pt_destroy(&space), MM_OK);
	assert_int_equal(space.root, 0);
	assert_int_equal(counting_frames_outstanding(&frames), 0);
	assert_int_equal(frames.bad_frees, 0);
}

static void destroy_returns_every_table_frame_of_a_clone(void **state)
{
	map_sample();
	assert_int_equal(pt_clone(&space, &copy, &clone_frames.source, true), MM_OK);
	assert_int_equal(pt_destroy(&copy), MM_OK);
	assert_int_equal(counting_frames_outstanding(&clone_frames), 0);
	assert_int_equal(clone_frames.bad_frees, 0);
	assert_same_mappings(&space, &space); /* the source still walks cleanly */
	assert_int_equal(pt_destroy(&space), MM_OK);
	assert_int_equal(counting_frames_outstanding(&frames), 0);
}

static void destroy_does_not_free_the_mapped_frames(void **state)
{
	phys_addr_t page[3];
	for (int i = 0; i < 3; i++) {
		assert_int_equal(frame_source_alloc(&frames.source, &page[i]), MM_OK);
		assert_int_equal(
		    pt_map(&space, 0x10000 + i * PAGE_SIZE, page[i], PT_PAGE_4K, PT_WRITE, PT_TLB_IGNORE),
		    MM_OK);
	}
	assert_int_equal(pt_destroy(&space), MM_OK);
	assert_int_equal(counting_frames_outstanding(&frames), 3);
	for (int i = 0; i < 3; i++)
		assert_int_equal(frames.allocated[(page[i] - frames.first) / PAGE_SIZE], 1);
}

static void destroy_refuses_the_tables_loaded_in_cr3(void **state)
{
	host_root_table = space.root;
	phys_addr_t root = space.root;
	assert_int_equal(pt_destroy(&space), MM_ERR_REFUSED);
	assert_int_equal(space.root, root);
	assert_int_equal(counting_frames_outstanding(&frames), 1);
	char expected[96];
	snprintf(expected, sizeof(expected), "pt_destroy: root 0x%lx is the page table now loaded in CR3",
	         root);
	assert_true(host_log_contains(expected));
}

static void destroying_twice_is_refused(void **state)
{
	assert_int_equal(pt_destroy(&space), MM_OK);
	assert_int_equal(pt_destroy(&space), MM_ERR_INVALID);
	assert_true(host_log_contains("pt_destroy: the address space has no root table"));
	assert_int_equal(frames.bad_frees, 0);
}

static void running_out_mid_map_leaves_a_partial_path_that_destroy_returns(void **state)
{
	frames.allocs_left = 1; /* the PDPT, not the PD */
	assert_int_equal(pt_map(&space, 0x1000, 0x1000, PT_PAGE_4K, 0, PT_TLB_IGNORE), MM_ERR_NO_MEMORY);
	assert_true(
	    host_log_contains("pt_map: frame source counting has no frame for a page table (out of memory)"));
	assert_int_equal(pt_count_table_frames(&space), 2);
	assert_int_equal(pt_translate(&space, 0x1000, NULL), MM_ERR_NOT_MAPPED);
	assert_int_equal(pt_destroy(&space), MM_OK);
	assert_int_equal(counting_frames_outstanding(&frames), 0);
}

static void running_out_mid_map_range_undoes_it_and_destroy_returns_everything(void **state)
{
	struct pt_map_stats s;
	frames.allocs_left = 5;
	/* 4 KiB pages over 8 MiB need a PDPT, a PD and 4 PTs: the 4th PT is missing. */
	assert_int_equal(pt_map_range(&space, 0, 0x1000, MiB(8), 0, PT_TLB_FLUSH_PAGE, &s), MM_ERR_NO_MEMORY);
	assert_int_equal(s.table_frames, 5);
	assert_int_equal(s.pages_4k, 3 * 512);
	assert_int_equal(mapping_count(&space), 0);
	assert_int_equal(pt_destroy(&space), MM_OK);
	assert_int_equal(counting_frames_outstanding(&frames), 0);
	assert_int_equal(frames.bad_frees, 0);
}

static void clone_running_out_returns_what_it_took(void **state)
{
	map_sample();
	clone_frames.allocs_left = pt_count_table_frames(&space) - 1;
	copy.root = 0x1234000; /* must be overwritten */
	assert_int_equal(pt_clone(&space, &copy, &clone_frames.source, true), MM_ERR_NO_MEMORY);
	assert_true(host_log_contains("pt_clone: frame source counting has no frame for a page table"));
	assert_int_equal(copy.root, 0);
	assert_int_equal(counting_frames_outstanding(&clone_frames), 0);
	assert_int_equal(clone_frames.bad_frees, 0);
}

static void clone_of_a_space_without_root_is_refused(void **state)
{
	struct pt_space empty = {0};
	assert_int_equal(pt_clone(&empty, &copy, &clone_frames.source, true), MM_ERR_INVALID);
	assert_true(host_log_contains("pt_clone: the address space has no root table (root 0x0)"));
	assert_int_equal(clone_frames.allocs, 0);
}

#define TEST(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TEST(create_gives_an_empty_space_with_one_table),
	    TEST(create_without_frames_is_no_memory),
	    TEST(clone_with_leaves_maps_everything_the_source_maps),
	    TEST(clone_takes_its_tables_from_the_given_source),
	    TEST(clone_without_leaves_copies_the_tables_but_maps_nothing),
	    TEST(changing_the_clone_leaves_the_source_unchanged),
	    TEST(destroy_returns_every_table_frame_after_map_range),
	    TEST(destroy_returns_every_table_frame_of_a_clone),
	    TEST(destroy_does_not_free_the_mapped_frames),
	    TEST(destroy_refuses_the_tables_loaded_in_cr3),
	    TEST(destroying_twice_is_refused),
	    TEST(running_out_mid_map_leaves_a_partial_path_that_destroy_returns),
	    TEST(running_out_mid_map_range_undoes_it_and_destroy_returns_everything),
	    TEST(clone_running_out_returns_what_it_took),
	    TEST(clone_of_a_space_without_root_is_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
