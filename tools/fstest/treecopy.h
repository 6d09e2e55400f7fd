// SPDX-License-Identifier: GPL-2.0
// Manifests of directory trees, for "copy a tree in, remount, compare":
// one line per entry, sorted by path, with everything a copy must keep.
//
// Line format (fields separated by one space, "-" for "not applicable"):
//   path type mode owner size nlink mtime sha256 target hardlink
//   path      relative to the root ("." is the root itself)
//   type      f d l c b p s
//   mode      permission bits, 4 octal digits
//   owner     uid:gid
//   size      bytes (f and l only)
//   nlink     link count
//   mtime     seconds.nanoseconds
//   sha256    of the contents (f only)
//   target    l: the link's target; c, b: major:minor
//   hardlink  f with nlink > 1: the first path (in order) of the same inode
//             inside the tree (itself for the first one)
// Paths, targets and hard-link paths are percent-encoded: bytes outside
// '!'..'~', and '%', become %HH; a lone "-" becomes %2D.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <sys/types.h>
#include <vector>

namespace flashnet::fstest {

struct Entry {
	std::string path;
	char type = 'f';
	unsigned mode = 0;
	std::uint32_t uid = 0, gid = 0;
	std::optional<std::uint64_t> size;
	std::uint64_t nlink = 0;
	std::int64_t mtime_sec = 0;
	long mtime_nsec = 0;
	std::string sha256;	// empty: not a regular file
	std::string target;	// empty: none
	std::string hardlink;	// empty: none

	bool operator==(const Entry &) const = default;
};

class ManifestError : public std::runtime_error {
public:
	using std::runtime_error::runtime_error;
};

std::string escape(const std::string &raw);
// Throws ManifestError on a malformed %HH.
std::string unescape(const std::string &text);

// Walks the tree under root without following symlinks or crossing into
// other file systems (mount points are listed, not entered). Sorted by
// path. Throws SysError naming the path that could not be read.
std::vector<Entry> scan_tree(const std::string &root);

std::string format_entry(const Entry &e);
// Throws ManifestError saying which field is wrong.
Entry parse_entry(const std::string &line);

void write_manifest(std::ostream &out, const std::vector<Entry> &entries);
// Throws ManifestError naming file:line, or SysError.
std::vector<Entry> read_manifest(const std::string &file);

// Fields compare() can be told to ignore.
const std::set<std::string> &comparable_fields();

// One line per difference: "only in A: path", "path: size 1 != 2", ...
std::vector<std::string> compare(const std::vector<Entry> &a,
				 const std::vector<Entry> &b,
				 const std::set<std::string> &ignore);

} // namespace flashnet::fstest
