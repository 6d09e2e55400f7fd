// SPDX-License-Identifier: GPL-2.0
// flashnet-blkcheck: deterministic data checks for block devices, and a
// crash load with its check after a power cut. See --help.
#include "crash.h"
#include "device.h"
#include "pattern.h"

#include <cstdlib>
#include <cstring>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

using namespace flashnet::salsa;

namespace {

const char kUsage[] = R"(usage:
  flashnet-blkcheck fill   DEV --start PAGE --pages N --seed S [--tag T]
  flashnet-blkcheck verify DEV --start PAGE --pages N (--seed S [--tag T] | --zero)
  flashnet-blkcheck crashload DEV --seed S --pages N --epochs E
                   [--max-write P] [--batch W] [--jobs J]
  flashnet-blkcheck crashverify DEV --seed S --pages N --acked A
                   [--max-write P] [--batch W] [--epochs E]
                   [--base FILE] [--save-state FILE] [--max-report K]

Pages are 4 KiB; PAGE, N and P count pages. I/O uses O_DIRECT (a regular
file on a file system that refuses it falls back to buffered I/O).

fill:   writes pages [PAGE, PAGE+N), each a function of (S, T, lba), then
        flushes. verify: reads them back and reports the first page that
        differs, with the header fields found and expected; --zero wants
        every page zero.

crashload: epoch e = 1.. is a pseudo-random batch of 1..W writes (default
        32) of 1..P pages (default 16) at LBAs in [0, N), half of them in
        the first N/16; every page is a record {magic, lba, seed, epoch,
        crc32c} plus pseudo-random bytes, a function of (S, e, lba) only.
        The writes of an epoch run on J threads (default 4), then the device
        is flushed (fsync) and "CRASHLOAD-ACK e seed=S" is printed.
        "CRASHLOAD-START" is printed once before the first write; after E
        epochs "CRASHLOAD-DONE" is printed.

crashverify: regenerates the same schedule (same S, N, P, W) and checks
        every LBA in [0, N) after a cut, epochs 1..A acknowledged:
          written by an epoch <= A: the record of the last such epoch, or
            of a later epoch (> A) that also wrote it;
          otherwise: zero (with --base: what the base state held), or the
            record of a later epoch that wrote it.
        A torn page (bad crc32c), a record of another LBA, an older epoch,
        a lost page or an epoch that never wrote the LBA fails. --epochs
        bounds the later epochs; --base FILE is a previous --save-state
        (what the device held before this load started). The device is
        flushed after the check; --save-state writes what every LBA held.

exit status: 0 ok, 1 the data is wrong, 2 usage, 3 I/O or system error.
)";

constexpr int kExitBadData = 1;
constexpr int kExitUsage = 2;
constexpr int kExitIo = 3;

class Usage : public std::invalid_argument {
public:
	using std::invalid_argument::invalid_argument;
};

struct Options {
	std::string dev;
	std::map<std::string, std::string> values;
	std::set<std::string> flags;

	bool has(const std::string &k) const { return values.count(k); }

	std::uint64_t num(const std::string &k) const
	{
		auto it = values.find(k);
		if (it == values.end())
			throw Usage("missing " + k);
		const std::string &t = it->second;
		try {
			std::size_t used;
			unsigned long long v = std::stoull(t, &used, 0);
			if (used == t.size() && t[0] != '-')
				return v;
		} catch (const std::exception &) {
		}
		throw Usage(k + ": not a number: '" + t + "'");
	}

	std::uint64_t num(const std::string &k, std::uint64_t def) const
	{
		return has(k) ? num(k) : def;
	}

	std::uint64_t num(const std::string &k, std::uint64_t min,
			  std::uint64_t max) const
	{
		std::uint64_t v = num(k);
		if (v < min || v > max)
			throw Usage(k + ": " + std::to_string(v) + " is not in " +
				    std::to_string(min) + ".." +
				    std::to_string(max));
		return v;
	}

	std::string str(const std::string &k) const
	{
		auto it = values.find(k);
		return it == values.end() ? std::string() : it->second;
	}
};

Options parse(const std::vector<std::string> &args,
	      const std::set<std::string> &valued,
	      const std::set<std::string> &bools)
{
	Options o;
	for (std::size_t i = 0; i < args.size(); i++) {
		const std::string &a = args[i];
		if (valued.count(a)) {
			if (i + 1 >= args.size())
				throw Usage(a + " needs a value");
			o.values[a] = args[++i];
		} else if (bools.count(a)) {
			o.flags.insert(a);
		} else if (a.starts_with("-")) {
			throw Usage("unknown option '" + a + "'");
		} else if (o.dev.empty()) {
			o.dev = a;
		} else {
			throw Usage("unexpected argument '" + a + "'");
		}
	}
	if (o.dev.empty())
		throw Usage("no device given");
	return o;
}

// One whole line with one write(2), so lines from several processes on one
// console never interleave, and nothing waits in a stdio buffer.
void say(const std::string &line)
{
	std::string l = line + "\n";
	const char *p = l.data();
	std::size_t left = l.size();
	while (left) {
		ssize_t n = write(STDOUT_FILENO, p, left);
		if (n <= 0)
			return;
		p += n;
		left -= static_cast<std::size_t>(n);
	}
}

void check_fits(Device &dev, std::uint64_t end_page)
{
	if (!dev.is_block())
		return;
	const std::uint64_t size = dev.size();
	if (end_page * kPageSize > size)
		throw Usage(dev.path() + ": page " + std::to_string(end_page - 1) +
			    " is beyond the end (" + std::to_string(size) +
			    " bytes = " + std::to_string(size / kPageSize) +
			    " pages)");
}

constexpr std::uint64_t kChunkPages = 64;

int cmd_fill(const std::vector<std::string> &args)
{
	Options o = parse(args, {"--start", "--pages", "--seed", "--tag"}, {});
	const std::uint64_t start = o.num("--start"), pages = o.num("--pages");
	const std::uint64_t seed = o.num("--seed"), tag = o.num("--tag", 0);
	Device dev = Device::open(o.dev, true);
	check_fits(dev, start + pages);
	AlignedBuffer buf(kChunkPages * kPageSize);
	for (std::uint64_t p = 0; p < pages; p += kChunkPages) {
		const std::uint64_t n = std::min(kChunkPages, pages - p);
		for (std::uint64_t i = 0; i < n; i++)
			make_fill_page(buf.data() + i * kPageSize, seed, tag,
				       start + p + i);
		dev.write(buf.data(), n * kPageSize, (start + p) * kPageSize);
	}
	dev.sync();
	std::ostringstream s;
	s << "fill: " << o.dev << ": pages [" << start << ", " << start + pages
	  << ") seed " << seed << " tag " << tag << " written and flushed";
	say(s.str());
	return 0;
}

int cmd_verify(const std::vector<std::string> &args)
{
	Options o = parse(args, {"--start", "--pages", "--seed", "--tag"},
			  {"--zero"});
	const bool zero = o.flags.count("--zero");
	const std::uint64_t start = o.num("--start"), pages = o.num("--pages");
	if (zero == o.has("--seed"))
		throw Usage("verify needs exactly one of --seed and --zero");
	const std::uint64_t seed = zero ? 0 : o.num("--seed");
	const std::uint64_t tag = o.num("--tag", 0);
	Device dev = Device::open(o.dev, false);
	check_fits(dev, start + pages);
	AlignedBuffer buf(kChunkPages * kPageSize);
	AlignedBuffer want(kPageSize);
	std::uint64_t bad = 0;
	std::string first;
	for (std::uint64_t p = 0; p < pages; p += kChunkPages) {
		const std::uint64_t n = std::min(kChunkPages, pages - p);
		dev.read(buf.data(), n * kPageSize, (start + p) * kPageSize);
		for (std::uint64_t i = 0; i < n; i++) {
			const std::uint64_t lba = start + p + i;
			const std::uint8_t *got = buf.data() + i * kPageSize;
			bool same;
			if (zero) {
				same = is_zero(got);
			} else {
				make_fill_page(want.data(), seed, tag, lba);
				same = !std::memcmp(want.data(), got, kPageSize);
			}
			if (same)
				continue;
			if (!bad++) {
				std::ostringstream s;
				s << "page " << lba << " (byte offset "
				  << lba * kPageSize << "): ";
				if (zero) {
					const Observed r = decode_record(got);
					const FillHeader f = read_fill_header(got);
					s << "not zero";
					if (f.magic == kFillMagic)
						s << " (fill page lba=" << f.lba
						  << " seed=" << f.seed
						  << " tag=" << f.tag << ")";
					else if (r.kind != Observed::garbage)
						s << " (crash record lba="
						  << r.lba << " seed=" << r.seed
						  << " epoch=" << r.epoch << ")";
				} else {
					s << describe_fill_mismatch(want.data(),
								    got);
				}
				first = s.str();
			}
		}
	}
	std::ostringstream s;
	s << "verify: " << o.dev << ": pages [" << start << ", " << start + pages
	  << ") ";
	if (zero)
		s << "zero";
	else
		s << "seed " << seed << " tag " << tag;
	if (!bad) {
		say(s.str() + ": ok");
		return 0;
	}
	std::cerr << s.str() << ": " << bad << " of " << pages
		  << " pages differ; first: " << first << "\n";
	return kExitBadData;
}

Schedule schedule_of(const Options &o)
{
	Schedule s;
	s.seed = o.num("--seed");
	s.pages = o.num("--pages", 1, ~0ULL / kPageSize);
	s.max_write = static_cast<std::uint32_t>(
		o.has("--max-write") ? o.num("--max-write", 1, 1024) : 16);
	s.batch = static_cast<std::uint32_t>(
		o.has("--batch") ? o.num("--batch", 1, 1 << 16) : 32);
	return s;
}

int cmd_crashload(const std::vector<std::string> &args)
{
	Options o = parse(args, {"--seed", "--pages", "--epochs", "--max-write",
				 "--batch", "--jobs"},
			  {});
	const Schedule s = schedule_of(o);
	const auto epochs =
		static_cast<std::uint32_t>(o.num("--epochs", 1, 0xffffffffu));
	const auto jobs = static_cast<unsigned>(
		o.has("--jobs") ? o.num("--jobs", 1, 64) : 4);
	Device dev = Device::open(o.dev, true);
	check_fits(dev, s.pages);
	const std::string suffix = " seed=" + std::to_string(s.seed);
	crash_load(
		dev, s, epochs, jobs, [] { say("CRASHLOAD-START"); },
		[&](std::uint32_t e) {
			say("CRASHLOAD-ACK " + std::to_string(e) + suffix);
		});
	say("CRASHLOAD-DONE epochs=" + std::to_string(epochs) + suffix);
	return 0;
}

int cmd_crashverify(const std::vector<std::string> &args)
{
	Options o = parse(args, {"--seed", "--pages", "--acked", "--max-write",
				 "--batch", "--epochs", "--base", "--save-state",
				 "--max-report"},
			  {});
	const Schedule s = schedule_of(o);
	const auto acked =
		static_cast<std::uint32_t>(o.num("--acked", 0, 0xffffffffu));
	const auto limit = static_cast<std::uint32_t>(o.num("--epochs", 0));
	if (limit && acked > limit)
		throw Usage("--acked " + std::to_string(acked) +
			    " is beyond --epochs " + std::to_string(limit));
	const std::size_t max_report = o.num("--max-report", 20);
	std::optional<std::vector<Observed>> base;
	if (o.has("--base"))
		base = load_state(o.str("--base"), s.pages);

	Device dev = Device::open(o.dev, false);
	check_fits(dev, s.pages);
	const std::vector<Observed> seen = read_observed(dev, s.pages);
	const CrashReport r = check_crash(s, acked, limit, seen,
					  base ? &*base : nullptr, max_report);
	// What was read must survive the next cut too.
	dev.sync();

	std::ostringstream sum;
	sum << "crashverify: " << o.dev << " seed " << s.seed << " acked "
	    << acked << ": " << r.checked << " pages checked: " << r.acked
	    << " last acked write, " << r.later << " later write, " << r.zero
	    << " zero, " << r.base << " as before the run; newest epoch seen "
	    << r.max_epoch;
	if (r.ok()) {
		if (o.has("--save-state"))
			save_state(o.str("--save-state"), seen);
		say(sum.str() + ": OK");
		return 0;
	}
	for (const std::string &m : r.messages)
		std::cerr << "crashverify: " << o.dev << ": " << m << "\n";
	if (r.failed() > r.messages.size())
		std::cerr << "crashverify: ... and "
			  << r.failed() - r.messages.size() << " more\n";
	sum << ": FAILED: " << r.failed() << " bad pages (";
	const char *sep = "";
	for (const auto &[v, n] : r.failures) {
		sum << sep << n << " " << to_string(v);
		sep = ", ";
	}
	sum << ")";
	std::cerr << sum.str() << "\n";
	say("CRASHVERIFY-FAILED");
	return kExitBadData;
}

} // namespace

int main(int argc, char **argv)
{
	std::vector<std::string> args(argv + 1, argv + argc);
	if (args.empty() || args[0] == "--help" || args[0] == "-h") {
		std::cout << kUsage;
		return args.empty() ? kExitUsage : 0;
	}
	const std::string cmd = args[0];
	args.erase(args.begin());
	try {
		if (cmd == "fill")
			return cmd_fill(args);
		if (cmd == "verify")
			return cmd_verify(args);
		if (cmd == "crashload")
			return cmd_crashload(args);
		if (cmd == "crashverify")
			return cmd_crashverify(args);
		throw Usage("unknown command '" + cmd + "' (see --help)");
	} catch (const Usage &e) {
		std::cerr << "flashnet-blkcheck " << cmd << ": " << e.what()
			  << "\n";
		return kExitUsage;
	} catch (const std::exception &e) {
		std::cerr << "flashnet-blkcheck " << cmd << ": " << e.what()
			  << "\n";
		return kExitIo;
	}
}
