// SPDX-License-Identifier: GPL-2.0
// rename(2) and renameat2(2): within and across directories, replacing
// files and directories, the errors for impossible renames, and the
// RENAME_NOREPLACE and RENAME_EXCHANGE flags.
#include "nstest.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <unistd.h>

using namespace flashnet::nstest;

namespace {

class Rename : public NsTest {};

// For the first renameat2 call of a test: EINVAL means the file system
// does not know the flag at all.
#define RENAME_FLAGS_SUPPORTED(r, flag)                                          \
	do {                                                                     \
		if ((r) == -1 && errno == EINVAL) {                              \
			if (settings().allow_no_renameat2_flags)                 \
				GTEST_SKIP() << "renameat2 " #flag               \
					" is not supported by this file system " \
					"(EINVAL); skipped because of "          \
					"--allow-no-renameat2-flags";            \
			FAIL() << "renameat2 " #flag " returned EINVAL: the "    \
				  "file system does not support the flag "       \
				  "(pass --allow-no-renameat2-flags to accept "  \
				  "that)";                                       \
		}                                                                \
	} while (0)

} // namespace

TEST_F(Rename, FileInSameDirectory)
{
	make_file(p("a"), "alpha");
	const ino_t ino = stat_of(p("a")).st_ino;
	ASSERT_SYS(rename(p("a").c_str(), p("b").c_str()));
	struct stat st;
	EXPECT_ERRNO(stat(p("a").c_str(), &st), ENOENT);
	EXPECT_EQ(stat_of(p("b")).st_ino, ino);
	EXPECT_EQ(stat_of(p("b")).st_nlink, 1u);
	EXPECT_EQ(read_all(p("b")), "alpha");
	EXPECT_EQ(list_dir(dir_).size(), 3u);
}

TEST_F(Rename, FileAcrossDirectories)
{
	ASSERT_SYS(mkdir(p("d1").c_str(), 0755));
	ASSERT_SYS(mkdir(p("d2").c_str(), 0755));
	make_file(p("d1/f"), "data");
	const ino_t ino = stat_of(p("d1/f")).st_ino;
	ASSERT_SYS(rename(p("d1/f").c_str(), p("d2/g").c_str()));
	struct stat st;
	EXPECT_ERRNO(stat(p("d1/f").c_str(), &st), ENOENT);
	EXPECT_EQ(stat_of(p("d2/g")).st_ino, ino);
	EXPECT_EQ(read_all(p("d2/g")), "data");
	// Files do not change directory link counts.
	EXPECT_EQ(stat_of(p("d1")).st_nlink, 2u);
	EXPECT_EQ(stat_of(p("d2")).st_nlink, 2u);
}

TEST_F(Rename, DirectoryAcrossDirectoriesMovesDotDot)
{
	ASSERT_SYS(mkdir(p("d1").c_str(), 0755));
	ASSERT_SYS(mkdir(p("d2").c_str(), 0755));
	ASSERT_SYS(mkdir(p("d1/sub").c_str(), 0755));
	make_file(p("d1/sub/f"), "inside");
	EXPECT_EQ(stat_of(p("d1")).st_nlink, 3u);
	ASSERT_SYS(rename(p("d1/sub").c_str(), p("d2/moved").c_str()));
	EXPECT_EQ(stat_of(p("d1")).st_nlink, 2u);
	EXPECT_EQ(stat_of(p("d2")).st_nlink, 3u);
	EXPECT_EQ(stat_of(p("d2/moved")).st_nlink, 2u);
	EXPECT_EQ(stat_of(p("d2/moved/..")).st_ino, stat_of(p("d2")).st_ino)
		<< "'..' of a moved directory is its new parent";
	EXPECT_EQ(read_all(p("d2/moved/f")), "inside");
}

TEST_F(Rename, OverFileReplacesItAndOpenTargetSurvives)
{
	make_file(p("a"), "new contents");
	make_file(p("b"), "old contents");
	const ino_t ino_a = stat_of(p("a")).st_ino;
	ASSERT_OPEN(old, p("b").c_str(), O_RDONLY);
	ASSERT_SYS(rename(p("a").c_str(), p("b").c_str()));
	struct stat st;
	EXPECT_ERRNO(stat(p("a").c_str(), &st), ENOENT);
	EXPECT_EQ(stat_of(p("b")).st_ino, ino_a);
	EXPECT_EQ(read_all(p("b")), "new contents");
	// The replaced inode lives on while open, with no name.
	ASSERT_SYS(fstat(old.get(), &st));
	EXPECT_EQ(st.st_nlink, 0u);
	EXPECT_NE(st.st_ino, ino_a);
	EXPECT_EQ(read_fd(old.get()), "old contents");
	EXPECT_EQ(list_dir(dir_).size(), 3u);
}

TEST_F(Rename, DirOverEmptyDir)
{
	ASSERT_SYS(mkdir(p("d1").c_str(), 0755));
	ASSERT_SYS(mkdir(p("d2").c_str(), 0755));
	make_file(p("d1/f"), "x");
	EXPECT_EQ(stat_of(dir_).st_nlink, 4u);
	const ino_t ino = stat_of(p("d1")).st_ino;
	ASSERT_OPEN(victim, p("d2").c_str(), O_RDONLY | O_DIRECTORY);
	ASSERT_SYS(rename(p("d1").c_str(), p("d2").c_str()));
	struct stat st;
	EXPECT_ERRNO(stat(p("d1").c_str(), &st), ENOENT);
	EXPECT_EQ(stat_of(p("d2")).st_ino, ino);
	EXPECT_EQ(read_all(p("d2/f")), "x");
	EXPECT_EQ(stat_of(dir_).st_nlink, 3u);
	ASSERT_SYS(fstat(victim.get(), &st));
	EXPECT_EQ(st.st_nlink, 0u) << "the replaced directory is gone";
}

TEST_F(Rename, DirOverNonEmptyDirIsENOTEMPTY)
{
	ASSERT_SYS(mkdir(p("d1").c_str(), 0755));
	ASSERT_SYS(mkdir(p("d2").c_str(), 0755));
	make_file(p("d2/f"));
	EXPECT_ERRNO(rename(p("d1").c_str(), p("d2").c_str()), ENOTEMPTY);
	EXPECT_TRUE(S_ISDIR(stat_of(p("d1")).st_mode));
	EXPECT_TRUE(S_ISREG(stat_of(p("d2/f")).st_mode));
}

TEST_F(Rename, DirOverFileIsENOTDIR)
{
	ASSERT_SYS(mkdir(p("d").c_str(), 0755));
	make_file(p("f"), "file");
	EXPECT_ERRNO(rename(p("d").c_str(), p("f").c_str()), ENOTDIR);
	EXPECT_EQ(read_all(p("f")), "file");
	EXPECT_TRUE(S_ISDIR(stat_of(p("d")).st_mode));
}

TEST_F(Rename, FileOverDirIsEISDIR)
{
	ASSERT_SYS(mkdir(p("d").c_str(), 0755));
	make_file(p("f"), "file");
	EXPECT_ERRNO(rename(p("f").c_str(), p("d").c_str()), EISDIR);
	EXPECT_EQ(read_all(p("f")), "file");
	EXPECT_TRUE(S_ISDIR(stat_of(p("d")).st_mode));
}

TEST_F(Rename, DirIntoItsOwnSubdirIsEINVAL)
{
	ASSERT_SYS(mkdir(p("d").c_str(), 0755));
	ASSERT_SYS(mkdir(p("d/sub").c_str(), 0755));
	EXPECT_ERRNO(rename(p("d").c_str(), p("d/x").c_str()), EINVAL);
	EXPECT_ERRNO(rename(p("d").c_str(), p("d/sub/x").c_str()), EINVAL);
	EXPECT_TRUE(S_ISDIR(stat_of(p("d/sub")).st_mode));
	EXPECT_EQ(stat_of(p("d")).st_nlink, 3u);
}

TEST_F(Rename, ToItselfChangesNothing)
{
	make_file(p("f"), "same");
	ASSERT_SYS(mkdir(p("d").c_str(), 0755));
	const ino_t ino = stat_of(p("f")).st_ino;
	ASSERT_SYS(rename(p("f").c_str(), p("f").c_str()));
	ASSERT_SYS(rename(p("d").c_str(), p("d").c_str()));
	EXPECT_EQ(stat_of(p("f")).st_ino, ino);
	EXPECT_EQ(stat_of(p("f")).st_nlink, 1u);
	EXPECT_EQ(read_all(p("f")), "same");
	EXPECT_EQ(stat_of(dir_).st_nlink, 3u);
}

TEST_F(Rename, HardLinkOntoAnotherLinkOfTheSameInode)
{
	// POSIX: both names refer to the same file, so rename does nothing.
	make_file(p("a"), "one inode");
	ASSERT_SYS(link(p("a").c_str(), p("b").c_str()));
	ASSERT_SYS(rename(p("a").c_str(), p("b").c_str()));
	EXPECT_EQ(stat_of(p("a")).st_ino, stat_of(p("b")).st_ino);
	EXPECT_EQ(stat_of(p("b")).st_nlink, 2u);
	EXPECT_EQ(read_all(p("a")), "one inode");
}

TEST_F(Rename, NoReplace)
{
	make_file(p("a"), "a");
	make_file(p("b"), "b");
	errno = 0;
	const int r = rename2(p("a"), p("b"), RENAME_NOREPLACE);
	RENAME_FLAGS_SUPPORTED(r, RENAME_NOREPLACE);
	EXPECT_TRUE(r == -1 && errno == EEXIST)
		<< "renameat2(a, b, RENAME_NOREPLACE) onto an existing b: "
		<< r << " " << errno_name(errno) << ", expected EEXIST";
	EXPECT_EQ(read_all(p("a")), "a");
	EXPECT_EQ(read_all(p("b")), "b");
	ASSERT_SYS(rename2(p("a"), p("c"), RENAME_NOREPLACE));
	struct stat st;
	EXPECT_ERRNO(stat(p("a").c_str(), &st), ENOENT);
	EXPECT_EQ(read_all(p("c")), "a");
	// Directories too.
	ASSERT_SYS(mkdir(p("d").c_str(), 0755));
	EXPECT_ERRNO(rename2(p("c"), p("d"), RENAME_NOREPLACE), EEXIST);
}

TEST_F(Rename, ExchangeTwoFiles)
{
	make_file(p("a"), "first");
	make_file(p("b"), "second");
	const ino_t ia = stat_of(p("a")).st_ino, ib = stat_of(p("b")).st_ino;
	errno = 0;
	const int r = rename2(p("a"), p("b"), RENAME_EXCHANGE);
	RENAME_FLAGS_SUPPORTED(r, RENAME_EXCHANGE);
	ASSERT_EQ(r, 0) << errno_text(errno);
	EXPECT_EQ(stat_of(p("a")).st_ino, ib);
	EXPECT_EQ(stat_of(p("b")).st_ino, ia);
	EXPECT_EQ(read_all(p("a")), "second");
	EXPECT_EQ(read_all(p("b")), "first");
	EXPECT_ERRNO(rename2(p("a"), p("missing"), RENAME_EXCHANGE), ENOENT);
	EXPECT_ERRNO(rename2(p("a"), p("b"), RENAME_EXCHANGE | RENAME_NOREPLACE),
		     EINVAL);
}

TEST_F(Rename, ExchangeFileAndDirectoryAcrossDirectories)
{
	ASSERT_SYS(mkdir(p("d1").c_str(), 0755));
	ASSERT_SYS(mkdir(p("d2").c_str(), 0755));
	ASSERT_SYS(mkdir(p("d1/sub").c_str(), 0755));
	make_file(p("d1/sub/in"), "in sub");
	make_file(p("d2/f"), "file");
	const ino_t isub = stat_of(p("d1/sub")).st_ino;
	const ino_t ifile = stat_of(p("d2/f")).st_ino;
	errno = 0;
	const int r = rename2(p("d1/sub"), p("d2/f"), RENAME_EXCHANGE);
	RENAME_FLAGS_SUPPORTED(r, RENAME_EXCHANGE);
	ASSERT_EQ(r, 0) << errno_text(errno);
	EXPECT_EQ(stat_of(p("d1/sub")).st_ino, ifile);
	EXPECT_TRUE(S_ISREG(stat_of(p("d1/sub")).st_mode));
	EXPECT_EQ(stat_of(p("d2/f")).st_ino, isub);
	EXPECT_TRUE(S_ISDIR(stat_of(p("d2/f")).st_mode));
	EXPECT_EQ(read_all(p("d2/f/in")), "in sub");
	EXPECT_EQ(read_all(p("d1/sub")), "file");
	// The directory changed parents: link counts and "..".
	EXPECT_EQ(stat_of(p("d1")).st_nlink, 2u);
	EXPECT_EQ(stat_of(p("d2")).st_nlink, 3u);
	EXPECT_EQ(stat_of(p("d2/f/..")).st_ino, stat_of(p("d2")).st_ino);
}
