// The client's named cases, how they are picked, and the summary line.
#pragma once

#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace flashnet::verbs {

struct Options;

// A case fails by throwing this (or any std::exception) with the reason.
struct CaseFailure : std::runtime_error {
	using std::runtime_error::runtime_error;
};

struct Case {
	std::string name;
	std::string description;	// what is checked, one line
	std::function<void(const Options &)> run;
};

class Registry {
public:
	void add(Case c);	// throws std::logic_error on a duplicate name
	const std::vector<Case> &all() const { return cases_; }
	// The cases named, in registry order; all if names is empty. Throws
	// std::invalid_argument naming an unknown case.
	std::vector<const Case *> select(const std::vector<std::string> &names) const;

private:
	std::vector<Case> cases_;
};

struct Summary {
	unsigned passed = 0;
	unsigned failed = 0;
	std::string line() const;	// "verbs: N passed, M failed"
	int exit_status() const;	// 0 only if something ran and nothing failed
};

// Runs one case: prints "PASS name" or "FAIL name: why" on out, counts it.
void run_case(const Case &c, const Options &o, Summary &s, std::FILE *out);

// Every case flashnet-verbs knows (cases_*.cc).
Registry builtin_cases();

} // namespace flashnet::verbs
