// SPDX-License-Identifier: GPL-2.0
#include "pattern.h"

#include "crc32c.h"

#include <algorithm>
#include <cstring>
#include <sstream>

namespace flashnet::salsa {

namespace {

std::uint64_t get64(const std::uint8_t *p)
{
	std::uint64_t v;
	std::memcpy(&v, p, sizeof(v));
	return v;
}

std::uint32_t get32(const std::uint8_t *p)
{
	std::uint32_t v;
	std::memcpy(&v, p, sizeof(v));
	return v;
}

void put64(std::uint8_t *p, std::uint64_t v)
{
	std::memcpy(p, &v, sizeof(v));
}

void put32(std::uint8_t *p, std::uint32_t v)
{
	std::memcpy(p, &v, sizeof(v));
}

void fill_random(std::uint8_t *p, std::size_t len, std::uint64_t seed)
{
	Rng r(seed);
	for (std::size_t i = 0; i < len; i += 8)
		put64(p + i, r.next());
}

// Checksum of a page as if its 4-byte crc field at `crc_off` were zero.
std::uint32_t page_crc(const std::uint8_t *page, std::size_t crc_off)
{
	static const std::uint8_t zeros[4] = {};
	std::uint32_t c = flashnet::crc32c(~0u, page, crc_off);
	c = flashnet::crc32c(c, zeros, sizeof(zeros));
	c = flashnet::crc32c(c, page + crc_off + 4, kPageSize - crc_off - 4);
	return ~c;
}

// Domain tags so fill pages and records of equal numbers never coincide.
constexpr std::uint64_t kFillDomain = 0x66696c6c;
constexpr std::uint64_t kRecordDomain = 0x63726173;
constexpr std::uint64_t kScheduleDomain = 0x73636864;

} // namespace

std::uint32_t crc32c(const void *data, std::size_t len)
{
	return ~flashnet::crc32c(~0u, data, len);
}

std::uint64_t Rng::next()
{
	std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

std::uint64_t Rng::below(std::uint64_t n)
{
	// Rejection keeps it uniform; n is never near 2^64 here.
	const std::uint64_t limit = ~0ULL - (~0ULL % n);
	std::uint64_t v;
	do
		v = next();
	while (v >= limit);
	return v % n;
}

std::uint64_t mix(std::initializer_list<std::uint64_t> values)
{
	std::uint64_t h = 0x6a09e667f3bcc908ULL;
	for (std::uint64_t v : values) {
		Rng r(h ^ v);
		h = r.next();
	}
	return h;
}

bool is_zero(const std::uint8_t *page)
{
	for (std::size_t i = 0; i < kPageSize; i += 8)
		if (get64(page + i))
			return false;
	return true;
}

// ---- fill pages ----

void make_fill_page(std::uint8_t *page, std::uint64_t seed, std::uint64_t tag,
		    std::uint64_t lba)
{
	fill_random(page + 40, kPageSize - 40,
		    mix({kFillDomain, seed, tag, lba}));
	put64(page, kFillMagic);
	put64(page + 8, lba);
	put64(page + 16, seed);
	put64(page + 24, tag);
	put32(page + 32, 0);
	put32(page + 36, 0);
	put32(page + 32, crc32c(page, kPageSize));
}

FillHeader read_fill_header(const std::uint8_t *page)
{
	FillHeader h;
	h.magic = get64(page);
	h.lba = get64(page + 8);
	h.seed = get64(page + 16);
	h.tag = get64(page + 24);
	h.crc = get32(page + 32);
	h.crc_ok = page_crc(page, 32) == h.crc;
	return h;
}

std::string describe_fill_mismatch(const std::uint8_t *expected,
				   const std::uint8_t *actual)
{
	std::ostringstream s;
	if (is_zero(actual))
		return "reads zero";
	std::size_t first = 0;
	while (first < kPageSize && expected[first] == actual[first])
		first++;
	std::size_t differing = 0;
	for (std::size_t i = 0; i < kPageSize; i++)
		differing += expected[i] != actual[i];
	const FillHeader want = read_fill_header(expected);
	const FillHeader got = read_fill_header(actual);
	if (got.magic != kFillMagic) {
		s << "no fill header (magic 0x" << std::hex << got.magic
		  << std::dec << ")";
	} else {
		s << "header lba=" << got.lba << " seed=" << got.seed
		  << " tag=" << got.tag << " crc "
		  << (got.crc_ok ? "ok" : "BAD");
		if (got.crc_ok && (got.lba != want.lba || got.seed != want.seed ||
				   got.tag != want.tag))
			s << (got.lba != want.lba ? " (another page's data)"
						  : " (another fill's data)");
		else if (!got.crc_ok)
			s << " (torn or corrupted page)";
	}
	s << ", expected lba=" << want.lba << " seed=" << want.seed
	  << " tag=" << want.tag << "; first difference at byte " << first
	  << ", " << differing << " bytes differ";
	return s.str();
}

// ---- crash records ----

void make_record(std::uint8_t *page, std::uint64_t seed, std::uint32_t epoch,
		 std::uint64_t lba)
{
	fill_random(page + 32, kPageSize - 32,
		    mix({kRecordDomain, seed, epoch, lba}));
	put64(page, kRecordMagic);
	put64(page + 8, lba);
	put64(page + 16, seed);
	put32(page + 24, epoch);
	put32(page + 28, 0);
	put32(page + 28, crc32c(page, kPageSize));
}

Observed decode_record(const std::uint8_t *page)
{
	Observed o;
	if (get64(page) != kRecordMagic) {
		o.kind = is_zero(page) ? Observed::zero : Observed::garbage;
		return o;
	}
	o.lba = get64(page + 8);
	o.seed = get64(page + 16);
	o.epoch = get32(page + 24);
	o.kind = page_crc(page, 28) == get32(page + 28) ? Observed::record
							: Observed::torn;
	return o;
}

// ---- schedule ----

std::vector<Write> Schedule::epoch(std::uint32_t e) const
{
	std::vector<Write> w;
	if (!pages || !max_write || !batch)
		return w;
	Rng r(mix({kScheduleDomain, seed, e, pages, max_write, batch}));
	const std::uint64_t n = 1 + r.below(batch);
	// Half the writes go to the first sixteenth: LBAs there are
	// rewritten every few epochs, so a cut often lands between an
	// acknowledged write of an LBA and a later one.
	const std::uint64_t hot = std::max<std::uint64_t>(1, pages / 16);
	for (std::uint64_t i = 0; i < n; i++) {
		const bool is_hot = r.next() & 1;
		const std::uint64_t lba = r.below(is_hot ? hot : pages);
		std::uint64_t len = 1 + r.below(max_write);
		len = std::min(len, pages - lba);
		w.push_back({lba, static_cast<std::uint32_t>(len)});
	}
	return w;
}

// ---- verdicts ----

bool verdict_ok(Verdict v)
{
	switch (v) {
	case Verdict::acked:
	case Verdict::later:
	case Verdict::zero:
	case Verdict::base:
		return true;
	default:
		return false;
	}
}

const char *to_string(Verdict v)
{
	switch (v) {
	case Verdict::acked:
		return "acked";
	case Verdict::later:
		return "later";
	case Verdict::zero:
		return "zero";
	case Verdict::base:
		return "base";
	case Verdict::torn:
		return "torn";
	case Verdict::garbage:
		return "garbage";
	case Verdict::misplaced:
		return "misplaced";
	case Verdict::stale:
		return "stale";
	case Verdict::lost:
		return "lost";
	case Verdict::phantom:
		return "phantom";
	case Verdict::foreign:
		return "foreign";
	}
	return "?";
}

Verdict judge(const Observed &obs, const Expectation &exp)
{
	const bool base_data = exp.base && exp.base->kind != Observed::zero;
	switch (obs.kind) {
	case Observed::torn:
		return Verdict::torn;
	case Observed::garbage:
		return Verdict::garbage;
	case Observed::zero:
		return exp.floor || base_data ? Verdict::lost : Verdict::zero;
	case Observed::record:
		break;
	}
	if (obs.lba != exp.lba)
		return Verdict::misplaced;
	if (obs.seed == exp.seed) {
		if (exp.floor && obs.epoch == exp.floor)
			return Verdict::acked;
		if (!obs.epoch || !exp.wrote || !exp.wrote(obs.epoch))
			return Verdict::phantom;
		if (obs.epoch > exp.acked)
			return Verdict::later;
		// An acknowledged epoch that wrote it, not the last one.
		return Verdict::stale;
	}
	if (exp.floor)
		return Verdict::stale;
	if (base_data && exp.base->kind == Observed::record &&
	    exp.base->seed == obs.seed && exp.base->epoch == obs.epoch)
		return Verdict::base;
	return Verdict::foreign;
}

namespace {

std::string describe(const Observed &o)
{
	std::ostringstream s;
	switch (o.kind) {
	case Observed::zero:
		return "zero";
	case Observed::garbage:
		return "no record (not zero, no record magic)";
	case Observed::torn:
		s << "a torn record (bad crc32c; header lba=" << o.lba
		  << " seed=" << o.seed << " epoch=" << o.epoch << ")";
		return s.str();
	case Observed::record:
		s << "lba=" << o.lba << " seed=" << o.seed
		  << " epoch=" << o.epoch;
		return s.str();
	}
	return "?";
}

std::string allowed(const Expectation &e)
{
	std::ostringstream s;
	if (e.floor)
		s << "epoch " << e.floor << " of seed " << e.seed;
	else if (e.base && e.base->kind != Observed::zero)
		s << "what it held before this run (" << describe(*e.base)
		  << ")";
	else
		s << "zero";
	s << " or a write of an epoch after " << e.acked << " that covered it";
	return s.str();
}

} // namespace

std::string explain(Verdict v, const Observed &obs, const Expectation &exp)
{
	std::ostringstream s;
	s << "lba " << exp.lba << " (byte offset " << exp.lba * kPageSize
	  << "): " << to_string(v) << ": ";
	switch (v) {
	case Verdict::acked:
		s << "epoch " << obs.epoch << ", the last acknowledged write";
		return s.str();
	case Verdict::later:
		s << "epoch " << obs.epoch << ", written after the last "
		  << "acknowledged epoch " << exp.acked;
		return s.str();
	case Verdict::zero:
		s << "zero, never written";
		return s.str();
	case Verdict::base:
		s << describe(obs) << ", as before this run";
		return s.str();
	case Verdict::torn:
	case Verdict::garbage:
		s << "holds " << describe(obs);
		break;
	case Verdict::misplaced:
		s << "holds the record of another LBA (" << describe(obs)
		  << "): misdirected write or map error";
		break;
	case Verdict::stale:
		s << "holds " << describe(obs) << ", older than acknowledged "
		  << "epoch " << exp.floor << " (acked " << exp.acked << ")";
		break;
	case Verdict::lost:
		s << "reads zero, data is gone";
		break;
	case Verdict::phantom:
		s << "holds " << describe(obs) << ", but ";
		if (exp.limit && obs.epoch > exp.limit)
			s << "the load ran at most " << exp.limit << " epochs";
		else
			s << "epoch " << obs.epoch << " never wrote this lba";
		break;
	case Verdict::foreign:
		s << "holds " << describe(obs) << ", from neither this run "
		  << "(seed " << exp.seed << ") nor what it held before";
		break;
	}
	s << "; allowed: " << allowed(exp);
	return s.str();
}

} // namespace flashnet::salsa
