/* boot_tests.c - see boot_tests.h. */
#include "boot_tests.h"

#include <stdint.h>

#include "arch/x86_64/kstack.h"
#include "kernel/panic.h"
#include "lib/format.h"
#include "mm/buddy.h"
#include "mm/mm_env.h"

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

/* Never equal to a depth the recursion reaches (the stack runs out long
 * before); volatile, so the compiler cannot prove the recursion endless
 * and turn it into something else. */
static volatile uint64_t recursion_stop = UINT64_MAX;

/* One level takes a frame of over 256 bytes: the volatile array must live
 * on the stack, and the addition after the call keeps it from being a
 * tail call, so every level keeps its frame. */
__attribute__((noinline)) static uint64_t recurse(uint64_t depth)
{
	volatile uint8_t frame[256];
	frame[0] = (uint8_t)depth;
	if (depth == recursion_stop)
		return depth;
	return recurse(depth + 1) + frame[0];
}

void boot_test_stack_overflow(void)
{
	struct kstack s = kstack_get(0, KSTACK_KERNEL);
	kprintf("test-stack-overflow: recursing without end on CPU 0's kernel stack [0x%lx-0x%lx)\n",
	        s.bottom, s.top);
	uint64_t result = recurse(0);
	panic("test-stack-overflow: the recursion returned 0x%lx instead of overflowing the stack", result);
}

void boot_test_use_after_free(void)
{
	phys_addr_t freed;
	enum mm_error err = buddy_alloc_pages(0, &freed);
	if (err == MM_OK)
		err = buddy_free_pages(freed, 0);
	if (err != MM_OK)
		panic("test-use-after-free: cannot allocate and free a page: %s", mm_strerror(err));
	/* volatile: a store to memory nobody reads afterwards must still happen. */
	volatile uint8_t *page = mm_phys_to_virt(freed);
	page[BOOT_TEST_UAF_OFFSET] = BOOT_TEST_UAF_VALUE;
	kprintf("test-use-after-free: freed page 0x%lx, then wrote 0x%x at offset 0x%x\n", freed,
	        BOOT_TEST_UAF_VALUE, BOOT_TEST_UAF_OFFSET);

	/* The freed page may have merged into a larger block, so the very next
	 * allocation need not return it; take pages until it comes back. The
	 * pages taken are never freed: this boot ends here either way. */
	phys_addr_t pa;
	uint64_t taken = 0;
	while ((err = buddy_alloc_pages(0, &pa)) == MM_OK) {
		taken++;
		if (pa == freed)
			panic("test-use-after-free: page 0x%lx came back after %lu allocations without a "
			      "use-after-free report (page poisoning is %s)",
			      freed, taken, buddy_poisoning() ? "on" : "off");
	}
	panic("test-use-after-free: page 0x%lx never came back (%s after %lu allocations)", freed,
	      mm_strerror(err), taken);
}
