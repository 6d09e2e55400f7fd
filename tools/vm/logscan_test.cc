// SPDX-License-Identifier: GPL-2.0
// Tests of the console-log report scanner. The logs in testdata/reports are
// console excerpts in Linux 6.1's exact formats; TEST_DATA_DIR names the
// testdata directory.
#include "logscan.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#ifndef TEST_DATA_DIR
#error "TEST_DATA_DIR must name tools/vm/testdata"
#endif

namespace flashnet::vm {
namespace {

namespace fs = std::filesystem;
using K = ReportKind;

fs::path reports_dir() { return fs::path(TEST_DATA_DIR) / "reports"; }

std::string read_log(const std::string &name)
{
	std::ifstream in(reports_dir() / name, std::ios::binary);
	EXPECT_TRUE(in) << "cannot open " << (reports_dir() / name);
	std::ostringstream text;
	text << in.rdbuf();
	return text.str();
}

// Feeds a log line by line as the runner does, keeping any '\r'.
std::vector<Report> scan_streaming(std::string_view log)
{
	LogScanner scanner;
	std::size_t start = 0;
	while (start < log.size()) {
		std::size_t nl = log.find('\n', start);
		if (nl == std::string_view::npos)
			nl = log.size();
		scanner.feed_line(log.substr(start, nl - start));
		start = nl + 1;
	}
	return scanner.reports();
}

struct Expected {
	K kind;
	std::size_t line;
	std::string headline_start;
};

// What each excerpt must yield: kinds, 1-based lines, headline openings.
const std::map<std::string, std::vector<Expected>> &expectations()
{
	static const std::map<std::string, std::vector<Expected>> table = {
		{"clean_boot.log", {}},
		{"user_text.log", {}},
		{"kasan.log",
		 {{K::kasan, 5, "BUG: KASAN: slab-out-of-bounds in fn_trigger_kasan+0x5c/0x90"}}},
		{"lockdep.log",
		 {{K::lockdep, 6, "WARNING: possible circular locking dependency detected"}}},
		{"kmemleak.log",
		 {{K::kmemleak, 6, "kmemleak: unreferenced object 0xffff8880061d2e80 (size 64):"},
		  {K::kmemleak, 22, "kmemleak: unreferenced object 0xffff8880061d2f00 (size 64):"},
		  {K::kmemleak, 38, "kmemleak: unreferenced object 0xffff8880061d2f80 (size 64):"},
		  {K::kmemleak, 54, "kmemleak: unreferenced object 0xffff8880061d3000 (size 64):"}}},
		{"warning.log",
		 {{K::warning, 5, "WARNING: CPU: 0 PID: 250 at /work/main/tests/kmod/harness_trigger.c:50 fn_trigger_warn+0x5/0x10 [fn_harness_trigger]"}}},
		{"bug.log",
		 {{K::bug, 5, "kernel BUG at /work/main/tests/kmod/harness_trigger.c:56!"},
		  {K::oops, 6, "invalid opcode: 0000 [#1] SMP KASAN"}}},
		{"page_fault.log",
		 {{K::bug, 2, "BUG: unable to handle page fault for address: ffffc900004c1000"},
		  {K::oops, 6, "Oops: 0002 [#1] SMP KASAN"},
		  {K::panic, 70, "Kernel panic - not syncing: Fatal exception in interrupt"}}},
		{"oops.log", {{K::oops, 3, "divide error: 0000 [#1] SMP KASAN"}}},
		{"general_protection.log",
		 {{K::general_protection, 3,
		   "general protection fault, probably for non-canonical address 0xdffffc0000000003: 0000 [#1] SMP KASAN"}}},
		{"panic.log",
		 {{K::panic, 3, "Kernel panic - not syncing: Attempted to kill init! exitcode=0x00007f00"}}},
		{"ubsan.log",
		 {{K::ubsan, 4, "UBSAN: shift-out-of-bounds in /work/main/siw-flash/siw_flash_qp.c:211:23"}}},
		{"atomic_sleep.log",
		 {{K::atomic_sleep, 4, "BUG: sleeping function called from invalid context at /work/main/tests/kmod/harness_trigger.c:115"}}},
		{"hung_task.log",
		 {{K::hung_task, 2, "INFO: task fio:315 blocked for more than 120 seconds."}}},
		{"rcu_stall.log",
		 {{K::rcu_stall, 2, "rcu: INFO: rcu_sched self-detected stall on CPU"}}},
		{"interleaved.log",
		 {{K::warning, 5, "WARNING: CPU: 1 PID: 0 at /work/main/salsa-ftl/salsa_gc.c:412 salsa_gc_end_io+0x1d6/0x240 [salsa_ftl]"}}},
	};
	return table;
}

TEST(ReportKindTest, RoundTripsEveryKind)
{
	std::set<std::string_view> names;
	for (K kind : kAllReportKinds) {
		const std::string_view name = to_string(kind);
		EXPECT_FALSE(name.empty());
		EXPECT_TRUE(names.insert(name).second) << "duplicate " << name;
		EXPECT_EQ(parse_report_kind(name), kind) << name;
	}
	EXPECT_EQ(names.size(), 12u);
	EXPECT_EQ(to_string(K::general_protection), "general_protection");
	EXPECT_EQ(to_string(K::atomic_sleep), "atomic_sleep");
}

TEST(ReportKindTest, RejectsUnknownNames)
{
	for (std::string_view name : {"", "KASAN", "Warning", "warn", "oops ",
				      "rcu-stall", "unknown"})
		EXPECT_EQ(parse_report_kind(name), std::nullopt) << name;
}

TEST(TestDataTest, EveryLogHasExpectations)
{
	std::set<std::string> logs;
	for (const fs::directory_entry &entry : fs::directory_iterator(reports_dir()))
		if (entry.path().extension() == ".log")
			logs.insert(entry.path().filename().string());
	std::set<std::string> expected;
	for (const auto &[name, reports] : expectations())
		expected.insert(name);
	EXPECT_EQ(logs, expected);

	// One excerpt per kind, besides the clean ones.
	std::set<K> kinds;
	for (const auto &[name, reports] : expectations())
		for (const Expected &e : reports)
			kinds.insert(e.kind);
	EXPECT_EQ(kinds.size(), std::size(kAllReportKinds));
}

class ReportLogTest : public testing::TestWithParam<std::string> {};

TEST_P(ReportLogTest, FindsExactlyTheExpectedReports)
{
	const std::vector<Report> found = scan_log(read_log(GetParam()));
	const std::vector<Expected> &want = expectations().at(GetParam());
	ASSERT_EQ(found.size(), want.size()) << GetParam();
	for (std::size_t i = 0; i < want.size(); ++i) {
		SCOPED_TRACE(GetParam() + " report " + std::to_string(i));
		EXPECT_EQ(found[i].kind, want[i].kind)
			<< to_string(found[i].kind) << " vs " << to_string(want[i].kind);
		EXPECT_EQ(found[i].line, want[i].line);
		EXPECT_TRUE(found[i].headline.starts_with(want[i].headline_start))
			<< found[i].headline;
		EXPECT_FALSE(found[i].headline.ends_with("\r"));
	}
}

TEST_P(ReportLogTest, StreamingEqualsWholeLog)
{
	const std::string log = read_log(GetParam());
	EXPECT_EQ(scan_streaming(log), scan_log(log));
}

TEST_P(ReportLogTest, LineNumbersPointAtTheHeadline)
{
	const std::string log = read_log(GetParam());
	std::vector<std::string> lines;
	std::istringstream in(log);
	for (std::string line; std::getline(in, line);)
		lines.push_back(line);
	for (const Report &r : scan_log(log)) {
		ASSERT_GE(r.line, 1u);
		ASSERT_LE(r.line, lines.size());
		EXPECT_NE(lines[r.line - 1].find(r.headline), std::string::npos)
			<< "line " << r.line << ": " << lines[r.line - 1];
	}
}

std::vector<std::string> log_names()
{
	std::vector<std::string> names;
	for (const auto &[name, reports] : expectations())
		names.push_back(name);
	return names;
}

INSTANTIATE_TEST_SUITE_P(Logs, ReportLogTest, testing::ValuesIn(log_names()),
			 [](const testing::TestParamInfo<std::string> &info) {
				 return fs::path(info.param).stem().string();
			 });

TEST(LogScanTest, AllLogsConcatenatedKeepTheirReports)
{
	// Scanner state (kmemleak's) must not leak reports between excerpts.
	std::string all;
	std::vector<Report> want;
	std::size_t offset = 0;
	for (const auto &[name, reports] : expectations()) {
		const std::string log = read_log(name);
		for (Report r : scan_log(log)) {
			r.line += offset;
			want.push_back(r);
		}
		all += log;
		offset += std::count(log.begin(), log.end(), '\n');
	}
	EXPECT_EQ(scan_log(all), want);
	EXPECT_EQ(scan_streaming(all), want);
}

TEST(LogScanTest, CleanBootIsEmpty)
{
	EXPECT_TRUE(scan_log(read_log("clean_boot.log")).empty());
}

TEST(LogScanTest, UserSpaceTextIsIgnored)
{
	const std::string log = read_log("user_text.log");
	// The log really does hold report-like text, unprefixed.
	EXPECT_NE(log.find("\nWARNING: CPU: 0 PID: 12 at"), std::string::npos);
	EXPECT_NE(log.find("\nBUG: KASAN:"), std::string::npos);
	EXPECT_NE(log.find("\nKernel panic - not syncing"), std::string::npos);
	EXPECT_TRUE(scan_log(log).empty());
}

TEST(LogScanTest, EmptyInput)
{
	EXPECT_TRUE(scan_log("").empty());
	EXPECT_TRUE(scan_log("\n\n\r\n").empty());
	LogScanner scanner;
	EXPECT_TRUE(scanner.reports().empty());
}

TEST(LogScanTest, FindsKernelOutputInTheMiddleOfAUserLine)
{
	const std::vector<Report> found = scan_log(
		"fio: starting\n"
		"fio: running[   3.1] WARNING: CPU: 0 PID: 12 at fs/x.c:9 f+0x1/0x2\n");
	ASSERT_EQ(found.size(), 1u);
	EXPECT_EQ(found[0].kind, K::warning);
	EXPECT_EQ(found[0].line, 2u);
	EXPECT_EQ(found[0].headline, "WARNING: CPU: 0 PID: 12 at fs/x.c:9 f+0x1/0x2");
}

TEST(LogScanTest, ScansEveryKernelMessageSharingALine)
{
	const std::vector<Report> found = scan_log(
		"[    5.000001] fn: working[    5.000002] BUG: scheduling while "
		"atomic: kworker/0:1/23/0x00000002[    5.000003] UBSAN: "
		"array-index-out-of-bounds in a.c:1:2\r\n");
	ASSERT_EQ(found.size(), 2u);
	EXPECT_EQ(found[0].kind, K::atomic_sleep);
	EXPECT_EQ(found[0].headline,
		  "BUG: scheduling while atomic: kworker/0:1/23/0x00000002");
	EXPECT_EQ(found[1].kind, K::ubsan);
	EXPECT_EQ(found[1].headline, "UBSAN: array-index-out-of-bounds in a.c:1:2");
	EXPECT_EQ(found[1].line, 1u);
}

TEST(LogScanTest, AcceptsPrefixVariants)
{
	const std::vector<Report> found = scan_log(
		"[    1.234567][    T1] kernel BUG at mm/slub.c:435!\n"  // PRINTK_CALLER
		"[    1.234568][  C0] Oops: 0000 [#2] SMP\n"
		"[123456.000001] UBSAN: division-overflow in b.c:3:4\n" // wide time
		"\x1b[0m[    2.000000] BUG: soft lockup - CPU#0 stuck for 22s! [a:1]\n"
		"[0.5] Kernel panic - not syncing: x\n");
	ASSERT_EQ(found.size(), 5u);
	EXPECT_EQ(found[0].kind, K::bug);
	EXPECT_EQ(found[0].headline, "kernel BUG at mm/slub.c:435!");
	EXPECT_EQ(found[1].kind, K::oops);
	EXPECT_EQ(found[2].kind, K::ubsan);
	EXPECT_EQ(found[3].kind, K::bug);
	EXPECT_EQ(found[4].kind, K::panic);
}

TEST(LogScanTest, RejectsBracketsThatAreNotPrintkPrefixes)
{
	EXPECT_TRUE(scan_log("[  OK  ] WARNING: CPU: 0 PID: 1 at a.c:1 f\n"
			     "[1] BUG: not a time\n"
			     "[1.] BUG: no fraction\n"
			     "[.5] BUG: no seconds\n"
			     "[ 1.5 ] BUG: space before bracket\n"
			     "[<ffffffff81000000>] BUG: a symbol, not a time\n")
			    .empty());
}

// Headlines exactly as 6.1 prints them, each with the kind it must get.
const std::vector<std::pair<std::string, K>> &headline_table()
{
	static const std::vector<std::pair<std::string, K>> table = {
		{"BUG: KASAN: use-after-free in siw_qp_put+0x2e/0x90 [siw_flash]", K::kasan},
		{"BUG: KASAN: global-out-of-bounds in f+0x1/0x2", K::kasan},
		{"BUG: KASAN: invalid-access", K::kasan},
		{"WARNING: possible circular locking dependency detected", K::lockdep},
		{"WARNING: possible recursive locking detected", K::lockdep},
		{"WARNING: inconsistent lock state", K::lockdep},
		{"WARNING: suspicious RCU usage", K::lockdep},
		{"WARNING: bad unlock balance detected!", K::lockdep},
		{"WARNING: held lock freed!", K::lockdep},
		{"WARNING: possible irq lock inversion dependency detected", K::lockdep},
		{"WARNING: lock held when returning to user space!", K::lockdep},
		{"WARNING: HARDIRQ-safe -> HARDIRQ-unsafe lock order detected", K::lockdep},
		{"WARNING: SOFTIRQ-safe -> SOFTIRQ-unsafe lock order detected", K::lockdep},
		{"WARNING: chain_key collision", K::lockdep},
		{"WARNING: Nested lock was not taken", K::lockdep},
		{"WARNING: bad contention detected!", K::lockdep},
		{"WARNING: kworker/0:1/23 still has locks held!", K::lockdep},
		{"[ BUG: Invalid wait context ]", K::lockdep},
		{"INFO: trying to register non-static key.", K::lockdep},
		{"BUG: MAX_LOCKDEP_KEYS too low!", K::lockdep},
		{"BUG: MAX_LOCKDEP_CHAIN_HLOCKS too low!", K::lockdep},
		{"BUG: looking up invalid subclass: 9", K::lockdep},
		{"BUG: key ffff888006a1c000 has not been registered!", K::lockdep},
		{"kmemleak: 3 new suspected memory leaks (see /sys/kernel/debug/kmemleak)", K::kmemleak},
		{"kmemleak: unreferenced object 0xffff888006a1c000 (size 32):", K::kmemleak},
		{"unreferenced object 0xffff888006a1c100 (size 32):", K::kmemleak},
		{"WARNING: CPU: 0 PID: 12 at lib/refcount.c:28 refcount_warn_saturate+0x12e/0x150", K::warning},
		{"WARNING: CPU: 1 PID: 7 at 0xffffffffc0a00000", K::warning},
		{"kernel BUG at fs/inode.c:611!", K::bug},
		{"Kernel BUG at 0xffffffffc0a00000 [verbose debug info unavailable]", K::bug},
		{"BUG: unable to handle page fault for address: ffffc900004c1000", K::bug},
		{"BUG: kernel NULL pointer dereference, address: 0000000000000008", K::bug},
		{"BUG: soft lockup - CPU#1 stuck for 22s! [fio:315]", K::bug},
		{"watchdog: BUG: soft lockup - CPU#1 stuck for 22s! [fio:315]", K::bug},
		{"NMI watchdog: Watchdog detected hard LOCKUP on cpu 1", K::bug},
		{"BUG: Bad page state in process fio  pfn:06b3a", K::bug},
		{"BUG: workqueue lockup - pool cpus=0 node=0 flags=0x0 nice=0 stuck for 31s!", K::bug},
		{"BUG: KFENCE: use-after-free read in f+0x1/0x2", K::bug},
		{"BUG: spinlock bad magic on CPU#0, insmod/245", K::bug},
		{"BUG: assuming atomic context at kernel/x.c:1", K::bug},
		{"Oops: 0002 [#1] PREEMPT SMP KASAN NOPTI", K::oops},
		{"invalid opcode: 0000 [#1] SMP", K::oops},
		{"double fault: 0000 [#1] SMP KASAN", K::oops},
		{"stack segment: 0000 [#1] SMP KASAN", K::oops},
		{"general protection fault: 0000 [#1] SMP", K::general_protection},
		{"general protection fault, probably for non-canonical address 0xdffffc0000000002: 0000 [#1] PREEMPT SMP KASAN NOPTI",
		 K::general_protection},
		{"general protection fault, maybe for address 0x1234: 0000 [#1] SMP", K::general_protection},
		{"segment-related general protection fault: 0018 [#1] SMP", K::general_protection},
		{"Kernel panic - not syncing: Fatal exception", K::panic},
		{"Kernel panic - not syncing: kernel: panic_on_warn set ...", K::panic},
		{"UBSAN: shift-out-of-bounds in lib/x.c:10:5", K::ubsan},
		{"BUG: sleeping function called from invalid context at mm/slab.h:742", K::atomic_sleep},
		{"BUG: scheduling while atomic: swapper/0/0/0x00000002", K::atomic_sleep},
		{"BUG: scheduling in a non-blocking section: fio/315/1", K::atomic_sleep},
		{"INFO: task kworker/u4:1:45 blocked for more than 120 seconds.", K::hung_task},
		{"INFO: task fio:315 blocked for more than 491 seconds.", K::hung_task},
		{"rcu: INFO: rcu_sched self-detected stall on CPU", K::rcu_stall},
		{"rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:", K::rcu_stall},
		{"rcu: INFO: rcu_sched detected expedited stalls on CPUs/tasks: { 1-... } 21002 jiffies s: 173 root: 0x2/.", K::rcu_stall},
		{"INFO: rcu_tasks detected stalls on tasks:", K::rcu_stall},
	};
	return table;
}

TEST(LogScanTest, ClassifiesEachHeadline)
{
	std::set<K> covered;
	for (const auto &[headline, kind] : headline_table()) {
		const std::vector<Report> found =
			scan_log("[   12.345678] " + headline + "\n");
		ASSERT_EQ(found.size(), 1u) << headline;
		EXPECT_EQ(found[0].kind, kind)
			<< headline << ": " << to_string(found[0].kind);
		EXPECT_EQ(found[0].headline, headline);
		covered.insert(kind);
	}
	EXPECT_EQ(covered.size(), std::size(kAllReportKinds));
}

TEST(LogScanTest, HeadlinesWithoutPrefixAreNeverReports)
{
	for (const auto &[headline, kind] : headline_table()) {
		EXPECT_TRUE(scan_log(headline + "\n").empty()) << headline;
		EXPECT_TRUE(scan_log("user says " + headline + "\n").empty()) << headline;
	}
}

TEST(LogScanTest, IgnoresLinesThatOnlyBelongToAReport)
{
	EXPECT_TRUE(scan_log(
		"[    1.000000] ------------[ cut here ]------------\n"
		"[    1.000001] ---[ end trace 0000000000000000 ]---\n"
		"[    1.000002] ---[ end Kernel panic - not syncing: Fatal exception ]---\n"
		"[    1.000003] ==================================================================\n"
		"[    1.000004] KASAN: null-ptr-deref in range [0x0000000000000018-0x000000000000001f]\n"
		"[    1.000005] Modules linked in: fn_harness_trigger(O+)\n"
		"[    1.000006] #PF: supervisor write access in kernel mode\n"
		"[    1.000007] INFO: lockdep is turned off.\n"
		"[    1.000008] INFO: Stall ended before state dump start\n"
		"[    1.000009] Disabling lock debugging due to kernel taint\n"
		"[    1.000010] RETBleed: WARNING: Spectre v2 mitigation leaves CPU vulnerable to RETBleed attacks, data leaks possible!\n"
		"[    1.000011] WARNING: kernel not compiled with CPU_SRSO.\n"
		"[    1.000012] traps: fio[312] general protection fault ip:55d0c3e1b2a4 sp:7ffd0b1c2e30 error:0 in fio[55d0c3e00000+2b000]\n"
		"[    1.000013] flashnet-init[1]: BUG: written by user space\n"
		"[    1.000014] kmemleak: Kernel memory leak detector initialized (mem pool available: 15814)\n"
		"[    1.000015] kmemleak: 0 new suspected memory leaks (see /sys/kernel/debug/kmemleak)\n"
		"[    1.000016] ... MAX_LOCKDEP_KEYS:        8192\n")
			    .empty());
}

TEST(LogScanTest, CutHereAndWarningAreOneReport)
{
	const std::vector<Report> found = scan_log(
		"[    1.000000] ------------[ cut here ]------------\n"
		"[    1.000001] WARNING: CPU: 0 PID: 1 at a.c:1 f+0x1/0x2\n"
		"[    1.000002] ---[ end trace 0000000000000000 ]---\n");
	ASSERT_EQ(found.size(), 1u);
	EXPECT_EQ(found[0].line, 2u);
}

TEST(LogScanTest, CountsLinesIncludingEmptyOnesAndCarriageReturns)
{
	const std::vector<Report> found = scan_log(
		"\r\n"
		"\n"
		"user\r\n"
		"[    1.000000] UBSAN: x in a.c:1:1\r\n"
		"[    1.000001] UBSAN: y in a.c:2:1"); // no final newline
	ASSERT_EQ(found.size(), 2u);
	EXPECT_EQ(found[0].line, 4u);
	EXPECT_EQ(found[0].headline, "UBSAN: x in a.c:1:1");
	EXPECT_EQ(found[1].line, 5u);
}

std::string leak_object(double t, const std::string &address)
{
	char stamp[32];
	std::snprintf(stamp, sizeof stamp, "[%12.6f] ", t);
	return std::string(stamp) + "kmemleak: unreferenced object 0x" + address +
	       " (size 64):\n" + stamp + "kmemleak:   comm \"insmod\", pid 251, jiffies 4294680112\n" +
	       stamp + "kmemleak:   backtrace:\n" + stamp +
	       "kmemleak:     [<000000003c6da5d7>] __kmem_cache_alloc_node+0x1e4/0x380\n";
}

std::vector<std::size_t> lines_of(const std::vector<Report> &reports)
{
	std::vector<std::size_t> lines;
	for (const Report &r : reports) {
		EXPECT_EQ(r.kind, K::kmemleak);
		lines.push_back(r.line);
	}
	return lines;
}

TEST(KmemleakTest, SummaryWithoutObjectsIsOneReport)
{
	const std::vector<Report> found = scan_log(
		"[   10.000000] kmemleak: 2 new suspected memory leaks (see /sys/kernel/debug/kmemleak)\n");
	EXPECT_EQ(lines_of(found), std::vector<std::size_t>{1});
}

TEST(KmemleakTest, ObjectsDumpedAfterTheSummaryReplaceIt)
{
	const std::string log =
		"[   10.000000] kmemleak: 2 new suspected memory leaks (see /sys/kernel/debug/kmemleak)\n" +
		leak_object(10.1, "ffff888006a1c000") + // lines 2-5
		leak_object(10.2, "ffff888006a1c100");	// lines 6-9
	EXPECT_EQ(lines_of(scan_log(log)), (std::vector<std::size_t>{2, 6}));

	// While streaming, the summary stands until its first object arrives.
	LogScanner scanner;
	scanner.feed_line("[   10.000000] kmemleak: 2 new suspected memory leaks (see /sys/kernel/debug/kmemleak)");
	EXPECT_EQ(lines_of(scanner.reports()), std::vector<std::size_t>{1});
	scanner.feed_line("[   10.100000] kmemleak: unreferenced object 0xffff888006a1c000 (size 64):");
	EXPECT_EQ(lines_of(scanner.reports()), std::vector<std::size_t>{2});
}

TEST(KmemleakTest, VerboseObjectsBeforeTheSummaryAbsorbIt)
{
	// kmemleak.verbose prints the objects, then the summary.
	const std::string log =
		leak_object(10.1, "ffff888006a1c000") + leak_object(10.2, "ffff888006a1c100") +
		"[   10.300000] kmemleak: 2 new suspected memory leaks (see /sys/kernel/debug/kmemleak)\n";
	EXPECT_EQ(lines_of(scan_log(log)), (std::vector<std::size_t>{1, 5}));
}

TEST(KmemleakTest, AnObjectListedAgainCountsOnce)
{
	// Verbose output, then the harness copies the debugfs file, which
	// lists the same objects again plus one found by a later scan.
	const std::string log =
		leak_object(10.1, "ffff888006a1c000") + // 1-4
		"[   10.300000] kmemleak: 1 new suspected memory leaks (see /sys/kernel/debug/kmemleak)\n" + // 5
		"[   20.000000] kmemleak: 1 new suspected memory leaks (see /sys/kernel/debug/kmemleak)\n" + // 6
		leak_object(20.1, "ffff888006a1c000") + // 7-10, again
		leak_object(20.2, "ffff888006a1c200");	// 11-14, new
	EXPECT_EQ(lines_of(scan_log(log)), (std::vector<std::size_t>{1, 11}));
}

TEST(KmemleakTest, EachScanSummaryGetsItsOwnObjects)
{
	const std::string s1 =
		"[   10.000000] kmemleak: 1 new suspected memory leaks (see /sys/kernel/debug/kmemleak)\n";
	const std::string s2 =
		"[   20.000000] kmemleak: 2 new suspected memory leaks (see /sys/kernel/debug/kmemleak)\n";
	// Two scans, each dump lists everything reported so far.
	const std::string log = s1 + leak_object(10.1, "ffff888006a1c000") + // 1, 2-5
				s2 + leak_object(20.1, "ffff888006a1c000") +  // 6, 7-10
				leak_object(20.2, "ffff888006a1c100") +	      // 11-14
				leak_object(20.3, "ffff888006a1c200");	      // 15-18
	EXPECT_EQ(lines_of(scan_log(log)), (std::vector<std::size_t>{2, 11, 15}));

	// Two scans before one dump: each summary is replaced by an object.
	const std::string later = s1 + s2 + leak_object(30.1, "ffff888006a1c000") + // 1, 2, 3-6
				  leak_object(30.2, "ffff888006a1c100") +	    // 7-10
				  leak_object(30.3, "ffff888006a1c200");	    // 11-14
	EXPECT_EQ(lines_of(scan_log(later)), (std::vector<std::size_t>{3, 7, 11}));

	// Two scans, no dump: both summaries stand.
	EXPECT_EQ(lines_of(scan_log(s1 + s2)), (std::vector<std::size_t>{1, 2}));
}

} // namespace
} // namespace flashnet::vm
