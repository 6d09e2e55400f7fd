// SPDX-License-Identifier: GPL-2.0
#include "fscrash_run.h"

#include "common.h"

#include <algorithm>
#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>

namespace flashnet::fstest::fscrash {

// ---- Generator -------------------------------------------------------------

namespace {

enum class Choice {
	create, write, append, truncate, mkdir, rename_file, rename_dir, link,
	unlink, rmdir, symlink, fsync, fdatasync, fsyncdir, syncfs,
};

constexpr struct {
	Choice c;
	unsigned weight;
} kWeights[] = {
	{Choice::create, 12},	  {Choice::write, 16},	  {Choice::append, 8},
	{Choice::truncate, 6},	  {Choice::mkdir, 4},	  {Choice::rename_file, 7},
	{Choice::rename_dir, 3},  {Choice::link, 4},	  {Choice::unlink, 7},
	{Choice::rmdir, 3},	  {Choice::symlink, 3},	  {Choice::fsync, 4},
	{Choice::fdatasync, 3},	  {Choice::fsyncdir, 3},  {Choice::syncfs, 2},
};

std::set<std::uint64_t> files_and_symlinks(const Tree &t)
{
	std::set<std::uint64_t> s = t.files();
	s.insert(t.symlinks().begin(), t.symlinks().end());
	return s;
}

} // namespace

Generator::Generator(const RunConfig &cfg)
	: cfg_(cfg), rng_(mix64(cfg.seed ^ 0x66736372617368ULL))
{
}

std::string Generator::pool_name(unsigned k)
{
	if (k < 14)
		return "n" + std::to_string(k);
	return "long" + std::to_string(k) + "-" +
	       std::string(30 + (k - 14) * 37, static_cast<char>('a' + k));
}

std::uint64_t Generator::pick(const std::set<std::uint64_t> &s)
{
	auto it = s.begin();
	std::advance(it, static_cast<long>(rng_.below(s.size())));
	return *it;
}

std::uint64_t Generator::some(std::uint64_t limit)
{
	unsigned bits = 0;
	while (bits < 63 && (1ULL << bits) < limit)
		bits++;
	const std::uint64_t cap =
		std::min<std::uint64_t>(limit, 1ULL << rng_.below(bits + 1));
	return rng_.range(1, cap);
}

bool Generator::free_name(const Tree &t, std::uint64_t dir, std::string &name)
{
	for (int i = 0; i < 8; i++) {
		name = pool_name(static_cast<unsigned>(rng_.below(kPool)));
		if (!t.lookup(dir, name))
			return true;
	}
	return false;
}

void Generator::random_name_of(const Object &o, std::uint64_t &dir,
			       std::string &name)
{
	auto it = o.names.begin();
	std::advance(it, static_cast<long>(rng_.below(o.names.size())));
	dir = it->first;
	name = it->second;
}

Op Generator::next(const Tree &t, std::uint64_t n)
{
	Op op;
	do {
		op = Op();
		op.n = n;
	} while (!try_make(t, op));
	return op;
}

bool Generator::try_make(const Tree &t, Op &op)
{
	unsigned total = 0;
	for (const auto &w : kWeights)
		total += w.weight;
	std::uint64_t r = rng_.below(total);
	Choice c = Choice::syncfs;
	for (const auto &w : kWeights) {
		if (r < w.weight) {
			c = w.c;
			break;
		}
		r -= w.weight;
	}
	const std::uint64_t max = cfg_.max_file;
	switch (c) {
	case Choice::create:
		if (t.files().size() >= cfg_.files)
			return false;
		op.kind = OpKind::create;
		op.dir = pick(t.dirs());
		if (!free_name(t, op.dir, op.name))
			return false;
		op.obj = t.next_id();
		op.len = rng_.one_in(8) ? 0 : some(max);
		return true;
	case Choice::write: {
		if (t.files().empty())
			return false;
		op.kind = OpKind::write;
		op.obj = pick(t.files());
		const std::uint64_t s = t.get(op.obj)->data.size();
		if (s < max && rng_.one_in(4))	// past EOF: a hole before it
			op.off = rng_.range(s, std::min(max - 1, s + cfg_.max_io));
		else
			op.off = rng_.below(std::min(s, max - 1) + 1);
		op.len = some(std::min(cfg_.max_io, max - op.off));
		return true;
	}
	case Choice::append: {
		if (t.files().empty())
			return false;
		op.kind = OpKind::append;
		op.obj = pick(t.files());
		const std::uint64_t s = t.get(op.obj)->data.size();
		if (s >= max)
			return false;
		op.len = some(std::min(cfg_.max_io, max - s));
		return true;
	}
	case Choice::truncate: {
		if (t.files().empty())
			return false;
		op.kind = OpKind::truncate;
		op.obj = pick(t.files());
		const std::uint64_t s = t.get(op.obj)->data.size();
		if (rng_.one_in(2) || s >= max)
			op.len = rng_.below(s + 1);
		else
			op.len = s + some(std::min(cfg_.max_io, max - s));
		return true;
	}
	case Choice::mkdir:
		if (t.dirs().size() >= 2 + cfg_.files / 4)
			return false;
		op.kind = OpKind::mkdir;
		op.dir = pick(t.dirs());
		op.obj = t.next_id();
		return free_name(t, op.dir, op.name);
	case Choice::rename_file: {
		const std::set<std::uint64_t> s = files_and_symlinks(t);
		if (s.empty())
			return false;
		op.kind = OpKind::rename;
		const std::uint64_t x = pick(s);
		random_name_of(*t.get(x), op.dir, op.name);
		op.dir2 = pick(t.dirs());
		op.name2 = pool_name(static_cast<unsigned>(rng_.below(kPool)));
		const std::uint64_t z = t.lookup(op.dir2, op.name2);
		return z != x && (!z || t.get(z)->kind != Kind::dir);
	}
	case Choice::rename_dir: {
		if (t.dirs().size() < 2)
			return false;
		op.kind = OpKind::rename;
		const std::uint64_t d = pick(t.dirs());
		op.dir2 = pick(t.dirs());
		if (d == Tree::kRoot || t.within(op.dir2, d))
			return false;
		random_name_of(*t.get(d), op.dir, op.name);
		op.name2 = pool_name(static_cast<unsigned>(rng_.below(kPool)));
		const std::uint64_t z = t.lookup(op.dir2, op.name2);
		return !z || (z != d && t.get(z)->kind == Kind::dir &&
			      t.get(z)->entries.empty());
	}
	case Choice::link: {
		if (t.files().empty())
			return false;
		op.kind = OpKind::link;
		op.obj = pick(t.files());
		if (t.get(op.obj)->names.size() >= 4)
			return false;
		op.dir = pick(t.dirs());
		return free_name(t, op.dir, op.name);
	}
	case Choice::unlink: {
		const std::set<std::uint64_t> s = files_and_symlinks(t);
		if (s.empty())
			return false;
		op.kind = OpKind::unlink;
		random_name_of(*t.get(pick(s)), op.dir, op.name);
		return true;
	}
	case Choice::rmdir: {
		std::set<std::uint64_t> empty;
		for (std::uint64_t d : t.dirs())
			if (d != Tree::kRoot && t.get(d)->entries.empty())
				empty.insert(d);
		if (empty.empty())
			return false;
		op.kind = OpKind::rmdir;
		random_name_of(*t.get(pick(empty)), op.dir, op.name);
		return true;
	}
	case Choice::symlink: {
		if (t.symlinks().size() >= cfg_.files / 4 + 1)
			return false;
		op.kind = OpKind::symlink;
		op.dir = pick(t.dirs());
		if (!free_name(t, op.dir, op.name))
			return false;
		op.obj = t.next_id();
		// Unique (it names the object); short ones and ones past 128
		// bytes (contigfs keeps those in a block of their own).
		op.target = "t" + std::to_string(op.obj) + ".";
		const std::uint64_t len =
			rng_.one_in(3) ? rng_.range(128, 400) : rng_.range(1, 100);
		for (std::size_t i = op.target.size(); i < len; i++)
			op.target += static_cast<char>('a' + i % 26);
		return true;
	}
	case Choice::fsync:
	case Choice::fdatasync:
		if (t.files().empty())
			return false;
		op.kind = c == Choice::fsync ? OpKind::fsync : OpKind::fdatasync;
		op.obj = pick(t.files());
		return true;
	case Choice::fsyncdir:
		op.kind = OpKind::fsyncdir;
		op.obj = pick(t.dirs());
		return true;
	case Choice::syncfs:
		op.kind = OpKind::syncfs;
		return true;
	}
	return false;
}

// ---- Runner ----------------------------------------------------------------

Runner::Runner(FsSys &sys, std::string dir, std::string state,
	       const RunConfig &cfg, std::ostream &out, std::ostream &err)
	: sys_(sys), dir_(std::move(dir)), state_path_(std::move(state)),
	  cfg_(cfg), out_(out), err_(err), pat_(cfg.seed)
{
	while (dir_.size() > 1 && dir_.back() == '/')
		dir_.pop_back();
}

std::string Runner::abs(const std::string &rel) const
{
	return rel.empty() ? dir_ : dir_ + "/" + rel;
}

SysFd Runner::open(const std::string &what, const std::string &path,
		   int flags)
{
	const int fd = sys_.open(path.c_str(), flags | O_CLOEXEC, 0644);
	if (fd < 0)
		throw SysError(what + ": open " + path, errno);
	return SysFd(sys_, fd);
}

void Runner::close(const std::string &what, const std::string &path,
		   SysFd &fd)
{
	if (fd.close() < 0)
		throw SysError(what + ": close " + path, errno);
}

void Runner::sync_dir(const std::string &what, const std::string &path)
{
	SysFd fd = open(what, path, O_RDONLY | O_DIRECTORY);
	if (sys_.fsync(fd.get()) < 0)
		throw SysError(what + ": fsync of directory " + path, errno);
	close(what, path, fd);
}

void Runner::write_data(const std::string &what, const std::string &path,
			int fd, std::uint64_t n, std::uint64_t off,
			std::uint64_t len, bool append)
{
	const std::uint64_t chunk = std::max<std::uint64_t>(cfg_.max_io, 4096);
	buf_.resize(std::min(chunk, std::max<std::uint64_t>(len, 1)));
	std::uint64_t done = 0;
	while (done < len) {
		const std::uint64_t want = std::min<std::uint64_t>(len - done,
								   buf_.size());
		pat_.fill(buf_.data(), n, off + done, want);
		const ssize_t r =
			append ? sys_.write(fd, buf_.data(), want)
			       : sys_.pwrite(fd, buf_.data(), want,
					     static_cast<off_t>(off + done));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			throw SysError(what + ": " +
					       (append ? "write(O_APPEND) "
						       : "pwrite ") +
					       path + " [" +
					       std::to_string(off + done) + ", " +
					       std::to_string(off + done + want) +
					       ")",
				       r < 0 ? errno : EIO);
		// A short append write still lands at the end: go on.
		done += static_cast<std::uint64_t>(r);
	}
}

Runner::Paths Runner::plan(const Op &op) const
{
	Paths p;
	switch (op.kind) {
	case OpKind::create:
	case OpKind::mkdir:
	case OpKind::symlink:
	case OpKind::unlink:
	case OpKind::rmdir:
		p.a = abs(tree_.path(op.dir, op.name));
		break;
	case OpKind::rename:
		p.a = abs(tree_.path(op.dir, op.name));
		p.b = abs(tree_.path(op.dir2, op.name2));
		break;
	case OpKind::link:
		p.a = abs(tree_.where(op.obj));
		p.b = abs(tree_.path(op.dir, op.name));
		break;
	case OpKind::write:
	case OpKind::append:
	case OpKind::truncate:
	case OpKind::fsync:
	case OpKind::fdatasync:
	case OpKind::fsyncdir:
		p.a = abs(tree_.where(op.obj));
		if (const Object *o = tree_.get(op.obj))
			p.off = o->data.size();
		break;
	case OpKind::syncfs:
		p.a = dir_;
		break;
	}
	return p;
}

void Runner::execute(const Op &op, const Paths &p, const std::string &what)
{
	const char *a = p.a.c_str(), *b = p.b.c_str();
	switch (op.kind) {
	case OpKind::create: {
		SysFd fd = open(what, p.a, O_WRONLY | O_CREAT | O_EXCL);
		write_data(what, p.a, fd.get(), op.n, 0, op.len, false);
		close(what, p.a, fd);
		break;
	}
	case OpKind::write:
	case OpKind::append: {
		const bool app = op.kind == OpKind::append;
		SysFd fd = open(what, p.a, O_WRONLY | (app ? O_APPEND : 0));
		write_data(what, p.a, fd.get(), op.n, app ? p.off : op.off,
			   op.len, app);
		close(what, p.a, fd);
		break;
	}
	case OpKind::truncate: {
		SysFd fd = open(what, p.a, O_WRONLY);
		if (sys_.ftruncate(fd.get(), static_cast<off_t>(op.len)) < 0)
			throw SysError(what + ": ftruncate " + p.a + " to " +
					       std::to_string(op.len),
				       errno);
		close(what, p.a, fd);
		break;
	}
	case OpKind::mkdir:
		if (sys_.mkdir(a, 0755) < 0)
			throw SysError(what + ": mkdir " + p.a, errno);
		break;
	case OpKind::rename:
		if (sys_.rename(a, b) < 0)
			throw SysError(what + ": rename " + p.a + " " + p.b, errno);
		break;
	case OpKind::link:
		if (sys_.link(a, b) < 0)
			throw SysError(what + ": link " + p.a + " " + p.b, errno);
		break;
	case OpKind::unlink:
		if (sys_.unlink(a) < 0)
			throw SysError(what + ": unlink " + p.a, errno);
		break;
	case OpKind::rmdir:
		if (sys_.rmdir(a) < 0)
			throw SysError(what + ": rmdir " + p.a, errno);
		break;
	case OpKind::symlink:
		if (sys_.symlink(op.target.c_str(), a) < 0)
			throw SysError(what + ": symlink " + p.a, errno);
		break;
	case OpKind::fsync:
	case OpKind::fdatasync: {
		SysFd fd = open(what, p.a, O_RDONLY);
		const bool data = op.kind == OpKind::fdatasync;
		if ((data ? sys_.fdatasync(fd.get()) : sys_.fsync(fd.get())) < 0)
			throw SysError(what + ": " + op_kind_name(op.kind) + " " +
					       p.a,
				       errno);
		close(what, p.a, fd);
		break;
	}
	case OpKind::fsyncdir:
		sync_dir(what, p.a);
		break;
	case OpKind::syncfs: {
		SysFd fd = open(what, p.a, O_RDONLY | O_DIRECTORY);
		if (sys_.syncfs(fd.get()) < 0)
			throw SysError(what + ": syncfs " + p.a, errno);
		close(what, p.a, fd);
		break;
	}
	}
}

void Runner::begin()
{
	const std::string what = "preparing --dir";
	struct stat st;
	if (sys_.lstat(dir_.c_str(), &st) < 0) {
		if (errno != ENOENT)
			throw SysError(what + ": lstat " + dir_, errno);
		if (sys_.mkdir(dir_.c_str(), 0755) < 0)
			throw SysError(what + ": mkdir " + dir_, errno);
		const std::size_t slash = dir_.rfind('/');
		sync_dir(what, slash == std::string::npos ? "."
				: slash == 0		  ? "/"
							  : dir_.substr(0, slash));
	} else if (!S_ISDIR(st.st_mode)) {
		throw Usage("--dir " + dir_ + " is not a directory");
	}
	std::vector<std::string> names;
	if (sys_.list_dir(dir_.c_str(), names) < 0)
		throw SysError(what + ": read directory " + dir_, errno);
	if (!names.empty())
		throw Usage("--dir " + dir_ + " is not empty (it holds '" +
			    names[0] + "'" +
			    (names.size() > 1 ? " and " +
							std::to_string(names.size() - 1) +
							" more"
					      : std::string()) +
			    ")");
	sync_dir(what, dir_);
	state_ = std::make_unique<StateWriter>(state_path_, cfg_.state_sync);
	Header h;
	h.seed = cfg_.seed;
	h.files = cfg_.files;
	h.max_file = cfg_.max_file;
	h.max_io = cfg_.max_io;
	h.ops = cfg_.ops;
	state_->append(format_header(h));
}

void Runner::step(Op op)
{
	op.n = n_ + 1;
	const Paths p = plan(op);
	const std::string what =
		"op " + std::to_string(op.n) + " (" + tree_.describe(op) + ")";
	try {
		tree_.apply(op);
	} catch (const std::invalid_argument &e) {
		throw std::logic_error(what + ": " + e.what());
	}
	n_ = op.n;
	state_->append("I " + std::to_string(op.n) + " " + format_op(op));
	if (hook)
		hook(Stage::intent, op);
	execute(op, p, what);
	if (hook)
		hook(Stage::done, op);
	if (is_durability(op.kind)) {
		state_->append("D " + std::to_string(op.n) + " " + tree_.digest());
		points_++;
		if (hook)
			hook(Stage::acked, op);
	}
	if (cfg_.progress && op.n % cfg_.progress == 0)
		out_ << "fscrash: op " << op.n << std::endl;
}

void Runner::finish()
{
	if (cfg_.final_sync) {
		Op op;
		op.kind = OpKind::syncfs;
		step(op);
	}
	state_->append("E " + std::to_string(n_));
}

int Runner::run()
{
	try {
		begin();
		out_ << "fscrash: run: seed " << cfg_.seed << ", "
		     << (cfg_.ops ? std::to_string(cfg_.ops) : "unlimited")
		     << " ops, files " << cfg_.files << ", max-file "
		     << cfg_.max_file << ", max-io " << cfg_.max_io << ", dir "
		     << dir_ << ", state " << state_path_ << std::endl;
		Generator gen(cfg_);
		while (!cfg_.ops || n_ < cfg_.ops)
			step(gen.next(tree_, n_ + 1));
		finish();
		out_ << "fscrash: done: " << n_ << " ops, " << points_
		     << " durability points, " << tree_.files().size()
		     << " files, " << tree_.dirs().size() << " directories, "
		     << tree_.symlinks().size() << " symlinks" << std::endl;
		return kExitOk;
	} catch (const Usage &e) {
		err_ << "flashnet-fscrash: " << e.what() << std::endl;
		return kExitUsage;
	} catch (const SysError &e) {
		out_.flush();
		err_ << "flashnet-fscrash: SYSTEM CALL FAILED: seed " << cfg_.seed
		     << ", " << e.what() << std::endl;
		return kExitSysError;
	}
}

} // namespace flashnet::fstest::fscrash
