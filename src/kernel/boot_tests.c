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

void boot_test_triple_fault(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) empty_idt = {.limit = 0, .base = 0};

	kprintf("test-triple-fault: loading an empty IDT, then ud2\n");
	/* cli: no interrupt may arrive between the two instructions and
	 * fault first, so the triple fault is the ud2's. */
	__asm__ volatile("cli\n\tlidt %0\n\tud2" : : "m"(empty_idt) : "memory");
	__builtin_unreachable(); /* the CPU resets at the ud2 */
}

void boot_test_null_read(void)
{
	kprintf("test-null: reading address 0\n");
	/* volatile: the compiler must really emit the load (a NULL dereference
	 * is undefined behaviour it could otherwise assume away). */
	volatile uint64_t *null_pointer = (volatile uint64_t *)0;
	uint64_t value = *null_pointer;
	panic("test-null: reading address 0 gave 0x%lx instead of a page fault", value);
}
