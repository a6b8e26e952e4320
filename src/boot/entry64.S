/*
 * entry64.S - the first higher-half instructions: a clean frame, then C.
 * EDI and ESI still hold the multiboot2 magic and the boot information's
 * physical address from entry32.S, EDX whether the command line says `exit`
 * (early_cmdline.S); zero-extend them into the C arguments.
 */
	.section .text
	.code64
	.globl higher_half_entry
higher_half_entry:
	movl %edi, %edi
	movl %esi, %esi
	movl %edx, %edx
	xorl %ebp, %ebp /* the end of the frame-pointer chain for backtraces */
	call kernel_main
1:	cli
	hlt
	jmp 1b

	/* The boot CPU's stack, boot_stack_higher, is laid out by linker.ld
	 * (section .stacks), above a guard page that is never mapped. */

	/* No executable stack (tells the linker; otherwise it warns). */
	.section .note.GNU-stack, "", @progbits
