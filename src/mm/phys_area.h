/*
 * phys_area.h - stage 1's product: the fixed phys_memory_area[512] table of
 * usable RAM, plus a record of the memory-map entries of other types.
 *
 * The multiboot2 parser calls phys_area_add() for every memory-map entry;
 * phys_area_finish() then trims the usable ranges inward to page boundaries
 * and drops the empty ones. The table stays sorted by base address, and
 * overlapping or adjacent usable ranges are merged as they are added.
 */
#ifndef PHYS_AREA_H
#define PHYS_AREA_H

#include "mm_types.h"

#define PHYS_MEMORY_AREA_MAX 512 /* capacity of the usable-RAM table */
#define PHYS_OTHER_AREA_MAX  128 /* capacity of the record of other types */

/* Memory-map entry types, as numbered by multiboot2 (and the BIOS E820). */
enum phys_area_type {
	PHYS_AREA_AVAILABLE = 1,
	PHYS_AREA_RESERVED = 2,
	PHYS_AREA_ACPI_RECLAIMABLE = 3,
	PHYS_AREA_ACPI_NVS = 4,
	PHYS_AREA_BADRAM = 5,
};

struct phys_memory_area {
	phys_addr_t base;
	uint64_t size_bytes;
};

struct phys_other_area {
	phys_addr_t base;
	uint64_t size_bytes;
	uint32_t type; /* enum phys_area_type, or any other value the map had */
};

/* The table itself: phys_memory_area[0 .. phys_memory_area_count). */
extern struct phys_memory_area phys_memory_area[PHYS_MEMORY_AREA_MAX];
extern size_t phys_memory_area_count;

/* Non-usable entries, kept in the order seen: stage 2 removes them from
 * memory where they overlap usable entries (the stricter type wins). */
extern struct phys_other_area phys_other_area[PHYS_OTHER_AREA_MAX];
extern size_t phys_other_area_count;

/* Empty both tables and the overflow counters. */
void phys_area_reset(void);

/* Add one memory-map entry. Type 1 goes into the usable table (merged,
 * sorted); others are recorded. A zero size is ignored. An entry whose end
 * wraps past 2^64 is clipped to 2^64 - 1 and a warning is logged. When the
 * usable table is full, the range that sorts last is left out and counted
 * (see phys_area_dropped_bytes()). Allowed only before phys_area_finish()
 * (stage MM_STAGE_NONE); later calls are refused with a log line. */
void phys_area_add(phys_addr_t base, uint64_t size_bytes, uint32_t type);

/* Trim every usable range inward to page boundaries, drop the empty ones,
 * log a warning if anything was left out for lack of room, and move the MM
 * stage to MM_STAGE_PHYS_AREAS. Returns MM_OK, or MM_ERR_WRONG_STAGE (with
 * a log line, table untouched) unless the stage is MM_STAGE_NONE. */
enum mm_error phys_area_finish(void);

/* Bytes and ranges of usable RAM left out because the table was full. */
uint64_t phys_area_dropped_bytes(void);
size_t phys_area_dropped_count(void);

/* Entries of other types not recorded because phys_other_area[] was full
 * (each one is also logged when it happens). */
size_t phys_area_other_dropped_count(void);

/* Total usable bytes in the table. */
uint64_t phys_area_total_bytes(void);

/* Log the table, one line per range. */
void phys_area_dump(void);

/* A memory-map type's name, e.g. "ACPI NVS". */
const char *phys_area_type_name(uint32_t type);

#endif /* PHYS_AREA_H */
