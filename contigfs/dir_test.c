// SPDX-License-Identifier: GPL-2.0
/* KUnit: directory record encoding (insert, remove, validation). */
#include <kunit/test.h>
#include <linux/slab.h>

#include "contigfs.h"
#include "dir.h"

static void *cfs_test_block(struct kunit *test)
{
	void *block = kunit_kzalloc(test, CONTIGFS_BLOCK_SIZE, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, block);
	cfs_dir_block_init(block);
	return block;
}

/* Names and inode numbers of the used records, in block order. */
static unsigned int cfs_test_list(void *block, u64 *inos, unsigned int max)
{
	unsigned int off = 0, n = 0;

	while (off < CONTIGFS_BLOCK_SIZE) {
		struct contigfs_dirent *de = block + off;

		if (de->d_ino && n < max)
			inos[n++] = le64_to_cpu(de->d_ino);
		off += le16_to_cpu(de->d_rec_len);
	}
	return n;
}

static void cfs_new_block_is_one_unused_record(struct kunit *test)
{
	struct contigfs_dirent *de = cfs_test_block(test);

	KUNIT_EXPECT_EQ(test, le64_to_cpu(de->d_ino), 0);
	KUNIT_EXPECT_EQ(test, le16_to_cpu(de->d_rec_len), CONTIGFS_BLOCK_SIZE);
	KUNIT_EXPECT_EQ(test, cfs_dir_block_check(de, 100), 0);
}

static void cfs_insert_packs_records_and_tiles_the_block(struct kunit *test)
{
	void *block = cfs_test_block(test);
	struct contigfs_dirent *de;
	u64 inos[4];
	int off;

	off = cfs_dir_block_insert(block, "a", 1, 5, CONTIGFS_FT_REG);
	KUNIT_EXPECT_EQ(test, off, 0);
	off = cfs_dir_block_insert(block, "hello", 5, 6, CONTIGFS_FT_DIR);
	/* "a" takes the minimum record, 16 bytes. */
	KUNIT_EXPECT_EQ(test, off, CONTIGFS_DIRENT_LEN(1));
	de = block + off;
	KUNIT_EXPECT_EQ(test, de->d_name_len, 5);
	KUNIT_EXPECT_EQ(test, de->d_type, CONTIGFS_FT_DIR);
	KUNIT_EXPECT_EQ(test, memcmp(de->d_name, "hello", 5), 0);
	KUNIT_EXPECT_EQ(test, cfs_dir_block_check(block, 100), 0);
	KUNIT_EXPECT_EQ(test, cfs_test_list(block, inos, 4), 2);
	KUNIT_EXPECT_EQ(test, inos[0], 5);
	KUNIT_EXPECT_EQ(test, inos[1], 6);
}

static void cfs_full_block_refuses_and_reports_no_room(struct kunit *test)
{
	void *block = cfs_test_block(test);
	char name[CONTIGFS_NAME_LEN];
	unsigned int i, fitted = 0;

	memset(name, 'x', sizeof(name));
	for (i = 0; i < 64; i++) {
		name[0] = 'a' + i % 26;
		name[1] = 'a' + i / 26;
		if (cfs_dir_block_insert(block, name, sizeof(name), i + 2,
					 CONTIGFS_FT_REG) >= 0)
			fitted++;
	}
	/* 255-byte names take 272-byte records: 15 fit into 4096 bytes. */
	KUNIT_EXPECT_EQ(test, fitted, CONTIGFS_BLOCK_SIZE /
				      CONTIGFS_DIRENT_LEN(CONTIGFS_NAME_LEN));
	KUNIT_EXPECT_FALSE(test, cfs_dir_block_has_room(block, sizeof(name)));
	KUNIT_EXPECT_EQ(test, cfs_dir_block_check(block, 100), 0);
}

static void cfs_remove_merges_into_previous_and_reuses(struct kunit *test)
{
	void *block = cfs_test_block(test);
	int a, b, c, a2;
	u64 inos[4];

	a = cfs_dir_block_insert(block, "one", 3, 10, CONTIGFS_FT_REG);
	b = cfs_dir_block_insert(block, "two", 3, 11, CONTIGFS_FT_REG);
	c = cfs_dir_block_insert(block, "three", 5, 12, CONTIGFS_FT_REG);
	cfs_dir_block_remove(block, b, a);
	KUNIT_EXPECT_EQ(test, cfs_dir_block_check(block, 100), 0);
	KUNIT_EXPECT_EQ(test, cfs_test_list(block, inos, 4), 2);
	KUNIT_EXPECT_EQ(test, inos[1], 12);
	/* The hole after "one" is reused before the tail. */
	a2 = cfs_dir_block_insert(block, "four", 4, 13, CONTIGFS_FT_REG);
	KUNIT_EXPECT_EQ(test, a2, b);
	/* The first record cannot merge backwards: it becomes unused. */
	cfs_dir_block_remove(block, a, -1);
	KUNIT_EXPECT_EQ(test, le64_to_cpu(((struct contigfs_dirent *)block)->d_ino), 0);
	KUNIT_EXPECT_EQ(test, cfs_dir_block_check(block, 100), 0);
	KUNIT_EXPECT_EQ(test, cfs_test_list(block, inos, 4), 2);
	KUNIT_EXPECT_GT(test, c, b);
}

struct cfs_bad_record {
	const char *what;
	u16 rec_len;
	u8 name_len;
	const char *name;
	u64 ino;
};

static const struct cfs_bad_record cfs_bad_records[] = {
	{ "rec_len zero", 0, 1, "a", 2 },
	{ "rec_len not a multiple of 8", 4092, 1, "a", 2 },
	{ "rec_len past the block", 4104, 1, "a", 2 },
	{ "name longer than its record", 16, 20, "abcdefghijklmnopqrst", 2 },
	{ "dot", 4096, 1, ".", 2 },
	{ "dot-dot", 4096, 2, "..", 2 },
	{ "slash in name", 4096, 3, "a/b", 2 },
	{ "empty name", 4096, 0, "", 2 },
	{ "inode past the table", 4096, 1, "a", 100 },
};

static void cfs_bad_record_desc(const struct cfs_bad_record *r, char *desc)
{
	strscpy(desc, r->what, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(cfs_bad_record, cfs_bad_records, cfs_bad_record_desc);

static void cfs_corrupt_record_is_rejected(struct kunit *test)
{
	const struct cfs_bad_record *r = test->param_value;
	void *block = cfs_test_block(test);
	struct contigfs_dirent *de = block;

	de->d_ino = cpu_to_le64(r->ino);
	de->d_rec_len = cpu_to_le16(r->rec_len);
	de->d_name_len = r->name_len;
	memcpy(de->d_name, r->name, r->name_len);
	KUNIT_EXPECT_EQ(test, cfs_dir_block_check(block, 100), -EUCLEAN);
}

static struct kunit_case cfs_dir_test_cases[] = {
	KUNIT_CASE(cfs_new_block_is_one_unused_record),
	KUNIT_CASE(cfs_insert_packs_records_and_tiles_the_block),
	KUNIT_CASE(cfs_full_block_refuses_and_reports_no_room),
	KUNIT_CASE(cfs_remove_merges_into_previous_and_reuses),
	KUNIT_CASE_PARAM(cfs_corrupt_record_is_rejected,
			 cfs_bad_record_gen_params),
	{}
};

struct kunit_suite cfs_dir_test_suite = {
	.name = "contigfs_dir",
	.test_cases = cfs_dir_test_cases,
};
