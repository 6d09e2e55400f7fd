// Seeded data patterns: the byte at absolute position POS of pattern SEED
// is a pure function of (SEED, POS), so any sub-range of a transfer can be
// generated on one side and checked on the other without shipping data.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace flashnet::verbs {

std::uint8_t pattern_byte(std::uint64_t seed, std::uint64_t pos);

// buf[i] = pattern_byte(seed, pos + i)
void fill_pattern(std::span<std::uint8_t> buf, std::uint64_t seed,
		  std::uint64_t pos);

struct Mismatch {
	std::uint64_t pos;	// absolute pattern position
	std::uint8_t want;
	std::uint8_t got;
	std::uint64_t count;	// mismatching bytes in the checked range
	std::string describe() const;
};

// The first byte of buf that differs from the pattern, with the number of
// differing bytes; nothing if buf holds exactly the pattern.
std::optional<Mismatch> check_pattern(std::span<const std::uint8_t> buf,
				      std::uint64_t seed, std::uint64_t pos);

// Splits TOTAL bytes into PARTS uneven non-empty pieces (fewer if TOTAL <
// PARTS) whose sizes depend on SALT, so both sides of a transfer can use
// different scatter/gather boundaries. The pieces sum to TOTAL.
std::vector<std::uint32_t> split_lengths(std::uint32_t total, unsigned parts,
					 std::uint64_t salt);

} // namespace flashnet::verbs
