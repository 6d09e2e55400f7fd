// SPDX-License-Identifier: GPL-2.0
// SHA-256 (FIPS 180-4), for content digests in tree manifests.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace flashnet::fstest {

class Sha256 {
public:
	Sha256();
	void update(const void *data, std::size_t len);
	// The digest; the object must not be updated afterwards.
	std::array<std::uint8_t, 32> finish();
	// Lower-case hex of finish().
	std::string hex();

private:
	void block(const std::uint8_t *p);

	std::array<std::uint32_t, 8> h_;
	std::array<std::uint8_t, 64> buf_;
	std::size_t used_ = 0;
	std::uint64_t bytes_ = 0;
};

std::string sha256_hex(const std::string &data);

} // namespace flashnet::fstest
