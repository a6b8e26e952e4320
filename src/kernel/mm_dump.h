/*
 * mm_dump.h - the memory state as machine-readable `dump` lines (the format
 * is the contract in docs/14-monitor.md, 14.1): the firmware map, stage 1's
 * table, memblock with the owners of what it reserved, the buddy's free
 * blocks, the kernel's page tables as runs, and the CPUs. The monitor's
 * `dump` command and the end of a `debug` boot print it; GDB's `mm-dump`
 * prints the same format from outside.
 */
#ifndef KERNEL_MM_DUMP_H
#define KERNEL_MM_DUMP_H

#include "boot/multiboot2.h"

/* Print one complete dump, `dump begin` to `dump end`, through kprintf. */
void mm_dump_print(const struct mb2_info *info);

/* Print the kernel's page-table runs for a person, one line per run with
 * its rights, W+X runs marked; only the W+X runs when wx_only. Returns the
 * number of runs printed. */
unsigned mm_dump_print_maps(bool wx_only);

#endif /* KERNEL_MM_DUMP_H */
