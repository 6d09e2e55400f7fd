#include "pattern.h"

#include <sstream>

namespace flashnet::verbs {

namespace {

std::uint64_t mix(std::uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

} // namespace

std::uint8_t pattern_byte(std::uint64_t seed, std::uint64_t pos)
{
	const std::uint64_t word = mix(mix(seed) ^ (pos >> 3));
	return static_cast<std::uint8_t>(word >> ((pos & 7) * 8));
}

void fill_pattern(std::span<std::uint8_t> buf, std::uint64_t seed,
		  std::uint64_t pos)
{
	const std::uint64_t s = mix(seed);
	for (std::size_t i = 0; i < buf.size(); i++) {
		const std::uint64_t p = pos + i;
		buf[i] = static_cast<std::uint8_t>(mix(s ^ (p >> 3)) >>
						   ((p & 7) * 8));
	}
}

std::string Mismatch::describe() const
{
	std::ostringstream os;
	os << count << " byte(s) differ, first at pattern position " << pos
	   << ": want 0x" << std::hex << int(want) << ", got 0x" << int(got);
	return os.str();
}

std::optional<Mismatch> check_pattern(std::span<const std::uint8_t> buf,
				      std::uint64_t seed, std::uint64_t pos)
{
	std::optional<Mismatch> first;
	const std::uint64_t s = mix(seed);
	for (std::size_t i = 0; i < buf.size(); i++) {
		const std::uint64_t p = pos + i;
		const auto want = static_cast<std::uint8_t>(
			mix(s ^ (p >> 3)) >> ((p & 7) * 8));
		if (buf[i] == want)
			continue;
		if (!first)
			first = Mismatch{p, want, buf[i], 0};
		first->count++;
	}
	return first;
}

std::vector<std::uint32_t> split_lengths(std::uint32_t total, unsigned parts,
					 std::uint64_t salt)
{
	std::vector<std::uint32_t> out;
	if (total == 0 || parts == 0)
		return out;
	if (parts > total)
		parts = total;
	std::vector<std::uint64_t> weight(parts);
	std::uint64_t sum = 0;
	for (unsigned i = 0; i < parts; i++) {
		weight[i] = 1 + mix(salt + i) % 7;
		sum += weight[i];
	}
	// Every piece gets one byte; the rest is shared by weight.
	const std::uint64_t spare = total - parts;
	std::uint64_t given = 0;
	for (unsigned i = 0; i < parts; i++) {
		std::uint64_t n = 1 + spare * weight[i] / sum;
		given += n;
		out.push_back(static_cast<std::uint32_t>(n));
	}
	out.back() += static_cast<std::uint32_t>(total - given);
	return out;
}

} // namespace flashnet::verbs
