// SPDX-License-Identifier: GPL-2.0
// contigfs-mountfuzz: what one seed of the kernel mount fuzz does and how
// its outcome is judged. The device holds a consistent contigfs; each seed
// restores its metadata, corrupts it (corrupt.h), asks fsck -n what it
// thinks, mounts, walks and changes the tree, unmounts, and, when fsck
// found the corrupted file system clean, asks fsck again.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace flashnet::contigfs::mountfuzz {

// What a pass over a mounted tree met.
struct TreeResult {
	std::uint64_t entries = 0;
	std::uint64_t bytes = 0;
	std::map<int, unsigned> errors;	// errno -> count
	std::string first_error;	// "stat /mnt/a: Structure needs cleaning"

	unsigned error_count() const;
	void fail(const std::string &what, int err);
};

// Reads everything under `root` without following symbolic links: lstat
// of every entry, every directory listed, every regular file read to its
// end, every symlink read. Errors are counted, never thrown. `files`, if
// given, receives the regular files' paths.
TreeResult walk_tree(const std::string &root,
		     std::vector<std::string> *files = nullptr);

// Changes the tree: a new directory and a file written, fsync'ed, read
// back and compared, renamed across directories and removed; the first
// `grow` of `files` grown by a page and truncated back. Data that was
// written and read back without an error must match (a mismatch counts
// as EBADMSG).
TreeResult change_tree(const std::string &root,
		       const std::vector<std::string> &files, unsigned grow = 3);

struct SeedOutcome {
	std::uint64_t seed = 0;
	std::string corruption;		// corrupt()'s description
	int fsck_before = -1;		// fsck -n exit code
	bool ro_features = false;	// unknown read-only-compatible features
	int mount_errno = 0;		// 0: mounted
	std::vector<std::string> kernel_lines;	// contigfs's errors and warnings
	TreeResult walk, change;
	int umount_errno = 0;
	int fsck_after = -1;		// -1: not run

	bool mounted() const { return mount_errno == 0; }
};

// Why `o` is a failure, or "" if it is acceptable:
// - unknown read-only-compatible features: a read-write mount is refused
//   with a contigfs message (fsck may call such a file system clean);
// - fsck clean: the mount succeeds, the walk and the changes meet no
//   error, and fsck is clean afterwards;
// - fsck not clean: the mount is refused with a contigfs message, or it
//   succeeds and whatever is found later fails only with EUCLEAN or EIO
//   (ENOSPC and EROFS for changes);
// - always: an unmount of a mounted file system succeeds.
std::string judge(const SeedOutcome &o);

// Counts of outcomes over a run, for the summary line.
struct Tally {
	unsigned seeds = 0, failed = 0;
	unsigned clean = 0;		// fsck clean before
	unsigned refused = 0;		// fsck not clean, mount refused
	unsigned mounted_found = 0;	// ... mounted, errors met later
	unsigned mounted_unseen = 0;	// ... mounted, no error met
	std::map<int, unsigned> refusals;	// errno -> count

	void add(const SeedOutcome &o, bool ok);
	std::string summary() const;
};

} // namespace flashnet::contigfs::mountfuzz
