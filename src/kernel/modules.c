/* modules.c - module CRC32s at boot and after the self-tests (modules.h). */
#include "modules.h"

#include "kernel/panic.h"
#include "lib/crc32.h"
#include "lib/format.h"
#include "mm/mm_types.h"

static uint32_t recorded_crc[MODULES_MAX];

void modules_check_count(const struct mb2_info *info)
{
	if (info->module_count > MODULES_MAX)
		panic(
		    "modules: the boot loader passed %zu modules, more than the %d this kernel reserves and "
		    "checks (MODULES_MAX)",
		    info->module_count, MODULES_MAX);
}

static uint32_t module_crc(const struct mb2_module *m)
{
	return crc32((const void *)(uintptr_t)(PHYS_OFFSET + m->start), m->end - m->start);
}

void modules_record_crc(const struct mb2_info *info)
{
	modules_check_count(info);
	for (size_t i = 0; i < info->module_count; i++) {
		struct mb2_module m;
		if (!mb2_module(info, i, &m))
			panic("modules: module %zu of %zu cannot be read from the boot information", i,
			      info->module_count);
		recorded_crc[i] = module_crc(&m);
		kprintf("module %zu crc32=%08x (%u bytes at 0x%x, \"%s\")\n", i, recorded_crc[i],
		        m.end - m.start, m.start, m.cmdline);
	}
}

void modules_verify_crc(const struct mb2_info *info)
{
	size_t n = 0;
	for (size_t i = 0; i < info->module_count; i++, n++) {
		struct mb2_module m;
		if (!mb2_module(info, i, &m))
			panic("modules: module %zu of %zu cannot be read from the boot information", i,
			      info->module_count);
		uint32_t now = module_crc(&m);
		if (now != recorded_crc[i])
			panic("modules: module %zu changed: crc32 was %08x at boot, is %08x now", i,
			      recorded_crc[i], now);
	}
	kprintf("selftest: %zu module(s) unchanged (crc32 rechecked)\n", n);
}
