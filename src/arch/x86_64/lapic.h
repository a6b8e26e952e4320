/*
 * lapic.h - the local APIC: its ID, enabling it, end of interrupt, and
 * sending inter-processor interrupts (INIT and STARTUP to start the other
 * CPUs, fixed vectors to wake them). x2APIC mode (registers as MSRs, 32-bit
 * APIC ids) when the CPU has it (CPUID.1:ECX bit 21), else xAPIC mode
 * (memory-mapped registers, 8-bit APIC ids); every CPU uses the same mode.
 */
#ifndef ARCH_LAPIC_H
#define ARCH_LAPIC_H

#include <stdbool.h>
#include <stdint.h>

#include "mm/mm_types.h"

/* Interrupt vectors of ours (exceptions use 0..31). */
#define VECTOR_IPI      0xf0 /* TLB shootdown and wake-up for work */
#define VECTOR_SPURIOUS 0xff /* the APIC's spurious vector: no EOI */

/* ICR low-word values (SDM vol. 3, 10.6.1). */
#define ICR_FIXED            0x00000u
#define ICR_INIT             0x00500u
#define ICR_STARTUP          0x00600u
#define ICR_LEVEL_ASSERT     0x04000u
#define ICR_DELIVERY_PENDING 0x01000u

/* Choose the mode (x2APIC if this CPU has it) and print it; in xAPIC mode
 * map the registers at phys (uncached, through the kernel's tables). Mask
 * the legacy 8259 PICs. Returns false with a message on failure. */
bool lapic_map(phys_addr_t phys);

/* Enable this CPU's local APIC in the chosen mode (global enable, then the
 * x2APIC bit if that is the mode; software enable bit, spurious vector). */
void lapic_enable(void);

/* Whether lapic_map() succeeded. */
bool lapic_ready(void);

/* Whether the chosen mode is x2APIC. */
bool lapic_x2apic(void);

/* This CPU's APIC ID (its APIC must be enabled in the chosen mode). */
uint32_t lapic_id(void);

/* The largest APIC ID an IPI can name in the chosen mode: 0xfe for xAPIC
 * (0xff is the broadcast ID), 0xfffffffe for x2APIC. */
uint32_t lapic_max_apic_id(void);

/* Signal the end of an interrupt. */
void lapic_eoi(void);

/* Send an IPI (icr_low: mode | level | vector) to the CPU with this APIC ID
 * and, in xAPIC mode, wait until the APIC has delivered it. Returns false if
 * it was still pending after about 100 ms (x2APIC has no pending bit: true). */
bool lapic_send_ipi(uint32_t apic_id, uint32_t icr_low);

#endif /* ARCH_LAPIC_H */
