// SPDX-License-Identifier: GPL-2.0
// Seeded fuzzing of fsck: random byte flips in the metadata pages of a
// builder image (some inodes resealed, so wrong fields get past the crc).
// fsck must never crash or hang, and after `fsck -y` a `fsck -n` must give
// 0 (or 4 when -y said 4), and another -y must find nothing.
#include "corrupt.h"
#include "test_util.h"

#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

using namespace flashnet::contigfs;
using namespace flashnet::contigfs::test;

namespace {

// CONTIGFS_FUZZ_SEEDS=N runs more (or fewer) seeds.
int seeds()
{
	const char *e = std::getenv("CONTIGFS_FUZZ_SEEDS");
	return e ? std::atoi(e) : 300;
}
constexpr unsigned kTimeoutSeconds = 30;

struct Pristine {
	TempDir dir;
	std::string path = dir / "pristine";
	MetadataSnapshot snap;
};

// A small image with everything in it: several directory blocks, nested
// directories, hard links, inline and block symlinks, special files, a
// file holding a block at size 0 and pending moves.
const Pristine &pristine()
{
	static Pristine *p = [] {
		auto *p = new Pristine;
		make_image(p->path, 1400);
		MkfsOptions o = test_options();
		o.journal_pages = 16;
		o.inodes = 256;
		o.meta_pages = 256;
		Builder b = Builder::format(p->path, o);
		b.mkdir("/a");
		b.mkdir("/a/b");
		b.mkdir("/a/b/c");
		b.mkdir("/many");
		for (int i = 0; i < 150; i++)
			b.file("/many/entry-with-a-name-long-enough-" + std::to_string(i),
			       i % 10 ? 0 : 4096 * static_cast<std::uint64_t>(i % 3 + 1));
		b.file("/a/f", 20000);
		b.file("/a/b/g", 1);
		b.file("/a/b/c/h", 0, {}, 2);
		b.symlink("/a/s", "../many");
		b.symlink("/a/b/long", std::string(300, 'L'));
		b.mknod("/a/fifo", S_IFIFO | 0600);
		b.mknod("/a/b/dev", S_IFBLK | 0600, 0x801);
		b.link("/a/b/c/f2", "/a/f");
		b.link("/a/b/c/f3", "/a/f");
		b.start_move("/a/f", 4);
		b.start_move("/a/b", 1);
		b.commit();
		p->snap = MetadataSnapshot::take(b.image());
		return p;
	}();
	return *p;
}

void restore(const std::string &path)
{
	const Pristine &p = pristine();
	fs::copy_file(p.path, path, fs::copy_options::overwrite_existing);
}

// Flips bytes; returns a description for failure messages.
std::string mutate(const std::string &path, std::uint64_t seed)
{
	Image img = Image::open(path, Image::Access::read_write);
	return corrupt(img, pristine().snap, seed);
}

struct Outcome {
	int repair = -1, check = -1, again = -1;
};

// Runs -y, -n, -y in a child, so a crash or a hang fails only this seed.
bool run_child(const std::string &path, Outcome &out, std::string &why)
{
	int fds[2];
	if (pipe(fds))
		throw std::runtime_error("pipe");
	const pid_t pid = fork();
	if (pid == 0) {
		close(fds[0]);
		alarm(kTimeoutSeconds);
		Outcome o;
		o.repair = fsck(path, {.repair = true}, nullptr).exit_code;
		o.check = fsck(path, {.repair = false}, nullptr).exit_code;
		o.again = fsck(path, {.repair = true}, nullptr).exit_code;
		const ssize_t n = write(fds[1], &o, sizeof(o));
		_exit(n == sizeof(o) ? 0 : 1);
	}
	close(fds[1]);
	const ssize_t n = read(fds[0], &out, sizeof(out));
	close(fds[0]);
	int st = 0;
	waitpid(pid, &st, 0);
	if (WIFSIGNALED(st)) {
		why = WTERMSIG(st) == SIGALRM ? "hung (more than 30 s)"
					      : std::string("crashed: ") + strsignal(WTERMSIG(st));
		return false;
	}
	if (n != sizeof(out) || !WIFEXITED(st) || WEXITSTATUS(st)) {
		why = "child failed";
		return false;
	}
	return true;
}

} // namespace

TEST(Fuzz, PristineImageIsClean)
{
	TempDir dir;
	const std::string path = dir / "img";
	restore(path);
	Checked c = check(path, false);
	EXPECT_EQ(c.code(), kFsckClean) << c.output;
	EXPECT_EQ(c.report.notes.size(), 2u) << "two pending moves";
	EXPECT_GT(pristine().snap.pages.size(), 20u);
}

TEST(Fuzz, FlippedMetadataNeverCrashesAndRepairsConverge)
{
	TempDir dir;
	const std::string path = dir / "img";
	int codes[17] = {};
	const int n = seeds();
	for (int seed = 1; seed <= n; seed++) {
		restore(path);
		const std::string what = mutate(path, seed);
		Outcome o;
		std::string why;
		ASSERT_TRUE(run_child(path, o, why)) << "seed " << seed << ":" << what << ": " << why;
		codes[o.repair]++;
		EXPECT_TRUE(o.repair == kFsckClean || o.repair == kFsckCorrected ||
			    o.repair == kFsckUncorrected)
			<< "seed " << seed << ":" << what << ": -y exit " << o.repair;
		EXPECT_TRUE(o.check == kFsckClean || o.check == kFsckUncorrected)
			<< "seed " << seed << ":" << what << ": -n exit " << o.check;
		EXPECT_EQ(o.repair == kFsckUncorrected, o.check == kFsckUncorrected)
			<< "seed " << seed << ":" << what << ": -y exit " << o.repair
			<< " but then -n exit " << o.check;
		if (o.check == kFsckClean) {
			EXPECT_EQ(o.again, kFsckClean)
				<< "seed " << seed << ":" << what << ": a second -y changed more";
		}
		if (HasFailure()) {
			// Leave the evidence: the output of a fresh run.
			restore(path);
			mutate(path, seed);
			Checked c = check(path, true);
			ADD_FAILURE() << "seed " << seed << " -y:\n" << c.output
				      << "then -n:\n" << check(path, false).output;
			break;
		}
	}
	// The corruptions are not all caught by one kind of check.
	EXPECT_GT(codes[kFsckCorrected], n / 3);
	std::cout << "fuzz: -y exit codes over " << n << " seeds: 0 x"
		  << codes[0] << ", 1 x" << codes[1] << ", 4 x" << codes[4] << "\n";
}

TEST(Fuzz, BinariesSurviveToo)
{
	TempDir dir;
	const std::string path = dir / "img";
	for (int seed = 1000; seed < 1010; seed++) {
		restore(path);
		const std::string what = mutate(path, seed);
		const Result y = run(FSCK_CONTIGFS, {"-y", path}, dir);
		EXPECT_TRUE(y.code == 0 || y.code == 1 || y.code == 4)
			<< "seed " << seed << what << ": " << y.code << "\n" << y.out << y.err;
		const Result n = run(FSCK_CONTIGFS, {"-n", path}, dir);
		EXPECT_EQ(n.code, y.code == 4 ? 4 : 0)
			<< "seed " << seed << what << "\n" << n.out << n.err;
	}
}
