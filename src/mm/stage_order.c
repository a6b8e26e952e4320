/* stage_order.c - the explicit stage variable that enforces the MM bring-up
 * order (see stage_order.h). */
#include "stage_order.h"
#include "mm_env.h"

static enum mm_stage current_stage = MM_STAGE_NONE;

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
	return current_stage;
}

enum mm_error mm_stage_advance(enum mm_stage next)
{
	if (next != current_stage + 1) {
		mm_warn("mm_stage_advance: cannot go from stage %s to %s\n", mm_stage_name(current_stage),
		        mm_stage_name(next));
		return MM_ERR_WRONG_STAGE;
	}
	current_stage = next;
	return MM_OK;
}

enum mm_error mm_stage_check(const char *who, enum mm_stage first, enum mm_stage last)
{
	if (current_stage >= first && current_stage <= last)
		return MM_OK;
	mm_warn("%s: called in stage %s, allowed only from %s to %s\n", who, mm_stage_name(current_stage),
	        mm_stage_name(first), mm_stage_name(last));
	return MM_ERR_WRONG_STAGE;
}

void mm_stage_force(enum mm_stage stage)
{
	current_stage = stage;
}
