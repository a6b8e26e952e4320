/*
 * memblock.h - stage 2: the boot-time view of physical memory, in the
 * vocabulary of Linux mm/memblock.c.
 *
 * Two sorted tables of [base, base + size) regions:
 *  - memory:   the RAM that exists (filled from phys_memory_area[]);
 *  - reserved: what is in use already (kernel image, modules, boot info,
 *              early allocations). It may cover addresses that are not RAM.
 * Free memory is memory minus reserved. Allocation picks a free range by
 * physical address and reserves it. Regions within a table never overlap
 * or touch: adding merges them.
 *
 * Stage rule: the modifying functions and the allocators work only from
 * MM_STAGE_MEMBLOCK to MM_STAGE_PAGING; once the buddy allocator owns free
 * memory they refuse with MM_ERR_WRONG_STAGE. Queries work in every stage.
 */
#ifndef MEMBLOCK_H
#define MEMBLOCK_H

#include "mm_types.h"
#include "range_table.h"

/* Capacity of each table. The memory table must hold every entry of
 * phys_memory_area[] (PHYS_MEMORY_AREA_MAX, also 512): those entries are
 * disjoint and never touch, so none of them merge on the way in. The
 * reserved table gets the same size; early allocations are contiguous and
 * merge into few regions. */
#define MEMBLOCK_MAX_REGIONS 512

/* Allocations by memblock_alloc() start at or above this address: the
 * first MiB holds BIOS data, the real-mode IVT and the SMP trampoline. */
#define MEMBLOCK_LOW_LIMIT MiB(1)

/* max_end for memblock_alloc_range() meaning "no upper limit". */
#define MEMBLOCK_ALLOC_ANYWHERE UINT64_MAX

/* A region is a struct mm_range (range_table.h): base and size_bytes. */

/* Empty both tables (for memblock_init_from_phys_areas() and host tests). */
void memblock_reset(void);

/* Empty both tables and add every phys_memory_area[] entry as memory.
 * Allowed only in MM_STAGE_PHYS_AREAS; advances to MM_STAGE_MEMBLOCK.
 * Returns MM_OK, MM_ERR_WRONG_STAGE, or the first error of memblock_add. */
enum mm_error memblock_init_from_phys_areas(void);

/* Add [base, base + size_bytes) to the memory table, merging with regions
 * it overlaps or touches.
 * Returns MM_OK; MM_ERR_INVALID for a zero or wrapping size;
 * MM_ERR_TABLE_FULL when a new region is needed and there is no room (the
 * table is unchanged); MM_ERR_WRONG_STAGE outside MEMBLOCK..PAGING. */
enum mm_error memblock_add(phys_addr_t base, uint64_t size_bytes);

/* Mark [base, base + size_bytes) reserved (it need not be memory).
 * Returns as memblock_add(). */
enum mm_error memblock_reserve(phys_addr_t base, uint64_t size_bytes);

/* Remove [base, base + size_bytes) from the memory table, splitting a
 * region that contains it. Parts of the range that are not memory are
 * ignored. Returns as memblock_add(); MM_ERR_TABLE_FULL when a split needs
 * one more region than the table holds. */
enum mm_error memblock_remove(phys_addr_t base, uint64_t size_bytes);

/* Un-reserve [base, base + size_bytes), splitting reserved regions. Parts
 * that are not reserved are ignored. Returns as memblock_remove(). */
enum mm_error memblock_free(phys_addr_t base, uint64_t size_bytes);

/* True when [base, base + size_bytes) lies wholly in memory. A zero or
 * wrapping size gives false and a log line. */
bool memblock_is_memory(phys_addr_t base, uint64_t size_bytes);

/* True when some byte of [base, base + size_bytes) is reserved. A zero or
 * wrapping size gives false and a log line. */
bool memblock_overlaps_reserved(phys_addr_t base, uint64_t size_bytes);

/* The next free range (memory minus reserved) at or above *cursor, in
 * ascending order.
 * cursor: a physical address, 0 to start; moved past the range returned.
 * base, end: set to the range [*base, *end) when one is found.
 * Returns false when there is no further free range. */
bool memblock_next_free_range(uint64_t *cursor, phys_addr_t *base, phys_addr_t *end);

/* Loop over every free range [base, end), ascending. cursor is a uint64_t
 * lvalue, base and end phys_addr_t lvalues; the macro sets cursor to 0. */
#define for_each_free_range(cursor, base, end)                                                               \
	for ((cursor) = 0; memblock_next_free_range(&(cursor), &(base), &(end));)

/* Allocate size_bytes of free memory at or above MEMBLOCK_LOW_LIMIT, the
 * lowest fit (bottom-up first fit), aligned to align (a power of two, at
 * least 4096), and reserve it.
 * out: receives the physical base of the allocation.
 * Returns MM_OK; MM_ERR_INVALID for a zero or wrapping size;
 * MM_ERR_MISALIGNED for a bad align; MM_ERR_NO_MEMORY (the log names the
 * size) when nothing fits; MM_ERR_TABLE_FULL if it cannot be reserved;
 * MM_ERR_WRONG_STAGE outside MEMBLOCK..PAGING. */
enum mm_error memblock_alloc(uint64_t size_bytes, uint64_t align, phys_addr_t *out);

/* As memblock_alloc(), inside the window [min, max_end) instead
 * (MEMBLOCK_ALLOC_ANYWHERE as max_end means no upper limit).
 * An empty window (min >= max_end) gives MM_ERR_INVALID. */
enum mm_error memblock_alloc_range(uint64_t size_bytes, uint64_t align, phys_addr_t min, phys_addr_t max_end,
                                   phys_addr_t *out);

/* Number of regions in each table. */
size_t memblock_memory_count(void);
size_t memblock_reserved_count(void);

/* Region i of each table (sorted by base), or NULL if i is out of range. */
const struct mm_range *memblock_memory_region(size_t i);
const struct mm_range *memblock_reserved_region(size_t i);

/* Total bytes in each table. */
uint64_t memblock_memory_bytes(void);
uint64_t memblock_reserved_bytes(void);

/* Check both tables: each holds at most MEMBLOCK_MAX_REGIONS regions, each
 * region is non-empty and does not wrap, and the regions are sorted and
 * neither overlap nor touch. Logs the first violation and returns false;
 * returns true when all holds. Works in every stage. */
bool memblock_check_invariants(void);

/* Log both tables, one line per region. */
void memblock_dump(void);

#endif /* MEMBLOCK_H */
