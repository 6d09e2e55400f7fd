// SPDX-License-Identifier: GPL-2.0
#include "layout.h"
#include "mkfs.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

using namespace flashnet::contigfs;

namespace {

bool any_has(const std::vector<std::string> &v, const std::string &t)
{
	for (const std::string &s : v)
		if (s.find(t) != std::string::npos)
			return true;
	return false;
}

std::string join(const std::vector<std::string> &v)
{
	std::string s;
	for (const std::string &x : v)
		s += x + "\n";
	return s;
}

} // namespace

TEST(Zone, OrderOffsetsFollowTheHeader)
{
	Zone z;
	z.pages = 1000;
	z.orders = 10;
	// off_{k+1} = off_k + round_up(P >> k, 64)
	EXPECT_EQ(z.order_offset(0), 0u);
	EXPECT_EQ(z.order_offset(1), 1024u);
	EXPECT_EQ(z.order_offset(2), 1024u + 512);
	EXPECT_EQ(z.order_offset(3), 1024u + 512 + 256);
	EXPECT_EQ(z.order_offset(4), 1024u + 512 + 256 + 128);
	EXPECT_EQ(z.bitmap_bits(), 1024u + 512 + 256 + 128 + 6 * 64);
	EXPECT_EQ(Zone::bitmap_pages_for(1000, 10), 1u);
	// 2^20 pages, orders 0..20: 2^21 - 2^6 bits for orders 0..14, then
	// six orders of one 64-bit word.
	EXPECT_EQ(Zone::bitmap_pages_for(1 << 20, 21),
		  ((1u << 21) - 64 + 6 * 64 + 32767) / 32768);
}

TEST(Zone, OrdersAreFloorLog2CappedAtMaxOrder)
{
	EXPECT_EQ(Zone::orders_for(1), 1u);
	EXPECT_EQ(Zone::orders_for(2), 2u);
	EXPECT_EQ(Zone::orders_for(3), 2u);
	EXPECT_EQ(Zone::orders_for(256), 9u);
	EXPECT_EQ(Zone::orders_for(511), 9u);
	EXPECT_EQ(Zone::orders_for(std::uint64_t{1} << 40), 41u);
	EXPECT_EQ(Zone::orders_for(std::uint64_t{1} << 45), 41u);
}

TEST(Checksums, SuperblockCrcIgnoresItsOwnField)
{
	contigfs_super sb{};
	sb.s_magic = CONTIGFS_MAGIC;
	const std::uint32_t c = super_crc(sb);
	sb.s_crc = 0x12345678;
	EXPECT_EQ(super_crc(sb), c);
	sb.s_total_pages = 1;
	EXPECT_NE(super_crc(sb), c);
}

TEST(Checksums, InodeCrcIsSeededWithTheInodeNumber)
{
	contigfs_inode i{};
	i.i_mode = S_IFREG | 0644;
	EXPECT_NE(inode_crc(5, i), inode_crc(6, i));
	seal_inode(5, i);
	EXPECT_EQ(i.i_crc, inode_crc(5, i));
}

TEST(Uuid, RoundTrip)
{
	Uuid u;
	ASSERT_TRUE(parse_uuid("0123abcd-4567-89ef-0A1B-2c3d4e5f6a7b", u));
	EXPECT_EQ(format_uuid(u), "0123abcd-4567-89ef-0a1b-2c3d4e5f6a7b");
	EXPECT_FALSE(parse_uuid("0123abcd-4567-89ef-0a1b-2c3d4e5f6a7", u));
	EXPECT_FALSE(parse_uuid("0123abcd+4567-89ef-0a1b-2c3d4e5f6a7b", u));
	EXPECT_FALSE(parse_uuid("0123abcd-4567-89ef-0a1b-2c3d4e5f6a7g", u));
}

TEST(FileTypes, ModesMapToDirentTypes)
{
	EXPECT_EQ(file_type_of(S_IFREG | 0644), CONTIGFS_FT_REG);
	EXPECT_EQ(file_type_of(S_IFDIR), CONTIGFS_FT_DIR);
	EXPECT_EQ(file_type_of(S_IFLNK), CONTIGFS_FT_LNK);
	EXPECT_EQ(file_type_of(S_IFCHR), CONTIGFS_FT_CHR);
	EXPECT_EQ(file_type_of(S_IFBLK), CONTIGFS_FT_BLK);
	EXPECT_EQ(file_type_of(S_IFIFO), CONTIGFS_FT_FIFO);
	EXPECT_EQ(file_type_of(S_IFSOCK), CONTIGFS_FT_SOCK);
	EXPECT_EQ(file_type_of(0), CONTIGFS_FT_UNKNOWN);
	EXPECT_EQ(file_type_of(0170000), CONTIGFS_FT_UNKNOWN);
	EXPECT_EQ(mode_type_name(0170644), "type 0170000");
}

// ---- mkfs layout plans ----

class PlanSizes : public testing::TestWithParam<std::uint64_t> {};

TEST_P(PlanSizes, ValidOrderedAlignedAndSized)
{
	const std::uint64_t total = GetParam();
	MkfsOptions o;
	const Layout l = plan_layout(total, o);
	EXPECT_TRUE(check_layout(l, total).empty()) << join(check_layout(l, total));
	EXPECT_EQ(l.total_pages, total);
	EXPECT_EQ(l.journal_start, 1u);
	EXPECT_EQ(l.journal_pages, kDefaultJournalPages);
	// Contiguous fixed areas, in header order.
	EXPECT_EQ(l.ibitmap_start, l.journal_start + l.journal_pages);
	EXPECT_EQ(l.itable_start, l.ibitmap_start + l.ibitmap_pages);
	EXPECT_EQ(l.meta.bitmap_start, l.itable_start + l.itable_pages);
	EXPECT_EQ(l.data.bitmap_start, l.meta.bitmap_start + l.meta.bitmap_pages);
	EXPECT_GE(l.meta.start, l.data.bitmap_start + l.data.bitmap_pages);
	EXPECT_GE(l.data.start, l.meta.start + l.meta.pages);
	EXPECT_EQ(l.data.start + l.data.pages, total);
	// Defaults.
	const std::uint64_t n = std::clamp<std::uint64_t>(total / 16, 1024, 4194304);
	EXPECT_EQ(l.inode_count, (n + 15) / 16 * 16);
	EXPECT_EQ(l.inode_count, l.itable_pages * 16);
	EXPECT_EQ(l.ibitmap_pages, (l.inode_count + 32767) / 32768);
	EXPECT_EQ(l.meta.pages, std::clamp<std::uint64_t>(total / 8, 256,
							   std::uint64_t{1} << 30));
	EXPECT_GE(l.data.pages, kMinDataPages);
	for (const Zone *z : {&l.meta, &l.data}) {
		EXPECT_EQ(z->orders, Zone::orders_for(z->pages));
		const std::uint64_t need = Zone::bitmap_pages_for(z->pages, z->orders);
		EXPECT_GE(z->bitmap_pages, need);
		EXPECT_LE(z->bitmap_pages, need + 1) << "needlessly large";

	}
	// Alignment whenever the padding leaves a data zone.
	if (total >= 4096) {
		EXPECT_EQ(l.meta.start % kMetaAlign, 0u);
		EXPECT_EQ(l.data.start % kDataAlign, 0u);
	}
}

INSTANTIATE_TEST_SUITE_P(
	Sizes, PlanSizes,
	testing::Values(1087, 1279, 1280, 2048, 4096, 10000, 16384, 65536,
			1u << 20, std::uint64_t{1} << 28, std::uint64_t{1} << 34,
			(std::uint64_t{1} << 42) + 12345));

TEST(Plan, SmallestDevices)
{
	MkfsOptions o;
	// 1 + 507 + 1 + 64 + 1 + 1 = 575 fixed pages, 256 meta, 256 data.
	const Layout l = plan_layout(1087, o);
	EXPECT_EQ(l.meta.start, 575u) << "no room for alignment padding";
	EXPECT_EQ(l.data.pages, 256u);
	// Aligned, the data zone would have 255 pages: no alignment.
	const Layout m = plan_layout(1279, o);
	EXPECT_EQ(m.meta.start, 575u);
	EXPECT_EQ(m.data.start, 831u);
	// One more page: both aligned (768 and 1024).
	const Layout n = plan_layout(1280, o);
	EXPECT_EQ(n.meta.start, 768u);
	EXPECT_EQ(n.data.start, 1024u);
	EXPECT_EQ(n.data.pages, 256u);
	// Room for the metadata zone's alignment but not the data zone's.
	o.meta_pages = 300;
	const Layout k = plan_layout(768 + 300 + 256, o);
	EXPECT_EQ(k.meta.start, 768u);
	EXPECT_EQ(k.data.start, 1068u);
}

TEST(Plan, TooSmallIsRefusedPrecisely)
{
	MkfsOptions o;
	try {
		plan_layout(1086, o);
		FAIL() << "1086 pages accepted";
	} catch (const MkfsError &e) {
		const std::string m = e.what();
		EXPECT_NE(m.find("device too small: 1086 pages"), std::string::npos) << m;
		EXPECT_NE(m.find("leave 255 pages for the data zone, which needs "
				 "at least 256"),
			  std::string::npos)
			<< m;
	}
	EXPECT_THROW(plan_layout(0, o), MkfsError);
	EXPECT_THROW(plan_layout(100, o), MkfsError);
	o.meta_pages = 1u << 20;
	EXPECT_THROW(plan_layout(1u << 20, o), MkfsError);
}

TEST(Plan, OptionsAreApplied)
{
	MkfsOptions o;
	o.inodes = 17;
	o.journal_pages = 2;
	o.meta_pages = 300;
	const Layout l = plan_layout(1 << 16, o);
	EXPECT_EQ(l.inode_count, 32u);
	EXPECT_EQ(l.itable_pages, 2u);
	EXPECT_EQ(l.journal_pages, 2u);
	EXPECT_EQ(l.meta.pages, 300u);
	EXPECT_EQ(l.meta.orders, 9u);
	EXPECT_TRUE(check_layout(l, 1 << 16).empty());
}

TEST(Plan, NonsensicalOptionsAreRefused)
{
	auto refused = [](MkfsOptions o, const std::string &text) {
		try {
			plan_layout(1 << 16, o);
		} catch (const MkfsError &e) {
			return std::string(e.what()).find(text) != std::string::npos;
		}
		return false;
	};
	MkfsOptions o;
	o.journal_pages = 1;
	EXPECT_TRUE(refused(o, "-J 1: journal pages must be in 2..507"));
	o.journal_pages = 508;
	EXPECT_TRUE(refused(o, "-J 508"));
	o = {};
	o.inodes = 0;
	EXPECT_TRUE(refused(o, "-N 0: the inode count must be in 2..4294967296"));
	o.inodes = (std::uint64_t{1} << 32) + 1;
	EXPECT_TRUE(refused(o, "-N 4294967297"));
	o = {};
	o.meta_pages = 0;
	EXPECT_TRUE(refused(o, "-M 0"));
	o = {};
	o.label = std::string(32, 'x');
	EXPECT_TRUE(refused(o, "is 32 bytes, at most 31 fit"));
}

// ---- layout validation (what fsck refuses) ----

class LayoutCheck : public testing::Test {
protected:
	Layout good = plan_layout(16384, MkfsOptions{});
	std::vector<std::string> problems(const Layout &l, std::uint64_t dev = 16384)
	{
		return check_layout(l, dev);
	}
};

TEST_F(LayoutCheck, GoodLayoutPasses)
{
	EXPECT_TRUE(problems(good).empty());
}

TEST_F(LayoutCheck, EachFieldIsNamed)
{
	Layout l = good;
	EXPECT_TRUE(any_has(problems(l, 16000), "s_total_pages 16384 exceeds the "
						"device (16000 pages)"));
	l.itable_start -= 1;
	EXPECT_TRUE(any_has(problems(l), "s_itable_start " +
					       std::to_string(l.itable_start) +
					       " overlaps or precedes s_ibitmap"));
	l = good;
	l.journal_pages = 1;
	EXPECT_TRUE(any_has(problems(l), "s_journal_pages 1 is below 2"));
	l = good;
	l.data.pages += 1;
	EXPECT_TRUE(any_has(problems(l), "s_data [" + std::to_string(l.data.start) +
						 ", +" + std::to_string(l.data.pages) +
						 ") extends past s_total_pages"));
	l = good;
	l.inode_count += 1;
	EXPECT_TRUE(any_has(problems(l), "s_inode_count 1025 is not s_itable_pages 64 * 16"));
	l = good;
	l.ibitmap_pages = 0;
	EXPECT_TRUE(any_has(problems(l), "s_ibitmap_pages 0 is below 1"));
	l = good;
	l.meta.orders = 0;
	EXPECT_TRUE(any_has(problems(l), "s_meta.orders 0 is not in 1..41"));
	l = good;
	l.data.orders = 15;
	EXPECT_TRUE(any_has(problems(l), "s_data.orders 15: a block of order 14 is "
					 "larger than the zone"));
	l = good;
	l.meta.orders = 1;	// fewer orders than possible is valid
	EXPECT_TRUE(problems(l).empty());
	l = good;
	l.data.pages = 300000;
	l.total_pages = l.data.start + l.data.pages;
	const std::uint64_t need = Zone::bitmap_pages_for(300000, l.data.orders);
	EXPECT_TRUE(any_has(problems(l, l.total_pages),
			    "s_data.bitmap_pages 1 is below the " +
				    std::to_string(need) + " pages"))
		<< join(problems(l, l.total_pages));
}
