// SPDX-License-Identifier: GPL-2.0
#include "crc32c.h"

#include <array>
#include <cstring>

namespace flashnet {

namespace {

// Slice-by-8 tables for the reflected Castagnoli polynomial.
using CrcTables = std::array<std::array<std::uint32_t, 256>, 8>;

constexpr CrcTables make_crc_tables()
{
	CrcTables t{};
	for (std::uint32_t i = 0; i < 256; i++) {
		std::uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0x82f63b78u & (0u - (c & 1)));
		t[0][i] = c;
	}
	for (std::uint32_t i = 0; i < 256; i++)
		for (int s = 1; s < 8; s++)
			t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xff];
	return t;
}

constexpr CrcTables kCrc = make_crc_tables();

} // namespace

std::uint32_t crc32c(std::uint32_t c, const void *data, std::size_t len)
{
	const auto *p = static_cast<const std::uint8_t *>(data);
	while (len >= 8) {
		std::uint64_t w;
		std::memcpy(&w, p, sizeof(w));
		w ^= c;
		c = kCrc[7][w & 0xff] ^ kCrc[6][(w >> 8) & 0xff] ^
		    kCrc[5][(w >> 16) & 0xff] ^ kCrc[4][(w >> 24) & 0xff] ^
		    kCrc[3][(w >> 32) & 0xff] ^ kCrc[2][(w >> 40) & 0xff] ^
		    kCrc[1][(w >> 48) & 0xff] ^ kCrc[0][w >> 56];
		p += 8;
		len -= 8;
	}
	while (len--)
		c = (c >> 8) ^ kCrc[0][(c ^ *p++) & 0xff];
	return c;
}

} // namespace flashnet
