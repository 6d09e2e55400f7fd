// SPDX-License-Identifier: GPL-2.0
// Helpers for the fstest unit tests: a scratch directory on the host's
// tmpfs and running a program with its output captured.
#pragma once

#include <string>
#include <vector>

namespace flashnet::fstest {

// A fresh directory removed (with everything in it) on destruction: under
// $FLASHNET_FSTEST_TMP, else /dev/shm (tmpfs), else the temp directory.
class ScratchDir {
public:
	explicit ScratchDir(const std::string &tag);
	~ScratchDir();
	ScratchDir(const ScratchDir &) = delete;
	ScratchDir &operator=(const ScratchDir &) = delete;

	const std::string &path() const { return path_; }
	std::string path(const std::string &name) const
	{
		return path_ + "/" + name;
	}

private:
	std::string path_;
};

struct Output {
	int code;	// exit status, or 128 + signal
	std::string out;	// stdout and stderr, interleaved
};

// Runs argv[0] with argv, stdout to `stdout_file` if given.
Output run_program(const std::vector<std::string> &argv,
		   const std::string &stdout_file = "");

} // namespace flashnet::fstest
