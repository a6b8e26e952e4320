/*
 * exceptions.c - what the kernel says when the CPU raises an exception: the
 * vector's name, the error code, where it happened, every general register,
 * CR2 and CR3, and for a page fault the error bits decoded into words. A
 * double fault caused by a kernel stack overflow is named as such first.
 * Then it stops through the fatal handler (fatal.h; the kernel registers
 * panic()): no exception is recoverable in this kernel yet.
 */
#include "interrupts.h"

#include <stddef.h>

#include "cpu.h"
#include "fatal.h"
#include "kstack.h"
#include "this_cpu.h"
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

static void print_registers(const struct interrupt_frame *f, uint64_t cr2)
{
	kprintf("\nEXCEPTION %lu (%s) error code 0x%lx on CPU %u\n", f->vector, exception_name(f->vector),
	        f->error_code, this_cpu_index_checked());
	kprintf("  RIP=%016lx CS=%04lx RFLAGS=%016lx\n", f->rip, f->cs, f->rflags);
	kprintf("  RSP=%016lx SS=%04lx\n", f->rsp, f->ss);
	kprintf("  RAX=%016lx RBX=%016lx RCX=%016lx RDX=%016lx\n", f->rax, f->rbx, f->rcx, f->rdx);
	kprintf("  RSI=%016lx RDI=%016lx RBP=%016lx\n", f->rsi, f->rdi, f->rbp);
	kprintf("  R8 =%016lx R9 =%016lx R10=%016lx R11=%016lx\n", f->r8, f->r9, f->r10, f->r11);
	kprintf("  R12=%016lx R13=%016lx R14=%016lx R15=%016lx\n", f->r12, f->r13, f->r14, f->r15);
	kprintf("  CR2=%016lx CR3=%016lx\n", cr2, read_cr3());
	if (f->vector == 14)
		print_page_fault_bits(f->error_code);
}

static void (*stack_overflow_hook)(void);

void exceptions_set_stack_overflow_hook(void (*fn)(void))
{
	stack_overflow_hook = fn;
}

/*
 * How a kernel stack overflow arrives: a write just below the stack lands
 * in its guard page and page-faults. The CPU then cannot push the page
 * fault's frame on that stack either (it would go into the guard too), so
 * it raises a double fault instead, which runs on the CPU's own IST1 stack
 * (gdt.h). CR2 then holds the guard address the CPU tried to write, and the
 * frame's RSP is where the stack stood: already inside the guard when a
 * function lowered RSP before writing, or at the very bottom of the stack
 * when a push or call was the write. If either is in a guard page, say
 * whose stack overflowed, dump the registers, run the kernel's hook (it
 * checks that the memory manager's tables below the stack are intact), and
 * stop.
 */
static void report_stack_overflow(const struct interrupt_frame *f, uint64_t cr2)
{
	unsigned owner;
	enum kstack_kind kind;
	bool rsp_in_guard = kstack_find_guard(f->rsp, &owner, &kind);
	if (!rsp_in_guard && !kstack_find_guard(cr2, &owner, &kind))
		return;
	struct kstack s = kstack_get(owner, kind);
	unsigned cpu = this_cpu_index_checked();
	if (rsp_in_guard)
		kprintf("\nkernel stack overflow on CPU %u: RSP=0x%lx in the guard page below [0x%lx-0x%lx) "
		        "(CPU %u's %s)\n",
		        cpu, f->rsp, s.bottom, s.top, owner, kstack_kind_name(kind));
	else
		kprintf(
		    "\nkernel stack overflow on CPU %u: RSP=0x%lx, a write to 0x%lx in the guard page below "
		    "[0x%lx-0x%lx) (CPU %u's %s)\n",
		    cpu, f->rsp, cr2, s.bottom, s.top, owner, kstack_kind_name(kind));
	print_registers(f, cr2);
	if (stack_overflow_hook != NULL)
		stack_overflow_hook();
	arch_fatal("kernel stack overflow on CPU %u (RSP 0x%lx)", cpu, f->rsp);
}

void exception_report(struct interrupt_frame *f)
{
	uint64_t cr2 = read_cr2();
	if (f->vector == 8)
		report_stack_overflow(f, cr2); /* returns only if it was not one */
	print_registers(f, cr2);
	arch_fatal("%s at RIP 0x%lx (CR2 0x%lx)", exception_name(f->vector), f->rip, cr2);
}
