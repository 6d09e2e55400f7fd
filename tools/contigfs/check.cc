// SPDX-License-Identifier: GPL-2.0
#include "check.h"

#include "fsck.h"
#include "journal.h"

#include <algorithm>
#include <cstring>
#include <sstream>
#include <unordered_map>

namespace flashnet::contigfs {

namespace {

constexpr std::uint64_t kChunkPages = 64;
// Bitmap differences listed per zone without -v.
constexpr unsigned kMaxBitLines = 50;

std::string block_text(ZoneId z, const Block &b)
{
	std::ostringstream s;
	s << zone_name(z) << " zone block " << b.start << " order " << b.order
	  << " (pages " << b.start;
	if (b.order)
		s << ".." << b.end() - 1;
	s << ")";
	return s.str();
}

// A name as it can be printed: bytes outside printable ASCII as \xNN.
std::string escape(const std::string &name)
{
	static const char digits[] = "0123456789abcdef";
	std::string s;
	for (unsigned char c : name) {
		if (c >= 0x20 && c < 0x7f && c != '\\' && c != '\'') {
			s += static_cast<char>(c);
		} else {
			s += "\\x";
			s += digits[c >> 4];
			s += digits[c & 15];
		}
	}
	return s;
}

std::uint16_t get16(const std::uint8_t *p)
{
	std::uint16_t v;
	std::memcpy(&v, p, sizeof(v));
	return v;
}

std::uint64_t get64(const std::uint8_t *p)
{
	std::uint64_t v;
	std::memcpy(&v, p, sizeof(v));
	return v;
}

void put16(std::uint8_t *p, std::uint16_t v)
{
	std::memcpy(p, &v, sizeof(v));
}

void put64(std::uint8_t *p, std::uint64_t v)
{
	std::memcpy(p, &v, sizeof(v));
}

} // namespace

Pass::Pass(Image &img, bool repair, bool verbose, Sink sink)
	: img_(img), repair_(repair), verbose_(verbose), sink_(std::move(sink))
{
}

PassResult Pass::run()
{
	check_super();
	check_journal();
	scan_inodes();
	check_overlaps();
	walk_directories();
	check_links();
	check_inode_bitmap();
	check_free_bitmaps(ZoneId::meta);
	check_free_bitmaps(ZoneId::data);
	apply_repairs();
	report_stats();
	return result_;
}

// ---- reporting ----

void Pass::problem(const std::string &what, const std::string &fix,
		   bool print)
{
	result_.problems++;
	std::string line = what;
	if (repair_ && !blocked_.empty()) {
		line += ": not repaired (" + blocked_ + ")";
	} else if (repair_) {
		if (fix.empty()) {
			line += ": not repairable";
		} else {
			line += ": " + fix;
			result_.fixed++;
		}
	}
	if (print)
		sink_({PassLine::problem, line});
}

void Pass::note(const std::string &what)
{
	sink_({PassLine::note, what});
}

void Pass::info(const std::string &what)
{
	sink_({PassLine::info, what});
}

bool Pass::fixing() const
{
	return repair_ && blocked_.empty();
}

void Pass::read_page(std::uint64_t lba, std::uint8_t *buf)
{
	read_pages(lba, 1, buf);
}

void Pass::read_pages(std::uint64_t lba, std::uint64_t n, std::uint8_t *buf)
{
	img_.read(lba, n, buf);
	for (auto it = overlay_.lower_bound(lba);
	     it != overlay_.end() && it->first < lba + n; ++it)
		std::memcpy(buf + (it->first - lba) * kPageSize,
			    it->second.data(), kPageSize);
}

Pass::Ino *Pass::find(std::uint64_t ino)
{
	auto it = std::lower_bound(
		inodes_.begin(), inodes_.end(), ino,
		[](const Ino &r, std::uint64_t v) { return r.ino < v; });
	return it != inodes_.end() && it->ino == ino ? &*it : nullptr;
}

std::string Pass::describe(const Ino &rec) const
{
	std::ostringstream s;
	s << "inode " << rec.ino << " (" << mode_type_name(rec.mode);
	if (rec.type == CONTIGFS_FT_REG || rec.type == CONTIGFS_FT_LNK)
		s << ", " << rec.size << " bytes";
	s << ")";
	return s.str();
}

// ---- superblock ----

void Pass::check_super()
{
	const std::uint64_t dev_pages = img_.pages();
	if (dev_pages < 1)
		throw Fatal{kFsckOperational,
			    img_.path() + ": smaller than one page: not contigfs"};
	PageBuffer page(1);
	img_.read(CONTIGFS_SB_LBA, 1, page.data());
	std::memcpy(&sb_, page.data(), sizeof(sb_));
	if (sb_.s_magic != CONTIGFS_MAGIC)
		throw Fatal{kFsckOperational,
			    "superblock (LBA 0): s_magic " + hex(sb_.s_magic) +
				    " is not contigfs (" + hex(CONTIGFS_MAGIC) + ")"};
	if (sb_.s_version != CONTIGFS_VERSION)
		throw Fatal{kFsckOperational,
			    "superblock: s_version " + std::to_string(sb_.s_version) +
				    " is not supported (this fsck.contigfs knows "
				    "version " +
				    std::to_string(CONTIGFS_VERSION) + ")"};
	const std::uint32_t crc = super_crc(sb_);
	if (sb_.s_crc != crc) {
		problem("superblock: bad crc (s_crc " + hex(sb_.s_crc) +
				", computed " + hex(crc) + ")",
			"");
		throw Fatal{kFsckUncorrected,
			    "superblock: not usable, not checking further (the "
			    "superblock is written only by mkfs and never repaired)"};
	}
	const std::uint64_t incompat =
		sb_.s_feature_incompat & ~CONTIGFS_FEATURE_INCOMPAT_SUPP;
	if (incompat)
		throw Fatal{kFsckOperational,
			    "superblock: unknown incompatible features " +
				    hex(incompat) + ": refusing to check"};
	const std::uint64_t ro =
		sb_.s_feature_ro_compat & ~CONTIGFS_FEATURE_RO_COMPAT_SUPP;
	if (ro && repair_)
		throw Fatal{kFsckOperational,
			    "superblock: unknown read-only-compatible features " +
				    hex(ro) + ": refusing to repair (-n checks)"};
	if (ro)
		note("superblock: unknown read-only-compatible features " +
		     hex(ro) + ": checking what this version knows");
	l_ = layout_of(sb_);
	std::memcpy(uuid_.data(), sb_.s_uuid, uuid_.size());
	const std::vector<std::string> bad = check_layout(l_, dev_pages);
	for (const std::string &b : bad)
		problem(b, "");
	if (!bad.empty())
		throw Fatal{kFsckUncorrected,
			    "superblock: layout not usable, not checking further"};
}

// ---- journal ----

void Pass::check_journal()
{
	JournalState js = read_journal(img_, l_, uuid_);
	const std::string where =
		"journal (header at LBA " + std::to_string(l_.journal_start) + ")";
	if (js.kind == JournalState::empty)
		return;
	if (js.kind == JournalState::invalid) {
		note(where + ": no committed transaction (" + js.why +
		     "); ignored, as mount ignores it");
		return;
	}
	const Transaction &t = js.txn;
	for (std::size_t i = 0; i < t.lbas.size(); i++) {
		if (l_.is_metadata_lba(t.lbas[i]))
			continue;
		problem(where + ": transaction seq " + std::to_string(t.seq) +
				" image " + std::to_string(i) + " has home LBA " +
				std::to_string(t.lbas[i]) +
				", not a metadata page; the transaction is not replayed",
			"discarded the transaction (header zeroed)");
		if (fixing()) {
			PageBuffer zero(1);
			img_.write(l_.journal_start, 1, zero.data());
			img_.sync();
		}
		return;
	}
	const std::string what = where + ": committed transaction seq " +
				 std::to_string(t.seq) + " (" +
				 std::to_string(t.lbas.size()) + " images)";
	if (repair_) {
		problem(what + " not yet replayed", "replayed it");
		if (fixing())
			replay_journal(img_, l_, t);
		return;
	}
	note(what + " pending: checked as if replayed (mount or fsck -y "
		    "replays it)");
	for (std::size_t i = 0; i < t.lbas.size(); i++)
		overlay_[t.lbas[i]].assign(t.image(i), t.image(i) + kPageSize);
}

// ---- inodes ----

std::string Pass::block_invalid(const Ino &rec, const Block &b,
				const char *start_field,
				const char *order_field) const
{
	const Zone &z = l_.zone(rec.zone());
	std::ostringstream s;
	if (b.order > z.max_order()) {
		s << order_field << " " << b.order << " exceeds the "
		  << zone_name(rec.zone()) << " zone's largest order "
		  << z.max_order();
	} else if (b.start & (b.pages() - 1)) {
		s << start_field << " " << b.start << " is not a multiple of "
		  << b.pages() << " (order " << b.order << ")";
	} else if (b.start >= z.pages || b.pages() > z.pages - b.start) {
		s << "block [" << b.start << ", " << b.start + b.pages()
		  << ") (" << start_field << ", " << order_field
		  << ") extends past the " << zone_name(rec.zone()) << " zone ("
		  << z.pages << " pages)";
	}
	return s.str();
}

std::string Pass::inode_invalid(std::uint64_t ino, const contigfs_inode &raw,
				Ino &rec)
{
	std::ostringstream s;
	const std::uint32_t crc = inode_crc(ino, raw);
	if (raw.i_crc != crc)
		return "bad crc (i_crc " + hex(raw.i_crc) + ", computed " +
		       hex(crc) + ")";
	if (!rec.type) {
		s << "i_mode 0" << std::oct << rec.mode
		  << " names no file type";
		return s.str();
	}
	const std::string type = file_type_name(rec.type);
	if (rec.has_block() && rec.order > kMaxOrder)
		return "i_order " + std::to_string(rec.order) +
		       " is neither a block order (0.." +
		       std::to_string(kMaxOrder) + ") nor 255 (no block)";
	switch (rec.type) {
	case CONTIGFS_FT_REG:
		if (!rec.has_block() && rec.size)
			return "regular file of " + std::to_string(rec.size) +
			       " bytes has no block (i_order 255)";
		break;
	case CONTIGFS_FT_DIR:
		if (rec.size % kPageSize)
			return "directory i_size " + std::to_string(rec.size) +
			       " is not a multiple of 4096";
		if (!rec.has_block() && rec.size)
			return "directory of " + std::to_string(rec.size) +
			       " bytes has no block (i_order 255)";
		break;
	case CONTIGFS_FT_LNK:
		if (rec.size == 0)
			return "symlink with an empty target (i_size 0)";
		if (rec.size > CONTIGFS_MAX_SYMLINK)
			return "symlink i_size " + std::to_string(rec.size) +
			       " exceeds " + std::to_string(CONTIGFS_MAX_SYMLINK);
		if (rec.size < CONTIGFS_INLINE_SYMLINK) {
			if (rec.has_block())
				return "inline symlink (i_size " +
				       std::to_string(rec.size) +
				       " < 128) has a block (i_order " +
				       std::to_string(rec.order) + ")";
			const void *nul = std::memchr(raw.i_symlink, 0, rec.size);
			if (nul)
				return "inline symlink target has a NUL byte at "
				       "offset " +
				       std::to_string(static_cast<const char *>(nul) -
						      raw.i_symlink);
		} else {
			if (!rec.has_block())
				return "symlink of " + std::to_string(rec.size) +
				       " bytes has no block (targets of 128 bytes "
				       "or more live in a metadata block)";
			if (rec.order != 0)
				return "symlink block has i_order " +
				       std::to_string(rec.order) + ", not 0";
		}
		break;
	default:
		if (rec.has_block())
			return type + " has a block (i_order " +
			       std::to_string(rec.order) + ")";
		if (rec.size)
			return type + " has i_size " + std::to_string(rec.size) +
			       ", not 0";
		break;
	}
	if (rec.moving() && !rec.has_block())
		return "i_flags has CONTIGFS_INODE_MOVING but there is no block";
	if (rec.has_block()) {
		std::string why = block_invalid(rec, rec.block(), "i_start", "i_order");
		if (!why.empty())
			return why;
		const std::uint64_t cap = rec.block().pages() * kPageSize;
		if (rec.size > cap)
			return "i_size " + std::to_string(rec.size) +
			       " exceeds the block's capacity " +
			       std::to_string(cap);
	}
	if (rec.moving()) {
		std::string why = block_invalid(rec, rec.old_block(),
						"i_old_start", "i_old_order");
		if (!why.empty())
			return "move source: " + why;
		if (rec.type == CONTIGFS_FT_DIR &&
		    rec.size > rec.old_block().pages() * kPageSize)
			return "i_size " + std::to_string(rec.size) +
			       " exceeds the move source's capacity " +
			       std::to_string(rec.old_block().pages() * kPageSize);
	}
	if (rec.type == CONTIGFS_FT_LNK && rec.has_block() && !rec.moving()) {
		const std::uint64_t lba = l_.meta.start + rec.start;
		PageBuffer page(1);
		read_page(lba, page.data());
		const void *nul = std::memchr(page.data(), 0, rec.size);
		if (nul)
			return "symlink target (meta zone block " +
			       std::to_string(rec.start) + ", LBA " +
			       std::to_string(lba) + ") has a NUL byte at offset " +
			       std::to_string(static_cast<const std::uint8_t *>(nul) -
					      page.data());
	}
	return "";
}

void Pass::scan_inodes()
{
	PageBuffer buf(kChunkPages);
	for (std::uint64_t p = 0; p < l_.itable_pages; p += kChunkPages) {
		const std::uint64_t n = std::min(kChunkPages, l_.itable_pages - p);
		read_pages(l_.itable_start + p, n, buf.data());
		for (std::uint64_t s = 0; s < n * kInodesPerPage; s++) {
			const std::uint64_t ino = p * kInodesPerPage + s;
			contigfs_inode raw;
			std::memcpy(&raw, buf.data() + s * sizeof(raw), sizeof(raw));
			if (slot_free(raw))
				continue;
			if (ino == 0) {
				problem("inode 0: slot is not zero (inode 0 is "
					"never used)",
					"zeroed the slot");
				zero_slot0_ = true;
				continue;
			}
			Ino rec;
			rec.ino = ino;
			rec.mode = raw.i_mode;
			rec.flags = raw.i_flags;
			rec.nlink = raw.i_nlink;
			rec.size = raw.i_size;
			rec.start = raw.i_start;
			rec.old_start = raw.i_old_start;
			rec.parent = raw.i_parent;
			rec.order = raw.i_order;
			rec.old_order = raw.i_old_order;
			rec.type = file_type_of(rec.mode);
			const std::string why = inode_invalid(ino, raw, rec);
			if (ino == CONTIGFS_ROOT_INO && why.empty() &&
			    rec.type != CONTIGFS_FT_DIR) {
				problem("inode 1 (root directory): is a " +
						mode_type_name(rec.mode) +
						", not a directory",
					"");
				rec.broken = true;
			} else if (ino == CONTIGFS_ROOT_INO && !why.empty()) {
				problem("inode 1 (root directory): " + why, "");
				rec.broken = true;
			} else if (!why.empty()) {
				problem("inode " + std::to_string(ino) + ": " + why,
					"cleared the inode");
				rec.clear = true;
			}
			if (!rec.clear && !rec.broken &&
			    (rec.flags & ~CONTIGFS_INODE_MOVING)) {
				problem("inode " + std::to_string(ino) +
						": unknown i_flags bits " +
						hex(rec.flags & ~CONTIGFS_INODE_MOVING),
					"cleared those bits");
				rec.fix_flags = true;
			}
			if (!rec.clear && !rec.broken && rec.moving())
				note("inode " + std::to_string(ino) +
				     ": move pending from " +
				     block_text(rec.zone(), rec.old_block()) +
				     " to block " + std::to_string(rec.start) +
				     " order " + std::to_string(rec.order) +
				     ": mount finishes it");
			inodes_.push_back(rec);
		}
	}
	const Ino *root = find(CONTIGFS_ROOT_INO);
	if (!root)
		problem("inode 1 (root directory): slot is free", "");
	root_ok_ = root && !root->broken;
	if (!root_ok_)
		blocked_ = "the root directory is unusable";
}

// ---- overlapping blocks ----

void Pass::check_overlaps()
{
	struct Use {
		ZoneId zone;
		Block block;
		Ino *rec;
		bool source;	// the move source
	};
	for (;;) {
		std::vector<Use> uses;
		for (Ino &r : inodes_) {
			if (r.clear || r.broken || !r.has_block())
				continue;
			uses.push_back({r.zone(), r.block(), &r, false});
			if (r.moving())
				uses.push_back({r.zone(), r.old_block(), &r, true});
		}
		std::sort(uses.begin(), uses.end(), [](const Use &a, const Use &b) {
			if (a.zone != b.zone)
				return a.zone < b.zone;
			if (a.block.start != b.block.start)
				return a.block.start < b.block.start;
			return a.block.order > b.block.order;
		});
		const Use *cur = nullptr;
		const Use *hit[2] = {};
		for (const Use &u : uses) {
			if (cur && cur->zone == u.zone &&
			    u.block.start < cur->block.end()) {
				hit[0] = cur;
				hit[1] = &u;
				break;
			}
			if (!cur || cur->zone != u.zone ||
			    u.block.end() > cur->block.end())
				cur = &u;
		}
		if (!hit[0])
			return;
		// The higher inode number loses; its own two blocks: itself.
		const Use *lose = hit[0]->rec->ino > hit[1]->rec->ino ? hit[0] : hit[1];
		const Use *keep = lose == hit[0] ? hit[1] : hit[0];
		std::ostringstream s;
		s << "inode " << lose->rec->ino << ": "
		  << (lose->source ? "move source " : "")
		  << block_text(lose->zone, lose->block) << " overlaps ";
		if (keep->rec == lose->rec)
			s << "its own " << (keep->source ? "move source " : "block ")
			  << block_text(keep->zone, keep->block);
		else
			s << (keep->source ? "the move source " : "the block ")
			  << block_text(keep->zone, keep->block) << " of inode "
			  << keep->rec->ino;
		problem(s.str(), "cleared inode " + std::to_string(lose->rec->ino));
		lose->rec->clear = true;
	}
}

// ---- directories ----

void Pass::walk_directories()
{
	if (!root_ok_)
		return;
	Ino *root = find(CONTIGFS_ROOT_INO);
	root->reached = true;
	root->entry_dir = CONTIGFS_ROOT_INO;
	std::vector<std::uint64_t> stack{CONTIGFS_ROOT_INO};
	while (!stack.empty()) {
		Ino *dir = find(stack.back());
		stack.pop_back();
		check_directory(*dir, stack);
	}
}

void Pass::check_directory(Ino &dir, std::vector<std::uint64_t> &stack)
{
	if (!dir.has_block())
		return;
	const std::uint64_t pages = dir.size / kPageSize;
	check_directory_tail(dir);
	// name -> where it was first seen
	std::unordered_map<std::string, std::string> names;
	std::vector<std::uint8_t> page(kPageSize);
	for (std::uint64_t p = 0; p < pages; p++) {
		std::uint64_t lba = l_.meta.start + dir.start + p;
		read_page(lba, page.data());
		if (dir.moving()) {
			// The contents are in the source until the remap;
			// a source page reading zero has been remapped.
			std::vector<std::uint8_t> src(kPageSize);
			const std::uint64_t src_lba = l_.meta.start + dir.old_start + p;
			read_page(src_lba, src.data());
			if (!is_zero(src.data(), kPageSize)) {
				page = src;
				lba = src_lba;
			}
		}
		bool dirty = false;
		std::size_t off = 0;
		std::optional<std::size_t> kept;	// last record kept
		const std::string block = "directory " + std::to_string(dir.ino) +
					  " block " + std::to_string(p);
		while (off < kPageSize) {
			std::uint8_t *rec = page.data() + off;
			const std::string where = block + " offset " + std::to_string(off);
			const std::uint16_t rec_len =
				off + CONTIGFS_DIRENT_HEADER <= kPageSize ? get16(rec + 8) : 0;
			std::string broken;
			if (off + CONTIGFS_DIRENT_HEADER > kPageSize)
				broken = "only " + std::to_string(kPageSize - off) +
					 " bytes left, too few for a record";
			else if (rec_len % 8)
				broken = "d_rec_len " + std::to_string(rec_len) +
					 " is not a multiple of 8";
			else if (rec_len < CONTIGFS_DIRENT_LEN(0))
				broken = "d_rec_len " + std::to_string(rec_len) +
					 " is below " +
					 std::to_string(CONTIGFS_DIRENT_LEN(0)) +
					 ", the smallest record";
			else if (rec_len > kPageSize - off)
				broken = "d_rec_len " + std::to_string(rec_len) +
					 " crosses the block end (" +
					 std::to_string(kPageSize - off) +
					 " bytes left)";
			if (!broken.empty()) {
				if (kept) {
					put16(page.data() + *kept + 8,
					      static_cast<std::uint16_t>(kPageSize - *kept));
				} else {
					std::fill(page.begin(), page.end(), 0);
					put16(page.data() + 8, kPageSize);
				}
				problem(where + ": " + broken +
						"; the records from here to the block "
						"end cannot be read",
					kept ? "dropped them (the previous record now "
					       "ends the block)"
					     : "made the block one unused record");
				dirty = true;
				break;
			}
			const std::uint64_t ino = get64(rec);
			if (ino == 0) {
				kept = off;
				off += rec_len;
				continue;
			}
			const std::uint8_t name_len = rec[10];
			const std::uint8_t d_type = rec[11];
			const std::size_t avail =
				std::min<std::size_t>(name_len, rec_len - CONTIGFS_DIRENT_HEADER);
			const std::string name(reinterpret_cast<const char *>(rec) +
						       CONTIGFS_DIRENT_HEADER,
					       avail);
			const std::string entry = where + " entry '" + escape(name) + "'";
			Ino *target = nullptr;
			std::string bad;
			if (name_len == 0) {
				bad = "d_name_len is 0";
			} else if (rec_len < CONTIGFS_DIRENT_LEN(name_len)) {
				bad = "d_rec_len " + std::to_string(rec_len) +
				      " is below " +
				      std::to_string(CONTIGFS_DIRENT_LEN(name_len)) +
				      ", the length of a record with a " +
				      std::to_string(name_len) + "-byte name";
			} else if (name.find('/') != std::string::npos) {
				bad = "name contains '/'";
			} else if (name.find('\0') != std::string::npos) {
				bad = "name contains a NUL byte";
			} else if (name == "." || name == "..") {
				bad = "name '" + name + "' is implied and never stored";
			} else if (ino >= l_.inode_count) {
				bad = "points to inode " + std::to_string(ino) +
				      ", beyond the inode count " +
				      std::to_string(l_.inode_count);
			} else if (!(target = find(ino))) {
				bad = "points to inode " + std::to_string(ino) +
				      ", which is free";
			} else if (target->clear) {
				bad = "points to inode " + std::to_string(ino) +
				      ", which is being cleared";
			} else if (target->broken) {
				bad = "points to inode " + std::to_string(ino) +
				      ", which is unusable";
			} else if (auto it = names.find(name); it != names.end()) {
				bad = "duplicate name (first at " + it->second + ")";
			} else if (target->type == CONTIGFS_FT_DIR && target->reached) {
				bad = "a second link to directory " +
				      std::to_string(ino) +
				      (ino == CONTIGFS_ROOT_INO
					       ? " (the root)"
					       : " (already reached from directory " +
							 std::to_string(target->entry_dir) +
							 ")");
			}
			if (!bad.empty()) {
				if (kept) {
					put16(page.data() + *kept + 8,
					      static_cast<std::uint16_t>(
						      get16(page.data() + *kept + 8) + rec_len));
				} else {
					put64(rec, 0);
					kept = off;
				}
				problem(entry + ": " + bad, "removed the entry");
				dirty = true;
				off += rec_len;
				continue;
			}
			names.emplace(name, where);
			if (d_type != target->type) {
				problem(entry + ": d_type " + std::to_string(d_type) +
						" (" + file_type_name(d_type) +
						"), but inode " + std::to_string(ino) +
						" is a " + file_type_name(target->type),
					"set d_type to " +
						std::to_string(target->type));
				rec[11] = target->type;
				dirty = true;
			}
			target->reached = true;
			if (target->type == CONTIGFS_FT_DIR) {
				target->entry_dir = dir.ino;
				dir.subdirs++;
				stack.push_back(ino);
			} else {
				target->links++;
			}
			kept = off;
			off += rec_len;
		}
		if (dirty)
			dir_pages_[lba] = page;
	}
}

// Pages of a block past the contents read as zeroes. Checked for
// directories (small, in the metadata zone), not for regular files, whose
// tails would mean reading the data zone.
void Pass::check_directory_tail(const Ino &dir)
{
	if (dir.moving())
		return;	// the contents are in one block or the other
	const std::uint64_t cap = dir.block().pages();
	PageBuffer buf(kChunkPages);
	for (std::uint64_t p = dir.size / kPageSize; p < cap; p += kChunkPages) {
		const std::uint64_t n = std::min(kChunkPages, cap - p);
		const std::uint64_t lba = l_.meta.start + dir.start + p;
		read_pages(lba, n, buf.data());
		for (std::uint64_t i = 0; i < n; i++) {
			if (is_zero(buf.page(i), kPageSize))
				continue;
			problem("directory " + std::to_string(dir.ino) + " block " +
					std::to_string(p + i) + " (LBA " +
					std::to_string(lba + i) + "): past i_size " +
					std::to_string(dir.size) + " but not zero",
				"zeroed it");
			dir_pages_[lba + i].assign(kPageSize, 0);
		}
	}
}

void Pass::check_links()
{
	if (!root_ok_)
		return;
	for (Ino &r : inodes_) {
		if (r.clear || r.broken)
			continue;
		if (!r.reached && r.nlink == 0) {
			// Unlinked while open at a power cut: mount frees it.
			const std::string what =
				describe(r) + ": orphan (i_nlink 0, no directory "
					      "entry: unlinked while open)";
			if (repair_) {
				problem(what, "freed it, as mount would");
				r.clear = true;
			} else {
				note(what + ": mount frees it");
			}
			continue;
		}
		if (!r.reached) {
			problem(describe(r) + ": unreachable from the root",
				"cleared the inode (lost+found is not supported)");
			r.clear = true;
			continue;
		}
		const bool dir = r.type == CONTIGFS_FT_DIR;
		const std::uint32_t want = dir ? 2 + r.subdirs : r.links;
		if (r.nlink != want) {
			std::ostringstream s;
			s << describe(r) << ": i_nlink " << r.nlink << ", expected "
			  << want;
			if (dir)
				s << " (2 + " << r.subdirs << " subdirectories)";
			else
				s << " (directory entries)";
			problem(s.str(), "set i_nlink to " + std::to_string(want));
			r.new_nlink = want;
		}
		if (dir && r.parent != r.entry_dir) {
			problem("directory " + std::to_string(r.ino) + ": i_parent " +
					std::to_string(r.parent) + ", expected " +
					std::to_string(r.entry_dir) +
					(r.ino == CONTIGFS_ROOT_INO
						 ? " (the root is its own parent)"
						 : " (the directory holding its entry)"),
				"set i_parent to " + std::to_string(r.entry_dir));
			r.new_parent = r.entry_dir;
		}
	}
}

// ---- bitmaps ----

void Pass::check_inode_bitmap()
{
	std::vector<std::uint8_t> want(kPageSize);
	PageBuffer got(1);
	std::size_t next = 0;	// index into inodes_
	for (std::uint64_t p = 0; p < l_.ibitmap_pages; p++) {
		const std::uint64_t first = p * kBitsPerPage;
		std::fill(want.begin(), want.end(), 0);
		if (p == 0)
			set_bit(want.data(), 0);
		for (; next < inodes_.size() &&
		       inodes_[next].ino < first + kBitsPerPage;
		     next++)
			if (!inodes_[next].clear)
				set_bit(want.data(), inodes_[next].ino - first);
		const std::uint64_t lba = l_.ibitmap_start + p;
		read_page(lba, got.data());
		if (!std::memcmp(want.data(), got.data(), kPageSize))
			continue;
		for (std::uint64_t b = 0; b < kBitsPerPage; b++) {
			const bool w = test_bit(want.data(), b), g = test_bit(got.data(), b);
			if (w == g)
				continue;
			const std::uint64_t n = first + b;
			std::string what = "inode bitmap: ";
			if (n == 0) {
				what += "bit 0 (inode 0, reserved: always set) is clear";
			} else if (n >= l_.inode_count) {
				what += "bit " + std::to_string(n) +
					" beyond the inode count " +
					std::to_string(l_.inode_count) + " is set";
			} else if (w) {
				what += "inode " + std::to_string(n) +
					" is in use but its bit is clear";
			} else if (find(n)) {
				what += "bit " + std::to_string(n) + " is set; inode " +
					std::to_string(n) + " is being cleared";
			} else {
				what += "bit " + std::to_string(n) + " is set but inode " +
					std::to_string(n) + " is free";
			}
			problem(what, w ? "set the bit" : "cleared the bit");
		}
		ibitmap_pages_[lba] = want;
	}
}

void Pass::check_free_bitmaps(ZoneId id)
{
	const Zone &z = l_.zone(id);
	std::vector<Block> used;
	for (const Ino &r : inodes_) {
		if (r.clear || !r.has_block() || r.zone() != id)
			continue;
		// An unusable root keeps its block if the fields make sense:
		// nothing is repaired then, and this reports the least.
		if (r.broken && !block_valid(z, r.block()))
			continue;
		used.push_back(r.block());
		if (r.moving() && block_valid(z, r.old_block()))
			used.push_back(r.old_block());
	}
	std::uint64_t used_pages = 0;
	for (const Block &b : used)
		used_pages += b.pages();
	stats_.used_pages[id == ZoneId::meta ? 0 : 1] = used_pages;
	const std::vector<std::uint64_t> bits = canonical_bits(z, std::move(used));
	const std::string name = std::string(zone_name(id)) + " zone bitmap: ";
	std::size_t next = 0;
	unsigned listed = 0, unlisted = 0;
	std::vector<std::uint8_t> want(kPageSize);
	PageBuffer buf(kChunkPages);
	for (std::uint64_t p = 0; p < z.bitmap_pages; p += kChunkPages) {
		const std::uint64_t n = std::min(kChunkPages, z.bitmap_pages - p);
		read_pages(z.bitmap_start + p, n, buf.data());
		for (std::uint64_t i = 0; i < n; i++) {
			const std::uint64_t first = (p + i) * kBitsPerPage;
			std::fill(want.begin(), want.end(), 0);
			for (; next < bits.size() && bits[next] < first + kBitsPerPage;
			     next++)
				set_bit(want.data(), bits[next] - first);
			const std::uint8_t *got = buf.page(i);
			if (!std::memcmp(want.data(), got, kPageSize))
				continue;
			for (std::uint64_t b = 0; b < kBitsPerPage; b++) {
				const bool w = test_bit(want.data(), b);
				if (w == test_bit(got, b))
					continue;
				const std::uint64_t bit = first + b;
				const BitMeaning m = bit_meaning(z, bit);
				std::string what = name + describe_bit(z, bit);
				if (m.padding)
					what += " is set (no block; must be clear)";
				else if (w)
					what += " is free and maximal, but its bit is clear";
				else
					what += " is marked free, but is not a free maximal "
						"block";
				const bool print = verbose_ || listed < kMaxBitLines;
				print ? listed++ : unlisted++;
				problem(what, "fixed the bit", print);
			}
			fbitmap_pages_[z.bitmap_start + p + i] = want;
		}
	}
	if (unlisted)
		sink_({PassLine::problem,
		       name + std::to_string(unlisted) +
			       " more differing bits not listed (-v lists them)"});
}

// ---- repairs ----

void Pass::apply_repairs()
{
	if (!fixing())
		return;
	// Directory entries go first, so a crash in between leaves inodes
	// without entries (unreachable), never entries without inodes.
	for (const auto &[lba, page] : dir_pages_)
		img_.write(lba, 1, page.data());
	if (!dir_pages_.empty())
		img_.sync();

	std::map<std::uint64_t, std::vector<const Ino *>> by_page;
	for (const Ino &r : inodes_)
		if (r.clear || r.new_nlink || r.new_parent || r.fix_flags)
			by_page[l_.inode_lba(r.ino)].push_back(&r);
	if (zero_slot0_)
		by_page[l_.inode_lba(0)];
	PageBuffer page(1);
	for (const auto &[lba, recs] : by_page) {
		img_.read(lba, 1, page.data());
		if (lba == l_.inode_lba(0) && zero_slot0_)
			std::memset(page.data(), 0, CONTIGFS_INODE_SIZE);
		for (const Ino *r : recs) {
			std::uint8_t *slot = page.data() + l_.inode_offset(r->ino);
			contigfs_inode raw;
			if (r->clear) {
				std::memset(slot, 0, sizeof(raw));
				continue;
			}
			std::memcpy(&raw, slot, sizeof(raw));
			if (r->new_nlink)
				raw.i_nlink = *r->new_nlink;
			if (r->new_parent)
				raw.i_parent = *r->new_parent;
			if (r->fix_flags)
				raw.i_flags &= CONTIGFS_INODE_MOVING;
			seal_inode(r->ino, raw);
			std::memcpy(slot, &raw, sizeof(raw));
		}
		img_.write(lba, 1, page.data());
	}
	if (!by_page.empty())
		img_.sync();

	for (const auto *pages : {&ibitmap_pages_, &fbitmap_pages_}) {
		for (const auto &[lba, p] : *pages)
			img_.write(lba, 1, p.data());
		if (!pages->empty())
			img_.sync();
	}
}

void Pass::report_stats()
{
	unsigned counts[13] = {};
	std::uint64_t used = 0;
	for (const Ino &r : inodes_) {
		if (r.clear)
			continue;
		used++;
		counts[r.type < 13 ? r.type : 0]++;
	}
	std::ostringstream s;
	s << used << "/" << l_.inode_count << " inodes, meta "
	  << stats_.used_pages[0] << "/" << l_.meta.pages << " pages, data "
	  << stats_.used_pages[1] << "/" << l_.data.pages << " pages";
	summary_ = s.str();
	if (!verbose_)
		return;
	std::ostringstream d;
	d << "inodes in use: " << used << " of " << l_.inode_count << " ("
	  << counts[CONTIGFS_FT_DIR] << " directories, "
	  << counts[CONTIGFS_FT_REG] << " regular files, "
	  << counts[CONTIGFS_FT_LNK] << " symlinks, "
	  << counts[CONTIGFS_FT_CHR] + counts[CONTIGFS_FT_BLK] +
		     counts[CONTIGFS_FT_FIFO] + counts[CONTIGFS_FT_SOCK]
	  << " special files)";
	info(d.str());
	for (ZoneId id : {ZoneId::meta, ZoneId::data}) {
		const Zone &z = l_.zone(id);
		std::ostringstream m;
		m << zone_name(id) << " zone: " << stats_.used_pages[id == ZoneId::meta ? 0 : 1]
		  << " of " << z.pages << " pages allocated, orders 0.."
		  << z.max_order();
		info(m.str());
	}
}

} // namespace flashnet::contigfs
