// SPDX-License-Identifier: GPL-2.0
#include "session.h"

#include "kernels.h"
#include "process.h"

#include <arpa/inet.h>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <iostream>
#include <netinet/in.h>
#include <poll.h>
#include <stdexcept>
#include <sys/socket.h>
#include <unistd.h>

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace flashnet::vm {

std::string_view to_string(Outcome o)
{
	switch (o) {
	case Outcome::exited:
		return "exited";
	case Outcome::timeout:
		return "timeout";
	case Outcome::cut:
		return "power cut";
	case Outcome::crashed:
		return "crashed";
	case Outcome::stopped:
		return "stopped";
	}
	return "?";
}

bool GuestResult::ok(bool cut_wanted) const
{
	if (!unexpected.empty() || !missing.empty())
		return false;
	if (cut_wanted)
		return outcome == Outcome::cut;
	return outcome == Outcome::exited && exit_code == 0;
}

int exit_status(const GuestResult &r, bool cut_wanted)
{
	if (!r.unexpected.empty() || !r.missing.empty())
		return kExitReports;
	if (cut_wanted && r.outcome == Outcome::cut)
		return 0;
	switch (r.outcome) {
	case Outcome::timeout:
		return kExitTimeout;
	case Outcome::crashed:
		return kExitCrashed;
	case Outcome::exited:
		return cut_wanted ? kExitNoCut : *r.exit_code;
	case Outcome::cut:
	case Outcome::stopped:
		break;
	}
	return cut_wanted ? kExitNoCut : kExitCrashed;
}

void describe(std::ostream &out, std::string_view tool, const GuestResult &r)
{
	out << tool << ": " << r.name << ": " << to_string(r.outcome);
	if (r.exit_code)
		out << ", status " << *r.exit_code;
	out << ", " << r.reports.size() << " kernel report(s), "
	    << static_cast<int>(r.seconds) << " s, log " << r.log.string()
	    << "\n";
	for (const Report &rep : r.reports)
		out << "  " << r.log.filename().string() << ":" << rep.line
		    << ": " << to_string(rep.kind) << ": " << rep.headline
		    << "\n";
	for (ReportKind k : r.missing)
		out << "  expected a " << to_string(k)
		    << " report; none appeared\n";
}

std::string shell_quote(const std::string &word)
{
	std::string q = "'";
	for (char c : word) {
		if (c == '\'')
			q += "'\\''";
		else
			q += c;
	}
	return q + "'";
}

std::uint16_t free_udp_port()
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		throw std::runtime_error(std::string("socket: ") +
					 strerror(errno));
	sockaddr_in a{};
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t len = sizeof(a);
	if (bind(fd, reinterpret_cast<sockaddr *>(&a), sizeof(a)) < 0 ||
	    getsockname(fd, reinterpret_cast<sockaddr *>(&a), &len) < 0) {
		close(fd);
		throw std::runtime_error(std::string("bind: ") +
					 strerror(errno));
	}
	close(fd);
	return ntohs(a.sin_port);
}

namespace {

struct Running {
	GuestPlan plan;
	GuestResult result;
	ChildProcess qemu;
	std::ofstream log;
	LogScanner scanner;
	std::string partial;
	Clock::time_point started_at;
	Clock::time_point deadline;
	std::optional<Clock::time_point> command_started;
	bool done = false;
	bool killed = false;
};

void write_job_dir(const GuestPlan &plan, const fs::path &job)
{
	fs::remove_all(job);
	fs::create_directories(job / "out");
	fs::copy_file(source_dir() / "tools/vm/guest/stage2.sh",
		      job / "stage2.sh");

	std::ofstream env(job / "env");
	auto put = [&env](const std::string &k, const std::string &v) {
		env << "export " << k << "=" << shell_quote(v) << "\n";
	};
	put("FLASHNET_HOSTNAME", plan.spec.name);
	put("FLASHNET_CWD", plan.cwd.string());
	put("FLASHNET_KERNEL", plan.spec.kernel.name);
	put("FLASHNET_OUT", "/flashnet/out");
	put("FLASHNET_SOURCE", source_dir().string());
	if (!plan.spec.kernel.module_dir.empty())
		put("FLASHNET_MODDIR", plan.spec.kernel.module_dir.string());
	if (!plan.ip.empty())
		put("FLASHNET_IP", plan.ip);
	if (plan.null_blk)
		put("FLASHNET_NULL_BLK", *plan.null_blk);
	for (const auto &[k, v] : plan.env)
		put(k, v);

	std::ofstream cmd(job / "cmd");
	cmd << plan.command << "\n";
}

Clock::duration seconds(double s)
{
	return std::chrono::duration_cast<Clock::duration>(
		std::chrono::duration<double>(s));
}

// When a timed power cut is due: counted from the command's start.
std::optional<Clock::time_point> cut_time(const Running &r)
{
	if (!r.plan.cut.after_seconds || !r.command_started)
		return std::nullopt;
	return *r.command_started + seconds(*r.plan.cut.after_seconds);
}

void kill_guest(Running &r, Outcome why)
{
	if (r.done || r.killed)
		return;
	r.qemu.kill();
	r.killed = true;
	r.result.outcome = why;
}

void handle_line(Running &r, std::string line, const SessionOptions &opt,
		 bool prefix)
{
	if (!line.empty() && line.back() == '\r')
		line.pop_back();
	// Flushed per line: tests watch the log while the guest runs.
	r.log << line << std::endl;
	r.scanner.feed_line(line);

	if (line.find(kMarkerStart) != std::string::npos &&
	    !r.command_started)
		r.command_started = Clock::now();
	if (auto p = line.find(kMarkerExit); p != std::string::npos) {
		try {
			r.result.exit_code =
				std::stoi(line.substr(p + kMarkerExit.size()));
		} catch (const std::exception &) {
			r.result.exit_code = 255;
		}
	}
	if (opt.echo >= 2 || (opt.echo == 1 && r.command_started))
		std::cout << (prefix ? "[" + r.plan.spec.name + "] " : "")
			  << line << std::endl;
	if (!r.plan.cut.at_marker.empty() &&
	    line.find(r.plan.cut.at_marker) != std::string::npos &&
	    line.find(kMarkerExit) == std::string::npos) {
		kill_guest(r, Outcome::cut);
		r.log << "flashnet-vm: power cut at marker '"
		      << r.plan.cut.at_marker << "'\n";
	}
}

void drain(Running &r, const SessionOptions &opt, bool prefix, bool eof)
{
	char buf[8192];
	for (;;) {
		ssize_t n = read(r.qemu.output_fd(), buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		r.partial.append(buf, n);
		std::size_t nl;
		while ((nl = r.partial.find('\n')) != std::string::npos) {
			handle_line(r, r.partial.substr(0, nl), opt, prefix);
			r.partial.erase(0, nl + 1);
		}
		if (r.killed || n < static_cast<ssize_t>(sizeof(buf)))
			break;
	}
	if (eof && !r.partial.empty()) {
		handle_line(r, r.partial, opt, prefix);
		r.partial.clear();
	}
}

void finish(Running &r)
{
	r.qemu.close_output();
	r.qemu.wait();
	r.done = true;
	if (!r.killed)
		r.result.outcome = r.result.exit_code ? Outcome::exited
						      : Outcome::crashed;
	r.result.seconds =
		std::chrono::duration<double>(Clock::now() - r.started_at)
			.count();
	r.result.reports = r.scanner.reports();
	for (const Report &rep : r.result.reports) {
		if (!r.plan.expected_reports.count(rep.kind))
			r.result.unexpected.push_back(rep);
	}
	for (ReportKind k : r.plan.expected_reports) {
		bool seen = false;
		for (const Report &rep : r.result.reports)
			seen |= rep.kind == k;
		if (!seen)
			r.result.missing.insert(k);
	}
	r.log << "flashnet-vm: " << to_string(r.result.outcome) << "\n";
	r.log.close();
}

} // namespace

std::vector<GuestResult> run_session(std::vector<GuestPlan> plans,
				     const SessionOptions &opt)
{
	fs::create_directories(opt.log_dir);
	std::vector<Running> guests(plans.size());
	const bool prefix = plans.size() > 1;

	for (std::size_t i = 0; i < plans.size(); i++) {
		Running &r = guests[i];
		r.plan = std::move(plans[i]);
		const std::string &name = r.plan.spec.name;
		fs::path job = opt.log_dir / (name + ".job");
		write_job_dir(r.plan, job);
		r.plan.spec.job_dir = fs::absolute(job);
		for (const DiskSpec &d : r.plan.spec.disks)
			prepare_disk(d);
		r.result.name = name;
		r.result.log = opt.log_dir / (name + ".log");
		r.result.out_dir = job / "out";
		r.log.open(r.result.log);
		if (!r.log)
			throw std::runtime_error("cannot write " +
						 r.result.log.string());
	}
	for (Running &r : guests) {
		std::vector<std::string> argv = qemu_argv(r.plan.spec);
		r.log << "flashnet-vm:";
		for (const auto &a : argv)
			r.log << " " << shell_quote(a);
		r.log << "\n";
		r.started_at = Clock::now();
		r.deadline = r.started_at + seconds(r.plan.timeout_seconds);
		r.qemu = ChildProcess::spawn(argv);
	}

	for (;;) {
		std::vector<pollfd> fds;
		std::vector<Running *> owners;
		auto next = Clock::time_point::max();
		for (Running &r : guests) {
			if (r.done)
				continue;
			fds.push_back({r.qemu.output_fd(), POLLIN, 0});
			owners.push_back(&r);
			next = std::min(next, r.deadline);
			if (auto cut = cut_time(r))
				next = std::min(next, *cut);
		}
		if (fds.empty())
			break;
		auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(
			next - Clock::now());
		int ms = static_cast<int>(
			std::clamp<long long>(wait.count() + 1, 0, 1000));
		int n = poll(fds.data(), fds.size(), ms);
		if (n < 0 && errno != EINTR)
			throw std::runtime_error(std::string("poll: ") +
						 strerror(errno));

		const auto now = Clock::now();
		for (std::size_t i = 0; i < fds.size(); i++) {
			Running &r = *owners[i];
			bool eof = fds[i].revents & (POLLHUP | POLLERR);
			if (fds[i].revents & POLLIN)
				drain(r, opt, prefix, false);
			if (eof && !(fds[i].revents & POLLIN)) {
				drain(r, opt, prefix, true);
				finish(r);
				continue;
			}
			if (now >= r.deadline)
				kill_guest(r, Outcome::timeout);
			if (auto cut = cut_time(r);
			    cut && now >= *cut && !r.killed) {
				r.log << "flashnet-vm: power cut after "
				      << *r.plan.cut.after_seconds << " s\n";
				kill_guest(r, Outcome::cut);
			}
			if (r.killed) {
				drain(r, opt, prefix, true);
				finish(r);
			}
		}

		// A failed guest would leave its peer waiting for the
		// timeout: stop the others.
		bool failed = false;
		for (const Running &r : guests)
			failed |= r.done &&
				  !r.result.ok(r.plan.cut.wanted()) &&
				  r.result.outcome != Outcome::stopped;
		if (failed) {
			for (Running &r : guests) {
				if (!r.done) {
					kill_guest(r, Outcome::stopped);
					finish(r);
				}
			}
		}
	}

	std::vector<GuestResult> results;
	for (Running &r : guests)
		results.push_back(std::move(r.result));
	return results;
}

bool probe_boot(const GuestSpec &base, double timeout_seconds)
{
	char tmpl[] = "/tmp/flashnet-probe.XXXXXX";
	if (!mkdtemp(tmpl))
		throw std::runtime_error("mkdtemp failed");
	GuestSpec spec = base;
	spec.job_dir = tmpl;
	ChildProcess qemu = ChildProcess::spawn(qemu_argv(spec));
	const auto deadline = Clock::now() + seconds(timeout_seconds);
	std::string seen;
	bool found = false;
	while (!found && Clock::now() < deadline) {
		pollfd p{qemu.output_fd(), POLLIN, 0};
		if (poll(&p, 1, 200) > 0) {
			char buf[4096];
			ssize_t n = read(qemu.output_fd(), buf, sizeof(buf));
			if (n <= 0)
				break;
			seen.append(buf, n);
			found = seen.find(kMarkerInit) != std::string::npos;
		}
	}
	qemu.kill();
	qemu.wait();
	fs::remove_all(tmpl);
	return found;
}

} // namespace flashnet::vm
