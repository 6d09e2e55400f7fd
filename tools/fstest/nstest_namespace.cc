// SPDX-License-Identifier: GPL-2.0
// Creating and removing names: files, directories, fifos and devices; the
// errors for names that exist, are missing or have the wrong type; name
// length limits; readdir; O_CREAT|O_EXCL and O_TRUNC.
#include "nstest.h"

#include <algorithm>
#include <dirent.h>
#include <fcntl.h>
#include <map>
#include <memory>
#include <set>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

using namespace flashnet::nstest;

namespace {

class Create : public NsTest {};
class Mkdir : public NsTest {};
class Names : public NsTest {};
class Readdir : public NsTest {};
class Open : public NsTest {};
class Mknod : public NsTest {};

} // namespace

TEST_F(Create, RegularFileModeOwnerSizeAndTimes)
{
	struct timespec before;
	clock_gettime(CLOCK_REALTIME_COARSE, &before);
	ASSERT_OPEN(fd, p("f").c_str(), O_WRONLY | O_CREAT | O_EXCL, 0640);
	struct stat st = stat_of(p("f"));
	EXPECT_TRUE(S_ISREG(st.st_mode)) << std::oct << st.st_mode;
	EXPECT_EQ(st.st_mode & 07777, 0640u) << std::oct << st.st_mode;
	EXPECT_EQ(st.st_nlink, 1u);
	EXPECT_EQ(st.st_size, 0);
	EXPECT_EQ(st.st_uid, geteuid());
	EXPECT_EQ(st.st_gid, getegid());
	for (const struct timespec *t : {&st.st_atim, &st.st_mtim, &st.st_ctim})
		EXPECT_FALSE(later(before, *t))
			<< "a new file's timestamp " << ts_str(*t)
			<< " is older than the clock before the create, "
			<< ts_str(before);
	ASSERT_SYS(write(fd.get(), "hello", 5));
	EXPECT_EQ(stat_of(p("f")).st_size, 5);
}

TEST_F(Create, UnlinkRemovesTheName)
{
	make_file(p("f"), "x");
	ASSERT_SYS(unlink(p("f").c_str()));
	struct stat st;
	EXPECT_ERRNO(stat(p("f").c_str(), &st), ENOENT);
	EXPECT_ERRNO(unlink(p("f").c_str()), ENOENT);
	EXPECT_ERRNO(open(p("f").c_str(), O_RDONLY), ENOENT);
	EXPECT_EQ(list_dir(dir_).size(), 2u) << "only . and .. are left";
}

TEST_F(Create, ExistingNameIsEEXIST)
{
	make_file(p("f"));
	ASSERT_SYS(mkdir(p("d").c_str(), 0755));
	ASSERT_SYS(symlink("f", p("l").c_str()));
	for (const char *name : {"f", "d", "l"}) {
		const std::string n = p(name);
		EXPECT_ERRNO(open(n.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0644), EEXIST);
		EXPECT_ERRNO(mkdir(n.c_str(), 0755), EEXIST);
		EXPECT_ERRNO(link(p("f").c_str(), n.c_str()), EEXIST);
		EXPECT_ERRNO(symlink("x", n.c_str()), EEXIST);
		EXPECT_ERRNO(mknod(n.c_str(), S_IFIFO | 0644, 0), EEXIST);
	}
}

TEST_F(Create, MissingComponentIsENOENT)
{
	struct stat st;
	EXPECT_ERRNO(open(p("no/f").c_str(), O_WRONLY | O_CREAT, 0644), ENOENT);
	EXPECT_ERRNO(mkdir(p("no/d").c_str(), 0755), ENOENT);
	EXPECT_ERRNO(rmdir(p("no").c_str()), ENOENT);
	EXPECT_ERRNO(unlink(p("no").c_str()), ENOENT);
	EXPECT_ERRNO(stat(p("no").c_str(), &st), ENOENT);
	EXPECT_ERRNO(rename(p("no").c_str(), p("yes").c_str()), ENOENT);
	EXPECT_ERRNO(link(p("no").c_str(), p("yes").c_str()), ENOENT);
}

TEST_F(Create, FileUsedAsDirectoryIsENOTDIR)
{
	make_file(p("f"));
	struct stat st;
	EXPECT_ERRNO(open(p("f/x").c_str(), O_WRONLY | O_CREAT, 0644), ENOTDIR);
	EXPECT_ERRNO(mkdir(p("f/d").c_str(), 0755), ENOTDIR);
	EXPECT_ERRNO(stat(p("f/").c_str(), &st), ENOTDIR);
	EXPECT_ERRNO(rmdir(p("f").c_str()), ENOTDIR);
	EXPECT_ERRNO(open(p("f").c_str(), O_RDONLY | O_DIRECTORY), ENOTDIR);
}

TEST_F(Create, DirectoryUsedAsFileIsEISDIR)
{
	ASSERT_SYS(mkdir(p("d").c_str(), 0755));
	EXPECT_ERRNO(open(p("d").c_str(), O_WRONLY), EISDIR);
	EXPECT_ERRNO(open(p("d").c_str(), O_RDWR), EISDIR);
	EXPECT_ERRNO(unlink(p("d").c_str()), EISDIR);
	ASSERT_OPEN(fd, p("d").c_str(), O_RDONLY | O_DIRECTORY);
	char c;
	EXPECT_ERRNO(read(fd.get(), &c, 1), EISDIR);
}

TEST_F(Mkdir, ModeOwnerAndLinkCounts)
{
	const nlink_t parent = stat_of(dir_).st_nlink;
	EXPECT_EQ(parent, 2u) << "a new empty directory";
	ASSERT_SYS(mkdir(p("d").c_str(), 0750));
	struct stat st = stat_of(p("d"));
	EXPECT_TRUE(S_ISDIR(st.st_mode));
	EXPECT_EQ(st.st_mode & 07777, 0750u) << std::oct << st.st_mode;
	EXPECT_EQ(st.st_nlink, 2u);
	EXPECT_EQ(st.st_uid, geteuid());
	EXPECT_EQ(st.st_gid, getegid());
	EXPECT_EQ(stat_of(dir_).st_nlink, parent + 1);
	EXPECT_EQ(stat_of(p("d/..")).st_ino, stat_of(dir_).st_ino);
	EXPECT_EQ(stat_of(p("d/.")).st_ino, st.st_ino);
	ASSERT_SYS(rmdir(p("d").c_str()));
	EXPECT_EQ(stat_of(dir_).st_nlink, parent);
	EXPECT_ERRNO(rmdir(p("d").c_str()), ENOENT);
}

TEST_F(Mkdir, RmdirOfNonEmptyIsENOTEMPTY)
{
	ASSERT_SYS(mkdir(p("d").c_str(), 0755));
	make_file(p("d/f"));
	EXPECT_ERRNO(rmdir(p("d").c_str()), ENOTEMPTY);
	ASSERT_SYS(unlink(p("d/f").c_str()));
	ASSERT_SYS(mkdir(p("d/sub").c_str(), 0755));
	EXPECT_ERRNO(rmdir(p("d").c_str()), ENOTEMPTY);
	ASSERT_SYS(symlink("x", p("d/sub/l").c_str()));
	EXPECT_ERRNO(rmdir(p("d/sub").c_str()), ENOTEMPTY);
	EXPECT_ERRNO(rmdir(p("d/sub/.").c_str()), EINVAL);
	ASSERT_SYS(unlink(p("d/sub/l").c_str()));
	ASSERT_SYS(rmdir(p("d/sub").c_str()));
	ASSERT_SYS(rmdir(p("d").c_str()));
}

TEST_F(Names, LongestNameIs255Bytes)
{
	const std::string n255(255, 'n'), m255(255, 'm'), d255(255, 'd');
	make_file(p(n255), "data");
	EXPECT_EQ(read_all(p(n255)), "data");
	ASSERT_SYS(mkdir(p(d255).c_str(), 0755));
	make_file(p(d255 + "/" + n255), "deep");
	EXPECT_EQ(read_all(p(d255 + "/" + n255)), "deep");
	ASSERT_SYS(link(p(n255).c_str(), p(m255).c_str()));
	ASSERT_SYS(unlink(p(m255).c_str()));
	ASSERT_SYS(rename(p(n255).c_str(), p(m255).c_str()));
	ASSERT_SYS(symlink(m255.c_str(), p(n255).c_str()));
	EXPECT_EQ(read_all(p(n255)), "data");
	std::set<std::string> names;
	for (const std::string &n : list_dir(dir_))
		names.insert(n);
	EXPECT_EQ(names, (std::set<std::string>{".", "..", n255, m255, d255}));
}

TEST_F(Names, Name256IsENAMETOOLONG)
{
	const std::string n256(256, 'x'), long_path = p(n256);
	make_file(p("f"));
	struct stat st;
	EXPECT_ERRNO(open(long_path.c_str(), O_WRONLY | O_CREAT, 0644), ENAMETOOLONG);
	EXPECT_ERRNO(open(long_path.c_str(), O_RDONLY), ENAMETOOLONG);
	EXPECT_ERRNO(mkdir(long_path.c_str(), 0755), ENAMETOOLONG);
	EXPECT_ERRNO(stat(long_path.c_str(), &st), ENAMETOOLONG);
	EXPECT_ERRNO(unlink(long_path.c_str()), ENAMETOOLONG);
	EXPECT_ERRNO(rename(p("f").c_str(), long_path.c_str()), ENAMETOOLONG);
	EXPECT_ERRNO(link(p("f").c_str(), long_path.c_str()), ENAMETOOLONG);
	EXPECT_ERRNO(symlink("f", long_path.c_str()), ENAMETOOLONG);
	EXPECT_ERRNO(mknod(long_path.c_str(), S_IFIFO | 0644, 0), ENAMETOOLONG);
	EXPECT_EQ(list_dir(dir_).size(), 3u) << "nothing was created";
}

namespace {

// Name i: 1 + i % 255 bytes long, its first byte telling apart names of
// the same length (i / 255).
std::string many_name(int i)
{
	const std::size_t len = 1 + static_cast<std::size_t>(i % 255);
	std::string n(1, "ABCDEFGHIJ"[i / 255]);
	for (std::size_t j = 1; j < len; j++)
		n += static_cast<char>('a' + (i + j) % 26);
	return n;
}

// readdir of `path` must return exactly `want` plus "." and "..", each
// once, with d_type right where the file system fills it in.
void expect_exact_listing(const std::string &path, const std::set<std::string> &want)
{
	std::unique_ptr<DIR, int (*)(DIR *)> d(opendir(path.c_str()), closedir);
	ASSERT_TRUE(d) << path << ": " << errno_text(errno);
	std::map<std::string, int> seen;
	for (;;) {
		errno = 0;
		const dirent *e = readdir(d.get());
		if (!e) {
			ASSERT_EQ(errno, 0) << "readdir: " << errno_text(errno);
			break;
		}
		const std::string n = e->d_name;
		seen[n]++;
		if (e->d_type == DT_UNKNOWN)
			continue;
		if (n == "." || n == "..") {
			EXPECT_EQ(e->d_type, DT_DIR) << "d_type of " << n;
		} else {
			EXPECT_EQ(e->d_type, DT_REG) << "d_type of " << n;
		}
	}
	std::vector<std::string> dup, missing, extra;
	for (const auto &[n, count] : seen) {
		if (count > 1)
			dup.push_back(n);
		if (n != "." && n != ".." && !want.count(n))
			extra.push_back(n);
	}
	for (const std::string &n : want)
		if (!seen.count(n))
			missing.push_back(n);
	EXPECT_EQ(seen.count("."), 1u);
	EXPECT_EQ(seen.count(".."), 1u);
	auto show = [](const std::vector<std::string> &v) {
		std::string s;
		for (std::size_t i = 0; i < v.size() && i < 5; i++)
			s += " '" + v[i].substr(0, 40) + (v[i].size() > 40 ? "...'" : "'") +
			     " (" + std::to_string(v[i].size()) + " bytes)";
		return s;
	};
	EXPECT_TRUE(dup.empty()) << dup.size() << " names returned twice:" << show(dup);
	EXPECT_TRUE(missing.empty()) << missing.size() << " names missing:" << show(missing);
	EXPECT_TRUE(extra.empty()) << extra.size() << " names never created:" << show(extra);
}

} // namespace

TEST_F(Readdir, TwoThousandNamesThenHalf)
{
	constexpr int kFiles = 2000;
	std::set<std::string> want;
	for (int i = 0; i < kFiles; i++) {
		const std::string n = many_name(i);
		ASSERT_TRUE(want.insert(n).second) << "name " << i << " repeats";
		Fd fd(openat(dfd(), n.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0644));
		ASSERT_TRUE(fd) << "create name " << i << " (" << n.size()
				<< " bytes): " << errno_text(errno);
	}
	expect_exact_listing(dir_, want);
	EXPECT_EQ(stat_of(dir_).st_nlink, 2u) << "files do not count in a dir's nlink";
	for (int i = 1; i < kFiles; i += 2) {
		ASSERT_SYS(unlink(p(many_name(i)).c_str()));
		want.erase(many_name(i));
	}
	expect_exact_listing(dir_, want);
	for (const std::string &n : want)
		ASSERT_SYS(unlink(p(n).c_str()));
	expect_exact_listing(dir_, {});
}

TEST_F(Readdir, DotAndDotDotInodes)
{
	ASSERT_SYS(mkdir(p("d").c_str(), 0755));
	std::unique_ptr<DIR, int (*)(DIR *)> d(opendir(p("d").c_str()), closedir);
	ASSERT_TRUE(d);
	std::map<std::string, ino_t> ino;
	while (const dirent *e = readdir(d.get()))
		ino[e->d_name] = e->d_ino;
	EXPECT_EQ(ino.size(), 2u);
	EXPECT_EQ(ino["."], stat_of(p("d")).st_ino);
	EXPECT_EQ(ino[".."], stat_of(dir_).st_ino);
}

TEST_F(Open, CreateExclusive)
{
	{
		ASSERT_OPEN(fd, p("f").c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
	}
	EXPECT_ERRNO(open(p("f").c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600), EEXIST);
	// O_EXCL does not follow a symlink, dangling or not.
	ASSERT_SYS(symlink("missing", p("l").c_str()));
	EXPECT_ERRNO(open(p("l").c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600), EEXIST);
	struct stat st;
	EXPECT_ERRNO(lstat(p("missing").c_str(), &st), ENOENT);
	// Without O_EXCL, O_CREAT opens the existing file and keeps its data.
	make_file(p("g"), "keep");
	{
		ASSERT_OPEN(fd, p("g").c_str(), O_RDWR | O_CREAT, 0600);
	}
	EXPECT_EQ(read_all(p("g")), "keep");
}

TEST_F(Open, TruncSetsSizeZero)
{
	make_file(p("f"), std::string(10000, 'z'));
	ASSERT_EQ(stat_of(p("f")).st_size, 10000);
	const ino_t ino = stat_of(p("f")).st_ino;
	{
		ASSERT_OPEN(fd, p("f").c_str(), O_WRONLY | O_TRUNC);
		struct stat st;
		ASSERT_SYS(fstat(fd.get(), &st));
		EXPECT_EQ(st.st_size, 0);
	}
	EXPECT_EQ(stat_of(p("f")).st_size, 0);
	EXPECT_EQ(stat_of(p("f")).st_ino, ino);
	EXPECT_EQ(read_all(p("f")), "");
	// Growing again reads zeroes, not the old bytes.
	ASSERT_SYS(truncate(p("f").c_str(), 100));
	EXPECT_EQ(read_all(p("f")), std::string(100, '\0'));
}

TEST_F(Open, AppendWritesAtTheEnd)
{
	make_file(p("f"), "abc");
	ASSERT_OPEN(fd, p("f").c_str(), O_WRONLY | O_APPEND);
	ASSERT_SYS(lseek(fd.get(), 0, SEEK_SET));
	ASSERT_SYS(write(fd.get(), "de", 2));
	EXPECT_EQ(read_all(p("f")), "abcde");
}

TEST_F(Mknod, Fifo)
{
	ASSERT_SYS(mknod(p("fifo").c_str(), S_IFIFO | 0640, 0));
	ASSERT_SYS(mkfifo(p("fifo2").c_str(), 0600));
	struct stat st = lstat_of(p("fifo"));
	EXPECT_TRUE(S_ISFIFO(st.st_mode)) << std::oct << st.st_mode;
	EXPECT_EQ(st.st_mode & 07777, 0640u);
	EXPECT_EQ(st.st_size, 0);
	EXPECT_TRUE(S_ISFIFO(lstat_of(p("fifo2")).st_mode));
	// It is a real pipe: what goes in comes out, nothing lands in the fs.
	ASSERT_OPEN(fd, p("fifo").c_str(), O_RDWR | O_NONBLOCK);
	ASSERT_EQ(write(fd.get(), "pipe", 4), 4);
	char buf[8] = {};
	ASSERT_EQ(read(fd.get(), buf, sizeof(buf)), 4);
	EXPECT_STREQ(buf, "pipe");
	EXPECT_EQ(lstat_of(p("fifo")).st_size, 0);
	ASSERT_SYS(unlink(p("fifo").c_str()));
}

TEST_F(Mknod, CharDeviceAsRoot)
{
	if (!is_root())
		GTEST_SKIP() << "mknod of a device needs root (running as uid "
			     << geteuid() << ")";
	const dev_t null = makedev(1, 3);
	ASSERT_SYS(mknod(p("null").c_str(), S_IFCHR | 0666, null));
	struct stat st = lstat_of(p("null"));
	EXPECT_TRUE(S_ISCHR(st.st_mode)) << std::oct << st.st_mode;
	EXPECT_EQ(st.st_mode & 07777, 0666u);
	EXPECT_EQ(major(st.st_rdev), 1u);
	EXPECT_EQ(minor(st.st_rdev), 3u);
	ASSERT_SYS(mknod(p("blk").c_str(), S_IFBLK | 0600, makedev(7, 200)));
	st = lstat_of(p("blk"));
	EXPECT_TRUE(S_ISBLK(st.st_mode));
	EXPECT_EQ(st.st_rdev, makedev(7, 200));
	struct statvfs sv;
	ASSERT_SYS(statvfs(dir_.c_str(), &sv));
	if (sv.f_flag & ST_NODEV) {
		EXPECT_ERRNO(open(p("null").c_str(), O_WRONLY), EACCES);
		return;
	}
	// Opening it reaches the device: /dev/null swallows the write.
	ASSERT_OPEN(fd, p("null").c_str(), O_WRONLY);
	EXPECT_EQ(write(fd.get(), "gone", 4), 4);
	EXPECT_EQ(lstat_of(p("null")).st_size, 0);
}
