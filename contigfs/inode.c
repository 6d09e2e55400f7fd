// SPDX-License-Identifier: GPL-2.0
/*
 * Inodes: the inode bitmap and table, reading and logging inodes, their
 * blocks (grow in place, move by remap, shrink), and eviction.
 */
#include <linux/crc32c.h>
#include <linux/delay.h>
#include <linux/module.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "contigfs.h"

#define CFS_BITS_PER_PAGE	(CONTIGFS_BLOCK_SIZE * 8)

/* ---- inode bitmap ---- */

int cfs_ibitmap_load(struct cfs_sb_info *sbi)
{
	u64 words = BITS_TO_LONGS(sbi->inode_count);
	u64 pg, bit;
	u8 *buf;
	int ret = 0;

	sbi->ibitmap = kvcalloc(words, sizeof(long), GFP_KERNEL);
	sbi->ibitmap_dirty = bitmap_zalloc(sbi->ibitmap_pages, GFP_KERNEL);
	buf = kmalloc(PAGE_SIZE, GFP_KERNEL);
	if (!sbi->ibitmap || !sbi->ibitmap_dirty || !buf) {
		ret = -ENOMEM;
		goto out;
	}
	for (pg = 0; pg < sbi->ibitmap_pages; pg++) {
		ret = cfs_read_page(sbi, sbi->ibitmap_start + pg, buf);
		if (ret)
			goto out;
		for (bit = 0; bit < CFS_BITS_PER_PAGE; bit++) {
			u64 ino = pg * CFS_BITS_PER_PAGE + bit;

			if (!test_bit_le(bit, buf))
				continue;
			if (ino >= sbi->inode_count) {
				cfs_err(sbi->sb, "inode bitmap: bit %llu set past the %llu inodes",
					ino, sbi->inode_count);
				ret = -EUCLEAN;
				goto out;
			}
			__set_bit(ino, sbi->ibitmap);
		}
	}
	if (!test_bit(0, sbi->ibitmap) ||
	    !test_bit(CONTIGFS_ROOT_INO, sbi->ibitmap)) {
		cfs_err(sbi->sb, "inode bitmap: inode 0 or the root is not marked in use");
		ret = -EUCLEAN;
		goto out;
	}
	sbi->free_inodes = sbi->inode_count -
			   bitmap_weight(sbi->ibitmap, sbi->inode_count);
	sbi->next_ino = CONTIGFS_ROOT_INO + 1;
out:
	kfree(buf);
	return ret;
}

unsigned int cfs_ibitmap_dirty_pages(struct cfs_sb_info *sbi)
{
	return bitmap_weight(sbi->ibitmap_dirty, sbi->ibitmap_pages);
}

int cfs_ibitmap_write_dirty(struct cfs_sb_info *sbi,
			    int (*fn)(void *priv, u64 lba, const void *data),
			    void *priv)
{
	unsigned long pg;
	u8 *buf;
	int ret = 0;

	buf = kmalloc(PAGE_SIZE, GFP_NOFS);
	if (!buf)
		return -ENOMEM;
	for_each_set_bit(pg, sbi->ibitmap_dirty, sbi->ibitmap_pages) {
		u64 first = (u64)pg * CFS_BITS_PER_PAGE, bit;
		u64 nr = min_t(u64, CFS_BITS_PER_PAGE,
			       sbi->inode_count - first);

		memset(buf, 0, PAGE_SIZE);
		for (bit = 0; bit < nr; bit++)
			if (test_bit(first + bit, sbi->ibitmap))
				__set_bit_le(bit, buf);
		ret = fn(priv, sbi->ibitmap_start + pg, buf);
		if (ret)
			break;
		__clear_bit(pg, sbi->ibitmap_dirty);
	}
	kfree(buf);
	return ret;
}

static void cfs_ibitmap_change(struct cfs_sb_info *sbi, u64 ino, bool used)
{
	if (used) {
		__set_bit(ino, sbi->ibitmap);
		sbi->free_inodes--;
	} else {
		__clear_bit(ino, sbi->ibitmap);
		sbi->free_inodes++;
	}
	__set_bit(ino / CFS_BITS_PER_PAGE, sbi->ibitmap_dirty);
}

/* ---- the inode table ---- */

static u64 cfs_inode_lba(struct cfs_sb_info *sbi, u64 ino)
{
	return sbi->itable_start + ino / CONTIGFS_INODES_PER_PAGE;
}

static unsigned int cfs_inode_off(u64 ino)
{
	return (ino % CONTIGFS_INODES_PER_PAGE) * CONTIGFS_INODE_SIZE;
}

static u32 cfs_inode_crc(u64 ino, const struct contigfs_inode *di)
{
	struct contigfs_inode tmp = *di;
	__le64 seed = cpu_to_le64(ino);

	tmp.i_crc = 0;
	return crc32c(crc32c(~0U, &seed, sizeof(seed)), &tmp, sizeof(tmp));
}

/* Everything mount and iget must check before trusting an inode. */
static int cfs_inode_check(struct cfs_sb_info *sbi, u64 ino,
			   const struct contigfs_inode *di)
{
	umode_t mode = le16_to_cpu(di->i_mode);
	u64 size = le64_to_cpu(di->i_size);
	u64 start = le64_to_cpu(di->i_start);
	struct cfs_zone_info *zone = S_ISREG(mode) ? &sbi->data : &sbi->meta;
	u8 order = di->i_order;
	const char *why = NULL;

	if (le32_to_cpu(di->i_crc) != cfs_inode_crc(ino, di))
		why = "bad checksum";
	else if (!S_ISREG(mode) && !S_ISDIR(mode) && !S_ISLNK(mode) &&
		 !S_ISCHR(mode) && !S_ISBLK(mode) && !S_ISFIFO(mode) &&
		 !S_ISSOCK(mode))
		why = "bad file type";
	else if (le16_to_cpu(di->i_flags) & ~CONTIGFS_INODE_MOVING)
		why = "unknown flags";
	else if (order != CONTIGFS_NO_BLOCK &&
		 (!(S_ISREG(mode) || S_ISDIR(mode) || S_ISLNK(mode)) ||
		  order >= zone->orders || start & ((1ULL << order) - 1) ||
		  start >= zone->pages || (1ULL << order) > zone->pages - start))
		why = "block outside its zone";
	else if (order != CONTIGFS_NO_BLOCK &&
		 !cfs_alloc_is_allocated(&zone->alloc, start, order))
		why = "block is marked free";
	else if (size > (order == CONTIGFS_NO_BLOCK ? 0 : (1ULL << order)) *
			CONTIGFS_BLOCK_SIZE &&
		 !(S_ISLNK(mode) && order == CONTIGFS_NO_BLOCK &&
		   size < CONTIGFS_INLINE_SYMLINK))
		why = "size beyond its block";
	else if ((le16_to_cpu(di->i_flags) & CONTIGFS_INODE_MOVING) &&
		 (order == CONTIGFS_NO_BLOCK ||
		  di->i_old_order >= zone->orders ||
		  !cfs_alloc_is_allocated(&zone->alloc,
					  le64_to_cpu(di->i_old_start),
					  di->i_old_order)))
		why = "bad move source";
	else if (S_ISDIR(mode) && size % CONTIGFS_BLOCK_SIZE)
		why = "directory size not a multiple of the block size";
	else if (S_ISLNK(mode) && (!size || size > CONTIGFS_MAX_SYMLINK ||
				   (size >= CONTIGFS_INLINE_SYMLINK) !=
				   (order != CONTIGFS_NO_BLOCK)))
		why = "bad symlink length";
	else if (S_ISDIR(mode) && (!le64_to_cpu(di->i_parent) ||
				   le64_to_cpu(di->i_parent) >= sbi->inode_count))
		why = "bad parent";
	if (!why)
		return 0;
	cfs_err(sbi->sb, "inode %llu: %s", ino, why);
	return -EUCLEAN;
}

static void cfs_fill_inode(struct inode *inode, const struct contigfs_inode *di)
{
	struct cfs_inode_info *ci = CFS_I(inode);

	inode->i_mode = le16_to_cpu(di->i_mode);
	set_nlink(inode, le32_to_cpu(di->i_nlink));
	i_uid_write(inode, le32_to_cpu(di->i_uid));
	i_gid_write(inode, le32_to_cpu(di->i_gid));
	inode->i_size = le64_to_cpu(di->i_size);
	inode->i_atime.tv_sec = (s64)le64_to_cpu(di->i_atime);
	inode->i_mtime.tv_sec = (s64)le64_to_cpu(di->i_mtime);
	inode->i_ctime.tv_sec = (s64)le64_to_cpu(di->i_ctime);
	inode->i_atime.tv_nsec = le32_to_cpu(di->i_atime_nsec) % NSEC_PER_SEC;
	inode->i_mtime.tv_nsec = le32_to_cpu(di->i_mtime_nsec) % NSEC_PER_SEC;
	inode->i_ctime.tv_nsec = le32_to_cpu(di->i_ctime_nsec) % NSEC_PER_SEC;
	inode->i_generation = le32_to_cpu(di->i_generation);
	ci->start = le64_to_cpu(di->i_start);
	ci->order = di->i_order;
	ci->parent = le64_to_cpu(di->i_parent);
	/* Unknown after mount: the first growth trims what it exposes. */
	ci->zero_from = cfs_capacity(inode);
}

static void cfs_set_ops(struct inode *inode, dev_t rdev)
{
	if (S_ISREG(inode->i_mode)) {
		inode->i_op = &cfs_file_inode_operations;
		inode->i_fop = &cfs_file_operations;
		inode->i_mapping->a_ops = &cfs_file_aops;
	} else if (S_ISDIR(inode->i_mode)) {
		inode->i_op = &cfs_dir_inode_operations;
		inode->i_fop = &cfs_dir_operations;
	} else if (S_ISLNK(inode->i_mode)) {
		inode->i_op = &cfs_symlink_inode_operations;
	} else {
		inode->i_op = &cfs_special_inode_operations;
		init_special_inode(inode, inode->i_mode, rdev);
	}
}

static int cfs_read_symlink(struct cfs_sb_info *sbi, struct inode *inode,
			    const struct contigfs_inode *di)
{
	struct cfs_inode_info *ci = CFS_I(inode);
	const char *src;

	ci->symlink = kzalloc(inode->i_size + 1, GFP_NOFS);
	if (!ci->symlink)
		return -ENOMEM;
	if (ci->order == CONTIGFS_NO_BLOCK) {
		src = di->i_symlink;
	} else {
		src = cfs_meta_read(sbi, cfs_lba(inode, 0));
		if (IS_ERR(src))
			return PTR_ERR(src);
	}
	memcpy(ci->symlink, src, inode->i_size);
	if (strnlen(ci->symlink, inode->i_size) != inode->i_size) {
		cfs_err(sbi->sb, "inode %lu: NUL in symlink target",
			inode->i_ino);
		return -EUCLEAN;
	}
	inode->i_link = ci->symlink;
	return 0;
}

struct inode *cfs_iget(struct super_block *sb, u64 ino)
{
	struct cfs_sb_info *sbi = CFS_SB(sb);
	struct contigfs_inode di;
	struct inode *inode;
	void *page;
	int ret;

	if (!ino || ino >= sbi->inode_count)
		return ERR_PTR(-EUCLEAN);
	inode = iget_locked(sb, ino);
	if (!inode)
		return ERR_PTR(-ENOMEM);
	if (!(inode->i_state & I_NEW))
		return inode;

	mutex_lock(&sbi->meta_lock);
	page = cfs_meta_read(sbi, cfs_inode_lba(sbi, ino));
	if (IS_ERR(page)) {
		ret = PTR_ERR(page);
		goto fail;
	}
	memcpy(&di, page + cfs_inode_off(ino), sizeof(di));
	ret = -EUCLEAN;
	if (!test_bit(ino, sbi->ibitmap) || !di.i_mode) {
		cfs_err(sb, "inode %llu: referenced but not in use", ino);
		goto fail;
	}
	ret = cfs_inode_check(sbi, ino, &di);
	if (ret)
		goto fail;
	if (le16_to_cpu(di.i_flags) & CONTIGFS_INODE_MOVING) {
		/* Only a read-write mount finishes moves. */
		cfs_err(sb, "inode %llu: a move is pending; mount read-write once to finish it",
			ino);
		ret = -EROFS;
		goto fail;
	}
	cfs_fill_inode(inode, &di);
	cfs_set_ops(inode, new_decode_dev(le32_to_cpu(di.i_rdev)));
	if (S_ISLNK(inode->i_mode)) {
		ret = cfs_read_symlink(sbi, inode, &di);
		if (ret)
			goto fail;
	}
	mutex_unlock(&sbi->meta_lock);
	unlock_new_inode(inode);
	return inode;
fail:
	mutex_unlock(&sbi->meta_lock);
	iget_failed(inode);
	return ERR_PTR(ret);
}

/* Encode an inode into its table page in the running transaction. */
int cfs_write_inode_locked(struct cfs_sb_info *sbi, struct inode *inode)
{
	struct cfs_inode_info *ci = CFS_I(inode);
	struct contigfs_inode *di;
	void *page;

	page = cfs_meta_write(sbi, cfs_inode_lba(sbi, inode->i_ino));
	if (IS_ERR(page))
		return PTR_ERR(page);
	di = page + cfs_inode_off(inode->i_ino);
	memset(di, 0, sizeof(*di));
	di->i_mode = cpu_to_le16(inode->i_mode);
	di->i_nlink = cpu_to_le32(inode->i_nlink);
	di->i_uid = cpu_to_le32(i_uid_read(inode));
	di->i_gid = cpu_to_le32(i_gid_read(inode));
	di->i_size = cpu_to_le64(inode->i_size);
	di->i_start = cpu_to_le64(ci->order == CONTIGFS_NO_BLOCK ? 0 : ci->start);
	di->i_order = ci->order;
	if (ci->moving) {
		di->i_flags = cpu_to_le16(CONTIGFS_INODE_MOVING);
		di->i_old_start = cpu_to_le64(ci->old_start);
		di->i_old_order = ci->old_order;
	}
	di->i_parent = cpu_to_le64(S_ISDIR(inode->i_mode) ? ci->parent : 0);
	di->i_atime = cpu_to_le64(inode->i_atime.tv_sec);
	di->i_mtime = cpu_to_le64(inode->i_mtime.tv_sec);
	di->i_ctime = cpu_to_le64(inode->i_ctime.tv_sec);
	di->i_atime_nsec = cpu_to_le32(inode->i_atime.tv_nsec);
	di->i_mtime_nsec = cpu_to_le32(inode->i_mtime.tv_nsec);
	di->i_ctime_nsec = cpu_to_le32(inode->i_ctime.tv_nsec);
	di->i_generation = cpu_to_le32(inode->i_generation);
	if (S_ISCHR(inode->i_mode) || S_ISBLK(inode->i_mode))
		di->i_rdev = cpu_to_le32(new_encode_dev(inode->i_rdev));
	if (S_ISLNK(inode->i_mode) && ci->order == CONTIGFS_NO_BLOCK)
		memcpy(di->i_symlink, ci->symlink, inode->i_size);
	di->i_crc = cpu_to_le32(cfs_inode_crc(inode->i_ino, di));
	return 0;
}

/* ->dirty_inode: the next commit logs it (may run under meta_lock). */
void cfs_dirty_inode(struct inode *inode, int flags)
{
	struct cfs_sb_info *sbi = CFS_SB(inode->i_sb);
	struct cfs_inode_info *ci = CFS_I(inode);

	spin_lock(&sbi->dirty_lock);
	if (list_empty(&ci->dirty))
		list_add_tail(&ci->dirty, &sbi->dirty_inodes);
	spin_unlock(&sbi->dirty_lock);
}

int cfs_log_dirty_inodes(struct cfs_sb_info *sbi)
{
	struct cfs_inode_info *ci;
	int ret = 0;

	lockdep_assert_held(&sbi->meta_lock);
	spin_lock(&sbi->dirty_lock);
	while (!list_empty(&sbi->dirty_inodes)) {
		ci = list_first_entry(&sbi->dirty_inodes, struct cfs_inode_info,
				      dirty);
		list_del_init(&ci->dirty);
		spin_unlock(&sbi->dirty_lock);
		/* Eviction takes meta_lock first: the inode stays valid. */
		ret = cfs_write_inode_locked(sbi, &ci->vfs_inode);
		spin_lock(&sbi->dirty_lock);
		if (ret) {
			list_add(&ci->dirty, &sbi->dirty_inodes);
			break;
		}
	}
	spin_unlock(&sbi->dirty_lock);
	return ret;
}

/* A new inode in @dir's file system; caller holds meta_lock. */
struct inode *cfs_new_inode(struct inode *dir, umode_t mode, dev_t rdev)
{
	struct super_block *sb = dir->i_sb;
	struct cfs_sb_info *sbi = CFS_SB(sb);
	struct cfs_inode_info *ci;
	struct inode *inode;
	u64 ino;

	lockdep_assert_held(&sbi->meta_lock);
	if (!sbi->free_inodes)
		return ERR_PTR(-ENOSPC);
	ino = find_next_zero_bit(sbi->ibitmap, sbi->inode_count, sbi->next_ino);
	if (ino >= sbi->inode_count)
		ino = find_next_zero_bit(sbi->ibitmap, sbi->inode_count,
					 CONTIGFS_ROOT_INO + 1);
	if (ino >= sbi->inode_count)
		return ERR_PTR(-ENOSPC);
	inode = new_inode(sb);
	if (!inode)
		return ERR_PTR(-ENOMEM);
	inode_init_owner(&init_user_ns, inode, dir, mode);
	inode->i_ino = ino;
	inode->i_generation = get_random_u32();
	inode->i_mtime = current_time(inode);
	inode->i_atime = inode->i_mtime;
	inode->i_ctime = inode->i_mtime;
	ci = CFS_I(inode);
	ci->order = CONTIGFS_NO_BLOCK;
	ci->start = 0;
	ci->zero_from = 0;
	ci->parent = S_ISDIR(mode) ? dir->i_ino : 0;
	cfs_set_ops(inode, rdev);
	if (insert_inode_locked(inode) < 0) {
		/* The slot was free on disk: a live inode with it is a bug. */
		make_bad_inode(inode);
		iput(inode);
		return ERR_PTR(-EUCLEAN);
	}
	cfs_ibitmap_change(sbi, ino, true);
	sbi->next_ino = ino + 1;
	mark_inode_dirty(inode);
	return inode;
}

/* ---- blocks ---- */

/* Directory blocks move by copy: they change through the journal anyway. */
static int cfs_copy_meta_pages(struct cfs_sb_info *sbi, u64 from, u64 to,
			       u64 nr)
{
	void *buf, *src, *dst;
	int ret = 0;
	u64 i;

	buf = kmalloc(PAGE_SIZE, GFP_NOFS);
	if (!buf)
		return -ENOMEM;
	for (i = 0; i < nr; i++) {
		src = cfs_meta_read(sbi, from + i);
		if (IS_ERR(src)) {
			ret = PTR_ERR(src);
			break;
		}
		memcpy(buf, src, PAGE_SIZE);
		dst = cfs_meta_new(sbi, to + i);
		if (IS_ERR(dst)) {
			ret = PTR_ERR(dst);
			break;
		}
		memcpy(dst, buf, PAGE_SIZE);
	}
	kfree(buf);
	return ret;
}

/* Test hook: log and pause at the two crash windows of a move. */
static unsigned int move_pause_ms;
module_param(move_pause_ms, uint, 0644);
MODULE_PARM_DESC(move_pause_ms,
		 "testing: log \"contigfs move ... intent\" and \"... remapped\" and pause this long at each (0: off)");

static void cfs_move_pause(struct inode *inode, const char *what)
{
	if (!move_pause_ms)
		return;
	/*
	 * Make what happened so far durable: after the remap this is the
	 * window where the FTL has the move and the inode does not (a remap
	 * lost to the cut leaves the same flash as the intent window).
	 */
	salsa_sync_range_wait(CFS_SB(inode->i_sb)->ftl, 0, 1);
	pr_info("contigfs move of inode %lu %s\n", inode->i_ino, what);
	msleep(move_pause_ms);
}

/*
 * Move a file's data to the new block (@start, @order) by remapping @used
 * pages, crash-safely: first commit the intent (inode MOVING, both blocks
 * allocated), then remap, then commit the end of the move. Mount finishes
 * a move whose intent is on flash (cfs_finish_move()).
 */
static int cfs_move_data(struct inode *inode, u64 start, unsigned int order,
			 u64 used)
{
	struct cfs_sb_info *sbi = CFS_SB(inode->i_sb);
	struct cfs_inode_info *ci = CFS_I(inode);
	struct cfs_zone_info *zone = &sbi->data;
	u64 old_start = ci->start;
	u8 old_order = ci->order;
	int ret;

	ci->moving = true;
	ci->old_start = old_start;
	ci->old_order = old_order;
	ci->start = start;
	ci->order = order;
	mark_inode_dirty(inode);
	ret = cfs_commit(sbi);
	if (ret)
		return ret;	/* sticky: the fs takes no more changes */
	cfs_move_pause(inode, "intent");
	if (used)
		ret = salsa_remap(sbi->ftl, zone->start + old_start,
				  zone->start + start, used);
	if (ret) {
		/* Nothing moved: back to the old block, new one freed. */
		ci->moving = false;
		ci->start = old_start;
		ci->order = old_order;
		cfs_defer_free(sbi, zone, start, order);
		mark_inode_dirty(inode);
		cfs_commit(sbi);
		return ret;
	}
	/*
	 * The remap must be on flash before the journal says the move is
	 * over: one FTL commit can be cut half-way, keeping the journal's
	 * pages but not the remap, and the inode would point at nothing.
	 * If the flush fails, the intent stays; mount finishes the move.
	 */
	ret = used ? salsa_sync_range_wait(sbi->ftl, 0, 1) : 0;
	if (ret) {
		sbi->commit_error = ret;
		cfs_err(inode->i_sb, "flush after moving inode %lu failed (%d); no further changes accepted",
			inode->i_ino, ret);
		return ret;
	}
	cfs_move_pause(inode, "remapped");
	ci->moving = false;
	cfs_defer_free(sbi, zone, old_start, old_order);
	ci->zero_from = used;
	mark_inode_dirty(inode);
	return cfs_commit(sbi);
}

/*
 * Make the block hold at least @pages pages (0: free it): grow in place
 * when the buddies are free, else move the contents by remapping (data) or
 * copying through the transaction (directories). Caller holds meta_lock,
 * the inode's i_rwsem and, for files, its invalidate_lock with no page of
 * the file held.
 */
int cfs_resize_block(struct inode *inode, u64 pages)
{
	struct cfs_sb_info *sbi = CFS_SB(inode->i_sb);
	struct cfs_inode_info *ci = CFS_I(inode);
	struct cfs_zone_info *zone = cfs_zone_of(inode);
	unsigned int order = cfs_order_for(pages);
	u64 start, used;
	int ret;

	lockdep_assert_held(&sbi->meta_lock);
	if (!pages) {
		if (ci->order != CONTIGFS_NO_BLOCK)
			cfs_defer_free(sbi, zone, ci->start, ci->order);
		ci->order = CONTIGFS_NO_BLOCK;
		ci->start = 0;
		ci->zero_from = 0;
		mark_inode_dirty(inode);
		return 0;
	}
	if (order >= zone->orders)
		return -EFBIG;
	if (ci->order == CONTIGFS_NO_BLOCK) {
		ret = cfs_alloc_block(&zone->alloc, order, &start);
		if (ret)
			return ret;
		/* Stale data of a trim lost to a crash must not show. */
		ret = salsa_trim(sbi->ftl, zone->start + start, 1ULL << order);
		if (ret) {
			cfs_alloc_free(&zone->alloc, start, order);
			return ret;
		}
		ci->start = start;
		ci->order = order;
		ci->zero_from = 0;
		mark_inode_dirty(inode);
		return 0;
	}
	if (order == ci->order)
		return 0;
	/* A resolved range (siw-flash) holds LBAs of this block. */
	if (atomic_read(&ci->pinned))
		return order < ci->order ? 0 : -EBUSY;
	if (order < ci->order) {
		u64 keep = 1ULL << order;
		unsigned int k;

		/* The upper halves, largest last, each a buddy block. */
		for (k = order; k < ci->order; k++)
			cfs_defer_free(sbi, zone, ci->start + (1ULL << k), k);
		ci->order = order;
		ci->zero_from = min(ci->zero_from, keep);
		mark_inode_dirty(inode);
		return 0;
	}
	if (!cfs_alloc_grow(&zone->alloc, ci->start, ci->order, order)) {
		u64 old = 1ULL << ci->order;

		ret = salsa_trim(sbi->ftl, zone->start + ci->start + old,
				 (1ULL << order) - old);
		if (ret) {
			cfs_alloc_shrink(&zone->alloc, ci->start, order,
					 ci->order);
			return ret;
		}
		ci->order = order;
		mark_inode_dirty(inode);
		return 0;
	}

	/* Move. */
	ret = cfs_alloc_block(&zone->alloc, order, &start);
	if (ret)
		return ret;
	used = min_t(u64, DIV_ROUND_UP(inode->i_size, PAGE_SIZE),
		     1ULL << ci->order);
	ret = salsa_trim(sbi->ftl, zone->start + start, 1ULL << order);
	if (!ret && zone != &sbi->data)
		ret = cfs_copy_meta_pages(sbi, zone->start + ci->start,
					  zone->start + start, used);
	if (ret) {
		cfs_alloc_free(&zone->alloc, start, order);
		return ret;
	}
	if (zone == &sbi->data)
		return cfs_move_data(inode, start, order, used);
	cfs_defer_free(sbi, zone, ci->start, ci->order);
	ci->start = start;
	ci->order = order;
	ci->zero_from = used;
	mark_inode_dirty(inode);
	return 0;
}

/*
 * Before a file's size grows to @new_size: make room and make sure the
 * pages it exposes read as zeroes. Caller holds i_rwsem.
 */
int cfs_expose(struct inode *inode, u64 new_size)
{
	struct cfs_sb_info *sbi = CFS_SB(inode->i_sb);
	struct cfs_inode_info *ci = CFS_I(inode);
	u64 pages = DIV_ROUND_UP(new_size, PAGE_SIZE);
	u64 old_pages = DIV_ROUND_UP(inode->i_size, PAGE_SIZE);
	/* The block changes only under i_rwsem, which we hold. */
	bool resize = pages > cfs_capacity(inode);
	int ret = 0;

	if (pages <= old_pages)
		return 0;
	if (resize) {
		/* A move needs every page of the file unreferenced. */
		filemap_invalidate_lock(inode->i_mapping);
		cfs_release_held(inode, 0);
	}
	mutex_lock(&sbi->meta_lock);
	ret = cfs_txn_reserve(sbi);
	if (!ret && resize)
		ret = cfs_resize_block(inode, pages);
	if (ret)
		goto out;
	cfs_cancel_trims(sbi, cfs_lba(inode, old_pages), pages - old_pages);
	if (old_pages < ci->zero_from) {
		u64 end = min(ci->zero_from, pages);

		ret = salsa_trim(sbi->ftl, cfs_lba(inode, old_pages),
				 end - old_pages);
		if (ret)
			goto out;
	}
	ci->zero_from = max(ci->zero_from, pages);
out:
	mutex_unlock(&sbi->meta_lock);
	if (resize)
		filemap_invalidate_unlock(inode->i_mapping);
	return ret;
}

/*
 * Shrink a regular file: zero the tail of the last page, give back whole
 * pages past the end and the unneeded part of the block. Caller holds
 * i_rwsem and the invalidate_lock; the new size is already set.
 */
void cfs_truncate_down(struct inode *inode, loff_t size)
{
	struct cfs_sb_info *sbi = CFS_SB(inode->i_sb);
	struct cfs_inode_info *ci = CFS_I(inode);
	u64 pages = DIV_ROUND_UP(size, PAGE_SIZE);
	unsigned int tail = offset_in_page(size);
	struct page *page;

	cfs_release_held(inode, pages);
	if (tail && ci->order != CONTIGFS_NO_BLOCK &&
	    !cfs_get_pages(sbi, cfs_lba(inode, pages - 1), 1, SALSA_WRITE,
			   &page)) {
		memzero_page(page, tail, PAGE_SIZE - tail);
		cfs_put_pages(sbi, cfs_lba(inode, pages - 1), 1,
			      SALSA_WRITE | SALSA_DIRTY, &page);
	}
	mutex_lock(&sbi->meta_lock);
	if (ci->order != CONTIGFS_NO_BLOCK && pages < ci->zero_from) {
		/* Trimmed once the new size is on flash; exposure re-trims. */
		cfs_defer_trim(sbi, cfs_lba(inode, pages),
			       min(ci->zero_from, cfs_capacity(inode)) - pages);
	}
	if (ci->order != CONTIGFS_NO_BLOCK && pages * 2 <= cfs_capacity(inode))
		cfs_resize_block(inode, pages);
	mutex_unlock(&sbi->meta_lock);
}

int cfs_setattr(struct user_namespace *mnt_userns, struct dentry *dentry,
		struct iattr *attr)
{
	struct inode *inode = d_inode(dentry);
	int ret;

	ret = setattr_prepare(mnt_userns, dentry, attr);
	if (ret)
		return ret;
	if ((attr->ia_valid & ATTR_SIZE) && attr->ia_size != inode->i_size) {
		if (!S_ISREG(inode->i_mode))
			return -EINVAL;
		if (attr->ia_size > inode->i_size) {
			ret = cfs_expose(inode, attr->ia_size);
			if (ret)
				return ret;
			i_size_write(inode, attr->ia_size);
		} else {
			filemap_invalidate_lock(inode->i_mapping);
			i_size_write(inode, attr->ia_size);
			cfs_truncate_down(inode, attr->ia_size);
			filemap_invalidate_unlock(inode->i_mapping);
		}
		inode->i_mtime = current_time(inode);
		inode->i_ctime = inode->i_mtime;
	}
	setattr_copy(mnt_userns, inode, attr);
	mark_inode_dirty(inode);
	return 0;
}

int cfs_getattr(struct user_namespace *mnt_userns, const struct path *path,
		struct kstat *stat, u32 request_mask, unsigned int flags)
{
	struct inode *inode = d_inode(path->dentry);

	generic_fillattr(mnt_userns, inode, stat);
	stat->blksize = PAGE_SIZE;
	/* Virtual space, not flash: unwritten pages of a block cost nothing. */
	stat->blocks = DIV_ROUND_UP(inode->i_size, 512);
	return 0;
}

/* ---- eviction ---- */

void cfs_evict_inode(struct inode *inode)
{
	struct cfs_sb_info *sbi = CFS_SB(inode->i_sb);
	struct cfs_inode_info *ci = CFS_I(inode);
	bool free = !inode->i_nlink && !is_bad_inode(inode);
	bool dirty;
	void *page;

	truncate_inode_pages_final(&inode->i_data);
	if (S_ISREG(inode->i_mode))
		cfs_release_held(inode, 0);
	mutex_lock(&sbi->meta_lock);
	spin_lock(&sbi->dirty_lock);
	dirty = !list_empty(&ci->dirty);
	spin_unlock(&sbi->dirty_lock);
	if (sbi->commit_error || sb_rdonly(inode->i_sb)) {
		free = false;
	} else if (free && !cfs_txn_reserve(sbi)) {
		cfs_resize_block(inode, 0);
		page = cfs_meta_write(sbi, cfs_inode_lba(sbi, inode->i_ino));
		if (!IS_ERR(page)) {
			memset(page + cfs_inode_off(inode->i_ino), 0,
			       CONTIGFS_INODE_SIZE);
			cfs_ibitmap_change(sbi, inode->i_ino, false);
		}
	} else if (!free && dirty && !is_bad_inode(inode)) {
		cfs_write_inode_locked(sbi, inode);
	}
	/* Last: freeing the block above marks the inode dirty again. */
	spin_lock(&sbi->dirty_lock);
	list_del_init(&ci->dirty);
	spin_unlock(&sbi->dirty_lock);
	mutex_unlock(&sbi->meta_lock);
	clear_inode(inode);
	kfree(ci->symlink);
	ci->symlink = NULL;
}

/*
 * A power cut hit a move after its intent was committed. The remap is one
 * entry in the FTL's log, so it happened or not: redo it if the source
 * still holds data (a done remap left it unmapped and the destination
 * mapped, which the FTL refuses with -EEXIST), then end the move.
 */
static int cfs_finish_move(struct cfs_sb_info *sbi, u64 ino)
{
	struct cfs_zone_info *zone;
	struct contigfs_inode *di;
	u64 from, to, used;
	void *page;
	int ret;

	ret = cfs_txn_reserve(sbi);
	if (ret)
		return ret;
	page = cfs_meta_write(sbi, cfs_inode_lba(sbi, ino));
	if (IS_ERR(page))
		return PTR_ERR(page);
	di = page + cfs_inode_off(ino);
	/*
	 * This module moves only file data by remapping, but the format
	 * allows any block to move so: nothing of the metadata zone is
	 * cached before this scan.
	 */
	zone = S_ISREG(le16_to_cpu(di->i_mode)) ? &sbi->data : &sbi->meta;
	from = zone->start + le64_to_cpu(di->i_old_start);
	to = zone->start + le64_to_cpu(di->i_start);
	used = min_t(u64, DIV_ROUND_UP(le64_to_cpu(di->i_size), PAGE_SIZE),
		     1ULL << di->i_old_order);
	ret = used ? salsa_remap(sbi->ftl, from, to, used) : 0;
	/* On flash before the commit that ends the move (cfs_move_data()). */
	if (!ret && used)
		ret = salsa_sync_range_wait(sbi->ftl, 0, 1);
	if (ret && ret != -EEXIST) {
		cfs_err(sbi->sb, "inode %llu: finishing its move failed (%d)",
			ino, ret);
		return ret;
	}
	cfs_defer_free(sbi, zone, le64_to_cpu(di->i_old_start),
		       di->i_old_order);
	di->i_flags = 0;
	di->i_old_start = 0;
	di->i_old_order = 0;
	di->i_crc = cpu_to_le32(cfs_inode_crc(ino, di));
	pr_info("contigfs (%s): finished the move of inode %llu (%s)\n",
		sbi->sb->s_id, ino, ret ? "remap was done" : "remapped now");
	/* Commit before anything may reuse the source block. */
	return cfs_commit(sbi);
}

/*
 * After mount: free inodes that were unlinked but open at a power cut, and
 * finish moves a power cut interrupted.
 */
/*
 * Free slots of an inode-table page must be empty (inode 0's always is):
 * anything else is damage fsck reports, so mount refuses it too, for the
 * pages it reads anyway.
 */
static int cfs_check_free_slots(struct cfs_sb_info *sbi, u64 first,
				const void *page)
{
	u64 ino;

	for (ino = first; ino < first + CONTIGFS_INODES_PER_PAGE &&
	     ino < sbi->inode_count; ino++) {
		if (ino && test_bit(ino, sbi->ibitmap))
			continue;
		if (memchr_inv(page + cfs_inode_off(ino), 0,
			       CONTIGFS_INODE_SIZE)) {
			cfs_err(sbi->sb, "inode %llu: not in use, but its slot is not empty",
				ino);
			return -EUCLEAN;
		}
	}
	return 0;
}

int cfs_scan_inodes(struct cfs_sb_info *sbi)
{
	u64 ino, checked_lba = U64_MAX;
	int ret = 0;

	mutex_lock(&sbi->meta_lock);
	for_each_set_bit(ino, sbi->ibitmap, sbi->inode_count) {
		struct contigfs_inode *di;
		void *page;

		if (ino < CONTIGFS_ROOT_INO)
			continue;
		page = cfs_meta_read(sbi, cfs_inode_lba(sbi, ino));
		if (IS_ERR(page)) {
			ret = PTR_ERR(page);
			break;
		}
		if (cfs_inode_lba(sbi, ino) != checked_lba) {
			u64 first = round_down(ino, CONTIGFS_INODES_PER_PAGE);

			checked_lba = cfs_inode_lba(sbi, ino);
			ret = cfs_check_free_slots(sbi, first, page);
			if (ret)
				break;
		}
		di = page + cfs_inode_off(ino);
		if (!di->i_mode) {
			cfs_err(sbi->sb, "inode %llu: marked in use but empty",
				ino);
			ret = -EUCLEAN;
			break;
		}
		ret = cfs_inode_check(sbi, ino, di);
		if (ret)
			break;
		if (le16_to_cpu(di->i_flags) & CONTIGFS_INODE_MOVING) {
			ret = cfs_finish_move(sbi, ino);
			if (ret)
				break;
			page = cfs_meta_read(sbi, cfs_inode_lba(sbi, ino));
			if (IS_ERR(page)) {
				ret = PTR_ERR(page);
				break;
			}
			di = page + cfs_inode_off(ino);
		}
		if (ino == CONTIGFS_ROOT_INO && !di->i_nlink) {
			cfs_err(sbi->sb, "root directory has no links");
			ret = -EUCLEAN;
			break;
		}
		if (di->i_nlink)
			continue;
		ret = cfs_txn_reserve(sbi);
		if (ret)
			break;
		if (di->i_order != CONTIGFS_NO_BLOCK)
			cfs_defer_free(sbi, S_ISREG(le16_to_cpu(di->i_mode)) ?
					    &sbi->data : &sbi->meta,
				       le64_to_cpu(di->i_start), di->i_order);
		di = cfs_meta_write(sbi, cfs_inode_lba(sbi, ino));
		if (IS_ERR(di)) {
			ret = PTR_ERR(di);
			break;
		}
		memset((void *)di + cfs_inode_off(ino), 0, CONTIGFS_INODE_SIZE);
		cfs_ibitmap_change(sbi, ino, false);
		pr_info("contigfs (%s): freed orphan inode %llu\n",
			sbi->sb->s_id, ino);
	}
	if (!ret)
		ret = cfs_commit(sbi);
	mutex_unlock(&sbi->meta_lock);
	return ret;
}
