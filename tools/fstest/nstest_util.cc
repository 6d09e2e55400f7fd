// SPDX-License-Identifier: GPL-2.0
#include "nstest.h"

#include <csignal>
#include <cstring>
#include <ctime>
#include <dirent.h>
#include <fcntl.h>
#include <filesystem>
#include <grp.h>
#include <memory>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace flashnet::nstest {

namespace fs = std::filesystem;

Settings &settings()
{
	static Settings s;
	return s;
}

namespace {

// Removes a tree even where a test left directories without write or
// search permission.
void remove_tree(const std::string &path)
{
	std::error_code ec;
	if (fs::remove_all(path, ec) != static_cast<std::uintmax_t>(-1) && !ec)
		return;
	for (auto it = fs::recursive_directory_iterator(
		     path, fs::directory_options::skip_permission_denied, ec);
	     !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
		if (it->is_directory(ec) && !it->is_symlink(ec))
			chmod(it->path().c_str(), 0700);
	}
	chmod(path.c_str(), 0700);
	fs::remove_all(path, ec);
}

} // namespace

void NsTest::SetUp()
{
	const auto *info = ::testing::UnitTest::GetInstance()->current_test_info();
	dir_ = settings().dir + "/" + info->test_suite_name() + "." +
	       info->name() + "." + std::to_string(getpid());
	remove_tree(dir_);
	ASSERT_SYS(mkdir(dir_.c_str(), 0755));
	ASSERT_SYS(chmod(dir_.c_str(), 0755));
	dfd_.reset(open(dir_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
	ASSERT_TRUE(dfd_) << dir_ << ": " << errno_text(errno);
}

void NsTest::TearDown()
{
	dfd_.reset();
	if (!dir_.empty())
		remove_tree(dir_);
}

struct stat stat_of(const std::string &path)
{
	struct stat st = {};
	if (stat(path.c_str(), &st) < 0) {
		ADD_FAILURE() << "stat " << path << ": " << errno_text(errno);
		st = {};
	}
	return st;
}

struct stat lstat_of(const std::string &path)
{
	struct stat st = {};
	if (lstat(path.c_str(), &st) < 0) {
		ADD_FAILURE() << "lstat " << path << ": " << errno_text(errno);
		st = {};
	}
	return st;
}

void make_file(const std::string &path, const std::string &data, mode_t mode)
{
	Fd fd(open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode));
	if (!fd) {
		ADD_FAILURE() << "create " << path << ": " << errno_text(errno);
		return;
	}
	std::size_t done = 0;
	while (done < data.size()) {
		const ssize_t n = write(fd.get(), data.data() + done,
					data.size() - done);
		if (n <= 0) {
			ADD_FAILURE() << "write " << path << " at " << done
				      << ": " << errno_text(errno);
			return;
		}
		done += static_cast<std::size_t>(n);
	}
}

std::string read_fd(int fd)
{
	std::string s;
	char buf[65536];
	for (off_t off = 0;;) {
		const ssize_t n = pread(fd, buf, sizeof(buf), off);
		if (n < 0) {
			ADD_FAILURE() << "pread at " << off << ": "
				      << errno_text(errno);
			break;
		}
		if (n == 0)
			break;
		s.append(buf, static_cast<std::size_t>(n));
		off += n;
	}
	return s;
}

std::string read_all(const std::string &path)
{
	Fd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
	if (!fd) {
		ADD_FAILURE() << "open " << path << ": " << errno_text(errno);
		return {};
	}
	return read_fd(fd.get());
}

std::vector<std::string> list_dir(const std::string &path)
{
	std::vector<std::string> names;
	std::unique_ptr<DIR, int (*)(DIR *)> d(opendir(path.c_str()), closedir);
	if (!d) {
		ADD_FAILURE() << "opendir " << path << ": " << errno_text(errno);
		return names;
	}
	for (;;) {
		errno = 0;
		const dirent *e = readdir(d.get());
		if (!e) {
			if (errno)
				ADD_FAILURE() << "readdir " << path << ": "
					      << errno_text(errno);
			break;
		}
		names.emplace_back(e->d_name);
	}
	return names;
}

bool is_root()
{
	return geteuid() == 0;
}

std::string run_as(uid_t uid, gid_t gid, const std::function<std::string()> &fn)
{
	int pfd[2];
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return "pipe: " + errno_text(errno);
	Fd rd(pfd[0]), wr(pfd[1]);
	const pid_t pid = fork();
	if (pid < 0)
		return "fork: " + errno_text(errno);
	if (pid == 0) {
		std::string msg;
		if (setgroups(0, nullptr) < 0)
			msg = "setgroups: " + errno_text(errno);
		else if (setresgid(gid, gid, gid) < 0)
			msg = "setresgid: " + errno_text(errno);
		else if (setresuid(uid, uid, uid) < 0)
			msg = "setresuid: " + errno_text(errno);
		else
			msg = fn();
		for (std::size_t done = 0; done < msg.size();) {
			const ssize_t n = write(wr.get(), msg.data() + done,
						msg.size() - done);
			if (n <= 0)
				break;
			done += static_cast<std::size_t>(n);
		}
		_exit(0);
	}
	wr.reset();
	std::string out;
	char buf[4096];
	for (;;) {
		const ssize_t n = read(rd.get(), buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		out.append(buf, static_cast<std::size_t>(n));
	}
	int st = 0;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
	}
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		out += "child (uid " + std::to_string(uid) + ") died: status " +
		       std::to_string(st) + "\n";
	return out;
}

void Checks::fails(const char *what, long r, int want)
{
	const int e = errno;
	if (r == -1 && e == want)
		return;
	out_ += std::string(what) + ": returned " + std::to_string(r) +
		(r == -1 ? " with " + errno_name(e) : "") + ", expected -1 with " +
		errno_name(want) + " (uid " + std::to_string(getuid()) + ")\n";
}

void Checks::works(const char *what, long r)
{
	const int e = errno;
	if (r != -1)
		return;
	out_ += std::string(what) + ": " + errno_text(e) + " (uid " +
		std::to_string(getuid()) + ")\n";
}

void Checks::expect(const char *what, bool ok, const std::string &detail)
{
	if (!ok)
		out_ += std::string(what) + (detail.empty() ? "" : ": " + detail) +
			"\n";
}

bool later(const struct timespec &a, const struct timespec &b)
{
	return a.tv_sec != b.tv_sec ? a.tv_sec > b.tv_sec : a.tv_nsec > b.tv_nsec;
}

bool same(const struct timespec &a, const struct timespec &b)
{
	return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

std::string ts_str(const struct timespec &t)
{
	char ns[16];
	snprintf(ns, sizeof(ns), "%09ld", t.tv_nsec);
	return std::to_string(t.tv_sec) + "." + ns;
}

void tick_past(const struct timespec &t)
{
	for (int i = 0; i < 5000; i++) {
		struct timespec now;
		clock_gettime(CLOCK_REALTIME_COARSE, &now);
		if (later(now, t))
			return;
		std::this_thread::sleep_for(std::chrono::milliseconds(1));
	}
	ADD_FAILURE() << "the coarse clock did not pass " << ts_str(t)
		      << " within 5 s (a timestamp in the future?)";
}

void tick_past(const struct stat &st)
{
	for (const struct timespec *t : {&st.st_atim, &st.st_mtim, &st.st_ctim})
		tick_past(*t);
}

int rename2(const std::string &from, const std::string &to, unsigned flags)
{
	return static_cast<int>(syscall(SYS_renameat2, AT_FDCWD, from.c_str(),
					AT_FDCWD, to.c_str(), flags));
}

} // namespace flashnet::nstest
