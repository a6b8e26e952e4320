/*
 * main.c - kernel_main: the bring-up list, one step per line, in order.
 */
#include <stdint.h>

#include "arch/x86_64/fatal.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/interrupts.h"
#include "arch/x86_64/this_cpu.h"
#include "arch/x86_64/tsc.h"
#include "boot/multiboot2.h"
#include "drivers/serial8250/serial8250.h"
#include "kernel/boot_tests.h"
#include "kernel/mm_bringup.h"
#include "kernel/mm_dump.h"
#include "kernel/modules.h"
#include "kernel/monitor.h"
#include "kernel/selftest.h"
#include "kernel/smp_bringup.h"
#include "kernel/panic.h"
#include "lib/cmdline.h"
#include "lib/format.h"
#include "lib/log.h"
#include "mm/mm_types.h"

/* exit_early: whether entry32.S found the word `exit` on the command line
 * (early_cmdline.S), so that a panic before cmdline_parse() honours it. */
void kernel_main(uint32_t magic, uint64_t mbi_phys, uint32_t exit_early);

void kernel_main(uint32_t magic, uint64_t mbi_phys, uint32_t exit_early)
{
	panic_set_exit_on_finish(exit_early != 0);                   // until the command line is parsed
	exceptions_set_fatal_handler(panic_with_reason);             // arch errors end in panic()
	exceptions_set_stack_overflow_hook(mm_bringup_check_tables); // MM tables still intact?
	serial8250_init();                                           // COM1 console
	kprintf("\nStageOS booting\n");
	tsc_calibrate();      // the clock behind every stage's time
	gdt_init_boot_cpu();  // GDT and TSS (double-fault stack)
	this_cpu_init_boot(); // GS base: this CPU's index, which the MM reads at %gs:0
	idt_init();           // exception handlers
	kprintf("cpu: GDT, TSS and IDT loaded (32 exception handlers)\n");

	if (magic != MB2_BOOTLOADER_MAGIC)
		panic("kernel_main: bad multiboot2 magic 0x%x", magic);

	// Stage 1: read the boot information in place, through the direct map.
	struct mb2_info info;
	struct mb2_error err;
	if (mb2_parse((const void *)(uintptr_t)(PHYS_OFFSET + mbi_phys), MB2_MAX_TOTAL_SIZE, &info, &err) !=
	    MB2_OK) {
		char msg[200];
		mb2_error_format(&err, msg, sizeof(msg));
		panic("%s", msg);
	}
	struct cmdline_options opts;
	cmdline_parse(info.cmdline, &opts);      // exit, selftest, test words
	panic_confirm_exit_on_finish(opts.exit); // must agree with exit_early
	if (opts.debug)
		log_set_level(LOG_DEBUG);
	mm_bringup_page_poisoning(cmdline_page_poisoning(&opts)); // catch writes to freed pages
	mb2_print_summary(&info);
	modules_record_crc(&info); // CRC32 of every module, checked again later

	// The MM stages, in order (src/mm/stage_order.h maps each to its files).
	mm_bringup_phys_areas(&info);             // 1: memory map -> phys_memory_area[]
	mm_bringup_memblock(&info, mbi_phys);     // 2: memory and reserved regions
	mm_bringup_bump();                        // 3: first frames, after the kernel image
	mm_bringup_paging();                      // 4: paging: the kernel's own tables, CR3 switch
	mm_bringup_buddy();                       // 5: the buddy takes all free memory
	smp_bringup(&info, opts.test_ap_missing); // 6: other CPUs, then the low remap goes

	if (opts.test_pagefault)
		boot_test_page_fault(); // test only: never returns
	if (opts.test_null)
		boot_test_null_read(); // test only: never returns
	if (opts.test_triple_fault)
		boot_test_triple_fault(); // test only: the CPU resets
	if (opts.test_stack_overflow)
		boot_test_stack_overflow(); // test only: never returns
	if (opts.test_use_after_free)
		boot_test_use_after_free(); // test only: never returns
	if (opts.selftest)
		selftest_run(&info); // buddy stress, module integrity

	if (opts.debug)
		mm_dump_print(&info); // the MM state as dump lines (scripts/memviz.py)

	kprintf("KERNEL OK\n");
	if (!opts.exit)
		monitor_run(&info); // the MM monitor on COM1; never returns
	kernel_finish();            // exit: end QEMU with status 33
}
