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

#endif /* _SALSA_KUNIT_RAMDISK_H */
