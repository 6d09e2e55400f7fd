// SPDX-License-Identifier: GPL-2.0
#include "process.h"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <stdexcept>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <utility>

namespace flashnet::vm {

namespace {

int decode_status(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

[[noreturn]] void exec_child(const std::vector<std::string> &argv, pid_t parent)
{
	// Dies with the runner, even on SIGKILL of the runner.
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(127);
	std::vector<char *> args;
	for (const auto &a : argv)
		args.push_back(const_cast<char *>(a.c_str()));
	args.push_back(nullptr);
	execvp(args[0], args.data());
	dprintf(STDERR_FILENO, "exec %s: %s\n", args[0], strerror(errno));
	_exit(127);
}

} // namespace

ChildProcess ChildProcess::spawn(const std::vector<std::string> &argv,
				 bool merge_stderr)
{
	if (argv.empty())
		throw std::invalid_argument("spawn: empty argv");
	int in[2], out[2];
	if (pipe2(in, O_CLOEXEC) < 0)
		throw std::runtime_error(std::string("pipe: ") + strerror(errno));
	if (pipe2(out, O_CLOEXEC) < 0) {
		close(in[0]);
		close(in[1]);
		throw std::runtime_error(std::string("pipe: ") + strerror(errno));
	}
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0)
		throw std::runtime_error(std::string("fork: ") + strerror(errno));
	if (pid == 0) {
		dup2(in[0], STDIN_FILENO);
		dup2(out[1], STDOUT_FILENO);
		if (merge_stderr)
			dup2(out[1], STDERR_FILENO);
		exec_child(argv, parent);
	}
	close(in[0]);
	close(out[1]);
	// The runner multiplexes several consoles: it must never block on one.
	fcntl(out[0], F_SETFL, fcntl(out[0], F_GETFL) | O_NONBLOCK);
	ChildProcess child;
	child.pid_ = pid;
	child.in_fd_ = in[1];
	child.out_fd_ = out[0];
	return child;
}

ChildProcess::ChildProcess(ChildProcess &&other) noexcept
{
	*this = std::move(other);
}

ChildProcess &ChildProcess::operator=(ChildProcess &&other) noexcept
{
	if (this != &other) {
		release();
		pid_ = std::exchange(other.pid_, -1);
		in_fd_ = std::exchange(other.in_fd_, -1);
		out_fd_ = std::exchange(other.out_fd_, -1);
		status_ = std::exchange(other.status_, std::nullopt);
	}
	return *this;
}

ChildProcess::~ChildProcess()
{
	release();
}

void ChildProcess::release()
{
	if (pid_ > 0 && !status_) {
		kill();
		wait();
	}
	close_output();
	if (in_fd_ >= 0)
		close(in_fd_);
	in_fd_ = -1;
	pid_ = -1;
}

void ChildProcess::close_output()
{
	if (out_fd_ >= 0)
		close(out_fd_);
	out_fd_ = -1;
}

void ChildProcess::kill()
{
	if (pid_ > 0 && !status_)
		::kill(pid_, SIGKILL);
}

std::optional<int> ChildProcess::try_wait()
{
	if (status_ || pid_ <= 0)
		return status_;
	int status;
	pid_t r = waitpid(pid_, &status, WNOHANG);
	if (r == pid_)
		status_ = decode_status(status);
	return status_;
}

int ChildProcess::wait()
{
	while (!status_ && pid_ > 0) {
		int status;
		pid_t r = waitpid(pid_, &status, 0);
		if (r == pid_)
			status_ = decode_status(status);
		else if (r < 0 && errno != EINTR)
			status_ = 255;
	}
	return status_.value_or(255);
}

std::string run_capture(const std::vector<std::string> &argv)
{
	// stderr goes to the runner's stderr, so errors stay readable.
	ChildProcess child = ChildProcess::spawn(argv, false);
	std::string text;
	char buf[4096];
	for (;;) {
		pollfd p{child.output_fd(), POLLIN, 0};
		if (poll(&p, 1, -1) < 0 && errno != EINTR)
			break;
		ssize_t n = read(child.output_fd(), buf, sizeof(buf));
		if (n > 0)
			text.append(buf, n);
		else if (n == 0 || (errno != EINTR && errno != EAGAIN))
			break;
	}
	int rc = child.wait();
	if (rc != 0)
		throw std::runtime_error(argv[0] + " failed with status " +
					 std::to_string(rc));
	return text;
}

} // namespace flashnet::vm
