// SPDX-License-Identifier: GPL-2.0
#include "metabench.h"

#include "common.h"

#include <cerrno>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

namespace flashnet::fstest::metabench {

namespace {

constexpr std::uint64_t kMaxFiles = 10000000;
constexpr std::uint64_t kMaxDirs = 10000;

Step parse_step(const std::string &s)
{
	for (Step st : {Step::kCreate, Step::kStat, Step::kUnlink, Step::kSync,
			Step::kDrop})
		if (s == step_name(st))
			return st;
	throw Usage("--steps: unknown step '" + s +
		    "' (create, stat, unlink, sync, drop)");
}

std::string read_file(const std::string &path)
{
	std::ifstream in(path);
	std::ostringstream s;
	s << in.rdbuf();
	return s.str();
}

// A sample of path, or nothing if it cannot be read.
bool sample(const std::string &path, CpuTimes *t)
{
	if (path.empty())
		return false;
	try {
		*t = parse_proc_stat(read_file(path));
		return true;
	} catch (const std::exception &) {
		return false;
	}
}

void check(bool ok, const std::string &what)
{
	if (!ok)
		throw SysError(what, errno);
}

// Runs one step over every file; returns the operations done.
std::uint64_t do_step(const Options &o, Step step)
{
	switch (step) {
	case Step::kCreate:
		for (std::uint64_t i = 0; i < o.files; i++) {
			const std::string p = file_path(o, i);
			Fd fd(::open(p.c_str(), O_CREAT | O_EXCL | O_WRONLY, 0644));
			check(bool(fd), "create " + p);
			check(::close(fd.release()) == 0, "close " + p);
		}
		return o.files;
	case Step::kStat:
		for (std::uint64_t i = 0; i < o.files; i++) {
			const std::string p = file_path(o, i);
			struct stat st;
			check(::stat(p.c_str(), &st) == 0, "stat " + p);
		}
		return o.files;
	case Step::kUnlink:
		for (std::uint64_t i = 0; i < o.files; i++) {
			const std::string p = file_path(o, i);
			check(::unlink(p.c_str()) == 0, "unlink " + p);
		}
		return o.files;
	case Step::kSync: {
		Fd fd(::open(o.dir.c_str(), O_RDONLY | O_DIRECTORY));
		check(bool(fd), "open " + o.dir);
		check(::syncfs(fd.get()) == 0, "syncfs " + o.dir);
		return 1;
	}
	case Step::kDrop: {
		::sync();
		std::ofstream drop("/proc/sys/vm/drop_caches");
		drop << "3\n";
		drop.flush();
		check(bool(drop), "write /proc/sys/vm/drop_caches (root only)");
		return 0;
	}
	}
	return 0;
}

} // namespace

std::string step_name(Step s)
{
	switch (s) {
	case Step::kCreate: return "create";
	case Step::kStat: return "stat";
	case Step::kUnlink: return "unlink";
	case Step::kSync: return "sync";
	case Step::kDrop: return "drop";
	}
	return "?";
}

Options parse_options(const std::vector<std::string> &args)
{
	const Args a = parse_args(args, {"--dir", "--files", "--dirs", "--steps"}, {});
	if (!a.positional.empty())
		throw Usage("unexpected argument '" + a.positional[0] + "'");
	Options o;
	o.dir = a.str("--dir");
	if (o.dir.empty())
		throw Usage("--dir is required");
	o.files = a.num("--files", o.files, 1, kMaxFiles);
	o.dirs = a.num("--dirs", o.dirs, 1, kMaxDirs);
	if (a.has("--steps")) {
		o.steps.clear();
		std::istringstream list(a.str("--steps"));
		for (std::string s; std::getline(list, s, ',');)
			o.steps.push_back(parse_step(s));
		if (o.steps.empty())
			throw Usage("--steps: empty list");
	}
	return o;
}

std::string dir_path(const Options &o, std::uint64_t d)
{
	char name[16];
	std::snprintf(name, sizeof(name), "/d%04" PRIu64, d);
	return o.dir + name;
}

std::string file_path(const Options &o, std::uint64_t i)
{
	char name[16];
	std::snprintf(name, sizeof(name), "/f%07" PRIu64, i);
	return dir_path(o, i % o.dirs) + name;
}

CpuTimes parse_proc_stat(const std::string &text)
{
	std::istringstream in(text);
	for (std::string line; std::getline(in, line);) {
		std::istringstream f(line);
		std::string label;
		std::uint64_t v[8];
		f >> label;
		if (label != "cpu")
			continue;
		for (std::uint64_t &x : v)
			f >> x;
		if (!f)
			break;
		// user nice system idle iowait irq softirq steal
		return {v[0] + v[1] + v[2] + v[5] + v[6] + v[7], v[3] + v[4]};
	}
	throw std::runtime_error("no well-formed 'cpu ' line in /proc/stat");
}

double busy_fraction(const CpuTimes &before, const CpuTimes &after)
{
	const double busy = double(after.busy - before.busy);
	const double all = busy + double(after.idle - before.idle);
	return all > 0 ? busy / all : -1;
}

std::string format_result(const Options &o, const Result &r)
{
	char line[256];
	std::snprintf(line, sizeof(line),
		      "%s files=%" PRIu64 " dirs=%" PRIu64 " ops=%" PRIu64
		      " seconds=%.3f rate=%.0f busy=%.2f per_busy_cpu=%.0f",
		      step_name(r.step).c_str(), o.files, o.dirs, r.ops,
		      r.seconds, r.rate(), r.busy, r.per_busy_cpu());
	return line;
}

std::vector<Result> run(const Options &o, const std::string &proc_stat)
{
	for (std::uint64_t d = 0; d < o.dirs; d++) {
		const std::string p = dir_path(o, d);
		check(::mkdir(p.c_str(), 0755) == 0 || errno == EEXIST, "mkdir " + p);
	}
	std::vector<Result> results;
	for (Step step : o.steps) {
		CpuTimes c0, c1;
		const bool s0 = sample(proc_stat, &c0);
		const auto t0 = std::chrono::steady_clock::now();
		const std::uint64_t ops = do_step(o, step);
		const auto t1 = std::chrono::steady_clock::now();
		if (step == Step::kDrop)
			continue;
		Result r{step, ops, std::chrono::duration<double>(t1 - t0).count()};
		if (s0 && sample(proc_stat, &c1))
			r.busy = busy_fraction(c0, c1);
		results.push_back(r);
	}
	// Empty directories go (rmdir refuses the others).
	for (std::uint64_t d = 0; d < o.dirs; d++)
		::rmdir(dir_path(o, d).c_str());
	return results;
}

} // namespace flashnet::fstest::metabench
