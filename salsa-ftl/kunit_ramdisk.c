// SPDX-License-Identifier: GPL-2.0
/*
 * RAM-disk members for KUnit: the real FTL, worker and metadata code run
 * unchanged on top; only the media ops differ.
 */
#include <linux/highmem.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "kunit_ramdisk.h"

struct salsa_ramdisk {
	unsigned int nr;
	u64 pages;
	u8 *data[SALSA_MAX_DEVS];
};

static void *salsa_rd_addr(struct salsa_ftl *ftl, unsigned int dev, u64 page)
{
	struct salsa_ramdisk *rd = ftl->media_priv;

	if (WARN_ON(dev >= rd->nr || page >= rd->pages))
		return NULL;
	return rd->data[dev] + page * SALSA_PAGE_SIZE;
}

static void salsa_rd_submit(struct salsa_ftl *ftl, struct salsa_io *io)
{
	void *addr = salsa_rd_addr(ftl, salsa_pba_dev(ftl, io->pba),
				   salsa_pba_dev_page(ftl, io->pba));

	if (!addr) {
		salsa_io_done(ftl, io, -EIO);
		return;
	}
	if (op_is_write(io->opf))
		memcpy_from_page(addr, io->page, 0, SALSA_PAGE_SIZE);
	else
		memcpy_to_page(io->page, 0, addr, SALSA_PAGE_SIZE);
	salsa_io_done(ftl, io, 0);
}

static int salsa_rd_rw(struct salsa_ftl *ftl, unsigned int dev, u64 dev_page,
		       void *buf, unsigned int nr, blk_opf_t opf)
{
	void *addr = salsa_rd_addr(ftl, dev, dev_page + nr - 1);

	if (!addr)
		return -EIO;
	addr = salsa_rd_addr(ftl, dev, dev_page);
	if (op_is_write(opf))
		memcpy(addr, buf, (size_t)nr * SALSA_PAGE_SIZE);
	else
		memcpy(buf, addr, (size_t)nr * SALSA_PAGE_SIZE);
	return 0;
}

static int salsa_rd_flush(struct salsa_ftl *ftl)
{
	return 0;
}

static const struct salsa_media_ops salsa_ram_media = {
	.submit = salsa_rd_submit,
	.rw = salsa_rd_rw,
	.flush = salsa_rd_flush,
};

static void salsa_rd_free(struct salsa_ramdisk *rd)
{
	unsigned int i;

	for (i = 0; i < rd->nr; i++)
		vfree(rd->data[i]);
	kfree(rd);
}

struct salsa_ftl *salsa_test_ftl(struct kunit *test,
				 const struct salsa_test_geo *geo)
{
	struct salsa_config cfg = {
		.virtual_pages = geo->virtual_pages,
		.nr_devs = geo->nr_devs,
		.op_percent = SALSA_DEFAULT_OP_PERCENT,
		.seg_pages = geo->seg_pages,
		.pool_pages = geo->pool_pages,
		.streams = geo->streams,
		.gc_low_percent = SALSA_DEFAULT_GC_LOW,
		.gc_high_percent = SALSA_DEFAULT_GC_HIGH,
	};
	struct salsa_ramdisk *rd;
	struct salsa_ftl *ftl;
	char *error = "";
	unsigned int i;
	int ret;

	rd = kzalloc(sizeof(*rd), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, rd);
	rd->nr = geo->nr_devs;
	rd->pages = geo->dev_pages;
	for (i = 0; i < rd->nr; i++) {
		rd->data[i] = vzalloc(geo->dev_pages * SALSA_PAGE_SIZE);
		if (!rd->data[i]) {
			salsa_rd_free(rd);
			KUNIT_FAIL(test, "no memory for the RAM disk");
			return NULL;
		}
	}
	ftl = salsa_ftl_alloc(&cfg);
	if (!ftl) {
		salsa_rd_free(rd);
		KUNIT_FAIL(test, "no memory for the FTL");
		return NULL;
	}
	ftl->media = &salsa_ram_media;
	ftl->media_priv = rd;
	for (i = 0; i < rd->nr; i++)
		ftl->devs[i].pages = geo->dev_pages;
	ret = salsa_ftl_start(ftl, &error);
	if (ret) {
		salsa_rd_free(rd);
		salsa_ftl_put(ftl);
		KUNIT_FAIL(test, "FTL start failed: %d (%s)", ret, error);
		return NULL;
	}
	return ftl;
}

void salsa_test_ftl_destroy(struct salsa_ftl *ftl)
{
	struct salsa_ramdisk *rd = ftl->media_priv;

	salsa_ftl_stop(ftl);
	salsa_rd_free(rd);
	salsa_ftl_put(ftl);
}

struct salsa_ftl *salsa_test_bare_ftl(struct kunit *test, unsigned int nr_devs,
				      u32 nr_segs, u32 seg_pages, u32 sum_pages,
				      u32 meta_pages)
{
	struct salsa_ftl *ftl;

	ftl = kunit_kzalloc(test, sizeof(*ftl), GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, ftl);
	ftl->nr_devs = nr_devs;
	ftl->seg_pages = seg_pages;
	ftl->sum_pages = sum_pages;
	ftl->data_slots = seg_pages - sum_pages;
	ftl->chunk_pages = seg_pages / nr_devs;
	ftl->meta_pages = meta_pages;
	ftl->nr_segs = nr_segs;
	ftl->capacity_pages = (u64)nr_segs * ftl->data_slots;
	ftl->reserve_segs = 1;
	ftl->gc_low_segs = 2;
	ftl->gc_high_segs = 3;
	ftl->cfg.streams = 4;
	ftl->seq = 1;
	ftl->segs = kunit_kcalloc(test, nr_segs, sizeof(*ftl->segs),
				  GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, ftl->segs);
	ftl->rev = kunit_kcalloc(test, (size_t)nr_segs * ftl->data_slots,
				 sizeof(*ftl->rev), GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, ftl->rev);
	salsa_seg_init_lists(ftl);
	INIT_LIST_HEAD(&ftl->gc_moves);
	test->priv = ftl;
	return ftl;
}
