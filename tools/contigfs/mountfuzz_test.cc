// SPDX-License-Identifier: GPL-2.0
// contigfs-mountfuzz's host-testable parts: the tree walk and changes on an
// ordinary directory, and how a seed's outcome is judged and tallied.
#include "mountfuzz.h"
#include "test_util.h"

#include <cerrno>
#include <fstream>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace flashnet::contigfs::mountfuzz;
using flashnet::contigfs::test::TempDir;

namespace {

void put(const std::string &path, std::size_t size)
{
	std::ofstream(path) << std::string(size, 'x');
}

// root/a (dir), root/a/f (5000 B), root/g (10 B), root/s -> a, root/p fifo
std::string small_tree(const TempDir &dir)
{
	const std::string root = dir / "root";
	mkdir(root.c_str(), 0755);
	mkdir((root + "/a").c_str(), 0755);
	put(root + "/a/f", 5000);
	put(root + "/g", 10);
	symlink("a", (root + "/s").c_str());
	mkfifo((root + "/p").c_str(), 0644);
	return root;
}

SeedOutcome clean_mounted()
{
	SeedOutcome o;
	o.fsck_before = 0;
	o.fsck_after = 0;
	return o;
}

SeedOutcome corrupt_mounted()
{
	SeedOutcome o;
	o.fsck_before = 4;
	return o;
}

} // namespace

TEST(MountFuzzWalk, ReadsEverythingWithoutFollowingLinks)
{
	TempDir dir;
	const std::string root = small_tree(dir);
	std::vector<std::string> files;
	const TreeResult r = walk_tree(root, &files);
	EXPECT_EQ(r.entries, 5u);
	EXPECT_EQ(r.bytes, 5010u);
	EXPECT_EQ(r.error_count(), 0u) << r.first_error;
	std::sort(files.begin(), files.end());
	EXPECT_EQ(files, (std::vector<std::string>{root + "/a/f", root + "/g"}));
}

TEST(MountFuzzWalk, CountsErrors)
{
	TempDir dir;
	const TreeResult r = walk_tree(dir / "missing");
	EXPECT_EQ(r.error_count(), 1u);
	EXPECT_EQ(r.errors.at(ENOENT), 1u);
	EXPECT_NE(r.first_error.find("opendir"), std::string::npos);
}

TEST(MountFuzzChange, LeavesTheTreeAsItWas)
{
	TempDir dir;
	const std::string root = small_tree(dir);
	std::vector<std::string> files;
	walk_tree(root, &files);
	const TreeResult r = change_tree(root, files);
	EXPECT_EQ(r.error_count(), 0u) << r.first_error;
	EXPECT_EQ(r.bytes, 3 * 4096u + 100);
	const TreeResult after = walk_tree(root);
	EXPECT_EQ(after.entries, 5u);
	EXPECT_EQ(after.bytes, 5010u) << "grown files were truncated back";
}

TEST(MountFuzzChange, ReportsWhatFails)
{
	TempDir dir;
	const std::string root = small_tree(dir);
	mkdir((root + "/mountfuzz.d").c_str(), 0755);	// in the way
	const TreeResult r = change_tree(root, {root + "/nonexistent"});
	EXPECT_EQ(r.errors.at(EEXIST), 1u);
	EXPECT_EQ(r.errors.count(ENOENT), 0u) << "stops at the failed mkdir";
}

TEST(MountFuzzJudge, CleanFileSystemMustWorkThroughout)
{
	EXPECT_EQ(judge(clean_mounted()), "");

	SeedOutcome o = clean_mounted();
	o.mount_errno = EUCLEAN;
	o.kernel_lines = {"contigfs (dm-0): superblock checksum mismatch"};
	EXPECT_NE(judge(o).find("clean but mount said"), std::string::npos);

	o = clean_mounted();
	o.walk.fail("read /mnt/f", EIO);
	EXPECT_NE(judge(o).find("the walk met EIO x1"), std::string::npos) << judge(o);

	o = clean_mounted();
	o.change.fail("write /mnt/x", ENOSPC);
	EXPECT_NE(judge(o).find("changing it met ENOSPC"), std::string::npos);

	o = clean_mounted();
	o.fsck_after = 4;
	EXPECT_NE(judge(o).find("fsck -n exit 4 after"), std::string::npos);

	o = clean_mounted();
	o.umount_errno = EBUSY;
	EXPECT_NE(judge(o).find("umount failed"), std::string::npos);
}

TEST(MountFuzzJudge, CorruptFileSystemRefusedOrFailingCleanly)
{
	SeedOutcome o = corrupt_mounted();
	o.mount_errno = EUCLEAN;
	EXPECT_NE(judge(o).find("without a contigfs message"), std::string::npos);
	o.kernel_lines = {"contigfs (dm-0): inode 5: bad mode"};
	EXPECT_EQ(judge(o), "");

	o = corrupt_mounted();
	EXPECT_EQ(judge(o), "") << "mounted, nothing met: counted, not failed";
	o.walk.fail("lstat /mnt/a", EUCLEAN);
	o.change.fail("grow /mnt/f", ENOSPC);
	o.change.fail("mkdir /mnt/d", EROFS);
	EXPECT_EQ(judge(o), "");
	o.walk.fail("lstat /mnt/b", ENOENT);
	EXPECT_NE(judge(o).find("the walk met ENOENT x1, EUCLEAN x1"), std::string::npos)
		<< judge(o);

	o = corrupt_mounted();
	o.walk.fail("read /mnt/a", ENOSPC);
	EXPECT_NE(judge(o), "") << "ENOSPC is no answer to a read";

	o = corrupt_mounted();
	o.change.fail("read back /mnt/x (different data)", EBADMSG);
	EXPECT_NE(judge(o), "");
}

TEST(MountFuzzJudge, UnknownReadOnlyFeaturesRefuseReadWrite)
{
	SeedOutcome o = clean_mounted();
	o.ro_features = true;
	EXPECT_NE(judge(o).find("despite unknown read-only features"), std::string::npos);
	o.mount_errno = EINVAL;
	EXPECT_NE(judge(o).find("without a contigfs message"), std::string::npos);
	o.kernel_lines = {"contigfs (dm-0): unknown read-only features: mount read-only"};
	EXPECT_EQ(judge(o), "");
}

TEST(MountFuzzTally, Summary)
{
	Tally t;
	t.add(clean_mounted(), true);
	SeedOutcome refused = corrupt_mounted();
	refused.mount_errno = EUCLEAN;
	t.add(refused, true);
	t.add(refused, true);
	refused.mount_errno = EINVAL;
	t.add(refused, true);
	SeedOutcome found = corrupt_mounted();
	found.walk.fail("x", EUCLEAN);
	t.add(found, true);
	t.add(corrupt_mounted(), false);
	EXPECT_EQ(t.summary(),
		  "mountfuzz: 6 seeds, 1 failed; fsck clean 1; fsck found problems 5: "
		  "mount refused 3 (EINVAL x1, EUCLEAN x2), mounted and an error met "
		  "later 1, mounted and no error met 1");
}
