// SPDX-License-Identifier: GPL-2.0
// mkfs.contigfs: plans the layout for a device size and writes a fresh,
// empty file system (superblock, inode bitmap, root inode, free bitmaps).
#pragma once

#include "image.h"
#include "layout.h"

#include <cstdint>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

namespace flashnet::contigfs {

// The journal holds the header page and at most
// CONTIGFS_JOURNAL_MAX_IMAGES images; more pages would never be used.
inline constexpr std::uint64_t kMinJournalPages = 2;
// What contigfs.ko mounts (CFS_MIN_TXN_IMAGES + 1); the CLI enforces it,
// the library (and fsck) accept any valid journal.
inline constexpr std::uint64_t kMinMountableJournalPages = 401;
inline constexpr std::uint64_t kMaxJournalPages = 1 + kJournalMaxImages;
inline constexpr std::uint64_t kDefaultJournalPages = kMaxJournalPages;
inline constexpr std::uint64_t kMinDataPages = 256;
inline constexpr std::uint64_t kMetaAlign = 256;	// pages
inline constexpr std::uint64_t kDataAlign = 512;	// pages (2 MiB)
inline constexpr std::uint64_t kMinInodes = 2;		// inode 0 and the root
inline constexpr std::uint64_t kMaxInodes = std::uint64_t{1} << 32;
inline constexpr std::size_t kMaxLabel = sizeof(contigfs_super::s_label) - 1;

struct MkfsOptions {
	std::string label;
	std::optional<std::uint64_t> inodes;	// rounded up to 16
	std::uint64_t journal_pages = kDefaultJournalPages;
	std::optional<std::uint64_t> meta_pages;
	std::optional<Uuid> uuid;		// default: random
	std::optional<std::int64_t> time;	// default: now
	bool quiet = false;
};

// An option or device size mkfs refuses; nothing has been written.
class MkfsError : public std::runtime_error {
public:
	using std::runtime_error::runtime_error;
};

// The layout for a device of `total_pages` pages. Throws MkfsError.
Layout plan_layout(std::uint64_t total_pages, const MkfsOptions &opts);

contigfs_super make_super(const Layout &l, const std::string &label,
			  const Uuid &uuid, std::int64_t mkfs_time);
contigfs_inode make_root_inode(std::int64_t sec, std::uint32_t nsec);

struct Formatted {
	Layout layout;
	Uuid uuid;
};

// Discards the whole device, then writes a fresh file system sized to
// the device and flushes. Throws MkfsError (nothing written) or IoError.
Formatted format(Image &img, const MkfsOptions &opts);

struct MkfsArgs {
	MkfsOptions opts;
	std::vector<std::string> operands;	// DEVICE, ...
	bool help = false;
};
// Parses mkfs.contigfs's options (also used by contigfs-build); throws
// MkfsError naming the option at fault.
MkfsArgs parse_mkfs_args(const std::vector<std::string> &args);

// One line per area, for mkfs's report and fsck -v.
std::string describe_layout(const Layout &l);

// The command line (without argv[0]); exit status 0 or 1.
int mkfs_main(const std::vector<std::string> &args, std::ostream &out,
	      std::ostream &err);

} // namespace flashnet::contigfs
