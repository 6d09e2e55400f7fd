// SPDX-License-Identifier: GPL-2.0
// flashnet-metabench: metadata operation rates (create, stat, unlink) of N
// files spread over D directories, with the CPU time the machine spent.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace flashnet::fstest::metabench {

// Timed steps (create, stat, unlink, sync) and one untimed one (drop:
// sync, then drop the dentry, inode and page caches).
enum class Step { kCreate, kStat, kUnlink, kSync, kDrop };

struct Options {
	std::string dir;		// must exist; DIR/dNNNN are made in it
	std::uint64_t files = 10000;
	std::uint64_t dirs = 1;
	std::vector<Step> steps{Step::kCreate, Step::kStat, Step::kUnlink};
};

// Parses the command line (without argv[0]); throws Usage.
Options parse_options(const std::vector<std::string> &args);
std::string step_name(Step s);

// File i lives in directory i % dirs: DIR/d0001/f0000004.
std::string dir_path(const Options &o, std::uint64_t d);
std::string file_path(const Options &o, std::uint64_t i);

// The "cpu " line of /proc/stat in jiffies: busy is user, nice, system,
// irq, softirq and steal; idle is idle and iowait.
struct CpuTimes {
	std::uint64_t busy = 0;
	std::uint64_t idle = 0;
};
// Throws std::runtime_error if the text has no well-formed "cpu " line.
CpuTimes parse_proc_stat(const std::string &text);

struct Result {
	Step step;
	std::uint64_t ops = 0;
	double seconds = 0;
	double busy = -1;	// busy fraction of all CPUs; -1 not known

	double rate() const { return seconds > 0 ? ops / seconds : 0; }
	// Operations per second of one fully busy machine; 0 if not known.
	double per_busy_cpu() const { return busy > 0 ? rate() / busy : 0; }
};
// Busy fraction between two samples; -1 if no time passed.
double busy_fraction(const CpuTimes &before, const CpuTimes &after);

// "create files=N dirs=D ops=N seconds=S rate=R busy=B per_busy_cpu=P"
std::string format_result(const Options &o, const Result &r);

// Makes the directories, runs the steps in order and removes the
// directories if they end up empty. Throws SysError when a call fails.
// proc_stat names the file sampled around each timed step ("" for none).
std::vector<Result> run(const Options &o,
			const std::string &proc_stat = "/proc/stat");

} // namespace flashnet::fstest::metabench
