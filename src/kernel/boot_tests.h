/*
 * boot_tests.h - deliberate failures that the boot tests provoke through
 * test-only command-line words, to check that the kernel reports them well.
 */
#ifndef KERNEL_BOOT_TESTS_H
#define KERNEL_BOOT_TESTS_H

/* An address no stage ever maps: in the lower half, above every identity
 * mapping, and easy to spot in a register dump. */
#define BOOT_TEST_FAULT_ADDR 0x00000deadbeef000ULL

/* "test-pagefault": write to BOOT_TEST_FAULT_ADDR. The page-fault handler
 * must report vector 14, "page not present, write, supervisor mode" and
 * CR2 = the address, then panic. */
__attribute__((noreturn)) void boot_test_page_fault(void);

/* "test-null": read address 0 once the low identity remap is gone. The
 * report must say "page not present, read" with CR2 = 0. */
__attribute__((noreturn)) void boot_test_null_read(void);

/* "test-triple-fault": load an empty IDT (limit 0), then execute ud2. The
 * invalid-opcode exception finds no gate, so the CPU raises #GP, finds no
 * gate for that either, raises #DF, and with no gate for #DF it shuts down
 * (a triple fault): the machine resets, nothing is printed. QEMU with
 * -no-reboot then exits with status 0, which every script reports as "the
 * CPU reset (triple fault)". */
__attribute__((noreturn)) void boot_test_triple_fault(void);
/* "test-stack-overflow": recurse without end on the boot CPU's kernel
 * stack. The write below its bottom must fault in the guard page and come
 * back as a double fault reported as "kernel stack overflow on CPU 0: ...",
 * with memblock's and the buddy's tables (just below the stack, in .bss)
 * still consistent, then the panic. */
__attribute__((noreturn)) void boot_test_stack_overflow(void);
/* "test-use-after-free": the byte offset and the value written into a
 * page after it was freed. */
#define BOOT_TEST_UAF_OFFSET 0x468
#define BOOT_TEST_UAF_VALUE  0x5a

/* "test-use-after-free": allocate a page, free it, write BOOT_TEST_UAF_VALUE
 * at BOOT_TEST_UAF_OFFSET through the direct map, then allocate pages until
 * the buddy hands that page out again. With page poisoning on, that
 * allocation must panic with "use after free: page <the page> changed at
 * offset 0x468 after it was freed"; if the page comes back unreported (or
 * never comes back), this panics saying so. */
__attribute__((noreturn)) void boot_test_use_after_free(void);

#endif /* KERNEL_BOOT_TESTS_H */
