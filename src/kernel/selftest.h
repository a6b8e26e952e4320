/*
 * selftest.h - the in-kernel self-tests run with `selftest` on the command
 * line, before KERNEL OK: the buddy stress tests, the TLB shootdown test,
 * then module integrity.
 */
#ifndef KERNEL_SELFTEST_H
#define KERNEL_SELFTEST_H

#include "boot/multiboot2.h"

/* Run every self-test; a failure panics with the reason. */
void selftest_run(const struct mb2_info *info);

#endif /* KERNEL_SELFTEST_H */
