// SPDX-License-Identifier: GPL-2.0
// contigfs-build: formats a device or image and fills it from a spec, with
// the same builder the unit tests use. See --help.
#include "builder.h"

#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <sys/stat.h>
#include <sys/sysmacros.h>

using namespace flashnet::contigfs;

namespace {

const char kUsage[] = R"(usage: contigfs-build [mkfs options] DEVICE SPEC

Formats DEVICE like mkfs.contigfs (same options: -L -N -J -M -U -T -q),
then creates what SPEC (a file, or - for stdin) lists, one item a line:

  dir PATH [MODE]              directory (MODE octal, default 755)
  file PATH SIZE [HOSTFILE]    regular file of SIZE bytes: the first bytes
                               of HOSTFILE, the rest zero (no HOSTFILE: all
                               zero)
  symlink PATH TARGET          symbolic link (inline below 128 bytes)
  node PATH TYPE [MAJ MIN]     TYPE fifo, sock, chr or blk
  link PATH EXISTING           hard link to a non-directory
  move PATH ORDER              a pending move to a new block of ORDER

PATHs are absolute; '#' starts a comment. Then it commits (consistent
inodes, directories, bitmaps), flushes and, unless -q, prints one line per
item: PATH, inode number, LBA of its inode, LBA of its block (or -).

exit status: 0 built, 1 bad option or spec (the line is named), 2 I/O
error.
)";

std::uint64_t number(const std::string &t, int base, const std::string &where)
{
	try {
		std::size_t used = 0;
		const unsigned long long v = std::stoull(t, &used, base);
		if (used == t.size() && !t.empty() && t[0] != '-')
			return v;
	} catch (const std::exception &) {
	}
	throw BuildError(where + ": not a number: '" + t + "'");
}

} // namespace

int main(int argc, char **argv)
{
	MkfsArgs a;
	try {
		a = parse_mkfs_args({argv + 1, argv + argc});
		if (a.help) {
			std::cout << kUsage;
			return 0;
		}
		if (a.operands.size() != 2)
			throw MkfsError("need DEVICE and SPEC");
	} catch (const MkfsError &e) {
		std::cerr << "contigfs-build: " << e.what()
			  << "\nTry 'contigfs-build --help'.\n";
		return 1;
	}
	const std::string &dev = a.operands[0], &spec_path = a.operands[1];
	std::ifstream file;
	if (spec_path != "-") {
		file.open(spec_path);
		if (!file) {
			std::cerr << "contigfs-build: " << spec_path
				  << ": cannot open\n";
			return 1;
		}
	}
	std::istream &spec = spec_path == "-" ? std::cin : file;
	std::vector<std::string> paths;
	try {
		Builder b = Builder::format(dev, a.opts);
		std::string line;
		for (unsigned n = 1; std::getline(spec, line); n++) {
			const std::string where = spec_path + ":" + std::to_string(n);
			if (auto h = line.find('#'); h != std::string::npos)
				line.erase(h);
			std::istringstream in(line);
			std::vector<std::string> w{std::istream_iterator<std::string>(in), {}};
			if (w.empty())
				continue;
			auto need = [&](std::size_t lo, std::size_t hi) {
				if (w.size() < lo || w.size() > hi)
					throw BuildError(where + ": '" + w[0] +
							 "' takes " + std::to_string(lo - 1) +
							 ".." + std::to_string(hi - 1) +
							 " arguments");
			};
			try {
				if (w[0] == "dir") {
					need(2, 3);
					b.mkdir(w[1], w.size() > 2
						       ? static_cast<std::uint16_t>(number(w[2], 8, where))
						       : 0755);
				} else if (w[0] == "file") {
					need(3, 4);
					const std::uint64_t size = number(w[2], 0, where);
					std::vector<std::uint8_t> data;
					if (w.size() > 3) {
						std::ifstream h(w[3], std::ios::binary);
						if (!h)
							throw BuildError(where + ": cannot open " + w[3]);
						data.assign(std::istreambuf_iterator<char>(h), {});
						if (data.size() > size)
							data.resize(size);
					}
					b.file(w[1], size, data);
				} else if (w[0] == "symlink") {
					need(3, 3);
					b.symlink(w[1], w[2]);
				} else if (w[0] == "node") {
					need(3, 5);
					std::uint16_t mode = 0;
					if (w[2] == "fifo")
						mode = S_IFIFO;
					else if (w[2] == "sock")
						mode = S_IFSOCK;
					else if (w[2] == "chr")
						mode = S_IFCHR;
					else if (w[2] == "blk")
						mode = S_IFBLK;
					else
						throw BuildError(where + ": node type '" + w[2] +
								 "' is not fifo, sock, chr or blk");
					std::uint32_t rdev = 0;
					if (w.size() == 5) {
						const auto maj = number(w[3], 0, where);
						const auto min = number(w[4], 0, where);
						// new_encode_dev()
						rdev = static_cast<std::uint32_t>(
							(min & 0xff) | (maj << 8) |
							((min & ~0xffULL) << 12));
					}
					b.mknod(w[1], mode | 0644, rdev);
				} else if (w[0] == "link") {
					need(3, 3);
					b.link(w[1], w[2]);
				} else if (w[0] == "move") {
					need(3, 3);
					b.start_move(w[1], static_cast<unsigned>(
								   number(w[2], 0, where)));
				} else {
					throw BuildError(where + ": unknown item '" + w[0] + "'");
				}
			} catch (const BuildError &e) {
				const std::string m = e.what();
				throw BuildError(m.starts_with(where) ? m : where + ": " + m);
			}
			if (w[0] != "link" && w[0] != "move")
				paths.push_back(w[1]);
		}
		b.commit();
		if (!a.opts.quiet) {
			for (const std::string &p : paths) {
				const std::uint64_t ino = b.lookup(p);
				const contigfs_inode i = b.inode(ino);
				std::cout << p << " " << ino << " "
					  << b.inode_location(ino).lba << " ";
				if (i.i_order == CONTIGFS_NO_BLOCK)
					std::cout << "-\n";
				else
					std::cout << b.block_lba(ino) << "\n";
			}
		}
		return 0;
	} catch (const BuildError &e) {
		std::cerr << "contigfs-build: " << e.what() << "\n";
		return 1;
	} catch (const MkfsError &e) {
		std::cerr << "contigfs-build: " << dev << ": " << e.what() << "\n";
		return 1;
	} catch (const std::exception &e) {
		std::cerr << "contigfs-build: " << e.what() << "\n";
		return 2;
	}
}
