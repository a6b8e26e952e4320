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
