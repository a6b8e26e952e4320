/*
 * pt_entry.h - the format of an x86_64 page-table entry: its bits, the
 * rights the mapper speaks of (PT_WRITE, PT_EXEC, ...), page sizes, and the
 * small helpers that decode an entry. The mapper's files (paging.c,
 * pt_space.c, pt_walk.c), the monitor and the tests read entries through
 * this header; paging.h, the mapper's public API, includes it.
 *
 * An entry (Intel SDM vol. 3, 4.5):
 *
 *   63  62..52  51 .............. 12  11..9  8   7   6   5   4    3    2   1   0
 *  +---+-------+---------------------+------+---+---+---+---+----+----+---+---+---+
 *  |NX | avail | physical address    |avail | G |PS | D | A |PCD |PWT |US |RW | P |
 *  +---+-------+---------------------+------+---+---+---+---+----+----+---+---+---+
 */
#ifndef PT_ENTRY_H
#define PT_ENTRY_H

#include "mm_types.h"

#define PTE_P         (1ULL << 0)
#define PTE_RW        (1ULL << 1)
#define PTE_US        (1ULL << 2)
#define PTE_PWT       (1ULL << 3)
#define PTE_PCD       (1ULL << 4)
#define PTE_A         (1ULL << 5)
#define PTE_D         (1ULL << 6)
#define PTE_PS        (1ULL << 7)
#define PTE_G         (1ULL << 8)
#define PTE_NX        (1ULL << 63)
#define PTE_ADDR_MASK 0x000ffffffffff000ULL /* bits 51..12 */

#define PT_ENTRIES       512          /* entries per table */
#define PT_LEVELS        4            /* PML4 (4), PDPT (3), PD (2), PT (1) */
#define PT_PHYS_ADDR_MAX (1ULL << 52) /* first physical address beyond reach */

/* Access rights of a mapping, or-ed together. Absence of PT_EXEC means NX,
 * absence of PT_WRITE means read-only; 0 is a read-only, no-execute,
 * kernel-only page. */
enum {
	PT_WRITE = 1,
	PT_EXEC = 2,
	PT_USER = 4,
	PT_GLOBAL = 8,
	PT_NOCACHE = 16, /* PCD|PWT: uncached, for device registers */
};
#define PT_FLAGS_ALL (PT_WRITE | PT_EXEC | PT_USER | PT_GLOBAL | PT_NOCACHE)

enum pt_page_size { PT_PAGE_4K, PT_PAGE_2M, PT_PAGE_1G };

/* Bit position of the lowest address bit that a level's index covers:
 * 12 for level 1 (PT), 21, 30, 39 for level 4 (PML4). */
static inline unsigned pt_level_shift(int level)
{
	return PAGE_SHIFT + 9 * (unsigned)(level - 1);
}

/* Whether a present entry at `level` is a leaf (maps a page) rather than a
 * pointer to the next table. */
static inline bool pt_entry_is_leaf(uint64_t entry, int level)
{
	return level == 1 || (entry & PTE_PS) != 0;
}

/* The page size of a leaf at level 1, 2 or 3. */
static inline enum pt_page_size pt_level_page_size(int level)
{
	return level == 3 ? PT_PAGE_1G : level == 2 ? PT_PAGE_2M : PT_PAGE_4K;
}

/* The PT_* flags that a leaf entry grants. */
static inline unsigned pt_entry_flags(uint64_t entry)
{
	unsigned flags = 0;
	if (entry & PTE_RW)
		flags |= PT_WRITE;
	if (!(entry & PTE_NX))
		flags |= PT_EXEC;
	if (entry & PTE_US)
		flags |= PT_USER;
	if (entry & PTE_G)
		flags |= PT_GLOBAL;
	if (entry & PTE_PCD)
		flags |= PT_NOCACHE;
	return flags;
}

/* The page-start physical address in a leaf at `level`. */
static inline phys_addr_t pt_leaf_pa(uint64_t entry, int level)
{
	return entry & PTE_ADDR_MASK & ~((1ULL << pt_level_shift(level)) - 1);
}

#endif /* PT_ENTRY_H */
