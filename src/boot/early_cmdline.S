/*
 * early_cmdline.S - does the multiboot2 command line hold the word `exit`?
 * Read by 32-bit code, right after GRUB's hand-over.
 *
 * Why a second reader of the command line: src/lib/cmdline.c parses it
 * fully, but only in 64-bit C, after the boot information is checked by
 * mb2_parse(). A panic before that point (a CPU without long mode in
 * entry32.S, broken boot information, an exception during the first steps
 * of kernel_main) must still end QEMU with status 35 when the command line
 * says `exit` (the exit contract, see src/kernel/panic.h). So entry32.S asks
 * this routine, stops with the answer if the CPU cannot go on, and
 * otherwise hands it to kernel_main, which uses it until cmdline_parse()
 * has run and then checks that both readers agree (panic_confirm_exit()).
 * The host test tests/host/test_early_cmdline.c runs this same code against
 * cmdline_parse() on many command lines.
 *
 * Rules, the same as cmdline.c's: words are separated by runs of ' ', '\t',
 * '\n', '\r'; the string ends at its NUL; `exit` matches only as a whole
 * word. Only the first command-line tag counts.
 *
 * It trusts nothing in the structure: total_size must be 16 .. 1 MiB (the
 * cap mb2_parse() uses, MB2_MAX_TOTAL_SIZE), every tag must lie inside
 * total_size, and the string is read up to the end of its tag at most.
 * Anything odd means "no `exit`", and the walk stops.
 *
 * The kernel assembles this as 32-bit code (paging is off, addresses are
 * physical). Host tests assemble the same instructions as 64-bit code
 * (STAGEOS_HOST): every address and size stays in 32-bit registers, so the
 * test keeps its boot information below 4 GiB (mmap with MAP_32BIT).
 */
#define MB2_TAG_END 0
#define MB2_TAG_CMDLINE 1
#define MB2_MIN_TOTAL_SIZE 16
#define MB2_MAX_TOTAL_SIZE (1024 * 1024)
#define WORD_EXIT 0x74697865 /* "exit" as a little-endian 32-bit load */

#ifdef STAGEOS_HOST
	.text
	.code64
#else
	.section .boot.text, "ax"
	.code32
#endif

/*
 * early_cmdline_has_exit
 *   in:       EBX = address of the multiboot2 boot information (the magic in
 *             EAX was already checked by the caller)
 *   out:      EAX = 1 if the command line holds the word `exit`, else 0
 *   clobbers: ECX, EDX, ESI, EDI, flags (EBX, EBP, ESP are kept)
 * The stack holds only return addresses (8 bytes at most in 32-bit mode).
 */
	.globl early_cmdline_has_exit
early_cmdline_has_exit:
	movl (%ebx), %ecx /* total_size */
	cmpl $MB2_MIN_TOTAL_SIZE, %ecx
	jb no_exit
	cmpl $MB2_MAX_TOTAL_SIZE, %ecx
	ja no_exit
	movl %ebx, %edi
	addl %ecx, %edi /* EDI = end of the structure */
	jc no_exit      /* wraps past 4 GiB: not a real structure */
	leal 8(%ebx), %esi /* ESI = first tag, after total_size and reserved */

	/* Walk the tags. Invariant: ESI <= EDI. */
next_tag:
	movl %edi, %ecx
	subl %esi, %ecx /* ECX = bytes left */
	cmpl $8, %ecx
	jb no_exit      /* no room for a tag header */
	movl 4(%esi), %edx /* EDX = tag size */
	cmpl $8, %edx
	jb no_exit
	cmpl %ecx, %edx
	ja no_exit      /* the tag ends past total_size */
	movl (%esi), %eax /* EAX = tag type */
	cmpl $MB2_TAG_END, %eax
	je no_exit
	cmpl $MB2_TAG_CMDLINE, %eax
	je found_cmdline
	addl $7, %edx   /* tags start 8-byte aligned: skip the padding too */
	andl $~7, %edx
	cmpl %ecx, %edx
	ja no_exit
	addl %edx, %esi
	jmp next_tag

found_cmdline:
	leal (%esi, %edx), %edi /* EDI = end of the tag: never read past it */
	addl $8, %esi           /* ESI = first byte of the string */

	/* Walk the words. ESI = next byte, EDI = limit, EDX = start of a word. */
skip_separators:
	cmpl %edi, %esi
	jae no_exit
	movzbl (%esi), %eax
	testl %eax, %eax
	jz no_exit
	call is_separator
	jne word_start
	incl %esi
	jmp skip_separators
word_start:
	movl %esi, %edx
word_end:
	incl %esi
	cmpl %edi, %esi
	jae check_word
	movzbl (%esi), %eax
	testl %eax, %eax
	jz check_word
	call is_separator
	jne word_end
check_word:
	movl %esi, %ecx
	subl %edx, %ecx
	cmpl $4, %ecx
	jne skip_separators
	cmpl $WORD_EXIT, (%edx)
	jne skip_separators
	movl $1, %eax
	ret
no_exit:
	xorl %eax, %eax
	ret

/* ZF set when the byte in AL is a separator: ' ', '\t', '\n' or '\r'
 * (is_separator() in src/lib/cmdline.c). Clobbers nothing else. */
is_separator:
	cmpb $' ', %al
	je 1f
	cmpb $'\t', %al
	je 1f
	cmpb $'\n', %al
	je 1f
	cmpb $'\r', %al
1:	ret

	/* No executable stack (tells the linker; otherwise it warns). */
	.section .note.GNU-stack, "", @progbits
