/*
 * trampoline.h - where the AP trampoline (trampoline.S) lives in low
 * memory, shared by the assembly, smp.c and the MM stage driver.
 *
 * Two pages below 1 MiB, inside the first MiB that memblock reserves:
 *
 *   TRAMPOLINE_CODE_PHYS  0x8000  the code; a STARTUP IPI with vector 0x08
 *                                 starts an AP here. Identity-mapped R+X.
 *   TRAMPOLINE_DATA_PHYS  0x9000  its GDT and the values the BSP fills in
 *                                 for each AP. Identity-mapped R, NX.
 *
 * The pages are separate so that each gets only the rights it needs: no
 * identity-mapped page is writable and executable at once (W^X).
 */
#ifndef ARCH_TRAMPOLINE_H
#define ARCH_TRAMPOLINE_H

#define TRAMPOLINE_CODE_PHYS 0x8000
#define TRAMPOLINE_DATA_PHYS 0x9000

#endif /* ARCH_TRAMPOLINE_H */
