// SPDX-License-Identifier: GPL-2.0
// CRC-32C (Castagnoli, reflected polynomial 0x82f63b78) with the kernel's
// calling convention: crc32c(seed, buf, len) continues `seed` over the
// bytes and applies no final inversion. The kernel's crc32c(~0, buf, len)
// is crc32c(~0u, buf, len) here; the conventional CRC-32C of a buffer
// (RFC 3720, "123456789" -> 0xe3069283) is crc32c(~0u, buf, len) ^ ~0u.
#pragma once

#include <cstddef>
#include <cstdint>

namespace flashnet {

std::uint32_t crc32c(std::uint32_t crc, const void *data, std::size_t len);

} // namespace flashnet
