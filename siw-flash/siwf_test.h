/* SPDX-License-Identifier: GPL-2.0 */
/* The KUnit suites of siw_flash_kunit.ko, collected by siwf_kunit_main.c. */
#ifndef SIWF_TEST_H
#define SIWF_TEST_H

#include <kunit/test.h>
#include <linux/types.h>

extern struct kunit_suite siwf_iwarp_test_suite;
extern struct kunit_suite siwf_mpa_frame_test_suite;
extern struct kunit_suite siwf_mpa_negotiation_test_suite;
extern struct kunit_suite siwf_mpa_fsm_test_suite;
extern struct kunit_suite siwf_crc_test_suite;
extern struct kunit_suite siwf_fpdu_size_test_suite;
extern struct kunit_suite siwf_rx_test_suite;
extern struct kunit_suite siwf_term_test_suite;
extern struct kunit_suite siwf_stag_test_suite;
extern struct kunit_suite siwf_ring_test_suite;

static inline size_t siwf_first_diff(const u8 *a, const u8 *b, size_t len)
{
	size_t i;

	for (i = 0; i < len && a[i] == b[i]; i++)
		;
	return i;
}

/* Byte-exact comparison that names the first differing byte */
#define SIWF_EXPECT_BYTES(test, got, want, len)				\
	do {								\
		const u8 *g_ = (const u8 *)(got);			\
		const u8 *w_ = (const u8 *)(want);			\
		size_t n_ = (len);					\
		size_t i_ = siwf_first_diff(g_, w_, n_);		\
		KUNIT_EXPECT_EQ_MSG(test, i_, n_,			\
				    "byte %zu: got 0x%02x, want 0x%02x",\
				    i_, i_ < n_ ? g_[i_] : 0,		\
				    i_ < n_ ? w_[i_] : 0);		\
	} while (0)

#endif /* SIWF_TEST_H */
