// SPDX-License-Identifier: GPL-2.0
// flashnet-fscrash check: replays the state journal into the tree of every
// op, decides what each fact (a file's content, a directory entry) was
// guaranteed to be at the last durability point and which later ops touched
// it, walks DIR after the cut and reports every fact the file system broke.
//
// Facts and claims. A file's content (size and bytes) and each directory
// entry (dir, name) -> object or nothing are facts. A fact is claimed at op
// c, with the value it had after op c:
//   posix (default): fsync(file) and fdatasync(file) claim that file's
//     content; fsync(dir) claims all of that directory's entries (present
//     and absent names); syncfs claims everything. A file's names are
//     claimed only by an fsync of their directory or a syncfs.
//   strict-metadata: every durability point (any of the four) claims
//     everything: every op completed before it is durable (contigfs commits
//     all metadata and flushes every dirty page at each of them).
// A fact never claimed counts as claimed when its object was made (a file
// empty, a directory without entries); DIR's own entries are claimed empty
// at the start (the run fsyncs DIR before its first op).
//
// Judging. Only the acknowledged points count (a "D" record after the op
// returned). For a fact claimed at op c, the ops after c that changed it
// (completed or not: op L, the last journaled, may not have happened at
// all) may each have reached the disk or not:
//   an entry must hold its claimed value or the value one of those ops
//     gave it (a rename over a name never leaves it empty);
//   a file's size must lie between the smallest and the largest size it
//     had at c and after those ops; each byte must be its claimed byte, a
//     byte one of those ops wrote at that offset, or zero where c's state
//     or a later truncate left zero. With no later op: exactly the claimed
//     size and bytes.
// Also, always: a directory has one name; two names of one file are one
// inode, and one inode is one object. strict-metadata adds: every object
// alive at the last point and not removed by a later op is found under a
// name (a rename never loses what it moves: true of a file system that
// commits whole operations in order, as contigfs's journal does), and a
// file whose names no later op changed has st_nlink equal to its number of
// names.
#pragma once

#include "fscrash_model.h"
#include "fscrash_state.h"
#include "fscrash_sys.h"
#include "fsx_pattern.h"

#include <cstdint>
#include <functional>
#include <map>
#include <ostream>
#include <set>
#include <string>
#include <vector>

namespace flashnet::fstest::fscrash {

enum class Level { posix, strict };

class Checker {
public:
	// `dir` is DIR on the file system under test, read through `sys`.
	Checker(FsSys &sys, std::string dir, const Journal &j, Level level);

	// Replays the journal; throws StateError if an op does not apply or
	// a digest differs (the state file is not this run's, or damaged).
	void replay();
	// Walks DIR; the violations are then in violations().
	void check();

	const std::vector<std::string> &violations() const { return viol_; }
	std::uint64_t last_point() const { return point_; }
	std::uint64_t last_op() const { return ops_.size(); }
	std::string describe(std::uint64_t n) const;

	struct Counts {
		std::uint64_t files = 0, dirs = 0, symlinks = 0, bytes = 0;
	};
	const Counts &counts() const { return counts_; }

	// What must be exactly as claimed (names and contents no later op
	// touched), for tests that break it on purpose: paths relative to
	// DIR.
	struct Firm {
		std::string path;
		std::uint64_t obj;
		Kind kind;
		bool content;	// a file whose content is firm too
		std::uint64_t size;
	};
	std::vector<Firm> firm() const;

private:
	struct DataChange {
		std::uint64_t op;
		bool truncated;
		std::uint64_t off, len;	// written
		std::uint64_t size;	// after the op
	};
	struct Claim {
		std::uint64_t op;
		Content data;
	};
	struct Allowed {
		std::uint64_t claim_op;
		std::uint64_t claimed;	// object id, 0: nothing
		std::vector<std::pair<std::uint64_t, std::uint64_t>> later;
	};
	using Name = std::pair<std::uint64_t, std::string>;

	void claim_all(std::uint64_t n);
	Allowed allowed(std::uint64_t dir, const std::string &name) const;
	std::uint64_t dir_claim(std::uint64_t dir) const;
	Claim content_claim(std::uint64_t file) const;
	std::string claim_text(std::uint64_t c, std::uint64_t born) const;
	std::string value_text(std::uint64_t id) const;

	void check_dir(const std::string &path, const std::string &rel,
		       std::uint64_t dir);
	void check_name(std::uint64_t dir, const std::string &name,
			const std::string &path, const std::string &rel,
			bool present);
	void check_object(const std::string &path, const std::string &rel,
			  const struct stat &st, std::uint64_t obj);
	void check_content(const std::string &path, const std::string &rel,
			   const struct stat &st, std::uint64_t obj);
	std::string origin(const std::vector<std::uint8_t> &found,
			   std::uint64_t off) const;
	// The paths where only `obj` may be (if anything is there).
	void find_forced();
	// What the forced paths of `obj` other than `rel` say of it being
	// inode `ino`: 1 it is another inode, -1 it is this one, 0 nothing.
	int elsewhere(std::uint64_t obj, const std::string &rel, ino_t ino) const;

	void violation(const std::string &rel, const std::string &text);
	// Trials of a candidate, undone if another one is chosen.
	struct Mark {
		std::size_t viol, undo;
	};
	Mark mark() const { return {viol_.size(), undo_.size()}; }
	void rollback(const Mark &m);

	FsSys &sys_;
	std::string dir_;
	const Journal &j_;
	const Level level_;
	const Pattern pat_;
	Tree tree_;
	std::vector<Op> ops_;
	std::vector<std::string> desc_;
	std::uint64_t point_ = 0;	// the last acknowledged durability op
	std::map<Name, std::vector<std::pair<std::uint64_t, std::uint64_t>>> names_;
	std::map<std::uint64_t, std::vector<DataChange>> data_;
	std::map<std::uint64_t, std::uint64_t> dir_claims_;
	std::map<std::uint64_t, Claim> content_claims_;
	std::map<std::uint64_t, std::vector<std::uint64_t>> dropped_;
	std::map<std::uint64_t, std::uint64_t> last_name_change_;
	// strict: the live objects at the last point, with a path then.
	std::map<std::uint64_t, std::string> live_at_point_;

	std::vector<std::string> viol_;
	std::vector<std::function<void()>> undo_;
	std::map<ino_t, std::uint64_t> ino_obj_;
	std::map<std::uint64_t, std::pair<ino_t, std::string>> obj_ino_;
	std::map<ino_t, std::string> dir_inos_;
	std::set<std::uint64_t> found_;
	std::set<std::uint64_t> reported_missing_;	// by a name
	std::map<std::uint64_t, std::vector<std::string>> forced_;
	// Inodes whose object was a guess among look-alikes (empty files):
	// the others they may be.
	std::map<ino_t, std::set<std::uint64_t>> alts_;
	Counts counts_;
};

// check: everything flashnet-fscrash check does. Returns kExitOk,
// kExitFailed or kExitSysError (the state file is unusable).
int check_main(FsSys &sys, const std::string &dir, const std::string &state,
	       Level level, std::size_t max_reports, std::ostream &out,
	       std::ostream &err);

} // namespace flashnet::fstest::fscrash
