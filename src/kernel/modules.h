/*
 * modules.h - multiboot2 modules' integrity: a CRC32 of each module at boot,
 * printed as `module <n> crc32=<8 hex digits>` (the boot tests compare it
 * with the host's), and checked again after the self-tests.
 */
#ifndef KERNEL_MODULES_H
#define KERNEL_MODULES_H

#include "boot/multiboot2.h"

/* Compute and print every module's CRC32 (read through the direct map). */
void modules_record_crc(const struct mb2_info *info);

/* Compute them again; a mismatch is a panic naming the module. Prints one
 * line with the count checked. */
void modules_verify_crc(const struct mb2_info *info);

#endif /* KERNEL_MODULES_H */
