// SPDX-License-Identifier: GPL-2.0
// Seeded corruption of a contigfs file system's metadata, shared by the fsck
// fuzz test (image files) and contigfs-mountfuzz (the kernel's mount, on a
// salsa device). A snapshot of the metadata area lets each seed start from
// the same consistent file system.
#pragma once

#include "image.h"
#include "layout.h"

#include <cstdint>
#include <string>
#include <vector>

namespace flashnet::contigfs {

// The metadata area [0, data zone start) of a consistent file system.
struct MetadataSnapshot {
	Layout layout;
	Uuid uuid{};
	std::vector<std::uint8_t> meta;		// layout.data.start pages
	std::vector<std::uint64_t> pages;	// non-zero pages, and the journal header

	// Reads the superblock and the metadata area. Throws IoError, or
	// std::runtime_error when the superblock's layout is unusable.
	static MetadataSnapshot take(Image &img);
	const std::uint8_t *page(std::uint64_t lba) const
	{
		return meta.data() + lba * kPageSize;
	}
	// Writes back every metadata page that differs from the snapshot
	// (one read of the area, then only the differing pages; zero pages
	// are discarded) and syncs. Returns how many pages it restored.
	std::size_t restore(Image &img) const;
};

// What corrupt() may do. Each seed picks one of the enabled kinds.
struct CorruptKinds {
	// 1-4 byte flips in non-zero metadata pages; half of the flipped
	// inodes are resealed, so wrong fields get past the checksum.
	bool flips = true;
	// One superblock field changed and the superblock resealed.
	bool super_field = false;
	// A committed journal transaction (valid checksums) of 1-3 flipped
	// copies of metadata pages; sometimes aimed outside the metadata
	// areas, sometimes with a broken data checksum.
	bool journal = false;
};

// Corrupts `img`, which must hold what `snap` was taken from, as `seed`
// says; the same seed and kinds always give the same corruption. Returns a
// description for messages ("LBA 40 byte 17 ^= 3 (inode 9 resealed)").
std::string corrupt(Image &img, const MetadataSnapshot &snap,
		    std::uint64_t seed, const CorruptKinds &kinds = {});

} // namespace flashnet::contigfs
