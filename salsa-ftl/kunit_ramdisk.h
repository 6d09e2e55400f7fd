/* SPDX-License-Identifier: GPL-2.0 */
/* A whole FTL over RAM disks, for KUnit suites that need I/O. */
#ifndef _SALSA_KUNIT_RAMDISK_H
#define _SALSA_KUNIT_RAMDISK_H

#include <kunit/test.h>
#include "salsa.h"

struct salsa_test_geo {
	unsigned int nr_devs;
	u64 dev_pages;		/* per member */
	u32 seg_pages;
	u64 pool_pages;
	unsigned int streams;
	u64 virtual_pages;
};

/* Formats and starts an FTL; NULL (and a failed test) on error. */
struct salsa_ftl *salsa_test_ftl(struct kunit *test,
				 const struct salsa_test_geo *geo);
/* Stops it (final checkpoint) and frees everything. */
void salsa_test_ftl_destroy(struct salsa_ftl *ftl);

/*
 * An FTL without media or worker for suites that drive segments and GC by
 * hand: every segment FREE, test-managed memory, test->priv set to it.
 */
struct salsa_ftl *salsa_test_bare_ftl(struct kunit *test, unsigned int nr_devs,
				      u32 nr_segs, u32 seg_pages, u32 sum_pages,
				      u32 meta_pages);

/* Every KUnit suite of salsa_ftl_kunit.ko (run by kunit_main.c). */
extern struct kunit_suite salsa_table_test_suite;
extern struct kunit_suite salsa_segment_test_suite;
extern struct kunit_suite salsa_gc_test_suite;
extern struct kunit_suite salsa_recovery_test_suite;
extern struct kunit_suite salsa_map_test_suite;
extern struct kunit_suite salsa_pool_test_suite;

#endif /* _SALSA_KUNIT_RAMDISK_H */
