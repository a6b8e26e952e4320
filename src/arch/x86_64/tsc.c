/*
 * tsc.c - TSC calibration against PIT channel 2 (see tsc.h).
 *
 * Channel 2's gate is bit 0 of port 0x61 and its output can be read back in
 * bit 5, and it does not raise an interrupt: ideal for a one-shot count.
 * Mode 0 counts down from the reload value and raises OUT when it reaches
 * zero; we read the TSC before and after.
 */
#include "tsc.h"

#include "cpu.h"
#include "lib/format.h"

#define PIT_HZ         1193182u
#define CALIBRATION_MS 10u
#define PORT_CH2_DATA  0x42
#define PORT_COMMAND   0x43
#define PORT_SPEAKER   0x61

static uint64_t khz = 1000000; /* an assumption until calibrated: 1 GHz */
static uint64_t origin;        /* rdtsc() when the calibration started */

void tsc_calibrate(void)
{
	uint16_t count = PIT_HZ / (1000 / CALIBRATION_MS);
	origin = rdtsc();
	uint8_t speaker = inb(PORT_SPEAKER);
	outb(PORT_SPEAKER, (speaker & ~0x02) | 0x01); /* gate on, speaker off */
	outb(PORT_COMMAND, 0xb0);                     /* channel 2, lo/hi byte, mode 0 */
	outb(PORT_CH2_DATA, count & 0xff);
	outb(PORT_CH2_DATA, count >> 8);
	/* A rising edge on the gate (re)starts the count. */
	outb(PORT_SPEAKER, inb(PORT_SPEAKER) & ~0x01);
	outb(PORT_SPEAKER, inb(PORT_SPEAKER) | 0x01);
	uint64_t start = rdtsc();
	/* Bounded: a missing PIT must not hang the boot. */
	for (uint64_t spins = 0; !(inb(PORT_SPEAKER) & 0x20); spins++) {
		if (spins > 100000000u) {
			kprintf("tsc: PIT channel 2 never finished counting; assuming 1 GHz\n");
			outb(PORT_SPEAKER, speaker);
			return;
		}
	}
	uint64_t ticks = rdtsc() - start;
	outb(PORT_SPEAKER, speaker);
	khz = ticks / CALIBRATION_MS;
	if (khz == 0)
		khz = 1;
	kprintf("tsc: %lu.%03lu MHz (calibrated against the PIT over %u ms)\n", khz / 1000, khz % 1000,
	        CALIBRATION_MS);
}

uint64_t tsc_khz(void)
{
	return khz;
}

void udelay(uint64_t us)
{
	uint64_t start = rdtsc();
	uint64_t ticks = us * khz / 1000;
	while (rdtsc() - start < ticks)
		__asm__ volatile("pause");
}

uint64_t tsc_ticks_to_us(uint64_t ticks)
{
	/* Whole milliseconds first: ticks * 1000 would overflow after some
	 * 70 days of ticks at 3 GHz, and a TSC counts from power-on. */
	return ticks / khz * 1000 + ticks % khz * 1000 / khz;
}

uint64_t tsc_now_us(void)
{
	return tsc_ticks_to_us(rdtsc() - origin);
}
