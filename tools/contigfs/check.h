// SPDX-License-Identifier: GPL-2.0
// One pass of fsck.contigfs over a device (internal to fsck.cc).
//
// A pass reads everything, reports each problem and plans its repair on
// the way, so later checks see the file system as it will be once the
// repairs are made: an inode to be cleared is free for the directory
// walk, the link counts and the bitmaps. With repair, the planned writes
// are made at the end in a safe order (directory blocks, inodes, inode
// bitmap, free bitmaps), a flush after each step.
#pragma once

#include "buddy.h"
#include "image.h"
#include "layout.h"

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace flashnet::contigfs {

// A problem that stops the pass (bad superblock): the exit code and why.
struct Fatal {
	int code;
	std::string message;
};

struct PassLine {
	enum Kind { problem, note, info } kind;
	std::string text;
};

struct PassResult {
	unsigned problems = 0;
	unsigned fixed = 0;
};

class Pass {
public:
	using Sink = std::function<void(const PassLine &)>;

	// repair: make the repairs (the image must be writable).
	Pass(Image &img, bool repair, bool verbose, Sink sink);

	// Throws Fatal for a superblock that cannot be used, IoError for I/O.
	PassResult run();
	// "5/1024 inodes, meta 3/512 pages, data 40/3000 pages" after run().
	const std::string &summary() const { return summary_; }

private:
	struct Ino {
		std::uint64_t ino = 0;
		std::uint16_t mode = 0, flags = 0;
		std::uint32_t nlink = 0;
		std::uint64_t size = 0, start = 0, old_start = 0, parent = 0;
		std::uint8_t order = 0, old_order = 0;
		std::uint8_t type = 0;	// CONTIGFS_FT_*
		bool clear = false;	// planned: zero the slot
		bool broken = false;	// the root, unusable: never cleared
		bool reached = false;
		bool fix_flags = false;
		std::optional<std::uint32_t> new_nlink;
		std::optional<std::uint64_t> new_parent;
		std::uint32_t links = 0, subdirs = 0;
		std::uint64_t entry_dir = 0;	// directory holding its entry

		bool has_block() const { return order != CONTIGFS_NO_BLOCK; }
		bool moving() const { return flags & CONTIGFS_INODE_MOVING; }
		ZoneId zone() const
		{
			return type == CONTIGFS_FT_REG ? ZoneId::data : ZoneId::meta;
		}
		Block block() const { return {start, order}; }
		Block old_block() const { return {old_start, old_order}; }
	};

	// Reporting. fix: what the repair does (empty: not repairable);
	// print false: counted, not listed.
	void problem(const std::string &what, const std::string &fix,
		     bool print = true);
	void note(const std::string &what);
	void info(const std::string &what);
	// Are repairs being made (repair asked for and not blocked)?
	bool fixing() const;

	void read_page(std::uint64_t lba, std::uint8_t *buf);
	void read_pages(std::uint64_t lba, std::uint64_t n, std::uint8_t *buf);

	void check_super();
	void check_journal();
	void scan_inodes();
	std::string inode_invalid(std::uint64_t ino, const contigfs_inode &raw,
				  Ino &rec);
	std::string block_invalid(const Ino &rec, const Block &b,
				  const char *start_field,
				  const char *order_field) const;
	void check_overlaps();
	void walk_directories();
	void check_directory(Ino &dir, std::vector<std::uint64_t> &stack);
	void check_directory_tail(const Ino &dir);
	void check_links();
	void check_inode_bitmap();
	void check_free_bitmaps(ZoneId id);
	void apply_repairs();
	void report_stats();

	Ino *find(std::uint64_t ino);
	std::string describe(const Ino &rec) const;

	Image &img_;
	bool repair_;
	bool verbose_;
	Sink sink_;
	PassResult result_;
	// Why repairs are off in a repair pass ("" if they are not).
	std::string blocked_;
	struct {
		std::uint64_t used_pages[2] = {};	// meta, data
	} stats_;
	std::string summary_;

	contigfs_super sb_{};
	Layout l_;
	Uuid uuid_{};
	std::map<std::uint64_t, std::vector<std::uint8_t>> overlay_;

	std::vector<Ino> inodes_;	// used slots, by inode number
	bool zero_slot0_ = false;
	bool root_ok_ = false;

	// Planned writes, by LBA.
	std::map<std::uint64_t, std::vector<std::uint8_t>> dir_pages_;
	std::map<std::uint64_t, std::vector<std::uint8_t>> ibitmap_pages_;
	std::map<std::uint64_t, std::vector<std::uint8_t>> fbitmap_pages_;
};

} // namespace flashnet::contigfs
