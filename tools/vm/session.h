// SPDX-License-Identifier: GPL-2.0
// Running guests: one, or several joined by links, each with a command.
#pragma once

#include "logscan.h"
#include "qemu.h"

#include <filesystem>
#include <ostream>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace flashnet::vm {

// Console markers shared with tools/vm/guest/{init,stage2.sh}.
inline constexpr std::string_view kMarkerInit = "FLASHNET-INIT";
inline constexpr std::string_view kMarkerStart = "FLASHNET-START";
inline constexpr std::string_view kMarkerExit = "FLASHNET-EXIT rc=";

// Power cut: the QEMU process is killed, the disks stay as they are.
struct CutPolicy {
	std::string at_marker;			// when a console line contains it
	std::optional<double> after_seconds;	// after the command started
	bool wanted() const { return !at_marker.empty() || after_seconds; }
};

struct GuestPlan {
	GuestSpec spec;
	std::string command;	// shell text, run by /bin/sh in the guest
	std::filesystem::path cwd;
	std::vector<std::pair<std::string, std::string>> env;
	std::string ip;		// "10.77.0.1/24" on eth0 when there is a link
	std::optional<std::string> null_blk;	// module parameters
	CutPolicy cut;
	double timeout_seconds = 600;
	// Report kinds this guest is meant to produce (the harness's own
	// tests): each must appear, and they do not fail the guest.
	std::set<ReportKind> expected_reports;
};

enum class Outcome {
	exited,		// the command ran and the guest powered off
	timeout,	// killed after timeout_seconds
	cut,		// killed as the cut policy asked
	crashed,	// QEMU ended without the guest reporting an exit status
	stopped,	// killed because another guest of the session failed
};
std::string_view to_string(Outcome);

struct GuestResult {
	std::string name;
	Outcome outcome = Outcome::crashed;
	std::optional<int> exit_code;	// the command's, when reported
	std::vector<Report> reports;	// every report found in the log
	std::vector<Report> unexpected;	// those that fail the guest
	std::set<ReportKind> missing;	// expected kinds that never appeared
	std::filesystem::path log;
	std::filesystem::path out_dir;	// /flashnet/out in the guest
	double seconds = 0;

	// The command exited 0 (or the requested cut happened), and the log
	// holds exactly the expected reports.
	bool ok(bool cut_wanted) const;
};

// Exit statuses of the runners, besides the guest command's own.
inline constexpr int kExitReports = 120;	// kernel reports in a guest log
inline constexpr int kExitCrashed = 121;	// died without an exit status
inline constexpr int kExitNoCut = 122;		// a wanted cut never happened
inline constexpr int kExitTimeout = 124;
inline constexpr int kExitUsage = 125;		// bad arguments, set-up failed

// The guest command's status if the guest is ok, else one of the above.
int exit_status(const GuestResult &result, bool cut_wanted);

// One line for the guest, then one per kernel report and missing report.
void describe(std::ostream &out, std::string_view tool,
	      const GuestResult &result);

struct SessionOptions {
	std::filesystem::path log_dir;
	// Console echo to stdout: 0 none, 1 from the command's start, 2 all.
	int echo = 1;
};

std::vector<GuestResult> run_session(std::vector<GuestPlan> plans,
				     const SessionOptions &options);

// Boots the spec and says whether its init prints kMarkerInit in time.
bool probe_boot(const GuestSpec &spec, double timeout_seconds);

// A UDP port on 127.0.0.1 that was free a moment ago.
std::uint16_t free_udp_port();

// Shell-quotes one word for /bin/sh.
std::string shell_quote(const std::string &word);

} // namespace flashnet::vm
