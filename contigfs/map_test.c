// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: user address -> LBA for contigfs_resolve_vma() (cfs_map_lba()):
 * offsets into the mapping and the file, ranges inside, outside and
 * straddling the mapping, and the end of the file's block.
 */
#include <kunit/test.h>

#include "contigfs.h"

#define VM_START	0x7f0000000000UL
#define BLOCK_LBA	4096ULL		/* the file's block: LBAs 4096.. */
#define CAPACITY	16ULL		/* pages in the block */

/* A mapping of 8 pages of the file from file page @pgoff on. */
static int map(pgoff_t pgoff, unsigned long addr, u64 len, u64 *lba)
{
	return cfs_map_lba(VM_START, VM_START + 8 * PAGE_SIZE, pgoff,
			   BLOCK_LBA, CAPACITY, addr, len, lba);
}

static void cfs_map_offsets(struct kunit *test)
{
	u64 lba = 0;

	KUNIT_EXPECT_EQ(test, map(0, VM_START, 1, &lba), 0);
	KUNIT_EXPECT_EQ(test, lba, BLOCK_LBA);
	/* Page 3 of the mapping, 100 bytes in, across into page 4. */
	KUNIT_EXPECT_EQ(test, map(0, VM_START + 3 * PAGE_SIZE + 100, 5000, &lba), 0);
	KUNIT_EXPECT_EQ(test, lba, BLOCK_LBA + 3);
	/* The mmap offset adds: file page 5 + mapping page 2. */
	KUNIT_EXPECT_EQ(test, map(5, VM_START + 2 * PAGE_SIZE, PAGE_SIZE, &lba), 0);
	KUNIT_EXPECT_EQ(test, lba, BLOCK_LBA + 7);
}

static void cfs_map_inside_and_outside(struct kunit *test)
{
	const unsigned long end = VM_START + 8 * PAGE_SIZE;
	u64 lba = 1234;

	/* Exactly the whole mapping. */
	KUNIT_EXPECT_EQ(test, map(0, VM_START, 8 * PAGE_SIZE, &lba), 0);
	/* Straddling its end by one byte, or starting before it. */
	KUNIT_EXPECT_EQ(test, map(0, VM_START, 8 * PAGE_SIZE + 1, &lba), -EINVAL);
	KUNIT_EXPECT_EQ(test, map(0, end - 10, 11, &lba), -EINVAL);
	KUNIT_EXPECT_EQ(test, map(0, VM_START - 1, 2, &lba), -EINVAL);
	KUNIT_EXPECT_EQ(test, map(0, end, 1, &lba), -EINVAL);
	/* Empty and wrapping ranges. */
	KUNIT_EXPECT_EQ(test, map(0, VM_START, 0, &lba), -EINVAL);
	KUNIT_EXPECT_EQ(test, map(0, VM_START + 1, ULLONG_MAX, &lba), -EINVAL);
	/* Refusals leave the answer of the last success alone. */
	KUNIT_EXPECT_EQ(test, lba, BLOCK_LBA);
}

static void cfs_map_end_of_block(struct kunit *test)
{
	u64 lba = 0;

	/* File pages 8..15: the block's last page is still in it. */
	KUNIT_EXPECT_EQ(test, map(8, VM_START + 7 * PAGE_SIZE, PAGE_SIZE, &lba), 0);
	KUNIT_EXPECT_EQ(test, lba, BLOCK_LBA + CAPACITY - 1);
	/* File pages 9..16: the mapping's last page is past the block. */
	KUNIT_EXPECT_EQ(test, map(9, VM_START, 7 * PAGE_SIZE, &lba), 0);
	KUNIT_EXPECT_EQ(test, map(9, VM_START, 7 * PAGE_SIZE + 1, &lba), -ENXIO);
	KUNIT_EXPECT_EQ(test, map(9, VM_START + 7 * PAGE_SIZE, 1, &lba), -ENXIO);
	/* A mapping that starts past the block, and a file without one. */
	KUNIT_EXPECT_EQ(test, map(CAPACITY, VM_START, 1, &lba), -ENXIO);
	KUNIT_EXPECT_EQ(test, cfs_map_lba(VM_START, VM_START + PAGE_SIZE, 0,
					  BLOCK_LBA, 0, VM_START, 1, &lba), -ENXIO);
}

static struct kunit_case cfs_map_test_cases[] = {
	KUNIT_CASE(cfs_map_offsets),
	KUNIT_CASE(cfs_map_inside_and_outside),
	KUNIT_CASE(cfs_map_end_of_block),
	{}
};

struct kunit_suite cfs_map_test_suite = {
	.name = "contigfs_map",
	.test_cases = cfs_map_test_cases,
};
