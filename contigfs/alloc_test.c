// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the contigfs zone allocator. The oracle is a reference that
 * recomputes the canonical free bitmaps from the set of allocated blocks,
 * literally as the on-disk format defines them; after every operation the
 * allocator's bitmap pages must equal it byte for byte, and its free lists
 * must hold exactly the blocks whose bits are set.
 */
#include <kunit/test.h>
#include <linux/bitmap.h>
#include <linux/bitops.h>
#include <linux/mm.h>
#include <linux/prandom.h>
#include <linux/vmalloc.h>

#include "alloc.h"

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

#define PB	CFS_BITMAP_PAGE_BITS
#define PSZ	CONTIGFS_BLOCK_SIZE

struct cfs_test_block {
	u64 start;
	unsigned int order;
};

struct cfs_test {
	struct cfs_alloc a;		/* under test */
	struct cfs_alloc b;		/* loaded from what a wrote */
	bool a_ready, b_ready;
	struct rnd_state rnd;
	u64 npages;			/* bitmap pages of the zone */
	unsigned long *used;		/* reference: allocated zone pages */
	unsigned long *whole;		/* reference: wholly free, at off_k + b */
	u8 *expect;			/* reference: canonical bitmap image */
	u8 *disk;			/* what cfs_alloc_write_dirty() wrote */
	struct cfs_test_block *blk;	/* allocated blocks */
	unsigned int nr, max;
};

static int cfs_test_init(struct kunit *test)
{
	test->priv = kunit_kzalloc(test, sizeof(struct cfs_test), GFP_KERNEL);
	return test->priv ? 0 : -ENOMEM;
}

static void cfs_test_exit(struct kunit *test)
{
	struct cfs_test *t = test->priv;

	if (t->a_ready)
		cfs_alloc_destroy(&t->a);
	if (t->b_ready)
		cfs_alloc_destroy(&t->b);
	vfree(t->used);
	vfree(t->whole);
	vfree(t->expect);
	vfree(t->disk);
}

/* Zone under test; @reference also sets up the oracle (small zones only). */
static struct cfs_alloc *cfs_test_zone(struct kunit *test, u64 pages,
				       unsigned int orders, bool reference)
{
	struct cfs_test *t = test->priv;
	u64 total;

	KUNIT_ASSERT_EQ(test, cfs_alloc_init(&t->a, pages, orders), 0);
	t->a_ready = true;
	t->npages = cfs_alloc_bitmap_pages(pages, orders);
	prandom_seed_state(&t->rnd, 0x636f6e746967ULL + pages);
	if (!reference)
		return &t->a;
	total = t->a.bit_off[orders];
	t->used = vzalloc(BITS_TO_LONGS(pages) * sizeof(long));
	t->whole = vzalloc(BITS_TO_LONGS(total) * sizeof(long));
	t->expect = vzalloc(t->npages * PSZ);
	t->disk = vzalloc(t->npages * PSZ);
	t->max = min_t(u64, pages, 1024);
	t->blk = kunit_kcalloc(test, t->max, sizeof(*t->blk), GFP_KERNEL);
	KUNIT_ASSERT_TRUE(test, t->used && t->whole && t->expect && t->disk &&
			  t->blk);
	return &t->a;
}

/* A second allocator of the same geometry, for round trips. */
static struct cfs_alloc *cfs_test_twin(struct kunit *test)
{
	struct cfs_test *t = test->priv;

	KUNIT_ASSERT_EQ(test, cfs_alloc_init(&t->b, t->a.pages, t->a.orders),
			0);
	t->b_ready = true;
	return &t->b;
}

static u32 cfs_test_rand(struct cfs_test *t, u32 n)
{
	return prandom_u32_state(&t->rnd) % n;
}

static void cfs_test_add(struct kunit *test, u64 start, unsigned int order)
{
	struct cfs_test *t = test->priv;

	KUNIT_ASSERT_LT(test, t->nr, t->max);
	t->blk[t->nr].start = start;
	t->blk[t->nr].order = order;
	t->nr++;
}

static void cfs_test_del(struct cfs_test *t, unsigned int i)
{
	t->blk[i] = t->blk[--t->nr];
}

/* Does [start, start + 2^order) meet an allocated block other than @skip? */
static bool cfs_test_overlaps(struct cfs_test *t, u64 start,
			      unsigned int order, unsigned int skip)
{
	u64 end = start + BIT_ULL(order);
	unsigned int i;

	for (i = 0; i < t->nr; i++)
		if (i != skip && t->blk[i].start < end &&
		    start < t->blk[i].start + BIT_ULL(t->blk[i].order))
			return true;
	return false;
}

static bool cfs_test_whole(struct cfs_test *t, unsigned int k, u64 b)
{
	return test_bit(t->a.bit_off[k] + b, t->whole);
}

/*
 * The reference: the canonical bitmap image for the allocated blocks, from
 * the header's definition. Bit off_k + b is set iff block b of order k holds
 * no allocated page, and k == K, or its parent extends past P or holds an
 * allocated page.
 */
static void cfs_test_reference(struct kunit *test)
{
	struct cfs_test *t = test->priv;
	struct cfs_alloc *a = &t->a;
	unsigned int top = a->orders - 1, k, i;
	u64 p = a->pages, b;

	bitmap_zero(t->used, p);
	for (i = 0; i < t->nr; i++) {
		u64 s = t->blk[i].start, n = BIT_ULL(t->blk[i].order);

		KUNIT_ASSERT_EQ_MSG(test, s & (n - 1), 0ULL, "misaligned %llu", s);
		KUNIT_ASSERT_LE(test, s + n, p);
		KUNIT_ASSERT_EQ_MSG(test, find_next_bit(t->used, s + n, s), s + n,
				    "block %llu order %u overlaps another", s,
				    t->blk[i].order);
		bitmap_set(t->used, s, n);
	}
	bitmap_zero(t->whole, a->bit_off[a->orders]);
	memset(t->expect, 0, t->npages * PSZ);
	for (b = 0; b < p; b++)
		if (!test_bit(b, t->used))
			__set_bit(b, t->whole);
	for (k = 1; k <= top; k++)
		for (b = 0; b < p >> k; b++)
			if (cfs_test_whole(t, k - 1, 2 * b) &&
			    cfs_test_whole(t, k - 1, 2 * b + 1))
				__set_bit(a->bit_off[k] + b, t->whole);
	for (k = 0; k <= top; k++)
		for (b = 0; b < p >> k; b++)
			if (cfs_test_whole(t, k, b) &&
			    (k == top || ((b >> 1) + 1) << (k + 1) > p ||
			     !cfs_test_whole(t, k + 1, b >> 1)))
				__set_bit_le(a->bit_off[k] + b, t->expect);
}

static u64 cfs_test_count(struct xarray *xa)
{
	unsigned long idx;
	void *entry;
	u64 n = 0;

	xa_for_each(xa, idx, entry)
		n++;
	return n;
}

static unsigned int cfs_test_real_pages(struct cfs_alloc *a)
{
	unsigned int n = 0;
	unsigned long idx;
	void *entry;

	xa_for_each(&a->bitmap, idx, entry)
		n += !xa_is_value(entry);
	return n;
}

static unsigned int cfs_test_dirty_pages(struct cfs_alloc *a)
{
	unsigned int n = 0;
	unsigned long idx;
	void *entry;

	xa_for_each_marked(&a->bitmap, idx, entry, XA_MARK_0)
		n++;
	return n;
}

/*
 * Needs no reference, so it also runs on huge zones: every free-list entry
 * has its bit set, there are as many set bits as entries, each present page
 * counts its bits right, and free_pages adds up.
 */
static void cfs_test_lists_match_bitmap(struct kunit *test,
					struct cfs_alloc *a)
{
	u64 entries = 0, bits = 0, pages = 0, bit;
	unsigned long idx, w;
	struct page *page;
	const void *data;
	unsigned int k;
	void *entry;

	for (k = 0; k < a->orders; k++) {
		xa_for_each(&a->free[k], idx, entry) {
			bit = a->bit_off[k] + idx;
			KUNIT_ASSERT_LT(test, (u64)idx, a->pages >> k);
			data = cfs_alloc_bitmap_data(a, bit / PB);
			KUNIT_ASSERT_TRUE_MSG(test, test_bit_le(bit % PB, data),
					      "free block %lu of order %u has no bit",
					      idx, k);
			entries++;
			pages += BIT_ULL(k);
		}
	}
	xa_for_each(&a->bitmap, idx, entry) {
		if (xa_is_value(entry)) {
			KUNIT_ASSERT_TRUE(test, xa_get_mark(&a->bitmap, idx,
							    XA_MARK_0));
			continue;
		}
		page = entry;
		w = bitmap_weight(page_address(page), PB);
		KUNIT_ASSERT_GT(test, w, 0UL);
		KUNIT_ASSERT_EQ(test, w, page_private(page));
		bits += w;
	}
	KUNIT_ASSERT_EQ(test, entries, bits);
	KUNIT_ASSERT_EQ(test, pages, a->free_pages);
}

static void cfs_test_same_image(struct kunit *test, const void *x,
				const void *y, u64 page)
{
	const u8 *p = x, *q = y;
	unsigned int i;

	for (i = 0; i < PSZ; i++)
		if (p[i] != q[i])
			break;
	KUNIT_ASSERT_EQ_MSG(test, i, PSZ,
			    "bitmap page %llu differs at byte %u: %02x, want %02x",
			    page, i, i < PSZ ? p[i] : 0, i < PSZ ? q[i] : 0);
}

/* The allocator's whole state equals the reference for t->blk. */
static void cfs_test_check(struct kunit *test)
{
	struct cfs_test *t = test->priv;
	struct cfs_alloc *a = &t->a;
	u64 used = 0, p;
	unsigned int i;

	cfs_test_reference(test);
	for (p = 0; p < t->npages; p++)
		cfs_test_same_image(test, cfs_alloc_bitmap_data(a, p),
				    t->expect + p * PSZ, p);
	cfs_test_lists_match_bitmap(test, a);
	for (i = 0; i < t->nr; i++)
		used += BIT_ULL(t->blk[i].order);
	KUNIT_ASSERT_EQ(test, a->free_pages, a->pages - used);
}

/* The reference has no free block of order >= @order. */
static bool cfs_test_none_free_from(struct cfs_test *t, unsigned int order)
{
	unsigned int k;
	u64 b;

	for (k = order; k < t->a.orders; k++)
		for (b = 0; b < t->a.pages >> k; b++)
			if (test_bit_le(t->a.bit_off[k] + b, t->expect))
				return false;
	return true;
}

struct cfs_test_writer {
	u8 *img;		/* NULL: count only */
	u64 pages;
	unsigned int writes, nonzero;
	int fail;
};

static int cfs_test_write(void *priv, u64 index, const void *data)
{
	struct cfs_test_writer *w = priv;

	if (w->fail)
		return w->fail;
	if (index >= w->pages)
		return -ERANGE;
	if (w->img)
		memcpy(w->img + index * PSZ, data, PSZ);
	w->writes++;
	w->nonzero += !!memchr_inv(data, 0, PSZ);
	return 0;
}

/* Write a's dirty pages to t->disk; returns how many were written. */
static unsigned int cfs_test_flush(struct kunit *test)
{
	struct cfs_test *t = test->priv;
	struct cfs_test_writer w = { .img = t->disk, .pages = t->npages };

	KUNIT_ASSERT_EQ(test, cfs_alloc_write_dirty(&t->a, cfs_test_write, &w),
			0);
	KUNIT_ASSERT_EQ(test, cfs_test_dirty_pages(&t->a), 0U);
	return w.writes;
}

/* Load t->disk into a fresh allocator; it must equal a. */
static void cfs_test_round_trip(struct kunit *test)
{
	struct cfs_test *t = test->priv;
	struct cfs_alloc *b = cfs_test_twin(test);
	unsigned long idx;
	unsigned int k;
	void *entry;
	u64 p;

	cfs_test_flush(test);
	for (p = 0; p < t->npages; p++)
		KUNIT_ASSERT_EQ(test,
				cfs_alloc_load_page(b, p, t->disk + p * PSZ), 0);
	KUNIT_ASSERT_EQ(test, cfs_alloc_validate(b), 0);
	KUNIT_ASSERT_EQ(test, b->free_pages, t->a.free_pages);
	for (k = 0; k < b->orders; k++) {
		KUNIT_ASSERT_EQ(test, cfs_test_count(&b->free[k]),
				cfs_test_count(&t->a.free[k]));
		xa_for_each(&t->a.free[k], idx, entry)
			KUNIT_ASSERT_TRUE(test, xa_load(&b->free[k], idx));
	}
	for (p = 0; p < t->npages; p++)
		cfs_test_same_image(test, cfs_alloc_bitmap_data(b, p),
				    cfs_alloc_bitmap_data(&t->a, p), p);
	cfs_test_lists_match_bitmap(test, b);
	KUNIT_ASSERT_EQ(test, cfs_test_dirty_pages(b), 0U);
}

/* The only index in free[k], or U64_MAX when it does not hold exactly one. */
static u64 cfs_test_only(struct cfs_alloc *a, unsigned int k)
{
	unsigned long idx = 0;

	if (cfs_test_count(&a->free[k]) != 1)
		return U64_MAX;
	xa_find(&a->free[k], &idx, ULONG_MAX, XA_PRESENT);
	return idx;
}

/* ---- geometry ---- */

static void cfs_alloc_init_rejects_bad_geometry(struct kunit *test)
{
	struct cfs_test *t = test->priv;
	struct cfs_alloc *a = &t->a;

	KUNIT_EXPECT_EQ(test, cfs_alloc_init(a, 0, 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, cfs_alloc_init(a, 6, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, cfs_alloc_init(a, 6, 4), -EINVAL);
	KUNIT_EXPECT_EQ(test, cfs_alloc_init(a, 1ULL << 50,
					     CONTIGFS_MAX_ORDER + 2), -EINVAL);
	KUNIT_EXPECT_EQ(test, cfs_alloc_bitmap_pages(6, 4), 0ULL);
	KUNIT_EXPECT_EQ(test, cfs_alloc_bitmap_pages(0, 1), 0ULL);

	KUNIT_ASSERT_EQ(test, cfs_alloc_init(a, 1000, 10), 0);
	t->a_ready = true;
	/* off_{k+1} = off_k + round_up(P >> k, 64) */
	KUNIT_EXPECT_EQ(test, a->bit_off[0], 0ULL);
	KUNIT_EXPECT_EQ(test, a->bit_off[1], 1024ULL);
	KUNIT_EXPECT_EQ(test, a->bit_off[2], 1536ULL);
	KUNIT_EXPECT_EQ(test, a->bit_off[3], 1792ULL);
	KUNIT_EXPECT_EQ(test, a->bit_off[9], 2240ULL);
	KUNIT_EXPECT_EQ(test, a->bit_off[10], 2304ULL);
	KUNIT_EXPECT_EQ(test, cfs_alloc_bitmap_pages(1000, 10), 1ULL);
	/* 2^21 - 64 + 512 bits */
	KUNIT_EXPECT_EQ(test, cfs_alloc_bitmap_pages((1 << 20) + 3, 21), 65ULL);
	KUNIT_EXPECT_EQ(test, cfs_alloc_bitmap_pages(1ULL << 36, 37),
			DIV_ROUND_UP((1ULL << 37) - 64 + 64 * 6, PB));
}

/* ---- allocation ---- */

static void cfs_alloc_splits_on_alloc_and_merges_on_free(struct kunit *test)
{
	struct cfs_alloc *a = cfs_test_zone(test, 16, 5, true);
	struct cfs_test *t = test->priv;
	unsigned int k;
	u64 s0, s1;

	KUNIT_ASSERT_EQ(test, cfs_alloc_format(a), 0);
	cfs_test_check(test);
	KUNIT_EXPECT_EQ(test, cfs_test_only(a, 4), 0ULL);

	KUNIT_ASSERT_EQ(test, cfs_alloc_block(a, 0, &s0), 0);
	KUNIT_EXPECT_EQ(test, s0, 0ULL);
	cfs_test_add(test, s0, 0);
	cfs_test_check(test);
	/* The right halves of 8, 4, 2 and 1 pages. */
	for (k = 0; k < 4; k++)
		KUNIT_EXPECT_EQ(test, cfs_test_only(a, k), 1ULL);
	KUNIT_EXPECT_TRUE(test, xa_empty(&a->free[4]));

	KUNIT_ASSERT_EQ(test, cfs_alloc_block(a, 0, &s1), 0);
	KUNIT_EXPECT_EQ(test, s1, 1ULL);
	cfs_test_add(test, s1, 0);
	cfs_test_check(test);

	cfs_alloc_free(a, s0, 0);
	cfs_test_del(t, 0);
	cfs_test_check(test);
	KUNIT_EXPECT_EQ(test, cfs_test_only(a, 0), 0ULL);

	cfs_alloc_free(a, s1, 0);
	cfs_test_del(t, 0);
	cfs_test_check(test);
	for (k = 0; k < 4; k++)
		KUNIT_EXPECT_TRUE(test, xa_empty(&a->free[k]));
	KUNIT_EXPECT_EQ(test, cfs_test_only(a, 4), 0ULL);
	KUNIT_EXPECT_EQ(test, a->free_pages, 16ULL);
}

struct cfs_test_random {
	u64 pages;
	unsigned int orders, ops, check_every;
};

static const struct cfs_test_random cfs_test_randoms[] = {
	{ 1000, 10, 600, 1 },
	/* Orders cross bitmap page boundaries. */
	{ 40003, 16, 400, 10 },
};

static void cfs_test_random_desc(const struct cfs_test_random *r, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "P=%llu K=%u, %u ops", r->pages,
		 r->orders - 1, r->ops);
}

KUNIT_ARRAY_PARAM(cfs_test_random, cfs_test_randoms, cfs_test_random_desc);

/* Would growing block @i to @new_order in place succeed? */
static bool cfs_test_can_grow(struct cfs_test *t, unsigned int i,
			      unsigned int new_order)
{
	u64 start = t->blk[i].start;

	return new_order < t->a.orders && !(start & (BIT_ULL(new_order) - 1)) &&
	       start + BIT_ULL(new_order) <= t->a.pages &&
	       !cfs_test_overlaps(t, start, new_order, i);
}

static void cfs_alloc_random_ops_keep_bitmap_canonical(struct kunit *test)
{
	const struct cfs_test_random *r = test->param_value;
	struct cfs_alloc *a = cfs_test_zone(test, r->pages, r->orders, true);
	struct cfs_test *t = test->priv;
	unsigned int op, i, order, new_order, top = r->orders - 1;
	unsigned int allocs = 0, grows = 0, refused = 0, full = 0;
	u64 start;
	int err;

	KUNIT_ASSERT_EQ(test, cfs_alloc_format(a), 0);
	cfs_test_check(test);
	for (op = 0; op < r->ops; op++) {
		u32 what = cfs_test_rand(t, 100);

		if (what < 40 || !t->nr) {
			/* Mostly small blocks, now and then a large one. */
			order = min(cfs_test_rand(t, top + 1),
				    cfs_test_rand(t, top + 1));
			err = cfs_alloc_block(a, order, &start);
			if (err) {
				KUNIT_ASSERT_EQ(test, err, -ENOSPC);
				cfs_test_check(test);
				KUNIT_ASSERT_TRUE(test,
						  cfs_test_none_free_from(t, order));
				full++;
				continue;
			}
			cfs_test_add(test, start, order);
			allocs++;
		} else if (what < 60) {
			i = cfs_test_rand(t, t->nr);
			order = t->blk[i].order;
			new_order = order + 1 + min(cfs_test_rand(t, 3),
						    cfs_test_rand(t, 3));
			err = cfs_alloc_grow(a, t->blk[i].start, order,
					     new_order);
			KUNIT_ASSERT_EQ(test, err, cfs_test_can_grow(t, i, new_order) ?
					0 : -ENOSPC);
			if (!err)
				t->blk[i].order = new_order;
			grows += !err;
			refused += !!err;
		} else if (what < 75) {
			i = cfs_test_rand(t, t->nr);
			new_order = cfs_test_rand(t, t->blk[i].order + 1);
			cfs_alloc_shrink(a, t->blk[i].start, t->blk[i].order,
					 new_order);
			t->blk[i].order = new_order;
		} else {
			i = cfs_test_rand(t, t->nr);
			cfs_alloc_free(a, t->blk[i].start, t->blk[i].order);
			cfs_test_del(t, i);
		}
		if (op % r->check_every == 0)
			cfs_test_check(test);
		if (op % 50 == 0)
			cfs_test_flush(test);
	}
	cfs_test_check(test);
	/* The mix really exercised every path. */
	KUNIT_EXPECT_GT(test, allocs, r->ops / 5);
	KUNIT_EXPECT_GT(test, grows, 0U);
	KUNIT_EXPECT_GT(test, refused, 0U);
	kunit_info(test, "%u allocs, %u grown, %u grows refused, %u full, %u live",
		   allocs, grows, refused, full, t->nr);
	/* What was written, loaded into a fresh allocator, is the same state. */
	cfs_test_round_trip(test);
}

/* ---- grow ---- */

static void cfs_alloc_grow_takes_free_right_buddies(struct kunit *test)
{
	struct cfs_alloc *a = cfs_test_zone(test, 64, 7, true);
	struct cfs_test *t = test->priv;
	u64 s;

	KUNIT_ASSERT_EQ(test, cfs_alloc_format(a), 0);
	KUNIT_ASSERT_EQ(test, cfs_alloc_block(a, 0, &s), 0);
	KUNIT_ASSERT_EQ(test, s, 0ULL);
	cfs_test_add(test, s, 0);

	KUNIT_ASSERT_EQ(test, cfs_alloc_grow(a, 0, 0, 3), 0);
	t->blk[0].order = 3;
	cfs_test_check(test);
	KUNIT_EXPECT_EQ(test, a->free_pages, 56ULL);
	KUNIT_EXPECT_TRUE(test, cfs_alloc_is_allocated(a, 0, 3));

	/* Same order: nothing to do. */
	KUNIT_ASSERT_EQ(test, cfs_alloc_grow(a, 0, 3, 3), 0);
	cfs_test_check(test);

	KUNIT_ASSERT_EQ(test, cfs_alloc_grow(a, 0, 3, 6), 0);
	t->blk[0].order = 6;
	cfs_test_check(test);
	KUNIT_EXPECT_EQ(test, a->free_pages, 0ULL);

	cfs_alloc_free(a, 0, 6);
	cfs_test_del(t, 0);
	cfs_test_check(test);
}

/* Grow must fail with -ENOSPC, leaving state and dirty marks as they were. */
static void cfs_test_grow_refused(struct kunit *test, u64 start,
				  unsigned int order, unsigned int new_order)
{
	struct cfs_test *t = test->priv;

	cfs_test_flush(test);
	KUNIT_EXPECT_EQ_MSG(test, cfs_alloc_grow(&t->a, start, order, new_order),
			    -ENOSPC, "grow %llu from %u to %u", start, order,
			    new_order);
	KUNIT_EXPECT_EQ(test, cfs_test_dirty_pages(&t->a), 0U);
	cfs_test_check(test);
}

static void cfs_alloc_grow_refuses_without_changing_state(struct kunit *test)
{
	/* [0, 32) of order 5 and [32, 48) of order 4: K = 5. */
	struct cfs_alloc *a = cfs_test_zone(test, 48, 6, true);
	struct cfs_test *t = test->priv;
	u64 ba, bb, c, d;

	KUNIT_ASSERT_EQ(test, cfs_alloc_format(a), 0);
	KUNIT_ASSERT_EQ(test, cfs_alloc_block(a, 2, &ba), 0);
	KUNIT_ASSERT_EQ(test, ba, 32ULL);
	cfs_test_add(test, ba, 2);
	KUNIT_ASSERT_EQ(test, cfs_alloc_block(a, 2, &bb), 0);
	KUNIT_ASSERT_EQ(test, bb, 36ULL);
	cfs_test_add(test, bb, 2);
	cfs_test_check(test);

	/* A right buddy cannot grow in place, even with its left buddy free. */
	cfs_alloc_free(a, ba, 2);
	cfs_test_del(t, 0);
	cfs_test_grow_refused(test, bb, 2, 3);
	KUNIT_ASSERT_EQ(test, cfs_alloc_block(a, 2, &ba), 0);
	KUNIT_ASSERT_EQ(test, ba, 32ULL);
	cfs_test_add(test, ba, 2);
	/* A left buddy whose buddy is in use. */
	cfs_test_grow_refused(test, ba, 2, 3);

	cfs_alloc_free(a, bb, 2);
	cfs_test_del(t, 0);
	KUNIT_ASSERT_EQ(test, cfs_alloc_grow(a, ba, 2, 4), 0);
	t->blk[0].order = 4;
	cfs_test_check(test);
	/* The buddy [48, 64) lies past P; order 6 is past K. */
	cfs_test_grow_refused(test, ba, 4, 5);
	cfs_test_grow_refused(test, ba, 4, 6);

	/* Two levels could grow, the third buddy is in use: all or nothing. */
	KUNIT_ASSERT_EQ(test, cfs_alloc_block(a, 0, &c), 0);
	KUNIT_ASSERT_EQ(test, c, 0ULL);
	cfs_test_add(test, c, 0);
	KUNIT_ASSERT_EQ(test, cfs_alloc_block(a, 2, &d), 0);
	KUNIT_ASSERT_EQ(test, d, 4ULL);
	cfs_test_add(test, d, 2);
	cfs_test_grow_refused(test, c, 0, 3);
	KUNIT_ASSERT_EQ(test, cfs_alloc_grow(a, c, 0, 2), 0);
	t->blk[1].order = 2;
	cfs_test_check(test);
}

/* ---- exhaustion and odd zone sizes ---- */

static void cfs_alloc_exhaustion_gives_enospc_without_overlap(struct kunit *test)
{
	struct cfs_alloc *a = cfs_test_zone(test, 1000, 10, true);
	struct cfs_test *t = test->priv;
	unsigned int order, fails = 0;
	u64 start;
	int err;

	KUNIT_ASSERT_EQ(test, cfs_alloc_format(a), 0);
	while (a->free_pages) {
		order = min(cfs_test_rand(t, 10), cfs_test_rand(t, 10));
		err = cfs_alloc_block(a, order, &start);
		if (err) {
			KUNIT_ASSERT_EQ(test, err, -ENOSPC);
			fails++;
			continue;
		}
		KUNIT_ASSERT_FALSE(test, cfs_test_overlaps(t, start, order,
							   UINT_MAX));
		cfs_test_add(test, start, order);
	}
	cfs_test_check(test);
	KUNIT_EXPECT_GT(test, fails, 0U);
	for (order = 0; order < 12; order++)
		KUNIT_EXPECT_EQ(test, cfs_alloc_block(a, order, &start), -ENOSPC);
	KUNIT_EXPECT_EQ(test, cfs_test_real_pages(a), 0U);
	KUNIT_EXPECT_TRUE(test, cfs_alloc_is_allocated(a, 0, 9));
	cfs_test_check(test);
}

struct cfs_test_zone {
	u64 pages;
	unsigned int orders;
};

static const struct cfs_test_zone cfs_test_odd_zones[] = {
	{ 6, 3 }, { 6, 2 }, { 1000, 10 }, { 1000, 5 }, { (1 << 20) + 3, 21 },
};

static void cfs_test_zone_desc(const struct cfs_test_zone *z, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "P=%llu K=%u", z->pages,
		 z->orders - 1);
}

KUNIT_ARRAY_PARAM(cfs_test_odd_zone, cfs_test_odd_zones, cfs_test_zone_desc);

static void cfs_alloc_odd_zone_formats_fills_and_empties(struct kunit *test)
{
	const struct cfs_test_zone *z = test->param_value;
	struct cfs_alloc *a = cfs_test_zone(test, z->pages, z->orders, true);
	struct cfs_test *t = test->priv;
	unsigned int order = z->orders - 1;
	u64 start;
	int err;

	KUNIT_ASSERT_EQ(test, cfs_alloc_format(a), 0);
	cfs_test_check(test);
	KUNIT_EXPECT_EQ(test, a->free_pages, z->pages);
	/* Largest blocks first: one allocation per free block. */
	for (;;) {
		err = cfs_alloc_block(a, order, &start);
		if (err == -ENOSPC && order) {
			order--;
			continue;
		}
		if (err)
			break;
		cfs_test_add(test, start, order);
	}
	KUNIT_ASSERT_EQ(test, err, -ENOSPC);
	KUNIT_EXPECT_EQ(test, a->free_pages, 0ULL);
	cfs_test_check(test);
	while (t->nr) {
		cfs_alloc_free(a, t->blk[t->nr - 1].start,
			       t->blk[t->nr - 1].order);
		t->nr--;
		cfs_test_check(test);
	}
	KUNIT_EXPECT_EQ(test, a->free_pages, z->pages);
}

/* ---- load and validate ---- */

static void cfs_alloc_load_round_trips_formatted_bitmap(struct kunit *test)
{
	const struct cfs_test_zone *z = test->param_value;
	struct cfs_alloc *a = cfs_test_zone(test, z->pages, z->orders, true);
	struct cfs_test *t = test->priv;
	u64 start;

	KUNIT_ASSERT_EQ(test, cfs_alloc_format(a), 0);
	cfs_test_round_trip(test);
	/* Clean now: nothing more to write. */
	KUNIT_EXPECT_EQ(test, cfs_test_flush(test), 0U);

	/* And a fragmented state. */
	cfs_alloc_destroy(&t->b);
	t->b_ready = false;
	KUNIT_ASSERT_EQ(test, cfs_alloc_block(a, 0, &start), 0);
	cfs_test_add(test, start, 0);
	cfs_test_check(test);
	cfs_test_round_trip(test);
}

struct cfs_test_bad_bit {
	const char *what;
	u64 pages;
	unsigned int orders;
	unsigned int order;	/* whose padding; orders: past the last one */
	int from_pad;		/* bit = start of that padding + from_pad */
};

static const struct cfs_test_bad_bit cfs_test_bad_bits[] = {
	{ "first bit past order 0", 1000, 10, 0, 0 },
	{ "last padding bit of order 0", 1000, 10, 0, 23 },
	{ "padding of order 3", 1000, 10, 3, 2 },
	{ "padding of the last order", 1000, 10, 9, 0 },
	{ "past all orders", 1000, 10, 10, 0 },
	{ "last bit of the page", 1000, 10, 10, PB - 2304 - 1 },
	{ "padding of order 1 (page 48)", (1 << 20) + 3, 21, 1, 62 },
	{ "padding of order 16 (page 64)", (1 << 20) + 3, 21, 16, 3 },
	{ "past all orders (page 64)", (1 << 20) + 3, 21, 21, 1 },
};

static void cfs_test_bad_bit_desc(const struct cfs_test_bad_bit *b, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s", b->what);
}

KUNIT_ARRAY_PARAM(cfs_test_bad_bit, cfs_test_bad_bits, cfs_test_bad_bit_desc);

static void cfs_alloc_load_rejects_padding_and_bits_past_end(struct kunit *test)
{
	const struct cfs_test_bad_bit *bad = test->param_value;
	struct cfs_alloc *a = cfs_test_zone(test, bad->pages, bad->orders,
					    false);
	struct cfs_test *t = test->priv;
	u8 *page = kunit_kzalloc(test, PSZ, GFP_KERNEL);
	unsigned int k;
	u64 bit, good;

	KUNIT_ASSERT_NOT_NULL(test, page);
	if (bad->order < a->orders)
		bit = a->bit_off[bad->order] + (a->pages >> bad->order);
	else
		bit = a->bit_off[a->orders];
	bit += bad->from_pad;
	/* A valid free block in the same page must not be inserted either. */
	good = a->bit_off[bad->order < a->orders ? bad->order : 0];
	if (good / PB == bit / PB)
		__set_bit_le(good % PB, page);
	__set_bit_le(bit % PB, page);
	KUNIT_EXPECT_EQ(test, cfs_alloc_load_page(a, bit / PB, page), -EUCLEAN);
	KUNIT_EXPECT_EQ(test, a->free_pages, 0ULL);
	KUNIT_EXPECT_TRUE(test, xa_empty(&a->bitmap));
	for (k = 0; k < a->orders; k++)
		KUNIT_EXPECT_TRUE(test, xa_empty(&a->free[k]));
	/* Pages past the bitmap are not the disk's fault. */
	KUNIT_EXPECT_EQ(test, cfs_alloc_load_page(a, t->npages, page), -EINVAL);
}

/* Load one page with the given (order, index) bits set, then validate. */
static int cfs_test_load_blocks(struct kunit *test, u64 pages,
				unsigned int orders, const u64 (*blocks)[2],
				unsigned int n)
{
	struct cfs_test *t = test->priv;
	struct cfs_alloc *a;
	u8 *page = kunit_kzalloc(test, PSZ, GFP_KERNEL);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, page);
	if (t->a_ready) {
		cfs_alloc_destroy(&t->a);
		t->a_ready = false;
	}
	a = cfs_test_zone(test, pages, orders, false);
	for (i = 0; i < n; i++)
		__set_bit_le(a->bit_off[blocks[i][0]] + blocks[i][1], page);
	KUNIT_ASSERT_EQ(test, cfs_alloc_load_page(a, 0, page), 0);
	return cfs_alloc_validate(a);
}

static void cfs_alloc_validate_rejects_overlap_and_unmerged_buddies(struct kunit *test)
{
	static const u64 overlap[][2] = { { 6, 0 }, { 0, 5 } };
	static const u64 nested[][2] = { { 3, 1 }, { 1, 5 }, { 0, 0 } };
	static const u64 unmerged[][2] = { { 0, 0 }, { 0, 1 } };
	static const u64 unmerged_tail[][2] = { { 2, 0 }, { 0, 4 }, { 0, 5 } };
	static const u64 tail[][2] = { { 2, 0 }, { 1, 2 } };
	static const u64 top[][2] = { { 1, 0 }, { 1, 1 }, { 1, 2 } };
	static const u64 holes[][2] = { { 0, 1 }, { 1, 1 }, { 0, 4 } };

	KUNIT_EXPECT_EQ(test, cfs_test_load_blocks(test, 64, 7, overlap, 2),
			-EUCLEAN);
	KUNIT_EXPECT_EQ(test, cfs_test_load_blocks(test, 64, 7, nested, 3),
			-EUCLEAN);
	KUNIT_EXPECT_EQ(test, cfs_test_load_blocks(test, 64, 7, unmerged, 2),
			-EUCLEAN);
	KUNIT_EXPECT_EQ(test, cfs_test_load_blocks(test, 6, 3, unmerged_tail, 3),
			-EUCLEAN);
	/* Canonical: a tail block whose parent is past P, order-K neighbours. */
	KUNIT_EXPECT_EQ(test, cfs_test_load_blocks(test, 6, 3, tail, 2), 0);
	KUNIT_EXPECT_EQ(test, cfs_test_load_blocks(test, 6, 2, top, 3), 0);
	/* Free pages 1, 2-3 and 4 of 0-5 with 0 and 5 allocated. */
	KUNIT_EXPECT_EQ(test, cfs_test_load_blocks(test, 6, 3, holes, 3), 0);
}

/* ---- reserve and is_allocated ---- */

static void cfs_alloc_reserve_splits_the_free_block_around_it(struct kunit *test)
{
	struct cfs_alloc *a = cfs_test_zone(test, 64, 7, true);
	struct cfs_test *t = test->priv;

	KUNIT_ASSERT_EQ(test, cfs_alloc_format(a), 0);
	KUNIT_ASSERT_EQ(test, cfs_alloc_reserve(a, 20, 2), 0);
	cfs_test_add(test, 20, 2);
	cfs_test_check(test);
	KUNIT_EXPECT_EQ(test, cfs_test_only(a, 5), 1ULL);	/* [32, 64) */
	KUNIT_EXPECT_EQ(test, cfs_test_only(a, 4), 0ULL);	/* [0, 16) */
	KUNIT_EXPECT_EQ(test, cfs_test_only(a, 3), 3ULL);	/* [24, 32) */
	KUNIT_EXPECT_EQ(test, cfs_test_only(a, 2), 4ULL);	/* [16, 20) */

	KUNIT_EXPECT_EQ(test, cfs_alloc_reserve(a, 20, 2), -EEXIST);
	KUNIT_EXPECT_EQ(test, cfs_alloc_reserve(a, 22, 1), -EEXIST);
	KUNIT_EXPECT_EQ(test, cfs_alloc_reserve(a, 16, 3), -EEXIST);
	KUNIT_EXPECT_EQ(test, cfs_alloc_reserve(a, 21, 2), -EINVAL);
	KUNIT_EXPECT_EQ(test, cfs_alloc_reserve(a, 64, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, cfs_alloc_reserve(a, 0, 7), -EINVAL);
	cfs_test_check(test);

	KUNIT_ASSERT_EQ(test, cfs_alloc_reserve(a, 18, 1), 0);
	cfs_test_add(test, 18, 1);
	cfs_test_check(test);
	KUNIT_ASSERT_EQ(test, cfs_alloc_reserve(a, 32, 5), 0);
	cfs_test_add(test, 32, 5);
	cfs_test_check(test);

	while (t->nr) {
		cfs_alloc_free(a, t->blk[0].start, t->blk[0].order);
		cfs_test_del(t, 0);
		cfs_test_check(test);
	}
	KUNIT_EXPECT_EQ(test, cfs_test_only(a, 6), 0ULL);
}

static void cfs_alloc_is_allocated_answers_per_block(struct kunit *test)
{
	struct cfs_alloc *a = cfs_test_zone(test, 48, 6, false);
	u64 s;

	KUNIT_ASSERT_EQ(test, cfs_alloc_format(a), 0);
	KUNIT_EXPECT_FALSE(test, cfs_alloc_is_allocated(a, 0, 0));
	KUNIT_ASSERT_EQ(test, cfs_alloc_block(a, 2, &s), 0);
	KUNIT_ASSERT_EQ(test, s, 32ULL);

	KUNIT_EXPECT_TRUE(test, cfs_alloc_is_allocated(a, 32, 2));
	KUNIT_EXPECT_TRUE(test, cfs_alloc_is_allocated(a, 34, 1));
	KUNIT_EXPECT_TRUE(test, cfs_alloc_is_allocated(a, 35, 0));
	KUNIT_EXPECT_FALSE(test, cfs_alloc_is_allocated(a, 32, 3));
	KUNIT_EXPECT_FALSE(test, cfs_alloc_is_allocated(a, 32, 4));
	KUNIT_EXPECT_FALSE(test, cfs_alloc_is_allocated(a, 36, 2));
	KUNIT_EXPECT_FALSE(test, cfs_alloc_is_allocated(a, 0, 5));
	/* Not blocks of the zone: misaligned, past P, order past K. */
	KUNIT_EXPECT_FALSE(test, cfs_alloc_is_allocated(a, 33, 2));
	KUNIT_EXPECT_FALSE(test, cfs_alloc_is_allocated(a, 48, 0));
	KUNIT_EXPECT_FALSE(test, cfs_alloc_is_allocated(a, 32, 5));
	KUNIT_EXPECT_FALSE(test, cfs_alloc_is_allocated(a, 0, 6));

	/* Two allocated halves make an allocated whole. */
	KUNIT_ASSERT_EQ(test, cfs_alloc_block(a, 2, &s), 0);
	KUNIT_ASSERT_EQ(test, s, 36ULL);
	KUNIT_EXPECT_TRUE(test, cfs_alloc_is_allocated(a, 32, 3));
	KUNIT_EXPECT_FALSE(test, cfs_alloc_is_allocated(a, 32, 4));
}

/* ---- write-out ---- */

static void cfs_alloc_write_dirty_keeps_pages_dirty_on_error(struct kunit *test)
{
	struct cfs_alloc *a = cfs_test_zone(test, (1 << 20) + 3, 21, false);
	struct cfs_test_writer w = { .pages = 65, .fail = -EIO };
	u64 s;

	KUNIT_ASSERT_EQ(test, cfs_alloc_format(a), 0);
	/* Orders 0 (page 32), 1 (page 48) and 20 (page 64) have bits. */
	KUNIT_EXPECT_EQ(test, cfs_test_dirty_pages(a), 3U);
	KUNIT_EXPECT_EQ(test, cfs_alloc_write_dirty(a, cfs_test_write, &w), -EIO);
	KUNIT_EXPECT_EQ(test, cfs_test_dirty_pages(a), 3U);
	w.fail = 0;
	KUNIT_EXPECT_EQ(test, cfs_alloc_write_dirty(a, cfs_test_write, &w), 0);
	KUNIT_EXPECT_EQ(test, w.writes, 3U);
	KUNIT_EXPECT_EQ(test, cfs_test_dirty_pages(a), 0U);

	/* Taking the free order-0 page leaves page 32 zero but still dirty. */
	KUNIT_ASSERT_EQ(test, cfs_alloc_block(a, 0, &s), 0);
	KUNIT_ASSERT_EQ(test, s, (u64)(1 << 20) + 2);
	KUNIT_EXPECT_EQ(test, cfs_test_dirty_pages(a), 1U);
	KUNIT_EXPECT_EQ(test, cfs_test_real_pages(a), 2U);
	w.writes = 0;
	w.nonzero = 0;
	KUNIT_EXPECT_EQ(test, cfs_alloc_write_dirty(a, cfs_test_write, &w), 0);
	KUNIT_EXPECT_EQ(test, w.writes, 1U);
	KUNIT_EXPECT_EQ(test, w.nonzero, 0U);
	/* Written as zeroes, it is gone. */
	KUNIT_EXPECT_TRUE(test, !xa_load(&a->bitmap, 32));
	cfs_test_lists_match_bitmap(test, a);
}

/* ---- huge sparse zone ---- */

static bool cfs_test_meet(const struct cfs_test_block *x,
			  const struct cfs_test_block *y)
{
	return x->start < y->start + BIT_ULL(y->order) &&
	       y->start < x->start + BIT_ULL(x->order);
}

static void cfs_alloc_huge_sparse_zone_stays_sparse(struct kunit *test)
{
	struct cfs_alloc *a = cfs_test_zone(test, 1ULL << 36, 37, false);
	struct cfs_test *t = test->priv;
	struct cfs_test_writer w = { .pages = t->npages };
	struct cfs_test_block *blk;
	unsigned int i, j, n = 64, most = 0;

	blk = kunit_kcalloc(test, n, sizeof(*blk), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, blk);
	KUNIT_ASSERT_GT(test, t->npages, 1ULL << 22);

	KUNIT_ASSERT_EQ(test, cfs_alloc_format(a), 0);
	KUNIT_EXPECT_EQ(test, cfs_test_only(a, 36), 0ULL);
	KUNIT_EXPECT_EQ(test, cfs_test_real_pages(a), 1U);

	for (i = 0; i < n; i++) {
		blk[i].order = cfs_test_rand(t, 31);
		KUNIT_ASSERT_EQ(test, cfs_alloc_block(a, blk[i].order,
						      &blk[i].start), 0);
		for (j = 0; j < i; j++)
			KUNIT_ASSERT_FALSE(test, cfs_test_meet(&blk[i], &blk[j]));
		most = max(most, cfs_test_real_pages(a));
	}
	cfs_test_lists_match_bitmap(test, a);
	for (i = 0; i < n; i++)
		KUNIT_EXPECT_TRUE(test, cfs_alloc_is_allocated(a, blk[i].start,
							       blk[i].order));
	/* At most one page per order holds the split-off right halves. */
	KUNIT_EXPECT_LE(test, most, 37U);
	kunit_info(test, "%u of %llu bitmap pages present at most", most,
		   t->npages);

	/* Big blocks move in place as well. */
	for (i = 0; i < n; i++) {
		if (!cfs_alloc_grow(a, blk[i].start, blk[i].order,
				    blk[i].order + 1))
			blk[i].order++;
		if (blk[i].order > 4) {
			cfs_alloc_shrink(a, blk[i].start, blk[i].order,
					 blk[i].order - 4);
			blk[i].order -= 4;
		}
	}
	cfs_test_lists_match_bitmap(test, a);

	for (i = 0; i < n; i++) {
		j = cfs_test_rand(t, n - i);
		cfs_alloc_free(a, blk[j].start, blk[j].order);
		blk[j] = blk[n - i - 1];
	}
	cfs_test_lists_match_bitmap(test, a);
	KUNIT_EXPECT_EQ(test, cfs_test_only(a, 36), 0ULL);
	KUNIT_EXPECT_EQ(test, a->free_pages, 1ULL << 36);
	KUNIT_EXPECT_EQ(test, cfs_test_real_pages(a), 1U);
	KUNIT_ASSERT_EQ(test, cfs_alloc_write_dirty(a, cfs_test_write, &w), 0);
	KUNIT_EXPECT_EQ(test, w.nonzero, 1U);
	KUNIT_EXPECT_EQ(test, cfs_test_count(&a->bitmap), 1ULL);
}

static struct kunit_case cfs_alloc_test_cases[] = {
	KUNIT_CASE(cfs_alloc_init_rejects_bad_geometry),
	KUNIT_CASE(cfs_alloc_splits_on_alloc_and_merges_on_free),
	KUNIT_CASE_PARAM(cfs_alloc_random_ops_keep_bitmap_canonical,
			 cfs_test_random_gen_params),
	KUNIT_CASE(cfs_alloc_grow_takes_free_right_buddies),
	KUNIT_CASE(cfs_alloc_grow_refuses_without_changing_state),
	KUNIT_CASE(cfs_alloc_exhaustion_gives_enospc_without_overlap),
	KUNIT_CASE_PARAM(cfs_alloc_odd_zone_formats_fills_and_empties,
			 cfs_test_odd_zone_gen_params),
	KUNIT_CASE_PARAM(cfs_alloc_load_round_trips_formatted_bitmap,
			 cfs_test_odd_zone_gen_params),
	KUNIT_CASE_PARAM(cfs_alloc_load_rejects_padding_and_bits_past_end,
			 cfs_test_bad_bit_gen_params),
	KUNIT_CASE(cfs_alloc_validate_rejects_overlap_and_unmerged_buddies),
	KUNIT_CASE(cfs_alloc_reserve_splits_the_free_block_around_it),
	KUNIT_CASE(cfs_alloc_is_allocated_answers_per_block),
	KUNIT_CASE(cfs_alloc_write_dirty_keeps_pages_dirty_on_error),
	KUNIT_CASE(cfs_alloc_huge_sparse_zone_stays_sparse),
	{}
};

struct kunit_suite cfs_alloc_test_suite = {
	.name = "contigfs_alloc",
	.init = cfs_test_init,
	.exit = cfs_test_exit,
	.test_cases = cfs_alloc_test_cases,
};
