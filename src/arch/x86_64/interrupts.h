/*
 * interrupts.h - the IDT and what an exception handler sees.
 */
#ifndef ARCH_INTERRUPTS_H
#define ARCH_INTERRUPTS_H

#include <stdint.h>

/* The stack at exception_common's call, lowest address first: the general
 * registers isr.S pushed, the vector and error code, then what the CPU
 * pushed (RIP, CS, RFLAGS, RSP, SS). */
struct interrupt_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error_code;
	uint64_t rip, cs, rflags, rsp, ss;
};

/* Fill the IDT with the 32 exception stubs and load it. */
void idt_init(void);

/* Called by isr.S for every exception: prints the report and panics. */
void exception_handler(struct interrupt_frame *frame);

/* The name of exception vector v, e.g. "page fault". */
const char *exception_name(uint64_t vector);

#endif /* ARCH_INTERRUPTS_H */
