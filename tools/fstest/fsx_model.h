// SPDX-License-Identifier: GPL-2.0
// flashnet-fsx's model of the file: its size and, for every byte, the op
// that last wrote it (0: never written since it was last beyond EOF, so it
// must read as zero). Stored as extents, so memory grows with the number of
// ops, not with the file size: a 256 MiB file costs what a 1 MiB one does.
#pragma once

#include "fsx_pattern.h"

#include <cstddef>
#include <cstdint>
#include <map>

namespace flashnet::fstest {

class Model {
public:
	struct Extent {
		std::uint64_t end;
		std::uint64_t op;
		bool operator==(const Extent &) const = default;
	};

	std::uint64_t size() const { return size_; }
	// pwrite semantics: extends the size; a gap past the old EOF is zero.
	void write(std::uint64_t off, std::uint64_t len, std::uint64_t op);
	// ftruncate semantics: what is cut off is forgotten, growth is zero.
	void truncate(std::uint64_t size);
	// The op that last wrote byte `off` (< size); 0 for zero.
	std::uint64_t writer(std::uint64_t off) const;
	// The expected bytes of [off, off + len); bytes at or past EOF are 0.
	void expected(const Pattern &p, std::uint8_t *buf, std::uint64_t off,
		      std::size_t len) const;
	// Number of written extents (memory use).
	std::size_t extents() const { return ext_.size(); }
	// The extents themselves: start -> [start, end) written by op.
	const std::map<std::uint64_t, Extent> &extent_map() const { return ext_; }
	bool operator==(const Model &) const = default;

private:
	// Makes `at` an extent boundary.
	void split(std::uint64_t at);

	std::map<std::uint64_t, Extent> ext_;	// start -> [start, end) by op
	std::uint64_t size_ = 0;
};

} // namespace flashnet::fstest
