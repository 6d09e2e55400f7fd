// SPDX-License-Identifier: GPL-2.0
#include "buddy.h"
#include "journal.h"
#include "test_util.h"

#include <functional>
#include <gtest/gtest.h>
#include <sys/stat.h>

using namespace flashnet::contigfs;
using namespace flashnet::contigfs::test;

namespace {

using T = Tree;

void patch_inode(Builder &b, std::uint64_t ino,
		 const std::function<void(contigfs_inode &)> &fn, bool reseal = true)
{
	contigfs_inode i = read_inode(b.image(), b.layout(), ino);
	fn(i);
	write_inode(b.image(), b.layout(), ino, i, reseal);
}

void patch_page(Builder &b, std::uint64_t lba,
		const std::function<void(std::vector<std::uint8_t> &)> &fn)
{
	std::vector<std::uint8_t> p = read_page(b.image(), lba);
	fn(p);
	write_page(b.image(), lba, p);
}

// A directory record: 0 d_ino, 8 d_rec_len, 10 d_name_len, 11 d_type, 12 name.
void patch_dirent(Builder &b, const std::string &dir, const std::string &name,
		  const std::function<void(std::uint8_t *)> &fn)
{
	const Location loc = b.dirent_location(dir, name);
	patch_page(b, loc.lba, [&](std::vector<std::uint8_t> &p) { fn(p.data() + loc.offset); });
}

void set_ino(std::uint8_t *rec, std::uint64_t ino)
{
	std::memcpy(rec, &ino, 8);
}

void set_rec_len(std::uint8_t *rec, std::uint16_t len)
{
	std::memcpy(rec + 8, &len, 2);
}

std::uint16_t rec_len(const std::uint8_t *rec)
{
	std::uint16_t v;
	std::memcpy(&v, rec + 8, 2);
	return v;
}

void flip_bit(Builder &b, std::uint64_t area_start, std::uint64_t bit)
{
	patch_page(b, area_start + bit / kBitsPerPage, [&](std::vector<std::uint8_t> &p) {
		p[(bit % kBitsPerPage) / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
	});
}

std::uint64_t bit_of(const Zone &z, unsigned order, std::uint64_t block)
{
	return z.order_offset(order) + block;
}

struct Case {
	const char *name;
	std::function<void(Builder &)> corrupt;
	std::string expect;	// a substring of one problem line
};

void PrintTo(const Case &c, std::ostream *o)
{
	*o << c.name;
}

const Case kRepairable[] = {
	// ---- inodes ----
	{"InodeBadCrc",
	 [](Builder &b) { patch_inode(b, T::g, [](auto &i) { i.i_mtime++; }, false); },
	 "inode 9: bad crc (i_crc 0x"},
	{"InodeModeWithoutType",
	 [](Builder &b) { patch_inode(b, T::g, [](auto &i) { i.i_mode = 0170644; }); },
	 "inode 9: i_mode 0170644 names no file type"},
	{"InodeNlinkZero",
	 [](Builder &b) { patch_inode(b, T::g, [](auto &i) { i.i_nlink = 0; }); },
	 "inode 9 (regular file, 12288 bytes): i_nlink 0, expected 1 (directory entries)"},
	{"HardLinkedFileNlink",
	 [](Builder &b) { patch_inode(b, T::f, [](auto &i) { i.i_nlink = 1; }); },
	 "inode 4 (regular file, 10000 bytes): i_nlink 1, expected 2"},
	{"DirectoryNlink",
	 [](Builder &b) { patch_inode(b, T::d, [](auto &i) { i.i_nlink = 5; }); },
	 "inode 2 (directory): i_nlink 5, expected 3 (2 + 1 subdirectories)"},
	{"RootNlink",
	 [](Builder &b) { patch_inode(b, T::root, [](auto &i) { i.i_nlink = 2; }); },
	 "inode 1 (directory): i_nlink 2, expected 3"},
	{"BlockPastZone",
	 [](Builder &b) {
		 const std::uint64_t p = b.layout().data.pages;
		 patch_inode(b, T::g, [p](auto &i) { i.i_start = p; });
	 },
	 "inode 9: block [6144, 6148) (i_start, i_order) extends past the data zone (6144 pages)"},
	{"BlockMisaligned",
	 [](Builder &b) { patch_inode(b, T::g, [](auto &i) { i.i_start += 1; }); },
	 "is not a multiple of 4 (order 2)"},
	{"OrderAboveZoneMax",
	 [](Builder &b) { patch_inode(b, T::g, [](auto &i) { i.i_order = 13; }); },
	 "inode 9: i_order 13 exceeds the data zone's largest order 12"},
	{"OrderNotAnOrder",
	 [](Builder &b) { patch_inode(b, T::g, [](auto &i) { i.i_order = 100; }); },
	 "inode 9: i_order 100 is neither a block order (0..40) nor 255 (no block)"},
	{"SizePastCapacity",
	 [](Builder &b) { patch_inode(b, T::g, [](auto &i) { i.i_size = 16385; }); },
	 "inode 9: i_size 16385 exceeds the block's capacity 16384"},
	{"DirectorySizeNotPages",
	 [](Builder &b) { patch_inode(b, T::e, [](auto &i) { i.i_size = 100; }); },
	 "inode 3: directory i_size 100 is not a multiple of 4096"},
	{"DirectoryWithoutBlock",
	 [](Builder &b) { patch_inode(b, T::e, [](auto &i) { i.i_order = CONTIGFS_NO_BLOCK; }); },
	 "inode 3: directory of 4096 bytes has no block (i_order 255)"},
	{"DirectoryPastMetaZone",
	 [](Builder &b) { patch_inode(b, T::e, [](auto &i) { i.i_start = 1024; }); },
	 "inode 3: block [1024, 1025) (i_start, i_order) extends past the meta zone (1024 pages)"},
	{"InlineSymlinkWithBlock",
	 [](Builder &b) { patch_inode(b, T::s, [](auto &i) { i.i_order = 0; }); },
	 "inode 5: inline symlink (i_size 6 < 128) has a block (i_order 0)"},
	{"InlineSymlinkNul",
	 [](Builder &b) { patch_inode(b, T::s, [](auto &i) { i.i_symlink[2] = 0; }); },
	 "inode 5: inline symlink target has a NUL byte at offset 2"},
	{"SymlinkEmpty",
	 [](Builder &b) { patch_inode(b, T::s, [](auto &i) { i.i_size = 0; }); },
	 "inode 5: symlink with an empty target (i_size 0)"},
	{"SymlinkTooLong",
	 [](Builder &b) { patch_inode(b, T::l, [](auto &i) { i.i_size = 5000; }); },
	 "inode 6: symlink i_size 5000 exceeds 4095"},
	{"LongSymlinkWithoutBlock",
	 [](Builder &b) { patch_inode(b, T::l, [](auto &i) { i.i_order = CONTIGFS_NO_BLOCK; }); },
	 "inode 6: symlink of 200 bytes has no block"},
	{"LongSymlinkBlockOrder",
	 [](Builder &b) { patch_inode(b, T::l, [](auto &i) { i.i_order = 1; }); },
	 "inode 6: symlink block has i_order 1, not 0"},
	{"LongSymlinkNul",
	 [](Builder &b) {
		 patch_page(b, b.block_lba(T::l), [](auto &p) { p[10] = 0; });
	 },
	 "has a NUL byte at offset 10"},
	{"FileSizeWithoutBlock",
	 [](Builder &b) { patch_inode(b, T::z, [](auto &i) { i.i_size = 10; }); },
	 "inode 8: regular file of 10 bytes has no block (i_order 255)"},
	{"FifoWithBlock",
	 [](Builder &b) { patch_inode(b, T::p, [](auto &i) { i.i_order = 0; }); },
	 "inode 7: fifo has a block (i_order 0)"},
	{"DeviceWithSize",
	 [](Builder &b) { patch_inode(b, T::c, [](auto &i) { i.i_size = 5; }); },
	 "inode 10: character device has i_size 5, not 0"},
	{"MovingWithoutBlock",
	 [](Builder &b) {
		 patch_inode(b, T::z, [](auto &i) { i.i_flags = CONTIGFS_INODE_MOVING; });
	 },
	 "inode 8: i_flags has CONTIGFS_INODE_MOVING but there is no block"},
	{"MovingSourceMisaligned",
	 [](Builder &b) {
		 patch_inode(b, T::g, [](auto &i) {
			 i.i_flags = CONTIGFS_INODE_MOVING;
			 i.i_old_start = 1;
			 i.i_old_order = 2;
		 });
	 },
	 "inode 9: move source: i_old_start 1 is not a multiple of 4 (order 2)"},
	{"UnknownFlags",
	 [](Builder &b) { patch_inode(b, T::g, [](auto &i) { i.i_flags = 0x8; }); },
	 "inode 9: unknown i_flags bits 0x8"},
	{"InodeZeroUsed",
	 [](Builder &b) { patch_inode(b, 0, [](auto &i) { i.i_mode = S_IFREG; }, false); },
	 "inode 0: slot is not zero (inode 0 is never used)"},
	// ---- inode bitmap ----
	{"InodeBitClear",
	 [](Builder &b) { flip_bit(b, b.layout().ibitmap_start, T::f); },
	 "inode bitmap: inode 4 is in use but its bit is clear"},
	{"InodeBitSetForFree",
	 [](Builder &b) { flip_bit(b, b.layout().ibitmap_start, 100); },
	 "inode bitmap: bit 100 is set but inode 100 is free"},
	{"InodeBitZeroClear",
	 [](Builder &b) { flip_bit(b, b.layout().ibitmap_start, 0); },
	 "inode bitmap: bit 0 (inode 0, reserved: always set) is clear"},
	{"InodeBitBeyondCount",
	 [](Builder &b) { flip_bit(b, b.layout().ibitmap_start, 1024); },
	 "inode bitmap: bit 1024 beyond the inode count 1024 is set"},
	// ---- directory records ----
	{"RecLenNotMultipleOf8",
	 [](Builder &b) { patch_dirent(b, "/d", "e", [](auto *r) { set_rec_len(r, 17); }); },
	 "directory 2 block 0 offset 0: d_rec_len 17 is not a multiple of 8"},
	{"RecLenBelowSmallest",
	 [](Builder &b) { patch_dirent(b, "/d", "e", [](auto *r) { set_rec_len(r, 8); }); },
	 "directory 2 block 0 offset 0: d_rec_len 8 is below 16, the smallest record"},
	{"RecLenCrossesBlockEnd",
	 [](Builder &b) { patch_dirent(b, "/d", "f", [](auto *r) { set_rec_len(r, 4096); }); },
	 "directory 2 block 0 offset 16: d_rec_len 4096 crosses the block end (4080 bytes left)"},
	{"RecLenShortOfTheEnd",
	 [](Builder &b) {
		 patch_dirent(b, "/d", "f", [](auto *r) { set_rec_len(r, rec_len(r) - 8); });
	 },
	 "directory 2 block 0 offset 4088: only 8 bytes left, too few for a record; the "
	 "records from here to the block end cannot be read"},
	{"DirectoryBlockZero",
	 [](Builder &b) {
		 patch_page(b, b.block_lba(T::d), [](auto &p) { std::fill(p.begin(), p.end(), 0); });
	 },
	 "directory 2 block 0 offset 0: d_rec_len 0 is below 16, the smallest record"},
	{"DirectoryPagePastSize",
	 [](Builder &b) {
		 // /d holds 1 page in an order-0 block; give it 2 pages of
		 // block and leave garbage in the second.
		 const std::uint64_t lba = b.block_lba(T::d);
		 patch_inode(b, T::d, [](auto &i) {
			 i.i_start = 8;
			 i.i_order = 1;
		 });
		 std::vector<std::uint8_t> page = read_page(b.image(), lba);
		 write_page(b.image(), b.layout().meta.start + 8, page);
		 write_page(b.image(), b.layout().meta.start + 9, page);
		 // Move the bitmaps along: free page 2, take 8..9.
		 const Zone &z = b.layout().meta;
		 std::vector<Block> used;
		 for (std::uint64_t ino : {T::root, T::e, T::l}) {
			 const contigfs_inode i = b.inode(ino);
			 used.push_back({i.i_start, i.i_order});
		 }
		 used.push_back({8, 1});
		 std::vector<std::uint8_t> area(z.bitmap_pages * kPageSize);
		 for (std::uint64_t bit : canonical_bits(z, used))
			 set_bit(area.data(), bit);
		 write_page(b.image(), z.bitmap_start, area);
	 },
	 "directory 2 block 1 (LBA 777): past i_size 4096 but not zero"},
	{"RecLenBelowNameLength",
	 [](Builder &b) { patch_dirent(b, "/", "d", [](auto *r) { r[10] = 10; }); },
	 "directory 1 block 0 offset 0 entry 'd\\x00\\x00\\x00': d_rec_len 16 is below 24, "
	 "the length of a record with a 10-byte name"},
	{"NameLenZero",
	 [](Builder &b) { patch_dirent(b, "/", "s", [](auto *r) { r[10] = 0; }); },
	 "directory 1 block 0 offset 16 entry '': d_name_len is 0"},
	{"NameWithSlash",
	 [](Builder &b) { patch_dirent(b, "/", "s", [](auto *r) { r[12] = '/'; }); },
	 "directory 1 block 0 offset 16 entry '/': name contains '/'"},
	{"NameWithNul",
	 [](Builder &b) { patch_dirent(b, "/", "s", [](auto *r) { r[12] = 0; }); },
	 "directory 1 block 0 offset 16 entry '\\x00': name contains a NUL byte"},
	{"NameDot",
	 [](Builder &b) { patch_dirent(b, "/", "s", [](auto *r) { r[12] = '.'; }); },
	 "entry '.': name '.' is implied and never stored"},
	{"NameDotDot",
	 [](Builder &b) {
		 patch_dirent(b, "/d", "e", [](auto *r) {
			 r[10] = 2;
			 r[12] = r[13] = '.';
		 });
	 },
	 "directory 2 block 0 offset 0 entry '..': name '..' is implied and never stored"},
	{"DuplicateName",
	 [](Builder &b) { patch_dirent(b, "/", "l", [](auto *r) { r[12] = 's'; }); },
	 "directory 1 block 0 offset 32 entry 's': duplicate name (first at directory 1 "
	 "block 0 offset 16)"},
	{"TargetFree",
	 [](Builder &b) { patch_dirent(b, "/", "s", [](auto *r) { set_ino(r, 500); }); },
	 "directory 1 block 0 offset 16 entry 's': points to inode 500, which is free"},
	{"TargetBeyondInodeCount",
	 [](Builder &b) { patch_dirent(b, "/", "s", [](auto *r) { set_ino(r, 100000); }); },
	 "entry 's': points to inode 100000, beyond the inode count 1024"},
	{"TargetBeingCleared",
	 [](Builder &b) { patch_inode(b, T::s, [](auto &i) { i.i_uid = 7; }, false); },
	 "entry 's': points to inode 5, which is being cleared"},
	{"WrongDType",
	 [](Builder &b) {
		 patch_dirent(b, "/", "g", [](auto *r) { r[11] = CONTIGFS_FT_DIR; });
	 },
	 "entry 'g': d_type 4 (directory), but inode 9 is a regular file"},
	{"UnknownDType",
	 [](Builder &b) { patch_dirent(b, "/", "p", [](auto *r) { r[11] = 0; }); },
	 "entry 'p': d_type 0 (unknown), but inode 7 is a fifo"},
	{"DirectoryHardLink",
	 [](Builder &b) {
		 patch_dirent(b, "/d/e", "h", [](auto *r) {
			 set_ino(r, T::d);
			 r[11] = CONTIGFS_FT_DIR;
		 });
	 },
	 "directory 3 block 0 offset 0 entry 'h': a second link to directory 2 (already "
	 "reached from directory 1)"},
	{"CycleToRoot",
	 [](Builder &b) {
		 patch_dirent(b, "/d/e", "h", [](auto *r) {
			 set_ino(r, T::root);
			 r[11] = CONTIGFS_FT_DIR;
		 });
	 },
	 "entry 'h': a second link to directory 1 (the root)"},
	{"WrongParent",
	 [](Builder &b) { patch_inode(b, T::e, [](auto &i) { i.i_parent = 1; }); },
	 "directory 3: i_parent 1, expected 2 (the directory holding its entry)"},
	{"RootParent",
	 [](Builder &b) { patch_inode(b, T::root, [](auto &i) { i.i_parent = 5; }); },
	 "directory 1: i_parent 5, expected 1 (the root is its own parent)"},
	{"UnreachableAfterEntryRemoved",
	 [](Builder &b) { patch_dirent(b, "/", "z", [](auto *r) { set_ino(r, 0); }); },
	 "inode 8 (regular file, 0 bytes): unreachable from the root"},
	{"UnreachableInode",
	 [](Builder &b) {
		 contigfs_inode i{};
		 i.i_mode = S_IFREG | 0600;
		 i.i_nlink = 1;
		 i.i_order = CONTIGFS_NO_BLOCK;
		 write_inode(b.image(), b.layout(), 100, i);
		 flip_bit(b, b.layout().ibitmap_start, 100);
	 },
	 "inode 100 (regular file, 0 bytes): unreachable from the root"},
	{"UnreachableDirectoryTree",
	 [](Builder &b) { patch_dirent(b, "/", "d", [](auto *r) { set_ino(r, 0); }); },
	 "inode 3 (directory): unreachable from the root"},
	// ---- allocation ----
	{"OverlappingBlocks",
	 [](Builder &b) {
		 const std::uint64_t s = b.inode(T::f).i_start;
		 patch_inode(b, T::g, [s](auto &i) { i.i_start = s; });
	 },
	 "inode 9: data zone block 4096 order 2 (pages 4096..4099) overlaps the block data "
	 "zone block 4096 order 2 (pages 4096..4099) of inode 4"},
	{"OverlapWithMoveSource",
	 [](Builder &b) {
		 const std::uint64_t s = b.inode(T::f).i_start;
		 patch_inode(b, T::g, [s](auto &i) {
			 i.i_flags = CONTIGFS_INODE_MOVING;
			 i.i_old_start = s + 2;
			 i.i_old_order = 1;
		 });
	 },
	 "inode 9: move source data zone block 4098 order 1 (pages 4098..4099) overlaps the "
	 "block data zone block 4096 order 2 (pages 4096..4099) of inode 4"},
	{"MoveOntoItself",
	 [](Builder &b) {
		 patch_inode(b, T::g, [](auto &i) {
			 i.i_flags = CONTIGFS_INODE_MOVING;
			 i.i_old_start = i.i_start;
			 i.i_old_order = 0;
		 });
	 },
	 "overlaps its own"},
	{"DataBitmapFreeBlockClear",
	 [](Builder &b) {
		 // Data zone: 6144 pages; order 12 block 0 (pages 0..4095)
		 // is free and maximal.
		 flip_bit(b, b.layout().data.bitmap_start, bit_of(b.layout().data, 12, 0));
	 },
	 "data zone bitmap: order 12 block 0 (pages 0..4095) is free and maximal, but its "
	 "bit is clear"},
	{"DataBitmapUsedBlockSet",
	 [](Builder &b) {
		 const std::uint64_t s = b.inode(T::g).i_start;
		 flip_bit(b, b.layout().data.bitmap_start, bit_of(b.layout().data, 2, s / 4));
	 },
	 "data zone bitmap: order 2 block 1025 (pages 4100..4103) is marked free, but is "
	 "not a free maximal block"},
	{"MetaBitmapUsedPageSet",
	 [](Builder &b) {
		 const std::uint64_t s = b.inode(T::d).i_start;
		 flip_bit(b, b.layout().meta.bitmap_start, bit_of(b.layout().meta, 0, s));
	 },
	 "meta zone bitmap: order 0 block 2 (pages 2) is marked free, but is not a free "
	 "maximal block"},
	{"BitmapPaddingSet",
	 [](Builder &b) {
		 flip_bit(b, b.layout().meta.bitmap_start, b.layout().meta.bitmap_bits() + 3);
	 },
	 "meta zone bitmap: padding bit"},
	{"BitmapPaddingBetweenOrders",
	 [](Builder &b) {
		 // Meta zone 1024 pages: order 10 has one bit, padded to 64.
		 flip_bit(b, b.layout().meta.bitmap_start, bit_of(b.layout().meta, 10, 5));
	 },
	 "is set (no block; must be clear)"},
};

class Repairable : public testing::TestWithParam<Case> {};

// Corrupt exactly one thing: -n finds it (exit 4) and changes nothing, -y
// fixes it (exit 1), and then -n and -y find nothing.
TEST_P(Repairable, FoundFixedAndCleanAfterwards)
{
	const Case &c = GetParam();
	TempDir dir;
	const std::string path = dir / "img";
	{
		Builder b = make_tree(path);
		ASSERT_EQ(check(path, false).code(), kFsckClean) << check(path, false).output;
		c.corrupt(b);
	}
	const std::string before = slurp(path);
	Checked n = check(path, false);
	EXPECT_EQ(n.code(), kFsckUncorrected) << n.output;
	EXPECT_TRUE(n.has(c.expect)) << "wanted: " << c.expect << "\ngot:\n" << n.output;
	EXPECT_EQ(slurp(path), before) << "-n wrote to the image";

	Checked y = check(path, true);
	EXPECT_EQ(y.code(), kFsckCorrected) << y.output;
	EXPECT_TRUE(y.has(c.expect)) << y.output;

	Checked again = check(path, false);
	EXPECT_EQ(again.code(), kFsckClean) << again.output;
	EXPECT_EQ(check(path, true).code(), kFsckClean);
}

INSTANTIATE_TEST_SUITE_P(Invariants, Repairable, testing::ValuesIn(kRepairable),
			 [](const auto &info) { return std::string(info.param.name); });

} // namespace

// ---- clean images ----

TEST(Clean, StandardTree)
{
	TempDir dir;
	const std::string path = dir / "img";
	make_tree(path);
	Checked c = check(path, false);
	EXPECT_EQ(c.code(), kFsckClean) << c.output;
	EXPECT_TRUE(c.report.problems.empty());
	EXPECT_NE(c.output.find("clean, 10/1024 inodes, meta 4/1024 pages, data 8/6144 pages"),
		  std::string::npos)
		<< c.output;
}

TEST(Clean, LargeDirectoriesDeepTreesAndBigFiles)
{
	TempDir dir;
	const std::string path = make_image(dir / "img", 1 << 16);
	Builder b = Builder::format(path, test_options());
	b.mkdir("/big");
	for (int i = 0; i < 700; i++)	// several directory blocks
		b.file("/big/file-with-a-longish-name-" + std::to_string(i), i % 3 ? 0 : 100);
	std::string p;
	for (int depth = 0; depth < 40; depth++) {
		p += "/n" + std::to_string(depth);
		b.mkdir(p);
	}
	b.file(p + "/leaf", 5 << 20);	// order 11
	b.symlink(p + "/up", std::string(4095, 'u'));
	b.mknod("/sock", S_IFSOCK | 0644);
	b.mknod("/blk", S_IFBLK | 0644, 0x801);
	b.file("/reserved", 0, {}, 3);	// a size-0 file holding a block
	for (int i = 0; i < 5; i++)
		b.link("/big/hl" + std::to_string(i), "/big/file-with-a-longish-name-3");
	b.commit();
	EXPECT_GT(b.inode(b.lookup("/big")).i_size, 4 * kPageSize);
	Checked c = check(path, false);
	EXPECT_EQ(c.code(), kFsckClean) << c.output;
	EXPECT_EQ(read_inode(b.image(), b.layout(), b.lookup("/big/hl0")).i_nlink, 6u);
	// A second commit after more changes stays clean (a directory
	// outgrows its block and moves).
	for (int i = 700; i < 1500; i++)
		b.file("/big/file-with-a-longish-name-" + std::to_string(i), 0);
	b.commit();
	c = check(path, false);
	EXPECT_EQ(c.code(), kFsckClean) << c.output;
}

TEST(Clean, PendingMoveIsANoteNotAnError)
{
	TempDir dir;
	const std::string path = dir / "img";
	Builder b = make_tree(path);
	b.start_move("/g", 3);
	b.start_move("/d", 1);
	b.commit();
	Checked c = check(path, false);
	EXPECT_EQ(c.code(), kFsckClean) << c.output;
	ASSERT_EQ(c.report.notes.size(), 2u) << c.output;
	EXPECT_NE(c.report.notes[0].find("inode 2: move pending from meta zone block"),
		  std::string::npos)
		<< c.output;
	EXPECT_NE(c.report.notes[1].find("inode 9: move pending from data zone block "),
		  std::string::npos);
	EXPECT_NE(c.report.notes[1].find("mount finishes it"), std::string::npos);
	EXPECT_EQ(check(path, true).code(), kFsckClean);
	// The moving directory's entries are read from the source.
	EXPECT_EQ(read_inode(b.image(), b.layout(), T::f).i_nlink, 2u);
}

TEST(Clean, OrphanIsANoteAndRepairFreesIt)
{
	TempDir dir;
	const std::string path = dir / "img";
	{
		// /g unlinked while open: no entry, i_nlink 0, still allocated.
		Builder b = make_tree(path);
		patch_dirent(b, "/", "g", [](auto *r) { set_ino(r, 0); });
		patch_inode(b, T::g, [](auto &i) { i.i_nlink = 0; });
	}
	const std::string before = slurp(path);
	Checked n = check(path, false);
	EXPECT_EQ(n.code(), kFsckClean) << n.output;
	ASSERT_EQ(n.report.notes.size(), 1u) << n.output;
	EXPECT_EQ(n.report.notes[0], "inode 9 (regular file, 12288 bytes): orphan (i_nlink 0, "
				     "no directory entry: unlinked while open): mount frees it");
	EXPECT_EQ(slurp(path), before);
	Checked y = check(path, true);
	EXPECT_EQ(y.code(), kFsckCorrected) << y.output;
	EXPECT_TRUE(y.has("inode 9 (regular file, 12288 bytes): orphan (i_nlink 0, no "
			  "directory entry: unlinked while open): freed it, as mount would"))
		<< y.output;
	EXPECT_EQ(check(path, false).code(), kFsckClean);
	Image img = Image::open(path, Image::Access::read_only);
	EXPECT_TRUE(slot_free(read_inode(img, layout_of(read_super(img)), T::g)));
}

TEST(Clean, RepairReportsWhatItDid)
{
	TempDir dir;
	const std::string path = dir / "img";
	{
		Builder b = make_tree(path);
		patch_inode(b, T::g, [](auto &i) { i.i_mtime++; }, false);
	}
	Checked y = check(path, true);
	EXPECT_EQ(y.code(), kFsckCorrected);
	EXPECT_TRUE(y.has("inode 9: bad crc")) << y.output;
	EXPECT_TRUE(y.has(": cleared the inode")) << y.output;
	EXPECT_TRUE(y.has("entry 'g': points to inode 9, which is being cleared: removed "
			  "the entry"))
		<< y.output;
	EXPECT_TRUE(y.has("inode bitmap: bit 9 is set; inode 9 is being cleared: cleared "
			  "the bit"))
		<< y.output;
	EXPECT_TRUE(y.has("data zone bitmap: ")) << y.output;
	EXPECT_NE(y.output.find("problems corrected, now clean"), std::string::npos)
		<< y.output;
	Image img = Image::open(path, Image::Access::read_only);
	const Layout l = layout_of(read_super(img));
	EXPECT_TRUE(slot_free(read_inode(img, l, T::g)));
}

// ---- what is not repaired ----

struct Unrepairable {
	const char *name;
	std::function<void(Builder &)> corrupt;
	std::string expect;
	int code;
};

void PrintTo(const Unrepairable &c, std::ostream *o)
{
	*o << c.name;
}

class NotRepaired : public testing::TestWithParam<Unrepairable> {};

TEST_P(NotRepaired, ReportedAndLeftAlone)
{
	const Unrepairable &c = GetParam();
	TempDir dir;
	const std::string path = dir / "img";
	{
		Builder b = make_tree(path);
		c.corrupt(b);
	}
	const std::string before = slurp(path);
	Checked n = check(path, false);
	EXPECT_EQ(n.code(), c.code) << n.output;
	EXPECT_NE(n.output.find(c.expect), std::string::npos)
		<< "wanted: " << c.expect << "\ngot:\n" << n.output;
	Checked y = check(path, true);
	EXPECT_EQ(y.code(), c.code) << y.output;
	EXPECT_EQ(slurp(path), before) << "-y changed what it cannot repair";
}

static const Unrepairable kNotRepaired[] = {
	{"SuperblockMagic",
	 [](Builder &b) {
		 auto sb = read_super(b.image());
		 sb.s_magic = 0x1234;
		 write_super(b.image(), sb);
	 },
	 "superblock (LBA 0): s_magic 0x1234 is not contigfs (0x53464749544e4f43)",
	 kFsckOperational},
	{"SuperblockVersion",
	 [](Builder &b) {
		 auto sb = read_super(b.image());
		 sb.s_version = 2;
		 write_super(b.image(), sb);
	 },
	 "superblock: s_version 2 is not supported", kFsckOperational},
	{"SuperblockCrc",
	 [](Builder &b) {
		 auto sb = read_super(b.image());
		 sb.s_label[0] = 'x';
		 write_super(b.image(), sb, false);
	 },
	 "superblock: bad crc (s_crc 0x", kFsckUncorrected},
	{"SuperblockIncompat",
	 [](Builder &b) {
		 auto sb = read_super(b.image());
		 sb.s_feature_incompat = 4;
		 write_super(b.image(), sb);
	 },
	 "superblock: unknown incompatible features 0x4: refusing to check",
	 kFsckOperational},
	{"SuperblockLayoutOverlap",
	 [](Builder &b) {
		 auto sb = read_super(b.image());
		 sb.s_itable_start -= 1;
		 write_super(b.image(), sb);
	 },
	 "superblock: s_itable_start 508 overlaps or precedes s_ibitmap (which ends at LBA "
	 "509)",
	 kFsckUncorrected},
	{"SuperblockPastDevice",
	 [](Builder &b) {
		 auto sb = read_super(b.image());
		 sb.s_total_pages += 1;
		 sb.s_data.pages += 1;
		 write_super(b.image(), sb);
	 },
	 "superblock: s_total_pages 8193 exceeds the device (8192 pages)", kFsckUncorrected},
	{"SuperblockInodeCount",
	 [](Builder &b) {
		 auto sb = read_super(b.image());
		 sb.s_inode_count = 1000;
		 write_super(b.image(), sb);
	 },
	 "superblock: s_inode_count 1000 is not s_itable_pages 64 * 16", kFsckUncorrected},
	{"SuperblockBitmapTooSmall",
	 [](Builder &b) {
		 auto sb = read_super(b.image());
		 sb.s_data.bitmap_pages = 0;
		 write_super(b.image(), sb);
	 },
	 "superblock: s_data.bitmap_pages 0 is below 1", kFsckUncorrected},
	{"SuperblockOrders",
	 [](Builder &b) {
		 auto sb = read_super(b.image());
		 sb.s_meta.orders = 12;
		 write_super(b.image(), sb);
	 },
	 "superblock: s_meta.orders 12: a block of order 11 is larger than the zone (1024 "
	 "pages)",
	 kFsckUncorrected},
	{"RootBadCrc",
	 [](Builder &b) { patch_inode(b, T::root, [](auto &i) { i.i_uid = 1; }, false); },
	 "inode 1 (root directory): bad crc", kFsckUncorrected},
	{"RootNotADirectory",
	 [](Builder &b) { patch_inode(b, T::root, [](auto &i) { i.i_mode = S_IFREG | 0644; }); },
	 "inode 1 (root directory): is a regular file, not a directory", kFsckUncorrected},
	{"RootFree",
	 [](Builder &b) {
		 write_inode(b.image(), b.layout(), T::root, contigfs_inode{}, false);
	 },
	 "inode 1 (root directory): slot is free", kFsckUncorrected},
};

INSTANTIATE_TEST_SUITE_P(Fatal, NotRepaired, testing::ValuesIn(kNotRepaired),
			 [](const auto &info) { return std::string(info.param.name); });

TEST(NotRepaired, UnusableRootBlocksAllRepairs)
{
	TempDir dir;
	const std::string path = dir / "img";
	{
		Builder b = make_tree(path);
		patch_inode(b, T::root, [](auto &i) { i.i_uid = 1; }, false);
		flip_bit(b, b.layout().ibitmap_start, 100);
	}
	const std::string before = slurp(path);
	Checked y = check(path, true);
	EXPECT_EQ(y.code(), kFsckUncorrected) << y.output;
	EXPECT_TRUE(y.has("inode 1 (root directory): bad crc (i_crc 0x")) << y.output;
	EXPECT_TRUE(y.has("inode bitmap: bit 100 is set but inode 100 is free: not "
			  "repaired (the root directory is unusable)"))
		<< y.output;
	EXPECT_EQ(slurp(path), before);
}

TEST(NotRepaired, UnknownReadOnlyFeaturesRefuseRepairOnly)
{
	TempDir dir;
	const std::string path = dir / "img";
	{
		Builder b = make_tree(path);
		auto sb = read_super(b.image());
		sb.s_feature_ro_compat = 1;
		sb.s_feature_compat = 1;
		write_super(b.image(), sb);
	}
	Checked n = check(path, false);
	EXPECT_EQ(n.code(), kFsckClean) << n.output;
	EXPECT_NE(n.output.find("note: superblock: unknown read-only-compatible features 0x1"),
		  std::string::npos);
	Checked y = check(path, true);
	EXPECT_EQ(y.code(), kFsckOperational) << y.output;
	EXPECT_NE(y.output.find("refusing to repair"), std::string::npos);
}

TEST(NotRepaired, NotContigfsAtAll)
{
	TempDir dir;
	const std::string zero = make_image(dir / "zero", 100);
	Checked c = check(zero, false);
	EXPECT_EQ(c.code(), kFsckOperational);
	EXPECT_NE(c.output.find("s_magic 0x0 is not contigfs"), std::string::npos) << c.output;
	std::ofstream(dir / "tiny") << "tiny";
	c = check(dir / "tiny", false);
	EXPECT_EQ(c.code(), kFsckOperational);
	EXPECT_NE(c.output.find("smaller than one page"), std::string::npos) << c.output;
	c = check(dir / "missing", false);
	EXPECT_EQ(c.code(), kFsckOperational);
	EXPECT_NE(c.output.find("missing: No such file or directory"), std::string::npos);
	// A file cut short after mkfs: the superblock says more than is there.
	const std::string cut = dir / "cut";
	make_tree(cut);
	fs::resize_file(cut, 4096 * 4000);
	c = check(cut, false);
	EXPECT_EQ(c.code(), kFsckUncorrected);
	EXPECT_NE(c.output.find("s_total_pages 8192 exceeds the device (4000 pages)"),
		  std::string::npos);
}

// ---- journal ----

class Journal : public testing::Test {
protected:
	TempDir dir;
	std::string path = dir / "img";
	std::optional<Builder> b;

	void SetUp() override { b.emplace(make_tree(path)); }

	// A transaction of the current contents of `lbas` with `edit`
	// applied to the images.
	Transaction txn(const std::vector<std::uint64_t> &lbas,
			const std::function<void(std::size_t, std::vector<std::uint8_t> &)> &edit)
	{
		Transaction t;
		t.seq = 7;
		for (std::size_t i = 0; i < lbas.size(); i++) {
			std::vector<std::uint8_t> p = read_page(b->image(), lbas[i]);
			edit(i, p);
			t.lbas.push_back(lbas[i]);
			t.images.insert(t.images.end(), p.begin(), p.end());
		}
		return t;
	}
	std::vector<std::uint8_t> header() { return read_page(b->image(), b->layout().journal_start); }
};

TEST_F(Journal, CommittedTransactionIsReplayed)
{
	const Layout &l = b->layout();
	// The transaction sets the nlink of inode 9 to 1 (as it is); the home
	// page says 3. Replayed, the image is clean.
	const std::uint64_t it = l.inode_lba(T::g);
	Transaction t = txn({it, l.ibitmap_start}, [](std::size_t, auto &) {});
	patch_inode(*b, T::g, [](auto &i) { i.i_nlink = 3; });
	write_journal(b->image(), l, b->uuid(), t);
	const std::string before = slurp(path);

	Checked n = check(path, false);
	EXPECT_EQ(n.code(), kFsckClean) << n.output;
	ASSERT_EQ(n.report.notes.size(), 1u);
	EXPECT_NE(n.report.notes[0].find("journal (header at LBA 1): committed transaction "
					 "seq 7 (2 images) pending: checked as if replayed"),
		  std::string::npos)
		<< n.output;
	EXPECT_EQ(slurp(path), before);

	Checked y = check(path, true);
	EXPECT_EQ(y.code(), kFsckCorrected) << y.output;
	EXPECT_TRUE(y.has("committed transaction seq 7 (2 images) not yet replayed: "
			  "replayed it"));
	EXPECT_TRUE(is_zero(header().data(), kPageSize)) << "header not zeroed";
	EXPECT_EQ(read_inode(b->image(), l, T::g).i_nlink, 1u);
	EXPECT_EQ(check(path, false).code(), kFsckClean);
}

TEST_F(Journal, ReplayedImagesAreChecked)
{
	const Layout &l = b->layout();
	// The transaction's image of the inode table breaks inode 9's crc.
	Transaction t = txn({l.inode_lba(T::g)}, [&](std::size_t, auto &p) {
		p[l.inode_offset(T::g) + offsetof(contigfs_inode, i_mtime)] ^= 1;
	});
	write_journal(b->image(), l, b->uuid(), t);
	Checked n = check(path, false);
	EXPECT_EQ(n.code(), kFsckUncorrected) << n.output;
	EXPECT_TRUE(n.has("inode 9: bad crc")) << n.output;
	Checked y = check(path, true);
	EXPECT_EQ(y.code(), kFsckCorrected) << y.output;
	EXPECT_TRUE(y.has("replayed it"));
	EXPECT_TRUE(y.has("inode 9: bad crc"));
	EXPECT_EQ(check(path, false).code(), kFsckClean);
}

TEST_F(Journal, TornTransactionsAreIgnored)
{
	const Layout &l = b->layout();
	// Images that would break the file system if they were copied home.
	auto garbage = [](std::size_t, auto &p) { std::fill(p.begin(), p.end(), 0xee); };
	struct Tear {
		const char *why;
		std::function<void(std::vector<std::uint8_t> &)> header;
		std::function<void()> images;
	};
	const Tear tears[] = {
		{"j_data_crc", {}, [&] {
			 std::vector<std::uint8_t> p(kPageSize, 0xef);
			 write_page(b->image(), l.journal_start + 2, p);
		 }},
		{"j_crc", [](auto &h) { h[100] ^= 1; }, {}},
		{"j_magic", [](auto &h) { h[0] ^= 1; }, {}},
		{"j_uuid is not the superblock's",
		 [](auto &h) {
			 h[16] ^= 1;
			 contigfs_journal_header jh;
			 std::memcpy(&jh, h.data(), sizeof(jh));
			 jh.j_crc = journal_header_crc(h.data());
			 std::memcpy(h.data(), &jh, sizeof(jh));
		 },
		 {}},
		{"j_count 600 exceeds 506",
		 [](auto &h) {
			 contigfs_journal_header jh;
			 std::memcpy(&jh, h.data(), sizeof(jh));
			 jh.j_count = 600;
			 std::memcpy(h.data(), &jh, sizeof(jh));
			 jh.j_crc = journal_header_crc(h.data());
			 std::memcpy(h.data(), &jh, sizeof(jh));
		 },
		 {}},
	};
	for (const Tear &tear : tears) {
		Transaction t = txn({l.ibitmap_start, l.inode_lba(T::g)}, garbage);
		write_journal(b->image(), l, b->uuid(), t);
		if (tear.header) {
			std::vector<std::uint8_t> h = header();
			tear.header(h);
			write_page(b->image(), l.journal_start, h);
		}
		if (tear.images)
			tear.images();
		const std::string before = slurp(path);
		for (bool repair : {false, true}) {
			Checked c = check(path, repair);
			EXPECT_EQ(c.code(), kFsckClean) << tear.why << "\n" << c.output;
			ASSERT_EQ(c.report.notes.size(), 1u) << c.output;
			EXPECT_NE(c.report.notes[0].find(
					  "journal (header at LBA 1): no committed transaction"),
				  std::string::npos);
			EXPECT_NE(c.report.notes[0].find(tear.why), std::string::npos)
				<< c.report.notes[0];
			EXPECT_EQ(slurp(path), before) << tear.why;
		}
	}
}

TEST_F(Journal, HomeOutsideTheMetadataIsDiscarded)
{
	const Layout &l = b->layout();
	for (std::uint64_t bad : {std::uint64_t{0}, l.journal_start + 3, l.data.start + 5,
				  l.total_pages + 10}) {
		Transaction t = txn({l.ibitmap_start, l.ibitmap_start}, [](std::size_t, auto &) {});
		t.lbas[1] = bad;
		write_journal(b->image(), l, b->uuid(), t);
		const std::string before = slurp(path);
		Checked n = check(path, false);
		EXPECT_EQ(n.code(), kFsckUncorrected) << n.output;
		EXPECT_TRUE(n.has("journal (header at LBA 1): transaction seq 7 image 1 has home "
				  "LBA " +
				  std::to_string(bad) + ", not a metadata page"))
			<< n.output;
		EXPECT_EQ(slurp(path), before);
		Checked y = check(path, true);
		EXPECT_EQ(y.code(), kFsckCorrected) << y.output;
		EXPECT_TRUE(y.has("discarded the transaction (header zeroed)"));
		EXPECT_TRUE(is_zero(header().data(), kPageSize));
		EXPECT_EQ(check(path, false).code(), kFsckClean);
	}
}

TEST_F(Journal, EmptyTransactionIsHarmless)
{
	write_journal(b->image(), b->layout(), b->uuid(), Transaction{});
	EXPECT_EQ(check(path, false).code(), kFsckClean);
	EXPECT_EQ(check(path, true).code(), kFsckCorrected);
	EXPECT_TRUE(is_zero(header().data(), kPageSize));
}

// ---- the binary ----

TEST(FsckBinary, ExitCodesAndOutput)
{
	TempDir dir;
	const std::string path = dir / "img";
	{
		Builder b = make_tree(path);
		patch_inode(b, T::g, [](auto &i) { i.i_nlink = 4; });
	}
	Result r = run(FSCK_CONTIGFS, {"-n", path}, dir);
	EXPECT_EQ(r.code, 4);
	EXPECT_NE(r.out.find("inode 9 (regular file, 12288 bytes): i_nlink 4, expected 1 "
			     "(directory entries)\n"),
		  std::string::npos)
		<< r.out;
	EXPECT_NE(r.out.find("1 problem left uncorrected (-n: nothing was changed)"),
		  std::string::npos)
		<< r.out;
	r = run(FSCK_CONTIGFS, {path}, dir);	// -n is the default
	EXPECT_EQ(r.code, 4);
	r = run(FSCK_CONTIGFS, {"-fy", path}, dir);
	EXPECT_EQ(r.code, 1) << r.out;
	EXPECT_NE(r.out.find("i_nlink 4, expected 1 (directory entries): set i_nlink to 1"),
		  std::string::npos)
		<< r.out;
	r = run(FSCK_CONTIGFS, {"-p", "-v", path}, dir);
	EXPECT_EQ(r.code, 0) << r.out;
	EXPECT_NE(r.out.find("inodes in use: 10 of 1024 (3 directories, 3 regular files, 2 "
			     "symlinks, 2 special files)"),
		  std::string::npos)
		<< r.out;
	EXPECT_NE(r.out.find(": clean, 10/1024 inodes"), std::string::npos);
}

TEST(FsckBinary, UsageAndOperationalErrors)
{
	TempDir dir;
	const std::string path = make_image(dir / "img", 100);
	Result r = run(FSCK_CONTIGFS, {"--help"}, dir);
	EXPECT_EQ(r.code, 0);
	EXPECT_NE(r.out.find("usage: fsck.contigfs [-n|-y|-p] [-f] [-v] DEVICE"),
		  std::string::npos);
	for (const auto &args : std::vector<std::vector<std::string>>{
		     {}, {"-n", "-y", path}, {"-q", path}, {path, path}}) {
		r = run(FSCK_CONTIGFS, args, dir);
		EXPECT_EQ(r.code, 16) << r.err;
		EXPECT_NE(r.err.find("Try 'fsck.contigfs --help'"), std::string::npos);
	}
	r = run(FSCK_CONTIGFS, {"-n", "-y", path}, dir);
	EXPECT_NE(r.err.find("-n and -y/-p exclude each other"), std::string::npos);
	r = run(FSCK_CONTIGFS, {"-n", path}, dir);
	EXPECT_EQ(r.code, 8);
	EXPECT_NE(r.out.find("is not contigfs"), std::string::npos) << r.out;
	r = run(FSCK_CONTIGFS, {"-y", dir / "nothing"}, dir);
	EXPECT_EQ(r.code, 8);
	r = run(FSCK_CONTIGFS, {"-n", "/dev/null"}, dir);
	EXPECT_EQ(r.code, 8);
}

TEST(Builder, RefusesMisuse)
{
	TempDir dir;
	const std::string path = dir / "img";
	Builder b = make_tree(path);
	EXPECT_THROW(b.mkdir("/d"), BuildError);
	EXPECT_THROW(b.mkdir("/nope/x"), BuildError);
	EXPECT_THROW(b.mkdir("/g/x"), BuildError);
	EXPECT_THROW(b.mkdir("relative"), BuildError);
	EXPECT_THROW(b.link("/d2", "/d"), BuildError);
	EXPECT_THROW(b.symlink("/t", ""), BuildError);
	EXPECT_THROW(b.symlink("/t", std::string(4096, 'x')), BuildError);
	EXPECT_THROW(b.file("/t", 1 << 30), BuildError) << "larger than the data zone";
	EXPECT_THROW(b.file("/t", 10000, {}, 1), BuildError);
	EXPECT_THROW(b.mknod("/t", S_IFREG), BuildError);
	EXPECT_THROW(b.start_move("/z", 0), BuildError);
	EXPECT_THROW(b.dirent_location("/", "missing"), BuildError);
	EXPECT_EQ(b.lookup("/d/e/h"), T::f);
	EXPECT_EQ(b.block_lba(T::g), b.layout().data.start + b.inode(T::g).i_start);
}

TEST(Builder, BinaryBuildsFromASpec)
{
	TempDir dir;
	const std::string path = make_image(dir / "img", 8192);
	{
		std::ofstream(dir / "data") << "hello, contigfs";
		std::ofstream spec(dir / "spec");
		spec << "# a small tree\n"
		     << "dir /a\n"
		     << "dir /a/b 700\n"
		     << "file /a/f 100 " << (dir / "data") << "\n"
		     << "file /empty 0\n"
		     << "symlink /s /a/f\n"
		     << "node /a/p fifo\n"
		     << "node /a/c chr 1 3\n"
		     << "link /a/b/h /a/f\n"
		     << "move /a/f 1\n";
	}
	Result r = run(CONTIGFS_BUILD, {"-T", "1", "-U", "01234567-89ab-cdef-0123-456789abcdef",
					path, dir / "spec"},
		       dir);
	ASSERT_EQ(r.code, 0) << r.err;
	EXPECT_NE(r.out.find("/a 2 509 "), std::string::npos) << r.out;
	EXPECT_NE(r.out.find("/empty 5 509 -\n"), std::string::npos) << r.out;
	Checked c = check(path, false);
	EXPECT_EQ(c.code(), kFsckClean) << c.output;
	Image img = Image::open(path, Image::Access::read_only);
	const Layout l = layout_of(read_super(img));
	const contigfs_inode f = read_inode(img, l, 4);
	EXPECT_EQ(f.i_size, 100u);
	EXPECT_EQ(f.i_flags, CONTIGFS_INODE_MOVING);
	const std::vector<std::uint8_t> data = read_page(img, l.data.start + f.i_old_start);
	EXPECT_EQ(std::string(data.begin(), data.begin() + 16), std::string("hello, contigfs\0", 16));
	EXPECT_EQ(read_inode(img, l, 8).i_rdev, 0x103u);

	std::ofstream(dir / "bad") << "dir /x\nfile /x/y\n";
	r = run(CONTIGFS_BUILD, {path, dir / "bad"}, dir);
	EXPECT_EQ(r.code, 1);
	EXPECT_NE(r.err.find("bad:2: 'file' takes 2..3 arguments"), std::string::npos) << r.err;
	std::ofstream(dir / "bad") << "dir /x\ndir /x\n";
	r = run(CONTIGFS_BUILD, {path, dir / "bad"}, dir);
	EXPECT_EQ(r.code, 1);
	EXPECT_NE(r.err.find("bad:2: '/x': exists already"), std::string::npos) << r.err;
}
