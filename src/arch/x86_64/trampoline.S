/*
 * trampoline.S - where the other CPUs (APs) start.
 *
 * An AP wakes up in 16-bit real mode at the physical page the STARTUP IPI
 * names (vector 0x08 -> 0x8000), with no stack and no paging. Every AP runs
 * this at the same time (smp.c starts them all at once). The BSP copies the
 * two blobs below to their pages (smp.c; addresses in trampoline.h) and
 * fills in trampoline_data once, for all of them. Step by step:
 *   real mode  -> load our GDT, set CR0.PE, far jump to 32-bit code
 *   32-bit     -> CR4.PAE, CR3 = the kernel's tables, EFER = LME|NXE,
 *                 CR0.PG|WP, far jump to 64-bit code
 *   64-bit     -> jump to ap_start64 in the higher half (end of this file)
 *   ap_start64 -> take a ticket t (lock xadd on ap_tickets in .bss); t below
 *                 the limit: the stack of CPU t + 1, then ap_main(t + 1);
 *                 else ap_park (no slot for this AP)
 * Up to the ticket an AP needs no memory of its own: it uses registers and
 * reads the shared, read-only data page, so any number of APs can run these
 * instructions together. The ticket is the only write, and it goes to the
 * kernel's .bss through the higher half (read/write there, no-execute),
 * never through the low identity mapping. With its ticket the AP knows its
 * slot: index t + 1, its kernel stack (kstack.h), its GDT/TSS in its
 * per-CPU record (smp.c).
 * The code runs at 0x8000 both before and after paging is turned on, and
 * reads its data at 0x9000 after it too; that works only because the
 * kernel's tables identity-map these two pages (the low remap of stage 4)
 * until every AP is up:
 *   code page 0x8000  R+X   everything from trampoline_code_start
 *   data page 0x9000  R, NX the GDT and the values the BSP fills in
 * After CR0.PG the AP only reads the data page (read-only with CR0.WP: a
 * write there faults). That includes the GDT: its descriptors have the
 * accessed bit set already, so loading a segment never makes the CPU write
 * it back.
 *
 * The blobs are assembled into .rodata (they are only copied, never run
 * there), so every address inside them is computed as page + offset.
 */
#include "trampoline.h"

#define CODE(label) (TRAMPOLINE_CODE_PHYS + (label - trampoline_code_start))
#define DATA(label) (TRAMPOLINE_DATA_PHYS + (label - trampoline_data_start))

#define CR0_PE (1 << 0)
#define CR0_ET (1 << 4)
#define CR0_WP (1 << 16)
#define CR0_PG (1 << 31)
#define CR4_PAE (1 << 5)
#define MSR_EFER 0xc0000080

	.section .rodata
	.balign 16
	.globl trampoline_code_start, trampoline_code_end
	.globl trampoline_data_start, trampoline_data_end, trampoline_data
	.code16
trampoline_code_start:
	cli
	cld
	xorw %ax, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	lgdtl DATA(tramp_gdt_pointer)
	/* A known CR0, not the reset value ORed: after INIT, CD and NW (caches
	 * disabled) may be set, and we want this CPU to cache like the BSP. */
	movl $(CR0_PE | CR0_ET), %eax
	movl %eax, %cr0
	ljmpl $0x08, $CODE(tramp_protected)

	.code32
tramp_protected:
	movw $0x10, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movl %cr4, %eax
	orl $CR4_PAE, %eax
	movl %eax, %cr4
	movl DATA(tramp_cr3), %eax
	movl %eax, %cr3
	movl $MSR_EFER, %ecx
	movl DATA(tramp_efer), %eax
	xorl %edx, %edx
	wrmsr
	movl $(CR0_PE | CR0_ET | CR0_WP | CR0_PG), %eax
	movl %eax, %cr0
	ljmpl $0x18, $CODE(tramp_long)

	.code64
tramp_long:
	movw $0x20, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movq DATA(tramp_entry), %rax
	jmp *%rax                     /* to ap_start64, in the higher half */

trampoline_code_end:
	.if trampoline_code_end - trampoline_code_start > 4096
	.error "the trampoline code does not fit in its page"
	.endif

	/* The data page. The BSP fills in the first two fields once, for all
	 * APs (struct trampoline_data in smp.c mirrors them); the third, where
	 * the AP jumps in the higher half, is known at link time. */
	.balign 8
trampoline_data_start:
trampoline_data:
tramp_cr3:
	.quad 0
tramp_efer:
	.quad 0
tramp_entry:
	.quad ap_start64
	/* Accessed bit (bit 40) set in every descriptor: see the top. */
tramp_gdt:
	.quad 0                  /* null */
	.quad 0x00cf9b000000ffff /* 0x08: 32-bit code */
	.quad 0x00cf93000000ffff /* 0x10: 32-bit data */
	.quad 0x00af9b000000ffff /* 0x18: 64-bit code */
	.quad 0x00cf93000000ffff /* 0x20: data */
tramp_gdt_end:
tramp_gdt_pointer:
	.short tramp_gdt_end - tramp_gdt - 1
	.long DATA(tramp_gdt)
trampoline_data_end:
	.if trampoline_data_end - trampoline_data_start > 4096
	.error "the trampoline data does not fit in its page"
	.endif

	/*
	 * The rest runs in the kernel image (.text, higher half), where the
	 * trampoline jumps with no stack yet. Every AP may be here at once.
	 *
	 * ap_start64: take a ticket t (an atomic fetch-and-add on ap_tickets
	 * in .bss, so no two APs get the same; the write goes through the
	 * higher half, read/write and no-execute there). t below
	 * ap_ticket_limit: the AP owns slot t + 1, so its kernel stack top is
	 * ap_stack_top_first + t * ap_stack_stride (kstack.h); switch to it
	 * and call ap_main(t + 1). Otherwise there is no slot for it: park.
	 * (smp.c sets the three values before the first STARTUP IPI.)
	 */
	.text
	.code64
	.globl ap_start64, ap_park
ap_start64:
	movl $1, %eax
	lock xaddl %eax, ap_tickets(%rip)
	cmpl ap_ticket_limit(%rip), %eax
	jae ap_park
	movl %eax, %edi               /* rdi = t (the upper half cleared) */
	movq ap_stack_stride(%rip), %rax
	imulq %rdi, %rax
	addq ap_stack_top_first(%rip), %rax
	movq %rax, %rsp               /* CPU t + 1's kernel stack */
	incl %edi                     /* ap_main's argument: index t + 1 */
	xorl %ebp, %ebp
	/* A zero "return address": the stack is then aligned as a C function
	 * expects on entry (RSP + 8 a multiple of 16), and backtraces end here. */
	pushq $0
	jmp ap_main

	/* An AP without a slot (more APs woke than were given one, or the BSP
	 * has stopped waiting) halts here, in the higher half: the low pages
	 * are unmapped once stage 6 is over. It needs no stack and keeps
	 * interrupts off; smp.c sends an INIT to every CPU that did not come
	 * online, which puts it back to waiting for a STARTUP IPI. */
ap_park:
	cli
	hlt
	jmp ap_park

	/* No executable stack (tells the linker; otherwise it warns). */
	.section .note.GNU-stack, "", @progbits
