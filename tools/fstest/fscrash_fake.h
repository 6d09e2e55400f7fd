// SPDX-License-Identifier: GPL-2.0
// An in-memory file system for flashnet-fscrash's unit tests: a live state
// that the calls change, a durable state updated only at durability points
// by the rules of one level, and a power cut that brings back the durable
// state plus, if torn, part of the changes made since it was last updated.
// Writes are split into 512-byte sector pieces and a size piece, so a torn
// cut can keep part of a write.
//   posix: fsync/fdatasync of a file makes its data and size durable (not
//     its names); fsync of a directory makes the whole namespace durable
//     (every entry, as ext4's journal does); syncfs makes everything
//     durable. A torn cut keeps a random subset of the pending changes
//     (in order; one that no longer applies is dropped).
//   strict (contigfs): every durability call makes everything durable. A
//     torn cut keeps an in-order prefix of the pending metadata changes
//     (names, sizes: contigfs commits whole operations in order) and a
//     random subset of the data sectors.
#pragma once

#include "fscrash_model.h"
#include "fscrash_sys.h"
#include "fsx_pattern.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace flashnet::fstest::fscrash {

class FakeFs : public FsSys {
public:
	enum class Mode { posix, strict };

	// Paths under `root` (an existing, empty directory) are this file
	// system; nothing else exists.
	FakeFs(std::string root, Mode mode);

	int open(const char *path, int flags, mode_t mode) override;
	int close(int fd) override;
	ssize_t pread(int fd, void *buf, size_t len, off_t off) override;
	ssize_t pwrite(int fd, const void *buf, size_t len, off_t off) override;
	ssize_t write(int fd, const void *buf, size_t len) override;
	int ftruncate(int fd, off_t len) override;
	int fstat(int fd, struct stat *st) override;
	int fsync(int fd) override;
	int fdatasync(int fd) override;
	int syncfs(int fd) override;
	int unlink(const char *path) override;
	int mkdir(const char *path, mode_t mode) override;
	int rename(const char *from, const char *to) override;
	int link(const char *from, const char *to) override;
	int rmdir(const char *path) override;
	int symlink(const char *target, const char *path) override;
	ssize_t readlink(const char *path, char *buf, size_t len) override;
	int lstat(const char *path, struct stat *st) override;
	int list_dir(const char *path, std::vector<std::string> &names) override;

	// The power cut: open files are gone, the durable state comes back,
	// with `torn` plus part of what was pending (above).
	void crash(Rng *torn);
	std::size_t pending() const { return pending_.size(); }

	// For tests that break the file system on purpose (live state):
	// the inode at path (0: none), and a new name for any inode, also
	// one whose last name was removed.
	std::uint64_t ino(const std::string &path) const;
	void add_entry(const std::string &dir, const std::string &name,
		       std::uint64_t ino);

private:
	struct Inode {
		Kind kind = Kind::file;
		std::vector<std::uint8_t> data;	// may be shorter than size
		std::uint64_t size = 0;
		std::string target;
		std::map<std::string, std::uint64_t> entries;
	};
	using State = std::map<std::uint64_t, Inode>;
	struct Piece {
		enum Type { make, data, extend, truncate, link, unlink, rename } type;
		std::uint64_t ino = 0;
		std::uint64_t dir = 0, dir2 = 0;
		std::string name, name2;
		std::uint64_t off = 0;		// data; extend, truncate: size
		std::vector<std::uint8_t> bytes;
		Kind kind = Kind::file;		// make
		std::string target;
		bool names() const
		{
			return type == make || type == link || type == unlink ||
			       type == rename;
		}
	};
	struct File {
		std::uint64_t ino;
		int flags;
		std::uint64_t pos = 0;
	};

	// Applies to `s`; false (nothing done) if it does not apply there.
	static bool apply(State &s, const Piece &p);
	void change(Piece p);	// applies to the live state, keeps it pending
	// The inode at path, and its parent and last name; -1 and errno.
	int resolve(const std::string &path, std::uint64_t &ino,
		    std::uint64_t *parent, std::string *name) const;
	int parent_of(const std::string &path, std::uint64_t &parent,
		      std::string &name) const;
	File *file(int fd);
	void fill(std::uint64_t ino, struct stat *st) const;
	ssize_t write_at(File &f, const void *buf, size_t len, std::uint64_t off);
	void sync_file(std::uint64_t ino);
	void sync_names();
	void sync_all();

	const std::string root_;
	const Mode mode_;
	State live_, durable_;
	std::vector<Piece> pending_;
	std::map<int, File> files_;
	int next_fd_ = 3;
	std::uint64_t next_ino_ = 2;
};

} // namespace flashnet::fstest::fscrash
