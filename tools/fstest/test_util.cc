// SPDX-License-Identifier: GPL-2.0
#include "test_util.h"

#include "common.h"

#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <stdexcept>
#include <sys/wait.h>
#include <unistd.h>

namespace flashnet::fstest {

namespace fs = std::filesystem;

ScratchDir::ScratchDir(const std::string &tag)
{
	std::string base;
	if (const char *e = getenv("FLASHNET_FSTEST_TMP"))
		base = e;
	else if (access("/dev/shm", W_OK | X_OK) == 0)
		base = "/dev/shm";
	else
		base = fs::temp_directory_path();
	std::string t = base + "/fstest-" + tag + ".XXXXXX";
	if (!mkdtemp(t.data()))
		throw SysError("mkdtemp " + t, errno);
	path_ = t;
}

ScratchDir::~ScratchDir()
{
	std::error_code ec;
	fs::remove_all(path_, ec);
}

Output run_program(const std::vector<std::string> &argv,
		   const std::string &stdout_file)
{
	int pipefd[2];
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		throw SysError("pipe", errno);
	Fd rd(pipefd[0]), wr(pipefd[1]);
	const pid_t pid = fork();
	if (pid < 0)
		throw SysError("fork", errno);
	if (pid == 0) {
		int out = wr.get();
		if (!stdout_file.empty())
			out = open(stdout_file.c_str(),
				   O_WRONLY | O_CREAT | O_TRUNC, 0644);
		dup2(out, STDOUT_FILENO);
		dup2(wr.get(), STDERR_FILENO);
		std::vector<char *> args;
		for (const std::string &a : argv)
			args.push_back(const_cast<char *>(a.c_str()));
		args.push_back(nullptr);
		execv(args[0], args.data());
		_exit(127);
	}
	wr.reset();
	Output o{0, {}};
	char buf[4096];
	for (;;) {
		const ssize_t n = read(rd.get(), buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		o.out.append(buf, static_cast<std::size_t>(n));
	}
	int st = 0;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
	}
	o.code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	return o;
}

} // namespace flashnet::fstest
