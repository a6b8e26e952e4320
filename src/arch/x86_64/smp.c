/*
 * smp.c - AP start-up, the AP idle loop, TLB shootdown and running work on
 * every CPU (see smp.h).
 *
 * Start-up of one AP (Intel SDM vol. 3, 8.4.4, "MP initialization"):
 *   1. give it its stacks (kstack.h): a kernel stack and a double-fault
 *      stack from the buddy, each mapped above an unmapped guard page so
 *      an overflow faults instead of silently corrupting what lies below,
 *   2. fill in the trampoline's data (CR3, EFER, stack, entry, index),
 *   3. INIT IPI, wait 10 ms, STARTUP IPI (vector = page number of the
 *      trampoline), wait 200 us, a second STARTUP IPI if it is not up yet,
 *   4. wait up to a second for it to say it is online.
 */
#include "smp.h"

#include "cpu.h"
#include "interrupts.h"
#include "kstack.h"
#include "lapic.h"
#include "lib/format.h"
#include "lib/kstring.h"
#include "lib/log.h"
#include "mm/mm_env.h"
#include "mm/mm_init.h"
#include "mm/paging.h"
#include "tsc.h"

#define AP_ONLINE_TIMEOUT_US 1000000
#define EFER_LMA             (1ULL << 10)

struct cpu_info {
	uint32_t apic_id;
	bool online;
	uint64_t flush_ack; /* last shootdown generation this CPU flushed for */
	uint64_t work_done; /* last work generation this CPU finished */
};

/* Mirrors trampoline_data in trampoline.S, field for field. */
struct trampoline_data {
	uint64_t cr3, efer, stack_top, entry, cpu;
};

extern const char trampoline_code_start[], trampoline_code_end[];
extern const char trampoline_data_start[], trampoline_data_end[], trampoline_data[];

static struct cpu_info cpus[SMP_MAX_CPUS];
static unsigned cpu_count = 1; /* CPUs with an index, online or not */
static uint64_t startup_us;

static uint64_t shootdown_generation;
static uint64_t work_generation;
static void (*work_fn)(unsigned cpu, void *arg);
static void *work_arg;

unsigned smp_this_cpu(void)
{
	if (!lapic_ready())
		return 0;
	uint32_t id = lapic_id();
	for (unsigned i = 0; i < cpu_count; i++)
		if (cpus[i].apic_id == id)
			return i;
	return 0;
}

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
	unsigned me = smp_this_cpu();
	uint64_t generation = __atomic_load_n(&shootdown_generation, __ATOMIC_ACQUIRE);
	if (cpus[me].flush_ack != generation) {
		mm_tlb_flush_all();
		__atomic_store_n(&cpus[me].flush_ack, generation, __ATOMIC_RELEASE);
	}
	lapic_eoi();
}

/* Where an AP waits. Interrupts are off while it checks for work, and
 * `sti; hlt` re-enables them only for the hlt (sti takes effect after the
 * next instruction), so an IPI sent after the check still wakes it. */
__attribute__((noreturn)) static void ap_idle_loop(unsigned me)
{
	for (;;) {
		__asm__ volatile("cli");
		uint64_t generation = __atomic_load_n(&work_generation, __ATOMIC_ACQUIRE);
		if (generation != cpus[me].work_done) {
			__asm__ volatile("sti");
			work_fn(me, work_arg);
			__atomic_store_n(&cpus[me].work_done, generation, __ATOMIC_RELEASE);
			continue;
		}
		__asm__ volatile("sti; hlt");
	}
}

/* The first C code an AP runs, on its own stack, with the kernel's tables. */
__attribute__((noreturn)) void ap_main(uint64_t cpu);

void ap_main(uint64_t cpu)
{
	gdt_init_cpu((unsigned)cpu);
	idt_load();
	cpu_enable_global_pages();
	lapic_enable();
	cpus[cpu].flush_ack = __atomic_load_n(&shootdown_generation, __ATOMIC_ACQUIRE);
	cpus[cpu].work_done = __atomic_load_n(&work_generation, __ATOMIC_ACQUIRE);
	__atomic_store_n(&cpus[cpu].online, true, __ATOMIC_RELEASE);
	ap_idle_loop((unsigned)cpu);
}

static bool wait_online(unsigned cpu, uint64_t timeout_us)
{
	for (uint64_t waited = 0; waited < timeout_us; waited += 50) {
		if (__atomic_load_n(&cpus[cpu].online, __ATOMIC_ACQUIRE))
			return true;
		udelay(50);
	}
	return __atomic_load_n(&cpus[cpu].online, __ATOMIC_ACQUIRE);
}

static bool start_one(unsigned cpu, uint32_t apic_id, uint64_t *first_sipi)
{
	if (!kstack_create_ap(cpu)) {
		pr_warn("smp: no stacks for CPU %u (APIC id %u); not starting it\n", cpu, apic_id);
		return false;
	}
	struct trampoline_data *data =
	    mm_phys_to_virt(TRAMPOLINE_DATA_PHYS + (uint64_t)(trampoline_data - trampoline_data_start));
	data->cr3 = mm_kernel_space()->root;
	/* The BSP's EFER (LME, NXE) minus LMA, which only the CPU sets: some
	 * AMD CPUs raise #GP when WRMSR writes it. */
	data->efer = rdmsr(MSR_EFER) & ~EFER_LMA;
	data->stack_top = kstack_get(cpu, KSTACK_KERNEL).top;
	data->entry = (uint64_t)ap_main;
	data->cpu = cpu;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);

	cpus[cpu] = (struct cpu_info){.apic_id = apic_id};
	cpu_count = cpu + 1;
	uint32_t sipi = ICR_STARTUP | ICR_LEVEL_ASSERT | (TRAMPOLINE_CODE_PHYS >> 12);
	if (!lapic_send_ipi(apic_id, ICR_INIT | ICR_LEVEL_ASSERT)) {
		pr_warn("smp: INIT IPI to APIC id %u was never delivered\n", apic_id);
		return false;
	}
	udelay(10000);
	if (*first_sipi == 0)
		*first_sipi = rdtsc();
	lapic_send_ipi(apic_id, sipi);
	udelay(200);
	if (!__atomic_load_n(&cpus[cpu].online, __ATOMIC_ACQUIRE)) {
		lapic_send_ipi(apic_id, sipi);
		udelay(200);
	}
	if (!wait_online(cpu, AP_ONLINE_TIMEOUT_US)) {
		/* Park it: INIT puts it back into wait-for-STARTUP, so it cannot
		 * wake up later and run the trampoline with the next AP's data. */
		lapic_send_ipi(apic_id, ICR_INIT | ICR_LEVEL_ASSERT);
		pr_warn("smp: CPU %u (APIC id %u) did not come online within %u ms; going on without it\n",
		        cpu, apic_id, AP_ONLINE_TIMEOUT_US / 1000);
		return false;
	}
	return true;
}

unsigned smp_start_aps(const uint32_t *apic_ids, unsigned count)
{
	cpus[0] = (struct cpu_info){.apic_id = lapic_id(), .online = true};
	idt_set_handler(VECTOR_IPI, ipi_handler);
	if (mm_kernel_space()->root >= GiB(4)) {
		pr_err("smp: the kernel's root table 0x%lx is above 4 GiB: 32-bit trampoline code cannot "
		       "load it\n",
		       mm_kernel_space()->root);
		return 1;
	}
	/* The trampoline's pages: identity-mapped R+X (code) and R, NX (data)
	 * by the low remap; the BSP writes them only through the direct map. */
	memcpy(mm_phys_to_virt(TRAMPOLINE_CODE_PHYS), trampoline_code_start,
	       (size_t)(trampoline_code_end - trampoline_code_start));
	memcpy(mm_phys_to_virt(TRAMPOLINE_DATA_PHYS), trampoline_data_start,
	       (size_t)(trampoline_data_end - trampoline_data_start));

	uint64_t first_sipi = 0, last_online = 0;
	unsigned next = 1;
	for (unsigned i = 0; i < count; i++) {
		if (apic_ids[i] == cpus[0].apic_id)
			continue;
		if (next == SMP_MAX_CPUS) {
			pr_warn("smp: only %d CPUs supported; APIC id %u and later are left out\n",
			        SMP_MAX_CPUS, apic_ids[i]);
			break;
		}
		/* An index (and its stack slot) is used once, even by a CPU that
		 * did not come up: its stacks stay mapped in case it wakes late. */
		if (start_one(next, apic_ids[i], &first_sipi))
			last_online = rdtsc();
		next++;
	}
	cpu_count = next;
	startup_us = last_online ? tsc_ticks_to_us(last_online - first_sipi) : 0;
	return smp_cpus_online();
}

unsigned smp_tlb_shootdown(void)
{
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
