// SPDX-License-Identifier: GPL-2.0
// Builds consistent contigfs images for tests: formats a device or image
// file with mkfs, then adds directories, files, symlinks, special files,
// hard links and pending moves, allocating blocks with the reference buddy
// allocator. commit() writes the result (inodes with their crcs, link
// counts and parents, directory blocks, the inode bitmap and both zones'
// canonical free bitmaps), so fsck finds it clean. The location helpers
// tell tests where each structure is, so they can corrupt exactly one.
#pragma once

#include "buddy.h"
#include "image.h"
#include "layout.h"
#include "mkfs.h"

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace flashnet::contigfs {

// Misuse of the builder: a missing parent, a name that exists, a full zone.
class BuildError : public std::runtime_error {
public:
	using std::runtime_error::runtime_error;
};

// A byte in the image: page `lba`, byte `offset` within it.
struct Location {
	std::uint64_t lba = 0;
	std::size_t offset = 0;
};

class Builder {
public:
	// Formats `path` (which must exist and be large enough) with `opts`
	// and opens it for building. Inodes get the mkfs time (opts.time,
	// else now). Throws MkfsError, IoError.
	static Builder format(const std::string &path, const MkfsOptions &opts);

	Builder(Builder &&) = default;
	Builder &operator=(Builder &&) = default;

	// Paths are absolute ("/a/b"); the parent must be a directory made
	// by the builder (or the root) and the name new. Each returns the
	// new inode number (the lowest free one).
	std::uint64_t mkdir(const std::string &path, std::uint16_t perm = 0755);
	// A regular file of `size` bytes whose first contents.size() bytes
	// are `contents` and the rest zero. order: its data block's order
	// (default: the smallest that holds `size`; a size-0 file gets no
	// block unless an order is given).
	std::uint64_t file(const std::string &path, std::uint64_t size,
			   std::span<const std::uint8_t> contents = {},
			   std::optional<unsigned> order = std::nullopt);
	// Targets shorter than 128 bytes are inline, longer ones (up to 4095)
	// get an order-0 metadata block.
	std::uint64_t symlink(const std::string &path, const std::string &target);
	// A character or block device, fifo or socket: mode holds the type
	// (S_IFCHR, ...) and the permissions.
	std::uint64_t mknod(const std::string &path, std::uint16_t mode,
			    std::uint32_t rdev = 0);
	// A hard link to an existing non-directory.
	void link(const std::string &path, const std::string &existing);
	// A pending move (CONTIGFS_INODE_MOVING): a new block of `order` in
	// the same zone becomes (i_start, i_order) and the current one the
	// source (i_old_start, i_old_order), where the contents stay.
	void start_move(const std::string &path, unsigned order);

	// Writes everything changed since the last commit and flushes.
	void commit();

	std::uint64_t lookup(const std::string &path) const;
	const Layout &layout() const { return layout_; }
	const Uuid &uuid() const { return uuid_; }
	Image &image() { return img_; }

	// The inode as the last commit wrote it.
	contigfs_inode inode(std::uint64_t ino) const;
	Location inode_location(std::uint64_t ino) const;
	// First LBA of the inode's block (for a pending move: of the new
	// block); throws if it has none.
	std::uint64_t block_lba(std::uint64_t ino) const;
	// The directory record of `name` in directory `dir` (after commit).
	Location dirent_location(const std::string &dir, const std::string &name) const;

private:
	struct Node {
		contigfs_inode raw{};	// i_nlink, i_parent, i_crc set at commit
		std::uint64_t parent = 0;
		std::uint32_t links = 0;	// non-directories: entries
		// Directories: entries in insertion order and where commit
		// put them.
		std::vector<std::pair<std::string, std::uint64_t>> entries;
		std::map<std::string, Location> where;
	};

	Builder(Image img, const Formatted &f, std::int64_t time);
	// The directory a new path goes in, and the new name.
	std::pair<std::uint64_t, std::string> parent_of(const std::string &path);
	std::uint64_t add(const std::string &path, std::uint16_t mode);
	BuddyAllocator &zone_alloc(ZoneId z) { return z == ZoneId::meta ? meta_ : data_; }
	std::uint64_t allocate(ZoneId z, unsigned order, const std::string &what);
	void write_directory(std::uint64_t ino, Node &n);
	void write_bitmaps(ZoneId z);

	Image img_;
	Layout layout_;
	Uuid uuid_;
	std::int64_t time_;
	std::map<std::uint64_t, Node> nodes_;
	BuddyAllocator meta_, data_;
	std::map<std::uint64_t, contigfs_inode> committed_;
	std::vector<std::uint64_t> bitmap_pages_[2];	// pages last written non-zero
};

// Raw access for tests that corrupt an image.
std::vector<std::uint8_t> read_page(Image &img, std::uint64_t lba);
void write_page(Image &img, std::uint64_t lba, const std::vector<std::uint8_t> &page);
contigfs_inode read_inode(Image &img, const Layout &l, std::uint64_t ino);
// reseal: recompute i_crc first (a consistent-looking but wrong inode).
void write_inode(Image &img, const Layout &l, std::uint64_t ino,
		 contigfs_inode inode, bool reseal = true);
contigfs_super read_super(Image &img);
void write_super(Image &img, contigfs_super sb, bool reseal = true);

} // namespace flashnet::contigfs
