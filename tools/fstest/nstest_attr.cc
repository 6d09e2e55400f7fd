// SPDX-License-Identifier: GPL-2.0
// Attributes: chmod, chown and utimensat persist; which operations move
// which timestamps; and permission checks for an unprivileged user (root
// forks a child that drops to uid/gid 65534).
#include "nstest.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace flashnet::nstest;

namespace {

class Attr : public NsTest {};
class Times : public NsTest {};
class Perm : public NsTest {
protected:
	void SetUp() override
	{
		if (!is_root())
			GTEST_SKIP() << "permission tests need root to switch to "
					"uid "
				     << kNobody << " (running as uid " << geteuid()
				     << ")";
		NsTest::SetUp();
	}
};

// What an operation must do to a timestamp.
enum class Moves { no, forward };

#define EXPECT_TIME(before, after, field, how, what)                          \
	do {                                                                  \
		if ((how) == Moves::forward)                                  \
			EXPECT_TRUE(later((after).field, (before).field))     \
				<< what << ": " #field " did not move forward: " \
				<< ts_str((before).field) << " -> "           \
				<< ts_str((after).field);                     \
		else                                                          \
			EXPECT_TRUE(same((after).field, (before).field))      \
				<< what << ": " #field " changed: "           \
				<< ts_str((before).field) << " -> "           \
				<< ts_str((after).field);                     \
	} while (0)

} // namespace

// ---- attributes persist -------------------------------------------------------

TEST_F(Attr, ChmodPersists)
{
	make_file(p("f"), "x", 0644);
	ASSERT_SYS(mkdir(p("d").c_str(), 0755));
	for (mode_t m : {0000u, 0777u, 0400u, 01644u, 02755u, 04755u, 07777u}) {
		ASSERT_SYS(chmod(p("f").c_str(), m));
		EXPECT_EQ(stat_of(p("f")).st_mode, S_IFREG | m)
			<< "chmod " << std::oct << m;
		ASSERT_SYS(chmod(p("d").c_str(), m | 0700));
		EXPECT_EQ(stat_of(p("d")).st_mode, S_IFDIR | m | 0700)
			<< "chmod dir " << std::oct << (m | 0700);
	}
	ASSERT_SYS(chmod(p("f").c_str(), 0600));
	ASSERT_OPEN(fd, p("f").c_str(), O_RDONLY);
	ASSERT_SYS(fchmod(fd.get(), 0640));
	fd.reset();
	EXPECT_EQ(stat_of(p("f")).st_mode, S_IFREG | 0640) << "fchmod, closed";
}

TEST_F(Attr, ChownPersists)
{
	if (!is_root())
		GTEST_SKIP() << "chown to other ids needs root";
	make_file(p("f"), "x", 0644);
	ASSERT_SYS(chown(p("f").c_str(), 1234, 5678));
	struct stat st = stat_of(p("f"));
	EXPECT_EQ(st.st_uid, 1234u);
	EXPECT_EQ(st.st_gid, 5678u);
	ASSERT_SYS(chown(p("f").c_str(), -1, 42));
	st = stat_of(p("f"));
	EXPECT_EQ(st.st_uid, 1234u) << "-1 keeps the owner";
	EXPECT_EQ(st.st_gid, 42u);
	{
		ASSERT_OPEN(fd, p("f").c_str(), O_RDONLY);
		ASSERT_SYS(fchown(fd.get(), 7, -1));
	}
	EXPECT_EQ(stat_of(p("f")).st_uid, 7u) << "fchown";
	// lchown changes the link, not its target.
	ASSERT_SYS(symlink("f", p("l").c_str()));
	ASSERT_SYS(lchown(p("l").c_str(), 99, 98));
	EXPECT_EQ(lstat_of(p("l")).st_uid, 99u);
	EXPECT_EQ(lstat_of(p("l")).st_gid, 98u);
	EXPECT_EQ(stat_of(p("f")).st_uid, 7u);
	ASSERT_SYS(mkdir(p("d").c_str(), 0755));
	ASSERT_SYS(chown(p("d").c_str(), 321, 654));
	EXPECT_EQ(stat_of(p("d")).st_uid, 321u);
	EXPECT_EQ(stat_of(p("d")).st_gid, 654u);
	// chown of an executable clears set-user-ID and set-group-ID.
	ASSERT_SYS(chmod(p("f").c_str(), 06755));
	ASSERT_SYS(chown(p("f").c_str(), 8, 9));
	EXPECT_EQ(stat_of(p("f")).st_mode & 07777, 0755u)
		<< "mode after chown of a 06755 file: " << std::oct
		<< stat_of(p("f")).st_mode;
}

TEST_F(Attr, UtimensatPersists)
{
	make_file(p("f"), "x");
	ASSERT_SYS(mkdir(p("d").c_str(), 0755));
	const struct timespec times[2] = {{1000000000, 123456789},
					  {1500000000, 987654321}};
	for (const char *name : {"f", "d"}) {
		const struct stat before = stat_of(p(name));
		tick_past(before.st_ctim);
		ASSERT_SYS(utimensat(AT_FDCWD, p(name).c_str(), times, 0));
		const struct stat st = stat_of(p(name));
		EXPECT_TRUE(same(st.st_atim, times[0])) << name << " atime " << ts_str(st.st_atim);
		EXPECT_TRUE(same(st.st_mtim, times[1])) << name << " mtime " << ts_str(st.st_mtim);
		EXPECT_TRUE(later(st.st_ctim, before.st_ctim)) << name << ": utimensat moves ctime";
	}
	// UTIME_OMIT keeps one, UTIME_NOW sets the other to now.
	struct timespec now;
	clock_gettime(CLOCK_REALTIME_COARSE, &now);
	const struct timespec some[2] = {{0, UTIME_OMIT}, {0, UTIME_NOW}};
	ASSERT_SYS(utimensat(AT_FDCWD, p("f").c_str(), some, 0));
	struct stat st = stat_of(p("f"));
	EXPECT_TRUE(same(st.st_atim, times[0])) << "UTIME_OMIT kept atime";
	EXPECT_FALSE(later(now, st.st_mtim)) << "UTIME_NOW: " << ts_str(st.st_mtim);
	// futimens, and times before 1970.
	const struct timespec old[2] = {{-1000, 5}, {-86400, 999999999}};
	{
		ASSERT_OPEN(fd, p("f").c_str(), O_RDONLY);
		ASSERT_SYS(futimens(fd.get(), old));
	}
	st = stat_of(p("f"));
	EXPECT_TRUE(same(st.st_atim, old[0])) << "atime " << ts_str(st.st_atim);
	EXPECT_TRUE(same(st.st_mtim, old[1])) << "mtime " << ts_str(st.st_mtim);
	// A symlink's own times, with AT_SYMLINK_NOFOLLOW.
	ASSERT_SYS(symlink("f", p("l").c_str()));
	ASSERT_SYS(utimensat(AT_FDCWD, p("l").c_str(), times, AT_SYMLINK_NOFOLLOW));
	EXPECT_TRUE(same(lstat_of(p("l")).st_mtim, times[1]));
	EXPECT_TRUE(same(stat_of(p("f")).st_mtim, old[1])) << "the target is untouched";
}

// ---- timestamps ---------------------------------------------------------------

TEST_F(Times, WriteMovesMtimeAndCtimeReadDoesNot)
{
	make_file(p("f"), "start");
	struct stat a = stat_of(p("f"));
	tick_past(a);
	ASSERT_OPEN(fd, p("f").c_str(), O_RDWR);
	char buf[8];
	ASSERT_SYS(pread(fd.get(), buf, sizeof(buf), 0));
	struct stat b = stat_of(p("f"));
	EXPECT_TIME(a, b, st_mtim, Moves::no, "read");
	EXPECT_TIME(a, b, st_ctim, Moves::no, "read");
	ASSERT_SYS(pwrite(fd.get(), "more", 4, 5));
	b = stat_of(p("f"));
	EXPECT_TIME(a, b, st_mtim, Moves::forward, "write");
	EXPECT_TIME(a, b, st_ctim, Moves::forward, "write");
	EXPECT_FALSE(later(b.st_ctim, b.st_mtim) || later(b.st_mtim, b.st_ctim))
		<< "write sets mtime and ctime alike: " << ts_str(b.st_mtim) << " "
		<< ts_str(b.st_ctim);
}

TEST_F(Times, TruncateMovesMtimeAndCtime)
{
	make_file(p("f"), "0123456789");
	struct stat a = stat_of(p("f"));
	tick_past(a);
	ASSERT_SYS(truncate(p("f").c_str(), 4));
	struct stat b = stat_of(p("f"));
	EXPECT_TIME(a, b, st_mtim, Moves::forward, "truncate shorter");
	EXPECT_TIME(a, b, st_ctim, Moves::forward, "truncate shorter");
	tick_past(b);
	ASSERT_SYS(truncate(p("f").c_str(), 40000));
	a = stat_of(p("f"));
	EXPECT_TIME(b, a, st_mtim, Moves::forward, "truncate longer");
	EXPECT_TIME(b, a, st_ctim, Moves::forward, "truncate longer");
	tick_past(a);
	{
		ASSERT_OPEN(fd, p("f").c_str(), O_WRONLY | O_TRUNC);
	}
	b = stat_of(p("f"));
	EXPECT_EQ(b.st_size, 0);
	EXPECT_TIME(a, b, st_mtim, Moves::forward, "open O_TRUNC");
	EXPECT_TIME(a, b, st_ctim, Moves::forward, "open O_TRUNC");
}

TEST_F(Times, ChmodChownMoveCtimeOnly)
{
	make_file(p("f"), "x");
	struct stat a = stat_of(p("f"));
	tick_past(a);
	ASSERT_SYS(chmod(p("f").c_str(), 0600));
	struct stat b = stat_of(p("f"));
	EXPECT_TIME(a, b, st_ctim, Moves::forward, "chmod");
	EXPECT_TIME(a, b, st_mtim, Moves::no, "chmod");
	tick_past(b);
	ASSERT_SYS(chown(p("f").c_str(), geteuid(), getegid()));
	a = stat_of(p("f"));
	EXPECT_TIME(b, a, st_ctim, Moves::forward, "chown");
	EXPECT_TIME(b, a, st_mtim, Moves::no, "chown");
}

TEST_F(Times, LinkAndUnlinkMoveCtimeAndDirectoryTimes)
{
	make_file(p("f"), "x");
	struct stat f0 = stat_of(p("f")), d0 = stat_of(dir_);
	tick_past(f0);
	tick_past(d0);
	ASSERT_SYS(link(p("f").c_str(), p("g").c_str()));
	struct stat f1 = stat_of(p("f")), d1 = stat_of(dir_);
	EXPECT_TIME(f0, f1, st_ctim, Moves::forward, "link");
	EXPECT_TIME(f0, f1, st_mtim, Moves::no, "link");
	EXPECT_TIME(d0, d1, st_mtim, Moves::forward, "link: directory");
	EXPECT_TIME(d0, d1, st_ctim, Moves::forward, "link: directory");
	tick_past(f1);
	tick_past(d1);
	ASSERT_SYS(unlink(p("g").c_str()));
	f0 = stat_of(p("f"));
	d0 = stat_of(dir_);
	EXPECT_TIME(f1, f0, st_ctim, Moves::forward, "unlink of the other link");
	EXPECT_TIME(f1, f0, st_mtim, Moves::no, "unlink of the other link");
	EXPECT_TIME(d1, d0, st_mtim, Moves::forward, "unlink: directory");
	EXPECT_TIME(d1, d0, st_ctim, Moves::forward, "unlink: directory");
}

TEST_F(Times, DirectoryMtimeOnEveryNameChange)
{
	ASSERT_SYS(mkdir(p("other").c_str(), 0755));
	ASSERT_SYS(mkdir(p("sub").c_str(), 0755));
	// Paths as C strings that live as long as the test.
	const std::string f = p("f"), f2 = p("f2"), d = p("d"), l = p("l"),
			  fifo = p("p"), other = p("other"), sub_o = p("sub/o"),
			  o2 = p("o2"), sub_f2 = p("sub/f2");
	struct {
		const char *what;
		bool cross;	// a rename between this directory and sub
		std::function<int()> op;
	} steps[] = {
		{"create", false,
		 [&] { return mknod(f.c_str(), S_IFREG | 0644, 0); }},
		{"mkdir", false, [&] { return mkdir(d.c_str(), 0755); }},
		{"symlink", false, [&] { return symlink("f", l.c_str()); }},
		{"mknod fifo", false,
		 [&] { return mknod(fifo.c_str(), S_IFIFO | 0644, 0); }},
		{"rename inside", false,
		 [&] { return rename(f.c_str(), f2.c_str()); }},
		{"rename a dir out", true,
		 [&] { return rename(other.c_str(), sub_o.c_str()); }},
		{"rename a dir in", true,
		 [&] { return rename(sub_o.c_str(), o2.c_str()); }},
		{"rename a file out", true,
		 [&] { return rename(f2.c_str(), sub_f2.c_str()); }},
		{"unlink", false, [&] { return unlink(l.c_str()); }},
		{"rmdir", false, [&] { return rmdir(o2.c_str()); }},
	};
	for (const auto &s : steps) {
		const struct stat a = stat_of(dir_), sa = stat_of(p("sub"));
		tick_past(a);
		tick_past(sa);
		ASSERT_EQ(s.op(), 0) << s.what << ": " << errno_text(errno);
		const struct stat b = stat_of(dir_), sb = stat_of(p("sub"));
		EXPECT_TIME(a, b, st_mtim, Moves::forward, s.what);
		EXPECT_TIME(a, b, st_ctim, Moves::forward, s.what);
		// The other end of a rename between directories moves too.
		if (s.cross)
			EXPECT_TIME(sa, sb, st_mtim, Moves::forward,
				    std::string(s.what) + ": the other directory");
	}
}

// ---- permissions as an unprivileged user -------------------------------------------------

TEST_F(Perm, WriteOpenOfReadOnlyFile)
{
	make_file(p("root_ro"), "root", 0444);
	make_file(p("own_ro"), "own", 0444);
	ASSERT_SYS(chown(p("own_ro").c_str(), kNobody, kNogroup));
	const int d = dfd();
	EXPECT_CHILD_OK(run_as(kNobody, kNogroup, [d] {
		Checks c;
		c.fails("open root's 0444 file O_WRONLY",
			openat(d, "root_ro", O_WRONLY), EACCES);
		c.fails("open own 0444 file O_WRONLY", openat(d, "own_ro", O_WRONLY),
			EACCES);
		c.fails("open own 0444 file O_RDWR|O_TRUNC",
			openat(d, "own_ro", O_RDWR | O_TRUNC), EACCES);
		c.works("open own 0444 file O_RDONLY", openat(d, "own_ro", O_RDONLY));
		return c.report();
	}));
	EXPECT_EQ(read_all(p("own_ro")), "own");
	// Root can.
	{
		ASSERT_OPEN(fd, p("own_ro").c_str(), O_WRONLY | O_TRUNC);
		ASSERT_SYS(write(fd.get(), "root wrote", 10));
	}
	EXPECT_EQ(read_all(p("own_ro")), "root wrote");
}

TEST_F(Perm, CreateInReadOnlyDirectory)
{
	ASSERT_SYS(mkdir(p("ro").c_str(), 0755));
	make_file(p("ro/keep"), "keep");
	ASSERT_SYS(chown(p("ro").c_str(), kNobody, kNogroup));
	ASSERT_SYS(chmod(p("ro").c_str(), 0555));
	const int d = dfd();
	EXPECT_CHILD_OK(run_as(kNobody, kNogroup, [d] {
		Checks c;
		c.fails("mkdir in own 0555 dir", mkdirat(d, "ro/x", 0755), EACCES);
		c.fails("create in own 0555 dir",
			openat(d, "ro/f", O_WRONLY | O_CREAT, 0644), EACCES);
		c.fails("symlink in own 0555 dir", symlinkat("t", d, "ro/l"), EACCES);
		c.fails("unlink in own 0555 dir", unlinkat(d, "ro/keep", 0), EACCES);
		c.fails("rename out of own 0555 dir",
			renameat(d, "ro/keep", d, "out"), EACCES);
		return c.report();
	}));
	EXPECT_EQ(read_all(p("ro/keep")), "keep");
	// Root can.
	ASSERT_SYS(mkdir(p("ro/x").c_str(), 0755));
	make_file(p("ro/f"), "root");
	ASSERT_SYS(unlink(p("ro/keep").c_str()));
}

TEST_F(Perm, StickyDirectoryProtectsOthersFiles)
{
	ASSERT_SYS(mkdir(p("tmp").c_str(), 0755));
	ASSERT_SYS(chmod(p("tmp").c_str(), 01777));
	EXPECT_EQ(stat_of(p("tmp")).st_mode, S_IFDIR | 01777u);
	make_file(p("tmp/roots"), "r", 0666);
	make_file(p("tmp/others"), "o", 0666);
	make_file(p("tmp/mine"), "m", 0644);
	ASSERT_SYS(chown(p("tmp/others").c_str(), kOther, kOther));
	ASSERT_SYS(chown(p("tmp/mine").c_str(), kNobody, kNogroup));
	const int d = dfd();
	EXPECT_CHILD_OK(run_as(kNobody, kNogroup, [d] {
		Checks c;
		c.fails("unlink root's file in a sticky dir",
			unlinkat(d, "tmp/roots", 0), EPERM);
		c.fails("unlink another user's file in a sticky dir",
			unlinkat(d, "tmp/others", 0), EPERM);
		c.fails("rename root's file in a sticky dir",
			renameat(d, "tmp/roots", d, "tmp/x"), EPERM);
		c.fails("rename over root's file in a sticky dir",
			renameat(d, "tmp/mine", d, "tmp/roots"), EPERM);
		c.works("unlink own file in a sticky dir", unlinkat(d, "tmp/mine", 0));
		c.works("create in a sticky dir",
			openat(d, "tmp/new", O_WRONLY | O_CREAT | O_EXCL, 0644));
		return c.report();
	}));
	EXPECT_EQ(read_all(p("tmp/roots")), "r");
	// Root can.
	ASSERT_SYS(unlink(p("tmp/roots").c_str()));
	ASSERT_SYS(unlink(p("tmp/others").c_str()));
	EXPECT_EQ(stat_of(p("tmp/new")).st_uid, kNobody);
}

TEST_F(Perm, ChmodChownUtimesByNonOwner)
{
	make_file(p("roots"), "r", 0644);
	make_file(p("mine"), "m", 0644);
	ASSERT_SYS(chown(p("mine").c_str(), kNobody, kNogroup));
	const int d = dfd();
	EXPECT_CHILD_OK(run_as(kNobody, kNogroup, [d] {
		Checks c;
		const struct timespec t[2] = {{1, 0}, {2, 0}};
		c.fails("chmod root's file", fchmodat(d, "roots", 0666, 0), EPERM);
		c.fails("chown root's file to self",
			fchownat(d, "roots", kNobody, -1, 0), EPERM);
		c.fails("utimensat root's file to given times",
			utimensat(d, "roots", t, 0), EPERM);
		c.fails("utimensat root's 0644 file to now",
			utimensat(d, "roots", nullptr, 0), EACCES);
		c.fails("give own file to root", fchownat(d, "mine", 0, -1, 0), EPERM);
		c.fails("chgrp own file to a group not ours",
			fchownat(d, "mine", -1, 0, 0), EPERM);
		c.works("chmod own file", fchmodat(d, "mine", 0600, 0));
		c.works("chown own file to self",
			fchownat(d, "mine", kNobody, kNogroup, 0));
		c.works("utimensat own file", utimensat(d, "mine", t, 0));
		return c.report();
	}));
	struct stat st = stat_of(p("roots"));
	EXPECT_EQ(st.st_mode & 07777, 0644u);
	EXPECT_EQ(st.st_uid, 0u);
	st = stat_of(p("mine"));
	EXPECT_EQ(st.st_mode & 07777, 0600u);
	EXPECT_EQ(st.st_mtim.tv_sec, 2);
	// Root can.
	ASSERT_SYS(chmod(p("mine").c_str(), 0640));
	ASSERT_SYS(chown(p("mine").c_str(), kOther, kOther));
	st = stat_of(p("mine"));
	EXPECT_EQ(st.st_mode & 07777, 0640u);
	EXPECT_EQ(st.st_uid, kOther);
	EXPECT_EQ(st.st_gid, kOther);
}

TEST_F(Perm, NewFilesBelongToTheirCreator)
{
	ASSERT_SYS(mkdir(p("open").c_str(), 0777));
	ASSERT_SYS(chmod(p("open").c_str(), 0777));
	// A set-group-ID directory hands its group (and, to directories, the
	// bit) down.
	ASSERT_SYS(mkdir(p("sgid").c_str(), 0777));
	ASSERT_SYS(chown(p("sgid").c_str(), 0, 4321));
	ASSERT_SYS(chmod(p("sgid").c_str(), 02777));
	const int d = dfd();
	EXPECT_CHILD_OK(run_as(kNobody, kNogroup, [d] {
		Checks c;
		c.works("create", openat(d, "open/file", O_WRONLY | O_CREAT, 0640));
		c.works("mkdir", mkdirat(d, "open/dir", 0750));
		c.works("symlink", symlinkat("file", d, "open/link"));
		c.works("create in sgid dir",
			openat(d, "sgid/file", O_WRONLY | O_CREAT, 0640));
		c.works("mkdir in sgid dir", mkdirat(d, "sgid/dir", 0750));
		return c.report();
	}));
	for (const char *name : {"open/file", "open/dir", "open/link"}) {
		const struct stat st = lstat_of(p(name));
		EXPECT_EQ(st.st_uid, kNobody) << name;
		EXPECT_EQ(st.st_gid, kNogroup) << name;
	}
	EXPECT_EQ(stat_of(p("open/file")).st_mode, S_IFREG | 0640u);
	EXPECT_EQ(stat_of(p("open/dir")).st_mode, S_IFDIR | 0750u);
	struct stat st = stat_of(p("sgid/file"));
	EXPECT_EQ(st.st_uid, kNobody);
	EXPECT_EQ(st.st_gid, 4321u) << "group of a file made in a setgid dir";
	st = stat_of(p("sgid/dir"));
	EXPECT_EQ(st.st_gid, 4321u) << "group of a dir made in a setgid dir";
	EXPECT_TRUE(st.st_mode & S_ISGID) << "a dir made in a setgid dir is setgid: "
					  << std::oct << st.st_mode;
}
