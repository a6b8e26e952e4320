/*
 * tsc.h - a clock and a delay source: the time-stamp counter, calibrated
 * once at boot, right after the console is up, against the PIT (whose input
 * clock is a known 1.193182 MHz). Every stage line ends with the stage's
 * time from this clock; the SMP start-up protocol needs waits of 10 ms and
 * 200 us.
 */
#ifndef ARCH_TSC_H
#define ARCH_TSC_H

#include <stdint.h>

/* Measure the TSC frequency over 10 ms of PIT channel 2. Prints the result;
 * if the PIT never answers, assumes 1 GHz and says so. Call it once, before
 * anything is timed: it also sets the origin of tsc_now_us(). */
void tsc_calibrate(void);

/* Microseconds since tsc_calibrate() started (the kernel's clock for the
 * stage times; only differences between two readings mean anything). */
uint64_t tsc_now_us(void);

/* TSC ticks per millisecond (after tsc_calibrate). */
uint64_t tsc_khz(void);

/* Busy-wait at least us microseconds. */
void udelay(uint64_t us);

/* Microseconds between two rdtsc() readings. */
uint64_t tsc_ticks_to_us(uint64_t ticks);

#endif /* ARCH_TSC_H */
