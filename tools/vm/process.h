// SPDX-License-Identifier: GPL-2.0
// A child process owned by RAII: whatever happens to the runner, the child
// (QEMU) never outlives it.
#pragma once

#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace flashnet::vm {

class ChildProcess {
public:
	// Starts argv[0] (searched in PATH) with stdin on a pipe that is never
	// written and stdout (and stderr, if merge_stderr) on a non-blocking
	// pipe readable via output_fd(). The child gets SIGKILL if the runner
	// dies (PR_SET_PDEATHSIG).
	static ChildProcess spawn(const std::vector<std::string> &argv,
				  bool merge_stderr = true);

	ChildProcess() = default;
	ChildProcess(ChildProcess &&other) noexcept;
	ChildProcess &operator=(ChildProcess &&other) noexcept;
	ChildProcess(const ChildProcess &) = delete;
	ChildProcess &operator=(const ChildProcess &) = delete;
	~ChildProcess();

	pid_t pid() const { return pid_; }
	int output_fd() const { return out_fd_; }
	void close_output();
	void kill();
	// Exit status in the shell's encoding (128 + signal), once it ended.
	std::optional<int> try_wait();
	int wait();

private:
	void release();

	pid_t pid_ = -1;
	int in_fd_ = -1;
	int out_fd_ = -1;
	std::optional<int> status_;
};

// Runs a command to completion and returns its stdout (stderr passes
// through); throws std::runtime_error naming the command if it fails.
std::string run_capture(const std::vector<std::string> &argv);

} // namespace flashnet::vm
