// SPDX-License-Identifier: GPL-2.0
/*
 * Regular files: read/write/fsync and shared mappings, all on the FTL's
 * pages. There is no page cache: read() and write() copy from and to the
 * one DRAM page of each LBA, and a mapping maps that same page.
 *
 * Pages mapped into user space are held (a get_lba reference) in the
 * inode's @held xarray from their first fault until they are released:
 * on truncate, before a move, when the last mapping goes, at eviction, or
 * when the file holds more than its share of the pool. A held page is
 * released under its page lock, after its PTEs are zapped; faults return
 * it locked and recheck that it is still held, so no PTE outlives the
 * reference (the page-cache truncate protocol, with the page lock).
 */
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/uio.h>

#include "contigfs.h"

#define CFS_IO_PAGES	32
/* xarray mark of held pages the mapping may write (held with SALSA_WRITE) */
#define CFS_HELD_WRITE	XA_MARK_1

static void cfs_release_one(struct inode *inode, pgoff_t index,
			    struct page *page)
{
	struct cfs_sb_info *sbi = CFS_SB(inode->i_sb);
	struct cfs_inode_info *ci = CFS_I(inode);
	bool write;

	lock_page(page);
	xa_lock(&ci->held);
	if (xa_load(&ci->held, index) != page) {
		xa_unlock(&ci->held);
		unlock_page(page);
		return;
	}
	write = xa_get_mark(&ci->held, index, CFS_HELD_WRITE);
	__xa_erase(&ci->held, index);
	xa_unlock(&ci->held);
	unmap_mapping_range(inode->i_mapping, (loff_t)index << PAGE_SHIFT,
			    PAGE_SIZE, 0);
	ClearPageDirty(page);
	unlock_page(page);
	salsa_put_lba(sbi->ftl, cfs_lba(inode, index), 1,
		      write ? SALSA_WRITE | SALSA_DIRTY : 0);
	atomic_long_dec(&sbi->held_pages);
}

/* Release every held page at or after @from (all of them for 0). */
void cfs_release_held(struct inode *inode, pgoff_t from)
{
	struct cfs_inode_info *ci = CFS_I(inode);
	unsigned long index = from;
	struct page *page;

	/* Private copies past a new end of file go too (truncate). */
	if (from)
		unmap_mapping_range(inode->i_mapping,
				    (loff_t)from << PAGE_SHIFT, 0, 1);
	mutex_lock(&ci->held_lock);
	xa_for_each_start(&ci->held, index, page, from)
		cfs_release_one(inode, index, page);
	mutex_unlock(&ci->held_lock);
}

/* Over budget: give back this file's other pages, oldest index first. */
static void cfs_release_some(struct inode *inode, pgoff_t keep)
{
	struct cfs_sb_info *sbi = CFS_SB(inode->i_sb);
	struct cfs_inode_info *ci = CFS_I(inode);
	unsigned long index = 0;
	struct page *page;

	xa_for_each(&ci->held, index, page) {
		if (atomic_long_read(&sbi->held_pages) <= sbi->held_max / 2)
			break;
		if (index != keep)
			cfs_release_one(inode, index, page);
	}
}

/* The held page of @index, taking a reference first if needed. */
static struct page *cfs_hold(struct inode *inode, pgoff_t index)
{
	struct cfs_sb_info *sbi = CFS_SB(inode->i_sb);
	struct cfs_inode_info *ci = CFS_I(inode);
	struct page *page;
	int ret;

	mutex_lock(&ci->held_lock);
	page = xa_load(&ci->held, index);
	if (page)
		goto out;
	if (atomic_long_read(&sbi->held_pages) >= sbi->held_max)
		cfs_release_some(inode, index);
	ret = cfs_get_pages(sbi, cfs_lba(inode, index), 1, 0, &page);
	if (ret) {
		page = ERR_PTR(ret);
		goto out;
	}
	ret = xa_err(xa_store(&ci->held, index, page, GFP_NOFS));
	if (ret) {
		salsa_put_lba(sbi->ftl, cfs_lba(inode, index), 1, 0);
		page = ERR_PTR(ret);
		goto out;
	}
	atomic_long_inc(&sbi->held_pages);
out:
	mutex_unlock(&ci->held_lock);
	return page;
}

static vm_fault_t cfs_fault_locked(struct vm_fault *vmf, bool write)
{
	struct inode *inode = file_inode(vmf->vma->vm_file);
	struct cfs_sb_info *sbi = CFS_SB(inode->i_sb);
	struct cfs_inode_info *ci = CFS_I(inode);
	pgoff_t index = vmf->pgoff;
	struct page *page;

	for (;;) {
		if (index >= DIV_ROUND_UP(i_size_read(inode), PAGE_SIZE))
			return VM_FAULT_SIGBUS;
		page = cfs_hold(inode, index);
		if (IS_ERR(page))
			return vmf_error(PTR_ERR(page));
		if (write && !xa_get_mark(&ci->held, index, CFS_HELD_WRITE)) {
			struct page *again;

			/* Upgrade: the same page, now held for writing. */
			mutex_lock(&ci->held_lock);
			if (xa_load(&ci->held, index) == page &&
			    !xa_get_mark(&ci->held, index, CFS_HELD_WRITE) &&
			    !cfs_get_pages(sbi, cfs_lba(inode, index), 1,
					   SALSA_WRITE, &again)) {
				salsa_put_lba(sbi->ftl, cfs_lba(inode, index),
					      1, 0);
				xa_set_mark(&ci->held, index, CFS_HELD_WRITE);
			}
			mutex_unlock(&ci->held_lock);
		}
		lock_page(page);
		if (xa_load(&ci->held, index) == page &&
		    (!write || xa_get_mark(&ci->held, index, CFS_HELD_WRITE)))
			break;
		unlock_page(page);
	}
	if (write)
		salsa_dirty_lba(sbi->ftl, cfs_lba(inode, index), 1);
	return VM_FAULT_LOCKED;
}

static vm_fault_t cfs_fault(struct vm_fault *vmf)
{
	struct inode *inode = file_inode(vmf->vma->vm_file);
	vm_fault_t ret;

	filemap_invalidate_lock_shared(inode->i_mapping);
	ret = cfs_fault_locked(vmf, false);
	if (ret == VM_FAULT_LOCKED) {
		vmf->page = xa_load(&CFS_I(inode)->held, vmf->pgoff);
		get_page(vmf->page);
	}
	filemap_invalidate_unlock_shared(inode->i_mapping);
	return ret;
}

static vm_fault_t cfs_page_mkwrite(struct vm_fault *vmf)
{
	struct inode *inode = file_inode(vmf->vma->vm_file);
	vm_fault_t ret;

	sb_start_pagefault(inode->i_sb);
	file_update_time(vmf->vma->vm_file);
	filemap_invalidate_lock_shared(inode->i_mapping);
	ret = cfs_fault_locked(vmf, true);
	if (ret == VM_FAULT_LOCKED &&
	    xa_load(&CFS_I(inode)->held, vmf->pgoff) != vmf->page) {
		/* Released and held again meanwhile: fault afresh. */
		unlock_page(xa_load(&CFS_I(inode)->held, vmf->pgoff));
		ret = VM_FAULT_NOPAGE;
	}
	filemap_invalidate_unlock_shared(inode->i_mapping);
	sb_end_pagefault(inode->i_sb);
	return ret;
}

static void cfs_vm_close(struct vm_area_struct *vma)
{
	struct inode *inode = file_inode(vma->vm_file);

	/* The last mapping is gone: nobody can use held pages any more. */
	if (!mapping_mapped(inode->i_mapping))
		cfs_release_held(inode, 0);
}

const struct vm_operations_struct cfs_vm_ops = {
	.fault		= cfs_fault,
	.page_mkwrite	= cfs_page_mkwrite,
	.close		= cfs_vm_close,
};

static int cfs_mmap(struct file *file, struct vm_area_struct *vma)
{
	file_accessed(file);
	vma->vm_ops = &cfs_vm_ops;
	return 0;
}

static ssize_t cfs_read_iter(struct kiocb *iocb, struct iov_iter *to)
{
	struct inode *inode = file_inode(iocb->ki_filp);
	struct cfs_sb_info *sbi = CFS_SB(inode->i_sb);
	struct page *pages[CFS_IO_PAGES];
	ssize_t done = 0;
	int ret = 0;

	if (!iov_iter_count(to))
		return 0;
	inode_lock_shared(inode);
	while (iov_iter_count(to) && iocb->ki_pos < i_size_read(inode)) {
		loff_t pos = iocb->ki_pos;
		size_t len = min_t(u64, iov_iter_count(to),
				   i_size_read(inode) - pos);
		pgoff_t first = pos >> PAGE_SHIFT;
		unsigned int nr = min_t(u64, CFS_IO_PAGES,
					DIV_ROUND_UP(offset_in_page(pos) + len,
						     PAGE_SIZE));
		unsigned int i;

		ret = cfs_get_pages(sbi, cfs_lba(inode, first), nr, 0, pages);
		if (ret)
			break;
		for (i = 0; i < nr && len; i++) {
			size_t off = offset_in_page(pos);
			size_t n = min_t(size_t, PAGE_SIZE - off, len);
			size_t copied = copy_page_to_iter(pages[i], off, n, to);

			pos += copied;
			len -= copied;
			done += copied;
			if (copied < n) {
				ret = -EFAULT;
				break;
			}
		}
		cfs_put_pages(sbi, cfs_lba(inode, first), nr, 0, pages);
		iocb->ki_pos = pos;
		if (ret)
			break;
	}
	inode_unlock_shared(inode);
	file_accessed(iocb->ki_filp);
	return done ? done : ret;
}

/* Copy one run of pages from user space; returns bytes copied. */
static ssize_t cfs_write_pages(struct inode *inode, loff_t pos, size_t len,
			       struct iov_iter *from)
{
	struct cfs_sb_info *sbi = CFS_SB(inode->i_sb);
	struct page *pages[CFS_IO_PAGES];
	pgoff_t first = pos >> PAGE_SHIFT;
	unsigned int nr = DIV_ROUND_UP(offset_in_page(pos) + len, PAGE_SIZE);
	unsigned int flags = SALSA_WRITE, i;
	ssize_t done = 0;
	int ret;

	/* Pages wholly past the old end read as zeroes: no read needed. */
	if ((u64)first << PAGE_SHIFT >= i_size_read(inode))
		flags |= SALSA_FULL;
	ret = cfs_get_pages(sbi, cfs_lba(inode, first), nr, flags, pages);
	if (ret)
		return ret;
	for (i = 0; i < nr && len; i++) {
		size_t off = offset_in_page(pos);
		size_t n = min_t(size_t, PAGE_SIZE - off, len);
		size_t copied = copy_page_from_iter(pages[i], off, n, from);

		pos += copied;
		len -= copied;
		done += copied;
		if (copied < n)
			break;
	}
	cfs_put_pages(sbi, cfs_lba(inode, first), nr,
		      SALSA_WRITE | SALSA_DIRTY, pages);
	return done ? done : -EFAULT;
}

static ssize_t cfs_write_iter(struct kiocb *iocb, struct iov_iter *from)
{
	struct inode *inode = file_inode(iocb->ki_filp);
	ssize_t ret, done = 0;
	loff_t end;

	inode_lock(inode);
	ret = generic_write_checks(iocb, from);
	if (ret <= 0)
		goto out;
	ret = file_remove_privs(iocb->ki_filp);
	if (ret)
		goto out;
	ret = file_update_time(iocb->ki_filp);
	if (ret)
		goto out;
	end = iocb->ki_pos + iov_iter_count(from);
	ret = cfs_expose(inode, end);
	if (ret)
		goto out;
	while (iov_iter_count(from)) {
		loff_t pos = iocb->ki_pos;
		size_t len = min_t(size_t, iov_iter_count(from),
				   CFS_IO_PAGES * PAGE_SIZE - offset_in_page(pos));

		ret = cfs_write_pages(inode, pos, len, from);
		if (ret <= 0)
			break;
		iocb->ki_pos += ret;
		done += ret;
		if (iocb->ki_pos > i_size_read(inode)) {
			i_size_write(inode, iocb->ki_pos);
			mark_inode_dirty(inode);
		}
	}
out:
	inode_unlock(inode);
	if (done > 0)
		return generic_write_sync(iocb, done);
	return ret;
}

/*
 * Data and metadata together: a commit flushes every dirty FTL page, the
 * file's data (and mapped pages marked at their write fault) included.
 */
int cfs_fsync(struct file *file, loff_t start, loff_t end, int datasync)
{
	return cfs_sync(CFS_SB(file_inode(file)->i_sb));
}

const struct file_operations cfs_file_operations = {
	.llseek		= generic_file_llseek,
	.read_iter	= cfs_read_iter,
	.write_iter	= cfs_write_iter,
	.mmap		= cfs_mmap,
	.open		= generic_file_open,
	.fsync		= cfs_fsync,
	.splice_read	= generic_file_splice_read,
	.splice_write	= iter_file_splice_write,
};

/* FIBMAP: file page -> LBA, the same answer contigfs_resolve_vma() gives. */
static sector_t cfs_bmap(struct address_space *mapping, sector_t block)
{
	struct inode *inode = mapping->host;

	if (block >= cfs_capacity(inode))
		return 0;
	return cfs_lba(inode, block);
}

const struct address_space_operations cfs_file_aops = {
	.bmap		= cfs_bmap,
};

const struct inode_operations cfs_file_inode_operations = {
	.setattr	= cfs_setattr,
	.getattr	= cfs_getattr,
};

const struct inode_operations cfs_symlink_inode_operations = {
	.get_link	= simple_get_link,
	.setattr	= cfs_setattr,
	.getattr	= cfs_getattr,
};

const struct inode_operations cfs_special_inode_operations = {
	.setattr	= cfs_setattr,
	.getattr	= cfs_getattr,
};
