/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The salsa FTL's page API for other kernel modules (contigfs, siw-flash).
 *
 * LBAs here are 4 KiB page numbers in the device's virtual space. Every LBA
 * page has exactly one DRAM copy while it is in use; get_lba() hands out
 * references to it and put_lba() returns them. The block device on top of
 * the same target sees the same pages at all times.
 */
#ifndef _FLASHNET_SALSA_H
#define _FLASHNET_SALSA_H

#include <linux/types.h>

struct salsa_ftl;
struct page;
struct block_device;

/* get_lba() / put_lba() flags */
#define SALSA_WRITE	0x1	/* get: may modify; put: the get had SALSA_WRITE */
#define SALSA_FULL	0x2	/* get: caller overwrites whole pages, skip the read */
#define SALSA_DIRTY	0x4	/* put: the pages were modified */
#define SALSA_META	0x8	/* origin: file system metadata (own stream) */

/*
 * Called once per page of a get_lba() range, in any order, with a reference
 * held on @page (unless @err is non-zero). May run before get_lba() returns,
 * in the caller's context, or later from the FTL's workqueue; never with FTL
 * locks held. It must not sleep.
 */
typedef void (*salsa_page_cb)(void *ctx, u64 lba, struct page *page, int err);

/* sync_range() completion; @err is 0 once the data is on flash. */
typedef void (*salsa_sync_cb)(void *ctx, int err);

/* Find the FTL behind an open salsa block device and take a reference. */
struct salsa_ftl *salsa_ftl_get(struct block_device *bdev);
void salsa_ftl_put(struct salsa_ftl *ftl);

/* Size of the virtual space in pages. */
u64 salsa_ftl_pages(struct salsa_ftl *ftl);

/* Capacity figures, e.g. for a file system's statfs. */
struct salsa_ftl_usage {
	u64 virtual_pages;	/* size of the LBA space */
	u64 capacity_pages;	/* most LBAs that may hold data at once */
	u64 mapped_pages;	/* LBAs holding data now */
	u64 pool_pages;		/* DRAM page pool */
};

void salsa_ftl_usage(struct salsa_ftl *ftl, struct salsa_ftl_usage *usage);

/*
 * Reference the pages [lba, lba + len). Never blocks: pages that are not in
 * DRAM are read (or zero-filled) asynchronously, and pages that do not fit
 * into the pool yet are delivered as earlier ones are put, so a range far
 * larger than the pool streams through it as long as the caller puts pages
 * it is done with. Returns 0 or a negative errno (nothing delivered then).
 */
int salsa_get_lba(struct salsa_ftl *ftl, u64 lba, u64 len, unsigned int flags,
		  salsa_page_cb cb, void *ctx);

/*
 * Drop references taken by salsa_get_lba(). The last put of a dirty page
 * schedules its write-out. Never blocks.
 */
void salsa_put_lba(struct salsa_ftl *ftl, u64 lba, u64 len, unsigned int flags);

/*
 * Mark pages the caller holds with SALSA_WRITE as modified without dropping
 * the references (e.g. pages mapped into user space and written through the
 * mapping). They stay dirty while write references remain, so every later
 * sync writes them again. Never blocks.
 */
void salsa_dirty_lba(struct salsa_ftl *ftl, u64 lba, u64 len);

/*
 * Write the dirty pages of [lba, lba + len) (referenced ones included, as
 * they are at the time of the call) and commit the map. @cb runs once, from
 * the FTL's workqueue. salsa_sync_range_wait() is the blocking variant.
 */
int salsa_sync_range(struct salsa_ftl *ftl, u64 lba, u64 len,
		     salsa_sync_cb cb, void *ctx);
int salsa_sync_range_wait(struct salsa_ftl *ftl, u64 lba, u64 len);

/*
 * Move the mappings of [from, from + len) to [to, to + len) without moving
 * data; [from, ...) reads as zeroes afterwards. The destination must be
 * unmapped and no page of either range may be referenced. Sleeps; durable
 * at the next commit.
 */
int salsa_remap(struct salsa_ftl *ftl, u64 from, u64 to, u64 len);

/*
 * Unmap [lba, lba + len): it reads as zeroes and frees its flash. Referenced
 * pages are zeroed in place. Sleeps; durable at the next commit.
 */
int salsa_trim(struct salsa_ftl *ftl, u64 lba, u64 len);

#endif /* _FLASHNET_SALSA_H */
