// SPDX-License-Identifier: GPL-2.0
#include "fsx_runner.h"

#include "common.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <iomanip>
#include <sstream>
#include <sys/mman.h>

namespace flashnet::fstest {

namespace {

constexpr std::uint64_t kChunk = 1 << 20;	// pread checks in 1 MiB pieces

// Thrown to end the run: the exit code and the report.
struct Failure {
	int code;
	std::string text;
};

std::string hex_bytes(const std::uint8_t *p, std::uint64_t n)
{
	std::ostringstream s;
	for (std::uint64_t i = 0; i < n; i++)
		s << (i ? " " : "") << std::hex << std::setw(2)
		  << std::setfill('0') << unsigned(p[i]);
	return s.str();
}

std::string range(std::uint64_t off, std::uint64_t len)
{
	return "[" + std::to_string(off) + ", " + std::to_string(off + len) + ")";
}

std::string with_hex(std::uint64_t v)
{
	std::ostringstream s;
	s << v << " (0x" << std::hex << v << ")";
	return s.str();
}

} // namespace

Runner::Runner(Posix &sys, std::string path, const Config &cfg,
	       std::ostream &out, std::ostream &err)
	: sys_(sys), path_(std::move(path)), cfg_(cfg), out_(out), err_(err),
	  pat_(cfg.seed),
	  buf_(std::max<std::uint64_t>(cfg.max_io, kChunk)),
	  want_(buf_.size())
{
}

std::string Runner::replay() const
{
	std::ostringstream s;
	s << "flashnet-fsx --seed " << cfg_.seed << " --ops " << cfg_.ops
	  << " --max-size " << cfg_.max_size << " --max-io " << cfg_.max_io
	  << " --check-every " << cfg_.check_every;
	if (!cfg_.mmap)
		s << " --no-mmap";
	if (!cfg_.truncate)
		s << " --no-truncate";
	if (cfg_.fsync_every)
		s << " --fsync-every " << cfg_.fsync_every;
	if (cfg_.reopen_every)
		s << " --reopen-every " << cfg_.reopen_every;
	if (cfg_.private_errno)
		s << " --expect-mmap-private-errno "
		  << errno_name(*cfg_.private_errno);
	if (cfg_.corrupt_op)
		s << " --corrupt-after " << cfg_.corrupt_op << ","
		  << cfg_.corrupt_off;
	s << " " << path_;
	return s.str();
}

// ---- failures -----------------------------------------------------------

void Runner::fail(int code, const std::string &what)
{
	throw Failure{code, what};
}

void Runner::sys_fail(const std::string &what, int err)
{
	fail(kExitSysError, "SYSTEM CALL FAILED: " + where() + ": " + what +
				    ": " + errno_text(err) + "\n");
}

std::string Runner::where() const
{
	std::string s = "seed " + std::to_string(cfg_.seed) + ", ";
	if (final_)
		return s + "final check after op " + std::to_string(cur_.n);
	if (!cur_.n)
		return s + "before op 1";
	return s + "op " + std::to_string(cur_.n) + " (" + describe(cur_) + ")";
}

std::string Runner::op_name(std::uint64_t n) const
{
	auto it = std::lower_bound(
		writers_.begin(), writers_.end(), n,
		[](const Writer &w, std::uint64_t v) { return w.n < v; });
	if (it == writers_.end() || it->n != n)
		return "op " + std::to_string(n);
	Op op;
	op.n = it->n;
	op.kind = it->kind;
	op.off = it->off;
	op.len = it->len;
	std::string s = "op " + std::to_string(n) + " (" + describe(op) + ")";
	if (it->kind == OpKind::map_private)
		s += " through a MAP_PRIVATE mapping: must never reach the file";
	return s;
}

// What wrote the bytes found around `at` (found covers [off, off + len)).
std::string Runner::origin_of(const std::uint8_t *found, std::uint64_t off,
			      std::uint64_t len, std::uint64_t at) const
{
	const std::uint64_t g = at / 8 * 8;
	if (g >= off && g + 8 <= off + len) {
		const std::uint8_t *w = found + (g - off);
		if (std::all_of(w, w + 8, [](std::uint8_t b) { return !b; }))
			return "zero (its whole 8-byte group is zero: lost "
			       "data, or a hole where data belongs)";
		const Pattern::Origin o = pat_.origin(w);
		// The newest op with that number (mod 2^24) that wrote there.
		for (auto it = writers_.rbegin(); it != writers_.rend(); ++it) {
			if ((it->n & Pattern::kOpMask) != o.op ||
			    o.group * 8 < it->off ||
			    o.group * 8 + 8 > it->off + it->len)
				continue;
			std::string s = "written by " + op_name(it->n);
			if (o.group != g / 8)
				s += ", but for offset " +
				     std::to_string(o.group * 8) +
				     ": misplaced by " +
				     std::to_string(static_cast<std::int64_t>(
					     g - o.group * 8)) +
				     " bytes";
			return s;
		}
	}
	// Not a whole group: the newest write covering `at` whose bytes agree
	// with at least 4 found bytes around it.
	const std::uint64_t lo = std::max(off, at >= 8 ? at - 8 : 0);
	const std::uint64_t hi = std::min(off + len, at + 8);
	for (auto it = writers_.rbegin(); it != writers_.rend(); ++it) {
		if (at < it->off || at >= it->off + it->len)
			continue;
		const std::uint64_t s = std::max(lo, it->off);
		const std::uint64_t e = std::min(hi, it->off + it->len);
		if (e - s < 4)
			continue;
		bool same = true;
		for (std::uint64_t i = s; i < e && same; i++)
			same = found[i - off] == pat_.byte(it->n, i);
		if (same)
			return "written by " + op_name(it->n);
	}
	if (!found[at - off])
		return "zero (lost data, or a hole where data belongs)";
	return "written by no op of this run at this place (foreign or "
	       "corrupted data)";
}

void Runner::compare(const std::uint8_t *found, const std::uint8_t *want,
		     std::uint64_t off, std::uint64_t len,
		     const std::string &source,
		     std::optional<std::uint64_t> want_op)
{
	if (!std::memcmp(found, want, len))
		return;
	std::uint64_t first = len, last = 0, ndiff = 0;
	for (std::uint64_t i = 0; i < len; i++) {
		if (found[i] == want[i])
			continue;
		first = std::min(first, i);
		last = i;
		ndiff++;
	}
	const std::uint64_t at = off + first;
	const std::uint64_t ws = std::max(off, at >= 8 ? at - 8 : 0);
	const std::uint64_t we = std::min(off + len, ws + 16);
	std::string marks;
	for (std::uint64_t i = ws; i < we; i++)
		marks += (i > ws ? " " : "") +
			 std::string(found[i - off] == want[i - off] ? "  "
								      : "^^");
	const std::uint64_t wop = want_op ? *want_op : model_.writer(at);

	std::ostringstream s;
	s << "DATA MISMATCH: " << where() << ", file size " << model_.size()
	  << "\n"
	  << "  checked " << source << " " << range(off, len) << "\n"
	  << "  first difference at offset " << with_hex(at) << "; " << ndiff
	  << " of " << len << " bytes differ, the last at " << off + last
	  << "\n"
	  << "  expected at " << ws << ": " << hex_bytes(want + (ws - off), we - ws)
	  << "\n"
	  << "  found    at " << ws << ": "
	  << hex_bytes(found + (ws - off), we - ws) << "\n"
	  << "  " << std::string(14 + std::to_string(ws).size(), ' ')
	  << marks << "\n"
	  << "  expected byte at " << at << ": "
	  << (wop ? "written by " + op_name(wop)
		  : std::string("zero (never written, or cut off by a "
				"truncate since)"))
	  << "\n"
	  << "  found byte at " << at << ": "
	  << origin_of(found, off, len, at) << "\n";
	fail(kExitFailed, s.str());
}

// ---- I/O ------------------------------------------------------------------

void Runner::pwrite_all(int fd, const char *fdname, const std::uint8_t *buf,
			std::uint64_t len, std::uint64_t off)
{
	std::uint64_t done = 0;
	while (done < len) {
		const ssize_t n = sys_.pwrite(fd, buf + done, len - done,
					      static_cast<off_t>(off + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			sys_fail("pwrite " + std::string(fdname) + " " +
					 range(off + done, len - done),
				 errno);
		if (n == 0)
			fail(kExitSysError,
			     "SYSTEM CALL FAILED: " + where() + ": pwrite " +
				     fdname + " at " +
				     std::to_string(off + done) +
				     " wrote nothing\n");
		done += static_cast<std::uint64_t>(n);
	}
}

std::uint64_t Runner::pread_all(int fd, const char *fdname, std::uint8_t *buf,
				std::uint64_t len, std::uint64_t off)
{
	std::uint64_t done = 0;
	while (done < len) {
		const ssize_t n = sys_.pread(fd, buf + done, len - done,
					     static_cast<off_t>(off + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			sys_fail("pread " + std::string(fdname) + " " +
					 range(off + done, len - done),
				 errno);
		if (n == 0)
			break;
		done += static_cast<std::uint64_t>(n);
	}
	return done;
}

SysMap Runner::map_window(int fd, const char *fdname, std::uint64_t off,
			  std::uint64_t len, int prot, int flags)
{
	const std::uint64_t start = off / cfg_.page * cfg_.page;
	const std::uint64_t end =
		(off + len + cfg_.page - 1) / cfg_.page * cfg_.page;
	void *p = sys_.mmap(end - start, prot, flags, fd,
			    static_cast<off_t>(start));
	if (p == MAP_FAILED) {
		std::string how = flags & MAP_PRIVATE ? "MAP_PRIVATE" : "MAP_SHARED";
		how += prot & PROT_WRITE ? ", PROT_READ|PROT_WRITE" : ", PROT_READ";
		sys_fail("mmap(" + how + ") of " + fdname + " " +
				 range(start, end - start),
			 errno);
	}
	return SysMap(sys_, p, end - start, static_cast<off_t>(start));
}

void Runner::unmap(SysMap &m, const char *what)
{
	const std::uint64_t off = m.off(), len = m.len();
	if (m.unmap() < 0)
		sys_fail(std::string("munmap of ") + what + " " + range(off, len),
			 errno);
}

void Runner::copy_out(const SysMap &m, const char *what, std::uint8_t *dst,
		      std::uint64_t off, std::uint64_t len)
{
	const void *bad = guarded_copy(dst, m.at(static_cast<off_t>(off)), len);
	if (bad) {
		const std::uint64_t at =
			m.off() + static_cast<std::uint64_t>(
					  static_cast<const char *>(bad) -
					  static_cast<const char *>(m.addr()));
		fail(kExitSysError,
		     "SIGBUS: " + where() + ": load from " + what + " at file offset " +
			     std::to_string(at) + " faulted; file size " +
			     std::to_string(model_.size()) + "\n");
	}
}

void Runner::copy_in(const SysMap &m, const char *what, const std::uint8_t *src,
		     std::uint64_t off, std::uint64_t len)
{
	const void *bad = guarded_copy(m.at(static_cast<off_t>(off)), src, len);
	if (bad) {
		const std::uint64_t at =
			m.off() + static_cast<std::uint64_t>(
					  static_cast<const char *>(bad) -
					  static_cast<const char *>(m.addr()));
		fail(kExitSysError,
		     "SIGBUS: " + where() + ": store to " + what + " at file offset " +
			     std::to_string(at) + " faulted; file size " +
			     std::to_string(model_.size()) + "\n");
	}
}

// ---- checks -----------------------------------------------------------------

void Runner::check_size()
{
	struct stat st;
	if (sys_.fstat(fd1_.get(), &st) < 0)
		sys_fail("fstat fd1", errno);
	const auto got = static_cast<std::uint64_t>(st.st_size);
	if (got == model_.size())
		return;
	std::ostringstream s;
	s << "SIZE MISMATCH: " << where() << ": fstat says " << got << " bytes, expected "
	  << model_.size() << " (last set by "
	  << (size_op_ ? "op " + std::to_string(size_op_) : "the create")
	  << ")\n";
	fail(kExitFailed, s.str());
}

void Runner::check_range(int fd, const char *fdname, std::uint64_t off,
			 std::uint64_t len, const std::string &source)
{
	const std::uint64_t size = model_.size();
	const std::uint64_t end = std::min(off + len, size);
	for (std::uint64_t pos = std::min(off, size); pos < end;) {
		const std::uint64_t n = std::min(kChunk, end - pos);
		const std::uint64_t got = pread_all(fd, fdname, buf_.data(), n, pos);
		if (got < n)
			fail(kExitFailed,
			     "SIZE MISMATCH: " + where() + ": pread " + fdname +
				     " " + range(pos, n) + " hit EOF at " +
				     std::to_string(pos + got) +
				     ", expected size " + std::to_string(size) +
				     "\n");
		model_.expected(pat_, want_.data(), pos, n);
		compare(buf_.data(), want_.data(), pos, n, source);
		pos += n;
	}
	if (off + len > size) {
		const std::uint64_t got = pread_all(fd, fdname, buf_.data(), 1, size);
		if (got)
			fail(kExitFailed,
			     "SIZE MISMATCH: " + where() + ": pread " + fdname +
				     " at EOF " + std::to_string(size) +
				     " returned data (byte " +
				     hex_bytes(buf_.data(), 1) + ")\n");
	}
}

void Runner::full_check()
{
	full_checks_++;
	check_range(fd1_.get(), "fd1", 0, model_.size() + 1,
		    "whole file by pread on fd1");
}

// ---- ops --------------------------------------------------------------------

void Runner::wrote(const Op &op)
{
	writers_.push_back({op.n, op.off, op.len, op.kind});
}

void Runner::do_write(const Op &op)
{
	const std::uint64_t old = model_.size();
	pat_.fill(buf_.data(), op.n, op.off, op.len);
	pwrite_all(fd1_.get(), "fd1", buf_.data(), op.len, op.off);
	model_.write(op.off, op.len, op.n);
	wrote(op);
	if (model_.size() != old)
		size_op_ = op.n;
	// The write, and the gap before it that must read zero.
	const std::uint64_t from = std::min(op.off, old);
	check_range(fd1_.get(), "fd1", from, op.off + op.len - from,
		    "pread on fd1 after pwrite (and the zero gap before it)");
}

void Runner::do_read(const Op &op)
{
	const std::uint64_t size = model_.size();
	const std::uint64_t want =
		op.off < size ? std::min(op.len, size - op.off) : 0;
	const std::uint64_t got =
		pread_all(fd1_.get(), "fd1", buf_.data(), op.len, op.off);
	if (got != want)
		fail(kExitFailed,
		     "SIZE MISMATCH: " + where() + ": pread returned " +
			     std::to_string(got) + " bytes, expected " +
			     std::to_string(want) + " (size " +
			     std::to_string(size) + ")\n");
	model_.expected(pat_, want_.data(), op.off, got);
	compare(buf_.data(), want_.data(), op.off, got, "pread on fd1");
}

void Runner::do_truncate(const Op &op)
{
	const std::uint64_t old = model_.size();
	if (sys_.ftruncate(fd1_.get(), static_cast<off_t>(op.off)) < 0)
		sys_fail("ftruncate fd1 to " + std::to_string(op.off), errno);
	model_.truncate(op.off);
	if (op.off != old)
		size_op_ = op.n;
	// Up to a page before the old or new EOF, whichever is lower, to
	// the end (all of the grown part, which must be zero) and EOF.
	const std::uint64_t low = std::min(old, op.off);
	const std::uint64_t from = low - std::min(low, cfg_.page);
	check_range(fd1_.get(), "fd1", from, op.off + 1 - from,
		    op.off > old ? "pread on fd1 after growing ftruncate"
				 : "pread on fd1 after shrinking ftruncate");
}

void Runner::do_map_write(const Op &op)
{
	SysMap m = map_window(fd1_.get(), "fd1", op.off, op.len,
			      PROT_READ | PROT_WRITE, MAP_SHARED);
	pat_.fill(buf_.data(), op.n, op.off, op.len);
	copy_in(m, "a MAP_SHARED mapping of fd1", buf_.data(), op.off, op.len);
	model_.write(op.off, op.len, op.n);
	wrote(op);
	if (op.msync &&
	    sys_.msync(m.addr(), m.len(), MS_SYNC) < 0)
		sys_fail("msync(MS_SYNC) of fd1 " + range(m.off(), m.len()),
			 errno);
	unmap(m, "fd1");
	check_range(fd1_.get(), "fd1", op.off, op.len,
		    "pread on fd1 after a store through a mapping and munmap");
}

void Runner::do_map_read(const Op &op)
{
	SysMap m = map_window(fd1_.get(), "fd1", op.off, op.len, PROT_READ,
			      MAP_SHARED);
	copy_out(m, "a MAP_SHARED mapping of fd1", buf_.data(), op.off, op.len);
	model_.expected(pat_, want_.data(), op.off, op.len);
	compare(buf_.data(), want_.data(), op.off, op.len,
		"load through a MAP_SHARED mapping of fd1");
	unmap(m, "fd1");
}

void Runner::do_sync(const Op &op)
{
	if (op.kind == OpKind::fsync && sys_.fsync(fd1_.get()) < 0)
		sys_fail("fsync fd1", errno);
	if (op.kind == OpKind::fdatasync && sys_.fdatasync(fd1_.get()) < 0)
		sys_fail("fdatasync fd1", errno);
}

// pwrite on fd1 must show in a mapping of fd2 made (and faulted in) before.
void Runner::do_fd_to_map(const Op &op)
{
	SysMap m = map_window(fd2_.get(), "fd2", op.off, op.len, PROT_READ,
			      MAP_SHARED);
	copy_out(m, "a MAP_SHARED mapping of fd2", buf_.data(), op.off, op.len);
	model_.expected(pat_, want_.data(), op.off, op.len);
	compare(buf_.data(), want_.data(), op.off, op.len,
		"load through a MAP_SHARED mapping of fd2 before the pwrite");
	pat_.fill(buf_.data(), op.n, op.off, op.len);
	pwrite_all(fd1_.get(), "fd1", buf_.data(), op.len, op.off);
	model_.write(op.off, op.len, op.n);
	wrote(op);
	copy_out(m, "a MAP_SHARED mapping of fd2", buf_.data(), op.off, op.len);
	model_.expected(pat_, want_.data(), op.off, op.len);
	compare(buf_.data(), want_.data(), op.off, op.len,
		"load through a MAP_SHARED mapping of fd2 made before a pwrite "
		"on fd1");
	unmap(m, "fd2");
	check_range(fd2_.get(), "fd2", op.off, op.len, "pread on fd2");
}

// A store through a mapping of fd1 must show in pread on fd2 at once, before
// any msync or munmap.
void Runner::do_map_to_fd(const Op &op)
{
	SysMap m = map_window(fd1_.get(), "fd1", op.off, op.len,
			      PROT_READ | PROT_WRITE, MAP_SHARED);
	copy_out(m, "a MAP_SHARED mapping of fd1", buf_.data(), op.off, op.len);
	model_.expected(pat_, want_.data(), op.off, op.len);
	compare(buf_.data(), want_.data(), op.off, op.len,
		"load through a MAP_SHARED mapping of fd1");
	check_range(fd2_.get(), "fd2", op.off, op.len,
		    "pread on fd2 before the store through a mapping of fd1");
	pat_.fill(buf_.data(), op.n, op.off, op.len);
	copy_in(m, "a MAP_SHARED mapping of fd1", buf_.data(), op.off, op.len);
	model_.write(op.off, op.len, op.n);
	wrote(op);
	check_range(fd2_.get(), "fd2", op.off, op.len,
		    "pread on fd2 after a store through a live mapping of fd1 "
		    "(no msync, no munmap yet)");
	if (op.msync &&
	    sys_.msync(m.addr(), m.len(), MS_SYNC) < 0)
		sys_fail("msync(MS_SYNC) of fd1 " + range(m.off(), m.len()),
			 errno);
	unmap(m, "fd1");
}

void Runner::do_map_private(const Op &op)
{
	if (cfg_.private_errno) {
		const int want = *cfg_.private_errno;
		void *p = sys_.mmap(cfg_.page, PROT_READ | PROT_WRITE,
				    MAP_PRIVATE, fd1_.get(), 0);
		if (p != MAP_FAILED) {
			sys_.munmap(p, cfg_.page);
			fail(kExitFailed,
			     "MAP_PRIVATE ACCEPTED: " + where() +
				     ": mmap(MAP_PRIVATE, PROT_READ|PROT_WRITE)"
				     " of fd1 succeeded; "
				     "--expect-mmap-private-errno wants it to "
				     "fail with " +
				     errno_name(want) + "\n");
		}
		const int e = errno;
		if (e != want)
			sys_fail("mmap(MAP_PRIVATE) of fd1 failed with " +
					 errno_name(e) + ", expected " +
					 errno_name(want),
				 e);
		out_ << "flashnet-fsx: op " << op.n << ": MAP_PRIVATE refused with "
		     << errno_name(e) << " as expected\n";
		return;
	}
	if (!model_.size()) {
		out_ << "flashnet-fsx: op " << op.n
		     << ": MAP_PRIVATE copy-on-write check skipped: the file "
			"is empty\n";
		return;
	}
	SysMap m = map_window(fd1_.get(), "fd1", op.off, op.len,
			      PROT_READ | PROT_WRITE, MAP_PRIVATE);
	copy_out(m, "a MAP_PRIVATE mapping of fd1", buf_.data(), op.off, op.len);
	model_.expected(pat_, want_.data(), op.off, op.len);
	compare(buf_.data(), want_.data(), op.off, op.len,
		"load through a MAP_PRIVATE mapping of fd1 before any store");
	pat_.fill(want_.data(), op.n, op.off, op.len);
	wrote(op);	// not in the model: it must not reach the file
	copy_in(m, "a MAP_PRIVATE mapping of fd1", want_.data(), op.off, op.len);
	copy_out(m, "a MAP_PRIVATE mapping of fd1", buf_.data(), op.off, op.len);
	compare(buf_.data(), want_.data(), op.off, op.len,
		"load through a MAP_PRIVATE mapping of fd1 after its own store",
		op.n);
	check_range(fd2_.get(), "fd2", op.off, op.len,
		    "pread on fd2 while a MAP_PRIVATE mapping of fd1 holds a "
		    "private store");
	unmap(m, "MAP_PRIVATE mapping of fd1");
	check_range(fd1_.get(), "fd1", op.off, op.len,
		    "pread on fd1 after munmap of a MAP_PRIVATE mapping with a "
		    "private store");
	out_ << "flashnet-fsx: op " << op.n
	     << ": MAP_PRIVATE copy-on-write ok (" << describe(op) << ")\n";
}

// Flips one byte behind the model's back: for testing the checker.
void Runner::corrupt()
{
	SysFd fd(sys_, sys_.open(path_.c_str(), O_RDWR | O_CLOEXEC, 0));
	if (fd.get() < 0)
		sys_fail("open " + path_ + " to corrupt it", errno);
	std::uint8_t b = 0;
	pread_all(fd.get(), "fd3", &b, 1, cfg_.corrupt_off);
	b ^= 0xff;
	pwrite_all(fd.get(), "fd3", &b, 1, cfg_.corrupt_off);
	note("corrupted the byte at " + std::to_string(cfg_.corrupt_off) +
	     " (--corrupt-after)");
}

void Runner::execute(const Op &op)
{
	switch (op.kind) {
	case OpKind::write: do_write(op); break;
	case OpKind::read: do_read(op); break;
	case OpKind::truncate: do_truncate(op); break;
	case OpKind::map_write: do_map_write(op); break;
	case OpKind::map_read: do_map_read(op); break;
	case OpKind::fsync:
	case OpKind::fdatasync: do_sync(op); break;
	case OpKind::fd_to_map: do_fd_to_map(op); break;
	case OpKind::map_to_fd: do_map_to_fd(op); break;
	case OpKind::map_private: do_map_private(op); break;
	}
	count_[static_cast<std::size_t>(op.kind)]++;
}

// ---- the run ----------------------------------------------------------------

void Runner::note(const std::string &event)
{
	if (cfg_.verbose)
		out_ << "  " << event << "\n";
	if (!cfg_.log_last)
		return;
	last_.push_back("  " + event);
	while (last_.size() > cfg_.log_last)
		last_.pop_front();
}

void Runner::open_files(bool create)
{
	const int flags = O_RDWR | O_CLOEXEC;
	fd1_ = SysFd(sys_, sys_.open(path_.c_str(),
				     flags | (create ? O_CREAT | O_TRUNC : 0),
				     0644));
	if (fd1_.get() < 0)
		sys_fail("open " + path_ + " (fd1)", errno);
	opened_ = true;
	fd2_ = SysFd(sys_, sys_.open(path_.c_str(), flags, 0));
	if (fd2_.get() < 0)
		sys_fail("open " + path_ + " (fd2)", errno);
}

void Runner::close_files()
{
	if (fd2_.close() < 0)
		sys_fail("close fd2", errno);
	if (fd1_.close() < 0)
		sys_fail("close fd1", errno);
}

int Runner::run()
{
	const auto t0 = std::chrono::steady_clock::now();
	out_ << "flashnet-fsx: seed " << cfg_.seed << " (replay: " << replay()
	     << ")" << std::endl;
	try {
		OpGen gen(cfg_);
		cur_ = Op{};
		open_files(true);
		check_size();
		for (std::uint64_t i = 0; i < cfg_.ops; i++) {
			const std::uint64_t before = model_.size();
			cur_ = gen.next(before);
			const Op &op = cur_;
			note("op " + std::to_string(op.n) + " " + describe(op) +
			     " (size " + std::to_string(before) + ")");
			execute(op);
			check_size();
			if (cfg_.check_every && op.n % cfg_.check_every == 0)
				full_check();
			if (op.n == cfg_.corrupt_op)
				corrupt();
			if (after_op)
				after_op(op, model_);
			if (cfg_.fsync_every && op.n % cfg_.fsync_every == 0) {
				note("fsync fd1 (--fsync-every)");
				if (sys_.fsync(fd1_.get()) < 0)
					sys_fail("fsync fd1 (--fsync-every)",
						 errno);
			}
			if (cfg_.reopen_every && op.n % cfg_.reopen_every == 0) {
				note("close and reopen (--reopen-every)");
				close_files();
				open_files(false);
				check_size();
			}
		}
		note("final check of the whole file");
		final_ = true;
		full_check();
		close_files();
		if (!cfg_.keep && sys_.unlink(path_.c_str()) < 0)
			sys_fail("unlink " + path_, errno);
	} catch (const Failure &f) {
		err_ << "flashnet-fsx: " << f.text;
		if (!last_.empty()) {
			err_ << "last " << last_.size() << " ops (newest last):\n";
			for (const std::string &l : last_)
				err_ << l << "\n";
		}
		err_ << "replay: " << replay() << "\n";
		if (opened_)
			err_ << "file kept: " << path_ << "\n";
		err_.flush();
		return f.code;
	}
	const double secs = std::chrono::duration<double>(
				    std::chrono::steady_clock::now() - t0)
				    .count();
	std::ostringstream s;
	s << "flashnet-fsx: seed " << cfg_.seed << ": " << cfg_.ops
	  << " ops ok in " << std::fixed << std::setprecision(2) << secs
	  << " s (";
	const char *sep = "";
	for (std::size_t k = 0; k < count_.size(); k++) {
		if (!count_[k])
			continue;
		s << sep << count_[k] << " "
		  << to_string(static_cast<OpKind>(k));
		sep = ", ";
	}
	s << "); " << full_checks_ << " full checks; final size "
	  << model_.size() << ", " << model_.extents() << " extents";
	out_ << s.str() << std::endl;
	return kExitOk;
}

} // namespace flashnet::fstest
