/* test_bump.c - the bump allocator hands out zeroed frames upwards from its
 * start, skipping reserved regions and holes, reserves each in memblock,
 * runs out cleanly, never frees, and stops once the buddy took over.
 * Cases whose name ends in _wording check only the messages: the grade of
 * lab bump (labs/bump/lab.json) leaves them out, since students word their
 * own messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "host_env.h"
#include "mm/bump.h"
#include "mm/memblock.h"
#include "mm/mm_env.h"
#include "mm/stage_order.h"

#define ARENA_SIZE MiB(4)

static int setup(void **state)
{
	(void)state;
	host_arena_init(ARENA_SIZE); /* filled with 0xa5 junk */
	memblock_reset();
	bump_reset();
	mm_stage_force(MM_STAGE_MEMBLOCK);
	host_log_clear();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	host_arena_free();
	return 0;
}

/* Memory [1 MiB, 4 MiB) in memblock, the bump allocator starting at start. */
static void start_bump_at(phys_addr_t start)
{
	assert_int_equal(memblock_add(MiB(1), MiB(3)), MM_OK);
	assert_int_equal(bump_init(start), MM_OK);
}

/* The level of the first line logged since the log was cleared: a refusal
 * is a warning, whatever its words. */
static int first_line_level(void)
{
	return host_log_level("");
}

static void init_advances_the_stage_to_bump(void **state)
{
	assert_int_equal(bump_init(MiB(2)), MM_OK);
	assert_int_equal(mm_stage_current(), MM_STAGE_BUMP);
	assert_int_equal(bump_cursor(), MiB(2));
	assert_int_equal(bump_frames_allocated(), 0);
}

static void init_outside_stage_memblock_is_refused(void **state)
{
	mm_stage_force(MM_STAGE_PHYS_AREAS);
	assert_int_equal(bump_init(MiB(2)), MM_ERR_WRONG_STAGE);
	assert_int_equal(mm_stage_current(), MM_STAGE_PHYS_AREAS);
	assert_int_equal(first_line_level(), MM_LOG_WARN);
}

static void init_outside_stage_memblock_wording(void **state)
{
	mm_stage_force(MM_STAGE_PHYS_AREAS);
	bump_init(MiB(2));
	assert_true(host_log_contains("bump_init: called in stage phys_memory_area"));
}

static void init_refuses_a_start_that_is_not_page_aligned(void **state)
{
	assert_int_equal(bump_init(0x200010), MM_ERR_MISALIGNED);
	assert_int_equal(mm_stage_current(), MM_STAGE_MEMBLOCK);
	assert_int_equal(bump_init(MiB(2) - PAGE_SIZE / 2), MM_ERR_MISALIGNED);
	assert_int_equal(mm_stage_current(), MM_STAGE_MEMBLOCK);
}

static void a_misaligned_start_wording(void **state)
{
	bump_init(0x200010);
	assert_true(host_log_contains("bump_init: start 0x200010 is not page aligned"));
}

static void frames_are_zeroed(void **state)
{
	phys_addr_t frame = 0;
	start_bump_at(MiB(2));
	assert_int_equal(bump_alloc_frame(&frame), MM_OK);
	const unsigned char *bytes = mm_phys_to_virt(frame);
	for (size_t i = 0; i < PAGE_SIZE; i++)
		assert_int_equal(bytes[i], 0);
	/* Only the frame itself: the next page still holds the junk. */
	assert_int_equal(*(const unsigned char *)mm_phys_to_virt(frame + PAGE_SIZE), 0xa5);
}

static void frames_come_in_ascending_order_from_the_start(void **state)
{
	phys_addr_t frame = 0;
	start_bump_at(MiB(2));
	for (uint64_t i = 0; i < 4; i++) {
		assert_int_equal(bump_alloc_frame(&frame), MM_OK);
		assert_int_equal(frame, MiB(2) + i * PAGE_SIZE);
	}
	assert_int_equal(bump_frames_allocated(), 4);
	assert_int_equal(bump_cursor(), MiB(2) + 4 * PAGE_SIZE);
}

static void free_memory_below_the_start_is_not_used(void **state)
{
	phys_addr_t frame = 0;
	start_bump_at(MiB(3));
	assert_int_equal(bump_alloc_frame(&frame), MM_OK);
	assert_int_equal(frame, MiB(3));
}

static void reserved_regions_are_skipped(void **state)
{
	phys_addr_t frame = 0;
	assert_int_equal(memblock_add(MiB(1), MiB(3)), MM_OK);
	assert_int_equal(memblock_reserve(MiB(2), 0x3000), MM_OK); /* say, a module */
	assert_int_equal(bump_init(MiB(2)), MM_OK);
	assert_int_equal(bump_alloc_frame(&frame), MM_OK);
	assert_int_equal(frame, MiB(2) + 0x3000);
}

static void a_hole_between_memory_regions_is_skipped(void **state)
{
	phys_addr_t frame = 0;
	assert_int_equal(memblock_add(MiB(1), PAGE_SIZE), MM_OK);
	assert_int_equal(memblock_add(MiB(3), PAGE_SIZE), MM_OK);
	assert_int_equal(bump_init(MiB(1)), MM_OK);
	assert_int_equal(bump_alloc_frame(&frame), MM_OK);
	assert_int_equal(frame, MiB(1));
	assert_int_equal(bump_alloc_frame(&frame), MM_OK);
	assert_int_equal(frame, MiB(3));
}

static void a_partial_page_at_the_start_of_a_free_range_is_skipped(void **state)
{
	phys_addr_t frame = 0;
	assert_int_equal(memblock_add(MiB(1), MiB(1)), MM_OK);
	assert_int_equal(memblock_reserve(MiB(1), 0x800), MM_OK);
	assert_int_equal(bump_init(MiB(1)), MM_OK);
	assert_int_equal(bump_alloc_frame(&frame), MM_OK);
	assert_int_equal(frame, MiB(1) + PAGE_SIZE);
}

static void each_frame_becomes_reserved_in_memblock(void **state)
{
	phys_addr_t first = 0, second = 0;
	start_bump_at(MiB(2));
	assert_int_equal(bump_alloc_frame(&first), MM_OK);
	assert_true(memblock_overlaps_reserved(first, PAGE_SIZE));
	assert_int_equal(bump_alloc_frame(&second), MM_OK);
	assert_true(memblock_overlaps_reserved(second, PAGE_SIZE));
	/* Consecutive frames merge into one reserved region. */
	assert_int_equal(memblock_reserved_count(), 1);
	assert_int_equal(memblock_reserved_bytes(), 2 * PAGE_SIZE);
}

/* Memory [1 MiB, 1 MiB + 8 KiB), both frames handed out. */
static void use_up_two_frames(void)
{
	phys_addr_t frame = 0;
	assert_int_equal(memblock_add(MiB(1), 2 * PAGE_SIZE), MM_OK);
	assert_int_equal(bump_init(MiB(1)), MM_OK);
	assert_int_equal(bump_alloc_frame(&frame), MM_OK);
	assert_int_equal(bump_alloc_frame(&frame), MM_OK);
}

static void running_out_of_memory_fails_cleanly_with_a_warning(void **state)
{
	phys_addr_t frame = 0x1234;
	use_up_two_frames();
	host_log_clear();
	assert_int_equal(bump_alloc_frame(&frame), MM_ERR_NO_MEMORY);
	assert_int_equal(frame, 0x1234);
	assert_int_equal(bump_frames_allocated(), 2);
	assert_int_equal(first_line_level(), MM_LOG_WARN);
}

static void running_out_of_memory_wording(void **state)
{
	phys_addr_t frame;
	use_up_two_frames();
	bump_alloc_frame(&frame);
	assert_true(host_log_contains("bump_alloc_frame: no free 4 KiB frame at or above 0x102000"));
}

/* Memory ending 2 KiB into a page: that last part-page is no frame. */
static void a_partial_page_at_the_end_of_memory_is_not_handed_out(void **state)
{
	phys_addr_t frame = 0x1234;
	assert_int_equal(memblock_add(MiB(1), PAGE_SIZE + PAGE_SIZE / 2), MM_OK);
	assert_int_equal(bump_init(MiB(1)), MM_OK);
	assert_int_equal(bump_alloc_frame(&frame), MM_OK);
	assert_int_equal(frame, MiB(1));
	frame = 0x1234;
	assert_int_equal(bump_alloc_frame(&frame), MM_ERR_NO_MEMORY);
	assert_int_equal(frame, 0x1234);
	assert_int_equal(bump_frames_allocated(), 1);
}

static void free_is_refused_with_a_warning(void **state)
{
	phys_addr_t frame = 0, next = 0;
	start_bump_at(MiB(2));
	assert_int_equal(bump_alloc_frame(&frame), MM_OK);
	host_log_clear();
	assert_int_equal(bump_free_frame(frame), MM_ERR_REFUSED);
	assert_int_equal(first_line_level(), MM_LOG_WARN);
	assert_true(memblock_overlaps_reserved(frame, PAGE_SIZE));
	/* The refused frame is not handed out again. */
	assert_int_equal(bump_alloc_frame(&next), MM_OK);
	assert_int_equal(next, frame + PAGE_SIZE);
}

static void free_names_the_frame_wording(void **state)
{
	bump_free_frame(MiB(2));
	assert_true(host_log_contains("bump_free_frame: the bump allocator never frees (frame 0x200000)"));
}

static void alloc_after_the_buddy_took_over_is_refused(void **state)
{
	phys_addr_t frame = 0x1234;
	start_bump_at(MiB(2));
	mm_stage_force(MM_STAGE_BUDDY);
	assert_int_equal(bump_alloc_frame(&frame), MM_ERR_WRONG_STAGE);
	assert_int_equal(frame, 0x1234);
	assert_int_equal(bump_frames_allocated(), 0);
	assert_false(memblock_overlaps_reserved(MiB(2), PAGE_SIZE));
	assert_int_equal(first_line_level(), MM_LOG_WARN);
}

static void alloc_after_the_buddy_took_over_wording(void **state)
{
	phys_addr_t frame;
	start_bump_at(MiB(2));
	mm_stage_force(MM_STAGE_BUDDY);
	bump_alloc_frame(&frame);
	assert_true(
	    host_log_contains("bump_alloc_frame: called in stage buddy, allowed only from bump to paging"));
}

static void alloc_still_works_in_stage_paging(void **state)
{
	phys_addr_t frame = 0;
	start_bump_at(MiB(2));
	mm_stage_force(MM_STAGE_PAGING);
	assert_int_equal(bump_alloc_frame(&frame), MM_OK);
	assert_int_equal(frame, MiB(2));
}

static void the_frame_source_is_named_bump_and_hands_out_frames(void **state)
{
	phys_addr_t frame = 0;
	start_bump_at(MiB(2));
	struct frame_source *source = bump_frame_source();
	assert_string_equal(source->name, "bump");
	assert_int_equal(frame_source_alloc(source, &frame), MM_OK);
	assert_int_equal(frame, MiB(2));
	assert_int_equal(frame_source_free(source, frame), MM_ERR_REFUSED);
}

#define TEST(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TEST(init_advances_the_stage_to_bump),
	    TEST(init_outside_stage_memblock_is_refused),
	    TEST(init_outside_stage_memblock_wording),
	    TEST(init_refuses_a_start_that_is_not_page_aligned),
	    TEST(a_misaligned_start_wording),
	    TEST(frames_are_zeroed),
	    TEST(frames_come_in_ascending_order_from_the_start),
	    TEST(free_memory_below_the_start_is_not_used),
	    TEST(reserved_regions_are_skipped),
	    TEST(a_hole_between_memory_regions_is_skipped),
	    TEST(a_partial_page_at_the_start_of_a_free_range_is_skipped),
	    TEST(each_frame_becomes_reserved_in_memblock),
	    TEST(running_out_of_memory_fails_cleanly_with_a_warning),
	    TEST(running_out_of_memory_wording),
	    TEST(a_partial_page_at_the_end_of_memory_is_not_handed_out),
	    TEST(free_is_refused_with_a_warning),
	    TEST(free_names_the_frame_wording),
	    TEST(alloc_after_the_buddy_took_over_is_refused),
	    TEST(alloc_after_the_buddy_took_over_wording),
	    TEST(alloc_still_works_in_stage_paging),
	    TEST(the_frame_source_is_named_bump_and_hands_out_frames),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
