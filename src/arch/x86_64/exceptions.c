/*
 * exceptions.c - what the kernel says when the CPU raises an exception: the
 * vector's name, the error code, where it happened, every general register,
 * CR2 and CR3, and for a page fault the error bits decoded into words. Then
 * it panics: no exception is recoverable in this kernel yet.
 */
#include "interrupts.h"

#include "cpu.h"
#include "smp.h"
#include "smp.h"
#include "kernel/panic.h"
#include "lib/format.h"

static const char *const names[32] = {
    "divide error",
    "debug",
    "non-maskable interrupt",
    "breakpoint",
    "overflow",
    "bound range exceeded",
    "invalid opcode",
    "device not available",
    "double fault",
    "coprocessor segment overrun",
    "invalid TSS",
    "segment not present",
    "stack-segment fault",
    "general protection fault",
    "page fault",
    "reserved (15)",
    "x87 floating-point error",
    "alignment check",
    "machine check",
    "SIMD floating-point error",
    "virtualization exception",
    "control protection exception",
    "reserved (22)",
    "reserved (23)",
    "reserved (24)",
    "reserved (25)",
    "reserved (26)",
    "reserved (27)",
    "hypervisor injection",
    "VMM communication",
    "security exception",
    "reserved (31)",
};

const char *exception_name(uint64_t vector)
{
	return vector < 32 ? names[vector] : "unknown";
}

#define PF_PRESENT  (1u << 0)
#define PF_WRITE    (1u << 1)
#define PF_USER     (1u << 2)
#define PF_RESERVED (1u << 3)
#define PF_IFETCH   (1u << 4)

/* "not-present write, supervisor, ..." from the page-fault error code. */
static void print_page_fault_bits(uint64_t err)
{
	kprintf("  page fault: %s, %s, %s, %s, %s\n",
	        err & PF_PRESENT ? "protection violation (page present)" : "page not present",
	        err & PF_WRITE ? "write" : "read", err & PF_USER ? "user mode" : "supervisor mode",
	        err & PF_RESERVED ? "reserved bit set" : "no reserved bit",
	        err & PF_IFETCH ? "instruction fetch" : "data access");
}

void exception_report(struct interrupt_frame *f)
{
	uint64_t cr2 = read_cr2();
	kprintf("\nEXCEPTION %lu (%s) error code 0x%lx on CPU %u\n", f->vector, exception_name(f->vector),
	        f->error_code, smp_this_cpu());
	kprintf("  RIP=%016lx CS=%04lx RFLAGS=%016lx\n", f->rip, f->cs, f->rflags);
	kprintf("  RSP=%016lx SS=%04lx\n", f->rsp, f->ss);
	kprintf("  RAX=%016lx RBX=%016lx RCX=%016lx RDX=%016lx\n", f->rax, f->rbx, f->rcx, f->rdx);
	kprintf("  RSI=%016lx RDI=%016lx RBP=%016lx\n", f->rsi, f->rdi, f->rbp);
	kprintf("  R8 =%016lx R9 =%016lx R10=%016lx R11=%016lx\n", f->r8, f->r9, f->r10, f->r11);
	kprintf("  R12=%016lx R13=%016lx R14=%016lx R15=%016lx\n", f->r12, f->r13, f->r14, f->r15);
	kprintf("  CR2=%016lx CR3=%016lx\n", cr2, read_cr3());
	if (f->vector == 14)
		print_page_fault_bits(f->error_code);
	panic("%s at RIP 0x%lx (CR2 0x%lx)", exception_name(f->vector), f->rip, cr2);
}
