// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: geometry, replay of summary entries, and the superblock,
 * checkpoint and recovery paths of salsa_md_open() on RAM members that
 * only do synchronous metadata I/O.
 */
#include <kunit/test.h>
#include <linux/ktime.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#include "salsa.h"
#include "metadata.h"
#include "kunit_ramdisk.h"

/* ---- geometry ---- */

struct salsa_geo_case {
	const char *name;
	unsigned int nr_devs;
	u64 member_pages;
	u32 seg_pages;
	unsigned int op;
	unsigned int streams;
	int ret;
	u32 sum_pages, data_slots, nr_segs, meta_pages;
	u64 capacity;
	const char *error;	/* start of the static message */
};

static const struct salsa_geo_case salsa_geo_cases[] = {
	{ "one member, 1 MiB segments", 1, 16384, 256, 20, 4,
	  0, 4, 252, 63, 68, 11188 },
	{ "four members: the smaller metadata area frees room for more segments",
	  4, 16384, 256, 20, 4, 0, 4, 252, 252, 256, 49291 },
	{ "smallest segment: one summary page", 1, 1024, 16, 20, 4,
	  0, 1, 15, 63, 10, 666 },
	{ "129 pages: two summary pages hold the header and 127 slots",
	  1, 4096, 129, 20, 4, 0, 2, 127, 31, 20, 2387 },
	{ "130 pages: the 129th entry needs a third summary page",
	  2, 4096, 130, 20, 4, 0, 3, 127, 62, 36, 5537 },
	{ "member just big enough for 16 segments", 1, 4116, 256, 20, 4,
	  0, 4, 252, 16, 20, 1713 },
	{ "member one page short of 16 segments", 1, 4115, 256, 20, 4,
	  -EINVAL, .error = "member size: too small for 16 segments" },
	{ "segment below 16 pages", 1, 16384, 8, 20, 4,
	  -EINVAL, .error = "segment size: a segment needs at least 16 pages" },
	{ "segment not striped evenly over the members", 3, 16384, 256, 20, 4,
	  -EINVAL, .error = "segment size: must be a multiple of the number of members" },
	{ "overprovisioning below one segment", 1, 16384, 256, 1, 4,
	  -EINVAL, .error = "op: too little overprovisioning" },
	{ "reserve segments leave no capacity", 1, 4116, 256, 60, 8,
	  -EINVAL, .error = "op: overprovisioning and GC's reserve segments" },
};

static void salsa_geo_desc(const struct salsa_geo_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(salsa_geo, salsa_geo_cases, salsa_geo_desc);

static void salsa_geometry_layout_and_errors(struct kunit *test)
{
	const struct salsa_geo_case *c = test->param_value;
	struct salsa_ftl *ftl = kunit_kzalloc(test, sizeof(*ftl), GFP_KERNEL);
	char *error = NULL;
	int ret;

	KUNIT_ASSERT_NOT_NULL(test, ftl);
	ftl->nr_devs = c->nr_devs;
	ftl->cfg.streams = c->streams;
	ftl->cfg.gc_low_percent = SALSA_DEFAULT_GC_LOW;
	ftl->cfg.gc_high_percent = SALSA_DEFAULT_GC_HIGH;
	ret = salsa_geometry(ftl, c->member_pages, c->seg_pages, c->op, &error);
	KUNIT_ASSERT_EQ(test, ret, c->ret);
	if (ret) {
		KUNIT_ASSERT_NOT_NULL(test, error);
		KUNIT_EXPECT_TRUE_MSG(test, !strncmp(error, c->error,
						     strlen(c->error)),
				      "error \"%s\"", error);
		KUNIT_EXPECT_EQ(test, ftl->nr_segs, 0);
		return;
	}
	KUNIT_EXPECT_EQ(test, ftl->sum_pages, c->sum_pages);
	KUNIT_EXPECT_EQ(test, ftl->data_slots, c->data_slots);
	KUNIT_EXPECT_EQ(test, ftl->nr_segs, c->nr_segs);
	KUNIT_EXPECT_EQ(test, ftl->meta_pages, c->meta_pages);
	KUNIT_EXPECT_EQ(test, ftl->capacity_pages, c->capacity);
	KUNIT_EXPECT_EQ(test, ftl->chunk_pages, c->seg_pages / c->nr_devs);
	KUNIT_EXPECT_EQ(test, ftl->reserve_segs, c->streams + 2);
	KUNIT_EXPECT_GT(test, ftl->gc_low_segs, ftl->reserve_segs);
	KUNIT_EXPECT_GT(test, ftl->gc_high_segs, ftl->gc_low_segs);
	/* Every member holds the metadata area and all its chunks. */
	KUNIT_EXPECT_LE(test, (u64)ftl->meta_pages +
			(u64)ftl->nr_segs * ftl->chunk_pages, c->member_pages);
	KUNIT_EXPECT_EQ(test, ftl->meta_pages,
			SALSA_SB_COPIES + 2 * ftl->ckpt_pages);
}

/* ---- replay on a hand-built FTL ---- */

#define SALSA_RT_MAX	16

struct salsa_rt_disk {
	unsigned int nr;
	u64 pages;
	u8 *data[SALSA_MAX_DEVS];
};

/* test->priv of every case that builds an FTL. */
struct salsa_rt_ctx {
	struct salsa_ftl *ftl;
	bool md_state;		/* segs and rev are salsa_md_open()'s */
	struct salsa_rt_disk disk;
};

static void salsa_rt_exit(struct kunit *test)
{
	struct salsa_rt_ctx *ctx = test->priv;
	unsigned int i;

	if (!ctx)
		return;
	if (ctx->md_state)
		salsa_md_close(ctx->ftl);
	if (ctx->ftl)
		xa_destroy(&ctx->ftl->map);
	for (i = 0; i < ctx->disk.nr; i++)
		vfree(ctx->disk.data[i]);
	test->priv = NULL;
}

static struct salsa_rt_ctx *salsa_rt_ctx(struct kunit *test)
{
	struct salsa_rt_ctx *ctx = kunit_kzalloc(test, sizeof(*ctx),
						 GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	ctx->ftl = kunit_kzalloc(test, sizeof(*ctx->ftl), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx->ftl);
	xa_init_flags(&ctx->ftl->map, XA_FLAGS_LOCK_IRQ);
	test->priv = ctx;
	return ctx;
}

struct salsa_rt_log {
	struct salsa_sum_entry e[SALSA_RT_MAX];
	u64 pba[SALSA_RT_MAX];
	u64 nr;
};

static struct salsa_ftl *salsa_rt_ftl(struct kunit *test)
{
	struct salsa_ftl *ftl = salsa_rt_ctx(test)->ftl;
	char *error;

	ftl->nr_devs = 1;
	ftl->cfg.streams = 4;
	ftl->virtual_pages = 1ULL << 44;
	KUNIT_ASSERT_EQ(test, salsa_geometry(ftl, 1024, 16, 20, &error), 0);
	ftl->segs = kunit_kcalloc(test, ftl->nr_segs, sizeof(*ftl->segs),
				  GFP_KERNEL);
	ftl->rev = kunit_kcalloc(test, (size_t)ftl->nr_segs * ftl->data_slots,
				 sizeof(*ftl->rev), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ftl->segs);
	KUNIT_ASSERT_NOT_NULL(test, ftl->rev);
	return ftl;
}

static struct salsa_rt_log *salsa_rt_log(struct kunit *test)
{
	struct salsa_rt_log *log = kunit_kzalloc(test, sizeof(*log),
						 GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, log);
	return log;
}

static void salsa_rt_add(struct salsa_rt_log *log, u64 pba, u16 type,
			 u64 seq, u64 lba, u64 dest, u64 len)
{
	struct salsa_sum_entry *e = &log->e[log->nr];

	memset(e, 0, sizeof(*e));
	e->seq = cpu_to_le64(seq);
	e->lba = cpu_to_le64(lba);
	e->dest = cpu_to_le64(dest);
	e->len = cpu_to_le64(len);
	e->type = cpu_to_le16(type);
	log->pba[log->nr++] = pba;
}

static u64 salsa_rt_pba(struct salsa_ftl *ftl, u64 lba)
{
	void *entry = xa_load(&ftl->map, lba);

	return entry ? salsa_val_pba(entry) : SALSA_PBA_NONE;
}

static u64 salsa_rt_rev(struct salsa_ftl *ftl, u64 pba)
{
	return ftl->rev[salsa_pba_rev(ftl, pba)];
}

static int salsa_rt_replay(struct salsa_ftl *ftl, struct salsa_rt_log *log)
{
	return salsa_replay(ftl, log->e, log->nr, log->pba);
}

static void salsa_replay_later_seq_wins_whatever_the_array_order(struct kunit *test)
{
	struct salsa_ftl *ftl = salsa_rt_ftl(test);
	u64 a = salsa_slot_pba(ftl, 1, 0), b = salsa_slot_pba(ftl, 1, 1);
	u64 c = salsa_slot_pba(ftl, 2, 0);
	struct salsa_rt_log *log = salsa_rt_log(test);

	salsa_rt_add(log, c, SALSA_SUM_DATA, 5, 7, 0, 0);
	salsa_rt_add(log, a, SALSA_SUM_DATA, 9, 7, 0, 0);
	salsa_rt_add(log, b, SALSA_SUM_DATA, 3, 7, 0, 0);
	KUNIT_ASSERT_EQ(test, salsa_rt_replay(ftl, log), 0);

	KUNIT_EXPECT_EQ(test, salsa_rt_pba(ftl, 7), a);
	KUNIT_EXPECT_EQ(test, salsa_rt_rev(ftl, a), 8);
	KUNIT_EXPECT_EQ(test, salsa_rt_rev(ftl, b), 0);
	KUNIT_EXPECT_EQ(test, salsa_rt_rev(ftl, c), 0);
}

static void salsa_replay_trim_hides_older_data_not_newer(struct kunit *test)
{
	struct salsa_ftl *ftl = salsa_rt_ftl(test);
	u64 a = salsa_slot_pba(ftl, 1, 0), b = salsa_slot_pba(ftl, 1, 1);
	u64 c = salsa_slot_pba(ftl, 1, 2), d = salsa_slot_pba(ftl, 1, 3);
	u64 t = salsa_slot_pba(ftl, 4, 0);
	struct salsa_rt_log *log = salsa_rt_log(test);

	salsa_rt_add(log, c, SALSA_SUM_DATA, 4, 12, 0, 0);
	salsa_rt_add(log, t, SALSA_SUM_TRIM, 3, 10, 0, 10);
	salsa_rt_add(log, a, SALSA_SUM_DATA, 1, 10, 0, 0);
	salsa_rt_add(log, d, SALSA_SUM_DATA, 2, 25, 0, 0);
	salsa_rt_add(log, b, SALSA_SUM_DATA, 2, 11, 0, 0);
	KUNIT_ASSERT_EQ(test, salsa_rt_replay(ftl, log), 0);

	KUNIT_EXPECT_EQ(test, salsa_rt_pba(ftl, 10), SALSA_PBA_NONE);
	KUNIT_EXPECT_EQ(test, salsa_rt_pba(ftl, 11), SALSA_PBA_NONE);
	KUNIT_EXPECT_EQ(test, salsa_rt_pba(ftl, 12), c);
	KUNIT_EXPECT_EQ(test, salsa_rt_pba(ftl, 25), d);
	KUNIT_EXPECT_EQ(test, salsa_rt_rev(ftl, a), 0);
	KUNIT_EXPECT_EQ(test, salsa_rt_rev(ftl, b), 0);
	KUNIT_EXPECT_EQ(test, salsa_rt_rev(ftl, c), 13);
	/* The segment holding the TRIM must outlive the data it shadows. */
	KUNIT_EXPECT_EQ(test, ftl->segs[4].max_shadow_seq, 3);
	KUNIT_EXPECT_EQ(test, ftl->segs[1].max_shadow_seq, 0);
}

static void salsa_replay_remap_moves_mappings_and_reverse_entries(struct kunit *test)
{
	struct salsa_ftl *ftl = salsa_rt_ftl(test);
	u64 a = salsa_slot_pba(ftl, 1, 0), b = salsa_slot_pba(ftl, 1, 1);
	u64 c = salsa_slot_pba(ftl, 1, 2), d = salsa_slot_pba(ftl, 2, 0);
	u64 r = salsa_slot_pba(ftl, 3, 0);
	struct salsa_rt_log *log = salsa_rt_log(test);

	salsa_rt_add(log, a, SALSA_SUM_DATA, 1, 100, 0, 0);
	salsa_rt_add(log, b, SALSA_SUM_DATA, 2, 102, 0, 0);
	salsa_rt_add(log, c, SALSA_SUM_DATA, 3, 200, 0, 0);
	salsa_rt_add(log, d, SALSA_SUM_DATA, 5, 100, 0, 0);
	salsa_rt_add(log, r, SALSA_SUM_REMAP, 4, 100, 1000, 4);
	KUNIT_ASSERT_EQ(test, salsa_rt_replay(ftl, log), 0);

	KUNIT_EXPECT_EQ(test, salsa_rt_pba(ftl, 1000), a);
	KUNIT_EXPECT_EQ(test, salsa_rt_pba(ftl, 1001), SALSA_PBA_NONE);
	KUNIT_EXPECT_EQ(test, salsa_rt_pba(ftl, 1002), b);
	KUNIT_EXPECT_EQ(test, salsa_rt_pba(ftl, 102), SALSA_PBA_NONE);
	KUNIT_EXPECT_EQ(test, salsa_rt_pba(ftl, 200), c);
	/* Written after the remap: the source range is in use again. */
	KUNIT_EXPECT_EQ(test, salsa_rt_pba(ftl, 100), d);
	KUNIT_EXPECT_EQ(test, salsa_rt_rev(ftl, a), 1001);
	KUNIT_EXPECT_EQ(test, salsa_rt_rev(ftl, b), 1003);
	KUNIT_EXPECT_EQ(test, salsa_rt_rev(ftl, d), 101);
	KUNIT_EXPECT_EQ(test, ftl->segs[3].max_shadow_seq, 4);
}

static void salsa_replay_overlapping_remap_moves_each_mapping_once(struct kunit *test)
{
	struct salsa_ftl *ftl = salsa_rt_ftl(test);
	u64 a = salsa_slot_pba(ftl, 1, 0), b = salsa_slot_pba(ftl, 1, 1);
	u64 r = salsa_slot_pba(ftl, 3, 0);
	struct salsa_rt_log *log = salsa_rt_log(test);

	salsa_rt_add(log, a, SALSA_SUM_DATA, 1, 0, 0, 0);
	salsa_rt_add(log, b, SALSA_SUM_DATA, 2, 1, 0, 0);
	salsa_rt_add(log, r, SALSA_SUM_REMAP, 3, 0, 2, 4);
	KUNIT_ASSERT_EQ(test, salsa_rt_replay(ftl, log), 0);

	KUNIT_EXPECT_EQ(test, salsa_rt_pba(ftl, 0), SALSA_PBA_NONE);
	KUNIT_EXPECT_EQ(test, salsa_rt_pba(ftl, 1), SALSA_PBA_NONE);
	KUNIT_EXPECT_EQ(test, salsa_rt_pba(ftl, 2), a);
	KUNIT_EXPECT_EQ(test, salsa_rt_pba(ftl, 3), b);
	KUNIT_EXPECT_EQ(test, salsa_rt_pba(ftl, 4), SALSA_PBA_NONE);
	KUNIT_EXPECT_EQ(test, salsa_rt_pba(ftl, 5), SALSA_PBA_NONE);
	KUNIT_EXPECT_EQ(test, salsa_rt_rev(ftl, a), 3);
	KUNIT_EXPECT_EQ(test, salsa_rt_rev(ftl, b), 4);
}

static void salsa_replay_huge_trim_costs_only_the_mapped_entries(struct kunit *test)
{
	struct salsa_ftl *ftl = salsa_rt_ftl(test);
	u64 far = 1ULL << 40, start;
	struct salsa_rt_log *log = salsa_rt_log(test);

	salsa_rt_add(log, salsa_slot_pba(ftl, 1, 0), SALSA_SUM_DATA, 1, 0, 0, 0);
	salsa_rt_add(log, salsa_slot_pba(ftl, 1, 1), SALSA_SUM_DATA, 2,
		     far / 2, 0, 0);
	salsa_rt_add(log, salsa_slot_pba(ftl, 1, 2), SALSA_SUM_DATA, 3,
		     far - 1, 0, 0);
	salsa_rt_add(log, salsa_slot_pba(ftl, 1, 3), SALSA_SUM_DATA, 4,
		     far, 0, 0);
	salsa_rt_add(log, salsa_slot_pba(ftl, 2, 0), SALSA_SUM_TRIM, 5, 0, 0,
		     far);
	start = ktime_get_ns();
	KUNIT_ASSERT_EQ(test, salsa_rt_replay(ftl, log), 0);
	/* A walk over 2^40 LBAs would take hours; a few entries take us. */
	KUNIT_EXPECT_LT(test, ktime_get_ns() - start, 5ULL * NSEC_PER_SEC);

	KUNIT_EXPECT_EQ(test, salsa_rt_pba(ftl, 0), SALSA_PBA_NONE);
	KUNIT_EXPECT_EQ(test, salsa_rt_pba(ftl, far / 2), SALSA_PBA_NONE);
	KUNIT_EXPECT_EQ(test, salsa_rt_pba(ftl, far - 1), SALSA_PBA_NONE);
	KUNIT_EXPECT_EQ(test, salsa_rt_pba(ftl, far),
			salsa_slot_pba(ftl, 1, 3));
	KUNIT_EXPECT_EQ(test, salsa_rt_rev(ftl, salsa_slot_pba(ftl, 1, 2)), 0);
}

static void salsa_replay_same_lba_in_two_segments_keeps_the_newer(struct kunit *test)
{
	struct salsa_ftl *ftl = salsa_rt_ftl(test);
	u64 newer = salsa_slot_pba(ftl, 3, 0), older = salsa_slot_pba(ftl, 7, 4);
	struct salsa_rt_log *log = salsa_rt_log(test);

	salsa_rt_add(log, newer, SALSA_SUM_DATA, 20, 5, 0, 0);
	salsa_rt_add(log, older, SALSA_SUM_DATA, 10, 5, 0, 0);
	KUNIT_ASSERT_EQ(test, salsa_rt_replay(ftl, log), 0);

	KUNIT_EXPECT_EQ(test, salsa_rt_pba(ftl, 5), newer);
	KUNIT_EXPECT_EQ(test, salsa_rt_rev(ftl, newer), 6);
	KUNIT_EXPECT_EQ(test, salsa_rt_rev(ftl, older), 0);
}

static void salsa_replay_skips_entries_outside_the_device(struct kunit *test)
{
	struct salsa_ftl *ftl = salsa_rt_ftl(test);
	u64 a = salsa_slot_pba(ftl, 1, 0);
	struct salsa_rt_log *log = salsa_rt_log(test);

	salsa_rt_add(log, a, SALSA_SUM_DATA, 1, 3, 0, 0);
	/* Beyond the LBA space, in a summary page, beyond the segments. */
	salsa_rt_add(log, salsa_slot_pba(ftl, 1, 1), SALSA_SUM_DATA, 2,
		     ftl->virtual_pages, 0, 0);
	salsa_rt_add(log, 0, SALSA_SUM_DATA, 3, 4, 0, 0);
	salsa_rt_add(log, (u64)ftl->nr_segs * ftl->seg_pages + 1,
		     SALSA_SUM_DATA, 4, 4, 0, 0);
	/* A TRIM running off the end must not drop LBA 3. */
	salsa_rt_add(log, salsa_slot_pba(ftl, 2, 0), SALSA_SUM_TRIM, 5, 3, 0,
		     ftl->virtual_pages);
	KUNIT_ASSERT_EQ(test, salsa_rt_replay(ftl, log), 0);

	KUNIT_EXPECT_EQ(test, salsa_rt_pba(ftl, 3), a);
	KUNIT_EXPECT_EQ(test, salsa_rt_pba(ftl, 4), SALSA_PBA_NONE);
	KUNIT_EXPECT_EQ(test, salsa_rt_rev(ftl, salsa_slot_pba(ftl, 1, 1)), 0);
}

/* ---- salsa_md_open() on RAM members ---- */

static int salsa_rt_rw(struct salsa_ftl *ftl, unsigned int dev, u64 dev_page,
		       void *buf, unsigned int nr, blk_opf_t opf)
{
	struct salsa_rt_disk *disk = ftl->media_priv;
	u8 *addr;

	if (dev >= disk->nr || dev_page + nr > disk->pages)
		return -EIO;
	addr = disk->data[dev] + dev_page * SALSA_PAGE_SIZE;
	if (op_is_write(opf))
		memcpy(addr, buf, (size_t)nr * SALSA_PAGE_SIZE);
	else
		memcpy(buf, addr, (size_t)nr * SALSA_PAGE_SIZE);
	return 0;
}

static int salsa_rt_flush(struct salsa_ftl *ftl)
{
	return 0;
}

/* Metadata I/O only: salsa_md_open() never submits page I/O. */
static const struct salsa_media_ops salsa_rt_media = {
	.rw = salsa_rt_rw,
	.flush = salsa_rt_flush,
};

static const char *const salsa_rt_paths[] = { "ram0", "ram1" };

#define SALSA_RT_VPAGES		4096

/* Blank members of @pages pages with 16-page segments. */
static struct salsa_ftl *salsa_rt_md_ftl(struct kunit *test, unsigned int nr,
					 u64 pages)
{
	struct salsa_rt_ctx *ctx = salsa_rt_ctx(test);
	struct salsa_ftl *ftl = ctx->ftl;
	unsigned int i;

	ctx->md_state = true;
	ctx->disk.pages = pages;
	for (i = 0; i < nr; i++) {
		ctx->disk.data[i] = vzalloc(pages * SALSA_PAGE_SIZE);
		KUNIT_ASSERT_NOT_NULL(test, ctx->disk.data[i]);
		ctx->disk.nr++;
	}
	ftl->nr_devs = nr;
	ftl->cfg.nr_devs = nr;
	ftl->cfg.virtual_pages = SALSA_RT_VPAGES;
	ftl->cfg.op_percent = SALSA_DEFAULT_OP_PERCENT;
	ftl->cfg.seg_pages = 16;
	ftl->cfg.streams = 4;
	ftl->cfg.gc_low_percent = SALSA_DEFAULT_GC_LOW;
	ftl->cfg.gc_high_percent = SALSA_DEFAULT_GC_HIGH;
	ftl->virtual_pages = SALSA_RT_VPAGES;
	ftl->media = &salsa_rt_media;
	ftl->media_priv = &ctx->disk;
	for (i = 0; i < nr; i++) {
		ftl->cfg.dev_paths[i] = salsa_rt_paths[i];
		ftl->devs[i].pages = pages;
	}
	return ftl;
}

/* Closes and opens again, as after a power cut (RAM members keep data). */
static int salsa_rt_reopen(struct salsa_ftl *ftl, char **error)
{
	salsa_md_close(ftl);
	xa_destroy(&ftl->map);
	*error = NULL;
	return salsa_md_open(ftl, error);
}

static u8 *salsa_rt_page(struct salsa_ftl *ftl, unsigned int dev, u64 page)
{
	struct salsa_rt_disk *disk = ftl->media_priv;

	return disk->data[dev] + page * SALSA_PAGE_SIZE;
}

static struct salsa_sb *salsa_rt_sb(struct salsa_ftl *ftl, unsigned int dev,
				    unsigned int copy)
{
	return (struct salsa_sb *)salsa_rt_page(ftl, dev, copy);
}

static void salsa_rt_sb_seal(struct salsa_sb *sb)
{
	sb->crc = 0;
	sb->crc = cpu_to_le32(salsa_crc(sb, sizeof(*sb)));
}

static void salsa_rt_seal(struct salsa_sum_entry *e)
{
	e->crc = 0;
	e->crc = cpu_to_le32(salsa_crc(e, sizeof(*e)));
}

/* *error starts with @start (the static message, details are logged). */
static void salsa_rt_expect_error(struct kunit *test, const char *error,
				  const char *start)
{
	KUNIT_EXPECT_TRUE_MSG(test, error &&
			      !strncmp(error, start, strlen(start)),
			      "error \"%s\", expected \"%s...\"", error, start);
}

/* Entry @j (0: header) of segment @seg's summary on the RAM members. */
static struct salsa_sum_entry *salsa_rt_sum(struct salsa_ftl *ftl, u32 seg,
					    u32 j)
{
	u64 pba = (u64)seg * ftl->seg_pages + j / SALSA_SUM_PER_PAGE;
	u8 *page = salsa_rt_page(ftl, salsa_pba_dev(ftl, pba),
				 salsa_pba_dev_page(ftl, pba));

	return (struct salsa_sum_entry *)page + j % SALSA_SUM_PER_PAGE;
}

static void salsa_rt_sum_header(struct salsa_ftl *ftl, u32 seg, u32 gen,
				u64 seq, u32 erase_count, u8 stream)
{
	struct salsa_sum_entry *e = salsa_rt_sum(ftl, seg, 0);

	memset(e, 0, sizeof(*e));
	e->seq = cpu_to_le64(seq);
	e->lba = cpu_to_le64(SALSA_SEG_MAGIC);
	e->dest = cpu_to_le64(stream);
	e->len = cpu_to_le64(erase_count);
	e->gen = cpu_to_le32(gen);
	e->type = cpu_to_le16(SALSA_SUM_HEADER);
	salsa_rt_seal(e);
}

static struct salsa_sum_entry *
salsa_rt_sum_entry(struct salsa_ftl *ftl, u32 seg, u32 slot, u32 gen,
		   u16 type, u64 seq, u64 lba, u64 len)
{
	struct salsa_sum_entry *e = salsa_rt_sum(ftl, seg, slot + 1);

	memset(e, 0, sizeof(*e));
	e->seq = cpu_to_le64(seq);
	e->lba = cpu_to_le64(lba);
	e->len = cpu_to_le64(len);
	e->gen = cpu_to_le32(gen);
	e->type = cpu_to_le16(type);
	salsa_rt_seal(e);
	return e;
}

static void salsa_md_formats_blank_members_and_opens_them_again(struct kunit *test)
{
	struct salsa_ftl *ftl = salsa_rt_md_ftl(test, 2, 512);
	char *error = NULL;
	uuid_t uuid;
	u32 s;

	KUNIT_ASSERT_EQ(test, salsa_md_open(ftl, &error), 0);
	KUNIT_EXPECT_FALSE(test, uuid_is_null(&ftl->uuid));
	KUNIT_EXPECT_EQ(test, ftl->nr_segs, 62);
	KUNIT_EXPECT_EQ(test, ftl->nr_free_segs, 62);
	KUNIT_EXPECT_EQ(test, ftl->seq, 1);
	KUNIT_EXPECT_EQ(test, ftl->ckpt_seq[0], 0);
	KUNIT_EXPECT_EQ(test, ftl->ckpt_seq[1], 0);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(salsa_rt_sb(ftl, 1, 1)->member), 1);
	uuid_copy(&uuid, &ftl->uuid);

	KUNIT_ASSERT_EQ(test, salsa_rt_reopen(ftl, &error), 0);
	KUNIT_EXPECT_TRUE(test, uuid_equal(&uuid, &ftl->uuid));
	KUNIT_EXPECT_EQ(test, ftl->nr_segs, 62);
	KUNIT_EXPECT_EQ(test, ftl->nr_free_segs, 62);
	KUNIT_EXPECT_EQ(test, ftl->mapped_pages, 0);
	for (s = 0; s < ftl->nr_segs; s++)
		KUNIT_EXPECT_EQ(test, ftl->segs[s].state, SALSA_SEG_FREE);
}

static void salsa_md_refuses_foreign_data_unless_format_is_given(struct kunit *test)
{
	struct salsa_ftl *ftl = salsa_rt_md_ftl(test, 2, 512);
	char *error = NULL;

	memcpy(salsa_rt_page(ftl, 1, 0), "\x53\xef not salsa", 11);
	KUNIT_EXPECT_EQ(test, salsa_md_open(ftl, &error), -EINVAL);
	salsa_rt_expect_error(test, error,
			      "member: holds data that is not a salsa superblock; add format=1");
	/* Nothing is left behind. */
	KUNIT_EXPECT_NULL(test, ftl->segs);
	KUNIT_EXPECT_NULL(test, ftl->rev);
	KUNIT_EXPECT_EQ(test, ftl->nr_segs, 0);

	ftl->cfg.format = true;
	KUNIT_ASSERT_EQ(test, salsa_md_open(ftl, &error), 0);
	KUNIT_EXPECT_EQ(test, le64_to_cpu(salsa_rt_sb(ftl, 1, 0)->magic),
			SALSA_SB_MAGIC);
}

static void salsa_md_format_flag_replaces_an_existing_format(struct kunit *test)
{
	struct salsa_ftl *ftl = salsa_rt_md_ftl(test, 1, 1024);
	char *error = NULL;
	uuid_t uuid;

	KUNIT_ASSERT_EQ(test, salsa_md_open(ftl, &error), 0);
	uuid_copy(&uuid, &ftl->uuid);
	/* Old summaries must not come back in the new format. */
	salsa_rt_sum_header(ftl, 3, 1, 1, 1, 0);
	salsa_rt_sum_entry(ftl, 3, 0, 1, SALSA_SUM_DATA, 2, 9, 0);
	ftl->cfg.format = true;
	KUNIT_ASSERT_EQ(test, salsa_rt_reopen(ftl, &error), 0);
	KUNIT_EXPECT_FALSE(test, uuid_equal(&uuid, &ftl->uuid));
	ftl->cfg.format = false;
	KUNIT_ASSERT_EQ(test, salsa_rt_reopen(ftl, &error), 0);
	KUNIT_EXPECT_EQ(test, ftl->mapped_pages, 0);
	KUNIT_EXPECT_NULL(test, xa_load(&ftl->map, 9));
	KUNIT_EXPECT_EQ(test, ftl->segs[3].state, SALSA_SEG_FREE);
}

static void salsa_md_uses_the_other_sb_copy_when_one_is_corrupt(struct kunit *test)
{
	struct salsa_ftl *ftl = salsa_rt_md_ftl(test, 1, 1024);
	char *error = NULL;
	uuid_t uuid;

	KUNIT_ASSERT_EQ(test, salsa_md_open(ftl, &error), 0);
	uuid_copy(&uuid, &ftl->uuid);
	salsa_rt_sb(ftl, 0, 0)->reserved[100] ^= 1;
	KUNIT_ASSERT_EQ(test, salsa_rt_reopen(ftl, &error), 0);
	KUNIT_EXPECT_TRUE(test, uuid_equal(&uuid, &ftl->uuid));

	salsa_rt_sb(ftl, 0, 1)->nr_segs ^= cpu_to_le32(4);
	KUNIT_EXPECT_EQ(test, salsa_rt_reopen(ftl, &error), -EINVAL);
	salsa_rt_expect_error(test, error,
			      "member: both superblock copies are corrupt");
}

static void salsa_md_refuses_members_that_do_not_belong_together(struct kunit *test)
{
	struct salsa_ftl *ftl = salsa_rt_md_ftl(test, 2, 512);
	struct salsa_rt_disk *disk = ftl->media_priv;
	char *error = NULL;
	unsigned int k;

	KUNIT_ASSERT_EQ(test, salsa_md_open(ftl, &error), 0);

	swap(disk->data[0], disk->data[1]);
	KUNIT_EXPECT_EQ(test, salsa_rt_reopen(ftl, &error), -EINVAL);
	salsa_rt_expect_error(test, error,
			      "member: listed at the wrong position");
	swap(disk->data[0], disk->data[1]);

	for (k = 0; k < SALSA_SB_COPIES; k++) {
		salsa_rt_sb(ftl, 1, k)->uuid[0] ^= 0x80;
		salsa_rt_sb_seal(salsa_rt_sb(ftl, 1, k));
	}
	KUNIT_EXPECT_EQ(test, salsa_rt_reopen(ftl, &error), -EINVAL);
	salsa_rt_expect_error(test, error,
			      "members: they belong to different salsa devices");

	memset(salsa_rt_page(ftl, 1, 0), 0, SALSA_SB_COPIES * SALSA_PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, salsa_rt_reopen(ftl, &error), -EINVAL);
	salsa_rt_expect_error(test, error,
			      "member: unformatted while others hold a salsa format");

	ftl->nr_devs = 1;
	ftl->cfg.nr_devs = 1;
	KUNIT_EXPECT_EQ(test, salsa_rt_reopen(ftl, &error), -EINVAL);
	salsa_rt_expect_error(test, error,
			      "members: the table lists a different number");
}

static void salsa_md_refuses_a_table_that_differs_from_the_format(struct kunit *test)
{
	struct salsa_ftl *ftl = salsa_rt_md_ftl(test, 1, 1024);
	char *error = NULL;

	KUNIT_ASSERT_EQ(test, salsa_md_open(ftl, &error), 0);

	ftl->cfg.virtual_pages = SALSA_RT_VPAGES + 1;
	KUNIT_EXPECT_EQ(test, salsa_rt_reopen(ftl, &error), -EINVAL);
	salsa_rt_expect_error(test, error,
			      "virtual size: differs from the format's");
	ftl->cfg.virtual_pages = SALSA_RT_VPAGES;

	ftl->cfg.seg_pages = 32;
	KUNIT_EXPECT_EQ(test, salsa_rt_reopen(ftl, &error), -EINVAL);
	salsa_rt_expect_error(test, error,
			      "segment_size: differs from the format's");
	/* 0: whatever the format has. */
	ftl->cfg.seg_pages = 0;
	KUNIT_EXPECT_EQ(test, salsa_rt_reopen(ftl, &error), 0);
	KUNIT_EXPECT_EQ(test, ftl->seg_pages, 16);

	ftl->devs[0].pages--;
	KUNIT_EXPECT_EQ(test, salsa_rt_reopen(ftl, &error), -EINVAL);
	salsa_rt_expect_error(test, error,
			      "member: smaller than when it was formatted");
}

static void salsa_md_refuses_a_newer_format_version(struct kunit *test)
{
	struct salsa_ftl *ftl = salsa_rt_md_ftl(test, 1, 1024);
	char *error = NULL;
	unsigned int k;

	KUNIT_ASSERT_EQ(test, salsa_md_open(ftl, &error), 0);
	for (k = 0; k < SALSA_SB_COPIES; k++) {
		salsa_rt_sb(ftl, 0, k)->version =
			cpu_to_le32(SALSA_FORMAT_VERSION + 1);
		salsa_rt_sb_seal(salsa_rt_sb(ftl, 0, k));
	}
	KUNIT_EXPECT_EQ(test, salsa_rt_reopen(ftl, &error), -EINVAL);
	salsa_rt_expect_error(test, error,
			      "member: holds a salsa format version");
}

/* Live data of segment 2 as a checkpoint would find it after a run. */
static void salsa_rt_fake_run(struct salsa_ftl *ftl, u64 next_seq)
{
	ftl->segs[2].gen = 1;
	ftl->segs[2].erase_count = 1;
	ftl->segs[2].state = SALSA_SEG_CLOSED;
	ftl->rev[salsa_pba_rev(ftl, salsa_slot_pba(ftl, 2, 0))] = 41;
	ftl->rev[salsa_pba_rev(ftl, salsa_slot_pba(ftl, 2, 5))] = 43;
	ftl->seq = next_seq;
}

static void salsa_ckpt_round_trip_restores_map_and_segments(struct kunit *test)
{
	struct salsa_ftl *ftl = salsa_rt_md_ftl(test, 1, 1024);
	char *error = NULL;
	void *entry;

	KUNIT_ASSERT_EQ(test, salsa_md_open(ftl, &error), 0);
	salsa_rt_fake_run(ftl, 10);
	KUNIT_ASSERT_EQ(test, salsa_ckpt_write(ftl), 0);
	KUNIT_EXPECT_EQ(test, ftl->ckpt_seq[0], 9);
	KUNIT_EXPECT_EQ(test, ftl->ckpt_next, 1);
	KUNIT_EXPECT_EQ(test, atomic64_read(&ftl->stats.checkpoints), 1);
	KUNIT_EXPECT_EQ(test, atomic64_read(&ftl->stats.meta_flash_pages),
			ftl->ckpt_pages);

	KUNIT_ASSERT_EQ(test, salsa_rt_reopen(ftl, &error), 0);
	entry = xa_load(&ftl->map, 40);
	KUNIT_ASSERT_TRUE(test, xa_is_value(entry));
	KUNIT_EXPECT_EQ(test, salsa_val_pba(entry), salsa_slot_pba(ftl, 2, 0));
	entry = xa_load(&ftl->map, 42);
	KUNIT_ASSERT_TRUE(test, xa_is_value(entry));
	KUNIT_EXPECT_EQ(test, salsa_val_pba(entry), salsa_slot_pba(ftl, 2, 5));
	KUNIT_EXPECT_EQ(test, ftl->mapped_pages, 2);
	KUNIT_EXPECT_EQ(test, ftl->segs[2].state, SALSA_SEG_CLOSED);
	KUNIT_EXPECT_EQ(test, ftl->segs[2].valid, 2);
	KUNIT_EXPECT_EQ(test, ftl->segs[2].gen, 1);
	KUNIT_EXPECT_EQ(test, ftl->segs[2].erase_count, 1);
	KUNIT_EXPECT_EQ(test, ftl->nr_free_segs, ftl->nr_segs - 1);
	KUNIT_EXPECT_EQ(test, ftl->ckpt_seq[0], 9);
	KUNIT_EXPECT_EQ(test, ftl->ckpt_next, 1);
	KUNIT_EXPECT_EQ(test, ftl->seq, 10);
}

static void salsa_md_replays_current_summary_entries_newer_than_the_checkpoint(struct kunit *test)
{
	struct salsa_ftl *ftl = salsa_rt_md_ftl(test, 1, 1024);
	struct salsa_sum_entry *e;
	char *error = NULL;
	void *entry;

	KUNIT_ASSERT_EQ(test, salsa_md_open(ftl, &error), 0);
	salsa_rt_fake_run(ftl, 10);
	KUNIT_ASSERT_EQ(test, salsa_ckpt_write(ftl), 0);

	/* Segment 2's own summary: its incarnation is the checkpoint's. */
	salsa_rt_sum_header(ftl, 2, 1, 1, 1, 0);
	salsa_rt_sum_entry(ftl, 2, 0, 1, SALSA_SUM_DATA, 3, 40, 0);
	/* Segment 5, opened after the checkpoint. */
	salsa_rt_sum_header(ftl, 5, 1, 11, 7, 2);
	salsa_rt_sum_entry(ftl, 5, 0, 1, SALSA_SUM_DATA, 12, 40, 0);
	salsa_rt_sum_entry(ftl, 5, 1, 1, SALSA_SUM_TRIM, 13, 42, 1);
	/* Left by a later incarnation whose header never landed. */
	salsa_rt_sum_entry(ftl, 5, 2, 2, SALSA_SUM_DATA, 14, 78, 0);
	e = salsa_rt_sum_entry(ftl, 5, 3, 1, SALSA_SUM_DATA, 15, 79, 0);
	e->crc ^= cpu_to_le32(1);

	KUNIT_ASSERT_EQ(test, salsa_rt_reopen(ftl, &error), 0);
	entry = xa_load(&ftl->map, 40);
	KUNIT_ASSERT_TRUE(test, xa_is_value(entry));
	KUNIT_EXPECT_EQ(test, salsa_val_pba(entry), salsa_slot_pba(ftl, 5, 0));
	KUNIT_EXPECT_NULL(test, xa_load(&ftl->map, 42));
	KUNIT_EXPECT_NULL(test, xa_load(&ftl->map, 78));
	KUNIT_EXPECT_NULL(test, xa_load(&ftl->map, 79));
	KUNIT_EXPECT_EQ(test, ftl->mapped_pages, 1);
	KUNIT_EXPECT_EQ(test, ftl->rev[salsa_pba_rev(ftl, salsa_slot_pba(ftl, 5, 0))],
			41);

	/* Segment 2 lost both pages: empty, nothing shadowed, free. */
	KUNIT_EXPECT_EQ(test, ftl->segs[2].state, SALSA_SEG_FREE);
	KUNIT_EXPECT_EQ(test, ftl->segs[5].state, SALSA_SEG_CLOSED);
	KUNIT_EXPECT_EQ(test, ftl->segs[5].valid, 1);
	KUNIT_EXPECT_EQ(test, ftl->segs[5].max_shadow_seq, 13);
	KUNIT_EXPECT_EQ(test, ftl->segs[5].erase_count, 7);
	KUNIT_EXPECT_EQ(test, ftl->segs[5].stream, 2);
	/* The next open must not reuse gen 2, nor any seq on flash. */
	KUNIT_EXPECT_EQ(test, ftl->segs[5].gen, 2);
	KUNIT_EXPECT_EQ(test, ftl->seq, 15);
}

static void salsa_md_falls_back_to_older_checkpoint_when_newest_is_corrupt(struct kunit *test)
{
	struct salsa_ftl *ftl = salsa_rt_md_ftl(test, 1, 1024);
	char *error = NULL;

	KUNIT_ASSERT_EQ(test, salsa_md_open(ftl, &error), 0);
	salsa_rt_fake_run(ftl, 5);
	ftl->rev[salsa_pba_rev(ftl, salsa_slot_pba(ftl, 2, 5))] = 0;
	KUNIT_ASSERT_EQ(test, salsa_ckpt_write(ftl), 0);
	ftl->rev[salsa_pba_rev(ftl, salsa_slot_pba(ftl, 2, 5))] = 43;
	ftl->seq = 8;
	KUNIT_ASSERT_EQ(test, salsa_ckpt_write(ftl), 0);
	KUNIT_EXPECT_EQ(test, ftl->ckpt_seq[1], 7);

	/* A torn payload under an intact header. */
	salsa_rt_page(ftl, 0, salsa_ckpt_slot_page(ftl, 1) + 1)[0] ^= 1;
	KUNIT_ASSERT_EQ(test, salsa_rt_reopen(ftl, &error), 0);
	KUNIT_EXPECT_NOT_NULL(test, xa_load(&ftl->map, 40));
	KUNIT_EXPECT_NULL(test, xa_load(&ftl->map, 42));
	KUNIT_EXPECT_EQ(test, ftl->ckpt_seq[0], 4);
	KUNIT_EXPECT_EQ(test, ftl->ckpt_seq[1], 0);
	/* The corrupt slot is the one to overwrite next. */
	KUNIT_EXPECT_EQ(test, ftl->ckpt_next, 1);
}

static void salsa_md_replays_everything_without_a_checkpoint(struct kunit *test)
{
	struct salsa_ftl *ftl = salsa_rt_md_ftl(test, 2, 2048);
	char *error = NULL;
	void *entry;

	/* Four summary pages striped over two members: two each. */
	ftl->cfg.seg_pages = 196;
	KUNIT_ASSERT_EQ(test, salsa_md_open(ftl, &error), 0);
	KUNIT_ASSERT_EQ(test, ftl->sum_pages, 4);
	salsa_rt_sum_header(ftl, 3, 1, 1, 1, 1);
	salsa_rt_sum_entry(ftl, 3, 0, 1, SALSA_SUM_DATA, 1, 10, 0);
	salsa_rt_sum_entry(ftl, 3, 69, 1, SALSA_SUM_DATA, 2, 11, 0);
	salsa_rt_sum_entry(ftl, 3, 129, 1, SALSA_SUM_DATA, 4, 12, 0);
	salsa_rt_sum_entry(ftl, 3, 191, 1, SALSA_SUM_DATA, 5, 13, 0);
	salsa_rt_sum_header(ftl, 4, 1, 3, 1, 0);
	salsa_rt_sum_entry(ftl, 4, 0, 1, SALSA_SUM_TRIM, 3, 11, 1);

	KUNIT_ASSERT_EQ(test, salsa_rt_reopen(ftl, &error), 0);
	KUNIT_EXPECT_NOT_NULL(test, xa_load(&ftl->map, 10));
	KUNIT_EXPECT_NULL(test, xa_load(&ftl->map, 11));
	KUNIT_EXPECT_NOT_NULL(test, xa_load(&ftl->map, 12));
	entry = xa_load(&ftl->map, 13);
	KUNIT_ASSERT_TRUE(test, xa_is_value(entry));
	KUNIT_EXPECT_EQ(test, salsa_val_pba(entry),
			salsa_slot_pba(ftl, 3, 191));
	KUNIT_EXPECT_EQ(test, ftl->segs[3].state, SALSA_SEG_CLOSED);
	KUNIT_EXPECT_EQ(test, ftl->segs[3].valid, 3);
	/* Only a TRIM: it waits for two checkpoints before it is erased. */
	KUNIT_EXPECT_EQ(test, ftl->segs[4].state, SALSA_SEG_PENDING);
	KUNIT_EXPECT_EQ(test, ftl->segs[4].max_shadow_seq, 3);
	KUNIT_EXPECT_EQ(test, ftl->nr_free_segs, ftl->nr_segs - 2);
	KUNIT_EXPECT_EQ(test, ftl->seq, 6);
	KUNIT_EXPECT_EQ(test, ftl->mapped_pages, 3);
}

static struct kunit_case salsa_recovery_cases[] = {
	KUNIT_CASE_PARAM(salsa_geometry_layout_and_errors, salsa_geo_gen_params),
	KUNIT_CASE(salsa_replay_later_seq_wins_whatever_the_array_order),
	KUNIT_CASE(salsa_replay_trim_hides_older_data_not_newer),
	KUNIT_CASE(salsa_replay_remap_moves_mappings_and_reverse_entries),
	KUNIT_CASE(salsa_replay_overlapping_remap_moves_each_mapping_once),
	KUNIT_CASE(salsa_replay_huge_trim_costs_only_the_mapped_entries),
	KUNIT_CASE(salsa_replay_same_lba_in_two_segments_keeps_the_newer),
	KUNIT_CASE(salsa_replay_skips_entries_outside_the_device),
	KUNIT_CASE(salsa_md_formats_blank_members_and_opens_them_again),
	KUNIT_CASE(salsa_md_refuses_foreign_data_unless_format_is_given),
	KUNIT_CASE(salsa_md_format_flag_replaces_an_existing_format),
	KUNIT_CASE(salsa_md_uses_the_other_sb_copy_when_one_is_corrupt),
	KUNIT_CASE(salsa_md_refuses_members_that_do_not_belong_together),
	KUNIT_CASE(salsa_md_refuses_a_table_that_differs_from_the_format),
	KUNIT_CASE(salsa_md_refuses_a_newer_format_version),
	KUNIT_CASE(salsa_ckpt_round_trip_restores_map_and_segments),
	KUNIT_CASE(salsa_md_replays_current_summary_entries_newer_than_the_checkpoint),
	KUNIT_CASE(salsa_md_falls_back_to_older_checkpoint_when_newest_is_corrupt),
	KUNIT_CASE(salsa_md_replays_everything_without_a_checkpoint),
	{}
};

struct kunit_suite salsa_recovery_test_suite = {
	.name = "salsa_recovery",
	.exit = salsa_rt_exit,
	.test_cases = salsa_recovery_cases,
};
