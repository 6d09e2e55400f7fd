// SPDX-License-Identifier: GPL-2.0
// flashnet-fsx's configuration, its ops and the generator that picks them.
// The op sequence depends only on the configuration and the model's size
// before each op, so a seed replays exactly. Pure: no I/O.
#pragma once

#include "fsx_pattern.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace flashnet::fstest {

enum class OpKind : std::uint8_t {
	write,		// pwrite, anywhere up to --max-size (a gap reads zero)
	read,		// pread, also across and past EOF
	truncate,	// ftruncate, growing or shrinking
	map_write,	// store through a MAP_SHARED window inside the size
	map_read,	// load through a MAP_SHARED window
	fsync,
	fdatasync,
	fd_to_map,	// pwrite on fd 1, seen through a mapping of fd 2 made before
	map_to_fd,	// store through a mapping of fd 1, seen by pread on fd 2
	map_private,	// once: MAP_PRIVATE refused, or copy-on-write checked
};
const char *to_string(OpKind k);

struct Op {
	std::uint64_t n = 0;	// 1, 2, ...: also what the written bytes encode
	OpKind kind = OpKind::write;
	std::uint64_t off = 0;
	std::uint64_t len = 0;	// truncate: the new size is `off`
	bool msync = false;	// map_write, map_to_fd: msync(MS_SYNC) before munmap

	bool operator==(const Op &) const = default;
};
// "write off=4096 len=100", "truncate to 8192", "fsync".
std::string describe(const Op &op);

struct Config {
	std::uint64_t seed = 0;
	std::uint64_t ops = 10000;
	std::uint64_t max_size = 1 << 20;
	std::uint64_t max_io = 64 << 10;
	bool mmap = true;
	bool truncate = true;
	std::uint64_t fsync_every = 0;
	std::uint64_t reopen_every = 0;
	std::uint64_t check_every = 200;
	bool verbose = false;
	std::uint64_t log_last = 50;
	bool keep = false;
	// MAP_PRIVATE must fail with this errno; none: must copy on write.
	std::optional<int> private_errno;
	// Testing the checker: after op corrupt_op, flip the byte at
	// corrupt_off behind the tester's back (0: never).
	std::uint64_t corrupt_op = 0;
	std::uint64_t corrupt_off = 0;
	std::uint64_t page = 4096;

	bool private_check() const { return mmap || private_errno.has_value(); }
};

class OpGen {
public:
	explicit OpGen(const Config &cfg);
	// Op number n_ + 1 for a file that is `size` bytes long now.
	Op next(std::uint64_t size);

private:
	std::uint64_t pick_len(std::uint64_t limit, bool aligned);
	void inside(Op &op, std::uint64_t size);
	void write_args(Op &op, std::uint64_t size);
	void read_args(Op &op, std::uint64_t size);
	void truncate_args(Op &op, std::uint64_t size);

	Config cfg_;
	Rng rng_;
	std::uint64_t n_ = 0;
	bool private_done_ = false;
	std::vector<std::pair<OpKind, unsigned>> weights_;
	unsigned total_ = 0;
};

} // namespace flashnet::fstest
