/*
 * stage_order.h - the MM stages, in the strict order the kernel brings them up.
 *
 * Each stage's public functions check the current stage on entry, so calling
 * the bump allocator after the buddy took over, or the buddy before it
 * exists, returns MM_ERR_WRONG_STAGE with a message instead of corrupting
 * memory silently.
 *
 * Where each stage lives. kernel_main (src/kernel/main.c) calls the kernel
 * side, one line per stage; that calls the src/mm stage function, which
 * uses the stage's own files:
 *
 *  stage  kernel_main calls          src/mm stage function  its files                   chapter
 *  1      mm_bringup_phys_areas()    mb2_fill_phys_areas()  phys_area.c, range_table.c  5
 *                                    (src/kernel/memory_map.c)
 *  2      mm_bringup_memblock()      mm_memblock_stage()    memblock.c, range_table.c   6
 *  3      mm_bringup_bump()          mm_bump_stage()        bump.c, frame_source.h      7
 *  4      mm_bringup_paging()        mm_paging_stage()      paging.c, pt_space.c,       8
 *                                    (mm_switch_to_kernel_  pt_walk.c, pt_entry.h
 *                                    tables: the CR3 switch)
 *  5      mm_bringup_buddy()         mm_buddy_stage()       buddy.c, percpu_pages.c     9
 *  6      smp_bringup()              mm_remove_low_remap()  (src/arch/x86_64/smp.c,     12
 *         (src/kernel/smp_bringup.c)                         trampoline.S, kstack.c)
 *
 * The kernel side is src/kernel/mm_bringup.c (stages 1 to 5); the src/mm
 * stage functions of stages 2 to 6 are in stages.c.
 */
#ifndef MM_STAGE_ORDER_H
#define MM_STAGE_ORDER_H

#include "mm_types.h"

enum mm_stage {
	MM_STAGE_NONE = 0,   /* nothing yet */
	MM_STAGE_PHYS_AREAS, /* 1: phys_memory_area[] filled from the boot info */
	MM_STAGE_MEMBLOCK,   /* 2: memblock knows memory and reserved regions */
	MM_STAGE_BUMP,       /* 3: the bump allocator hands out early frames */
	MM_STAGE_PAGING,     /* 4: paging: the kernel runs on its own page tables */
	MM_STAGE_BUDDY,      /* 5: the buddy allocator owns all free memory */
	MM_STAGE_SMP,        /* 6: other CPUs up, low identity remap removed */
};

/* The current stage. */
enum mm_stage mm_stage_current(void);

/* Move to the next stage: `next` must be exactly one past the current one,
 * otherwise MM_ERR_WRONG_STAGE (and a log line naming both). */
enum mm_error mm_stage_advance(enum mm_stage next);

/* The current stage, for mm_stage_check() below only: everything else
 * reads it with mm_stage_current() and changes it with mm_stage_advance(). */
extern enum mm_stage mm_stage_now;

/* The refusal half of mm_stage_check(): logs the message, returns
 * MM_ERR_WRONG_STAGE. */
enum mm_error mm_stage_refuse(const char *who, enum mm_stage first, enum mm_stage last);

/* Entry check of a stage's public function: OK when first <= current <=
 * last, else logs "<who>: called in stage <x>, allowed <a>..<b>" and
 * returns MM_ERR_WRONG_STAGE. Inline, with the refusal out of line, because
 * every allocation and every free makes this check: as a call it cost the
 * buddy's allocations and frees 11 to 16 instructions each, of 150 to 220
 * (chapter 13.8). */
static inline enum mm_error mm_stage_check(const char *who, enum mm_stage first, enum mm_stage last)
{
	if (mm_stage_now >= first && mm_stage_now <= last)
		return MM_OK;
	return mm_stage_refuse(who, first, last);
}

/* A stage's name, e.g. "bump". */
const char *mm_stage_name(enum mm_stage stage);

/* Host tests only: put the stage machine into any state. */
void mm_stage_force(enum mm_stage stage);

#endif /* MM_STAGE_ORDER_H */
