// SPDX-License-Identifier: GPL-2.0
/*
 * Waiting for the FTL's pages from process context. salsa_get_lba() never
 * blocks and calls back once per page in any order; file system paths that
 * may sleep collect the pages here.
 */
#include <linux/completion.h>

#include "contigfs.h"

struct cfs_get_wait {
	struct completion done;
	atomic_t left;
	int err;
	u64 base;
	struct page **pages;
};

static void cfs_get_cb(void *ctx, u64 lba, struct page *page, int err)
{
	struct cfs_get_wait *w = ctx;

	if (err)
		cmpxchg(&w->err, 0, err);
	else
		w->pages[lba - w->base] = page;
	if (atomic_dec_and_test(&w->left))
		complete(&w->done);
}

/*
 * References pages [lba, lba + nr) into @pages. On error nothing is held.
 * The FTL delivers every page eventually as long as other holders put
 * theirs, so the wait is not interruptible: the callbacks use this frame.
 */
int cfs_get_pages(struct cfs_sb_info *sbi, u64 lba, unsigned int nr,
		  unsigned int flags, struct page **pages)
{
	struct cfs_get_wait w = { .base = lba, .pages = pages };
	unsigned int i;
	int ret;

	memset(pages, 0, nr * sizeof(*pages));
	init_completion(&w.done);
	atomic_set(&w.left, nr);
	ret = salsa_get_lba(sbi->ftl, lba, nr, flags, cfs_get_cb, &w);
	if (ret)
		return ret;
	wait_for_completion(&w.done);
	if (!w.err)
		return 0;
	for (i = 0; i < nr; i++) {
		if (pages[i])
			salsa_put_lba(sbi->ftl, lba + i, 1, flags & SALSA_WRITE);
		pages[i] = NULL;
	}
	return w.err;
}

void cfs_put_pages(struct cfs_sb_info *sbi, u64 lba, unsigned int nr,
		   unsigned int flags, struct page **pages)
{
	salsa_put_lba(sbi->ftl, lba, nr, flags);
	memset(pages, 0, nr * sizeof(*pages));
}
