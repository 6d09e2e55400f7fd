// SPDX-License-Identifier: GPL-2.0
#include "treecopy.h"

#include "common.h"
#include "sha256.h"

#include <algorithm>
#include <cerrno>
#include <dirent.h>
#include <fcntl.h>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

namespace flashnet::fstest {

namespace {

constexpr char kHeader[] =
	"# flashnet-treecopy manifest 1: path type mode owner size nlink mtime "
	"sha256 target hardlink";

char type_of(mode_t m)
{
	switch (m & S_IFMT) {
	case S_IFREG: return 'f';
	case S_IFDIR: return 'd';
	case S_IFLNK: return 'l';
	case S_IFCHR: return 'c';
	case S_IFBLK: return 'b';
	case S_IFIFO: return 'p';
	case S_IFSOCK: return 's';
	default: return '?';
	}
}

std::string join(const std::string &dir, const std::string &name)
{
	return dir == "." ? name : dir + "/" + name;
}

struct Walker {
	std::string root;
	dev_t dev = 0;
	std::vector<Entry> out;
	// (dev, ino) of multiply linked files -> their entries
	std::map<std::pair<dev_t, ino_t>, std::vector<std::size_t>> links;

	std::string where(const std::string &rel) const
	{
		return rel == "." ? root : root + "/" + rel;
	}

	std::string hash_file(int dirfd, const std::string &name,
			      const std::string &rel)
	{
		Fd fd(openat(dirfd, name.c_str(),
			     O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY));
		if (!fd)
			throw SysError("open " + where(rel), errno);
		Sha256 h;
		std::vector<char> buf(1 << 20);
		for (;;) {
			const ssize_t n = read(fd.get(), buf.data(), buf.size());
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				throw SysError("read " + where(rel), errno);
			if (n == 0)
				break;
			h.update(buf.data(), static_cast<std::size_t>(n));
		}
		return h.hex();
	}

	void add(int dirfd, const std::string &name, const std::string &rel,
		 const struct stat &st)
	{
		Entry e;
		e.path = rel;
		e.type = type_of(st.st_mode);
		e.mode = st.st_mode & 07777;
		e.uid = st.st_uid;
		e.gid = st.st_gid;
		e.nlink = st.st_nlink;
		e.mtime_sec = st.st_mtim.tv_sec;
		e.mtime_nsec = st.st_mtim.tv_nsec;
		if (e.type == 'f' || e.type == 'l')
			e.size = static_cast<std::uint64_t>(st.st_size);
		if (e.type == 'f')
			e.sha256 = hash_file(dirfd, name, rel);
		if (e.type == 'l') {
			std::string t(static_cast<std::size_t>(st.st_size) + 1, '\0');
			const ssize_t n = readlinkat(dirfd, name.c_str(), t.data(),
						     t.size());
			if (n < 0)
				throw SysError("readlink " + where(rel), errno);
			t.resize(static_cast<std::size_t>(n));
			e.target = t;
		}
		if (e.type == 'c' || e.type == 'b')
			e.target = std::to_string(major(st.st_rdev)) + ":" +
				   std::to_string(minor(st.st_rdev));
		if (e.type == 'f' && st.st_nlink > 1)
			links[{st.st_dev, st.st_ino}].push_back(out.size());
		out.push_back(std::move(e));
	}

	void walk(int dirfd, const std::string &rel)
	{
		const int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			throw SysError("open " + where(rel), errno);
		std::unique_ptr<DIR, int (*)(DIR *)> d(fdopendir(fd), closedir);
		if (!d) {
			close(fd);
			throw SysError("opendir " + where(rel), errno);
		}
		std::vector<std::string> names;
		for (;;) {
			errno = 0;
			const dirent *de = readdir(d.get());
			if (!de) {
				if (errno)
					throw SysError("readdir " + where(rel), errno);
				break;
			}
			const std::string n = de->d_name;
			if (n != "." && n != "..")
				names.push_back(n);
		}
		std::sort(names.begin(), names.end());
		for (const std::string &n : names) {
			const std::string child = join(rel, n);
			struct stat st;
			if (fstatat(dirfd_of(d), n.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0)
				throw SysError("lstat " + where(child), errno);
			add(dirfd_of(d), n, child, st);
			if (!S_ISDIR(st.st_mode) || st.st_dev != dev)
				continue;
			Fd sub(openat(dirfd_of(d), n.c_str(),
				      O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
			if (!sub)
				throw SysError("open " + where(child), errno);
			walk(sub.get(), child);
		}
	}

	static int dirfd_of(const std::unique_ptr<DIR, int (*)(DIR *)> &d)
	{
		return ::dirfd(d.get());
	}
};

std::string field_or_dash(const std::string &s)
{
	return s.empty() ? "-" : escape(s);
}

std::uint64_t parse_u64(const std::string &field, const std::string &text, int base)
{
	std::size_t used = 0;
	unsigned long long v = 0;
	try {
		if (!text.empty() && text[0] != '-' && text[0] != '+')
			v = std::stoull(text, &used, base);
	} catch (const std::exception &) {
		used = 0;
	}
	if (used == 0 || used != text.size())
		throw ManifestError(field + ": not a number: '" + text + "'");
	return v;
}

std::string mtime_str(const Entry &e)
{
	char ns[16];
	snprintf(ns, sizeof(ns), "%09ld", e.mtime_nsec);
	return std::to_string(e.mtime_sec) + "." + ns;
}

std::string pad_mode(unsigned mode)
{
	char b[8];
	snprintf(b, sizeof(b), "%04o", mode);
	return b;
}

} // namespace

std::string escape(const std::string &raw)
{
	if (raw == "-")
		return "%2D";
	static const char hex[] = "0123456789ABCDEF";
	std::string s;
	for (unsigned char c : raw) {
		if (c > ' ' && c < 0x7f && c != '%') {
			s += static_cast<char>(c);
		} else {
			s += '%';
			s += hex[c >> 4];
			s += hex[c & 15];
		}
	}
	return s;
}

std::string unescape(const std::string &text)
{
	std::string s;
	for (std::size_t i = 0; i < text.size(); i++) {
		if (text[i] != '%') {
			s += text[i];
			continue;
		}
		if (i + 2 >= text.size())
			throw ManifestError("truncated %-escape in '" + text + "'");
		const std::string h = text.substr(i + 1, 2);
		if (!isxdigit(static_cast<unsigned char>(h[0])) ||
		    !isxdigit(static_cast<unsigned char>(h[1])))
			throw ManifestError("bad %-escape in '" + text + "'");
		s += static_cast<char>(std::stoi(h, nullptr, 16));
		i += 2;
	}
	return s;
}

std::vector<Entry> scan_tree(const std::string &root)
{
	Walker w;
	w.root = root;
	Fd fd(open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
	if (!fd)
		throw SysError("open " + root, errno);
	struct stat st;
	if (fstat(fd.get(), &st) < 0)
		throw SysError("stat " + root, errno);
	w.dev = st.st_dev;
	w.add(fd.get(), ".", ".", st);
	w.walk(fd.get(), ".");
	std::vector<Entry> &out = w.out;
	// Hard links: every name of an inode points at the first in order.
	for (auto &[key, idx] : w.links) {
		std::string first = out[idx[0]].path;
		for (std::size_t i : idx)
			first = std::min(first, out[i].path);
		for (std::size_t i : idx)
			out[i].hardlink = first;
	}
	std::sort(out.begin(), out.end(),
		  [](const Entry &a, const Entry &b) { return a.path < b.path; });
	return out;
}

std::string format_entry(const Entry &e)
{
	std::ostringstream s;
	s << escape(e.path) << ' ' << e.type << ' ' << pad_mode(e.mode) << ' '
	  << e.uid << ':' << e.gid << ' '
	  << (e.size ? std::to_string(*e.size) : "-") << ' ' << e.nlink << ' '
	  << mtime_str(e) << ' ' << (e.sha256.empty() ? "-" : e.sha256)
	  << ' ' << field_or_dash(e.target) << ' ' << field_or_dash(e.hardlink);
	return s.str();
}

Entry parse_entry(const std::string &line)
{
	std::vector<std::string> f;
	std::istringstream in(line);
	for (std::string w; in >> w;)
		f.push_back(w);
	if (f.size() != 10)
		throw ManifestError("expected 10 fields, found " +
				    std::to_string(f.size()));
	Entry e;
	e.path = unescape(f[0]);
	if (f[1].size() != 1 || std::string("fdlcbps").find(f[1][0]) == std::string::npos)
		throw ManifestError("type: '" + f[1] + "' is not one of f d l c b p s");
	e.type = f[1][0];
	e.mode = static_cast<unsigned>(parse_u64("mode", f[2], 8));
	if (e.mode > 07777)
		throw ManifestError("mode: " + f[2] + " is more than 7777");
	const auto colon = f[3].find(':');
	if (colon == std::string::npos)
		throw ManifestError("owner: '" + f[3] + "' is not uid:gid");
	e.uid = static_cast<std::uint32_t>(parse_u64("owner", f[3].substr(0, colon), 10));
	e.gid = static_cast<std::uint32_t>(parse_u64("owner", f[3].substr(colon + 1), 10));
	if (f[4] != "-")
		e.size = parse_u64("size", f[4], 10);
	e.nlink = parse_u64("nlink", f[5], 10);
	const auto dot = f[6].find('.');
	if (dot == std::string::npos)
		throw ManifestError("mtime: '" + f[6] + "' is not seconds.nanoseconds");
	const std::string sec = f[6].substr(0, dot);
	const bool neg = !sec.empty() && sec[0] == '-';
	e.mtime_sec = static_cast<std::int64_t>(
		parse_u64("mtime", neg ? sec.substr(1) : sec, 10));
	if (neg)
		e.mtime_sec = -e.mtime_sec;
	e.mtime_nsec = static_cast<long>(parse_u64("mtime", f[6].substr(dot + 1), 10));
	if (f[7] != "-") {
		if (f[7].size() != 64 ||
		    f[7].find_first_not_of("0123456789abcdef") != std::string::npos)
			throw ManifestError("sha256: '" + f[7] + "' is not 64 hex digits");
		e.sha256 = f[7];
	}
	if (f[8] != "-")
		e.target = unescape(f[8]);
	if (f[9] != "-")
		e.hardlink = unescape(f[9]);
	return e;
}

void write_manifest(std::ostream &out, const std::vector<Entry> &entries)
{
	out << kHeader << "\n";
	for (const Entry &e : entries)
		out << format_entry(e) << "\n";
}

std::vector<Entry> read_manifest(const std::string &file)
{
	std::ifstream in(file);
	if (!in)
		throw SysError("open " + file, errno);
	std::vector<Entry> out;
	std::string line;
	for (int n = 1; std::getline(in, line); n++) {
		if (line.empty() || line[0] == '#')
			continue;
		try {
			out.push_back(parse_entry(line));
		} catch (const ManifestError &e) {
			throw ManifestError(file + ":" + std::to_string(n) + ": " +
					    e.what());
		}
	}
	if (in.bad())
		throw SysError("read " + file, errno);
	std::sort(out.begin(), out.end(),
		  [](const Entry &a, const Entry &b) { return a.path < b.path; });
	for (std::size_t i = 1; i < out.size(); i++)
		if (out[i].path == out[i - 1].path)
			throw ManifestError(file + ": path '" + escape(out[i].path) +
					    "' appears twice");
	return out;
}

const std::set<std::string> &comparable_fields()
{
	static const std::set<std::string> f = {
		"type", "mode", "owner", "size", "nlink", "mtime",
		"sha256", "target", "hardlink", "dir-nlink", "dir-mtime"};
	return f;
}

std::vector<std::string> compare(const std::vector<Entry> &a,
				 const std::vector<Entry> &b,
				 const std::set<std::string> &ignore)
{
	std::vector<std::string> diffs;
	auto on = [&](const char *field) { return !ignore.count(field); };
	std::size_t i = 0, j = 0;
	while (i < a.size() || j < b.size()) {
		if (j == b.size() || (i < a.size() && a[i].path < b[j].path)) {
			diffs.push_back("only in A: " + escape(a[i].path) + " (" +
					a[i].type + ")");
			i++;
			continue;
		}
		if (i == a.size() || b[j].path < a[i].path) {
			diffs.push_back("only in B: " + escape(b[j].path) + " (" +
					b[j].type + ")");
			j++;
			continue;
		}
		const Entry &x = a[i++], &y = b[j++];
		const std::string p = escape(x.path) + ": ";
		const bool dir = x.type == 'd' && y.type == 'd';
		if (on("type") && x.type != y.type) {
			diffs.push_back(p + "type " + x.type + " != " + y.type);
			continue;
		}
		if (on("mode") && x.mode != y.mode)
			diffs.push_back(p + "mode " + pad_mode(x.mode) + " != " +
					pad_mode(y.mode));
		if (on("owner") && (x.uid != y.uid || x.gid != y.gid))
			diffs.push_back(p + "owner " + std::to_string(x.uid) + ":" +
					std::to_string(x.gid) + " != " +
					std::to_string(y.uid) + ":" +
					std::to_string(y.gid));
		if (on("size") && x.size != y.size)
			diffs.push_back(p + "size " +
					(x.size ? std::to_string(*x.size) : "-") +
					" != " +
					(y.size ? std::to_string(*y.size) : "-"));
		if (on("nlink") && (!dir || on("dir-nlink")) && x.nlink != y.nlink)
			diffs.push_back(p + "nlink " + std::to_string(x.nlink) +
					" != " + std::to_string(y.nlink));
		if (on("mtime") && (!dir || on("dir-mtime")) &&
		    (x.mtime_sec != y.mtime_sec || x.mtime_nsec != y.mtime_nsec))
			diffs.push_back(p + "mtime " + mtime_str(x) + " != " +
					mtime_str(y));
		if (on("sha256") && x.sha256 != y.sha256)
			diffs.push_back(p + "contents differ (sha256 " +
					(x.sha256.empty() ? "-" : x.sha256.substr(0, 16)) +
					"... != " +
					(y.sha256.empty() ? "-" : y.sha256.substr(0, 16)) +
					"...)");
		if (on("target") && x.target != y.target)
			diffs.push_back(p + "target '" + escape(x.target) + "' != '" +
					escape(y.target) + "'");
		if (on("hardlink") && x.hardlink != y.hardlink)
			diffs.push_back(p + "hard link of '" + field_or_dash(x.hardlink) +
					"' != '" + field_or_dash(y.hardlink) + "'");
	}
	return diffs;
}

} // namespace flashnet::fstest
