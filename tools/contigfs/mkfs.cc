// SPDX-License-Identifier: GPL-2.0
#include "mkfs.h"

#include "buddy.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <iomanip>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

namespace flashnet::contigfs {

namespace {

std::uint64_t align_up(std::uint64_t v, std::uint64_t a)
{
	return (v + a - 1) / a * a;
}

std::uint64_t clamp(std::uint64_t v, std::uint64_t lo, std::uint64_t hi)
{
	return std::min(std::max(v, lo), hi);
}

Uuid random_uuid()
{
	Uuid u{};
	const int fd = ::open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		throw IoError(std::string("/dev/urandom: ") + strerror(errno));
	const ssize_t n = ::read(fd, u.data(), u.size());
	const int err = errno;
	::close(fd);
	if (n != static_cast<ssize_t>(u.size()))
		throw IoError(std::string("/dev/urandom: short read: ") +
			      (n < 0 ? strerror(err) : "end of file"));
	u[6] = static_cast<std::uint8_t>((u[6] & 0x0f) | 0x40);	// version 4
	u[8] = static_cast<std::uint8_t>((u[8] & 0x3f) | 0x80);	// RFC 4122
	return u;
}

std::string size_text(std::uint64_t pages)
{
	std::ostringstream s;
	const double bytes = static_cast<double>(pages) * kPageSize;
	const char *units[] = {"KiB", "MiB", "GiB", "TiB", "PiB"};
	double v = bytes / 1024;
	int u = 0;
	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	s << std::setprecision(v < 10 ? 2 : 3) << v << " " << units[u];
	return s.str();
}

} // namespace

Layout plan_layout(std::uint64_t total, const MkfsOptions &o)
{
	if (o.journal_pages < kMinJournalPages ||
	    o.journal_pages > kMaxJournalPages)
		throw MkfsError("-J " + std::to_string(o.journal_pages) +
				": journal pages must be in " +
				std::to_string(kMinJournalPages) + ".." +
				std::to_string(kMaxJournalPages) +
				" (the header page and at most " +
				std::to_string(kJournalMaxImages) + " images)");
	if (o.inodes && (*o.inodes < kMinInodes || *o.inodes > kMaxInodes))
		throw MkfsError("-N " + std::to_string(*o.inodes) +
				": the inode count must be in " +
				std::to_string(kMinInodes) + ".." +
				std::to_string(kMaxInodes));
	if (o.meta_pages && *o.meta_pages < 1)
		throw MkfsError("-M 0: the metadata zone needs at least one page");
	if (o.label.size() > kMaxLabel)
		throw MkfsError("-L: label '" + o.label + "' is " +
				std::to_string(o.label.size()) +
				" bytes, at most " + std::to_string(kMaxLabel) +
				" fit");
	if (o.label.find('\0') != std::string::npos)
		throw MkfsError("-L: label contains a NUL byte");

	Layout l;
	l.total_pages = total;
	const std::uint64_t n =
		o.inodes ? *o.inodes : clamp(total / 16, 1024, 4194304);
	l.inode_count = align_up(n, kInodesPerPage);
	l.itable_pages = l.inode_count / kInodesPerPage;
	l.ibitmap_pages = (l.inode_count + kBitsPerPage - 1) / kBitsPerPage;
	l.journal_start = 1;
	l.journal_pages = o.journal_pages;
	l.ibitmap_start = l.journal_start + l.journal_pages;
	l.itable_start = l.ibitmap_start + l.ibitmap_pages;
	l.meta.pages = o.meta_pages ? *o.meta_pages
				    : clamp(total / 8, 256, std::uint64_t{1} << 30);
	l.meta.orders = Zone::orders_for(l.meta.pages);
	l.meta.bitmap_pages = Zone::bitmap_pages_for(l.meta.pages, l.meta.orders);
	l.meta.bitmap_start = l.itable_start + l.itable_pages;
	l.data.bitmap_start = l.meta.bitmap_start + l.meta.bitmap_pages;
	const std::uint64_t fixed = l.data.bitmap_start;

	// Aligned zones where the device allows it, then less alignment.
	const std::pair<std::uint64_t, std::uint64_t> aligns[] = {
		{kMetaAlign, kDataAlign}, {kMetaAlign, 1}, {1, 1}};
	std::uint64_t data_pages = 0;
	for (auto [ma, da] : aligns) {
		// Where the zones go with `db` data bitmap pages; 0: nowhere.
		auto place = [&, ma = ma, da = da](std::uint64_t db,
						   std::uint64_t &meta_start,
						   std::uint64_t &data_start) {
			meta_start = align_up(fixed + db, ma);
			if (meta_start > total || l.meta.pages > total - meta_start)
				return std::uint64_t{0};
			data_start = align_up(meta_start + l.meta.pages, da);
			return data_start < total ? total - data_start : 0;
		};
		// f(db): the bitmap pages the data zone left by db pages needs;
		// non-increasing in db. The smallest db with f(db) <= db.
		auto f = [&](std::uint64_t db) {
			std::uint64_t ms, ds;
			const std::uint64_t d = std::max<std::uint64_t>(place(db, ms, ds), 1);
			return Zone::bitmap_pages_for(d, Zone::orders_for(d));
		};
		std::uint64_t lo = 1, hi = std::max<std::uint64_t>(f(1), 1);
		while (lo < hi) {
			const std::uint64_t mid = lo + (hi - lo) / 2;
			if (f(mid) <= mid)
				hi = mid;
			else
				lo = mid + 1;
		}
		std::uint64_t ms = 0, ds = 0;
		data_pages = place(lo, ms, ds);
		l.data.bitmap_pages = lo;
		l.meta.start = ms;
		l.data.start = ds;
		if (data_pages >= kMinDataPages)
			break;
	}
	if (data_pages < kMinDataPages) {
		std::ostringstream s;
		s << "device too small: " << total << " pages ("
		  << total * kPageSize << " bytes); the superblock, journal ("
		  << l.journal_pages << "), inode bitmap (" << l.ibitmap_pages
		  << "), inode table (" << l.itable_pages << " for "
		  << l.inode_count << " inodes), free bitmaps and the metadata "
		  << "zone (" << l.meta.pages << ") leave "
		  << (data_pages ? std::to_string(data_pages) : "no")
		  << " pages for the data zone, which needs at least "
		  << kMinDataPages;
		throw MkfsError(s.str());
	}
	l.data.pages = data_pages;
	l.data.orders = Zone::orders_for(data_pages);
	return l;
}

contigfs_super make_super(const Layout &l, const std::string &label,
			  const Uuid &uuid, std::int64_t mkfs_time)
{
	contigfs_super sb{};
	sb.s_magic = CONTIGFS_MAGIC;
	sb.s_version = CONTIGFS_VERSION;
	std::memcpy(sb.s_uuid, uuid.data(), uuid.size());
	std::memcpy(sb.s_label, label.data(),
		    std::min(label.size(), sizeof(sb.s_label)));
	sb.s_mkfs_time = static_cast<std::uint64_t>(mkfs_time);
	store_layout(l, sb);
	seal_super(sb);
	return sb;
}

contigfs_inode make_root_inode(std::int64_t sec, std::uint32_t nsec)
{
	contigfs_inode i{};
	i.i_mode = S_IFDIR | 0755;
	i.i_nlink = 2;
	i.i_parent = CONTIGFS_ROOT_INO;
	i.i_order = CONTIGFS_NO_BLOCK;
	i.i_atime = i.i_mtime = i.i_ctime = static_cast<std::uint64_t>(sec);
	i.i_atime_nsec = i.i_mtime_nsec = i.i_ctime_nsec = nsec;
	seal_inode(CONTIGFS_ROOT_INO, i);
	return i;
}

Formatted format(Image &img, const MkfsOptions &o)
{
	const Layout l = plan_layout(img.pages(), o);
	const Uuid uuid = o.uuid ? *o.uuid : random_uuid();
	std::int64_t sec;
	std::uint32_t nsec = 0;
	if (o.time) {
		sec = *o.time;
	} else {
		timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		sec = ts.tv_sec;
		nsec = static_cast<std::uint32_t>(ts.tv_nsec);
	}

	// Every page reads zero from here on; only non-zero pages are
	// written, the superblock last.
	img.discard_all();
	PageBuffer page(1);
	set_bit(page.data(), 0);
	set_bit(page.data(), CONTIGFS_ROOT_INO);
	img.write(l.ibitmap_start, 1, page.data());

	page.clear();
	const contigfs_inode root = make_root_inode(sec, nsec);
	std::memcpy(page.data() + l.inode_offset(CONTIGFS_ROOT_INO), &root,
		    sizeof(root));
	img.write(l.inode_lba(CONTIGFS_ROOT_INO), 1, page.data());

	for (const Zone *z : {&l.meta, &l.data})
		render_bitmap_pages(canonical_bits(*z, {}),
				    [&](std::uint64_t index, const std::uint8_t *p) {
					    img.write(z->bitmap_start + index, 1, p);
				    });
	img.sync();

	page.clear();
	const contigfs_super sb = make_super(l, o.label, uuid, sec);
	std::memcpy(page.data(), &sb, sizeof(sb));
	img.write(CONTIGFS_SB_LBA, 1, page.data());
	img.sync();
	return {l, uuid};
}

std::string describe_layout(const Layout &l)
{
	std::ostringstream s;
	auto row = [&](const char *name, std::uint64_t start,
		       std::uint64_t pages, const std::string &extra) {
		s << "  " << std::left << std::setw(14) << name << std::right
		  << " LBA " << std::setw(12) << start << "  pages "
		  << std::setw(12) << pages << extra << "\n";
	};
	row("superblock", CONTIGFS_SB_LBA, 1, "");
	row("journal", l.journal_start, l.journal_pages, "");
	row("inode bitmap", l.ibitmap_start, l.ibitmap_pages, "");
	row("inode table", l.itable_start, l.itable_pages,
	    "  (" + std::to_string(l.inode_count) + " inodes)");
	row("meta bitmaps", l.meta.bitmap_start, l.meta.bitmap_pages, "");
	row("data bitmaps", l.data.bitmap_start, l.data.bitmap_pages, "");
	row("meta zone", l.meta.start, l.meta.pages,
	    "  (" + size_text(l.meta.pages) + ", orders 0.." +
		    std::to_string(l.meta.orders - 1) + ")");
	row("data zone", l.data.start, l.data.pages,
	    "  (" + size_text(l.data.pages) + ", orders 0.." +
		    std::to_string(l.data.orders - 1) + ")");
	return s.str();
}

namespace {

const char kUsage[] = R"(usage: mkfs.contigfs [options] DEVICE

Writes an empty contigfs file system to DEVICE: a block device (normally a
salsa device, /dev/mapper/NAME) or a regular file (an image). The file
system covers the device rounded down to 4 KiB pages. The whole device is
discarded first, so every page not written reads zero.

options:
  -L LABEL     volume label, at most 31 bytes
  -N INODES    inode count, rounded up to a multiple of 16
               (default: pages / 16, clamped to 1024..4194304)
  -J PAGES     journal pages including its header page, 401..507 (default
               507; the module needs room for 400 images per transaction)
  -M PAGES     metadata zone pages (default: pages / 8, clamped to 256..2^30)
  -U UUID      file system UUID (default: random)
  -T SECONDS   mkfs time and root inode times (default: now), for
               reproducible images
  -q           print nothing but errors
  -h, --help   this text

The metadata zone starts at a multiple of 256 pages and the data zone at a
multiple of 512 pages (2 MiB) when the device has room for the padding. The
data zone needs at least 256 pages.

exit status: 0 done, 1 refused (bad option, device too small, cannot open;
nothing written) or failed while writing (the message names the LBA).
)";

std::uint64_t parse_number(const std::string &opt, const std::string &text)
{
	if (!text.empty() && text[0] != '-' && text[0] != '+') {
		try {
			std::size_t used = 0;
			const unsigned long long v = std::stoull(text, &used, 0);
			if (used == text.size())
				return v;
		} catch (const std::exception &) {
		}
	}
	throw MkfsError(opt + ": not a number: '" + text + "'");
}

} // namespace

MkfsArgs parse_mkfs_args(const std::vector<std::string> &args)
{
	MkfsArgs r;
	MkfsOptions &o = r.opts;
	for (std::size_t i = 0; i < args.size(); i++) {
		const std::string &a = args[i];
		if (a == "-h" || a == "--help") {
			r.help = true;
			continue;
		}
		if (a == "-q") {
			o.quiet = true;
			continue;
		}
		if (a.size() == 2 && a[0] == '-' &&
		    std::string("LNJMUT").find(a[1]) != std::string::npos) {
			if (i + 1 >= args.size())
				throw MkfsError(a + " needs a value");
			const std::string &v = args[++i];
			switch (a[1]) {
			case 'L':
				o.label = v;
				break;
			case 'N':
				o.inodes = parse_number(a, v);
				break;
			case 'J':
				o.journal_pages = parse_number(a, v);
				/* The format allows less; the module does not. */
				if (o.journal_pages < kMinMountableJournalPages &&
				    o.journal_pages >= kMinJournalPages)
					throw MkfsError(
						"-J " + std::to_string(o.journal_pages) +
						": contigfs.ko needs at least " +
						std::to_string(kMinMountableJournalPages) +
						" journal pages (a transaction may need 400 images)");
				break;
			case 'M':
				o.meta_pages = parse_number(a, v);
				break;
			case 'U': {
				Uuid u;
				if (!parse_uuid(v, u))
					throw MkfsError("-U: '" + v + "' is not a UUID "
							"(xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)");
				o.uuid = u;
				break;
			}
			case 'T': {
				const std::uint64_t t = parse_number(a, v);
				if (t > static_cast<std::uint64_t>(INT64_MAX))
					throw MkfsError("-T: " + v + " is out of range");
				o.time = static_cast<std::int64_t>(t);
				break;
			}
			}
			continue;
		}
		if (a.size() > 1 && a[0] == '-')
			throw MkfsError("unknown option '" + a + "'");
		r.operands.push_back(a);
	}
	return r;
}

int mkfs_main(const std::vector<std::string> &args, std::ostream &out,
	      std::ostream &err)
{
	MkfsArgs a;
	try {
		a = parse_mkfs_args(args);
		if (a.help) {
			out << kUsage;
			return 0;
		}
		if (a.operands.empty())
			throw MkfsError("no DEVICE given");
		if (a.operands.size() > 1)
			throw MkfsError("unexpected argument '" + a.operands[1] +
					"' (DEVICE is '" + a.operands[0] + "')");
	} catch (const MkfsError &e) {
		err << "mkfs.contigfs: " << e.what()
		    << "\nTry 'mkfs.contigfs --help'.\n";
		return 1;
	}
	const MkfsOptions &o = a.opts;
	const std::string &dev = a.operands[0];
	try {
		Image img = Image::open(dev, Image::Access::read_write);
		// Refuse before touching anything.
		plan_layout(img.pages(), o);
		const Formatted f = format(img, o);
		if (!o.quiet)
			out << "mkfs.contigfs: " << dev << ": "
			    << f.layout.total_pages << " pages ("
			    << size_text(f.layout.total_pages) << "), uuid "
			    << format_uuid(f.uuid)
			    << (o.label.empty() ? "" : ", label '" + o.label + "'")
			    << "\n"
			    << describe_layout(f.layout);
		return 0;
	} catch (const MkfsError &e) {
		err << "mkfs.contigfs: " << dev << ": " << e.what() << "\n";
		return 1;
	} catch (const std::exception &e) {
		err << "mkfs.contigfs: " << e.what() << "\n";
		return 1;
	}
}

} // namespace flashnet::contigfs
