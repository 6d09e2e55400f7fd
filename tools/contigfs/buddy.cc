// SPDX-License-Identifier: GPL-2.0
#include "buddy.h"

#include <algorithm>
#include <cstring>
#include <sstream>

namespace flashnet::contigfs {

bool block_valid(const Zone &zone, const Block &b)
{
	if (zone.orders == 0 || b.order > zone.max_order() ||
	    b.order > kMaxOrder)
		return false;
	if (b.start & (b.pages() - 1))
		return false;
	return b.start < zone.pages && b.pages() <= zone.pages - b.start;
}

namespace {

// Merged, sorted, non-overlapping page intervals [first, second).
using Intervals = std::vector<std::pair<std::uint64_t, std::uint64_t>>;

Intervals merge(std::vector<Block> blocks, std::uint64_t limit)
{
	std::sort(blocks.begin(), blocks.end());
	Intervals iv;
	for (const Block &b : blocks) {
		if (b.order >= 64 || b.start >= limit)
			continue;
		const std::uint64_t end = std::min(
			limit, b.pages() > limit - b.start ? limit : b.end());
		if (!iv.empty() && b.start <= iv.back().second)
			iv.back().second = std::max(iv.back().second, end);
		else
			iv.emplace_back(b.start, end);
	}
	return iv;
}

enum class Cover { none, partial, full };

Cover coverage(const Intervals &iv, std::uint64_t start, std::uint64_t end)
{
	// First interval ending after start.
	auto it = std::upper_bound(
		iv.begin(), iv.end(), start,
		[](std::uint64_t v, const auto &p) { return v < p.second; });
	if (it == iv.end() || it->first >= end)
		return Cover::none;
	if (it->first <= start && it->second >= end)
		return Cover::full;
	return Cover::partial;
}

} // namespace

std::vector<std::uint64_t> canonical_bits(const Zone &zone,
					  std::vector<Block> allocated)
{
	std::vector<std::uint64_t> bits;
	if (zone.orders == 0 || zone.pages == 0)
		return bits;
	const Intervals iv = merge(std::move(allocated), zone.pages);
	const unsigned K = zone.max_order();
	std::vector<std::uint64_t> off(zone.orders);
	for (unsigned k = 0; k < zone.orders; k++)
		off[k] = zone.order_offset(k);

	// Depth-first over the buddy tree below each order-K block (and the
	// partial one at the end). A free block inside the zone whose
	// parent is not free-and-inside is maximal; we only descend into
	// blocks that are partly used or extend past P, so every free block
	// reached is maximal.
	struct Node {
		unsigned order;
		std::uint64_t index;
	};
	std::vector<Node> stack;
	const std::uint64_t tops = (zone.pages + (std::uint64_t{1} << K) - 1) >> K;
	for (std::uint64_t t = tops; t-- > 0;)
		stack.push_back({K, t});
	while (!stack.empty()) {
		const Node n = stack.back();
		stack.pop_back();
		const std::uint64_t start = n.index << n.order;
		const std::uint64_t size = std::uint64_t{1} << n.order;
		if (start >= zone.pages)
			continue;
		const bool inside = size <= zone.pages - start;
		const Cover c = coverage(iv, start, inside ? start + size : zone.pages);
		if (c == Cover::full)
			continue;
		if (c == Cover::none && inside) {
			bits.push_back(off[n.order] + n.index);
			continue;
		}
		if (n.order == 0)
			continue;
		stack.push_back({n.order - 1, 2 * n.index + 1});
		stack.push_back({n.order - 1, 2 * n.index});
	}
	std::sort(bits.begin(), bits.end());
	return bits;
}

BitMeaning bit_meaning(const Zone &zone, std::uint64_t bit)
{
	BitMeaning m;
	std::uint64_t off = 0;
	for (unsigned k = 0; k < zone.orders; k++) {
		const std::uint64_t n = zone.pages >> k;
		const std::uint64_t next = off + ((n + 63) & ~std::uint64_t{63});
		if (bit < next) {
			if (bit - off < n) {
				m.padding = false;
				m.order = k;
				m.block = bit - off;
			}
			return m;
		}
		off = next;
	}
	return m;
}

std::string describe_bit(const Zone &zone, std::uint64_t bit)
{
	const BitMeaning m = bit_meaning(zone, bit);
	std::ostringstream s;
	if (m.padding) {
		s << "padding bit " << bit;
		return s.str();
	}
	const std::uint64_t first = m.block << m.order;
	s << "order " << m.order << " block " << m.block << " (pages " << first;
	if (m.order)
		s << ".." << first + (std::uint64_t{1} << m.order) - 1;
	s << ")";
	return s.str();
}

void render_bitmap_pages(
	const std::vector<std::uint64_t> &bits,
	const std::function<void(std::uint64_t, const std::uint8_t *)> &page_fn)
{
	std::vector<std::uint8_t> page(kPageSize);
	std::size_t i = 0;
	while (i < bits.size()) {
		const std::uint64_t index = bits[i] / kBitsPerPage;
		std::fill(page.begin(), page.end(), 0);
		for (; i < bits.size() && bits[i] / kBitsPerPage == index; i++)
			set_bit(page.data(), bits[i] % kBitsPerPage);
		page_fn(index, page.data());
	}
}

BuddyAllocator::BuddyAllocator(const Zone &zone)
	: zone_(zone), free_(zone.orders)
{
	for (std::uint64_t bit : canonical_bits(zone, {})) {
		const BitMeaning m = bit_meaning(zone, bit);
		insert_free(m.block << m.order, m.order);
	}
}

void BuddyAllocator::insert_free(std::uint64_t start, unsigned order)
{
	free_[order].insert(start);
	free_pages_ += std::uint64_t{1} << order;
}

std::optional<std::uint64_t> BuddyAllocator::allocate(unsigned order)
{
	if (order >= zone_.orders)
		return std::nullopt;
	unsigned j = order;
	while (j < zone_.orders && free_[j].empty())
		j++;
	if (j == zone_.orders)
		return std::nullopt;
	const std::uint64_t start = *free_[j].begin();
	free_[j].erase(free_[j].begin());
	free_pages_ -= std::uint64_t{1} << j;
	while (j > order) {
		j--;
		insert_free(start + (std::uint64_t{1} << j), j);
	}
	allocated_[start] = order;
	return start;
}

bool BuddyAllocator::reserve(const Block &b)
{
	if (!block_valid(zone_, b))
		return false;
	// The free block containing b, if any.
	for (unsigned j = b.order; j < zone_.orders; j++) {
		const std::uint64_t s = b.start & ~((std::uint64_t{1} << j) - 1);
		auto it = free_[j].find(s);
		if (it == free_[j].end())
			continue;
		free_[j].erase(it);
		free_pages_ -= std::uint64_t{1} << j;
		// Split down to b, keeping the halves b is not in.
		std::uint64_t cur = s;
		while (j > b.order) {
			j--;
			const std::uint64_t half = std::uint64_t{1} << j;
			if (b.start >= cur + half) {
				insert_free(cur, j);
				cur += half;
			} else {
				insert_free(cur + half, j);
			}
		}
		allocated_[b.start] = b.order;
		return true;
	}
	return false;
}

bool BuddyAllocator::free(const Block &b)
{
	auto it = allocated_.find(b.start);
	if (it == allocated_.end() || it->second != b.order)
		return false;
	allocated_.erase(it);
	std::uint64_t start = b.start;
	unsigned k = b.order;
	while (k < zone_.max_order()) {
		const std::uint64_t size = std::uint64_t{1} << k;
		const std::uint64_t parent = start & ~(2 * size - 1);
		if (2 * size > zone_.pages - parent)
			break;	// the parent extends past P
		const std::uint64_t buddy = start ^ size;
		auto bit = free_[k].find(buddy);
		if (bit == free_[k].end())
			break;
		free_[k].erase(bit);
		free_pages_ -= size;
		start = parent;
		k++;
	}
	insert_free(start, k);
	return true;
}

std::vector<Block> BuddyAllocator::allocated() const
{
	std::vector<Block> v;
	for (auto [start, order] : allocated_)
		v.push_back({start, order});
	return v;
}

std::vector<std::uint64_t> BuddyAllocator::free_bits() const
{
	std::vector<std::uint64_t> bits;
	for (unsigned k = 0; k < zone_.orders; k++) {
		const std::uint64_t off = zone_.order_offset(k);
		for (std::uint64_t s : free_[k])
			bits.push_back(off + (s >> k));
	}
	std::sort(bits.begin(), bits.end());
	return bits;
}

} // namespace flashnet::contigfs
