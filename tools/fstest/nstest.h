// SPDX-License-Identifier: GPL-2.0
// flashnet-nstest: the fixture every test runs in (a fresh directory of its
// own under --dir, removed afterwards), and the helpers and assertions the
// tests share.
#pragma once

#include "common.h"

#include <cerrno>
#include <functional>
#include <gtest/gtest.h>
#include <string>
#include <sys/stat.h>
#include <sys/types.h>
#include <vector>

namespace flashnet::nstest {

using fstest::errno_name;
using fstest::errno_text;
using fstest::Fd;

struct Settings {
	std::string dir;		// --dir / FLASHNET_NSTEST_DIR
	bool allow_no_renameat2_flags = false;
};
Settings &settings();

// The unprivileged ids permission tests switch to (no /etc/passwd entry
// needed), and a second one for "another user".
inline constexpr uid_t kNobody = 65534;
inline constexpr gid_t kNogroup = 65534;
inline constexpr uid_t kOther = 65533;

class NsTest : public ::testing::Test {
protected:
	void SetUp() override;
	void TearDown() override;

	// An absolute path inside this test's directory.
	std::string p(const std::string &rel) const { return dir_ + "/" + rel; }
	// This test's directory as an O_PATH descriptor: what a child that
	// dropped privileges works relative to, so it needs no search right
	// on the directories above.
	int dfd() const { return dfd_.get(); }

	std::string dir_;
	Fd dfd_;
};

// stat/lstat that record a test failure naming the path and errno, and
// return a zeroed stat then.
struct stat stat_of(const std::string &path);
struct stat lstat_of(const std::string &path);

// Creates (or truncates) a file with `data`; mode before the umask (0).
void make_file(const std::string &path, const std::string &data = "",
	       mode_t mode = 0644);
std::string read_all(const std::string &path);
std::string read_fd(int fd);

// The names in a directory, "." and ".." included, in readdir order.
std::vector<std::string> list_dir(const std::string &path);

bool is_root();

// Runs `fn` in a child with uid/gid dropped to (uid, gid) and no
// supplementary groups; `fn` returns what went wrong (empty: nothing).
// Returns that, or why the child could not run or died.
std::string run_as(uid_t uid, gid_t gid, const std::function<std::string()> &fn);

// Checks for code running in such a child (no gtest there): each call
// records a line when the result is not what was wanted. Call with the
// system call as the argument, so errno is read right after it.
class Checks {
public:
	void fails(const char *what, long r, int want);
	void works(const char *what, long r);
	void expect(const char *what, bool ok, const std::string &detail = "");
	std::string report() const { return out_; }

private:
	std::string out_;
};

// Timestamps.
bool later(const struct timespec &a, const struct timespec &b);	// a > b
bool same(const struct timespec &a, const struct timespec &b);
std::string ts_str(const struct timespec &t);
// Waits until the kernel's coarse clock (what inode times come from) is
// past t, so the next timestamp taken must be later than t.
void tick_past(const struct timespec &t);
// Waits until the clock is past every timestamp of st.
void tick_past(const struct stat &st);

// renameat2(2) through syscall(2): no libc wrapper needed.
int rename2(const std::string &from, const std::string &to, unsigned flags);

} // namespace flashnet::nstest

// `expr` (a system call) must fail with `err`.
#define EXPECT_ERRNO(expr, err)                                               \
	do {                                                                  \
		errno = 0;                                                    \
		const long r_ = static_cast<long>(expr);                      \
		const int e_ = errno;                                         \
		EXPECT_TRUE(r_ == -1 && e_ == (err))                          \
			<< #expr << ": returned " << r_                       \
			<< (r_ == -1 ? " with " + errno_name(e_) : "")        \
			<< ", expected -1 with " << errno_name(err);          \
	} while (0)

// `expr` (a system call) must not return -1.
#define ASSERT_SYS(expr)                                                      \
	do {                                                                  \
		errno = 0;                                                    \
		const long r_ = static_cast<long>(expr);                      \
		ASSERT_NE(r_, -1) << #expr << ": " << errno_text(errno);      \
	} while (0)
#define EXPECT_SYS(expr)                                                      \
	do {                                                                  \
		errno = 0;                                                    \
		const long r_ = static_cast<long>(expr);                      \
		EXPECT_NE(r_, -1) << #expr << ": " << errno_text(errno);      \
	} while (0)

// run_as(...) must report no problems; prints what the child found.
#define EXPECT_CHILD_OK(...)                                                  \
	do {                                                                  \
		const std::string r_ = (__VA_ARGS__);                         \
		EXPECT_TRUE(r_.empty()) << "in the unprivileged child:\n" << r_; \
	} while (0)

// An fd from open(2), asserted valid.
#define ASSERT_OPEN(var, ...)                                                 \
	Fd var(::open(__VA_ARGS__));                                          \
	ASSERT_TRUE(var) << "open(" << #__VA_ARGS__                           \
			 << "): " << errno_text(errno)
