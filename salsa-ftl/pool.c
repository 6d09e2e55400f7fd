// SPDX-License-Identifier: GPL-2.0
/*
 * The DRAM page pool and the get/put API.
 *
 * A page in the pool is the only DRAM copy of its LBA: the map entry of the
 * LBA points at it for as long as it is in the pool, and every user - the
 * block path, contigfs, siw-flash - references that one page. State changes
 * happen under the map lock; callbacks run after it is dropped.
 */
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <kunit/visibility.h>

#include "salsa.h"
#include "pool.h"

enum salsa_get_result { SALSA_READY, SALSA_WAIT, SALSA_STARVED };

/* Deliveries collected under the lock, made after it is dropped. */
#define SALSA_BATCH	16
struct salsa_batch {
	unsigned int nr;
	struct {
		struct salsa_get *get;
		u64 lba;
		struct page *page;
		int err;
	} item[SALSA_BATCH];
};

static struct kmem_cache *salsa_waiter_cache;

static void salsa_get_release(struct salsa_get *g)
{
	if (!atomic64_dec_and_test(&g->remaining))
		return;
	if (g->finish)
		g->finish(g);
	else
		kfree(g);
}

static void salsa_batch_deliver(struct salsa_batch *b)
{
	unsigned int i;

	for (i = 0; i < b->nr; i++) {
		struct salsa_get *g = b->item[i].get;

		g->cb(g->ctx, b->item[i].lba, b->item[i].page, b->item[i].err);
		salsa_get_release(g);
	}
	b->nr = 0;
}

static bool salsa_batch_full(struct salsa_batch *b)
{
	return b->nr == SALSA_BATCH;
}

static void salsa_batch_add(struct salsa_batch *b, struct salsa_get *g,
			    u64 lba, struct page *page, int err)
{
	b->item[b->nr].get = g;
	b->item[b->nr].lba = lba;
	b->item[b->nr].page = page;
	b->item[b->nr].err = err;
	b->nr++;
}

/* Takes a reference for @flags. Caller holds the map lock. */
static void salsa_page_ref(struct salsa_ftl *ftl, struct salsa_page *pg,
			   unsigned int flags)
{
	if (!list_empty(&pg->lru)) {
		/* Off the clean or dirty list while referenced. */
		list_del_init(&pg->lru);
		if (pg->state == SALSA_PG_DIRTY)
			ftl->nr_pool_dirty--;
		else
			ftl->nr_pool_clean--;
	}
	pg->refs++;
	if (flags & SALSA_WRITE)
		pg->wrefs++;
	/* Trimmed while in DRAM: writing maps the LBA again. */
	if ((flags & SALSA_WRITE) && !pg->charged) {
		pg->charged = true;
		ftl->mapped_pages++;
	}
	if (pg->heat < SALSA_HEAT_MAX)
		pg->heat++;
}

static void salsa_page_park(struct salsa_ftl *ftl, struct salsa_page *pg)
{
	if (pg->state == SALSA_PG_DIRTY) {
		list_add_tail(&pg->lru, &ftl->pool_dirty);
		ftl->nr_pool_dirty++;
	} else {
		list_add_tail(&pg->lru, &ftl->pool_clean);
		ftl->nr_pool_clean++;
	}
}

/*
 * Takes an unreferenced clean page off the clean list and out of the map:
 * its LBA goes back to its flash address, or to unmapped if it has none.
 * Caller holds the map lock.
 */
static void salsa_page_unmap(struct salsa_ftl *ftl, struct salsa_page *pg)
{
	list_del_init(&pg->lru);
	ftl->nr_pool_clean--;
	if (pg->pba != SALSA_PBA_NONE) {
		__xa_store(&ftl->map, pg->lba,
			   salsa_mk_val(pg->pba, pg->epoch, pg->heat),
			   GFP_ATOMIC);
	} else {
		__xa_erase(&ftl->map, pg->lba);
		if (pg->charged)
			ftl->mapped_pages--;
	}
	atomic64_inc(&ftl->stats.pool_evictions);
}

/*
 * A free page for a new LBA: from the free list, else the least recently
 * used clean page, whose LBA goes back to its flash address.
 */
static struct salsa_page *salsa_pool_take(struct salsa_ftl *ftl)
{
	struct salsa_page *pg;

	pg = list_first_entry_or_null(&ftl->pool_free, struct salsa_page, lru);
	if (pg) {
		ftl->nr_pool_free--;
	} else {
		pg = list_first_entry_or_null(&ftl->pool_clean,
					      struct salsa_page, lru);
		if (!pg)
			return NULL;
		salsa_page_unmap(ftl, pg);
	}
	list_del_init(&pg->lru);
	return pg;
}

static void salsa_pool_give_back(struct salsa_ftl *ftl, struct salsa_page *pg)
{
	pg->state = SALSA_PG_FREE;
	list_add(&pg->lru, &ftl->pool_free);
	ftl->nr_pool_free++;
}

static int salsa_waiter_add(struct salsa_get *g, struct salsa_page *pg,
			    u64 lba)
{
	struct salsa_waiter *w;

	if (g->end - lba == 1 && !g->waiter.get) {
		w = &g->waiter;
		w->embedded = true;
	} else {
		w = kmem_cache_alloc(salsa_waiter_cache, GFP_ATOMIC);
		if (!w)
			return -ENOMEM;
		w->embedded = false;
	}
	w->get = g;
	w->lba = lba;
	list_add_tail(&w->node, &pg->waiters);
	return 0;
}

static void salsa_waiter_free(struct salsa_waiter *w)
{
	if (w->embedded)
		w->get = NULL;
	else
		kmem_cache_free(salsa_waiter_cache, w);
}

/* Queue the read that fills @pg; the worker submits it. */
static void salsa_pool_queue_read(struct salsa_ftl *ftl, struct salsa_page *pg);

/* One page of a get. Caller holds the map lock. */
static enum salsa_get_result salsa_get_one(struct salsa_get *g, u64 lba,
					   struct salsa_batch *b)
{
	struct salsa_ftl *ftl = g->ftl;
	void *entry = xa_load(&ftl->map, lba);
	struct salsa_page *pg;
	u64 pba = SALSA_PBA_NONE;
	int err;

	if (entry && !xa_is_value(entry)) {
		pg = entry;
		atomic64_inc(&ftl->stats.pool_hits);
		if (pg->state == SALSA_PG_READING || pg->state == SALSA_PG_RMW ||
		    ((g->flags & SALSA_WRITE) && pg->stable)) {
			err = salsa_waiter_add(g, pg, lba);
			if (err)
				goto fail;
			return SALSA_WAIT;
		}
		if ((g->flags & SALSA_WRITE) && !pg->charged &&
		    ftl->mapped_pages >= ftl->capacity_pages) {
			err = -ENOSPC;
			goto fail;
		}
		salsa_page_ref(ftl, pg, g->flags);
		salsa_batch_add(b, g, lba, pg->page, 0);
		return SALSA_READY;
	}

	if (entry)
		pba = salsa_val_pba(entry);
	if ((g->flags & SALSA_WRITE) && pba == SALSA_PBA_NONE &&
	    ftl->mapped_pages >= ftl->capacity_pages) {
		err = -ENOSPC;
		goto fail;
	}
	pg = salsa_pool_take(ftl);
	if (!pg)
		return SALSA_STARVED;
	atomic64_inc(&ftl->stats.pool_misses);
	/* The slot exists if @entry does; a new one may need a node. */
	err = xa_err(__xa_store(&ftl->map, lba, pg, GFP_ATOMIC));
	if (err) {
		salsa_pool_give_back(ftl, pg);
		goto fail;
	}
	pg->lba = lba;
	pg->pba = pba;
	pg->epoch = entry ? salsa_val_epoch(entry) : 0;
	pg->heat = entry ? salsa_val_heat(entry) : 0;
	pg->meta = g->flags & SALSA_META;
	pg->discarded = false;
	pg->charged = pba != SALSA_PBA_NONE;
	pg->wb_mapped = 0;
	pg->refs = 0;
	pg->wrefs = 0;
	if ((g->flags & SALSA_WRITE) && !pg->charged) {
		pg->charged = true;
		ftl->mapped_pages++;
	}

	if (pba == SALSA_PBA_NONE || (g->flags & SALSA_FULL)) {
		memzero_page(pg->page, 0, PAGE_SIZE);
		pg->state = SALSA_PG_CLEAN;
		pg->refs = 1;
		pg->wrefs = !!(g->flags & SALSA_WRITE);
		salsa_batch_add(b, g, lba, pg->page, 0);
		return SALSA_READY;
	}
	pg->state = (g->flags & SALSA_WRITE) ? SALSA_PG_RMW : SALSA_PG_READING;
	if (salsa_waiter_add(g, pg, lba)) {
		/* Undo: nobody else can have seen the page yet. */
		__xa_store(&ftl->map, lba, salsa_mk_val(pba, pg->epoch, pg->heat),
			   GFP_ATOMIC);
		salsa_pool_give_back(ftl, pg);
		err = -ENOMEM;
		goto fail;
	}
	salsa_pool_queue_read(ftl, pg);
	return SALSA_WAIT;

fail:
	salsa_batch_add(b, g, lba, NULL, err);
	return SALSA_READY;
}

/*
 * Walks the rest of a get's range. Stops, parked on get_starved, when the
 * pool has no page to give; salsa_pool_kick() resumes it.
 */
static void salsa_get_advance(struct salsa_get *g)
{
	struct salsa_ftl *ftl = g->ftl;
	struct salsa_batch b = { .nr = 0 };
	enum salsa_get_result r = SALSA_READY;
	unsigned long flags;
	bool kick = false;

	while (g->next < g->end) {
		xa_lock_irqsave(&ftl->map, flags);
		while (g->next < g->end && !salsa_batch_full(&b)) {
			r = salsa_get_one(g, g->next, &b);
			if (r == SALSA_STARVED) {
				list_add_tail(&g->starved, &ftl->get_starved);
				break;
			}
			kick |= r == SALSA_WAIT;
			g->next++;
		}
		xa_unlock_irqrestore(&ftl->map, flags);
		salsa_batch_deliver(&b);
		if (r == SALSA_STARVED)
			break;
	}
	if (kick || r == SALSA_STARVED)
		salsa_worker_kick(ftl);
	if (r != SALSA_STARVED)
		salsa_get_release(g);	/* the advancing reference */
}

void salsa_get_init(struct salsa_get *g, struct salsa_ftl *ftl, u64 lba,
		    u64 len, unsigned int flags, salsa_page_cb cb, void *ctx)
{
	g->ftl = ftl;
	g->next = lba;
	g->end = lba + len;
	g->flags = flags;
	g->cb = cb;
	g->ctx = ctx;
	atomic64_set(&g->remaining, len + 1);
	INIT_LIST_HEAD(&g->starved);
	g->finish = NULL;
	g->waiter.get = NULL;
}

void salsa_get_start(struct salsa_get *g)
{
	salsa_get_advance(g);
}

int salsa_get_lba(struct salsa_ftl *ftl, u64 lba, u64 len, unsigned int flags,
		  salsa_page_cb cb, void *ctx)
{
	struct salsa_get *g;

	if (READ_ONCE(ftl->dead))
		return -ENODEV;
	if (!len || lba >= ftl->virtual_pages ||
	    len > ftl->virtual_pages - lba)
		return -EINVAL;
	if (flags & ~(SALSA_WRITE | SALSA_FULL | SALSA_META))
		return -EINVAL;
	g = kmalloc(sizeof(*g), GFP_ATOMIC);
	if (!g)
		return -ENOMEM;
	salsa_get_init(g, ftl, lba, len, flags, cb, ctx);
	salsa_get_advance(g);
	return 0;
}
EXPORT_SYMBOL_GPL(salsa_get_lba);

/* Hands @pg to every waiter that may have it now. Caller holds the lock. */
static void salsa_page_wake(struct salsa_ftl *ftl, struct salsa_page *pg,
			    int err, struct salsa_batch *b,
			    struct list_head *granted)
{
	struct salsa_waiter *w, *tmp;

	list_for_each_entry_safe(w, tmp, &pg->waiters, node) {
		if (!err && (w->get->flags & SALSA_WRITE) && pg->stable)
			continue;
		list_move_tail(&w->node, granted);
		if (!err)
			salsa_page_ref(ftl, pg, w->get->flags);
	}
}

static void salsa_deliver_granted(struct salsa_ftl *ftl, struct page *page,
				  int err, struct list_head *granted)
{
	struct salsa_waiter *w, *tmp;

	list_for_each_entry_safe(w, tmp, granted, node) {
		struct salsa_get *g = w->get;
		u64 lba = w->lba;

		list_del(&w->node);
		salsa_waiter_free(w);
		g->cb(g->ctx, lba, err ? NULL : page, err);
		salsa_get_release(g);
	}
}

static void salsa_pool_read_end(struct salsa_ftl *ftl, struct salsa_io *io)
{
	salsa_pool_read_done(ftl, container_of(io, struct salsa_page, rio),
			     io->error);
}

static void salsa_pool_queue_read(struct salsa_ftl *ftl, struct salsa_page *pg)
{
	unsigned long flags;

	pg->rio.pba = pg->pba;
	pg->rio.page = pg->page;
	pg->rio.opf = REQ_OP_READ;
	pg->rio.error = 0;
	pg->rio.end = salsa_pool_read_end;
	spin_lock_irqsave(&ftl->done_lock, flags);
	list_add_tail(&pg->rio.node, &ftl->to_submit);
	spin_unlock_irqrestore(&ftl->done_lock, flags);
}

void salsa_pool_read_done(struct salsa_ftl *ftl, struct salsa_page *pg,
			  int error)
{
	unsigned long flags;
	LIST_HEAD(granted);

	xa_lock_irqsave(&ftl->map, flags);
	if (pg->discarded) {
		memzero_page(pg->page, 0, PAGE_SIZE);
		pg->discarded = false;
		error = 0;
	}
	if (error) {
		pr_err_ratelimited("salsa: read of LBA %llu at %llu failed: %d\n",
				   pg->lba, pg->pba, error);
		salsa_page_wake(ftl, pg, error, NULL, &granted);
		__xa_store(&ftl->map, pg->lba,
			   salsa_mk_val(pg->pba, pg->epoch, pg->heat),
			   GFP_ATOMIC);
		salsa_pool_give_back(ftl, pg);
	} else {
		pg->state = SALSA_PG_CLEAN;
		salsa_page_wake(ftl, pg, 0, NULL, &granted);
		if (!pg->refs)
			salsa_page_park(ftl, pg);
	}
	xa_unlock_irqrestore(&ftl->map, flags);
	salsa_deliver_granted(ftl, pg->page, error, &granted);
	salsa_pool_kick(ftl);
}

void salsa_put_lba(struct salsa_ftl *ftl, u64 lba, u64 len, unsigned int flags)
{
	bool kick = false;
	unsigned long irq;
	u64 i;

	xa_lock_irqsave(&ftl->map, irq);
	for (i = lba; i < lba + len; i++) {
		struct salsa_page *pg = xa_load(&ftl->map, i);

		if (WARN_ONCE(!pg || xa_is_value(pg) || !pg->refs ||
			      ((flags & SALSA_WRITE) && !pg->wrefs),
			      "salsa: put of unreferenced LBA %llu\n", i))
			continue;
		pg->refs--;
		if (flags & SALSA_WRITE)
			pg->wrefs--;
		if (flags & SALSA_DIRTY) {
			pg->state = SALSA_PG_DIRTY;
			if (flags & SALSA_META)
				pg->meta = true;
			atomic64_inc(&ftl->stats.host_write_pages);
		}
		if (!pg->refs) {
			salsa_page_park(ftl, pg);
			kick = true;
		}
	}
	xa_unlock_irqrestore(&ftl->map, irq);
	/* Dirty pages get written out, clean ones may feed starved gets. */
	if (kick)
		salsa_worker_kick(ftl);
}
EXPORT_SYMBOL_GPL(salsa_put_lba);

void salsa_dirty_lba(struct salsa_ftl *ftl, u64 lba, u64 len)
{
	unsigned long irq;
	u64 i;

	xa_lock_irqsave(&ftl->map, irq);
	for (i = lba; i < lba + len; i++) {
		struct salsa_page *pg = xa_load(&ftl->map, i);

		if (WARN_ONCE(!pg || xa_is_value(pg) || !pg->wrefs,
			      "salsa: dirtying LBA %llu without a write reference\n",
			      i))
			continue;
		/* Referenced: not on a list, so only the state changes. */
		if (pg->state != SALSA_PG_DIRTY) {
			pg->state = SALSA_PG_DIRTY;
			atomic64_inc(&ftl->stats.host_write_pages);
		}
	}
	xa_unlock_irqrestore(&ftl->map, irq);
}
EXPORT_SYMBOL_GPL(salsa_dirty_lba);

struct salsa_page *salsa_pool_next_dirty(struct salsa_ftl *ftl)
{
	struct salsa_page *pg;
	unsigned long flags;

	xa_lock_irqsave(&ftl->map, flags);
	pg = list_first_entry_or_null(&ftl->pool_dirty, struct salsa_page, lru);
	if (pg) {
		list_del_init(&pg->lru);
		ftl->nr_pool_dirty--;
		/* The snapshot is taken: the page is clean until written again. */
		pg->state = SALSA_PG_CLEAN;
		pg->stable++;
		pg->wb_inflight++;
		/* Unreferenced and stable: keep it off the clean list. */
		pg->refs++;
	}
	xa_unlock_irqrestore(&ftl->map, flags);
	return pg;
}

void salsa_pool_evict_range(struct salsa_ftl *ftl, u64 lba, u64 len)
{
	unsigned long index, flags;
	void *entry;

	xa_lock_irqsave(&ftl->map, flags);
	xa_for_each_range(&ftl->map, index, entry, lba, lba + len - 1) {
		struct salsa_page *pg = entry;

		if (xa_is_value(entry) || pg->refs || pg->wb_inflight ||
		    pg->state != SALSA_PG_CLEAN)
			continue;
		salsa_page_unmap(ftl, pg);
		salsa_pool_give_back(ftl, pg);
	}
	xa_unlock_irqrestore(&ftl->map, flags);
}
EXPORT_SYMBOL_IF_KUNIT(salsa_pool_evict_range);

void salsa_pool_redirty(struct salsa_ftl *ftl, struct salsa_page *pg)
{
	unsigned long flags;

	xa_lock_irqsave(&ftl->map, flags);
	pg->state = SALSA_PG_DIRTY;
	xa_unlock_irqrestore(&ftl->map, flags);
}

void salsa_pool_wb_done(struct salsa_ftl *ftl, struct salsa_page *pg,
			bool in_place, int error)
{
	unsigned long flags;
	LIST_HEAD(granted);

	xa_lock_irqsave(&ftl->map, flags);
	if (error)
		pg->state = SALSA_PG_DIRTY;
	pg->wb_inflight--;
	if (in_place) {
		pg->stable--;
		pg->refs--;
	}
	if (!pg->stable)
		salsa_page_wake(ftl, pg, 0, NULL, &granted);
	if (in_place && !pg->refs)
		salsa_page_park(ftl, pg);
	xa_unlock_irqrestore(&ftl->map, flags);
	salsa_deliver_granted(ftl, pg->page, 0, &granted);
	salsa_pool_kick(ftl);
}

void salsa_pool_kick(struct salsa_ftl *ftl)
{
	struct salsa_get *g;
	unsigned long flags;

	for (;;) {
		xa_lock_irqsave(&ftl->map, flags);
		g = NULL;
		if (ftl->nr_pool_free || ftl->nr_pool_clean) {
			g = list_first_entry_or_null(&ftl->get_starved,
						     struct salsa_get, starved);
			if (g)
				list_del_init(&g->starved);
		}
		xa_unlock_irqrestore(&ftl->map, flags);
		if (!g)
			return;
		salsa_get_advance(g);
	}
}

int salsa_pool_init(struct salsa_ftl *ftl, unsigned int nr_pages)
{
	unsigned int i;

	ftl->pool = kvcalloc(nr_pages, sizeof(*ftl->pool), GFP_KERNEL);
	if (!ftl->pool)
		return -ENOMEM;
	ftl->pool_nr = nr_pages;
	for (i = 0; i < nr_pages; i++) {
		struct salsa_page *pg = &ftl->pool[i];

		pg->page = alloc_page(GFP_KERNEL);
		if (!pg->page) {
			salsa_pool_exit(ftl);
			return -ENOMEM;
		}
		INIT_LIST_HEAD(&pg->waiters);
		pg->pba = SALSA_PBA_NONE;
		salsa_pool_give_back(ftl, pg);
	}
	return 0;
}

void salsa_pool_exit(struct salsa_ftl *ftl)
{
	unsigned int i;

	if (!ftl->pool)
		return;
	for (i = 0; i < ftl->pool_nr; i++)
		if (ftl->pool[i].page)
			__free_page(ftl->pool[i].page);
	kvfree(ftl->pool);
	ftl->pool = NULL;
	ftl->pool_nr = 0;
	INIT_LIST_HEAD(&ftl->pool_free);
	INIT_LIST_HEAD(&ftl->pool_clean);
	INIT_LIST_HEAD(&ftl->pool_dirty);
	ftl->nr_pool_free = 0;
	ftl->nr_pool_clean = 0;
	ftl->nr_pool_dirty = 0;
}

int __init salsa_pool_module_init(void)
{
	salsa_waiter_cache = KMEM_CACHE(salsa_waiter, 0);
	return salsa_waiter_cache ? 0 : -ENOMEM;
}

void salsa_pool_module_exit(void)
{
	kmem_cache_destroy(salsa_waiter_cache);
}
