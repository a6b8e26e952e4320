/* boot_tests.c - see boot_tests.h. */
#include "boot_tests.h"

#include <stdint.h>

#include "kernel/panic.h"
#include "lib/format.h"

void boot_test_page_fault(void)
{
	kprintf("test-pagefault: writing to 0x%llx\n", BOOT_TEST_FAULT_ADDR);
	*(volatile uint64_t *)BOOT_TEST_FAULT_ADDR = 0x5a;
	panic("test-pagefault: the write to 0x%llx did not fault", BOOT_TEST_FAULT_ADDR);
}
