/*
 * test_firmware_ranges.c - a page the firmware calls anything but available
 * RAM never becomes free memory, however many such ranges the map has.
 *
 * Each test builds real multiboot2 boot information whose memory map has one
 * usable range with hundreds of reserved / ACPI NVS / bad / unknown-type
 * ranges inside it (in the map's order: usable first, or the others first),
 * runs stage 1 through the multiboot2 reader and stages 2 to 5 exactly as the
 * kernel does, and checks that none of those pages is in memblock's free
 * ranges after stage 2 nor in the buddy after stage 5 (by allocating every
 * page the buddy has).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "boot/multiboot2.h"
#include "kernel/memory_map.h"
#include "host_env.h"
#include "mb2_builder.h"
#include "mm/buddy.h"
#include "mm/bump.h"
#include "mm/memblock.h"
#include "mm/stages.h"
#include "mm/stage_order.h"
#include "mm/percpu_pages.h"
#include "mm/phys_area.h"

#define ARENA_BYTES   MiB(64)
#define KERNEL_PHYS   MiB(1)
#define KERNEL_END    (KERNEL_PHYS + KiB(256))
#define USABLE_BASE   MiB(1)
#define FIRMWARE_BASE MiB(2) /* the firmware's ranges go above the kernel */
#define MAX_RANGES    1000

static struct mb2b_mmap_entry map[MAX_RANGES + 2];
static size_t map_count;
static uint64_t blob[8192]; /* 64 KiB, 8-byte aligned */
static struct mb2_info info;
static struct mm_boot_params params;

static int setup(void **state)
{
	host_arena_init(ARENA_BYTES);
	host_log_clear();
	host_root_table = 0x1000;
	mm_stage_force(MM_STAGE_NONE);
	phys_area_reset();
	memblock_reset();
	bump_reset();
	buddy_reset();
	percpu_pages_reset();
	map_count = 0;
	params = (struct mm_boot_params){0};
	params.kernel = (struct mm_kernel_layout){
	    .image_phys_start = KERNEL_PHYS,
	    .image_phys_end = KERNEL_END,
	    .text_start = KERNEL_VIRT_BASE + KERNEL_PHYS,
	    .text_end = KERNEL_VIRT_BASE + KERNEL_PHYS + KiB(64),
	    .rodata_start = KERNEL_VIRT_BASE + KERNEL_PHYS + KiB(64),
	    .rodata_end = KERNEL_VIRT_BASE + KERNEL_PHYS + KiB(128),
	    .data_start = KERNEL_VIRT_BASE + KERNEL_PHYS + KiB(128),
	    .data_end = KERNEL_VIRT_BASE + KERNEL_END,
	};
	/* The AP trampoline's two pages, as the kernel places them. */
	params.low_remap = (struct mm_low_remap){
	    .code_phys = 0x8000,
	    .code_bytes = PAGE_SIZE,
	    .data_phys = 0x9000,
	    .data_bytes = PAGE_SIZE,
	};
	return 0;
}

static int teardown(void **state)
{
	host_arena_free();
	return 0;
}

static void add_entry(uint64_t base, uint64_t length, uint32_t type)
{
	map[map_count++] = (struct mb2b_mmap_entry){base, length, type};
}

/* n non-usable ranges spread evenly over [FIRMWARE_BASE, ARENA_BYTES), of
 * four types in turn, some not page-aligned and some crossing a page
 * boundary, so rounding out to whole pages is exercised too. */
static void add_firmware_ranges(size_t n)
{
	static const uint32_t types[] = {PHYS_AREA_RESERVED, PHYS_AREA_ACPI_NVS, PHYS_AREA_BADRAM, 42};
	uint64_t stride = ALIGN_DOWN((ARENA_BYTES - FIRMWARE_BASE) / n, PAGE_SIZE);
	for (size_t i = 0; i < n; i++) {
		uint64_t base = FIRMWARE_BASE + i * stride + (i % 3) * 0x7f0;
		add_entry(base, 0x300 + (i % 5) * 0x600, types[i % 4]);
	}
}

static void boot_stages_1_to_5(void)
{
	struct mb2_builder b;
	struct mb2_error err;
	mb2b_init(&b, blob, sizeof(blob));
	mb2b_mmap(&b, 24, 0, map, map_count);
	mb2b_finish(&b);
	assert_int_equal(mb2_parse(blob, sizeof(blob), &info, &err), MB2_OK);
	assert_int_equal(info.mmap_entry_count, map_count);
	assert_int_equal(mb2_fill_phys_areas(&info), MM_OK);
	assert_int_equal(mm_memblock_stage(&params), MM_OK);
}

/* Does [base, end) share a byte with any non-usable entry of the map? */
static bool touches_firmware(uint64_t base, uint64_t end)
{
	for (size_t i = 0; i < map_count; i++)
		if (map[i].type != PHYS_AREA_AVAILABLE && base < map[i].base + map[i].length &&
		    map[i].base < end)
			return true;
	return false;
}

static void expect_no_firmware_page_free_in_memblock(void)
{
	uint64_t cursor = 0, free_bytes = 0;
	phys_addr_t base, end;
	while (memblock_next_free_range(&cursor, &base, &end)) {
		assert_false(touches_firmware(base, end));
		free_bytes += end - base;
	}
	assert_true(free_bytes > MiB(8)); /* and the RAM between them is used */
}

/* Run stages 3 to 5, then take every page the buddy has, one by one. */
static void expect_no_firmware_page_in_the_buddy(void)
{
	assert_int_equal(mm_bump_stage(&params), MM_OK);
	assert_int_equal(mm_paging_stage(&params), MM_OK);
	assert_int_equal(mm_buddy_stage(), MM_OK);
	uint64_t total = buddy_count_free_pages(), taken = 0;
	phys_addr_t pa;
	while (buddy_alloc_pages(0, &pa) == MM_OK) {
		assert_false(touches_firmware(pa, pa + PAGE_SIZE));
		taken++;
	}
	assert_int_equal(taken, total);
	assert_true(taken > 2048);
}

static void firmware_ranges_inside_ram(size_t n, bool usable_first)
{
	if (usable_first)
		add_entry(USABLE_BASE, ARENA_BYTES - USABLE_BASE, PHYS_AREA_AVAILABLE);
	add_firmware_ranges(n);
	if (!usable_first)
		add_entry(USABLE_BASE, ARENA_BYTES - USABLE_BASE, PHYS_AREA_AVAILABLE);
	add_entry(0, 0x9f000, PHYS_AREA_AVAILABLE);
	boot_stages_1_to_5();
	assert_int_equal(phys_area_other_count(), n);
	expect_no_firmware_page_free_in_memblock();
	expect_no_firmware_page_in_the_buddy();
}

static void two_hundred_firmware_ranges_never_become_ram(void **state)
{
	firmware_ranges_inside_ram(200, true);
	/* 200 cuts split the range into 201: all fit, no RAM is lost. */
	assert_int_equal(phys_area_dropped_count(), 0);
	assert_int_equal(phys_memory_area_count, 202);
}

static void two_hundred_firmware_ranges_listed_before_the_ram_never_become_ram(void **state)
{
	firmware_ranges_inside_ram(200, false);
	assert_int_equal(phys_area_dropped_count(), 0);
}

static void a_thousand_firmware_ranges_never_become_ram(void **state)
{
	firmware_ranges_inside_ram(1000, true);
	/* 1001 pieces of RAM do not fit 512 entries: RAM is left out, loudly. */
	assert_int_equal(phys_memory_area_count, PHYS_MEMORY_AREA_MAX);
	assert_true(phys_area_dropped_count() > 0);
	assert_true(host_log_contains("phys_area: table full (512 entries): left out"));
	assert_true(host_log_contains("phys_area: other-area table full (128 entries): 872 entries not "
	                              "recorded (all of them were cut out of usable RAM)"));
}

static void a_thousand_firmware_ranges_listed_before_the_ram_are_refused(void **state)
{
	/* Only 128 restrictions are remembered for usable ranges that come
	 * later; the reader adds usable entries first, so this needs a caller
	 * that does not: it must fail closed, never let a range through. */
	add_firmware_ranges(MAX_RANGES);
	for (size_t i = 0; i < map_count; i++)
		assert_int_equal(phys_area_add(map[i].base, map[i].length, map[i].type), MM_OK);
	assert_int_equal(phys_area_add(USABLE_BASE, ARENA_BYTES - USABLE_BASE, PHYS_AREA_AVAILABLE), MM_OK);
	assert_int_equal(phys_area_finish(), MM_ERR_TABLE_FULL);
	assert_true(host_log_contains("phys_area_finish: 872 non-usable entries did not fit the 128-entry "
	                              "record and usable ranges came after them"));
}

static void the_reader_adds_usable_entries_first_whatever_the_map_order(void **state)
{
	add_firmware_ranges(MAX_RANGES);
	add_entry(USABLE_BASE, ARENA_BYTES - USABLE_BASE, PHYS_AREA_AVAILABLE);
	boot_stages_1_to_5();
	expect_no_firmware_page_free_in_memblock();
	expect_no_firmware_page_in_the_buddy();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(two_hundred_firmware_ranges_never_become_ram, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        two_hundred_firmware_ranges_listed_before_the_ram_never_become_ram, setup, teardown),
	    cmocka_unit_test_setup_teardown(a_thousand_firmware_ranges_never_become_ram, setup, teardown),
	    cmocka_unit_test_setup_teardown(a_thousand_firmware_ranges_listed_before_the_ram_are_refused,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(the_reader_adds_usable_entries_first_whatever_the_map_order,
	                                    setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
