// SPDX-License-Identifier: GPL-2.0
/*
 * Metadata pages and transactions.
 *
 * Directory blocks and inode table pages are cached in contigfs's own
 * buffers (struct cfs_mbuf); bitmaps live in their allocators. A change
 * marks its page part of the running transaction. Nothing reaches a home
 * LBA before the transaction's images and header are on flash in the
 * journal, so a power cut leaves either the old or the new metadata, and
 * mount finishes an interrupted transaction by replaying the journal.
 * Everything here runs under cfs_sb_info.meta_lock.
 */
#include <linux/crc32c.h>
#include <linux/highmem.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "contigfs.h"

/* Clean cached metadata pages beyond this are dropped, oldest first. */
#define CFS_MCACHE_MAX	4096

static int cfs_write_page(struct cfs_sb_info *sbi, u64 lba, const void *buf)
{
	struct page *page;
	int ret;

	ret = cfs_get_pages(sbi, lba, 1, SALSA_WRITE | SALSA_FULL | SALSA_META,
			    &page);
	if (ret)
		return ret;
	memcpy_to_page(page, 0, buf, PAGE_SIZE);
	cfs_put_pages(sbi, lba, 1, SALSA_WRITE | SALSA_DIRTY | SALSA_META,
		      &page);
	return 0;
}

int cfs_read_page(struct cfs_sb_info *sbi, u64 lba, void *buf)
{
	struct page *page;
	int ret;

	ret = cfs_get_pages(sbi, lba, 1, SALSA_META, &page);
	if (ret)
		return ret;
	memcpy_from_page(buf, page, 0, PAGE_SIZE);
	cfs_put_pages(sbi, lba, 1, 0, &page);
	return 0;
}

static void cfs_mbuf_free(struct cfs_mbuf *mb)
{
	kfree(mb->data);
	kfree(mb);
}

static void cfs_mcache_shrink(struct cfs_sb_info *sbi)
{
	while (sbi->nr_mbufs > CFS_MCACHE_MAX && !list_empty(&sbi->mclean)) {
		struct cfs_mbuf *mb = list_first_entry(&sbi->mclean,
						       struct cfs_mbuf, lru);

		list_del(&mb->lru);
		xa_erase(&sbi->mcache, mb->lba);
		sbi->nr_mbufs--;
		cfs_mbuf_free(mb);
	}
}

static struct cfs_mbuf *cfs_mbuf_get(struct cfs_sb_info *sbi, u64 lba,
				     bool read)
{
	struct cfs_mbuf *mb = xa_load(&sbi->mcache, lba);
	int ret;

	lockdep_assert_held(&sbi->meta_lock);
	if (mb) {
		if (!mb->dirty)
			list_move_tail(&mb->lru, &sbi->mclean);
		return mb;
	}
	mb = kzalloc(sizeof(*mb), GFP_NOFS);
	if (!mb)
		return ERR_PTR(-ENOMEM);
	mb->data = kzalloc(PAGE_SIZE, GFP_NOFS);
	if (!mb->data) {
		kfree(mb);
		return ERR_PTR(-ENOMEM);
	}
	mb->lba = lba;
	INIT_LIST_HEAD(&mb->txn);
	if (read) {
		ret = cfs_read_page(sbi, lba, mb->data);
		if (ret)
			goto fail;
	}
	ret = xa_err(xa_store(&sbi->mcache, lba, mb, GFP_NOFS));
	if (ret)
		goto fail;
	list_add_tail(&mb->lru, &sbi->mclean);
	sbi->nr_mbufs++;
	cfs_mcache_shrink(sbi);
	return mb;
fail:
	cfs_mbuf_free(mb);
	return ERR_PTR(ret);
}

/* The cached contents of a metadata page, for reading. */
void *cfs_meta_read(struct cfs_sb_info *sbi, u64 lba)
{
	struct cfs_mbuf *mb = cfs_mbuf_get(sbi, lba, true);

	return IS_ERR(mb) ? ERR_CAST(mb) : mb->data;
}

static void cfs_mbuf_dirty(struct cfs_sb_info *sbi, struct cfs_mbuf *mb)
{
	if (mb->dirty)
		return;
	mb->dirty = true;
	list_del_init(&mb->lru);
	list_add_tail(&mb->txn, &sbi->txn);
	sbi->txn_mbufs++;
}

/* The cached contents of a metadata page, to be changed in this txn. */
void *cfs_meta_write(struct cfs_sb_info *sbi, u64 lba)
{
	struct cfs_mbuf *mb = cfs_mbuf_get(sbi, lba, true);

	if (IS_ERR(mb))
		return ERR_CAST(mb);
	cfs_mbuf_dirty(sbi, mb);
	return mb->data;
}

/* A metadata page whose old contents do not matter, zeroed. */
void *cfs_meta_new(struct cfs_sb_info *sbi, u64 lba)
{
	struct cfs_mbuf *mb = cfs_mbuf_get(sbi, lba, false);

	if (IS_ERR(mb))
		return ERR_CAST(mb);
	memset(mb->data, 0, PAGE_SIZE);
	cfs_mbuf_dirty(sbi, mb);
	return mb->data;
}

void cfs_mcache_destroy(struct cfs_sb_info *sbi)
{
	struct cfs_mbuf *mb;
	unsigned long lba;

	xa_for_each(&sbi->mcache, lba, mb)
		cfs_mbuf_free(mb);
	xa_destroy(&sbi->mcache);
	INIT_LIST_HEAD(&sbi->mclean);
	INIT_LIST_HEAD(&sbi->txn);
	sbi->nr_mbufs = 0;
	sbi->txn_mbufs = 0;
}

void cfs_defer_free(struct cfs_sb_info *sbi, struct cfs_zone_info *zone,
		    u64 start, unsigned int order)
{
	struct cfs_pending_free *pf;

	/* Until the freeing txn commits the block must not be handed out. */
	pf = kmalloc(sizeof(*pf), GFP_NOFS | __GFP_NOFAIL);
	pf->zone = zone;
	pf->start = start;
	pf->order = order;
	list_add_tail(&pf->node, &sbi->pending_free);
	/* Pages past a block's contents must read zero for its next owner. */
	cfs_defer_trim(sbi, zone->start + start, 1ULL << order);
}

void cfs_defer_trim(struct cfs_sb_info *sbi, u64 lba, u64 len)
{
	struct cfs_trim *t;

	if (!len)
		return;
	t = kmalloc(sizeof(*t), GFP_NOFS | __GFP_NOFAIL);
	t->lba = lba;
	t->len = len;
	list_add_tail(&t->node, &sbi->pending_trim);
}

/*
 * [lba, lba + len) is in use again before a deferred trim of it ran (a file
 * shrank and grew back): the trim must not destroy the new data.
 */
void cfs_cancel_trims(struct cfs_sb_info *sbi, u64 lba, u64 len)
{
	u64 end = lba + len;
	struct cfs_trim *t, *tmp;

	list_for_each_entry_safe(t, tmp, &sbi->pending_trim, node) {
		u64 t_end = t->lba + t->len;

		if (t_end <= lba || t->lba >= end)
			continue;
		if (t->lba < lba && t_end > end) {
			/* The range is inside: keep both sides. */
			t->len = lba - t->lba;
			cfs_defer_trim(sbi, end, t_end - end);
		} else if (t->lba < lba) {
			t->len = lba - t->lba;
		} else if (t_end > end) {
			t->len = t_end - end;
			t->lba = end;
		} else {
			list_del(&t->node);
			kfree(t);
		}
	}
}

static unsigned int cfs_alloc_dirty(struct cfs_alloc *a)
{
	unsigned long index;
	unsigned int n = 0;
	void *entry;

	xa_for_each_marked(&a->bitmap, index, entry, XA_MARK_0)
		n++;
	return n;
}

static unsigned int cfs_txn_pages(struct cfs_sb_info *sbi)
{
	unsigned int n = sbi->txn_mbufs + cfs_ibitmap_dirty_pages(sbi);
	struct cfs_pending_free *pf;
	struct list_head *pos;

	n += cfs_alloc_dirty(&sbi->meta.alloc) + cfs_alloc_dirty(&sbi->data.alloc);
	spin_lock(&sbi->dirty_lock);
	list_for_each(pos, &sbi->dirty_inodes)
		n++;
	spin_unlock(&sbi->dirty_lock);
	/* A free may merge through every order: a bitmap page for each. */
	list_for_each_entry(pf, &sbi->pending_free, node)
		n += pf->zone->orders + 1;
	return n;
}

/*
 * Called at the start of every metadata operation: commits first if the
 * operation might not fit into the running transaction.
 */
int cfs_txn_reserve(struct cfs_sb_info *sbi)
{
	lockdep_assert_held(&sbi->meta_lock);
	if (sbi->commit_error)
		return sbi->commit_error;
	if (sb_rdonly(sbi->sb))
		return -EROFS;
	if (cfs_txn_pages(sbi) + CFS_OP_RESERVE <= sbi->journal_max)
		return 0;
	return cfs_commit(sbi);
}

struct cfs_image {
	u64 lba;
	void *data;
	bool owned;		/* a copy to free after the commit */
};

struct cfs_txn_build {
	struct cfs_sb_info *sbi;
	struct cfs_image *img;
	unsigned int nr;
	unsigned int max;
	u64 zone_bitmap_start;
};

static int cfs_txn_add_copy(struct cfs_txn_build *tb, u64 lba, const void *data)
{
	void *copy;

	if (tb->nr == tb->max)
		return -EFBIG;
	copy = kmemdup(data, PAGE_SIZE, GFP_NOFS);
	if (!copy)
		return -ENOMEM;
	tb->img[tb->nr].lba = lba;
	tb->img[tb->nr].data = copy;
	tb->img[tb->nr].owned = true;
	tb->nr++;
	return 0;
}

static int cfs_txn_add_bitmap(void *priv, u64 index, const void *data)
{
	struct cfs_txn_build *tb = priv;

	return cfs_txn_add_copy(tb, tb->zone_bitmap_start + index, data);
}

static int cfs_txn_add_lba(void *priv, u64 lba, const void *data)
{
	return cfs_txn_add_copy(priv, lba, data);
}

static int cfs_journal_write(struct cfs_sb_info *sbi, struct cfs_image *img,
			     unsigned int nr)
{
	struct contigfs_journal_header *jh;
	u32 data_crc = ~0U;
	unsigned int i;
	int ret;

	jh = kzalloc(PAGE_SIZE, GFP_NOFS);
	if (!jh)
		return -ENOMEM;
	for (i = 0; i < nr; i++) {
		ret = cfs_write_page(sbi, sbi->journal_start + 1 + i,
				     img[i].data);
		if (ret)
			goto out;
		data_crc = crc32c(data_crc, img[i].data, PAGE_SIZE);
		jh->j_lba[i] = cpu_to_le64(img[i].lba);
	}
	jh->j_magic = cpu_to_le64(CONTIGFS_JOURNAL_MAGIC);
	jh->j_count = cpu_to_le32(nr);
	memcpy(jh->j_uuid, sbi->disk.s_uuid, sizeof(jh->j_uuid));
	jh->j_seq = cpu_to_le64(++sbi->txn_seq);
	jh->j_data_crc = cpu_to_le32(data_crc);
	jh->j_crc = cpu_to_le32(crc32c(~0U, jh, PAGE_SIZE));
	ret = cfs_write_page(sbi, sbi->journal_start, jh);
out:
	kfree(jh);
	return ret;
}

static void cfs_apply_pending_frees(struct cfs_sb_info *sbi)
{
	struct cfs_pending_free *pf, *tmp;

	list_for_each_entry_safe(pf, tmp, &sbi->pending_free, node) {
		cfs_alloc_free(&pf->zone->alloc, pf->start, pf->order);
		list_del(&pf->node);
		kfree(pf);
	}
}

static void cfs_run_trims(struct cfs_sb_info *sbi)
{
	struct cfs_trim *t, *tmp;

	list_for_each_entry_safe(t, tmp, &sbi->pending_trim, node) {
		/* Only frees flash: a failure costs space, not data. */
		if (salsa_trim(sbi->ftl, t->lba, t->len))
			cfs_err(sbi->sb, "trim of LBA %llu+%llu failed",
				t->lba, t->len);
		list_del(&t->node);
		kfree(t);
	}
}

/*
 * Commit the running transaction: images and header to the journal, flush,
 * home pages, flush; then trims of what it freed. On failure the fs stops
 * accepting changes (the error sticks) rather than guess what is on flash.
 */
static int cfs_commit_txn(struct cfs_sb_info *sbi, bool *flushed)
{
	struct cfs_txn_build tb = { .sbi = sbi };
	struct cfs_mbuf *mb, *tmp;
	unsigned int i;
	int ret;

	lockdep_assert_held(&sbi->meta_lock);
	*flushed = false;
	if (sbi->commit_error)
		return sbi->commit_error;
	cfs_apply_pending_frees(sbi);
	ret = cfs_log_dirty_inodes(sbi);
	if (ret)
		goto fail;

	tb.max = sbi->journal_max;
	tb.img = kvcalloc(tb.max, sizeof(*tb.img), GFP_NOFS);
	if (!tb.img) {
		ret = -ENOMEM;
		goto fail;
	}
	list_for_each_entry(mb, &sbi->txn, txn) {
		if (tb.nr == tb.max) {
			ret = -EFBIG;
			goto fail_free;
		}
		tb.img[tb.nr].lba = mb->lba;
		tb.img[tb.nr].data = mb->data;
		tb.nr++;
	}
	ret = cfs_ibitmap_write_dirty(sbi, cfs_txn_add_lba, &tb);
	if (ret)
		goto fail_free;
	tb.zone_bitmap_start = sbi->meta.bitmap_start;
	ret = cfs_alloc_write_dirty(&sbi->meta.alloc, cfs_txn_add_bitmap, &tb);
	if (ret)
		goto fail_free;
	tb.zone_bitmap_start = sbi->data.bitmap_start;
	ret = cfs_alloc_write_dirty(&sbi->data.alloc, cfs_txn_add_bitmap, &tb);
	if (ret)
		goto fail_free;

	*flushed = tb.nr != 0;
	if (tb.nr) {
		ret = cfs_journal_write(sbi, tb.img, tb.nr);
		if (!ret)
			ret = salsa_sync_range_wait(sbi->ftl, sbi->journal_start,
						    tb.nr + 1);
		for (i = 0; i < tb.nr && !ret; i++)
			ret = cfs_write_page(sbi, tb.img[i].lba, tb.img[i].data);
		if (!ret)
			ret = salsa_sync_range_wait(sbi->ftl, 0, 1);
		if (ret)
			goto fail_free;
	}
	list_for_each_entry_safe(mb, tmp, &sbi->txn, txn) {
		list_del_init(&mb->txn);
		mb->dirty = false;
		list_add_tail(&mb->lru, &sbi->mclean);
	}
	sbi->txn_mbufs = 0;
	for (i = 0; i < tb.nr; i++)
		if (tb.img[i].owned)
			kfree(tb.img[i].data);
	kvfree(tb.img);
	cfs_run_trims(sbi);
	cfs_mcache_shrink(sbi);
	return 0;

fail_free:
	for (i = 0; i < tb.nr; i++)
		if (tb.img[i].owned)
			kfree(tb.img[i].data);
	kvfree(tb.img);
fail:
	sbi->commit_error = ret;
	cfs_err(sbi->sb, "commit failed (%d); no further changes accepted",
		ret);
	return ret;
}

int cfs_commit(struct cfs_sb_info *sbi)
{
	bool flushed;

	return cfs_commit_txn(sbi, &flushed);
}

/*
 * fsync, syncfs: everything written so far on flash. A commit flushes the
 * FTL (file data included); without one to make, a flush alone does.
 */
int cfs_sync(struct cfs_sb_info *sbi)
{
	bool flushed = false;
	int ret;

	mutex_lock(&sbi->meta_lock);
	ret = sbi->commit_error;
	if (!ret && !sb_rdonly(sbi->sb))
		ret = cfs_commit_txn(sbi, &flushed);
	mutex_unlock(&sbi->meta_lock);
	if (!ret && !flushed)
		ret = salsa_sync_range_wait(sbi->ftl, 0, 1);
	return ret;
}

void cfs_commit_work(struct work_struct *work)
{
	struct cfs_sb_info *sbi = container_of(to_delayed_work(work),
					       struct cfs_sb_info, commit_work);

	mutex_lock(&sbi->meta_lock);
	if (!sb_rdonly(sbi->sb))
		cfs_commit(sbi);
	mutex_unlock(&sbi->meta_lock);
	if (sbi->commit_interval)
		schedule_delayed_work(&sbi->commit_work,
				      sbi->commit_interval * HZ);
}

/* Everything is home: the journal need not be replayed. */
int cfs_journal_clear(struct cfs_sb_info *sbi)
{
	void *zero = kzalloc(PAGE_SIZE, GFP_NOFS);
	int ret;

	if (!zero)
		return -ENOMEM;
	ret = cfs_write_page(sbi, sbi->journal_start, zero);
	kfree(zero);
	return ret ? ret : salsa_sync_range_wait(sbi->ftl, 0, 1);
}

/*
 * Finish the transaction of a power cut: a valid journal is copied home
 * (idempotent), then invalidated. A torn journal (bad crc) was never
 * acknowledged and its home pages were not touched: nothing to do.
 */
int cfs_journal_replay(struct cfs_sb_info *sbi)
{
	struct contigfs_journal_header *jh;
	u32 crc, data_crc = ~0U;
	unsigned int i, nr;
	void *buf;
	int ret;

	jh = kzalloc(PAGE_SIZE, GFP_KERNEL);
	buf = kzalloc(PAGE_SIZE, GFP_KERNEL);
	if (!jh || !buf) {
		ret = -ENOMEM;
		goto out;
	}
	ret = cfs_read_page(sbi, sbi->journal_start, jh);
	if (ret)
		goto out;
	if (le64_to_cpu(jh->j_magic) != CONTIGFS_JOURNAL_MAGIC ||
	    memcmp(jh->j_uuid, sbi->disk.s_uuid, sizeof(jh->j_uuid)))
		goto out;
	crc = le32_to_cpu(jh->j_crc);
	jh->j_crc = 0;
	nr = le32_to_cpu(jh->j_count);
	if (crc32c(~0U, jh, PAGE_SIZE) != crc || !nr ||
	    nr > sbi->journal_max)
		goto out;
	for (i = 0; i < nr; i++) {
		ret = cfs_read_page(sbi, sbi->journal_start + 1 + i, buf);
		if (ret)
			goto out;
		data_crc = crc32c(data_crc, buf, PAGE_SIZE);
	}
	if (data_crc != le32_to_cpu(jh->j_data_crc))
		goto out;	/* torn: the txn never committed */
	/* Committed, so its home pages are metadata: never sb, journal, data. */
	for (i = 0; i < nr; i++) {
		u64 lba = le64_to_cpu(jh->j_lba[i]);

		if (lba < sbi->ibitmap_start ||
		    lba >= le64_to_cpu(sbi->disk.s_data.start)) {
			cfs_err(sbi->sb, "journal image %u targets LBA %llu outside the metadata areas",
				i, lba);
			ret = -EUCLEAN;
			goto out;
		}
	}
	for (i = 0; i < nr && !ret; i++) {
		ret = cfs_read_page(sbi, sbi->journal_start + 1 + i, buf);
		if (!ret)
			ret = cfs_write_page(sbi, le64_to_cpu(jh->j_lba[i]), buf);
	}
	if (!ret)
		ret = salsa_sync_range_wait(sbi->ftl, 0, 1);
	if (ret)
		goto out;
	sbi->txn_seq = le64_to_cpu(jh->j_seq);
	ret = cfs_journal_clear(sbi);
	if (!ret)
		pr_info("contigfs (%s): replayed transaction %llu (%u pages)\n",
			sbi->sb->s_id, sbi->txn_seq, nr);
out:
	kfree(buf);
	kfree(jh);
	return ret;
}
