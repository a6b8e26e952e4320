/* selftest.c - the in-kernel self-tests (see selftest.h). */
#include "selftest.h"

#include "arch/x86_64/cpu.h"
#include "kernel/modules.h"
#include "kernel/panic.h"
#include "lib/format.h"
#include "mm/mm_selftest.h"

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
	modules_verify_crc(info);
}
