// SPDX-License-Identifier: GPL-2.0
#include "mountfuzz.h"

#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <set>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace flashnet::contigfs::mountfuzz {

unsigned TreeResult::error_count() const
{
	unsigned n = 0;
	for (const auto &[err, count] : errors)
		n += count;
	return n;
}

void TreeResult::fail(const std::string &what, int err)
{
	errors[err]++;
	if (first_error.empty())
		first_error = what + ": " + std::strerror(err);
}

namespace {

class Fd {
public:
	explicit Fd(int fd) : fd_(fd) {}
	~Fd()
	{
		if (fd_ >= 0)
			close(fd_);
	}
	Fd(const Fd &) = delete;
	Fd &operator=(const Fd &) = delete;
	int get() const { return fd_; }

private:
	int fd_;
};

void read_file(const std::string &path, TreeResult &r)
{
	Fd fd(open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK));
	if (fd.get() < 0) {
		r.fail("open " + path, errno);
		return;
	}
	std::vector<char> buf(1 << 16);
	for (;;) {
		const ssize_t n = read(fd.get(), buf.data(), buf.size());
		if (n < 0) {
			r.fail("read " + path, errno);
			return;
		}
		if (n == 0)
			return;
		r.bytes += static_cast<std::uint64_t>(n);
	}
}

void walk(const std::string &dir, TreeResult &r, std::vector<std::string> *files)
{
	DIR *d = opendir(dir.c_str());
	if (!d) {
		r.fail("opendir " + dir, errno);
		return;
	}
	std::vector<std::string> names;
	for (;;) {
		errno = 0;
		const dirent *e = readdir(d);
		if (!e) {
			if (errno)
				r.fail("readdir " + dir, errno);
			break;
		}
		const std::string name = e->d_name;
		if (name != "." && name != "..")
			names.push_back(name);
	}
	closedir(d);
	for (const std::string &name : names) {
		const std::string path = dir + "/" + name;
		struct stat st;
		r.entries++;
		if (lstat(path.c_str(), &st)) {
			r.fail("lstat " + path, errno);
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			walk(path, r, files);
		} else if (S_ISREG(st.st_mode)) {
			read_file(path, r);
			if (files)
				files->push_back(path);
		} else if (S_ISLNK(st.st_mode)) {
			char target[4096];
			if (readlink(path.c_str(), target, sizeof(target)) < 0)
				r.fail("readlink " + path, errno);
		}
	}
}

// The pattern written by change_tree: byte i of the file.
char pattern(std::size_t i)
{
	return static_cast<char>('a' + (i * 7 + i / 4096) % 26);
}

void write_and_check(const std::string &path, TreeResult &r)
{
	constexpr std::size_t kSize = 3 * 4096 + 100;
	std::string data(kSize, '\0');
	for (std::size_t i = 0; i < kSize; i++)
		data[i] = pattern(i);
	Fd fd(open(path.c_str(), O_RDWR | O_CREAT | O_EXCL, 0644));
	if (fd.get() < 0) {
		r.fail("create " + path, errno);
		return;
	}
	if (pwrite(fd.get(), data.data(), kSize, 0) != static_cast<ssize_t>(kSize)) {
		r.fail("write " + path, errno ? errno : EIO);
		return;
	}
	if (fsync(fd.get())) {
		r.fail("fsync " + path, errno);
		return;
	}
	std::string back(kSize, '\0');
	if (pread(fd.get(), back.data(), kSize, 0) != static_cast<ssize_t>(kSize)) {
		r.fail("read back " + path, errno ? errno : EIO);
		return;
	}
	if (back != data)
		r.fail("read back " + path + " (different data)", EBADMSG);
	r.bytes += kSize;
}

void grow_and_shrink(const std::string &path, TreeResult &r)
{
	Fd fd(open(path.c_str(), O_RDWR | O_NOFOLLOW));
	if (fd.get() < 0) {
		r.fail("open " + path, errno);
		return;
	}
	struct stat st;
	if (fstat(fd.get(), &st)) {
		r.fail("fstat " + path, errno);
		return;
	}
	if (ftruncate(fd.get(), st.st_size + 4096)) {
		r.fail("grow " + path, errno);
		return;
	}
	if (ftruncate(fd.get(), st.st_size))
		r.fail("shrink " + path, errno);
}

} // namespace

TreeResult walk_tree(const std::string &root, std::vector<std::string> *files)
{
	TreeResult r;
	walk(root, r, files);
	return r;
}

TreeResult change_tree(const std::string &root,
		       const std::vector<std::string> &files, unsigned grow)
{
	TreeResult r;
	const std::string dir = root + "/mountfuzz.d";
	if (mkdir(dir.c_str(), 0755)) {
		r.fail("mkdir " + dir, errno);
		return r;
	}
	const std::string file = dir + "/new";
	write_and_check(file, r);
	const std::string moved = root + "/mountfuzz.moved";
	if (rename(file.c_str(), moved.c_str()))
		r.fail("rename " + file, errno);
	else if (unlink(moved.c_str()))
		r.fail("unlink " + moved, errno);
	if (rmdir(dir.c_str()))
		r.fail("rmdir " + dir, errno);
	for (unsigned i = 0; i < grow && i < files.size(); i++)
		grow_and_shrink(files[i], r);
	return r;
}

namespace {

std::string errnos(const std::map<int, unsigned> &m)
{
	std::ostringstream s;
	const char *sep = "";
	for (const auto &[err, count] : m) {
		s << sep << strerrorname_np(err) << " x" << count;
		sep = ", ";
	}
	return s.str();
}

// The first error outside `allowed`, or "".
std::string unexpected(const TreeResult &r, const std::set<int> &allowed,
		       const char *phase)
{
	for (const auto &[err, count] : r.errors)
		if (!allowed.contains(err))
			return std::string(phase) + " met " + errnos(r.errors) +
			       " (first: " + r.first_error + ")";
	return {};
}

} // namespace

std::string judge(const SeedOutcome &o)
{
	if (o.mounted() && o.umount_errno)
		return std::string("umount failed: ") + std::strerror(o.umount_errno);
	if (o.ro_features && o.mounted())
		return "mounted read-write despite unknown read-only features";
	if (o.fsck_before == 0 && !o.ro_features) {
		if (!o.mounted())
			return std::string("fsck found it clean but mount said ") +
			       std::strerror(o.mount_errno) +
			       (o.kernel_lines.empty() ? "" : ": " + o.kernel_lines.back());
		if (o.walk.error_count())
			return "fsck found it clean but the walk met " +
			       errnos(o.walk.errors) + " (first: " + o.walk.first_error + ")";
		if (o.change.error_count())
			return "fsck found it clean but changing it met " +
			       errnos(o.change.errors) + " (first: " +
			       o.change.first_error + ")";
		if (o.fsck_after != 0)
			return "fsck -n exit " + std::to_string(o.fsck_after) +
			       " after mount, changes and umount";
		return {};
	}
	if (!o.mounted())
		return o.kernel_lines.empty()
			       ? std::string("mount refused (") +
					 std::strerror(o.mount_errno) +
					 ") without a contigfs message"
			       : "";
	if (std::string why = unexpected(o.walk, {EUCLEAN, EIO}, "the walk"); !why.empty())
		return why;
	return unexpected(o.change, {EUCLEAN, EIO, ENOSPC, EROFS}, "changing it");
}

void Tally::add(const SeedOutcome &o, bool ok)
{
	seeds++;
	failed += !ok;
	if (o.fsck_before == 0) {
		clean++;
	} else if (!o.mounted()) {
		refused++;
		refusals[o.mount_errno]++;
	} else if (o.walk.error_count() || o.change.error_count()) {
		mounted_found++;
	} else {
		mounted_unseen++;
	}
}

std::string Tally::summary() const
{
	std::ostringstream s;
	s << "mountfuzz: " << seeds << " seeds, " << failed << " failed; fsck clean "
	  << clean << "; fsck found problems " << seeds - clean << ": mount refused "
	  << refused;
	if (!refusals.empty())
		s << " (" << errnos(refusals) << ")";
	s << ", mounted and an error met later " << mounted_found
	  << ", mounted and no error met " << mounted_unseen;
	return s.str();
}

} // namespace flashnet::contigfs::mountfuzz
