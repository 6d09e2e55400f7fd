// SPDX-License-Identifier: GPL-2.0
#include "fsx_model.h"

#include <algorithm>
#include <cstring>

namespace flashnet::fstest {

void Model::split(std::uint64_t at)
{
	auto it = ext_.upper_bound(at);
	if (it == ext_.begin())
		return;
	--it;
	if (it->first < at && it->second.end > at) {
		ext_.emplace(at, Extent{it->second.end, it->second.op});
		it->second.end = at;
	}
}

void Model::write(std::uint64_t off, std::uint64_t len, std::uint64_t op)
{
	if (!len)
		return;
	const std::uint64_t end = off + len;
	split(off);
	split(end);
	ext_.erase(ext_.lower_bound(off), ext_.lower_bound(end));
	ext_.emplace(off, Extent{end, op});
	size_ = std::max(size_, end);
}

void Model::truncate(std::uint64_t size)
{
	if (size < size_) {
		split(size);
		ext_.erase(ext_.lower_bound(size), ext_.end());
	}
	size_ = size;
}

std::uint64_t Model::writer(std::uint64_t off) const
{
	auto it = ext_.upper_bound(off);
	if (it == ext_.begin())
		return 0;
	--it;
	return off < it->second.end ? it->second.op : 0;
}

void Model::expected(const Pattern &p, std::uint8_t *buf, std::uint64_t off,
		     std::size_t len) const
{
	std::memset(buf, 0, len);
	const std::uint64_t end = off + len;
	auto it = ext_.upper_bound(off);
	if (it != ext_.begin())
		--it;
	for (; it != ext_.end() && it->first < end; ++it) {
		const std::uint64_t s = std::max(it->first, off);
		const std::uint64_t e = std::min(it->second.end, end);
		if (s < e)
			p.fill(buf + (s - off), it->second.op, s, e - s);
	}
}

} // namespace flashnet::fstest
