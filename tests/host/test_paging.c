/* test_paging.c - the page-table mapper's single-page operations: map,
 * translate, unmap, protect, the entry bits they write, and every refusal
 * (see test_paging_range.c, test_paging_clone.c, test_paging_walk.c).
 * Cases whose name ends in _wording check only messages that lab paging's
 * students word themselves; its grade (labs/paging/lab.json) leaves them
 * out. */
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

static int setup_with(bool allow_1g)
{
	return paging_fixture_setup(&frames, &space, ARENA_BYTES, allow_1g);
}

static int setup(void **state)
{
	return setup_with(false);
}

static int setup_1g(void **state)
{
	return setup_with(true);
}

static int teardown(void **state)
{
	paging_fixture_teardown(&frames);
	return 0;
}

/* The raw entry for va at `level` (4 = PML4 ... 1 = PT); the path to it
 * must exist. */
static uint64_t raw_entry(virt_addr_t va, int level)
{
	phys_addr_t table = space.root;
	for (int l = PT_LEVELS; l > level; l--)
		table = ((uint64_t *)mm_phys_to_virt(table))[(va >> pt_level_shift(l)) & 511] & PTE_ADDR_MASK;
	return ((uint64_t *)mm_phys_to_virt(table))[(va >> pt_level_shift(level)) & 511];
}

static size_t present_entries(phys_addr_t table)
{
	const uint64_t *entries = mm_phys_to_virt(table);
	size_t n = 0;
	for (int i = 0; i < 512; i++)
		n += (entries[i] & PTE_P) != 0;
	return n;
}

static void a_4k_page_translates_to_its_frame(void **state)
{
	struct pt_translation t;
	assert_int_equal(pt_map(&space, 0x400000, 0x1234000, PT_PAGE_4K, PT_WRITE, PT_TLB_IGNORE), MM_OK);
	assert_int_equal(pt_translate(&space, 0x400000, &t), MM_OK);
	assert_int_equal(t.pa, 0x1234000);
	assert_int_equal(t.size, PT_PAGE_4K);
	assert_int_equal(t.flags, PT_WRITE);
}

static void a_2m_page_translates_as_2m(void **state)
{
	struct pt_translation t;
	assert_int_equal(pt_map(&space, 0x40000000, 0x600000, PT_PAGE_2M, 0, PT_TLB_IGNORE), MM_OK);
	assert_int_equal(pt_translate(&space, 0x40000000, &t), MM_OK);
	assert_int_equal(t.pa, 0x600000);
	assert_int_equal(t.size, PT_PAGE_2M);
	assert_true((raw_entry(0x40000000, 2) & PTE_PS) != 0);
}

static void a_1g_page_translates_as_1g_when_allowed(void **state)
{
	struct pt_translation t;
	assert_int_equal(pt_map(&space, GiB(3), GiB(5), PT_PAGE_1G, PT_WRITE, PT_TLB_IGNORE), MM_OK);
	assert_int_equal(pt_translate(&space, GiB(3), &t), MM_OK);
	assert_int_equal(t.pa, GiB(5));
	assert_int_equal(t.size, PT_PAGE_1G);
	assert_true((raw_entry(GiB(3), 3) & PTE_PS) != 0);
}

static void translate_keeps_the_offset_inside_the_page(void **state)
{
	struct pt_translation t;
	assert_int_equal(pt_map(&space, 0x7000, 0x9000, PT_PAGE_4K, 0, PT_TLB_IGNORE), MM_OK);
	assert_int_equal(pt_map(&space, 0x200000, 0x800000, PT_PAGE_2M, 0, PT_TLB_IGNORE), MM_OK);
	assert_int_equal(pt_map(&space, GiB(1), GiB(2), PT_PAGE_1G, 0, PT_TLB_IGNORE), MM_OK);
	assert_int_equal(pt_translate(&space, 0x7abc, &t), MM_OK);
	assert_int_equal(t.pa, 0x9abc);
	assert_int_equal(pt_translate(&space, 0x200000 + 0x1fffff, &t), MM_OK);
	assert_int_equal(t.pa, 0x800000 + 0x1fffff);
	assert_int_equal(pt_translate(&space, GiB(1) + 0x12345678, &t), MM_OK);
	assert_int_equal(t.pa, GiB(2) + 0x12345678);
}

static void every_flag_combination_round_trips(void **state)
{
	for (unsigned flags = 0; flags <= PT_FLAGS_ALL; flags++) {
		struct pt_translation t;
		virt_addr_t va = 0x1000000 + flags * PAGE_SIZE;
		assert_int_equal(pt_map(&space, va, 0x5000, PT_PAGE_4K, flags, PT_TLB_IGNORE), MM_OK);
		assert_int_equal(pt_translate(&space, va, &t), MM_OK);
		assert_int_equal(t.flags, flags);
	}
}

static void leaf_bits_follow_the_flags(void **state)
{
	assert_int_equal(pt_map(&space, 0x1000, 0x2000, PT_PAGE_4K, 0, PT_TLB_IGNORE), MM_OK);
	assert_int_equal(raw_entry(0x1000, 1), 0x2000 | PTE_P | PTE_NX);

	unsigned all = PT_WRITE | PT_EXEC | PT_USER | PT_GLOBAL | PT_NOCACHE;
	assert_int_equal(pt_map(&space, 0x3000, 0x4000, PT_PAGE_4K, all, PT_TLB_IGNORE), MM_OK);
	assert_int_equal(raw_entry(0x3000, 1), 0x4000 | PTE_P | PTE_RW | PTE_US | PTE_G | PTE_PCD | PTE_PWT);

	assert_int_equal(pt_map(&space, 0x200000, 0x400000, PT_PAGE_2M, PT_WRITE, PT_TLB_IGNORE), MM_OK);
	assert_int_equal(raw_entry(0x200000, 2), 0x400000 | PTE_P | PTE_RW | PTE_PS | PTE_NX);
}

static void intermediate_entries_are_present_writable_and_user(void **state)
{
	assert_int_equal(pt_map(&space, 0x1000, 0x2000, PT_PAGE_4K, 0, PT_TLB_IGNORE), MM_OK);
	for (int level = 4; level >= 2; level--)
		assert_int_equal(raw_entry(0x1000, level) & ~PTE_ADDR_MASK, PTE_P | PTE_RW | PTE_US);
}

static void new_tables_are_zeroed(void **state)
{
	/* The arena starts as 0xa5 junk: an unzeroed table has 512 "present"
	 * entries. */
	assert_int_equal(present_entries(space.root), 0);
	assert_int_equal(pt_map(&space, 0x1000, 0x2000, PT_PAGE_4K, 0, PT_TLB_IGNORE), MM_OK);
	assert_int_equal(present_entries(space.root), 1);
	for (int level = 4; level >= 2; level--)
		assert_int_equal(present_entries(raw_entry(0x1000, level) & PTE_ADDR_MASK), 1);
	assert_int_equal(pt_translate(&space, 0x2000, NULL), MM_ERR_NOT_MAPPED);
}

static void higher_half_addresses_map_and_translate(void **state)
{
	struct pt_translation t;
	virt_addr_t va = KERNEL_VIRT_BASE + 0x100000;
	assert_int_equal(pt_map(&space, va, 0x100000, PT_PAGE_4K, PT_EXEC, PT_TLB_IGNORE), MM_OK);
	assert_int_equal(pt_translate(&space, va + 0x10, &t), MM_OK);
	assert_int_equal(t.pa, 0x100010);
	assert_int_equal(pt_translate(&space, 0x100000, &t), MM_ERR_NOT_MAPPED);
}

static void unmap_returns_what_was_mapped(void **state)
{
	struct pt_translation old;
	assert_int_equal(pt_map(&space, 0x600000, 0xa00000, PT_PAGE_2M, PT_WRITE | PT_GLOBAL, PT_TLB_IGNORE),
	                 MM_OK);
	assert_int_equal(pt_unmap(&space, 0x600000, &old, PT_TLB_IGNORE), MM_OK);
	assert_int_equal(old.pa, 0xa00000);
	assert_int_equal(old.flags, PT_WRITE | PT_GLOBAL);
	assert_int_equal(old.size, PT_PAGE_2M);
	assert_int_equal(pt_translate(&space, 0x600000, NULL), MM_ERR_NOT_MAPPED);
}

static void unmap_never_frees_the_mapped_frame(void **state)
{
	phys_addr_t frame;
	assert_int_equal(frame_source_alloc(&frames.source, &frame), MM_OK);
	assert_int_equal(pt_map(&space, 0x5000, frame, PT_PAGE_4K, PT_WRITE, PT_TLB_IGNORE), MM_OK);
	size_t frees_before = frames.frees;
	assert_int_equal(pt_unmap(&space, 0x5000, NULL, PT_TLB_IGNORE), MM_OK);
	assert_int_equal(frames.frees, frees_before);
	assert_int_equal(frames.allocated[(frame - frames.first) / PAGE_SIZE], 1);
}

static void a_page_can_be_mapped_again_after_unmap(void **state)
{
	struct pt_translation t;
	assert_int_equal(pt_map(&space, 0x5000, 0x7000, PT_PAGE_4K, 0, PT_TLB_IGNORE), MM_OK);
	assert_int_equal(pt_unmap(&space, 0x5000, NULL, PT_TLB_IGNORE), MM_OK);
	assert_int_equal(pt_map(&space, 0x5000, 0x8000, PT_PAGE_4K, PT_WRITE, PT_TLB_IGNORE), MM_OK);
	assert_int_equal(pt_translate(&space, 0x5000, &t), MM_OK);
	assert_int_equal(t.pa, 0x8000);
	assert_int_equal(t.flags, PT_WRITE);
}

/* Map va 0x400000 to pa 0x200000, then try pa 0x300000 there. */
static enum mm_error map_a_mapped_page(void)
{
	assert_int_equal(pt_map(&space, 0x400000, 0x200000, PT_PAGE_4K, 0, PT_TLB_IGNORE), MM_OK);
	return pt_map(&space, 0x400000, 0x300000, PT_PAGE_4K, 0, PT_TLB_IGNORE);
}

static void mapping_a_mapped_page_is_refused(void **state)
{
	struct pt_translation t;
	assert_int_equal(map_a_mapped_page(), MM_ERR_ALREADY_MAPPED);
	assert_int_equal(pt_translate(&space, 0x400000, &t), MM_OK);
	assert_int_equal(t.pa, 0x200000);
}

static void mapping_a_mapped_page_names_va_and_both_pas_wording(void **state)
{
	map_a_mapped_page();
	assert_true(
	    host_log_contains("pt_map: va 0x400000 is already mapped to pa 0x200000 (new pa 0x300000)"));
}

static void mapping_the_identical_page_again_is_refused_too(void **state)
{
	assert_int_equal(pt_map(&space, 0x400000, 0x200000, PT_PAGE_4K, PT_WRITE, PT_TLB_IGNORE), MM_OK);
	assert_int_equal(pt_map(&space, 0x400000, 0x200000, PT_PAGE_4K, PT_WRITE, PT_TLB_IGNORE),
	                 MM_ERR_ALREADY_MAPPED);
}

static void misaligned_va_is_refused_for_every_size(void **state)
{
	assert_int_equal(pt_map(&space, 0x1800, 0x2000, PT_PAGE_4K, 0, PT_TLB_IGNORE), MM_ERR_MISALIGNED);
	assert_true(host_log_contains("pt_map: va 0x1800 is not aligned to 0x1000"));
	assert_int_equal(pt_map(&space, 0x201000, 0x400000, PT_PAGE_2M, 0, PT_TLB_IGNORE), MM_ERR_MISALIGNED);
	assert_true(host_log_contains("pt_map: va 0x201000 is not aligned to 0x200000"));
	assert_int_equal(pt_map(&space, GiB(1) + MiB(2), GiB(2), PT_PAGE_1G, 0, PT_TLB_IGNORE),
	                 MM_ERR_MISALIGNED);
	assert_true(host_log_contains("pt_map: va 0x40200000 is not aligned to 0x40000000"));
	assert_int_equal(pt_count_table_frames(&space), 1);
}

static void misaligned_pa_is_refused_for_every_size(void **state)
{
	assert_int_equal(pt_map(&space, 0x1000, 0x2001, PT_PAGE_4K, 0, PT_TLB_IGNORE), MM_ERR_MISALIGNED);
	assert_true(host_log_contains("pt_map: pa 0x2001 is not aligned to 0x1000"));
	assert_int_equal(pt_map(&space, 0x200000, 0x401000, PT_PAGE_2M, 0, PT_TLB_IGNORE), MM_ERR_MISALIGNED);
	assert_true(host_log_contains("pt_map: pa 0x401000 is not aligned to 0x200000"));
	assert_int_equal(pt_map(&space, GiB(1), GiB(2) + MiB(2), PT_PAGE_1G, 0, PT_TLB_IGNORE),
	                 MM_ERR_MISALIGNED);
	assert_true(host_log_contains("pt_map: pa 0x80200000 is not aligned to 0x40000000"));
	assert_int_equal(pt_count_table_frames(&space), 1);
}

static void non_canonical_va_is_refused_everywhere(void **state)
{
	virt_addr_t bad = 0x0000800000000000ULL;
	assert_int_equal(pt_map(&space, bad, 0x1000, PT_PAGE_4K, 0, PT_TLB_IGNORE), MM_ERR_NON_CANONICAL);
	assert_true(host_log_contains("pt_map: va 0x800000000000 is not canonical"));
	assert_int_equal(pt_translate(&space, 0x1234567800000000ULL, NULL), MM_ERR_NON_CANONICAL);
	assert_true(host_log_contains("pt_translate: va 0x1234567800000000 is not canonical"));
	assert_int_equal(pt_unmap(&space, bad, NULL, PT_TLB_IGNORE), MM_ERR_NON_CANONICAL);
	assert_int_equal(pt_protect(&space, bad, 0, PT_TLB_IGNORE), MM_ERR_NON_CANONICAL);
}

static void pa_beyond_52_bits_is_refused(void **state)
{
	assert_int_equal(pt_map(&space, 0x1000, 1ULL << 52, PT_PAGE_4K, 0, PT_TLB_IGNORE), MM_ERR_INVALID);
	assert_true(host_log_contains("pt_map: pa 0x10000000000000 (0x1000 bytes) is beyond the 52-bit"));
}

static void a_1g_page_without_allow_1g_is_unsupported(void **state)
{
	assert_int_equal(pt_map(&space, GiB(1), GiB(1), PT_PAGE_1G, 0, PT_TLB_IGNORE), MM_ERR_UNSUPPORTED);
	assert_true(
	    host_log_contains("pt_map: 1 GiB pages are not enabled in this address space (va 0x40000000)"));
	assert_int_equal(pt_translate(&space, GiB(1), NULL), MM_ERR_NOT_MAPPED);
}

static void unknown_flags_are_refused(void **state)
{
	assert_int_equal(pt_map(&space, 0x1000, 0x1000, PT_PAGE_4K, 0x40, PT_TLB_IGNORE), MM_ERR_INVALID);
	assert_true(host_log_contains("pt_map: unknown flags 0x40"));
}

/* A 2 MiB page at va 0x200000, then a 4 KiB page inside it. */
static enum mm_error map_a_small_page_inside_a_large_page(void)
{
	assert_int_equal(pt_map(&space, 0x200000, 0x800000, PT_PAGE_2M, 0, PT_TLB_IGNORE), MM_OK);
	return pt_map(&space, 0x203000, 0x5000, PT_PAGE_4K, 0, PT_TLB_IGNORE);
}

static void a_small_page_inside_a_large_page_is_a_huge_page_error(void **state)
{
	struct pt_translation t;
	assert_int_equal(map_a_small_page_inside_a_large_page(), MM_ERR_HUGE_PAGE);
	assert_int_equal(pt_translate(&space, 0x203000, &t), MM_OK);
	assert_int_equal(t.pa, 0x803000);
	assert_int_equal(t.size, PT_PAGE_2M);
}

static void a_small_page_inside_a_large_page_wording(void **state)
{
	map_a_small_page_inside_a_large_page();
	assert_true(
	    host_log_contains("pt_map: va 0x203000 is inside the 2 MiB page at va 0x200000 (pa 0x800000)"));
}

/* A 4 KiB page at va 0x205000, then a 2 MiB page over it. */
static enum mm_error map_a_large_page_over_a_small_one(void)
{
	assert_int_equal(pt_map(&space, 0x205000, 0x5000, PT_PAGE_4K, 0, PT_TLB_IGNORE), MM_OK);
	return pt_map(&space, 0x200000, 0x800000, PT_PAGE_2M, 0, PT_TLB_IGNORE);
}

static void a_large_page_over_small_mappings_is_already_mapped(void **state)
{
	struct pt_translation t;
	assert_int_equal(map_a_large_page_over_a_small_one(), MM_ERR_ALREADY_MAPPED);
	assert_int_equal(pt_translate(&space, 0x205000, &t), MM_OK);
	assert_int_equal(t.pa, 0x5000);
	assert_int_equal(t.size, PT_PAGE_4K);
	assert_int_equal(pt_translate(&space, 0x200000, NULL), MM_ERR_NOT_MAPPED);
}

static void a_large_page_over_small_mappings_wording(void **state)
{
	map_a_large_page_over_a_small_one();
	assert_true(
	    host_log_contains("pt_map: cannot map a 2 MiB page at va 0x200000: va 0x205000 inside it is "
	                      "already mapped to pa 0x5000 (new pa 0x800000)"));
}

static void a_large_page_replaces_an_emptied_table_and_frees_it(void **state)
{
	struct pt_translation t;
	assert_int_equal(pt_map(&space, 0x205000, 0x5000, PT_PAGE_4K, 0, PT_TLB_IGNORE), MM_OK);
	assert_int_equal(pt_unmap(&space, 0x205000, NULL, PT_TLB_IGNORE), MM_OK);
	assert_int_equal(pt_count_table_frames(&space), 4);
	assert_int_equal(pt_map(&space, 0x200000, 0x800000, PT_PAGE_2M, 0, PT_TLB_IGNORE), MM_OK);
	assert_int_equal(pt_count_table_frames(&space), 3);
	assert_int_equal(counting_frames_outstanding(&frames), 3);
	assert_int_equal(pt_translate(&space, 0x205000, &t), MM_OK);
	assert_int_equal(t.pa, 0x805000);
}

static void unmapping_nothing_is_not_mapped(void **state)
{
	assert_int_equal(pt_unmap(&space, 0x7000, NULL, PT_TLB_IGNORE), MM_ERR_NOT_MAPPED);
	assert_true(host_log_contains("pt_unmap: va 0x7000 is not mapped"));
}

static void translating_nothing_is_not_mapped_and_not_logged(void **state)
{
	assert_int_equal(pt_translate(&space, 0x7000, NULL), MM_ERR_NOT_MAPPED);
	assert_string_equal(host_log_text(), "");
}

static void unmapping_inside_a_large_page_is_refused(void **state)
{
	assert_int_equal(pt_map(&space, 0x200000, 0x800000, PT_PAGE_2M, 0, PT_TLB_IGNORE), MM_OK);
	assert_int_equal(pt_unmap(&space, 0x201000, NULL, PT_TLB_IGNORE), MM_ERR_HUGE_PAGE);
	assert_true(host_log_contains("pt_unmap: va 0x201000 is inside the 2 MiB page at va 0x200000"));
	assert_int_equal(pt_translate(&space, 0x200000, NULL), MM_OK);
}

static void protect_changes_only_the_flags(void **state)
{
	struct pt_translation t;
	assert_int_equal(pt_map(&space, 0x200000, 0x800000, PT_PAGE_2M, PT_WRITE, PT_TLB_IGNORE), MM_OK);
	assert_int_equal(pt_protect(&space, 0x200000, PT_EXEC | PT_GLOBAL, PT_TLB_IGNORE), MM_OK);
	assert_int_equal(pt_translate(&space, 0x200000, &t), MM_OK);
	assert_int_equal(t.pa, 0x800000);
	assert_int_equal(t.size, PT_PAGE_2M);
	assert_int_equal(t.flags, PT_EXEC | PT_GLOBAL);
}

static void protect_of_nothing_is_not_mapped(void **state)
{
	assert_int_equal(pt_protect(&space, 0x9000, PT_WRITE, PT_TLB_IGNORE), MM_ERR_NOT_MAPPED);
	assert_true(host_log_contains("pt_protect: va 0x9000 is not mapped"));
}

static void tlb_policy_decides_the_flushes_of_single_page_calls(void **state)
{
	assert_int_equal(pt_map(&space, 0x1000, 0x1000, PT_PAGE_4K, 0, PT_TLB_FLUSH_PAGE), MM_OK);
	assert_int_equal(host_tlb_flush_page_count, 1);
	assert_int_equal(host_tlb_last_flushed_page, 0x1000);
	assert_int_equal(pt_protect(&space, 0x1000, PT_WRITE, PT_TLB_FLUSH_ALL), MM_OK);
	assert_int_equal(host_tlb_flush_all_count, 1);
	assert_int_equal(pt_unmap(&space, 0x1000, NULL, PT_TLB_IGNORE), MM_OK);
	assert_int_equal(host_tlb_flush_page_count, 1);
	assert_int_equal(host_tlb_flush_all_count, 1);
	assert_int_equal(pt_map(&space, 0x2000, 0x1000, PT_PAGE_4K, 0, PT_TLB_IGNORE), MM_OK);
	assert_int_equal(pt_unmap(&space, 0x2000, NULL, PT_TLB_FLUSH_PAGE), MM_OK);
	assert_int_equal(host_tlb_flush_page_count, 2);
	assert_int_equal(host_tlb_last_flushed_page, 0x2000);
	assert_int_equal(host_tlb_flush_all_count, 1);
}

/* The table a large page replaces may still be cached by the CPU: with any
 * policy but PT_TLB_IGNORE the page is flushed at once, before the table's
 * frame is given back. */
static void replacing_an_emptied_table_flushes_the_page_at_once(void **state)
{
	assert_int_equal(pt_map(&space, 0x205000, 0x5000, PT_PAGE_4K, 0, PT_TLB_IGNORE), MM_OK);
	assert_int_equal(pt_unmap(&space, 0x205000, NULL, PT_TLB_IGNORE), MM_OK);
	assert_int_equal(pt_map(&space, 0x200000, 0x800000, PT_PAGE_2M, 0, PT_TLB_FLUSH_ALL), MM_OK);
	assert_int_equal(host_tlb_flush_page_count, 1);
	assert_int_equal(host_tlb_last_flushed_page, 0x200000);
	assert_int_equal(host_tlb_flush_all_count, 1);
}

static void a_refused_call_flushes_nothing(void **state)
{
	assert_int_equal(pt_unmap(&space, 0x1000, NULL, PT_TLB_FLUSH_PAGE), MM_ERR_NOT_MAPPED);
	assert_int_equal(pt_map(&space, 0x1800, 0x1000, PT_PAGE_4K, 0, PT_TLB_FLUSH_ALL), MM_ERR_MISALIGNED);
	assert_int_equal(host_tlb_flush_page_count, 0);
	assert_int_equal(host_tlb_flush_all_count, 0);
}

#define TEST(name)    cmocka_unit_test_setup_teardown(name, setup, teardown)
#define TEST_1G(name) cmocka_unit_test_setup_teardown(name, setup_1g, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TEST(a_4k_page_translates_to_its_frame),
	    TEST(a_2m_page_translates_as_2m),
	    TEST_1G(a_1g_page_translates_as_1g_when_allowed),
	    TEST_1G(translate_keeps_the_offset_inside_the_page),
	    TEST(every_flag_combination_round_trips),
	    TEST(leaf_bits_follow_the_flags),
	    TEST(intermediate_entries_are_present_writable_and_user),
	    TEST(new_tables_are_zeroed),
	    TEST(higher_half_addresses_map_and_translate),
	    TEST(unmap_returns_what_was_mapped),
	    TEST(unmap_never_frees_the_mapped_frame),
	    TEST(a_page_can_be_mapped_again_after_unmap),
	    TEST(mapping_a_mapped_page_is_refused),
	    TEST(mapping_a_mapped_page_names_va_and_both_pas_wording),
	    TEST(mapping_the_identical_page_again_is_refused_too),
	    TEST_1G(misaligned_va_is_refused_for_every_size),
	    TEST_1G(misaligned_pa_is_refused_for_every_size),
	    TEST(non_canonical_va_is_refused_everywhere),
	    TEST(pa_beyond_52_bits_is_refused),
	    TEST(a_1g_page_without_allow_1g_is_unsupported),
	    TEST(unknown_flags_are_refused),
	    TEST(a_small_page_inside_a_large_page_is_a_huge_page_error),
	    TEST(a_small_page_inside_a_large_page_wording),
	    TEST(a_large_page_over_small_mappings_is_already_mapped),
	    TEST(a_large_page_over_small_mappings_wording),
	    TEST(a_large_page_replaces_an_emptied_table_and_frees_it),
	    TEST(unmapping_nothing_is_not_mapped),
	    TEST(translating_nothing_is_not_mapped_and_not_logged),
	    TEST(unmapping_inside_a_large_page_is_refused),
	    TEST(protect_changes_only_the_flags),
	    TEST(protect_of_nothing_is_not_mapped),
	    TEST(tlb_policy_decides_the_flushes_of_single_page_calls),
	    TEST(replacing_an_emptied_table_flushes_the_page_at_once),
	    TEST(a_refused_call_flushes_nothing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
