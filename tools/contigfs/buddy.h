// SPDX-License-Identifier: GPL-2.0
// Buddy zones: the canonical free-block bitmaps as a function of the
// allocated blocks (the reference fsck compares against), and a reference
// allocator whose free lists are always that canonical state.
#pragma once

#include "layout.h"

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace flashnet::contigfs {

// A block: 2^order pages at zone-relative page `start`.
struct Block {
	std::uint64_t start = 0;
	unsigned order = 0;

	std::uint64_t pages() const { return std::uint64_t{1} << order; }
	std::uint64_t end() const { return start + pages(); }
	bool operator==(const Block &) const = default;
	auto operator<=>(const Block &) const = default;
};

// Is `b` a block of `zone`: order <= K, aligned, inside the zone?
bool block_valid(const Zone &zone, const Block &b);

// The bits set in the canonical state of `zone` when `allocated` (any
// order; overlapping blocks count as their union) are in use: sorted bit
// numbers within the zone's bitmap area (off_k + block index).
std::vector<std::uint64_t> canonical_bits(const Zone &zone,
					  std::vector<Block> allocated);

// What bit `bit` of a zone's bitmap area stands for.
struct BitMeaning {
	bool padding = true;	// not a block: alignment or past the last order
	unsigned order = 0;
	std::uint64_t block = 0;	// index within the order
};
BitMeaning bit_meaning(const Zone &zone, std::uint64_t bit);
// "order 3 block 5 (pages 40..47)" or "padding bit 1234".
std::string describe_bit(const Zone &zone, std::uint64_t bit);

// Calls `page_fn(page_index, page)` for every bitmap page (relative to
// the zone's bitmap_start) that holds a set bit, in order.
void render_bitmap_pages(
	const std::vector<std::uint64_t> &bits,
	const std::function<void(std::uint64_t, const std::uint8_t *)> &page_fn);

// A buddy allocator over one zone. Frees coalesce eagerly, so the free
// lists are exactly the canonical state of the allocated blocks. The
// choice of block is deterministic (lowest address of the smallest order
// that fits); the kernel may choose differently, which fsck does not care
// about.
class BuddyAllocator {
public:
	explicit BuddyAllocator(const Zone &zone);

	std::optional<std::uint64_t> allocate(unsigned order);
	// Takes a specific free block; false if any page of it is in use or
	// it is not a block of the zone.
	bool reserve(const Block &b);
	// Frees an allocated block; false if it is not allocated as such.
	bool free(const Block &b);

	const Zone &zone() const { return zone_; }
	std::vector<Block> allocated() const;
	std::uint64_t free_pages() const { return free_pages_; }
	// The bitmap bits of the free lists (sorted), i.e. the canonical
	// state of allocated().
	std::vector<std::uint64_t> free_bits() const;

private:
	void insert_free(std::uint64_t start, unsigned order);

	Zone zone_;
	std::vector<std::set<std::uint64_t>> free_;	// per order: starts
	std::map<std::uint64_t, unsigned> allocated_;	// start -> order
	std::uint64_t free_pages_ = 0;
};

} // namespace flashnet::contigfs
