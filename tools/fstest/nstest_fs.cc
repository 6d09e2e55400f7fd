// SPDX-License-Identifier: GPL-2.0
// The file system as a whole: statfs and the sync calls.
#include "nstest.h"

#include <fcntl.h>
#include <sstream>
#include <sys/statfs.h>
#include <unistd.h>

using namespace flashnet::nstest;

namespace {

class Statfs : public NsTest {};
class Sync : public NsTest {};

struct statfs statfs_of(const std::string &path)
{
	struct statfs sf = {};
	if (statfs(path.c_str(), &sf) < 0)
		ADD_FAILURE() << "statfs " << path << ": " << errno_text(errno);
	return sf;
}

} // namespace

TEST_F(Statfs, BlockSizeAndNameLength)
{
	const struct statfs sf = statfs_of(dir_);
	EXPECT_EQ(sf.f_bsize, 4096) << "f_bsize";
	EXPECT_EQ(sf.f_namelen, 255) << "f_namelen";
	EXPECT_LE(sf.f_bfree, sf.f_blocks);
	EXPECT_LE(sf.f_bavail, sf.f_bfree);
	EXPECT_LE(sf.f_ffree, sf.f_files);
	EXPECT_GT(sf.f_blocks, 0u) << "a file system of no blocks";
}

TEST_F(Statfs, FreeBlocksFollowWriteAndUnlink)
{
	// Writing 8 MiB must take at least 3/4 of it from f_bfree, unlinking
	// must give that much back. Other users of the file system can move
	// the numbers: up to three tries.
	constexpr std::uint64_t kBytes = 8 << 20;
	constexpr std::uint64_t kSlack = kBytes / 4;
	std::string chunk(1 << 20, '\0');
	for (std::size_t i = 0; i < chunk.size(); i++)
		chunk[i] = static_cast<char>(i * 131 + 7);	// not zero: no holes
	std::ostringstream tries;
	for (int attempt = 1; attempt <= 3; attempt++) {
		ASSERT_OPEN(dfd, dir_.c_str(), O_RDONLY | O_DIRECTORY);
		ASSERT_SYS(syncfs(dfd.get()));
		const struct statfs before = statfs_of(dir_);
		const std::uint64_t unit = before.f_frsize ? before.f_frsize
							   : before.f_bsize;
		{
			ASSERT_OPEN(fd, p("big").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
			for (std::uint64_t done = 0; done < kBytes; done += chunk.size())
				ASSERT_EQ(write(fd.get(), chunk.data(), chunk.size()),
					  static_cast<ssize_t>(chunk.size()))
					<< errno_text(errno);
			ASSERT_SYS(fsync(fd.get()));
		}
		const struct statfs full = statfs_of(dir_);
		ASSERT_SYS(unlink(p("big").c_str()));
		ASSERT_SYS(syncfs(dfd.get()));
		const struct statfs after = statfs_of(dir_);
		const auto used = (static_cast<std::int64_t>(before.f_bfree) -
				   static_cast<std::int64_t>(full.f_bfree)) *
				  static_cast<std::int64_t>(unit);
		const auto freed = (static_cast<std::int64_t>(after.f_bfree) -
				    static_cast<std::int64_t>(full.f_bfree)) *
				   static_cast<std::int64_t>(unit);
		tries << "\n  try " << attempt << ": block " << unit
		      << " bytes; f_bfree " << before.f_bfree << " before, "
		      << full.f_bfree << " after writing " << kBytes
		      << " bytes + fsync (" << used << " bytes used), "
		      << after.f_bfree << " after unlink + syncfs (" << freed
		      << " bytes freed); f_blocks " << before.f_blocks;
		if (used >= static_cast<std::int64_t>(kBytes - kSlack) &&
		    freed >= static_cast<std::int64_t>(kBytes - kSlack))
			return;
	}
	ADD_FAILURE() << "f_bfree did not follow an 8 MiB write and its unlink "
			 "(need at least 6 MiB each way):"
		      << tries.str();
}

TEST_F(Sync, FsyncFdatasyncSyncfsReturnZero)
{
	make_file(p("f"), "some data");
	ASSERT_OPEN(fd, p("f").c_str(), O_RDWR);
	ASSERT_SYS(pwrite(fd.get(), "more", 4, 100));
	EXPECT_EQ(fsync(fd.get()), 0) << errno_text(errno);
	EXPECT_EQ(fdatasync(fd.get()), 0) << errno_text(errno);
	EXPECT_EQ(syncfs(fd.get()), 0) << errno_text(errno);
	ASSERT_OPEN(dfd, dir_.c_str(), O_RDONLY | O_DIRECTORY);
	EXPECT_EQ(fsync(dfd.get()), 0) << "fsync of a directory: " << errno_text(errno);
	EXPECT_EQ(fdatasync(dfd.get()), 0) << errno_text(errno);
	EXPECT_EQ(syncfs(dfd.get()), 0) << errno_text(errno);
	// Read-only descriptors may be synced too.
	ASSERT_OPEN(ro, p("f").c_str(), O_RDONLY);
	EXPECT_EQ(fsync(ro.get()), 0) << errno_text(errno);
	EXPECT_EQ(read_all(p("f")).size(), 104u);
}
