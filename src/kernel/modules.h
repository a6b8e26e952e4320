/*
 * modules.h - multiboot2 modules' integrity: a CRC32 of each module at boot,
 * printed as `module <n> crc32=<8 hex digits>` (the boot tests compare it
 * with the host's), and checked again after the self-tests.
 */
#ifndef KERNEL_MODULES_H
#define KERNEL_MODULES_H

#include "boot/multiboot2.h"

/* The most modules the kernel takes: each one is reserved in stage 2 (one
 * slot of mm_boot_params.reserved) and CRC-checked. More is a panic that
 * names the count and this limit, before anything is allocated. */
#define MODULES_MAX 128

/* Panic if the boot loader passed more than MODULES_MAX modules. */
void modules_check_count(const struct mb2_info *info);

/* Compute and print every module's CRC32 (read through the direct map). */
void modules_record_crc(const struct mb2_info *info);

/* Compute them again; a mismatch is a panic naming the module. Prints one
 * line with the count checked. */
void modules_verify_crc(const struct mb2_info *info);

#endif /* KERNEL_MODULES_H */
