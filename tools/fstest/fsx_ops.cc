// SPDX-License-Identifier: GPL-2.0
#include "fsx_ops.h"

#include <algorithm>

namespace flashnet::fstest {

const char *to_string(OpKind k)
{
	switch (k) {
	case OpKind::write: return "write";
	case OpKind::read: return "read";
	case OpKind::truncate: return "truncate";
	case OpKind::map_write: return "mapwrite";
	case OpKind::map_read: return "mapread";
	case OpKind::fsync: return "fsync";
	case OpKind::fdatasync: return "fdatasync";
	case OpKind::fd_to_map: return "fd->map";
	case OpKind::map_to_fd: return "map->fd";
	case OpKind::map_private: return "mapprivate";
	}
	return "?";
}

std::string describe(const Op &op)
{
	std::string s = to_string(op.kind);
	switch (op.kind) {
	case OpKind::fsync:
	case OpKind::fdatasync:
		return s;
	case OpKind::truncate:
		return s + " to " + std::to_string(op.off);
	default:
		s += " off=" + std::to_string(op.off) +
		     " len=" + std::to_string(op.len);
		if (op.msync)
			s += " +msync";
		return s;
	}
}

OpGen::OpGen(const Config &cfg) : cfg_(cfg), rng_(mix64(cfg.seed ^ 0x6f70))
{
	auto add = [&](OpKind k, unsigned w) {
		weights_.emplace_back(k, w);
		total_ += w;
	};
	add(OpKind::write, 24);
	add(OpKind::read, 14);
	if (cfg_.truncate)
		add(OpKind::truncate, 6);
	if (cfg_.mmap) {
		add(OpKind::map_write, 12);
		add(OpKind::map_read, 10);
		add(OpKind::fd_to_map, 6);
		add(OpKind::map_to_fd, 6);
	}
	add(OpKind::fsync, 2);
	add(OpKind::fdatasync, 2);
	private_done_ = !cfg_.private_check();
}

// 1..min(max_io, limit); limit >= 1.
std::uint64_t OpGen::pick_len(std::uint64_t limit, bool aligned)
{
	const std::uint64_t m = std::min(cfg_.max_io, limit);
	if (aligned && m >= cfg_.page)
		return cfg_.page * rng_.range(1, m / cfg_.page);
	switch (rng_.below(8)) {
	case 0:
		return rng_.range(1, std::min<std::uint64_t>(m, 16));
	case 1:
		return rng_.range(1, std::min<std::uint64_t>(m, 512));
	default:
		return rng_.range(1, m);
	}
}

// A range inside [0, size); size > 0.
void OpGen::inside(Op &op, std::uint64_t size)
{
	const bool aligned = rng_.one_in(4) && size >= cfg_.page;
	if (aligned)
		op.off = cfg_.page * rng_.below(size / cfg_.page);
	else
		op.off = rng_.below(size);
	op.len = pick_len(size - op.off, aligned);
}

void OpGen::write_args(Op &op, std::uint64_t size)
{
	const std::uint64_t max = cfg_.max_size;
	const std::uint64_t page = cfg_.page;
	bool aligned = false;
	switch (rng_.below(8)) {
	case 0: case 1: case 2:
		op.off = rng_.below(max);
		break;
	case 3: case 4:
		op.off = size ? rng_.below(size) : 0;
		break;
	case 5: {	// around EOF
		const std::uint64_t lo = size - std::min(size, cfg_.max_io);
		op.off = rng_.range(lo, size + cfg_.max_io);
		break;
	}
	case 6:	// page aligned
		aligned = max >= page;
		op.off = aligned ? page * rng_.below(max / page) : 0;
		break;
	default:	// append
		op.off = size;
		break;
	}
	op.off = std::min(op.off, max - 1);
	op.len = pick_len(max - op.off, aligned);
}

void OpGen::read_args(Op &op, std::uint64_t size)
{
	if (!size || rng_.one_in(10)) {	// at or past EOF: reads nothing
		op.off = size + rng_.below(cfg_.max_io);
		op.len = pick_len(cfg_.max_io, false);
		return;
	}
	op.off = rng_.below(size);
	// Half of the reads may run past EOF.
	op.len = pick_len(rng_.one_in(2) ? cfg_.max_io : size - op.off, false);
}

void OpGen::truncate_args(Op &op, std::uint64_t size)
{
	const std::uint64_t max = cfg_.max_size;
	switch (rng_.below(6)) {
	case 0: case 1:
		op.off = rng_.range(0, max);
		break;
	case 2:	// a little shorter or longer
		op.off = size - std::min(size, rng_.below(cfg_.page * 2)) +
			 rng_.below(cfg_.page * 2);
		break;
	case 3:
		op.off = cfg_.page * rng_.range(0, max / cfg_.page);
		break;
	case 4:
		op.off = size ? rng_.below(size) : rng_.range(0, max);
		break;
	default:
		op.off = rng_.one_in(4) ? 0 : rng_.range(size, max);
		break;
	}
	op.off = std::min(op.off, max);
}

Op OpGen::next(std::uint64_t size)
{
	Op op;
	op.n = ++n_;
	// MAP_PRIVATE once, from the middle of the run on, on a non-empty
	// file (or on the last op whatever the size).
	if (!private_done_ && op.n >= std::max<std::uint64_t>(1, cfg_.ops / 2) &&
	    (size || op.n >= cfg_.ops)) {
		private_done_ = true;
		op.kind = OpKind::map_private;
		if (size)
			inside(op, size);
		return op;
	}
	unsigned r = static_cast<unsigned>(rng_.below(total_));
	for (const auto &[k, w] : weights_) {
		if (r < w) {
			op.kind = k;
			break;
		}
		r -= w;
	}
	switch (op.kind) {
	case OpKind::write:
		write_args(op, size);
		break;
	case OpKind::read:
		read_args(op, size);
		break;
	case OpKind::truncate:
		truncate_args(op, size);
		break;
	case OpKind::map_write:
	case OpKind::map_read:
	case OpKind::fd_to_map:
	case OpKind::map_to_fd:
		if (!size) {	// nothing to map: write instead
			op.kind = OpKind::write;
			write_args(op, size);
			break;
		}
		inside(op, size);
		op.msync = (op.kind == OpKind::map_write ||
			    op.kind == OpKind::map_to_fd) && rng_.one_in(4);
		break;
	default:
		break;
	}
	return op;
}

} // namespace flashnet::fstest
