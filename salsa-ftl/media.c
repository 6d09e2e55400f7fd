// SPDX-License-Identifier: GPL-2.0
/*
 * Member I/O: one page per bio for the data path, whole areas for metadata.
 * Completions run in interrupt context and only hand the io to the worker.
 */
#include <linux/bio.h>
#include <linux/blkdev.h>
#include <linux/device-mapper.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "salsa.h"

/* Front-padded so the completion finds its FTL without a lookup. */
struct salsa_bio {
	struct salsa_ftl *ftl;
	struct salsa_io *io;
	struct bio bio;
};

static struct block_device *salsa_member_bdev(struct salsa_ftl *ftl,
					      unsigned int dev)
{
	return ftl->devs[dev].dm_dev->bdev;
}

static void salsa_bdev_end_io(struct bio *bio)
{
	struct salsa_bio *sb = container_of(bio, struct salsa_bio, bio);

	salsa_io_done(sb->ftl, sb->io, blk_status_to_errno(bio->bi_status));
	bio_put(bio);
}

static void salsa_bdev_submit(struct salsa_ftl *ftl, struct salsa_io *io)
{
	unsigned int dev = salsa_pba_dev(ftl, io->pba);
	struct salsa_bio *sb;
	struct bio *bio;

	bio = bio_alloc_bioset(salsa_member_bdev(ftl, dev), 1, io->opf,
			       GFP_NOIO, ftl->bs);
	sb = container_of(bio, struct salsa_bio, bio);
	sb->ftl = ftl;
	sb->io = io;
	bio->bi_iter.bi_sector = salsa_pba_dev_page(ftl, io->pba) *
				 SALSA_PAGE_SECTORS;
	__bio_add_page(bio, io->page, SALSA_PAGE_SIZE, 0);
	bio->bi_end_io = salsa_bdev_end_io;
	if (op_is_write(io->opf))
		atomic64_inc(&ftl->devs[dev].pages_written);
	submit_bio(bio);
}

static struct page *salsa_buf_page(void *addr)
{
	return is_vmalloc_addr(addr) ? vmalloc_to_page(addr) :
				       virt_to_page(addr);
}

static int salsa_bdev_rw(struct salsa_ftl *ftl, unsigned int dev,
			 u64 dev_page, void *buf, unsigned int nr,
			 blk_opf_t opf)
{
	struct block_device *bdev = salsa_member_bdev(ftl, dev);
	int ret = 0;

	while (nr && !ret) {
		unsigned int batch = min_t(unsigned int, nr, BIO_MAX_VECS);
		struct bio *bio = bio_alloc(bdev, batch, opf, GFP_NOIO);
		unsigned int i;

		bio->bi_iter.bi_sector = dev_page * SALSA_PAGE_SECTORS;
		for (i = 0; i < batch; i++)
			__bio_add_page(bio, salsa_buf_page(buf + i * SALSA_PAGE_SIZE),
				       SALSA_PAGE_SIZE, 0);
		ret = submit_bio_wait(bio);
		bio_put(bio);
		if (op_is_write(opf))
			atomic64_add(batch, &ftl->devs[dev].pages_written);
		dev_page += batch;
		buf += (size_t)batch * SALSA_PAGE_SIZE;
		nr -= batch;
	}
	return ret;
}

static int salsa_bdev_flush(struct salsa_ftl *ftl)
{
	unsigned int i;
	int ret;

	for (i = 0; i < ftl->nr_devs; i++) {
		ret = blkdev_issue_flush(salsa_member_bdev(ftl, i));
		if (ret)
			return ret;
	}
	return 0;
}

const struct salsa_media_ops salsa_bdev_media = {
	.submit = salsa_bdev_submit,
	.rw = salsa_bdev_rw,
	.flush = salsa_bdev_flush,
};

int salsa_media_init(struct salsa_ftl *ftl)
{
	int ret;

	ftl->bs = kzalloc(sizeof(*ftl->bs), GFP_KERNEL);
	if (!ftl->bs)
		return -ENOMEM;
	ret = bioset_init(ftl->bs, 256, offsetof(struct salsa_bio, bio),
			  BIOSET_NEED_BVECS);
	if (ret) {
		kfree(ftl->bs);
		ftl->bs = NULL;
	}
	return ret;
}

void salsa_media_exit(struct salsa_ftl *ftl)
{
	if (!ftl->bs)
		return;
	bioset_exit(ftl->bs);
	kfree(ftl->bs);
	ftl->bs = NULL;
}
