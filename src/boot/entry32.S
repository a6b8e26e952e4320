/*
 * entry32.S - from GRUB's hand-over to kernel_main.
 *
 * GRUB enters _start in 32-bit protected mode, paging off, interrupts off,
 * EAX = 0x36d76289 (the multiboot2 magic) and EBX = the physical address of
 * the boot information. We:
 *   1. keep EAX/EBX (on the boot stack, then in EDI/ESI: the first two C
 *      arguments of kernel_main),
 *   2. check the magic, read whether the command line holds `exit`
 *      (early_cmdline.S), and check that the CPU has long mode; if not, say
 *      why on COM1 and stop: with `exit`, QEMU ends with status 35 (the
 *      exit contract); after a bad magic there is no command line to read,
 *      so the CPU halts,
 *   3. build early page tables: the first 4 GiB identity-mapped and also at
 *      PHYS_OFFSET (the direct map), the first 2 GiB at KERNEL_VIRT_BASE,
 *      all with 2 MiB pages,
 *   4. enable PAE, EFER.LME (+ EFER.NXE when the CPU has NX), paging and
 *      CR0.WP, load a 64-bit GDT and far-jump into 64-bit code,
 *   5. clear .bss, switch to the higher-half stack and call
 *      kernel_main(magic, mbi, exit_early): EDX carries the `exit` answer.
 * This code and its data are linked at their physical address (1 MiB).
 */
#include "arch/x86_64/qemu_exit.h"

#define MB2_BOOTLOADER_MAGIC 0x36d76289
#define COM1 0x3f8

#define PTE_PRESENT 0x1
#define PTE_WRITE 0x2
#define PTE_HUGE 0x80
#define PTE_TABLE (PTE_PRESENT | PTE_WRITE)
#define PTE_2M (PTE_PRESENT | PTE_WRITE | PTE_HUGE)

#define CR0_WP (1 << 16)
#define CR0_PG (1 << 31)
#define CR4_PAE (1 << 5)
#define MSR_EFER 0xc0000080
#define EFER_LME (1 << 8)
#define EFER_NXE (1 << 11)

	.section .boot.text, "ax"
	.code32
	.globl _start
_start:
	cli
	cld
	movl $boot_stack_top, %esp
	pushl %ebx /* boot information, physical */
	pushl %eax /* magic */

	cmpl $MB2_BOOTLOADER_MAGIC, %eax
	jne bad_magic

	/* Before any check that can fail: is `exit` on the command line? */
	call early_cmdline_has_exit
	pushl %eax /* 1 = `exit`: how the boot must end if it fails */

	/* Long mode needs CPUID leaf 0x80000001, EDX bit 29. (CPUID itself
	 * exists on every CPU that can run a 64-bit kernel.) */
	movl $0x80000000, %eax
	cpuid
	cmpl $0x80000001, %eax
	jb no_long_mode
	movl $0x80000001, %eax
	cpuid
	testl $(1 << 29), %edx
	jz no_long_mode
	movl %edx, %ebp /* keep the feature bits: bit 20 says NX exists */

	/* Clear the early tables (GRUB zeroes .bss, but we do not rely on it). */
	movl $early_tables_start, %edi
	movl $(early_tables_end - early_tables_start) / 4, %ecx
	xorl %eax, %eax
	rep stosl

	/* PML4[0] (identity) and PML4[256] (PHYS_OFFSET) share one PDPT whose
	 * four entries cover 0..4 GiB; PML4[511] -> a PDPT whose entries 510
	 * and 511 (the top 2 GiB) reuse the PDs of 0..2 GiB. */
	movl $(early_pdpt_low + PTE_TABLE), early_pml4
	movl $(early_pdpt_low + PTE_TABLE), early_pml4 + 256 * 8
	movl $(early_pdpt_high + PTE_TABLE), early_pml4 + 511 * 8
	movl $(early_pd + PTE_TABLE), early_pdpt_low + 0 * 8
	movl $(early_pd + 4096 + PTE_TABLE), early_pdpt_low + 1 * 8
	movl $(early_pd + 8192 + PTE_TABLE), early_pdpt_low + 2 * 8
	movl $(early_pd + 12288 + PTE_TABLE), early_pdpt_low + 3 * 8
	movl $(early_pd + PTE_TABLE), early_pdpt_high + 510 * 8
	movl $(early_pd + 4096 + PTE_TABLE), early_pdpt_high + 511 * 8

	/* The four PDs: entry i maps 2 MiB page i (physical i * 2 MiB). The
	 * high half of each entry stays 0 since everything is below 4 GiB. */
	movl $early_pd, %edi
	movl $PTE_2M, %eax
	movl $2048, %ecx
1:	movl %eax, (%edi)
	addl $0x200000, %eax
	addl $8, %edi
	loop 1b

	/* Paging with PAE is what long mode requires. */
	movl %cr4, %eax
	orl $CR4_PAE, %eax
	movl %eax, %cr4
	movl $early_pml4, %eax
	movl %eax, %cr3

	/* EFER.LME asks for long mode; EFER.NXE makes bit 63 of an entry mean
	 * no-execute (and a fault if set without NXE, so only when supported). */
	movl $MSR_EFER, %ecx
	rdmsr
	orl $EFER_LME, %eax
	testl $(1 << 20), %ebp
	jz 2f
	orl $EFER_NXE, %eax
2:	wrmsr

	/* Paging on activates long mode (compatibility mode until the far
	 * jump); WP makes read-only pages read-only for the kernel too. */
	movl %cr0, %eax
	orl $(CR0_PG | CR0_WP), %eax
	movl %eax, %cr0

	lgdt early_gdt_pointer
	popl %edx /* `exit`, the third argument (RDMSR/WRMSR are done with EDX) */
	popl %edi /* magic */
	popl %esi /* boot information */
	ljmp $0x08, $long_mode_entry

/* Print the NUL-terminated string at ESI on COM1, then end QEMU with
 * status 35 if EBX is 1 (`exit`), else halt. GRUB already programmed the
 * UART when its serial terminal is on; we only transmit. */
bad_magic:
	movl $msg_bad_magic, %esi
	xorl %ebx, %ebx /* EBX is no multiboot2 structure: no `exit` to read */
	jmp die
no_long_mode:
	movl $msg_no_long_mode, %esi
	movl (%esp), %ebx /* what early_cmdline_has_exit said */
die:
	movw $(COM1 + 5), %dx /* line status register */
3:	inb %dx, %al
	testb $0x20, %al      /* transmitter holding register empty? */
	jz 3b
	lodsb
	testb %al, %al
	jz 4f
	movw $COM1, %dx
	outb %al, %dx
	jmp die
4:	testl %ebx, %ebx
	jz 5f
	movw $QEMU_EXIT_PORT, %dx
	movl $QEMU_EXIT_FAILURE, %eax
	outl %eax, %dx /* QEMU exits with status 35 here */
5:	cli
	hlt
	jmp 5b

	.code64
long_mode_entry:
	movw $0x10, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	xorw %ax, %ax
	movw %ax, %fs
	movw %ax, %gs
	/* Clear .bss ourselves instead of trusting the loader to have done
	 * it (the stack we switch to next lives there). EDI/ESI are kept. */
	movl %edi, %r8d
	movl %esi, %r9d
	movabsq $__bss_start, %rdi
	movabsq $__bss_end, %rcx
	subq %rdi, %rcx
	shrq $3, %rcx
	xorl %eax, %eax
	rep stosq
	movl %r8d, %edi
	movl %r9d, %esi
	/* From here on the kernel runs at its link address in the top 2 GiB. */
	movabsq $boot_stack_higher_top, %rsp
	movabsq $higher_half_entry, %rax
	jmp *%rax

	.section .boot.data, "a"
	.balign 8
early_gdt:
	.quad 0                  /* null */
	.quad 0x00af9a000000ffff /* 0x08: 64-bit code, present, DPL 0 */
	.quad 0x00cf92000000ffff /* 0x10: data, present, writable */
early_gdt_end:
early_gdt_pointer:
	.short early_gdt_end - early_gdt - 1
	.long early_gdt

msg_bad_magic:
	.asciz "KERNEL PANIC: boot: not started by a multiboot2 boot loader (bad magic in EAX)\r\n"
msg_no_long_mode:
	.asciz "KERNEL PANIC: boot: this CPU has no long mode (64-bit); StageOS needs x86_64\r\n"

	.section .boot.bss, "aw", @nobits
	.balign 4096
	.globl early_pml4
early_tables_start:
early_pml4:
	.skip 4096
early_pdpt_low:
	.skip 4096
early_pdpt_high:
	.skip 4096
early_pd:
	.skip 4 * 4096
early_tables_end:
	.globl early_tables_start, early_tables_end
boot_stack:
	.skip 4096
boot_stack_top:

	/* No executable stack (tells the linker; otherwise it warns). */
	.section .note.GNU-stack, "", @progbits
