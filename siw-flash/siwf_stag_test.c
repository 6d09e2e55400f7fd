// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: STag composition and checks, and the free-running ring indexes
 * the shared queues use, across the 2^32 wrap.
 */
#include <kunit/test.h>
#include <linux/errno.h>
#include <linux/limits.h>

#include "siwf_ring.h"
#include "siwf_stag.h"
#include "siwf_test.h"

struct siwf_stag_case {
	u32 index;
	u8 key;
	u32 stag;
};

static const struct siwf_stag_case siwf_stag_cases[] = {
	{ 1, 0x00, 0x00000100 },
	{ 1, 0xff, 0x000001ff },
	{ 0x123456, 0x78, 0x12345678 },
	{ 0xffffff, 0xff, 0xffffffff },
	{ 0x800000, 0x01, 0x80000001 },
};

static void siwf_stag_desc(const struct siwf_stag_case *c, char *d)
{
	snprintf(d, KUNIT_PARAM_DESC_SIZE, "0x%08x", c->stag);
}

KUNIT_ARRAY_PARAM(siwf_stag, siwf_stag_cases, siwf_stag_desc);

static void stag_compose_test(struct kunit *test)
{
	const struct siwf_stag_case *c = test->param_value;

	KUNIT_EXPECT_EQ(test, siwf_stag(c->index, c->key), c->stag);
	KUNIT_EXPECT_EQ(test, siwf_stag_index(c->stag), c->index);
	KUNIT_EXPECT_EQ(test, siwf_stag_key(c->stag), c->key);
}

static void stag_index_valid_test(struct kunit *test)
{
	KUNIT_EXPECT_FALSE(test, siwf_stag_index_valid(0, 100));
	KUNIT_EXPECT_TRUE(test, siwf_stag_index_valid(1, 100));
	KUNIT_EXPECT_TRUE(test, siwf_stag_index_valid(99, 100));
	KUNIT_EXPECT_FALSE(test, siwf_stag_index_valid(100, 100));
	/* 24 bits, whatever the table claims */
	KUNIT_EXPECT_TRUE(test, siwf_stag_index_valid(0xffffff, U32_MAX));
	KUNIT_EXPECT_FALSE(test, siwf_stag_index_valid(0x1000000, U32_MAX));
}

static void stag_rekey_test(struct kunit *test)
{
	u32 stag = siwf_stag(77, 0x10);

	KUNIT_EXPECT_EQ(test, siwf_stag_rekey(stag, siwf_stag(77, 0x11),
					      &stag), 0);
	KUNIT_EXPECT_EQ(test, stag, siwf_stag(77, 0x11));
	/* another region's index: refused, the STag unchanged */
	KUNIT_EXPECT_EQ(test, siwf_stag_rekey(stag, siwf_stag(78, 0x11),
					      &stag), -EINVAL);
	KUNIT_EXPECT_EQ(test, stag, siwf_stag(77, 0x11));
	/* the same key again is allowed */
	KUNIT_EXPECT_EQ(test, siwf_stag_rekey(stag, stag, &stag), 0);
}

static void stag_check_test(struct kunit *test)
{
	struct siwf_term_cause cause = { 0xee, 0xee, 0xee };
	u32 region = siwf_stag(5, 0x42);

	KUNIT_EXPECT_EQ(test, siwf_stag_check(region, region, true, &cause),
			0);
	KUNIT_EXPECT_EQ(test, cause.layer, 0xee);

	/* a retired key: the tagged segment fails at DDP */
	KUNIT_EXPECT_EQ(test, siwf_stag_check(siwf_stag(5, 0x41), region,
					      true, &cause), -EACCES);
	KUNIT_EXPECT_EQ(test, cause.layer, TERM_LAYER_DDP);
	KUNIT_EXPECT_EQ(test, cause.etype, DDP_ETYPE_TAGGED);
	KUNIT_EXPECT_EQ(test, cause.ecode, DDP_T_INVALID_STAG);

	/* a READ request's source at RDMAP */
	KUNIT_EXPECT_EQ(test, siwf_stag_check(siwf_stag(6, 0x42), region,
					      false, &cause), -EACCES);
	KUNIT_EXPECT_EQ(test, cause.layer, TERM_LAYER_RDMAP);
	KUNIT_EXPECT_EQ(test, cause.etype, RDMAP_ETYPE_REMOTE_PROTECTION);
	KUNIT_EXPECT_EQ(test, cause.ecode, RDMAP_ECODE_INVALID_STAG);
}

static struct kunit_case siwf_stag_test_cases[] = {
	KUNIT_CASE_PARAM(stag_compose_test, siwf_stag_gen_params),
	KUNIT_CASE(stag_index_valid_test),
	KUNIT_CASE(stag_rekey_test),
	KUNIT_CASE(stag_check_test),
	{}
};

struct kunit_suite siwf_stag_test_suite = {
	.name = "siw_flash_stag",
	.test_cases = siwf_stag_test_cases,
};

static void ring_size_test(struct kunit *test)
{
	KUNIT_EXPECT_FALSE(test, siwf_ring_size_valid(0));
	KUNIT_EXPECT_TRUE(test, siwf_ring_size_valid(1));
	KUNIT_EXPECT_TRUE(test, siwf_ring_size_valid(1024));
	KUNIT_EXPECT_FALSE(test, siwf_ring_size_valid(1000));
	KUNIT_EXPECT_TRUE(test, siwf_ring_size_valid(1U << 31));

	KUNIT_EXPECT_EQ(test, siwf_ring_size_for(0, 1024), 1);
	KUNIT_EXPECT_EQ(test, siwf_ring_size_for(1, 1024), 1);
	KUNIT_EXPECT_EQ(test, siwf_ring_size_for(3, 1024), 4);
	KUNIT_EXPECT_EQ(test, siwf_ring_size_for(513, 1024), 1024);
	KUNIT_EXPECT_EQ(test, siwf_ring_size_for(1024, 1024), 1024);
	KUNIT_EXPECT_EQ(test, siwf_ring_size_for(1025, 1024), 0);
	KUNIT_EXPECT_EQ(test, siwf_ring_size_for(U32_MAX, U32_MAX), 0);
}

static void ring_wrap_test(struct kunit *test)
{
	const u32 size = 8;
	u32 prod = U32_MAX - 1, cons = U32_MAX - 3;

	KUNIT_EXPECT_EQ(test, siwf_ring_used(prod, cons), 2);
	KUNIT_EXPECT_EQ(test, siwf_ring_slot(prod, size), 6);
	KUNIT_EXPECT_EQ(test, siwf_ring_slot(U32_MAX, size), 7);
	prod += 4;		/* wraps to 2 */
	KUNIT_EXPECT_EQ(test, prod, 2);
	KUNIT_EXPECT_EQ(test, siwf_ring_slot(prod, size), 2);
	KUNIT_EXPECT_EQ(test, siwf_ring_used(prod, cons), 6);
	KUNIT_EXPECT_EQ(test, siwf_ring_free(prod, cons, size), 2);
	KUNIT_EXPECT_FALSE(test, siwf_ring_full(prod, cons, size));
	prod += 2;
	KUNIT_EXPECT_TRUE(test, siwf_ring_full(prod, cons, size));
	KUNIT_EXPECT_EQ(test, siwf_ring_free(prod, cons, size), 0);
	cons += 8;
	KUNIT_EXPECT_TRUE(test, siwf_ring_empty(prod, cons));
	KUNIT_EXPECT_EQ(test, siwf_ring_used(prod, cons), 0);
}

/*
 * A ring of 4 used as a FIFO through the wrap: every slot is written
 * once per lap, entries come out in order, and the counters never
 * disagree with a plain count of what is inside.
 */
static void ring_fifo_through_wrap_test(struct kunit *test)
{
	const u32 size = 4;
	u32 slots[4], prod = U32_MAX - 9, cons = prod, next = 0, expect = 0;
	unsigned int step, inside = 0;

	for (step = 0; step < 64; step++) {
		bool push = (step % 3) != 2 && !siwf_ring_full(prod, cons,
							       size);

		if (push) {
			slots[siwf_ring_slot(prod++, size)] = next++;
			inside++;
		} else if (!siwf_ring_empty(prod, cons)) {
			KUNIT_EXPECT_EQ(test,
					slots[siwf_ring_slot(cons++, size)],
					expect++);
			inside--;
		}
		KUNIT_ASSERT_EQ(test, siwf_ring_used(prod, cons), inside);
		KUNIT_ASSERT_LE(test, inside, size);
	}
	KUNIT_EXPECT_LT(test, prod, 100U);	/* it did wrap */
	KUNIT_EXPECT_GT(test, expect, 10U);
}

static struct kunit_case siwf_ring_test_cases[] = {
	KUNIT_CASE(ring_size_test),
	KUNIT_CASE(ring_wrap_test),
	KUNIT_CASE(ring_fifo_through_wrap_test),
	{}
};

struct kunit_suite siwf_ring_test_suite = {
	.name = "siw_flash_ring",
	.test_cases = siwf_ring_test_cases,
};
