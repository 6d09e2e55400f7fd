// SPDX-License-Identifier: GPL-2.0
#include "crash.h"
#include "device.h"
#include "pattern.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <set>
#include <sys/wait.h>
#include <unistd.h>

using namespace flashnet::salsa;
namespace fs = std::filesystem;

namespace {

using Page = std::vector<std::uint8_t>;

Page record(std::uint64_t seed, std::uint32_t epoch, std::uint64_t lba)
{
	Page p(kPageSize);
	make_record(p.data(), seed, epoch, lba);
	return p;
}

Observed rec(std::uint64_t lba, std::uint64_t seed, std::uint32_t epoch)
{
	return {Observed::record, lba, seed, epoch};
}

// A temporary directory removed with the test.
class TempDir {
public:
	TempDir()
	{
		std::string t = (fs::temp_directory_path() / "blkcheck.XXXXXX");
		if (!mkdtemp(t.data()))
			throw std::runtime_error("mkdtemp");
		path_ = t;
	}
	~TempDir() { fs::remove_all(path_); }
	fs::path operator/(const std::string &name) const { return path_ / name; }

private:
	fs::path path_;
};

void make_file(const fs::path &p, std::uint64_t bytes)
{
	std::ofstream(p).close();
	fs::resize_file(p, bytes);
}

} // namespace

// ---- checksums and generators ----

TEST(Crc32c, KnownVectors)
{
	EXPECT_EQ(crc32c("123456789", 9), 0xe3069283u);
	EXPECT_EQ(crc32c("", 0), 0u);
	std::uint8_t zeros[32] = {};
	EXPECT_EQ(crc32c(zeros, sizeof(zeros)), 0x8a9136aau);
}

TEST(Rng, DeterministicAndInRange)
{
	Rng a(42), b(42), c(43);
	for (int i = 0; i < 100; i++) {
		std::uint64_t x = a.next();
		EXPECT_EQ(x, b.next());
		EXPECT_NE(x, c.next());
	}
	Rng r(7);
	std::set<std::uint64_t> seen;
	for (int i = 0; i < 1000; i++) {
		std::uint64_t v = r.below(10);
		ASSERT_LT(v, 10u);
		seen.insert(v);
	}
	EXPECT_EQ(seen.size(), 10u);
}

TEST(Mix, OrderAndValuesMatter)
{
	EXPECT_EQ(mix({1, 2, 3}), mix({1, 2, 3}));
	EXPECT_NE(mix({1, 2, 3}), mix({3, 2, 1}));
	EXPECT_NE(mix({1, 2}), mix({1, 2, 0}));
}

// ---- fill pages ----

TEST(FillPage, HeaderRoundTrip)
{
	Page p(kPageSize);
	make_fill_page(p.data(), 11, 5, 1234);
	FillHeader h = read_fill_header(p.data());
	EXPECT_EQ(h.magic, kFillMagic);
	EXPECT_EQ(h.lba, 1234u);
	EXPECT_EQ(h.seed, 11u);
	EXPECT_EQ(h.tag, 5u);
	EXPECT_TRUE(h.crc_ok);
	EXPECT_EQ(std::memcmp(p.data(), "FNBLKFIL", 8), 0);
}

TEST(FillPage, DependsOnSeedTagAndLba)
{
	Page a(kPageSize), b(kPageSize);
	make_fill_page(a.data(), 1, 0, 9);
	make_fill_page(b.data(), 1, 0, 9);
	EXPECT_EQ(a, b);
	for (auto [seed, tag, lba] : {std::tuple{2, 0, 9}, {1, 1, 9}, {1, 0, 10}}) {
		make_fill_page(b.data(), seed, tag, lba);
		EXPECT_NE(std::vector(a.begin() + 64, a.end()),
			  std::vector(b.begin() + 64, b.end()));
	}
}

TEST(FillPage, MismatchNamesWhatWasFound)
{
	Page want(kPageSize), got(kPageSize, 0);
	make_fill_page(want.data(), 3, 0, 17);
	EXPECT_EQ(describe_fill_mismatch(want.data(), got.data()), "reads zero");

	make_fill_page(got.data(), 3, 0, 16);
	std::string m = describe_fill_mismatch(want.data(), got.data());
	EXPECT_NE(m.find("header lba=16 seed=3 tag=0 crc ok (another page's data)"),
		  std::string::npos) << m;
	EXPECT_NE(m.find("expected lba=17 seed=3 tag=0"), std::string::npos) << m;

	got = want;
	got[2048] ^= 1;
	m = describe_fill_mismatch(want.data(), got.data());
	EXPECT_NE(m.find("crc BAD (torn or corrupted page)"), std::string::npos) << m;
	EXPECT_NE(m.find("first difference at byte 2048, 1 bytes differ"),
		  std::string::npos) << m;

	std::fill(got.begin(), got.end(), 0xff);
	m = describe_fill_mismatch(want.data(), got.data());
	EXPECT_NE(m.find("no fill header"), std::string::npos) << m;
}

// ---- crash records ----

TEST(Record, EncodeDecode)
{
	Page p = record(99, 7, 4096);
	EXPECT_EQ(std::memcmp(p.data(), "FNCRASH1", 8), 0);
	EXPECT_EQ(decode_record(p.data()), rec(4096, 99, 7));
	EXPECT_EQ(record(99, 7, 4096), p) << "not a function of (seed, epoch, lba)";
	EXPECT_NE(record(99, 8, 4096), p);
}

TEST(Record, ZeroAndGarbage)
{
	Page z(kPageSize, 0);
	EXPECT_EQ(decode_record(z.data()).kind, Observed::zero);
	z[4095] = 1;
	EXPECT_EQ(decode_record(z.data()).kind, Observed::garbage);
	Page fill(kPageSize);
	make_fill_page(fill.data(), 1, 1, 1);
	EXPECT_EQ(decode_record(fill.data()).kind, Observed::garbage);
}

TEST(Record, TornAtAnySectorBoundary)
{
	const Page old = record(5, 3, 100), now = record(5, 4, 100);
	for (std::size_t cut = 512; cut < kPageSize; cut += 512) {
		Page mixed = now;
		std::copy(old.begin() + cut, old.end(), mixed.begin() + cut);
		Observed o = decode_record(mixed.data());
		EXPECT_EQ(o.kind, Observed::torn) << "tear at byte " << cut;
		EXPECT_EQ(o.epoch, 4u);
	}
	Page half = now;
	std::fill(half.begin() + 2048, half.end(), 0);
	EXPECT_EQ(decode_record(half.data()).kind, Observed::torn);
	Page flipped = now;
	flipped[30] ^= 0x80; // inside the crc field itself
	EXPECT_EQ(decode_record(flipped.data()).kind, Observed::torn);
}

// ---- schedule ----

TEST(Schedule, DeterministicPerEpoch)
{
	Schedule a{.seed = 1, .pages = 1000, .max_write = 8, .batch = 16};
	Schedule b = a;
	for (std::uint32_t e = 1; e <= 50; e++)
		EXPECT_EQ(a.epoch(e), b.epoch(e)) << "epoch " << e;
	// Independent of the order epochs are asked for.
	auto e7 = a.epoch(7);
	a.epoch(3);
	EXPECT_EQ(a.epoch(7), e7);
	EXPECT_NE(a.epoch(1), a.epoch(2));
	b.seed = 2;
	EXPECT_NE(a.epoch(1), b.epoch(1));
}

TEST(Schedule, WithinBounds)
{
	Schedule s{.seed = 3, .pages = 100, .max_write = 16, .batch = 8};
	std::set<std::uint32_t> sizes;
	std::set<std::size_t> counts;
	for (std::uint32_t e = 1; e <= 2000; e++) {
		auto w = s.epoch(e);
		ASSERT_GE(w.size(), 1u);
		ASSERT_LE(w.size(), 8u);
		counts.insert(w.size());
		for (const Write &x : w) {
			ASSERT_GE(x.pages, 1u);
			ASSERT_LE(x.pages, 16u);
			ASSERT_LE(x.lba + x.pages, 100u);
			sizes.insert(x.pages);
		}
	}
	EXPECT_EQ(counts.size(), 8u);
	EXPECT_GE(sizes.size(), 15u);
	Schedule one{.seed = 3, .pages = 1, .max_write = 4, .batch = 2};
	for (const Write &x : one.epoch(1))
		EXPECT_EQ(x, (Write{0, 1}));
}

// ---- verdicts ----

struct JudgeCase {
	const char *name;
	Observed obs;
	std::uint32_t floor;
	std::set<std::uint32_t> wrote;	// epochs that wrote lba 10
	std::optional<Observed> base;
	Verdict want;
};

// Test names and failure messages show the case's name, not its bytes.
void PrintTo(const JudgeCase &c, std::ostream *os)
{
	*os << c.name;
}

class Judge : public testing::TestWithParam<JudgeCase> {};

TEST_P(Judge, Decides)
{
	const JudgeCase &c = GetParam();
	Expectation e;
	e.lba = 10;
	e.seed = 77;
	e.acked = 5;
	e.floor = c.floor;
	e.wrote = [&](std::uint32_t ep) { return c.wrote.count(ep) > 0; };
	e.base = c.base;
	const Verdict v = judge(c.obs, e);
	EXPECT_EQ(to_string(v), std::string(to_string(c.want)))
		<< explain(v, c.obs, e);
	EXPECT_EQ(verdict_ok(v), verdict_ok(c.want));
	const std::string m = explain(v, c.obs, e);
	EXPECT_NE(m.find("lba 10 (byte offset 40960): "), std::string::npos) << m;
}

const Observed kZero{};
const Observed kOld = rec(10, 66, 9);	// the previous run's record

INSTANTIATE_TEST_SUITE_P(
	Cases, Judge,
	testing::Values(
		JudgeCase{"acked", rec(10, 77, 4), 4, {2, 4}, {}, Verdict::acked},
		JudgeCase{"later", rec(10, 77, 7), 4, {2, 4, 7}, {}, Verdict::later},
		JudgeCase{"later_never_acked", rec(10, 77, 6), 0, {6}, {},
			  Verdict::later},
		JudgeCase{"later_not_written", rec(10, 77, 8), 4, {2, 4, 7}, {},
			  Verdict::phantom},
		JudgeCase{"stale", rec(10, 77, 2), 4, {2, 4}, {}, Verdict::stale},
		JudgeCase{"phantom_acked", rec(10, 77, 3), 4, {2, 4}, {},
			  Verdict::phantom},
		JudgeCase{"phantom_epoch0", rec(10, 77, 0), 0, {}, {},
			  Verdict::phantom},
		JudgeCase{"zero_unwritten", kZero, 0, {7}, {}, Verdict::zero},
		JudgeCase{"lost", kZero, 4, {4}, {}, Verdict::lost},
		JudgeCase{"torn", {Observed::torn, 10, 77, 4}, 4, {4}, {},
			  Verdict::torn},
		JudgeCase{"torn_unwritten", {Observed::torn, 10, 77, 7}, 0, {7},
			  {}, Verdict::torn},
		JudgeCase{"garbage", {Observed::garbage}, 0, {}, {},
			  Verdict::garbage},
		JudgeCase{"misplaced", rec(11, 77, 4), 4, {4}, {},
			  Verdict::misplaced},
		JudgeCase{"misplaced_old", rec(12, 66, 9), 0, {}, kOld,
			  Verdict::misplaced},
		JudgeCase{"old_seed_after_ack", kOld, 4, {4}, kOld, Verdict::stale},
		JudgeCase{"base_kept", kOld, 0, {7}, kOld, Verdict::base},
		JudgeCase{"base_then_later", rec(10, 77, 7), 0, {7}, kOld,
			  Verdict::later},
		JudgeCase{"base_lost", kZero, 0, {}, kOld, Verdict::lost},
		JudgeCase{"base_zero", kZero, 0, {}, kZero, Verdict::zero},
		JudgeCase{"base_other_epoch", rec(10, 66, 8), 0, {}, kOld,
			  Verdict::foreign},
		JudgeCase{"foreign_no_base", kOld, 0, {}, {}, Verdict::foreign}),
	[](const testing::TestParamInfo<JudgeCase> &i) {
		return std::string(i.param.name);
	});

TEST(Explain, SaysWhatWasAllowed)
{
	Expectation e;
	e.lba = 3;
	e.seed = 1;
	e.acked = 9;
	e.floor = 8;
	e.wrote = [](std::uint32_t ep) { return ep == 5 || ep == 8; };
	const std::string m = explain(Verdict::stale, rec(3, 1, 5), e);
	EXPECT_EQ(m, "lba 3 (byte offset 12288): stale: holds lba=3 seed=1 "
		     "epoch=5, older than acknowledged epoch 8 (acked 9); "
		     "allowed: epoch 8 of seed 1 or a write of an epoch after 9 "
		     "that covered it");
}

// ---- whole-device checks on a simulated device ----

namespace {

// The device after epochs 1..full completed, plus the first `partial`
// writes of epoch full + 1.
std::vector<Observed> simulate(const Schedule &s, std::uint32_t full,
			       std::size_t partial,
			       std::vector<Observed> dev = {})
{
	if (dev.empty())
		dev.assign(s.pages, Observed{});
	auto apply = [&](std::uint32_t e, const Write &w) {
		for (std::uint64_t l = w.lba; l < w.lba + w.pages; l++)
			dev[l] = rec(l, s.seed, e);
	};
	for (std::uint32_t e = 1; e <= full; e++)
		for (const Write &w : s.epoch(e))
			apply(e, w);
	auto next = s.epoch(full + 1);
	for (std::size_t i = 0; i < partial && i < next.size(); i++)
		apply(full + 1, next[i]);
	return dev;
}

std::uint64_t index_written_by(const Schedule &s, std::uint32_t e,
			       std::uint32_t not_after)
{
	// An LBA whose last write up to not_after is epoch e.
	std::vector<std::uint32_t> last(s.pages, 0);
	for (std::uint32_t x = 1; x <= not_after; x++)
		for (const Write &w : s.epoch(x))
			std::fill_n(last.begin() + w.lba, w.pages, x);
	for (std::uint64_t l = 0; l < s.pages; l++)
		if (last[l] == e)
			return l;
	throw std::runtime_error("no such lba");
}

} // namespace

TEST(CheckCrash, CleanCutPasses)
{
	Schedule s{.seed = 21, .pages = 512, .max_write = 8, .batch = 16};
	for (std::size_t partial : {0, 3, 100}) {
		auto dev = simulate(s, 10, partial);
		auto r = check_crash(s, 10, 0, dev, nullptr, 5);
		EXPECT_TRUE(r.ok()) << (r.messages.empty() ? "" : r.messages[0]);
		EXPECT_EQ(r.checked, 512u);
		EXPECT_EQ(r.acked + r.later + r.zero, 512u);
		EXPECT_EQ(r.later > 0, partial > 0);
	}
	// The ack of epoch 11 was lost on the console: checking with 10
	// acknowledged still passes.
	auto dev = simulate(s, 11, 0);
	EXPECT_TRUE(check_crash(s, 10, 0, dev, nullptr, 5).ok());
	EXPECT_EQ(check_crash(s, 10, 0, dev, nullptr, 5).max_epoch, 11u);
	// ...but an epoch limit of 10 makes epoch 11's records impossible.
	auto r = check_crash(s, 10, 10, dev, nullptr, 5);
	EXPECT_FALSE(r.ok());
	EXPECT_GT(r.failures[Verdict::phantom], 0u);
	ASSERT_FALSE(r.messages.empty());
	EXPECT_NE(r.messages[0].find("but the load ran at most 10 epochs"),
		  std::string::npos) << r.messages[0];
}

TEST(CheckCrash, FindsStaleLostTornAndMisplaced)
{
	Schedule s{.seed = 22, .pages = 512, .max_write = 8, .batch = 16};
	auto good = simulate(s, 12, 0);
	const std::uint64_t l = index_written_by(s, 12, 12);

	auto dev = good;
	dev[l] = Observed{};
	auto r = check_crash(s, 12, 0, dev, nullptr, 5);
	EXPECT_EQ(r.failures[Verdict::lost], 1u);
	ASSERT_EQ(r.messages.size(), 1u);
	EXPECT_NE(r.messages[0].find("lba " + std::to_string(l) + " "),
		  std::string::npos) << r.messages[0];

	// Acknowledging only 11 turns epoch 12 into a later write, and the
	// loss of it into a plain zero or older data.
	EXPECT_TRUE(check_crash(s, 11, 0, simulate(s, 12, 0), nullptr, 5).ok());

	dev = good;
	dev[l].kind = Observed::torn;
	EXPECT_EQ(check_crash(s, 12, 0, dev, nullptr, 5).failures[Verdict::torn], 1u);

	dev = good;
	dev[l] = rec(l + 1, s.seed, 12);
	EXPECT_EQ(check_crash(s, 12, 0, dev, nullptr, 5).failures[Verdict::misplaced],
		  1u);

	// An LBA written twice among the acknowledged epochs holding the
	// first write.
	std::vector<std::uint32_t> writes(s.pages, 0), last(s.pages, 0),
		first(s.pages, 0);
	for (std::uint32_t e = 1; e <= 12; e++)
		for (const Write &w : s.epoch(e))
			for (auto x = w.lba; x < w.lba + w.pages; x++) {
				if (!first[x])
					first[x] = e;
				last[x] = e;
			}
	std::uint64_t twice = s.pages;
	for (std::uint64_t x = 0; x < s.pages; x++)
		if (first[x] && first[x] != last[x]) {
			twice = x;
			break;
		}
	ASSERT_LT(twice, s.pages) << "the hot region should repeat LBAs";
	dev = good;
	dev[twice] = rec(twice, s.seed, first[twice]);
	r = check_crash(s, 12, 0, dev, nullptr, 5);
	EXPECT_EQ(r.failures[Verdict::stale], 1u);
	EXPECT_EQ(r.failed(), 1u);
}

TEST(CheckCrash, BaseFromThePreviousRun)
{
	Schedule prev{.seed = 30, .pages = 256, .max_write = 8, .batch = 16};
	Schedule s = prev;
	s.seed = 31;
	const auto base = simulate(prev, 20, 0);
	auto dev = simulate(s, 4, 2, base);
	auto r = check_crash(s, 4, 0, dev, &base, 5);
	EXPECT_TRUE(r.ok()) << (r.messages.empty() ? "" : r.messages[0]);
	EXPECT_GT(r.base, 0u);
	EXPECT_EQ(r.acked + r.later + r.zero + r.base, 256u);
	// Without the base, the previous run's data is foreign.
	r = check_crash(s, 4, 0, dev, nullptr, 5);
	EXPECT_GT(r.failures[Verdict::foreign], 0u);
	// The previous run's page reappearing where this run's acked data
	// should be is stale.
	const std::uint64_t l = index_written_by(s, 4, 4);
	ASSERT_EQ(base[l].kind, Observed::record);
	auto stale = dev;
	stale[l] = base[l];
	EXPECT_EQ(check_crash(s, 4, 0, stale, &base, 5).failures[Verdict::stale], 1u);
}

// ---- state files ----

TEST(StateFile, RoundTripAndDamage)
{
	TempDir dir;
	std::vector<Observed> st = {Observed{}, rec(1, 5, 2), rec(2, 5, 9)};
	const std::string p = dir / "state";
	save_state(p, st);
	EXPECT_EQ(load_state(p, 3), st);
	EXPECT_THROW(
		{
			try {
				load_state(p, 4);
			} catch (const std::runtime_error &e) {
				EXPECT_NE(std::string(e.what()).find(
						  "offset 8: pages 3, expected 4"),
					  std::string::npos) << e.what();
				throw;
			}
		},
		std::runtime_error);
	{
		std::fstream f(p, std::ios::in | std::ios::out | std::ios::binary);
		f.seekp(24 + 16 + 1);
		f.put('\x7f');
	}
	EXPECT_THROW(load_state(p, 3), std::runtime_error);
	EXPECT_THROW(load_state(dir / "missing", 3), std::runtime_error);
}

// ---- against a regular file ----

TEST(Device, RegularFileReadWriteAndErrors)
{
	TempDir dir;
	const std::string p = dir / "disk";
	make_file(p, 64 * kPageSize);
	Device d = Device::open(p, true);
	EXPECT_FALSE(d.is_block());
	EXPECT_EQ(d.size(), 64 * kPageSize);
	AlignedBuffer b(2 * kPageSize);
	make_fill_page(b.data(), 1, 2, 3);
	d.write(b.data(), kPageSize, 3 * kPageSize);
	d.sync();
	AlignedBuffer r(kPageSize);
	d.read(r.data(), kPageSize, 3 * kPageSize);
	EXPECT_EQ(std::memcmp(r.data(), b.data(), kPageSize), 0);
	try {
		d.read(b.data(), 2 * kPageSize, 63 * kPageSize);
		FAIL() << "read past the end succeeded";
	} catch (const IoError &e) {
		EXPECT_NE(std::string(e.what()).find(p + ": read of 8192 bytes at "
						     "offset 258048: end of device"),
			  std::string::npos) << e.what();
	}
	EXPECT_THROW(Device::open(dir / "nope", false), IoError);
	EXPECT_THROW(Device::open("/dev/null", false), IoError);
}

TEST(CrashLoad, OnAFileThenCheck)
{
	TempDir dir;
	const std::string p = dir / "disk";
	Schedule s{.seed = 40, .pages = 300, .max_write = 8, .batch = 12};
	make_file(p, s.pages * kPageSize);
	Device d = Device::open(p, true);
	int starts = 0;
	std::vector<std::uint32_t> acks;
	crash_load(d, s, 6, 3, [&] { starts++; },
		   [&](std::uint32_t e) { acks.push_back(e); });
	EXPECT_EQ(starts, 1);
	EXPECT_EQ(acks, (std::vector<std::uint32_t>{1, 2, 3, 4, 5, 6}));

	auto seen = read_observed(d, s.pages);
	EXPECT_EQ(seen, simulate(s, 6, 0));
	auto r = check_crash(s, 6, 6, seen, nullptr, 5);
	EXPECT_TRUE(r.ok());
	EXPECT_EQ(r.max_epoch, 6u);
	// As if the cut came before the last two acknowledgements.
	r = check_crash(s, 4, 0, seen, nullptr, 5);
	EXPECT_TRUE(r.ok());

	// Tear one acknowledged page in the file: the second half is old.
	const std::uint64_t l = index_written_by(s, 6, 6);
	AlignedBuffer old(kPageSize);
	make_record(old.data(), s.seed, 1, l);
	d.write(old.data() + 2048, 2048, l * kPageSize + 2048);
	r = check_crash(s, 6, 0, read_observed(d, s.pages), nullptr, 5);
	EXPECT_EQ(r.failures[Verdict::torn], 1u);
	ASSERT_EQ(r.messages.size(), 1u);
	EXPECT_NE(r.messages[0].find("torn: holds a torn record"), std::string::npos)
		<< r.messages[0];
}

TEST(CrashLoad, WriteErrorStopsTheLoad)
{
	TempDir dir;
	const std::string p = dir / "disk";
	make_file(p, 16 * kPageSize);
	Device d = Device::open(p, false); // read-only: every write fails
	Schedule s{.seed = 1, .pages = 16, .max_write = 4, .batch = 4};
	int acks = 0;
	EXPECT_THROW(crash_load(d, s, 3, 2, [] {}, [&](std::uint32_t) { acks++; }),
		     IoError);
	EXPECT_EQ(acks, 0);
}

// ---- the command line ----

namespace {

int run(const std::string &args, std::string *err = nullptr)
{
	TempDir dir;
	const std::string e = dir / "err";
	const std::string cmd = std::string(BLKCHECK) + " " + args + " >/dev/null 2>" + e;
	int st = std::system(cmd.c_str());
	if (err) {
		std::ifstream in(e);
		err->assign(std::istreambuf_iterator<char>(in), {});
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

} // namespace

TEST(Cli, FillVerifyZero)
{
	TempDir dir;
	const std::string p = dir / "disk";
	make_file(p, 256 * kPageSize);
	EXPECT_EQ(run("verify " + p + " --start 0 --pages 256 --zero"), 0);
	EXPECT_EQ(run("fill " + p + " --start 10 --pages 100 --seed 5 --tag 2"), 0);
	EXPECT_EQ(run("verify " + p + " --start 10 --pages 100 --seed 5 --tag 2"), 0);
	EXPECT_EQ(run("verify " + p + " --start 0 --pages 10 --zero"), 0);
	EXPECT_EQ(run("verify " + p + " --start 110 --pages 146 --zero"), 0);
	std::string err;
	EXPECT_EQ(run("verify " + p + " --start 10 --pages 100 --seed 6 --tag 2", &err), 1);
	EXPECT_NE(err.find("100 of 100 pages differ; first: page 10 (byte offset 40960): "
			   "header lba=10 seed=5 tag=2 crc ok (another fill's data)"),
		  std::string::npos) << err;
	EXPECT_EQ(run("verify " + p + " --start 0 --pages 20 --zero", &err), 1);
	EXPECT_NE(err.find("10 of 20 pages differ; first: page 10 (byte offset 40960): "
			   "not zero (fill page lba=10 seed=5 tag=2)"),
		  std::string::npos) << err;
	EXPECT_EQ(run("verify " + p + " --start 5 --pages 10 --seed 5 --tag 2", &err), 1);
	EXPECT_NE(err.find("first: page 5 (byte offset 20480): reads zero"),
		  std::string::npos) << err;
}

TEST(Cli, UsageErrors)
{
	std::string err;
	EXPECT_EQ(run("", &err), 2);
	EXPECT_EQ(run("--help"), 0);
	EXPECT_EQ(run("frobnicate /dev/null", &err), 2);
	EXPECT_EQ(run("fill /tmp --start 0 --pages x --seed 1", &err), 2);
	EXPECT_NE(err.find("--pages: not a number: 'x'"), std::string::npos) << err;
	EXPECT_EQ(run("verify /tmp --start 0 --pages 1 --seed 1 --zero", &err), 2);
	EXPECT_EQ(run("crashverify /dev/null --seed 1 --pages 8", &err), 2);
	EXPECT_NE(err.find("missing --acked"), std::string::npos) << err;
	EXPECT_EQ(run("crashload /dev/null --seed 1 --pages 8 --epochs 0", &err), 2);
	EXPECT_EQ(run("verify /nonexistent --start 0 --pages 1 --zero", &err), 3);
	EXPECT_NE(err.find("/nonexistent: No such file or directory"), std::string::npos)
		<< err;
}

TEST(Cli, CrashLoadThenVerify)
{
	TempDir dir;
	const std::string p = dir / "disk", st = dir / "state";
	make_file(p, 128 * kPageSize);
	EXPECT_EQ(run("crashload " + p + " --seed 9 --pages 128 --epochs 5 --jobs 2"), 0);
	EXPECT_EQ(run("crashverify " + p + " --seed 9 --pages 128 --acked 5 "
		      "--save-state " + st), 0);
	EXPECT_EQ(run("crashverify " + p + " --seed 9 --pages 128 --acked 2 --epochs 5"), 0);
	// A new run on top: the previous content is the base.
	EXPECT_EQ(run("crashload " + p + " --seed 10 --pages 128 --epochs 2"), 0);
	EXPECT_EQ(run("crashverify " + p + " --seed 10 --pages 128 --acked 2 --base " + st), 0);
	std::string err;
	EXPECT_EQ(run("crashverify " + p + " --seed 10 --pages 128 --acked 2", &err), 1);
	EXPECT_NE(err.find("foreign"), std::string::npos) << err;
	EXPECT_EQ(run("crashverify " + p + " --seed 9 --pages 128 --acked 5", &err), 1);
	EXPECT_NE(err.find("FAILED"), std::string::npos) << err;
}
