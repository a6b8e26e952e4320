/* idt.c - builds and loads the interrupt descriptor table (see
 * interrupts.h): the 32 exception vectors, plus our IPI vector and the
 * APIC's spurious vector. Everything arrives in interrupt_entry(). */
#include "interrupts.h"

#include "gdt.h"

struct idt_entry {
	uint16_t offset_low;
	uint16_t selector;
	uint8_t ist;  /* bits 0-2: IST slot, 0 = use the current stack */
	uint8_t type; /* 0x8e: present, DPL 0, 64-bit interrupt gate */
	uint16_t offset_mid;
	uint32_t offset_high;
	uint32_t reserved;
} __attribute__((packed));

struct idt_pointer {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

extern const uint64_t isr_stub_table[32], isr_stub_240, isr_stub_255;
static struct idt_entry idt[256];
static void (*handlers[256])(void);

static void set_gate(unsigned v, uint64_t addr, uint8_t ist)
{
	idt[v] = (struct idt_entry){
	    .offset_low = addr & 0xffff,
	    .selector = GDT_KERNEL_CODE,
	    .ist = ist,
	    .type = 0x8e,
	    .offset_mid = (addr >> 16) & 0xffff,
	    .offset_high = addr >> 32,
	};
}

void idt_load(void)
{
	struct idt_pointer ptr = {.limit = sizeof(idt) - 1, .base = (uint64_t)idt};
	__asm__ volatile("lidt %0" : : "m"(ptr));
}

void idt_init(void)
{
	for (unsigned v = 0; v < 32; v++)
		set_gate(v, isr_stub_table[v], v == 8 ? IST_DOUBLE_FAULT : 0);
	set_gate(240, isr_stub_240, 0);
	set_gate(255, isr_stub_255, 0);
	idt_load();
}

void idt_set_handler(uint8_t vector, void (*fn)(void))
{
	handlers[vector] = fn;
}

void interrupt_entry(struct interrupt_frame *frame)
{
	if (frame->vector < 32)
		exception_report(frame);
	/* The spurious vector has no handler and needs no EOI. */
	if (frame->vector < 256 && handlers[frame->vector])
		handlers[frame->vector]();
}
