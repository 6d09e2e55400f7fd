// SPDX-License-Identifier: GPL-2.0
// The crash load (epochs of writes, each acknowledged after a flush) and the
// check of a device after a power cut against the same schedule.
#pragma once

#include "device.h"
#include "pattern.h"

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace flashnet::salsa {

// Runs epochs 1..epochs of `s` on `dev`: each epoch's writes spread over
// `jobs` threads, then a flush, then `ack(epoch)`. `start()` runs once
// before the first write. Throws IoError.
void crash_load(Device &dev, const Schedule &s, std::uint32_t epochs,
		unsigned jobs, const std::function<void()> &start,
		const std::function<void(std::uint32_t)> &ack);

struct CrashReport {
	std::uint64_t checked = 0;
	std::uint64_t acked = 0;	// hold the last acknowledged write
	std::uint64_t later = 0;	// hold a later, unacknowledged write
	std::uint64_t zero = 0;
	std::uint64_t base = 0;		// hold what they held before the run
	std::uint32_t max_epoch = 0;	// newest epoch of this seed seen
	std::map<Verdict, std::uint64_t> failures;
	std::vector<std::string> messages;	// the first failures, explained

	bool ok() const { return failures.empty(); }
	std::uint64_t failed() const;
};

// Judges every page of `observed` (index = LBA, size = s.pages) against
// the schedule with epochs 1..acked acknowledged. `epoch_limit` (0: none)
// is the last epoch the load could have reached; `base` (may be null) what
// each LBA held before the run. At most `max_messages` are explained.
CrashReport check_crash(const Schedule &s, std::uint32_t acked,
			std::uint32_t epoch_limit,
			const std::vector<Observed> &observed,
			const std::vector<Observed> *base,
			std::size_t max_messages);

// Reads and decodes pages [0, pages) of `dev`.
std::vector<Observed> read_observed(Device &dev, std::uint64_t pages);

// What every LBA held after a passing check, for the next cycle's --base.
// Binary: "FNSTATE1", pages, crc32c of the entries, then per LBA
// {u64 seed, u32 epoch, u8 kind, 3 zero bytes}. Throws std::runtime_error
// naming the file and the field at fault.
void save_state(const std::string &path, const std::vector<Observed> &state);
std::vector<Observed> load_state(const std::string &path,
				 std::uint64_t pages);

} // namespace flashnet::salsa
