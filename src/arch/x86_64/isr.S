/*
 * isr.S - entry stubs for the 32 CPU exceptions.
 *
 * Some exceptions push an error code and some do not (nor do interrupts:
 * vectors 240 and 255 below); each stub pushes a 0
 * where the CPU did not, then the vector number, so that every exception
 * reaches exception_common with the same stack layout: struct
 * interrupt_frame in interrupts.h, read from the bottom up.
 */
	.section .text
	.code64

/* Vectors 8, 10-14, 17, 21, 29, 30 push an error code. */
.macro isr_no_error vector
isr_\vector:
	pushq $0
	pushq $\vector
	jmp exception_common
.endm
.macro isr_with_error vector
isr_\vector:
	pushq $\vector
	jmp exception_common
.endm

isr_no_error 0
isr_no_error 1
isr_no_error 2
isr_no_error 3
isr_no_error 4
isr_no_error 5
isr_no_error 6
isr_no_error 7
isr_with_error 8
isr_no_error 9
isr_with_error 10
isr_with_error 11
isr_with_error 12
isr_with_error 13
isr_with_error 14
isr_no_error 15
isr_no_error 16
isr_with_error 17
isr_no_error 18
isr_no_error 19
isr_no_error 20
isr_with_error 21
isr_no_error 22
isr_no_error 23
isr_no_error 24
isr_no_error 25
isr_no_error 26
isr_no_error 27
isr_no_error 28
isr_with_error 29
isr_with_error 30
isr_no_error 31
/* Interrupts of ours (lapic.h): the IPI vector and the APIC's spurious one. */
isr_no_error 240
isr_no_error 255

exception_common:
	pushq %rax
	pushq %rbx
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %rbp
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rsp, %rdi /* struct interrupt_frame * */
	cld
	call interrupt_entry
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rbp
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rbx
	popq %rax
	addq $16, %rsp /* vector and error code */
	iretq

	.section .rodata
	.balign 8
	.globl isr_stub_table, isr_stub_240, isr_stub_255
isr_stub_table:
.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.quad isr_\v
.endr
isr_stub_240:
	.quad isr_240
isr_stub_255:
	.quad isr_255

	/* No executable stack (tells the linker; otherwise it warns). */
	.section .note.GNU-stack, "", @progbits
