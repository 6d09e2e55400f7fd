// SPDX-License-Identifier: GPL-2.0
#include "journal.h"

#include "crc32c.h"

#include <algorithm>
#include <cstring>
#include <sstream>

namespace flashnet::contigfs {

namespace {

std::uint32_t data_crc(const Transaction &txn)
{
	return crc32c(~0u, txn.images.data(), txn.images.size());
}

} // namespace

JournalState read_journal(Image &img, const Layout &l, const Uuid &uuid)
{
	JournalState st;
	PageBuffer page(1);
	img.read(l.journal_start, 1, page.data());
	if (is_zero(page.data(), kPageSize))
		return st;
	contigfs_journal_header h;
	std::memcpy(&h, page.data(), sizeof(h));
	std::ostringstream why;
	const std::uint64_t max_count =
		std::min<std::uint64_t>(kJournalMaxImages, l.journal_pages - 1);
	const std::uint32_t crc = journal_header_crc(page.data());
	if (h.j_magic != CONTIGFS_JOURNAL_MAGIC)
		why << "j_magic " << hex(h.j_magic) << " is not "
		    << hex(CONTIGFS_JOURNAL_MAGIC);
	else if (std::memcmp(h.j_uuid, uuid.data(), uuid.size()))
		why << "j_uuid is not the superblock's";
	else if (h.j_crc != crc)
		why << "j_crc " << hex(h.j_crc) << ", computed " << hex(crc);
	else if (h.j_count > max_count)
		why << "j_count " << h.j_count << " exceeds " << max_count;
	if (!why.str().empty()) {
		st.kind = JournalState::invalid;
		st.why = why.str();
		return st;
	}
	Transaction txn;
	txn.seq = h.j_seq;
	txn.lbas.resize(h.j_count);
	if (h.j_count)
		std::memcpy(txn.lbas.data(), page.data() + sizeof(h), h.j_count * 8);
	txn.images.resize(h.j_count * kPageSize);
	if (h.j_count)
		img.read(l.journal_start + 1, h.j_count, txn.images.data());
	const std::uint32_t dcrc = data_crc(txn);
	if (dcrc != h.j_data_crc) {
		st.kind = JournalState::invalid;
		st.why = "j_data_crc " + hex(h.j_data_crc) + ", computed " +
			 hex(dcrc) + " over " + std::to_string(h.j_count) +
			 " images (seq " + std::to_string(h.j_seq) + ")";
		return st;
	}
	st.kind = JournalState::valid;
	st.txn = std::move(txn);
	return st;
}

std::vector<std::uint8_t> journal_header_page(const Transaction &txn,
					      const Uuid &uuid)
{
	std::vector<std::uint8_t> page(kPageSize);
	contigfs_journal_header h{};
	h.j_magic = CONTIGFS_JOURNAL_MAGIC;
	h.j_count = static_cast<std::uint32_t>(txn.lbas.size());
	std::memcpy(h.j_uuid, uuid.data(), uuid.size());
	h.j_seq = txn.seq;
	h.j_data_crc = data_crc(txn);
	std::memcpy(page.data(), &h, sizeof(h));
	if (!txn.lbas.empty())
		std::memcpy(page.data() + sizeof(h), txn.lbas.data(),
			    txn.lbas.size() * 8);
	h.j_crc = journal_header_crc(page.data());
	std::memcpy(page.data(), &h, sizeof(h));
	return page;
}

void write_journal(Image &img, const Layout &l, const Uuid &uuid,
		   const Transaction &txn)
{
	if (txn.lbas.size() > kJournalMaxImages ||
	    txn.lbas.size() > l.journal_pages - 1)
		throw std::invalid_argument(
			"journal transaction of " +
			std::to_string(txn.lbas.size()) +
			" images does not fit the journal");
	if (!txn.lbas.empty())
		img.write(l.journal_start + 1, txn.lbas.size(),
			  txn.images.data());
	img.sync();
	img.write(l.journal_start, 1, journal_header_page(txn, uuid).data());
	img.sync();
}

void replay_journal(Image &img, const Layout &l, const Transaction &txn)
{
	for (std::size_t i = 0; i < txn.lbas.size(); i++)
		img.write(txn.lbas[i], 1, txn.image(i));
	img.sync();
	PageBuffer zero(1);
	img.write(l.journal_start, 1, zero.data());
	img.sync();
}

} // namespace flashnet::contigfs
