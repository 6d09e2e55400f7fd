/* SPDX-License-Identifier: GPL-2.0 */
/*
 * contigfs's API for siw-flash: is a user address range a contigfs mapping,
 * and which FTL pages back it. Every file is one contiguous LBA range, so
 * the answer is a base LBA: byte b of the range is at LBA lba + (offset + b)
 * / 4096.
 */
#ifndef _FLASHNET_CONTIGFS_H
#define _FLASHNET_CONTIGFS_H

#include <linux/types.h>

struct file;
struct mm_struct;
struct salsa_ftl;

struct contigfs_range {
	struct salsa_ftl *ftl;	/* the FTL holding the file */
	u64 lba;		/* LBA of the page with the first byte */
	unsigned int offset;	/* of the first byte in that page */
	u64 len;		/* bytes */
	bool writable;		/* the mapping allows stores (PROT_WRITE) */
	struct file *file;	/* referenced; keeps file, fs and FTL alive */
};

/*
 * Resolve [addr, addr + len) of @mm. The range must lie in one shared
 * contigfs mapping and inside the file's block. On success the file is
 * referenced and its block pinned (it does not move while the range is
 * held: growth that would move it fails with -EBUSY) until
 * contigfs_put_range(). Takes @mm's mmap_lock: the caller must not hold it.
 * Errors: -ENOENT not a contigfs mapping (use ordinary memory), -EINVAL
 * empty or straddling the mapping's end, -EOPNOTSUPP a private mapping,
 * -ENXIO past the file's block.
 */
int contigfs_resolve_vma(struct mm_struct *mm, unsigned long addr, u64 len,
			 struct contigfs_range *r);
void contigfs_put_range(struct contigfs_range *r);

#endif /* _FLASHNET_CONTIGFS_H */
