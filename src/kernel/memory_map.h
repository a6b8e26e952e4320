/*
 * memory_map.h - stage 1: the multiboot2 memory map into phys_memory_area[]
 * (the glue between the parser in src/boot and the table in src/mm).
 */
#ifndef KERNEL_MEMORY_MAP_H
#define KERNEL_MEMORY_MAP_H

#include "boot/multiboot2.h"
#include "mm/mm_types.h"

/*
 * Feed the memory map into phys_memory_area[] (phys_area_reset(), the usable
 * entries and then the others through phys_area_add(), phys_area_finish()).
 * Without a memory map, the basic meminfo tag is used instead, with a
 * warning. Returns MM_OK, MM_ERR_WRONG_STAGE (with a message, table
 * untouched) once stage 1 has run, MM_ERR_INVALID (with a message) when the
 * boot information describes no RAM at all, or the error of
 * phys_area_finish().
 */
enum mm_error mb2_fill_phys_areas(const struct mb2_info *info);

#endif /* KERNEL_MEMORY_MAP_H */
