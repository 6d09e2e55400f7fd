// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: segment geometry, allocation, summaries, the pending -> free rule
 * and stream choice, on a hand-built FTL without I/O.
 */
#include <kunit/test.h>
#include <linux/bitmap.h>
#include <linux/crc32c.h>

#include "salsa.h"
#include "gc.h"
#include "kunit_ramdisk.h"

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

#define SEG_TEST_META_PAGES	8

/* Every segment FREE; the summaries it allocates go at exit. */
static struct salsa_ftl *seg_test_ftl(struct kunit *test, unsigned int nr_devs,
				      u32 nr_segs, u32 seg_pages, u32 sum_pages)
{
	return salsa_test_bare_ftl(test, nr_devs, nr_segs, seg_pages,
				   sum_pages, SEG_TEST_META_PAGES);
}

static void seg_test_exit(struct kunit *test)
{
	struct salsa_ftl *ftl = test->priv;
	u32 i;

	if (!ftl)
		return;
	for (i = 0; i < ftl->nr_segs; i++)
		salsa_summary_free(&ftl->segs[i]);
}

static bool seg_test_crc_ok(const struct salsa_sum_entry *e)
{
	struct salsa_sum_entry copy = *e;

	copy.crc = 0;
	return le32_to_cpu(e->crc) == crc32c(~0U, &copy, sizeof(copy));
}

static bool seg_test_on_list(struct list_head *head, struct salsa_segment *s)
{
	struct salsa_segment *pos;

	list_for_each_entry(pos, head, node)
		if (pos == s)
			return true;
	return false;
}

/* ---- striping ---- */

static const unsigned int seg_test_members[] = { 1, 2, 3 };

static void seg_test_members_desc(const unsigned int *nr, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%u member(s)", *nr);
}

KUNIT_ARRAY_PARAM(seg_test_members, seg_test_members, seg_test_members_desc);

static void salsa_striping_puts_page_i_on_member_i_mod_n(struct kunit *test)
{
	unsigned int nr_devs = *(const unsigned int *)test->param_value;
	const u32 nr_segs = 5, seg_pages = 12;
	struct salsa_ftl *ftl;
	unsigned long *used;
	u64 area;
	u32 s, i;

	ftl = seg_test_ftl(test, nr_devs, nr_segs, seg_pages, 1);
	area = (u64)nr_segs * ftl->chunk_pages;	/* data pages per member */
	used = kunit_kcalloc(test, BITS_TO_LONGS(nr_devs * area),
			     sizeof(long), GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, used);

	for (s = 0; s < nr_segs; s++) {
		for (i = 0; i < seg_pages; i++) {
			u64 pba = (u64)s * seg_pages + i;
			unsigned int dev = salsa_pba_dev(ftl, pba);
			u64 page = salsa_pba_dev_page(ftl, pba);
			u64 bit;

			KUNIT_EXPECT_EQ(test, salsa_pba_seg(ftl, pba), s);
			KUNIT_EXPECT_EQ(test, salsa_pba_idx(ftl, pba), i);
			KUNIT_EXPECT_EQ(test, dev, i % nr_devs);
			KUNIT_EXPECT_EQ(test, page, SEG_TEST_META_PAGES +
					(u64)s * ftl->chunk_pages +
					i / nr_devs);
			/* Inside the data area, and used by nobody else. */
			KUNIT_ASSERT_GE(test, page, (u64)SEG_TEST_META_PAGES);
			KUNIT_ASSERT_LT(test, page - SEG_TEST_META_PAGES, area);
			bit = dev * area + page - SEG_TEST_META_PAGES;
			KUNIT_EXPECT_FALSE(test, test_bit(bit, used));
			__set_bit(bit, used);
		}
	}
	/* Segments tile the data areas of all members exactly. */
	KUNIT_EXPECT_EQ(test, bitmap_weight(used, nr_devs * area),
			nr_devs * area);
}

static void salsa_slot_pba_skips_summary_and_maps_back(struct kunit *test)
{
	struct salsa_ftl *ftl = seg_test_ftl(test, 2, 4, 16, 2);
	u32 s, slot;

	for (s = 0; s < 4; s++) {
		for (slot = 0; slot < ftl->data_slots; slot++) {
			u64 pba = salsa_slot_pba(ftl, s, slot);

			KUNIT_EXPECT_EQ(test, salsa_pba_seg(ftl, pba), s);
			KUNIT_EXPECT_EQ(test, salsa_pba_idx(ftl, pba),
					slot + 2);
			KUNIT_EXPECT_EQ(test, salsa_pba_rev(ftl, pba),
					(u64)s * ftl->data_slots + slot);
		}
	}
}

/* ---- allocation ---- */

static void salsa_alloc_opens_least_worn_free_segment(struct kunit *test)
{
	static const u32 wear[] = { 5, 3, 7, 3, 9, 4 };
	struct salsa_ftl *ftl = seg_test_ftl(test, 1, 6, 16, 1);
	struct salsa_segment *seg = &ftl->segs[1];
	struct salsa_sum_entry *hdr;
	u64 pba;
	u32 i;

	for (i = 0; i < ARRAY_SIZE(wear); i++)
		ftl->segs[i].erase_count = wear[i];
	ftl->seq = 42;

	pba = salsa_alloc_slot(ftl, 2, false);
	/* Segments 1 and 3 tie at 3 erases: the lower number wins. */
	KUNIT_ASSERT_EQ(test, pba, salsa_slot_pba(ftl, 1, 0));
	KUNIT_EXPECT_PTR_EQ(test, ftl->open[2], seg);
	KUNIT_EXPECT_EQ(test, seg->state, (u8)SALSA_SEG_OPEN);
	KUNIT_EXPECT_EQ(test, seg->stream, 2);
	KUNIT_EXPECT_EQ(test, seg->erase_count, 4U);
	KUNIT_EXPECT_EQ(test, seg->gen, 1U);
	KUNIT_EXPECT_EQ(test, seg->inflight, 1U);
	KUNIT_EXPECT_EQ(test, ftl->nr_free_segs, 5U);
	KUNIT_EXPECT_EQ(test, ftl->segs_since_ckpt, 1U);
	KUNIT_EXPECT_FALSE(test, seg_test_on_list(&ftl->seg_free, seg));

	/* The header describes the incarnation and is due for a commit. */
	KUNIT_ASSERT_NOT_NULL(test, seg->sum);
	hdr = &seg->sum->entries[0];
	KUNIT_EXPECT_EQ(test, le16_to_cpu(hdr->type), SALSA_SUM_HEADER);
	KUNIT_EXPECT_EQ(test, le64_to_cpu(hdr->lba), SALSA_SEG_MAGIC);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(hdr->gen), 1U);
	KUNIT_EXPECT_EQ(test, le64_to_cpu(hdr->len), 4ULL);
	KUNIT_EXPECT_EQ(test, le64_to_cpu(hdr->dest), 2ULL);
	KUNIT_EXPECT_EQ(test, le64_to_cpu(hdr->seq), 42ULL);
	KUNIT_EXPECT_TRUE(test, seg_test_crc_ok(hdr));
	KUNIT_EXPECT_TRUE(test, test_bit(0, seg->sum->dirty));
	KUNIT_EXPECT_EQ(test, ftl->seq, 42ULL);

	/* The next stream gets segment 3, the other one with 3 erases. */
	pba = salsa_alloc_slot(ftl, 1, false);
	KUNIT_EXPECT_EQ(test, pba, salsa_slot_pba(ftl, 3, 0));
}

static void salsa_alloc_skips_free_segment_with_reads(struct kunit *test)
{
	struct salsa_ftl *ftl = seg_test_ftl(test, 1, 4, 16, 1);

	atomic_set(&ftl->segs[0].reads, 1);
	KUNIT_EXPECT_EQ(test, salsa_alloc_slot(ftl, 1, false),
			salsa_slot_pba(ftl, 1, 0));
	KUNIT_EXPECT_EQ(test, ftl->segs[0].state, (u8)SALSA_SEG_FREE);
	atomic_set(&ftl->segs[0].reads, 0);
}

static void salsa_alloc_leaves_reserve_to_gc(struct kunit *test)
{
	struct salsa_ftl *ftl = seg_test_ftl(test, 1, 4, 4, 1);
	u32 i;

	ftl->reserve_segs = 2;
	/* Users get two segments of three slots... */
	for (i = 0; i < 2 * ftl->data_slots; i++)
		KUNIT_ASSERT_NE(test, salsa_alloc_slot(ftl, 1, false),
				SALSA_PBA_NONE);
	KUNIT_EXPECT_EQ(test, ftl->nr_free_segs, 2U);
	/* ...then wait for GC, whose stream may still open the reserve. */
	KUNIT_EXPECT_EQ(test, salsa_alloc_slot(ftl, 1, false), SALSA_PBA_NONE);
	KUNIT_EXPECT_EQ(test, salsa_alloc_slot(ftl, 2, false), SALSA_PBA_NONE);
	KUNIT_EXPECT_NE(test, salsa_alloc_slot(ftl, 0, true), SALSA_PBA_NONE);
	KUNIT_EXPECT_EQ(test, ftl->nr_free_segs, 1U);
	/* Users leave what GC opened from the reserve to GC (streams=1)... */
	KUNIT_EXPECT_EQ(test, salsa_alloc_slot(ftl, 0, false), SALSA_PBA_NONE);
	KUNIT_EXPECT_NE(test, salsa_alloc_slot(ftl, 0, true), SALSA_PBA_NONE);
	/* ...until a freed segment refills the reserve. */
	ftl->nr_free_segs++;
	KUNIT_EXPECT_NE(test, salsa_alloc_slot(ftl, 0, false), SALSA_PBA_NONE);
}

static void salsa_alloc_fails_without_free_segments(struct kunit *test)
{
	struct salsa_ftl *ftl = seg_test_ftl(test, 1, 2, 2, 1);

	ftl->reserve_segs = 0;
	KUNIT_EXPECT_NE(test, salsa_alloc_slot(ftl, 0, true), SALSA_PBA_NONE);
	KUNIT_EXPECT_NE(test, salsa_alloc_slot(ftl, 0, true), SALSA_PBA_NONE);
	KUNIT_EXPECT_EQ(test, salsa_alloc_slot(ftl, 0, true), SALSA_PBA_NONE);
}

static void salsa_full_segment_closes_and_next_opens(struct kunit *test)
{
	struct salsa_ftl *ftl = seg_test_ftl(test, 2, 4, 8, 1);
	struct salsa_segment *first;
	u64 pba;
	u32 i;

	for (i = 0; i < ftl->data_slots; i++) {
		pba = salsa_alloc_slot(ftl, 1, false);
		KUNIT_EXPECT_EQ(test, pba, salsa_slot_pba(ftl, 0, i));
	}
	first = &ftl->segs[0];
	/* Closed as soon as the last slot is out, stamped with its age. */
	KUNIT_EXPECT_EQ(test, first->state, (u8)SALSA_SEG_CLOSED);
	KUNIT_EXPECT_EQ(test, first->close_seq, ftl->seq);
	KUNIT_EXPECT_NULL(test, ftl->open[1]);
	KUNIT_EXPECT_EQ(test, first->inflight, ftl->data_slots);
	/* Writes in flight: not pending although nothing is valid yet. */
	KUNIT_EXPECT_FALSE(test, seg_test_on_list(&ftl->seg_pending, first));

	pba = salsa_alloc_slot(ftl, 1, false);
	KUNIT_EXPECT_EQ(test, pba, salsa_slot_pba(ftl, 1, 0));
	KUNIT_EXPECT_PTR_EQ(test, ftl->open[1], &ftl->segs[1]);
	KUNIT_EXPECT_EQ(test, ftl->segs_since_ckpt, 2U);
}

/* ---- summaries ---- */

static void salsa_sum_entries_get_rising_seq_and_crc(struct kunit *test)
{
	/* Two summary pages: slot 63 is entry 64, the first of page 1. */
	struct salsa_ftl *ftl = seg_test_ftl(test, 1, 2, 100, 2);
	struct salsa_segment *seg;
	u64 prev = 0, seq, pba;
	u32 i;

	for (i = 0; i < 64; i++) {
		pba = salsa_alloc_slot(ftl, 1, false);
		KUNIT_ASSERT_NE(test, pba, SALSA_PBA_NONE);
		seq = salsa_sum_append(ftl, pba, SALSA_SUM_DATA, 1000 + i, 0, 0);
		KUNIT_EXPECT_GT(test, seq, prev);
		KUNIT_EXPECT_EQ(test, ftl->seq, seq + 1);
		prev = seq;
	}
	seg = &ftl->segs[0];
	for (i = 0; i < 64; i++) {
		struct salsa_sum_entry *e = salsa_sum_entry(seg->sum, i);

		KUNIT_EXPECT_EQ(test, le16_to_cpu(e->type), SALSA_SUM_DATA);
		KUNIT_EXPECT_EQ(test, le64_to_cpu(e->lba), 1000ULL + i);
		KUNIT_EXPECT_EQ(test, le32_to_cpu(e->gen), seg->gen);
		KUNIT_EXPECT_TRUE(test, seg_test_crc_ok(e));
	}
	KUNIT_EXPECT_TRUE(test, test_bit(0, seg->sum->dirty));
	KUNIT_EXPECT_TRUE(test, test_bit(1, seg->sum->dirty));
	/* Data entries shadow nothing. */
	KUNIT_EXPECT_EQ(test, seg->max_shadow_seq, 0ULL);
}

static const u16 seg_test_shadowing[] = { SALSA_SUM_TRIM, SALSA_SUM_REMAP };

static void seg_test_type_desc(const u16 *type, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s",
		 *type == SALSA_SUM_TRIM ? "trim" : "remap");
}

KUNIT_ARRAY_PARAM(seg_test_shadowing, seg_test_shadowing, seg_test_type_desc);

static void salsa_trim_and_remap_raise_max_shadow_seq(struct kunit *test)
{
	u16 type = *(const u16 *)test->param_value;
	struct salsa_ftl *ftl = seg_test_ftl(test, 1, 2, 8, 1);
	u64 pba, seq;

	pba = salsa_alloc_slot(ftl, 0, true);
	salsa_sum_append(ftl, pba, SALSA_SUM_DATA, 1, 0, 0);
	pba = salsa_alloc_slot(ftl, 0, true);
	seq = salsa_sum_append(ftl, pba, type, 10, 20, 5);
	KUNIT_EXPECT_EQ(test, ftl->segs[0].max_shadow_seq, seq);
	pba = salsa_alloc_slot(ftl, 0, true);
	salsa_sum_append(ftl, pba, SALSA_SUM_DATA, 2, 0, 0);
	KUNIT_EXPECT_EQ(test, ftl->segs[0].max_shadow_seq, seq);
}

/* ---- live slots, pending and free ---- */

/* Fills segment 0 with LBAs 100.. and completes every write. */
static struct salsa_segment *seg_test_fill(struct kunit *test,
					   struct salsa_ftl *ftl)
{
	u32 i;

	for (i = 0; i < ftl->data_slots; i++) {
		u64 pba = salsa_alloc_slot(ftl, 0, true);

		KUNIT_ASSERT_EQ(test, pba, salsa_slot_pba(ftl, 0, i));
		salsa_slot_written(ftl, pba);
		salsa_seg_validate(ftl, pba, 100 + i);
		salsa_sum_append(ftl, pba, SALSA_SUM_DATA, 100 + i, 0, 0);
	}
	return &ftl->segs[0];
}

static void salsa_validate_and_invalidate_keep_reverse_map(struct kunit *test)
{
	struct salsa_ftl *ftl = seg_test_ftl(test, 1, 4, 8, 1);
	struct salsa_segment *seg = seg_test_fill(test, ftl);
	u64 pba = salsa_slot_pba(ftl, 0, 3);

	KUNIT_EXPECT_EQ(test, seg->valid, ftl->data_slots);
	KUNIT_EXPECT_EQ(test, ftl->rev[3], 104ULL);
	salsa_seg_invalidate(ftl, pba);
	KUNIT_EXPECT_EQ(test, ftl->rev[3], 0ULL);
	KUNIT_EXPECT_EQ(test, seg->valid, ftl->data_slots - 1);
	KUNIT_EXPECT_EQ(test, seg->state, (u8)SALSA_SEG_CLOSED);
}

static void salsa_last_invalidation_makes_closed_pending(struct kunit *test)
{
	struct salsa_ftl *ftl = seg_test_ftl(test, 1, 4, 8, 1);
	struct salsa_segment *seg = seg_test_fill(test, ftl);
	u32 i;

	for (i = 0; i < ftl->data_slots; i++) {
		KUNIT_EXPECT_EQ(test, seg->state, (u8)SALSA_SEG_CLOSED);
		salsa_seg_invalidate(ftl, salsa_slot_pba(ftl, 0, i));
	}
	KUNIT_EXPECT_EQ(test, seg->state, (u8)SALSA_SEG_PENDING);
	KUNIT_EXPECT_TRUE(test, seg_test_on_list(&ftl->seg_pending, seg));
}

static void salsa_open_segment_stays_open_when_emptied(struct kunit *test)
{
	struct salsa_ftl *ftl = seg_test_ftl(test, 1, 4, 8, 1);
	u64 pba = salsa_alloc_slot(ftl, 1, false);

	salsa_slot_written(ftl, pba);
	salsa_seg_validate(ftl, pba, 7);
	salsa_seg_invalidate(ftl, pba);
	KUNIT_EXPECT_EQ(test, ftl->segs[0].state, (u8)SALSA_SEG_OPEN);
	KUNIT_EXPECT_TRUE(test, list_empty(&ftl->seg_pending));
}

static void salsa_closed_segment_never_live_goes_pending(struct kunit *test)
{
	struct salsa_ftl *ftl = seg_test_ftl(test, 1, 4, 4, 1);
	u32 i;

	/* Trim records only: slots taken, nothing ever valid. */
	for (i = 0; i < ftl->data_slots - 1; i++)
		salsa_slot_written(ftl, salsa_alloc_slot(ftl, 0, true));
	/* The last slot's write completes after the close. */
	salsa_alloc_slot(ftl, 0, true);
	KUNIT_EXPECT_EQ(test, ftl->segs[0].state, (u8)SALSA_SEG_CLOSED);
	salsa_slot_written(ftl, salsa_slot_pba(ftl, 0, ftl->data_slots - 1));
	/* GC's finishing check is what lets it go now. */
	salsa_seg_check_empty(ftl, &ftl->segs[0]);
	KUNIT_EXPECT_EQ(test, ftl->segs[0].state, (u8)SALSA_SEG_PENDING);
	KUNIT_EXPECT_TRUE(test, seg_test_on_list(&ftl->seg_pending,
						 &ftl->segs[0]));
}

struct seg_test_release {
	const char *desc;
	u64 max_shadow_seq;
	u64 ckpt_seq[2];
	int reads;
	bool victim;
	u32 nr_free;		/* free segments besides ours */
	bool freed;
	bool ckpt_wanted;
};

static const struct seg_test_release seg_test_releases[] = {
	{ "nothing shadowed", 0, { 0, 0 }, 0, false, 3, true, false },
	{ "shadow in both checkpoints", 10, { 12, 10 }, 0, false, 3, true,
	  false },
	{ "shadow in the newer checkpoint only", 10, { 12, 9 }, 0, false, 3,
	  false, false },
	{ "shadow in neither, free segments short", 10, { 5, 9 }, 0, false,
	  0, false, true },
	{ "direct read in flight", 0, { 0, 0 }, 1, false, 0, false, false },
	{ "still GC's victim", 0, { 0, 0 }, 0, true, 0, false, false },
};

static void seg_test_release_desc(const struct seg_test_release *t,
				  char *desc)
{
	strscpy(desc, t->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(seg_test_releases, seg_test_releases,
		  seg_test_release_desc);

static void salsa_release_pending_follows_the_rules(struct kunit *test)
{
	const struct seg_test_release *t = test->param_value;
	struct salsa_ftl *ftl = seg_test_ftl(test, 1, 4, 4, 1);
	struct salsa_segment *seg = &ftl->segs[0];
	u32 i;

	/* Use up all but t->nr_free of the other segments. */
	for (i = 1; i < 4 - t->nr_free; i++) {
		list_del_init(&ftl->segs[i].node);
		ftl->segs[i].state = SALSA_SEG_CLOSED;
		ftl->nr_free_segs--;
	}
	seg_test_fill(test, ftl);
	KUNIT_ASSERT_EQ(test, ftl->nr_free_segs, t->nr_free);
	seg->max_shadow_seq = t->max_shadow_seq;
	for (i = 0; i < ftl->data_slots; i++)
		salsa_seg_invalidate(ftl, salsa_slot_pba(ftl, 0, i));
	KUNIT_ASSERT_EQ(test, seg->state, (u8)SALSA_SEG_PENDING);

	ftl->ckpt_seq[0] = t->ckpt_seq[0];
	ftl->ckpt_seq[1] = t->ckpt_seq[1];
	atomic_set(&seg->reads, t->reads);
	seg->victim = t->victim;
	salsa_seg_release_pending(ftl);

	KUNIT_EXPECT_EQ(test, seg->state, t->freed ? (u8)SALSA_SEG_FREE :
						      (u8)SALSA_SEG_PENDING);
	KUNIT_EXPECT_EQ(test, ftl->nr_free_segs, t->nr_free + t->freed);
	KUNIT_EXPECT_EQ(test, seg_test_on_list(&ftl->seg_free, seg), t->freed);
	KUNIT_EXPECT_EQ(test, seg_test_on_list(&ftl->seg_pending, seg),
			!t->freed);
	if (t->freed)
		KUNIT_EXPECT_NULL(test, seg->sum);
	KUNIT_EXPECT_EQ(test, ftl->ckpt_wanted, t->ckpt_wanted);
	atomic_set(&seg->reads, 0);
}

static void salsa_stable_ckpt_seq_is_the_older_slot(struct kunit *test)
{
	struct salsa_ftl *ftl = seg_test_ftl(test, 1, 2, 4, 1);

	ftl->ckpt_seq[0] = 7;
	ftl->ckpt_seq[1] = 1ULL << 40;
	KUNIT_EXPECT_EQ(test, salsa_stable_ckpt_seq(ftl), 7ULL);
	ftl->ckpt_seq[1] = 0;
	KUNIT_EXPECT_EQ(test, salsa_stable_ckpt_seq(ftl), 0ULL);
}

static void salsa_freed_segment_reopens_as_new_incarnation(struct kunit *test)
{
	struct salsa_ftl *ftl = seg_test_ftl(test, 1, 1, 4, 1);
	struct salsa_segment *seg = seg_test_fill(test, ftl);
	u32 i;

	for (i = 0; i < ftl->data_slots; i++)
		salsa_seg_invalidate(ftl, salsa_slot_pba(ftl, 0, i));
	salsa_seg_release_pending(ftl);
	KUNIT_ASSERT_EQ(test, seg->state, (u8)SALSA_SEG_FREE);
	KUNIT_ASSERT_EQ(test, salsa_alloc_slot(ftl, 0, true),
			salsa_slot_pba(ftl, 0, 0));
	KUNIT_EXPECT_EQ(test, seg->gen, 2U);
	KUNIT_EXPECT_EQ(test, seg->erase_count, 2U);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(seg->sum->entries[0].gen), 2U);
	/* Nothing of the old incarnation's entries is left. */
	KUNIT_EXPECT_EQ(test, le16_to_cpu(salsa_sum_entry(seg->sum, 1)->type),
			SALSA_SUM_EMPTY);
}

/* ---- streams ---- */

struct seg_test_stream {
	const char *desc;
	unsigned int streams;
	u16 age;		/* epochs since the last write; 0: epoch 0 */
	u8 heat;
	bool meta;
	unsigned int stream;
};

static const struct seg_test_stream seg_test_streams[] = {
	{ "single log: hot", 1, 1, 15, false, 0 },
	{ "single log: meta", 1, 1, 0, true, 0 },
	{ "two streams: all users share 1", 2, 1, 15, true, 1 },
	{ "two streams: cold in 1 too", 2, 0, 0, false, 1 },
	{ "rewritten at once is hot", 4, 1, 0, false, 2 },
	{ "rewritten after long is cold", 4, 5000, 0, false, 1 },
	{ "never written since recovery is cold", 4, 0, 0, false, 1 },
	{ "high heat is hot whatever its age", 4, 0, 15, false, 2 },
	{ "some heat alone is not hot", 4, 5000, 7, false, 1 },
	{ "meta has its stream", 4, 1, 15, true, 3 },
	{ "three streams: meta goes by heat", 3, 1, 0, true, 2 },
	{ "three user classes: hottest", 5, 10, 0, false, 3 },
	{ "three user classes: warm", 5, 100, 0, false, 2 },
	{ "three user classes: cold", 5, 1000, 0, false, 1 },
	{ "three user classes: half heat is warm", 5, 1000, 8, false, 2 },
	{ "eight streams: meta last", 8, 1, 0, true, 7 },
};

static void seg_test_stream_desc(const struct seg_test_stream *t, char *desc)
{
	strscpy(desc, t->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(seg_test_streams, seg_test_streams, seg_test_stream_desc);

static void salsa_stream_user_separates_by_heat_and_origin(struct kunit *test)
{
	const struct seg_test_stream *t = test->param_value;
	struct salsa_ftl *ftl = seg_test_ftl(test, 1, 2, 4, 1);
	u16 epoch;

	ftl->cfg.streams = t->streams;
	ftl->epoch_shift = 0;
	ftl->user_writes = 20000;
	epoch = t->age ? salsa_epoch_now(ftl) - t->age : 0;
	KUNIT_EXPECT_EQ(test, salsa_stream_user(ftl, epoch, t->heat, t->meta),
			t->stream);
}

static void salsa_stream_gc_is_the_cold_stream(struct kunit *test)
{
	struct salsa_ftl *ftl = seg_test_ftl(test, 1, 2, 4, 1);
	unsigned int streams;

	for (streams = 1; streams <= SALSA_MAX_STREAMS; streams++) {
		ftl->cfg.streams = streams;
		KUNIT_EXPECT_EQ(test, salsa_stream_gc(ftl, 1, 15), 0U);
		KUNIT_EXPECT_EQ(test, salsa_stream_gc(ftl, 0, 0), 0U);
	}
}

static void salsa_epochs_divide_capacity_in_about_1024(struct kunit *test)
{
	static const u64 caps[] = { 1000, 1024, 4096, 3ULL << 20,
				    (1ULL << 38) + 5 };
	struct salsa_ftl *ftl = seg_test_ftl(test, 1, 2, 4, 1);
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(caps); i++) {
		ftl->capacity_pages = caps[i];
		salsa_streams_init(ftl);
		if (caps[i] < 1024) {
			KUNIT_EXPECT_EQ(test, ftl->epoch_shift, 0U);
			continue;
		}
		KUNIT_EXPECT_GE(test, caps[i] >> ftl->epoch_shift, 1024ULL);
		KUNIT_EXPECT_LT(test, caps[i] >> ftl->epoch_shift, 2048ULL);
	}
}

static void salsa_epoch_now_never_says_unwritten(struct kunit *test)
{
	struct salsa_ftl *ftl = seg_test_ftl(test, 1, 2, 4, 1);

	ftl->epoch_shift = 4;
	ftl->user_writes = 3;
	KUNIT_EXPECT_EQ(test, salsa_epoch_now(ftl), 1);
	ftl->user_writes = 5 << 4;
	KUNIT_EXPECT_EQ(test, salsa_epoch_now(ftl), 5);
	ftl->user_writes = 0x10000ULL << 4;	/* wrapped */
	KUNIT_EXPECT_EQ(test, salsa_epoch_now(ftl), 1);
}

static struct kunit_case salsa_segment_test_cases[] = {
	KUNIT_CASE_PARAM(salsa_striping_puts_page_i_on_member_i_mod_n,
			 seg_test_members_gen_params),
	KUNIT_CASE(salsa_slot_pba_skips_summary_and_maps_back),
	KUNIT_CASE(salsa_alloc_opens_least_worn_free_segment),
	KUNIT_CASE(salsa_alloc_skips_free_segment_with_reads),
	KUNIT_CASE(salsa_alloc_leaves_reserve_to_gc),
	KUNIT_CASE(salsa_alloc_fails_without_free_segments),
	KUNIT_CASE(salsa_full_segment_closes_and_next_opens),
	KUNIT_CASE(salsa_sum_entries_get_rising_seq_and_crc),
	KUNIT_CASE_PARAM(salsa_trim_and_remap_raise_max_shadow_seq,
			 seg_test_shadowing_gen_params),
	KUNIT_CASE(salsa_validate_and_invalidate_keep_reverse_map),
	KUNIT_CASE(salsa_last_invalidation_makes_closed_pending),
	KUNIT_CASE(salsa_open_segment_stays_open_when_emptied),
	KUNIT_CASE(salsa_closed_segment_never_live_goes_pending),
	KUNIT_CASE_PARAM(salsa_release_pending_follows_the_rules,
			 seg_test_releases_gen_params),
	KUNIT_CASE(salsa_stable_ckpt_seq_is_the_older_slot),
	KUNIT_CASE(salsa_freed_segment_reopens_as_new_incarnation),
	KUNIT_CASE_PARAM(salsa_stream_user_separates_by_heat_and_origin,
			 seg_test_streams_gen_params),
	KUNIT_CASE(salsa_stream_gc_is_the_cold_stream),
	KUNIT_CASE(salsa_epochs_divide_capacity_in_about_1024),
	KUNIT_CASE(salsa_epoch_now_never_says_unwritten),
	{}
};

struct kunit_suite salsa_segment_test_suite = {
	.name = "salsa_segment",
	.exit = seg_test_exit,
	.test_cases = salsa_segment_test_cases,
};
