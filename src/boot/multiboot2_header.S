/*
 * multiboot2_header.S - the header GRUB looks for in the first 32 KiB of
 * the kernel file. It says: i386 architecture (GRUB enters us in 32-bit
 * protected mode), which boot-information tags we would like, and ends.
 * The checksum makes magic + architecture + length + checksum == 0 (mod 2^32).
 */
#define MB2_HEADER_MAGIC 0xe85250d6
#define MB2_ARCH_I386 0

	.section .multiboot, "a"
	.balign 8
mb2_header_start:
	.long MB2_HEADER_MAGIC
	.long MB2_ARCH_I386
	.long mb2_header_end - mb2_header_start
	.long -(MB2_HEADER_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header_start))

	/* Information request (type 1). flags = 1: optional, so a boot loader
	 * that cannot give one of these still boots us. */
	.balign 8
mb2_info_request:
	.short 1
	.short 1
	.long mb2_info_request_end - mb2_info_request
	.long 1  /* command line */
	.long 2  /* boot loader name */
	.long 3  /* modules */
	.long 4  /* basic memory information */
	.long 6  /* memory map */
	.long 14 /* ACPI 1.0 RSDP */
	.long 15 /* ACPI 2.0+ RSDP */
	.long 21 /* image load base physical address */
mb2_info_request_end:

	/* End tag. */
	.balign 8
	.short 0
	.short 0
	.long 8
mb2_header_end:

	/* No executable stack (tells the linker; otherwise it warns). */
	.section .note.GNU-stack, "", @progbits
