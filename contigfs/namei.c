// SPDX-License-Identifier: GPL-2.0
/*
 * The namespace: directory inode operations. Each runs as one step of the
 * running transaction under meta_lock, so a power cut keeps either all of
 * an operation or none of it.
 */
#include <linux/slab.h>

#include "contigfs.h"
#include "dir.h"

static struct dentry *cfs_lookup(struct inode *dir, struct dentry *dentry,
				 unsigned int flags)
{
	struct cfs_sb_info *sbi = CFS_SB(dir->i_sb);
	struct inode *inode = NULL;
	int err;
	u64 ino;

	if (dentry->d_name.len > CONTIGFS_NAME_LEN)
		return ERR_PTR(-ENAMETOOLONG);
	mutex_lock(&sbi->meta_lock);
	ino = cfs_find_entry(dir, &dentry->d_name, NULL, &err);
	mutex_unlock(&sbi->meta_lock);
	if (err)
		return ERR_PTR(err);
	if (ino) {
		inode = cfs_iget(dir->i_sb, ino);
		if (IS_ERR(inode))
			return ERR_CAST(inode);
	}
	return d_splice_alias(inode, dentry);
}

/* Symlink targets: inline in the inode, or one metadata block. */
static int cfs_set_symlink(struct inode *inode, const char *target)
{
	struct cfs_sb_info *sbi = CFS_SB(inode->i_sb);
	struct cfs_inode_info *ci = CFS_I(inode);
	size_t len = strlen(target);
	void *block;
	int ret;

	if (len > CONTIGFS_MAX_SYMLINK)
		return -ENAMETOOLONG;
	ci->symlink = kmemdup(target, len + 1, GFP_NOFS);
	if (!ci->symlink)
		return -ENOMEM;
	inode->i_link = ci->symlink;
	inode->i_size = len;
	if (len < CONTIGFS_INLINE_SYMLINK)
		return 0;
	ret = cfs_resize_block(inode, 1);
	if (ret)
		return ret;
	block = cfs_meta_new(sbi, cfs_lba(inode, 0));
	if (IS_ERR(block))
		return PTR_ERR(block);
	memcpy(block, target, len);
	return 0;
}

static int cfs_make(struct inode *dir, struct dentry *dentry, umode_t mode,
		    dev_t rdev, const char *target)
{
	struct cfs_sb_info *sbi = CFS_SB(dir->i_sb);
	struct inode *inode;
	int ret;

	if (dentry->d_name.len > CONTIGFS_NAME_LEN)
		return -ENAMETOOLONG;
	mutex_lock(&sbi->meta_lock);
	ret = cfs_txn_reserve(sbi);
	if (ret)
		goto out;
	inode = cfs_new_inode(dir, mode, rdev);
	if (IS_ERR(inode)) {
		ret = PTR_ERR(inode);
		goto out;
	}
	if (S_ISDIR(mode))
		set_nlink(inode, 2);
	ret = target ? cfs_set_symlink(inode, target) : 0;
	if (!ret)
		ret = cfs_add_entry(dir, &dentry->d_name, inode->i_ino, mode);
	if (ret) {
		/* Eviction gives back the inode and any block it got. */
		clear_nlink(inode);
		mutex_unlock(&sbi->meta_lock);
		discard_new_inode(inode);
		return ret;
	}
	if (S_ISDIR(mode))
		inc_nlink(dir);
	mark_inode_dirty(inode);
	mutex_unlock(&sbi->meta_lock);
	d_instantiate_new(dentry, inode);
	return 0;
out:
	mutex_unlock(&sbi->meta_lock);
	return ret;
}

static int cfs_create(struct user_namespace *mnt_userns, struct inode *dir,
		      struct dentry *dentry, umode_t mode, bool excl)
{
	return cfs_make(dir, dentry, mode, 0, NULL);
}

static int cfs_mknod(struct user_namespace *mnt_userns, struct inode *dir,
		     struct dentry *dentry, umode_t mode, dev_t rdev)
{
	return cfs_make(dir, dentry, mode, rdev, NULL);
}

static int cfs_mkdir(struct user_namespace *mnt_userns, struct inode *dir,
		     struct dentry *dentry, umode_t mode)
{
	return cfs_make(dir, dentry, S_IFDIR | mode, 0, NULL);
}

static int cfs_symlink(struct user_namespace *mnt_userns, struct inode *dir,
		       struct dentry *dentry, const char *target)
{
	return cfs_make(dir, dentry, S_IFLNK | 0777, 0, target);
}

static int cfs_link(struct dentry *old_dentry, struct inode *dir,
		    struct dentry *dentry)
{
	struct cfs_sb_info *sbi = CFS_SB(dir->i_sb);
	struct inode *inode = d_inode(old_dentry);
	int ret;

	if (dentry->d_name.len > CONTIGFS_NAME_LEN)
		return -ENAMETOOLONG;
	mutex_lock(&sbi->meta_lock);
	ret = cfs_txn_reserve(sbi);
	if (!ret)
		ret = cfs_add_entry(dir, &dentry->d_name, inode->i_ino,
				    inode->i_mode);
	if (!ret) {
		inode->i_ctime = current_time(inode);
		inc_nlink(inode);
		mark_inode_dirty(inode);
		ihold(inode);
	}
	mutex_unlock(&sbi->meta_lock);
	if (!ret)
		d_instantiate(dentry, inode);
	return ret;
}

/* The record of @dentry in @dir, which must name @dentry's inode. */
static int cfs_locate(struct inode *dir, struct dentry *dentry,
		      struct cfs_dirpos *pos)
{
	int err;
	u64 ino = cfs_find_entry(dir, &dentry->d_name, pos, &err);

	if (err)
		return err;
	if (ino != d_inode(dentry)->i_ino) {
		cfs_err(dir->i_sb, "directory %lu: entry %pd is not inode %lu",
			dir->i_ino, dentry, d_inode(dentry)->i_ino);
		return -EUCLEAN;
	}
	return 0;
}

static int cfs_unlink(struct inode *dir, struct dentry *dentry)
{
	struct cfs_sb_info *sbi = CFS_SB(dir->i_sb);
	struct inode *inode = d_inode(dentry);
	struct cfs_dirpos pos;
	int ret;

	mutex_lock(&sbi->meta_lock);
	ret = cfs_txn_reserve(sbi);
	if (!ret)
		ret = cfs_locate(dir, dentry, &pos);
	if (!ret)
		ret = cfs_delete_entry(dir, &pos);
	if (!ret) {
		inode->i_ctime = dir->i_ctime;
		drop_nlink(inode);
		mark_inode_dirty(inode);
	}
	mutex_unlock(&sbi->meta_lock);
	return ret;
}

static int cfs_rmdir(struct inode *dir, struct dentry *dentry)
{
	struct cfs_sb_info *sbi = CFS_SB(dir->i_sb);
	struct inode *inode = d_inode(dentry);
	struct cfs_dirpos pos;
	int ret;

	mutex_lock(&sbi->meta_lock);
	ret = cfs_txn_reserve(sbi);
	if (!ret) {
		ret = cfs_dir_empty(inode);
		ret = ret < 0 ? ret : ret ? 0 : -ENOTEMPTY;
	}
	if (!ret)
		ret = cfs_locate(dir, dentry, &pos);
	if (!ret)
		ret = cfs_delete_entry(dir, &pos);
	if (!ret) {
		inode->i_ctime = dir->i_ctime;
		clear_nlink(inode);
		drop_nlink(dir);
		mark_inode_dirty(inode);
		mark_inode_dirty(dir);
	}
	mutex_unlock(&sbi->meta_lock);
	return ret;
}

static void cfs_set_parent(struct inode *inode, struct inode *dir)
{
	if (S_ISDIR(inode->i_mode)) {
		CFS_I(inode)->parent = dir->i_ino;
		mark_inode_dirty(inode);
	}
}

static int cfs_exchange(struct inode *old_dir, struct dentry *old_dentry,
			struct inode *new_dir, struct dentry *new_dentry)
{
	struct inode *old = d_inode(old_dentry), *new = d_inode(new_dentry);
	struct cfs_dirpos opos, npos;
	int ret;

	ret = cfs_locate(old_dir, old_dentry, &opos);
	if (!ret)
		ret = cfs_locate(new_dir, new_dentry, &npos);
	if (!ret)
		ret = cfs_set_entry(old_dir, &opos, new->i_ino, new->i_mode);
	if (!ret)
		ret = cfs_set_entry(new_dir, &npos, old->i_ino, old->i_mode);
	if (ret)
		return ret;
	if (old_dir != new_dir) {
		cfs_set_parent(old, new_dir);
		cfs_set_parent(new, old_dir);
		if (S_ISDIR(old->i_mode) && !S_ISDIR(new->i_mode)) {
			drop_nlink(old_dir);
			inc_nlink(new_dir);
		} else if (!S_ISDIR(old->i_mode) && S_ISDIR(new->i_mode)) {
			drop_nlink(new_dir);
			inc_nlink(old_dir);
		}
	}
	old->i_ctime = current_time(old);
	new->i_ctime = old->i_ctime;
	mark_inode_dirty(old);
	mark_inode_dirty(new);
	return 0;
}

static int cfs_move(struct inode *old_dir, struct dentry *old_dentry,
		    struct inode *new_dir, struct dentry *new_dentry)
{
	struct inode *old = d_inode(old_dentry), *target = d_inode(new_dentry);
	struct cfs_dirpos pos;
	int ret;

	if (target) {
		if (S_ISDIR(target->i_mode)) {
			ret = cfs_dir_empty(target);
			if (ret <= 0)
				return ret ? ret : -ENOTEMPTY;
		}
		ret = cfs_locate(new_dir, new_dentry, &pos);
		if (!ret)
			ret = cfs_set_entry(new_dir, &pos, old->i_ino,
					    old->i_mode);
		if (ret)
			return ret;
		target->i_ctime = current_time(target);
		if (S_ISDIR(target->i_mode)) {
			clear_nlink(target);
			drop_nlink(new_dir);
		} else {
			drop_nlink(target);
		}
		mark_inode_dirty(target);
	} else {
		ret = cfs_add_entry(new_dir, &new_dentry->d_name, old->i_ino,
				    old->i_mode);
		if (ret)
			return ret;
	}
	/* Adding may have split the record before the old one: look again. */
	ret = cfs_locate(old_dir, old_dentry, &pos);
	if (!ret)
		ret = cfs_delete_entry(old_dir, &pos);
	if (ret)
		return ret;
	if (S_ISDIR(old->i_mode) && old_dir != new_dir) {
		cfs_set_parent(old, new_dir);
		drop_nlink(old_dir);
		inc_nlink(new_dir);
	}
	old->i_ctime = current_time(old);
	mark_inode_dirty(old);
	return 0;
}

static int cfs_rename(struct user_namespace *mnt_userns,
		      struct inode *old_dir, struct dentry *old_dentry,
		      struct inode *new_dir, struct dentry *new_dentry,
		      unsigned int flags)
{
	struct cfs_sb_info *sbi = CFS_SB(old_dir->i_sb);
	int ret;

	if (flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE))
		return -EINVAL;
	if (new_dentry->d_name.len > CONTIGFS_NAME_LEN)
		return -ENAMETOOLONG;
	mutex_lock(&sbi->meta_lock);
	ret = cfs_txn_reserve(sbi);
	if (!ret) {
		if (flags & RENAME_EXCHANGE)
			ret = cfs_exchange(old_dir, old_dentry, new_dir,
					   new_dentry);
		else
			ret = cfs_move(old_dir, old_dentry, new_dir,
				       new_dentry);
	}
	mutex_unlock(&sbi->meta_lock);
	return ret;
}

const struct inode_operations cfs_dir_inode_operations = {
	.lookup		= cfs_lookup,
	.create		= cfs_create,
	.mknod		= cfs_mknod,
	.mkdir		= cfs_mkdir,
	.symlink	= cfs_symlink,
	.link		= cfs_link,
	.unlink		= cfs_unlink,
	.rmdir		= cfs_rmdir,
	.rename		= cfs_rename,
	.setattr	= cfs_setattr,
	.getattr	= cfs_getattr,
};
