/*
 * memory_map.c - stage 1: hand the boot loader's memory map (read by the
 * multiboot2 parser, src/boot/) to the phys_memory_area table
 * (src/mm/phys_area.h). It lives here, between the two, so that the parser
 * stays a parser and src/mm knows nothing of multiboot2.
 *
 * Algorithm: check that stage 1 has not run yet; empty the table; add the
 * memory map's usable entries, then all the others (the table sorts and
 * merges, and cuts every non-usable entry out of the usable ranges as it is
 * added: usable entries first means no cut ever depends on the bounded
 * record of other types having room, however long the map is); finish,
 * which trims to pages and moves the MM stage on. Without a memory map the
 * older basic meminfo tag still gives two ranges of RAM (below 640 KiB and
 * from 1 MiB up), with a warning that holes above 1 MiB are unknown. With
 * neither, there is nothing to go on: an error, never a guess.
 */
#include "memory_map.h"

#include "lib/format.h"
#include "mm/stage_order.h"
#include "mm/phys_area.h"

/* Low memory starts at 0, upper memory at 1 MiB (multiboot2 spec 3.6.3). */
#define UPPER_MEMORY_BASE MiB(1)

enum mm_error mb2_fill_phys_areas(const struct mb2_info *info)
{
	/* Refuse before phys_area_reset(): once stage 1 is done, later stages
	 * have taken the table, and emptying it would go unnoticed. */
	if (mm_stage_check("mb2_fill_phys_areas", MM_STAGE_NONE, MM_STAGE_NONE) != MM_OK)
		return MM_ERR_WRONG_STAGE;
	phys_area_reset();
	if (info->has_mmap && info->mmap_entry_count > 0) {
		for (int pass = 0; pass < 2; pass++) { // 0: usable entries, 1: the rest
			size_t i = 0;
			struct mb2_mmap_entry e;
			while (mb2_mmap_next(info, &i, &e))
				if ((e.type == PHYS_AREA_AVAILABLE) == (pass == 0))
					phys_area_add(e.base, e.length, e.type);
		}
	} else if (info->has_basic_meminfo) {
		kprintf(
		    "mb2_fill_phys_areas: warning: %s, using basic meminfo: %u KiB at 0x0, %u KiB at 0x%lx "
		    "(holes and reserved ranges unknown)\n",
		    info->has_mmap ? "the memory map has no entries" : "no memory map tag",
		    info->mem_lower_kib, info->mem_upper_kib, UPPER_MEMORY_BASE);
		phys_area_add(0, KiB(info->mem_lower_kib), PHYS_AREA_AVAILABLE);
		phys_area_add(UPPER_MEMORY_BASE, KiB(info->mem_upper_kib), PHYS_AREA_AVAILABLE);
	} else {
		kprintf("mb2_fill_phys_areas: %s and no basic meminfo tag: the boot information describes no "
		        "RAM\n",
		        info->has_mmap ? "an empty memory map" : "no memory map tag");
		return MM_ERR_INVALID;
	}
	return phys_area_finish();
}
