#include "pattern.h"

#include <gtest/gtest.h>

#include <numeric>

using namespace flashnet::verbs;

TEST(Pattern, FillMatchesBytewiseAndIsPositional)
{
	std::vector<std::uint8_t> a(1000), b(600);
	fill_pattern(a, 42, 0);
	fill_pattern(b, 42, 400);
	for (std::size_t i = 0; i < a.size(); i++)
		ASSERT_EQ(a[i], pattern_byte(42, i));
	// A sub-range generated on its own equals the same range of the whole.
	EXPECT_TRUE(std::equal(b.begin(), b.end(), a.begin() + 400));
	EXPECT_FALSE(check_pattern(b, 42, 400));
}

TEST(Pattern, SeedsAndOffsetsDiffer)
{
	std::vector<std::uint8_t> a(4096), b(4096);
	fill_pattern(a, 1, 0);
	fill_pattern(b, 2, 0);
	EXPECT_NE(a, b);
	fill_pattern(b, 1, 1);
	EXPECT_NE(a, b);	// shifted by one byte
	// Not constant: a stuck byte or zero page would not match by luck.
	EXPECT_GT(std::count(a.begin(), a.end(), a[0]), 0);
	EXPECT_LT(std::count(a.begin(), a.end(), a[0]), 100);
}

TEST(Pattern, CheckFindsFirstMismatchAndCounts)
{
	std::vector<std::uint8_t> a(5000);
	fill_pattern(a, 7, 123);
	a[17] ^= 1;
	a[4000] ^= 0x80;
	auto m = check_pattern(a, 7, 123);
	ASSERT_TRUE(m);
	EXPECT_EQ(m->pos, 123u + 17);
	EXPECT_EQ(m->count, 2u);
	EXPECT_EQ(m->got, a[17]);
	EXPECT_EQ(m->want, pattern_byte(7, 140));
	EXPECT_NE(m->describe().find("2 byte(s) differ"), std::string::npos);
	// The wrong seed or offset fails as a whole.
	fill_pattern(a, 7, 123);
	EXPECT_TRUE(check_pattern(a, 8, 123));
	EXPECT_TRUE(check_pattern(a, 7, 124));
	EXPECT_FALSE(check_pattern(std::span<const std::uint8_t>(), 7, 0));
}

TEST(Pattern, SplitLengthsSumsAndIsUneven)
{
	for (std::uint32_t total : {1u, 5u, 6u, 7u, 1000u, 4097u, 70001u})
		for (unsigned parts = 1; parts <= 6; parts++) {
			auto l = split_lengths(total, parts, total * 31 + parts);
			EXPECT_EQ(std::accumulate(l.begin(), l.end(), 0ull), total);
			EXPECT_EQ(l.size(), std::min<std::size_t>(parts, total));
			for (auto n : l)
				EXPECT_GT(n, 0u);
		}
	auto l = split_lengths(70001, 6, 3);
	EXPECT_NE(std::adjacent_find(l.begin(), l.end(), std::not_equal_to<>()), l.end());
	EXPECT_TRUE(split_lengths(0, 3, 1).empty());
	EXPECT_TRUE(split_lengths(10, 0, 1).empty());
}
