/*
 * test_buddy_concurrent.c - the page allocator under concurrent use: four
 * host threads, each playing one CPU with its own per-CPU page list, run
 * buddy_concurrent_worker() at once (as the CPUs do in the kernel's
 * self-test); the spinlock and the lists must keep every block with one
 * owner and the free page count must come back exactly.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <cmocka.h>

#include "host_env.h"
#include "mm/buddy.h"
#include "mm/mm_env.h"
#include "mm/mm_selftest.h"
#include "mm/stage_order.h"
#include "mm/percpu_pages.h"

#define ARENA_BYTES MiB(32)
#define THREADS     4

static void *metadata;

static int setup(void **state)
{
	host_arena_init(ARENA_BYTES);
	host_log_clear();
	buddy_reset();
	percpu_pages_reset();
	mm_stage_force(MM_STAGE_PAGING);
	uint64_t meta_bytes = buddy_metadata_bytes(0, ARENA_BYTES);
	metadata = aligned_alloc(64, ALIGN_UP(meta_bytes, 64));
	assert_int_equal(buddy_init(0, ARENA_BYTES, metadata, meta_bytes), MM_OK);
	assert_int_equal(buddy_add_free_range(MiB(1), ARENA_BYTES - MiB(1)), MM_OK);
	mm_stage_force(MM_STAGE_BUDDY);
	/* Every worker's CPU gets its list, as the kernel's do before they start. */
	static struct {
		_Alignas(64) unsigned char bytes[THREADS * 576];
	} lists;
	assert_int_equal(percpu_pages_set_cpus(THREADS, lists.bytes, sizeof(lists.bytes)), MM_OK);
	return 0;
}

static int teardown(void **state)
{
	host_arena_free();
	free(metadata);
	return 0;
}

struct worker_arg {
	unsigned cpu;
	struct buddy_worker_config cfg;
	struct buddy_worker_result result;
};

static void *run_worker(void *p)
{
	struct worker_arg *a = p;
	host_set_cpu_index(a->cpu);
	buddy_concurrent_worker(a->cpu, &a->cfg, &a->result);
	return NULL;
}

static void four_threads_share_the_buddy_without_losing_a_page(void **state)
{
	uint64_t free_before = page_count_free();
	pthread_t threads[THREADS];
	struct worker_arg args[THREADS];
	for (unsigned i = 0; i < THREADS; i++) {
		args[i] =
		    (struct worker_arg){.cpu = i, .cfg = {.iterations = 20000, .max_order = 4, .seed = 99}};
		assert_int_equal(pthread_create(&threads[i], NULL, run_worker, &args[i]), 0);
	}
	for (unsigned i = 0; i < THREADS; i++) {
		assert_int_equal(pthread_join(threads[i], NULL), 0);
		assert_int_equal(args[i].result.error, MM_OK);
		assert_true(args[i].result.allocations > 1000);
	}
	/* Single pages went through each thread's own list; some stay there. */
	assert_true(percpu_pages_cached() > 0);
	assert_int_equal(page_count_free(), free_before);
	assert_true(page_check_invariants());
	percpu_pages_drain_all();
	assert_int_equal(percpu_pages_cached(), 0);
	assert_int_equal(buddy_count_free_pages(), free_before);
	assert_true(buddy_check_invariants());
}

static void worker_notices_a_block_overwritten_by_another_cpu(void **state)
{
	phys_addr_t pa;
	assert_int_equal(buddy_alloc_pages(1, &pa), MM_OK);
	buddy_worker_fill(1, pa, 1);
	/* CPU 2 writes one word of "its" block: the same block, handed out twice. */
	((uint64_t *)mm_phys_to_virt(pa))[700] = 0x0200000000000000ULL ^ (pa + 700 * 8);
	uint64_t verified = 0;
	host_log_clear();
	assert_int_equal(buddy_worker_check_and_free(1, pa, 1, &verified), MM_ERR_OVERLAP);
	assert_true(host_log_contains("handed to two CPUs?"));
	assert_int_equal(verified, 0);
}

static void worker_frees_a_block_whose_pattern_is_intact(void **state)
{
	phys_addr_t pa;
	uint64_t free_before = page_count_free();
	assert_int_equal(page_alloc(2, &pa), MM_OK);
	buddy_worker_fill(3, pa, 2);
	uint64_t verified = 0;
	assert_int_equal(buddy_worker_check_and_free(3, pa, 2, &verified), MM_OK);
	assert_int_equal(verified, 4 * PAGE_SIZE);
	assert_int_equal(page_count_free(), free_before);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(four_threads_share_the_buddy_without_losing_a_page, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(worker_notices_a_block_overwritten_by_another_cpu, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(worker_frees_a_block_whose_pattern_is_intact, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
