// SPDX-License-Identifier: GPL-2.0
#include "fsx_pattern.h"

#include <algorithm>

namespace flashnet::fstest {

namespace {

constexpr std::uint64_t kMul1 = 0xbf58476d1ce4e5b9ULL;
constexpr std::uint64_t kMul2 = 0x94d049bb133111ebULL;

// Inverse of an odd number modulo 2^64 (Newton: each step doubles the
// correct low bits).
constexpr std::uint64_t inverse(std::uint64_t a)
{
	std::uint64_t x = a;
	for (int i = 0; i < 6; i++)
		x *= 2 - a * x;
	return x;
}

constexpr std::uint64_t kInv1 = inverse(kMul1);
constexpr std::uint64_t kInv2 = inverse(kMul2);
static_assert(kMul1 * kInv1 == 1 && kMul2 * kInv2 == 1);

// Inverse of x ^= x >> s.
constexpr std::uint64_t unshift(std::uint64_t y, unsigned s)
{
	std::uint64_t x = y;
	for (unsigned done = s; done < 64; done += s)
		x = y ^ (x >> s);
	return x;
}

std::uint64_t load_le(const std::uint8_t *p)
{
	std::uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

} // namespace

std::uint64_t mix64(std::uint64_t z)
{
	z = (z ^ (z >> 30)) * kMul1;
	z = (z ^ (z >> 27)) * kMul2;
	return z ^ (z >> 31);
}

std::uint64_t unmix64(std::uint64_t z)
{
	z = unshift(z, 31) * kInv2;
	z = unshift(z, 27) * kInv1;
	return unshift(z, 30);
}

std::uint64_t Rng::next()
{
	state_ += 0x9e3779b97f4a7c15ULL;
	return mix64(state_);
}

std::uint64_t Rng::below(std::uint64_t n)
{
	// Rejection keeps it uniform; n is tiny next to 2^64 in practice.
	const std::uint64_t limit = -n % n;
	for (;;) {
		std::uint64_t r = next();
		if (r >= limit)
			return r % n;
	}
}

std::uint64_t Rng::range(std::uint64_t lo, std::uint64_t hi)
{
	if (hi - lo == ~0ULL)
		return next();
	return lo + below(hi - lo + 1);
}

Pattern::Pattern(std::uint64_t seed) : key_(mix64(seed ^ 0x6673782d66736e66ULL))
{
}

std::uint64_t Pattern::word(std::uint64_t op, std::uint64_t group) const
{
	return mix64(((op & kOpMask) << kGroupBits | (group & kGroupMask)) ^
		     key_);
}

std::uint8_t Pattern::byte(std::uint64_t op, std::uint64_t off) const
{
	return static_cast<std::uint8_t>(word(op, off / 8) >> (off % 8 * 8));
}

void Pattern::fill(std::uint8_t *buf, std::uint64_t op, std::uint64_t off,
		   std::size_t len) const
{
	std::size_t i = 0;
	while (i < len) {
		const std::uint64_t at = off + i;
		const std::uint64_t w = word(op, at / 8);
		const unsigned first = at % 8;
		const std::size_t n = std::min<std::size_t>(8 - first, len - i);
		if (first == 0 && n == 8) {
			for (unsigned b = 0; b < 8; b++)
				buf[i + b] = static_cast<std::uint8_t>(w >> (8 * b));
		} else {
			for (std::size_t b = 0; b < n; b++)
				buf[i + b] = static_cast<std::uint8_t>(
					w >> (8 * (first + b)));
		}
		i += n;
	}
}

Pattern::Origin Pattern::origin(const std::uint8_t *bytes) const
{
	const std::uint64_t v = unmix64(load_le(bytes)) ^ key_;
	return {v >> kGroupBits, v & kGroupMask};
}

} // namespace flashnet::fstest
