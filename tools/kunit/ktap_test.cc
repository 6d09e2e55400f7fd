// SPDX-License-Identifier: GPL-2.0
// Tests for the KTAP parser. testdata/ holds output in Linux 6.1's exact
// format: debugfs_* as /sys/kernel/debug/kunit/<suite>/results shows it,
// console_* as a guest's serial console shows it (printk time prefixes,
// other kernel messages and user-space output mixed in).
#include "ktap.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

namespace flashnet::kunit {
namespace {

std::string testdata(const std::string &name)
{
	std::ifstream in(std::string(TEST_DATA_DIR) + "/" + name, std::ios::binary);
	EXPECT_TRUE(in) << "missing testdata " << name;
	std::ostringstream out;
	out << in.rdbuf();
	return out.str();
}

// gtest_main only (no gmock): a substring check that prints both sides.
::testing::AssertionResult contains(const std::string &text, const std::string &part)
{
	if (text.find(part) != std::string::npos)
		return ::testing::AssertionSuccess();
	return ::testing::AssertionFailure() << "\"" << part << "\" not in \"" << text << "\"";
}

TEST(Ktap, DebugfsAllPassWithSkips)
{
	Report r = parse_ktap(testdata("debugfs_example.ktap"));
	EXPECT_TRUE(r.errors.empty()) << r.errors.front();
	ASSERT_EQ(r.suites.size(), 1u);
	const Suite &s = r.suites[0];
	EXPECT_EQ(s.name, "example");
	EXPECT_EQ(s.result, Result::pass);
	EXPECT_EQ(s.planned, 4);
	ASSERT_EQ(s.cases.size(), 4u);
	EXPECT_EQ(s.cases[0].name, "example_simple_test");
	EXPECT_EQ(s.cases[0].result, Result::pass);
	EXPECT_EQ(s.cases[0].diagnostic, "# example_simple_test: initializing");
	EXPECT_EQ(s.cases[1].name, "example_skip_test");
	EXPECT_EQ(s.cases[1].result, Result::skip);
	EXPECT_EQ(s.cases[1].diagnostic, "# example_skip_test: initializing\n"
					 "# example_skip_test: You should not see a line below.\n"
					 "# SKIP this test should be skipped");
	EXPECT_EQ(s.cases[2].result, Result::skip);
	EXPECT_EQ(s.cases[3].name, "example_all_expect_macros_test");
	EXPECT_EQ(s.cases[3].result, Result::pass);
	EXPECT_TRUE(contains(s.diagnostic, "# example: initializing suite"));
	EXPECT_TRUE(contains(s.diagnostic, "# Totals: pass:2 fail:0 skip:2 total:4"));
	EXPECT_EQ(r.cases_passed(), 2);
	EXPECT_EQ(r.cases_failed(), 0);
	EXPECT_EQ(r.cases_skipped(), 2);
	EXPECT_TRUE(r.ok());
}

TEST(Ktap, FailingCaseKeepsItsDiagnostic)
{
	Report r = parse_ktap(testdata("debugfs_failure.ktap"));
	EXPECT_TRUE(r.errors.empty());
	ASSERT_EQ(r.suites.size(), 1u);
	const Suite &s = r.suites[0];
	EXPECT_EQ(s.name, "flashnet_ring");
	EXPECT_EQ(s.result, Result::fail);
	ASSERT_EQ(s.cases.size(), 3u);
	EXPECT_EQ(s.cases[0].result, Result::pass);
	EXPECT_EQ(s.cases[0].diagnostic, "");
	const Case &c = s.cases[1];
	EXPECT_EQ(c.name, "ring_push_pop_test");
	EXPECT_EQ(c.result, Result::fail);
	// The whole kunit_err() text, with the assertion's own indentation kept
	// relative to the case and the *_MSG() message that starts in column 0.
	EXPECT_EQ(c.diagnostic,
		  "# ring_push_pop_test: EXPECTATION FAILED at drivers/flashnet/ring_test.c:42\n"
		  "Expected ring_used(r) == 3, but\n"
		  "    ring_used(r) == 2\n"
		  "after 3 pushes\n"
		  "# ring_push_pop_test: ASSERTION FAILED at drivers/flashnet/ring_test.c:47\n"
		  "Expected head == tail, but\n"
		  "    head == 5\n"
		  "    tail == 4");
	EXPECT_EQ(s.cases[2].result, Result::pass);
	EXPECT_EQ(s.cases[2].diagnostic, "");
	EXPECT_TRUE(contains(s.diagnostic, "# flashnet_ring: pass:2 fail:1 skip:0 total:3"));
	EXPECT_EQ(r.cases_passed(), 2);
	EXPECT_EQ(r.cases_failed(), 1);
	EXPECT_FALSE(r.ok());
}

TEST(Ktap, SkipDirective)
{
	Report r = parse_ktap("    KTAP version 1\n"
			      "    # Subtest: s\n"
			      "    1..4\n"
			      "    ok 1 a # SKIP no hardware\n"
			      "    not ok 2 b # SKIP not ok with SKIP is still a skip\n"
			      "    ok 3 c # skip lower case\n"
			      "    ok 4 d # SKIP \n"
			      "ok 1 s # SKIP \n");
	EXPECT_TRUE(r.errors.empty());
	ASSERT_EQ(r.suites.size(), 1u);
	const Suite &s = r.suites[0];
	EXPECT_EQ(s.result, Result::skip);
	EXPECT_EQ(s.diagnostic, "");
	ASSERT_EQ(s.cases.size(), 4u);
	for (const Case &c : s.cases)
		EXPECT_EQ(c.result, Result::skip) << c.name;
	EXPECT_EQ(s.cases[0].diagnostic, "# SKIP no hardware");
	EXPECT_EQ(s.cases[3].diagnostic, "");
	EXPECT_EQ(r.cases_skipped(), 4);
	EXPECT_TRUE(r.ok()); // skipping is not failing
}

TEST(Ktap, ParameterisedCaseFailsWhenOneParamFails)
{
	Report r = parse_ktap(testdata("console_params.ktap"));
	EXPECT_TRUE(r.errors.empty());
	ASSERT_EQ(r.suites.size(), 1u);
	const Suite &s = r.suites[0];
	EXPECT_EQ(s.name, "flashnet_crc");
	EXPECT_EQ(s.result, Result::fail);
	ASSERT_EQ(s.cases.size(), 2u);
	const Case &c = s.cases[0];
	EXPECT_EQ(c.name, "crc_vectors_test");
	EXPECT_EQ(c.result, Result::fail);
	ASSERT_EQ(c.params.size(), 3u);
	EXPECT_EQ(c.params[0].name, "empty");
	EXPECT_EQ(c.params[0].result, Result::pass);
	EXPECT_EQ(c.params[1].name, "one byte");
	EXPECT_EQ(c.params[1].result, Result::fail);
	// The message has the failing line's timestamp; the driver's line
	// printed in between does not, and is not KUnit's.
	EXPECT_EQ(c.params[1].diagnostic,
		  "# crc_vectors_test: EXPECTATION FAILED at drivers/flashnet/crc_test.c:57\n"
		  "Expected crc32c(v->seed, v->data, v->len) == v->crc, but\n"
		  "    crc32c(v->seed, v->data, v->len) == 3808858755\n"
		  "    v->crc == 3808858754\n"
		  "vector \"one byte\"");
	EXPECT_EQ(c.params[2].name, "4k page");
	EXPECT_EQ(c.params[2].result, Result::pass);
	EXPECT_EQ(c.diagnostic, "# crc_vectors_test: pass:2 fail:1 skip:0 total:3");
	EXPECT_EQ(s.cases[1].result, Result::pass);
	EXPECT_TRUE(s.cases[1].params.empty());
	EXPECT_EQ(r.cases_passed(), 1);
	EXPECT_EQ(r.cases_failed(), 1);
	EXPECT_FALSE(r.ok());
}

TEST(Ktap, ParamFailureFailsCaseEvenIfCaseLineSaysOk)
{
	Report r = parse_ktap("    KTAP version 1\n"
			      "    # Subtest: s\n"
			      "    1..1\n"
			      "        KTAP version 1\n"
			      "        # Subtest: p\n"
			      "        ok 1 param-0\n"
			      "        not ok 2 param-1\n"
			      "    ok 1 p\n"
			      "ok 1 s\n");
	ASSERT_EQ(r.suites.size(), 1u);
	ASSERT_EQ(r.suites[0].cases.size(), 1u);
	EXPECT_EQ(r.suites[0].cases[0].result, Result::fail);
	EXPECT_EQ(r.suites[0].result, Result::fail);
	EXPECT_FALSE(r.ok());
}

// 6.1 clears a case's debugfs log before each param, so only the last
// param's result is left; the case's own line still decides.
TEST(Ktap, DebugfsKeepsOnlyLastParam)
{
	Report r = parse_ktap(testdata("debugfs_params.ktap"));
	EXPECT_TRUE(r.errors.empty());
	ASSERT_EQ(r.suites.size(), 1u);
	const Suite &s = r.suites[0];
	ASSERT_EQ(s.cases.size(), 2u);
	const Case &c = s.cases[0];
	EXPECT_EQ(c.name, "crc_vectors_test");
	EXPECT_EQ(c.result, Result::fail);
	ASSERT_EQ(c.params.size(), 1u);
	EXPECT_EQ(c.params[0].name, "4k page");
	EXPECT_EQ(c.params[0].result, Result::pass);
	EXPECT_EQ(s.cases[1].result, Result::pass);
	EXPECT_EQ(s.result, Result::fail);
}

TEST(Ktap, TruncatedOutputIsCrashed)
{
	Report r = parse_ktap(testdata("console_truncated.ktap"));
	EXPECT_TRUE(r.errors.empty());
	ASSERT_EQ(r.suites.size(), 1u);
	const Suite &s = r.suites[0];
	EXPECT_EQ(s.name, "flashnet_ftl");
	EXPECT_EQ(s.result, Result::crashed);
	ASSERT_EQ(s.cases.size(), 3u);
	EXPECT_EQ(s.cases[0].result, Result::pass);
	// The running case is named by its last message; the oops is not KTAP.
	EXPECT_EQ(s.cases[1].name, "ftl_gc_test");
	EXPECT_EQ(s.cases[1].result, Result::crashed);
	EXPECT_EQ(s.cases[1].diagnostic, "# ftl_gc_test: gc round 1");
	EXPECT_EQ(s.cases[2].name, "(unreported case 3)");
	EXPECT_EQ(s.cases[2].result, Result::crashed);
	EXPECT_EQ(r.cases_passed(), 1);
	EXPECT_EQ(r.cases_failed(), 2);
	EXPECT_FALSE(r.ok());
}

TEST(Ktap, SuiteWithoutClosingLineIsCrashedEvenIfAllCasesPassed)
{
	Report r = parse_ktap("    KTAP version 1\n"
			      "    # Subtest: s\n"
			      "    1..2\n"
			      "    ok 1 a\n"
			      "    ok 2 b\n"
			      "# s: pass:2 fail:0 skip:0 total:2\n");
	ASSERT_EQ(r.suites.size(), 1u);
	EXPECT_EQ(r.suites[0].result, Result::crashed);
	EXPECT_EQ(r.suites[0].cases.size(), 2u);
	EXPECT_EQ(r.cases_passed(), 2);
	EXPECT_EQ(r.cases_failed(), 0);
	EXPECT_FALSE(r.ok());
}

TEST(Ktap, TruncatedInsideParameterisedCase)
{
	Report r = parse_ktap("[    1.000000]     KTAP version 1\n"
			      "[    1.000001]     # Subtest: s\n"
			      "[    1.000002]     1..2\n"
			      "[    1.000003]         KTAP version 1\n"
			      "[    1.000004]         # Subtest: p\n"
			      "[    1.000005]         ok 1 param-0\n"
			      "[    1.000006] Kernel panic - not syncing: Fatal exception\n");
	ASSERT_EQ(r.suites.size(), 1u);
	const Suite &s = r.suites[0];
	EXPECT_EQ(s.result, Result::crashed);
	ASSERT_EQ(s.cases.size(), 2u);
	EXPECT_EQ(s.cases[0].name, "p");
	EXPECT_EQ(s.cases[0].result, Result::crashed);
	ASSERT_EQ(s.cases[0].params.size(), 1u);
	EXPECT_EQ(s.cases[0].params[0].result, Result::pass);
	EXPECT_EQ(s.cases[1].result, Result::crashed);
	EXPECT_EQ(r.cases_failed(), 2);
}

// The executor of built-in tests announces the number of suites.
TEST(Ktap, SuitesAnnouncedButNeverStartedAreCrashed)
{
	Report r = parse_ktap("[    0.500000] KTAP version 1\n"
			      "[    0.500001] 1..3\n"
			      "[    0.500002]     KTAP version 1\n"
			      "[    0.500003]     # Subtest: first\n"
			      "[    0.500004]     1..1\n"
			      "[    0.500005]     ok 1 a\n"
			      "[    0.500006] ok 1 first\n"
			      "[    0.500007]     KTAP version 1\n"
			      "[    0.500008]     # Subtest: second\n"
			      "[    0.500009]     1..1\n");
	ASSERT_EQ(r.suites.size(), 3u);
	EXPECT_EQ(r.suites[0].result, Result::pass);
	EXPECT_EQ(r.suites[1].name, "second");
	EXPECT_EQ(r.suites[1].result, Result::crashed);
	ASSERT_EQ(r.suites[1].cases.size(), 1u);
	EXPECT_EQ(r.suites[1].cases[0].result, Result::crashed);
	EXPECT_EQ(r.suites[2].name, "(unreported suite 3)");
	EXPECT_EQ(r.suites[2].result, Result::crashed);
	EXPECT_FALSE(r.ok());
}

// 6.1's try-catch: an oops in the test thread is noticed only when the
// 300 s timeout expires; the case then fails with these diagnostics.
TEST(Ktap, CaseKilledByOopsFailsWithTimeoutDiagnostic)
{
	Report r = parse_ktap(testdata("console_timeout.ktap"));
	EXPECT_TRUE(r.errors.empty());
	ASSERT_EQ(r.suites.size(), 1u);
	const Suite &s = r.suites[0];
	EXPECT_EQ(s.result, Result::fail);
	ASSERT_EQ(s.cases.size(), 3u);
	EXPECT_EQ(s.cases[1].name, "dma_unmap_test");
	EXPECT_EQ(s.cases[1].result, Result::fail);
	EXPECT_EQ(s.cases[1].diagnostic, "# dma_unmap_test: try timed out\n"
					 "# dma_unmap_test: test case timed out");
	EXPECT_EQ(s.cases[2].result, Result::pass);
	EXPECT_EQ(r.cases_failed(), 1);
	EXPECT_FALSE(r.ok());
}

TEST(Ktap, ConsoleLogWithPrefixesAndNoise)
{
	Report r = parse_ktap(testdata("console_noise.ktap"));
	EXPECT_TRUE(r.errors.empty()) << r.errors.front();
	// User space's own TAP lines carry no printk prefix and are ignored.
	ASSERT_EQ(r.suites.size(), 2u);
	const Suite &a = r.suites[0];
	EXPECT_EQ(a.name, "flashnet_ring");
	EXPECT_EQ(a.result, Result::pass);
	ASSERT_EQ(a.cases.size(), 3u);
	// Kernel output after user-space text on the same console line.
	EXPECT_EQ(a.cases[1].name, "ring_push_pop_test");
	EXPECT_EQ(a.cases[1].result, Result::pass);
	EXPECT_FALSE(contains(a.diagnostic, "random"));
	const Suite &b = r.suites[1];
	EXPECT_EQ(b.name, "flashnet_ring_stress");
	EXPECT_EQ(b.result, Result::pass);
	EXPECT_TRUE(contains(b.diagnostic, "# flashnet_ring_stress: initializing suite"));
	ASSERT_EQ(b.cases.size(), 2u);
	EXPECT_EQ(b.cases[1].result, Result::skip);
	EXPECT_EQ(b.cases[1].diagnostic, "# SKIP needs 2 CPUs");
	EXPECT_EQ(r.cases_passed(), 4);
	EXPECT_EQ(r.cases_skipped(), 1);
	EXPECT_TRUE(r.ok());
}

TEST(Ktap, PrintkCallerIdAndCarriageReturns)
{
	Report r = parse_ktap("[    0.060000][    T1]     KTAP version 1\r\n"
			      "[    0.060000][    T1]     # Subtest: s\r\n"
			      "[    0.060000][    T1]     1..1\r\n"
			      "[    0.060000][    T1]     ok 1 a\r\n"
			      "[    0.060000][    T1] ok 1 s\r\n");
	EXPECT_TRUE(r.errors.empty());
	ASSERT_EQ(r.suites.size(), 1u);
	EXPECT_EQ(r.suites[0].name, "s");
	ASSERT_EQ(r.suites[0].cases.size(), 1u);
	EXPECT_EQ(r.suites[0].cases[0].name, "a");
	EXPECT_TRUE(r.ok());
}

// Only a line that starts with a printk prefix makes the input a console
// log; a debugfs message may quote one.
TEST(Ktap, DebugfsMessageQuotingATimestampIsNotAConsoleLog)
{
	Report r = parse_ktap("KTAP version 1\n"
			      "1..1\n"
			      "    KTAP version 1\n"
			      "    # Subtest: s\n"
			      "    1..1\n"
			      "    # a: last reset at [    1.500000] per dmesg\n"
			      "    ok 1 a\n"
			      "ok 1 s\n");
	ASSERT_EQ(r.suites.size(), 1u);
	ASSERT_EQ(r.suites[0].cases.size(), 1u);
	EXPECT_EQ(r.suites[0].cases[0].diagnostic, "# a: last reset at [    1.500000] per dmesg");
	EXPECT_TRUE(r.ok());
}

TEST(Ktap, MultipleConcatenatedDebugfsFiles)
{
	Report r = parse_ktap(testdata("debugfs_example.ktap") +
			      testdata("debugfs_failure.ktap") +
			      testdata("debugfs_params.ktap"));
	EXPECT_TRUE(r.errors.empty());
	ASSERT_EQ(r.suites.size(), 3u);
	EXPECT_EQ(r.suites[0].name, "example");
	EXPECT_EQ(r.suites[0].result, Result::pass);
	EXPECT_EQ(r.suites[1].name, "flashnet_ring");
	EXPECT_EQ(r.suites[1].result, Result::fail);
	EXPECT_EQ(r.suites[2].name, "flashnet_crc");
	EXPECT_EQ(r.suites[2].result, Result::fail);
	EXPECT_EQ(r.cases_passed(), 2 + 2 + 1);
	EXPECT_EQ(r.cases_failed(), 0 + 1 + 1);
	EXPECT_EQ(r.cases_skipped(), 2);
	EXPECT_FALSE(r.ok());
}

TEST(Ktap, EmptyInputIsNotOk)
{
	for (const char *text : {"", "\n\n", "[    1.000000] random: crng init done\nlogin: \n"}) {
		Report r = parse_ktap(text);
		EXPECT_TRUE(r.suites.empty());
		EXPECT_TRUE(r.errors.empty());
		EXPECT_EQ(r.cases_passed(), 0);
		EXPECT_FALSE(r.ok()) << text;
	}
}

TEST(Ktap, SuiteNotOkWhileAllCasesPassIsAFailure)
{
	Report r = parse_ktap("    KTAP version 1\n"
			      "    # Subtest: s\n"
			      "    1..2\n"
			      "    ok 1 a\n"
			      "    ok 2 b\n"
			      "not ok 1 s\n");
	ASSERT_EQ(r.suites.size(), 1u);
	EXPECT_EQ(r.suites[0].result, Result::fail);
	EXPECT_EQ(r.cases_passed(), 2);
	EXPECT_EQ(r.cases_failed(), 0);
	EXPECT_FALSE(r.ok());
}

// suite_init failing: debugfs keeps the header and plan but no case ran;
// the console gets no header at all.
TEST(Ktap, SuiteInitFailure)
{
	Report d = parse_ktap(testdata("debugfs_init_failed.ktap"));
	ASSERT_EQ(d.suites.size(), 1u);
	EXPECT_EQ(d.suites[0].name, "flashnet_nvme");
	EXPECT_EQ(d.suites[0].result, Result::fail);
	EXPECT_EQ(d.suites[0].diagnostic, "# flashnet_nvme:     # failed to initialize (-19)");
	ASSERT_EQ(d.suites[0].cases.size(), 2u);
	EXPECT_EQ(d.suites[0].cases[0].result, Result::crashed);
	EXPECT_EQ(d.suites[0].cases[0].diagnostic, "");
	EXPECT_FALSE(d.ok());

	Report c = parse_ktap("[    3.100000]     # flashnet_nvme:     # failed to initialize (-19)\n"
			      "[    3.100010] not ok 1 flashnet_nvme\n");
	EXPECT_TRUE(c.errors.empty());
	ASSERT_EQ(c.suites.size(), 1u);
	EXPECT_EQ(c.suites[0].name, "flashnet_nvme");
	EXPECT_EQ(c.suites[0].result, Result::fail);
	EXPECT_FALSE(c.suites[0].planned);
	EXPECT_TRUE(c.suites[0].cases.empty());
	EXPECT_TRUE(contains(c.suites[0].diagnostic, "failed to initialize (-19)"));
	EXPECT_FALSE(c.ok());
}

// A case's debugfs log is cut at 511 bytes in 6.1, which drops its result
// line and glues the next case's log onto the cut line.
TEST(Ktap, DebugfsLogOverflow)
{
	Report r = parse_ktap(testdata("debugfs_log_overflow.ktap"));
	EXPECT_TRUE(r.errors.empty());
	ASSERT_EQ(r.suites.size(), 1u);
	const Suite &s = r.suites[0];
	ASSERT_EQ(s.cases.size(), 3u);
	EXPECT_EQ(s.cases[0].name, "ring_bulk_test");
	EXPECT_EQ(s.cases[0].result, Result::crashed);
	EXPECT_TRUE(contains(s.cases[0].diagnostic, "ring_peek(r, 2) == 5"));
	EXPECT_EQ(s.cases[1].name, "ring_peek_test");
	EXPECT_EQ(s.cases[1].result, Result::pass);
	EXPECT_EQ(s.cases[2].name, "ring_wrap_test");
	EXPECT_EQ(s.cases[2].result, Result::pass);
	EXPECT_EQ(s.result, Result::fail);
	EXPECT_FALSE(r.ok());
}

// Older kernels: "TAP version 14", tab indentation, "ok 1 - name".
TEST(Ktap, Tap14WithTabs)
{
	Report r = parse_ktap("TAP version 14\n"
			      "1..1\n"
			      "\t# Subtest: example\n"
			      "\t1..2\n"
			      "\t# example_simple_test: initializing\n"
			      "\tok 1 - example_simple_test\n"
			      "\t# example_skip_test: initializing\n"
			      "\tok 2 - example_skip_test # SKIP this test should be skipped\n"
			      "ok 1 - example\n");
	EXPECT_TRUE(r.errors.empty());
	ASSERT_EQ(r.suites.size(), 1u);
	EXPECT_EQ(r.suites[0].name, "example");
	ASSERT_EQ(r.suites[0].cases.size(), 2u);
	EXPECT_EQ(r.suites[0].cases[0].name, "example_simple_test");
	EXPECT_EQ(r.suites[0].cases[1].result, Result::skip);
	EXPECT_TRUE(r.ok());
}

TEST(Ktap, MalformedInputIsReported)
{
	Report r = parse_ktap("KTAP version 2\n"
			      "    KTAP version 1\n"
			      "    # Subtest: s\n"
			      "    1..2\n"
			      "    ok 1 a\n"
			      "    ok 1 a_again\n"
			      "ok 1 t\n");
	EXPECT_EQ(r.errors.size(), 3u); // version, case number, suite name
	ASSERT_EQ(r.suites.size(), 1u);
	EXPECT_EQ(r.suites[0].result, Result::pass);
	EXPECT_FALSE(r.ok());

	Report e = parse_ktap("[    9.000000] kunit executor: error filtering suites: -12\n");
	ASSERT_EQ(e.errors.size(), 1u);
	EXPECT_TRUE(contains(e.errors[0], "error filtering suites"));
	EXPECT_FALSE(e.ok());
}

TEST(Ktap, ResultNames)
{
	EXPECT_EQ(to_string(Result::pass), "pass");
	EXPECT_EQ(to_string(Result::fail), "fail");
	EXPECT_EQ(to_string(Result::skip), "skip");
	EXPECT_EQ(to_string(Result::crashed), "crashed");
}

} // namespace
} // namespace flashnet::kunit
