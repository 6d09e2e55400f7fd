// SPDX-License-Identifier: GPL-2.0
// flashnet-vm: boots FlashNet test guests under QEMU and reports how they
// ended. See --help.
#include "kernels.h"
#include "logscan.h"
#include "process.h"
#include "session.h"

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <unistd.h>

namespace fs = std::filesystem;
using namespace flashnet::vm;

namespace {

const char kUsage[] = R"(usage:
  flashnet-vm run  [options] [--disk FILE[:SIZE]]... [--null-blk PARAMS]
                   [--cut-at-marker TEXT | --cut-after SECONDS] -- COMMAND...
  flashnet-vm pair [options] --server CMD --client CMD
                   [--server-disk FILE[:SIZE]]... [--client-disk ...]
                   [--server-kernel K] [--client-kernel K]
  flashnet-vm kernel stock|debug     print release, image and KDIR
  flashnet-vm probe-kvm              decide (and cache) kvm or tcg
  flashnet-vm scan LOG...            list kernel reports in saved logs

Boots Debian's stock kernel or the project's debug kernel under QEMU with the
host root read-only over 9p (tmpfs overlay on top), runs COMMAND with
/bin/sh in the guest (cwd = the current directory), and powers off.
Everything the guest writes to $FLASHNET_OUT lands in LOGDIR/NAME.job/out.

pair: two guests on a private UDP link between QEMU processes on 127.0.0.1;
the server guest is 10.77.0.1, the client 10.77.0.2 (also in
$FLASHNET_SERVER_IP / $FLASHNET_CLIENT_IP, role in $FLASHNET_ROLE). When one
guest fails the other is stopped.

options:
  --kernel stock|debug|DIR   kernel to boot (default stock)
  --accel auto|kvm|tcg       auto probes KVM once (default auto)
  --cpus N --mem MB          per guest (default 1, 1024)
  --timeout SECONDS          per guest; the guest is killed after (600)
  --env NAME=VALUE           exported to the guest command (repeatable)
  --expect-report KIND[,..]  these kernel reports must appear, and are not
                             failures (the harness's own tests)
  --log-dir DIR              console logs and job directories
                             (default ./flashnet-logs/<time>-<pid>)
  --verbose | --quiet        echo the whole console / nothing
                             (default: the command's part)

exit status: the guest command's status when the log is clean; with a cut,
0 if it happened; 120 kernel reports in a log, 121 guest died without an
exit status, 122 a wanted cut did not happen, 124 timeout, 125 usage or
set-up error. Report kinds: kasan lockdep kmemleak warning bug oops
general_protection panic ubsan atomic_sleep hung_task rcu_stall.
)";

struct Args {
	std::vector<std::string> v;
	std::size_t i = 0;
	bool more() const { return i < v.size(); }
	const std::string &peek() const { return v[i]; }
	std::string next(const std::string &opt)
	{
		if (i >= v.size())
			throw std::invalid_argument(opt + " needs a value");
		return v[i++];
	}
};

double parse_seconds(const std::string &opt, const std::string &text)
{
	try {
		std::size_t used;
		double d = std::stod(text, &used);
		if (used == text.size() && d > 0)
			return d;
	} catch (const std::exception &) {
	}
	throw std::invalid_argument(opt + ": bad number of seconds '" + text +
				    "'");
}

int parse_count(const std::string &opt, const std::string &text, int max)
{
	try {
		std::size_t used;
		int n = std::stoi(text, &used);
		if (used == text.size() && n > 0 && n <= max)
			return n;
	} catch (const std::exception &) {
	}
	throw std::invalid_argument(opt + ": expected 1.." +
				    std::to_string(max) + ", got '" + text +
				    "'");
}

std::set<ReportKind> parse_kinds(const std::string &list)
{
	std::set<ReportKind> kinds;
	std::stringstream ss(list);
	std::string item;
	while (std::getline(ss, item, ',')) {
		auto k = parse_report_kind(item);
		if (!k)
			throw std::invalid_argument("unknown report kind '" +
						    item + "'");
		kinds.insert(*k);
	}
	return kinds;
}

fs::path default_log_dir()
{
	if (const char *d = std::getenv("FLASHNET_LOG_DIR"); d && *d)
		return d;
	std::time_t t = std::time(nullptr);
	char stamp[32];
	std::strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S",
		      std::localtime(&t));
	return fs::current_path() / "flashnet-logs" /
	       (std::string(stamp) + "-" + std::to_string(getpid()));
}

struct Common {
	std::string kernel = "stock";
	std::string accel = "auto";
	int cpus = 1;
	int memory_mb = GuestSpec{}.memory_mb;
	double timeout = 600;
	std::vector<std::pair<std::string, std::string>> env;
	std::set<ReportKind> expected;
	fs::path log_dir;
	int echo = 1;

	// Consumes one common option; false if it is not one.
	bool parse(const std::string &opt, Args &a)
	{
		if (opt == "--kernel")
			kernel = a.next(opt);
		else if (opt == "--accel")
			accel = a.next(opt);
		else if (opt == "--cpus")
			cpus = parse_count(opt, a.next(opt), 64);
		else if (opt == "--mem")
			memory_mb = parse_count(opt, a.next(opt), 1 << 20);
		else if (opt == "--timeout")
			timeout = parse_seconds(opt, a.next(opt));
		else if (opt == "--env") {
			std::string kv = a.next(opt);
			auto eq = kv.find('=');
			if (eq == std::string::npos || eq == 0)
				throw std::invalid_argument(
					"--env wants NAME=VALUE, got '" + kv +
					"'");
			env.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
		} else if (opt == "--expect-report")
			expected = parse_kinds(a.next(opt));
		else if (opt == "--log-dir")
			log_dir = fs::absolute(a.next(opt));
		else if (opt == "--verbose")
			echo = 2;
		else if (opt == "--quiet")
			echo = 0;
		else
			return false;
		return true;
	}

	Accel resolve_accel() const
	{
		if (accel == "kvm")
			return Accel::kvm;
		if (accel == "tcg")
			return Accel::tcg;
		if (accel == "auto")
			return probe_accel(true);
		throw std::invalid_argument("--accel: auto, kvm or tcg, not '" +
					    accel + "'");
	}

	GuestPlan plan(const std::string &name, const std::string &kname,
		       Accel acc) const
	{
		GuestPlan p;
		p.spec.name = name;
		p.spec.kernel = resolve_kernel(kname);
		p.spec.accel = acc;
		p.spec.cpus = cpus;
		p.spec.memory_mb = memory_mb;
		p.cwd = fs::current_path();
		p.env = env;
		p.timeout_seconds = timeout;
		p.expected_reports = expected;
		return p;
	}
};

int report(const std::vector<GuestResult> &results,
	   const std::vector<bool> &cut_wanted)
{
	int code = 0;
	for (std::size_t i = 0; i < results.size(); i++) {
		describe(std::cerr, "flashnet-vm", results[i]);
		// A stopped guest is the consequence, not the cause.
		if (code == 0 && results[i].outcome != Outcome::stopped)
			code = exit_status(results[i], cut_wanted[i]);
	}
	return code;
}

std::string join_command(Args &a)
{
	std::string cmd;
	for (; a.more(); a.i++)
		cmd += (cmd.empty() ? "" : " ") + shell_quote(a.peek());
	if (cmd.empty())
		throw std::invalid_argument("run: no command after --");
	return "exec " + cmd;
}

int cmd_run(Args &a)
{
	Common c;
	std::vector<DiskSpec> disks;
	std::optional<std::string> null_blk;
	CutPolicy cut;
	std::string command;
	while (a.more()) {
		std::string opt = a.next("");
		if (c.parse(opt, a))
			continue;
		if (opt == "--disk")
			disks.push_back(parse_disk(a.next(opt)));
		else if (opt == "--null-blk")
			null_blk = a.next(opt);
		else if (opt == "--cut-at-marker")
			cut.at_marker = a.next(opt);
		else if (opt == "--cut-after")
			cut.after_seconds = parse_seconds(opt, a.next(opt));
		else if (opt == "--") {
			command = join_command(a);
		} else
			throw std::invalid_argument("run: unknown option '" +
						    opt + "'");
	}
	if (command.empty())
		throw std::invalid_argument("run: missing -- COMMAND");
	if (c.log_dir.empty())
		c.log_dir = default_log_dir();
	GuestPlan p = c.plan("guest", c.kernel, c.resolve_accel());
	for (auto &d : disks)
		d.file = fs::absolute(d.file);
	p.spec.disks = disks;
	p.null_blk = null_blk;
	p.cut = cut;
	p.command = command;
	auto results = run_session({p}, {c.log_dir, c.echo});
	return report(results, {cut.wanted()});
}

int cmd_pair(Args &a)
{
	Common c;
	std::string server_cmd, client_cmd, server_kernel, client_kernel;
	std::vector<DiskSpec> server_disks, client_disks;
	while (a.more()) {
		std::string opt = a.next("");
		if (c.parse(opt, a))
			continue;
		if (opt == "--server")
			server_cmd = a.next(opt);
		else if (opt == "--client")
			client_cmd = a.next(opt);
		else if (opt == "--server-kernel")
			server_kernel = a.next(opt);
		else if (opt == "--client-kernel")
			client_kernel = a.next(opt);
		else if (opt == "--server-disk")
			server_disks.push_back(parse_disk(a.next(opt)));
		else if (opt == "--client-disk")
			client_disks.push_back(parse_disk(a.next(opt)));
		else
			throw std::invalid_argument("pair: unknown option '" +
						    opt + "'");
	}
	if (server_cmd.empty() || client_cmd.empty())
		throw std::invalid_argument("pair: needs --server and --client");
	if (c.log_dir.empty())
		c.log_dir = default_log_dir();
	const Accel acc = c.resolve_accel();

	const std::string server_ip = "10.77.0.1", client_ip = "10.77.0.2";
	const std::uint16_t sport = free_udp_port();
	std::uint16_t cport = free_udp_port();
	while (cport == sport)
		cport = free_udp_port();

	GuestPlan s = c.plan("server",
			     server_kernel.empty() ? c.kernel : server_kernel,
			     acc);
	GuestPlan k = c.plan("client",
			     client_kernel.empty() ? c.kernel : client_kernel,
			     acc);
	s.spec.link = LinkEnd{sport, cport, "52:54:00:77:00:01"};
	k.spec.link = LinkEnd{cport, sport, "52:54:00:77:00:02"};
	s.ip = server_ip + "/24";
	k.ip = client_ip + "/24";
	s.command = server_cmd;
	k.command = client_cmd;
	for (auto &d : server_disks)
		d.file = fs::absolute(d.file);
	for (auto &d : client_disks)
		d.file = fs::absolute(d.file);
	s.spec.disks = server_disks;
	k.spec.disks = client_disks;
	for (GuestPlan *p : {&s, &k}) {
		p->env.emplace_back("FLASHNET_ROLE", p->spec.name);
		p->env.emplace_back("FLASHNET_SERVER_IP", server_ip);
		p->env.emplace_back("FLASHNET_CLIENT_IP", client_ip);
	}
	auto results = run_session({s, k}, {c.log_dir, c.echo});
	return report(results, {false, false});
}

int cmd_kernel(Args &a)
{
	if (!a.more())
		throw std::invalid_argument("kernel: stock or debug?");
	KernelImage k = resolve_kernel(a.next(""));
	std::cout << "release " << k.release << "\nimage " << k.image.string()
		  << "\ninitramfs " << k.initramfs.string() << "\nbuild "
		  << k.build_dir.string() << "\n";
	return 0;
}

int cmd_scan(Args &a)
{
	int found = 0;
	while (a.more()) {
		std::string file = a.next("");
		std::ifstream in(file);
		if (!in)
			throw std::invalid_argument("cannot read " + file);
		std::stringstream ss;
		ss << in.rdbuf();
		for (const Report &r : scan_log(ss.str())) {
			std::cout << file << ":" << r.line << ": "
				  << to_string(r.kind) << ": " << r.headline
				  << "\n";
			found++;
		}
	}
	return found ? kExitReports : 0;
}

} // namespace

int main(int argc, char **argv)
{
	Args a{{argv + 1, argv + argc}};
	if (!a.more() || a.peek() == "--help" || a.peek() == "-h") {
		std::cout << kUsage;
		return a.more() ? 0 : kExitUsage;
	}
	try {
		std::string cmd = a.next("");
		if (cmd == "run")
			return cmd_run(a);
		if (cmd == "pair")
			return cmd_pair(a);
		if (cmd == "kernel")
			return cmd_kernel(a);
		if (cmd == "probe-kvm") {
			Accel acc = probe_accel(true);
			std::cout << (acc == Accel::kvm ? "kvm" : "tcg") << "\n";
			return 0;
		}
		if (cmd == "scan")
			return cmd_scan(a);
		throw std::invalid_argument("unknown command '" + cmd +
					    "' (see --help)");
	} catch (const std::invalid_argument &e) {
		std::cerr << "flashnet-vm: " << e.what() << "\n";
		return kExitUsage;
	} catch (const std::exception &e) {
		std::cerr << "flashnet-vm: " << e.what() << "\n";
		return kExitUsage;
	}
}
