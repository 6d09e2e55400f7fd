#include "registry.h"

#include <algorithm>
#include <cstdio>

namespace flashnet::verbs {

void Registry::add(Case c)
{
	for (const Case &o : cases_)
		if (o.name == c.name)
			throw std::logic_error("duplicate case " + c.name);
	cases_.push_back(std::move(c));
}

std::vector<const Case *> Registry::select(const std::vector<std::string> &names) const
{
	std::vector<const Case *> out;
	for (const std::string &n : names)
		if (std::none_of(cases_.begin(), cases_.end(),
				 [&](const Case &c) { return c.name == n; }))
			throw std::invalid_argument("unknown case '" + n + "'");
	for (const Case &c : cases_)
		if (names.empty() ||
		    std::find(names.begin(), names.end(), c.name) != names.end())
			out.push_back(&c);
	return out;
}

std::string Summary::line() const
{
	return "verbs: " + std::to_string(passed) + " passed, " +
	       std::to_string(failed) + " failed";
}

int Summary::exit_status() const
{
	return failed == 0 && passed > 0 ? 0 : 1;
}

void run_case(const Case &c, const Options &o, Summary &s, std::FILE *out)
{
	std::string why;
	try {
		c.run(o);
	} catch (const std::exception &e) {
		why = e.what();
		if (why.empty())
			why = "failed without a reason";
	} catch (...) {
		why = "unknown exception";
	}
	if (why.empty()) {
		s.passed++;
		std::fprintf(out, "PASS %s\n", c.name.c_str());
	} else {
		s.failed++;
		std::fprintf(out, "FAIL %s: %s\n", c.name.c_str(), why.c_str());
	}
	std::fflush(out);
}

} // namespace flashnet::verbs
