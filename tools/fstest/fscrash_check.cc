// SPDX-License-Identifier: GPL-2.0
#include "fscrash_check.h"

#include "common.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <limits>
#include <sys/stat.h>

namespace flashnet::fstest::fscrash {

namespace {

std::string hex_bytes(const std::uint8_t *p, std::size_t n)
{
	std::string s;
	char b[4];
	for (std::size_t i = 0; i < n; i++) {
		snprintf(b, sizeof(b), "%s%02x", i ? " " : "", p[i]);
		s += b;
	}
	return s;
}

std::string hex(std::uint64_t v)
{
	char b[24];
	snprintf(b, sizeof(b), "0x%llx", static_cast<unsigned long long>(v));
	return b;
}

Kind kind_of(const struct stat &st)
{
	return S_ISDIR(st.st_mode)   ? Kind::dir
	       : S_ISLNK(st.st_mode) ? Kind::symlink
				     : Kind::file;
}

const char *observed_kind(const struct stat &st)
{
	return S_ISDIR(st.st_mode)   ? "directory"
	       : S_ISLNK(st.st_mode) ? "symlink"
	       : S_ISREG(st.st_mode) ? "file"
				     : "special file";
}

} // namespace

Checker::Checker(FsSys &sys, std::string dir, const Journal &j, Level level)
	: sys_(sys), dir_(std::move(dir)), j_(j), level_(level),
	  pat_(j.header.seed)
{
	while (dir_.size() > 1 && dir_.back() == '/')
		dir_.pop_back();
}

std::string Checker::describe(std::uint64_t n) const
{
	if (n == 0)
		return "the start of the run";
	if (n > desc_.size())
		return "op " + std::to_string(n);
	return "op " + std::to_string(n) + " (" + desc_[n - 1] + ")";
}

void Checker::claim_all(std::uint64_t n)
{
	for (std::uint64_t f : tree_.files())
		content_claims_[f] = Claim{n, tree_.get(f)->data};
	for (std::uint64_t d : tree_.dirs())
		dir_claims_[d] = n;
}

void Checker::replay()
{
	// The last acknowledged point.
	for (const auto &[n, digest] : j_.acked)
		point_ = std::max(point_, n);
	ops_ = j_.ops;
	desc_.reserve(ops_.size());
	for (const Op &op : ops_) {
		desc_.push_back(tree_.describe(op));
		Effect e;
		try {
			e = tree_.apply(op);
		} catch (const std::invalid_argument &ex) {
			throw StateError("op " + std::to_string(op.n) + " (" +
					 format_op(op) +
					 ") does not replay: " + ex.what());
		}
		const std::uint64_t n = op.n;
		for (const Effect::Name &nm : e.names) {
			auto &h = names_[{nm.dir, nm.name}];
			if (!h.empty() && h.back().first == n)
				h.back().second = nm.now;	// the op's last word
			else
				h.emplace_back(n, nm.now);
			if (nm.now)
				last_name_change_[nm.now] = n;
		}
		// The objects that lost a name changed names too.
		if (op.kind == OpKind::rename || op.kind == OpKind::unlink ||
		    op.kind == OpKind::rmdir) {
			for (const auto &[nd, nn] :
			     std::vector<Name>{{op.dir, op.name}, {op.dir2, op.name2}})
				if (nd) {
					const auto &h = names_[{nd, nn}];
					// Whoever held the name before this op.
					for (auto it = h.rbegin(); it != h.rend(); ++it)
						if (it->first < n) {
							if (it->second)
								last_name_change_[it->second] = n;
							break;
						}
				}
		}
		for (std::uint64_t x : e.dropped) {
			dropped_[x].push_back(n);
			last_name_change_[x] = n;
		}
		if (e.data_obj)
			data_[e.data_obj].push_back(
				{n, e.truncated, e.off, e.len, e.size});
		const auto ack = j_.acked.find(n);
		if (ack == j_.acked.end())
			continue;
		const std::string d = tree_.digest();
		if (d != ack->second)
			throw StateError("op " + std::to_string(n) +
					 ": the durability record's digest " +
					 ack->second + " is not the replay's " + d +
					 " (a state file of another run or version)");
		if (level_ == Level::strict) {
			if (n == point_) {
				claim_all(n);
				for (std::uint64_t x : tree_.files())
					live_at_point_[x] = tree_.where(x);
				for (std::uint64_t x : tree_.dirs())
					if (x != Tree::kRoot)
						live_at_point_[x] = tree_.where(x);
				for (std::uint64_t x : tree_.symlinks())
					live_at_point_[x] = tree_.where(x);
			}
			continue;
		}
		switch (op.kind) {
		case OpKind::fsync:
		case OpKind::fdatasync:
			content_claims_[op.obj] = Claim{n, tree_.get(op.obj)->data};
			break;
		case OpKind::fsyncdir:
			dir_claims_[op.obj] = n;
			break;
		case OpKind::syncfs:
			claim_all(n);
			break;
		default:
			break;
		}
	}
}

std::uint64_t Checker::dir_claim(std::uint64_t dir) const
{
	auto it = dir_claims_.find(dir);
	if (it != dir_claims_.end())
		return it->second;
	const Object *o = tree_.get(dir);
	return o ? o->born : 0;
}

Checker::Claim Checker::content_claim(std::uint64_t file) const
{
	auto it = content_claims_.find(file);
	if (it != content_claims_.end())
		return it->second;
	const Object *o = tree_.get(file);
	// Made empty just before its create op wrote it.
	return Claim{o && o->born ? o->born - 1 : 0, Content()};
}

std::string Checker::claim_text(std::uint64_t c, std::uint64_t born) const
{
	if (c >= born && j_.acked.count(c))
		return "durable since " + describe(c);
	if (born == 0)
		return "as at the start of the run (DIR empty, fsynced)";
	return "never made durable (made by " + describe(born) + ")";
}

std::string Checker::value_text(std::uint64_t id) const
{
	if (!id)
		return "nothing";
	const Object *o = tree_.get(id);
	if (!o)
		return "#" + std::to_string(id);
	std::string s = std::string(kind_name(o->kind)) + " #" +
			std::to_string(id);
	if (o->kind == Kind::symlink)
		s += " (-> " + o->target.substr(0, 24) +
		     (o->target.size() > 24 ? "..." : "") + ")";
	return s;
}

Checker::Allowed Checker::allowed(std::uint64_t dir,
				  const std::string &name) const
{
	Allowed a{dir_claim(dir), 0, {}};
	auto it = names_.find({dir, name});
	if (it == names_.end())
		return a;
	for (const auto &[op, v] : it->second) {
		if (op <= a.claim_op)
			a.claimed = v;
		else
			a.later.emplace_back(op, v);
	}
	return a;
}

void Checker::violation(const std::string &rel, const std::string &text)
{
	viol_.push_back((rel.empty() ? std::string(".") : rel) + ": " + text);
}

void Checker::rollback(const Mark &m)
{
	viol_.resize(m.viol);
	while (undo_.size() > m.undo) {
		undo_.back()();
		undo_.pop_back();
	}
}

void Checker::check()
{
	struct stat st;
	if (sys_.lstat(dir_.c_str(), &st) < 0) {
		violation("", "DIR " + dir_ + " cannot be found: " +
				      errno_text(errno));
		return;
	}
	if (!S_ISDIR(st.st_mode)) {
		violation("", "DIR " + dir_ + " is a " + observed_kind(st) +
				      ", not a directory");
		return;
	}
	dir_inos_[st.st_ino] = ".";
	counts_.dirs++;
	find_forced();
	check_dir(dir_, "", Tree::kRoot);

	if (level_ != Level::strict)
		return;
	for (const auto &[x, where] : live_at_point_) {
		auto d = dropped_.find(x);
		if (d != dropped_.end() && d->second.back() > point_)
			continue;
		if (found_.count(x) || reported_missing_.count(x))
			continue;
		std::string later;
		for (const auto &[nm, h] : names_)
			for (const auto &[op, v] : h)
				if (op > point_ && v == x)
					later += ", " + nm.second + " by " +
						 describe(op);
		violation(where,
			  "missing: " + value_text(x) + ", at " + where +
				  " at the last durability point " +
				  describe(point_) +
				  " and never removed after it, is under no "
				  "name" +
				  (later.empty() ? std::string()
						 : " (later names: " +
							   later.substr(2) + ")"));
	}
}

void Checker::find_forced()
{
	std::vector<std::pair<std::uint64_t, std::string>> todo{{Tree::kRoot, ""}};
	std::set<std::uint64_t> seen{Tree::kRoot};
	while (!todo.empty()) {
		const auto [dir, rel] = todo.back();
		todo.pop_back();
		for (auto it = names_.lower_bound({dir, std::string()});
		     it != names_.end() && it->first.first == dir; ++it) {
			const Allowed a = allowed(dir, it->first.second);
			std::set<std::uint64_t> objs;
			if (a.claimed)
				objs.insert(a.claimed);
			for (const auto &[op, v] : a.later)
				if (v)
					objs.insert(v);
			if (objs.size() != 1)
				continue;
			const std::uint64_t x = *objs.begin();
			const std::string p = rel.empty() ? it->first.second
							  : rel + "/" + it->first.second;
			forced_[x].push_back(p);
			if (tree_.get(x)->kind == Kind::dir && seen.insert(x).second)
				todo.emplace_back(x, p);
		}
	}
}

int Checker::elsewhere(std::uint64_t obj, const std::string &rel,
		       ino_t ino) const
{
	auto it = forced_.find(obj);
	if (it == forced_.end())
		return 0;
	int said = 0;
	for (const std::string &q : it->second) {
		struct stat st;
		if (q == rel || sys_.lstat((dir_ + "/" + q).c_str(), &st) < 0)
			continue;
		if (st.st_ino != ino)
			return 1;
		said = -1;
	}
	return said;
}

void Checker::check_dir(const std::string &path, const std::string &rel,
			std::uint64_t dir)
{
	std::vector<std::string> seen;
	if (sys_.list_dir(path.c_str(), seen) < 0) {
		violation(rel, "cannot read the directory: " + errno_text(errno));
		return;
	}
	std::set<std::string> all(seen.begin(), seen.end());
	const std::set<std::string> present(seen.begin(), seen.end());
	for (auto it = names_.lower_bound({dir, std::string()});
	     it != names_.end() && it->first.first == dir; ++it)
		all.insert(it->first.second);
	for (const std::string &n : all)
		check_name(dir, n, path + "/" + n, rel.empty() ? n : rel + "/" + n,
			   present.count(n) != 0);
}

void Checker::check_name(std::uint64_t dir, const std::string &name,
			 const std::string &path, const std::string &rel,
			 bool present)
{
	const Allowed a = allowed(dir, name);
	const Object *d = tree_.get(dir);
	const std::string claim = claim_text(a.claim_op, d ? d->born : 0);
	std::string later;
	for (const auto &[op, v] : a.later)
		later += "; then " + value_text(v) + " by " + describe(op);

	std::vector<std::uint64_t> cands;
	bool may_be_empty = a.claimed == 0;
	if (a.claimed)
		cands.push_back(a.claimed);
	for (auto it = a.later.rbegin(); it != a.later.rend(); ++it) {
		if (!it->second)
			may_be_empty = true;
		else if (std::find(cands.begin(), cands.end(), it->second) ==
			 cands.end())
			cands.push_back(it->second);
	}
	const std::string expect = "expected " + value_text(a.claimed) + " " +
				   claim + later;
	if (!present) {
		if (!may_be_empty) {
			violation(rel, "missing; " + expect);
			for (std::uint64_t x : cands)
				if (reported_missing_.insert(x).second)
					undo_.push_back([this, x] {
						reported_missing_.erase(x);
					});
		}
		return;
	}
	struct stat st;
	if (sys_.lstat(path.c_str(), &st) < 0) {
		violation(rel, "listed, but lstat fails: " + errno_text(errno));
		return;
	}
	if (cands.empty()) {
		const auto h = names_.find({dir, name});
		violation(rel, std::string("exists (a ") + observed_kind(st) +
				       "), but " +
				       (h == names_.end()
						? "the run never made this name"
						: "must not: " + expect));
		return;
	}
	std::vector<std::uint64_t> fit;
	if (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode) || S_ISLNK(st.st_mode))
		for (std::uint64_t c : cands)
			if (tree_.get(c)->kind == kind_of(st))
				fit.push_back(c);
	if (fit.empty()) {
		std::string want;
		for (std::uint64_t c : cands)
			want += (want.empty() ? "" : " or ") + value_text(c);
		violation(rel, std::string("is a ") + observed_kind(st) +
				       ", expected " + want + " (" + expect +
				       ")");
		return;
	}
	// Try each candidate; keep the first that fits, else the one with
	// the fewest complaints. Every one that fits counts as found.
	// A forced name elsewhere may say which one this is, or is not.
	std::size_t best = 0;
	std::pair<std::size_t, int> best_score{std::numeric_limits<std::size_t>::max(), 0};
	std::set<std::uint64_t> fitting;
	if (fit.size() > 1) {
		for (std::size_t i = 0; i < fit.size(); i++) {
			const Mark m = mark();
			check_object(path, rel, st, fit[i]);
			const int ev = elsewhere(fit[i], rel, st.st_ino);
			const std::size_t count =
				viol_.size() - m.viol + (ev > 0 ? 1 : 0);
			rollback(m);
			if (count == 0)
				fitting.insert(fit[i]);
			const std::pair<std::size_t, int> score{count, ev};
			if (score < best_score) {
				best = i;
				best_score = score;
			}
		}
	}
	check_object(path, rel, st, fit[best]);
	for (std::uint64_t x : fitting)
		if (found_.insert(x).second)
			undo_.push_back([this, x] { found_.erase(x); });
	if (fitting.size() > 1 && S_ISREG(st.st_mode) && !alts_.count(st.st_ino)) {
		alts_[st.st_ino] = fitting;
		undo_.push_back([this, ino = st.st_ino] { alts_.erase(ino); });
	}
}

void Checker::check_object(const std::string &path, const std::string &rel,
			   const struct stat &st, std::uint64_t obj)
{
	const Object &o = *tree_.get(obj);
	if (found_.insert(obj).second)
		undo_.push_back([this, obj] { found_.erase(obj); });
	if (o.kind == Kind::dir) {
		auto it = dir_inos_.find(st.st_ino);
		if (it != dir_inos_.end()) {
			violation(rel, "the same directory (inode " +
					       std::to_string(st.st_ino) + ") as " +
					       it->second);
			return;
		}
		dir_inos_[st.st_ino] = rel;
		undo_.push_back([this, ino = st.st_ino] { dir_inos_.erase(ino); });
		counts_.dirs++;
		undo_.push_back([this] { counts_.dirs--; });
		check_dir(path, rel, obj);
		return;
	}
	if (o.kind == Kind::symlink) {
		counts_.symlinks++;
		undo_.push_back([this] { counts_.symlinks--; });
		std::vector<char> buf(o.target.size() + 64);
		const ssize_t n = sys_.readlink(path.c_str(), buf.data(), buf.size());
		if (n < 0) {
			violation(rel, "readlink fails: " + errno_text(errno));
			return;
		}
		const std::string t(buf.data(), static_cast<std::size_t>(n));
		if (t != o.target)
			violation(rel, "symlink target '" + t + "' (" +
					       std::to_string(n) +
					       " bytes), expected '" + o.target +
					       "' (" + std::to_string(o.target.size()) +
					       " bytes) of symlink #" +
					       std::to_string(obj) + " made by " +
					       describe(o.born));
		return;
	}
	// A file: one object is one inode, and the other way round; a guess
	// among look-alikes gives way to what a later name says.
	const auto unbind = [this](ino_t ino) {
		const std::uint64_t was = ino_obj_.at(ino);
		const auto saved = obj_ino_.at(was);
		ino_obj_.erase(ino);
		obj_ino_.erase(was);
		undo_.push_back([this, ino, was, saved] {
			ino_obj_[ino] = was;
			obj_ino_[was] = saved;
		});
	};
	const auto guessed = [this](ino_t ino, std::uint64_t x) {
		auto a = alts_.find(ino);
		return a != alts_.end() && a->second.count(x) != 0;
	};
	if (auto io = ino_obj_.find(st.st_ino);
	    io != ino_obj_.end() && io->second != obj && guessed(st.st_ino, obj))
		unbind(st.st_ino);
	if (auto oi = obj_ino_.find(obj);
	    oi != obj_ino_.end() && oi->second.first != st.st_ino &&
	    guessed(oi->second.first, obj) && alts_.at(oi->second.first).size() > 1)
		unbind(oi->second.first);
	auto io = ino_obj_.find(st.st_ino);
	if (io != ino_obj_.end() && io->second != obj) {
		violation(rel, "the same inode (" + std::to_string(st.st_ino) +
				       ") as " + obj_ino_.at(io->second).second +
				       ", which is " + value_text(io->second) +
				       ", but this is " + value_text(obj));
		return;
	}
	auto oi = obj_ino_.find(obj);
	if (oi != obj_ino_.end() && oi->second.first != st.st_ino) {
		violation(rel, value_text(obj) + " is inode " +
				       std::to_string(st.st_ino) + " here but inode " +
				       std::to_string(oi->second.first) + " at " +
				       oi->second.second +
				       " (hard links must be one inode)");
		return;
	}
	if (level_ == Level::strict && tree_.live(obj)) {
		auto lc = last_name_change_.find(obj);
		const std::uint64_t nlink = o.names.size();
		if ((lc == last_name_change_.end() || lc->second <= point_) &&
		    st.st_nlink != nlink)
			violation(rel, "st_nlink " + std::to_string(st.st_nlink) +
					       ", expected " + std::to_string(nlink) +
					       " (the names of " + value_text(obj) +
					       " at the last durability point " +
					       describe(point_) +
					       ", unchanged after it)");
	}
	if (oi != obj_ino_.end())
		return;	// its content was checked at its other name
	ino_obj_[st.st_ino] = obj;
	obj_ino_[obj] = {st.st_ino, rel};
	undo_.push_back([this, obj, ino = st.st_ino] {
		ino_obj_.erase(ino);
		obj_ino_.erase(obj);
	});
	counts_.files++;
	undo_.push_back([this] { counts_.files--; });
	check_content(path, rel, st, obj);
}

std::string Checker::origin(const std::vector<std::uint8_t> &found,
			    std::uint64_t off) const
{
	const std::uint64_t g = off / 8 * 8;
	if (g + 8 > found.size())
		return "(a partial group at the end: not decoded)";
	bool zero = true;
	for (std::uint64_t i = g; i < g + 8; i++)
		zero = zero && found[i] == 0;
	if (zero)
		return "zero";
	const Pattern::Origin o = pat_.origin(found.data() + g);
	for (std::uint64_t n = o.op; n && n <= ops_.size();
	     n += Pattern::kOpMask + 1) {
		const OpKind k = ops_[n - 1].kind;
		if (k != OpKind::create && k != OpKind::write &&
		    k != OpKind::append)
			continue;
		if (o.group * 8 == g)
			return "the bytes of " + describe(n) + " for this offset";
		return "the bytes " + describe(n) + " wrote at offset " +
		       std::to_string(o.group * 8) + " (misplaced)";
	}
	return "no op of this run wrote them at an 8-byte group here "
	       "(foreign, stale or mixed data)";
}

void Checker::check_content(const std::string &path, const std::string &rel,
			    const struct stat &st, std::uint64_t obj)
{
	const Object &o = *tree_.get(obj);
	const Claim c = content_claim(obj);
	const std::string claim = claim_text(c.op, o.born);
	std::vector<const DataChange *> later;
	std::uint64_t lo = c.data.size(), hi = c.data.size();
	std::uint64_t min_trunc = std::numeric_limits<std::uint64_t>::max();
	if (auto it = data_.find(obj); it != data_.end())
		for (const DataChange &dc : it->second)
			if (dc.op > c.op) {
				later.push_back(&dc);
				lo = std::min(lo, dc.size);
				hi = std::max(hi, dc.size);
				if (dc.truncated)
					min_trunc = std::min(min_trunc, dc.size);
			}
	std::string later_text;
	for (std::size_t i = 0; i < later.size() && i < 6; i++)
		later_text += (i ? ", " : "") + describe(later[i]->op);
	if (later.size() > 6)
		later_text += " and " + std::to_string(later.size() - 6) + " more";
	const std::string who = value_text(obj) + ", content " + claim +
				(later.empty() ? std::string()
					       : "; later: " + later_text);

	const std::uint64_t size = static_cast<std::uint64_t>(st.st_size);
	if (size < lo || size > hi) {
		violation(rel, "size " + std::to_string(size) + ", expected " +
				       (lo == hi ? std::to_string(lo)
						 : "between " + std::to_string(lo) +
							   " and " + std::to_string(hi)) +
				       " (" + who + ")");
	}
	const std::uint64_t n = std::min(size, hi);
	std::vector<std::uint8_t> found(n), want(n);
	{
		const int fd = sys_.open(path.c_str(), O_RDONLY | O_CLOEXEC, 0);
		if (fd < 0) {
			violation(rel, "open fails: " + errno_text(errno));
			return;
		}
		SysFd owner(sys_, fd);
		std::uint64_t done = 0;
		while (done < n) {
			const ssize_t r = sys_.pread(
				fd, found.data() + done,
				std::min<std::uint64_t>(n - done, 1 << 20),
				static_cast<off_t>(done));
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0) {
				violation(rel, "read at offset " +
						       std::to_string(done) + " fails: " +
						       (r < 0 ? errno_text(errno)
							      : "end of file before "
								"st_size " +
									std::to_string(size)));
				return;
			}
			done += static_cast<std::uint64_t>(r);
		}
	}
	counts_.bytes += n;
	undo_.push_back([this, n] { counts_.bytes -= n; });
	c.data.expected(pat_, want.data(), 0, n);

	std::multimap<std::uint64_t, const DataChange *> by_op;
	for (const DataChange *dc : later)
		if (!dc->truncated)
			by_op.emplace(dc->op & Pattern::kOpMask, dc);
	const auto byte_ok = [&](std::uint64_t i) {
		if (found[i] == want[i])
			return true;
		if (found[i] == 0 && i >= min_trunc)
			return true;
		for (const DataChange *dc : later)
			if (!dc->truncated && i >= dc->off && i < dc->off + dc->len &&
			    pat_.byte(dc->op, i) == found[i])
				return true;
		return false;
	};
	std::uint64_t bad = 0, first = 0, last = 0;
	for (std::uint64_t g = 0; g < n; g += 8) {
		const std::uint64_t end = std::min(n, g + 8);
		if (!std::memcmp(found.data() + g, want.data() + g, end - g))
			continue;
		if (end - g == 8 && !later.empty()) {
			const Pattern::Origin og = pat_.origin(found.data() + g);
			bool whole = false;
			if (og.group * 8 == g) {
				auto r = by_op.equal_range(og.op);
				for (auto it = r.first; it != r.second && !whole; ++it)
					whole = it->second->off <= g &&
						it->second->off + it->second->len >=
							g + 8;
			}
			if (whole)
				continue;
		}
		for (std::uint64_t i = g; i < end; i++) {
			if (byte_ok(i))
				continue;
			if (!bad++)
				first = i;
			last = i;
		}
	}
	if (!bad)
		return;
	const std::uint64_t from = first / 8 * 8;
	const std::uint64_t len = std::min<std::uint64_t>(16, n - from);
	std::string allowed = c.data.writer(first)
				      ? "the bytes of " + describe(c.data.writer(first))
				      : std::string("zero");
	if (!later.empty()) {
		std::string alt;
		for (const DataChange *dc : later)
			if (!dc->truncated && first >= dc->off &&
			    first < dc->off + dc->len)
				alt += ", " + describe(dc->op);
		if (first >= min_trunc && c.data.writer(first))
			alt += ", zero (a later truncate)";
		allowed += alt.empty() ? " (no later op wrote this offset)"
				       : " or the bytes of" + alt.substr(1);
	}
	violation(rel,
		  "data differs at offset " + std::to_string(first) + " (" +
			  hex(first) + "): " + std::to_string(bad) + " of " +
			  std::to_string(n) + " bytes wrong, the last at " +
			  std::to_string(last) + "; expected " + allowed +
			  "; found " + origin(found, first) + " (" + who +
			  ")\n    expected at " + std::to_string(from) + ": " +
			  hex_bytes(want.data() + from, len) + "\n    found    at " +
			  std::to_string(from) + ": " +
			  hex_bytes(found.data() + from, len));
}

std::vector<Checker::Firm> Checker::firm() const
{
	std::vector<Firm> out;
	std::vector<std::pair<std::uint64_t, std::string>> todo{{Tree::kRoot, ""}};
	while (!todo.empty()) {
		const auto [dir, rel] = todo.back();
		todo.pop_back();
		for (auto it = names_.lower_bound({dir, std::string()});
		     it != names_.end() && it->first.first == dir; ++it) {
			const Allowed a = allowed(dir, it->first.second);
			if (!a.later.empty() || !a.claimed)
				continue;
			const std::string p = rel.empty() ? it->first.second
							  : rel + "/" + it->first.second;
			const Object &o = *tree_.get(a.claimed);
			Firm f{p, a.claimed, o.kind, false, 0};
			if (o.kind == Kind::file) {
				const Claim c = content_claim(a.claimed);
				bool touched = false;
				if (auto d = data_.find(a.claimed); d != data_.end())
					for (const DataChange &dc : d->second)
						touched = touched || dc.op > c.op;
				f.content = !touched;
				f.size = c.data.size();
			}
			if (o.kind == Kind::dir)
				todo.emplace_back(a.claimed, p);
			out.push_back(f);
		}
	}
	return out;
}

int check_main(FsSys &sys, const std::string &dir, const std::string &state,
	       Level level, std::size_t max_reports, std::ostream &out,
	       std::ostream &err)
{
	Journal j;
	try {
		j = load_journal(state);
	} catch (const StateError &e) {
		err << "flashnet-fscrash: STATE FILE UNUSABLE: " << e.what()
		    << std::endl;
		return kExitSysError;
	}
	Checker c(sys, dir, j, level);
	try {
		c.replay();
	} catch (const StateError &e) {
		err << "flashnet-fscrash: STATE FILE UNUSABLE: " << state << ": "
		    << e.what() << std::endl;
		return kExitSysError;
	}
	const std::uint64_t p = c.last_point(), l = c.last_op();
	out << "fscrash: check " << dir << " against " << state << ": seed "
	    << j.header.seed << ", " << l << " ops journaled ("
	    << (j.ended ? "the run completed" : "the run was cut") << "), "
	    << (level == Level::strict ? "strict-metadata" : "posix")
	    << " level; last durability point " << c.describe(p) << ", "
	    << (l - p) << " op(s) after it may or may not have reached the disk"
	    << std::endl;
	if (j.raw.torn)
		out << "fscrash: note: the last record of " << state << " (line "
		    << j.raw.torn_line << ", offset " << j.raw.torn_offset
		    << ") is torn (" << j.raw.torn_why << "): ignored" << std::endl;
	c.check();
	const auto &v = c.violations();
	for (std::size_t i = 0; i < v.size() && i < max_reports; i++)
		out << "fscrash: VIOLATION: " << v[i] << "\n";
	if (v.size() > max_reports)
		out << "fscrash: ... and " << (v.size() - max_reports)
		    << " more violations\n";
	const Checker::Counts &n = c.counts();
	out << "fscrash: checked " << n.files << " files (" << n.bytes
	    << " bytes), " << n.dirs << " directories, " << n.symlinks
	    << " symlinks: "
	    << (v.empty() ? std::string("OK")
			  : std::to_string(v.size()) + " violation(s)")
	    << std::endl;
	return v.empty() ? kExitOk : kExitFailed;
}

} // namespace flashnet::fstest::fscrash
