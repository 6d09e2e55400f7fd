/* SPDX-License-Identifier: GPL-2.0 */
/* Directory records (dir.c), shared with namei.c and the KUnit suite. */
#ifndef _CONTIGFS_DIR_H
#define _CONTIGFS_DIR_H

#include <linux/fs.h>
#include <linux/types.h>

/* 1 MiB of records: a move copies the blocks through one transaction. */
#define CFS_DIR_MAX_BLOCKS	256

struct cfs_dirpos {
	u64 blk;
	unsigned int off;
	int prev;		/* offset of the record before, or -1 */
};

int cfs_dir_block_check(const void *block, u64 inode_count);
int cfs_dir_block_insert(void *block, const char *name, unsigned int len,
			 u64 ino, u8 type);
bool cfs_dir_block_has_room(const void *block, unsigned int len);
void cfs_dir_block_remove(void *block, unsigned int off, int prev);
void cfs_dir_block_init(void *block);

u64 cfs_find_entry(struct inode *dir, const struct qstr *name,
		   struct cfs_dirpos *pos, int *err);
int cfs_add_entry(struct inode *dir, const struct qstr *name, u64 ino,
		  umode_t mode);
int cfs_delete_entry(struct inode *dir, const struct cfs_dirpos *pos);
int cfs_set_entry(struct inode *dir, const struct cfs_dirpos *pos, u64 ino,
		  umode_t mode);
int cfs_dir_empty(struct inode *dir);

#if IS_ENABLED(CONFIG_KUNIT)
extern struct kunit_suite cfs_dir_test_suite;
#endif

#endif /* _CONTIGFS_DIR_H */
