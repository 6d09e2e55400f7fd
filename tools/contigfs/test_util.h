// SPDX-License-Identifier: GPL-2.0
// Shared by the contigfs unit tests: temporary image files, running the
// tools in-process and as binaries, and the standard test tree.
#pragma once

#include "builder.h"
#include "fsck.h"
#include "layout.h"
#include "mkfs.h"

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <cstring>
#include <sstream>
#include <sys/stat.h>
#include <string>
#include <sys/wait.h>
#include <vector>

namespace flashnet::contigfs::test {

namespace fs = std::filesystem;

// A temporary directory removed with the test.
class TempDir {
public:
	TempDir()
	{
		std::string t = fs::temp_directory_path() / "contigfs.XXXXXX";
		if (!mkdtemp(t.data()))
			throw std::runtime_error("mkdtemp");
		path_ = t;
	}
	~TempDir() { fs::remove_all(path_); }
	std::string operator/(const std::string &name) const { return path_ / name; }

private:
	fs::path path_;
};

// A sparse image file of `pages` pages (replaces any old one).
inline std::string make_image(const std::string &path, std::uint64_t pages)
{
	std::ofstream(path, std::ios::trunc).close();
	fs::resize_file(path, pages * kPageSize);
	return path;
}

inline std::string slurp(const std::string &path)
{
	std::ifstream f(path, std::ios::binary);
	std::string s(fs::file_size(path), '\0');
	f.read(s.data(), static_cast<std::streamsize>(s.size()));
	return s;
}

struct Result {
	int code = -1;
	std::string out, err;
};

// Runs a binary with arguments (no shell quoting needed: the test paths
// have no spaces), capturing its output.
inline Result run(const std::string &binary, const std::vector<std::string> &args,
	       const TempDir &dir)
{
	std::string cmd = binary;
	for (const std::string &a : args)
		cmd += " '" + a + "'";
	const std::string out = dir / "run.out", err = dir / "run.err";
	cmd += " >" + out + " 2>" + err;
	const int st = std::system(cmd.c_str());
	Result r;
	r.code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	r.out = slurp(out);
	r.err = slurp(err);
	return r;
}

struct Checked {
	FsckReport report;
	std::string output;
	int code() const { return report.exit_code; }
	bool has(const std::string &t) const { return report.has(t); }
};

inline Checked check(const std::string &path, bool repair)
{
	std::ostringstream out;
	Checked c;
	c.report = fsck(path, {.repair = repair, .verbose = false}, &out);
	c.output = out.str();
	return c;
}

inline MkfsOptions test_options()
{
	MkfsOptions o;
	o.time = 1700000000;
	o.uuid = Uuid{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
	o.quiet = true;
	return o;
}

// The standard tree, inode numbers fixed:
//   1 /            directory
//   2 /d           directory
//   3 /d/e         directory
//   4 /d/f         regular file, 10000 bytes (order 2), also /d/e/h
//   5 /s           inline symlink "target"
//   6 /l           symlink of 200 bytes (metadata block)
//   7 /p           fifo
//   8 /z           empty regular file without a block
//   9 /g           regular file, 12288 bytes (order 2)
//  10 /c           character device
struct Tree {
	static constexpr std::uint64_t root = 1, d = 2, e = 3, f = 4, s = 5,
				       l = 6, p = 7, z = 8, g = 9, c = 10;
};

inline std::string long_target()
{
	std::string t;
	for (int i = 0; i < 200; i++)
		t += static_cast<char>('a' + i % 26);
	return t;
}

inline Builder make_tree(const std::string &path, std::uint64_t pages = 8192)
{
	make_image(path, pages);
	Builder b = Builder::format(path, test_options());
	b.mkdir("/d");
	b.mkdir("/d/e");
	std::vector<std::uint8_t> data(10000);
	for (std::size_t i = 0; i < data.size(); i++)
		data[i] = static_cast<std::uint8_t>(i * 7);
	b.file("/d/f", data.size(), data);
	b.symlink("/s", "target");
	b.symlink("/l", long_target());
	b.mknod("/p", S_IFIFO | 0644);
	b.file("/z", 0);
	b.file("/g", 12288);
	b.mknod("/c", S_IFCHR | 0600, 0x103);
	b.link("/d/e/h", "/d/f");
	b.commit();
	return b;
}

} // namespace flashnet::contigfs::test
