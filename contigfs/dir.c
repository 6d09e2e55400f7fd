// SPDX-License-Identifier: GPL-2.0
/*
 * Directory blocks: records that tile each 4 KiB block (see the format
 * header), searched linearly. Every block is checked as it is read, so a
 * corrupted directory is reported, never followed. Callers hold meta_lock
 * except for readdir, which copies a block out under it.
 */
#include <linux/slab.h>
#include <kunit/visibility.h>

#include "contigfs.h"
#include "dir.h"

#define CFS_DIRENT_MIN	CONTIGFS_DIRENT_LEN(1)

u8 cfs_file_type(umode_t mode)
{
	return (mode & S_IFMT) >> 12;
}

static bool cfs_name_valid(const char *name, unsigned int len)
{
	if (!len || len > CONTIGFS_NAME_LEN)
		return false;
	if (name[0] == '.' && (len == 1 || (len == 2 && name[1] == '.')))
		return false;
	return !memchr(name, '/', len) && !memchr(name, '\0', len);
}

/* One record at @off of a block: well-formed and inside the block. */
bool cfs_dirent_valid(const struct contigfs_dirent *de, unsigned int off)
{
	unsigned int rec_len = le16_to_cpu(de->d_rec_len);

	if (off + CONTIGFS_DIRENT_HEADER > CONTIGFS_BLOCK_SIZE)
		return false;
	if (rec_len < CFS_DIRENT_MIN || rec_len % 8 ||
	    rec_len > CONTIGFS_BLOCK_SIZE - off)
		return false;
	if (!le64_to_cpu(de->d_ino))
		return true;
	return CONTIGFS_DIRENT_LEN(de->d_name_len) <= rec_len &&
	       cfs_name_valid(de->d_name, de->d_name_len);
}
EXPORT_SYMBOL_IF_KUNIT(cfs_dirent_valid);

/* The whole chain of a block; records end exactly at the block end. */
int cfs_dir_block_check(const void *block, u64 inode_count)
{
	unsigned int off = 0;

	while (off < CONTIGFS_BLOCK_SIZE) {
		const struct contigfs_dirent *de = block + off;

		if (!cfs_dirent_valid(de, off) ||
		    le64_to_cpu(de->d_ino) >= inode_count)
			return -EUCLEAN;
		off += le16_to_cpu(de->d_rec_len);
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(cfs_dir_block_check);

/*
 * Put a record for @name into a block if it fits: into an unused record or
 * the slack after a used one. Returns the offset used or -ENOSPC.
 */
int cfs_dir_block_insert(void *block, const char *name, unsigned int len,
			 u64 ino, u8 type)
{
	unsigned int need = CONTIGFS_DIRENT_LEN(len), off = 0;

	while (off < CONTIGFS_BLOCK_SIZE) {
		struct contigfs_dirent *de = block + off;
		unsigned int rec_len = le16_to_cpu(de->d_rec_len);
		unsigned int used = de->d_ino ?
				    CONTIGFS_DIRENT_LEN(de->d_name_len) : 0;

		if (rec_len - used >= need) {
			if (used) {
				de->d_rec_len = cpu_to_le16(used);
				off += used;
				de = block + off;
				de->d_rec_len = cpu_to_le16(rec_len - used);
				rec_len -= used;
			}
			/* Split off the rest if it can hold a record. */
			if (rec_len - need >= CFS_DIRENT_MIN) {
				struct contigfs_dirent *rest = block + off + need;

				memset(rest, 0, CONTIGFS_DIRENT_HEADER);
				rest->d_rec_len = cpu_to_le16(rec_len - need);
				de->d_rec_len = cpu_to_le16(need);
			}
			de->d_ino = cpu_to_le64(ino);
			de->d_name_len = len;
			de->d_type = type;
			memcpy(de->d_name, name, len);
			return off;
		}
		off += rec_len;
	}
	return -ENOSPC;
}
EXPORT_SYMBOL_IF_KUNIT(cfs_dir_block_insert);

bool cfs_dir_block_has_room(const void *block, unsigned int len)
{
	unsigned int need = CONTIGFS_DIRENT_LEN(len), off = 0;

	while (off < CONTIGFS_BLOCK_SIZE) {
		const struct contigfs_dirent *de = block + off;
		unsigned int rec_len = le16_to_cpu(de->d_rec_len);
		unsigned int used = de->d_ino ?
				    CONTIGFS_DIRENT_LEN(de->d_name_len) : 0;

		if (rec_len - used >= need)
			return true;
		off += rec_len;
	}
	return false;
}
EXPORT_SYMBOL_IF_KUNIT(cfs_dir_block_has_room);

/* Remove the record at @off; @prev is the offset of the one before or -1. */
void cfs_dir_block_remove(void *block, unsigned int off, int prev)
{
	struct contigfs_dirent *de = block + off;

	if (prev >= 0) {
		struct contigfs_dirent *p = block + prev;

		le16_add_cpu(&p->d_rec_len, le16_to_cpu(de->d_rec_len));
	} else {
		de->d_ino = 0;
	}
}
EXPORT_SYMBOL_IF_KUNIT(cfs_dir_block_remove);

void cfs_dir_block_init(void *block)
{
	struct contigfs_dirent *de = block;

	memset(block, 0, CONTIGFS_BLOCK_SIZE);
	de->d_rec_len = cpu_to_le16(CONTIGFS_BLOCK_SIZE);
}
EXPORT_SYMBOL_IF_KUNIT(cfs_dir_block_init);

static u64 cfs_dir_blocks(struct inode *dir)
{
	return dir->i_size >> CONTIGFS_BLOCK_SHIFT;
}

static void *cfs_dir_block(struct inode *dir, u64 blk, bool write)
{
	struct cfs_sb_info *sbi = CFS_SB(dir->i_sb);
	u64 lba = cfs_lba(dir, blk);
	void *data;

	data = write ? cfs_meta_write(sbi, lba) : cfs_meta_read(sbi, lba);
	if (IS_ERR(data))
		return data;
	if (cfs_dir_block_check(data, sbi->inode_count)) {
		cfs_err(dir->i_sb, "directory %lu: block %llu is corrupt",
			dir->i_ino, blk);
		return ERR_PTR(-EUCLEAN);
	}
	return data;
}

/* Find @name: its inode number (0: absent) and where it is. */
u64 cfs_find_entry(struct inode *dir, const struct qstr *name,
		   struct cfs_dirpos *pos, int *err)
{
	u64 blk;

	*err = 0;
	for (blk = 0; blk < cfs_dir_blocks(dir); blk++) {
		void *block = cfs_dir_block(dir, blk, false);
		unsigned int off = 0;
		int prev = -1;

		if (IS_ERR(block)) {
			*err = PTR_ERR(block);
			return 0;
		}
		while (off < CONTIGFS_BLOCK_SIZE) {
			struct contigfs_dirent *de = block + off;

			if (de->d_ino && de->d_name_len == name->len &&
			    !memcmp(de->d_name, name->name, name->len)) {
				if (pos) {
					pos->blk = blk;
					pos->off = off;
					pos->prev = prev;
				}
				return le64_to_cpu(de->d_ino);
			}
			prev = off;
			off += le16_to_cpu(de->d_rec_len);
		}
	}
	return 0;
}

int cfs_add_entry(struct inode *dir, const struct qstr *name, u64 ino,
		  umode_t mode)
{
	struct cfs_sb_info *sbi = CFS_SB(dir->i_sb);
	u64 blk, nr = cfs_dir_blocks(dir);
	void *block;
	int ret;

	if (name->len > CONTIGFS_NAME_LEN)
		return -ENAMETOOLONG;
	for (blk = 0; blk < nr; blk++) {
		block = cfs_dir_block(dir, blk, false);
		if (IS_ERR(block))
			return PTR_ERR(block);
		/* A full block stays out of the transaction. */
		if (!cfs_dir_block_has_room(block, name->len))
			continue;
		block = cfs_dir_block(dir, blk, true);
		if (IS_ERR(block))
			return PTR_ERR(block);
		cfs_dir_block_insert(block, name->name, name->len, ino,
				     cfs_file_type(mode));
		goto done;
	}
	if (nr >= CFS_DIR_MAX_BLOCKS) {
		cfs_err(dir->i_sb, "directory %lu is full (%u blocks)",
			dir->i_ino, CFS_DIR_MAX_BLOCKS);
		return -ENOSPC;
	}
	if (nr + 1 > cfs_capacity(dir)) {
		/* Directories grow by doubling, starting at 4 blocks. */
		ret = cfs_resize_block(dir, max_t(u64, 4, 2 * cfs_capacity(dir)));
		if (ret)
			return ret;
	}
	block = cfs_meta_new(sbi, cfs_lba(dir, nr));
	if (IS_ERR(block))
		return PTR_ERR(block);
	cfs_dir_block_init(block);
	cfs_dir_block_insert(block, name->name, name->len, ino,
			     cfs_file_type(mode));
	i_size_write(dir, (nr + 1) << CONTIGFS_BLOCK_SHIFT);
done:
	dir->i_mtime = current_time(dir);
	dir->i_ctime = dir->i_mtime;
	mark_inode_dirty(dir);
	return 0;
}

int cfs_delete_entry(struct inode *dir, const struct cfs_dirpos *pos)
{
	void *block = cfs_dir_block(dir, pos->blk, true);

	if (IS_ERR(block))
		return PTR_ERR(block);
	cfs_dir_block_remove(block, pos->off, pos->prev);
	dir->i_mtime = current_time(dir);
	dir->i_ctime = dir->i_mtime;
	mark_inode_dirty(dir);
	return 0;
}

/* Point an existing record at another inode (rename over a target). */
int cfs_set_entry(struct inode *dir, const struct cfs_dirpos *pos, u64 ino,
		  umode_t mode)
{
	void *block = cfs_dir_block(dir, pos->blk, true);
	struct contigfs_dirent *de;

	if (IS_ERR(block))
		return PTR_ERR(block);
	de = block + pos->off;
	de->d_ino = cpu_to_le64(ino);
	de->d_type = cfs_file_type(mode);
	dir->i_mtime = current_time(dir);
	dir->i_ctime = dir->i_mtime;
	mark_inode_dirty(dir);
	return 0;
}

/* 1 if the directory has no entries, 0 if it has, or an error. */
int cfs_dir_empty(struct inode *dir)
{
	u64 blk;

	for (blk = 0; blk < cfs_dir_blocks(dir); blk++) {
		void *block = cfs_dir_block(dir, blk, false);
		unsigned int off = 0;

		if (IS_ERR(block))
			return PTR_ERR(block);
		while (off < CONTIGFS_BLOCK_SIZE) {
			struct contigfs_dirent *de = block + off;

			if (de->d_ino)
				return 0;
			off += le16_to_cpu(de->d_rec_len);
		}
	}
	return 1;
}

/* Positions: 0 and 1 are the dots, then 2 + block * 4096 + offset. */
static int cfs_readdir(struct file *file, struct dir_context *ctx)
{
	struct inode *dir = file_inode(file);
	struct cfs_sb_info *sbi = CFS_SB(dir->i_sb);
	void *copy;
	int ret = 0;

	if (!dir_emit_dots(file, ctx))
		return 0;
	copy = kmalloc(CONTIGFS_BLOCK_SIZE, GFP_KERNEL);
	if (!copy)
		return -ENOMEM;
	for (;;) {
		u64 blk = (ctx->pos - 2) >> CONTIGFS_BLOCK_SHIFT;
		unsigned int from = (ctx->pos - 2) & (CONTIGFS_BLOCK_SIZE - 1);
		unsigned int off = 0;
		void *block;

		mutex_lock(&sbi->meta_lock);
		if (blk >= cfs_dir_blocks(dir)) {
			mutex_unlock(&sbi->meta_lock);
			break;
		}
		block = cfs_dir_block(dir, blk, false);
		if (IS_ERR(block)) {
			mutex_unlock(&sbi->meta_lock);
			ret = PTR_ERR(block);
			break;
		}
		memcpy(copy, block, CONTIGFS_BLOCK_SIZE);
		mutex_unlock(&sbi->meta_lock);

		while (off < CONTIGFS_BLOCK_SIZE) {
			struct contigfs_dirent *de = copy + off;

			if (off >= from && de->d_ino) {
				ctx->pos = 2 + (blk << CONTIGFS_BLOCK_SHIFT) + off;
				if (!dir_emit(ctx, de->d_name, de->d_name_len,
					      le64_to_cpu(de->d_ino), de->d_type))
					goto out;
			}
			off += le16_to_cpu(de->d_rec_len);
		}
		ctx->pos = 2 + ((blk + 1) << CONTIGFS_BLOCK_SHIFT);
	}
out:
	kfree(copy);
	return ret;
}

const struct file_operations cfs_dir_operations = {
	.llseek		= generic_file_llseek,
	.read		= generic_read_dir,
	.iterate_shared	= cfs_readdir,
	.fsync		= cfs_fsync,
};
