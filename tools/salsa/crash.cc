// SPDX-License-Identifier: GPL-2.0
#include "crash.h"

#include <algorithm>
#include <barrier>
#include <cstring>
#include <exception>
#include <fstream>
#include <mutex>
#include <thread>

namespace flashnet::salsa {

namespace {

constexpr std::uint64_t kStateMagic = 0x3145544154534e46ULL; // "FNSTATE1"
constexpr std::size_t kStateHeader = 24;
constexpr std::size_t kStateEntry = 16;
// Epochs this far past the acknowledged one are never generated: no load
// runs that long between a flush and a cut.
constexpr std::uint32_t kMaxAhead = 1u << 20;

void write_one(Device &dev, const Schedule &s, std::uint32_t epoch,
	       const Write &w, AlignedBuffer &buf)
{
	for (std::uint32_t i = 0; i < w.pages; i++)
		make_record(buf.data() + i * kPageSize, s.seed, epoch, w.lba + i);
	dev.write(buf.data(), std::size_t(w.pages) * kPageSize,
		  w.lba * kPageSize);
}

// Lazily generated epochs of one schedule.
class EpochCache {
public:
	explicit EpochCache(const Schedule &s) : s_(s) {}

	bool wrote(std::uint32_t epoch, std::uint64_t lba)
	{
		auto it = cache_.find(epoch);
		if (it == cache_.end())
			it = cache_.emplace(epoch, s_.epoch(epoch)).first;
		for (const Write &w : it->second)
			if (lba >= w.lba && lba < w.lba + w.pages)
				return true;
		return false;
	}

private:
	const Schedule &s_;
	std::map<std::uint32_t, std::vector<Write>> cache_;
};

} // namespace

void crash_load(Device &dev, const Schedule &s, std::uint32_t epochs,
		unsigned jobs, const std::function<void()> &start,
		const std::function<void(std::uint32_t)> &ack)
{
	jobs = std::max(1u, jobs);
	std::vector<Write> writes;
	std::uint32_t epoch = 0;
	bool stop = false;
	std::mutex err_lock;
	std::exception_ptr err;
	std::barrier go(jobs + 1), done(jobs + 1);

	auto worker = [&](unsigned id) {
		AlignedBuffer buf(std::size_t(s.max_write) * kPageSize);
		for (;;) {
			go.arrive_and_wait();
			if (stop)
				return;
			try {
				for (std::size_t i = id; i < writes.size(); i += jobs)
					write_one(dev, s, epoch, writes[i], buf);
			} catch (...) {
				std::lock_guard g(err_lock);
				if (!err)
					err = std::current_exception();
			}
			done.arrive_and_wait();
		}
	};
	std::vector<std::jthread> threads;
	for (unsigned i = 0; i < jobs; i++)
		threads.emplace_back(worker, i);
	// Stop the workers whichever way this function ends.
	struct Stopper {
		bool &stop;
		std::barrier<> &go;
		~Stopper()
		{
			stop = true;
			go.arrive_and_wait();
		}
	} stopper{stop, go};

	start();
	for (epoch = 1; epoch <= epochs; epoch++) {
		writes = s.epoch(epoch);
		go.arrive_and_wait();
		done.arrive_and_wait();
		if (err)
			std::rethrow_exception(err);
		dev.sync();
		ack(epoch);
	}
}

std::uint64_t CrashReport::failed() const
{
	std::uint64_t n = 0;
	for (const auto &[v, count] : failures)
		n += count;
	return n;
}

CrashReport check_crash(const Schedule &s, std::uint32_t acked,
			std::uint32_t epoch_limit,
			const std::vector<Observed> &observed,
			const std::vector<Observed> *base,
			std::size_t max_messages)
{
	CrashReport r;
	std::vector<std::uint32_t> floor(s.pages, 0);
	for (std::uint32_t e = 1; e <= acked; e++)
		for (const Write &w : s.epoch(e))
			std::fill_n(floor.begin() + w.lba, w.pages, e);

	EpochCache cache(s);
	const std::uint64_t n = std::min<std::uint64_t>(s.pages, observed.size());
	for (std::uint64_t lba = 0; lba < n; lba++) {
		const Observed &o = observed[lba];
		Expectation exp;
		exp.lba = lba;
		exp.seed = s.seed;
		exp.acked = acked;
		exp.floor = floor[lba];
		exp.limit = epoch_limit;
		exp.wrote = [&, lba](std::uint32_t e) {
			if (epoch_limit && e > epoch_limit)
				return false;
			if (e > acked && e - acked > kMaxAhead)
				return false;
			return cache.wrote(e, lba);
		};
		if (base && lba < base->size())
			exp.base = (*base)[lba];
		const Verdict v = judge(o, exp);
		r.checked++;
		if (o.kind == Observed::record && o.seed == s.seed &&
		    o.lba == lba && verdict_ok(v))
			r.max_epoch = std::max(r.max_epoch, o.epoch);
		switch (v) {
		case Verdict::acked:
			r.acked++;
			break;
		case Verdict::later:
			r.later++;
			break;
		case Verdict::zero:
			r.zero++;
			break;
		case Verdict::base:
			r.base++;
			break;
		default:
			r.failures[v]++;
			if (r.messages.size() < max_messages)
				r.messages.push_back(explain(v, o, exp));
		}
	}
	return r;
}

std::vector<Observed> read_observed(Device &dev, std::uint64_t pages)
{
	constexpr std::uint64_t chunk = 256;
	std::vector<Observed> out;
	out.reserve(pages);
	AlignedBuffer buf(chunk * kPageSize);
	for (std::uint64_t p = 0; p < pages; p += chunk) {
		const std::uint64_t n = std::min(chunk, pages - p);
		dev.read(buf.data(), n * kPageSize, p * kPageSize);
		for (std::uint64_t i = 0; i < n; i++)
			out.push_back(decode_record(buf.data() + i * kPageSize));
	}
	return out;
}

void save_state(const std::string &path, const std::vector<Observed> &state)
{
	std::vector<std::uint8_t> body(state.size() * kStateEntry, 0);
	for (std::size_t i = 0; i < state.size(); i++) {
		std::uint8_t *e = body.data() + i * kStateEntry;
		std::memcpy(e, &state[i].seed, 8);
		std::memcpy(e + 8, &state[i].epoch, 4);
		e[12] = state[i].kind;
	}
	std::uint8_t head[kStateHeader] = {};
	const std::uint64_t pages = state.size();
	const std::uint32_t crc = crc32c(body.data(), body.size());
	std::memcpy(head, &kStateMagic, 8);
	std::memcpy(head + 8, &pages, 8);
	std::memcpy(head + 16, &crc, 4);
	std::ofstream out(path, std::ios::binary | std::ios::trunc);
	out.write(reinterpret_cast<const char *>(head), sizeof(head));
	out.write(reinterpret_cast<const char *>(body.data()),
		  static_cast<std::streamsize>(body.size()));
	out.close();
	if (!out)
		throw std::runtime_error(path + ": cannot write the state file");
}

std::vector<Observed> load_state(const std::string &path, std::uint64_t pages)
{
	std::ifstream in(path, std::ios::binary);
	if (!in)
		throw std::runtime_error(path + ": cannot open the state file");
	std::vector<char> raw((std::istreambuf_iterator<char>(in)),
			      std::istreambuf_iterator<char>());
	if (raw.size() < kStateHeader)
		throw std::runtime_error(path + ": " + std::to_string(raw.size()) +
					 " bytes, shorter than the header");
	std::uint64_t magic, n;
	std::uint32_t crc;
	std::memcpy(&magic, raw.data(), 8);
	std::memcpy(&n, raw.data() + 8, 8);
	std::memcpy(&crc, raw.data() + 16, 4);
	if (magic != kStateMagic)
		throw std::runtime_error(path + ": offset 0: magic is not FNSTATE1");
	if (n != pages)
		throw std::runtime_error(path + ": offset 8: pages " +
					 std::to_string(n) + ", expected " +
					 std::to_string(pages));
	if (raw.size() != kStateHeader + n * kStateEntry)
		throw std::runtime_error(path + ": " + std::to_string(raw.size()) +
					 " bytes, expected " +
					 std::to_string(kStateHeader +
							n * kStateEntry));
	const auto *body =
		reinterpret_cast<const std::uint8_t *>(raw.data()) + kStateHeader;
	if (crc32c(body, n * kStateEntry) != crc)
		throw std::runtime_error(path + ": offset 16: crc32c of the "
					 "entries does not match");
	std::vector<Observed> state(n);
	for (std::uint64_t i = 0; i < n; i++) {
		const std::uint8_t *e = body + i * kStateEntry;
		std::memcpy(&state[i].seed, e, 8);
		std::memcpy(&state[i].epoch, e + 8, 4);
		if (e[12] > Observed::garbage)
			throw std::runtime_error(
				path + ": offset " +
				std::to_string(kStateHeader + i * kStateEntry + 12) +
				": bad kind " + std::to_string(e[12]));
		state[i].kind = static_cast<Observed::Kind>(e[12]);
		state[i].lba = state[i].kind == Observed::zero ? 0 : i;
	}
	return state;
}

} // namespace flashnet::salsa
