// SPDX-License-Identifier: GPL-2.0
// flashnet-metabench: option parsing, file naming, CPU accounting, and the
// steps run for real in a directory under /tmp.
#include "common.h"
#include "metabench.h"

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <sys/stat.h>

using namespace flashnet::fstest;
using namespace flashnet::fstest::metabench;

namespace {

class TmpDir {
public:
	TmpDir()
	{
		char t[] = "/tmp/metabench_test.XXXXXX";
		if (!mkdtemp(t))
			throw SysError("mkdtemp", errno);
		path_ = t;
	}
	~TmpDir() { std::filesystem::remove_all(path_); }
	const std::string &path() const { return path_; }

private:
	std::string path_;
};

bool exists(const std::string &p)
{
	struct stat st;
	return ::stat(p.c_str(), &st) == 0;
}

std::size_t entries(const std::string &dir)
{
	std::size_t n = 0;
	for ([[maybe_unused]] const auto &e : std::filesystem::directory_iterator(dir))
		n++;
	return n;
}

TEST(MetabenchArgs, Defaults)
{
	const Options o = parse_options({"--dir", "/x"});
	EXPECT_EQ(o.dir, "/x");
	EXPECT_EQ(o.files, 10000u);
	EXPECT_EQ(o.dirs, 1u);
	EXPECT_EQ(o.steps, (std::vector<Step>{Step::kCreate, Step::kStat,
					      Step::kUnlink}));
}

TEST(MetabenchArgs, Values)
{
	const Options o = parse_options({"--files", "2k", "--dirs", "100",
					 "--steps", "create,sync,drop,stat,unlink",
					 "--dir", "/y"});
	EXPECT_EQ(o.files, 2048u);
	EXPECT_EQ(o.dirs, 100u);
	EXPECT_EQ(o.steps, (std::vector<Step>{Step::kCreate, Step::kSync,
					      Step::kDrop, Step::kStat,
					      Step::kUnlink}));
}

TEST(MetabenchArgs, Refused)
{
	const std::vector<std::vector<std::string>> bad = {
		{},
		{"--files", "10"},
		{"--dir", "/x", "--files", "0"},
		{"--dir", "/x", "--files", "ten"},
		{"--dir", "/x", "--dirs", "0"},
		{"--dir", "/x", "--dirs", "10001"},
		{"--dir", "/x", "--steps", "create,mkdir"},
		{"--dir", "/x", "--steps", ""},
		{"--dir", "/x", "--verbose"},
		{"--dir", "/x", "extra"},
		{"--dir"},
	};
	for (const auto &args : bad)
		EXPECT_THROW(parse_options(args), Usage) << ::testing::PrintToString(args);
}

TEST(MetabenchNames, FilesGoRoundRobin)
{
	Options o;
	o.dir = "/m";
	o.dirs = 3;
	EXPECT_EQ(file_path(o, 0), "/m/d0000/f0000000");
	EXPECT_EQ(file_path(o, 4), "/m/d0001/f0000004");
	EXPECT_EQ(file_path(o, 8), "/m/d0002/f0000008");
	o.dirs = 1;
	EXPECT_EQ(file_path(o, 1234567), "/m/d0000/f1234567");
}

TEST(MetabenchCpu, ProcStat)
{
	const CpuTimes t = parse_proc_stat(
		"cpu  10 1 20 300 4 5 6 7 0 0\n"
		"cpu0 10 1 20 300 4 5 6 7 0 0\n"
		"intr 1 2 3\n");
	EXPECT_EQ(t.busy, 10u + 1 + 20 + 5 + 6 + 7);
	EXPECT_EQ(t.idle, 300u + 4);
	EXPECT_THROW(parse_proc_stat("cpu0 1 2 3\n"), std::runtime_error);
	EXPECT_THROW(parse_proc_stat("cpu 1 2 3\n"), std::runtime_error);
}

TEST(MetabenchCpu, Accounting)
{
	EXPECT_DOUBLE_EQ(busy_fraction({100, 100}, {130, 170}), 0.3);
	EXPECT_DOUBLE_EQ(busy_fraction({5, 5}, {5, 5}), -1);

	Result r{Step::kStat, 5000, 2.0, 0.5};
	EXPECT_DOUBLE_EQ(r.rate(), 2500);
	EXPECT_DOUBLE_EQ(r.per_busy_cpu(), 5000);
	r.busy = -1;
	EXPECT_DOUBLE_EQ(r.per_busy_cpu(), 0);
	r.seconds = 0;
	EXPECT_DOUBLE_EQ(r.rate(), 0);

	Options o;
	o.files = 5000;
	o.dirs = 100;
	EXPECT_EQ(format_result(o, {Step::kUnlink, 5000, 2.0, 0.25}),
		  "unlink files=5000 dirs=100 ops=5000 seconds=2.000 rate=2500 "
		  "busy=0.25 per_busy_cpu=10000");
}

TEST(MetabenchRun, StepsDoWhatTheySay)
{
	TmpDir t;
	Options o;
	o.dir = t.path();
	o.files = 50;
	o.dirs = 5;
	o.steps = {Step::kCreate, Step::kStat, Step::kSync};
	auto r = run(o, "/proc/stat");
	ASSERT_EQ(r.size(), 3u);
	EXPECT_EQ(r[0].step, Step::kCreate);
	EXPECT_EQ(r[0].ops, 50u);
	EXPECT_EQ(r[1].step, Step::kStat);
	EXPECT_EQ(r[1].ops, 50u);
	EXPECT_EQ(r[2].ops, 1u);
	EXPECT_GT(r[0].seconds, 0);
	for (std::uint64_t d = 0; d < 5; d++)
		EXPECT_EQ(entries(dir_path(o, d)), 10u);
	for (std::uint64_t i = 0; i < 50; i++)
		EXPECT_TRUE(exists(file_path(o, i))) << i;

	// Creating again must fail: create really makes new files.
	o.steps = {Step::kCreate};
	try {
		run(o, "");
		ADD_FAILURE() << "a second create succeeded";
	} catch (const SysError &e) {
		EXPECT_EQ(e.err(), EEXIST);
	}

	o.steps = {Step::kUnlink};
	r = run(o, "");
	ASSERT_EQ(r.size(), 1u);
	EXPECT_EQ(r[0].ops, 50u);
	EXPECT_EQ(r[0].busy, -1);
	EXPECT_EQ(entries(t.path()), 0u);	// files and directories gone
}

TEST(MetabenchRun, StatOfMissingFilesFails)
{
	TmpDir t;
	Options o;
	o.dir = t.path();
	o.files = 3;
	o.steps = {Step::kStat};
	try {
		run(o);
		ADD_FAILURE() << "stat of files never created succeeded";
	} catch (const SysError &e) {
		EXPECT_EQ(e.err(), ENOENT);
	}
}

} // namespace
