// SPDX-License-Identifier: GPL-2.0
// flashnet-metabench: create/stat/unlink rates of many files. See --help.
#include "common.h"
#include "metabench.h"

#include <iostream>

using namespace flashnet::fstest;

namespace {

const char kUsage[] = R"(usage:
  flashnet-metabench --dir DIR [--files N] [--dirs D] [--steps LIST]

Makes D directories DIR/d0000.. (default 1) and runs the steps of LIST
(default create,stat,unlink) in order over N files (default 10000; k, m
suffixes are powers of 1024), file i being DIR/d<i % D>/f<i>:
  create  open(O_CREAT|O_EXCL|O_WRONLY) and close each file
  stat    stat() each file
  unlink  unlink() each file
  sync    one syncfs() of the file system holding DIR
  drop    not timed: sync(), then 3 > /proc/sys/vm/drop_caches (root)
Empty directories are removed at the end. Each timed step prints one line:
  STEP files=N dirs=D ops=N seconds=S rate=OPS/S busy=B per_busy_cpu=R
busy is the busy fraction of all CPUs over the step from /proc/stat
(user, nice, system, irq, softirq, steal vs idle, iowait; -1 unknown) and
per_busy_cpu is rate / busy.

exit status: 0 ok; 2 a system call failed (the message names it); 16 usage.
)";

} // namespace

int main(int argc, char **argv)
{
	const std::vector<std::string> args(argv + 1, argv + argc);
	for (const std::string &a : args) {
		if (a == "--help" || a == "-h") {
			std::cout << kUsage;
			return kExitOk;
		}
	}
	try {
		const metabench::Options o = metabench::parse_options(args);
		for (const metabench::Result &r : metabench::run(o))
			std::cout << metabench::format_result(o, r) << std::endl;
		return kExitOk;
	} catch (const Usage &e) {
		std::cerr << "flashnet-metabench: " << e.what()
			  << " (see flashnet-metabench --help)\n";
		return kExitUsage;
	} catch (const std::exception &e) {
		std::cerr << "flashnet-metabench: " << e.what() << "\n";
		return kExitSysError;
	}
}
