/*
 * smp_bringup.c - stage 6 (see smp_bringup.h): ACPI -> local APIC -> APs
 * -> remove the low remap -> TLB shootdown -> W^X audit -> stack guard audit.
 */
#include "smp_bringup.h"

#include "acpi/acpi.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/kstack.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/smp.h"
#include "arch/x86_64/tsc.h"
#include "kernel/panic.h"
#include "lib/format.h"
#include "lib/log.h"
#include "mm/buddy.h"
#include "mm/memblock.h"
#include "mm/mm_env.h"
#include "mm/stages.h"
#include "mm/paging.h"
#include "mm/percpu_pages.h"
#include "mm/phys_area.h"

/* Is [phys, phys + size) somewhere firmware tables may live: the first MiB,
 * RAM, or a range the memory map calls reserved or ACPI? Anything else (a
 * corrupt pointer) is refused rather than mapped and read. The memory map is
 * read from the boot information itself (still reserved), not from the
 * bounded phys_other_area[] record, so no entry of a long map is missed. */
static bool firmware_range_ok(const struct mb2_info *info, uint64_t phys, uint64_t size)
{
	uint64_t end = phys + size;
	if (end < phys)
		return false;
	if (end <= MiB(1) || memblock_is_memory(phys, size))
		return true;
	size_t i = 0;
	struct mb2_mmap_entry e;
	while (mb2_mmap_next(info, &i, &e)) {
		uint64_t e_end = e.base + e.length < e.base ? UINT64_MAX : e.base + e.length;
		if (e.type != PHYS_AREA_AVAILABLE && e.type != PHYS_AREA_BADRAM && phys >= e.base &&
		    end <= e_end)
			return true;
	}
	return false;
}

/* The ACPI accessor: tables are read through the direct map; pages that are
 * not RAM (firmware-reserved ranges) are mapped there read-only first. */
static const void *acpi_map(uint64_t phys, uint64_t size, void *ctx)
{
	if (size == 0 || !firmware_range_ok(ctx, phys, size)) {
		pr_warn("acpi: refusing to read [0x%lx-0x%lx): not RAM, reserved or ACPI memory\n", phys,
		        phys + size);
		return NULL;
	}
	for (uint64_t page = ALIGN_DOWN(phys, PAGE_SIZE); page < phys + size; page += PAGE_SIZE) {
		struct pt_translation t;
		if (pt_translate(mm_kernel_space(), PHYS_OFFSET + page, &t) == MM_OK)
			continue;
		enum mm_error err = pt_map(mm_kernel_space(), PHYS_OFFSET + page, page, PT_PAGE_4K, PT_GLOBAL,
		                           PT_TLB_FLUSH_PAGE);
		if (err != MM_OK) {
			pr_warn("acpi: cannot map 0x%lx: %s\n", page, mm_strerror(err));
			return NULL;
		}
	}
	return (const void *)(uintptr_t)(PHYS_OFFSET + phys);
}

/* Find the MADT; false (with the reason printed) means "one CPU". */
static bool find_madt(const struct mb2_info *info, uint64_t *madt_phys)
{
	struct acpi_context ctx = {.map = acpi_map, .ctx = (void *)info};
	struct acpi_rsdp_info rsdp;
	enum acpi_status st = ACPI_ERR_NOT_FOUND;
	if (info->acpi_new_rsdp)
		st = acpi_rsdp_validate(info->acpi_new_rsdp, ACPI_RSDP_V2_SIZE, &rsdp);
	if (st != ACPI_OK && info->acpi_old_rsdp)
		st = acpi_rsdp_validate(info->acpi_old_rsdp, ACPI_RSDP_V1_SIZE, &rsdp);
	if (st != ACPI_OK) {
		kprintf("acpi: no valid RSDP from the boot loader; scanning the BIOS areas\n");
		st = acpi_rsdp_scan(&ctx, &rsdp);
	}
	if (st != ACPI_OK) {
		pr_warn("acpi: no RSDP (%s): going on with one CPU\n", acpi_status_name(st));
		return false;
	}
	uint32_t madt_len;
	if ((st = acpi_find_table(&ctx, &rsdp, "APIC", madt_phys, &madt_len)) != ACPI_OK) {
		pr_warn("acpi: no MADT (%s): going on with one CPU\n", acpi_status_name(st));
		return false;
	}
	return true;
}

/* Say why the MADT is not used; the caller then goes on with one CPU. */
static void madt_refused(enum acpi_status st)
{
	pr_warn("acpi: bad MADT (%s): going on with one CPU\n", acpi_status_name(st));
}

/* The CPUs of the MADT, in buddy memory sized for them: a first parse with
 * no room counts the processor entries, a second reads them into an array
 * of that many, and the APIC ids of the enabled ones are copied behind it.
 * Fills *ids, *count and *lapic_phys; returns the block to free (order
 * *order), or 0 with the reason printed, meaning "one CPU". */
static phys_addr_t read_madt_cpus(const struct mb2_info *info, uint32_t **ids, unsigned *count,
                                  phys_addr_t *lapic_phys, unsigned *order)
{
	struct acpi_context ctx = {.map = acpi_map, .ctx = (void *)info};
	struct acpi_madt_info madt;
	uint64_t madt_phys;
	if (!find_madt(info, &madt_phys))
		return 0;
	enum acpi_status st = acpi_parse_madt(&ctx, madt_phys, NULL, 0, &madt);
	if (st != ACPI_OK) {
		madt_refused(st);
		return 0;
	}
	size_t total = madt.cpus_ignored;
	*order = buddy_order_for_bytes(total * (sizeof(struct acpi_cpu) + sizeof(uint32_t)));
	phys_addr_t block;
	enum mm_error err = buddy_alloc_pages(*order, &block);
	if (err != MM_OK) {
		pr_warn("acpi: no memory for %zu CPU entries: %s; going on with one CPU\n", total,
		        mm_strerror(err));
		return 0;
	}
	struct acpi_cpu *cpus = mm_phys_to_virt(block);
	if ((st = acpi_parse_madt(&ctx, madt_phys, cpus, total, &madt)) != ACPI_OK) {
		madt_refused(st);
		buddy_free_pages(block, *order);
		return 0;
	}
	acpi_print_madt(&madt);
	*lapic_phys = madt.lapic_phys;
	*ids = (uint32_t *)(cpus + total);
	*count = 0;
	for (size_t i = 0; i < madt.cpu_count; i++)
		if (madt.cpus[i].enabled)
			(*ids)[(*count)++] = madt.cpus[i].apic_id;
	return block;
}

/* Give each of the cpus CPUs the MADT lists (at most SMP_MAX_CPUS, the boot
 * CPU included) a per-CPU list of single pages before any of them starts,
 * in one block from the buddy; the boot CPU's list moves into it. Without
 * one, a CPU allocates and frees single pages in the buddy directly:
 * correct, only slower, so a refusal is a warning. */
static void give_every_cpu_a_page_list(unsigned cpus)
{
	if (cpus > SMP_MAX_CPUS)
		cpus = SMP_MAX_CPUS;
	if (cpus <= 1)
		return;
	unsigned order = buddy_order_for_bytes(percpu_pages_bytes(cpus));
	phys_addr_t block = 0;
	enum mm_error err = order > BUDDY_MAX_ORDER ? MM_ERR_NO_MEMORY : buddy_alloc_pages(order, &block);
	if (err == MM_OK) {
		err = percpu_pages_set_cpus(cpus, mm_phys_to_virt(block), PAGE_SIZE << order);
		if (err != MM_OK && buddy_free_pages(block, order) != MM_OK)
			panic("smp: giving back the per-CPU lists' block 0x%lx failed", block);
	}
	if (err != MM_OK) {
		pr_warn("smp: no per-CPU page lists for %u CPUs (%lu KiB): %s; the other CPUs take single "
		        "pages from the buddy directly\n",
		        cpus, percpu_pages_bytes(cpus) >> 10, mm_strerror(err));
		return;
	}
	kprintf("smp: per-CPU page lists for %u CPUs: %lu KiB from the buddy (order %u)\n", cpus,
	        (PAGE_SIZE << order) >> 10, order);
}

void smp_bringup(const struct mb2_info *info, bool test_ap_missing)
{
	uint64_t start_us = tsc_now_us();
	uint32_t *apic_ids = NULL;
	unsigned count = 0, order = 0;
	phys_addr_t lapic_phys = 0xfee00000; /* the architectural default */
	phys_addr_t madt_block = read_madt_cpus(info, &apic_ids, &count, &lapic_phys, &order);
	bool have_madt = madt_block != 0;

	give_every_cpu_a_page_list(count);
	enum mm_error err = MM_OK;
	unsigned online = 1;
	if (lapic_map(lapic_phys)) {
		lapic_enable();
		online = smp_start_aps(apic_ids, count, test_ap_missing);
	}
	if (have_madt && (err = buddy_free_pages(madt_block, order)) != MM_OK)
		panic("smp: giving back the MADT's CPU list 0x%lx: %s", madt_block, mm_strerror(err));
	kprintf("smp: %u of %u CPUs online (%s), first STARTUP IPI to last AP online: %lu us\n", online,
	        count ? count : 1, have_madt ? "APIC ids from the MADT" : "no MADT: the boot CPU only",
	        smp_startup_us());

	// The low remap has done its job: remove it here, then on every CPU.
	err = mm_remove_low_remap();
	if (err != MM_OK)
		panic("stage 6 (remove the low remap): %s", mm_strerror(err));
	unsigned confirmed = smp_tlb_shootdown();
	kprintf("smp: TLB shootdown: %u of %u other CPUs confirmed the flush\n", confirmed, online - 1);
	if (confirmed != online - 1)
		panic("smp: %u CPUs did not confirm the TLB flush of the low remap", online - 1 - confirmed);
	if (mm_audit_wx() != 0)
		panic("paging: writable+executable mappings remain after the low remap is gone");
	// Every CPU's stacks now exist: each must sit above an unmapped guard.
	unsigned stacks, cpus, bad = kstack_audit(&stacks, &cpus);
	kprintf("kstack: %u stacks on %u CPUs, %u of them mapped R+W above an unmapped guard page; stage 6 "
	        "took %lu us\n",
	        stacks, cpus, stacks - bad, tsc_now_us() - start_us);
	if (bad != 0)
		panic("kstack: a kernel stack is not mapped R+W above an unmapped guard page");
}
