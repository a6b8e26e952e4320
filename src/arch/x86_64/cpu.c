/* cpu.c - CPU feature queries through CPUID (see cpu.h). */
#include "cpu.h"

static bool extended_leaf_has(uint32_t edx_bit)
{
	if (cpuid(0x80000000u, 0).eax < 0x80000001u)
		return false;
	return (cpuid(0x80000001u, 0).edx >> edx_bit) & 1;
}

bool cpu_has_nx(void)
{
	return extended_leaf_has(20);
}

bool cpu_has_1g_pages(void)
{
	return extended_leaf_has(26);
}

bool cpu_has_pge(void)
{
	return (cpuid(1, 0).edx >> 13) & 1;
}

void cpu_enable_global_pages(void)
{
	if (cpu_has_pge())
		write_cr4(read_cr4() | CR4_PGE);
}
