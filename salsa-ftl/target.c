// SPDX-License-Identifier: GPL-2.0
/*
 * The "salsa" device-mapper target: table handling, the block path and the
 * life of an FTL instance.
 *
 * Bios are split by dm into single 4 KiB pages (logical block size 4096,
 * max_io_len one page). Reads of pages that are only on flash are remapped
 * straight to their member; everything else goes through the page pool, so
 * the block device and the get/put API always see the same page.
 */
#include <linux/bio.h>
#include <linux/blkdev.h>
#include <linux/device-mapper.h>
#include <linux/highmem.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <kunit/visibility.h>

#include "salsa.h"
#include "pool.h"
#include "writeback.h"
#include "gc.h"

#define DM_MSG_PREFIX "salsa"

static LIST_HEAD(salsa_registry);
static DEFINE_MUTEX(salsa_registry_lock);
/*
 * Serialises table construction, so that two tables can never both open
 * one member: each would build its map from flash and overwrite the
 * other's segments.
 */
static DEFINE_MUTEX(salsa_ctr_lock);
static const char salsa_no_reload[] =
	"table reload is not supported, remove the live table first";

/* Per-bio state: no allocation on the data path. */
struct salsa_bio_ctx {
	struct salsa_get get;
	struct salsa_request req;
	struct bio *bio;
	struct salsa_ftl *ftl;
	struct salsa_segment *read_seg;	/* direct read pins its segment */
	int error;
};

/* ---- life cycle ---- */

struct salsa_ftl *salsa_ftl_alloc(const struct salsa_config *cfg)
{
	struct salsa_ftl *ftl = kzalloc(sizeof(*ftl), GFP_KERNEL);

	if (!ftl)
		return NULL;
	kref_init(&ftl->ref);
	ftl->cfg = *cfg;
	ftl->nr_devs = cfg->nr_devs;
	ftl->virtual_pages = cfg->virtual_pages;
	ftl->media = &salsa_bdev_media;
	xa_init_flags(&ftl->map, XA_FLAGS_LOCK_IRQ);
	INIT_LIST_HEAD(&ftl->pool_free);
	INIT_LIST_HEAD(&ftl->pool_clean);
	INIT_LIST_HEAD(&ftl->pool_dirty);
	INIT_LIST_HEAD(&ftl->get_starved);
	INIT_LIST_HEAD(&ftl->seg_free);
	INIT_LIST_HEAD(&ftl->seg_pending);
	spin_lock_init(&ftl->done_lock);
	INIT_LIST_HEAD(&ftl->done);
	INIT_LIST_HEAD(&ftl->to_submit);
	INIT_LIST_HEAD(&ftl->requests);
	INIT_LIST_HEAD(&ftl->wb_inflight);
	INIT_LIST_HEAD(&ftl->flush_wait);
	INIT_LIST_HEAD(&ftl->gc_moves);
	INIT_LIST_HEAD(&ftl->node);
	init_waitqueue_head(&ftl->idle_wait);
	INIT_WORK(&ftl->work, salsa_worker_fn);
	return ftl;
}
EXPORT_SYMBOL_IF_KUNIT(salsa_ftl_alloc);

void salsa_ftl_release(struct kref *ref)
{
	kfree(container_of(ref, struct salsa_ftl, ref));
}
EXPORT_SYMBOL_IF_KUNIT(salsa_ftl_release);

/*
 * Opens (or formats) the flash state and starts the worker. The devices
 * (or KUnit's RAM disk) are set up by the caller.
 */
int salsa_ftl_start(struct salsa_ftl *ftl, char **error)
{
	struct salsa_request ckpt = { .type = SALSA_REQ_CHECKPOINT };
	int ret;

	ftl->wq = alloc_ordered_workqueue("salsa", WQ_MEM_RECLAIM);
	if (!ftl->wq) {
		*error = "cannot allocate the FTL worker";
		return -ENOMEM;
	}
	ret = salsa_md_open(ftl, error);
	if (ret)
		goto out_wq;
	salsa_streams_init(ftl);
	ret = salsa_pool_init(ftl, ftl->cfg.pool_pages);
	if (ret) {
		*error = "cannot allocate the page pool";
		goto out_md;
	}
	ret = salsa_gc_init(ftl);
	if (ret) {
		*error = "cannot allocate GC state";
		goto out_pool;
	}
	/* A fresh base for the next recovery, and pending segments freed. */
	ret = salsa_request_wait(ftl, &ckpt);
	if (ret) {
		*error = "cannot write a checkpoint";
		goto out_gc;
	}
	return 0;

out_gc:
	salsa_drain(ftl);
	salsa_gc_exit(ftl);
out_pool:
	salsa_pool_exit(ftl);
out_md:
	salsa_md_close(ftl);
	xa_destroy(&ftl->map);
out_wq:
	destroy_workqueue(ftl->wq);
	ftl->wq = NULL;
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(salsa_ftl_start);

/* Writes everything back, checkpoints, and frees the flash state. */
void salsa_ftl_stop(struct salsa_ftl *ftl)
{
	struct salsa_request ckpt = { .type = SALSA_REQ_CHECKPOINT };

	if (salsa_flush_all(ftl) || salsa_request_wait(ftl, &ckpt))
		pr_err("salsa: final checkpoint failed; recovery will replay the log\n");
	salsa_drain(ftl);
	WRITE_ONCE(ftl->dead, true);
	salsa_gc_exit(ftl);
	salsa_pool_exit(ftl);
	salsa_md_close(ftl);
	xa_destroy(&ftl->map);
	destroy_workqueue(ftl->wq);
	ftl->wq = NULL;
}
EXPORT_SYMBOL_IF_KUNIT(salsa_ftl_stop);

/* ---- API handles ---- */

struct salsa_ftl *salsa_ftl_get(struct block_device *bdev)
{
	struct salsa_ftl *ftl, *found = NULL;

	mutex_lock(&salsa_registry_lock);
	list_for_each_entry(ftl, &salsa_registry, node) {
		if (ftl->devt == bdev->bd_dev) {
			kref_get(&ftl->ref);
			found = ftl;
			break;
		}
	}
	mutex_unlock(&salsa_registry_lock);
	return found;
}
EXPORT_SYMBOL_GPL(salsa_ftl_get);

void salsa_ftl_put(struct salsa_ftl *ftl)
{
	kref_put(&ftl->ref, salsa_ftl_release);
}
EXPORT_SYMBOL_GPL(salsa_ftl_put);

u64 salsa_ftl_pages(struct salsa_ftl *ftl)
{
	return ftl->virtual_pages;
}
EXPORT_SYMBOL_GPL(salsa_ftl_pages);

void salsa_ftl_usage(struct salsa_ftl *ftl, struct salsa_ftl_usage *usage)
{
	unsigned long flags;

	usage->virtual_pages = ftl->virtual_pages;
	usage->capacity_pages = ftl->capacity_pages;
	usage->pool_pages = ftl->pool_nr;
	xa_lock_irqsave(&ftl->map, flags);
	usage->mapped_pages = ftl->mapped_pages;
	xa_unlock_irqrestore(&ftl->map, flags);
}
EXPORT_SYMBOL_GPL(salsa_ftl_usage);

/* ---- block path ---- */

static u64 salsa_bio_lba(struct dm_target *ti, struct bio *bio)
{
	return dm_target_offset(ti, bio->bi_iter.bi_sector) >> 3;
}

static void salsa_copy_bio(struct bio *bio, struct page *page, bool to_page)
{
	struct bvec_iter iter;
	struct bio_vec bv;
	unsigned int off = 0;
	void *p = kmap_local_page(page);

	bio_for_each_segment(bv, bio, iter) {
		if (to_page)
			memcpy_from_bvec(p + off, &bv);
		else
			memcpy_to_bvec(&bv, p + off);
		off += bv.bv_len;
	}
	kunmap_local(p);
}

static void salsa_bio_finish(struct salsa_bio_ctx *ctx)
{
	if (ctx->error)
		ctx->bio->bi_status = errno_to_blk_status(ctx->error);
	bio_endio(ctx->bio);
}

static void salsa_bio_req_done(struct salsa_ftl *ftl, struct salsa_request *req)
{
	struct salsa_bio_ctx *ctx = container_of(req, struct salsa_bio_ctx, req);

	if (!ctx->error)
		ctx->error = req->error;
	salsa_bio_finish(ctx);
}

static void salsa_queue_bio_req(struct salsa_bio_ctx *ctx,
				enum salsa_req_type type, u64 lba, u64 len)
{
	ctx->req.type = type;
	ctx->req.lba = lba;
	ctx->req.len = len;
	ctx->req.done = salsa_bio_req_done;
	salsa_request_queue(ctx->ftl, &ctx->req);
}

static void salsa_bio_read_cb(void *data, u64 lba, struct page *page, int err)
{
	struct salsa_bio_ctx *ctx = data;

	ctx->error = err;
	if (err)
		return;
	salsa_copy_bio(ctx->bio, page, false);
	salsa_put_lba(ctx->ftl, lba, 1, 0);
}

static void salsa_bio_write_cb(void *data, u64 lba, struct page *page, int err)
{
	struct salsa_bio_ctx *ctx = data;
	unsigned int put = SALSA_WRITE | SALSA_DIRTY;

	ctx->error = err;
	if (err)
		return;
	salsa_copy_bio(ctx->bio, page, true);
	if (ctx->bio->bi_opf & REQ_META)
		put |= SALSA_META;
	salsa_put_lba(ctx->ftl, lba, 1, put);
}

/* The get is done with: now the bio may go. */
static void salsa_bio_get_finish(struct salsa_get *g)
{
	struct salsa_bio_ctx *ctx = container_of(g, struct salsa_bio_ctx, get);

	if (!ctx->error && (ctx->bio->bi_opf & REQ_FUA))
		salsa_queue_bio_req(ctx, SALSA_REQ_FLUSH, 0, 0);
	else
		salsa_bio_finish(ctx);
}

static int salsa_handle_read(struct salsa_ftl *ftl, struct salsa_bio_ctx *ctx)
{
	struct bio *bio = ctx->bio;
	u64 lba = salsa_bio_lba(ftl->ti, bio);
	unsigned long flags;
	unsigned int dev;
	void *entry;
	u64 pba;

	atomic64_inc(&ftl->stats.host_read_pages);
	xa_lock_irqsave(&ftl->map, flags);
	entry = xa_load(&ftl->map, lba);
	if (xa_is_value(entry)) {
		/* Flash only: pin the segment against reuse and go direct. */
		pba = salsa_val_pba(entry);
		ctx->read_seg = &ftl->segs[salsa_pba_seg(ftl, pba)];
		atomic_inc(&ctx->read_seg->reads);
		xa_unlock_irqrestore(&ftl->map, flags);
		atomic64_inc(&ftl->stats.pool_misses);
		dev = salsa_pba_dev(ftl, pba);
		bio_set_dev(bio, ftl->devs[dev].dm_dev->bdev);
		bio->bi_iter.bi_sector = salsa_pba_dev_page(ftl, pba) *
					 SALSA_PAGE_SECTORS;
		return DM_MAPIO_REMAPPED;
	}
	xa_unlock_irqrestore(&ftl->map, flags);
	if (!entry) {
		zero_fill_bio(bio);
		bio_endio(bio);
		return DM_MAPIO_SUBMITTED;
	}
	salsa_get_init(&ctx->get, ftl, lba, 1, 0, salsa_bio_read_cb, ctx);
	ctx->get.finish = salsa_bio_get_finish;
	salsa_get_start(&ctx->get);
	return DM_MAPIO_SUBMITTED;
}

static int salsa_handle_write(struct salsa_ftl *ftl, struct salsa_bio_ctx *ctx)
{
	struct bio *bio = ctx->bio;
	unsigned int flags = SALSA_WRITE | SALSA_FULL;

	if (bio->bi_opf & REQ_META)
		flags |= SALSA_META;
	salsa_get_init(&ctx->get, ftl, salsa_bio_lba(ftl->ti, bio), 1, flags,
		       salsa_bio_write_cb, ctx);
	ctx->get.finish = salsa_bio_get_finish;
	salsa_get_start(&ctx->get);
	return DM_MAPIO_SUBMITTED;
}

static int salsa_map(struct dm_target *ti, struct bio *bio)
{
	struct salsa_ftl *ftl = ti->private;
	struct salsa_bio_ctx *ctx = dm_per_bio_data(bio, sizeof(*ctx));

	ctx->bio = bio;
	ctx->ftl = ftl;
	ctx->read_seg = NULL;
	ctx->error = 0;

	if (bio->bi_opf & REQ_PREFLUSH || bio_op(bio) == REQ_OP_FLUSH) {
		/* dm sends the data of a flush bio separately, after this. */
		salsa_queue_bio_req(ctx, SALSA_REQ_FLUSH, 0, 0);
		return DM_MAPIO_SUBMITTED;
	}

	switch (bio_op(bio)) {
	case REQ_OP_READ:
		return salsa_handle_read(ftl, ctx);
	case REQ_OP_WRITE:
		if (bio_sectors(bio) != SALSA_PAGE_SECTORS)
			return DM_MAPIO_KILL;
		return salsa_handle_write(ftl, ctx);
	case REQ_OP_DISCARD:
	case REQ_OP_WRITE_ZEROES:
		/* Unmapped pages read as zeroes: both are trims. */
		salsa_queue_bio_req(ctx, SALSA_REQ_TRIM, salsa_bio_lba(ti, bio),
				    bio_sectors(bio) >> 3);
		return DM_MAPIO_SUBMITTED;
	default:
		return DM_MAPIO_KILL;
	}
}

static int salsa_end_io(struct dm_target *ti, struct bio *bio,
			blk_status_t *error)
{
	struct salsa_bio_ctx *ctx = dm_per_bio_data(bio, sizeof(*ctx));

	if (ctx->read_seg) {
		atomic_dec(&ctx->read_seg->reads);
		ctx->read_seg = NULL;
	}
	return DM_ENDIO_DONE;
}

/* ---- table ---- */

static void salsa_put_devices(struct dm_target *ti, struct salsa_ftl *ftl)
{
	unsigned int i;

	for (i = 0; i < ftl->nr_devs; i++)
		if (ftl->devs[i].dm_dev)
			dm_put_device(ti, ftl->devs[i].dm_dev);
}

/* Whether a live table already uses member @bdev. */
static bool salsa_member_in_use(struct block_device *bdev)
{
	struct salsa_ftl *ftl;
	bool in_use = false;
	unsigned int i;

	mutex_lock(&salsa_registry_lock);
	list_for_each_entry(ftl, &salsa_registry, node)
		for (i = 0; i < ftl->nr_devs; i++)
			if (ftl->devs[i].dm_dev->bdev->bd_dev == bdev->bd_dev)
				in_use = true;
	mutex_unlock(&salsa_registry_lock);
	return in_use;
}

static int salsa_ctr_locked(struct dm_target *ti, unsigned int argc,
			    char **argv)
{
	struct salsa_config cfg;
	struct salsa_ftl *ftl;
	unsigned int i, j;
	int ret;

	ret = salsa_parse_table(&cfg, argc, argv, ti->len, &ti->error);
	if (ret)
		return ret;
	if (ti->begin & (SALSA_PAGE_SECTORS - 1)) {
		ti->error = "the target must start on a 4 KiB boundary";
		return -EINVAL;
	}
	ftl = salsa_ftl_alloc(&cfg);
	if (!ftl) {
		ti->error = "out of memory";
		return -ENOMEM;
	}
	ftl->ti = ti;
	for (i = 0; i < cfg.nr_devs; i++) {
		struct block_device *bdev;

		ret = dm_get_device(ti, cfg.dev_paths[i],
				    dm_table_get_mode(ti->table),
				    &ftl->devs[i].dm_dev);
		if (ret) {
			DMERR("cannot open member %u (%s): %d", i,
			      cfg.dev_paths[i], ret);
			ti->error = "cannot open a member device";
			goto out_devs;
		}
		bdev = ftl->devs[i].dm_dev->bdev;
		/* Two paths (a link, major:minor) may name one device. */
		for (j = 0; j < i; j++) {
			if (ftl->devs[j].dm_dev->bdev->bd_dev != bdev->bd_dev)
				continue;
			DMERR("members %u (%s) and %u (%s) are the same device",
			      j, cfg.dev_paths[j], i, cfg.dev_paths[i]);
			ti->error = "devices: a member device is listed twice";
			ret = -EINVAL;
			goto out_devs;
		}
		/*
		 * A reload builds the new table while the old one still
		 * writes: its map would miss the old table's last writes.
		 */
		if (salsa_member_in_use(bdev)) {
			DMERR("member %u (%s) belongs to a live salsa table: %s",
			      i, cfg.dev_paths[i], salsa_no_reload);
			ti->error = "a member device belongs to a live salsa table";
			ret = -EBUSY;
			goto out_devs;
		}
		if (bdev_logical_block_size(bdev) > SALSA_PAGE_SIZE) {
			ti->error = "member logical block size above 4 KiB";
			ret = -EINVAL;
			goto out_devs;
		}
		ftl->devs[i].pages = bdev_nr_sectors(bdev) >> 3;
	}
	ret = salsa_media_init(ftl);
	if (ret) {
		ti->error = "out of memory";
		goto out_devs;
	}
	ret = salsa_ftl_start(ftl, &ti->error);
	if (ret)
		goto out_media;

	ti->private = ftl;
	ti->num_flush_bios = 1;
	ti->num_discard_bios = 1;
	ti->num_write_zeroes_bios = 1;
	ti->flush_supported = true;
	ti->discards_supported = true;
	ti->per_io_data_size = sizeof(struct salsa_bio_ctx);
	ret = dm_set_target_max_io_len(ti, SALSA_PAGE_SECTORS);
	if (ret) {
		salsa_ftl_stop(ftl);
		goto out_media;
	}
	ftl->devt = disk_devt(dm_disk(dm_table_get_md(ti->table)));
	mutex_lock(&salsa_registry_lock);
	list_add(&ftl->node, &salsa_registry);
	mutex_unlock(&salsa_registry_lock);
	DMINFO("%s: %llu virtual pages, %u x %u-page segments, %u member(s), capacity %llu",
	       dm_device_name(dm_table_get_md(ti->table)), ftl->virtual_pages,
	       ftl->nr_segs, ftl->seg_pages, ftl->nr_devs, ftl->capacity_pages);
	return 0;

out_media:
	salsa_media_exit(ftl);
out_devs:
	salsa_put_devices(ti, ftl);
	salsa_ftl_put(ftl);
	return ret;
}

static int salsa_ctr(struct dm_target *ti, unsigned int argc, char **argv)
{
	int ret;

	mutex_lock(&salsa_ctr_lock);
	ret = salsa_ctr_locked(ti, argc, argv);
	mutex_unlock(&salsa_ctr_lock);
	return ret;
}

static void salsa_dtr(struct dm_target *ti)
{
	struct salsa_ftl *ftl = ti->private;

	mutex_lock(&salsa_registry_lock);
	list_del_init(&ftl->node);
	mutex_unlock(&salsa_registry_lock);
	salsa_debugfs_remove(ftl);
	salsa_ftl_stop(ftl);
	salsa_media_exit(ftl);
	salsa_put_devices(ti, ftl);
	salsa_ftl_put(ftl);
}

static void salsa_postsuspend(struct dm_target *ti)
{
	struct salsa_ftl *ftl = ti->private;

	salsa_debugfs_remove(ftl);
	if (salsa_flush_all(ftl))
		DMERR("flush on suspend failed");
	salsa_drain(ftl);
}

static void salsa_resume(struct dm_target *ti)
{
	struct mapped_device *md = dm_table_get_md(ti->table);
	struct salsa_ftl *ftl = ti->private;
	char name[DM_NAME_LEN];

	/* The name dmsetup knows, not the major:minor dm uses inside. */
	if (dm_copy_name_and_uuid(md, name, NULL))
		strscpy(name, dm_device_name(md), sizeof(name));
	salsa_debugfs_add(ftl, name);
}

/* dm applies io_hints only to targets that report their devices. */
static int salsa_iterate_devices(struct dm_target *ti,
				 iterate_devices_callout_fn fn, void *data)
{
	struct salsa_ftl *ftl = ti->private;
	unsigned int i;
	int ret = 0;

	for (i = 0; i < ftl->nr_devs && !ret; i++)
		ret = fn(ti, ftl->devs[i].dm_dev, 0,
			 ftl->devs[i].pages * SALSA_PAGE_SECTORS, data);
	return ret;
}

static void salsa_io_hints(struct dm_target *ti, struct queue_limits *limits)
{
	limits->logical_block_size = SALSA_PAGE_SIZE;
	limits->physical_block_size = SALSA_PAGE_SIZE;
	limits->io_min = SALSA_PAGE_SIZE;
	limits->discard_granularity = SALSA_PAGE_SIZE;
	limits->max_discard_sectors = UINT_MAX & ~(SALSA_PAGE_SECTORS - 1);
	limits->max_hw_discard_sectors = limits->max_discard_sectors;
	limits->max_write_zeroes_sectors = limits->max_discard_sectors;
}

static void salsa_status(struct dm_target *ti, status_type_t type,
			 unsigned int status_flags, char *result,
			 unsigned int maxlen)
{
	struct salsa_ftl *ftl = ti->private;
	unsigned int sz = 0, i;

	switch (type) {
	case STATUSTYPE_INFO:
		salsa_stats_format(ftl, result, maxlen, ' ');
		break;
	case STATUSTYPE_TABLE:
		for (i = 0; i < ftl->nr_devs; i++)
			DMEMIT("%s%s", i ? " " : "", ftl->devs[i].dm_dev->name);
		DMEMIT(" op=%u segment_size=%u pool_size=%llu streams=%u gc_low=%u gc_high=%u",
		       ftl->cfg.op_percent, ftl->seg_pages * SALSA_PAGE_SIZE,
		       ftl->cfg.pool_pages * SALSA_PAGE_SIZE, ftl->cfg.streams,
		       ftl->cfg.gc_low_percent, ftl->cfg.gc_high_percent);
		break;
	case STATUSTYPE_IMA:
		*result = '\0';
		break;
	}
}

static int salsa_message(struct dm_target *ti, unsigned int argc, char **argv,
			 char *result, unsigned int maxlen)
{
	struct salsa_ftl *ftl = ti->private;
	struct salsa_request req = { .type = SALSA_REQ_CHECKPOINT };

	if (argc != 1)
		goto bad;
	if (!strcasecmp(argv[0], "reset_counters")) {
		salsa_stats_reset(ftl);
		return 0;
	}
	if (!strcasecmp(argv[0], "checkpoint")) {
		int ret = salsa_flush_all(ftl);

		return ret ?: salsa_request_wait(ftl, &req);
	}
	if (!strcasecmp(argv[0], "flush"))
		return salsa_flush_all(ftl);
bad:
	DMERR("unknown message: expected reset_counters, checkpoint or flush");
	return -EINVAL;
}

static struct target_type salsa_target = {
	.name = "salsa",
	.version = { 1, 0, 0 },
	.module = THIS_MODULE,
	.ctr = salsa_ctr,
	.dtr = salsa_dtr,
	.map = salsa_map,
	.end_io = salsa_end_io,
	.postsuspend = salsa_postsuspend,
	.resume = salsa_resume,
	.status = salsa_status,
	.message = salsa_message,
	.io_hints = salsa_io_hints,
	.iterate_devices = salsa_iterate_devices,
};

static int __init salsa_init(void)
{
	int ret = salsa_pool_module_init();

	if (ret)
		return ret;
	salsa_stats_module_init();
	ret = dm_register_target(&salsa_target);
	if (ret) {
		salsa_stats_module_exit();
		salsa_pool_module_exit();
	}
	return ret;
}

static void __exit salsa_exit(void)
{
	dm_unregister_target(&salsa_target);
	salsa_stats_module_exit();
	salsa_pool_module_exit();
}

module_init(salsa_init);
module_exit(salsa_exit);

MODULE_DESCRIPTION("salsa: log-structured flash translation layer target");
MODULE_LICENSE("GPL");
