// SPDX-License-Identifier: GPL-2.0
/*
 * The FTL worker: I/O completions, write-out of dirty pages, flushes and
 * commits, trims and remaps, checkpoints, and GC steps, all in one ordered
 * work item so the flash state needs no lock.
 */
#include <linux/delay.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <kunit/visibility.h>

#include "salsa.h"
#include "pool.h"
#include "writeback.h"
#include "gc.h"

/* Write-outs in flight before the worker waits for completions. */
#define SALSA_WB_MAX_INFLIGHT	64

struct salsa_wb {
	struct salsa_io io;
	struct list_head node;	/* ftl->wb_inflight, oldest first */
	struct salsa_page *pg;
	struct page *bounce;	/* snapshot of a referenced page */
	u64 seq;
};

void salsa_worker_kick(struct salsa_ftl *ftl)
{
	queue_work(ftl->wq, &ftl->work);
}

void salsa_io_done(struct salsa_ftl *ftl, struct salsa_io *io, int error)
{
	unsigned long flags;

	io->error = error;
	spin_lock_irqsave(&ftl->done_lock, flags);
	list_add_tail(&io->node, &ftl->done);
	spin_unlock_irqrestore(&ftl->done_lock, flags);
	salsa_worker_kick(ftl);
}
EXPORT_SYMBOL_IF_KUNIT(salsa_io_done);

void salsa_request_queue(struct salsa_ftl *ftl, struct salsa_request *req)
{
	unsigned long flags;

	req->armed = false;
	req->error = 0;
	spin_lock_irqsave(&ftl->done_lock, flags);
	list_add_tail(&req->node, &ftl->requests);
	spin_unlock_irqrestore(&ftl->done_lock, flags);
	salsa_worker_kick(ftl);
}

static void salsa_request_wake(struct salsa_ftl *ftl, struct salsa_request *req)
{
	complete(req->priv);
}

int salsa_request_wait(struct salsa_ftl *ftl, struct salsa_request *req)
{
	DECLARE_COMPLETION_ONSTACK(done);

	req->done = salsa_request_wake;
	req->priv = &done;
	salsa_request_queue(ftl, req);
	wait_for_completion(&done);
	return req->error;
}
EXPORT_SYMBOL_IF_KUNIT(salsa_request_wait);

static void salsa_wb_end(struct salsa_ftl *ftl, struct salsa_io *io)
{
	struct salsa_wb *wb = container_of(io, struct salsa_wb, io);
	struct salsa_page *pg = wb->pg;

	salsa_slot_written(ftl, io->pba);
	if (io->error) {
		pr_err_ratelimited("salsa: write-out of LBA %llu to %llu failed: %d\n",
				   pg->lba, io->pba, io->error);
		ftl->wb_errors++;
	} else if (wb->seq > pg->wb_mapped) {
		/* Newer snapshots of the page may complete first: skip ours. */
		pg->wb_mapped = wb->seq;
		pg->epoch = salsa_epoch_now(ftl);
		ftl->user_writes++;
		salsa_map_set(ftl, pg, io->pba);
		atomic64_inc(&ftl->stats.user_flash_pages);
	}
	list_del(&wb->node);
	ftl->wb_inflight_nr--;
	salsa_pool_wb_done(ftl, pg, !wb->bounce, io->error);
	if (wb->bounce)
		__free_page(wb->bounce);
	kfree(wb);
}

/* Submits a write-out of @pg (of @bounce if set). False: no space. */
static bool salsa_wb_submit(struct salsa_ftl *ftl, struct salsa_page *pg,
			    struct page *bounce)
{
	unsigned int stream = salsa_stream_user(ftl, pg->epoch, pg->heat,
						pg->meta);
	struct salsa_wb *wb;
	u64 pba;

	wb = kmalloc(sizeof(*wb), GFP_NOIO | __GFP_NOFAIL);
	pba = salsa_alloc_slot(ftl, stream, false);
	if (pba == SALSA_PBA_NONE) {
		kfree(wb);
		ftl->space_wait = true;
		return false;
	}
	wb->pg = pg;
	wb->bounce = bounce;
	wb->seq = ++ftl->wb_seq;
	wb->io.pba = pba;
	wb->io.page = bounce ? bounce : pg->page;
	wb->io.opf = REQ_OP_WRITE;
	wb->io.end = salsa_wb_end;
	list_add_tail(&wb->node, &ftl->wb_inflight);
	ftl->wb_inflight_nr++;
	ftl->media->submit(ftl, &wb->io);
	return true;
}

/* Writes out unreferenced dirty pages; all of them when @all. */
static bool salsa_writeout(struct salsa_ftl *ftl, bool all, bool *complete)
{
	bool progress = false;
	struct salsa_page *pg;

	*complete = true;
	while (all || ftl->wb_inflight_nr < SALSA_WB_MAX_INFLIGHT) {
		pg = salsa_pool_next_dirty(ftl);
		if (!pg)
			return progress;
		if (!salsa_wb_submit(ftl, pg, NULL)) {
			salsa_pool_wb_done(ftl, pg, true, -ENOSPC);
			*complete = false;
			return progress;
		}
		progress = true;
	}
	*complete = false;
	return progress;
}

/*
 * Referenced dirty pages are written from a copy, so their holders may go
 * on writing; they stay dirty while someone may still write them.
 */
static bool salsa_writeout_referenced(struct salsa_ftl *ftl)
{
	struct page *bounce = NULL;
	unsigned long flags;
	unsigned int i;
	bool ok = true;

	for (i = 0; i < ftl->pool_nr && ok; i++) {
		struct salsa_page *pg = &ftl->pool[i];

		if (!bounce)
			bounce = alloc_page(GFP_NOIO | __GFP_NOFAIL);
		xa_lock_irqsave(&ftl->map, flags);
		if (pg->state != SALSA_PG_DIRTY || !pg->refs || pg->stable) {
			xa_unlock_irqrestore(&ftl->map, flags);
			continue;
		}
		copy_highpage(bounce, pg->page);
		if (!pg->wrefs)
			pg->state = SALSA_PG_CLEAN;
		pg->wb_inflight++;
		xa_unlock_irqrestore(&ftl->map, flags);
		ok = salsa_wb_submit(ftl, pg, bounce);
		if (ok) {
			bounce = NULL;
		} else {
			salsa_pool_redirty(ftl, pg);
			salsa_pool_wb_done(ftl, pg, false, -ENOSPC);
		}
	}
	if (bounce)
		__free_page(bounce);
	return ok;
}

static int salsa_write_summaries(struct salsa_ftl *ftl)
{
	unsigned int s, i;
	int ret;

	for (s = 0; s < ftl->nr_segs; s++) {
		struct salsa_segment *seg = &ftl->segs[s];

		if (!seg->sum)
			continue;
		for_each_set_bit(i, seg->sum->dirty, ftl->sum_pages) {
			u64 pba = (u64)s * ftl->seg_pages + i;

			ret = ftl->media->rw(ftl, salsa_pba_dev(ftl, pba),
					     salsa_pba_dev_page(ftl, pba),
					     (void *)seg->sum->entries +
						     (size_t)i * SALSA_PAGE_SIZE,
					     1, REQ_OP_WRITE | REQ_FUA);
			if (ret)
				return ret;
			clear_bit(i, seg->sum->dirty);
			atomic64_inc(&ftl->stats.meta_flash_pages);
		}
		/* A full segment whose last entry is durable needs no copy. */
		if (seg->state != SALSA_SEG_OPEN && !seg->inflight)
			salsa_summary_free(seg);
	}
	return 0;
}

int salsa_commit(struct salsa_ftl *ftl)
{
	int ret;

	/* Data first: an entry must never be durable before its page. */
	ret = ftl->media->flush(ftl);
	if (!ret)
		ret = salsa_write_summaries(ftl);
	if (ret) {
		pr_err("salsa: commit failed: %d\n", ret);
		return ret;
	}
	atomic64_inc(&ftl->stats.commits);
	salsa_seg_release_pending(ftl);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(salsa_commit);

static int salsa_checkpoint(struct salsa_ftl *ftl)
{
	int ret = salsa_commit(ftl);

	if (!ret)
		ret = salsa_ckpt_write(ftl);
	if (!ret) {
		ftl->segs_since_ckpt = 0;
		ftl->ckpt_wanted = false;
		/* Segments waiting for a checkpoint may be free now. */
		salsa_seg_release_pending(ftl);
	}
	return ret;
}

static u64 salsa_wb_completed_upto(struct salsa_ftl *ftl)
{
	struct salsa_wb *first;

	first = list_first_entry_or_null(&ftl->wb_inflight, struct salsa_wb,
					 node);
	return first ? first->seq - 1 : ftl->wb_seq;
}

static bool salsa_finish_flushes(struct salsa_ftl *ftl)
{
	u64 upto = salsa_wb_completed_upto(ftl);
	struct salsa_request *req, *tmp;
	LIST_HEAD(ready);
	int ret;

	list_for_each_entry_safe(req, tmp, &ftl->flush_wait, node)
		if (req->target <= upto)
			list_move_tail(&req->node, &ready);
	if (list_empty(&ready))
		return false;
	ret = salsa_commit(ftl);
	list_for_each_entry_safe(req, tmp, &ready, node) {
		list_del(&req->node);
		req->error = ret;
		if (!ret && ftl->wb_errors != req->errors_at_arm)
			req->error = -EIO;
		req->done(ftl, req);
	}
	return true;
}

/* True if @req is finished (and done() called). */
static bool salsa_run_request(struct salsa_ftl *ftl, struct salsa_request *req)
{
	bool complete;
	int ret;

	switch (req->type) {
	case SALSA_REQ_FLUSH:
		salsa_writeout(ftl, true, &complete);
		if (!complete || !salsa_writeout_referenced(ftl))
			return false;	/* retried once GC made room */
		req->target = ftl->wb_seq;
		req->errors_at_arm = ftl->wb_errors;
		req->armed = true;
		list_add_tail(&req->node, &ftl->flush_wait);
		return true;
	case SALSA_REQ_TRIM:
		ret = salsa_map_trim(ftl, req->lba, req->len);
		if (ret == -ENOSPC)
			return false;
		req->error = ret;
		break;
	case SALSA_REQ_REMAP:
		salsa_pool_evict_range(ftl, req->lba, req->len);
		salsa_pool_evict_range(ftl, req->dest, req->len);
		ret = salsa_map_remap(ftl, req->lba, req->dest, req->len);
		if (ret == -ENOSPC)
			return false;
		req->error = ret;
		break;
	case SALSA_REQ_CHECKPOINT:
		req->error = salsa_checkpoint(ftl);
		break;
	}
	req->done(ftl, req);
	return true;
}

static bool salsa_run_requests(struct salsa_ftl *ftl)
{
	struct salsa_request *req, *tmp;
	bool progress = false;
	unsigned long flags;
	LIST_HEAD(list);

	spin_lock_irqsave(&ftl->done_lock, flags);
	list_splice_init(&ftl->requests, &list);
	spin_unlock_irqrestore(&ftl->done_lock, flags);

	list_for_each_entry_safe(req, tmp, &list, node) {
		list_del(&req->node);
		if (salsa_run_request(ftl, req)) {
			progress = true;
			continue;
		}
		/* Put the rest back, in order, for the next round. */
		list_add(&req->node, &list);
		spin_lock_irqsave(&ftl->done_lock, flags);
		list_splice(&list, &ftl->requests);
		spin_unlock_irqrestore(&ftl->done_lock, flags);
		break;
	}
	return progress;
}

static bool salsa_run_completions(struct salsa_ftl *ftl)
{
	struct salsa_io *io, *tmp;
	unsigned long flags;
	LIST_HEAD(done);
	LIST_HEAD(submit);

	spin_lock_irqsave(&ftl->done_lock, flags);
	list_splice_init(&ftl->done, &done);
	list_splice_init(&ftl->to_submit, &submit);
	spin_unlock_irqrestore(&ftl->done_lock, flags);

	list_for_each_entry_safe(io, tmp, &submit, node) {
		list_del(&io->node);
		ftl->media->submit(ftl, io);
	}
	list_for_each_entry_safe(io, tmp, &done, node) {
		list_del(&io->node);
		io->end(ftl, io);
	}
	return !list_empty(&done) || !list_empty(&submit) ||
	       !list_empty(&ftl->done);
}

void salsa_worker_fn(struct work_struct *work)
{
	struct salsa_ftl *ftl = container_of(work, struct salsa_ftl, work);
	bool progress, complete;

	do {
		progress = salsa_run_completions(ftl);
		progress |= salsa_run_requests(ftl);
		progress |= salsa_writeout(ftl, false, &complete);
		if (ftl->space_wait || salsa_gc_busy(ftl) ||
		    ftl->nr_free_segs < ftl->gc_low_segs) {
			ftl->space_wait = false;
			progress |= salsa_gc_step(ftl);
		}
		progress |= salsa_finish_flushes(ftl);
		if (salsa_gc_wants_commit(ftl))
			progress |= !salsa_commit(ftl);
		if (ftl->ckpt_wanted ||
		    ftl->segs_since_ckpt >= max_t(u32, 16, ftl->nr_segs / 4))
			progress |= !salsa_checkpoint(ftl);
		salsa_pool_kick(ftl);
		cond_resched();
	} while (progress);
	wake_up_all(&ftl->idle_wait);
}
EXPORT_SYMBOL_IF_KUNIT(salsa_worker_fn);

int salsa_flush_all(struct salsa_ftl *ftl)
{
	struct salsa_request req = { .type = SALSA_REQ_FLUSH };

	return salsa_request_wait(ftl, &req);
}
EXPORT_SYMBOL_IF_KUNIT(salsa_flush_all);

static bool salsa_idle(struct salsa_ftl *ftl)
{
	unsigned long flags;
	bool idle;

	spin_lock_irqsave(&ftl->done_lock, flags);
	idle = list_empty(&ftl->done) && list_empty(&ftl->to_submit) &&
	       list_empty(&ftl->requests);
	spin_unlock_irqrestore(&ftl->done_lock, flags);
	return idle && !ftl->wb_inflight_nr && !salsa_gc_busy(ftl);
}

void salsa_drain(struct salsa_ftl *ftl)
{
	while (!salsa_idle(ftl)) {
		salsa_worker_kick(ftl);
		wait_event_timeout(ftl->idle_wait, salsa_idle(ftl), HZ / 10);
	}
	flush_workqueue(ftl->wq);
}

/* ---- the API's sync and remap ---- */

struct salsa_sync {
	struct salsa_request req;
	salsa_sync_cb cb;
	void *ctx;
};

static void salsa_sync_done(struct salsa_ftl *ftl, struct salsa_request *req)
{
	struct salsa_sync *s = container_of(req, struct salsa_sync, req);

	s->cb(s->ctx, req->error);
	kfree(s);
}

/*
 * Every dirty page is written, not only the range's: a flush is one pass
 * over the pool, and a wider sync is still a correct one.
 */
int salsa_sync_range(struct salsa_ftl *ftl, u64 lba, u64 len,
		     salsa_sync_cb cb, void *ctx)
{
	struct salsa_sync *s;

	if (READ_ONCE(ftl->dead))
		return -ENODEV;
	if (lba >= ftl->virtual_pages || len > ftl->virtual_pages - lba)
		return -EINVAL;
	s = kzalloc(sizeof(*s), GFP_ATOMIC);
	if (!s)
		return -ENOMEM;
	s->req.type = SALSA_REQ_FLUSH;
	s->req.done = salsa_sync_done;
	s->cb = cb;
	s->ctx = ctx;
	salsa_request_queue(ftl, &s->req);
	return 0;
}
EXPORT_SYMBOL_GPL(salsa_sync_range);

int salsa_sync_range_wait(struct salsa_ftl *ftl, u64 lba, u64 len)
{
	if (READ_ONCE(ftl->dead))
		return -ENODEV;
	if (lba >= ftl->virtual_pages || len > ftl->virtual_pages - lba)
		return -EINVAL;
	return salsa_flush_all(ftl);
}
EXPORT_SYMBOL_GPL(salsa_sync_range_wait);

int salsa_remap(struct salsa_ftl *ftl, u64 from, u64 to, u64 len)
{
	struct salsa_request req = {
		.type = SALSA_REQ_REMAP, .lba = from, .dest = to, .len = len,
	};
	int ret;

	might_sleep();
	if (READ_ONCE(ftl->dead))
		return -ENODEV;
	if (!len || from >= ftl->virtual_pages || to >= ftl->virtual_pages ||
	    len > ftl->virtual_pages - from || len > ftl->virtual_pages - to)
		return -EINVAL;
	if (from < to + len && to < from + len)
		return -EINVAL;		/* overlapping ranges */
	/* Dirty pages must be on flash before their mapping moves. */
	ret = salsa_flush_all(ftl);
	if (ret)
		return ret;
	return salsa_request_wait(ftl, &req);
}
EXPORT_SYMBOL_GPL(salsa_remap);

int salsa_trim(struct salsa_ftl *ftl, u64 lba, u64 len)
{
	struct salsa_request req = {
		.type = SALSA_REQ_TRIM, .lba = lba, .len = len,
	};

	might_sleep();
	if (READ_ONCE(ftl->dead))
		return -ENODEV;
	if (!len || lba >= ftl->virtual_pages || len > ftl->virtual_pages - lba)
		return -EINVAL;
	return salsa_request_wait(ftl, &req);
}
EXPORT_SYMBOL_GPL(salsa_trim);
