/* lapic.c - the local APIC (see lapic.h). */
#include "lapic.h"

#include "cpu.h"
#include "lib/format.h"
#include "mm/mm_init.h"
#include "mm/paging.h"
#include "tsc.h"

#define MSR_APIC_BASE    0x1bu
#define APIC_BASE_ENABLE (1u << 11)

/* Register offsets (bytes). */
#define REG_ID       0x020
#define REG_EOI      0x0b0
#define REG_SVR      0x0f0
#define REG_ICR_LOW  0x300
#define REG_ICR_HIGH 0x310
#define SVR_ENABLE   0x100

static volatile uint32_t *regs;

static uint32_t read_reg(unsigned offset)
{
	return regs[offset / 4];
}

static void write_reg(unsigned offset, uint32_t value)
{
	regs[offset / 4] = value;
}

bool lapic_map(phys_addr_t phys)
{
	/* Device registers: uncached, NX, at the direct-map address of their
	 * physical address (nothing else lives there: it is not RAM). */
	virt_addr_t va = PHYS_OFFSET + phys;
	enum mm_error err = pt_map_mmio(mm_kernel_space(), va, phys, PAGE_SIZE, PT_TLB_FLUSH_PAGE);
	if (err != MM_OK) {
		kprintf("lapic: cannot map the registers at 0x%lx: %s\n", phys, mm_strerror(err));
		return false;
	}
	regs = (volatile uint32_t *)va;
	/* We use the local APICs only: mask every line of both 8259 PICs. */
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
	return true;
}

bool lapic_ready(void)
{
	return regs != NULL;
}

void lapic_enable(void)
{
	wrmsr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) | APIC_BASE_ENABLE);
	write_reg(REG_SVR, SVR_ENABLE | VECTOR_SPURIOUS);
}

uint32_t lapic_id(void)
{
	return read_reg(REG_ID) >> 24;
}

void lapic_eoi(void)
{
	write_reg(REG_EOI, 0);
}

bool lapic_send_ipi(uint32_t apic_id, uint32_t icr_low)
{
	write_reg(REG_ICR_HIGH, apic_id << 24);
	write_reg(REG_ICR_LOW, icr_low); /* writing the low word sends it */
	for (unsigned waited_us = 0; waited_us < 100000; waited_us += 10) {
		if (!(read_reg(REG_ICR_LOW) & ICR_DELIVERY_PENDING))
			return true;
		udelay(10);
	}
	return false;
}
