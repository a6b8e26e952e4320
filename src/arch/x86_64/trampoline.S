/*
 * trampoline.S - where the other CPUs (APs) start.
 *
 * An AP wakes up in 16-bit real mode at the physical page the STARTUP IPI
 * names (vector 0x08 -> 0x8000), with no stack and no paging. The BSP copies
 * this blob there (smp.c) and fills in trampoline_data first. Step by step:
 *   real mode  -> load our GDT, set CR0.PE, far jump to 32-bit code
 *   32-bit     -> CR4.PAE, CR3 = the kernel's tables, EFER = LME|NXE,
 *                 CR0.PG|WP, far jump to 64-bit code
 *   64-bit     -> stack from trampoline_data, jump to ap_main(cpu) in the
 *                 higher half
 * The code runs at 0x8000 both before and after paging is turned on; that
 * works only because the kernel's tables still identity-map low memory (the
 * low remap), which is why the remap exists until every AP is up.
 *
 * The blob is assembled into .rodata (it is only copied, never run there),
 * so every address inside it is computed as TRAMPOLINE_PHYS + offset.
 */
#define TRAMPOLINE_PHYS 0x8000
#define AT(label) (TRAMPOLINE_PHYS + (label - trampoline_start))

#define CR0_PE (1 << 0)
#define CR0_ET (1 << 4)
#define CR0_WP (1 << 16)
#define CR0_PG (1 << 31)
#define CR4_PAE (1 << 5)
#define MSR_EFER 0xc0000080

	.section .rodata
	.balign 16
	.globl trampoline_start, trampoline_end, trampoline_data
	.code16
trampoline_start:
	cli
	cld
	xorw %ax, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	lgdtl AT(tramp_gdt_pointer)
	/* A known CR0, not the reset value ORed: after INIT, CD and NW (caches
	 * disabled) may be set, and we want this CPU to cache like the BSP. */
	movl $(CR0_PE | CR0_ET), %eax
	movl %eax, %cr0
	ljmpl $0x08, $AT(tramp_protected)

	.code32
tramp_protected:
	movw $0x10, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movl %cr4, %eax
	orl $CR4_PAE, %eax
	movl %eax, %cr4
	movl AT(tramp_cr3), %eax
	movl %eax, %cr3
	movl $MSR_EFER, %ecx
	movl AT(tramp_efer), %eax
	xorl %edx, %edx
	wrmsr
	movl $(CR0_PE | CR0_ET | CR0_WP | CR0_PG), %eax
	movl %eax, %cr0
	ljmpl $0x18, $AT(tramp_long)

	.code64
tramp_long:
	movw $0x20, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movq AT(tramp_stack_top), %rsp
	movq AT(tramp_cpu), %rdi
	movq AT(tramp_entry), %rax
	xorl %ebp, %ebp
	/* A zero "return address": the stack is then aligned as a C function
	 * expects on entry (RSP + 8 a multiple of 16), and backtraces end here. */
	pushq $0
	jmp *%rax

	.balign 8
tramp_gdt:
	.quad 0                  /* null */
	.quad 0x00cf9a000000ffff /* 0x08: 32-bit code */
	.quad 0x00cf92000000ffff /* 0x10: 32-bit data */
	.quad 0x00af9a000000ffff /* 0x18: 64-bit code */
	.quad 0x00cf92000000ffff /* 0x20: data */
tramp_gdt_end:
tramp_gdt_pointer:
	.short tramp_gdt_end - tramp_gdt - 1
	.long AT(tramp_gdt)

	/* Filled in by the BSP for each AP (struct trampoline_data in smp.c). */
	.balign 8
trampoline_data:
tramp_cr3:
	.quad 0
tramp_efer:
	.quad 0
tramp_stack_top:
	.quad 0
tramp_entry:
	.quad 0
tramp_cpu:
	.quad 0
trampoline_end:

	/* No executable stack (tells the linker; otherwise it warns). */
	.section .note.GNU-stack, "", @progbits
