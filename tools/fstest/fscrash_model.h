// SPDX-License-Identifier: GPL-2.0
// flashnet-fscrash's model: the ops of the workload (as the state journal
// records them, one line each) and the tree they build. Every object (file,
// directory, symlink) has a stable id (the root, DIR itself, is 1); a file's
// content is its size and, for every byte, the op that last wrote it
// (extents), so any byte it ever held is pattern(seed, op, offset). The
// runner and the checker apply the same ops to the same Tree, so the checker
// knows what the whole tree looked like after every op. Pure: no I/O.
#pragma once

#include "fsx_model.h"
#include "fsx_pattern.h"

#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace flashnet::fstest::fscrash {

enum class Kind : std::uint8_t { file, dir, symlink };
const char *kind_name(Kind k);

enum class OpKind : std::uint8_t {
	create,		// open(O_CREAT | O_EXCL) and pwrite [0, len)
	write,		// pwrite [off, off + len) (also past EOF)
	append,		// write(O_APPEND) of len bytes
	truncate,	// ftruncate to len (down or up)
	mkdir,
	rename,		// files and symlinks (also over one), dirs (also over an empty one)
	link,
	unlink,
	rmdir,
	symlink,
	fsync,		// fsync of a file
	fdatasync,
	fsyncdir,	// fsync of a directory
	syncfs,
};
const char *op_kind_name(OpKind k);
bool is_durability(OpKind k);

struct Op {
	std::uint64_t n = 0;		// 1, 2, ... in the run
	OpKind kind = OpKind::syncfs;
	std::uint64_t obj = 0;		// made (create, mkdir, symlink), written, linked or synced
	std::uint64_t dir = 0;		// the directory holding `name`
	std::string name;
	std::uint64_t dir2 = 0;		// rename: the destination
	std::string name2;
	std::uint64_t off = 0;		// write
	std::uint64_t len = 0;		// create, write, append: bytes; truncate: new size
	std::string target;		// symlink
};

// The op as the state journal holds it, without its number:
//   create DIR NAME ID SIZE | write ID OFF LEN | append ID LEN |
//   truncate ID SIZE | mkdir DIR NAME ID | rename DIR NAME DIR2 NAME2 |
//   link ID DIR NAME | unlink DIR NAME | rmdir DIR NAME |
//   symlink DIR NAME ID TARGET | fsync ID | fdatasync ID | fsyncdir ID |
//   syncfs
std::string format_op(const Op &op);
// Throws std::invalid_argument naming the field at fault.
Op parse_op(std::uint64_t n, const std::string &text);
// Names are [A-Za-z0-9._-]{1,255}, not "." or ".."; symlink targets the
// same characters, up to 4095 of them.
bool valid_name(const std::string &s);
bool valid_target(const std::string &s);

// A file's contents: fsx's extent model (its size, and for every byte the
// op that last wrote it; memory grows with writes, not with the size).
using Content = Model;

struct Object {
	std::uint64_t id = 0;
	Kind kind = Kind::file;
	std::uint64_t born = 0;		// the op that made it (0: the root)
	Content data;			// file
	std::string target;		// symlink
	std::map<std::string, std::uint64_t> entries;	// dir
	// The (dir, name) pairs that lead to it now; empty once removed.
	std::set<std::pair<std::uint64_t, std::string>> names;
};

// What one op did, for the checker's history.
struct Effect {
	struct Name {
		std::uint64_t dir;
		std::string name;
		std::uint64_t now;	// the object there after the op; 0: none
	};
	std::vector<Name> names;
	// The file whose content changed: bytes [off, off + len) written
	// (create, write, append), or truncated to `size`.
	std::uint64_t data_obj = 0;
	bool truncated = false;
	std::uint64_t off = 0, len = 0;
	std::uint64_t size = 0;		// the size after the op
	// Objects that lost their last name (unlink, rmdir, replaced by rename).
	std::vector<std::uint64_t> dropped;
};

class Tree {
public:
	static constexpr std::uint64_t kRoot = 1;

	Tree();

	// Any object the run ever made (also removed ones); nullptr if none.
	const Object *get(std::uint64_t id) const;
	bool live(std::uint64_t id) const;
	// The object at dir/name; 0 if none.
	std::uint64_t lookup(std::uint64_t dir, const std::string &name) const;
	// Paths relative to DIR ("" is DIR itself).
	std::string dir_path(std::uint64_t dir) const;
	std::string path(std::uint64_t dir, const std::string &name) const;
	// The first name of a live object, "" for the root, "(removed #id)".
	std::string where(std::uint64_t id) const;
	// "create a/n3 (file #7, 4100 bytes)": the op, in paths, before it is
	// applied.
	std::string describe(const Op &op) const;
	// Throws std::invalid_argument if the op cannot be done here.
	Effect apply(const Op &op);
	// The id the next object made gets.
	std::uint64_t next_id() const { return next_id_; }
	// SHA-256 of every live object and the next id (hex, the first 16
	// digits).
	std::string digest() const;

	const std::map<std::uint64_t, Object> &objects() const { return objs_; }
	// Live objects by kind (the root is in dirs()).
	const std::set<std::uint64_t> &files() const { return files_; }
	const std::set<std::uint64_t> &dirs() const { return dirs_; }
	const std::set<std::uint64_t> &symlinks() const { return symlinks_; }
	// True if `id` is `dir` or below it.
	bool within(std::uint64_t id, std::uint64_t dir) const;

private:
	Object &need(std::uint64_t id, Kind kind, const char *what);
	Object &make(std::uint64_t id, Kind kind, std::uint64_t born);
	void add_name(Object &o, std::uint64_t dir, const std::string &name,
		      Effect &e);
	void drop_name(std::uint64_t dir, const std::string &name, Effect &e);

	std::map<std::uint64_t, Object> objs_;
	std::set<std::uint64_t> files_, dirs_, symlinks_;
	std::uint64_t next_id_ = kRoot + 1;
};

} // namespace flashnet::fstest::fscrash
