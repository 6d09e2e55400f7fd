// SPDX-License-Identifier: GPL-2.0
#include "corrupt.h"

#include "builder.h"
#include "journal.h"

#include <cstddef>
#include <cstring>
#include <random>
#include <sstream>
#include <stdexcept>

namespace flashnet::contigfs {

MetadataSnapshot MetadataSnapshot::take(Image &img)
{
	MetadataSnapshot s;
	const contigfs_super sb = read_super(img);
	s.layout = layout_of(sb);
	const std::vector<std::string> bad = check_layout(s.layout, img.pages());
	if (!bad.empty())
		throw std::runtime_error(img.path() + ": " + bad.front());
	std::memcpy(s.uuid.data(), sb.s_uuid, s.uuid.size());
	const std::uint64_t n = s.layout.data.start;
	PageBuffer buf(n);
	img.read(0, n, buf.data());
	s.meta.assign(buf.data(), buf.data() + n * kPageSize);
	for (std::uint64_t lba = 0; lba < n; lba++)
		if (lba == s.layout.journal_start || !is_zero(s.page(lba), kPageSize))
			s.pages.push_back(lba);
	return s;
}

std::size_t MetadataSnapshot::restore(Image &img) const
{
	const std::uint64_t n = layout.data.start;
	PageBuffer now(n);
	img.read(0, n, now.data());
	std::size_t written = 0;
	for (std::uint64_t lba = 0; lba < n; lba++) {
		if (!std::memcmp(now.page(lba), page(lba), kPageSize))
			continue;
		// Unmapped, as mkfs left it, rather than mapped to zeroes:
		// the kernel tells a finished remap by its mapped target.
		if (is_zero(page(lba), kPageSize))
			img.discard(lba, 1);
		else
			img.write(lba, 1, page(lba));
		written++;
	}
	img.sync();
	return written;
}

namespace {

bool in_itable(const Layout &l, std::uint64_t lba)
{
	return lba >= l.itable_start && lba < l.itable_start + l.itable_pages;
}

// Reseals the inode holding byte `off` of inode-table page `lba`, unless
// its slot is free. Returns a note for the description.
std::string reseal_inode_at(const Layout &l, std::uint64_t lba,
			    std::vector<std::uint8_t> &page, std::size_t off)
{
	const std::size_t slot = off / CONTIGFS_INODE_SIZE;
	const std::uint64_t ino = (lba - l.itable_start) * kInodesPerPage + slot;
	contigfs_inode inode;
	std::memcpy(&inode, page.data() + slot * sizeof(inode), sizeof(inode));
	if (slot_free(inode))
		return {};
	seal_inode(ino, inode);
	std::memcpy(page.data() + slot * sizeof(inode), &inode, sizeof(inode));
	return " (inode " + std::to_string(ino) + " resealed)";
}

std::string flip_pages(Image &img, const MetadataSnapshot &s, std::mt19937_64 &rng)
{
	std::ostringstream what;
	const int flips = 1 + static_cast<int>(rng() % 4);
	for (int i = 0; i < flips; i++) {
		const std::uint64_t lba = s.pages[rng() % s.pages.size()];
		std::vector<std::uint8_t> page = read_page(img, lba);
		// Not the superblock's magic and version: a foreign file
		// system is a different question.
		const std::size_t lo = lba == CONTIGFS_SB_LBA ? 12 : 0;
		const std::size_t off = lo + rng() % (kPageSize - lo);
		const std::uint8_t x = static_cast<std::uint8_t>(1 + rng() % 255);
		page[off] ^= x;
		what << " LBA " << lba << " byte " << off << " ^= " << int(x);
		if (in_itable(s.layout, lba) && rng() % 2)
			what << reseal_inode_at(s.layout, lba, page, off);
		img.write(lba, 1, page.data());
	}
	img.sync();
	return what.str();
}

std::string change_super(Image &img, std::mt19937_64 &rng)
{
	// The fields after magic, version and crc, before s_reserved.
	constexpr std::size_t lo = offsetof(contigfs_super, s_feature_compat);
	constexpr std::size_t hi = offsetof(contigfs_super, s_reserved);
	contigfs_super sb = read_super(img);
	auto *bytes = reinterpret_cast<std::uint8_t *>(&sb);
	const std::size_t off = lo + rng() % (hi - lo);
	const std::uint8_t x = static_cast<std::uint8_t>(1 + rng() % 255);
	bytes[off] ^= x;
	write_super(img, sb, true);
	std::ostringstream what;
	what << " superblock byte " << off << " ^= " << int(x) << " (resealed)";
	return what.str();
}

std::string pending_journal(Image &img, const MetadataSnapshot &s,
			    std::mt19937_64 &rng)
{
	const Layout &l = s.layout;
	std::vector<std::uint64_t> homes;
	for (std::uint64_t lba : s.pages)
		if (l.is_metadata_lba(lba))
			homes.push_back(lba);
	if (homes.empty())
		throw std::logic_error("corrupt: no metadata pages to journal");
	std::ostringstream what;
	Transaction txn;
	txn.seq = 1000 + rng() % 1000;
	const int images = 1 + static_cast<int>(rng() % 3);
	what << " journal seq " << txn.seq << ":";
	for (int i = 0; i < images; i++) {
		std::uint64_t lba = homes[rng() % homes.size()];
		std::vector<std::uint8_t> page = read_page(img, lba);
		const std::size_t off = rng() % kPageSize;
		const std::uint8_t x = static_cast<std::uint8_t>(1 + rng() % 255);
		page[off] ^= x;
		what << " image for LBA " << lba << " byte " << off << " ^= " << int(x);
		if (in_itable(l, lba))
			what << reseal_inode_at(l, lba, page, off);
		if (rng() % 8 == 0) {
			// A home the kernel must refuse to write.
			const std::uint64_t outside[] = {CONTIGFS_SB_LBA, l.journal_start,
							 l.data.start, l.total_pages - 1};
			lba = outside[rng() % std::size(outside)];
			what << " aimed at LBA " << lba;
		}
		txn.lbas.push_back(lba);
		txn.images.insert(txn.images.end(), page.begin(), page.end());
	}
	write_journal(img, l, s.uuid, txn);
	if (rng() % 8 == 0) {
		// A torn commit: the header is intact, the images are not.
		std::vector<std::uint8_t> header = journal_header_page(txn, s.uuid);
		contigfs_journal_header h;
		std::memcpy(&h, header.data(), sizeof(h));
		h.j_data_crc ^= 1;
		h.j_crc = 0;
		std::memcpy(header.data(), &h, sizeof(h));
		h.j_crc = journal_header_crc(header.data());
		std::memcpy(header.data(), &h, sizeof(h));
		img.write(l.journal_start, 1, header.data());
		img.sync();
		what << " (data crc broken)";
	}
	return what.str();
}

} // namespace

std::string corrupt(Image &img, const MetadataSnapshot &snap,
		    std::uint64_t seed, const CorruptKinds &kinds)
{
	enum Kind { flips, super_field, journal };
	std::vector<Kind> pick;
	// Flips are the most varied: they get half of the seeds.
	if (kinds.flips)
		pick.insert(pick.end(), {flips, flips});
	if (kinds.super_field)
		pick.push_back(super_field);
	if (kinds.journal)
		pick.push_back(journal);
	if (pick.empty())
		throw std::invalid_argument("corrupt: no kind of corruption enabled");
	std::mt19937_64 rng(seed);
	// A single kind draws nothing here, so flip-only seeds stay as the
	// fsck fuzz test has always had them.
	const std::size_t distinct = kinds.flips + kinds.super_field + kinds.journal;
	switch (distinct > 1 ? pick[rng() % pick.size()] : pick.front()) {
	case flips:
		return flip_pages(img, snap, rng);
	case super_field:
		return change_super(img, rng);
	case journal:
		return pending_journal(img, snap, rng);
	}
	throw std::logic_error("corrupt: unknown kind");
}

} // namespace flashnet::contigfs
