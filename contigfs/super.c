// SPDX-License-Identifier: GPL-2.0
/*
 * contigfs: mount (validate everything on disk before trusting it),
 * statfs, sync, remount, and module life.
 */
#include <linux/crc32c.h>
#include <linux/fs_context.h>
#include <linux/fs_parser.h>
#include <linux/module.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/statfs.h>
#include <linux/vmalloc.h>

#include "contigfs.h"

#define CFS_DEFAULT_COMMIT	5	/* seconds between periodic commits */
/* statfs f_type and s_magic: the low half of the on-disk magic, "CONT" */
#define CFS_FS_MAGIC		0x544e4f43

static struct kmem_cache *cfs_inode_cache;

void cfs_err(struct super_block *sb, const char *fmt, ...)
{
	struct va_format vaf;
	va_list args;

	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	pr_err("contigfs (%s): %pV\n", sb->s_id, &vaf);
	va_end(args);
}

static struct inode *cfs_alloc_inode(struct super_block *sb)
{
	struct cfs_inode_info *ci;

	ci = alloc_inode_sb(sb, cfs_inode_cache, GFP_NOFS);
	if (!ci)
		return NULL;
	ci->order = CONTIGFS_NO_BLOCK;
	ci->start = 0;
	ci->parent = 0;
	ci->zero_from = 0;
	ci->moving = false;
	atomic_set(&ci->pinned, 0);
	ci->symlink = NULL;
	INIT_LIST_HEAD(&ci->dirty);
	return &ci->vfs_inode;
}

static void cfs_free_inode(struct inode *inode)
{
	kmem_cache_free(cfs_inode_cache, CFS_I(inode));
}

static void cfs_inode_init_once(void *obj)
{
	struct cfs_inode_info *ci = obj;

	mutex_init(&ci->held_lock);
	xa_init(&ci->held);
	inode_init_once(&ci->vfs_inode);
}

static int cfs_sync_fs(struct super_block *sb, int wait)
{
	struct cfs_sb_info *sbi = CFS_SB(sb);
	int ret;

	if (wait)
		return cfs_sync(sbi);
	mutex_lock(&sbi->meta_lock);
	ret = sbi->commit_error;
	if (!ret && !sb_rdonly(sb))
		ret = cfs_commit(sbi);
	mutex_unlock(&sbi->meta_lock);
	return ret;
}

static int cfs_statfs(struct dentry *dentry, struct kstatfs *buf)
{
	struct super_block *sb = dentry->d_sb;
	struct cfs_sb_info *sbi = CFS_SB(sb);
	struct salsa_ftl_usage use;
	u64 vfree, ffree;

	salsa_ftl_usage(sbi->ftl, &use);
	mutex_lock(&sbi->meta_lock);
	vfree = sbi->data.alloc.free_pages;
	buf->f_files = sbi->inode_count - 1;
	buf->f_ffree = sbi->free_inodes;
	mutex_unlock(&sbi->meta_lock);
	/* Flash is what runs out first on a sparse device, not LBAs. */
	ffree = use.capacity_pages > use.mapped_pages ?
		use.capacity_pages - use.mapped_pages : 0;
	buf->f_type = CFS_FS_MAGIC;
	buf->f_bsize = CONTIGFS_BLOCK_SIZE;
	buf->f_frsize = CONTIGFS_BLOCK_SIZE;
	buf->f_blocks = min(use.capacity_pages, sbi->data.pages);
	buf->f_bfree = min(ffree, vfree);
	buf->f_bavail = buf->f_bfree;
	buf->f_namelen = CONTIGFS_NAME_LEN;
	buf->f_fsid = uuid_to_fsid(sbi->disk.s_uuid);
	return 0;
}

static int cfs_show_options(struct seq_file *m, struct dentry *root)
{
	struct cfs_sb_info *sbi = CFS_SB(root->d_sb);

	if (sbi->commit_interval != CFS_DEFAULT_COMMIT)
		seq_printf(m, ",commit=%u", sbi->commit_interval);
	return 0;
}

static void cfs_sbi_free(struct cfs_sb_info *sbi)
{
	cfs_mcache_destroy(sbi);
	if (sbi->meta.alloc_inited)
		cfs_alloc_destroy(&sbi->meta.alloc);
	if (sbi->data.alloc_inited)
		cfs_alloc_destroy(&sbi->data.alloc);
	kvfree(sbi->ibitmap);
	bitmap_free(sbi->ibitmap_dirty);
	if (sbi->ftl)
		salsa_ftl_put(sbi->ftl);
	kfree(sbi);
}

static void cfs_put_super(struct super_block *sb)
{
	struct cfs_sb_info *sbi = CFS_SB(sb);

	cancel_delayed_work_sync(&sbi->commit_work);
	mutex_lock(&sbi->meta_lock);
	if (!sb_rdonly(sb) && !sbi->commit_error && !cfs_commit(sbi))
		cfs_journal_clear(sbi);
	mutex_unlock(&sbi->meta_lock);
	sb->s_fs_info = NULL;
	cfs_sbi_free(sbi);
}

static const struct super_operations cfs_super_ops = {
	.alloc_inode	= cfs_alloc_inode,
	.free_inode	= cfs_free_inode,
	.dirty_inode	= cfs_dirty_inode,
	.evict_inode	= cfs_evict_inode,
	.put_super	= cfs_put_super,
	.sync_fs	= cfs_sync_fs,
	.statfs		= cfs_statfs,
	.show_options	= cfs_show_options,
};

/* ---- mount ---- */

static bool cfs_area_ok(u64 start, u64 pages, u64 *next, u64 total)
{
	if (start < *next || pages > total || start > total - pages)
		return false;
	*next = start + pages;
	return true;
}

static int cfs_zone_setup(struct super_block *sb, struct cfs_zone_info *z,
			  const struct contigfs_zone *dz, const char *name)
{
	struct cfs_sb_info *sbi = CFS_SB(sb);
	u8 *buf;
	u64 pg;
	int ret;

	z->start = le64_to_cpu(dz->start);
	z->pages = le64_to_cpu(dz->pages);
	z->bitmap_start = le64_to_cpu(dz->bitmap_start);
	z->bitmap_pages = le64_to_cpu(dz->bitmap_pages);
	z->orders = le32_to_cpu(dz->orders);
	if (!z->orders || z->orders > CONTIGFS_MAX_ORDER + 1 || !z->pages ||
	    (1ULL << (z->orders - 1)) > z->pages ||
	    z->bitmap_pages < cfs_alloc_bitmap_pages(z->pages, z->orders)) {
		cfs_err(sb, "%s zone: bad geometry (%llu pages, %u orders, %llu bitmap pages)",
			name, z->pages, z->orders, z->bitmap_pages);
		return -EUCLEAN;
	}
	z->alloc_inited = true;	/* destroy is safe even if init fails */
	ret = cfs_alloc_init(&z->alloc, z->pages, z->orders);
	if (ret)
		return ret;
	buf = kmalloc(PAGE_SIZE, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	for (pg = 0; pg < cfs_alloc_bitmap_pages(z->pages, z->orders); pg++) {
		ret = cfs_read_page(sbi, z->bitmap_start + pg, buf);
		if (!ret && memchr_inv(buf, 0, PAGE_SIZE))
			ret = cfs_alloc_load_page(&z->alloc, pg, buf);
		if (ret)
			break;
	}
	kfree(buf);
	if (!ret)
		ret = cfs_alloc_validate(&z->alloc);
	if (ret == -EUCLEAN)
		cfs_err(sb, "%s zone: free-block bitmap is inconsistent", name);
	return ret;
}

static int cfs_check_super(struct super_block *sb, struct contigfs_super *ds)
{
	struct cfs_sb_info *sbi = CFS_SB(sb);
	u64 dev_pages = salsa_ftl_pages(sbi->ftl), next = 1, jpages;
	u32 crc = le32_to_cpu(ds->s_crc);

	if (le64_to_cpu(ds->s_magic) != CONTIGFS_MAGIC) {
		cfs_err(sb, "no contigfs superblock (bad magic)");
		return -EINVAL;
	}
	ds->s_crc = 0;
	if (crc32c(~0U, ds, sizeof(*ds)) != crc) {
		cfs_err(sb, "superblock checksum mismatch");
		return -EUCLEAN;
	}
	ds->s_crc = cpu_to_le32(crc);
	if (le32_to_cpu(ds->s_version) != CONTIGFS_VERSION) {
		cfs_err(sb, "unsupported format version %u",
			le32_to_cpu(ds->s_version));
		return -EINVAL;
	}
	if (le64_to_cpu(ds->s_feature_incompat) &
	    ~CONTIGFS_FEATURE_INCOMPAT_SUPP) {
		cfs_err(sb, "unknown incompatible features %#llx",
			le64_to_cpu(ds->s_feature_incompat));
		return -EINVAL;
	}
	if ((le64_to_cpu(ds->s_feature_ro_compat) &
	     ~CONTIGFS_FEATURE_RO_COMPAT_SUPP) && !sb_rdonly(sb)) {
		cfs_err(sb, "unknown read-only features: mount read-only");
		return -EINVAL;
	}
	sbi->total_pages = le64_to_cpu(ds->s_total_pages);
	if (sbi->total_pages > dev_pages) {
		cfs_err(sb, "file system (%llu pages) larger than the device (%llu pages)",
			sbi->total_pages, dev_pages);
		return -EINVAL;
	}
	sbi->journal_start = le64_to_cpu(ds->s_journal_start);
	jpages = le64_to_cpu(ds->s_journal_pages);
	sbi->ibitmap_start = le64_to_cpu(ds->s_ibitmap_start);
	sbi->ibitmap_pages = le64_to_cpu(ds->s_ibitmap_pages);
	sbi->itable_start = le64_to_cpu(ds->s_itable_start);
	sbi->inode_count = le64_to_cpu(ds->s_inode_count);
	if (!cfs_area_ok(sbi->journal_start, jpages, &next, sbi->total_pages) ||
	    !cfs_area_ok(sbi->ibitmap_start, sbi->ibitmap_pages, &next,
			 sbi->total_pages) ||
	    !cfs_area_ok(sbi->itable_start, le64_to_cpu(ds->s_itable_pages),
			 &next, sbi->total_pages) ||
	    !cfs_area_ok(le64_to_cpu(ds->s_meta.bitmap_start),
			 le64_to_cpu(ds->s_meta.bitmap_pages), &next,
			 sbi->total_pages) ||
	    !cfs_area_ok(le64_to_cpu(ds->s_data.bitmap_start),
			 le64_to_cpu(ds->s_data.bitmap_pages), &next,
			 sbi->total_pages) ||
	    !cfs_area_ok(le64_to_cpu(ds->s_meta.start),
			 le64_to_cpu(ds->s_meta.pages), &next,
			 sbi->total_pages) ||
	    !cfs_area_ok(le64_to_cpu(ds->s_data.start),
			 le64_to_cpu(ds->s_data.pages), &next,
			 sbi->total_pages)) {
		cfs_err(sb, "superblock: areas overlap, are out of order or outside the file system");
		return -EUCLEAN;
	}
	sbi->journal_max = min_t(u64, jpages - 1, CONTIGFS_JOURNAL_MAX_IMAGES);
	if (jpages < 1 || sbi->journal_max < CFS_MIN_TXN_IMAGES) {
		cfs_err(sb, "journal of %llu pages is too small (need %u)",
			jpages, CFS_MIN_TXN_IMAGES + 1);
		return -EINVAL;
	}
	if (sbi->inode_count <= CONTIGFS_ROOT_INO ||
	    sbi->inode_count != le64_to_cpu(ds->s_itable_pages) *
				CONTIGFS_INODES_PER_PAGE ||
	    sbi->ibitmap_pages * CONTIGFS_BLOCK_SIZE * 8 < sbi->inode_count) {
		cfs_err(sb, "superblock: inode count %llu does not match its table and bitmap",
			sbi->inode_count);
		return -EUCLEAN;
	}
	return 0;
}

enum { CFS_OPT_COMMIT };

static const struct fs_parameter_spec cfs_param_specs[] = {
	fsparam_u32("commit", CFS_OPT_COMMIT),
	{}
};

struct cfs_fs_opts {
	unsigned int commit_interval;
};

static int cfs_parse_param(struct fs_context *fc, struct fs_parameter *param)
{
	struct cfs_fs_opts *opts = fc->fs_private;
	struct fs_parse_result result;
	int opt;

	opt = fs_parse(fc, cfs_param_specs, param, &result);
	if (opt < 0)
		return opt;
	if (opt == CFS_OPT_COMMIT) {
		if (result.uint_32 > 3600)
			return invalfc(fc, "commit=%u: at most 3600 seconds",
				       result.uint_32);
		opts->commit_interval = result.uint_32;
	}
	return 0;
}

static int cfs_fill_super(struct super_block *sb, struct fs_context *fc)
{
	struct cfs_fs_opts *opts = fc->fs_private;
	struct cfs_sb_info *sbi;
	struct inode *root;
	int ret;

	sbi = kzalloc(sizeof(*sbi), GFP_KERNEL);
	if (!sbi)
		return -ENOMEM;
	sbi->sb = sb;
	mutex_init(&sbi->meta_lock);
	xa_init(&sbi->mcache);
	INIT_LIST_HEAD(&sbi->mclean);
	INIT_LIST_HEAD(&sbi->txn);
	INIT_LIST_HEAD(&sbi->pending_free);
	INIT_LIST_HEAD(&sbi->pending_trim);
	INIT_LIST_HEAD(&sbi->dirty_inodes);
	spin_lock_init(&sbi->dirty_lock);
	INIT_DELAYED_WORK(&sbi->commit_work, cfs_commit_work);
	sbi->commit_interval = opts->commit_interval;
	sb->s_fs_info = sbi;

	sbi->ftl = salsa_ftl_get(sb->s_bdev);
	if (!sbi->ftl) {
		errorf(fc, "contigfs: %s is not a salsa device", sb->s_id);
		ret = -EINVAL;
		goto fail;
	}
	if (!sb_set_blocksize(sb, CONTIGFS_BLOCK_SIZE)) {
		ret = -EINVAL;
		goto fail;
	}
	sb->s_magic = CFS_FS_MAGIC;
	sb->s_op = &cfs_super_ops;
	sb->s_maxbytes = MAX_LFS_FILESIZE;
	sb->s_time_gran = 1;
	sb->s_time_min = S64_MIN;
	sb->s_time_max = S64_MAX;

	ret = cfs_read_page(sbi, CONTIGFS_SB_LBA, &sbi->disk);
	if (!ret)
		ret = cfs_check_super(sb, &sbi->disk);
	if (ret)
		goto fail;
	memcpy(&sb->s_uuid, sbi->disk.s_uuid, sizeof(sb->s_uuid));
	if (!sb_rdonly(sb)) {
		ret = cfs_journal_replay(sbi);
		if (ret)
			goto fail;
	}
	ret = cfs_zone_setup(sb, &sbi->meta, &sbi->disk.s_meta, "metadata");
	if (!ret)
		ret = cfs_zone_setup(sb, &sbi->data, &sbi->disk.s_data, "data");
	if (!ret)
		ret = cfs_ibitmap_load(sbi);
	if (ret)
		goto fail;
	if (!sb_rdonly(sb)) {
		ret = cfs_scan_inodes(sbi);
		if (ret)
			goto fail;
	}
	/* A mapping may hold at most half the pool; I/O needs the rest. */
	{
		struct salsa_ftl_usage use;

		salsa_ftl_usage(sbi->ftl, &use);
		sbi->held_max = max_t(long, 16, use.pool_pages / 2);
	}

	root = cfs_iget(sb, CONTIGFS_ROOT_INO);
	if (IS_ERR(root)) {
		ret = PTR_ERR(root);
		goto fail;
	}
	if (!S_ISDIR(root->i_mode)) {
		iput(root);
		cfs_err(sb, "root inode is not a directory");
		ret = -EUCLEAN;
		goto fail;
	}
	sb->s_root = d_make_root(root);
	if (!sb->s_root) {
		ret = -ENOMEM;
		goto fail;
	}
	if (sbi->commit_interval)
		schedule_delayed_work(&sbi->commit_work,
				      sbi->commit_interval * HZ);
	return 0;
fail:
	sb->s_fs_info = NULL;
	cfs_sbi_free(sbi);
	return ret;
}

static int cfs_get_tree(struct fs_context *fc)
{
	return get_tree_bdev(fc, cfs_fill_super);
}

static int cfs_reconfigure(struct fs_context *fc)
{
	struct super_block *sb = fc->root->d_sb;
	struct cfs_sb_info *sbi = CFS_SB(sb);
	struct cfs_fs_opts *opts = fc->fs_private;
	int ret = 0;

	sync_filesystem(sb);
	if ((fc->sb_flags & SB_RDONLY) && !sb_rdonly(sb)) {
		mutex_lock(&sbi->meta_lock);
		ret = sbi->commit_error ? sbi->commit_error : cfs_commit(sbi);
		mutex_unlock(&sbi->meta_lock);
	} else if (!(fc->sb_flags & SB_RDONLY) && sb_rdonly(sb) &&
		   sbi->commit_error) {
		return -EROFS;
	}
	if (ret)
		return ret;
	cancel_delayed_work_sync(&sbi->commit_work);
	sbi->commit_interval = opts->commit_interval;
	if (sbi->commit_interval && !(fc->sb_flags & SB_RDONLY))
		schedule_delayed_work(&sbi->commit_work,
				      sbi->commit_interval * HZ);
	return 0;
}

static void cfs_free_fc(struct fs_context *fc)
{
	kfree(fc->fs_private);
}

static const struct fs_context_operations cfs_context_ops = {
	.parse_param	= cfs_parse_param,
	.get_tree	= cfs_get_tree,
	.reconfigure	= cfs_reconfigure,
	.free		= cfs_free_fc,
};

static int cfs_init_fs_context(struct fs_context *fc)
{
	struct cfs_fs_opts *opts;

	opts = kzalloc(sizeof(*opts), GFP_KERNEL);
	if (!opts)
		return -ENOMEM;
	opts->commit_interval = CFS_DEFAULT_COMMIT;
	fc->fs_private = opts;
	fc->ops = &cfs_context_ops;
	return 0;
}

static struct file_system_type cfs_fs_type = {
	.owner			= THIS_MODULE,
	.name			= "contigfs",
	.init_fs_context	= cfs_init_fs_context,
	.parameters		= cfs_param_specs,
	.kill_sb		= kill_block_super,
	.fs_flags		= FS_REQUIRES_DEV,
};
MODULE_ALIAS_FS("contigfs");

static int __init cfs_init(void)
{
	int ret;

	BUILD_BUG_ON(sizeof(struct contigfs_super) != CONTIGFS_BLOCK_SIZE);
	BUILD_BUG_ON(sizeof(struct contigfs_inode) != CONTIGFS_INODE_SIZE);
	BUILD_BUG_ON(sizeof(struct contigfs_journal_header) != 48);
	cfs_inode_cache = kmem_cache_create("contigfs_inode",
					    sizeof(struct cfs_inode_info), 0,
					    SLAB_RECLAIM_ACCOUNT | SLAB_MEM_SPREAD |
					    SLAB_ACCOUNT, cfs_inode_init_once);
	if (!cfs_inode_cache)
		return -ENOMEM;
	ret = register_filesystem(&cfs_fs_type);
	if (ret)
		kmem_cache_destroy(cfs_inode_cache);
	return ret;
}

static void __exit cfs_exit(void)
{
	unregister_filesystem(&cfs_fs_type);
	rcu_barrier();
	kmem_cache_destroy(cfs_inode_cache);
}

module_init(cfs_init);
module_exit(cfs_exit);

MODULE_DESCRIPTION("contigfs: one contiguous salsa LBA range per file");
MODULE_LICENSE("GPL");
