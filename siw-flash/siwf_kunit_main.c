// SPDX-License-Identifier: GPL-2.0
/*
 * siw_flash_kunit.ko: every siw-flash KUnit suite, run explicitly (in 6.1
 * a module's suites cannot share module_init with other code).
 */
#include <kunit/test.h>
#include <linux/module.h>

#include "siwf_test.h"

static struct kunit_suite *siwf_suites[] = {
	&siwf_iwarp_test_suite,
	&siwf_mpa_frame_test_suite,
	&siwf_mpa_negotiation_test_suite,
	&siwf_mpa_fsm_test_suite,
	&siwf_crc_test_suite,
	&siwf_fpdu_size_test_suite,
	&siwf_rx_test_suite,
	&siwf_term_test_suite,
	&siwf_stag_test_suite,
	&siwf_ring_test_suite,
};

static int __init siwf_kunit_init(void)
{
	return __kunit_test_suites_init(siwf_suites, ARRAY_SIZE(siwf_suites));
}

static void __exit siwf_kunit_exit(void)
{
	__kunit_test_suites_exit(siwf_suites, ARRAY_SIZE(siwf_suites));
}

module_init(siwf_kunit_init);
module_exit(siwf_kunit_exit);

MODULE_DESCRIPTION("KUnit suites of siw_flash");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
