/*
 * lapic.h - the local APIC in xAPIC mode (memory-mapped registers): its ID,
 * enabling it, end of interrupt, and sending inter-processor interrupts
 * (INIT and STARTUP to start the other CPUs, fixed vectors to wake them).
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

/* Map the registers at phys (uncached, through the kernel's tables) and
 * mask the legacy 8259 PICs. Returns false with a message on failure. */
bool lapic_map(phys_addr_t phys);

/* Enable this CPU's local APIC (software enable bit, spurious vector). */
void lapic_enable(void);

/* Whether lapic_map() succeeded. */
bool lapic_ready(void);

/* This CPU's APIC ID. */
uint32_t lapic_id(void);

/* Signal the end of an interrupt. */
void lapic_eoi(void);

/* Send an IPI (icr_low: mode | level | vector) to the CPU with this APIC ID
 * and wait until the APIC has delivered it. Returns false if it was still
 * pending after about 100 ms. */
bool lapic_send_ipi(uint32_t apic_id, uint32_t icr_low);

#endif /* ARCH_LAPIC_H */
