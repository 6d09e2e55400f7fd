// SPDX-License-Identifier: GPL-2.0
/*
 * contigfs_kunit.ko: every contigfs KUnit suite, run explicitly (in 6.1 a
 * module's suites cannot share module_init with other code).
 */
#include <kunit/test.h>
#include <linux/module.h>

#include "alloc.h"
#include "contigfs.h"
#include "dir.h"

static struct kunit_suite *cfs_suites[] = {
	&cfs_alloc_test_suite,
	&cfs_dir_test_suite,
	&cfs_map_test_suite,
};

static int __init cfs_kunit_init(void)
{
	return __kunit_test_suites_init(cfs_suites, ARRAY_SIZE(cfs_suites));
}

static void __exit cfs_kunit_exit(void)
{
	__kunit_test_suites_exit(cfs_suites, ARRAY_SIZE(cfs_suites));
}

module_init(cfs_kunit_init);
module_exit(cfs_kunit_exit);

MODULE_DESCRIPTION("KUnit suites of contigfs");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
