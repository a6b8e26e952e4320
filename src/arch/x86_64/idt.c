/* idt.c - builds and loads the interrupt descriptor table (see
 * interrupts.h). Only the 32 exception vectors are set up: the kernel runs
 * with interrupts disabled so far. */
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

extern const uint64_t isr_stub_table[32];
static struct idt_entry idt[32];

void idt_init(void)
{
	for (int v = 0; v < 32; v++) {
		uint64_t addr = isr_stub_table[v];
		idt[v] = (struct idt_entry){
		    .offset_low = addr & 0xffff,
		    .selector = GDT_KERNEL_CODE,
		    .ist = v == 8 ? IST_DOUBLE_FAULT : 0,
		    .type = 0x8e,
		    .offset_mid = (addr >> 16) & 0xffff,
		    .offset_high = addr >> 32,
		};
	}
	struct idt_pointer ptr = {.limit = sizeof(idt) - 1, .base = (uint64_t)idt};
	__asm__ volatile("lidt %0" : : "m"(ptr));
}
