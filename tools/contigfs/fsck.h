// SPDX-License-Identifier: GPL-2.0
// fsck.contigfs: checks every invariant of <flashnet/contigfs.h> and, with
// repair, fixes what can be fixed safely, then checks again.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace flashnet::contigfs {

// Exit codes, as fsck(8) defines them.
inline constexpr int kFsckClean = 0;
inline constexpr int kFsckCorrected = 1;
inline constexpr int kFsckUncorrected = 4;
inline constexpr int kFsckOperational = 8;
inline constexpr int kFsckUsage = 16;

struct FsckOptions {
	bool repair = false;	// -y, -p: repair everything repairable
	bool verbose = false;	// -v: statistics, every bitmap difference
};

struct FsckReport {
	int exit_code = kFsckClean;
	// Problems of every pass in order; each names the object at fault.
	std::vector<std::string> problems;
	std::vector<std::string> notes;	// not errors (pending move, ...)
	unsigned fixed = 0;
	unsigned remaining = 0;		// problems of the last pass, unfixed

	// Does any problem line contain `text`?
	bool has(const std::string &text) const;
};

// Checks (and with opts.repair, repairs) the file system on `path`. Lines
// go to `out` as they are found (nullptr: nowhere). Never throws.
FsckReport fsck(const std::string &path, const FsckOptions &opts,
		std::ostream *out);

// The command line (without argv[0]); returns the exit code.
int fsck_main(const std::vector<std::string> &args, std::ostream &out,
	      std::ostream &err);

} // namespace flashnet::contigfs
