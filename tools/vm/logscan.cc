// SPDX-License-Identifier: GPL-2.0
// Kernel report scanner. The headlines below are copied from Linux 6.1:
// mm/kasan/report.c, kernel/locking/lockdep.c, mm/kmemleak.c,
// kernel/panic.c, lib/bug.c, arch/x86/kernel/{dumpstack,traps}.c,
// arch/x86/mm/fault.c, kernel/sched/core.c, kernel/hung_task.c,
// kernel/rcu/tree_stall.h, kernel/rcu/tasks.h, lib/ubsan.c,
// kernel/watchdog.c and kernel/watchdog_hld.c.
#include "logscan.h"

#include <algorithm>
#include <charconv>

namespace flashnet::vm {
namespace {

using std::string_view;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool is_hex(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool contains(string_view s, string_view part)
{
	return s.find(part) != string_view::npos;
}

// Skips a run of digits at pos; false if there is none.
bool skip_digits(string_view s, std::size_t &pos)
{
	const std::size_t start = pos;
	while (pos < s.size() && is_digit(s[pos]))
		++pos;
	return pos > start;
}

void skip_spaces(string_view s, std::size_t &pos)
{
	while (pos < s.size() && s[pos] == ' ')
		++pos;
}

// The printk time prefix "[%5lu.%06lu]" starting at pos, then the
// CONFIG_PRINTK_CALLER field "[%6s]" ("[    T1]", "[  C0]") if present, and
// the separating space. The widths are not checked, so "[   3.1] " passes.
std::optional<std::size_t> prefix_end(string_view s, std::size_t pos)
{
	if (s[pos] != '[')
		return std::nullopt;
	++pos;
	skip_spaces(s, pos);
	if (!skip_digits(s, pos) || pos >= s.size() || s[pos] != '.')
		return std::nullopt;
	++pos;
	if (!skip_digits(s, pos) || pos >= s.size() || s[pos] != ']')
		return std::nullopt;
	++pos;

	if (pos < s.size() && s[pos] == '[') {
		std::size_t caller = pos + 1;
		skip_spaces(s, caller);
		if (caller < s.size() && (s[caller] == 'T' || s[caller] == 'C')) {
			++caller;
			if (skip_digits(s, caller) && caller < s.size() &&
			    s[caller] == ']')
				pos = caller + 1;
		}
	}
	if (pos < s.size() && s[pos] == ' ')
		++pos;
	return pos;
}

struct Prefix {
	std::size_t begin;
	std::size_t end;
};

std::optional<Prefix> find_prefix(string_view s, std::size_t from)
{
	for (std::size_t pos = s.find('[', from); pos != string_view::npos;
	     pos = s.find('[', pos + 1)) {
		if (auto end = prefix_end(s, pos))
			return Prefix{pos, *end};
	}
	return std::nullopt;
}

string_view trim_end(string_view s)
{
	while (!s.empty() && (s.back() == ' ' || s.back() == '\t' ||
			      s.back() == '\r' || s.back() == '\n'))
		s.remove_suffix(1);
	return s;
}

// The text after a pr_fmt() facility such as "watchdog: ", "rcu: ",
// "kmemleak: " or "NMI watchdog: ". The facility is a short run of word
// characters; anything with brackets (user space writing to /dev/kmsg as
// "name[pid]: ") or other punctuation is not one.
std::optional<string_view> after_facility(string_view m)
{
	const std::size_t colon = m.find(": ");
	if (colon == 0 || colon == string_view::npos || colon > 32)
		return std::nullopt;
	for (char c : m.substr(0, colon)) {
		const bool word = is_digit(c) || (c >= 'a' && c <= 'z') ||
				  (c >= 'A' && c <= 'Z') || c == '_' || c == '-' ||
				  c == '.' || c == '/' || c == ' ';
		if (!word)
			return std::nullopt;
	}
	return m.substr(colon + 2);
}

// lockdep's (and RCU lockdep's) report headlines; the ones with a
// variable middle are matched by prefix and suffix below.
constexpr string_view kLockdepHeadlines[] = {
	"WARNING: possible circular locking dependency detected",
	"WARNING: possible recursive locking detected",
	"WARNING: chain_key collision",
	"WARNING: inconsistent lock state",
	"WARNING: possible irq lock inversion dependency detected",
	"WARNING: Nested lock was not taken",
	"WARNING: bad unlock balance detected!",
	"WARNING: bad contention detected!",
	"WARNING: held lock freed!",
	"WARNING: lock held when returning to user space!",
	"WARNING: suspicious RCU usage",
	"[ BUG: Invalid wait context ]",
	"INFO: trying to register non-static key.",
	"BUG: looking up invalid subclass: ",
};

bool is_lockdep(string_view m)
{
	for (string_view h : kLockdepHeadlines)
		if (m.starts_with(h))
			return true;
	// "WARNING: %s-safe -> %s-unsafe lock order detected"
	if (m.starts_with("WARNING: ") &&
	    m.ends_with("-unsafe lock order detected"))
		return true;
	// "WARNING: %s/%d still has locks held!"
	if (m.starts_with("WARNING: ") && m.ends_with(" still has locks held!"))
		return true;
	// Table overflows ("BUG: MAX_LOCKDEP_KEYS too low!") turn lockdep off.
	if (m.starts_with("BUG: MAX_") && m.ends_with(" too low!"))
		return true;
	return m.starts_with("BUG: key ") &&
	       m.ends_with(" has not been registered!");
}

constexpr string_view kAtomicSleepHeadlines[] = {
	"BUG: sleeping function called from invalid context",
	"BUG: scheduling while atomic",
	"BUG: scheduling in a non-blocking section",
};

// x86 __die_header(): "%s: %04lx [#%d]%s..." as in "Oops: 0002 [#1] SMP"
// or "general protection fault, probably for non-canonical address
// 0xdffffc0000000002: 0000 [#1] ...". The first ": " ends the string.
std::optional<ReportKind> die_kind(string_view m)
{
	const std::size_t colon = m.find(": ");
	if (colon == string_view::npos)
		return std::nullopt;
	const string_view rest = m.substr(colon + 2);
	if (rest.size() < 8 || !std::all_of(rest.begin(), rest.begin() + 4, is_hex) ||
	    rest.substr(4, 3) != " [#")
		return std::nullopt;
	std::size_t pos = 7;
	if (!skip_digits(rest, pos) || pos >= rest.size() || rest[pos] != ']')
		return std::nullopt;
	if (contains(m.substr(0, colon), "general protection fault"))
		return ReportKind::general_protection;
	return ReportKind::oops;
}

// Most specific first: "BUG: KASAN:" and lockdep's "BUG:"s before the
// generic "BUG:", lockdep's "WARNING:"s are not WARN()s.
std::optional<ReportKind> classify(string_view m)
{
	if (m.starts_with("BUG: KASAN: "))
		return ReportKind::kasan;
	if (is_lockdep(m))
		return ReportKind::lockdep;
	for (string_view h : kAtomicSleepHeadlines)
		if (m.starts_with(h))
			return ReportKind::atomic_sleep;
	// Generic BUG:s include "BUG: soft lockup", page faults, KFENCE, ...
	if (m.starts_with("BUG: ") || m.starts_with("kernel BUG at ") ||
	    m.starts_with("Kernel BUG at ") ||
	    m.starts_with("Watchdog detected hard LOCKUP on cpu "))
		return ReportKind::bug;
	// Only __warn()'s headline: plain "WARNING: ..." messages are
	// informational (e.g. "RETBleed: WARNING: Spectre v2 mitigation ...").
	if (m.starts_with("WARNING: CPU: "))
		return ReportKind::warning;
	if (m.starts_with("UBSAN: "))
		return ReportKind::ubsan;
	// Not "---[ end Kernel panic - not syncing: ... ]---", which closes it.
	if (m.starts_with("Kernel panic - not syncing"))
		return ReportKind::panic;
	if (m.starts_with("INFO: task ") &&
	    contains(m, " blocked for more than "))
		return ReportKind::hung_task;
	// "INFO: rcu_preempt detected stalls on CPUs/tasks:", "... self-detected
	// stall on CPU", "... detected expedited stalls ...", "INFO: rcu_tasks
	// detected stalls on tasks:"
	if (m.starts_with("INFO: rcu") && contains(m, "stall"))
		return ReportKind::rcu_stall;
	return die_kind(m);
}

// "unreferenced object 0x%08lx (size %zu):" -> the address.
std::optional<string_view> leaked_object(string_view m)
{
	constexpr string_view head = "unreferenced object 0x";
	if (!m.starts_with(head))
		return std::nullopt;
	std::size_t end = head.size();
	while (end < m.size() && is_hex(m[end]))
		++end;
	if (end == head.size())
		return std::nullopt;
	return m.substr(head.size() - 2, end - (head.size() - 2));
}

// "%d new suspected memory leaks (see /sys/kernel/debug/kmemleak)" -> %d.
std::optional<std::size_t> leak_summary(string_view m)
{
	std::size_t count = 0;
	const auto [ptr, ec] =
		std::from_chars(m.data(), m.data() + m.size(), count);
	if (ec != std::errc() ||
	    !string_view(ptr, m.data() + m.size() - ptr)
		     .starts_with(" new suspected memory leak"))
		return std::nullopt;
	return count;
}

} // namespace

void LogScanner::feed_line(string_view line)
{
	++line_;
	// Several kernel messages may share a console line when output races;
	// each runs up to the next prefix.
	std::optional<Prefix> prefix = find_prefix(line, 0);
	while (prefix) {
		const std::optional<Prefix> next = find_prefix(line, prefix->end);
		const std::size_t end = next ? next->begin : line.size();
		scan_message(trim_end(line.substr(prefix->end, end - prefix->end)));
		prefix = next;
	}
}

void LogScanner::scan_message(string_view message)
{
	const std::optional<string_view> body = after_facility(message);

	// kmemleak's lines come with its "kmemleak: " facility, but accept the
	// bare /sys/kernel/debug/kmemleak form too.
	for (const std::optional<string_view> &m : {std::optional(message), body}) {
		if (!m)
			continue;
		if (auto address = leaked_object(*m)) {
			on_leaked_object(message, *address);
			return;
		}
		if (auto count = leak_summary(*m)) {
			on_leak_summary(message, *count);
			return;
		}
	}

	std::optional<ReportKind> kind = classify(message);
	if (!kind && body)
		kind = classify(*body);
	if (kind)
		add(*kind, message);
}

void LogScanner::add(ReportKind kind, string_view message)
{
	reports_.push_back(Report{kind, line_, std::string(message)});
}

void LogScanner::on_leaked_object(string_view message, string_view address)
{
	if (!leaked_objects_.emplace(address).second)
		return; // listed again by a later dump of the kmemleak file
	if (leaks_announced_unlisted_ == 0) {
		++leaks_listed_unannounced_; // verbose: its summary comes later
	} else {
		--leaks_announced_unlisted_;
		if (!unlisted_summary_lines_.empty()) {
			// The summary stood for objects not yet seen; this is one.
			const std::size_t line = unlisted_summary_lines_.front();
			unlisted_summary_lines_.erase(unlisted_summary_lines_.begin());
			std::erase_if(reports_, [line](const Report &r) {
				return r.line == line && r.kind == ReportKind::kmemleak;
			});
		}
	}
	add(ReportKind::kmemleak, message);
}

void LogScanner::on_leak_summary(string_view message, std::size_t count)
{
	if (leaks_listed_unannounced_ >= count) {
		leaks_listed_unannounced_ -= count; // all already counted
		return;
	}
	count -= leaks_listed_unannounced_;
	leaks_listed_unannounced_ = 0;
	leaks_announced_unlisted_ += count;
	unlisted_summary_lines_.push_back(line_);
	add(ReportKind::kmemleak, message);
}

std::vector<Report> scan_log(string_view whole_log)
{
	LogScanner scanner;
	while (!whole_log.empty()) {
		const std::size_t nl = whole_log.find('\n');
		scanner.feed_line(whole_log.substr(0, nl));
		if (nl == string_view::npos)
			break;
		whole_log.remove_prefix(nl + 1);
	}
	return scanner.reports();
}

string_view to_string(ReportKind kind)
{
	switch (kind) {
	case ReportKind::kasan: return "kasan";
	case ReportKind::lockdep: return "lockdep";
	case ReportKind::kmemleak: return "kmemleak";
	case ReportKind::warning: return "warning";
	case ReportKind::bug: return "bug";
	case ReportKind::oops: return "oops";
	case ReportKind::general_protection: return "general_protection";
	case ReportKind::panic: return "panic";
	case ReportKind::ubsan: return "ubsan";
	case ReportKind::atomic_sleep: return "atomic_sleep";
	case ReportKind::hung_task: return "hung_task";
	case ReportKind::rcu_stall: return "rcu_stall";
	}
	return "unknown";
}

std::optional<ReportKind> parse_report_kind(string_view name)
{
	for (ReportKind kind : kAllReportKinds)
		if (to_string(kind) == name)
			return kind;
	return std::nullopt;
}

} // namespace flashnet::vm
