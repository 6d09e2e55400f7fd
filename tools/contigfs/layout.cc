// SPDX-License-Identifier: GPL-2.0
#include "layout.h"

#include "crc32c.h"

#include <cstring>
#include <sstream>
#include <sys/stat.h>

namespace flashnet::contigfs {

namespace {

std::uint64_t round_up64(std::uint64_t v)
{
	return (v + 63) & ~std::uint64_t{63};
}

// Checksum of `len` bytes as if the 4-byte field at `crc_off` were zero.
std::uint32_t crc_skipping(std::uint32_t seed, const void *data,
			   std::size_t len, std::size_t crc_off)
{
	static const std::uint8_t zeros[4] = {};
	const auto *p = static_cast<const std::uint8_t *>(data);
	std::uint32_t c = crc32c(seed, p, crc_off);
	c = crc32c(c, zeros, sizeof(zeros));
	return crc32c(c, p + crc_off + 4, len - crc_off - 4);
}

struct Area {
	const char *name;	// superblock fields, for messages
	std::uint64_t start, pages, min_pages;
};

} // namespace

const char *zone_name(ZoneId z)
{
	return z == ZoneId::meta ? "meta" : "data";
}

std::uint64_t Zone::order_offset(unsigned k) const
{
	std::uint64_t off = 0;
	for (unsigned i = 0; i < k && i < 64; i++)
		off += round_up64(pages >> i);
	return off;
}

unsigned Zone::orders_for(std::uint64_t pages)
{
	const unsigned log2 = pages ? 63 - std::countl_zero(pages) : 0;
	return (log2 < kMaxOrder ? log2 : kMaxOrder) + 1;
}

std::uint64_t Zone::bitmap_pages_for(std::uint64_t pages, unsigned orders)
{
	Zone z;
	z.pages = pages;
	z.orders = orders;
	return (z.bitmap_bits() + kBitsPerPage - 1) / kBitsPerPage;
}

bool Layout::is_metadata_lba(std::uint64_t lba) const
{
	auto in = [lba](std::uint64_t start, std::uint64_t pages) {
		return lba >= start && lba - start < pages;
	};
	return in(ibitmap_start, ibitmap_pages) ||
	       in(itable_start, itable_pages) ||
	       in(meta.bitmap_start, meta.bitmap_pages) ||
	       in(data.bitmap_start, data.bitmap_pages) ||
	       in(meta.start, meta.pages);
}

namespace {

Zone zone_of(const contigfs_zone &z)
{
	Zone r;
	r.start = z.start;
	r.pages = z.pages;
	r.bitmap_start = z.bitmap_start;
	r.bitmap_pages = z.bitmap_pages;
	r.orders = z.orders;
	return r;
}

contigfs_zone zone_to_disk(const Zone &z)
{
	contigfs_zone r{};
	r.start = z.start;
	r.pages = z.pages;
	r.bitmap_start = z.bitmap_start;
	r.bitmap_pages = z.bitmap_pages;
	r.orders = z.orders;
	return r;
}

} // namespace

Layout layout_of(const contigfs_super &sb)
{
	Layout l;
	l.total_pages = sb.s_total_pages;
	l.journal_start = sb.s_journal_start;
	l.journal_pages = sb.s_journal_pages;
	l.ibitmap_start = sb.s_ibitmap_start;
	l.ibitmap_pages = sb.s_ibitmap_pages;
	l.itable_start = sb.s_itable_start;
	l.itable_pages = sb.s_itable_pages;
	l.inode_count = sb.s_inode_count;
	l.meta = zone_of(sb.s_meta);
	l.data = zone_of(sb.s_data);
	return l;
}

void store_layout(const Layout &l, contigfs_super &sb)
{
	sb.s_total_pages = l.total_pages;
	sb.s_journal_start = l.journal_start;
	sb.s_journal_pages = l.journal_pages;
	sb.s_ibitmap_start = l.ibitmap_start;
	sb.s_ibitmap_pages = l.ibitmap_pages;
	sb.s_itable_start = l.itable_start;
	sb.s_itable_pages = l.itable_pages;
	sb.s_inode_count = l.inode_count;
	sb.s_meta = zone_to_disk(l.meta);
	sb.s_data = zone_to_disk(l.data);
}

std::vector<std::string> check_layout(const Layout &l,
				      std::uint64_t device_pages)
{
	std::vector<std::string> bad;
	auto say = [&](const std::string &s) { bad.push_back("superblock: " + s); };

	if (l.total_pages > device_pages) {
		std::ostringstream s;
		s << "s_total_pages " << l.total_pages << " exceeds the device ("
		  << device_pages << " pages)";
		say(s.str());
	}
	const Area areas[] = {
		{"superblock", CONTIGFS_SB_LBA, 1, 1},
		{"s_journal", l.journal_start, l.journal_pages, 2},
		{"s_ibitmap", l.ibitmap_start, l.ibitmap_pages, 1},
		{"s_itable", l.itable_start, l.itable_pages, 1},
		{"s_meta.bitmap", l.meta.bitmap_start, l.meta.bitmap_pages, 1},
		{"s_data.bitmap", l.data.bitmap_start, l.data.bitmap_pages, 1},
		{"s_meta", l.meta.start, l.meta.pages, 1},
		{"s_data", l.data.start, l.data.pages, 1},
	};
	std::uint64_t end = 0;
	const char *prev = nullptr;
	bool areas_ok = true;
	for (const Area &a : areas) {
		std::ostringstream s;
		if (a.pages < a.min_pages) {
			s << a.name << "_pages " << a.pages << " is below "
			  << a.min_pages;
		} else if (a.start < end) {
			s << a.name << "_start " << a.start << " overlaps or "
			  << "precedes " << prev << " (which ends at LBA " << end
			  << ")";
		} else if (a.pages > l.total_pages ||
			   a.start > l.total_pages - a.pages) {
			s << a.name << " [" << a.start << ", +" << a.pages
			  << ") extends past s_total_pages " << l.total_pages;
		}
		if (!s.str().empty()) {
			say(s.str());
			areas_ok = false;
			break;
		}
		end = a.start + a.pages;
		prev = a.name;
	}
	if (!areas_ok)
		return bad;

	if (l.inode_count != l.itable_pages * kInodesPerPage) {
		std::ostringstream s;
		s << "s_inode_count " << l.inode_count << " is not s_itable_pages "
		  << l.itable_pages << " * " << kInodesPerPage;
		say(s.str());
	}
	if (l.inode_count < 2)
		say("s_inode_count " + std::to_string(l.inode_count) +
		    " leaves no room for the root inode");
	if (l.ibitmap_pages * kBitsPerPage < l.inode_count) {
		std::ostringstream s;
		s << "s_ibitmap_pages " << l.ibitmap_pages << " holds "
		  << l.ibitmap_pages * kBitsPerPage << " bits, fewer than "
		  << "s_inode_count " << l.inode_count;
		say(s.str());
	}
	for (ZoneId id : {ZoneId::meta, ZoneId::data}) {
		const Zone &z = l.zone(id);
		const std::string n = std::string("s_") + zone_name(id);
		std::ostringstream s;
		if (z.orders < 1 || z.orders > kMaxOrder + 1) {
			s << n << ".orders " << z.orders << " is not in 1.."
			  << kMaxOrder + 1;
		} else if ((std::uint64_t{1} << (z.orders - 1)) > z.pages) {
			s << n << ".orders " << z.orders << ": a block of order "
			  << z.orders - 1 << " is larger than the zone ("
			  << z.pages << " pages)";
		} else {
			const std::uint64_t need =
				Zone::bitmap_pages_for(z.pages, z.orders);
			if (z.bitmap_pages < need)
				s << n << ".bitmap_pages " << z.bitmap_pages
				  << " is below the " << need << " pages "
				  << z.pages << " pages with " << z.orders
				  << " orders need";
		}
		if (!s.str().empty())
			say(s.str());
	}
	return bad;
}

std::uint32_t super_crc(const contigfs_super &sb)
{
	return crc_skipping(~0u, &sb, sizeof(sb),
			    offsetof(contigfs_super, s_crc));
}

std::uint32_t inode_crc(std::uint64_t ino, const contigfs_inode &inode)
{
	const std::uint64_t le_ino = ino;
	const std::uint32_t seed = crc32c(~0u, &le_ino, sizeof(le_ino));
	return crc_skipping(seed, &inode, sizeof(inode),
			    offsetof(contigfs_inode, i_crc));
}

std::uint32_t journal_header_crc(const std::uint8_t *page)
{
	return crc_skipping(~0u, page, kPageSize,
			    offsetof(contigfs_journal_header, j_crc));
}

void seal_super(contigfs_super &sb)
{
	sb.s_crc = super_crc(sb);
}

void seal_inode(std::uint64_t ino, contigfs_inode &inode)
{
	inode.i_crc = inode_crc(ino, inode);
}

bool is_zero(const void *p, std::size_t len)
{
	const auto *b = static_cast<const std::uint8_t *>(p);
	for (; len >= 8; b += 8, len -= 8) {
		std::uint64_t w;
		std::memcpy(&w, b, 8);
		if (w)
			return false;
	}
	while (len--)
		if (*b++)
			return false;
	return true;
}

std::uint8_t file_type_of(std::uint16_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG:
		return CONTIGFS_FT_REG;
	case S_IFDIR:
		return CONTIGFS_FT_DIR;
	case S_IFLNK:
		return CONTIGFS_FT_LNK;
	case S_IFCHR:
		return CONTIGFS_FT_CHR;
	case S_IFBLK:
		return CONTIGFS_FT_BLK;
	case S_IFIFO:
		return CONTIGFS_FT_FIFO;
	case S_IFSOCK:
		return CONTIGFS_FT_SOCK;
	default:
		return CONTIGFS_FT_UNKNOWN;
	}
}

const char *file_type_name(std::uint8_t t)
{
	switch (t) {
	case CONTIGFS_FT_REG:
		return "regular file";
	case CONTIGFS_FT_DIR:
		return "directory";
	case CONTIGFS_FT_LNK:
		return "symlink";
	case CONTIGFS_FT_CHR:
		return "character device";
	case CONTIGFS_FT_BLK:
		return "block device";
	case CONTIGFS_FT_FIFO:
		return "fifo";
	case CONTIGFS_FT_SOCK:
		return "socket";
	default:
		return "unknown";
	}
}

std::string mode_type_name(std::uint16_t mode)
{
	const std::uint8_t t = file_type_of(mode);
	if (t != CONTIGFS_FT_UNKNOWN)
		return file_type_name(t);
	std::ostringstream s;
	s << "type 0" << std::oct << (mode & S_IFMT);
	return s.str();
}

std::string format_uuid(const Uuid &u)
{
	static const char digits[] = "0123456789abcdef";
	std::string s;
	for (std::size_t i = 0; i < u.size(); i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			s += '-';
		s += digits[u[i] >> 4];
		s += digits[u[i] & 15];
	}
	return s;
}

bool parse_uuid(const std::string &text, Uuid &out)
{
	if (text.size() != 36)
		return false;
	std::size_t n = 0;
	for (std::size_t i = 0; i < text.size(); i++) {
		const char c = text[i];
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (c != '-')
				return false;
			continue;
		}
		int v;
		if (c >= '0' && c <= '9')
			v = c - '0';
		else if (c >= 'a' && c <= 'f')
			v = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v = c - 'A' + 10;
		else
			return false;
		if (n % 2 == 0)
			out[n / 2] = static_cast<std::uint8_t>(v << 4);
		else
			out[n / 2] |= static_cast<std::uint8_t>(v);
		n++;
	}
	return n == 32;
}

std::string hex(std::uint64_t v)
{
	std::ostringstream s;
	s << "0x" << std::hex << v;
	return s.str();
}

} // namespace flashnet::contigfs
