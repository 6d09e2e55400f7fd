// SPDX-License-Identifier: GPL-2.0
// What flashnet-fsx writes: every aligned 8-byte group of the file holds a
// word that is a bijective mix of (seed, op number, offset), so the bytes
// look random, every byte depends on the op that wrote it, and a whole
// group read back can be decoded into the op (modulo 2^24) and the offset
// it was meant for. Pure: no I/O.
#pragma once

#include <cstddef>
#include <cstdint>

namespace flashnet::fstest {

// SplitMix64 output function: a bijection on 64-bit words, and its inverse.
std::uint64_t mix64(std::uint64_t x);
std::uint64_t unmix64(std::uint64_t x);

// SplitMix64: the op generator's random numbers.
class Rng {
public:
	explicit Rng(std::uint64_t seed) : state_(seed) {}
	std::uint64_t next();
	// Uniform in [0, n); n > 0.
	std::uint64_t below(std::uint64_t n);
	// Uniform in [lo, hi]; lo <= hi.
	std::uint64_t range(std::uint64_t lo, std::uint64_t hi);
	// True with probability 1/n.
	bool one_in(std::uint64_t n) { return below(n) == 0; }

private:
	std::uint64_t state_;
};

class Pattern {
public:
	static constexpr unsigned kOpBits = 24;
	static constexpr unsigned kGroupBits = 40;	// offsets up to 8 TiB
	static constexpr std::uint64_t kOpMask = (1ULL << kOpBits) - 1;
	static constexpr std::uint64_t kGroupMask = (1ULL << kGroupBits) - 1;

	explicit Pattern(std::uint64_t seed);

	// The word op `op` (>= 1) writes at the group starting at 8 * group.
	std::uint64_t word(std::uint64_t op, std::uint64_t group) const;
	std::uint8_t byte(std::uint64_t op, std::uint64_t off) const;
	// The bytes op `op` writes at [off, off + len).
	void fill(std::uint8_t *buf, std::uint64_t op, std::uint64_t off,
		  std::size_t len) const;
	// Where 8 bytes read at an aligned group would come from if they were
	// a word of this seed: the op (modulo 2^24) and the group it was
	// written for. Any 8 bytes decode to something (the mix is a
	// bijection); the caller confirms against the ops it knows.
	struct Origin {
		std::uint64_t op;	// modulo 2^24
		std::uint64_t group;	// modulo 2^40
	};
	Origin origin(const std::uint8_t *bytes) const;

private:
	std::uint64_t key_;
};

} // namespace flashnet::fstest
