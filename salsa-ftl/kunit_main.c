// SPDX-License-Identifier: GPL-2.0
/*
 * salsa_ftl_kunit.ko: every salsa KUnit suite. In 6.1 a module's suites run
 * before its parameters are parsed and cannot share module_init with other
 * code, so they are run from here explicitly.
 */
#include <kunit/test.h>
#include <linux/module.h>

#include "kunit_ramdisk.h"

static struct kunit_suite *salsa_suites[] = {
	&salsa_table_test_suite,
	&salsa_segment_test_suite,
	&salsa_gc_test_suite,
	&salsa_recovery_test_suite,
	&salsa_map_test_suite,
	&salsa_pool_test_suite,
};

static int __init salsa_kunit_init(void)
{
	return __kunit_test_suites_init(salsa_suites, ARRAY_SIZE(salsa_suites));
}

static void __exit salsa_kunit_exit(void)
{
	__kunit_test_suites_exit(salsa_suites, ARRAY_SIZE(salsa_suites));
}

module_init(salsa_kunit_init);
module_exit(salsa_kunit_exit);

MODULE_DESCRIPTION("KUnit suites of the salsa FTL");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
