// SPDX-License-Identifier: GPL-2.0
// Parsing KUnit's KTAP output, as printed by Linux 6.1's lib/kunit.
//
// Two inputs are accepted:
//  - /sys/kernel/debug/kunit/<suite>/results files, possibly concatenated;
//  - a guest's serial console (or dmesg) log. When any line carries a printk
//    time prefix "[    1.234567] " (optionally followed by a caller id
//    "[    T1] "), only such lines are read: the prefix is looked for
//    anywhere in the line, since user-space output shares the console and
//    may precede it, and lines without it are user space, which may print
//    TAP of its own.
//
// Shape of 6.1's output (indentation is 4 spaces a level; tabs, as in older
// kernels, count as one level each):
//
//     KTAP version 1                       <- built-in executor / debugfs only
//     1..2                                 <- number of suites, same
//         KTAP version 1
//         # Subtest: suite
//         1..3
//         # case: EXPECTATION FAILED at f.c:12   <- diagnostics come *before*
//         Expected a == b, but                       the result they belong to
//             a == 1
//         not ok 1 case
//         ok 2 other # SKIP reason
//             KTAP version 1                       <- parameterised case
//             # Subtest: params_case
//             ok 1 first param
//             not ok 2 second param
//         # params_case: pass:1 fail:1 skip:0 total:2
//         not ok 3 params_case
//     # suite: pass:0 fail:2 skip:1 total:3
//     # Totals: pass:1 fail:2 skip:1 total:4
//     not ok 1 suite
//
// Suite numbers are not checked: kunit restarts them with every module.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace flashnet::kunit {

// crashed: planned (or begun) but never reported, because the kernel died
// or the output was cut off. Such a case is named by its last message
// ("# name: ...") if it printed one, else "(unreported case N)" (N: its
// place in the plan); suites the executor's "1..N" announced but that never
// started are "(unreported suite N)".
enum class Result { pass, fail, skip, crashed };

struct Case {
	std::string name;
	Result result = Result::crashed;
	// Diagnostic lines ("# case: ...", the assertion text after them, and
	// "# SKIP reason") that precede this case's result line, without the
	// nesting indentation, joined by '\n'. For a parameterised case, the
	// lines before each param's result belong to that param; the case keeps
	// those after its last param (the pass/fail totals line).
	std::string diagnostic;
	// Parameterised subtests (KUNIT_CASE_PARAM / KUNIT_ARRAY_PARAM). A
	// failed or crashed param fails the case. 6.1's debugfs log keeps only
	// the last param (each param run clears the case's log).
	std::vector<Case> params;
};

struct Suite {
	std::string name;
	Result result = Result::crashed;
	std::optional<int> planned; // from "1..N"; none when the header is lost
	std::vector<Case> cases;
	// Suite-level diagnostics: suite_init/suite_exit messages, the totals
	// lines, "failed to initialize" when suite_init failed.
	std::string diagnostic;
};

struct Report {
	std::vector<Suite> suites;
	// Malformed input, each "line N: what" (N counts input lines from 1).
	// Output cut short is not an error: it shows as crashed cases/suites.
	std::vector<std::string> errors;

	// Count top-level cases of every suite (params are not counted).
	int cases_passed() const;
	int cases_failed() const; // failed + crashed
	int cases_skipped() const;
	// No failed or crashed case or suite, no errors, at least one suite.
	bool ok() const;
};

Report parse_ktap(std::string_view text);

std::string_view to_string(Result);

} // namespace flashnet::kunit
