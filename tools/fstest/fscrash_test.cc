// SPDX-License-Identifier: GPL-2.0
// flashnet-fscrash: the model, the op generator, the state journal, runs
// and checks on the host's tmpfs, and simulated power cuts on an in-memory
// file system (FakeFs): what a cut may lose must pass the checker, and
// what it may not lose (injected on purpose) must be reported.
#include "common.h"
#include "fscrash_check.h"
#include "fscrash_fake.h"
#include "fscrash_model.h"
#include "fscrash_run.h"
#include "fscrash_state.h"
#include "test_util.h"

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <csignal>
#include <fcntl.h>
#include <fstream>
#include <gtest/gtest.h>
#include <sstream>
#include <sys/stat.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using namespace flashnet::fstest;
using namespace flashnet::fstest::fscrash;

namespace {

const std::string kRoot = "/fake/dir";
constexpr std::size_t npos = std::string::npos;

RunConfig small(std::uint64_t seed, std::uint64_t ops)
{
	RunConfig c;
	c.seed = seed;
	c.ops = ops;
	c.files = 10;
	c.max_file = 12 << 10;
	c.max_io = 3 << 10;
	c.progress = 0;
	c.state_sync = false;
	return c;
}

std::string slurp(const std::string &path)
{
	std::ifstream in(path, std::ios::binary);
	std::ostringstream s;
	s << in.rdbuf();
	return s.str();
}

void spit(const std::string &path, const std::string &text)
{
	std::ofstream out(path, std::ios::binary | std::ios::trunc);
	out << text;
}

struct Checked {
	int code;
	std::string out;
};

Checked check(FsSys &fs, const std::string &dir, const std::string &state,
	      Level level)
{
	std::ostringstream out;
	const int code = check_main(fs, dir, state, level, 1000, out, out);
	return {code, out.str()};
}

// Seeds for the random tests: FLASHNET_FSCRASH_SEEDS=N for a longer soak.
std::uint64_t seeds(std::uint64_t def)
{
	const char *e = getenv("FLASHNET_FSCRASH_SEEDS");
	return e ? std::max<std::uint64_t>(1, strtoull(e, nullptr, 10)) : def;
}

// FLASHNET_FSCRASH_FIRST=N: start there (to replay one failing seed).
std::uint64_t first_seed()
{
	const char *e = getenv("FLASHNET_FSCRASH_FIRST");
	return e ? strtoull(e, nullptr, 10) : 1;
}

// "path kind ino size [-> target]" for every entry, for failure messages.
std::string listing(FsSys &fs, const std::string &dir, const std::string &rel = "")
{
	std::vector<std::string> names;
	std::string out;
	if (fs.list_dir(dir.c_str(), names) < 0)
		return rel + ": unreadable\n";
	for (const std::string &n : names) {
		const std::string p = dir + "/" + n, r = rel.empty() ? n : rel + "/" + n;
		struct stat st;
		if (fs.lstat(p.c_str(), &st) < 0)
			continue;
		out += r + (S_ISDIR(st.st_mode) ? " dir" : S_ISLNK(st.st_mode) ? " symlink" : " file") +
		       " ino " + std::to_string(st.st_ino) + " size " +
		       std::to_string(st.st_size);
		if (S_ISLNK(st.st_mode)) {
			char t[512];
			const ssize_t k = fs.readlink(p.c_str(), t, sizeof(t));
			out += " -> " + std::string(t, k > 0 ? static_cast<std::size_t>(k) : 0);
		}
		out += "\n";
		if (S_ISDIR(st.st_mode))
			out += listing(fs, p, r);
	}
	return out;
}

// A power cut, thrown from the runner's hook.
struct Cut {};

// The generated workload on a FakeFs, cut at `cut_op` (0: never) after
// `stage`. Returns true if the run completed.
bool run_fake(FakeFs &fs, const std::string &state, const RunConfig &c,
	      std::uint64_t cut_op, Runner::Stage stage)
{
	std::ostringstream out;
	Runner r(fs, kRoot, state, c, out, out);
	r.hook = [&](Runner::Stage s, const Op &op) {
		if (op.n == cut_op && s == stage)
			throw Cut();
	};
	try {
		EXPECT_EQ(r.run(), kExitOk) << out.str();
		return true;
	} catch (const Cut &) {
		return false;
	}
}

// Scripted ops on a FakeFs, for cuts and corruptions at exact places.
class Script {
public:
	explicit Script(FakeFs::Mode mode)
		: tmp_("fscrash-script"), state_(tmp_.path("state")),
		  fs_(kRoot, mode), runner_(fs_, kRoot, state_, cfg(), out_, out_)
	{
		runner_.begin();
	}

	static RunConfig cfg()
	{
		RunConfig c = small(7, 0);
		c.final_sync = false;
		return c;
	}
	void step(const std::string &op) { runner_.step(parse_op(0, op)); }
	void cut(std::uint64_t torn_seed = 0)
	{
		Rng rng(torn_seed);
		fs_.crash(torn_seed ? &rng : nullptr);
	}
	Checked check(Level level) { return ::check(fs_, kRoot, state_, level); }
	FakeFs &fs() { return fs_; }
	std::string path(const std::string &rel) const { return kRoot + "/" + rel; }
	// Writes the bytes op `n` wrote (or would write) at [off, off + len).
	void poke(const std::string &rel, std::uint64_t n, std::uint64_t off,
		  std::uint64_t len, int flags = O_WRONLY)
	{
		std::vector<std::uint8_t> b(len);
		Pattern(cfg().seed).fill(b.data(), n, off, len);
		const int fd = fs_.open(path(rel).c_str(), flags, 0644);
		ASSERT_GE(fd, 0) << rel;
		ASSERT_EQ(fs_.pwrite(fd, b.data(), len, static_cast<off_t>(off)),
			  static_cast<ssize_t>(len));
		fs_.close(fd);
	}

private:
	ScratchDir tmp_;
	std::string state_;
	FakeFs fs_;
	std::ostringstream out_;
	Runner runner_;
};

} // namespace

// ---- the model -------------------------------------------------------------

TEST(Model, OpsFormatAndParseBack)
{
	RunConfig c = small(3, 0);
	Generator g(c);
	Tree t;
	std::set<OpKind> kinds;
	for (std::uint64_t n = 1; n <= 3000; n++) {
		const Op op = g.next(t, n);
		const std::string text = format_op(op);
		const Op back = parse_op(n, text);
		EXPECT_EQ(format_op(back), text);
		EXPECT_EQ(back.kind, op.kind);
		t.apply(op);
		kinds.insert(op.kind);
	}
	EXPECT_EQ(kinds.size(), 14u) << "every kind of op is generated";
	EXPECT_THROW(parse_op(1, "write 2 3"), std::invalid_argument);
	EXPECT_THROW(parse_op(1, "create 1 a/b 2 3"), std::invalid_argument);
	EXPECT_THROW(parse_op(1, "create 1 .. 2 3"), std::invalid_argument);
	EXPECT_THROW(parse_op(1, "frob 1"), std::invalid_argument);
	EXPECT_THROW(parse_op(1, "truncate x 1"), std::invalid_argument);
}

TEST(Model, TreeRefusesWhatPosixRefuses)
{
	Tree t;
	t.apply(parse_op(1, "mkdir 1 d 2"));
	t.apply(parse_op(2, "mkdir 2 e 3"));
	t.apply(parse_op(3, "create 3 f 4 10"));
	EXPECT_THROW(t.apply(parse_op(4, "create 3 f 5 1")), std::invalid_argument);
	EXPECT_THROW(t.apply(parse_op(4, "create 3 g 9 1")), std::invalid_argument)
		<< "ids are given in order";
	EXPECT_THROW(t.apply(parse_op(4, "rename 1 d 3 x")), std::invalid_argument)
		<< "a directory into itself";
	EXPECT_THROW(t.apply(parse_op(4, "rmdir 2 e")), std::invalid_argument)
		<< "not empty";
	EXPECT_THROW(t.apply(parse_op(4, "unlink 1 d")), std::invalid_argument);
	EXPECT_THROW(t.apply(parse_op(4, "link 2 1 x")), std::invalid_argument)
		<< "no hard links to directories";
	EXPECT_THROW(t.apply(parse_op(4, "rename 3 f 1 d")), std::invalid_argument)
		<< "a file over a directory";
	t.apply(parse_op(4, "link 4 1 g"));
	EXPECT_THROW(t.apply(parse_op(5, "rename 3 f 1 g")), std::invalid_argument)
		<< "two names of one file: a no-op, never generated";
	const Effect e = t.apply(parse_op(5, "rename 2 e 1 d2"));
	EXPECT_EQ(t.path(t.lookup(1, "d2"), "f"), "d2/f");
	EXPECT_EQ(t.lookup(t.lookup(1, "d2"), "f"), 4u);
	EXPECT_TRUE(e.dropped.empty());
	const Effect u = t.apply(parse_op(6, "unlink 1 g"));
	EXPECT_TRUE(u.dropped.empty()) << "f still has a name";
	const Effect v = t.apply(parse_op(7, "unlink 3 f"));
	ASSERT_EQ(v.dropped.size(), 1u);
	EXPECT_EQ(v.dropped[0], 4u);
	EXPECT_FALSE(t.live(4));
}

TEST(Model, ContentMatchesAByteArray)
{
	const Pattern p(5);
	Rng rng(5);
	Content c;
	std::vector<std::uint8_t> b;
	for (std::uint64_t op = 1; op <= 2000; op++) {
		if (rng.one_in(4)) {
			const std::uint64_t s = rng.below(5000);
			c.truncate(s);
			b.resize(s, 0);
		} else {
			const std::uint64_t off = rng.below(4000);
			const std::uint64_t len = rng.range(1, 1000);
			c.write(off, len, op);
			if (b.size() < off + len)
				b.resize(off + len, 0);
			p.fill(b.data() + off, op, off, len);
		}
		ASSERT_EQ(c.size(), b.size());
		if (op % 50 == 0) {
			std::vector<std::uint8_t> got(b.size());
			c.expected(p, got.data(), 0, got.size());
			ASSERT_EQ(got, b) << "op " << op;
		}
	}
}

// ---- the generator ---------------------------------------------------------

TEST(Generator, DeterministicPerSeed)
{
	const auto stream = [](std::uint64_t seed) {
		Generator g(small(seed, 0));
		Tree t;
		std::string s;
		for (std::uint64_t n = 1; n <= 2000; n++) {
			const Op op = g.next(t, n);
			t.apply(op);
			s += format_op(op) + "\n";
		}
		return s + t.digest();
	};
	EXPECT_EQ(stream(11), stream(11));
	EXPECT_NE(stream(11), stream(12));
}

TEST(Generator, StaysWithinItsLimits)
{
	RunConfig c = small(4, 0);
	Generator g(c);
	Tree t;
	for (std::uint64_t n = 1; n <= 5000; n++) {
		const Op op = g.next(t, n);
		t.apply(op);
		ASSERT_LE(t.files().size(), c.files);
		if (op.kind == OpKind::write || op.kind == OpKind::append ||
		    op.kind == OpKind::create) {
			ASSERT_LE(op.len, std::max(c.max_io, c.max_file));
		}
		for (std::uint64_t f : t.files())
			ASSERT_LE(t.get(f)->data.size(), c.max_file);
		if (op.kind == OpKind::symlink) {
			ASSERT_LE(op.target.size(), 400u);
		}
	}
}

// ---- the state journal -----------------------------------------------------

TEST(Journal, RecordsCarryACrc)
{
	// CRC-32C of "123456789" is e3069283 (RFC 3720).
	EXPECT_EQ(encode_record("123456789"), "e3069283 123456789\n");
	const Records r = parse_records("s", encode_record("a b") + encode_record("c"));
	ASSERT_EQ(r.records.size(), 2u);
	EXPECT_EQ(r.records[1].body, "c");
	EXPECT_EQ(r.records[1].line, 2u);
	EXPECT_EQ(r.records[1].offset, 13u);
	EXPECT_FALSE(r.torn);
}

TEST(Journal, TornLastRecordIsIgnored)
{
	const std::string good = encode_record("fscrash 1 seed=1 files=1 "
					       "max-file=1 max-io=1 ops=0") +
				 encode_record("I 1 syncfs");
	const std::string last = encode_record("D 1 0123456789abcdef");
	for (std::size_t cut = 0; cut < last.size(); cut++) {
		const Records r = parse_records("s", good + last.substr(0, cut));
		EXPECT_EQ(r.records.size(), 2u) << cut;
		EXPECT_EQ(r.torn, cut > 0) << cut;
		if (cut) {
			EXPECT_EQ(r.torn_offset, good.size());
		}
	}
	// Complete but wrong: also torn when it is the last line.
	std::string bad = last;
	bad[12] ^= 1;
	const Records r = parse_records("s", good + bad);
	EXPECT_TRUE(r.torn);
	EXPECT_NE(r.torn_why.find("CRC"), npos);
	// Before the last one, damage makes the file unusable.
	EXPECT_THROW(parse_records("s", good + bad + last), StateError);
	try {
		parse_records("s", bad + good);
	} catch (const StateError &e) {
		EXPECT_NE(std::string(e.what()).find("s: line 1 (offset 0)"), npos)
			<< e.what();
	}
}

TEST(Journal, OrderIsChecked)
{
	const std::string h = encode_record(
		"fscrash 1 seed=5 files=2 max-file=9 max-io=3 ops=7");
	const auto parse = [&](const std::string &rest) {
		return parse_journal("s", parse_records("s", h + rest));
	};
	const Journal j = parse(encode_record("I 1 create 1 a 2 5") +
				encode_record("I 2 fsync 2") +
				encode_record("D 2 0123456789abcdef") +
				encode_record("E 2"));
	EXPECT_EQ(j.header.seed, 5u);
	EXPECT_EQ(j.header.max_file, 9u);
	EXPECT_EQ(j.ops.size(), 2u);
	EXPECT_TRUE(j.ended);
	EXPECT_EQ(j.acked.count(2), 1u);
	EXPECT_THROW(parse(encode_record("I 2 syncfs")), StateError);
	EXPECT_THROW(parse(encode_record("I 1 create 1 a 2 5") +
			   encode_record("D 1 0123456789abcdef")),
		     StateError)
		<< "a durability record of a create";
	EXPECT_THROW(parse(encode_record("I 1 syncfs") + encode_record("E 1") +
			   encode_record("I 2 syncfs")),
		     StateError);
	EXPECT_THROW(parse(encode_record("I 1 syncfs") + encode_record("D 1 xyz")),
		     StateError);
	EXPECT_THROW(parse_journal("s", parse_records("s", encode_record("I 1 syncfs"))),
		     StateError)
		<< "no header";
	EXPECT_THROW(parse_journal("s", parse_records("s", "")), StateError);
}

// ---- runs on the host's tmpfs -------------------------------------------

TEST(HostRun, RunThenCheckIsClean)
{
	ScratchDir tmp("fscrash-host");
	FsSys sys;
	RunConfig c = small(21, 1500);
	std::ostringstream out;
	Runner r(sys, tmp.path("dir"), tmp.path("state"), c, out, out);
	ASSERT_EQ(r.run(), kExitOk) << out.str();
	for (Level l : {Level::posix, Level::strict}) {
		const Checked k = check(sys, tmp.path("dir"), tmp.path("state"), l);
		EXPECT_EQ(k.code, kExitOk) << k.out;
		EXPECT_NE(k.out.find(": OK"), npos) << k.out;
		EXPECT_NE(k.out.find("the run completed"), npos) << k.out;
	}
}

TEST(HostRun, SameSeedSameJournal)
{
	ScratchDir tmp("fscrash-det");
	FsSys sys;
	std::ostringstream out;
	for (const char *d : {"a", "b"}) {
		Runner r(sys, tmp.path(d), tmp.path(std::string(d) + ".state"),
			 small(8, 800), out, out);
		ASSERT_EQ(r.run(), kExitOk) << out.str();
	}
	EXPECT_EQ(slurp(tmp.path("a.state")), slurp(tmp.path("b.state")));
	// And each tree passes against the other's journal.
	EXPECT_EQ(check(sys, tmp.path("a"), tmp.path("b.state"), Level::strict).code,
		  kExitOk);
}

TEST(HostRun, NonEmptyDirIsRefused)
{
	ScratchDir tmp("fscrash-busy");
	spit(tmp.path("x"), "x");
	FsSys sys;
	std::ostringstream out;
	Runner r(sys, tmp.path(""), tmp.path("../state-unused"), small(1, 10), out,
		 out);
	EXPECT_EQ(r.run(), kExitUsage);
	EXPECT_NE(out.str().find("is not empty (it holds 'x')"), npos) << out.str();
}

TEST(HostRun, EnospcIsASystemError)
{
	// Every pwrite fails with ENOSPC: exit 2, naming the op and range.
	struct Full : FsSys {
		ssize_t pwrite(int, const void *, size_t, off_t) override
		{
			errno = ENOSPC;
			return -1;
		}
	} sys;
	ScratchDir tmp("fscrash-full");
	std::ostringstream out;
	RunConfig c = small(2, 200);
	Runner r(sys, tmp.path("dir"), tmp.path("state"), c, out, out);
	EXPECT_EQ(r.run(), kExitSysError);
	EXPECT_NE(out.str().find("SYSTEM CALL FAILED: seed 2, op "), npos) << out.str();
	EXPECT_NE(out.str().find("ENOSPC"), npos) << out.str();
}

// ---- simulated power cuts --------------------------------------------------

TEST(FakeCut, CompletedRunsAreClean)
{
	for (FakeFs::Mode m : {FakeFs::Mode::posix, FakeFs::Mode::strict}) {
		ScratchDir tmp("fscrash-fake");
		FakeFs fs(kRoot, m);
		ASSERT_TRUE(run_fake(fs, tmp.path("state"), small(3, 1000), 0,
				     Runner::Stage::intent));
		fs.crash(nullptr);	// after the final syncfs: nothing lost
		for (Level l : {Level::posix, Level::strict}) {
			const Checked k = check(fs, kRoot, tmp.path("state"), l);
			EXPECT_EQ(k.code, kExitOk) << k.out;
		}
	}
}

TEST(FakeCut, RandomCutsPass)
{
	// Cuts at random ops and moments, with and without a torn tail of
	// pending changes: every one passes the level the fake keeps (and a
	// strict fake also passes the posix level).
	const Runner::Stage stages[] = {Runner::Stage::intent,
					Runner::Stage::done,
					Runner::Stage::acked};
	int cuts = 0, torn = 0;
	for (std::uint64_t seed = first_seed(); seed <= seeds(60); seed++) {
		for (FakeFs::Mode m : {FakeFs::Mode::posix, FakeFs::Mode::strict}) {
			Rng rng(seed * 2 + (m == FakeFs::Mode::strict));
			const RunConfig c = small(seed, 500);
			const std::uint64_t at = rng.range(1, c.ops);
			const Runner::Stage st = stages[rng.below(3)];
			ScratchDir tmp("fscrash-cut");
			FakeFs fs(kRoot, m);
			if (run_fake(fs, tmp.path("state"), c, at, st))
				continue;	// a durability stage of another op
			cuts++;
			const bool tear = rng.one_in(2);
			torn += tear;
			if (tear)
				fs.crash(&rng);
			else
				fs.crash(nullptr);
			std::vector<Level> levels{Level::posix};
			if (m == FakeFs::Mode::strict)
				levels.push_back(Level::strict);
			for (Level l : levels) {
				const Checked k = check(fs, kRoot, tmp.path("state"), l);
				ASSERT_EQ(k.code, kExitOk)
					<< "seed " << seed << " cut at op " << at
					<< (tear ? " (torn)" : "") << " fake "
					<< (m == FakeFs::Mode::strict ? "strict" : "posix")
					<< " level "
					<< (l == Level::strict ? "strict" : "posix")
					<< "\n"
					<< k.out << "the tree:\n"
					<< listing(fs, kRoot) << "the state file:\n"
					<< slurp(tmp.path("state"));
			}
		}
	}
	if (first_seed() == 1 && seeds(60) >= 60) {
		EXPECT_GT(cuts, 60);
		EXPECT_GT(torn, 20);
	}
}

TEST(FakeCut, PosixFileSystemFailsTheStrictLevel)
{
	// A posix fake loses names that only a file fsync covered: the strict
	// level must notice on some seeds, the posix level never.
	int caught = 0;
	for (std::uint64_t seed = 1; seed <= 20; seed++) {
		ScratchDir tmp("fscrash-levels");
		FakeFs fs(kRoot, FakeFs::Mode::posix);
		ASSERT_FALSE(run_fake(fs, tmp.path("state"), small(seed, 400), 400,
				      Runner::Stage::done));
		fs.crash(nullptr);
		EXPECT_EQ(check(fs, kRoot, tmp.path("state"), Level::posix).code,
			  kExitOk);
		caught += check(fs, kRoot, tmp.path("state"), Level::strict).code ==
			  kExitFailed;
	}
	EXPECT_GT(caught, 0);
}

// ---- corruptions the checker must report ----------------------------------

TEST(FakeCorrupt, LostFsyncedWrite)
{
	for (FakeFs::Mode m : {FakeFs::Mode::posix, FakeFs::Mode::strict}) {
		Script s(m);
		s.step("create 1 f 2 4000");	// op 1
		s.step("fsyncdir 1");		// f's name
		s.step("write 2 100 200");	// op 3
		s.step("fsync 2");		// op 4
		s.cut();
		EXPECT_EQ(s.check(Level::posix).code, kExitOk);
		// The cut lost op 3's write: op 1's bytes are back.
		s.poke("f", 1, 100, 200);
		for (Level l : {Level::posix, Level::strict}) {
			const Checked k = s.check(l);
			EXPECT_EQ(k.code, kExitFailed) << k.out;
			EXPECT_NE(k.out.find("VIOLATION: f: data differs at offset "
					     "100 (0x64): 200 of 4000 bytes wrong, "
					     "the last at 299; expected the bytes "
					     "of op 3 (write f (#2) [100, 300))"),
				  npos)
				<< k.out;
			EXPECT_NE(k.out.find("found the bytes of op 1 (create f "
					     "(file #2, 4000 bytes)) for this offset"),
				  npos)
				<< k.out;
			EXPECT_NE(k.out.find("content durable since op 4 (fsync f "
					     "(#2))"),
				  npos)
				<< k.out;
		}
	}
}

TEST(FakeCorrupt, LostFsyncedWriteUnderALaterOne)
{
	// op 3's fsynced write is lost under op 5, a pending write elsewhere
	// that a torn cut may or may not keep in part.
	for (std::uint64_t torn = 1; torn <= 20; torn++) {
		Script t(FakeFs::Mode::posix);
		t.step("create 1 f 2 4000");
		t.step("fsyncdir 1");
		t.step("write 2 100 200");
		t.step("fsync 2");
		t.step("write 2 1000 3500");
		t.cut(torn);
		ASSERT_EQ(t.check(Level::posix).code, kExitOk) << torn;
		t.poke("f", 1, 150, 10);
		const Checked k = t.check(Level::posix);
		EXPECT_EQ(k.code, kExitFailed) << k.out;
		EXPECT_NE(k.out.find("f: data differs at offset 150"), npos) << k.out;
		EXPECT_NE(k.out.find("(no later op wrote this offset)"), npos)
			<< k.out;
		EXPECT_NE(k.out.find("later: op 5 (write f (#2) [1000, 4500))"),
			  npos)
			<< k.out;
	}
}

TEST(FakeCorrupt, LostRenameBeforeSyncfs)
{
	for (FakeFs::Mode m : {FakeFs::Mode::posix, FakeFs::Mode::strict}) {
		Script s(m);
		s.step("mkdir 1 d 2");
		s.step("create 1 a 3 100");
		s.step("rename 1 a 2 b");	// op 3
		s.step("syncfs");		// op 4
		s.cut();
		ASSERT_EQ(s.check(Level::strict).code, kExitOk);
		ASSERT_EQ(s.fs().rename(s.path("d/b").c_str(),
					s.path("a").c_str()),
			  0);
		for (Level l : {Level::posix, Level::strict}) {
			const Checked k = s.check(l);
			EXPECT_EQ(k.code, kExitFailed) << k.out;
			EXPECT_NE(k.out.find("VIOLATION: a: exists (a file), but must "
					     "not: expected nothing durable since op "
					     "4 (syncfs)"),
				  npos)
				<< k.out;
			EXPECT_NE(k.out.find("VIOLATION: d/b: missing; expected file "
					     "#3 durable since op 4 (syncfs)"),
				  npos)
				<< k.out;
		}
	}
}

TEST(FakeCorrupt, ResurrectedUnlinkedFile)
{
	for (FakeFs::Mode m : {FakeFs::Mode::posix, FakeFs::Mode::strict}) {
		Script s(m);
		s.step("create 1 f 2 100");
		s.step("syncfs");
		const std::uint64_t ino = s.fs().ino(s.path("f"));
		s.step("unlink 1 f");	// op 3
		s.step("syncfs");	// op 4
		s.cut();
		ASSERT_EQ(s.check(Level::strict).code, kExitOk);
		s.fs().add_entry(kRoot, "f", ino);
		const Checked k = s.check(Level::posix);
		EXPECT_EQ(k.code, kExitFailed) << k.out;
		EXPECT_NE(k.out.find("VIOLATION: f: exists (a file), but must not: "
				     "expected nothing durable since op 4 (syncfs)"),
			  npos)
			<< k.out;
	}
}

TEST(FakeCorrupt, UnlinkAfterTheLastPointMayOrMayNotHappen)
{
	Script s(FakeFs::Mode::strict);
	s.step("create 1 f 2 100");
	s.step("syncfs");
	const std::uint64_t ino = s.fs().ino(s.path("f"));
	s.step("unlink 1 f");	// pending
	s.cut();
	EXPECT_EQ(s.check(Level::strict).code, kExitOk);
	// Both outcomes are fine.
	s.fs().add_entry(kRoot, "f", ino);
	EXPECT_EQ(s.check(Level::strict).code, kExitOk);
}

TEST(FakeCorrupt, FileFsyncDoesNotClaimItsName)
{
	// posix: the fake loses the name (only the data was synced); the
	// posix level accepts that, the strict one reports it.
	Script s(FakeFs::Mode::posix);
	s.step("create 1 f 2 3000");
	s.step("fsync 2");
	s.cut();
	EXPECT_EQ(s.fs().ino(s.path("f")), 0u);
	EXPECT_EQ(s.check(Level::posix).code, kExitOk);
	const Checked k = s.check(Level::strict);
	EXPECT_EQ(k.code, kExitFailed) << k.out;
	EXPECT_NE(k.out.find("VIOLATION: f: missing; expected file #2 durable "
			     "since op 2 (fsync f (#2))"),
		  npos)
		<< k.out;
}

TEST(FakeCorrupt, StrictClaimsOtherFilesAtAnyFsync)
{
	// b is never synced by itself: posix claims nothing of its content,
	// strict claims it at a's fsync.
	Script s(FakeFs::Mode::strict);
	s.step("create 1 a 2 100");
	s.step("create 1 b 3 3000");
	s.step("fsyncdir 1");
	s.step("write 3 10 20");	// op 4
	s.step("fsync 2");		// op 5
	s.cut();
	ASSERT_EQ(s.check(Level::strict).code, kExitOk);
	s.poke("b", 2, 10, 20);	// op 4's bytes lost: op 2's are back
	EXPECT_EQ(s.check(Level::posix).code, kExitOk);
	const Checked k = s.check(Level::strict);
	EXPECT_EQ(k.code, kExitFailed) << k.out;
	EXPECT_NE(k.out.find("VIOLATION: b: data differs at offset 10 (0xa): 20 "
			     "of 3000 bytes wrong, the last at 29; expected the "
			     "bytes of op 4 (write b (#3) [10, 30))"),
		  npos)
		<< k.out;
	EXPECT_NE(k.out.find("content durable since op 5 (fsync a (#2))"), npos)
		<< k.out;
}

TEST(FakeCorrupt, LostEntryOfAnFsyncedDirectory)
{
	Script s(FakeFs::Mode::posix);
	s.step("mkdir 1 d 2");
	s.step("create 2 f 3 10");
	s.step("fsyncdir 2");	// op 3: d's entries, not d's own name
	s.cut();
	ASSERT_EQ(s.check(Level::posix).code, kExitOk);
	ASSERT_EQ(s.fs().unlink(s.path("d/f").c_str()), 0);
	const Checked k = s.check(Level::posix);
	EXPECT_EQ(k.code, kExitFailed) << k.out;
	EXPECT_NE(k.out.find("VIOLATION: d/f: missing; expected file #3 durable "
			     "since op 3 (fsync of directory d (#2))"),
		  npos)
		<< k.out;
}

TEST(FakeCorrupt, SizeOfAnFdatasyncedFile)
{
	Script s(FakeFs::Mode::posix);
	s.step("create 1 f 2 1000");
	s.step("fsyncdir 1");
	s.step("fdatasync 2");
	s.step("truncate 2 3000");	// pending: 1000..3000 is fine
	s.cut(5);
	ASSERT_EQ(s.check(Level::posix).code, kExitOk);
	const int fd = s.fs().open(s.path("f").c_str(), O_WRONLY, 0);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(s.fs().ftruncate(fd, 999), 0);
	s.fs().close(fd);
	const Checked k = s.check(Level::posix);
	EXPECT_EQ(k.code, kExitFailed) << k.out;
	EXPECT_NE(k.out.find("VIOLATION: f: size 999, expected between 1000 and "
			     "3000"),
		  npos)
		<< k.out;
}

TEST(FakeCorrupt, RenameThatLosesWhatItMoves)
{
	// A rename after the last point, cut so that neither name is left:
	// each name alone is allowed, the strict level misses the object.
	Script s(FakeFs::Mode::strict);
	s.step("create 1 a 2 10");
	s.step("syncfs");
	s.step("rename 1 a 1 b");	// pending
	s.cut();
	ASSERT_EQ(s.check(Level::strict).code, kExitOk);
	ASSERT_EQ(s.fs().unlink(s.path("a").c_str()), 0);
	EXPECT_EQ(s.check(Level::posix).code, kExitOk);
	const Checked k = s.check(Level::strict);
	EXPECT_EQ(k.code, kExitFailed) << k.out;
	EXPECT_NE(k.out.find("VIOLATION: a: missing: file #2"), npos) << k.out;
	EXPECT_NE(k.out.find("(later names: b by op 3 (rename a -> b (#2)))"),
		  npos)
		<< k.out;
}

TEST(FakeCorrupt, RenameOverANameNeverEmptiesIt)
{
	Script s(FakeFs::Mode::strict);
	s.step("create 1 a 2 10");
	s.step("create 1 b 3 20");
	s.step("syncfs");
	s.step("rename 1 a 1 b");	// pending: b is #3 or #2, never absent
	s.cut();
	ASSERT_EQ(s.check(Level::strict).code, kExitOk);
	ASSERT_EQ(s.fs().unlink(s.path("b").c_str()), 0);
	const Checked k = s.check(Level::posix);
	EXPECT_EQ(k.code, kExitFailed) << k.out;
	EXPECT_NE(k.out.find("VIOLATION: b: missing; expected file #3 durable "
			     "since op 3 (syncfs); then file #2 by op 4"),
		  npos)
		<< k.out;
}

TEST(FakeCorrupt, SymlinkHardLinkAndForeignNames)
{
	Script s(FakeFs::Mode::strict);
	s.step("create 1 f 2 5000");
	s.step("link 2 1 g");
	s.step("symlink 1 s 3 t3.abc");
	s.step("fsync 2");	// strict: everything
	s.cut();
	ASSERT_EQ(s.check(Level::strict).code, kExitOk);
	FakeFs &fs = s.fs();
	ASSERT_EQ(fs.unlink(s.path("s").c_str()), 0);
	ASSERT_EQ(fs.symlink("t3.abd", s.path("s").c_str()), 0);
	// g: the same bytes, but another inode.
	ASSERT_EQ(fs.unlink(s.path("g").c_str()), 0);
	s.poke("g", 1, 0, 5000, O_WRONLY | O_CREAT | O_EXCL);
	s.poke("zz", 1, 0, 10, O_WRONLY | O_CREAT | O_EXCL);
	const Checked k = s.check(Level::strict);
	EXPECT_EQ(k.code, kExitFailed) << k.out;
	EXPECT_NE(k.out.find("VIOLATION: s: symlink target 't3.abd' (6 bytes), "
			     "expected 't3.abc'"),
		  npos)
		<< k.out;
	EXPECT_NE(k.out.find("VIOLATION: g: file #2 is inode"), npos) << k.out;
	EXPECT_NE(k.out.find("(hard links must be one inode)"), npos) << k.out;
	EXPECT_NE(k.out.find("VIOLATION: f: st_nlink 1, expected 2"), npos)
		<< k.out;
	EXPECT_NE(k.out.find("VIOLATION: zz: exists (a file), but the run never "
			     "made this name"),
		  npos)
		<< k.out;
}

TEST(FakeCorrupt, RandomBreakageIsReported)
{
	// After random cuts, break something the checker holds firm (a byte of
	// a file, or a name) and find it reported at its path.
	int bytes = 0, names = 0;
	for (std::uint64_t seed = first_seed(); seed <= seeds(40); seed++) {
		Rng rng(seed + 1000);
		const FakeFs::Mode m =
			seed % 2 ? FakeFs::Mode::strict : FakeFs::Mode::posix;
		const Level l = seed % 2 ? Level::strict : Level::posix;
		ScratchDir tmp("fscrash-break");
		FakeFs fs(kRoot, m);
		const RunConfig c = small(seed, 600);
		run_fake(fs, tmp.path("state"), c, rng.range(100, 600),
			 Runner::Stage::done);
		if (rng.one_in(2))
			fs.crash(&rng);
		else
			fs.crash(nullptr);
		const Journal j = load_journal(tmp.path("state"));
		Checker ck(fs, kRoot, j, l);
		ck.replay();
		std::vector<Checker::Firm> files, all = ck.firm();
		for (const Checker::Firm &f : all)
			if (f.content && f.size)
				files.push_back(f);
		if (!files.empty() && rng.one_in(2)) {
			const Checker::Firm &f = files[rng.below(files.size())];
			const std::uint64_t off = rng.below(f.size);
			const int fd = fs.open((kRoot + "/" + f.path).c_str(), O_RDWR, 0);
			ASSERT_GE(fd, 0);
			std::uint8_t b;
			ASSERT_EQ(fs.pread(fd, &b, 1, static_cast<off_t>(off)), 1);
			b ^= static_cast<std::uint8_t>(1 + rng.below(255));
			ASSERT_EQ(fs.pwrite(fd, &b, 1, static_cast<off_t>(off)), 1);
			fs.close(fd);
			const Checked k = check(fs, kRoot, tmp.path("state"), l);
			EXPECT_EQ(k.code, kExitFailed) << k.out;
			// At f.path or at another name of the same file.
			EXPECT_NE(k.out.find(": data differs at offset " +
					     std::to_string(off) + " "),
				  npos)
				<< "seed " << seed << "\n"
				<< k.out;
			EXPECT_NE(k.out.find("(file #" + std::to_string(f.obj) +
					     ", content"),
				  npos)
				<< "seed " << seed << "\n"
				<< k.out;
			bytes++;
		} else if (!all.empty()) {
			const Checker::Firm &f = all[rng.below(all.size())];
			const std::string p = kRoot + "/" + f.path;
			// Out of the way, under a name the run never uses.
			ASSERT_EQ(fs.rename(p.c_str(), (kRoot + "/zz-moved").c_str()), 0);
			const Checked k = check(fs, kRoot, tmp.path("state"), l);
			EXPECT_EQ(k.code, kExitFailed) << k.out;
			EXPECT_NE(k.out.find("VIOLATION: " + f.path + ": missing; "),
				  npos)
				<< "seed " << seed << "\n"
				<< k.out;
			EXPECT_NE(k.out.find("VIOLATION: zz-moved: exists"), npos)
				<< k.out;
			names++;
		}
	}
	if (first_seed() == 1 && seeds(40) >= 40) {
		EXPECT_GT(bytes, 5);
		EXPECT_GT(names, 5);
	}
}

TEST(FakeCorrupt, ForeignStateFileIsUnusable)
{
	// A journal whose digests do not match its ops: exit 2.
	ScratchDir tmp("fscrash-foreign");
	FakeFs fs(kRoot, FakeFs::Mode::strict);
	ASSERT_TRUE(run_fake(fs, tmp.path("state"), small(5, 100), 0,
			     Runner::Stage::intent));
	std::string text = slurp(tmp.path("state"));
	const std::size_t d = text.find(" D ");
	ASSERT_NE(d, npos);
	const std::size_t eol = text.find('\n', d);
	std::string line = text.substr(d + 1, eol - d - 1);
	line[line.size() - 1] = line.back() == '0' ? '1' : '0';
	const std::size_t start = text.rfind('\n', d) + 1;
	text = text.substr(0, start) + encode_record(line) + text.substr(eol + 1);
	spit(tmp.path("state"), text);
	const Checked k = check(fs, kRoot, tmp.path("state"), Level::posix);
	EXPECT_EQ(k.code, kExitSysError) << k.out;
	EXPECT_NE(k.out.find("STATE FILE UNUSABLE"), npos) << k.out;
	EXPECT_NE(k.out.find("is not the replay's"), npos) << k.out;
}

// ---- the program -----------------------------------------------------------

TEST(Program, UsageAndExitCodes)
{
	ScratchDir tmp("fscrash-cli");
	const std::string d = tmp.path("d"), st = tmp.path("state");
	EXPECT_EQ(run_program({FSCRASH, "--help"}).code, kExitOk);
	EXPECT_EQ(run_program({FSCRASH}).code, kExitUsage);
	EXPECT_EQ(run_program({FSCRASH, "frob"}).code, kExitUsage);
	EXPECT_EQ(run_program({FSCRASH, "run", "--dir", d}).code, kExitUsage);
	EXPECT_EQ(run_program({FSCRASH, "run", "--dir", d, "--state", st,
			       "--bogus"})
			  .code,
		  kExitUsage);
	EXPECT_EQ(run_program({FSCRASH, "check", "--dir", d, "--state", st}).code,
		  kExitSysError)
		<< "no state file";

	const Output run = run_program({FSCRASH, "run", "--dir", d, "--state", st,
					"--seed", "9", "--ops", "700", "--files",
					"12", "--max-file", "20k", "--max-io",
					"4k", "--no-state-sync"});
	EXPECT_EQ(run.code, kExitOk) << run.out;
	EXPECT_EQ(run.out.rfind("fscrash: run: seed 9, 700 ops", 0), 0u) << run.out;
	EXPECT_NE(run.out.find("\nfscrash: op 700\n"), npos) << run.out;
	for (const char *strict : {"", "--strict-metadata"}) {
		std::vector<std::string> argv{FSCRASH, "check", "--dir", d,
					      "--state", st};
		if (*strict)
			argv.push_back(strict);
		const Output k = run_program(argv);
		EXPECT_EQ(k.code, kExitOk) << k.out;
	}
	EXPECT_EQ(run_program({FSCRASH, "run", "--dir", d, "--state",
			       tmp.path("s2")})
			  .code,
		  kExitUsage)
		<< "DIR is not empty";

	// A torn last record is ignored and said so.
	const std::string good = slurp(st);
	spit(st, good + "0badc0de I 702 sync");
	Output k = run_program({FSCRASH, "check", "--dir", d, "--state", st});
	EXPECT_EQ(k.code, kExitOk) << k.out;
	EXPECT_NE(k.out.find("is torn (no newline at the end"), npos) << k.out;
	// Damage before the last record: unusable.
	std::string bad = good;
	bad[bad.find("\nI 1") == npos ? 20 : 20] ^= 1;
	spit(st, bad);
	k = run_program({FSCRASH, "check", "--dir", d, "--state", st});
	EXPECT_EQ(k.code, kExitSysError) << k.out;
	EXPECT_NE(k.out.find("line 1 (offset 0): damaged record"), npos) << k.out;

	// A change behind the journal's back: exit 1.
	spit(st, good);
	spit(d + "/stray", "x");
	k = run_program({FSCRASH, "check", "--dir", d, "--state", st});
	EXPECT_EQ(k.code, kExitFailed) << k.out;
	EXPECT_NE(k.out.find("VIOLATION: stray: exists (a file), but the run "
			     "never made this name"),
		  npos)
		<< k.out;
}

TEST(Program, KilledRunChecksClean)
{
	// Killed at a random moment (no power cut: the host keeps every
	// completed op), the check passes at both levels.
	ScratchDir tmp("fscrash-kill");
	const std::string d = tmp.path("d"), st = tmp.path("state");
	for (int round = 0; round < 3; round++) {
		const std::string dir = d + std::to_string(round);
		const pid_t pid = fork();
		ASSERT_GE(pid, 0);
		if (pid == 0) {
			const int null = ::open("/dev/null", O_WRONLY);
			dup2(null, STDOUT_FILENO);
			execl(FSCRASH, FSCRASH, "run", "--dir", dir.c_str(),
			      "--state", st.c_str(), "--seed",
			      std::to_string(round + 30).c_str(), "--ops", "0",
			      "--files", "16", "--max-file", "64k", (char *)nullptr);
			_exit(127);
		}
		// Until a few hundred records are there, then a little more.
		for (int i = 0; i < 400 && slurp(st).size() < 20000; i++)
			std::this_thread::sleep_for(std::chrono::milliseconds(10));
		std::this_thread::sleep_for(std::chrono::milliseconds(7 * round));
		kill(pid, SIGKILL);
		int status = 0;
		waitpid(pid, &status, 0);
		ASSERT_TRUE(WIFSIGNALED(status)) << "the run ended by itself";
		for (const char *strict : {"", "--strict-metadata"}) {
			std::vector<std::string> argv{FSCRASH, "check", "--dir", dir,
						      "--state", st};
			if (*strict)
				argv.push_back(strict);
			const Output k = run_program(argv);
			EXPECT_EQ(k.code, kExitOk) << k.out;
			EXPECT_NE(k.out.find("the run was cut"), npos) << k.out;
		}
	}
}
