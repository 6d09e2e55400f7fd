/* SPDX-License-Identifier: GPL-2.0 */
/*
 * contigfs: every file is one contiguous range of a salsa device's virtual
 * LBA space, so file offset -> LBA is one addition, and file data lives only
 * in the FTL's DRAM pages (no page cache copy).
 *
 * Locking, outermost first:
 *   VFS i_rwsem (writers, truncate, namespace ops; readers shared)
 *   mapping->invalidate_lock (faults shared; truncate and moves exclusive)
 *   cfs_sb_info.meta_lock (all metadata: allocators, inode bitmap, directory
 *     blocks, the running transaction and its commit)
 *   cfs_inode_info.held_lock (a file's pages held for user mappings)
 */
#ifndef _CONTIGFS_H
#define _CONTIGFS_H

#include <linux/fs.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>
#include <flashnet/salsa.h>
#include <uapi/flashnet/contigfs.h>

#include "alloc.h"

/* The biggest transaction one metadata operation may add to. */
#define CFS_OP_RESERVE		200
/* A journal must hold at least this many images. */
#define CFS_MIN_TXN_IMAGES	(2 * CFS_OP_RESERVE)

struct cfs_zone_info {
	u64 start;		/* first LBA */
	u64 pages;
	u64 bitmap_start;
	u64 bitmap_pages;
	unsigned int orders;
	bool alloc_inited;	/* cfs_alloc_init() ran: destroy at unmount */
	struct cfs_alloc alloc;
};

/* A metadata page in contigfs's own cache (directory blocks, inode table). */
struct cfs_mbuf {
	u64 lba;
	void *data;			/* PAGE_SIZE bytes */
	bool dirty;			/* part of the running transaction */
	struct list_head lru;		/* clean ones, oldest first */
	struct list_head txn;		/* dirty ones */
};

/* A range to trim once the transaction that freed it is on flash. */
struct cfs_trim {
	struct list_head node;
	u64 lba;
	u64 len;
};

struct cfs_sb_info {
	struct super_block *sb;
	struct salsa_ftl *ftl;
	struct contigfs_super disk;	/* as read at mount */

	u64 total_pages;
	u64 journal_start;
	unsigned int journal_max;	/* images per transaction */
	u64 ibitmap_start;
	u64 ibitmap_pages;
	u64 itable_start;
	u64 inode_count;
	struct cfs_zone_info meta;
	struct cfs_zone_info data;

	struct mutex meta_lock;		/* see the top of this file */
	unsigned long *ibitmap;		/* in-memory inode bitmap */
	unsigned long *ibitmap_dirty;	/* its pages changed in this txn */
	u64 free_inodes;
	u64 next_ino;			/* where the next inode search starts */

	struct xarray mcache;		/* lba -> struct cfs_mbuf */
	struct list_head mclean;	/* LRU of clean mbufs */
	unsigned int nr_mbufs;
	struct list_head txn;		/* dirty mbufs */
	unsigned int txn_mbufs;
	struct list_head pending_free;	/* struct cfs_pending_free */
	struct list_head pending_trim;	/* struct cfs_trim */
	u64 txn_seq;

	spinlock_t dirty_lock;		/* dirty_inodes, cfs_inode_info.dirty */
	struct list_head dirty_inodes;	/* cfs_inode_info.dirty */

	struct delayed_work commit_work;
	unsigned int commit_interval;	/* seconds, 0 = only on sync */
	int commit_error;		/* sticky: the fs went read-only */

	/* Pages held for user mappings, all files (bounded by the pool). */
	atomic_long_t held_pages;
	long held_max;
};

struct cfs_pending_free {
	struct list_head node;
	struct cfs_zone_info *zone;
	u64 start;
	unsigned int order;
};

struct cfs_inode_info {
	u64 start;			/* zone-relative, valid if order != NO_BLOCK */
	u8 order;
	u64 parent;			/* directories */
	u64 zero_from;			/* pages >= this are known to read zeroes */
	atomic_t pinned;		/* contigfs_resolve_vma() ranges held */
	bool moving;			/* data being remapped from old_* */
	u8 old_order;
	u64 old_start;
	struct list_head dirty;		/* on cfs_sb_info.dirty_inodes */
	bool logged_dirty;
	struct mutex held_lock;		/* taking and releasing held pages */
	struct xarray held;		/* pgoff -> page held for mappings */
	char *symlink;			/* inline target while cached */
	struct inode vfs_inode;
};

static inline struct cfs_sb_info *CFS_SB(struct super_block *sb)
{
	return sb->s_fs_info;
}

static inline struct cfs_inode_info *CFS_I(struct inode *inode)
{
	return container_of(inode, struct cfs_inode_info, vfs_inode);
}

static inline struct cfs_zone_info *cfs_zone_of(struct inode *inode)
{
	struct cfs_sb_info *sbi = CFS_SB(inode->i_sb);

	return S_ISREG(inode->i_mode) ? &sbi->data : &sbi->meta;
}

/* Capacity of an inode's block in pages (0 without a block). */
static inline u64 cfs_capacity(struct inode *inode)
{
	u8 order = CFS_I(inode)->order;

	return order == CONTIGFS_NO_BLOCK ? 0 : 1ULL << order;
}

/* LBA of page @pgoff of an inode's block. */
static inline u64 cfs_lba(struct inode *inode, u64 pgoff)
{
	return cfs_zone_of(inode)->start + CFS_I(inode)->start + pgoff;
}

/*
 * The first LBA that user range [@addr, @addr + @len) of a shared mapping
 * reaches. The mapping covers [@vm_start, @vm_end) from file page
 * @vm_pgoff on; the file's block starts at @block_lba and has @capacity
 * pages. -EINVAL: the range is empty, wraps or is not inside the mapping;
 * -ENXIO: it reaches past the block.
 */
static inline int cfs_map_lba(unsigned long vm_start, unsigned long vm_end,
			      pgoff_t vm_pgoff, u64 block_lba, u64 capacity,
			      unsigned long addr, u64 len, u64 *lba)
{
	if (!len || addr < vm_start || addr + len < addr ||
	    addr + len > vm_end)
		return -EINVAL;
	if (vm_pgoff + ((addr + len - 1 - vm_start) >> PAGE_SHIFT) >= capacity)
		return -ENXIO;
	*lba = block_lba + vm_pgoff + ((addr - vm_start) >> PAGE_SHIFT);
	return 0;
}

#if IS_ENABLED(CONFIG_KUNIT)
extern struct kunit_suite cfs_map_test_suite;	/* map_test.c */
#endif

static inline unsigned int cfs_order_for(u64 pages)
{
	return pages <= 1 ? 0 : order_base_2(pages);
}

/* meta.c: metadata pages, transactions, journal */
int cfs_read_page(struct cfs_sb_info *sbi, u64 lba, void *buf);
void *cfs_meta_read(struct cfs_sb_info *sbi, u64 lba);
void *cfs_meta_write(struct cfs_sb_info *sbi, u64 lba);
void *cfs_meta_new(struct cfs_sb_info *sbi, u64 lba);
int cfs_txn_reserve(struct cfs_sb_info *sbi);
int cfs_commit(struct cfs_sb_info *sbi);
int cfs_sync(struct cfs_sb_info *sbi);
int cfs_journal_replay(struct cfs_sb_info *sbi);
int cfs_journal_clear(struct cfs_sb_info *sbi);
void cfs_mcache_destroy(struct cfs_sb_info *sbi);
void cfs_defer_free(struct cfs_sb_info *sbi, struct cfs_zone_info *zone,
		    u64 start, unsigned int order);
void cfs_defer_trim(struct cfs_sb_info *sbi, u64 lba, u64 len);
void cfs_cancel_trims(struct cfs_sb_info *sbi, u64 lba, u64 len);
void cfs_commit_work(struct work_struct *work);

/* pages.c: waiting for the FTL's pages */
int cfs_get_pages(struct cfs_sb_info *sbi, u64 lba, unsigned int nr,
		  unsigned int flags, struct page **pages);
void cfs_put_pages(struct cfs_sb_info *sbi, u64 lba, unsigned int nr,
		   unsigned int flags, struct page **pages);

/* inode.c */
struct inode *cfs_iget(struct super_block *sb, u64 ino);
struct inode *cfs_new_inode(struct inode *dir, umode_t mode, dev_t rdev);
int cfs_write_inode_locked(struct cfs_sb_info *sbi, struct inode *inode);
int cfs_log_dirty_inodes(struct cfs_sb_info *sbi);
void cfs_dirty_inode(struct inode *inode, int flags);
void cfs_evict_inode(struct inode *inode);
int cfs_ibitmap_load(struct cfs_sb_info *sbi);
int cfs_ibitmap_write_dirty(struct cfs_sb_info *sbi,
			    int (*fn)(void *priv, u64 lba, const void *data),
			    void *priv);
unsigned int cfs_ibitmap_dirty_pages(struct cfs_sb_info *sbi);
int cfs_scan_inodes(struct cfs_sb_info *sbi);
int cfs_setattr(struct user_namespace *mnt_userns, struct dentry *dentry,
		struct iattr *attr);
int cfs_getattr(struct user_namespace *mnt_userns, const struct path *path,
		struct kstat *stat, u32 request_mask, unsigned int flags);
int cfs_resize_block(struct inode *inode, u64 pages);
int cfs_expose(struct inode *inode, u64 new_size);
void cfs_truncate_down(struct inode *inode, loff_t size);

/* dir.c */
extern const struct file_operations cfs_dir_operations;
extern const struct inode_operations cfs_dir_inode_operations;
bool cfs_dirent_valid(const struct contigfs_dirent *de, unsigned int off);
u8 cfs_file_type(umode_t mode);

/* file.c */
extern const struct file_operations cfs_file_operations;
extern const struct vm_operations_struct cfs_vm_ops;
extern const struct address_space_operations cfs_file_aops;
extern const struct inode_operations cfs_file_inode_operations;
extern const struct inode_operations cfs_symlink_inode_operations;
extern const struct inode_operations cfs_special_inode_operations;
void cfs_release_held(struct inode *inode, pgoff_t from);
int cfs_fsync(struct file *file, loff_t start, loff_t end, int datasync);

/* super.c */
__printf(2, 3) void cfs_err(struct super_block *sb, const char *fmt, ...);

#endif /* _CONTIGFS_H */
