// SPDX-License-Identifier: GPL-2.0
/*
 * contigfs_resolve_vma(): user address range -> FTL + base LBA, for
 * siw-flash's lazy memory registration (include/flashnet/contigfs.h).
 */
#include <linux/file.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <flashnet/contigfs.h>

#include "contigfs.h"

static int cfs_resolve_locked(struct vm_area_struct *vma, unsigned long addr,
			      u64 len, struct contigfs_range *r)
{
	struct inode *inode = file_inode(vma->vm_file);
	struct cfs_inode_info *ci = CFS_I(inode);
	u64 lba;
	int ret;

	/* The block cannot change: moves hold the invalidate_lock. */
	ret = cfs_map_lba(vma->vm_start, vma->vm_end, vma->vm_pgoff,
			  cfs_lba(inode, 0), cfs_capacity(inode), addr, len,
			  &lba);
	if (ret == -EINVAL)
		return ret;
	/* A read-only file's shared mapping loses VM_SHARED, not VM_MAYSHARE. */
	if (!(vma->vm_flags & VM_MAYSHARE))
		return -EOPNOTSUPP;
	if (ret)
		return ret;
	atomic_inc(&ci->pinned);
	r->ftl = CFS_SB(inode->i_sb)->ftl;
	r->lba = lba;
	r->offset = offset_in_page(addr);
	r->len = len;
	r->writable = vma->vm_flags & VM_WRITE;
	r->file = get_file(vma->vm_file);
	return 0;
}

int contigfs_resolve_vma(struct mm_struct *mm, unsigned long addr, u64 len,
			 struct contigfs_range *r)
{
	struct vm_area_struct *vma;
	int ret = -ENOENT;

	if (!len)
		return -EINVAL;
	mmap_read_lock(mm);
	vma = vma_lookup(mm, addr);
	if (vma && vma->vm_file && vma->vm_ops == &cfs_vm_ops) {
		struct address_space *mapping = vma->vm_file->f_mapping;

		filemap_invalidate_lock_shared(mapping);
		ret = cfs_resolve_locked(vma, addr, len, r);
		filemap_invalidate_unlock_shared(mapping);
	}
	mmap_read_unlock(mm);
	return ret;
}
EXPORT_SYMBOL_GPL(contigfs_resolve_vma);

void contigfs_put_range(struct contigfs_range *r)
{
	atomic_dec(&CFS_I(file_inode(r->file))->pinned);
	fput(r->file);
	r->file = NULL;
	r->ftl = NULL;
}
EXPORT_SYMBOL_GPL(contigfs_put_range);
