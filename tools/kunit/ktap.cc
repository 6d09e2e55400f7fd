// SPDX-License-Identifier: GPL-2.0
// KTAP parser for Linux 6.1 KUnit output; see ktap.h for the format.
//
// Nesting is read from indentation, not from headers: 6.1 prints no header
// for a parameterised case in debugfs (the case's log is cleared before each
// param runs), no header at all for a suite whose suite_init failed, and a
// console can lose lines. Levels: 0 holds suite results (and the executor's
// or debugfs' top-level header), 1 holds a suite's header and its cases, 2 a
// parameterised case's params.
#include "ktap.h"

#include <charconv>
#include <cstddef>
#include <utility>

namespace flashnet::kunit {
namespace {

constexpr std::size_t npos = std::string_view::npos;

bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' ||
	       c == '\f';
}

bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

std::string_view trim(std::string_view s)
{
	while (!s.empty() && is_space(s.front()))
		s.remove_prefix(1);
	while (!s.empty() && is_space(s.back()))
		s.remove_suffix(1);
	return s;
}

std::string_view rtrim(std::string_view s)
{
	while (!s.empty() && is_space(s.back()))
		s.remove_suffix(1);
	return s;
}

// A whole non-negative decimal number, or nothing.
std::optional<int> to_int(std::string_view s)
{
	int v = 0;
	if (s.empty() || !is_digit(s.front()))
		return std::nullopt;
	auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
	if (ec != std::errc() || end != s.data() + s.size())
		return std::nullopt;
	return v;
}

// End of a printk prefix starting at s[pos]: "[%5lu.%06lu]", then
// "[%6s]" (CONFIG_PRINTK_CALLER, "T123" or "C1"), then one space. Only that
// one space belongs to the prefix; any further ones are KTAP indentation.
std::optional<std::size_t> printk_prefix_end(std::string_view s, std::size_t pos)
{
	std::size_t i = pos;
	auto digits = [&] {
		std::size_t from = i;
		while (i < s.size() && is_digit(s[i]))
			++i;
		return i > from;
	};
	if (i >= s.size() || s[i++] != '[')
		return std::nullopt;
	while (i < s.size() && s[i] == ' ')
		++i;
	if (!digits() || i >= s.size() || s[i++] != '.')
		return std::nullopt;
	if (!digits() || i >= s.size() || s[i++] != ']')
		return std::nullopt;
	if (i < s.size() && s[i] == '[') {
		std::size_t save = i++;
		while (i < s.size() && s[i] == ' ')
			++i;
		if (i < s.size() && (s[i] == 'T' || s[i] == 'C') && (++i, digits()) &&
		    i < s.size() && s[i] == ']')
			++i;
		else
			i = save;
	}
	if (i < s.size() && s[i] == ' ')
		++i;
	return i;
}

struct KernelLine {
	std::string_view stamp; // the printk prefix
	std::string_view text;
};

// The kernel's part of a console line, or nothing if no printk prefix.
std::optional<KernelLine> kernel_text(std::string_view line)
{
	for (std::size_t p = line.find('['); p != npos; p = line.find('[', p + 1))
		if (auto end = printk_prefix_end(line, p))
			return KernelLine{line.substr(p, *end - p), line.substr(*end)};
	return std::nullopt;
}

// 6.1 keeps each case's debugfs log in KUNIT_LOG_SIZE (512) bytes and cuts
// it silently, even mid-line; the next case's log then continues on the
// same line. Returns where an indented result line glued on that way
// begins, so it can still be read.
std::size_t glued_result(std::string_view line)
{
	for (std::size_t p = line.find("ok "); p != npos; p = line.find("ok ", p + 1)) {
		if (p + 3 >= line.size() || !is_digit(line[p + 3]))
			continue;
		std::size_t start = p;
		if (start >= 4 && line.substr(start - 4, 4) == "not ")
			start -= 4;
		std::size_t run = start;
		while (run > 0 && (line[run - 1] == ' ' || line[run - 1] == '\t'))
			--run;
		bool indented = start - run >= 4 || (start > run && line[run] == '\t');
		if (indented && run > 0)
			return run;
	}
	return npos;
}

enum class Kind { blank, version, header, plan, result, comment, text };

struct Line {
	Kind kind = Kind::text;
	int level = 0;
	std::string_view raw;  // without printk prefix or trailing blanks
	std::string_view body; // raw without indentation
	std::string_view stamp; // printk prefix, if read from a console
	// version
	bool ktap = false;
	int version = 0;
	// plan
	int count = 0;
	// header and result
	std::string_view name;
	// result
	bool ok = false;
	int number = 0;
	bool has_directive = false;
	std::string_view directive; // after '#', trimmed
};

// "ok 1 name", "not ok 2 - name # SKIP why": TAP's "- " before the name is
// accepted because pre-KTAP kernels printed it.
bool parse_result(std::string_view body, Line &l)
{
	std::string_view rest;
	if (body.starts_with("ok ")) {
		l.ok = true;
		rest = body.substr(3);
	} else if (body.starts_with("not ok ")) {
		l.ok = false;
		rest = body.substr(7);
	} else {
		return false;
	}
	std::size_t n = 0;
	while (n < rest.size() && is_digit(rest[n]))
		++n;
	auto number = to_int(rest.substr(0, n));
	if (!number || (n < rest.size() && rest[n] != ' '))
		return false;
	l.number = *number;
	rest = trim(rest.substr(n));
	// The directive starts at a '#' standing alone as a word; names are
	// kernel identifiers or param descriptions and do not contain one.
	for (std::size_t i = 0; i < rest.size(); ++i) {
		if (rest[i] == '#' && (i == 0 || rest[i - 1] == ' ') &&
		    (i + 1 == rest.size() || rest[i + 1] == ' ')) {
			l.has_directive = true;
			l.directive = trim(rest.substr(i + 1));
			rest = rest.substr(0, i);
			break;
		}
	}
	rest = trim(rest);
	if (rest.starts_with("- "))
		rest = trim(rest.substr(2));
	l.name = rest;
	return true;
}

Line classify(std::string_view raw)
{
	Line l;
	l.raw = rtrim(raw);
	int spaces = 0;
	int tabs = 0;
	std::size_t i = 0;
	for (; i < l.raw.size() && (l.raw[i] == ' ' || l.raw[i] == '\t'); ++i)
		(l.raw[i] == '\t' ? tabs : spaces)++;
	l.level = tabs + spaces / 4;
	l.body = l.raw.substr(i);

	std::string_view b = l.body;
	if (b.empty()) {
		l.kind = Kind::blank;
	} else if (b.starts_with("KTAP version ") || b.starts_with("TAP version ")) {
		l.ktap = b.front() == 'K';
		auto v = to_int(b.substr(l.ktap ? 13 : 12));
		l.kind = v ? Kind::version : Kind::text;
		l.version = v.value_or(0);
	} else if (b.starts_with("# Subtest:")) {
		l.kind = Kind::header;
		l.name = trim(b.substr(10));
	} else if (b.starts_with("1..")) {
		// TAP allows "1..0 # SKIP why" after the count.
		std::string_view n = b.substr(3);
		n = n.substr(0, n.find(' '));
		auto count = to_int(n);
		l.kind = count ? Kind::plan : Kind::text;
		l.count = count.value_or(0);
	} else if (parse_result(b, l)) {
		l.kind = Kind::result;
	} else if (b == "#" || b.starts_with("# ")) {
		// Not "#PF: ..." and the like, which the kernel's oops prints.
		l.kind = Kind::comment;
	}
	return l;
}

// The name in a kunit_printk() line, "# name: message"; empty if none.
std::string_view named_by(std::string_view line)
{
	if (!line.starts_with("# "))
		return {};
	std::string_view rest = line.substr(2);
	std::size_t colon = rest.find(": ");
	if (colon == npos)
		colon = rest.ends_with(':') ? rest.size() - 1 : npos;
	if (colon == npos || colon == 0 || rest.substr(0, colon).find(' ') != npos)
		return {};
	return rest.substr(0, colon);
}

std::string join(const std::vector<std::string> &lines)
{
	std::string out;
	for (const auto &l : lines) {
		if (!out.empty())
			out += '\n';
		out += l;
	}
	return out;
}

void append(std::string &to, const std::string &text)
{
	if (text.empty())
		return;
	if (!to.empty())
		to += '\n';
	to += text;
}

bool failed(Result r)
{
	return r == Result::fail || r == Result::crashed;
}

// TAP directives are case-insensitive: "# SKIP", "# skip".
bool is_skip(std::string_view directive)
{
	if (directive.size() < 4 || (directive.size() > 4 && directive[4] != ' '))
		return false;
	for (std::size_t i = 0; i < 4; ++i)
		if ((directive[i] | 0x20) != "skip"[i])
			return false;
	return true;
}

Result result_of(const Line &l)
{
	// KTAP: a SKIP directive makes the test skipped whether "ok" or not.
	if (l.has_directive && is_skip(l.directive))
		return Result::skip;
	return l.ok ? Result::pass : Result::fail;
}

// What a result line's directive adds to its diagnostic.
std::optional<std::string> directive_line(const Line &l)
{
	if (!l.has_directive || l.directive.empty())
		return std::nullopt;
	if (result_of(l) == Result::skip && trim(l.directive.substr(4)).empty())
		return std::nullopt; // "# SKIP " with no reason says nothing
	return "# " + std::string(l.directive);
}

std::string unreported(const char *what, std::size_t n)
{
	return "(unreported " + std::string(what) + " " + std::to_string(n) + ")";
}

class Parser {
public:
	explicit Parser(Report &report) : report_(report)
	{
	}

	void feed(const Line &l, std::size_t lineno)
	{
		lineno_ = lineno;
		switch (l.kind) {
		case Kind::blank:
			return;
		case Kind::version:
			on_version(l);
			break;
		case Kind::header:
			on_header(l);
			break;
		case Kind::plan:
			on_plan(l);
			break;
		case Kind::result:
			on_result(l);
			break;
		case Kind::comment:
			pending_.emplace_back(l.body);
			in_diag_ = true;
			diag_stamp_ = l.stamp;
			return;
		case Kind::text:
			on_text(l);
			return;
		}
		in_diag_ = false;
	}

	void finish()
	{
		if (suite_)
			close_unfinished();
		end_top_block();
	}

private:
	// A parameterised case whose own result line has not come yet.
	struct Group {
		bool open = false;
		std::optional<std::string> name; // from its "# Subtest:"
		std::optional<int> planned;
		std::vector<Case> params;
	};

	void error(const std::string &what)
	{
		report_.errors.push_back("line " + std::to_string(lineno_) + ": " + what);
	}

	std::vector<std::string> take_pending()
	{
		return std::exchange(pending_, {});
	}

	void on_version(const Line &l)
	{
		if ((l.ktap && l.version != 1) || (!l.ktap && l.version != 13 && l.version != 14))
			error("unsupported " + std::string(l.ktap ? "KTAP" : "TAP") + " version " +
			      std::to_string(l.version));
		switch (l.level) {
		case 0: // executor or debugfs header: a new top-level block
			if (suite_)
				close_unfinished();
			end_top_block();
			pending_.clear();
			break;
		case 1: // every 6.1 suite starts with its own version line
			if (suite_)
				close_unfinished();
			open_suite();
			break;
		case 2:
			open_group();
			break;
		default:
			break;
		}
	}

	void on_header(const Line &l)
	{
		std::string name(l.name);
		if (l.level == 1) {
			if (suite_ && (!suite_->name.empty() || !suite_->cases.empty() || group_.open))
				close_unfinished();
			if (!suite_)
				open_suite();
			suite_->name = name;
		} else if (l.level == 2) {
			if (!group_.open || group_.name || !group_.params.empty())
				open_group();
			group_.name = name;
		}
	}

	void on_plan(const Line &l)
	{
		if (l.level == 0) {
			top_plan_ = l.count;
			top_seen_ = 0;
		} else if (l.level == 1) {
			if (!suite_)
				open_suite();
			if (suite_->planned)
				error("second plan for suite '" + suite_->name + "' ignored");
			else
				suite_->planned = l.count;
		} else if (l.level == 2) {
			if (!group_.open)
				open_group();
			group_.planned = l.count;
		}
	}

	void on_result(const Line &l)
	{
		switch (l.level) {
		case 0:
			close_suite(l);
			break;
		case 1:
			add_case(l);
			break;
		case 2:
			add_param(l);
			break;
		default:
			error("result nested deeper than a parameterised case ignored: " +
			      std::string(l.body));
			break;
		}
	}

	// Assertion text after "# case: EXPECTATION FAILED ..." is indented but
	// has no '#', except a *_MSG() message, which starts in column 0 (after
	// a blank line). On a console, unindented lines are mostly other kernel
	// messages (an oops, a driver's printk); the message is told apart by
	// the timestamp, which printk repeats on every line of one record.
	void on_text(const Line &l)
	{
		if (l.body.starts_with("kunit executor: ")) {
			error(std::string(l.body));
			return;
		}
		if (!in_diag_ || (l.level == 0 && l.stamp != diag_stamp_))
			return;
		std::string_view s = l.raw;
		if (s.starts_with('\t'))
			s.remove_prefix(1);
		else
			for (int i = 0; i < 4 && s.starts_with(' '); ++i)
				s.remove_prefix(1);
		pending_.emplace_back(s);
	}

	// Lines printed before a suite's header (suite_init's messages on the
	// console) are the suite's.
	void open_suite()
	{
		suite_.emplace();
		suite_->diagnostic = join(take_pending());
	}

	Suite &ensure_suite(const Line &l)
	{
		if (!suite_) {
			error("result outside a suite: " + std::string(l.body));
			open_suite();
		}
		return *suite_;
	}

	void open_group()
	{
		if (group_.open && (group_.name || !group_.params.empty())) {
			error("parameterised case '" + group_.name.value_or("") +
			      "' has no result line");
			flush_group();
		}
		group_ = Group{};
		group_.open = true;
	}

	// Params planned but not reported crashed with the kernel.
	static void fill_params(Group &g)
	{
		if (!g.planned)
			return;
		for (std::size_t n = g.params.size() + 1; n <= std::size_t(*g.planned); ++n)
			g.params.push_back(Case{unreported("param", n), Result::crashed, {}, {}});
	}

	// The open parameterised case never got its result line.
	void flush_group()
	{
		if (!group_.open || !suite_)
			return;
		std::vector<std::string> diag = take_pending();
		Case c;
		c.name = group_.name.value_or(
			diag.empty() || named_by(diag.front()).empty()
				? unreported("case", suite_->cases.size() + 1)
				: std::string(named_by(diag.front())));
		c.result = Result::crashed;
		c.diagnostic = join(diag);
		fill_params(group_);
		c.params = std::move(group_.params);
		suite_->cases.push_back(std::move(c));
		group_ = Group{};
	}

	void add_param(const Line &l)
	{
		ensure_suite(l);
		if (!group_.open)
			open_group(); // 6.1's debugfs log has no header for params
		std::vector<std::string> diag = take_pending();
		if (auto d = directive_line(l))
			diag.push_back(*d);
		group_.params.push_back(Case{std::string(l.name), result_of(l), join(diag), {}});
	}

	// Crashed cases for plan slots [from, to]; the first takes diag, which
	// is what the kernel printed for it before it stopped.
	void add_missing(Suite &s, std::size_t from, std::size_t to,
			 std::vector<std::string> diag)
	{
		for (std::size_t n = from; n <= to; ++n) {
			Case c;
			c.result = Result::crashed;
			if (n == from) {
				std::string_view who = diag.empty() ? "" : named_by(diag.front());
				if (!who.empty())
					c.name = who;
				c.diagnostic = join(diag);
			}
			if (c.name.empty())
				c.name = unreported("case", n);
			s.cases.push_back(std::move(c));
		}
	}

	void add_case(const Line &l)
	{
		Suite &s = ensure_suite(l);
		std::string name(l.name);
		std::vector<std::string> diag = take_pending();
		std::size_t expected = s.cases.size() + 1;
		if (std::size_t(l.number) > expected && !group_.open) {
			// Results missing in between (a cut debugfs log, lost console
			// lines): those cases crashed as far as we can tell. Lines
			// before this case's own first line are theirs.
			std::size_t own = 0;
			while (own < diag.size() && named_by(diag[own]) != name)
				++own;
			std::vector<std::string> theirs(diag.begin(), diag.begin() + own);
			diag.erase(diag.begin(), diag.begin() + own);
			add_missing(s, expected, l.number - 1, std::move(theirs));
		} else if (std::size_t(l.number) < expected) {
			error("case '" + name + "' numbered " + std::to_string(l.number) +
			      " after case " + std::to_string(expected - 1));
		}

		Case c{name, result_of(l), {}, {}};
		if (group_.open) {
			if (group_.name && *group_.name != name)
				error("parameterised case '" + *group_.name + "' closed as '" + name + "'");
			fill_params(group_);
			c.params = std::move(group_.params);
			group_ = Group{};
		}
		if (auto d = directive_line(l))
			diag.push_back(*d);
		c.diagnostic = join(diag);
		for (const Case &p : c.params)
			if (failed(p.result) && c.result != Result::fail)
				c.result = Result::fail;
		s.cases.push_back(std::move(c));
	}

	// Lines after the last case: the suite's own, unless cases are missing,
	// in which case lines naming neither the suite nor "Totals" belong to
	// the first missing case.
	void split_tail(Suite &s, std::vector<std::string> &for_case)
	{
		std::vector<std::string> mine;
		bool to_case = false;
		for (std::string &line : take_pending()) {
			std::string_view who = named_by(line);
			if (!who.empty())
				to_case = who != s.name && who != "Totals";
			(to_case ? for_case : mine).push_back(std::move(line));
		}
		append(s.diagnostic, join(mine));
	}

	// At a suite's end: crashed cases for what the plan promised and no
	// result line delivered; in a suite cut short without a plan, one for
	// the case whose messages came last, if it was not the suite speaking.
	void settle_tail(Suite &s, bool finished)
	{
		if (group_.open)
			flush_group();
		bool missing = s.planned && s.cases.size() < std::size_t(*s.planned);
		if (!missing && (finished || s.planned)) {
			append(s.diagnostic, join(take_pending()));
			return;
		}
		std::vector<std::string> for_case;
		split_tail(s, for_case);
		std::size_t from = s.cases.size() + 1;
		if (missing)
			add_missing(s, from, *s.planned, std::move(for_case));
		else if (!for_case.empty())
			add_missing(s, from, from, std::move(for_case));
	}

	void push_suite()
	{
		report_.suites.push_back(std::move(*suite_));
		suite_.reset();
		++top_seen_;
	}

	void close_suite(const Line &l)
	{
		std::string name(l.name);
		if (!suite_)
			open_suite(); // 6.1 prints no header when suite_init fails
		Suite &s = *suite_;
		if (group_.open) {
			error("parameterised case '" + group_.name.value_or("") + "' has no result line");
			flush_group();
		}
		if (s.name.empty())
			s.name = name;
		else if (s.name != name)
			error("suite '" + s.name + "' closed as '" + name + "'");
		settle_tail(s, true);
		if (s.planned && s.cases.size() > std::size_t(*s.planned))
			error("suite '" + s.name + "' planned " + std::to_string(*s.planned) +
			      " cases but reported " + std::to_string(s.cases.size()));
		s.result = result_of(l);
		if (auto d = directive_line(l))
			append(s.diagnostic, *d);
		for (const Case &c : s.cases)
			if (failed(c.result))
				s.result = Result::fail;
		push_suite();
	}

	// A suite header with no result line: the kernel stopped in it.
	void close_unfinished()
	{
		settle_tail(*suite_, false);
		suite_->result = Result::crashed;
		push_suite();
	}

	// The executor announced more suites than were seen.
	void end_top_block()
	{
		if (top_plan_)
			for (int n = top_seen_ + 1; n <= *top_plan_; ++n)
				report_.suites.push_back(Suite{unreported("suite", n), Result::crashed,
							       std::nullopt, {}, {}});
		top_plan_.reset();
		top_seen_ = 0;
	}

	Report &report_;
	std::optional<Suite> suite_;
	Group group_;
	std::vector<std::string> pending_; // diagnostics since the last result
	bool in_diag_ = false;		   // last KTAP line was a diagnostic
	std::string_view diag_stamp_;	   // printk prefix of that line
	std::optional<int> top_plan_;
	int top_seen_ = 0;
	std::size_t lineno_ = 0;
};

} // namespace

int Report::cases_passed() const
{
	int n = 0;
	for (const Suite &s : suites)
		for (const Case &c : s.cases)
			n += c.result == Result::pass;
	return n;
}

int Report::cases_failed() const
{
	int n = 0;
	for (const Suite &s : suites)
		for (const Case &c : s.cases)
			n += failed(c.result);
	return n;
}

int Report::cases_skipped() const
{
	int n = 0;
	for (const Suite &s : suites)
		for (const Case &c : s.cases)
			n += c.result == Result::skip;
	return n;
}

bool Report::ok() const
{
	if (suites.empty() || !errors.empty())
		return false;
	for (const Suite &s : suites) {
		if (failed(s.result))
			return false;
		for (const Case &c : s.cases)
			if (failed(c.result))
				return false;
	}
	return true;
}

std::string_view to_string(Result r)
{
	switch (r) {
	case Result::pass:
		return "pass";
	case Result::fail:
		return "fail";
	case Result::skip:
		return "skip";
	case Result::crashed:
		return "crashed";
	}
	return "unknown";
}

Report parse_ktap(std::string_view text)
{
	// Split once up front: whether this is a console log decides how every
	// line is read.
	std::vector<std::string_view> lines;
	for (std::size_t start = 0; start < text.size();) {
		std::size_t end = text.find('\n', start);
		if (end == npos)
			end = text.size();
		lines.push_back(text.substr(start, end - start));
		start = end + 1;
	}
	// A console log has kernel lines that start with the prefix; one found
	// only mid-line could be a debugfs message quoting "[1.5]".
	bool console = false;
	for (std::string_view l : lines)
		if (printk_prefix_end(l, 0)) {
			console = true;
			break;
		}

	Report report;
	Parser parser(report);
	for (std::size_t i = 0; i < lines.size(); ++i) {
		std::string_view line = lines[i];
		if (console) {
			auto k = kernel_text(line);
			if (!k)
				continue;
			Line l = classify(k->text);
			l.stamp = k->stamp;
			parser.feed(l, i + 1);
			continue;
		}
		for (std::size_t cut; (cut = glued_result(line)) != npos; line.remove_prefix(cut))
			parser.feed(classify(line.substr(0, cut)), i + 1);
		parser.feed(classify(line), i + 1);
	}
	parser.finish();
	return report;
}

} // namespace flashnet::kunit
