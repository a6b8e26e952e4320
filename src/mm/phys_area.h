/*
 * phys_area.h - stage 1's product: the fixed phys_memory_area[512] table of
 * usable RAM, plus a record of the memory-map entries of other types.
 *
 * The multiboot2 parser calls phys_area_add() for every memory-map entry;
 * phys_area_finish() then trims the usable ranges inward to page boundaries
 * and drops the empty ones. The table stays sorted by base address, and
 * overlapping or adjacent usable ranges are merged as they are added.
 * Every entry of another type (reserved, ACPI, bad RAM, ...) is cut out of
 * the usable ranges as soon as it is added, rounded out to whole pages: a
 * page the firmware calls anything but available RAM never leaves stage 1.
 */
#ifndef PHYS_AREA_H
#define PHYS_AREA_H

#include "mm_types.h"
#include "range_table.h"

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

struct phys_other_area {
	phys_addr_t base;
	uint64_t size_bytes;
	uint32_t type; /* enum phys_area_type, or any other value the map had */
};

/* The table itself: phys_memory_area[0 .. phys_memory_area_count), each a
 * struct mm_range (base, size_bytes; range_table.h). */
extern struct mm_range phys_memory_area[PHYS_MEMORY_AREA_MAX];
extern size_t phys_memory_area_count;

/* Non-usable entries, kept in the order seen, for printing, for GDB and for
 * cutting usable ranges added after them. Safety never depends on this
 * record having room: each entry is cut out of the usable table when it is
 * added, recorded or not. */
extern struct phys_other_area phys_other_area[PHYS_OTHER_AREA_MAX];
extern size_t phys_other_area_count;

/* Empty both tables and the overflow counters. */
void phys_area_reset(void);

/* Add one memory-map entry. Type 1 goes into the usable table (merged,
 * sorted) and is cut against every recorded entry of another type. Any
 * other type is cut out of the usable table at once, rounded out to whole
 * pages (a log line says what it took), and recorded. A zero size is
 * ignored. An entry whose end wraps past 2^64 is clipped to 2^64 - 1 and a
 * warning is logged. When the usable table is full (a cut can split a
 * range), the range that sorts last is left out and counted (see
 * phys_area_dropped_bytes()): usable RAM may be lost, a restriction never.
 * Returns MM_OK, or MM_ERR_WRONG_STAGE (with a log line, nothing changed)
 * unless the stage is MM_STAGE_NONE. */
enum mm_error phys_area_add(phys_addr_t base, uint64_t size_bytes, uint32_t type);

/* Trim every usable range inward to page boundaries, drop the empty ones,
 * log a warning if anything was left out for lack of room, and move the MM
 * stage to MM_STAGE_PHYS_AREAS. Returns MM_OK; MM_ERR_WRONG_STAGE (with a
 * log line, table untouched) unless the stage is MM_STAGE_NONE; or
 * MM_ERR_TABLE_FULL (with a log line naming the count) when a usable range
 * was added after an other-type entry that phys_other_area[] had no room
 * to record, so it could not be cut against it (fail closed). */
enum mm_error phys_area_finish(void);

/* Bytes and ranges of usable RAM left out because the table was full. */
uint64_t phys_area_dropped_bytes(void);
size_t phys_area_dropped_count(void);

/* Entries of other types not recorded because phys_other_area[] was full
 * (each one is also logged when it happens, and still cut out). */
size_t phys_area_other_dropped_count(void);

/* Entries of other types added, recorded or not. */
size_t phys_area_other_count(void);

/* Usable bytes that other-type entries took out of the table. */
uint64_t phys_area_excluded_bytes(void);

/* Total usable bytes in the table. */
uint64_t phys_area_total_bytes(void);

/* Log the table, one line per range. */
void phys_area_dump(void);

/* A memory-map type's name, e.g. "ACPI NVS". */
const char *phys_area_type_name(uint32_t type);

#endif /* PHYS_AREA_H */
