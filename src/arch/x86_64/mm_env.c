/*
 * mm_env.c - the kernel's side of src/mm/mm_env.h: physical memory is
 * reached through the direct map at PHYS_OFFSET (the early tables map the
 * first 4 GiB there; the kernel's own tables map all RAM), CR3 is the root
 * table, invlpg and CR3/CR4 reloads flush the TLB, and logging goes to the
 * console through src/lib/log.h, at the line's level.
 */
#include "mm/mm_env.h"

#include <stdarg.h>

#include "cpu.h"
#include "lib/format.h"
#include "lib/log.h"
#include "tsc.h"

void *mm_phys_to_virt(phys_addr_t pa)
{
	return (void *)(uintptr_t)(PHYS_OFFSET + pa);
}

phys_addr_t mm_read_root_table(void)
{
	return read_cr3() & ~0xfffULL;
}

void mm_load_root_table(phys_addr_t root)
{
	write_cr3(root);
}

void mm_tlb_flush_page(virt_addr_t va)
{
	invlpg(va);
}

void mm_tlb_flush_all(void)
{
	uint64_t cr4 = read_cr4();
	if (cr4 & CR4_PGE) {
		/* Global pages survive a CR3 reload; toggling PGE drops them too. */
		write_cr4(cr4 & ~CR4_PGE);
		write_cr4(cr4);
	} else {
		write_cr3(read_cr3());
	}
}

void mm_cpu_relax(void)
{
	__asm__ volatile("pause");
}

uint64_t mm_clock_us(void)
{
	return tsc_now_us();
}

void mm_log_at(enum mm_log_level level, const char *fmt, ...)
{
	/* The MM levels in their order are src/lib/log.h's, which adds the
	 * prefix and drops debug lines unless the `debug` word raised the
	 * threshold. */
	static const enum log_level kernel_level[] = {
	    [MM_LOG_ERROR] = LOG_ERROR,
	    [MM_LOG_WARN] = LOG_WARN,
	    [MM_LOG_INFO] = LOG_INFO,
	    [MM_LOG_DEBUG] = LOG_DEBUG,
	};
	va_list ap;
	va_start(ap, fmt);
	vklog((unsigned)level <= MM_LOG_DEBUG ? kernel_level[level] : LOG_ERROR, fmt, ap);
	va_end(ap);
}
