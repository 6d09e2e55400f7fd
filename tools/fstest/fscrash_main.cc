// SPDX-License-Identifier: GPL-2.0
// flashnet-fscrash: a crash-consistency workload for a POSIX file system
// and the checker of what a power cut left. See --help.
#include "common.h"
#include "fscrash_check.h"
#include "fscrash_run.h"

#include <ctime>
#include <iostream>

using namespace flashnet::fstest;
using namespace flashnet::fstest::fscrash;

namespace {

const char kUsage[] = R"(usage: flashnet-fscrash run --dir DIR --state FILE [--seed N] [--ops N]
                        [--files N] [--max-file BYTES] [--max-io BYTES]
                        [--progress N] [--no-state-sync]
       flashnet-fscrash check --dir DIR --state FILE [--strict-metadata]
                        [--max-reports N]

run: a seeded mixed workload in DIR (created if missing; it must be empty):
create files (patterned data, 0..--max-file bytes, unaligned), overwrite
ranges (also past EOF), append (O_APPEND), truncate down and up, mkdir,
rename (files, symlinks and directories, within and across directories,
over existing files and empty directories), link, unlink, rmdir, symlink
(targets of 1..400 bytes), and durability points: fsync(file),
fdatasync(file), fsync(directory), syncfs. Every byte written is
pattern(seed, op, offset), as flashnet-fsx writes it, so the state file
holds op descriptions, never data. Before each op, its intent ("I N op")
goes to FILE; after each durability point returns 0, "D N digest". Each
record is one write and an fsync of FILE (which must live on a file system
that survives the cut, e.g. the 9p share $FLASHNET_OUT). Prints
"fscrash: op N" every --progress ops. Runs until --ops (0: until killed),
then syncfs and an end record.

check: after the cut and a remount, replays FILE and walks DIR. The last
record of FILE may be torn (it is ignored). Only durability points whose
"D" record is in FILE count; P is the last one. Ops after a fact's claim
(below), including the last journaled one, which may not even have
started, may each have reached the disk or not.

What is claimed durable, and when:
  posix (default), what POSIX and Linux (ext4, xfs) promise:
    fsync(file), fdatasync(file): that file's content (bytes and size),
      not its name(s): a new file's name is durable only after an fsync of
      its directory or a syncfs;
    fsync(directory): that directory's entries (which names exist, and
      which object each one is), not the content of the files they name;
    syncfs: everything (every name, type, symlink target, hard link, and
      every file's content).
  --strict-metadata, contigfs's promise: every file and directory
    operation completed before the last successful fsync/fdatasync of any
    file, fsync of any directory or syncfs is intact: each durability
    point claims everything, as syncfs does.
  A fact never claimed counts as claimed when its object was made (a file
  empty, a directory empty); DIR is claimed empty at the start.

What is verified (violations are reported with path, offset, expected and
found bytes and the ops involved):
  a directory entry no later op touched holds exactly its claimed object
    (or is absent if it was absent); one that later ops touched holds its
    claimed object or one of theirs (a rename over a name never leaves it
    absent); names the run never made must not exist;
  a file's content no later op touched is exactly its claimed size and
    bytes; otherwise its size lies between the smallest and largest size
    it had since the claim, and each byte is its claimed byte, a byte a
    later op wrote at that offset, or zero where the claimed state or a
    later truncate had zero;
  symlink targets are exact; a directory has one name; the names of one
    file are one inode, and one inode is one object;
  strict only: every object alive at P and removed by no later op is
    found under some name (a rename never loses what it moves: true where
    whole operations reach the disk in order, as contigfs's journal
    commits them), and a file whose names no later op changed has
    st_nlink = its number of names.

state file: text, one record per line, "CRC BODY" with CRC the CRC-32C of
BODY in 8 hex digits: the header "fscrash 1 seed=S files=F max-file=M
max-io=X ops=O", then "I N OP" (OP as in "write ID OFF LEN", "rename DIR
NAME DIR2 NAME2", ...; objects by id, DIR itself is 1), "D N DIGEST" (the
model's SHA-256 prefix after op N, checked by the replay) and "E N".

options:
  --dir DIR          the directory on the file system under test
  --state FILE       the state journal
  --seed N           random seed (default: the time); printed first
  --ops N            ops to run (default 10000; 0: until killed)
  --files N          live files at most (default 32)
  --max-file BYTES   no file grows past this (default 256k); size the run
                     with --files so that it cannot fill the file system:
                     ENOSPC is a system call failure (exit 2)
  --max-io BYTES     longest single write (default 64k)
  --progress N       print "fscrash: op N" every N ops (default 100; 0: never)
  --no-state-sync    no fsync of FILE after each record (only where FILE's
                     writes cannot be lost, e.g. on the host's tmpfs)
  --strict-metadata  check: the contigfs level (above)
  --max-reports N    check: print at most N violations (default 50)
  --help             this text

exit status: run: 0 done; 2 a system call failed (ENOSPC included); 16
usage (also: DIR not empty). check: 0 clean; 1 violations; 2 FILE is
unusable (unreadable, no header, damaged before its last record, or it does
not replay); 16 usage.

in a guest: run under flashnet-vm run --cut-after SECONDS (or
--cut-at-marker 'fscrash: op 2000') with --state $FLASHNET_OUT/fscrash.state;
in a second boot on the same disk, mount and run check with the state file
the first boot left in LOGDIR/NAME.job/out, passed back in.
)";

} // namespace

int main(int argc, char **argv)
{
	const std::vector<std::string> args(argv + 1, argv + argc);
	for (const std::string &a : args) {
		if (a == "--help" || a == "-h") {
			std::cout << kUsage;
			return kExitOk;
		}
	}
	try {
		if (args.empty())
			throw Usage("no command (run or check)");
		const std::string cmd = args[0];
		const std::vector<std::string> rest(args.begin() + 1, args.end());
		if (cmd == "run") {
			const Args a = parse_args(
				rest,
				{"--dir", "--state", "--seed", "--ops", "--files",
				 "--max-file", "--max-io", "--progress"},
				{"--no-state-sync"});
			if (!a.positional.empty())
				throw Usage("unexpected argument '" +
					    a.positional[0] + "'");
			if (!a.has("--dir") || !a.has("--state"))
				throw Usage("run needs --dir and --state");
			RunConfig c;
			c.seed = a.has("--seed")
					 ? a.num("--seed", 0)
					 : static_cast<std::uint64_t>(time(nullptr));
			c.ops = a.num("--ops", c.ops);
			c.files = a.num("--files", c.files, 1, 100000);
			c.max_file = a.num("--max-file", c.max_file, 1, 1ULL << 36);
			c.max_io = a.num("--max-io", std::min(c.max_io, c.max_file),
					 1, 1ULL << 30);
			c.progress = a.num("--progress", c.progress);
			c.state_sync = !a.flag("--no-state-sync");
			FsSys sys;
			Runner r(sys, a.str("--dir"), a.str("--state"), c,
				 std::cout, std::cerr);
			return r.run();
		}
		if (cmd == "check") {
			const Args a = parse_args(rest,
						  {"--dir", "--state", "--max-reports"},
						  {"--strict-metadata"});
			if (!a.positional.empty())
				throw Usage("unexpected argument '" +
					    a.positional[0] + "'");
			if (!a.has("--dir") || !a.has("--state"))
				throw Usage("check needs --dir and --state");
			FsSys sys;
			return check_main(sys, a.str("--dir"), a.str("--state"),
					  a.flag("--strict-metadata") ? Level::strict
								      : Level::posix,
					  a.num("--max-reports", 50), std::cout,
					  std::cerr);
		}
		throw Usage("unknown command '" + cmd + "' (run or check)");
	} catch (const Usage &e) {
		std::cerr << "flashnet-fscrash: " << e.what()
			  << " (see flashnet-fscrash --help)\n";
		return kExitUsage;
	}
}
