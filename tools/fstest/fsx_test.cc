// SPDX-License-Identifier: GPL-2.0
// flashnet-fsx: the pattern, the model, the op generator, the checker's
// reports (through faults injected behind the Posix seam) and real runs on
// the host's tmpfs.
#include "common.h"
#include "fsx_model.h"
#include "fsx_ops.h"
#include "fsx_pattern.h"
#include "fsx_runner.h"
#include "fsx_sys.h"
#include "test_util.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <regex>
#include <set>
#include <sstream>
#include <sys/mman.h>
#include <unistd.h>

using namespace flashnet::fstest;

namespace {

// The naive model: a byte array.
struct Bytes {
	std::vector<std::uint8_t> b;

	void write(const Pattern &p, std::uint64_t off, std::uint64_t len,
		   std::uint64_t op)
	{
		if (b.size() < off + len)
			b.resize(off + len, 0);
		p.fill(b.data() + off, op, off, len);
	}
	void truncate(std::uint64_t size) { b.resize(size, 0); }
};

Config small(std::uint64_t seed, std::uint64_t ops)
{
	Config c;
	c.seed = seed;
	c.ops = ops;
	c.max_size = 256 << 10;
	c.max_io = 32 << 10;
	c.check_every = 100;
	return c;
}

struct Result {
	int code;
	std::string out;
};

Result run_fsx(Posix &sys, const std::string &path, const Config &c,
	       std::function<void(const Op &, const Model &)> hook = {})
{
	std::ostringstream out;
	Runner r(sys, path, c, out, out);
	r.after_op = std::move(hook);
	const int code = r.run();
	return {code, out.str()};
}

// Faults behind the seam.
class Faulty : public Posix {
public:
	// pwrite: -1 with this errno on call number fail_pwrite_at (1-based).
	int fail_pwrite_at = 0, fail_pwrite_errno = 0;
	// ftruncate does nothing but says it did.
	bool lazy_truncate = false;
	// MAP_PRIVATE: refused with this errno, or silently made shared.
	int private_errno = 0;
	bool private_is_shared = false;
	// MAP_SHARED: a private snapshot of the file instead (incoherent).
	bool snapshot_maps = false;
	// Every mapping maps this (empty) file instead: loads fault.
	int sigbus_fd = -1;

	ssize_t pwrite(int fd, const void *buf, size_t len, off_t off) override
	{
		if (++pwrites_ == fail_pwrite_at) {
			errno = fail_pwrite_errno;
			return -1;
		}
		return Posix::pwrite(fd, buf, len, off);
	}
	int ftruncate(int fd, off_t len) override
	{
		return lazy_truncate ? 0 : Posix::ftruncate(fd, len);
	}
	void *mmap(size_t len, int prot, int flags, int fd, off_t off) override
	{
		if (sigbus_fd >= 0)
			return Posix::mmap(len, prot, flags, sigbus_fd, 0);
		if (flags & MAP_PRIVATE) {
			if (private_errno) {
				errno = private_errno;
				return MAP_FAILED;
			}
			if (private_is_shared)
				flags = (flags & ~MAP_PRIVATE) | MAP_SHARED;
		} else if (snapshot_maps) {
			void *p = ::mmap(nullptr, len, PROT_READ | PROT_WRITE,
					 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (p != MAP_FAILED && ::pread(fd, p, len, off) < 0)
				return MAP_FAILED;
			return p;
		}
		return Posix::mmap(len, prot, flags, fd, off);
	}

private:
	int pwrites_ = 0;
};

} // namespace

// ---- pattern ----------------------------------------------------------------

TEST(Pattern, MixIsABijection)
{
	Rng r(5);
	for (int i = 0; i < 10000; i++) {
		const std::uint64_t x = r.next();
		ASSERT_EQ(unmix64(mix64(x)), x);
		ASSERT_EQ(mix64(unmix64(x)), x);
	}
	EXPECT_EQ(unmix64(mix64(0)), 0u);
	EXPECT_EQ(unmix64(mix64(~0ULL)), ~0ULL);
}

TEST(Pattern, FillAgreesWithByteAtAnyAlignment)
{
	const Pattern p(9);
	std::vector<std::uint8_t> buf(100);
	for (std::uint64_t off : {0ULL, 1ULL, 7ULL, 8ULL, 4093ULL, 1ULL << 33}) {
		for (std::size_t len : {1u, 3u, 8u, 9u, 100u}) {
			p.fill(buf.data(), 42, off, len);
			for (std::size_t i = 0; i < len; i++)
				ASSERT_EQ(buf[i], p.byte(42, off + i))
					<< "off " << off << " len " << len;
		}
	}
}

TEST(Pattern, AWholeGroupDecodesToItsOpAndOffset)
{
	const Pattern p(77);
	std::uint8_t w[8];
	for (std::uint64_t op : {1ULL, 2ULL, 12345ULL, (1ULL << 24) - 1}) {
		for (std::uint64_t g : {0ULL, 1ULL, 999ULL, (1ULL << 37) + 5}) {
			p.fill(w, op, g * 8, 8);
			const Pattern::Origin o = p.origin(w);
			EXPECT_EQ(o.op, op);
			EXPECT_EQ(o.group, g);
		}
	}
	// Another seed's bytes decode to nothing of this seed's ops here.
	Pattern(78).fill(w, 5, 80, 8);
	const Pattern::Origin o = p.origin(w);
	EXPECT_FALSE(o.op == 5 && o.group == 10);
}

TEST(Pattern, EveryByteDependsOnTheOp)
{
	// A lost one-byte write must not hide behind an equal old byte more
	// often than chance (1/256).
	const Pattern p(3);
	std::vector<std::uint8_t> a(1 << 16), b(1 << 16);
	p.fill(a.data(), 1000, 0, a.size());
	p.fill(b.data(), 1000 + 256, 0, b.size());
	std::size_t same = 0;
	for (std::size_t i = 0; i < a.size(); i++)
		same += a[i] == b[i];
	EXPECT_LT(same, a.size() / 100);
}

TEST(Pattern, SeedMatters)
{
	std::uint8_t a[64], b[64];
	Pattern(1).fill(a, 7, 0, 64);
	Pattern(2).fill(b, 7, 0, 64);
	EXPECT_NE(std::memcmp(a, b, 64), 0);
}

// ---- model ------------------------------------------------------------------

TEST(Model, WritePastEofLeavesAZeroGap)
{
	const Pattern p(1);
	Model m;
	m.write(100, 10, 1);
	EXPECT_EQ(m.size(), 110u);
	std::vector<std::uint8_t> got(110), want(110, 0);
	p.fill(want.data() + 100, 1, 100, 10);
	m.expected(p, got.data(), 0, 110);
	EXPECT_EQ(got, want);
	EXPECT_EQ(m.writer(99), 0u);
	EXPECT_EQ(m.writer(100), 1u);
	EXPECT_EQ(m.writer(109), 1u);
}

TEST(Model, OverwriteSplitsAndReplaces)
{
	Model m;
	m.write(0, 100, 1);
	m.write(40, 20, 2);
	EXPECT_EQ(m.writer(39), 1u);
	EXPECT_EQ(m.writer(40), 2u);
	EXPECT_EQ(m.writer(59), 2u);
	EXPECT_EQ(m.writer(60), 1u);
	EXPECT_EQ(m.extents(), 3u);
	m.write(0, 100, 3);
	EXPECT_EQ(m.extents(), 1u);
	EXPECT_EQ(m.size(), 100u);
}

TEST(Model, TruncateShrinkThenGrowReadsZero)
{
	const Pattern p(1);
	Model m;
	m.write(0, 8192, 1);
	m.truncate(1000);
	EXPECT_EQ(m.size(), 1000u);
	m.truncate(8192);
	EXPECT_EQ(m.size(), 8192u);
	EXPECT_EQ(m.writer(999), 1u);
	EXPECT_EQ(m.writer(1000), 0u);
	std::vector<std::uint8_t> got(8192);
	m.expected(p, got.data(), 0, got.size());
	EXPECT_TRUE(std::all_of(got.begin() + 1000, got.end(),
				[](std::uint8_t b) { return !b; }));
	m.truncate(0);
	EXPECT_EQ(m.extents(), 0u);
}

TEST(Model, AgreesWithAByteArrayOverRandomOps)
{
	const Pattern p(11);
	Model m;
	Bytes ref;
	Rng r(11);
	std::vector<std::uint8_t> got;
	for (std::uint64_t op = 1; op <= 5000; op++) {
		if (r.one_in(5)) {
			const std::uint64_t s = r.below(70000);
			m.truncate(s);
			ref.truncate(s);
		} else {
			const std::uint64_t off = r.below(65536);
			const std::uint64_t len = r.range(1, 5000);
			m.write(off, len, op);
			ref.write(p, off, len, op);
		}
		ASSERT_EQ(m.size(), ref.b.size()) << "after op " << op;
		if (op % 250)
			continue;
		got.resize(m.size());
		m.expected(p, got.data(), 0, got.size());
		ASSERT_EQ(got, ref.b) << "after op " << op;
		// A window straddling EOF reads zero past it.
		std::vector<std::uint8_t> tail(64);
		const std::uint64_t from = m.size() > 32 ? m.size() - 32 : 0;
		m.expected(p, tail.data(), from, tail.size());
		for (std::uint64_t i = 0; i < tail.size(); i++)
			ASSERT_EQ(tail[i], from + i < ref.b.size()
						   ? ref.b[from + i]
						   : 0);
	}
}

TEST(Model, MemoryGrowsWithOpsNotSize)
{
	Config c;
	c.seed = 4;
	c.max_size = 256ULL << 20;
	c.max_io = 1 << 20;
	c.ops = 20000;
	OpGen g(c);
	Model m;
	std::size_t most = 0;
	for (std::uint64_t i = 0; i < c.ops; i++) {
		const Op op = g.next(m.size());
		if (op.kind == OpKind::truncate)
			m.truncate(op.off);
		else if (op.kind == OpKind::write || op.kind == OpKind::map_write ||
			 op.kind == OpKind::fd_to_map || op.kind == OpKind::map_to_fd)
			m.write(op.off, op.len, op.n);
		most = std::max(most, m.extents());
	}
	EXPECT_LT(most, 2 * c.ops);
}

// ---- the op generator ------------------------------------------------------

namespace {

std::vector<Op> simulate(const Config &c)
{
	OpGen g(c);
	Model m;
	std::vector<Op> ops;
	for (std::uint64_t i = 0; i < c.ops; i++) {
		const Op op = g.next(m.size());
		ops.push_back(op);
		switch (op.kind) {
		case OpKind::truncate:
			m.truncate(op.off);
			break;
		case OpKind::write:
		case OpKind::map_write:
		case OpKind::fd_to_map:
		case OpKind::map_to_fd:
			m.write(op.off, op.len, op.n);
			break;
		default:
			break;
		}
	}
	return ops;
}

} // namespace

TEST(OpGen, SameSeedSameOps)
{
	for (std::uint64_t seed : {1, 2, 3}) {
		Config c = small(seed, 3000);
		EXPECT_EQ(simulate(c), simulate(c)) << "seed " << seed;
	}
	EXPECT_NE(simulate(small(1, 100)), simulate(small(2, 100)));
}

TEST(OpGen, StaysInBounds)
{
	Config c = small(8, 20000);
	OpGen g(c);
	Model m;
	std::set<OpKind> seen;
	int privates = 0;
	for (std::uint64_t i = 1; i <= c.ops; i++) {
		const std::uint64_t size = m.size();
		const Op op = g.next(size);
		ASSERT_EQ(op.n, i);
		seen.insert(op.kind);
		switch (op.kind) {
		case OpKind::write:
			ASSERT_GE(op.len, 1u);
			ASSERT_LE(op.len, c.max_io);
			ASSERT_LE(op.off + op.len, c.max_size) << describe(op);
			m.write(op.off, op.len, op.n);
			break;
		case OpKind::truncate:
			ASSERT_LE(op.off, c.max_size);
			m.truncate(op.off);
			break;
		case OpKind::read:
			ASSERT_GE(op.len, 1u);
			ASSERT_LE(op.len, c.max_io);
			break;
		case OpKind::map_write:
		case OpKind::map_read:
		case OpKind::fd_to_map:
		case OpKind::map_to_fd:
		case OpKind::map_private:
			// Mapped ops never reach past EOF.
			ASSERT_GE(op.len, 1u) << describe(op);
			ASSERT_LE(op.off + op.len, size) << describe(op);
			if (op.kind == OpKind::map_private)
				privates++;
			else if (op.kind != OpKind::map_read)
				m.write(op.off, op.len, op.n);
			break;
		default:
			break;
		}
	}
	EXPECT_EQ(privates, 1);
	EXPECT_EQ(seen.size(), 10u);
}

TEST(OpGen, NoMmapNoTruncate)
{
	Config c = small(2, 5000);
	c.mmap = false;
	c.truncate = false;
	for (const Op &op : simulate(c)) {
		EXPECT_NE(op.kind, OpKind::truncate);
		EXPECT_NE(op.kind, OpKind::map_write);
		EXPECT_NE(op.kind, OpKind::map_read);
		EXPECT_NE(op.kind, OpKind::fd_to_map);
		EXPECT_NE(op.kind, OpKind::map_to_fd);
		EXPECT_NE(op.kind, OpKind::map_private);
	}
	// Asking for the MAP_PRIVATE errno check brings it back, once.
	c.private_errno = ENODEV;
	const auto ops = simulate(c);
	EXPECT_EQ(std::count_if(ops.begin(), ops.end(),
				[](const Op &op) {
					return op.kind == OpKind::map_private;
				}),
		  1);
}

// ---- real runs on the host ---------------------------------------------------

class FsxRun : public ::testing::Test {
protected:
	ScratchDir dir_{"fsx"};
	std::string file_ = dir_.path("fsx.dat");
};

TEST_F(FsxRun, SeedsOneToFivePassWithAndWithoutMmap)
{
	for (bool mmap : {true, false}) {
		for (std::uint64_t seed = 1; seed <= 5; seed++) {
			Config c = small(seed, 2000);
			c.mmap = mmap;
			Posix sys;
			const Result r = run_fsx(sys, file_, c);
			ASSERT_EQ(r.code, kExitOk) << r.out;
			EXPECT_EQ(r.out.rfind("flashnet-fsx: seed " +
						      std::to_string(seed),
					      0),
				  0u)
				<< "the seed comes first: " << r.out;
			EXPECT_NE(access(file_.c_str(), F_OK), 0)
				<< "the file is removed after success";
		}
	}
}

TEST_F(FsxRun, FsyncReopenAndKeep)
{
	Config c = small(6, 1500);
	c.fsync_every = 5;
	c.reopen_every = 7;
	c.keep = true;
	Posix sys;
	const Result r = run_fsx(sys, file_, c);
	ASSERT_EQ(r.code, kExitOk) << r.out;
	EXPECT_EQ(access(file_.c_str(), F_OK), 0) << "--keep keeps the file";
}

TEST_F(FsxRun, SameSeedSameRun)
{
	Config c = small(12, 800);
	c.verbose = true;
	Posix sys;
	Result a = run_fsx(sys, file_, c), b = run_fsx(sys, file_, c);
	ASSERT_EQ(a.code, kExitOk) << a.out;
	ASSERT_EQ(b.code, kExitOk) << b.out;
	// Everything but the timing.
	auto strip = [](std::string s) {
		return std::regex_replace(s, std::regex(" in [0-9.]+ s"), "");
	};
	EXPECT_EQ(strip(a.out), strip(b.out));
}

TEST_F(FsxRun, CorruptionIsReportedAtItsOffset)
{
	Config c = small(3, 600);
	c.check_every = 1;
	std::uint64_t target = 0, at_op = 0;
	Posix sys;
	const Result r = run_fsx(sys, file_, c, [&](const Op &op, const Model &m) {
		if (at_op || op.n < 300 || m.size() < 4096)
			return;
		at_op = op.n;
		target = m.size() / 2 + 3;
		Fd fd(::open(file_.c_str(), O_RDWR));
		std::uint8_t b;
		ASSERT_EQ(::pread(fd.get(), &b, 1, target), 1);
		b ^= 0x5a;
		ASSERT_EQ(::pwrite(fd.get(), &b, 1, target), 1);
	});
	ASSERT_EQ(r.code, kExitFailed) << r.out;
	EXPECT_NE(r.out.find("DATA MISMATCH: seed 3, op " +
			     std::to_string(at_op + 1)),
		  std::string::npos)
		<< r.out;
	EXPECT_NE(r.out.find("first difference at offset " +
			     std::to_string(target) + " "),
		  std::string::npos)
		<< r.out;
	EXPECT_NE(r.out.find("1 of "), std::string::npos) << r.out;
	EXPECT_NE(r.out.find("found byte at " + std::to_string(target) +
			     ": written by no op"),
		  std::string::npos)
		<< r.out;
	EXPECT_NE(r.out.find("replay: flashnet-fsx --seed 3 "), std::string::npos);
	EXPECT_NE(r.out.find("last 50 ops"), std::string::npos);
	EXPECT_EQ(access(file_.c_str(), F_OK), 0) << "kept after a failure";
}

TEST_F(FsxRun, MisplacedDataNamesItsOpAndOffset)
{
	// Copy an aligned group from one written place to another: the report
	// must decode the op that wrote it and where it belonged.
	Config c = small(5, 600);
	c.check_every = 1;
	std::uint64_t src = 0, dst = 0, src_op = 0;
	bool done = false;
	Posix sys;
	const Result r = run_fsx(sys, file_, c, [&](const Op &op, const Model &m) {
		if (done || op.n < 200)
			return;
		for (std::uint64_t a = 0; a + 8 <= m.size() && !done; a += 4096) {
			for (std::uint64_t b = a + 4096; b + 8 <= m.size(); b += 4096) {
				if (m.writer(a) && m.writer(a) == m.writer(a + 7) &&
				    m.writer(b) && m.writer(b) != m.writer(a)) {
					src = a;
					dst = b;
					src_op = m.writer(a);
					done = true;
					break;
				}
			}
		}
		if (!done)
			return;
		Fd fd(::open(file_.c_str(), O_RDWR));
		std::uint8_t w[8];
		ASSERT_EQ(::pread(fd.get(), w, 8, src), 8);
		ASSERT_EQ(::pwrite(fd.get(), w, 8, dst), 8);
	});
	ASSERT_TRUE(done);
	ASSERT_EQ(r.code, kExitFailed) << r.out;
	EXPECT_NE(r.out.find("found byte at " + std::to_string(dst) +
			     ": written by op " + std::to_string(src_op) + " ("),
		  std::string::npos)
		<< r.out;
	EXPECT_NE(r.out.find("but for offset " + std::to_string(src) +
			     ": misplaced by " + std::to_string(dst - src)),
		  std::string::npos)
		<< r.out;
}

TEST_F(FsxRun, LostTruncateIsASizeMismatch)
{
	Faulty sys;
	sys.lazy_truncate = true;
	const Result r = run_fsx(sys, file_, small(1, 2000));
	EXPECT_EQ(r.code, kExitFailed) << r.out;
	EXPECT_NE(r.out.find("SIZE MISMATCH"), std::string::npos) << r.out;
	EXPECT_NE(r.out.find("truncate to"), std::string::npos) << r.out;
}

TEST_F(FsxRun, SyscallErrorNamesOpOffsetAndErrno)
{
	Faulty sys;
	sys.fail_pwrite_at = 50;
	sys.fail_pwrite_errno = ENOSPC;
	const Result r = run_fsx(sys, file_, small(1, 2000));
	EXPECT_EQ(r.code, kExitSysError) << r.out;
	EXPECT_TRUE(std::regex_search(
		r.out, std::regex("SYSTEM CALL FAILED: seed 1, op [0-9]+ "
				  "\\([a-z>-]+ off=[0-9]+ len=[0-9]+\\): pwrite "
				  "fd1 \\[[0-9]+, [0-9]+\\): ENOSPC")))
		<< r.out;
}

TEST_F(FsxRun, IncoherentMappingIsCaught)
{
	Faulty sys;
	sys.snapshot_maps = true;
	const Result r = run_fsx(sys, file_, small(2, 2000));
	EXPECT_EQ(r.code, kExitFailed) << r.out;
	EXPECT_NE(r.out.find("DATA MISMATCH"), std::string::npos) << r.out;
	EXPECT_NE(r.out.find("mapping"), std::string::npos) << r.out;
}

TEST_F(FsxRun, SigbusFromAMappingIsASystemError)
{
	ScratchDir other("fsx-empty");
	Fd empty(::open(other.path("empty").c_str(), O_RDWR | O_CREAT, 0644));
	ASSERT_TRUE(empty);
	Faulty sys;
	sys.sigbus_fd = empty.get();
	const Result r = run_fsx(sys, file_, small(2, 2000));
	EXPECT_EQ(r.code, kExitSysError) << r.out;
	EXPECT_NE(r.out.find("SIGBUS"), std::string::npos) << r.out;
	EXPECT_NE(r.out.find("faulted; file size"), std::string::npos) << r.out;
}

TEST_F(FsxRun, MapPrivateCopyOnWrite)
{
	// Host file systems copy on write: the default check passes, and an
	// expected errno is an error.
	Posix sys;
	EXPECT_EQ(run_fsx(sys, file_, small(1, 400)).code, kExitOk);
	Config c = small(1, 400);
	c.private_errno = ENODEV;
	const Result r = run_fsx(sys, file_, c);
	EXPECT_EQ(r.code, kExitFailed) << r.out;
	EXPECT_NE(r.out.find("MAP_PRIVATE ACCEPTED"), std::string::npos) << r.out;
	EXPECT_NE(r.out.find("ENODEV"), std::string::npos) << r.out;
}

TEST_F(FsxRun, MapPrivateThatWritesThroughIsCaught)
{
	Faulty sys;
	sys.private_is_shared = true;
	const Result r = run_fsx(sys, file_, small(1, 400));
	EXPECT_EQ(r.code, kExitFailed) << r.out;
	EXPECT_NE(r.out.find("MAP_PRIVATE"), std::string::npos) << r.out;
	EXPECT_NE(r.out.find("must never reach the file"), std::string::npos)
		<< r.out;
}

TEST_F(FsxRun, MapPrivateRefusal)
{
	Faulty sys;
	sys.private_errno = ENODEV;
	Config c = small(1, 400);
	// Refused and not expected: a system error.
	Result r = run_fsx(sys, file_, c);
	EXPECT_EQ(r.code, kExitSysError) << r.out;
	EXPECT_NE(r.out.find("MAP_PRIVATE"), std::string::npos) << r.out;
	// Refused as expected.
	c.private_errno = ENODEV;
	r = run_fsx(sys, file_, c);
	EXPECT_EQ(r.code, kExitOk) << r.out;
	EXPECT_NE(r.out.find("MAP_PRIVATE refused with ENODEV as expected"),
		  std::string::npos)
		<< r.out;
	// Refused with another errno.
	c.private_errno = EACCES;
	r = run_fsx(sys, file_, c);
	EXPECT_EQ(r.code, kExitSysError) << r.out;
	EXPECT_NE(r.out.find("failed with ENODEV, expected EACCES"),
		  std::string::npos)
		<< r.out;
}

// ---- the program ----------------------------------------------------------------

TEST(FsxProgram, UsageAndExitCodes)
{
	ScratchDir dir("fsx-cli");
	const std::string f = dir.path("f");
	EXPECT_EQ(run_program({FSX, "--help"}).code, kExitOk);
	EXPECT_EQ(run_program({FSX}).code, kExitUsage);
	EXPECT_EQ(run_program({FSX, "--bogus", f}).code, kExitUsage);
	EXPECT_EQ(run_program({FSX, "--ops", "12x", f}).code, kExitUsage);
	EXPECT_EQ(run_program({FSX, "--max-size", "4k", "--max-io", "8k", f}).code,
		  kExitUsage);
	EXPECT_EQ(run_program({FSX, "--expect-mmap-private-errno", "ENOPE", f})
			  .code,
		  kExitUsage);
	EXPECT_EQ(run_program({FSX, f, f}).code, kExitUsage);

	Output ok = run_program({FSX, "--seed", "1", "--ops", "500", f});
	EXPECT_EQ(ok.code, kExitOk) << ok.out;
	EXPECT_EQ(ok.out.rfind("flashnet-fsx: seed 1 ", 0), 0u) << ok.out;

	Output bad = run_program({FSX, "--seed", "1", "--ops", "500",
				  "--check-every", "1", "--corrupt-after",
				  "100,10", "--max-size", "64k", f});
	EXPECT_EQ(bad.code, kExitFailed) << bad.out;
	EXPECT_NE(bad.out.find("first difference at offset 10 "),
		  std::string::npos)
		<< bad.out;
}
