/*
 * page_poison.h - filling a free page with a known pattern, and finding the
 * first byte that no longer holds it: the two halves of page poisoning.
 *
 * The buddy (buddy.c) fills every page it takes back while poisoning is on
 * and checks the page when it hands it out again; a changed byte means that
 * someone wrote to the page while it was free, a use after free. These are
 * plain memory operations with no state, kept apart from the buddy's
 * bookkeeping so that the pattern and its check can be read (and tested) on
 * their own. Both are static inline: every program that builds buddy.c gets
 * them without another source file to list.
 */
#ifndef PAGE_POISON_H
#define PAGE_POISON_H

#include "mm_types.h"

/* The poison byte. Not 0x00 or 0xff (what cleared or erased memory holds),
 * not 0xa5 (the host arena's junk), and with alternating bits, so a stray
 * store of almost any value changes it. Linux's PAGE_POISON is 0xaa too. */
#define PAGE_POISON_BYTE 0xaa
#define PAGE_POISON_WORD 0xaaaaaaaaaaaaaaaaULL /* the same, 8 bytes at a time */

/* Fill the PAGE_SIZE bytes at page (8-byte aligned) with the poison. */
static inline void page_poison_fill(void *page)
{
	uint64_t *w = page;
	for (uint64_t i = 0; i < PAGE_SIZE / 8; i++)
		w[i] = PAGE_POISON_WORD;
}

/*
 * Check the PAGE_SIZE bytes at page (8-byte aligned) for the poison.
 * Returns true when every byte holds it; otherwise false, with the byte
 * offset of the first changed byte in *changed_offset (exact, whatever the
 * size of the write that changed it).
 *
 * The common case is an intact page, so the first pass makes no decision
 * that depends on the data: it ORs together each word's difference from the
 * poison (a load, an xor and an or per word, plus the loop's own counting).
 * Only a page that differs is searched again, byte by byte.
 */
static inline bool page_poison_intact(const void *page, uint64_t *changed_offset)
{
	const uint64_t *w = page;
	uint64_t difference = 0;
	for (uint64_t i = 0; i < PAGE_SIZE / 8; i++)
		difference |= w[i] ^ PAGE_POISON_WORD;
	if (difference == 0)
		return true;
	const uint8_t *b = page;
	uint64_t offset = 0;
	while (b[offset] == PAGE_POISON_BYTE)
		offset++;
	*changed_offset = offset;
	return false;
}

#endif /* PAGE_POISON_H */
