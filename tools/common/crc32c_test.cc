// SPDX-License-Identifier: GPL-2.0
#include "crc32c.h"

#include <gtest/gtest.h>
#include <vector>

using flashnet::crc32c;

TEST(Crc32c, KernelConventionKnownVectors)
{
	// RFC 3720 check value, after the conventional final inversion.
	EXPECT_EQ(crc32c(~0u, "123456789", 9) ^ ~0u, 0xe3069283u);
	// The kernel's crc32c(~0, buf, 0) is the seed itself.
	EXPECT_EQ(crc32c(~0u, "", 0), ~0u);
	std::uint8_t zeros[32] = {};
	EXPECT_EQ(crc32c(~0u, zeros, sizeof(zeros)) ^ ~0u, 0x8a9136aau);
}

TEST(Crc32c, ContinuesAcrossSplits)
{
	std::vector<std::uint8_t> buf(1000);
	for (std::size_t i = 0; i < buf.size(); i++)
		buf[i] = static_cast<std::uint8_t>(i * 37 + 11);
	const std::uint32_t whole = crc32c(~0u, buf.data(), buf.size());
	for (std::size_t cut : {0, 1, 7, 8, 9, 500, 999, 1000}) {
		std::uint32_t c = crc32c(~0u, buf.data(), cut);
		c = crc32c(c, buf.data() + cut, buf.size() - cut);
		EXPECT_EQ(c, whole) << "split at " << cut;
	}
}

TEST(Crc32c, SeedMatters)
{
	EXPECT_NE(crc32c(0, "abc", 3), crc32c(~0u, "abc", 3));
}
