// SPDX-License-Identifier: GPL-2.0
#include "fsck.h"

#include "check.h"

#include <exception>
#include <sstream>

namespace flashnet::contigfs {

namespace {

// Repair passes before giving up; a pass fixes what it finds, so the
// second normally finds nothing and is the re-check.
constexpr unsigned kMaxRepairPasses = 5;

} // namespace

bool FsckReport::has(const std::string &text) const
{
	for (const std::string &p : problems)
		if (p.find(text) != std::string::npos)
			return true;
	return false;
}

FsckReport fsck(const std::string &path, const FsckOptions &opts,
		std::ostream *out)
{
	FsckReport rep;
	auto say = [&](const std::string &line) {
		if (out)
			*out << line << "\n" << std::flush;
	};
	std::string summary;
	try {
		Image img = Image::open(path, opts.repair
						      ? Image::Access::read_write
						      : Image::Access::read_only);
		for (unsigned pass = 1;; pass++) {
			const bool repair = opts.repair && pass <= kMaxRepairPasses;
			const std::string prefix =
				pass > 1 ? "pass " + std::to_string(pass) + ": " : "";
			std::vector<std::string> infos;
			Pass p(img, repair, opts.verbose, [&](const PassLine &l) {
				switch (l.kind) {
				case PassLine::problem:
					rep.problems.push_back(prefix + l.text);
					say(prefix + l.text);
					break;
				case PassLine::note:
					if (pass == 1) {
						rep.notes.push_back(l.text);
						say("note: " + l.text);
					}
					break;
				case PassLine::info:
					infos.push_back(l.text);
					break;
				}
			});
			PassResult r;
			try {
				r = p.run();
			} catch (const Fatal &f) {
				say(prefix + f.message);
				rep.exit_code = f.code;
				if (f.code == kFsckUncorrected)
					rep.remaining = 1;
				return rep;
			}
			summary = p.summary();
			rep.fixed += r.fixed;
			const bool last = !repair || r.problems == 0 || r.fixed == 0;
			if (last) {
				for (const std::string &i : infos)
					say(i);
				rep.remaining = r.problems - (repair ? r.fixed : 0);
				if (!r.problems)
					rep.exit_code = rep.fixed ? kFsckCorrected : kFsckClean;
				else
					rep.exit_code = kFsckUncorrected;
				break;
			}
		}
	} catch (const std::exception &e) {
		say(std::string("fsck.contigfs: ") + e.what());
		rep.exit_code = kFsckOperational;
		return rep;
	}
	auto problems = [](unsigned n) {
		return std::to_string(n) + (n == 1 ? " problem" : " problems");
	};
	std::ostringstream s;
	s << path << ": ";
	switch (rep.exit_code) {
	case kFsckClean:
		s << "clean, " << summary;
		break;
	case kFsckCorrected:
		s << problems(rep.fixed) << " corrected, now clean, " << summary;
		break;
	default:
		s << problems(rep.remaining) << " left uncorrected"
		  << (opts.repair ? "" : " (-n: nothing was changed)");
		if (rep.fixed)
			s << ", " << rep.fixed << " corrected";
		break;
	}
	say(s.str());
	return rep;
}

namespace {

const char kUsage[] = R"(usage: fsck.contigfs [-n|-y|-p] [-f] [-v] DEVICE

Checks the contigfs file system on DEVICE (a block device or an image
file) against every invariant of its on-disk format, and with -y repairs
what can be repaired safely, then checks again.

  -n   check only: open read-only, change nothing (the default). A
       committed journal transaction is checked as if replayed.
  -y   repair everything repairable (-p and -a are the same here)
  -f   accepted for compatibility: the check is always complete
  -v   statistics, and every free-bitmap difference (not only 50 a zone)
  -h, --help

Each problem is one line naming the object (inode number, directory inode,
block and offset and entry name, zone and block, superblock field) and
what is wrong; with -y it ends with what was done about it.

Checked: superblock (magic, version, crc, incompatible features, layout),
journal (a committed transaction is replayed), every inode (crc, type,
link count, block inside its zone and aligned, size within capacity,
directory and symlink shapes, pending moves), the inode bitmap, every
directory record reachable from the root (record chain, names,
duplicates, targets, d_type, directory hard links and cycles, i_parent),
link counts, unreachable inodes, overlapping blocks, and both zones'
free-block bitmaps against the canonical state of the allocated blocks.

A committed journal transaction and orphans (i_nlink 0, no entry) are
states mount resolves, not errors: -n notes them (and checks the file
system as if the journal were replayed), -y resolves them (a correction).

Repairs (-y): replay the journal; remove bad directory records; fix
d_type, i_nlink, i_parent, inode bitmap bits, unknown i_flags bits; clear
inodes with a bad crc or invalid fields, unreachable inodes (no
lost+found yet) and the higher-numbered of two overlapping inodes; rewrite
the free-block bitmaps. A bad superblock or root directory is not
repaired.

exit status (fsck(8)): 0 clean, 1 errors corrected, 4 errors left
uncorrected, 8 operational error (cannot open or read, not contigfs,
unsupported features), 16 usage error.
)";

} // namespace

int fsck_main(const std::vector<std::string> &args, std::ostream &out,
	      std::ostream &err)
{
	FsckOptions o;
	std::string dev;
	bool no = false, yes = false;
	auto usage = [&](const std::string &why) {
		err << "fsck.contigfs: " << why
		    << "\nTry 'fsck.contigfs --help'.\n";
		return kFsckUsage;
	};
	for (const std::string &a : args) {
		if (a == "-h" || a == "--help") {
			out << kUsage;
			return kFsckClean;
		}
		if (a.size() > 1 && a[0] == '-') {
			for (char c : a.substr(1)) {
				switch (c) {
				case 'n':
					no = true;
					break;
				case 'y':
				case 'p':
				case 'a':
					yes = true;
					break;
				case 'f':
					break;
				case 'v':
					o.verbose = true;
					break;
				default:
					return usage("unknown option '-" +
						     std::string(1, c) + "'");
				}
			}
			continue;
		}
		if (!dev.empty())
			return usage("unexpected argument '" + a + "' (DEVICE is '" +
				     dev + "')");
		dev = a;
	}
	if (no && yes)
		return usage("-n and -y/-p exclude each other");
	if (dev.empty())
		return usage("no DEVICE given");
	o.repair = yes;
	return fsck(dev, o, &out).exit_code;
}

} // namespace flashnet::contigfs
