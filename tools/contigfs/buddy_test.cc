// SPDX-License-Identifier: GPL-2.0
#include "buddy.h"

#include <gtest/gtest.h>
#include <random>

using namespace flashnet::contigfs;

namespace {

Zone zone(std::uint64_t pages, unsigned orders = 0)
{
	Zone z;
	z.pages = pages;
	z.orders = orders ? orders : Zone::orders_for(pages);
	z.bitmap_pages = Zone::bitmap_pages_for(z.pages, z.orders);
	return z;
}

// Bit of (order, block) in zone z.
std::uint64_t bit(const Zone &z, unsigned order, std::uint64_t block)
{
	return z.order_offset(order) + block;
}

// The canonical state by brute force, straight from the header's words:
// bit (k, b) set iff block b of order k is free (no allocated page) and
// k == K, or its parent extends past P or holds an allocated page.
std::vector<std::uint64_t> brute(const Zone &z, const std::vector<Block> &used)
{
	std::vector<bool> alloc(z.pages);
	for (const Block &b : used)
		for (std::uint64_t p = b.start; p < b.end() && p < z.pages; p++)
			alloc[p] = true;
	auto free_range = [&](std::uint64_t s, std::uint64_t n) {
		for (std::uint64_t p = s; p < s + n; p++)
			if (alloc[p])
				return false;
		return true;
	};
	std::vector<std::uint64_t> bits;
	for (unsigned k = 0; k < z.orders; k++) {
		const std::uint64_t n = std::uint64_t{1} << k;
		for (std::uint64_t b = 0; b < (z.pages >> k); b++) {
			if (!free_range(b * n, n))
				continue;
			const std::uint64_t ps = (b / 2) * 2 * n;
			const bool maximal = k == z.max_order() ||
					     ps + 2 * n > z.pages ||
					     !free_range(ps, 2 * n);
			if (maximal)
				bits.push_back(bit(z, k, b));
		}
	}
	std::sort(bits.begin(), bits.end());
	return bits;
}

} // namespace

TEST(Canonical, EmptyPowerOfTwoZoneIsOneTopBlock)
{
	const Zone z = zone(8);
	EXPECT_EQ(canonical_bits(z, {}), std::vector<std::uint64_t>{bit(z, 3, 0)});
}

TEST(Canonical, EmptyOddZoneIsItsBinaryDecomposition)
{
	const Zone z = zone(5);	// K = 2: pages 0..3 and page 4
	EXPECT_EQ(canonical_bits(z, {}),
		  (std::vector<std::uint64_t>{bit(z, 0, 4), bit(z, 2, 0)}));
	const Zone y = zone(6);	// pages 0..3, 4..5
	EXPECT_EQ(canonical_bits(y, {}),
		  (std::vector<std::uint64_t>{bit(y, 1, 2), bit(y, 2, 0)}));
}

TEST(Canonical, FewerOrdersThanPossible)
{
	const Zone z = zone(16, 3);	// K = 2 although 16 = 2^4
	EXPECT_EQ(canonical_bits(z, {}),
		  (std::vector<std::uint64_t>{bit(z, 2, 0), bit(z, 2, 1),
					      bit(z, 2, 2), bit(z, 2, 3)}));
}

TEST(Canonical, OnePageTakenSplitsEveryOrder)
{
	const Zone z = zone(8);
	EXPECT_EQ(canonical_bits(z, {{0, 0}}),
		  (std::vector<std::uint64_t>{bit(z, 0, 1), bit(z, 1, 1),
					      bit(z, 2, 1)}));
	EXPECT_EQ(canonical_bits(z, {{0, 3}}), std::vector<std::uint64_t>{});
	// Overlapping blocks count as their union.
	EXPECT_EQ(canonical_bits(z, {{0, 1}, {0, 0}, {4, 0}}),
		  (std::vector<std::uint64_t>{bit(z, 0, 5), bit(z, 1, 1),
					      bit(z, 1, 3)}));
}

TEST(Canonical, MatchesBruteForceOnRandomAllocations)
{
	std::mt19937_64 rng(7);
	for (std::uint64_t pages : {1, 2, 3, 7, 64, 100, 257, 1000, 4096}) {
		const Zone z = zone(pages);
		for (int round = 0; round < 50; round++) {
			std::vector<Block> used;
			const int n = static_cast<int>(rng() % 6);
			for (int i = 0; i < n; i++) {
				const unsigned k = static_cast<unsigned>(rng() % z.orders);
				const std::uint64_t blocks = pages >> k;
				used.push_back({(rng() % blocks) << k, k});
			}
			EXPECT_EQ(canonical_bits(z, used), brute(z, used))
				<< "pages " << pages << " round " << round;
		}
	}
}

TEST(Canonical, BitMeaningAndPadding)
{
	const Zone z = zone(100);	// orders 0..6
	BitMeaning m = bit_meaning(z, 99);
	EXPECT_FALSE(m.padding);
	EXPECT_EQ(m.order, 0u);
	EXPECT_EQ(m.block, 99u);
	EXPECT_TRUE(bit_meaning(z, 100).padding);	// order 0 rounded to 128
	m = bit_meaning(z, 128 + 49);
	EXPECT_FALSE(m.padding);
	EXPECT_EQ(m.order, 1u);
	EXPECT_EQ(m.block, 49u);
	EXPECT_TRUE(bit_meaning(z, 128 + 50).padding);
	EXPECT_TRUE(bit_meaning(z, z.bitmap_bits()).padding);
	EXPECT_EQ(describe_bit(z, 128 + 3), "order 1 block 3 (pages 6..7)");
	EXPECT_EQ(describe_bit(z, 5), "order 0 block 5 (pages 5)");
	EXPECT_EQ(describe_bit(z, 100), "padding bit 100");
}

TEST(Canonical, RenderedPagesHoldTheBits)
{
	const std::vector<std::uint64_t> bits = {0, 9, 32768 + 1, 3 * 32768 + 7};
	std::vector<std::uint64_t> pages;
	render_bitmap_pages(bits, [&](std::uint64_t index, const std::uint8_t *p) {
		pages.push_back(index);
		for (std::uint64_t b : bits) {
			if (b / 32768 == index) {
				EXPECT_TRUE(test_bit(p, b % 32768));
			}
		}
	});
	EXPECT_EQ(pages, (std::vector<std::uint64_t>{0, 1, 3}));
}

TEST(BlockValid, AlignedInsideAndOrderBounded)
{
	const Zone z = zone(100);
	EXPECT_TRUE(block_valid(z, {96, 2}));
	EXPECT_TRUE(block_valid(z, {98, 1}));
	EXPECT_FALSE(block_valid(z, {97, 1}));	// misaligned
	EXPECT_FALSE(block_valid(z, {100, 0}));	// outside
	EXPECT_FALSE(block_valid(z, {64, 6}));	// 64..127 past 100
	EXPECT_FALSE(block_valid(z, {0, 7}));	// order > K
}

TEST(Allocator, FreeListsAreAlwaysTheCanonicalState)
{
	std::mt19937_64 rng(11);
	for (std::uint64_t pages : {1, 5, 100, 256, 1000, 3000}) {
		const Zone z = zone(pages);
		BuddyAllocator a(z);
		std::vector<Block> live;
		for (int step = 0; step < 400; step++) {
			if (live.empty() || rng() % 3) {
				const unsigned k = static_cast<unsigned>(rng() % (z.orders + 1));
				auto s = a.allocate(k);
				if (s) {
					ASSERT_TRUE(block_valid(z, {*s, k}));
					live.push_back({*s, k});
				}
			} else {
				const std::size_t i = rng() % live.size();
				ASSERT_TRUE(a.free(live[i]));
				live.erase(live.begin() + static_cast<std::ptrdiff_t>(i));
			}
			ASSERT_EQ(a.free_bits(), canonical_bits(z, live))
				<< "pages " << pages << " step " << step;
			std::uint64_t used = 0;
			for (const Block &b : live)
				used += b.pages();
			ASSERT_EQ(a.free_pages() + used, pages);
		}
		for (const Block &b : live)
			ASSERT_TRUE(a.free(b));
		EXPECT_EQ(a.free_bits(), canonical_bits(z, {}));
	}
}

TEST(Allocator, ReserveTakesExactlyThatBlock)
{
	const Zone z = zone(64);
	BuddyAllocator a(z);
	EXPECT_TRUE(a.reserve({40, 3}));
	EXPECT_FALSE(a.reserve({40, 0}));	// in use
	EXPECT_FALSE(a.reserve({41, 1}));	// misaligned
	EXPECT_TRUE(a.reserve({0, 0}));
	EXPECT_EQ(a.free_bits(), canonical_bits(z, {{40, 3}, {0, 0}}));
	EXPECT_FALSE(a.free({40, 2}));	// not allocated as such
	EXPECT_TRUE(a.free({40, 3}));
	EXPECT_EQ(a.free_bits(), canonical_bits(z, {{0, 0}}));
}

TEST(Allocator, LowestAddressOfTheSmallestFit)
{
	const Zone z = zone(13);	// free: 0..7 (order 3), 8..11 (2), 12 (0)
	BuddyAllocator a(z);
	EXPECT_EQ(a.allocate(0), 12u);
	EXPECT_EQ(a.allocate(1), 8u);
	EXPECT_EQ(a.allocate(0), 10u);
	EXPECT_EQ(a.allocate(3), 0u);
	EXPECT_EQ(a.allocate(0), 11u);
	EXPECT_FALSE(a.allocate(0));
	EXPECT_FALSE(a.allocate(4));
}
