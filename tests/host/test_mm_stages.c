/*
 * test_mm_stages.c - the MM stages 1 to 5 run end to end on a 64 MiB host
 * arena, exactly as the kernel runs them (src/mm/stages.c), then the buddy
 * stress test. Checks what each stage promises the next one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "host_env.h"
#include "mm/buddy.h"
#include "mm/bump.h"
#include "mm/memblock.h"
#include "mm/mm_env.h"
#include "mm/stages.h"
#include "mm/mm_selftest.h"
#include "mm/stage_order.h"
#include "mm/paging.h"
#include "mm/percpu_pages.h"
#include "mm/phys_area.h"

#define ARENA_BYTES     MiB(64)
#define KERNEL_PHYS     MiB(1)
#define TEXT_BYTES      KiB(64)
#define RODATA_BYTES    KiB(16)
#define DATA_BYTES      KiB(48)
#define KERNEL_END      (KERNEL_PHYS + TEXT_BYTES + RODATA_BYTES + DATA_BYTES)
#define BOOT_INFO_PHYS  0x2000000ULL /* 32 MiB, like GRUB would put it somewhere */
#define BOOT_INFO_BYTES 0x670ULL
#define MODULE_PHYS     0x2100000ULL
#define MODULE_BYTES    0x30000ULL
#define TRAMP_CODE_PHYS 0x8000ULL /* the kernel's AP trampoline pages */
#define TRAMP_DATA_PHYS 0x9000ULL
#define LOWER_HALF_END  (1ULL << 47)

static struct mm_boot_params params;

static int setup(void **state)
{
	host_arena_init(ARENA_BYTES);
	host_log_clear();
	host_root_table = 0x1000; /* "GRUB's" tables, whatever they are */
	host_clock_set(0, 0);
	mm_stage_force(MM_STAGE_NONE);
	phys_area_reset();
	memblock_reset();
	bump_reset();
	buddy_reset();
	percpu_pages_reset();
	/* A BIOS-like map: low memory, a hole for the ROMs, the rest. */
	phys_area_add(0, 0x9fc00, PHYS_AREA_AVAILABLE);
	phys_area_add(0x9fc00, 0x400, PHYS_AREA_RESERVED);
	phys_area_add(0xf0000, 0x10000, PHYS_AREA_RESERVED);
	phys_area_add(MiB(1), ARENA_BYTES - MiB(1), PHYS_AREA_AVAILABLE);
	assert_int_equal(phys_area_finish(), MM_OK);

	params = (struct mm_boot_params){0};
	params.kernel = (struct mm_kernel_layout){
	    .image_phys_start = KERNEL_PHYS,
	    .image_phys_end = KERNEL_END,
	    .text_start = KERNEL_VIRT_BASE + KERNEL_PHYS,
	    .text_end = KERNEL_VIRT_BASE + KERNEL_PHYS + TEXT_BYTES,
	    .rodata_start = KERNEL_VIRT_BASE + KERNEL_PHYS + TEXT_BYTES,
	    .rodata_end = KERNEL_VIRT_BASE + KERNEL_PHYS + TEXT_BYTES + RODATA_BYTES,
	    .data_start = KERNEL_VIRT_BASE + KERNEL_PHYS + TEXT_BYTES + RODATA_BYTES,
	    .data_end = KERNEL_VIRT_BASE + KERNEL_END,
	};
	params.low_remap = (struct mm_low_remap){
	    .code_phys = TRAMP_CODE_PHYS,
	    .code_bytes = PAGE_SIZE,
	    .data_phys = TRAMP_DATA_PHYS,
	    .data_bytes = PAGE_SIZE,
	};
	params.allow_1g_pages = false;
	assert_int_equal(mm_boot_reserve(&params, BOOT_INFO_PHYS, BOOT_INFO_BYTES, "boot information"),
	                 MM_OK);
	assert_int_equal(mm_boot_reserve(&params, MODULE_PHYS, MODULE_BYTES, "module"), MM_OK);
	return 0;
}

static int teardown(void **state)
{
	host_arena_free();
	return 0;
}

static void run_stages_2_and_3(void)
{
	assert_int_equal(mm_memblock_stage(&params), MM_OK);
	assert_int_equal(mm_bump_stage(&params), MM_OK);
}

/* Up to stage 4 only: the cases that need no buddy are also lab paging's
 * checks (labs/paging/lab.json), where the buddy is not written yet. */
static void run_stages_2_to_4(void)
{
	run_stages_2_and_3();
	assert_int_equal(mm_paging_stage(&params), MM_OK);
}

static void run_stages_2_to_5(void)
{
	run_stages_2_to_4();
	assert_int_equal(mm_buddy_stage(), MM_OK);
}

static void expect_translation(virt_addr_t va, phys_addr_t pa, unsigned flags)
{
	struct pt_translation t;
	assert_int_equal(pt_translate(mm_kernel_space(), va, &t), MM_OK);
	assert_int_equal(t.pa, pa);
	assert_int_equal(t.flags & (PT_WRITE | PT_EXEC), flags);
}

static void expect_unmapped(virt_addr_t va)
{
	struct pt_translation t;
	assert_int_equal(pt_translate(mm_kernel_space(), va, &t), MM_ERR_NOT_MAPPED);
}

/* pt_for_each_mapping visitor: count the 4 KiB pages in the lower half. */
static bool count_lower_half_pages(void *ctx, virt_addr_t va, const struct pt_translation *t)
{
	if (va >= LOWER_HALF_END)
		return false; /* ascending order: nothing lower follows */
	*(uint64_t *)ctx += pt_page_bytes(t->size) / PAGE_SIZE;
	return true;
}

static uint64_t lower_half_pages(void)
{
	uint64_t pages = 0;
	pt_for_each_mapping(mm_kernel_space(), count_lower_half_pages, &pages);
	return pages;
}

static void stages_run_in_order_and_end_in_buddy(void **state)
{
	run_stages_2_to_5();
	assert_int_equal(mm_stage_current(), MM_STAGE_BUDDY);
	assert_true(host_log_contains("memblock: 2 memory regions"));
	assert_true(host_log_contains("bump: hands out zeroed frames from 0x120000"));
	assert_true(host_log_contains("paging: W^X audit: 0 writable+executable pages"));
	assert_true(host_log_contains("buddy: took over"));
}

/* The clock starts at 1000 us and moves 7 us per reading: a stage that
 * reads it once at its start and once for its last line took 7 us, and a
 * line showing 1000 or more printed a reading, not a difference. */
static void each_stage_ends_its_last_line_with_its_time(void **state)
{
	host_clock_set(1000, 7);
	run_stages_2_to_5();
	assert_true(host_log_contains("3 reserved regions (1345 KiB); stage 2 took 7 us\n"));
	assert_true(host_log_contains(" (the end of the kernel image); stage 3 took 7 us\n"));
	assert_true(host_log_contains("paging: W^X audit: 0 writable+executable pages; stage 4 took 7 us\n"));
	/* A stage line is a normal boot line. */
	assert_int_equal(host_log_level("paging: W^X audit: 0 writable+executable pages; stage 4"),
	                 MM_LOG_INFO);
	assert_true(host_log_contains("; stage 5 took 7 us\n"));
}

static void cr3_switch_loads_the_new_root(void **state)
{
	run_stages_2_to_4();
	assert_int_equal(host_root_table, mm_kernel_space()->root);
	assert_int_not_equal(host_root_table, 0x1000);
	assert_true(host_log_contains("paging: CR3 0x1000 -> 0x"));
}

static void direct_map_covers_all_ram_read_write_no_execute(void **state)
{
	run_stages_2_to_4();
	expect_translation(PHYS_OFFSET + 0x1234, 0x1234, PT_WRITE);
	expect_translation(PHYS_OFFSET + MiB(5) + 8, MiB(5) + 8, PT_WRITE);
	expect_translation(PHYS_OFFSET + ARENA_BYTES - 8, ARENA_BYTES - 8, PT_WRITE);
	struct pt_translation t;
	/* The ROM hole and anything past RAM are not in the direct map. */
	assert_int_equal(pt_translate(mm_kernel_space(), PHYS_OFFSET + 0xf0000, &t), MM_ERR_NOT_MAPPED);
	assert_int_equal(pt_translate(mm_kernel_space(), PHYS_OFFSET + ARENA_BYTES, &t), MM_ERR_NOT_MAPPED);
}

/* RAM [1 MiB, 64 MiB): 4 KiB pages up to the first 2 MiB boundary, 2 MiB
 * pages from there (no 1 GiB page fits). */
static void direct_map_uses_the_largest_pages_alignment_allows(void **state)
{
	struct pt_translation t;
	run_stages_2_to_4();
	assert_int_equal(pt_translate(mm_kernel_space(), PHYS_OFFSET + MiB(1), &t), MM_OK);
	assert_int_equal(t.size, PT_PAGE_4K);
	assert_int_equal(pt_translate(mm_kernel_space(), PHYS_OFFSET + MiB(2) - PAGE_SIZE, &t), MM_OK);
	assert_int_equal(t.size, PT_PAGE_4K);
	assert_int_equal(pt_translate(mm_kernel_space(), PHYS_OFFSET + MiB(2), &t), MM_OK);
	assert_int_equal(t.size, PT_PAGE_2M);
	assert_int_equal(pt_translate(mm_kernel_space(), PHYS_OFFSET + ARENA_BYTES - 8, &t), MM_OK);
	assert_int_equal(t.size, PT_PAGE_2M);
	assert_true(host_log_contains(" x 1 GiB, 31 x 2 MiB, "));
}

static void kernel_sections_get_their_own_permissions(void **state)
{
	run_stages_2_to_4();
	expect_translation(params.kernel.text_start + 16, KERNEL_PHYS + 16, PT_EXEC);
	expect_translation(params.kernel.rodata_start, KERNEL_PHYS + TEXT_BYTES, 0);
	expect_translation(params.kernel.data_end - 8, KERNEL_END - 8, PT_WRITE);
}

/*
 * The stacks after .data/.bss, as linker.ld lays out the boot CPU's:
 *   KERNEL_END + 0 KiB    guard 0, never mapped
 *              + 4 KiB    stack 0 (16 KiB)
 *              + 20 KiB   guard 1, never mapped
 *              + 24 KiB   stack 1 (8 KiB)
 *              + 32 KiB   the end of the image
 */
#define STACKS_BYTES KiB(32)

static void add_stacks_to_the_image(void)
{
	virt_addr_t stacks = KERNEL_VIRT_BASE + KERNEL_END;
	params.kernel.image_phys_end = KERNEL_END + STACKS_BYTES;
	params.kernel.stacks_start = stacks;
	params.kernel.stacks_end = stacks + STACKS_BYTES;
	params.kernel.stack_guards[0] = stacks;
	params.kernel.stack_guards[1] = stacks + KiB(20);
	params.kernel.stack_guard_count = 2;
}

static void stack_guard_pages_stay_unmapped(void **state)
{
	add_stacks_to_the_image();
	run_stages_2_to_4();
	virt_addr_t stacks = params.kernel.stacks_start;
	expect_unmapped(stacks);
	expect_unmapped(stacks + KiB(4) - 8);
	expect_translation(stacks + KiB(4), KERNEL_END + KiB(4), PT_WRITE);
	expect_translation(stacks + KiB(20) - 8, KERNEL_END + KiB(20) - 8, PT_WRITE);
	expect_unmapped(stacks + KiB(20));
	expect_unmapped(stacks + KiB(24) - 8);
	expect_translation(stacks + KiB(24), KERNEL_END + KiB(24), PT_WRITE);
	expect_translation(stacks + STACKS_BYTES - 8, KERNEL_END + STACKS_BYTES - 8, PT_WRITE);
	expect_unmapped(stacks + STACKS_BYTES);
	assert_true(host_log_contains("stacks R+W 24 KiB above 2 unmapped guard pages"));
}

static void stack_guards_out_of_order_are_refused(void **state)
{
	add_stacks_to_the_image();
	params.kernel.stack_guards[0] = params.kernel.stacks_start + KiB(20);
	params.kernel.stack_guards[1] = params.kernel.stacks_start;
	assert_int_equal(mm_memblock_stage(&params), MM_OK);
	assert_int_equal(mm_bump_stage(&params), MM_OK);
	assert_int_equal(mm_paging_stage(&params), MM_ERR_INVALID);
	assert_true(
	    host_log_contains("paging: stack guard 1 at 0xffffffff80120000 is not a page inside the "
	                      "stacks [0xffffffff80120000-0xffffffff80128000) above the guard before it"));
}

static void a_stack_guard_outside_the_stacks_is_refused(void **state)
{
	add_stacks_to_the_image();
	params.kernel.stack_guards[1] = params.kernel.stacks_end;
	assert_int_equal(mm_memblock_stage(&params), MM_OK);
	assert_int_equal(mm_bump_stage(&params), MM_OK);
	assert_int_equal(mm_paging_stage(&params), MM_ERR_INVALID);
	assert_true(host_log_contains("paging: stack guard 1 at 0xffffffff80128000 is not a page inside"));
}

/*
 * After stage 4 the lower half holds exactly the trampoline's two pages,
 * each at its own address with the rights it needs, neither global:
 *
 *   0x0     0x8000        0x9000        0xa000                 1 MiB
 *   |  ...  | code: R+X   | data: R, NX |  ...  unmapped  ...  |
 */
static void low_remap_maps_trampoline_code_r_x_and_data_r_nx_and_nothing_else(void **state)
{
	run_stages_2_and_3();
	assert_int_equal(mm_paging_stage(&params), MM_OK);
	struct pt_translation t;
	assert_int_equal(pt_translate(mm_kernel_space(), TRAMP_CODE_PHYS + 0x10, &t), MM_OK);
	assert_int_equal(t.pa, TRAMP_CODE_PHYS + 0x10);
	assert_int_equal(t.flags, PT_EXEC);
	assert_int_equal(pt_translate(mm_kernel_space(), TRAMP_DATA_PHYS + PAGE_SIZE - 8, &t), MM_OK);
	assert_int_equal(t.pa, TRAMP_DATA_PHYS + PAGE_SIZE - 8);
	assert_int_equal(t.flags, 0);
	expect_unmapped(0);
	expect_unmapped(TRAMP_CODE_PHYS - PAGE_SIZE);
	expect_unmapped(TRAMP_DATA_PHYS + PAGE_SIZE);
	expect_unmapped(KERNEL_PHYS);
	assert_int_equal(lower_half_pages(), 2);
	assert_true(host_log_contains("paging: low identity remap for AP start-up: trampoline code "
	                              "[0x8000-0x9000) R+X, data [0x9000-0xa000) R+NX until the other CPUs "
	                              "are up"));
}

static void wx_audit_right_after_the_cr3_switch_finds_nothing(void **state)
{
	run_stages_2_and_3();
	host_log_clear();
	assert_int_equal(mm_paging_stage(&params), MM_OK);
	assert_true(host_log_contains("paging: W^X audit: 0 writable+executable pages"));
	assert_false(host_log_contains("W+X: ["));
	assert_int_equal(mm_audit_wx(), 0);
}

static void wx_audit_names_any_writable_executable_mapping(void **state)
{
	run_stages_2_to_5();
	assert_int_equal(pt_map(mm_kernel_space(), 0xffffc00000000000ULL, MiB(8), PT_PAGE_4K,
	                        PT_WRITE | PT_EXEC, PT_TLB_IGNORE),
	                 MM_OK);
	host_log_clear();
	assert_int_equal(mm_audit_wx(), 1);
	assert_true(host_log_contains("W+X: [0xffffc00000000000-0xffffc00000001000) 4 KiB"));
	assert_true(host_log_contains("paging: W^X audit: 1 writable+executable pages"));
}

/* Stage 4 with params.low_remap as given: the error, and the log names
 * the range and the problem. */
static void expect_low_remap_refused(struct mm_low_remap lr, enum mm_error err, const char *message)
{
	params.low_remap = lr;
	run_stages_2_and_3();
	host_log_clear();
	assert_int_equal(mm_paging_stage(&params), err);
	assert_true(host_log_contains(message));
	assert_int_equal(host_root_table, 0x1000); /* no CR3 switch */
}

static void a_misaligned_low_remap_range_is_refused(void **state)
{
	expect_low_remap_refused((struct mm_low_remap){0x8000, PAGE_SIZE, 0x9100, PAGE_SIZE},
	                         MM_ERR_MISALIGNED,
	                         "paging: low remap data [0x9100-0xa100) is not page-aligned");
}

static void an_empty_low_remap_range_is_refused(void **state)
{
	expect_low_remap_refused((struct mm_low_remap){0x8000, 0, 0x9000, PAGE_SIZE}, MM_ERR_INVALID,
	                         "paging: low remap code [0x8000-0x8000) is empty");
}

static void a_low_remap_including_page_0_is_refused(void **state)
{
	expect_low_remap_refused((struct mm_low_remap){0, PAGE_SIZE, 0x9000, PAGE_SIZE}, MM_ERR_INVALID,
	                         "paging: low remap code [0x0-0x1000) includes page 0");
}

static void a_low_remap_beyond_the_first_mib_is_refused(void **state)
{
	expect_low_remap_refused((struct mm_low_remap){0x8000, PAGE_SIZE, 0xff000, 2 * PAGE_SIZE},
	                         MM_ERR_INVALID,
	                         "paging: low remap data [0xff000-0x101000) is not inside the first MiB");
}

static void overlapping_low_remap_code_and_data_are_refused(void **state)
{
	expect_low_remap_refused((struct mm_low_remap){0x8000, 2 * PAGE_SIZE, 0x9000, PAGE_SIZE},
	                         MM_ERR_OVERLAP,
	                         "paging: low remap code [0x8000-0xa000) and data [0x9000-0xa000) overlap");
}

static void a_low_remap_over_the_boot_information_is_refused(void **state)
{
	/* A boot loader that put the boot information where the trampoline
	 * goes: copying the trampoline there would destroy it. */
	assert_int_equal(mm_boot_reserve(&params, 0x9800, 0x400, "boot information"), MM_OK);
	expect_low_remap_refused(params.low_remap, MM_ERR_OVERLAP,
	                         "paging: low remap data [0x9000-0xa000) overlaps the boot information "
	                         "[0x9800-0x9c00)");
}

static bool overlaps(phys_addr_t a, uint64_t alen, phys_addr_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

static void buddy_never_hands_out_reserved_memory(void **state)
{
	run_stages_2_to_5();
	/* Drain the buddy page by page: nothing may come from the first MiB,
	 * the kernel, the boot information, the module or the page tables. */
	phys_addr_t pa;
	size_t pages = 0;
	while (buddy_alloc_pages(0, &pa) == MM_OK) {
		assert_false(overlaps(pa, PAGE_SIZE, 0, MiB(1)));
		assert_false(overlaps(pa, PAGE_SIZE, KERNEL_PHYS, KERNEL_END - KERNEL_PHYS));
		assert_false(overlaps(pa, PAGE_SIZE, BOOT_INFO_PHYS, BOOT_INFO_BYTES));
		assert_false(overlaps(pa, PAGE_SIZE, MODULE_PHYS, MODULE_BYTES));
		assert_false(overlaps(pa, PAGE_SIZE, KERNEL_END, bump_frames_allocated() * PAGE_SIZE));
		struct pt_translation t;
		assert_int_equal(pt_translate(mm_kernel_space(), PHYS_OFFSET + pa, &t), MM_OK);
		pages++;
	}
	/* Every whole free page of memblock went to the buddy. */
	uint64_t expected = (ARENA_BYTES - MiB(1) - (KERNEL_END - KERNEL_PHYS)) / PAGE_SIZE -
	                    bump_frames_allocated() - ALIGN_UP(BOOT_INFO_BYTES, PAGE_SIZE) / PAGE_SIZE -
	                    MODULE_BYTES / PAGE_SIZE -
	                    ALIGN_UP(buddy_metadata_bytes(0, ARENA_BYTES), PAGE_SIZE) / PAGE_SIZE;
	assert_int_equal(pages, expected);
}

static void early_allocators_refuse_after_the_buddy_takes_over(void **state)
{
	run_stages_2_to_5();
	phys_addr_t pa;
	host_log_clear();
	assert_int_equal(bump_alloc_frame(&pa), MM_ERR_WRONG_STAGE);
	assert_true(host_log_contains("called in stage buddy"));
	assert_int_equal(memblock_alloc(PAGE_SIZE, PAGE_SIZE, &pa), MM_ERR_WRONG_STAGE);
}

static void mapper_draws_from_the_buddy_after_takeover(void **state)
{
	run_stages_2_to_5();
	uint64_t before = page_count_free();
	/* A fresh region of the address space needs new tables. */
	assert_int_equal(
	    pt_map(mm_kernel_space(), 0xffffd00000000000ULL, MiB(8), PT_PAGE_4K, PT_WRITE, PT_TLB_FLUSH_PAGE),
	    MM_OK);
	assert_true(page_count_free() < before);
}

static void stages_out_of_order_are_refused(void **state)
{
	assert_int_equal(mm_memblock_stage(&params), MM_OK);
	host_log_clear();
	assert_int_equal(mm_paging_stage(&params), MM_ERR_WRONG_STAGE);
	assert_true(host_log_contains("mm_paging_stage: called in stage memblock"));
	assert_int_equal(mm_buddy_stage(), MM_ERR_WRONG_STAGE);
	assert_true(host_log_contains("mm_buddy_stage: called in stage memblock"));
}

static void too_many_boot_ranges_are_refused(void **state)
{
	struct mm_boot_params p = {0};
	for (int i = 0; i < MM_MAX_BOOT_RESERVED; i++)
		assert_int_equal(mm_boot_reserve(&p, MiB(2) + i * PAGE_SIZE, PAGE_SIZE, "module"), MM_OK);
	assert_int_equal(mm_boot_reserve(&p, MiB(3), PAGE_SIZE, "module"), MM_ERR_TABLE_FULL);
	assert_true(host_log_contains("mm_boot_reserve: no room for module [0x300000-0x301000)"));
}

static void stress_test_returns_every_page(void **state)
{
	run_stages_2_to_5();
	uint64_t free_before = page_count_free();
	struct buddy_stress_config cfg = {
	    .rounds = 10, .round_bytes = MiB(200), .max_block_bytes = MiB(4), .seed = 12345};
	struct buddy_stress_result r;
	assert_int_equal(buddy_stress_test(&cfg, &r), MM_OK);
	/* 200 MiB does not fit in 64 MiB: capped at half the free memory. */
	assert_true(r.round_bytes <= free_before * PAGE_SIZE / 2);
	assert_true(r.allocations > 0);
	assert_true(r.early_frees > 0);
	assert_int_equal(r.free_pages_after, r.free_pages_before);
	assert_int_equal(page_count_free(), free_before);
	assert_true(page_check_invariants());
	percpu_pages_drain_all();
	assert_true(buddy_check_invariants());
}

static void stress_test_refuses_before_the_buddy_exists(void **state)
{
	assert_int_equal(mm_memblock_stage(&params), MM_OK);
	struct buddy_stress_config cfg = {
	    .rounds = 1, .round_bytes = MiB(4), .max_block_bytes = MiB(4), .seed = 7};
	struct buddy_stress_result r;
	host_log_clear();
	assert_int_equal(buddy_stress_test(&cfg, &r), MM_ERR_WRONG_STAGE);
	assert_true(host_log_contains("buddy_stress_test: called in stage memblock"));
}

static void removing_the_low_remap_empties_the_lower_half_and_frees_nothing(void **state)
{
	run_stages_2_to_5();
	uint64_t free_before = buddy_count_free_pages();
	unsigned long page_flushes = host_tlb_flush_page_count;
	host_log_clear();
	assert_int_equal(mm_remove_low_remap(), MM_OK);
	expect_unmapped(TRAMP_CODE_PHYS);
	expect_unmapped(TRAMP_DATA_PHYS);
	assert_int_equal(lower_half_pages(), 0);
	assert_int_equal(buddy_count_free_pages(), free_before);
	/* This CPU's TLB forgets exactly the two pages, the data page last. */
	assert_int_equal(host_tlb_flush_page_count - page_flushes, 2);
	assert_int_equal(host_tlb_last_flushed_page, TRAMP_DATA_PHYS);
	assert_int_equal(mm_stage_current(), MM_STAGE_SMP);
	assert_true(
	    host_log_contains("paging: low identity remap removed (code [0x8000-0x9000), data "
	                      "[0x9000-0xa000)), no frame freed; nothing in the lower half is mapped"));
	/* The memory behind the remap is still reachable through the direct map. */
	expect_translation(PHYS_OFFSET + 0x8000, 0x8000, PT_WRITE);
	host_log_clear();
	assert_int_equal(mm_audit_wx(), 0);
	assert_true(host_log_contains("W^X audit: 0 writable+executable pages"));
}

static void removing_the_low_remap_before_the_buddy_is_refused(void **state)
{
	assert_int_equal(mm_memblock_stage(&params), MM_OK);
	host_log_clear();
	assert_int_equal(mm_remove_low_remap(), MM_ERR_WRONG_STAGE);
	assert_true(host_log_contains("mm_remove_low_remap: called in stage memblock"));
}

static void a_reserved_entry_inside_usable_ram_is_not_used(void **state)
{
	/* The map lists [40 MiB + 0x800, 40 MiB + 0x1800) as ACPI NVS inside the
	 * available range: stage 1 must cut both pages it touches, so stage 2
	 * never sees them as memory. */
	mm_stage_force(MM_STAGE_NONE);
	phys_area_reset();
	host_log_clear();
	phys_area_add(0, 0x9fc00, PHYS_AREA_AVAILABLE);
	phys_area_add(MiB(1), ARENA_BYTES - MiB(1), PHYS_AREA_AVAILABLE);
	phys_area_add(MiB(40) + 0x800, 0x1000, PHYS_AREA_ACPI_NVS);
	assert_int_equal(phys_area_finish(), MM_OK);
	assert_true(host_log_contains("phys_area: [0x2800800-0x2801800) is listed as usable and as ACPI NVS: "
	                              "not using [0x2800000-0x2802000)"));
	assert_int_equal(mm_memblock_stage(&params), MM_OK);
	assert_false(memblock_is_memory(MiB(40), PAGE_SIZE));
	assert_false(memblock_is_memory(MiB(40) + PAGE_SIZE, PAGE_SIZE));
	assert_true(memblock_is_memory(MiB(40) - PAGE_SIZE, PAGE_SIZE));
	assert_true(memblock_is_memory(MiB(40) + 2 * PAGE_SIZE, PAGE_SIZE));
	/* A reserved entry outside RAM (the ROM hole) removes nothing. */
	assert_false(host_log_contains("listed as usable and as reserved"));
}

static void sixteen_tib_of_ram_is_refused_with_the_numbers(void **state)
{
	/* RAM itself beyond what 32-bit frame indices number: refused before
	 * anything is allocated, with the amount and the limit. Memblock only
	 * records the ranges; no memory is touched. */
	memblock_reset();
	mm_stage_force(MM_STAGE_MEMBLOCK);
	assert_int_equal(memblock_add(MiB(1), GiB(16384)), MM_OK);
	mm_stage_force(MM_STAGE_PAGING);
	host_log_clear();
	assert_int_equal(mm_buddy_stage(), MM_ERR_UNSUPPORTED);
	assert_true(
	    host_log_contains("buddy: 16777216 MiB of RAM is too much for the buddy's metadata: frame "
	                      "indices are 32-bit, so it numbers at most 16 TiB"));
	assert_int_equal(mm_stage_current(), MM_STAGE_PAGING);
}

static void a_span_of_16_tib_and_more_that_is_mostly_holes_works(void **state)
{
	/*
	 * r1 = [1 MiB, 9 MiB), r2 = [16 TiB, 16 TiB + 4 MiB): a span of more
	 * than 16 TiB (more frames than 32-bit indices could number) with 12 MiB
	 * of RAM. The metadata follows RAM: four 4 MiB chunks (r1 touches three)
	 * and 4 bytes per GiB of the hole, about 100 KiB. Stage 5 alone, on a memblock that
	 * says so (no direct map needed; the buddy never touches the memory).
	 */
	memblock_reset();
	mm_stage_force(MM_STAGE_MEMBLOCK);
	assert_int_equal(memblock_add(MiB(1), MiB(8)), MM_OK);
	assert_int_equal(memblock_add(GiB(16384), MiB(4)), MM_OK);
	mm_stage_force(MM_STAGE_PAGING);
	assert_int_equal(mm_buddy_stage(), MM_OK);
	phys_addr_t meta;
	uint64_t meta_bytes;
	assert_true(mm_buddy_metadata(&meta, &meta_bytes));
	assert_true(meta < MiB(9));
	assert_int_equal(meta_bytes, 4 * 1024 * 9 + 4 * 4 + 16385 * 4 + 2 * 1024);
	/* Every page but the metadata's is free; the top 4 MiB is one block. */
	assert_int_equal(buddy_count_free_pages(), (MiB(12) - ALIGN_UP(meta_bytes, PAGE_SIZE)) / PAGE_SIZE);
	phys_addr_t pa;
	assert_int_equal(buddy_alloc_pages(BUDDY_MAX_ORDER, &pa), MM_OK);
	assert_int_equal(pa, GiB(16384));
	assert_int_equal(buddy_free_pages(pa, BUDDY_MAX_ORDER), MM_OK);
	/* A page in the hole was never managed. */
	assert_int_equal(buddy_free_pages(GiB(8192), 0), MM_ERR_RESERVED);
	assert_true(buddy_check_invariants());
}
/* Every test starts from a fresh arena and stage "none". */
#define STAGES_TEST(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    STAGES_TEST(stages_run_in_order_and_end_in_buddy),
	    STAGES_TEST(each_stage_ends_its_last_line_with_its_time),
	    STAGES_TEST(cr3_switch_loads_the_new_root),
	    STAGES_TEST(direct_map_covers_all_ram_read_write_no_execute),
	    STAGES_TEST(direct_map_uses_the_largest_pages_alignment_allows),
	    STAGES_TEST(kernel_sections_get_their_own_permissions),
	    STAGES_TEST(stack_guard_pages_stay_unmapped),
	    STAGES_TEST(stack_guards_out_of_order_are_refused),
	    STAGES_TEST(a_stack_guard_outside_the_stacks_is_refused),
	    STAGES_TEST(low_remap_maps_trampoline_code_r_x_and_data_r_nx_and_nothing_else),
	    STAGES_TEST(wx_audit_right_after_the_cr3_switch_finds_nothing),
	    STAGES_TEST(wx_audit_names_any_writable_executable_mapping),
	    STAGES_TEST(a_misaligned_low_remap_range_is_refused),
	    STAGES_TEST(an_empty_low_remap_range_is_refused),
	    STAGES_TEST(a_low_remap_including_page_0_is_refused),
	    STAGES_TEST(a_low_remap_beyond_the_first_mib_is_refused),
	    STAGES_TEST(overlapping_low_remap_code_and_data_are_refused),
	    STAGES_TEST(a_low_remap_over_the_boot_information_is_refused),
	    STAGES_TEST(buddy_never_hands_out_reserved_memory),
	    STAGES_TEST(early_allocators_refuse_after_the_buddy_takes_over),
	    STAGES_TEST(mapper_draws_from_the_buddy_after_takeover),
	    STAGES_TEST(stages_out_of_order_are_refused),
	    STAGES_TEST(too_many_boot_ranges_are_refused),
	    STAGES_TEST(stress_test_returns_every_page),
	    STAGES_TEST(a_reserved_entry_inside_usable_ram_is_not_used),
	    STAGES_TEST(removing_the_low_remap_empties_the_lower_half_and_frees_nothing),
	    STAGES_TEST(removing_the_low_remap_before_the_buddy_is_refused),
	    STAGES_TEST(a_span_of_16_tib_and_more_that_is_mostly_holes_works),
	    STAGES_TEST(sixteen_tib_of_ram_is_refused_with_the_numbers),
	    STAGES_TEST(stress_test_refuses_before_the_buddy_exists),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
