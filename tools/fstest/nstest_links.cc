// SPDX-License-Identifier: GPL-2.0
// Hard links, symbolic links and directory link counts.
#include "nstest.h"

#include <climits>
#include <fcntl.h>
#include <unistd.h>

using namespace flashnet::nstest;

namespace {

class HardLink : public NsTest {};
class Symlink : public NsTest {};
class DirLinks : public NsTest {};

// readlink(2) of the whole target, however long.
std::string readlink_of(const std::string &path)
{
	std::string buf(8192, '\0');
	const ssize_t n = readlink(path.c_str(), buf.data(), buf.size());
	if (n < 0) {
		ADD_FAILURE() << "readlink " << path << ": " << errno_text(errno);
		return {};
	}
	buf.resize(static_cast<std::size_t>(n));
	return buf;
}

} // namespace

TEST_F(HardLink, CountsAndSharedData)
{
	ASSERT_SYS(mkdir(p("d").c_str(), 0755));
	make_file(p("a"), "shared");
	ASSERT_SYS(link(p("a").c_str(), p("b").c_str()));
	ASSERT_SYS(link(p("a").c_str(), p("d/c").c_str()));
	const struct stat sa = stat_of(p("a"));
	EXPECT_EQ(sa.st_nlink, 3u);
	EXPECT_EQ(stat_of(p("b")).st_ino, sa.st_ino);
	EXPECT_EQ(stat_of(p("d/c")).st_ino, sa.st_ino);
	EXPECT_EQ(stat_of(p("d/c")).st_nlink, 3u);
	// A write through one name is seen through the others.
	{
		ASSERT_OPEN(fd, p("b").c_str(), O_WRONLY | O_APPEND);
		ASSERT_SYS(write(fd.get(), "+more", 5));
	}
	EXPECT_EQ(read_all(p("a")), "shared+more");
	EXPECT_EQ(read_all(p("d/c")), "shared+more");
	EXPECT_EQ(stat_of(p("d")).st_nlink, 2u) << "file links do not count";
}

TEST_F(HardLink, UnlinkOneKeepsTheData)
{
	make_file(p("a"), "survives");
	ASSERT_SYS(link(p("a").c_str(), p("b").c_str()));
	ASSERT_SYS(unlink(p("a").c_str()));
	EXPECT_EQ(stat_of(p("b")).st_nlink, 1u);
	EXPECT_EQ(read_all(p("b")), "survives");
	// The last name gone, an open fd still reads it, with nlink 0.
	ASSERT_OPEN(fd, p("b").c_str(), O_RDONLY);
	ASSERT_SYS(unlink(p("b").c_str()));
	struct stat st;
	ASSERT_SYS(fstat(fd.get(), &st));
	EXPECT_EQ(st.st_nlink, 0u);
	EXPECT_EQ(read_fd(fd.get()), "survives");
	EXPECT_EQ(list_dir(dir_).size(), 2u);
}

TEST_F(HardLink, ToDirectoryIsEPERM)
{
	ASSERT_SYS(mkdir(p("d").c_str(), 0755));
	EXPECT_ERRNO(link(p("d").c_str(), p("d2").c_str()), EPERM);
	EXPECT_EQ(stat_of(p("d")).st_nlink, 2u);
}

TEST_F(HardLink, ToSymlinkLinksTheSymlink)
{
	ASSERT_SYS(symlink("target", p("l").c_str()));
	ASSERT_SYS(linkat(AT_FDCWD, p("l").c_str(), AT_FDCWD, p("l2").c_str(), 0));
	EXPECT_TRUE(S_ISLNK(lstat_of(p("l2")).st_mode));
	EXPECT_EQ(lstat_of(p("l")).st_nlink, 2u);
	EXPECT_EQ(readlink_of(p("l2")), "target");
}

TEST_F(Symlink, ShortTarget)
{
	make_file(p("target"), "through the link");
	ASSERT_SYS(symlink("target", p("l").c_str()));
	const struct stat ls = lstat_of(p("l"));
	EXPECT_TRUE(S_ISLNK(ls.st_mode)) << std::oct << ls.st_mode;
	EXPECT_EQ(ls.st_size, 6) << "lstat size is the target's length";
	EXPECT_EQ(ls.st_nlink, 1u);
	EXPECT_EQ(ls.st_uid, geteuid());
	EXPECT_EQ(readlink_of(p("l")), "target");
	EXPECT_EQ(stat_of(p("l")).st_ino, stat_of(p("target")).st_ino);
	EXPECT_EQ(read_all(p("l")), "through the link");
	// readlink into a short buffer truncates, without a NUL.
	char buf[4] = {'#', '#', '#', '#'};
	EXPECT_EQ(readlink(p("l").c_str(), buf, 3), 3);
	EXPECT_EQ(std::string(buf, 4), "tar#");
	// A symlink to a directory resolves through it.
	ASSERT_SYS(mkdir(p("d").c_str(), 0755));
	make_file(p("d/f"), "in d");
	ASSERT_SYS(symlink("d", p("ld").c_str()));
	EXPECT_EQ(read_all(p("ld/f")), "in d");
	EXPECT_ERRNO(rmdir(p("ld").c_str()), ENOTDIR);
}

TEST_F(Symlink, Target4000Bytes)
{
	// Components of 9 bytes + '/', 4000 bytes in all, not ending in '/'.
	std::string target;
	while (target.size() < 4000)
		target += "component/";
	target.resize(4000);
	target.back() = 'x';
	ASSERT_SYS(symlink(target.c_str(), p("long").c_str()));
	EXPECT_EQ(lstat_of(p("long")).st_size, 4000);
	const std::string got = readlink_of(p("long"));
	EXPECT_EQ(got.size(), 4000u);
	EXPECT_TRUE(got == target) << "readlink differs from the target";
	// Every length around the inline/out-of-line boundary survives.
	for (std::size_t len : {1u, 59u, 60u, 61u, 127u, 128u, 255u, 256u, 1000u,
				4095u}) {
		const std::string tt(len, 't'), name = p("len" + std::to_string(len));
		ASSERT_SYS(symlink(tt.c_str(), name.c_str()));
		EXPECT_EQ(lstat_of(name).st_size, static_cast<off_t>(len));
		EXPECT_TRUE(readlink_of(name) == tt) << "target of length " << len;
	}
	// The resolution fails (the target does not exist), cleanly.
	struct stat st;
	EXPECT_ERRNO(stat(p("long").c_str(), &st), ENOENT);
}

TEST_F(Symlink, Dangling)
{
	ASSERT_SYS(symlink("nowhere", p("l").c_str()));
	struct stat st;
	EXPECT_TRUE(S_ISLNK(lstat_of(p("l")).st_mode));
	EXPECT_ERRNO(stat(p("l").c_str(), &st), ENOENT);
	EXPECT_ERRNO(open(p("l").c_str(), O_RDONLY), ENOENT);
	EXPECT_EQ(readlink_of(p("l")), "nowhere");
	// O_CREAT through a dangling link creates its target.
	{
		ASSERT_OPEN(fd, p("l").c_str(), O_WRONLY | O_CREAT, 0644);
		ASSERT_SYS(write(fd.get(), "made", 4));
	}
	EXPECT_EQ(read_all(p("nowhere")), "made");
	EXPECT_TRUE(S_ISLNK(lstat_of(p("l")).st_mode));
	// Unlinking the link leaves the target.
	ASSERT_SYS(unlink(p("l").c_str()));
	EXPECT_EQ(read_all(p("nowhere")), "made");
}

TEST_F(Symlink, LoopIsELOOP)
{
	ASSERT_SYS(symlink("b", p("a").c_str()));
	ASSERT_SYS(symlink("a", p("b").c_str()));
	ASSERT_SYS(symlink("self", p("self").c_str()));
	struct stat st;
	EXPECT_ERRNO(stat(p("a").c_str(), &st), ELOOP);
	EXPECT_ERRNO(stat(p("self").c_str(), &st), ELOOP);
	EXPECT_ERRNO(open(p("a").c_str(), O_RDONLY), ELOOP);
	EXPECT_ERRNO(open(p("a/x").c_str(), O_RDONLY), ELOOP);
	// A chain longer than the kernel follows (40 links) is ELOOP too.
	make_file(p("end"), "end");
	std::string prev = "end";
	for (int i = 0; i < 45; i++) {
		const std::string n = "chain" + std::to_string(i);
		ASSERT_SYS(symlink(prev.c_str(), p(n).c_str()));
		prev = n;
	}
	EXPECT_EQ(read_all(p("chain10")), "end");
	EXPECT_ERRNO(stat(p("chain44").c_str(), &st), ELOOP);
	// O_NOFOLLOW on a symlink is ELOOP; lstat still works.
	EXPECT_ERRNO(open(p("chain0").c_str(), O_RDONLY | O_NOFOLLOW), ELOOP);
	EXPECT_TRUE(S_ISLNK(lstat_of(p("a")).st_mode));
}

TEST_F(DirLinks, TwoPlusSubdirectories)
{
	ASSERT_SYS(mkdir(p("d").c_str(), 0755));
	ASSERT_SYS(mkdir(p("e").c_str(), 0755));
	for (int i = 0; i < 5; i++)
		ASSERT_SYS(mkdir(p("d/s" + std::to_string(i)).c_str(), 0755));
	make_file(p("d/f"));
	ASSERT_SYS(symlink("s0", p("d/l").c_str()));
	EXPECT_EQ(stat_of(p("d")).st_nlink, 7u) << "2 + 5 subdirectories";
	ASSERT_SYS(rmdir(p("d/s4").c_str()));
	EXPECT_EQ(stat_of(p("d")).st_nlink, 6u) << "after rmdir";
	ASSERT_SYS(rename(p("d/s3").c_str(), p("e/s3").c_str()));
	EXPECT_EQ(stat_of(p("d")).st_nlink, 5u) << "after moving one out";
	EXPECT_EQ(stat_of(p("e")).st_nlink, 3u) << "after moving one in";
	ASSERT_SYS(rename(p("d/s2").c_str(), p("d/t2").c_str()));
	EXPECT_EQ(stat_of(p("d")).st_nlink, 5u) << "a rename inside changes nothing";
	ASSERT_SYS(rename(p("e/s3").c_str(), p("d/s1").c_str()));
	EXPECT_EQ(stat_of(p("d")).st_nlink, 5u)
		<< "moving one in over an empty subdirectory: one in, one gone";
	EXPECT_EQ(stat_of(p("e")).st_nlink, 2u);
	EXPECT_EQ(stat_of(dir_).st_nlink, 4u);
}
