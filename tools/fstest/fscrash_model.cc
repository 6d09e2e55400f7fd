// SPDX-License-Identifier: GPL-2.0
#include "fscrash_model.h"

#include "sha256.h"

#include <algorithm>
#include <cstring>
#include <sstream>

namespace flashnet::fstest::fscrash {

namespace {

constexpr std::uint64_t kMaxOffset = 1ULL << 40;

struct OpInfo {
	OpKind kind;
	const char *name;
	const char *fields;	// d dir, n name, D dir2, N name2, i obj, o off, l len, t target
};

constexpr OpInfo kOps[] = {
	{OpKind::create, "create", "dnil"},
	{OpKind::write, "write", "iol"},
	{OpKind::append, "append", "il"},
	{OpKind::truncate, "truncate", "il"},
	{OpKind::mkdir, "mkdir", "dni"},
	{OpKind::rename, "rename", "dnDN"},
	{OpKind::link, "link", "idn"},
	{OpKind::unlink, "unlink", "dn"},
	{OpKind::rmdir, "rmdir", "dn"},
	{OpKind::symlink, "symlink", "dnit"},
	{OpKind::fsync, "fsync", "i"},
	{OpKind::fdatasync, "fdatasync", "i"},
	{OpKind::fsyncdir, "fsyncdir", "i"},
	{OpKind::syncfs, "syncfs", ""},
};

const OpInfo &info(OpKind k)
{
	return kOps[static_cast<unsigned>(k)];
}

std::uint64_t parse_u64(const std::string &field, const std::string &s)
{
	if (s.empty() || s.size() > 20 ||
	    s.find_first_not_of("0123456789") != std::string::npos)
		throw std::invalid_argument(field + ": not a number: '" + s + "'");
	try {
		return std::stoull(s);
	} catch (const std::exception &) {
		throw std::invalid_argument(field + ": out of range: '" + s + "'");
	}
}

} // namespace

const char *kind_name(Kind k)
{
	switch (k) {
	case Kind::file: return "file";
	case Kind::dir: return "directory";
	case Kind::symlink: return "symlink";
	}
	return "?";
}

const char *op_kind_name(OpKind k)
{
	return info(k).name;
}

bool is_durability(OpKind k)
{
	return k == OpKind::fsync || k == OpKind::fdatasync ||
	       k == OpKind::fsyncdir || k == OpKind::syncfs;
}

bool valid_target(const std::string &s)
{
	if (s.empty() || s.size() > 4095)
		return false;
	for (char c : s)
		if (!isalnum(static_cast<unsigned char>(c)) && c != '.' &&
		    c != '_' && c != '-')
			return false;
	return true;
}

bool valid_name(const std::string &s)
{
	if (s.size() > 255 || s == "." || s == "..")
		return false;
	return valid_target(s);
}

std::string format_op(const Op &op)
{
	const OpInfo &oi = info(op.kind);
	std::string s = oi.name;
	for (const char *f = oi.fields; *f; f++) {
		s += ' ';
		switch (*f) {
		case 'd': s += std::to_string(op.dir); break;
		case 'n': s += op.name; break;
		case 'D': s += std::to_string(op.dir2); break;
		case 'N': s += op.name2; break;
		case 'i': s += std::to_string(op.obj); break;
		case 'o': s += std::to_string(op.off); break;
		case 'l': s += std::to_string(op.len); break;
		case 't': s += op.target; break;
		}
	}
	return s;
}

Op parse_op(std::uint64_t n, const std::string &text)
{
	std::istringstream in(text);
	std::vector<std::string> tok;
	for (std::string t; in >> t;)
		tok.push_back(t);
	if (tok.empty())
		throw std::invalid_argument("empty op");
	Op op;
	op.n = n;
	const OpInfo *oi = nullptr;
	for (const OpInfo &o : kOps)
		if (tok[0] == o.name)
			oi = &o;
	if (!oi)
		throw std::invalid_argument("unknown op '" + tok[0] + "'");
	op.kind = oi->kind;
	const std::size_t want = std::strlen(oi->fields);
	if (tok.size() != want + 1)
		throw std::invalid_argument(
			tok[0] + ": " + std::to_string(tok.size() - 1) +
			" fields, expected " + std::to_string(want));
	for (std::size_t i = 0; i < want; i++) {
		const std::string &v = tok[i + 1];
		const std::string field = tok[0] + " field " + std::to_string(i + 1);
		switch (oi->fields[i]) {
		case 'd': op.dir = parse_u64(field, v); break;
		case 'D': op.dir2 = parse_u64(field, v); break;
		case 'i': op.obj = parse_u64(field, v); break;
		case 'o': op.off = parse_u64(field, v); break;
		case 'l': op.len = parse_u64(field, v); break;
		case 'n':
		case 'N':
		case 't':
			if (oi->fields[i] == 't' ? !valid_target(v)
						 : !valid_name(v))
				throw std::invalid_argument(field + ": bad name '" +
							    v + "'");
			(oi->fields[i] == 'n'   ? op.name
			 : oi->fields[i] == 'N' ? op.name2
						: op.target) = v;
			break;
		}
	}
	return op;
}

// ---- Tree ------------------------------------------------------------------

Tree::Tree()
{
	make(kRoot, Kind::dir, 0);
}

const Object *Tree::get(std::uint64_t id) const
{
	auto it = objs_.find(id);
	return it == objs_.end() ? nullptr : &it->second;
}

bool Tree::live(std::uint64_t id) const
{
	return files_.count(id) || dirs_.count(id) || symlinks_.count(id);
}

std::uint64_t Tree::lookup(std::uint64_t dir, const std::string &name) const
{
	const Object *d = get(dir);
	if (!d || d->kind != Kind::dir)
		return 0;
	auto it = d->entries.find(name);
	return it == d->entries.end() ? 0 : it->second;
}

std::string Tree::dir_path(std::uint64_t dir) const
{
	std::vector<const std::string *> parts;
	for (std::uint64_t id = dir; id != kRoot;) {
		const Object *o = get(id);
		if (!o || o->names.empty())
			return "(removed #" + std::to_string(dir) + ")";
		parts.push_back(&o->names.begin()->second);
		id = o->names.begin()->first;
		if (parts.size() > objs_.size())
			return "(loop at #" + std::to_string(dir) + ")";
	}
	std::string p;
	for (auto it = parts.rbegin(); it != parts.rend(); ++it)
		p += (p.empty() ? "" : "/") + **it;
	return p;
}

std::string Tree::path(std::uint64_t dir, const std::string &name) const
{
	const std::string d = dir_path(dir);
	return d.empty() ? name : d + "/" + name;
}

std::string Tree::where(std::uint64_t id) const
{
	if (id == kRoot)
		return "";
	const Object *o = get(id);
	if (!o || o->names.empty())
		return "(removed #" + std::to_string(id) + ")";
	return path(o->names.begin()->first, o->names.begin()->second);
}

std::string Tree::describe(const Op &op) const
{
	const std::string id = "#" + std::to_string(op.obj);
	const std::string at = path(op.dir, op.name);
	const auto show = [](const std::string &p) { return p.empty() ? "." : p; };
	switch (op.kind) {
	case OpKind::create:
		return "create " + at + " (file " + id + ", " +
		       std::to_string(op.len) + " bytes)";
	case OpKind::write:
		return "write " + where(op.obj) + " (" + id + ") [" +
		       std::to_string(op.off) + ", " +
		       std::to_string(op.off + op.len) + ")";
	case OpKind::append: {
		const Object *o = get(op.obj);
		const std::uint64_t s = o ? o->data.size() : 0;
		return "append to " + where(op.obj) + " (" + id + ") [" +
		       std::to_string(s) + ", " + std::to_string(s + op.len) + ")";
	}
	case OpKind::truncate:
		return "truncate " + where(op.obj) + " (" + id + ") to " +
		       std::to_string(op.len);
	case OpKind::mkdir:
		return "mkdir " + at + " (" + id + ")";
	case OpKind::rename: {
		const std::uint64_t x = lookup(op.dir, op.name);
		const std::uint64_t z = lookup(op.dir2, op.name2);
		std::string s = "rename " + at + " -> " +
				path(op.dir2, op.name2) + " (#" +
				std::to_string(x) + ")";
		if (z)
			s += " over #" + std::to_string(z);
		return s;
	}
	case OpKind::link:
		return "link " + where(op.obj) + " (" + id + ") -> " + at;
	case OpKind::unlink:
		return "unlink " + at + " (#" +
		       std::to_string(lookup(op.dir, op.name)) + ")";
	case OpKind::rmdir:
		return "rmdir " + at + " (#" +
		       std::to_string(lookup(op.dir, op.name)) + ")";
	case OpKind::symlink:
		return "symlink " + at + " (" + id + ") -> " + op.target;
	case OpKind::fsync:
	case OpKind::fdatasync:
		return std::string(op_kind_name(op.kind)) + " " + where(op.obj) +
		       " (" + id + ")";
	case OpKind::fsyncdir:
		return "fsync of directory " + show(where(op.obj)) + " (" + id +
		       ")";
	case OpKind::syncfs:
		return "syncfs";
	}
	return "?";
}

Object &Tree::need(std::uint64_t id, Kind kind, const char *what)
{
	auto it = objs_.find(id);
	if (it == objs_.end() || !live(id))
		throw std::invalid_argument(std::string(what) + ": #" +
					    std::to_string(id) +
					    " does not exist");
	if (it->second.kind != kind)
		throw std::invalid_argument(std::string(what) + ": #" +
					    std::to_string(id) + " is a " +
					    kind_name(it->second.kind) +
					    ", not a " + kind_name(kind));
	return it->second;
}

Object &Tree::make(std::uint64_t id, Kind kind, std::uint64_t born)
{
	if (id != next_id_ && id != kRoot)
		throw std::invalid_argument("new object #" + std::to_string(id) +
					    ", expected #" +
					    std::to_string(next_id_));
	next_id_ = std::max(next_id_, id + 1);
	Object &o = objs_[id];
	o.id = id;
	o.kind = kind;
	o.born = born;
	(kind == Kind::file  ? files_
	 : kind == Kind::dir ? dirs_
			     : symlinks_)
		.insert(id);
	return o;
}

void Tree::add_name(Object &o, std::uint64_t dir, const std::string &name,
		    Effect &e)
{
	objs_.at(dir).entries[name] = o.id;
	o.names.emplace(dir, name);
	e.names.push_back({dir, name, o.id});
}

void Tree::drop_name(std::uint64_t dir, const std::string &name, Effect &e)
{
	Object &d = objs_.at(dir);
	const std::uint64_t id = d.entries.at(name);
	d.entries.erase(name);
	Object &o = objs_.at(id);
	o.names.erase({dir, name});
	if (o.names.empty()) {
		files_.erase(id);
		dirs_.erase(id);
		symlinks_.erase(id);
		e.dropped.push_back(id);
	}
	e.names.push_back({dir, name, 0});
}

bool Tree::within(std::uint64_t id, std::uint64_t dir) const
{
	for (std::size_t steps = 0; steps <= objs_.size(); steps++) {
		if (id == dir)
			return true;
		if (id == kRoot)
			return false;
		const Object *o = get(id);
		if (!o || o->names.empty())
			return false;
		id = o->names.begin()->first;
	}
	return false;
}

Effect Tree::apply(const Op &op)
{
	Effect e;
	const char *what = op_kind_name(op.kind);
	const auto free_name = [&](std::uint64_t dir, const std::string &name) {
		need(dir, Kind::dir, what);
		if (!valid_name(name))
			throw std::invalid_argument(std::string(what) +
						    ": bad name '" + name + "'");
		if (lookup(dir, name))
			throw std::invalid_argument(std::string(what) + ": " +
						    path(dir, name) +
						    " exists");
	};
	const auto entry = [&](std::uint64_t dir,
			       const std::string &name) -> Object & {
		need(dir, Kind::dir, what);
		const std::uint64_t id = lookup(dir, name);
		if (!id)
			throw std::invalid_argument(std::string(what) + ": " +
						    path(dir, name) +
						    " does not exist");
		return objs_.at(id);
	};
	const auto data = [&](std::uint64_t id, bool truncated,
			      std::uint64_t off, std::uint64_t len) {
		if (off > kMaxOffset || len > kMaxOffset)
			throw std::invalid_argument(std::string(what) +
						    ": offset or length too big");
		Object &o = objs_.at(id);
		if (truncated)
			o.data.truncate(len);
		else
			o.data.write(off, len, op.n);
		e.data_obj = id;
		e.truncated = truncated;
		e.off = off;
		e.len = len;
		e.size = o.data.size();
	};

	switch (op.kind) {
	case OpKind::create: {
		free_name(op.dir, op.name);
		Object &o = make(op.obj, Kind::file, op.n);
		add_name(o, op.dir, op.name, e);
		data(op.obj, false, 0, op.len);
		break;
	}
	case OpKind::write:
		need(op.obj, Kind::file, what);
		data(op.obj, false, op.off, op.len);
		break;
	case OpKind::append:
		data(op.obj, false, need(op.obj, Kind::file, what).data.size(),
		     op.len);
		break;
	case OpKind::truncate:
		need(op.obj, Kind::file, what);
		data(op.obj, true, 0, op.len);
		break;
	case OpKind::mkdir: {
		free_name(op.dir, op.name);
		Object &o = make(op.obj, Kind::dir, op.n);
		add_name(o, op.dir, op.name, e);
		break;
	}
	case OpKind::symlink: {
		free_name(op.dir, op.name);
		if (!valid_target(op.target))
			throw std::invalid_argument("symlink: bad target");
		Object &o = make(op.obj, Kind::symlink, op.n);
		o.target = op.target;
		add_name(o, op.dir, op.name, e);
		break;
	}
	case OpKind::link: {
		Object &o = need(op.obj, Kind::file, what);
		free_name(op.dir, op.name);
		add_name(o, op.dir, op.name, e);
		break;
	}
	case OpKind::unlink: {
		if (entry(op.dir, op.name).kind == Kind::dir)
			throw std::invalid_argument("unlink: " +
						    path(op.dir, op.name) +
						    " is a directory");
		drop_name(op.dir, op.name, e);
		break;
	}
	case OpKind::rmdir: {
		const Object &o = entry(op.dir, op.name);
		if (o.kind != Kind::dir || !o.entries.empty())
			throw std::invalid_argument("rmdir: " +
						    path(op.dir, op.name) +
						    " is not an empty directory");
		drop_name(op.dir, op.name, e);
		break;
	}
	case OpKind::rename: {
		Object &x = entry(op.dir, op.name);
		need(op.dir2, Kind::dir, what);
		if (!valid_name(op.name2))
			throw std::invalid_argument("rename: bad name '" +
						    op.name2 + "'");
		const std::uint64_t z = lookup(op.dir2, op.name2);
		if (z == x.id)
			throw std::invalid_argument(
				"rename: source and destination are #" +
				std::to_string(z) + " (a no-op)");
		if (x.kind == Kind::dir && within(op.dir2, x.id))
			throw std::invalid_argument(
				"rename: " + path(op.dir2, op.name2) +
				" is inside the directory moved");
		if (z) {
			const Object &zo = objs_.at(z);
			if ((x.kind == Kind::dir) != (zo.kind == Kind::dir))
				throw std::invalid_argument(
					"rename: " + path(op.dir2, op.name2) +
					" is a " + kind_name(zo.kind));
			if (zo.kind == Kind::dir && !zo.entries.empty())
				throw std::invalid_argument(
					"rename: " + path(op.dir2, op.name2) +
					" is not empty");
			// Replaced atomically: dir2/name2 is never empty.
			Effect replaced;
			drop_name(op.dir2, op.name2, replaced);
			e.dropped = replaced.dropped;
		}
		// Drop the old name first: a directory keeps one name.
		Effect scratch;
		drop_name(op.dir, op.name, scratch);
		e.names.push_back({op.dir, op.name, 0});
		// The object is not gone: it gets its new name now.
		if (x.kind == Kind::file)
			files_.insert(x.id);
		else if (x.kind == Kind::dir)
			dirs_.insert(x.id);
		else
			symlinks_.insert(x.id);
		add_name(x, op.dir2, op.name2, e);
		break;
	}
	case OpKind::fsync:
	case OpKind::fdatasync:
		need(op.obj, Kind::file, what);
		break;
	case OpKind::fsyncdir:
		need(op.obj, Kind::dir, what);
		break;
	case OpKind::syncfs:
		break;
	}
	return e;
}

std::string Tree::digest() const
{
	// Live objects only: a long run piles up removed ones, and this is
	// computed at every durability point.
	std::ostringstream s;
	s << next_id_ << '\n';
	for (const auto &[id, o] : objs_) {
		if (!live(id))
			continue;
		s << id << ' ' << static_cast<int>(o.kind) << ' ' << o.born;
		for (const auto &[d, n] : o.names)
			s << " n" << d << '/' << n;
		if (o.kind == Kind::file) {
			s << " s" << o.data.size();
			for (const auto &[start, x] : o.data.extent_map())
				s << " e" << start << '-' << x.end << ':' << x.op;
		}
		if (o.kind == Kind::symlink)
			s << " t" << o.target;
		s << '\n';
	}
	return sha256_hex(s.str()).substr(0, 16);
}

} // namespace flashnet::fstest::fscrash
