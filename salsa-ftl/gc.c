// SPDX-License-Identifier: GPL-2.0
/*
 * Garbage collection: when free segments run short, pick a closed segment
 * and move its live pages to the GC stream, until the segment holds none
 * and can be reused after the next commit.
 *
 * A move reads the old copy into a page of GC's own, then writes it to a
 * fresh slot; the map changes only when the write completed, and only if
 * the LBA still maps to the old copy (salsa_map_move() checks), so user
 * writes and trims racing with a move simply win. Everything runs in the
 * FTL worker, I/O completions included.
 */
#define pr_fmt(fmt) "salsa: " fmt

#include <linux/mm.h>
#include <linux/slab.h>
#include <kunit/visibility.h>

#include "salsa.h"
#include "gc.h"

/* Moves in flight at most: bounds GC's share of the members' bandwidth. */
#define SALSA_GC_MOVES		32
/*
 * A segment that lost more than 1/SALSA_GC_DROP_DIV of its slots since the
 * previous scan is being overwritten right now (a hot spot or a sequential
 * rewrite in progress): the rest of it will likely die without our help.
 */
#define SALSA_GC_DROP_DIV	16
/* Erase-count spread at which GC moves static data off young segments. */
#define SALSA_WL_SPREAD		50
/* At most one victim in this many is picked for wear rather than space. */
#define SALSA_WL_EVERY		8

struct salsa_gc_move {
	struct salsa_io io;	/* the read, then the write */
	struct list_head node;	/* gc->idle or ftl->gc_moves */
	u64 lba;
	u64 old;
};

struct salsa_gc {
	struct salsa_gc_move moves[SALSA_GC_MOVES];
	struct list_head idle;
	struct salsa_segment *victim;
	u32 cursor;		/* next data slot of the victim to look at */
	bool round;		/* reclaiming until gc_high_segs */
	bool stalled;		/* no slot for relocations until a segment frees */
	unsigned int since_wl;	/* victims since the last wear-levelling one */
};

/*
 * Greedy: the closed segment with the fewest live slots, as it frees the
 * most for the least copying; but one that is being overwritten right now
 * only if nothing else qualifies. @wl allows the wear-levelling override
 * and says whether it was taken.
 */
static struct salsa_segment *salsa_gc_pick(struct salsa_ftl *ftl, bool *wl)
{
	struct salsa_segment *best = NULL, *busy = NULL, *young = NULL;
	u32 drop_limit = ftl->data_slots / SALSA_GC_DROP_DIV;
	u32 max_erase = 0;
	u32 i;

	for (i = 0; i < ftl->nr_segs; i++) {
		struct salsa_segment *seg = &ftl->segs[i];
		u32 seen = seg->gc_seen_valid;
		struct salsa_segment **pick = &best;

		max_erase = max(max_erase, seg->erase_count);
		seg->gc_seen_valid = seg->valid;
		if (seg->state != SALSA_SEG_CLOSED || seg->victim ||
		    seg->inflight)
			continue;
		if (!young || seg->erase_count < young->erase_count)
			young = seg;
		if (seg->valid >= ftl->data_slots)
			continue;
		/* An empty segment costs nothing, however it got there. */
		if (seg->valid && seen > seg->valid + drop_limit)
			pick = &busy;
		/* Among equals the one closed longest ago: it is colder. */
		if (!*pick || seg->valid < (*pick)->valid ||
		    (seg->valid == (*pick)->valid &&
		     seg->close_seq < (*pick)->close_seq))
			*pick = seg;
	}

	/*
	 * Wear levelling: data that never changes pins the segments it sits
	 * on, which then age far less than the rest. Moving it puts them
	 * back in rotation (allocation prefers the least worn). Not while
	 * users wait at the reserve, though: such a move frees nothing.
	 */
	if (*wl && young && max_erase - young->erase_count > SALSA_WL_SPREAD &&
	    ftl->nr_free_segs > ftl->reserve_segs)
		return young;
	*wl = false;
	return best ?: busy;
}

struct salsa_segment *salsa_gc_pick_victim(struct salsa_ftl *ftl)
{
	bool wl = true;

	return salsa_gc_pick(ftl, &wl);
}
EXPORT_SYMBOL_IF_KUNIT(salsa_gc_pick_victim);

/* Pending segments the next commit will most likely free. */
static u32 salsa_gc_nr_releasable(struct salsa_ftl *ftl)
{
	u64 stable = salsa_stable_ckpt_seq(ftl);
	struct salsa_segment *seg;
	u32 nr = 0;

	list_for_each_entry(seg, &ftl->seg_pending, node)
		if (seg->max_shadow_seq <= stable)
			nr++;
	return nr;
}

/* Hysteresis: start below gc_low_segs, go on up to gc_high_segs. */
static bool salsa_gc_wanted(struct salsa_ftl *ftl, struct salsa_gc *gc)
{
	/* Victims already drained count: they free at the next commit. */
	if (ftl->nr_free_segs + salsa_gc_nr_releasable(ftl) >=
	    ftl->gc_high_segs)
		gc->round = false;
	else if (ftl->nr_free_segs < ftl->gc_low_segs)
		gc->round = true;
	return gc->round;
}

bool salsa_gc_wants_commit(struct salsa_ftl *ftl)
{
	u64 stable = salsa_stable_ckpt_seq(ftl);
	struct salsa_segment *seg;

	if (ftl->nr_free_segs >= ftl->gc_high_segs)
		return false;
	list_for_each_entry(seg, &ftl->seg_pending, node) {
		if (atomic_read(&seg->reads) || seg->inflight || seg->victim)
			continue;
		if (seg->max_shadow_seq <= stable)
			return true;
		/* The commit makes release_pending ask for a checkpoint. */
		if (ftl->nr_free_segs < ftl->gc_low_segs && !ftl->ckpt_wanted)
			return true;
	}
	return false;
}
EXPORT_SYMBOL_IF_KUNIT(salsa_gc_wants_commit);

static void salsa_gc_move_put(struct salsa_gc *gc, struct salsa_gc_move *mv)
{
	list_move(&mv->node, &gc->idle);
}

/* Whether @mv's LBA still maps to the copy it read, and its heat. */
static bool salsa_gc_still_mapped(struct salsa_ftl *ftl,
				  struct salsa_gc_move *mv, u16 *epoch, u8 *heat)
{
	bool mapped = false;
	unsigned long flags;
	void *entry;

	xa_lock_irqsave(&ftl->map, flags);
	entry = xa_load(&ftl->map, mv->lba);
	if (xa_is_value(entry)) {
		mapped = salsa_val_pba(entry) == mv->old;
		*epoch = salsa_val_epoch(entry);
		*heat = salsa_val_heat(entry);
	} else if (entry) {
		struct salsa_page *pg = entry;

		mapped = pg->pba == mv->old;
		*epoch = pg->epoch;
		*heat = pg->heat;
	}
	xa_unlock_irqrestore(&ftl->map, flags);
	return mapped;
}

static void salsa_gc_write_end(struct salsa_ftl *ftl, struct salsa_io *io)
{
	struct salsa_gc_move *mv = container_of(io, struct salsa_gc_move, io);

	salsa_slot_written(ftl, io->pba);
	if (io->error) {
		/* The old copy stays valid; the new slot just stays dead. */
		pr_err_ratelimited("GC write of LBA %llu to %llu failed: %d\n",
				   mv->lba, io->pba, io->error);
	} else {
		atomic64_inc(&ftl->stats.gc_flash_pages);
		salsa_map_move(ftl, mv->lba, mv->old, io->pba);
	}
	salsa_gc_move_put(ftl->gc, mv);
}

static void salsa_gc_read_end(struct salsa_ftl *ftl, struct salsa_io *io)
{
	struct salsa_gc_move *mv = container_of(io, struct salsa_gc_move, io);
	struct salsa_gc *gc = ftl->gc;
	u16 epoch = 0;
	u8 heat = 0;
	u64 new;

	if (io->error) {
		pr_err_ratelimited("GC read of LBA %llu at %llu failed: %d\n",
				   mv->lba, mv->old, io->error);
		goto drop;
	}
	/* Overwritten or trimmed while we read: nothing left to move. */
	if (!salsa_gc_still_mapped(ftl, mv, &epoch, &heat))
		goto drop;

	new = salsa_alloc_slot(ftl, salsa_stream_gc(ftl, epoch, heat), true);
	if (new == SALSA_PBA_NONE) {
		pr_warn_ratelimited("GC found no free segment\n");
		gc->stalled = true;
		goto drop;
	}
	io->pba = new;
	io->opf = REQ_OP_WRITE;
	io->error = 0;
	io->end = salsa_gc_write_end;
	ftl->media->submit(ftl, io);
	return;

drop:
	salsa_gc_move_put(gc, mv);
}

/* Reads the victim's next live slots, as many as there are idle moves. */
static bool salsa_gc_issue(struct salsa_ftl *ftl, struct salsa_gc *gc)
{
	struct salsa_segment *seg = gc->victim;
	u64 *rev = &ftl->rev[(u64)seg->nr * ftl->data_slots];
	struct salsa_gc_move *mv;
	bool issued = false;

	while (gc->cursor < ftl->data_slots && seg->valid && !gc->stalled &&
	       !list_empty(&gc->idle)) {
		u32 slot = gc->cursor++;

		if (!rev[slot])
			continue;
		mv = list_first_entry(&gc->idle, struct salsa_gc_move, node);
		list_move_tail(&mv->node, &ftl->gc_moves);
		mv->lba = rev[slot] - 1;
		mv->old = salsa_slot_pba(ftl, seg->nr, slot);
		mv->io.pba = mv->old;
		mv->io.opf = REQ_OP_READ;
		mv->io.error = 0;
		mv->io.end = salsa_gc_read_end;
		ftl->media->submit(ftl, &mv->io);
		issued = true;
	}
	return issued;
}

/* Every move of the victim is done (or will not be made). */
static bool salsa_gc_victim_done(struct salsa_ftl *ftl, struct salsa_gc *gc)
{
	struct salsa_segment *seg = gc->victim;

	if (!list_empty(&ftl->gc_moves))
		return false;
	return !seg->valid || gc->stalled || gc->cursor >= ftl->data_slots;
}

static void salsa_gc_finish(struct salsa_ftl *ftl, struct salsa_gc *gc)
{
	struct salsa_segment *seg = gc->victim;

	seg->victim = false;
	gc->victim = NULL;
	/* Failed moves leave live slots: then it stays closed, for later. */
	if (seg->valid)
		return;
	atomic64_inc(&ftl->stats.gc_runs);
	/* Writes that landed after others superseded them emptied it. */
	salsa_seg_check_empty(ftl, seg);
}

static bool salsa_gc_next_victim(struct salsa_ftl *ftl, struct salsa_gc *gc)
{
	/* A wear-levelling move frees nothing: at most one in a few. */
	bool wl = gc->since_wl >= SALSA_WL_EVERY - 1;

	/* After running out of segments, wait until a commit freed some. */
	if (gc->stalled) {
		if (!ftl->nr_free_segs)
			return false;
		gc->stalled = false;
	}
	if (!salsa_gc_wanted(ftl, gc))
		return false;
	gc->victim = salsa_gc_pick(ftl, &wl);
	if (!gc->victim) {
		gc->round = false;
		return false;
	}
	gc->since_wl = wl ? 0 : gc->since_wl + 1;
	gc->victim->victim = true;
	gc->cursor = 0;
	return true;
}

bool salsa_gc_step(struct salsa_ftl *ftl)
{
	struct salsa_gc *gc = ftl->gc;
	bool progress = false;

	if (!gc)
		return false;
	if (gc->victim) {
		progress = salsa_gc_issue(ftl, gc);
		if (!salsa_gc_victim_done(ftl, gc))
			return progress;
		salsa_gc_finish(ftl, gc);
		progress = true;
	}
	/*
	 * Go on with the next victim at once: the round lasts until
	 * gc_high_segs, and salsa_gc_busy() keeps the worker coming back.
	 */
	if (!salsa_gc_next_victim(ftl, gc))
		return progress;
	salsa_gc_issue(ftl, gc);
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(salsa_gc_step);

/* Moves in flight, or a victim the next step continues or finishes. */
bool salsa_gc_busy(struct salsa_ftl *ftl)
{
	struct salsa_gc *gc = ftl->gc;

	return gc && (gc->victim || !list_empty(&ftl->gc_moves));
}
EXPORT_SYMBOL_IF_KUNIT(salsa_gc_busy);

static void salsa_gc_free(struct salsa_gc *gc)
{
	unsigned int i;

	for (i = 0; i < SALSA_GC_MOVES; i++)
		if (gc->moves[i].io.page)
			__free_page(gc->moves[i].io.page);
	kfree(gc);
}

int salsa_gc_init(struct salsa_ftl *ftl)
{
	struct salsa_gc *gc;
	unsigned int i;

	gc = kzalloc(sizeof(*gc), GFP_KERNEL);
	if (!gc)
		return -ENOMEM;
	INIT_LIST_HEAD(&gc->idle);
	for (i = 0; i < SALSA_GC_MOVES; i++) {
		struct salsa_gc_move *mv = &gc->moves[i];

		mv->io.page = alloc_page(GFP_KERNEL);
		if (!mv->io.page) {
			salsa_gc_free(gc);
			return -ENOMEM;
		}
		list_add_tail(&mv->node, &gc->idle);
	}
	INIT_LIST_HEAD(&ftl->gc_moves);
	ftl->gc = gc;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(salsa_gc_init);

void salsa_gc_exit(struct salsa_ftl *ftl)
{
	struct salsa_gc *gc = ftl->gc;

	if (!gc)
		return;
	/* Moves in flight still own their pages: leak rather than corrupt. */
	if (WARN_ON(!list_empty(&ftl->gc_moves)))
		return;
	if (gc->victim)
		gc->victim->victim = false;
	ftl->gc = NULL;
	salsa_gc_free(gc);
}
EXPORT_SYMBOL_IF_KUNIT(salsa_gc_exit);
