// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: GC victim choice, the commit GC asks for, relocation through a
 * scripted medium whose I/O the cases complete one by one, and GC under
 * real overwrites on the RAM-disk FTL.
 */
#include <kunit/test.h>
#include <linux/highmem.h>
#include <linux/prandom.h>
#include <linux/xarray.h>

#include "salsa.h"
#include "gc.h"
#include "kunit_ramdisk.h"

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

/* Queues I/O; cases complete it in order, as the worker would. */
struct gc_test_media {
	struct list_head ios;
	unsigned int nr;
};

static void gc_test_submit(struct salsa_ftl *ftl, struct salsa_io *io)
{
	struct gc_test_media *m = ftl->media_priv;

	list_add_tail(&io->node, &m->ios);
	m->nr++;
}

static const struct salsa_media_ops gc_test_media_ops = {
	.submit = gc_test_submit,
};

/* Every segment FREE, no GC state; the I/O variant adds both. */
static struct salsa_ftl *gc_test_ftl(struct kunit *test, u32 nr_segs,
				     u32 seg_pages)
{
	return salsa_test_bare_ftl(test, 1, nr_segs, seg_pages, 1, 8);
}

static struct salsa_ftl *gc_test_io_ftl(struct kunit *test, u32 nr_segs,
					u32 seg_pages)
{
	struct salsa_ftl *ftl = gc_test_ftl(test, nr_segs, seg_pages);
	struct gc_test_media *m;

	m = kunit_kzalloc(test, sizeof(*m), GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, m);
	INIT_LIST_HEAD(&m->ios);
	xa_init_flags(&ftl->map, XA_FLAGS_LOCK_IRQ);
	ftl->media = &gc_test_media_ops;
	ftl->media_priv = m;
	KUNIT_ASSERT_EQ(test, salsa_gc_init(ftl), 0);
	return ftl;
}

/* Completes the oldest queued I/O; returns a copy of what it was. */
static struct salsa_io gc_test_complete(struct kunit *test,
					struct salsa_ftl *ftl, int error)
{
	struct gc_test_media *m = ftl->media_priv;
	struct salsa_io *io, was;

	io = list_first_entry_or_null(&m->ios, struct salsa_io, node);
	KUNIT_ASSERT_NOT_NULL(test, io);
	list_del(&io->node);
	m->nr--;
	was = *io;
	io->error = error;
	io->end(ftl, io);
	return was;
}

static void gc_test_exit(struct kunit *test)
{
	struct salsa_ftl *ftl = test->priv;
	u32 i;

	if (!ftl)
		return;
	if (ftl->media == &gc_test_media_ops) {
		struct gc_test_media *m = ftl->media_priv;
		struct salsa_io *io;

		/* A failed case may leave moves behind: fail them. */
		while ((io = list_first_entry_or_null(&m->ios, struct salsa_io,
						      node))) {
			list_del(&io->node);
			io->error = -EIO;
			io->end(ftl, io);
		}
		salsa_gc_exit(ftl);
		xa_destroy(&ftl->map);
	}
	for (i = 0; i < ftl->nr_segs; i++)
		salsa_summary_free(&ftl->segs[i]);
}

/* Takes segment @nr off the free list as a closed one. */
static struct salsa_segment *gc_test_close(struct salsa_ftl *ftl, u32 nr,
					   u32 valid, u32 erase_count)
{
	struct salsa_segment *seg = &ftl->segs[nr];

	list_del_init(&seg->node);
	ftl->nr_free_segs--;
	seg->state = SALSA_SEG_CLOSED;
	seg->valid = valid;
	seg->gc_seen_valid = valid;
	seg->erase_count = erase_count;
	seg->close_seq = nr;
	return seg;
}

/* Puts live LBA @lba into slot @slot of closed segment @seg, mapped. */
static void gc_test_place(struct kunit *test, struct salsa_ftl *ftl,
			  struct salsa_segment *seg, u32 slot, u64 lba)
{
	u64 pba = salsa_slot_pba(ftl, seg->nr, slot);

	salsa_seg_validate(ftl, pba, lba);
	KUNIT_ASSERT_EQ(test, xa_err(xa_store(&ftl->map, lba,
					      salsa_mk_val(pba, 0, 0),
					      GFP_KERNEL)), 0);
}

/* A user write of @lba elsewhere supersedes its copy at @old. */
static void gc_test_overwrite(struct kunit *test, struct salsa_ftl *ftl,
			      u64 lba, u64 old, u64 new)
{
	KUNIT_ASSERT_EQ(test, xa_err(xa_store(&ftl->map, lba,
					      salsa_mk_val(new, 0, 0),
					      GFP_KERNEL)), 0);
	salsa_seg_invalidate(ftl, old);
}

/* ---- victim choice ---- */

static void salsa_gc_picks_fewest_valid(struct kunit *test)
{
	struct salsa_ftl *ftl = gc_test_ftl(test, 6, 16);

	gc_test_close(ftl, 0, 10, 0);
	gc_test_close(ftl, 1, 3, 0);
	gc_test_close(ftl, 2, 7, 0);
	gc_test_close(ftl, 3, ftl->data_slots, 0);
	KUNIT_EXPECT_PTR_EQ(test, salsa_gc_pick_victim(ftl), &ftl->segs[1]);
}

static void salsa_gc_prefers_longest_closed_among_equals(struct kunit *test)
{
	struct salsa_ftl *ftl = gc_test_ftl(test, 4, 16);

	gc_test_close(ftl, 0, 3, 0)->close_seq = 50;
	gc_test_close(ftl, 1, 3, 0)->close_seq = 10;
	gc_test_close(ftl, 2, 3, 0)->close_seq = 30;
	KUNIT_EXPECT_PTR_EQ(test, salsa_gc_pick_victim(ftl), &ftl->segs[1]);
}

static void salsa_gc_skips_segment_being_overwritten(struct kunit *test)
{
	struct salsa_ftl *ftl = gc_test_ftl(test, 4, 64);
	struct salsa_segment *hot;

	/* Lost 18 of 63 slots since the last scan: being rewritten now. */
	hot = gc_test_close(ftl, 0, 2, 0);
	hot->gc_seen_valid = 20;
	gc_test_close(ftl, 1, 30, 0);
	KUNIT_EXPECT_PTR_EQ(test, salsa_gc_pick_victim(ftl), &ftl->segs[1]);
	/* The scan remembered what it saw... */
	KUNIT_EXPECT_EQ(test, hot->gc_seen_valid, 2U);
	/* ...so a segment that stopped dropping is fair game again. */
	KUNIT_EXPECT_PTR_EQ(test, salsa_gc_pick_victim(ftl), hot);
}

static void salsa_gc_tolerates_a_small_drop(struct kunit *test)
{
	struct salsa_ftl *ftl = gc_test_ftl(test, 4, 64);

	/* 3 of 63 is within the 1/16 a segment may lose between scans. */
	gc_test_close(ftl, 0, 2, 0)->gc_seen_valid = 5;
	gc_test_close(ftl, 1, 30, 0);
	KUNIT_EXPECT_PTR_EQ(test, salsa_gc_pick_victim(ftl), &ftl->segs[0]);
}

static void salsa_gc_takes_overwritten_if_nothing_else(struct kunit *test)
{
	struct salsa_ftl *ftl = gc_test_ftl(test, 4, 64);

	gc_test_close(ftl, 0, 9, 0)->gc_seen_valid = 40;
	gc_test_close(ftl, 1, 5, 0)->gc_seen_valid = 40;
	gc_test_close(ftl, 2, ftl->data_slots, 0);
	KUNIT_EXPECT_PTR_EQ(test, salsa_gc_pick_victim(ftl), &ftl->segs[1]);
}

static void salsa_gc_never_skips_an_empty_segment(struct kunit *test)
{
	struct salsa_ftl *ftl = gc_test_ftl(test, 4, 64);

	gc_test_close(ftl, 0, 0, 0)->gc_seen_valid = 40;
	gc_test_close(ftl, 1, 10, 0);
	KUNIT_EXPECT_PTR_EQ(test, salsa_gc_pick_victim(ftl), &ftl->segs[0]);
}

static void salsa_gc_wear_levelling_moves_static_data(struct kunit *test)
{
	struct salsa_ftl *ftl = gc_test_ftl(test, 8, 16);
	struct salsa_segment *stat, *greedy;
	u32 i;

	/* Segment 0 holds data nobody changes; the rest went round often. */
	stat = gc_test_close(ftl, 0, ftl->data_slots, 1);
	greedy = gc_test_close(ftl, 1, 4, 100);
	gc_test_close(ftl, 2, ftl->data_slots, 100);
	for (i = 3; i < 8; i++)
		ftl->segs[i].erase_count = 100;
	KUNIT_EXPECT_PTR_EQ(test, salsa_gc_pick_victim(ftl), stat);

	/* Users waiting at the reserve need space first. */
	ftl->nr_free_segs = ftl->reserve_segs;
	KUNIT_EXPECT_PTR_EQ(test, salsa_gc_pick_victim(ftl), greedy);
	ftl->nr_free_segs = 5;

	/* A spread within the threshold is left alone. */
	stat->erase_count = 60;
	KUNIT_EXPECT_PTR_EQ(test, salsa_gc_pick_victim(ftl), greedy);
}

struct gc_test_nopick {
	const char *desc;
	u8 state;
	u32 valid;		/* ~0: data_slots */
	bool victim;
	u32 inflight;
};

static const struct gc_test_nopick gc_test_nopicks[] = {
	{ "full", SALSA_SEG_CLOSED, ~0U, false, 0 },
	{ "open", SALSA_SEG_OPEN, 1, false, 0 },
	{ "already a victim", SALSA_SEG_CLOSED, 1, true, 0 },
	{ "writes in flight", SALSA_SEG_CLOSED, 1, false, 1 },
	{ "pending", SALSA_SEG_PENDING, 0, false, 0 },
};

static void gc_test_nopick_desc(const struct gc_test_nopick *t, char *desc)
{
	strscpy(desc, t->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(gc_test_nopicks, gc_test_nopicks, gc_test_nopick_desc);

static void salsa_gc_finds_no_victim_among_ineligible(struct kunit *test)
{
	const struct gc_test_nopick *t = test->param_value;
	struct salsa_ftl *ftl = gc_test_ftl(test, 4, 16);
	u32 i;

	for (i = 0; i < 2; i++) {
		struct salsa_segment *seg = gc_test_close(ftl, i, 0, 0);

		seg->state = t->state;
		seg->valid = t->valid == ~0U ? ftl->data_slots : t->valid;
		seg->victim = t->victim;
		seg->inflight = t->inflight;
	}
	KUNIT_EXPECT_NULL(test, salsa_gc_pick_victim(ftl));
}

/* ---- commits GC asks for ---- */

struct gc_test_commit {
	const char *desc;
	u64 max_shadow_seq;	/* checkpoints are at seq 5 */
	int reads;
	u32 nr_free;		/* low 2, high 3 */
	bool ckpt_wanted;
	bool wants;
};

static const struct gc_test_commit gc_test_commits[] = {
	{ "releasable, free segments short", 0, 0, 2, false, true },
	{ "free segments plenty", 0, 0, 3, false, false },
	{ "pinned by a read", 0, 1, 1, false, false },
	{ "needs a checkpoint, below low", 9, 0, 1, false, true },
	{ "checkpoint already asked for", 9, 0, 1, true, false },
	{ "needs a checkpoint, above low", 9, 0, 2, false, false },
};

static void gc_test_commit_desc(const struct gc_test_commit *t, char *desc)
{
	strscpy(desc, t->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(gc_test_commits, gc_test_commits, gc_test_commit_desc);

static void salsa_gc_wants_commit_when_it_frees_segs(struct kunit *test)
{
	const struct gc_test_commit *t = test->param_value;
	struct salsa_ftl *ftl = gc_test_ftl(test, 4, 16);
	struct salsa_segment *seg = gc_test_close(ftl, 0, 0, 0);

	salsa_seg_validate(ftl, salsa_slot_pba(ftl, 0, 0), 5);
	KUNIT_EXPECT_FALSE(test, salsa_gc_wants_commit(ftl));
	salsa_seg_invalidate(ftl, salsa_slot_pba(ftl, 0, 0));
	KUNIT_ASSERT_EQ(test, seg->state, (u8)SALSA_SEG_PENDING);
	seg->max_shadow_seq = t->max_shadow_seq;
	atomic_set(&seg->reads, t->reads);
	ftl->ckpt_seq[0] = 5;
	ftl->ckpt_seq[1] = 5;
	ftl->nr_free_segs = t->nr_free;
	ftl->ckpt_wanted = t->ckpt_wanted;
	KUNIT_EXPECT_EQ(test, salsa_gc_wants_commit(ftl), t->wants);
	atomic_set(&seg->reads, 0);
}

/* ---- relocation ---- */

static void salsa_gc_idle_while_free_segments_suffice(struct kunit *test)
{
	struct salsa_ftl *ftl = gc_test_io_ftl(test, 6, 16);
	struct gc_test_media *m = ftl->media_priv;

	gc_test_close(ftl, 0, 1, 0);
	KUNIT_ASSERT_GE(test, ftl->nr_free_segs, ftl->gc_low_segs);
	KUNIT_EXPECT_FALSE(test, salsa_gc_step(ftl));
	KUNIT_EXPECT_FALSE(test, salsa_gc_busy(ftl));
	KUNIT_EXPECT_EQ(test, m->nr, 0U);
}

static void salsa_gc_moves_live_slots_and_frees_the_victim(struct kunit *test)
{
	struct salsa_ftl *ftl = gc_test_io_ftl(test, 6, 64);
	struct gc_test_media *m = ftl->media_priv;
	struct salsa_segment *victim;
	u32 slot, live = 0, reads = 0, writes = 0;

	ftl->gc_low_segs = 3;
	ftl->gc_high_segs = 4;
	victim = gc_test_close(ftl, 0, 0, 0);
	for (slot = 0; slot < ftl->data_slots; slot++) {
		if (slot % 3 == 2)
			continue;	/* dead slots are skipped */
		gc_test_place(test, ftl, victim, slot, 1000 + slot);
		live++;
	}
	victim->gc_seen_valid = victim->valid;
	gc_test_close(ftl, 1, ftl->data_slots, 0);
	gc_test_close(ftl, 2, ftl->data_slots, 0);
	gc_test_close(ftl, 3, ftl->data_slots, 0);
	KUNIT_ASSERT_EQ(test, ftl->nr_free_segs, 2U);
	KUNIT_ASSERT_GT(test, live, 32U);

	KUNIT_EXPECT_TRUE(test, salsa_gc_step(ftl));
	KUNIT_EXPECT_TRUE(test, victim->victim);
	KUNIT_EXPECT_TRUE(test, salsa_gc_busy(ftl));
	/* A bounded number of moves in flight... */
	KUNIT_EXPECT_EQ(test, m->nr, 32U);
	KUNIT_EXPECT_FALSE(test, salsa_gc_step(ftl));
	KUNIT_EXPECT_EQ(test, m->nr, 32U);

	/* ...each a read of a live slot, in order, then a write. */
	slot = 0;
	while (m->nr) {
		struct salsa_io io = gc_test_complete(test, ftl, 0);

		if (io.opf == REQ_OP_READ) {
			while (slot % 3 == 2)
				slot++;
			KUNIT_EXPECT_EQ(test, io.pba,
					salsa_slot_pba(ftl, 0, slot));
			slot++;
			reads++;
		} else {
			KUNIT_EXPECT_TRUE(test, io.opf == REQ_OP_WRITE);
			writes++;
		}
		salsa_gc_step(ftl);
	}
	KUNIT_EXPECT_EQ(test, reads, live);
	KUNIT_EXPECT_EQ(test, writes, live);
	KUNIT_EXPECT_EQ(test, atomic64_read(&ftl->stats.gc_flash_pages),
			(s64)live);

	/* Every LBA now lives in the GC stream's segment, the least worn. */
	KUNIT_EXPECT_PTR_EQ(test, ftl->open[0], &ftl->segs[4]);
	for (slot = 0; slot < ftl->data_slots; slot++) {
		u64 now_at = salsa_map_lookup(ftl, 1000 + slot);

		if (slot % 3 != 2)
			KUNIT_EXPECT_EQ(test, salsa_pba_seg(ftl, now_at), 4U);
	}
	KUNIT_EXPECT_EQ(test, ftl->segs[4].valid, live);
	KUNIT_EXPECT_EQ(test, ftl->segs[4].inflight, 0U);

	/* The drained victim is done and waits for the next commit. */
	KUNIT_EXPECT_FALSE(test, victim->victim);
	KUNIT_EXPECT_EQ(test, victim->valid, 0U);
	KUNIT_EXPECT_EQ(test, victim->state, (u8)SALSA_SEG_PENDING);
	KUNIT_EXPECT_EQ(test, atomic64_read(&ftl->stats.gc_runs), 1LL);
	KUNIT_EXPECT_FALSE(test, salsa_gc_busy(ftl));
	KUNIT_EXPECT_TRUE(test, salsa_gc_wants_commit(ftl));
	salsa_seg_release_pending(ftl);
	KUNIT_EXPECT_EQ(test, victim->state, (u8)SALSA_SEG_FREE);
}

static void salsa_gc_io_error_leaves_old_copy_valid(struct kunit *test)
{
	struct salsa_ftl *ftl = gc_test_io_ftl(test, 6, 16);
	struct gc_test_media *m = ftl->media_priv;
	struct salsa_segment *victim;
	u32 i;

	victim = gc_test_close(ftl, 0, 0, 0);
	for (i = 0; i < 3; i++)
		gc_test_place(test, ftl, victim, i, 10 + i);
	victim->gc_seen_valid = 3;
	for (i = 1; i < 5; i++)
		gc_test_close(ftl, i, ftl->data_slots, 0);

	KUNIT_ASSERT_TRUE(test, salsa_gc_step(ftl));
	KUNIT_ASSERT_EQ(test, m->nr, 3U);
	gc_test_complete(test, ftl, -EIO);	/* read of LBA 10 */
	KUNIT_EXPECT_EQ(test, m->nr, 2U);	/* no write for it */
	gc_test_complete(test, ftl, 0);		/* read of LBA 11 */
	gc_test_complete(test, ftl, 0);		/* read of LBA 12 */
	gc_test_complete(test, ftl, -EIO);	/* write of LBA 11 */
	gc_test_complete(test, ftl, 0);		/* write of LBA 12 */
	KUNIT_EXPECT_EQ(test, m->nr, 0U);

	KUNIT_EXPECT_EQ(test, salsa_map_lookup(ftl, 10),
			salsa_slot_pba(ftl, 0, 0));
	KUNIT_EXPECT_EQ(test, salsa_map_lookup(ftl, 11),
			salsa_slot_pba(ftl, 0, 1));
	KUNIT_EXPECT_EQ(test, salsa_pba_seg(ftl, salsa_map_lookup(ftl, 12)),
			5U);
	KUNIT_EXPECT_EQ(test, victim->valid, 2U);
	/* The failed write's slot stays dead but is no longer in flight. */
	KUNIT_EXPECT_EQ(test, ftl->segs[5].inflight, 0U);
	KUNIT_EXPECT_EQ(test, ftl->segs[5].valid, 1U);

	/* Not reclaimed: it stays closed, and the next pass tries again. */
	salsa_gc_step(ftl);
	KUNIT_EXPECT_EQ(test, victim->state, (u8)SALSA_SEG_CLOSED);
	KUNIT_EXPECT_EQ(test, atomic64_read(&ftl->stats.gc_runs), 0LL);
	KUNIT_EXPECT_EQ(test, m->nr, 2U);
	KUNIT_EXPECT_EQ(test, gc_test_complete(test, ftl, -EIO).pba,
			salsa_slot_pba(ftl, 0, 0));
	KUNIT_EXPECT_EQ(test, gc_test_complete(test, ftl, -EIO).pba,
			salsa_slot_pba(ftl, 0, 1));
}

static void salsa_gc_drops_moves_of_overwritten_lbas(struct kunit *test)
{
	struct salsa_ftl *ftl = gc_test_io_ftl(test, 6, 16);
	struct gc_test_media *m = ftl->media_priv;
	struct salsa_segment *victim, *other;
	struct salsa_io io;
	u32 i;

	victim = gc_test_close(ftl, 0, 0, 0);
	gc_test_place(test, ftl, victim, 0, 20);
	gc_test_place(test, ftl, victim, 1, 21);
	victim->gc_seen_valid = 2;
	other = gc_test_close(ftl, 1, 0, 0);
	for (i = 2; i < 5; i++)
		gc_test_close(ftl, i, ftl->data_slots, 0);
	/* As live as the victim, but closed later: not picked first. */
	gc_test_place(test, ftl, other, 0, 99);
	gc_test_place(test, ftl, other, 1, 98);

	KUNIT_ASSERT_TRUE(test, salsa_gc_step(ftl));
	KUNIT_ASSERT_EQ(test, m->nr, 2U);
	/* Rewritten while GC read it: nothing is written for it. */
	gc_test_overwrite(test, ftl, 20, salsa_slot_pba(ftl, 0, 0),
			  salsa_slot_pba(ftl, 1, 2));
	gc_test_complete(test, ftl, 0);
	KUNIT_EXPECT_EQ(test, m->nr, 1U);
	/* Rewritten while GC wrote it: the user's copy wins. */
	gc_test_complete(test, ftl, 0);
	KUNIT_ASSERT_EQ(test, m->nr, 1U);
	gc_test_overwrite(test, ftl, 21, salsa_slot_pba(ftl, 0, 1),
			  salsa_slot_pba(ftl, 1, 3));
	KUNIT_EXPECT_EQ(test, victim->state, (u8)SALSA_SEG_PENDING);
	io = gc_test_complete(test, ftl, 0);
	KUNIT_EXPECT_EQ(test, salsa_map_lookup(ftl, 21),
			salsa_slot_pba(ftl, 1, 3));
	KUNIT_EXPECT_EQ(test, ftl->rev[salsa_pba_rev(ftl, io.pba)], 0ULL);

	/* The victim is let go; only then may a commit free it. */
	salsa_seg_release_pending(ftl);
	KUNIT_EXPECT_EQ(test, victim->state, (u8)SALSA_SEG_PENDING);
	salsa_gc_step(ftl);
	KUNIT_EXPECT_FALSE(test, victim->victim);
	KUNIT_EXPECT_EQ(test, atomic64_read(&ftl->stats.gc_runs), 1LL);
	salsa_seg_release_pending(ftl);
	KUNIT_EXPECT_EQ(test, victim->state, (u8)SALSA_SEG_FREE);
}

static void salsa_gc_round_goes_on_up_to_high_mark(struct kunit *test)
{
	struct salsa_ftl *ftl = gc_test_io_ftl(test, 10, 16);
	unsigned int steps = 0;
	u32 i;

	ftl->gc_low_segs = 3;
	ftl->gc_high_segs = 5;
	/* Emptied segments (their last writes went stale), and full ones. */
	for (i = 0; i < 4; i++)
		gc_test_close(ftl, i, 0, 0);
	for (i = 4; i < 8; i++)
		gc_test_close(ftl, i, ftl->data_slots, 0);
	KUNIT_ASSERT_EQ(test, ftl->nr_free_segs, 2U);

	while (salsa_gc_step(ftl) && steps < 20)
		steps++;
	/* Two free plus three drained make five: then it stops. */
	KUNIT_EXPECT_EQ(test, atomic64_read(&ftl->stats.gc_runs), 3LL);
	KUNIT_EXPECT_EQ(test, ftl->segs[3].state, (u8)SALSA_SEG_CLOSED);
	KUNIT_EXPECT_FALSE(test, salsa_gc_busy(ftl));

	salsa_seg_release_pending(ftl);
	KUNIT_EXPECT_EQ(test, ftl->nr_free_segs, 5U);
	KUNIT_EXPECT_FALSE(test, salsa_gc_step(ftl));
}

/* ---- the whole FTL ---- */

static const struct salsa_test_geo gc_test_geos[] = {
	{ .nr_devs = 2, .dev_pages = 2048, .seg_pages = 32, .pool_pages = 64,
	  .streams = 1, .virtual_pages = 1ULL << 20 },
	{ .nr_devs = 2, .dev_pages = 2048, .seg_pages = 32, .pool_pages = 64,
	  .streams = 4, .virtual_pages = 1ULL << 20 },
};

static void gc_test_geo_desc(const struct salsa_test_geo *geo, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%u stream(s)", geo->streams);
}

KUNIT_ARRAY_PARAM(gc_test_geos, gc_test_geos, gc_test_geo_desc);

struct gc_test_one {
	struct completion done;
	struct page *page;
	int err;
};

static void gc_test_one_cb(void *ctx, u64 lba, struct page *page, int err)
{
	struct gc_test_one *o = ctx;

	o->page = page;
	o->err = err;
	complete(&o->done);
}

static int gc_test_get(struct salsa_ftl *ftl, u64 lba, unsigned int flags,
		       u64 **word)
{
	struct gc_test_one o;
	int ret;

	init_completion(&o.done);
	ret = salsa_get_lba(ftl, lba, 1, flags, gc_test_one_cb, &o);
	if (ret)
		return ret;
	wait_for_completion(&o.done);
	if (!o.err)
		*word = kmap_local_page(o.page);
	return o.err;
}

static int gc_test_write(struct salsa_ftl *ftl, u64 lba, u64 v)
{
	u64 *p;
	int ret;

	ret = gc_test_get(ftl, lba, SALSA_WRITE | SALSA_FULL, &p);
	if (ret)
		return ret;
	p[0] = v;
	kunmap_local(p);
	salsa_put_lba(ftl, lba, 1, SALSA_WRITE | SALSA_DIRTY);
	return 0;
}

static u64 gc_test_read(struct salsa_ftl *ftl, u64 lba)
{
	u64 *p, v;

	if (gc_test_get(ftl, lba, 0, &p))
		return ~0ULL;
	v = p[0];
	kunmap_local(p);
	salsa_put_lba(ftl, lba, 1, 0);
	return v;
}

/* Every live-slot count agrees with the reverse map and the map. */
static void gc_test_check_books(struct kunit *test, struct salsa_ftl *ftl)
{
	u32 s, slot;

	for (s = 0; s < ftl->nr_segs; s++) {
		const struct salsa_segment *seg = &ftl->segs[s];
		const u64 *rev = &ftl->rev[(u64)s * ftl->data_slots];
		u32 live = 0;

		for (slot = 0; slot < ftl->data_slots; slot++) {
			if (!rev[slot])
				continue;
			live++;
			KUNIT_EXPECT_EQ(test, salsa_map_lookup(ftl, rev[slot] - 1),
					salsa_slot_pba(ftl, s, slot));
		}
		KUNIT_EXPECT_EQ_MSG(test, seg->valid, live, "segment %u", s);
		if (seg->state == SALSA_SEG_FREE ||
		    seg->state == SALSA_SEG_PENDING)
			KUNIT_EXPECT_EQ_MSG(test, live, 0U, "segment %u", s);
	}
}

static void salsa_gc_keeps_data_through_overwrites(struct kunit *test)
{
	struct salsa_ftl *ftl = salsa_test_ftl(test, test->param_value);
	struct rnd_state rnd;
	u64 nr, hot, i, writes;
	u32 *version;
	int tries;

	KUNIT_ASSERT_NOT_NULL(test, ftl);
	/* Three quarters of the capacity in use, a hot eighth of it. */
	nr = ftl->capacity_pages * 3 / 4;
	hot = nr / 8;
	version = kunit_kcalloc(test, nr, sizeof(*version), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, version);
	prandom_seed_state(&rnd, 42);

	for (i = 0; i < nr; i++)
		KUNIT_ASSERT_EQ(test, gc_test_write(ftl, i, i << 32), 0);
	for (writes = 0; writes < 3 * nr; writes++) {
		u32 r = prandom_u32_state(&rnd);
		u64 lba = r % 5 ? r % hot : r % nr;

		version[lba]++;
		KUNIT_ASSERT_EQ(test, gc_test_write(ftl, lba,
						    lba << 32 | version[lba]),
				0);
	}
	KUNIT_ASSERT_EQ(test, salsa_flush_all(ftl), 0);

	for (i = 0; i < nr; i++)
		KUNIT_EXPECT_EQ_MSG(test, gc_test_read(ftl, i),
				    i << 32 | version[i], "LBA %llu", i);
	KUNIT_EXPECT_GT(test, atomic64_read(&ftl->stats.gc_runs), 0LL);
	KUNIT_EXPECT_GT(test, atomic64_read(&ftl->stats.gc_flash_pages), 0LL);
	kunit_info(test, "%llu user pages, %lld to flash, %lld moved by GC in %lld runs\n",
		   nr + writes, atomic64_read(&ftl->stats.user_flash_pages),
		   atomic64_read(&ftl->stats.gc_flash_pages),
		   atomic64_read(&ftl->stats.gc_runs));

	/* Let the worker settle, then audit the books. */
	for (tries = 0; tries < 1000; tries++) {
		flush_workqueue(ftl->wq);
		if (!salsa_gc_busy(ftl) && !ftl->wb_inflight_nr)
			break;
	}
	flush_workqueue(ftl->wq);
	gc_test_check_books(test, ftl);
	salsa_test_ftl_destroy(ftl);
}

static struct kunit_case salsa_gc_test_cases[] = {
	KUNIT_CASE(salsa_gc_picks_fewest_valid),
	KUNIT_CASE(salsa_gc_prefers_longest_closed_among_equals),
	KUNIT_CASE(salsa_gc_skips_segment_being_overwritten),
	KUNIT_CASE(salsa_gc_tolerates_a_small_drop),
	KUNIT_CASE(salsa_gc_takes_overwritten_if_nothing_else),
	KUNIT_CASE(salsa_gc_never_skips_an_empty_segment),
	KUNIT_CASE(salsa_gc_wear_levelling_moves_static_data),
	KUNIT_CASE_PARAM(salsa_gc_finds_no_victim_among_ineligible,
			 gc_test_nopicks_gen_params),
	KUNIT_CASE_PARAM(salsa_gc_wants_commit_when_it_frees_segs,
			 gc_test_commits_gen_params),
	KUNIT_CASE(salsa_gc_idle_while_free_segments_suffice),
	KUNIT_CASE(salsa_gc_moves_live_slots_and_frees_the_victim),
	KUNIT_CASE(salsa_gc_io_error_leaves_old_copy_valid),
	KUNIT_CASE(salsa_gc_drops_moves_of_overwritten_lbas),
	KUNIT_CASE(salsa_gc_round_goes_on_up_to_high_mark),
	KUNIT_CASE_PARAM(salsa_gc_keeps_data_through_overwrites,
			 gc_test_geos_gen_params),
	{}
};

struct kunit_suite salsa_gc_test_suite = {
	.name = "salsa_gc",
	.exit = gc_test_exit,
	.test_cases = salsa_gc_test_cases,
};
