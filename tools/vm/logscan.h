// SPDX-License-Identifier: GPL-2.0
// Finding kernel problem reports (WARN, BUG, Oops, KASAN, lockdep, kmemleak,
// ...) in a guest's serial console log. Any report fails the guest test.
//
// Only kernel lines count: text after a printk time prefix "[    1.234567] "
// (guests boot with printk.time=1). User space shares the console and may
// print "WARNING:" or "BUG:" itself; kernel output may also start in the
// middle of a console line after user-space text, so the prefix is looked
// for anywhere in the line. The formats are those of Linux 6.1.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace flashnet::vm {

enum class ReportKind {
	kasan,		    // BUG: KASAN: ...
	lockdep,	    // lockdep's and RCU-lockdep's own reports
	kmemleak,	    // unreferenced object / N new suspected memory leaks
	warning,	    // WARNING: CPU: n PID: n at ...  (WARN*())
	bug,		    // kernel BUG at ...; other BUG: ...; hard lockup
	oops,		    // x86 die(): "Oops: 0002 [#1] ...", "invalid opcode: ..."
	general_protection, // general protection fault...: 0000 [#1] ...
	panic,		    // Kernel panic - not syncing: ...
	ubsan,		    // UBSAN: ...
	atomic_sleep,	    // sleeping function called from invalid context, ...
	hung_task,	    // INFO: task ... blocked for more than N seconds.
	rcu_stall,	    // rcu: INFO: rcu_... detected stalls / self-detected stall
};

// Every kind, in declaration order.
inline constexpr ReportKind kAllReportKinds[] = {
	ReportKind::kasan,
	ReportKind::lockdep,
	ReportKind::kmemleak,
	ReportKind::warning,
	ReportKind::bug,
	ReportKind::oops,
	ReportKind::general_protection,
	ReportKind::panic,
	ReportKind::ubsan,
	ReportKind::atomic_sleep,
	ReportKind::hung_task,
	ReportKind::rcu_stall,
};

struct Report {
	ReportKind kind;
	std::size_t line;     // 1-based line in the log
	std::string headline; // the kernel message, without the printk prefix

	friend bool operator==(const Report &, const Report &) = default;
};

// Streaming: the runner feeds console lines as they arrive, and may look at
// reports() at any time (e.g. to stop a guest that panicked).
//
// One report per headline line. One incident can print several headlines,
// each counted: "BUG: unable to handle page fault" is followed by "Oops:",
// "kernel BUG at" by "invalid opcode:", and either may end in "Kernel
// panic". Lines that only belong to a report (cut here, register dumps,
// call traces, end markers) are never counted.
//
// kmemleak counts one report per distinct leaked object ("unreferenced
// object 0x..."), whether printed by the kernel (kmemleak.verbose) or
// copied from /sys/kernel/debug/kmemleak into the log by the harness; the
// same object listed twice counts once. A summary line "N new suspected
// memory leaks" counts as a report only until the objects it announces are
// listed: the first such object then takes the summary's place. Objects
// already listed before their summary (verbose mode) absorb it. reports()
// stays ordered by line.
class LogScanner {
public:
	// One console line, without '\n'; a trailing '\r' is ignored.
	void feed_line(std::string_view line);
	const std::vector<Report> &reports() const { return reports_; }

private:
	void scan_message(std::string_view message);
	void add(ReportKind kind, std::string_view message);
	void on_leaked_object(std::string_view message, std::string_view address);
	void on_leak_summary(std::string_view message, std::size_t count);

	std::size_t line_ = 0;
	std::vector<Report> reports_;

	// kmemleak bookkeeping, see the class comment.
	std::set<std::string, std::less<>> leaked_objects_;
	std::vector<std::size_t> unlisted_summary_lines_; // oldest first
	std::size_t leaks_announced_unlisted_ = 0;
	std::size_t leaks_listed_unannounced_ = 0;
};

// Scans a whole log ('\n'-separated lines, "\r\n" allowed).
std::vector<Report> scan_log(std::string_view whole_log);

// "kasan", "lockdep", ..., the enumerator's name.
std::string_view to_string(ReportKind kind);
// Inverse of to_string; nullopt for anything else.
std::optional<ReportKind> parse_report_kind(std::string_view name);

} // namespace flashnet::vm
