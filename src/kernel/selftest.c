/* selftest.c - the in-kernel self-tests (see selftest.h). */
#include "selftest.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/smp.h"
#include "arch/x86_64/trampoline.h"
#include "arch/x86_64/tsc.h"
#include "mm/buddy.h"
#include "kernel/modules.h"
#include "kernel/panic.h"
#include "lib/format.h"
#include "lib/kstring.h"
#include "mm/mm_env.h"
#include "mm/mm_selftest.h"
#include "mm/paging.h"
#include "mm/percpu_pages.h"
#include "mm/stages.h"

struct concurrent_run {
	struct buddy_worker_config config;
	struct buddy_worker_result *results; /* one per CPU index, from the buddy */
};

/* 4000 steps per CPU up to 8 CPUs; beyond that the same 32000 steps in
 * all, shared out (at least 250 each). Every CPU still takes the lock
 * thousands of times while the others do too, and a boot with 64 or more
 * virtual CPUs on a host with two (QEMU's TCG) stays within a minute. */
static unsigned stress_steps_per_cpu(unsigned cpus)
{
	unsigned steps = 32000 / (cpus ? cpus : 1);
	return steps > 4000 ? 4000 : steps < 250 ? 250 : steps;
}

static void concurrent_worker(unsigned cpu, void *arg)
{
	struct concurrent_run *run = arg;
	buddy_concurrent_worker(cpu, &run->config, &run->results[cpu]);
}

/* Every online CPU allocates, fills with its own pattern, verifies and
 * frees at the same time, single pages through its own per-CPU list; the
 * buddy's lock and the lists must keep each block with one owner, and the
 * free page count (lists included) must come back exactly. */
static void concurrent_stress(void)
{
	/* Room for a result per CPU that has an index, from the buddy: taken
	 * after the first count of free pages and given back before the second,
	 * so both count what the rest of the kernel holds. */
	uint64_t free_before = page_count_free();
	unsigned known = smp_cpus_known();
	unsigned order = buddy_order_for_bytes(known * sizeof(struct buddy_worker_result));
	phys_addr_t results_pa;
	enum mm_error err = buddy_alloc_pages(order, &results_pa);
	if (err != MM_OK)
		panic("selftest: no memory for %u results of the concurrent stress: %s", known,
		      mm_strerror(err));
	struct concurrent_run run = {
	    .config = {.iterations = stress_steps_per_cpu(smp_cpus_online()),
	               .max_order = 6,
	               .seed = rdtsc() | 1},
	    .results = mm_phys_to_virt(results_pa),
	};
	memset(run.results, 0, known * sizeof(struct buddy_worker_result));
	uint64_t t0 = rdtsc();
	if (!smp_run_on_all(concurrent_worker, &run, 60000))
		panic("selftest: concurrent buddy stress: some CPUs did not finish");
	uint64_t elapsed_us = tsc_ticks_to_us(rdtsc() - t0);
	uint64_t allocations = 0, verified = 0;
	unsigned cpus = smp_cpus_online();
	for (unsigned cpu = 0; cpu < known; cpu++) {
		if (run.results[cpu].error != MM_OK)
			panic("selftest: concurrent buddy stress failed on CPU %u (seed 0x%lx): %s", cpu,
			      run.config.seed, mm_strerror(run.results[cpu].error));
		allocations += run.results[cpu].allocations;
		verified += run.results[cpu].bytes_verified;
	}
	err = buddy_free_pages(results_pa, order);
	if (err != MM_OK)
		panic("selftest: giving back the results block 0x%lx: %s", results_pa, mm_strerror(err));
	uint64_t free_after = page_count_free();
	if (free_after != free_before)
		panic("selftest: concurrent buddy stress: %lu free pages before, %lu after", free_before,
		      free_after);
	/* The other CPUs are idle again: their lists may be checked. */
	if (!page_check_invariants())
		panic("selftest: concurrent buddy stress: the buddy and the per-CPU lists disagree");
	kprintf("selftest: concurrent buddy stress on %u CPUs (%u steps each): %lu blocks, %lu MiB verified, "
	        "free pages %lu before and after, %lu ms (seed 0x%lx)\n",
	        cpus, run.config.iterations, allocations, verified >> 20, free_after, elapsed_us / 1000,
	        run.config.seed);
}

/* The TLB shootdown test's page: in the lower half, unmapped on every CPU
 * since stage 6, and its page table is still there (the low remap's data
 * page was here; pt_unmap_range keeps empty tables), so mapping it costs no
 * frame. Read-only, NX, not global. */
#define TLB_TEST_VA    ((virt_addr_t)TRAMPOLINE_DATA_PHYS)
#define TLB_TEST_FIRST 0x5354414745544c42ULL /* the word on the first page */
#define TLB_TEST_AFTER 0x53484f4f54444f57ULL /* the word on the page mapped after it */

/* What each CPU read through TLB_TEST_VA, by CPU index. */
static uint64_t tlb_test_seen[SMP_MAX_CPUS];

static void tlb_test_read(unsigned cpu, void *arg)
{
	(void)arg;
	tlb_test_seen[cpu] = *(volatile const uint64_t *)TLB_TEST_VA;
}

/* Every CPU online reads TLB_TEST_VA; each must have seen `expected`. */
static void tlb_test_read_everywhere(uint64_t expected, const char *when)
{
	if (!smp_run_on_all(tlb_test_read, NULL, 10000))
		panic("selftest: TLB shootdown: some CPUs did not read the test page");
	for (unsigned cpu = 0; cpu < smp_cpus_known(); cpu++) {
		uint32_t apic_id;
		bool online;
		if (smp_cpu_info(cpu, &apic_id, &online) && online && tlb_test_seen[cpu] != expected)
			panic("selftest: TLB shootdown: CPU %u read 0x%lx at 0x%lx %s, expected 0x%lx (a "
			      "stale TLB "
			      "entry?)",
			      cpu, tlb_test_seen[cpu], TLB_TEST_VA, when, expected);
	}
}

/* Change one mapping under every CPU's feet, and check that smp_tlb_shootdown
 * makes all of them see the change: each CPU (this one too) reads the page at
 * TLB_TEST_VA, so its TLB holds the translation; the page is then replaced by
 * another in the tables only, with no flush, so that only the shootdown can
 * make a TLB forget the old one; after it every CPU must read the new page.
 * Under QEMU a TLB keeps a translation until it is told to drop it, as real
 * CPUs may, so a CPU that missed the flush reads the old page. */
static void tlb_shootdown_test(void)
{
	struct pt_space *space = mm_kernel_space();
	phys_addr_t first, after;
	enum mm_error err = buddy_alloc_pages(0, &first);
	if (err == MM_OK && (err = buddy_alloc_pages(0, &after)) != MM_OK)
		buddy_free_pages(first, 0);
	if (err != MM_OK)
		panic("selftest: TLB shootdown: no memory for two pages: %s", mm_strerror(err));
	*(uint64_t *)mm_phys_to_virt(first) = TLB_TEST_FIRST;
	*(uint64_t *)mm_phys_to_virt(after) = TLB_TEST_AFTER;

	if ((err = pt_map(space, TLB_TEST_VA, first, PT_PAGE_4K, 0, PT_TLB_FLUSH_PAGE)) != MM_OK)
		panic("selftest: TLB shootdown: cannot map 0x%lx: %s", TLB_TEST_VA, mm_strerror(err));
	tlb_test_read_everywhere(TLB_TEST_FIRST, "before the change");
	/* PT_TLB_IGNORE: this CPU must not flush on its own either. */
	if ((err = pt_unmap(space, TLB_TEST_VA, NULL, PT_TLB_IGNORE)) != MM_OK ||
	    (err = pt_map(space, TLB_TEST_VA, after, PT_PAGE_4K, 0, PT_TLB_IGNORE)) != MM_OK)
		panic("selftest: TLB shootdown: cannot map 0x%lx again: %s", TLB_TEST_VA, mm_strerror(err));
	unsigned others = smp_cpus_online() - 1, confirmed = smp_tlb_shootdown();
	if (confirmed != others)
		panic("selftest: TLB shootdown: %u of %u other CPUs confirmed the flush", confirmed, others);
	tlb_test_read_everywhere(TLB_TEST_AFTER, "after the shootdown");

	/* Leave the lower half empty again, on every CPU. */
	if ((err = pt_unmap(space, TLB_TEST_VA, NULL, PT_TLB_FLUSH_PAGE)) != MM_OK)
		panic("selftest: TLB shootdown: cannot unmap 0x%lx: %s", TLB_TEST_VA, mm_strerror(err));
	if (smp_tlb_shootdown() != others)
		panic("selftest: TLB shootdown: not every CPU confirmed the flush of the unmap");
	if ((err = buddy_free_pages(first, 0)) != MM_OK || (err = buddy_free_pages(after, 0)) != MM_OK)
		panic("selftest: TLB shootdown: giving back the test pages: %s", mm_strerror(err));
	kprintf("selftest: TLB shootdown: all %u CPUs read the new page at 0x%lx after it was remapped\n",
	        others + 1, TLB_TEST_VA);
}

void selftest_run(const struct mb2_info *info)
{
	/* DragonOS's test_buddy: 10 rounds of up to 200 MiB in blocks of up to
	 * 4 MiB (capped at half the free memory on small machines). The seed
	 * is the time stamp counter, printed so a failure can be replayed. */
	struct buddy_stress_config cfg = {
	    .rounds = 10,
	    .round_bytes = MiB(200),
	    .max_block_bytes = MiB(4),
	    .seed = rdtsc() | 1,
	};
	struct buddy_stress_result r;
	uint64_t t0 = rdtsc();
	enum mm_error err = buddy_stress_test(&cfg, &r);
	if (err != MM_OK)
		panic("selftest: buddy stress test failed (seed 0x%lx): %s", cfg.seed, mm_strerror(err));
	kprintf(
	    "selftest: buddy stress: %u rounds of %lu MiB, %lu blocks, %lu freed early, %lu MiB verified, "
	    "free pages %lu before and after, %lu Mcycles (seed 0x%lx)\n",
	    cfg.rounds, r.round_bytes >> 20, r.allocations, r.early_frees, r.bytes_verified >> 20,
	    r.free_pages_after, (rdtsc() - t0) / 1000000, cfg.seed);
	concurrent_stress();
	tlb_shootdown_test();
	modules_verify_crc(info);
}
