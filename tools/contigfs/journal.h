// SPDX-License-Identifier: GPL-2.0
// The metadata journal: one transaction, a header page and its images.
#pragma once

#include "image.h"
#include "layout.h"

#include <cstdint>
#include <string>
#include <vector>

namespace flashnet::contigfs {

struct Transaction {
	std::uint64_t seq = 0;
	std::vector<std::uint64_t> lbas;	// home LBA of each image
	std::vector<std::uint8_t> images;	// lbas.size() pages, in order
	const std::uint8_t *image(std::size_t i) const
	{
		return images.data() + i * kPageSize;
	}
};

struct JournalState {
	enum Kind {
		empty,		// the header page is all zero
		invalid,	// not a committed transaction: ignored
		valid,		// a committed transaction: replay it
	};
	Kind kind = empty;
	std::string why;	// invalid: which check failed
	Transaction txn;	// valid: the transaction
};

// Reads and validates the journal header (magic, uuid, header crc, count
// <= CONTIGFS_JOURNAL_MAX_IMAGES and <= journal_pages - 1) and, if those
// hold, the images and their data crc. I/O errors throw IoError.
JournalState read_journal(Image &img, const Layout &l, const Uuid &uuid);

// The header page of `txn`, checksums filled in.
std::vector<std::uint8_t> journal_header_page(const Transaction &txn,
					      const Uuid &uuid);

// Writes a committed transaction: the images, then the header, each
// followed by a flush (what the kernel does before writing home pages).
void write_journal(Image &img, const Layout &l, const Uuid &uuid,
		   const Transaction &txn);

// Replays a transaction: images home, flush, zeroed header, flush.
void replay_journal(Image &img, const Layout &l, const Transaction &txn);

} // namespace flashnet::contigfs
