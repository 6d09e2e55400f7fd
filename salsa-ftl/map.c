// SPDX-License-Identifier: GPL-2.0
/*
 * Flash map changes. Each runs in the worker, changes the in-memory map and
 * appends the summary entry that lets recovery redo it, in that order, so
 * summary seq order is map order.
 */
#include <linux/highmem.h>
#include <linux/mm.h>
#include <kunit/visibility.h>

#include "salsa.h"

#define SALSA_TRIM_BATCH	256

/* Caller holds the map lock. */
static u64 salsa_entry_pba(void *entry)
{
	if (!entry)
		return SALSA_PBA_NONE;
	if (xa_is_value(entry))
		return salsa_val_pba(entry);
	return ((struct salsa_page *)entry)->pba;
}

u64 salsa_map_lookup(struct salsa_ftl *ftl, u64 lba)
{
	unsigned long flags;
	u64 pba;

	xa_lock_irqsave(&ftl->map, flags);
	pba = salsa_entry_pba(xa_load(&ftl->map, lba));
	xa_unlock_irqrestore(&ftl->map, flags);
	return pba;
}
EXPORT_SYMBOL_IF_KUNIT(salsa_map_lookup);

void salsa_map_set(struct salsa_ftl *ftl, struct salsa_page *pg, u64 pba)
{
	unsigned long flags;
	u64 old;

	xa_lock_irqsave(&ftl->map, flags);
	old = pg->pba;
	pg->pba = pba;
	xa_unlock_irqrestore(&ftl->map, flags);

	/*
	 * New slot first: if the old one is the last live slot of the same
	 * (closed) segment, invalidating it first would make the segment
	 * pending with this write's data about to land in it.
	 */
	salsa_seg_validate(ftl, pba, pg->lba);
	if (old != SALSA_PBA_NONE)
		salsa_seg_invalidate(ftl, old);
	salsa_sum_append(ftl, pba, SALSA_SUM_DATA, pg->lba, 0, 0);
}

bool salsa_map_move(struct salsa_ftl *ftl, u64 lba, u64 old, u64 new)
{
	unsigned long flags;
	void *entry;

	xa_lock_irqsave(&ftl->map, flags);
	entry = xa_load(&ftl->map, lba);
	if (salsa_entry_pba(entry) != old) {
		xa_unlock_irqrestore(&ftl->map, flags);
		return false;
	}
	if (xa_is_value(entry))
		/* Moved data has aged: halve its heat. */
		__xa_store(&ftl->map, lba,
			   salsa_mk_val(new, salsa_val_epoch(entry),
					salsa_val_heat(entry) / 2),
			   GFP_ATOMIC);
	else
		((struct salsa_page *)entry)->pba = new;
	xa_unlock_irqrestore(&ftl->map, flags);

	salsa_seg_validate(ftl, new, lba);
	salsa_seg_invalidate(ftl, old);
	salsa_sum_append(ftl, new, SALSA_SUM_DATA, lba, 0, 0);
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(salsa_map_move);

/*
 * A page in DRAM inside a trimmed range: unreferenced ones go back to the
 * pool, referenced ones read as zeroes from now on. Write-outs still in
 * flight must not map it again. Caller holds the map lock.
 */
static bool salsa_trim_page(struct salsa_ftl *ftl, struct xa_state *xas,
			    struct salsa_page *pg)
{
	if (pg->pba != SALSA_PBA_NONE)
		salsa_seg_invalidate(ftl, pg->pba);
	pg->pba = SALSA_PBA_NONE;
	pg->wb_mapped = ftl->wb_seq;
	if (pg->charged) {
		ftl->mapped_pages--;
		pg->charged = false;
	}
	if (pg->state == SALSA_PG_READING || pg->state == SALSA_PG_RMW) {
		pg->discarded = true;
		return false;
	}
	memzero_page(pg->page, 0, PAGE_SIZE);
	if (pg->state == SALSA_PG_DIRTY) {
		pg->state = SALSA_PG_CLEAN;
		if (!pg->refs) {
			list_move_tail(&pg->lru, &ftl->pool_clean);
			ftl->nr_pool_dirty--;
			ftl->nr_pool_clean++;
		}
	}
	if (pg->refs || pg->wb_inflight)
		return false;
	/* Unreferenced and idle: drop it from the map altogether. */
	xas_store(xas, NULL);
	list_move(&pg->lru, &ftl->pool_free);
	ftl->nr_pool_clean--;
	ftl->nr_pool_free++;
	pg->state = SALSA_PG_FREE;
	return true;
}

int salsa_map_trim(struct salsa_ftl *ftl, u64 lba, u64 len)
{
	XA_STATE(xas, &ftl->map, lba);
	unsigned long flags;
	unsigned int batch;
	void *entry;
	u64 pba;

	if (!len)
		return 0;
	/* The record first: it takes a slot, and may find no segment. */
	pba = salsa_alloc_slot(ftl, 0, true);
	if (pba == SALSA_PBA_NONE)
		return -ENOSPC;
	salsa_slot_written(ftl, pba);

	do {
		batch = 0;
		xas_lock_irqsave(&xas, flags);
		xas_for_each(&xas, entry, lba + len - 1) {
			if (xa_is_value(entry)) {
				salsa_seg_invalidate(ftl, salsa_val_pba(entry));
				xas_store(&xas, NULL);
				ftl->mapped_pages--;
			} else {
				salsa_trim_page(ftl, &xas, entry);
			}
			if (++batch == SALSA_TRIM_BATCH) {
				/*
				 * Not xas_pause(): after a store emptied a
				 * node it would skip the rest of its parent.
				 */
				xas_set(&xas, xas.xa_index + 1);
				break;
			}
		}
		xas_unlock_irqrestore(&xas, flags);
		cond_resched();
	} while (batch == SALSA_TRIM_BATCH);

	salsa_sum_append(ftl, pba, SALSA_SUM_TRIM, lba, 0, len);
	atomic64_add(len, &ftl->stats.trims);
	salsa_pool_kick(ftl);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(salsa_map_trim);

/* Caller made sure no page of either range is in DRAM. */
int salsa_map_remap(struct salsa_ftl *ftl, u64 from, u64 to, u64 len)
{
	unsigned long index;
	void *entry;
	u64 pba;
	int ret;

	if (!len)
		return 0;
	if (xa_find(&ftl->map, &(unsigned long){ to }, to + len - 1,
		    XA_PRESENT))
		return -EEXIST;
	/* Pages still in DRAM are in use: refuse before changing anything. */
	xa_for_each_range(&ftl->map, index, entry, from, from + len - 1)
		if (!xa_is_value(entry))
			return -EBUSY;
	pba = salsa_alloc_slot(ftl, 0, true);
	if (pba == SALSA_PBA_NONE)
		return -ENOSPC;
	salsa_slot_written(ftl, pba);

	xa_for_each_range(&ftl->map, index, entry, from, from + len - 1) {
		u64 dest = to + (index - from);

		ret = xa_err(xa_store_irq(&ftl->map, dest, entry, GFP_NOIO));
		if (ret)
			return ret;
		xa_erase_irq(&ftl->map, index);
		ftl->rev[salsa_pba_rev(ftl, salsa_val_pba(entry))] = dest + 1;
		cond_resched();
	}
	salsa_sum_append(ftl, pba, SALSA_SUM_REMAP, from, to, len);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(salsa_map_remap);
