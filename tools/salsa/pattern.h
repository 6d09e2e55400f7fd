// SPDX-License-Identifier: GPL-2.0
// Deterministic page contents for block-device checks, the crash-load
// schedule and the verdict on one page after a power cut. Everything here
// is pure (no I/O) so it can be tested without a device.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace flashnet::salsa {

static_assert(std::endian::native == std::endian::little,
	      "page headers are written in host order, little endian");

inline constexpr std::size_t kPageSize = 4096;

// CRC-32C (Castagnoli), as the kernel's crc32c(~0, ...) ^ ~0.
std::uint32_t crc32c(const void *data, std::size_t len);

// SplitMix64: tiny, fast and good enough for test patterns and schedules.
class Rng {
public:
	explicit Rng(std::uint64_t seed) : state_(seed) {}
	std::uint64_t next();
	// Uniform in [0, n); n > 0.
	std::uint64_t below(std::uint64_t n);

private:
	std::uint64_t state_;
};

// Mixes values into one well-spread seed.
std::uint64_t mix(std::initializer_list<std::uint64_t> values);

// ---- fill / verify pages -----------------------------------------------

// Page of `fill DEV`: header, then pseudo-random bytes from (seed, tag, lba).
//   0 magic "FNBLKFIL"  8 lba  16 seed  24 tag  32 crc32c (field zero)  36 0
inline constexpr std::uint64_t kFillMagic = 0x4c49464b4c424e46ULL;

void make_fill_page(std::uint8_t *page, std::uint64_t seed, std::uint64_t tag,
		    std::uint64_t lba);

struct FillHeader {
	std::uint64_t magic, lba, seed, tag;
	std::uint32_t crc;
	bool crc_ok;
};
FillHeader read_fill_header(const std::uint8_t *page);

bool is_zero(const std::uint8_t *page);

// Why a page read back differs from what `fill` wrote, in one line:
// "reads zero", "holds page 17 of seed 3 tag 0 (crc ok)", ...
std::string describe_fill_mismatch(const std::uint8_t *expected,
				   const std::uint8_t *actual);

// ---- crash records -----------------------------------------------------

// Page written by `crashload`: one record per page, its contents a function
// of (seed, epoch, lba) only, so two writes of one LBA in one epoch agree.
//   0 magic "FNCRASH1"  8 lba  16 seed  24 epoch (u32)  28 crc32c (field
//   zero)  32.. pseudo-random bytes
inline constexpr std::uint64_t kRecordMagic = 0x3148534152434e46ULL;

void make_record(std::uint8_t *page, std::uint64_t seed, std::uint32_t epoch,
		 std::uint64_t lba);

// What a page holds.
struct Observed {
	enum Kind : std::uint8_t {
		zero = 0,	// all zero: never written (or discarded)
		record = 1,	// a record with a good checksum
		torn = 2,	// record magic, bad checksum
		garbage = 3,	// neither zero nor a record
	};
	Kind kind = zero;
	std::uint64_t lba = 0;	// record, torn: the header's fields
	std::uint64_t seed = 0;
	std::uint32_t epoch = 0;

	bool operator==(const Observed &) const = default;
};
Observed decode_record(const std::uint8_t *page);

// ---- the crash-load schedule -------------------------------------------

struct Write {
	std::uint64_t lba;
	std::uint32_t pages;
	bool operator==(const Write &) const = default;
};

struct Schedule {
	std::uint64_t seed = 0;
	std::uint64_t pages = 0;	// LBAs [0, pages)
	std::uint32_t max_write = 16;	// pages per write, 1..max_write
	std::uint32_t batch = 32;	// writes per epoch, 1..batch

	// The writes of epoch `epoch` (>= 1), in issue order. Depends only on
	// the fields above and the epoch.
	std::vector<Write> epoch(std::uint32_t epoch) const;
};

// ---- the verdict on one page after a power cut -------------------------

enum class Verdict {
	acked,		// ok: the last acknowledged write
	later,		// ok: a write after the last acknowledged flush
	zero,		// ok: never written, reads zero
	base,		// ok: never written by this run, holds what it held before
	torn,		// record magic but bad checksum
	garbage,	// neither zero nor a record
	misplaced,	// a valid record of another LBA
	stale,		// older than the last acknowledged write of this LBA
	lost,		// reads zero, but acknowledged data (or base) was there
	phantom,	// a record of this seed from an epoch that never wrote it
	foreign,	// a record of another seed, not what the base held
};
bool verdict_ok(Verdict v);
const char *to_string(Verdict v);

// What the run says about one LBA.
struct Expectation {
	std::uint64_t lba = 0;
	std::uint64_t seed = 0;
	std::uint32_t acked = 0;	// last acknowledged epoch (0: none)
	std::uint32_t floor = 0;	// last epoch <= acked writing it (0: none)
	std::uint32_t limit = 0;	// last epoch the load could reach (0: any)
	// Did epoch e (>= 1) write this LBA?
	std::function<bool(std::uint32_t)> wrote;
	// What the LBA held before this run (checked and flushed by the
	// previous cycle); none: the device was fresh (zero).
	std::optional<Observed> base;
};

Verdict judge(const Observed &obs, const Expectation &exp);

// One line: what was found and what was allowed, with the fields.
std::string explain(Verdict v, const Observed &obs, const Expectation &exp);

} // namespace flashnet::salsa
