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

/* Fill the IDT with the 32 exception stubs and our two interrupt vectors,
 * and load it on this CPU. */
void idt_init(void);

/* Load the (already built) IDT on another CPU. */
void idt_load(void);

/* Called by isr.S for every vector: exceptions go to exception_report(),
 * interrupts to the handler set with idt_set_handler(). */
void interrupt_entry(struct interrupt_frame *frame);

/* Run fn for interrupt vector v (>= 32); fn sends the EOI if one is due. */
void idt_set_handler(uint8_t vector, void (*fn)(void));

/* Print the exception report and stop through arch_fatal() (fatal.h). */
__attribute__((noreturn)) void exception_report(struct interrupt_frame *frame);

/* After a stack-overflow report, before stopping, call fn (the kernel uses
 * it to check the MM tables); nothing is called until one is set. */
void exceptions_set_stack_overflow_hook(void (*fn)(void));

/* The name of exception vector v, e.g. "page fault". */
const char *exception_name(uint64_t vector);

#endif /* ARCH_INTERRUPTS_H */
