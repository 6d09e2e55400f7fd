// SPDX-License-Identifier: GPL-2.0
#include "fscrash_fake.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>

namespace flashnet::fstest::fscrash {

namespace {

constexpr std::uint64_t kRootIno = 1;
constexpr std::uint64_t kSector = 512;

int fail(int err)
{
	errno = err;
	return -1;
}

} // namespace

FakeFs::FakeFs(std::string root, Mode mode) : root_(std::move(root)), mode_(mode)
{
	live_[kRootIno].kind = Kind::dir;
	durable_ = live_;
}

bool FakeFs::apply(State &s, const Piece &p)
{
	const auto inode = [&](std::uint64_t ino, Kind k) -> Inode * {
		auto it = s.find(ino);
		return it != s.end() && it->second.kind == k ? &it->second
							     : nullptr;
	};
	switch (p.type) {
	case Piece::make: {
		if (s.count(p.ino))
			return false;
		Inode &i = s[p.ino];
		i.kind = p.kind;
		i.target = p.target;
		i.size = p.kind == Kind::symlink ? p.target.size() : 0;
		return true;
	}
	case Piece::data: {
		Inode *i = inode(p.ino, Kind::file);
		if (!i)
			return false;
		if (i->data.size() < p.off + p.bytes.size())
			i->data.resize(p.off + p.bytes.size(), 0);
		std::copy(p.bytes.begin(), p.bytes.end(), i->data.begin() + p.off);
		return true;
	}
	case Piece::extend: {
		Inode *i = inode(p.ino, Kind::file);
		if (!i)
			return false;
		i->size = std::max(i->size, p.off);
		return true;
	}
	case Piece::truncate: {
		Inode *i = inode(p.ino, Kind::file);
		if (!i)
			return false;
		// What was past EOF, or is cut off now, reads zero.
		i->data.resize(std::min<std::uint64_t>(
			i->data.size(), std::min(i->size, p.off)));
		i->size = p.off;
		return true;
	}
	case Piece::link: {
		Inode *d = inode(p.dir, Kind::dir);
		if (!d || d->entries.count(p.name) || !s.count(p.ino))
			return false;
		d->entries[p.name] = p.ino;
		return true;
	}
	case Piece::unlink: {
		Inode *d = inode(p.dir, Kind::dir);
		if (!d)
			return false;
		auto it = d->entries.find(p.name);
		if (it == d->entries.end() || it->second != p.ino)
			return false;
		d->entries.erase(it);
		return true;
	}
	case Piece::rename: {
		Inode *d = inode(p.dir, Kind::dir), *d2 = inode(p.dir2, Kind::dir);
		if (!d || !d2)
			return false;
		auto it = d->entries.find(p.name);
		if (it == d->entries.end() || it->second != p.ino)
			return false;
		if (s.at(p.ino).kind == Kind::dir) {
			// Never into itself (a subset of renames could).
			for (std::uint64_t up = p.dir2, steps = 0; up != kRootIno;
			     steps++) {
				if (up == p.ino || steps > s.size())
					return false;
				std::uint64_t parent = 0;
				for (const auto &[x, i] : s)
					for (const auto &[n, e] : i.entries)
						if (e == up && i.kind == Kind::dir)
							parent = x;
				if (!parent)
					break;
				up = parent;
			}
		}
		auto z = d2->entries.find(p.name2);
		if (z != d2->entries.end()) {
			const Inode &zi = s.at(z->second);
			if ((zi.kind == Kind::dir) != (s.at(p.ino).kind == Kind::dir) ||
			    (zi.kind == Kind::dir && !zi.entries.empty()))
				return false;
		}
		d->entries.erase(it);
		d2->entries[p.name2] = p.ino;
		return true;
	}
	}
	return false;
}

void FakeFs::change(Piece p)
{
	apply(live_, p);
	pending_.push_back(std::move(p));
}

int FakeFs::resolve(const std::string &path, std::uint64_t &ino,
		    std::uint64_t *parent, std::string *name) const
{
	if (path.compare(0, root_.size(), root_) != 0 ||
	    (path.size() > root_.size() && path[root_.size()] != '/'))
		return fail(ENOENT);
	ino = kRootIno;
	std::uint64_t up = kRootIno;
	std::string last;
	std::size_t at = root_.size();
	while (at < path.size()) {
		const std::size_t next = path.find('/', at + 1);
		const std::string part = path.substr(
			at + 1, next == std::string::npos ? std::string::npos
							  : next - at - 1);
		at = next == std::string::npos ? path.size() : next;
		if (part.empty())
			continue;
		if (ino == 0)
			return fail(ENOENT);
		const Inode &d = live_.at(ino);
		if (d.kind != Kind::dir)
			return fail(ENOTDIR);
		up = ino;
		last = part;
		auto it = d.entries.find(part);
		ino = it == d.entries.end() ? 0 : it->second;
	}
	if (parent)
		*parent = up;
	if (name)
		*name = last;
	return 0;
}

int FakeFs::parent_of(const std::string &path, std::uint64_t &parent,
		      std::string &name) const
{
	std::uint64_t ino;
	if (resolve(path, ino, &parent, &name) < 0)
		return -1;
	if (name.empty())
		return fail(EEXIST);	// the root
	return 0;
}

FakeFs::File *FakeFs::file(int fd)
{
	auto it = files_.find(fd);
	return it == files_.end() ? nullptr : &it->second;
}

void FakeFs::fill(std::uint64_t ino, struct stat *st) const
{
	const Inode &i = live_.at(ino);
	std::memset(st, 0, sizeof(*st));
	st->st_ino = ino;
	st->st_mode = i.kind == Kind::dir	? S_IFDIR | 0755
		      : i.kind == Kind::symlink ? S_IFLNK | 0777
						: S_IFREG | 0644;
	st->st_size = static_cast<off_t>(i.size);
	nlink_t n = i.kind == Kind::dir ? 2 : 0;
	for (const auto &[x, d] : live_)
		for (const auto &[name, e] : d.entries) {
			if (e == ino && i.kind != Kind::dir)
				n++;
			if (x == ino && live_.at(e).kind == Kind::dir)
				n++;
		}
	st->st_nlink = n;
}

int FakeFs::open(const char *path, int flags, mode_t)
{
	std::uint64_t ino, parent;
	std::string name;
	if (resolve(path, ino, &parent, &name) < 0)
		return -1;
	if (!ino) {
		if (!(flags & O_CREAT))
			return fail(ENOENT);
		if (!live_.count(parent))
			return fail(ENOENT);
		ino = next_ino_++;
		change({Piece::make, ino, 0, 0, {}, {}, 0, {}, Kind::file, {}});
		change({Piece::link, ino, parent, 0, name, {}, 0, {}, Kind::file, {}});
	} else if ((flags & O_CREAT) && (flags & O_EXCL)) {
		return fail(EEXIST);
	}
	const Inode &i = live_.at(ino);
	if ((flags & O_DIRECTORY) && i.kind != Kind::dir)
		return fail(ENOTDIR);
	if (i.kind == Kind::dir && (flags & O_ACCMODE) != O_RDONLY)
		return fail(EISDIR);
	if (i.kind == Kind::symlink)
		return fail(ELOOP);
	if ((flags & O_TRUNC) && (flags & O_ACCMODE) != O_RDONLY)
		change({Piece::truncate, ino, 0, 0, {}, {}, 0, {}, Kind::file, {}});
	const int fd = next_fd_++;
	files_[fd] = File{ino, flags};
	return fd;
}

int FakeFs::close(int fd)
{
	return files_.erase(fd) ? 0 : fail(EBADF);
}

ssize_t FakeFs::pread(int fd, void *buf, size_t len, off_t off)
{
	File *f = file(fd);
	if (!f)
		return fail(EBADF);
	const Inode &i = live_.at(f->ino);
	if (i.kind == Kind::dir)
		return fail(EISDIR);
	const std::uint64_t o = static_cast<std::uint64_t>(off);
	if (o >= i.size)
		return 0;
	const std::uint64_t n = std::min<std::uint64_t>(len, i.size - o);
	auto *b = static_cast<std::uint8_t *>(buf);
	for (std::uint64_t k = 0; k < n; k++)
		b[k] = o + k < i.data.size() ? i.data[o + k] : 0;
	return static_cast<ssize_t>(n);
}

ssize_t FakeFs::write_at(File &f, const void *buf, size_t len, std::uint64_t off)
{
	if ((f.flags & O_ACCMODE) == O_RDONLY)
		return fail(EBADF);
	const auto *b = static_cast<const std::uint8_t *>(buf);
	for (std::uint64_t at = off; at < off + len;) {
		const std::uint64_t end =
			std::min<std::uint64_t>(off + len, (at / kSector + 1) * kSector);
		Piece p{Piece::data, f.ino, 0, 0, {}, {}, at, {}, Kind::file, {}};
		p.bytes.assign(b + (at - off), b + (end - off));
		change(std::move(p));
		at = end;
	}
	if (off + len > live_.at(f.ino).size)
		change({Piece::extend, f.ino, 0, 0, {}, {}, off + len, {},
			Kind::file, {}});
	return static_cast<ssize_t>(len);
}

ssize_t FakeFs::pwrite(int fd, const void *buf, size_t len, off_t off)
{
	File *f = file(fd);
	if (!f)
		return fail(EBADF);
	return write_at(*f, buf, len, static_cast<std::uint64_t>(off));
}

ssize_t FakeFs::write(int fd, const void *buf, size_t len)
{
	File *f = file(fd);
	if (!f)
		return fail(EBADF);
	if (f->flags & O_APPEND)
		f->pos = live_.at(f->ino).size;
	const ssize_t n = write_at(*f, buf, len, f->pos);
	if (n > 0)
		f->pos += static_cast<std::uint64_t>(n);
	return n;
}

int FakeFs::ftruncate(int fd, off_t len)
{
	File *f = file(fd);
	if (!f)
		return fail(EBADF);
	if ((f->flags & O_ACCMODE) == O_RDONLY)
		return fail(EINVAL);
	change({Piece::truncate, f->ino, 0, 0, {}, {},
		static_cast<std::uint64_t>(len), {}, Kind::file, {}});
	return 0;
}

int FakeFs::fstat(int fd, struct stat *st)
{
	File *f = file(fd);
	if (!f)
		return fail(EBADF);
	fill(f->ino, st);
	return 0;
}

void FakeFs::sync_all()
{
	durable_ = live_;
	pending_.clear();
}

void FakeFs::sync_file(std::uint64_t ino)
{
	const Inode &l = live_.at(ino);
	Inode &d = durable_[ino];
	d.kind = l.kind;
	d.data = l.data;
	d.size = l.size;
	std::erase_if(pending_, [ino](const Piece &p) {
		return p.ino == ino && (p.type == Piece::data ||
					p.type == Piece::extend ||
					p.type == Piece::truncate);
	});
}

void FakeFs::sync_names()
{
	for (const auto &[ino, l] : live_) {
		if (l.kind == Kind::dir) {
			Inode &d = durable_[ino];
			d.kind = Kind::dir;
			d.entries = l.entries;
		}
		for (const auto &[name, e] : l.entries)
			if (!durable_.count(e)) {
				Inode &n = durable_[e];
				n.kind = live_.at(e).kind;
				n.target = live_.at(e).target;
				if (n.kind == Kind::symlink)
					n.size = n.target.size();
			}
	}
	std::erase_if(pending_, [](const Piece &p) { return p.names(); });
}

int FakeFs::fsync(int fd)
{
	File *f = file(fd);
	if (!f)
		return fail(EBADF);
	if (mode_ == Mode::strict)
		sync_all();
	else if (live_.at(f->ino).kind == Kind::dir)
		sync_names();
	else
		sync_file(f->ino);
	return 0;
}

int FakeFs::fdatasync(int fd)
{
	return fsync(fd);
}

int FakeFs::syncfs(int fd)
{
	if (!file(fd))
		return fail(EBADF);
	sync_all();
	return 0;
}

int FakeFs::unlink(const char *path)
{
	std::uint64_t ino, parent;
	std::string name;
	if (parent_of(path, parent, name) < 0 ||
	    resolve(path, ino, nullptr, nullptr) < 0)
		return -1;
	if (!ino)
		return fail(ENOENT);
	if (live_.at(ino).kind == Kind::dir)
		return fail(EISDIR);
	change({Piece::unlink, ino, parent, 0, name, {}, 0, {}, Kind::file, {}});
	return 0;
}

int FakeFs::mkdir(const char *path, mode_t)
{
	std::uint64_t ino, parent;
	std::string name;
	if (parent_of(path, parent, name) < 0 ||
	    resolve(path, ino, nullptr, nullptr) < 0)
		return -1;
	if (ino)
		return fail(EEXIST);
	if (!live_.count(parent))
		return fail(ENOENT);
	ino = next_ino_++;
	change({Piece::make, ino, 0, 0, {}, {}, 0, {}, Kind::dir, {}});
	change({Piece::link, ino, parent, 0, name, {}, 0, {}, Kind::file, {}});
	return 0;
}

int FakeFs::symlink(const char *target, const char *path)
{
	std::uint64_t ino, parent;
	std::string name;
	if (parent_of(path, parent, name) < 0 ||
	    resolve(path, ino, nullptr, nullptr) < 0)
		return -1;
	if (ino)
		return fail(EEXIST);
	if (!live_.count(parent))
		return fail(ENOENT);
	ino = next_ino_++;
	change({Piece::make, ino, 0, 0, {}, {}, 0, {}, Kind::symlink, target});
	change({Piece::link, ino, parent, 0, name, {}, 0, {}, Kind::file, {}});
	return 0;
}

int FakeFs::link(const char *from, const char *to)
{
	std::uint64_t ino, other, parent;
	std::string name;
	if (resolve(from, ino, nullptr, nullptr) < 0 ||
	    parent_of(to, parent, name) < 0 ||
	    resolve(to, other, nullptr, nullptr) < 0)
		return -1;
	if (!ino || !live_.count(parent))
		return fail(ENOENT);
	if (other)
		return fail(EEXIST);
	if (live_.at(ino).kind == Kind::dir)
		return fail(EPERM);
	change({Piece::link, ino, parent, 0, name, {}, 0, {}, Kind::file, {}});
	return 0;
}

int FakeFs::rmdir(const char *path)
{
	std::uint64_t ino, parent;
	std::string name;
	if (parent_of(path, parent, name) < 0 ||
	    resolve(path, ino, nullptr, nullptr) < 0)
		return -1;
	if (!ino)
		return fail(ENOENT);
	const Inode &i = live_.at(ino);
	if (i.kind != Kind::dir)
		return fail(ENOTDIR);
	if (!i.entries.empty())
		return fail(ENOTEMPTY);
	change({Piece::unlink, ino, parent, 0, name, {}, 0, {}, Kind::file, {}});
	return 0;
}

int FakeFs::rename(const char *from, const char *to)
{
	std::uint64_t ino, parent, dst, parent2;
	std::string name, name2;
	if (parent_of(from, parent, name) < 0 ||
	    resolve(from, ino, nullptr, nullptr) < 0 ||
	    parent_of(to, parent2, name2) < 0 ||
	    resolve(to, dst, nullptr, nullptr) < 0)
		return -1;
	if (!ino || !live_.count(parent2))
		return fail(ENOENT);
	if (dst == ino)
		return 0;
	const bool dir = live_.at(ino).kind == Kind::dir;
	if (dst) {
		const Inode &z = live_.at(dst);
		if (dir && z.kind != Kind::dir)
			return fail(ENOTDIR);
		if (!dir && z.kind == Kind::dir)
			return fail(EISDIR);
		if (dir && !z.entries.empty())
			return fail(ENOTEMPTY);
	}
	if (dir) {
		// Not into itself: walk up from the new parent.
		for (std::uint64_t up = parent2; up != kRootIno;) {
			if (up == ino)
				return fail(EINVAL);
			std::uint64_t next = kRootIno;
			for (const auto &[x, d] : live_)
				for (const auto &[n, e] : d.entries)
					if (e == up && d.kind == Kind::dir)
						next = x;
			up = next;
		}
	}
	change({Piece::rename, ino, parent, parent2, name, name2, 0, {},
		Kind::file, {}});
	return 0;
}

ssize_t FakeFs::readlink(const char *path, char *buf, size_t len)
{
	std::uint64_t ino;
	if (resolve(path, ino, nullptr, nullptr) < 0)
		return -1;
	if (!ino)
		return fail(ENOENT);
	const Inode &i = live_.at(ino);
	if (i.kind != Kind::symlink)
		return fail(EINVAL);
	const std::size_t n = std::min(len, i.target.size());
	std::memcpy(buf, i.target.data(), n);
	return static_cast<ssize_t>(n);
}

int FakeFs::lstat(const char *path, struct stat *st)
{
	std::uint64_t ino;
	if (resolve(path, ino, nullptr, nullptr) < 0)
		return -1;
	if (!ino)
		return fail(ENOENT);
	fill(ino, st);
	return 0;
}

int FakeFs::list_dir(const char *path, std::vector<std::string> &names)
{
	names.clear();
	std::uint64_t ino;
	if (resolve(path, ino, nullptr, nullptr) < 0)
		return -1;
	if (!ino)
		return fail(ENOENT);
	const Inode &i = live_.at(ino);
	if (i.kind != Kind::dir)
		return fail(ENOTDIR);
	for (const auto &[n, e] : i.entries)
		names.push_back(n);
	return 0;
}

void FakeFs::crash(Rng *torn)
{
	files_.clear();
	live_ = durable_;
	std::size_t meta = 0;
	for (const Piece &p : pending_)
		meta += p.type != Piece::data;
	// strict: the metadata changes before this one made it.
	const std::uint64_t prefix = torn ? torn->below(meta + 1) : 0;
	std::size_t m = 0;
	if (torn)
		for (const Piece &p : pending_) {
			const bool keep = mode_ == Mode::strict && p.type != Piece::data
						  ? m++ < prefix
						  : torn->one_in(2);
			if (keep)
				apply(live_, p);
		}
	pending_.clear();
	durable_ = live_;
}

std::uint64_t FakeFs::ino(const std::string &path) const
{
	std::uint64_t i;
	return resolve(path, i, nullptr, nullptr) < 0 ? 0 : i;
}

void FakeFs::add_entry(const std::string &dir, const std::string &name,
		       std::uint64_t ino)
{
	const std::uint64_t d = this->ino(dir);
	if (!d || !live_.count(ino))
		throw std::invalid_argument("add_entry: no " + dir + " or inode " +
					    std::to_string(ino));
	live_.at(d).entries[name] = ino;
	durable_ = live_;
}

} // namespace flashnet::fstest::fscrash
