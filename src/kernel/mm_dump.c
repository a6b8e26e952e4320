/*
 * mm_dump.c - the memory state as `dump` lines (see mm_dump.h and
 * docs/14-monitor.md, 14.1). Every line goes through emit(), which counts
 * it for the closing `dump end lines=N`.
 *
 * The owners of reserved memory are not stored anywhere as names: memblock
 * merges its reserved regions. They are worked out here from where each
 * thing is known to be: the first MiB and the kernel image (linker
 * symbols), the boot information and the modules (the boot information),
 * the kernel's page tables (the bump allocator's frames, which run from the
 * end of the image to the bump cursor) and the buddy's metadata (stage 5).
 */
#include "mm_dump.h"

#include <stdarg.h>

#include "arch/x86_64/smp.h"
#include "lib/format.h"
#include "mm/buddy.h"
#include "mm/bump.h"
#include "mm/memblock.h"
#include "mm/stages.h"
#include "mm/stage_order.h"
#include "mm/phys_area.h"

extern char __kernel_phys_start[], __kernel_phys_end[];
extern char early_tables_start[], early_tables_end[];

static unsigned dump_lines;

__attribute__((format(printf, 1, 2))) static void emit(const char *fmt, ...)
{
	char line[160];
	va_list ap;
	va_start(ap, fmt);
	kvsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	kprintf("dump %s\n", line);
	dump_lines++;
}

/* The dump's name of a memory-map type: one word, no spaces. */
static const char *firmware_type_word(uint32_t type)
{
	switch (type) {
	case PHYS_AREA_AVAILABLE: return "available";
	case PHYS_AREA_RESERVED: return "reserved";
	case PHYS_AREA_ACPI_RECLAIMABLE: return "acpi-reclaimable";
	case PHYS_AREA_ACPI_NVS: return "acpi-nvs";
	case PHYS_AREA_BADRAM: return "bad-ram";
	}
	return "unknown";
}

static void dump_firmware(const struct mb2_info *info)
{
	size_t i = 0;
	struct mb2_mmap_entry e;
	while (mb2_mmap_next(info, &i, &e)) {
		uint64_t end = e.base + e.length < e.base ? UINT64_MAX : e.base + e.length;
		emit("firmware 0x%lx 0x%lx type=%u name=%s", e.base, end, e.type, firmware_type_word(e.type));
	}
}

static void dump_owner(phys_addr_t start, phys_addr_t end, const char *name)
{
	if (end > start)
		emit("owner 0x%lx 0x%lx name=%s", start, end, name);
}

static void dump_owners(const struct mb2_info *info)
{
	phys_addr_t image_end = ALIGN_UP((phys_addr_t)(uintptr_t)__kernel_phys_end, PAGE_SIZE);
	dump_owner(0, MiB(1), "first-mib");
	dump_owner((phys_addr_t)(uintptr_t)__kernel_phys_start, image_end, "kernel-image");
	phys_addr_t boot_info = (phys_addr_t)(uintptr_t)info->base - PHYS_OFFSET;
	dump_owner(boot_info, boot_info + info->total_size, "boot-information");
	dump_owner((phys_addr_t)(uintptr_t)early_tables_start, (phys_addr_t)(uintptr_t)early_tables_end,
	           "early-page-tables");
	for (size_t i = 0; i < info->module_count; i++) {
		struct mb2_module m;
		char name[24];
		if (!mb2_module(info, i, &m))
			break;
		ksnprintf(name, sizeof(name), "module-%zu", i);
		dump_owner(m.start, m.end, name);
	}
	if (mm_stage_current() >= MM_STAGE_BUMP)
		dump_owner(image_end, bump_cursor(), "kernel-page-tables");
	phys_addr_t meta;
	uint64_t meta_bytes;
	if (mm_buddy_metadata(&meta, &meta_bytes))
		dump_owner(meta, meta + ALIGN_UP(meta_bytes, PAGE_SIZE), "buddy-metadata");
}

static void dump_memblock(void)
{
	for (size_t i = 0; i < memblock_memory_count(); i++) {
		const struct mm_range *r = memblock_memory_region(i);
		emit("memory 0x%lx 0x%lx", r->base, r->base + r->size_bytes);
	}
	for (size_t i = 0; i < memblock_reserved_count(); i++) {
		const struct mm_range *r = memblock_reserved_region(i);
		emit("reserved 0x%lx 0x%lx", r->base, r->base + r->size_bytes);
	}
}

/* buddy_for_each_free_block's visitor: ctx points at the order. */
static bool emit_free_block(void *ctx, phys_addr_t pa)
{
	unsigned order = *(const unsigned *)ctx;
	emit("free 0x%lx 0x%lx order=%u", pa, pa + (PAGE_SIZE << order), order);
	return true;
}

static void dump_buddy(void)
{
	for (unsigned order = 0; order <= BUDDY_MAX_ORDER; order++)
		buddy_for_each_free_block(order, emit_free_block, &order);
	for (unsigned order = 0; order <= BUDDY_MAX_ORDER; order++)
		emit("order %u blocks=%zu", order, buddy_free_blocks(order));
}

static const char *page_word(enum pt_page_size size)
{
	return size == PT_PAGE_1G ? "1G" : size == PT_PAGE_2M ? "2M" : "4K";
}

/* "rwx", "r-x", "rw-", "r--" for a run's flags. */
static void rights_word(unsigned flags, char out[4])
{
	out[0] = 'r';
	out[1] = (flags & PT_WRITE) ? 'w' : '-';
	out[2] = (flags & PT_EXEC) ? 'x' : '-';
	out[3] = '\0';
}

static bool emit_run(void *ctx, const struct pt_run *run)
{
	char rights[4];
	rights_word(run->flags, rights);
	emit("map 0x%lx 0x%lx pa=0x%lx page=%s rights=%s global=%d", run->start, run->end, run->pa,
	     page_word(run->size), rights, (run->flags & PT_GLOBAL) != 0);
	return true;
}

static void dump_cpus(void)
{
	unsigned known = smp_cpus_known();
	for (unsigned cpu = 0; cpu < known; cpu++) {
		uint32_t apic;
		bool online;
		if (smp_cpu_info(cpu, &apic, &online))
			emit("cpu %u apic=%u state=%s", cpu, apic, online ? "online" : "offline");
	}
}

void mm_dump_print(const struct mb2_info *info)
{
	enum mm_stage stage = mm_stage_current();
	dump_lines = 0;
	emit("begin version=1 source=kernel stage=%s", mm_stage_name(stage));
	dump_firmware(info);
	if (stage >= MM_STAGE_PHYS_AREAS)
		for (size_t i = 0; i < phys_memory_area_count; i++)
			emit("area 0x%lx 0x%lx", phys_memory_area[i].base,
			     phys_memory_area[i].base + phys_memory_area[i].size_bytes);
	if (stage >= MM_STAGE_MEMBLOCK) {
		dump_memblock();
		dump_owners(info);
	}
	if (stage >= MM_STAGE_BUDDY)
		dump_buddy();
	if (stage >= MM_STAGE_PAGING)
		pt_for_each_run(mm_kernel_space(), emit_run, NULL);
	dump_cpus();
	emit("end lines=%u", dump_lines + 1);
}

struct maps_print {
	bool wx_only;
	unsigned printed;
};

static bool print_run(void *ctx, const struct pt_run *run)
{
	struct maps_print *p = ctx;
	bool wx = (run->flags & (PT_WRITE | PT_EXEC)) == (PT_WRITE | PT_EXEC);
	if (p->wx_only && !wx)
		return true;
	char rights[4];
	rights_word(run->flags, rights);
	uint64_t bytes = run->end - run->start;
	kprintf("  [0x%016lx-0x%016lx) -> 0x%lx  %s  %lu x %s%s%s\n", run->start, run->end, run->pa, rights,
	        bytes / pt_page_bytes(run->size), page_word(run->size),
	        (run->flags & PT_GLOBAL) ? " global" : "", wx ? "  W+X!" : "");
	p->printed++;
	return true;
}

unsigned mm_dump_print_maps(bool wx_only)
{
	struct maps_print p = {.wx_only = wx_only};
	pt_for_each_run(mm_kernel_space(), print_run, &p);
	return p.printed;
}
