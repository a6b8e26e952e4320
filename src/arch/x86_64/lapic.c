/*
 * lapic.c - the local APIC (see lapic.h), in one of two modes chosen once by
 * lapic_map() for every CPU:
 *   xAPIC   registers in a 4 KiB MMIO page, register at offset r;
 *           ICR in two 32-bit halves (destination in bits 24-31 of the high
 *           half), written high first: the low write sends it;
 *   x2APIC  the same registers as MSRs 0x800 + r / 16; the ICR is one
 *           64-bit MSR (0x830, destination in bits 32-63) and has no
 *           delivery-status bit: the write is the send.
 */
#include "lapic.h"

#include "cpu.h"
#include "lib/format.h"
#include "mm/stages.h"
#include "mm/paging.h"
#include "tsc.h"

#define MSR_APIC_BASE     0x1bu
#define APIC_BASE_ENABLE  (1u << 11)
#define APIC_BASE_X2APIC  (1u << 10) /* EXTD: x2APIC mode, with ENABLE */
#define MSR_X2APIC_FIRST  0x800u     /* register at MMIO offset r: MSR 0x800 + r / 16 */
#define MSR_X2APIC_ICR    0x830u
#define CPUID1_ECX_X2APIC (1u << 21)

/* Register offsets (bytes). */
#define REG_ID       0x020
#define REG_EOI      0x0b0
#define REG_SVR      0x0f0
#define REG_ICR_LOW  0x300
#define REG_ICR_HIGH 0x310
#define SVR_ENABLE   0x100

static volatile uint32_t *regs; /* xAPIC mode: the mapped page */
static bool x2apic;             /* x2APIC mode: the MSRs */
static bool ready;

static uint32_t read_reg(unsigned offset)
{
	if (x2apic)
		return (uint32_t)rdmsr(MSR_X2APIC_FIRST + offset / 16);
	return regs[offset / 4];
}

static void write_reg(unsigned offset, uint32_t value)
{
	if (x2apic)
		wrmsr(MSR_X2APIC_FIRST + offset / 16, value);
	else
		regs[offset / 4] = value;
}

bool lapic_map(phys_addr_t phys)
{
	/* We use the local APICs only: mask every line of both 8259 PICs. */
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
	if (cpuid(1, 0).ecx & CPUID1_ECX_X2APIC) {
		x2apic = ready = true;
		kprintf("lapic: x2APIC mode (registers are MSRs, 32-bit APIC ids)\n");
		return true;
	}
	/* Device registers: uncached, NX, at the direct-map address of their
	 * physical address (nothing else lives there: it is not RAM). */
	virt_addr_t va = PHYS_OFFSET + phys;
	enum mm_error err = pt_map_mmio(mm_kernel_space(), va, phys, PAGE_SIZE, PT_TLB_FLUSH_PAGE);
	if (err != MM_OK) {
		kprintf("lapic: cannot map the registers at 0x%lx: %s\n", phys, mm_strerror(err));
		return false;
	}
	regs = (volatile uint32_t *)va;
	ready = true;
	kprintf("lapic: xAPIC mode (registers at 0x%lx, 8-bit APIC ids): this CPU has no x2APIC\n", phys);
	return true;
}

bool lapic_ready(void)
{
	return ready;
}

bool lapic_x2apic(void)
{
	return x2apic;
}

void lapic_enable(void)
{
	/* Disabled -> xAPIC -> x2APIC: the SDM allows no direct step from
	 * disabled to x2APIC, so ENABLE goes in first, EXTD after it. */
	uint64_t base = rdmsr(MSR_APIC_BASE) | APIC_BASE_ENABLE;
	wrmsr(MSR_APIC_BASE, base);
	if (x2apic && !(base & APIC_BASE_X2APIC))
		wrmsr(MSR_APIC_BASE, base | APIC_BASE_X2APIC);
	write_reg(REG_SVR, SVR_ENABLE | VECTOR_SPURIOUS);
}

uint32_t lapic_id(void)
{
	uint32_t id = read_reg(REG_ID);
	return x2apic ? id : id >> 24;
}

uint32_t lapic_max_apic_id(void)
{
	/* xAPIC: 8 bits, and 0xff means "every CPU" (broadcast). */
	return x2apic ? 0xfffffffeu : 0xfeu;
}

void lapic_eoi(void)
{
	write_reg(REG_EOI, 0);
}

bool lapic_send_ipi(uint32_t apic_id, uint32_t icr_low)
{
	if (x2apic) {
		wrmsr(MSR_X2APIC_ICR, (uint64_t)apic_id << 32 | icr_low);
		return true;
	}
	write_reg(REG_ICR_HIGH, apic_id << 24);
	write_reg(REG_ICR_LOW, icr_low); /* writing the low word sends it */
	for (unsigned waited_us = 0; waited_us < 100000; waited_us += 10) {
		if (!(read_reg(REG_ICR_LOW) & ICR_DELIVERY_PENDING))
			return true;
		udelay(10);
	}
	return false;
}
