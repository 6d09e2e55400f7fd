// SPDX-License-Identifier: GPL-2.0
// flashnet-kunit: loads KUnit test modules in a debug-kernel guest and
// reports every suite and case. See --help.
#include "kernels.h"
#include "ktap.h"
#include "session.h"

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

namespace fs = std::filesystem;
using namespace flashnet;

namespace {

constexpr int kExitTestsFailed = 1;
using vm::kExitUsage;

const char kUsage[] = R"(usage: flashnet-kunit [options] MODULE[:PARAMS]...

Boots one guest (the debug kernel by default), loads each KUnit test
MODULE in order with its module PARAMS (space separated, e.g.
"fn_kunit_selftest.ko:fail=1 skip=1"), and parses the KTAP the suites print
on the console. Prints each suite and case, then
"kunit: P passed, F failed, S skipped".

MODULE is a .ko path, absolute or relative to the module build for the
guest's kernel ($FLASHNET_KMOD_DIR/<release>, default build/kmod/<release>).

options:
  --kernel stock|debug|DIR   (default debug; stock has no KUnit)
  --modprobe NAME            load the kernel's module NAME first (e.g. a
                             dependency such as dm_mod); repeatable
  --timeout SECONDS          for the whole guest (default 900)
  --expect-report KIND[,..]  kernel reports the tests provoke on purpose
  --panic-on-oops            a crashing case takes the guest down at once
                             (6.1's KUnit otherwise waits 300 s for it);
                             its unreported result counts as crashed
  --log-dir DIR              where the console log goes
  --verbose                  echo the whole console

exit status: 0 all cases passed or skipped and the log is clean; 1 a case
or suite failed or crashed, or no suite ran; otherwise flashnet-vm's codes
(120 kernel reports, 121 guest died, 124 timeout, 125 usage).
)";

std::string indent_lines(const std::string &text, const std::string &pad)
{
	std::string out;
	std::istringstream in(text);
	std::string line;
	while (std::getline(in, line))
		out += pad + line + "\n";
	return out;
}

void print_case(const kunit::Case &c, const std::string &pad)
{
	std::cout << pad << kunit::to_string(c.result) << " " << c.name << "\n";
	if (c.result == kunit::Result::fail ||
	    c.result == kunit::Result::crashed) {
		for (const kunit::Case &p : c.params)
			if (p.result != kunit::Result::pass)
				print_case(p, pad + "  ");
		std::cout << indent_lines(c.diagnostic, pad + "    ");
	}
}

fs::path kmod_dir()
{
	if (const char *d = std::getenv("FLASHNET_KMOD_DIR"); d && *d)
		return d;
	return vm::source_dir() / "build/kmod";
}

} // namespace

int main(int argc, char **argv)
{
	std::vector<std::string> args(argv + 1, argv + argc);
	if (args.empty() || args[0] == "--help" || args[0] == "-h") {
		std::cout << kUsage;
		return args.empty() ? kExitUsage : 0;
	}
	try {
		std::string kernel = "debug";
		double timeout = 900;
		fs::path log_dir;
		std::set<vm::ReportKind> expected;
		int echo = 0;
		bool panic_on_oops = false;
		std::vector<std::pair<std::string, std::string>> modules;
		std::vector<std::string> modprobe;
		for (std::size_t i = 0; i < args.size(); i++) {
			const std::string &a = args[i];
			auto value = [&]() -> std::string {
				if (i + 1 >= args.size())
					throw std::invalid_argument(a +
								    " needs a value");
				return args[++i];
			};
			if (a == "--kernel") {
				kernel = value();
			} else if (a == "--timeout") {
				timeout = std::stod(value());
			} else if (a == "--log-dir") {
				log_dir = fs::absolute(value());
			} else if (a == "--panic-on-oops") {
				panic_on_oops = true;
			} else if (a == "--modprobe") {
				modprobe.push_back(value());
			} else if (a == "--verbose") {
				echo = 2;
			} else if (a == "--expect-report") {
				std::stringstream ss(value());
				std::string k;
				while (std::getline(ss, k, ',')) {
					auto kind = vm::parse_report_kind(k);
					if (!kind)
						throw std::invalid_argument(
							"unknown report kind '" +
							k + "'");
					expected.insert(*kind);
				}
			} else if (a.rfind("--", 0) == 0) {
				throw std::invalid_argument("unknown option '" +
							    a + "'");
			} else {
				auto colon = a.find(':');
				modules.emplace_back(a.substr(0, colon),
						     colon == std::string::npos
							     ? ""
							     : a.substr(colon + 1));
			}
		}
		if (modules.empty())
			throw std::invalid_argument("no test module given");
		if (log_dir.empty())
			log_dir = fs::current_path() / "flashnet-logs/kunit";

		vm::GuestPlan plan;
		plan.spec.name = "kunit";
		plan.spec.kernel = vm::resolve_kernel(kernel);
		plan.spec.accel = vm::probe_accel(false);
		plan.cwd = fs::current_path();
		plan.timeout_seconds = timeout;
		plan.expected_reports = expected;

		// Each insmod is checked; the suites run inside it.
		std::string cmd = "rc=0\n";
		if (panic_on_oops)
			cmd += "echo 1 >/proc/sys/kernel/panic_on_oops\n";
		for (const std::string &m : modprobe)
			cmd += "modprobe " + vm::shell_quote(m) +
			       " || { echo \"modprobe " + m +
			       " failed\"; exit 1; }\n";
		for (auto &[ko, params] : modules) {
			fs::path p = ko;
			if (p.is_relative() && !fs::exists(p))
				p = kmod_dir() / plan.spec.kernel.release / p;
			p = fs::absolute(p);
			if (!fs::exists(p))
				throw std::invalid_argument(
					"no module " + p.string() +
					" (make modules-debug?)");
			cmd += "insmod " + vm::shell_quote(p.string()) + " " +
			       params + " || { echo \"insmod " + p.string() +
			       " failed\"; rc=1; }\n";
		}
		cmd += "exit $rc\n";
		plan.command = cmd;

		auto results = vm::run_session({plan}, {log_dir, echo});
		const vm::GuestResult &g = results.at(0);

		// The console has every suite in order, including output
		// from a case that took the kernel down with it.
		std::ifstream in(g.log);
		std::stringstream console;
		console << in.rdbuf();
		kunit::Report rep = kunit::parse_ktap(console.str());

		for (const kunit::Suite &s : rep.suites) {
			std::cout << "suite " << s.name << ": "
				  << kunit::to_string(s.result) << "\n";
			for (const kunit::Case &c : s.cases)
				print_case(c, "  ");
			if (s.result != kunit::Result::pass &&
			    s.result != kunit::Result::skip)
				std::cout << indent_lines(s.diagnostic, "    ");
		}
		for (const std::string &e : rep.errors)
			std::cout << "ktap: " << e << "\n";
		std::cout << "kunit: " << rep.cases_passed() << " passed, "
			  << rep.cases_failed() << " failed, "
			  << rep.cases_skipped() << " skipped\n";

		describe(std::cerr, "flashnet-kunit", g);
		// Reports and timeouts speak for themselves; anything else
		// wrong (a crashed case, a failed insmod) is a test failure.
		const int status = vm::exit_status(g, false);
		if (status == vm::kExitReports || status == vm::kExitTimeout)
			return status;
		if (!rep.ok() || status != 0)
			return kExitTestsFailed;
		return 0;
	} catch (const std::exception &e) {
		std::cerr << "flashnet-kunit: " << e.what() << "\n";
		return kExitUsage;
	}
}
