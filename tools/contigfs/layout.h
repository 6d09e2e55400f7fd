// SPDX-License-Identifier: GPL-2.0
// The contigfs on-disk format as seen from user space: the geometry a
// superblock describes, its validation, and the checksums. The structures
// themselves are <flashnet/contigfs.h>, shared with the kernel module.
#pragma once

#include <flashnet/contigfs.h>

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace flashnet::contigfs {

static_assert(std::endian::native == std::endian::little,
	      "the __le fields of <flashnet/contigfs.h> are used in host order");
static_assert(sizeof(contigfs_super) == CONTIGFS_BLOCK_SIZE);
static_assert(sizeof(contigfs_inode) == CONTIGFS_INODE_SIZE);
static_assert(sizeof(contigfs_journal_header) == 48);
static_assert(sizeof(contigfs_dirent) == CONTIGFS_DIRENT_HEADER);

inline constexpr std::size_t kPageSize = CONTIGFS_BLOCK_SIZE;
inline constexpr std::uint64_t kBitsPerPage = kPageSize * 8;
inline constexpr std::uint64_t kInodesPerPage = CONTIGFS_INODES_PER_PAGE;
inline constexpr unsigned kMaxOrder = CONTIGFS_MAX_ORDER;
inline constexpr std::uint64_t kJournalMaxImages = CONTIGFS_JOURNAL_MAX_IMAGES;

using Uuid = std::array<std::uint8_t, 16>;

enum class ZoneId { meta, data };
const char *zone_name(ZoneId z);

// One buddy zone: P pages at [start, start + pages), orders 0..K.
struct Zone {
	std::uint64_t start = 0;
	std::uint64_t pages = 0;	// P
	std::uint64_t bitmap_start = 0;
	std::uint64_t bitmap_pages = 0;
	unsigned orders = 0;		// K + 1

	unsigned max_order() const { return orders - 1; }
	// off_k: the first bit of order k's bitmap, k in 0..orders.
	std::uint64_t order_offset(unsigned k) const;
	// Bits used by all orders (off_{K+1}).
	std::uint64_t bitmap_bits() const { return order_offset(orders); }

	// min(floor(log2 P), CONTIGFS_MAX_ORDER) + 1; P >= 1.
	static unsigned orders_for(std::uint64_t pages);
	// Pages the free-block bitmaps of P pages with `orders` orders need.
	static std::uint64_t bitmap_pages_for(std::uint64_t pages, unsigned orders);
};

// Everything the superblock says about where things are.
struct Layout {
	std::uint64_t total_pages = 0;
	std::uint64_t journal_start = 0, journal_pages = 0;
	std::uint64_t ibitmap_start = 0, ibitmap_pages = 0;
	std::uint64_t itable_start = 0, itable_pages = 0;
	std::uint64_t inode_count = 0;
	Zone meta, data;

	const Zone &zone(ZoneId z) const { return z == ZoneId::meta ? meta : data; }
	std::uint64_t inode_lba(std::uint64_t ino) const
	{
		return itable_start + ino / kInodesPerPage;
	}
	std::size_t inode_offset(std::uint64_t ino) const
	{
		return (ino % kInodesPerPage) * CONTIGFS_INODE_SIZE;
	}
	// Pages that go through the journal: inode bitmap, inode table, both
	// zones' free bitmaps, and the metadata zone.
	bool is_metadata_lba(std::uint64_t lba) const;
};

Layout layout_of(const contigfs_super &sb);
void store_layout(const Layout &l, contigfs_super &sb);

// Why a layout (read from a superblock) is unusable, one line per problem
// naming the superblock field; empty when it is valid. device_pages: the
// size of the device in pages.
std::vector<std::string> check_layout(const Layout &l,
				      std::uint64_t device_pages);

// Checksums, CRC-32C with the kernel's crc32c(~0, ...) convention.
std::uint32_t super_crc(const contigfs_super &sb);
std::uint32_t inode_crc(std::uint64_t ino, const contigfs_inode &inode);
std::uint32_t journal_header_crc(const std::uint8_t *page);

void seal_super(contigfs_super &sb);			 // sets s_crc
void seal_inode(std::uint64_t ino, contigfs_inode &inode); // sets i_crc

bool is_zero(const void *p, std::size_t len);
inline bool slot_free(const contigfs_inode &inode)
{
	return is_zero(&inode, sizeof(inode));
}

// Little-endian bit numbering (bit n is byte[n / 8] >> (n % 8)).
inline bool test_bit(const std::uint8_t *map, std::uint64_t bit)
{
	return (map[bit / 8] >> (bit % 8)) & 1;
}
inline void set_bit(std::uint8_t *map, std::uint64_t bit)
{
	map[bit / 8] |= static_cast<std::uint8_t>(1u << (bit % 8));
}
inline void clear_bit(std::uint8_t *map, std::uint64_t bit)
{
	map[bit / 8] &= static_cast<std::uint8_t>(~(1u << (bit % 8)));
}

// The directory-entry type of a mode (CONTIGFS_FT_*), or
// CONTIGFS_FT_UNKNOWN when the mode's type bits name no file type.
std::uint8_t file_type_of(std::uint16_t mode);
// "directory", "regular file", ... for messages; "type 0170000" if invalid.
std::string mode_type_name(std::uint16_t mode);
const char *file_type_name(std::uint8_t d_type);

std::string format_uuid(const Uuid &u);
// Parses 8-4-4-4-12 hex digits; false if malformed.
bool parse_uuid(const std::string &text, Uuid &out);

// "0x1f" style, for checksums and raw field values in messages.
std::string hex(std::uint64_t v);

} // namespace flashnet::contigfs
