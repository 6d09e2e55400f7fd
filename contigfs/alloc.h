/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Buddy allocator of one contigfs zone. Its state is the set of free and
 * maximal blocks, kept both as per-order free lists and as the zone's
 * on-disk free-block bitmaps (see "Free-block bitmaps" in
 * <uapi/flashnet/contigfs.h>); every change updates both and marks the
 * bitmap pages it touched dirty, so the bitmaps are always canonical.
 *
 * No internal locking: the caller serialises every call on an allocator
 * with its own sleeping lock (calls allocate with GFP_NOFS and may sleep).
 * Each call costs O(K) xarray operations; only cfs_alloc_format(),
 * cfs_alloc_load_page() and cfs_alloc_validate() walk the zone or a page.
 * Memory is one page per bitmap page with a set bit, plus the free lists.
 * A failed allocation leaves the allocator exactly as it was.
 *
 * grow, shrink and free take blocks the caller allocated: anything else
 * (misaligned, past P, not wholly allocated, a bad order) is a caller bug
 * and WARNs; grow then returns -EINVAL, shrink and free do nothing.
 */
#ifndef _CONTIGFS_ALLOC_H
#define _CONTIGFS_ALLOC_H

#include <linux/types.h>
#include <linux/xarray.h>
#include <uapi/flashnet/contigfs.h>

/* Bits in one bitmap page. */
#define CFS_BITMAP_PAGE_BITS	(CONTIGFS_BLOCK_SIZE * 8)

struct cfs_alloc {
	u64 pages;			/* P: zone size in pages */
	unsigned int orders;		/* K + 1, 1..CONTIGFS_MAX_ORDER + 1 */
	u64 free_pages;
	/* block index -> present: free & maximal */
	struct xarray free[CONTIGFS_MAX_ORDER + 1];
	/*
	 * bitmap page index -> struct page * holding at least one set bit
	 * (page_private: number of set bits). All-zero pages are absent, or
	 * xa_mk_value(0) while dirty. Dirty pages carry XA_MARK_0.
	 */
	struct xarray bitmap;
	u64 bit_off[CONTIGFS_MAX_ORDER + 2];	/* off_k, plus total bits at [orders] */
};

/* Bitmap size in pages for a zone (used by mount to validate the superblock). */
u64 cfs_alloc_bitmap_pages(u64 pages, unsigned int orders);

/*
 * No free blocks yet. -EINVAL if the geometry is bad: pages == 0, orders
 * outside 1..CONTIGFS_MAX_ORDER + 1, 2^(orders - 1) > pages, or a zone
 * larger than 2^51 pages. Either way @a may then be passed to
 * cfs_alloc_destroy().
 */
int cfs_alloc_init(struct cfs_alloc *a, u64 pages, unsigned int orders);
void cfs_alloc_destroy(struct cfs_alloc *a);

/*
 * Fresh zone: everything free, canonical decomposition (P >> K blocks of
 * order K, then one block per set bit of P below K); marks the bitmap pages
 * it sets bits in dirty. Only on an allocator just initialised; on -ENOMEM
 * it is left that way. Costs (P >> K) + K insertions.
 */
int cfs_alloc_format(struct cfs_alloc *a);

/*
 * Mount: feed on-disk bitmap page @index (4096 bytes) into an initialised
 * allocator, in any order; all-zero pages may be skipped. Builds the free
 * lists; the page stays clean. -EUCLEAN on bits in the padding after an
 * order's P >> k bits or past the last order; -EINVAL if @index is past the
 * bitmap or a page with set bits was loaded there before; -ENOMEM. On error
 * nothing of the page is loaded.
 */
int cfs_alloc_load_page(struct cfs_alloc *a, u64 index, const void *data);

/*
 * After every page was loaded: -EUCLEAN unless free blocks are disjoint and
 * maximal (two free buddies whose parent is a block of the zone: not
 * maximal). O(free blocks * K).
 */
int cfs_alloc_validate(struct cfs_alloc *a);

/*
 * Lowest-addressed block of the smallest free order >= @order, split down
 * (left half kept, right halves become free). -ENOSPC, also for @order > K;
 * -ENOMEM.
 */
int cfs_alloc_block(struct cfs_alloc *a, unsigned int order, u64 *start);

/*
 * Grow the allocated block (@start, @order) in place to @new_order by taking
 * its free right buddies. 0, or -ENOSPC with nothing changed when it cannot
 * (not the left buddy at some order, a buddy not wholly free, past P, or
 * @new_order > K). Never allocates memory.
 */
int cfs_alloc_grow(struct cfs_alloc *a, u64 start, unsigned int order,
		   unsigned int new_order);

/*
 * Keep the first 2^@new_order pages of the allocated block, free the rest.
 * Cannot fail (uses __GFP_NOFAIL for at most K small allocations).
 */
void cfs_alloc_shrink(struct cfs_alloc *a, u64 start, unsigned int order,
		      unsigned int new_order);

/*
 * Free an allocated block, merging with free buddies up to order K. Cannot
 * fail (__GFP_NOFAIL). Dirties up to one bitmap page per order it merges
 * through, plus one.
 */
void cfs_alloc_free(struct cfs_alloc *a, u64 start, unsigned int order);

/*
 * Mark the block allocated although it lies inside a free block (fsck-style
 * rebuild, recovery), splitting as needed. -EEXIST if any page of it is not
 * free; -EINVAL if it is not a block of the zone; -ENOMEM.
 */
int cfs_alloc_reserve(struct cfs_alloc *a, u64 start, unsigned int order);

/*
 * True iff no page of the block is in a free block; false also when it is
 * not a block of the zone (misaligned, past P, order > K).
 */
bool cfs_alloc_is_allocated(struct cfs_alloc *a, u64 start, unsigned int order);

/*
 * Current image of bitmap page @index: 4096 bytes, the zero page when absent.
 * Valid until the next call that changes the allocator.
 */
const void *cfs_alloc_bitmap_data(struct cfs_alloc *a, u64 index);

/*
 * Visit every dirty bitmap page in index order (the zero page for dirty
 * pages that became all zero) and clear its dirty mark when @fn returns 0;
 * stops at the first error and returns it. @data is valid during the call.
 */
int cfs_alloc_write_dirty(struct cfs_alloc *a,
			  int (*fn)(void *priv, u64 index, const void *data),
			  void *priv);

#if IS_ENABLED(CONFIG_KUNIT)
struct kunit_suite;
extern struct kunit_suite cfs_alloc_test_suite;
#endif

#endif /* _CONTIGFS_ALLOC_H */
