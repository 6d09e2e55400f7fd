// SPDX-License-Identifier: GPL-2.0
#include "buddy.h"
#include "journal.h"
#include "test_util.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

using namespace flashnet::contigfs;
using namespace flashnet::contigfs::test;

namespace {

std::vector<std::uint8_t> bitmap_area(Image &img, const Zone &z)
{
	std::vector<std::uint8_t> v(z.bitmap_pages * kPageSize);
	img.read(z.bitmap_start, z.bitmap_pages, v.data());
	return v;
}

std::vector<std::uint8_t> canonical_area(const Zone &z, const std::vector<Block> &used)
{
	std::vector<std::uint8_t> v(z.bitmap_pages * kPageSize);
	for (std::uint64_t b : canonical_bits(z, used))
		set_bit(v.data(), b);
	return v;
}

} // namespace

class MkfsSizes : public testing::TestWithParam<std::uint64_t> {};

TEST_P(MkfsSizes, FreshImageIsCompleteAndClean)
{
	TempDir dir;
	const std::string path = make_image(dir / "img", GetParam());
	MkfsOptions o = test_options();
	o.label = "fresh";
	Formatted f;
	{
		Image img = Image::open(path, Image::Access::read_write);
		f = format(img, o);
	}
	Image img = Image::open(path, Image::Access::read_only);
	const Layout &l = f.layout;
	EXPECT_EQ(l.total_pages, GetParam());

	const contigfs_super sb = read_super(img);
	EXPECT_EQ(sb.s_magic, CONTIGFS_MAGIC);
	EXPECT_EQ(sb.s_version, unsigned{CONTIGFS_VERSION});
	EXPECT_EQ(sb.s_crc, super_crc(sb));
	EXPECT_EQ(sb.s_feature_compat | sb.s_feature_ro_compat | sb.s_feature_incompat, 0u);
	EXPECT_EQ(std::memcmp(sb.s_uuid, o.uuid->data(), 16), 0);
	EXPECT_STREQ(sb.s_label, "fresh");
	EXPECT_EQ(sb.s_mkfs_time, 1700000000u);
	const Layout back = layout_of(sb);
	EXPECT_EQ(back.total_pages, l.total_pages);
	EXPECT_EQ(back.itable_start, l.itable_start);
	EXPECT_EQ(back.data.start, l.data.start);
	EXPECT_TRUE(check_layout(back, img.pages()).empty());

	// Journal header zero: no transaction.
	EXPECT_EQ(read_journal(img, l, f.uuid).kind, JournalState::empty);
	EXPECT_TRUE(is_zero(read_page(img, l.journal_start).data(), kPageSize));

	// Inode bitmap: bits 0 and 1 only.
	std::vector<std::uint8_t> ib = read_page(img, l.ibitmap_start);
	EXPECT_EQ(ib[0], 0x03);
	EXPECT_TRUE(is_zero(ib.data() + 1, kPageSize - 1));

	// The root inode, and nothing else in the table.
	const contigfs_inode root = read_inode(img, l, CONTIGFS_ROOT_INO);
	EXPECT_EQ(root.i_mode, S_IFDIR | 0755);
	EXPECT_EQ(root.i_nlink, 2u);
	EXPECT_EQ(root.i_uid, 0u);
	EXPECT_EQ(root.i_gid, 0u);
	EXPECT_EQ(root.i_parent, unsigned{CONTIGFS_ROOT_INO});
	EXPECT_EQ(root.i_size, 0u);
	EXPECT_EQ(root.i_order, CONTIGFS_NO_BLOCK);
	EXPECT_EQ(root.i_flags, 0u);
	EXPECT_EQ(root.i_generation, 0u);
	EXPECT_EQ(root.i_atime, 1700000000u);
	EXPECT_EQ(root.i_mtime, 1700000000u);
	EXPECT_EQ(root.i_ctime, 1700000000u);
	EXPECT_EQ(root.i_crc, inode_crc(CONTIGFS_ROOT_INO, root));
	std::vector<std::uint8_t> it = read_page(img, l.itable_start);
	EXPECT_TRUE(is_zero(it.data(), CONTIGFS_INODE_SIZE)) << "inode 0";
	EXPECT_TRUE(is_zero(it.data() + 2 * CONTIGFS_INODE_SIZE,
			    kPageSize - 2 * CONTIGFS_INODE_SIZE));

	// Both zones' bitmaps in the fresh canonical state.
	EXPECT_EQ(bitmap_area(img, l.meta), canonical_area(l.meta, {}));
	EXPECT_EQ(bitmap_area(img, l.data), canonical_area(l.data, {}));

	Checked c = check(path, false);
	EXPECT_EQ(c.code(), kFsckClean) << c.output;
	EXPECT_TRUE(c.report.problems.empty()) << c.output;
}

INSTANTIATE_TEST_SUITE_P(Sizes, MkfsSizes,
			 testing::Values(1087, 1279, 1280, 4096, 16384, 100000,
					 262144));

TEST(Mkfs, LargeSparseDeviceIsAlignedAndClean)
{
	TempDir dir;
	const std::uint64_t pages = std::uint64_t{1} << 26;	// 256 GiB sparse
	const std::string path = make_image(dir / "img", pages);
	Image img = Image::open(path, Image::Access::read_write);
	const Formatted f = format(img, test_options());
	EXPECT_EQ(f.layout.meta.start % kMetaAlign, 0u);
	EXPECT_EQ(f.layout.data.start % kDataAlign, 0u);
	EXPECT_EQ(f.layout.meta.pages, pages / 8);
	EXPECT_EQ(f.layout.inode_count, pages / 16);
	EXPECT_EQ(f.layout.data.orders, Zone::orders_for(f.layout.data.pages));
	Checked c = check(path, false);
	EXPECT_EQ(c.code(), kFsckClean) << c.output;
}

TEST(Mkfs, DiscardsEverythingFirst)
{
	TempDir dir;
	const std::string path = make_image(dir / "img", 4096);
	{
		// Garbage everywhere.
		std::ofstream f(path, std::ios::binary | std::ios::in);
		std::string junk(4096 * 4096, '\xa5');
		f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
	}
	Image img = Image::open(path, Image::Access::read_write);
	const Formatted f = format(img, test_options());
	const Layout &l = f.layout;
	for (std::uint64_t lba : {l.journal_start, l.journal_start + 1,
				  l.itable_start + 1, l.meta.start, l.data.start,
				  l.total_pages - 1})
		EXPECT_TRUE(is_zero(read_page(img, lba).data(), kPageSize))
			<< "LBA " << lba;
	EXPECT_EQ(check(path, false).code(), kFsckClean);
}

TEST(Mkfs, ReproducibleWithFixedUuidAndTime)
{
	TempDir dir;
	const std::string a = make_image(dir / "a", 4096), b = make_image(dir / "b", 4096);
	for (const std::string &p : {a, b}) {
		Image img = Image::open(p, Image::Access::read_write);
		format(img, test_options());
	}
	EXPECT_EQ(slurp(a), slurp(b));
}

TEST(Mkfs, RandomUuidWithoutOption)
{
	TempDir dir;
	const std::string a = make_image(dir / "a", 4096), b = make_image(dir / "b", 4096);
	MkfsOptions o;
	Uuid ua, ub;
	{
		Image img = Image::open(a, Image::Access::read_write);
		ua = format(img, o).uuid;
	}
	{
		Image img = Image::open(b, Image::Access::read_write);
		ub = format(img, o).uuid;
	}
	EXPECT_NE(ua, ub);
	EXPECT_EQ(ua[6] >> 4, 4) << "version 4";
}

// ---- the binary ----

TEST(MkfsBinary, FormatsAndReports)
{
	TempDir dir;
	const std::string path = make_image(dir / "img", 16384);
	Result r = run(MKFS_CONTIGFS,
		    {"-L", "vol", "-N", "100", "-J", "401", "-M", "1000", "-U",
		     "01234567-89ab-cdef-0123-456789abcdef", "-T", "42", path},
		    dir);
	ASSERT_EQ(r.code, 0) << r.err;
	EXPECT_NE(r.out.find("16384 pages (64 MiB), uuid "
			     "01234567-89ab-cdef-0123-456789abcdef, label 'vol'"),
		  std::string::npos)
		<< r.out;
	EXPECT_NE(r.out.find("(112 inodes)"), std::string::npos) << r.out;
	Image img = Image::open(path, Image::Access::read_only);
	const contigfs_super sb = read_super(img);
	EXPECT_EQ(sb.s_inode_count, 112u);
	EXPECT_EQ(sb.s_journal_pages, 401u);
	EXPECT_EQ(sb.s_meta.pages, 1000u);
	EXPECT_EQ(sb.s_mkfs_time, 42u);
	EXPECT_STREQ(sb.s_label, "vol");
	EXPECT_EQ(run(FSCK_CONTIGFS, {"-n", path}, dir).code, 0);
	r = run(MKFS_CONTIGFS, {"-q", path}, dir);
	EXPECT_EQ(r.code, 0);
	EXPECT_EQ(r.out, "");
}

TEST(MkfsBinary, RefusesAJournalTheModuleCannotMount)
{
	TempDir dir;
	const std::string path = make_image(dir / "img", 16384);
	const Result r = run(MKFS_CONTIGFS, {"-J", "400", path}, dir);
	EXPECT_EQ(r.code, 1);
	EXPECT_NE(r.err.find("-J 400: contigfs.ko needs at least 401 journal pages"),
		  std::string::npos)
		<< r.err;
}

TEST(MkfsBinary, HelpAndUsageErrors)
{
	TempDir dir;
	const std::string path = make_image(dir / "img", 4096);
	Result r = run(MKFS_CONTIGFS, {"--help"}, dir);
	EXPECT_EQ(r.code, 0);
	EXPECT_NE(r.out.find("usage: mkfs.contigfs"), std::string::npos);

	struct Bad {
		std::vector<std::string> args;
		std::string message;
	};
	const Bad bad[] = {
		{{}, "no DEVICE given"},
		{{"-x", path}, "unknown option '-x'"},
		{{"-N", path}, "-N: not a number"},
		{{path, "-N"}, "-N needs a value"},
		{{"-N", "12x", path}, "-N: not a number: '12x'"},
		{{"-N", "-5", path}, "-N: not a number: '-5'"},
		{{"-N", "0", path}, "-N 0: the inode count must be in 2..4294967296"},
		{{"-J", "1", path}, "-J 1: journal pages must be in 2..507"},
		{{"-J", "1024", path}, "-J 1024: journal pages must be in 2..507"},
		{{"-M", "0", path}, "-M 0: the metadata zone needs at least one page"},
		{{"-U", "nope", path}, "-U: 'nope' is not a UUID"},
		{{"-L", std::string(40, 'l'), path}, "is 40 bytes, at most 31 fit"},
		{{path, path}, "unexpected argument"},
		{{dir / "missing"}, "missing: No such file or directory"},
		{{"-M", "100000", path}, "device too small: 4096 pages"},
	};
	const std::string before = slurp(path);
	for (const Bad &b : bad) {
		r = run(MKFS_CONTIGFS, b.args, dir);
		EXPECT_EQ(r.code, 1) << b.message;
		EXPECT_NE(r.err.find(b.message), std::string::npos)
			<< "wanted: " << b.message << "\ngot: " << r.err;
	}
	EXPECT_EQ(slurp(path), before) << "a refused mkfs wrote something";
}

TEST(MkfsBinary, TooSmallDeviceIsRefused)
{
	TempDir dir;
	const std::string path = make_image(dir / "img", 1086);
	Result r = run(MKFS_CONTIGFS, {path}, dir);
	EXPECT_EQ(r.code, 1);
	EXPECT_NE(r.err.find(path + ": device too small: 1086 pages (4448256 "
				    "bytes)"),
		  std::string::npos)
		<< r.err;
	EXPECT_NE(r.err.find("leave 255 pages for the data zone, which needs "
			     "at least 256"),
		  std::string::npos)
		<< r.err;
	make_image(path, 10);
	r = run(MKFS_CONTIGFS, {path}, dir);
	EXPECT_EQ(r.code, 1);
	EXPECT_NE(r.err.find("leave no pages for the data zone"), std::string::npos)
		<< r.err;
	// Not a whole page: rounded down.
	make_image(path, 0);
	fs::resize_file(path, 4096 * 1087 + 100);
	r = run(MKFS_CONTIGFS, {"-q", path}, dir);
	EXPECT_EQ(r.code, 0) << r.err;
	Image img = Image::open(path, Image::Access::read_only);
	EXPECT_EQ(read_super(img).s_total_pages, 1087u);
}

TEST(MkfsBinary, NotADeviceOrFile)
{
	TempDir dir;
	Result r = run(MKFS_CONTIGFS, {"/dev/null"}, dir);
	EXPECT_EQ(r.code, 1);
	EXPECT_NE(r.err.find("/dev/null: neither a block device nor a regular "
			     "file"),
		  std::string::npos)
		<< r.err;
}
