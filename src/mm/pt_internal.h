/*
 * pt_internal.h - shared by the page-table mapper's own files (paging.c,
 * pt_space.c, pt_walk.c, pt_toolbox.c) and by nothing else: table frames,
 * their allocation and freeing, the check that a space has tables, and the
 * argument checks and leaf lookup that paging.c and the toolbox share.
 */
#ifndef PT_INTERNAL_H
#define PT_INTERNAL_H

#include "mm_env.h"
#include "paging.h"

/* The 512 entries of the table at physical address `table`. */
static inline uint64_t *pt_table(phys_addr_t table)
{
	return mm_phys_to_virt(table);
}

/*
 * Take a frame for a new table from `frames` and zero it. who: the public
 * function, for messages. Returns MM_OK with the frame in *out,
 * MM_ERR_NO_MEMORY, or MM_ERR_INVALID if the source returned an unusable
 * frame (not 4 KiB aligned, 0, or beyond 52 bits).
 */
enum mm_error pt_alloc_table(struct frame_source *frames, const char *who, phys_addr_t *out);

/*
 * Return the table at `level` (4 = PML4 ... 1 = PT) and every table below
 * it to `frames`; mapped frames are not touched. Goes on after a refusal
 * and returns the first error.
 */
enum mm_error pt_free_tables(struct frame_source *frames, const char *who, phys_addr_t table, int level);

/* MM_OK if sp has a root table and a frame source, else logs and returns
 * MM_ERR_INVALID. */
enum mm_error pt_check_space(const char *who, const struct pt_space *sp);

/* Argument checks shared by paging.c and pt_toolbox.c: each logs "who:
 * problem value" and returns MM_ERR_INVALID, or MM_OK. */
enum mm_error pt_check_tlb(const char *who, enum pt_tlb tlb);
enum mm_error pt_check_flags(const char *who, unsigned flags);

/* The leaf entry bits for PT_* flags at `level` (PS above level 1). */
uint64_t pt_leaf_bits(unsigned flags, int level);

/* The leaf of the page that starts exactly at va, and its level; logs and
 * returns MM_ERR_NOT_MAPPED, MM_ERR_HUGE_PAGE (va inside a larger page) or
 * the space and address checks' errors. */
enum mm_error pt_find_page_start(const struct pt_space *sp, const char *who, virt_addr_t va, uint64_t **entry,
                                 int *level);

#endif /* PT_INTERNAL_H */
