/*
 * smp.c - AP start-up, the AP idle loop, TLB shootdown and running work on
 * every CPU (see smp.h).
 *
 * Start-up of all APs at once (Intel SDM vol. 3, 8.4.4, "MP
 * initialization"), in smp_start_aps():
 *   1. per-CPU memory for the APs the MADT lists, from the buddy: the
 *      records (APIC id, flags, GDT and TSS) in one block, and each AP's
 *      stacks (kstack.h), mapped above unmapped guard pages;
 *   2. the trampoline's data, once for all: CR3, EFER, ap_main, the
 *      address of the ticket counter, where the stacks lie, the number of
 *      slots;
 *   3. an INIT IPI to every AP, one 10 ms wait, a STARTUP IPI to every AP
 *      (vector = page number of the trampoline), 200 us, a second STARTUP
 *      to every AP if not all of them have taken a ticket yet (an AP that
 *      is already running ignores it);
 *   4. each AP takes a ticket t in the trampoline, an atomic add on
 *      ap_tickets: t says which slot is its own (index t + 1: stack,
 *      GDT/TSS, record), so no two APs need the same memory and no AP waits
 *      for another;
 *   5. the BSP waits up to a second for all of them to say they are
 *      online, then closes the ticket counter (an AP that wakes later
 *      parks without a slot), names every APIC id that did not come online
 *      and sends it an INIT, which puts it back to waiting for a STARTUP.
 * An AP's index is therefore the order in which it took its ticket, not
 * its place in the MADT; its record holds its APIC id.
 */
#include "smp.h"

#include "cpu.h"
#include "interrupts.h"
#include "kstack.h"
#include "lapic.h"
#include "lib/format.h"
#include "lib/kstring.h"
#include "lib/lab_stub.h"
#include "lib/log.h"
#include "mm/buddy.h"
#include "mm/mm_env.h"
#include "mm/stages.h"
#include "mm/paging.h"
#include "this_cpu.h"
#include "tsc.h"

#define AP_ONLINE_TIMEOUT_US 1000000
#define AP_LATE_TIMEOUT_US   100000 /* for an AP that had a ticket when the door closed */
#define EFER_LMA             (1ULL << 10)

/* One CPU's record: its identity, the flags other CPUs poll, and (for an
 * AP) its GDT and TSS. A cache line of its own at least, so that one CPU's
 * acknowledgement does not make the line of the next one bounce. The GS
 * base of each CPU points at its own record, and this_cpu_index()
 * (this_cpu.c) reads the index there: it must stay the first field. */
struct cpu_record {
	unsigned index;
	uint32_t apic_id;
	bool online;
	uint64_t flush_ack; /* last shootdown generation this CPU flushed for */
	uint64_t work_done; /* last work generation this CPU finished */
	struct gdt_cpu_tables tables;
} __attribute__((aligned(64)));
_Static_assert(__builtin_offsetof(struct cpu_record, index) == 0, "this_cpu.c reads the index at offset 0");

/* Mirrors trampoline_data in trampoline.S, field for field. */
struct trampoline_data {
	uint64_t cr3, efer, entry;
};

extern const char trampoline_code_start[], trampoline_code_end[];
extern const char trampoline_data_start[], trampoline_data_end[], trampoline_data[];

/* Read (and ap_tickets written, atomically) by ap_start64 in trampoline.S,
 * through the higher half: the ticket counter, how many slots there are,
 * and where slot 1's kernel stack ends and how far apart the slots are. */
uint32_t ap_tickets, ap_ticket_limit;
uint64_t ap_stack_top_first, ap_stack_stride;

/* The BSP's record until smp_start_aps() allocates one per CPU. */
static struct cpu_record boot_record = {.online = true};
static struct cpu_record *cpus = &boot_record;
static unsigned cpu_count = 1; /* records with an index: the BSP and the APs with a ticket */
static uint64_t startup_us;

/* The ap_main()s that got to the end. */
static uint32_t aps_online;

static uint64_t shootdown_generation;
static uint64_t work_generation;
static void (*work_fn)(unsigned cpu, void *arg);
static void *work_arg;

bool smp_cpu_info(unsigned cpu, uint32_t *apic_id, bool *online)
{
	if (cpu >= cpu_count)
		return false;
	*apic_id = cpus[cpu].apic_id;
	*online = __atomic_load_n(&cpus[cpu].online, __ATOMIC_ACQUIRE);
	return true;
}

unsigned smp_cpus_known(void)
{
	return cpu_count;
}

unsigned smp_cpus_online(void)
{
	unsigned n = 0;
	for (unsigned i = 0; i < cpu_count; i++)
		n += __atomic_load_n(&cpus[i].online, __ATOMIC_ACQUIRE);
	return n;
}

uint64_t smp_startup_us(void)
{
	return startup_us;
}

/* The IPI: flush if a shootdown is pending. Work is picked up by the idle
 * loop after the interrupt returns (the IPI only wakes it from hlt). */
static void ipi_handler(void)
{
	/* LAB smp: begin */
	struct cpu_record *me = &cpus[this_cpu_index()];
	uint64_t generation = __atomic_load_n(&shootdown_generation, __ATOMIC_ACQUIRE);
	if (me->flush_ack != generation) {
		mm_tlb_flush_all();
		__atomic_store_n(&me->flush_ack, generation, __ATOMIC_RELEASE);
	}
	lapic_eoi();
	/* LAB smp: end */
}

/* Where an AP waits. Interrupts are off while it checks for work, and
 * `sti; hlt` re-enables them only for the hlt (sti takes effect after the
 * next instruction), so an IPI sent after the check still wakes it. */
__attribute__((noreturn)) static void ap_idle_loop(struct cpu_record *me)
{
	for (;;) {
		__asm__ volatile("cli");
		uint64_t generation = __atomic_load_n(&work_generation, __ATOMIC_ACQUIRE);
		if (generation != me->work_done) {
			__asm__ volatile("sti");
			work_fn(me->index, work_arg);
			__atomic_store_n(&me->work_done, generation, __ATOMIC_RELEASE);
			continue;
		}
		__asm__ volatile("sti; hlt");
	}
}

/* The first C code an AP runs, on the kernel stack of the slot its ticket
 * gave it (index cpu >= 1), with the kernel's tables (from ap_start64). */
__attribute__((noreturn)) void ap_main(uint64_t cpu);

void ap_main(uint64_t cpu)
{
	struct cpu_record *me = &cpus[cpu];
	me->index = (unsigned)cpu;
	this_cpu_set_record(&me->index); /* first: an exception report names this CPU */
	gdt_init_cpu(&me->tables, (unsigned)cpu);
	idt_load();
	cpu_enable_global_pages();
	lapic_enable();
	me->apic_id = lapic_id();
	me->flush_ack = __atomic_load_n(&shootdown_generation, __ATOMIC_ACQUIRE);
	me->work_done = __atomic_load_n(&work_generation, __ATOMIC_ACQUIRE);
	__atomic_store_n(&me->online, true, __ATOMIC_RELEASE);
	__atomic_add_fetch(&aps_online, 1, __ATOMIC_RELEASE);
	ap_idle_loop(me);
}

/* Zeroed memory for n records from the buddy, through the direct map. */
static struct cpu_record *alloc_records(unsigned n)
{
	uint64_t bytes = (uint64_t)n * sizeof(struct cpu_record);
	phys_addr_t pa;
	enum mm_error err = buddy_alloc_pages(buddy_order_for_bytes(bytes), &pa);
	if (err != MM_OK) {
		pr_err("smp: no memory for %u per-CPU records (%lu bytes): %s\n", n, bytes, mm_strerror(err));
		return NULL;
	}
	struct cpu_record *r = mm_phys_to_virt(pa);
	memset(r, 0, bytes);
	return r;
}

/* Copy the trampoline to its pages and fill in its data for `slots` APs. */
static void prepare_trampoline(unsigned slots)
{
	/* The trampoline's pages: identity-mapped R+X (code) and R, NX (data)
	 * by the low remap; the BSP writes them only through the direct map. */
	memcpy(mm_phys_to_virt(TRAMPOLINE_CODE_PHYS), trampoline_code_start,
	       (size_t)(trampoline_code_end - trampoline_code_start));
	memcpy(mm_phys_to_virt(TRAMPOLINE_DATA_PHYS), trampoline_data_start,
	       (size_t)(trampoline_data_end - trampoline_data_start));
	struct trampoline_data *data =
	    mm_phys_to_virt(TRAMPOLINE_DATA_PHYS + (uint64_t)(trampoline_data - trampoline_data_start));
	data->cr3 = mm_kernel_space()->root;
	/* The BSP's EFER (LME, NXE) minus LMA, which only the CPU sets: some
	 * AMD CPUs raise #GP when WRMSR writes it. data->entry, ap_start64's
	 * address, came with the copy: the linker wrote it into the data page. */
	data->efer = rdmsr(MSR_EFER) & ~EFER_LMA;
	ap_stack_top_first = kstack_ap_kernel_top(1);
	ap_stack_stride = KSTACK_AP_SLOT;
	ap_ticket_limit = slots;
	__atomic_store_n(&ap_tickets, 0, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

/* Wait until `target` APs are online or timeout_us passed since `start`.
 * *seen: the count of online APs the caller saw last (0 at first);
 * *last_seen: the TSC when the count was seen to grow, so a time-out does
 * not count as start-up time. Both are updated. */
static bool wait_online(unsigned target, uint64_t start, uint64_t timeout_us, unsigned *seen,
                        uint64_t *last_seen)
{
	uint64_t timeout_ticks = timeout_us * tsc_khz() / 1000;
	for (;;) {
		unsigned now = __atomic_load_n(&aps_online, __ATOMIC_ACQUIRE);
		if (now != *seen) {
			*seen = now;
			*last_seen = rdtsc();
		}
		if (now >= target)
			return true;
		if (rdtsc() - start > timeout_ticks)
			return false;
		__asm__ volatile("pause");
	}
}

static bool apic_id_online(uint32_t apic_id)
{
	for (unsigned i = 1; i < cpu_count; i++)
		if (__atomic_load_n(&cpus[i].online, __ATOMIC_ACQUIRE) && cpus[i].apic_id == apic_id)
			return true;
	return false;
}

/* Keep the APIC ids an IPI can reach and the BSP's is not, at most
 * SMP_MAX_CPUS - 1 of them, at the start of aps[] (in order). Returns how
 * many. */
static unsigned select_aps(uint32_t *aps, unsigned count)
{
	const uint32_t *apic_ids = aps;
	unsigned n = 0;
	for (unsigned i = 0; i < count; i++) {
		if (apic_ids[i] == boot_record.apic_id)
			continue;
		if (apic_ids[i] > lapic_max_apic_id()) {
			pr_warn("smp: APIC id %u is beyond what %s mode can address (%u); left out\n",
			        apic_ids[i], lapic_x2apic() ? "x2APIC" : "xAPIC", lapic_max_apic_id());
			continue;
		}
		if (n == SMP_MAX_CPUS - 1) {
			pr_warn(
			    "smp: only %d CPUs supported (SMP_MAX_CPUS); APIC id %u and later are left out\n",
			    SMP_MAX_CPUS, apic_ids[i]);
			break;
		}
		aps[n++] = apic_ids[i];
	}
	return n;
}

unsigned smp_start_aps(uint32_t *aps, unsigned count, bool withhold_last)
{
	boot_record.apic_id = lapic_id();
	this_cpu_set_record(&boot_record.index);
	idt_set_handler(VECTOR_IPI, ipi_handler);
	if (mm_kernel_space()->root >= GiB(4)) {
		pr_err("smp: the kernel's root table 0x%lx is above 4 GiB: 32-bit trampoline code cannot "
		       "load it\n",
		       mm_kernel_space()->root);
		return 1;
	}
	unsigned n = select_aps(aps, count);
	if (n == 0)
		return 1;
	struct cpu_record *records = alloc_records(n + 1);
	if (records == NULL)
		return 1;
	unsigned slots = kstack_create_aps(n);
	if (slots < n)
		pr_warn("smp: stacks for only %u of %u APs; the others get no slot and are left out\n", slots,
		        n);
	records[0] = boot_record;
	this_cpu_set_record(&records[0].index);
	cpus = records; /* the BSP's own index stays 0 */
	prepare_trampoline(slots);

	/* Every AP gets INIT-SIPI-SIPI, all of them together. An AP without a
	 * slot takes a ticket above the limit and parks (trampoline.S). */
	unsigned started = withhold_last ? n - 1 : n;
	if (withhold_last)
		kprintf("smp: test-ap-missing: no STARTUP IPI for APIC id %u\n", aps[n - 1]);
	uint32_t sipi = ICR_STARTUP | ICR_LEVEL_ASSERT | (TRAMPOLINE_CODE_PHYS >> 12);
	for (unsigned i = 0; i < n; i++)
		if (!lapic_send_ipi(aps[i], ICR_INIT | ICR_LEVEL_ASSERT))
			pr_warn("smp: INIT IPI to APIC id %u was never delivered\n", aps[i]);
	udelay(10000);
	uint64_t first_sipi = rdtsc();
	for (unsigned i = 0; i < started; i++)
		lapic_send_ipi(aps[i], sipi);
	udelay(200);
	if (__atomic_load_n(&ap_tickets, __ATOMIC_ACQUIRE) < started)
		for (unsigned i = 0; i < started; i++)
			lapic_send_ipi(aps[i], sipi);
	/* Wait for every AP with a slot, the withheld one too: it must time
	 * out like a CPU that does not answer. */
	uint64_t last_online = first_sipi;
	unsigned seen = 0;
	bool all_online = wait_online(slots, first_sipi, AP_ONLINE_TIMEOUT_US, &seen, &last_online);

	/* Close the door: from here on a ticket is above the limit. Those who
	 * took one before get a little longer: they are in flight already. */
	uint32_t claimed = __atomic_exchange_n(&ap_tickets, slots, __ATOMIC_ACQ_REL);
	if (claimed > slots)
		claimed = slots;
	if (!all_online)
		wait_online(claimed, rdtsc(), AP_LATE_TIMEOUT_US, &seen, &last_online);
	cpu_count = 1 + claimed;
	for (unsigned i = 1; i < cpu_count; i++)
		if (!__atomic_load_n(&cpus[i].online, __ATOMIC_ACQUIRE))
			pr_warn("smp: CPU %u took its slot but did not come online\n", i);
	for (unsigned i = 0; i < n && __atomic_load_n(&aps_online, __ATOMIC_ACQUIRE) < n; i++) {
		if (apic_id_online(aps[i]))
			continue;
		/* Park it: INIT puts it back into wait-for-STARTUP. */
		lapic_send_ipi(aps[i], ICR_INIT | ICR_LEVEL_ASSERT);
		pr_warn("smp: APIC id %u did not come online within %u ms; going on without it\n", aps[i],
		        AP_ONLINE_TIMEOUT_US / 1000);
	}
	startup_us = tsc_ticks_to_us(last_online - first_sipi);
	return smp_cpus_online();
}

unsigned smp_tlb_shootdown(void)
{
	/* LAB smp: begin */
	uint64_t generation = __atomic_add_fetch(&shootdown_generation, 1, __ATOMIC_ACQ_REL);
	mm_tlb_flush_all(); /* this CPU */
	unsigned confirmed = 0;
	for (unsigned i = 1; i < cpu_count; i++) {
		if (!__atomic_load_n(&cpus[i].online, __ATOMIC_ACQUIRE))
			continue;
		lapic_send_ipi(cpus[i].apic_id, ICR_FIXED | ICR_LEVEL_ASSERT | VECTOR_IPI);
	}
	for (unsigned i = 1; i < cpu_count; i++) {
		if (!__atomic_load_n(&cpus[i].online, __ATOMIC_ACQUIRE))
			continue;
		uint64_t waited = 0;
		while (__atomic_load_n(&cpus[i].flush_ack, __ATOMIC_ACQUIRE) != generation &&
		       waited < 1000000) {
			udelay(10);
			waited += 10;
		}
		if (__atomic_load_n(&cpus[i].flush_ack, __ATOMIC_ACQUIRE) == generation)
			confirmed++;
		else
			pr_err("smp: CPU %u (APIC id %u) did not confirm the TLB flush\n", i,
			       cpus[i].apic_id);
	}
	return confirmed;
	/* LAB smp: end */
}

bool smp_run_on_all(void (*fn)(unsigned cpu, void *arg), void *arg, uint64_t timeout_ms)
{
	work_fn = fn;
	work_arg = arg;
	uint64_t generation = __atomic_add_fetch(&work_generation, 1, __ATOMIC_ACQ_REL);
	for (unsigned i = 1; i < cpu_count; i++)
		if (__atomic_load_n(&cpus[i].online, __ATOMIC_ACQUIRE))
			lapic_send_ipi(cpus[i].apic_id, ICR_FIXED | ICR_LEVEL_ASSERT | VECTOR_IPI);
	fn(0, arg);
	bool all = true;
	uint64_t start = rdtsc();
	for (unsigned i = 1; i < cpu_count; i++) {
		if (!__atomic_load_n(&cpus[i].online, __ATOMIC_ACQUIRE))
			continue;
		while (__atomic_load_n(&cpus[i].work_done, __ATOMIC_ACQUIRE) != generation &&
		       tsc_ticks_to_us(rdtsc() - start) < timeout_ms * 1000)
			__asm__ volatile("pause");
		if (__atomic_load_n(&cpus[i].work_done, __ATOMIC_ACQUIRE) != generation) {
			pr_err("smp: CPU %u (APIC id %u) did not finish its work within %lu ms\n", i,
			       cpus[i].apic_id, timeout_ms);
			all = false;
		}
	}
	return all;
}
