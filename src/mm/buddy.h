/*
 * buddy.h - stage 5: the buddy allocator, which owns all free physical memory.
 *
 * Design: free blocks of 2^order pages (order 0..BUDDY_MAX_ORDER) sit on one
 * doubly linked free list per order. A little metadata per 4 KiB frame says
 * whether the frame heads a free or allocated block (and its order), lies
 * inside one, or is not managed, so a block's buddy is found and checked in O(1).
 *
 * The metadata follows RAM, not the span: physical memory is cut into 4 MiB
 * chunks (one largest block each), and only chunks that hold some RAM get
 * per-frame metadata, numbered one after the other ("frame indices"). A hole
 * costs nothing but 4 bytes per GiB of directory, so a span of many TiB that
 * is mostly holes works. A block and its buddy always lie in one chunk, so
 * the buddy of frame index i at order k is index i ^ 2^k, as in the textbook.
 *
 * Free-list links live in the per-frame metadata, never in the memory the
 * buddy manages. With page poisoning off (the default) the buddy never
 * touches that memory at all: freed memory is left as the caller left it, and
 * memory far above what the host tests can map works. With poisoning on
 * (buddy_set_poisoning), every page freed is filled with PAGE_POISON_BYTE
 * and checked when it is handed out again, so a write after free is caught.
 * The caller provides the metadata (the kernel takes it from memblock).
 */
#ifndef BUDDY_H
#define BUDDY_H

#include "frame_source.h"
#include "mm_types.h"

#define BUDDY_MAX_ORDER 10                             /* order 10 = 1024 pages = 4 MiB */
#define BUDDY_MAX_BLOCK (PAGE_SIZE << BUDDY_MAX_ORDER) /* bytes in the largest block */
#define BUDDY_NONE      UINT32_MAX                     /* "no frame" in a list link */

/* The metadata comes in chunks of one largest block, in a directory of 1 GiB
 * sections (see buddy.c for the layout). */
#define BUDDY_CHUNK_SHIFT   (PAGE_SHIFT + BUDDY_MAX_ORDER) /* 4 MiB */
#define BUDDY_SECTION_SHIFT 30                             /* 1 GiB */

/* What a frame is, from the buddy's point of view. */
enum buddy_frame_state {
	BUDDY_FRAME_UNMANAGED = 0,  /* a hole or a reserved frame: never given to the buddy */
	BUDDY_FRAME_FREE_HEAD,      /* first frame of a free block (on the list of its order) */
	BUDDY_FRAME_ALLOCATED_HEAD, /* first frame of an allocated block */
	BUDDY_FRAME_TAIL,           /* any other frame of a block, free or allocated */
	BUDDY_FRAME_CACHED,         /* an order-0 page in a per-CPU list (percpu_pages.h): the
	                               buddy handed it out, nobody holds it */
};

/* The links of one frame: only meaningful in a FREE_HEAD. Indices are frame
 * indices (see above), or BUDDY_NONE. */
struct buddy_frame {
	uint32_t next, prev;
};

/* The rest of a frame's metadata, one byte. order is meaningful in a head;
 * poisoned is set only in frames of free blocks, per frame, so splits and
 * merges never touch it. With the links, 9 bytes per frame of RAM. */
struct buddy_frame_info {
	uint8_t state : 3;    /* enum buddy_frame_state */
	uint8_t order : 4;    /* block order, in a head */
	uint8_t poisoned : 1; /* 1: free, and filled with the poison when it was freed */
};

/* One range of RAM, for buddy_init_ram(). */
struct buddy_ram_range {
	phys_addr_t base;
	uint64_t size_bytes;
};

/* Call visit(ctx, pa) for every free block of the given order, in the
 * order of its free list, with the lock held (visit must not call the
 * buddy). Stops early when visit returns false. Returns the number of
 * blocks visited; 0 for an order above BUDDY_MAX_ORDER. */
size_t buddy_for_each_free_block(unsigned order, bool (*visit)(void *ctx, phys_addr_t pa), void *ctx);

/* Bytes of metadata buddy_init_ram() needs for the RAM ranges ram[0..count)
 * (ascending, not overlapping): per chunk of 4 MiB that holds some RAM, 9
 * bytes per frame and a few bytes of directory, plus 4 bytes per 1 GiB
 * section of the span and 1 KiB per section that holds RAM. Returns 0 when
 * there is no RAM, the ranges are out of order, or there is too much RAM for
 * 32-bit frame indices (16 TiB); buddy_init_ram refuses those. */
uint64_t buddy_ram_metadata_bytes(const struct buddy_ram_range *ram, size_t count);

/* Set the buddy up for the RAM ranges ram[0..count), with every frame
 * unmanaged and all lists empty; the span is from the lowest base to the
 * highest end. metadata: caller-owned memory of metadata_bytes bytes (at
 * least buddy_ram_metadata_bytes(), 8-byte aligned). Only the ranges' frames
 * may be given to buddy_add_free_range() later. Allowed in stage PAGING
 * only, once (until buddy_reset()). The set-up is a memset of one byte per
 * frame and O(chunks) more.
 * Returns MM_OK, MM_ERR_WRONG_STAGE, MM_ERR_INVALID (no RAM, ranges out of
 * order, too much RAM, NULL metadata, second call), MM_ERR_MISALIGNED
 * (metadata pointer) or MM_ERR_NO_MEMORY (metadata too small; the message
 * names both sizes). */
enum mm_error buddy_init_ram(const struct buddy_ram_range *ram, size_t count, void *metadata,
                             uint64_t metadata_bytes);

/* The same for one range of RAM, [lowest, highest_end): what host tests and
 * benchmarks use. highest_end is rounded up to a page. */
uint64_t buddy_metadata_bytes(phys_addr_t lowest, phys_addr_t highest_end);
enum mm_error buddy_init(phys_addr_t lowest, phys_addr_t highest_end, void *metadata,
                         uint64_t metadata_bytes);

/* Give the free range [base, base + size_bytes) to the buddy. The range is
 * trimmed inward to whole pages, cut into the largest order-aligned blocks
 * that fit, and each block is merged with its free buddies. The range must
 * lie inside the RAM given to buddy_init_ram() and must not overlap frames
 * already given. Allowed in stage PAGING only. O(blocks) plus a read and a
 * memset of one byte per frame.
 * Returns MM_OK (also when no whole page remains; that is logged),
 * MM_ERR_WRONG_STAGE, MM_ERR_INVALID (zero size, wraps, outside the span or
 * the RAM, no buddy_init) or MM_ERR_OVERLAP (some frame already managed); on
 * an error nothing changes. */
enum mm_error buddy_add_free_range(phys_addr_t base, uint64_t size_bytes);

/* Allocate a block of 2^order pages, aligned to its size, splitting a larger
 * block if needed; its physical address goes to *out. The block's content is
 * whatever was there (the poison, for pages freed while poisoning was on).
 * Every page of the block that was poisoned when it was freed is checked
 * first (see buddy_set_poisoning). Allowed from stage BUDDY on.
 * Returns MM_OK, MM_ERR_WRONG_STAGE, MM_ERR_INVALID (order above
 * BUDDY_MAX_ORDER, NULL out), MM_ERR_NO_MEMORY (no block of that order or
 * larger; the message names the order) or MM_ERR_USE_AFTER_FREE (a poisoned
 * page of the block was written while it was free: the message names the
 * page and the offset, the use-after-free hook is called with both, *out is
 * left alone, and the block is kept out of use for good, since whoever
 * wrote it may write it again). */
enum mm_error buddy_alloc_pages(unsigned order, phys_addr_t *out);

/* Give back the block of 2^order pages at pa, which buddy_alloc_pages()
 * returned with the same order; it merges with its free buddies. Allowed
 * from stage BUDDY on. A refused free changes nothing and logs the address
 * and order. Returns MM_OK, MM_ERR_WRONG_STAGE, MM_ERR_INVALID (order above
 * max), MM_ERR_MISALIGNED (pa not aligned to the block size),
 * MM_ERR_NOT_OWNED (outside the span, or inside a block but not its head),
 * MM_ERR_RESERVED (a hole or reserved frame the buddy never managed),
 * MM_ERR_DOUBLE_FREE (already free, or sitting in a per-CPU list) or
 * MM_ERR_WRONG_ORDER (allocated with another order; the message names both). */
enum mm_error buddy_free_pages(phys_addr_t pa, unsigned order);

/*
 * Page poisoning: with it on, buddy_free_pages() fills every page of the
 * freed block with PAGE_POISON_BYTE (page_poison.h) and marks it poisoned;
 * buddy_alloc_pages() checks every poisoned page of the block it hands out
 * and reports the first changed byte as a use after free. Pages given by
 * buddy_add_free_range() are not poisoned (nobody can have used them after
 * a free, and filling all RAM would cost a pass over it at boot): they are
 * not checked until they have been allocated and freed once.
 *
 * Turning it on or off is allowed at any time and only decides what later
 * frees do: pages poisoned earlier are still checked when they come back,
 * and pages freed while it was off are never checked, so switching cannot
 * cause a false report. Off by default (and after buddy_reset()).
 */
void buddy_set_poisoning(bool on);
bool buddy_poisoning(void);

/* Called by buddy_alloc_pages() when it finds a use after free, with the
 * physical address of the changed page and the byte offset of the first
 * changed byte in it, after the buddy's lock is dropped and before
 * MM_ERR_USE_AFTER_FREE is returned. The kernel's hook panics; host tests
 * record. NULL (the default, and after buddy_reset()) calls nothing. */
typedef void (*buddy_use_after_free_hook)(phys_addr_t page, uint64_t offset);
void buddy_set_use_after_free_hook(buddy_use_after_free_hook hook);

/* Free pages that are poisoned (and will be checked when allocated). */
uint64_t buddy_poisoned_pages(void);

/* The smallest order whose block holds size_bytes (0 for 0 bytes). Sizes
 * above BUDDY_MAX_BLOCK give BUDDY_MAX_ORDER + 1, which buddy_alloc_pages()
 * refuses with MM_ERR_INVALID. */
unsigned buddy_order_for_bytes(uint64_t size_bytes);

/* Free pages in all lists together. */
uint64_t buddy_count_free_pages(void);

/* Free blocks on the list of one order (0 for an order above max). */
size_t buddy_free_blocks(unsigned order);

/* Pages ever given to the buddy by buddy_add_free_range() (free or not). */
uint64_t buddy_managed_pages(void);

/* The span the buddy was set up for, in frames: *base is the physical
 * address of the first (aligned down to the largest block), *nframes how
 * many frames there are from there to the end, holes included. */
void buddy_managed_span(phys_addr_t *base, uint64_t *nframes_out);

/* Where the metadata is and how large it is (0 before buddy_init). */
void buddy_metadata(const void **metadata, uint64_t *size_bytes);

/* The metadata byte of the frame at pa, or NULL when pa has no metadata (a
 * hole, or outside the span). For tests that corrupt it on purpose, and for
 * the per-CPU lists: for an address aligned to BUDDY_MAX_BLOCK it is the
 * first of its 4 MiB chunk's 1024 bytes, one per frame in address order,
 * and it does not move until buddy_reset(). */
struct buddy_frame_info *buddy_frame_info_at(phys_addr_t pa);

/* Log the number of free blocks per order and the free total. */
void buddy_dump(void);

/* Walk every free list and all the metadata: list entries are free heads of
 * the list's order, aligned, inside the metadata, correctly linked; no free
 * block has a free buddy of the same order; every block's other frames are
 * tails; only frames of free blocks are poisoned; the counters agree. A
 * CACHED frame counts as an allocated order-0 block; their number goes to
 * *cached when cached is not NULL. Logs the first violation and returns
 * false; returns true when all holds. */
bool buddy_check_invariants_counting(uint64_t *cached);
bool buddy_check_invariants(void); /* the same, without the count */

/*
 * For the per-CPU page lists (percpu_pages.c), which keep order-0 pages in
 * front of the buddy. A page in such a list is CACHED: the buddy handed it
 * out, so it is neither on a free list nor merged, but nobody holds it, so
 * freeing it is a double free.
 *
 * buddy_alloc_cached() takes up to count order-0 pages under the lock, once
 * (Linux's rmqueue_bulk), marks them CACHED, stores them in out[] (the
 * lowest address last) and returns how many it got (fewer when memory runs
 * out). It takes them as whole blocks where it can (16 pages: one order-4
 * block, split into 16 CACHED pages by a memset of their bytes). Never with
 * poisoning on: the pages are not checked. buddy_free_cached() gives count
 * CACHED pages back under the lock, once, merging each.
 *
 * The per-CPU code marks a page CACHED when it takes it back, and allocated
 * (buddy_order0_byte(BUDDY_FRAME_ALLOCATED_HEAD)) when it hands it out, by
 * writing the page's byte (buddy_frame_info_at) without the lock. That is
 * safe because the byte belongs to the page's holder: under the lock the
 * buddy only ever writes the metadata of free blocks and of the block it is
 * handing out, and only reads a held frame's state (to see that it is not a
 * free buddy, which both states say alike). buddy_cache_page() does the
 * same for one page, and refuses a page that is not an allocated order-0
 * block with the error and message buddy_free_pages() would give.
 */
unsigned buddy_alloc_cached(unsigned count, phys_addr_t *out);
void buddy_free_cached(const phys_addr_t *pages, unsigned count);
enum mm_error buddy_cache_page(phys_addr_t pa);

/* The byte of a frame's metadata in the given state, order 0, not
 * poisoned: what memset writes over many frames, and what the per-CPU
 * fast paths compare and write. */
static inline uint8_t buddy_order0_byte(enum buddy_frame_state state)
{
	struct buddy_frame_info f = {.state = state};
	uint8_t byte;
	__builtin_memcpy(&byte, &f, 1);
	return byte;
}

/* A frame source (name "buddy") that allocates and frees single order-0
 * frames, for the page-table mapper. */
struct frame_source *buddy_frame_source(void);

/* Host tests only: forget everything (the metadata memory stays the
 * caller's), so buddy_init() may run again; poisoning goes off and the
 * use-after-free hook back to NULL, and the lock is free. */
void buddy_reset(void);

#endif /* BUDDY_H */
