// SPDX-License-Identifier: GPL-2.0
/* KUnit: map changes over the sparse LBA space (trim, remap, lookup). */
#include <kunit/test.h>
#include <linux/highmem.h>

#include "kunit_ramdisk.h"
#include "writeback.h"

static const struct salsa_test_geo salsa_map_geo = {
	.nr_devs = 1,
	.dev_pages = 4096,
	.seg_pages = 64,
	.pool_pages = 32,
	.streams = 1,
	.virtual_pages = 1ULL << 36,
};

struct salsa_one {
	struct completion done;
	struct page *page;
	int err;
};

static void salsa_one_cb(void *ctx, u64 lba, struct page *page, int err)
{
	struct salsa_one *o = ctx;

	o->page = page;
	o->err = err;
	complete(&o->done);
}

/* Writes @v into the first word of @lba and makes it durable. */
static int salsa_write_word(struct salsa_ftl *ftl, u64 lba, u64 v)
{
	struct salsa_one o;
	u64 *p;
	int ret;

	init_completion(&o.done);
	ret = salsa_get_lba(ftl, lba, 1, SALSA_WRITE | SALSA_FULL,
			    salsa_one_cb, &o);
	if (ret)
		return ret;
	wait_for_completion(&o.done);
	if (o.err)
		return o.err;
	p = kmap_local_page(o.page);
	p[0] = v;
	kunmap_local(p);
	salsa_put_lba(ftl, lba, 1, SALSA_WRITE | SALSA_DIRTY);
	return salsa_sync_range_wait(ftl, lba, 1);
}

static u64 salsa_read_word(struct salsa_ftl *ftl, u64 lba)
{
	struct salsa_one o;
	u64 v, *p;

	init_completion(&o.done);
	if (salsa_get_lba(ftl, lba, 1, 0, salsa_one_cb, &o))
		return ~0ULL;
	wait_for_completion(&o.done);
	if (o.err)
		return ~0ULL;
	p = kmap_local_page(o.page);
	v = p[0];
	kunmap_local(p);
	salsa_put_lba(ftl, lba, 1, 0);
	return v;
}

static int salsa_trim_wait(struct salsa_ftl *ftl, u64 lba, u64 len)
{
	struct salsa_request req = {
		.type = SALSA_REQ_TRIM, .lba = lba, .len = len,
	};

	return salsa_request_wait(ftl, &req);
}

static void salsa_sparse_lbas_map_independently(struct kunit *test)
{
	struct salsa_ftl *ftl = salsa_test_ftl(test, &salsa_map_geo);
	static const u64 lbas[] = { 0, 1, 1ULL << 20, (1ULL << 36) - 1 };
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, ftl);
	for (i = 0; i < ARRAY_SIZE(lbas); i++)
		KUNIT_ASSERT_EQ(test, salsa_write_word(ftl, lbas[i], i + 100), 0);
	for (i = 0; i < ARRAY_SIZE(lbas); i++) {
		KUNIT_EXPECT_EQ(test, salsa_read_word(ftl, lbas[i]), i + 100);
		KUNIT_EXPECT_NE(test, salsa_map_lookup(ftl, lbas[i]),
				SALSA_PBA_NONE);
	}
	KUNIT_EXPECT_EQ(test, salsa_map_lookup(ftl, 2), SALSA_PBA_NONE);
	KUNIT_EXPECT_EQ(test, ftl->mapped_pages, ARRAY_SIZE(lbas));
	salsa_test_ftl_destroy(ftl);
}

static void salsa_trim_unmaps_only_its_range(struct kunit *test)
{
	struct salsa_ftl *ftl = salsa_test_ftl(test, &salsa_map_geo);
	u64 lba;

	KUNIT_ASSERT_NOT_NULL(test, ftl);
	for (lba = 10; lba < 20; lba++)
		KUNIT_ASSERT_EQ(test, salsa_write_word(ftl, lba, lba), 0);
	/* A huge range costs what is mapped in it, not its length. */
	KUNIT_ASSERT_EQ(test, salsa_trim_wait(ftl, 12, (1ULL << 36) - 12), 0);
	KUNIT_EXPECT_EQ(test, salsa_read_word(ftl, 11), 11);
	KUNIT_EXPECT_EQ(test, salsa_read_word(ftl, 12), 0);
	KUNIT_EXPECT_EQ(test, salsa_read_word(ftl, 19), 0);
	KUNIT_EXPECT_EQ(test, salsa_map_lookup(ftl, 15), SALSA_PBA_NONE);
	KUNIT_EXPECT_EQ(test, ftl->mapped_pages, 2);
	KUNIT_EXPECT_EQ(test, salsa_write_word(ftl, 15, 77), 0);
	KUNIT_EXPECT_EQ(test, salsa_read_word(ftl, 15), 77);
	salsa_test_ftl_destroy(ftl);
}

static void salsa_remap_moves_mappings_not_data(struct kunit *test)
{
	struct salsa_ftl *ftl = salsa_test_ftl(test, &salsa_map_geo);
	u64 pba, flash_before;

	KUNIT_ASSERT_NOT_NULL(test, ftl);
	KUNIT_ASSERT_EQ(test, salsa_write_word(ftl, 100, 0xabc), 0);
	KUNIT_ASSERT_EQ(test, salsa_write_word(ftl, 101, 0xdef), 0);
	pba = salsa_map_lookup(ftl, 100);
	flash_before = atomic64_read(&ftl->stats.user_flash_pages);
	KUNIT_ASSERT_EQ(test, salsa_remap(ftl, 100, 5000, 2), 0);
	KUNIT_EXPECT_EQ(test, salsa_map_lookup(ftl, 5000), pba);
	KUNIT_EXPECT_EQ(test, salsa_map_lookup(ftl, 100), SALSA_PBA_NONE);
	KUNIT_EXPECT_EQ(test, salsa_read_word(ftl, 5000), 0xabc);
	KUNIT_EXPECT_EQ(test, salsa_read_word(ftl, 5001), 0xdef);
	KUNIT_EXPECT_EQ(test, salsa_read_word(ftl, 100), 0);
	KUNIT_EXPECT_EQ(test, atomic64_read(&ftl->stats.user_flash_pages),
			flash_before);
	/* The destination must be free, and ranges must not overlap. */
	KUNIT_EXPECT_EQ(test, salsa_remap(ftl, 5000, 5001, 1), -EEXIST);
	KUNIT_EXPECT_EQ(test, salsa_remap(ftl, 5000, 5001, 2), -EINVAL);
	salsa_test_ftl_destroy(ftl);
}

static struct kunit_case salsa_map_cases[] = {
	KUNIT_CASE(salsa_sparse_lbas_map_independently),
	KUNIT_CASE(salsa_trim_unmaps_only_its_range),
	KUNIT_CASE(salsa_remap_moves_mappings_not_data),
	{}
};

struct kunit_suite salsa_map_test_suite = {
	.name = "salsa_map",
	.test_cases = salsa_map_cases,
};
