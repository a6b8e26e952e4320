/*
 * pt_toolbox.c - the mapper's operations that no boot stage calls: unmap
 * one page, change a page's rights, clone a whole address space, destroy
 * one. They are kept, and tested (tests/host/test_paging.c and
 * test_paging_clone.c), for the exercises and for the stages to come (a
 * process's address space is cloned from the kernel's, and destroyed when
 * the process ends). Reading the boot path, you can skip this file.
 *
 * Algorithm: unmap and protect find the leaf of the page that starts at va
 * and rewrite it, then flush as told. Clone copies the tables top-down,
 * linking each copy into its parent before filling it: if the frame source
 * runs dry half-way, the partial copy is still one tree, and freeing it
 * from its root returns every frame taken. Destroy frees bottom-up
 * (children before their table), touching only tables, never the frames
 * that leaves point to.
 */
#include "pt_internal.h"

enum mm_error pt_unmap(struct pt_space *sp, virt_addr_t va, struct pt_translation *old, enum pt_tlb tlb)
{
	uint64_t *entry;
	int level;
	enum mm_error err = pt_check_tlb("pt_unmap", tlb);
	if (err == MM_OK)
		err = pt_find_page_start(sp, "pt_unmap", va, &entry, &level);
	if (err != MM_OK)
		return err;
	if (old) {
		old->pa = pt_leaf_pa(*entry, level);
		old->flags = pt_entry_flags(*entry);
		old->size = pt_level_page_size(level);
	}
	*entry = 0;
	if (tlb == PT_TLB_FLUSH_PAGE)
		mm_tlb_flush_page(va);
	else if (tlb == PT_TLB_FLUSH_ALL)
		mm_tlb_flush_all();
	return MM_OK;
}

enum mm_error pt_protect(struct pt_space *sp, virt_addr_t va, unsigned flags, enum pt_tlb tlb)
{
	uint64_t *entry;
	int level;
	enum mm_error err = pt_check_tlb("pt_protect", tlb);
	if (err == MM_OK)
		err = pt_check_flags("pt_protect", flags);
	if (err == MM_OK)
		err = pt_find_page_start(sp, "pt_protect", va, &entry, &level);
	if (err != MM_OK)
		return err;
	/* Keep the address and what the CPU recorded (accessed, dirty). */
	*entry = pt_leaf_pa(*entry, level) | (*entry & (PTE_A | PTE_D)) | pt_leaf_bits(flags, level);
	if (tlb == PT_TLB_FLUSH_PAGE)
		mm_tlb_flush_page(va);
	else if (tlb == PT_TLB_FLUSH_ALL)
		mm_tlb_flush_all();
	return MM_OK;
}

/* Copy the entries of table `from` (at `level`) into the zeroed table `to`,
 * each child table into a new frame that is linked before it is filled. */
static enum mm_error copy_table(struct frame_source *frames, phys_addr_t from, phys_addr_t to, int level,
                                bool with_leaves)
{
	for (unsigned i = 0; i < PT_ENTRIES; i++) {
		uint64_t e = pt_table(from)[i];
		if (!(e & PTE_P))
			continue;
		if (pt_entry_is_leaf(e, level)) {
			if (with_leaves)
				pt_table(to)[i] = e;
			continue;
		}
		phys_addr_t child;
		enum mm_error err = pt_alloc_table(frames, "pt_clone", &child);
		if (err != MM_OK)
			return err;
		pt_table(to)[i] = child | (e & ~PTE_ADDR_MASK);
		err = copy_table(frames, e & PTE_ADDR_MASK, child, level - 1, with_leaves);
		if (err != MM_OK)
			return err;
	}
	return MM_OK;
}

enum mm_error pt_clone(const struct pt_space *src, struct pt_space *dst, struct frame_source *frames,
                       bool with_leaves)
{
	enum mm_error err = pt_check_space("pt_clone", src);
	if (err != MM_OK)
		return err;
	if (!dst || dst == src || !frames) {
		mm_warn("pt_clone: the destination must be a different address space with a frame source\n");
		return MM_ERR_INVALID;
	}
	phys_addr_t root;
	err = pt_alloc_table(frames, "pt_clone", &root);
	if (err != MM_OK) {
		dst->root = 0;
		dst->frames = frames;
		return err;
	}
	err = copy_table(frames, src->root, root, PT_LEVELS, with_leaves);
	if (err != MM_OK) {
		/* Every copy was linked as soon as it was made: freeing from
		 * the new root returns them all. */
		pt_free_tables(frames, "pt_clone", root, PT_LEVELS);
		dst->root = 0;
		dst->frames = frames;
		return err;
	}
	dst->root = root;
	dst->frames = frames;
	dst->allow_1g = src->allow_1g;
	return MM_OK;
}

enum mm_error pt_destroy(struct pt_space *sp)
{
	enum mm_error err = pt_check_space("pt_destroy", sp);
	if (err != MM_OK)
		return err;
	if (sp->root == mm_read_root_table()) {
		mm_warn("pt_destroy: root 0x%lx is the page table now loaded in CR3\n", sp->root);
		return MM_ERR_REFUSED;
	}
	err = pt_free_tables(sp->frames, "pt_destroy", sp->root, PT_LEVELS);
	sp->root = 0;
	return err;
}
