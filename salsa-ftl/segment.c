// SPDX-License-Identifier: GPL-2.0
/*
 * Segments: the free -> open -> closed -> pending -> free cycle, slot
 * allocation for the streams, in-memory summaries and live-slot counts.
 * Everything here runs in the FTL worker (see salsa.h), so none of it locks.
 */
#define pr_fmt(fmt) "salsa: " fmt

#include <linux/bitmap.h>
#include <linux/crc32c.h>
#include <linux/log2.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <kunit/visibility.h>

#include "salsa.h"
#include "gc.h"

/*
 * Streams. Pages that die together should share segments: GC then finds
 * segments that are almost empty and moves little. Stream 0 takes GC
 * relocations, which survived a whole segment lifetime and so are cold.
 * With four or more streams the last one takes file system metadata, which
 * is small, rewritten often and dies on a schedule of its own. The streams
 * in between are user classes from cold (lowest) to hot; a page goes to
 * the hotter of two guesses:
 *  - reuse distance, the epochs since its previous write-out: within
 *    SALSA_HOT_EPOCHS it is hottest, and each colder class reaches
 *    SALSA_CLASS_STEP times further. Epoch 0 (not written since recovery)
 *    is as cold as it gets. Distances wrap after 65536 epochs, which is
 *    tens of capacities written: rare enough to ignore.
 *  - heat, the saturating get/put count: SALSA_HOT_HEAT and above is
 *    hottest, below that it scales down linearly.
 * One epoch is 1/1024 (2^SALSA_EPOCH_BITS) of the capacity written, so the
 * thresholds mean the same for every device size: 64 epochs is a rewrite
 * before 1/16 of the capacity was written, far within the lifetime of a
 * segment.
 */
#define SALSA_EPOCH_BITS	10
#define SALSA_HOT_EPOCHS	64
#define SALSA_CLASS_STEP	4
#define SALSA_HOT_HEAT		SALSA_HEAT_MAX
/* With this many streams, the last one is for metadata. */
#define SALSA_META_STREAMS	4

static void salsa_sum_seal(struct salsa_sum_entry *e)
{
	e->crc = 0;
	e->crc = cpu_to_le32(crc32c(~0U, e, sizeof(*e)));
}

int salsa_summary_alloc(struct salsa_ftl *ftl, struct salsa_segment *seg)
{
	size_t bytes = (size_t)ftl->sum_pages * SALSA_PAGE_SIZE;
	struct salsa_summary *sum = seg->sum;
	unsigned int noio;

	if (sum) {
		/* A new incarnation: nothing of the old one may leak into it. */
		memset(sum->entries, 0, bytes);
		bitmap_zero(sum->dirty, ftl->sum_pages);
		return 0;
	}

	/* The worker must not recurse into writing out through itself. */
	noio = memalloc_noio_save();
	sum = kzalloc(sizeof(*sum), GFP_KERNEL);
	if (sum) {
		sum->entries = vzalloc(bytes);
		sum->dirty = bitmap_zalloc(ftl->sum_pages, GFP_KERNEL);
	}
	memalloc_noio_restore(noio);
	if (!sum || !sum->entries || !sum->dirty) {
		if (sum) {
			vfree(sum->entries);
			bitmap_free(sum->dirty);
			kfree(sum);
		}
		return -ENOMEM;
	}
	seg->sum = sum;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(salsa_summary_alloc);

void salsa_summary_free(struct salsa_segment *seg)
{
	if (!seg->sum)
		return;
	vfree(seg->sum->entries);
	bitmap_free(seg->sum->dirty);
	kfree(seg->sum);
	seg->sum = NULL;
}
EXPORT_SYMBOL_IF_KUNIT(salsa_summary_free);

void salsa_seg_init_lists(struct salsa_ftl *ftl)
{
	u32 i;

	INIT_LIST_HEAD(&ftl->seg_free);
	INIT_LIST_HEAD(&ftl->seg_pending);
	ftl->nr_free_segs = 0;
	for (i = 0; i < ftl->nr_segs; i++) {
		struct salsa_segment *seg = &ftl->segs[i];

		seg->nr = i;
		INIT_LIST_HEAD(&seg->node);
		if (seg->state == SALSA_SEG_FREE) {
			list_add_tail(&seg->node, &ftl->seg_free);
			ftl->nr_free_segs++;
		} else if (seg->state == SALSA_SEG_PENDING) {
			list_add_tail(&seg->node, &ftl->seg_pending);
		}
	}
}
EXPORT_SYMBOL_IF_KUNIT(salsa_seg_init_lists);

u64 salsa_stable_ckpt_seq(struct salsa_ftl *ftl)
{
	return min(ftl->ckpt_seq[0], ftl->ckpt_seq[1]);
}
EXPORT_SYMBOL_IF_KUNIT(salsa_stable_ckpt_seq);

/* ---- allocation ---- */

/* Uniform wear: the least erased free segment, lowest number on ties. */
static struct salsa_segment *salsa_least_worn_free(struct salsa_ftl *ftl)
{
	struct salsa_segment *seg, *best = NULL;

	list_for_each_entry(seg, &ftl->seg_free, node) {
		/* A read that started before it was freed still uses it. */
		if (atomic_read(&seg->reads))
			continue;
		if (!best || seg->erase_count < best->erase_count ||
		    (seg->erase_count == best->erase_count &&
		     seg->nr < best->nr))
			best = seg;
	}
	return best;
}

static int salsa_seg_open(struct salsa_ftl *ftl, struct salsa_segment *seg,
			  unsigned int stream)
{
	struct salsa_sum_entry *hdr;
	int ret;

	ret = salsa_summary_alloc(ftl, seg);
	if (ret)
		return ret;

	list_del_init(&seg->node);
	ftl->nr_free_segs--;
	WARN_ON_ONCE(seg->valid || seg->inflight);
	seg->gen++;
	seg->erase_count++;
	seg->state = SALSA_SEG_OPEN;
	seg->stream = stream;
	seg->next_slot = 0;
	seg->victim = false;
	seg->max_shadow_seq = 0;
	seg->close_seq = 0;
	seg->gc_seen_valid = 0;		/* not scanned in this incarnation */

	hdr = &seg->sum->entries[0];
	hdr->seq = cpu_to_le64(ftl->seq);
	hdr->lba = cpu_to_le64(SALSA_SEG_MAGIC);
	hdr->dest = cpu_to_le64(stream);
	hdr->len = cpu_to_le64(seg->erase_count);
	hdr->gen = cpu_to_le32(seg->gen);
	hdr->type = cpu_to_le16(SALSA_SUM_HEADER);
	salsa_sum_seal(hdr);
	set_bit(0, seg->sum->dirty);

	ftl->open[stream] = seg;
	ftl->segs_since_ckpt++;
	return 0;
}

void salsa_seg_check_empty(struct salsa_ftl *ftl, struct salsa_segment *seg)
{
	/*
	 * With writes in flight the segment may still gain live slots; it
	 * goes pending through the invalidation that empties it afterwards.
	 */
	if (seg->state != SALSA_SEG_CLOSED || seg->valid || seg->inflight)
		return;
	seg->state = SALSA_SEG_PENDING;
	list_add_tail(&seg->node, &ftl->seg_pending);
}
EXPORT_SYMBOL_IF_KUNIT(salsa_seg_check_empty);

static void salsa_seg_close(struct salsa_ftl *ftl, struct salsa_segment *seg)
{
	seg->state = SALSA_SEG_CLOSED;
	seg->close_seq = ftl->seq;
	if (ftl->open[seg->stream] == seg)
		ftl->open[seg->stream] = NULL;
	salsa_seg_check_empty(ftl, seg);
}

u64 salsa_alloc_slot(struct salsa_ftl *ftl, unsigned int stream, bool gc)
{
	struct salsa_segment *seg;
	u64 pba;

	if (WARN_ON_ONCE(stream >= SALSA_MAX_STREAMS))
		stream = 0;

	/*
	 * GC's stream is shared with users only in the single log
	 * (streams=1). Once GC opened a segment from the reserve, users
	 * must leave it to GC until a commit frees space again: slots they
	 * took would be missing for the moves that free a victim, and with
	 * every free segment eaten that way, nothing could ever be freed.
	 */
	if (!gc && stream == salsa_stream_gc(ftl, 0, 0) &&
	    ftl->nr_free_segs < ftl->reserve_segs)
		return SALSA_PBA_NONE;

	seg = ftl->open[stream];
	if (seg && seg->next_slot >= ftl->data_slots) {
		salsa_seg_close(ftl, seg);
		seg = NULL;
	}
	if (!seg) {
		/* The last free segments are GC's: it needs them to free more. */
		if (!gc && ftl->nr_free_segs <= ftl->reserve_segs)
			return SALSA_PBA_NONE;
		seg = salsa_least_worn_free(ftl);
		if (!seg)
			return SALSA_PBA_NONE;
		if (salsa_seg_open(ftl, seg, stream)) {
			pr_warn_ratelimited("no memory for a segment summary\n");
			return SALSA_PBA_NONE;
		}
	}

	seg->inflight++;
	pba = salsa_slot_pba(ftl, seg->nr, seg->next_slot++);
	/*
	 * Close as soon as the last slot is out, not at the next allocation:
	 * a stream that goes quiet must not keep its segment out of GC's
	 * and the pending list's reach.
	 */
	if (seg->next_slot == ftl->data_slots)
		salsa_seg_close(ftl, seg);
	return pba;
}
EXPORT_SYMBOL_IF_KUNIT(salsa_alloc_slot);

void salsa_slot_written(struct salsa_ftl *ftl, u64 pba)
{
	struct salsa_segment *seg = &ftl->segs[salsa_pba_seg(ftl, pba)];

	/*
	 * No pending check here: the write's map change (and its validate)
	 * may come right after this call.
	 */
	if (!WARN_ON_ONCE(!seg->inflight))
		seg->inflight--;
}
EXPORT_SYMBOL_IF_KUNIT(salsa_slot_written);

/* ---- summaries and live slots ---- */

u64 salsa_sum_append(struct salsa_ftl *ftl, u64 pba, u16 type, u64 lba,
		     u64 dest, u64 len)
{
	struct salsa_segment *seg = &ftl->segs[salsa_pba_seg(ftl, pba)];
	u32 slot = salsa_pba_idx(ftl, pba) - ftl->sum_pages;
	struct salsa_sum_entry *e;
	u64 seq = ftl->seq++;

	if (WARN_ON_ONCE(!seg->sum || slot >= ftl->data_slots ||
			 slot + 1 >= ftl->sum_pages * SALSA_SUM_PER_PAGE))
		return seq;

	e = salsa_sum_entry(seg->sum, slot);
	memset(e, 0, sizeof(*e));
	e->seq = cpu_to_le64(seq);
	e->lba = cpu_to_le64(lba);
	e->dest = cpu_to_le64(dest);
	e->len = cpu_to_le64(len);
	e->gen = cpu_to_le32(seg->gen);
	e->type = cpu_to_le16(type);
	salsa_sum_seal(e);
	set_bit((slot + 1) / SALSA_SUM_PER_PAGE, seg->sum->dirty);

	/* Older data elsewhere may still say what this entry undid. */
	if (type == SALSA_SUM_TRIM || type == SALSA_SUM_REMAP)
		seg->max_shadow_seq = max(seg->max_shadow_seq, seq);
	return seq;
}
EXPORT_SYMBOL_IF_KUNIT(salsa_sum_append);

void salsa_seg_validate(struct salsa_ftl *ftl, u64 pba, u64 lba)
{
	struct salsa_segment *seg = &ftl->segs[salsa_pba_seg(ftl, pba)];
	u64 *rev = &ftl->rev[salsa_pba_rev(ftl, pba)];

	if (WARN_ON_ONCE(*rev))
		return;
	/* Live data in a pending segment would be erased with it. */
	if (WARN_ON_ONCE(seg->state == SALSA_SEG_PENDING)) {
		list_del_init(&seg->node);
		seg->state = SALSA_SEG_CLOSED;
	}
	*rev = lba + 1;
	seg->valid++;
}
EXPORT_SYMBOL_IF_KUNIT(salsa_seg_validate);

void salsa_seg_invalidate(struct salsa_ftl *ftl, u64 pba)
{
	struct salsa_segment *seg = &ftl->segs[salsa_pba_seg(ftl, pba)];
	u64 *rev = &ftl->rev[salsa_pba_rev(ftl, pba)];

	if (WARN_ON_ONCE(!*rev || !seg->valid))
		return;
	*rev = 0;
	if (!--seg->valid)
		salsa_seg_check_empty(ftl, seg);
}
EXPORT_SYMBOL_IF_KUNIT(salsa_seg_invalidate);

void salsa_seg_release_pending(struct salsa_ftl *ftl)
{
	u64 stable = salsa_stable_ckpt_seq(ftl);
	struct salsa_segment *seg, *tmp;
	bool ckpt_blocked = false;

	list_for_each_entry_safe(seg, tmp, &ftl->seg_pending, node) {
		/* GC's victim stays until GC let go of it and its slots. */
		if (atomic_read(&seg->reads) || seg->inflight || seg->victim)
			continue;
		/*
		 * Its TRIM/REMAP entries must be in both checkpoints first:
		 * recovery may fall back to the older one, then replay
		 * entries, and erasing them here would resurrect the data
		 * they shadow.
		 */
		if (seg->max_shadow_seq > stable) {
			ckpt_blocked = true;
			continue;
		}
		salsa_summary_free(seg);
		seg->state = SALSA_SEG_FREE;
		list_move_tail(&seg->node, &ftl->seg_free);
		ftl->nr_free_segs++;
	}
	if (ckpt_blocked && ftl->nr_free_segs < ftl->gc_low_segs)
		ftl->ckpt_wanted = true;
}
EXPORT_SYMBOL_IF_KUNIT(salsa_seg_release_pending);

/* ---- streams ---- */

void salsa_streams_init(struct salsa_ftl *ftl)
{
	ftl->epoch_shift = 0;
	if (ftl->capacity_pages >> SALSA_EPOCH_BITS)
		ftl->epoch_shift = ilog2(ftl->capacity_pages) -
				   SALSA_EPOCH_BITS;
}
EXPORT_SYMBOL_IF_KUNIT(salsa_streams_init);

u16 salsa_epoch_now(struct salsa_ftl *ftl)
{
	u16 epoch = ftl->user_writes >> ftl->epoch_shift;

	/* 0 is reserved for "not written since recovery". */
	return epoch ?: 1;
}
EXPORT_SYMBOL_IF_KUNIT(salsa_epoch_now);

/* Class 0 (coldest) .. @classes - 1 (hottest); see the policy above. */
static unsigned int salsa_heat_class(struct salsa_ftl *ftl, u16 epoch,
				     u8 heat, unsigned int classes)
{
	unsigned int hottest = classes - 1, by_dist = 0, by_heat;
	u32 reach = SALSA_HOT_EPOCHS;

	if (epoch) {
		u16 dist = salsa_epoch_now(ftl) - epoch;

		for (by_dist = hottest; by_dist && dist >= reach; by_dist--)
			reach *= SALSA_CLASS_STEP;
	}
	by_heat = min_t(unsigned int, heat, SALSA_HOT_HEAT) * hottest /
		  SALSA_HOT_HEAT;
	return max(by_dist, by_heat);
}

unsigned int salsa_stream_user(struct salsa_ftl *ftl, u16 epoch, u8 heat,
			       bool meta)
{
	unsigned int streams = min_t(unsigned int, ftl->cfg.streams,
				     SALSA_MAX_STREAMS);

	if (streams <= 1)
		return 0;
	if (streams < SALSA_META_STREAMS)
		return 1 + salsa_heat_class(ftl, epoch, heat, streams - 1);
	if (meta)
		return streams - 1;
	return 1 + salsa_heat_class(ftl, epoch, heat, streams - 2);
}
EXPORT_SYMBOL_IF_KUNIT(salsa_stream_user);

unsigned int salsa_stream_gc(struct salsa_ftl *ftl, u16 epoch, u8 heat)
{
	/*
	 * Whatever its heat, a page GC moves outlived its segment: it joins
	 * the other survivors in stream 0 (the only stream when streams=1).
	 */
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(salsa_stream_gc);
