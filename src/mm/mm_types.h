/*
 * mm_types.h - the basic vocabulary of the memory-management subsystem:
 * address types, page sizes, the fixed virtual layout, and the error enum
 * that every MM operation returns instead of crashing.
 *
 * src/mm/ is separable: it includes only freestanding C headers and its own
 * headers, so the same sources build into the kernel and into host tests.
 */
#ifndef MM_TYPES_H
#define MM_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Distinct names for the two address spaces make signatures self-explaining.
 * Both are plain integers: C cannot stop you mixing them, the names can. */
typedef uint64_t phys_addr_t;
typedef uint64_t virt_addr_t;

#define PAGE_SHIFT   12
#define PAGE_SIZE    ((uint64_t)1 << PAGE_SHIFT) /* 4 KiB */
#define PAGE_SIZE_2M ((uint64_t)1 << 21)
#define PAGE_SIZE_1G ((uint64_t)1 << 30)

#define ALIGN_DOWN(x, a) ((x) & ~((uint64_t)(a)-1))
#define ALIGN_UP(x, a)   ALIGN_DOWN((uint64_t)(x) + (uint64_t)(a)-1, (a))
#define IS_ALIGNED(x, a) (((uint64_t)(x) & ((uint64_t)(a)-1)) == 0)

/* For the few functions on the allocators' hottest paths that GCC would
 * otherwise keep out of line, at the cost of a call and register saves on
 * every allocation and free (chapter 13.8). The debug build
 * (STAGEOS_KERNEL_DEBUG: -Og -fno-inline, for stepping in GDB) defines
 * MM_NO_FORCED_INLINE, so that there they stay frames of their own. */
#ifdef MM_NO_FORCED_INLINE
#define MM_FORCE_INLINE
#else
#define MM_FORCE_INLINE inline __attribute__((always_inline))
#endif

#define KiB(x) ((uint64_t)(x) << 10)
#define MiB(x) ((uint64_t)(x) << 20)
#define GiB(x) ((uint64_t)(x) << 30)

/* Virtual layout (see docs/): all RAM appears at PHYS_OFFSET + phys (the
 * direct map); the kernel image is linked at KERNEL_VIRT_BASE + phys. */
#define PHYS_OFFSET      ((uint64_t)0xffff800000000000)
#define KERNEL_VIRT_BASE ((uint64_t)0xffffffff80000000)

/* Every fallible MM operation returns one of these. Only the kernel's stage
 * driver turns an error into a panic. */
enum mm_error {
	MM_OK = 0,
	MM_ERR_INVALID,        /* an argument makes no sense (zero size, ...) */
	MM_ERR_MISALIGNED,     /* address or size not aligned as required */
	MM_ERR_NON_CANONICAL,  /* virtual address outside both halves */
	MM_ERR_ALREADY_MAPPED, /* the page is mapped (elsewhere) already */
	MM_ERR_NOT_MAPPED,     /* nothing is mapped there */
	MM_ERR_NO_MEMORY,      /* the allocator or frame source is empty */
	MM_ERR_TABLE_FULL,     /* a fixed-capacity table has no room left */
	MM_ERR_OVERLAP,        /* the range overlaps one it must not */
	MM_ERR_DOUBLE_FREE,    /* freeing what is already free */
	MM_ERR_NOT_OWNED,      /* freeing what this allocator never handed out */
	MM_ERR_WRONG_ORDER,    /* freeing a block with the wrong size */
	MM_ERR_RESERVED,       /* the frame is reserved and must not be freed */
	MM_ERR_HUGE_PAGE,      /* a large page is in the way of the operation */
	MM_ERR_UNSUPPORTED,    /* e.g. 1 GiB pages on a CPU without them */
	MM_ERR_REFUSED,        /* the operation is not allowed (bump free) */
	MM_ERR_WRONG_STAGE,    /* called outside the stages it belongs to */
	MM_ERR_USE_AFTER_FREE, /* a freed page was written before it was allocated again */
};

/* A short English name for an error, e.g. "already mapped". */
const char *mm_strerror(enum mm_error err);

#endif /* MM_TYPES_H */
