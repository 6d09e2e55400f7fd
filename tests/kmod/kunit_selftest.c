// SPDX-License-Identifier: GPL-2.0
/*
 * fn_kunit_selftest - a KUnit suite whose outcome is chosen at load time.
 *
 * Test-only; never shipped. The harness's KUnit runner turns the KTAP that
 * suites print into pass/fail/skip counts. Loading this module with fail=1,
 * crash=1 or skip=1 makes one case fail, oops or skip, so the runner's own
 * tests can show each outcome is counted correctly. With no parameters every
 * case passes.
 */

#include <kunit/test.h>
#include <linux/compiler.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/string.h>

static bool fail;
module_param(fail, bool, 0444);
MODULE_PARM_DESC(fail, "Make fn_selftest_fail_on_request fail (default: false)");

static bool crash;
module_param(crash, bool, 0444);
MODULE_PARM_DESC(crash, "Make fn_selftest_crash_on_request oops on a NULL dereference (default: false)");

static bool skip;
module_param(skip, bool, 0444);
MODULE_PARM_DESC(skip, "Make fn_selftest_skip_on_request skip (default: false)");

static void fn_selftest_pass(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, 2 + 2, 4);
}

struct fn_selftest_sum {
	const char *name;
	u32 a;
	u32 b;
	u32 sum;
};

static const struct fn_selftest_sum fn_selftest_sums[] = {
	{ .name = "zero",  .a = 0,       .b = 0, .sum = 0 },
	{ .name = "small", .a = 2,       .b = 3, .sum = 5 },
	{ .name = "wrap",  .a = U32_MAX, .b = 1, .sum = 0 },
};

static void fn_selftest_sum_desc(const struct fn_selftest_sum *p, char *desc)
{
	strscpy(desc, p->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(fn_selftest_sum, fn_selftest_sums, fn_selftest_sum_desc);

static void fn_selftest_table(struct kunit *test)
{
	const struct fn_selftest_sum *p = test->param_value;

	KUNIT_EXPECT_EQ(test, p->a + p->b, p->sum);
}

static void fn_selftest_fail_on_request(struct kunit *test)
{
	KUNIT_EXPECT_FALSE_MSG(test, fail, "failing on purpose: fail=1");
}

static void fn_selftest_skip_on_request(struct kunit *test)
{
	if (skip)
		kunit_skip(test, "skipping on purpose: skip=1");
}

static void fn_selftest_crash_on_request(struct kunit *test)
{
	int *p = NULL;

	if (!crash)
		return;

	kunit_info(test, "dereferencing NULL on purpose: crash=1\n");
	/* Hidden so the compiler emits a real load instead of a trap. */
	OPTIMIZER_HIDE_VAR(p);
	KUNIT_EXPECT_EQ(test, READ_ONCE(*p), 0);
}

/* The crash case goes last: the other verdicts print before it oopses. */
static struct kunit_case fn_selftest_cases[] = {
	KUNIT_CASE(fn_selftest_pass),
	KUNIT_CASE_PARAM(fn_selftest_table, fn_selftest_sum_gen_params),
	KUNIT_CASE(fn_selftest_fail_on_request),
	KUNIT_CASE(fn_selftest_skip_on_request),
	KUNIT_CASE(fn_selftest_crash_on_request),
	{}
};

static struct kunit_suite fn_selftest_suite = {
	.name = "flashnet_kunit_selftest",
	.test_cases = fn_selftest_cases,
};

static struct kunit_suite *fn_selftest_suites[] = { &fn_selftest_suite };

/*
 * Not kunit_test_suite(): on 6.1 that runs the suite from the module
 * notifier, before the loader parses module parameters, so fail/crash/skip
 * would always read false. Running it from module_init sees them.
 */
static int __init fn_selftest_init(void)
{
	return __kunit_test_suites_init(fn_selftest_suites,
					ARRAY_SIZE(fn_selftest_suites));
}
module_init(fn_selftest_init);

static void __exit fn_selftest_exit(void)
{
	__kunit_test_suites_exit(fn_selftest_suites,
				 ARRAY_SIZE(fn_selftest_suites));
}
module_exit(fn_selftest_exit);

MODULE_DESCRIPTION("FlashNet test-only: KUnit suite with selectable fail/crash/skip cases");
MODULE_LICENSE("GPL");
