// SPDX-License-Identifier: GPL-2.0
/*
 * Buddy allocator of a contigfs zone, see alloc.h.
 *
 * Every change of state is a "transaction": a run of orders whose blocks
 * become free and a run whose blocks stop being free, each block being the
 * one containing @start at that order or its buddy. All memory a transaction
 * needs (free-list slots, bitmap pages) is obtained before anything changes,
 * so a failed allocation rolls back to exactly the previous state; the
 * changes themselves cannot fail.
 */
#include <kunit/visibility.h>
#include <linux/bitmap.h>
#include <linux/bitops.h>
#include <linux/gfp.h>
#include <linux/log2.h>
#include <linux/math.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sched.h>

#include "alloc.h"

/* Present in a free list: the block is free and maximal. */
#define CFS_FREE_ENTRY		xa_mk_value(1)
/* A dirty bitmap page that became all zero: its page is already freed. */
#define CFS_ZERO_ENTRY		xa_mk_value(0)

/* Byte offsets of the zone must fit in loff_t. */
#define CFS_MAX_PAGES		(1ULL << (63 - CONTIGFS_BLOCK_SHIFT))

struct cfs_txn {
	u64 start;
	unsigned int set_lo, set_hi;	/* orders whose block becomes free */
	unsigned int clr_lo, clr_hi;	/* orders whose block stops being free */
	bool set_buddy, clr_buddy;	/* the buddy rather than the block */
};

static u64 cfs_txn_idx(u64 start, unsigned int order, bool buddy)
{
	return (start >> order) ^ buddy;
}

/* Fill @off with off_k and the total; false if the geometry is invalid. */
static bool cfs_geometry(u64 pages, unsigned int orders, u64 *off)
{
	unsigned int k;

	if (!pages || pages > CFS_MAX_PAGES || pages != (unsigned long)pages ||
	    !orders || orders > CONTIGFS_MAX_ORDER + 1 ||
	    BIT_ULL(orders - 1) > pages)
		return false;
	off[0] = 0;
	for (k = 0; k < orders; k++)
		off[k + 1] = off[k] + round_up(pages >> k, 64);
	return true;
}

u64 cfs_alloc_bitmap_pages(u64 pages, unsigned int orders)
{
	u64 off[CONTIGFS_MAX_ORDER + 2];

	if (!cfs_geometry(pages, orders, off))
		return 0;
	return DIV_ROUND_UP(off[orders], CFS_BITMAP_PAGE_BITS);
}
EXPORT_SYMBOL_IF_KUNIT(cfs_alloc_bitmap_pages);

/* On failure too, @a is ready for cfs_alloc_destroy(). */
int cfs_alloc_init(struct cfs_alloc *a, u64 pages, unsigned int orders)
{
	unsigned int k;

	memset(a, 0, sizeof(*a));
	for (k = 0; k <= CONTIGFS_MAX_ORDER; k++)
		xa_init(&a->free[k]);
	xa_init(&a->bitmap);
	if (!cfs_geometry(pages, orders, a->bit_off))
		return -EINVAL;
	a->pages = pages;
	a->orders = orders;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(cfs_alloc_init);

/* Back to the state cfs_alloc_init() left. */
static void cfs_alloc_reset(struct cfs_alloc *a)
{
	unsigned long index;
	unsigned int k;
	void *entry;

	xa_for_each(&a->bitmap, index, entry)
		if (!xa_is_value(entry))
			__free_page(entry);
	xa_destroy(&a->bitmap);
	for (k = 0; k < a->orders; k++)
		xa_destroy(&a->free[k]);
	a->free_pages = 0;
}

void cfs_alloc_destroy(struct cfs_alloc *a)
{
	cfs_alloc_reset(a);
}
EXPORT_SYMBOL_IF_KUNIT(cfs_alloc_destroy);

static u64 cfs_bit(struct cfs_alloc *a, unsigned int order, u64 idx)
{
	return a->bit_off[order] + idx;
}

static bool cfs_is_free(struct cfs_alloc *a, unsigned int order, u64 idx)
{
	return xa_load(&a->free[order], idx);
}

/* Is the parent of block @idx of @order a block of the zone (<= K, in P)? */
static bool cfs_parent_fits(struct cfs_alloc *a, unsigned int order, u64 idx)
{
	return order + 1 < a->orders &&
	       ((idx >> 1) + 1) << (order + 1) <= a->pages;
}

static bool cfs_block_valid(struct cfs_alloc *a, u64 start, unsigned int order)
{
	return order < a->orders && !(start & (BIT_ULL(order) - 1)) &&
	       start < a->pages && BIT_ULL(order) <= a->pages - start;
}

/*
 * Make room for block @idx of @order to become free: its free-list slot and
 * a bitmap page for its bit. A new page is installed with no bits set, which
 * no page has between calls, so cfs_unprepare_set() can recognise it.
 */
static int cfs_prepare_set(struct cfs_alloc *a, unsigned int order, u64 idx,
			   gfp_t gfp)
{
	unsigned long pidx = cfs_bit(a, order, idx) / CFS_BITMAP_PAGE_BITS;
	struct page *page;
	void *old;
	int err;

	err = xa_reserve(&a->free[order], idx, gfp);
	if (err)
		return err;
	old = xa_load(&a->bitmap, pidx);
	if (old && !xa_is_value(old))
		return 0;
	page = alloc_page(gfp | __GFP_ZERO);
	if (!page)
		return -ENOMEM;
	set_page_private(page, 0);
	/* Replacing CFS_ZERO_ENTRY keeps its dirty mark. */
	err = xa_err(xa_store(&a->bitmap, pidx, page, gfp));
	if (err)
		__free_page(page);
	return err;
}

/* Drop a bitmap page without set bits: absent if clean, else a marker. */
static void cfs_drop_page(struct cfs_alloc *a, unsigned long pidx,
			  struct page *page)
{
	if (xa_get_mark(&a->bitmap, pidx, XA_MARK_0))
		WARN_ON_ONCE(xa_is_err(xa_store(&a->bitmap, pidx,
						CFS_ZERO_ENTRY, GFP_NOWAIT)));
	else
		xa_erase(&a->bitmap, pidx);
	__free_page(page);
}

static void cfs_unprepare_set(struct cfs_alloc *a, unsigned int order,
			      u64 idx)
{
	unsigned long pidx = cfs_bit(a, order, idx) / CFS_BITMAP_PAGE_BITS;
	struct page *page = xa_load(&a->bitmap, pidx);

	xa_release(&a->free[order], idx);
	if (page && !xa_is_value(page) && !page_private(page))
		cfs_drop_page(a, pidx, page);
}

/* Block @idx of @order becomes free; cfs_prepare_set() made room. */
static void cfs_set(struct cfs_alloc *a, unsigned int order, u64 idx)
{
	u64 bit = cfs_bit(a, order, idx);
	unsigned long pidx = bit / CFS_BITMAP_PAGE_BITS;
	struct page *page;

	/* Stores into a reserved slot never allocate. */
	WARN_ON_ONCE(xa_is_err(xa_store(&a->free[order], idx, CFS_FREE_ENTRY,
					GFP_NOWAIT)));
	page = xa_load(&a->bitmap, pidx);
	__set_bit_le(bit % CFS_BITMAP_PAGE_BITS, page_address(page));
	set_page_private(page, page_private(page) + 1);
	xa_set_mark(&a->bitmap, pidx, XA_MARK_0);
}

/* Block @idx of @order stops being free. Never allocates. */
static void cfs_clear(struct cfs_alloc *a, unsigned int order, u64 idx)
{
	u64 bit = cfs_bit(a, order, idx);
	unsigned long pidx = bit / CFS_BITMAP_PAGE_BITS;
	struct page *page;

	xa_erase(&a->free[order], idx);
	page = xa_load(&a->bitmap, pidx);
	__clear_bit_le(bit % CFS_BITMAP_PAGE_BITS, page_address(page));
	set_page_private(page, page_private(page) - 1);
	xa_set_mark(&a->bitmap, pidx, XA_MARK_0);
	if (!page_private(page))
		cfs_drop_page(a, pidx, page);
}

/*
 * Apply @t, or change nothing and return -ENOMEM. Sets go before clears so
 * that a page shared by both is not freed and reallocated in between.
 */
static int cfs_txn_apply(struct cfs_alloc *a, const struct cfs_txn *t, gfp_t gfp)
{
	unsigned int k, j;
	int err;

	for (k = t->set_lo; k < t->set_hi; k++) {
		err = cfs_prepare_set(a, k, cfs_txn_idx(t->start, k, t->set_buddy),
				      gfp);
		if (err) {
			for (j = t->set_lo; j <= k; j++)
				cfs_unprepare_set(a, j, cfs_txn_idx(t->start, j,
								    t->set_buddy));
			return err;
		}
	}
	for (k = t->set_lo; k < t->set_hi; k++)
		cfs_set(a, k, cfs_txn_idx(t->start, k, t->set_buddy));
	for (k = t->clr_lo; k < t->clr_hi; k++)
		cfs_clear(a, k, cfs_txn_idx(t->start, k, t->clr_buddy));
	return 0;
}

/*
 * Freeing paths cannot report failure to their callers (unlink, truncate),
 * and need little: a few xarray nodes and at most one page per order.
 */
#define CFS_GFP_NOFAIL	(GFP_NOFS | __GFP_NOFAIL)

/* Format helper: block @idx of @order becomes free, nothing else changes. */
static int cfs_format_add(struct cfs_alloc *a, unsigned int order, u64 idx)
{
	int err = cfs_prepare_set(a, order, idx, GFP_NOFS);

	if (err)
		return err;
	cfs_set(a, order, idx);
	a->free_pages += BIT_ULL(order);
	cond_resched();
	return 0;
}

int cfs_alloc_format(struct cfs_alloc *a)
{
	unsigned int k = a->orders - 1;
	u64 idx;
	int err = 0;

	if (WARN_ON_ONCE(a->free_pages || !xa_empty(&a->bitmap)))
		return -EINVAL;
	/*
	 * Whole blocks of order K, then the tail by the binary digits of P:
	 * those blocks' parents extend past P.
	 */
	for (idx = 0; idx < a->pages >> k && !err; idx++)
		err = cfs_format_add(a, k, idx);
	while (k-- > 0 && !err)
		if ((a->pages >> k) & 1)
			err = cfs_format_add(a, k, (a->pages >> k) - 1);
	if (err)
		cfs_alloc_reset(a);
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(cfs_alloc_format);

/* Check one order's share of a loaded page; @lo, @hi are page-relative. */
static int cfs_load_check(const void *data, unsigned long lo, unsigned long hi)
{
	if (lo >= hi)
		return 0;
	return find_next_bit_le(data, hi, lo) < hi ? -EUCLEAN : 0;
}

/*
 * Insert (or, with @undo, remove up to bit @stop) the free blocks of the
 * set bits of a loaded page. Returns -ENOMEM or -EBUSY on failure.
 */
static int cfs_load_bits(struct cfs_alloc *a, u64 index, const void *data,
			 bool undo, unsigned long stop)
{
	u64 base = index * CFS_BITMAP_PAGE_BITS;
	unsigned long i;
	unsigned int k = 0;
	int err;

	for (i = find_next_bit_le(data, stop, 0); i < stop;
	     i = find_next_bit_le(data, stop, i + 1)) {
		while (base + i >= a->bit_off[k + 1])
			k++;
		if (undo) {
			xa_erase(&a->free[k], base + i - a->bit_off[k]);
			a->free_pages -= BIT_ULL(k);
			continue;
		}
		err = xa_insert(&a->free[k], base + i - a->bit_off[k],
				CFS_FREE_ENTRY, GFP_NOFS);
		if (err) {
			cfs_load_bits(a, index, data, true, i);
			return err;
		}
		a->free_pages += BIT_ULL(k);
	}
	return 0;
}

int cfs_alloc_load_page(struct cfs_alloc *a, u64 index, const void *data)
{
	u64 base = index * CFS_BITMAP_PAGE_BITS;
	u64 total = a->bit_off[a->orders];
	unsigned long lo, hi, weight;
	struct page *page;
	unsigned int k;
	int err;

	if (index >= DIV_ROUND_UP(total, CFS_BITMAP_PAGE_BITS))
		return -EINVAL;
	/* Padding after each order's P >> k bits, then past the last order. */
	for (k = 0; k < a->orders; k++) {
		u64 pad = a->bit_off[k] + (a->pages >> k);

		lo = clamp(pad, base, base + CFS_BITMAP_PAGE_BITS) - base;
		hi = clamp(a->bit_off[k + 1], base,
			   base + CFS_BITMAP_PAGE_BITS) - base;
		if (cfs_load_check(data, lo, hi))
			return -EUCLEAN;
	}
	lo = clamp(total, base, base + CFS_BITMAP_PAGE_BITS) - base;
	if (cfs_load_check(data, lo, CFS_BITMAP_PAGE_BITS))
		return -EUCLEAN;

	weight = bitmap_weight(data, CFS_BITMAP_PAGE_BITS);
	if (!weight)
		return 0;
	page = alloc_page(GFP_NOFS);
	if (!page)
		return -ENOMEM;
	memcpy(page_address(page), data, CONTIGFS_BLOCK_SIZE);
	set_page_private(page, weight);
	err = xa_insert(&a->bitmap, index, page, GFP_NOFS);
	if (err)
		goto out_page;
	err = cfs_load_bits(a, index, data, false, CFS_BITMAP_PAGE_BITS);
	if (!err)
		return 0;
	xa_erase(&a->bitmap, index);
out_page:
	__free_page(page);
	/* -EBUSY: this page, or blocks in it, were loaded before. */
	return err == -EBUSY ? -EINVAL : err;
}
EXPORT_SYMBOL_IF_KUNIT(cfs_alloc_load_page);

int cfs_alloc_validate(struct cfs_alloc *a)
{
	unsigned int k, j;
	unsigned long idx;
	void *entry;

	for (k = 0; k < a->orders; k++) {
		xa_for_each(&a->free[k], idx, entry) {
			/* Aligned blocks either nest or are disjoint. */
			for (j = k + 1; j < a->orders; j++)
				if (cfs_is_free(a, j, idx >> (j - k)))
					return -EUCLEAN;
			/*
			 * With disjoint blocks, a wholly free parent always
			 * shows as a pair of free buddies at some order.
			 */
			if (cfs_parent_fits(a, k, idx) &&
			    cfs_is_free(a, k, idx ^ 1))
				return -EUCLEAN;
			cond_resched();
		}
	}
	return a->free_pages <= a->pages ? 0 : -EUCLEAN;
}
EXPORT_SYMBOL_IF_KUNIT(cfs_alloc_validate);

int cfs_alloc_block(struct cfs_alloc *a, unsigned int order, u64 *start)
{
	struct cfs_txn t = { .set_lo = order, .set_buddy = true };
	unsigned long idx = 0;
	unsigned int k;
	int err;

	for (k = order; k < a->orders; k++) {
		idx = 0;
		if (xa_find(&a->free[k], &idx, ULONG_MAX, XA_PRESENT))
			break;
	}
	if (k >= a->orders)
		return -ENOSPC;
	/* Split down: the right halves of orders [order, k) become free. */
	t.start = (u64)idx << k;
	t.set_hi = k;
	t.clr_lo = k;
	t.clr_hi = k + 1;
	err = cfs_txn_apply(a, &t, GFP_NOFS);
	if (err)
		return err;
	a->free_pages -= BIT_ULL(order);
	*start = t.start;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(cfs_alloc_block);

int cfs_alloc_grow(struct cfs_alloc *a, u64 start, unsigned int order,
		   unsigned int new_order)
{
	struct cfs_txn t = {
		.start = start, .clr_lo = order, .clr_hi = new_order,
		.clr_buddy = true,
	};
	unsigned int k;

	if (WARN_ON_ONCE(!cfs_alloc_is_allocated(a, start, order) ||
			 new_order < order))
		return -EINVAL;
	if (new_order >= a->orders)
		return -ENOSPC;
	/*
	 * The right buddy at each order has our block in its parent, so it
	 * is wholly free iff it is a free block itself (past P it is not).
	 */
	for (k = order; k < new_order; k++)
		if (((start >> k) & 1) || !cfs_is_free(a, k, (start >> k) ^ 1))
			return -ENOSPC;
	cfs_txn_apply(a, &t, GFP_NOFS);	/* clears only: cannot fail */
	a->free_pages -= BIT_ULL(new_order) - BIT_ULL(order);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(cfs_alloc_grow);

void cfs_alloc_shrink(struct cfs_alloc *a, u64 start, unsigned int order,
		      unsigned int new_order)
{
	/* Each freed right half has the kept part in its parent: no merging. */
	struct cfs_txn t = {
		.start = start, .set_lo = new_order, .set_hi = order,
		.set_buddy = true,
	};

	if (WARN_ON_ONCE(!cfs_alloc_is_allocated(a, start, order) ||
			 new_order > order))
		return;
	cfs_txn_apply(a, &t, CFS_GFP_NOFAIL);
	a->free_pages += BIT_ULL(order) - BIT_ULL(new_order);
}
EXPORT_SYMBOL_IF_KUNIT(cfs_alloc_shrink);

void cfs_alloc_free(struct cfs_alloc *a, u64 start, unsigned int order)
{
	struct cfs_txn t = {
		.start = start, .clr_lo = order, .clr_buddy = true,
	};
	unsigned int k = order;

	if (WARN_ON_ONCE(!cfs_alloc_is_allocated(a, start, order)))
		return;
	while (cfs_parent_fits(a, k, start >> k) &&
	       cfs_is_free(a, k, (start >> k) ^ 1))
		k++;
	/* Buddies of orders [order, k) merge into the block of order k. */
	t.clr_hi = k;
	t.set_lo = k;
	t.set_hi = k + 1;
	cfs_txn_apply(a, &t, CFS_GFP_NOFAIL);
	a->free_pages += BIT_ULL(order);
}
EXPORT_SYMBOL_IF_KUNIT(cfs_alloc_free);

int cfs_alloc_reserve(struct cfs_alloc *a, u64 start, unsigned int order)
{
	struct cfs_txn t = { .start = start, .set_lo = order, .set_buddy = true };
	unsigned int k;
	int err;

	if (!cfs_block_valid(a, start, order))
		return -EINVAL;
	/* A wholly free block lies inside one maximal free block. */
	for (k = order; k < a->orders; k++)
		if (cfs_is_free(a, k, start >> k))
			break;
	if (k >= a->orders)
		return -EEXIST;
	/* Split it down: the siblings on the path to the block become free. */
	t.set_hi = k;
	t.clr_lo = k;
	t.clr_hi = k + 1;
	err = cfs_txn_apply(a, &t, GFP_NOFS);
	if (err)
		return err;
	a->free_pages -= BIT_ULL(order);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(cfs_alloc_reserve);

/* False also when (@start, @order) is not a block of the zone. */
bool cfs_alloc_is_allocated(struct cfs_alloc *a, u64 start, unsigned int order)
{
	unsigned long idx;
	unsigned int k;

	if (!cfs_block_valid(a, start, order))
		return false;
	/* Free blocks containing it, then free blocks inside it. */
	for (k = order; k < a->orders; k++)
		if (cfs_is_free(a, k, start >> k))
			return false;
	for (k = 0; k < order; k++) {
		idx = start >> k;
		if (xa_find(&a->free[k], &idx,
			    ((start + BIT_ULL(order)) >> k) - 1, XA_PRESENT))
			return false;
	}
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(cfs_alloc_is_allocated);

/*
 * The current image of bitmap page @index (4096 bytes), valid until the next
 * call that changes the allocator. Absent pages read as the zero page.
 */
const void *cfs_alloc_bitmap_data(struct cfs_alloc *a, u64 index)
{
	struct page *page = xa_load(&a->bitmap, index);

	if (!page || xa_is_value(page))
		return page_address(ZERO_PAGE(0));
	return page_address(page);
}
EXPORT_SYMBOL_IF_KUNIT(cfs_alloc_bitmap_data);

/* @data is only valid during the call to @fn; @fn may sleep. */
int cfs_alloc_write_dirty(struct cfs_alloc *a,
			  int (*fn)(void *priv, u64 index, const void *data),
			  void *priv)
{
	unsigned long index;
	void *entry;
	int err;

	xa_for_each_marked(&a->bitmap, index, entry, XA_MARK_0) {
		err = fn(priv, index, cfs_alloc_bitmap_data(a, index));
		if (err)
			return err;
		/* A clean all-zero page is simply absent. */
		if (xa_is_value(entry))
			xa_erase(&a->bitmap, index);
		else
			xa_clear_mark(&a->bitmap, index, XA_MARK_0);
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(cfs_alloc_write_dirty);
