// SPDX-License-Identifier: GPL-2.0
// The seeded corruptions the fuzzers share: each kind changes what it
// says, the same seed always does the same, and a snapshot's restore
// undoes any of them exactly.
#include "corrupt.h"
#include "journal.h"
#include "test_util.h"

#include <gtest/gtest.h>

using namespace flashnet::contigfs;
using namespace flashnet::contigfs::test;

namespace {

constexpr CorruptKinds kAll{.flips = true, .super_field = true, .journal = true};

std::string metadata(Image &img, const MetadataSnapshot &s)
{
	PageBuffer buf(s.layout.data.start);
	img.read(0, s.layout.data.start, buf.data());
	return {reinterpret_cast<const char *>(buf.data()), buf.bytes()};
}

struct Fixture {
	TempDir dir;
	std::string path = dir / "img";
	Builder b = make_tree(path);
	Image img = Image::open(path, Image::Access::read_write);
	MetadataSnapshot snap = MetadataSnapshot::take(img);
};

} // namespace

TEST(Corrupt, SnapshotHoldsTheMetadataArea)
{
	Fixture f;
	EXPECT_EQ(f.snap.meta.size(), f.snap.layout.data.start * kPageSize);
	EXPECT_EQ(f.snap.uuid, test_options().uuid);
	EXPECT_EQ(f.snap.pages.front(), CONTIGFS_SB_LBA);
	EXPECT_EQ(f.snap.restore(f.img), 0u) << "nothing differs yet";
}

TEST(Corrupt, RestoreUndoesEveryKind)
{
	Fixture f;
	const std::string pristine = metadata(f.img, f.snap);
	for (std::uint64_t seed = 1; seed <= 40; seed++) {
		const std::string what = corrupt(f.img, f.snap, seed, kAll);
		EXPECT_NE(metadata(f.img, f.snap), pristine) << "seed " << seed << what;
		EXPECT_GT(f.snap.restore(f.img), 0u) << "seed " << seed << what;
		ASSERT_EQ(metadata(f.img, f.snap), pristine) << "seed " << seed << what;
	}
}

TEST(Corrupt, SameSeedSameCorruption)
{
	Fixture f;
	for (std::uint64_t seed : {3u, 17u, 99u}) {
		const std::string what = corrupt(f.img, f.snap, seed, kAll);
		const std::string first = metadata(f.img, f.snap);
		f.snap.restore(f.img);
		EXPECT_EQ(corrupt(f.img, f.snap, seed, kAll), what);
		EXPECT_EQ(metadata(f.img, f.snap), first) << "seed " << seed;
		f.snap.restore(f.img);
	}
}

TEST(Corrupt, EveryEnabledKindIsPicked)
{
	Fixture f;
	int flips = 0, supers = 0, journals = 0, outside = 0, torn = 0;
	for (std::uint64_t seed = 1; seed <= 200; seed++) {
		const std::string what = corrupt(f.img, f.snap, seed, kAll);
		const JournalState js = read_journal(f.img, f.snap.layout, f.snap.uuid);
		if (what.starts_with(" journal")) {
			journals++;
			const bool broken = what.find("data crc broken") != std::string::npos;
			torn += broken;
			outside += what.find("aimed at") != std::string::npos;
			EXPECT_EQ(js.kind, broken ? JournalState::invalid : JournalState::valid)
				<< "seed " << seed << what << ": " << js.why;
		} else {
			// A flip may hit the journal header: never a valid one.
			EXPECT_NE(js.kind, JournalState::valid) << "seed " << seed << what;
			if (what.starts_with(" superblock")) {
				supers++;
				const contigfs_super sb = read_super(f.img);
				EXPECT_EQ(sb.s_crc, super_crc(sb)) << "seed " << seed;
			} else {
				EXPECT_TRUE(what.starts_with(" LBA ")) << what;
				flips++;
			}
		}
		f.snap.restore(f.img);
	}
	EXPECT_GT(flips, 60);
	EXPECT_GT(supers, 25);
	EXPECT_GT(journals, 25);
	EXPECT_GT(outside, 0);
	EXPECT_GT(torn, 0);
}

TEST(Corrupt, FlipsOnlyByDefault)
{
	Fixture f;
	for (std::uint64_t seed = 1; seed <= 20; seed++) {
		EXPECT_TRUE(corrupt(f.img, f.snap, seed).starts_with(" LBA ")) << seed;
		f.snap.restore(f.img);
	}
	EXPECT_THROW(corrupt(f.img, f.snap, 1, {.flips = false}), std::invalid_argument);
}
