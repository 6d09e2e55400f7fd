// SPDX-License-Identifier: GPL-2.0
#include "builder.h"

#include <algorithm>
#include <cstring>
#include <ctime>
#include <set>
#include <sys/stat.h>

namespace flashnet::contigfs {

namespace {

unsigned order_for_pages(std::uint64_t pages)
{
	unsigned k = 0;
	while ((std::uint64_t{1} << k) < pages)
		k++;
	return k;
}

std::vector<std::string> split(const std::string &path)
{
	if (path.empty() || path[0] != '/')
		throw BuildError("'" + path + "': not an absolute path");
	std::vector<std::string> parts;
	std::size_t i = 1;
	while (i <= path.size()) {
		std::size_t j = path.find('/', i);
		if (j == std::string::npos)
			j = path.size();
		if (j > i)
			parts.push_back(path.substr(i, j - i));
		i = j + 1;
	}
	return parts;
}

} // namespace

Builder::Builder(Image img, const Formatted &f, std::int64_t time)
	: img_(std::move(img)), layout_(f.layout), uuid_(f.uuid), time_(time),
	  meta_(f.layout.meta), data_(f.layout.data)
{
	Node root;
	root.raw = make_root_inode(time_, 0);
	root.parent = CONTIGFS_ROOT_INO;
	nodes_[CONTIGFS_ROOT_INO] = root;
	committed_[CONTIGFS_ROOT_INO] = root.raw;
	for (ZoneId z : {ZoneId::meta, ZoneId::data}) {
		const Zone &zone = layout_.zone(z);
		render_bitmap_pages(canonical_bits(zone, {}),
				    [&](std::uint64_t index, const std::uint8_t *) {
					    bitmap_pages_[z == ZoneId::meta ? 0 : 1]
						    .push_back(index);
				    });
	}
}

Builder Builder::format(const std::string &path, const MkfsOptions &opts)
{
	MkfsOptions o = opts;
	if (!o.time)
		o.time = static_cast<std::int64_t>(std::time(nullptr));
	Image img = Image::open(path, Image::Access::read_write);
	const Formatted f = contigfs::format(img, o);
	return Builder(std::move(img), f, *o.time);
}

std::pair<std::uint64_t, std::string> Builder::parent_of(const std::string &path)
{
	std::vector<std::string> parts = split(path);
	if (parts.empty())
		throw BuildError("'" + path + "': the root exists already");
	std::string name = parts.back();
	parts.pop_back();
	if (name.size() > CONTIGFS_NAME_LEN || name == "." || name == "..")
		throw BuildError("'" + path + "': not a valid name");
	std::uint64_t ino = CONTIGFS_ROOT_INO;
	for (const std::string &p : parts) {
		const Node &n = nodes_.at(ino);
		auto it = std::find_if(n.entries.begin(), n.entries.end(),
				       [&](const auto &e) { return e.first == p; });
		if (it == n.entries.end())
			throw BuildError("'" + path + "': '" + p + "' does not exist");
		ino = it->second;
	}
	const Node &dir = nodes_.at(ino);
	if (!S_ISDIR(dir.raw.i_mode))
		throw BuildError("'" + path + "': the parent is not a directory");
	for (const auto &e : dir.entries)
		if (e.first == name)
			throw BuildError("'" + path + "': exists already");
	return {ino, name};
}

std::uint64_t Builder::lookup(const std::string &path) const
{
	std::uint64_t ino = CONTIGFS_ROOT_INO;
	for (const std::string &p : split(path)) {
		const Node &n = nodes_.at(ino);
		auto it = std::find_if(n.entries.begin(), n.entries.end(),
				       [&](const auto &e) { return e.first == p; });
		if (it == n.entries.end())
			throw BuildError("'" + path + "': '" + p + "' does not exist");
		ino = it->second;
	}
	return ino;
}

std::uint64_t Builder::allocate(ZoneId z, unsigned order, const std::string &what)
{
	const auto start = zone_alloc(z).allocate(order);
	if (!start)
		throw BuildError(what + ": no free block of order " +
				 std::to_string(order) + " in the " + zone_name(z) +
				 " zone");
	return *start;
}

std::uint64_t Builder::add(const std::string &path, std::uint16_t mode)
{
	const auto [dir_ino, name] = parent_of(path);
	std::uint64_t ino = 2;
	while (nodes_.count(ino))
		ino++;
	if (ino >= layout_.inode_count)
		throw BuildError("'" + path + "': all " +
				 std::to_string(layout_.inode_count) +
				 " inodes are in use");
	nodes_.at(dir_ino).entries.emplace_back(name, ino);
	Node n;
	n.raw.i_mode = mode;
	n.raw.i_order = CONTIGFS_NO_BLOCK;
	n.raw.i_atime = n.raw.i_mtime = n.raw.i_ctime =
		static_cast<std::uint64_t>(time_);
	n.parent = dir_ino;
	n.links = 1;
	nodes_[ino] = n;
	return ino;
}

std::uint64_t Builder::mkdir(const std::string &path, std::uint16_t perm)
{
	return add(path, S_IFDIR | (perm & 07777));
}

std::uint64_t Builder::file(const std::string &path, std::uint64_t size,
			    std::span<const std::uint8_t> contents,
			    std::optional<unsigned> order)
{
	if (contents.size() > size)
		throw BuildError("'" + path + "': contents longer than the size");
	const std::uint64_t pages = (size + kPageSize - 1) / kPageSize;
	if (order && (std::uint64_t{1} << *order) < pages)
		throw BuildError("'" + path + "': a block of order " +
				 std::to_string(*order) + " cannot hold " +
				 std::to_string(size) + " bytes");
	std::optional<std::uint64_t> start;
	unsigned k = 0;
	if (size || order) {
		k = order ? *order : order_for_pages(pages);
		start = allocate(ZoneId::data, k, "'" + path + "'");
	}
	const std::uint64_t ino = add(path, S_IFREG | 0644);
	contigfs_inode &raw = nodes_[ino].raw;
	raw.i_size = size;
	if (start) {
		raw.i_start = *start;
		raw.i_order = static_cast<std::uint8_t>(k);
		const std::uint64_t n = (contents.size() + kPageSize - 1) / kPageSize;
		if (n) {
			PageBuffer buf(n);
			std::memcpy(buf.data(), contents.data(), contents.size());
			img_.write(layout_.data.start + *start, n, buf.data());
		}
	}
	return ino;
}

std::uint64_t Builder::symlink(const std::string &path, const std::string &target)
{
	if (target.empty() || target.size() > CONTIGFS_MAX_SYMLINK ||
	    target.find('\0') != std::string::npos)
		throw BuildError("'" + path + "': a symlink target is 1.." +
				 std::to_string(CONTIGFS_MAX_SYMLINK) +
				 " bytes without NUL");
	std::optional<std::uint64_t> start;
	if (target.size() >= CONTIGFS_INLINE_SYMLINK)
		start = allocate(ZoneId::meta, 0, "'" + path + "'");
	const std::uint64_t ino = add(path, S_IFLNK | 0777);
	contigfs_inode &raw = nodes_[ino].raw;
	raw.i_size = target.size();
	if (start) {
		raw.i_start = *start;
		raw.i_order = 0;
		PageBuffer buf(1);
		std::memcpy(buf.data(), target.data(), target.size());
		img_.write(layout_.meta.start + *start, 1, buf.data());
	} else {
		std::memcpy(raw.i_symlink, target.data(), target.size());
	}
	return ino;
}

std::uint64_t Builder::mknod(const std::string &path, std::uint16_t mode,
			     std::uint32_t rdev)
{
	const std::uint8_t t = file_type_of(mode);
	if (t == CONTIGFS_FT_UNKNOWN || t == CONTIGFS_FT_REG ||
	    t == CONTIGFS_FT_DIR || t == CONTIGFS_FT_LNK)
		throw BuildError("'" + path + "': mknod makes devices, fifos "
					      "and sockets");
	const std::uint64_t ino = add(path, mode);
	nodes_[ino].raw.i_rdev = rdev;
	return ino;
}

void Builder::link(const std::string &path, const std::string &existing)
{
	const std::uint64_t ino = lookup(existing);
	Node &target = nodes_.at(ino);
	if (S_ISDIR(target.raw.i_mode))
		throw BuildError("'" + existing + "': directories cannot be "
						  "hard-linked");
	const auto [dir_ino, name] = parent_of(path);
	nodes_.at(dir_ino).entries.emplace_back(name, ino);
	target.links++;
}

void Builder::start_move(const std::string &path, unsigned order)
{
	const std::uint64_t ino = lookup(path);
	Node &n = nodes_.at(ino);
	contigfs_inode &raw = n.raw;
	// A directory gets its block when it is written.
	if (S_ISDIR(raw.i_mode) && raw.i_order == CONTIGFS_NO_BLOCK)
		write_directory(ino, n);
	if (raw.i_order == CONTIGFS_NO_BLOCK || (raw.i_flags & CONTIGFS_INODE_MOVING))
		throw BuildError("'" + path + "': no block, or already moving");
	const ZoneId z = S_ISREG(raw.i_mode) ? ZoneId::data : ZoneId::meta;
	const std::uint64_t start = allocate(z, order, "'" + path + "'");
	raw.i_old_start = raw.i_start;
	raw.i_old_order = raw.i_order;
	raw.i_start = start;
	raw.i_order = static_cast<std::uint8_t>(order);
	raw.i_flags |= CONTIGFS_INODE_MOVING;
}

void Builder::write_directory(std::uint64_t ino, Node &n)
{
	// Pack the records, the last of each block stretched to its end.
	std::vector<std::vector<std::uint8_t>> pages;
	std::vector<std::pair<std::string, std::size_t>> placed;	// name, page
	std::vector<std::size_t> offsets;
	std::size_t off = kPageSize, last = 0;
	for (const auto &[name, target] : n.entries) {
		const std::size_t len = CONTIGFS_DIRENT_LEN(name.size());
		if (off + len > kPageSize) {
			if (!pages.empty()) {
				const std::uint16_t rl =
					static_cast<std::uint16_t>(kPageSize - last);
				std::memcpy(pages.back().data() + last + 8, &rl, 2);
			}
			pages.emplace_back(kPageSize, 0);
			off = 0;
		}
		std::uint8_t *rec = pages.back().data() + off;
		const std::uint16_t rl = static_cast<std::uint16_t>(len);
		std::memcpy(rec, &target, 8);
		std::memcpy(rec + 8, &rl, 2);
		rec[10] = static_cast<std::uint8_t>(name.size());
		rec[11] = file_type_of(nodes_.at(target).raw.i_mode);
		std::memcpy(rec + CONTIGFS_DIRENT_HEADER, name.data(), name.size());
		placed.emplace_back(name, pages.size() - 1);
		offsets.push_back(off);
		last = off;
		off += len;
	}
	if (!pages.empty()) {
		const std::uint16_t rl = static_cast<std::uint16_t>(kPageSize - last);
		std::memcpy(pages.back().data() + last + 8, &rl, 2);
	}

	contigfs_inode &raw = n.raw;
	const bool moving = raw.i_flags & CONTIGFS_INODE_MOVING;
	const bool has = raw.i_order != CONTIGFS_NO_BLOCK;
	// The contents live in the move source until the move is finished.
	std::uint64_t start = moving ? raw.i_old_start : raw.i_start;
	const unsigned cur = moving ? raw.i_old_order : raw.i_order;
	if (!pages.empty() && (!has || (std::uint64_t{1} << cur) < pages.size())) {
		if (moving)
			throw BuildError("directory " + std::to_string(ino) +
					 " outgrew its block during a pending move");
		if (has) {
			meta_.free({raw.i_start, raw.i_order});
			img_.discard(layout_.meta.start + raw.i_start,
				     std::uint64_t{1} << raw.i_order);
		}
		const unsigned k = order_for_pages(pages.size());
		start = allocate(ZoneId::meta, k,
				 "directory " + std::to_string(ino));
		raw.i_start = start;
		raw.i_order = static_cast<std::uint8_t>(k);
	}
	raw.i_size = pages.size() * kPageSize;
	n.where.clear();
	for (std::size_t i = 0; i < pages.size(); i++)
		img_.write(layout_.meta.start + start + i, 1, pages[i].data());
	for (std::size_t i = 0; i < placed.size(); i++)
		n.where[placed[i].first] = {layout_.meta.start + start + placed[i].second,
					    offsets[i]};
}

void Builder::write_bitmaps(ZoneId z)
{
	const Zone &zone = layout_.zone(z);
	std::vector<std::uint64_t> &prev = bitmap_pages_[z == ZoneId::meta ? 0 : 1];
	std::set<std::uint64_t> stale(prev.begin(), prev.end());
	prev.clear();
	render_bitmap_pages(zone_alloc(z).free_bits(),
			    [&](std::uint64_t index, const std::uint8_t *page) {
				    img_.write(zone.bitmap_start + index, 1, page);
				    stale.erase(index);
				    prev.push_back(index);
			    });
	PageBuffer zero(1);
	for (std::uint64_t index : stale)
		img_.write(zone.bitmap_start + index, 1, zero.data());
}

void Builder::commit()
{
	for (auto &[ino, n] : nodes_)
		if (S_ISDIR(n.raw.i_mode))
			write_directory(ino, n);
	// Link counts and parents from the tree.
	std::map<std::uint64_t, std::uint32_t> subdirs;
	for (auto &[ino, n] : nodes_)
		if (S_ISDIR(n.raw.i_mode) && ino != CONTIGFS_ROOT_INO)
			subdirs[n.parent]++;
	std::set<std::uint64_t> itable_pages, ibitmap_pages;
	for (auto &[ino, n] : nodes_) {
		if (S_ISDIR(n.raw.i_mode)) {
			n.raw.i_nlink = 2 + subdirs[ino];
			n.raw.i_parent = n.parent;
		} else {
			n.raw.i_nlink = n.links;
		}
		seal_inode(ino, n.raw);
		if (std::memcmp(&committed_[ino], &n.raw, sizeof(n.raw))) {
			itable_pages.insert(layout_.inode_lba(ino));
			ibitmap_pages.insert(ino / kBitsPerPage);
		}
	}
	PageBuffer page(1);
	for (std::uint64_t lba : itable_pages) {
		page.clear();
		const std::uint64_t first = (lba - layout_.itable_start) * kInodesPerPage;
		for (auto it = nodes_.lower_bound(first);
		     it != nodes_.end() && it->first < first + kInodesPerPage; ++it)
			std::memcpy(page.data() + layout_.inode_offset(it->first),
				    &it->second.raw, sizeof(contigfs_inode));
		img_.write(lba, 1, page.data());
	}
	for (std::uint64_t p : ibitmap_pages) {
		page.clear();
		if (p == 0)
			set_bit(page.data(), 0);
		for (auto it = nodes_.lower_bound(p * kBitsPerPage);
		     it != nodes_.end() && it->first < (p + 1) * kBitsPerPage; ++it)
			set_bit(page.data(), it->first - p * kBitsPerPage);
		img_.write(layout_.ibitmap_start + p, 1, page.data());
	}
	write_bitmaps(ZoneId::meta);
	write_bitmaps(ZoneId::data);
	img_.sync();
	for (auto &[ino, n] : nodes_)
		committed_[ino] = n.raw;
}

contigfs_inode Builder::inode(std::uint64_t ino) const
{
	auto it = committed_.find(ino);
	if (it == committed_.end())
		throw BuildError("inode " + std::to_string(ino) + " not committed");
	return it->second;
}

Location Builder::inode_location(std::uint64_t ino) const
{
	return {layout_.inode_lba(ino), layout_.inode_offset(ino)};
}

std::uint64_t Builder::block_lba(std::uint64_t ino) const
{
	const contigfs_inode i = inode(ino);
	if (i.i_order == CONTIGFS_NO_BLOCK)
		throw BuildError("inode " + std::to_string(ino) + " has no block");
	return (S_ISREG(i.i_mode) ? layout_.data.start : layout_.meta.start) +
	       i.i_start;
}

Location Builder::dirent_location(const std::string &dir,
				  const std::string &name) const
{
	const Node &n = nodes_.at(lookup(dir));
	auto it = n.where.find(name);
	if (it == n.where.end())
		throw BuildError("'" + dir + "': no committed entry '" + name + "'");
	return it->second;
}

std::vector<std::uint8_t> read_page(Image &img, std::uint64_t lba)
{
	PageBuffer buf(1);
	img.read(lba, 1, buf.data());
	return {buf.data(), buf.data() + kPageSize};
}

void write_page(Image &img, std::uint64_t lba, const std::vector<std::uint8_t> &page)
{
	if (page.size() != kPageSize)
		throw std::invalid_argument("write_page: not one page");
	img.write(lba, 1, page.data());
	img.sync();
}

contigfs_inode read_inode(Image &img, const Layout &l, std::uint64_t ino)
{
	const std::vector<std::uint8_t> page = read_page(img, l.inode_lba(ino));
	contigfs_inode i;
	std::memcpy(&i, page.data() + l.inode_offset(ino), sizeof(i));
	return i;
}

void write_inode(Image &img, const Layout &l, std::uint64_t ino,
		 contigfs_inode inode, bool reseal)
{
	if (reseal)
		seal_inode(ino, inode);
	std::vector<std::uint8_t> page = read_page(img, l.inode_lba(ino));
	std::memcpy(page.data() + l.inode_offset(ino), &inode, sizeof(inode));
	write_page(img, l.inode_lba(ino), page);
}

contigfs_super read_super(Image &img)
{
	const std::vector<std::uint8_t> page = read_page(img, CONTIGFS_SB_LBA);
	contigfs_super sb;
	std::memcpy(&sb, page.data(), sizeof(sb));
	return sb;
}

void write_super(Image &img, contigfs_super sb, bool reseal)
{
	if (reseal)
		seal_super(sb);
	std::vector<std::uint8_t> page(kPageSize);
	std::memcpy(page.data(), &sb, sizeof(sb));
	write_page(img, CONTIGFS_SB_LBA, page);
}

} // namespace flashnet::contigfs
