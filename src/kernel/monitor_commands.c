/*
 * monitor_commands.c - what each monitor command does (see monitor.h and
 * docs/14-monitor.md). Arguments are checked here and every refusal names
 * the argument and the value; the MM functions called return errors as
 * values, so a bad address or order is reported, never acted on.
 */
#include "monitor.h"

#include "arch/x86_64/qemu_exit.h"
#include "arch/x86_64/smp.h"
#include "arch/x86_64/this_cpu.h"
#include "kernel/mm_dump.h"
#include "kernel/selftest.h"
#include "lib/format.h"
#include "lib/kstring.h"
#include "lib/number.h"
#include "mm/buddy.h"
#include "mm/memblock.h"
#include "mm/stages.h"
#include "mm/stage_order.h"
#include "mm/phys_area.h"

#define PEEK_DEFAULT_BYTES 64
#define PEEK_MAX_BYTES     512
#define BUDDY_LIST_MAX     32 /* blocks `buddy ORDER` lists before "... and N more" */

static const struct mb2_info *boot_info;

void monitor_commands_init(const struct mb2_info *info)
{
	boot_info = info;
}

/* Parse argument `what` of command `cmd`; false (with a message) when it
 * is not a number or is above max. */
static bool number_arg(const char *cmd, const char *what, const char *text, uint64_t max, uint64_t *out)
{
	if (!parse_u64(text, out)) {
		kprintf("%s: %s '%s' is not a number (decimal, or hexadecimal with 0x)\n", cmd, what, text);
		return false;
	}
	if (*out > max) {
		kprintf("%s: %s %s is out of range (0 to %lu)\n", cmd, what, text, max);
		return false;
	}
	return true;
}

static bool order_arg(const char *cmd, const char *text, unsigned *order)
{
	uint64_t v;
	if (!number_arg(cmd, "ORDER", text, BUDDY_MAX_ORDER, &v))
		return false;
	*order = (unsigned)v;
	return true;
}

/* Commands that need the buddy say so before stage 5. */
static bool buddy_ready(const char *cmd)
{
	if (mm_stage_current() >= MM_STAGE_BUDDY)
		return true;
	kprintf("%s: the buddy allocator is not running (stage %s)\n", cmd,
	        mm_stage_name(mm_stage_current()));
	return false;
}

static void cmd_help(int argc, char **argv)
{
	for (unsigned i = 0; i < monitor_command_count; i++) {
		const struct monitor_command *c = &monitor_commands[i];
		char usage[40];
		ksnprintf(usage, sizeof(usage), "%s %s", c->name, c->args);
		kprintf("  %-22s %s\n", usage, c->help);
	}
}

static void cmd_stage(int argc, char **argv)
{
	enum mm_stage now = mm_stage_current();
	kprintf("MM stage: %s (%d of %d)\n", mm_stage_name(now), (int)now, (int)MM_STAGE_SMP);
	for (int s = MM_STAGE_PHYS_AREAS; s <= MM_STAGE_SMP; s++)
		kprintf("  %d %-17s %s\n", s, mm_stage_name((enum mm_stage)s),
		        s <= (int)now ? "done" : "not yet");
}

static void cmd_areas(int argc, char **argv)
{
	phys_area_dump();
	kprintf("%zu other memory-map entries recorded\n", phys_other_area_count);
}

static void cmd_memblock(int argc, char **argv)
{
	memblock_dump();
}

struct block_list {
	unsigned order;
	size_t shown;
};

static bool print_block(void *ctx, phys_addr_t pa)
{
	struct block_list *l = ctx;
	if (l->shown < BUDDY_LIST_MAX)
		kprintf("  [0x%lx-0x%lx)\n", pa, pa + (PAGE_SIZE << l->order));
	l->shown++;
	return true;
}

static void cmd_buddy(int argc, char **argv)
{
	if (!buddy_ready(argv[0]))
		return;
	if (argc == 1) {
		buddy_dump();
		return;
	}
	unsigned order;
	if (!order_arg(argv[0], argv[1], &order))
		return;
	struct block_list l = {.order = order};
	kprintf("order %u (%lu KiB blocks): %zu free\n", order, (PAGE_SIZE << order) >> 10,
	        buddy_free_blocks(order));
	buddy_for_each_free_block(order, print_block, &l);
	if (l.shown > BUDDY_LIST_MAX)
		kprintf("  ... and %zu more\n", l.shown - BUDDY_LIST_MAX);
}

static void cmd_cpus(int argc, char **argv)
{
	unsigned known = smp_cpus_known(), here = this_cpu_index();
	kprintf("%u of %u CPUs online\n", smp_cpus_online(), known);
	for (unsigned cpu = 0; cpu < known; cpu++) {
		uint32_t apic;
		bool online;
		if (smp_cpu_info(cpu, &apic, &online))
			kprintf("  cpu %u: APIC id %u, %s%s\n", cpu, apic, online ? "online" : "offline",
			        cpu == here ? " (running the monitor)" : "");
	}
}

static void cmd_alloc(int argc, char **argv)
{
	unsigned order;
	if (!buddy_ready(argv[0]) || !order_arg(argv[0], argv[1], &order))
		return;
	phys_addr_t pa;
	enum mm_error err = buddy_alloc_pages(order, &pa);
	if (err != MM_OK) {
		kprintf("alloc: order %u refused: %s\n", order, mm_strerror(err));
		return;
	}
	kprintf("0x%lx (order %u, %lu KiB)\n", pa, order, (PAGE_SIZE << order) >> 10);
}

static void cmd_free(int argc, char **argv)
{
	uint64_t pa;
	unsigned order;
	if (!buddy_ready(argv[0]) || !number_arg(argv[0], "PA", argv[1], UINT64_MAX, &pa) ||
	    !order_arg(argv[0], argv[2], &order))
		return;
	enum mm_error err = buddy_free_pages(pa, order);
	if (err != MM_OK)
		kprintf("free: 0x%lx order %u refused: %s\n", pa, order, mm_strerror(err));
	else
		kprintf("freed 0x%lx (order %u)\n", pa, order);
}

static bool virt_arg(const char *cmd, const char *text, virt_addr_t *va)
{
	return number_arg(cmd, "VA", text, UINT64_MAX, va);
}

/* One page-table entry, decoded: the bits a student looks for. */
static void print_entry(const struct pt_walk_step *s)
{
	static const char *const names[] = {"", "PT", "PD", "PDPT", "PML4"};
	uint64_t e = s->entry;
	kprintf("  %-4s[%3u] in table 0x%lx: 0x%016lx", names[s->level], s->index, s->table, e);
	if (!(e & PTE_P)) {
		kprintf("  not present\n");
		return;
	}
	kprintf("  P%s%s%s%s%s%s -> 0x%lx\n", (e & PTE_RW) ? " RW" : " RO", (e & PTE_US) ? " US" : "",
	        (e & PTE_PS) ? " PS" : "", (e & PTE_G) ? " G" : "", (e & PTE_PCD) ? " PCD" : "",
	        (e & PTE_NX) ? " NX" : "", (uint64_t)(e & PTE_ADDR_MASK));
}

static void cmd_walk(int argc, char **argv)
{
	virt_addr_t va;
	if (!virt_arg(argv[0], argv[1], &va))
		return;
	struct pt_walk_step steps[PT_LEVELS];
	int count;
	enum mm_error err = pt_walk_path(mm_kernel_space(), va, steps, &count);
	if (count == 0) {
		kprintf("walk: VA 0x%lx: %s\n", va, mm_strerror(err));
		return;
	}
	kprintf("walk 0x%lx from CR3 0x%lx:\n", va, mm_kernel_space()->root);
	for (int i = 0; i < count; i++)
		print_entry(&steps[i]);
	if (err != MM_OK) {
		kprintf("-> not mapped\n");
		return;
	}
	const struct pt_walk_step *leaf = &steps[count - 1];
	uint64_t page = 1ULL << pt_level_shift(leaf->level);
	unsigned flags = pt_entry_flags(leaf->entry);
	kprintf("-> 0x%lx, a %lu KiB page, r%c%c%s\n",
	        pt_leaf_pa(leaf->entry, leaf->level) + (va & (page - 1)), page >> 10,
	        (flags & PT_WRITE) ? 'w' : '-', (flags & PT_EXEC) ? 'x' : '-',
	        (flags & PT_GLOBAL) ? " global" : "");
}

static void cmd_maps(int argc, char **argv)
{
	bool wx = argc == 2;
	if (wx && strcmp(argv[1], "wx") != 0) {
		kprintf("maps: unknown option '%s' (the only one is 'wx')\n", argv[1]);
		return;
	}
	unsigned n = mm_dump_print_maps(wx);
	kprintf("%u %sranges\n", n, wx ? "writable+executable " : "");
}

/* Is [va, va + n) mapped as ordinary memory? Says why not if it is not. */
static bool readable(virt_addr_t va, uint64_t n)
{
	for (virt_addr_t page = ALIGN_DOWN(va, PAGE_SIZE); page < va + n; page += PAGE_SIZE) {
		struct pt_translation t;
		virt_addr_t at = page < va ? va : page;
		enum mm_error err = pt_translate(mm_kernel_space(), at, &t);
		if (err != MM_OK) {
			kprintf("peek: 0x%lx is %s: nothing read\n", at, mm_strerror(err));
			return false;
		}
		if (t.flags & PT_NOCACHE) {
			kprintf("peek: 0x%lx is device memory (uncached): not read, reads may have effects\n",
			        at);
			return false;
		}
	}
	return true;
}

static void cmd_peek(int argc, char **argv)
{
	virt_addr_t va;
	uint64_t n = PEEK_DEFAULT_BYTES;
	if (!virt_arg(argv[0], argv[1], &va))
		return;
	if (argc == 3 && !number_arg(argv[0], "N", argv[2], PEEK_MAX_BYTES, &n))
		return;
	if (n == 0 || va + n < va) {
		kprintf("peek: %lu bytes at 0x%lx is not a range\n", n, va);
		return;
	}
	if (!readable(va, n))
		return;
	const volatile uint8_t *p = (const volatile uint8_t *)va;
	for (uint64_t row = 0; row < n; row += 16) {
		kprintf("  0x%016lx:", va + row);
		for (uint64_t i = row; i < row + 16 && i < n; i++)
			kprintf(" %02x", p[i]);
		kprintf("\n");
	}
}

static void cmd_selftest(int argc, char **argv)
{
	if (buddy_ready(argv[0]))
		selftest_run(boot_info); /* panics on failure, like at boot */
}

static void cmd_dump(int argc, char **argv)
{
	mm_dump_print(boot_info);
}

static void cmd_quit(int argc, char **argv)
{
	kprintf("bye\n");
	qemu_exit(QEMU_EXIT_SUCCESS); /* without the device: halts */
}

const struct monitor_command monitor_commands[] = {
    {"help", "", "list the commands", 0, 0, cmd_help},
    {"stage", "", "the MM stage reached, and the stages in order", 0, 0, cmd_stage},
    {"areas", "", "stage 1: phys_memory_area[], the usable RAM", 0, 0, cmd_areas},
    {"memblock", "", "stage 2: memblock's memory and reserved regions", 0, 0, cmd_memblock},
    {"buddy", "[ORDER]", "stage 5: free blocks per order, or the blocks of one order", 0, 1, cmd_buddy},
    {"cpus", "", "the CPUs and their APIC ids", 0, 0, cmd_cpus},
    {"alloc", "ORDER", "allocate 2^ORDER pages from the buddy; prints the address", 1, 1, cmd_alloc},
    {"free", "PA ORDER", "give a block back to the buddy (refusals are shown)", 2, 2, cmd_free},
    {"walk", "VA", "walk the page tables for VA, level by level", 1, 1, cmd_walk},
    {"maps", "[wx]", "the kernel's mappings as ranges (wx: only W+X ones)", 0, 1, cmd_maps},
    {"peek", "VA [N]", "show N bytes (default 64, at most 512) at a mapped VA", 1, 2, cmd_peek},
    {"selftest", "", "run the self-tests again", 0, 0, cmd_selftest},
    {"dump", "", "the MM state as machine-readable dump lines", 0, 0, cmd_dump},
    {"quit", "", "end QEMU (status 33), or halt without the exit device", 0, 0, cmd_quit},
};
const unsigned monitor_command_count = sizeof(monitor_commands) / sizeof(monitor_commands[0]);
