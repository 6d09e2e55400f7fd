// SPDX-License-Identifier: GPL-2.0
// flashnet-fsx: random operations on one file, checked against a model of
// its contents after every step. See --help.
#include "common.h"
#include "fsx_runner.h"

#include <ctime>
#include <iostream>
#include <unistd.h>

using namespace flashnet::fstest;

namespace {

const char kUsage[] = R"(usage: flashnet-fsx [options] FILE

Runs random operations on FILE (created, or truncated to 0) and checks it
against an in-memory model of its exact contents and size: the changed range
after every op, the size (fstat) after every op, the whole file every
--check-every ops and at the end. Every byte written encodes the seed, the
op number and the offset, so a mismatch report says which op wrote the byte
found and which op should have.

Ops (weights): write 24 (pwrite anywhere below --max-size, also past EOF:
the gap must read zero), read 14 (pread, also across and past EOF),
truncate 6 (grow and shrink: the grown part must read zero), mapwrite 12
(store through a MAP_SHARED window inside the file, msync(MS_SYNC) one time
in four, munmap, pread back), mapread 10, fd->map 6 (pwrite on one fd, seen
through a mapping of a second fd made before the write), map->fd 6 (store
through a mapping, seen at once by pread on the second fd), fsync 2,
fdatasync 2; and once, from the middle of the run, MAP_PRIVATE (below).

options:
  --seed N          random seed (default: the time); printed first
  --ops N           number of ops (default 10000)
  --max-size BYTES  the file never grows past this (default 1M); suffixes
                    k, M, G. Memory use does not grow with it
  --max-io BYTES    longest read, write or mapped range (default 64k)
  --check-every N   whole-file check every N ops (default 200; 0: only at
                    the end)
  --no-mmap         no mapped ops (and no MAP_PRIVATE check unless asked)
  --no-truncate     no truncate ops
  --fsync-every N   also fsync after every N ops
  --reopen-every N  close both fds and reopen the file every N ops
  --expect-mmap-private-errno ERRNO
                    MAP_PRIVATE must fail with ERRNO (a name such as ENODEV,
                    or a number). Without it, a MAP_PRIVATE mapping must
                    show the file, and a store to it must not reach the file
  --verbose         log every op as it starts
  --log-last N      on failure, print the last N ops (default 50)
  --keep            keep FILE after success (it is always kept on failure)
  --help            this text

testing the checker:
  --corrupt-after OP,OFFSET
                    after op OP, flip the byte at OFFSET behind the
                    model's back; the run must then fail with exit 1

exit status: 0 all checks passed; 1 data or size mismatch (or MAP_PRIVATE
semantics wrong); 2 an unexpected system call error (or SIGBUS from a
mapping); 16 usage.
)";

Config parse_config(const Args &a)
{
	Config c;
	c.seed = a.has("--seed") ? a.num("--seed", 0)
				 : static_cast<std::uint64_t>(time(nullptr));
	c.ops = a.num("--ops", c.ops);
	c.max_size = a.num("--max-size", c.max_size, 1, 1ULL << 43);
	c.max_io = a.num("--max-io", std::min(c.max_io, c.max_size), 1,
			 1ULL << 30);
	if (c.max_io > c.max_size)
		throw Usage("--max-io " + std::to_string(c.max_io) +
			    " is larger than --max-size " +
			    std::to_string(c.max_size));
	c.check_every = a.num("--check-every", c.check_every);
	c.mmap = !a.flag("--no-mmap");
	c.truncate = !a.flag("--no-truncate");
	c.fsync_every = a.num("--fsync-every", 0);
	c.reopen_every = a.num("--reopen-every", 0);
	c.verbose = a.flag("--verbose");
	c.log_last = a.num("--log-last", c.log_last);
	c.keep = a.flag("--keep");
	if (a.has("--expect-mmap-private-errno")) {
		const std::string n = a.str("--expect-mmap-private-errno");
		const int e = errno_from_name(n);
		if (!e)
			throw Usage("--expect-mmap-private-errno: unknown errno '" +
				    n + "'");
		c.private_errno = e;
	}
	if (a.has("--corrupt-after")) {
		const std::string v = a.str("--corrupt-after");
		const auto comma = v.find(',');
		if (comma == std::string::npos)
			throw Usage("--corrupt-after wants OP,OFFSET");
		c.corrupt_op = parse_size("--corrupt-after", v.substr(0, comma));
		c.corrupt_off = parse_size("--corrupt-after", v.substr(comma + 1));
		if (!c.corrupt_op || c.corrupt_op > c.ops)
			throw Usage("--corrupt-after: op " +
				    std::to_string(c.corrupt_op) +
				    " is not in 1.." + std::to_string(c.ops));
	}
	const long page = sysconf(_SC_PAGESIZE);
	c.page = page > 0 ? static_cast<std::uint64_t>(page) : 4096;
	return c;
}

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
	Config cfg;
	std::string file;
	try {
		const Args a = parse_args(
			args,
			{"--seed", "--ops", "--max-size", "--max-io",
			 "--check-every", "--fsync-every", "--reopen-every",
			 "--log-last", "--expect-mmap-private-errno",
			 "--corrupt-after"},
			{"--no-mmap", "--no-truncate", "--verbose", "--keep"});
		if (a.positional.size() != 1)
			throw Usage(a.positional.empty()
					    ? "no FILE given"
					    : "more than one FILE given");
		file = a.positional[0];
		cfg = parse_config(a);
	} catch (const Usage &e) {
		std::cerr << "flashnet-fsx: " << e.what()
			  << " (see flashnet-fsx --help)\n";
		return kExitUsage;
	}
	Posix sys;
	Runner r(sys, file, cfg, std::cout, std::cerr);
	return r.run();
}
