/* stage_order.c - the explicit stage variable that enforces the MM bring-up
 * order (see stage_order.h). */
#include "stage_order.h"
#include "mm_env.h"

enum mm_stage mm_stage_now = MM_STAGE_NONE;

static const char *const stage_names[] = {
    [MM_STAGE_NONE] = "none",         [MM_STAGE_PHYS_AREAS] = "phys_memory_area",
    [MM_STAGE_MEMBLOCK] = "memblock", [MM_STAGE_BUMP] = "bump",
    [MM_STAGE_PAGING] = "paging",     [MM_STAGE_BUDDY] = "buddy",
    [MM_STAGE_SMP] = "smp",
};

const char *mm_stage_name(enum mm_stage stage)
{
	if ((unsigned)stage < sizeof(stage_names) / sizeof(stage_names[0]))
		return stage_names[stage];
	return "invalid";
}

enum mm_stage mm_stage_current(void)
{
	return mm_stage_now;
}

enum mm_error mm_stage_advance(enum mm_stage next)
{
	if (next != mm_stage_now + 1) {
		mm_warn("mm_stage_advance: cannot go from stage %s to %s\n", mm_stage_name(mm_stage_now),
		        mm_stage_name(next));
		return MM_ERR_WRONG_STAGE;
	}
	mm_stage_now = next;
	return MM_OK;
}

enum mm_error mm_stage_refuse(const char *who, enum mm_stage first, enum mm_stage last)
{
	mm_warn("%s: called in stage %s, allowed only from %s to %s\n", who, mm_stage_name(mm_stage_now),
	        mm_stage_name(first), mm_stage_name(last));
	return MM_ERR_WRONG_STAGE;
}

void mm_stage_force(enum mm_stage stage)
{
	mm_stage_now = stage;
}
