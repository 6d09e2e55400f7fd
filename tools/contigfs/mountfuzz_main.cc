// SPDX-License-Identifier: GPL-2.0
// contigfs-mountfuzz: fuzzes the kernel's mount of corrupted contigfs file
// systems. See --help and mountfuzz.h.
#include "builder.h"
#include "corrupt.h"
#include "fsck.h"
#include "mountfuzz.h"

#include <logscan.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <iostream>
#include <string>
#include <sys/mount.h>
#include <unistd.h>
#include <vector>

using namespace flashnet::contigfs;
using namespace flashnet::contigfs::mountfuzz;

namespace {

const char kUsage[] = R"(usage: contigfs-mountfuzz [-s FIRST] [-n COUNT] [-o OPTIONS] DEVICE DIR

DEVICE holds a consistent, unmounted contigfs (contigfs-build makes one).
For each seed FIRST .. FIRST+COUNT-1 (default 1, 100): restore DEVICE's
metadata to what it was at the start, corrupt it as the seed says (byte
flips, a resealed superblock field or a committed journal transaction of
flipped pages), run fsck -n, mount it on DIR with OPTIONS, read the whole
tree, change it, unmount and, if fsck had found it clean, run fsck -n
again. One line per seed, then a summary. A seed fails when a clean file
system is refused or damaged, when a corrupted one is refused without a
contigfs message, or when it mounts and then fails with anything but
EUCLEAN/EIO (ENOSPC/EROFS when changing it). A kernel report (BUG, WARN,
KASAN, ...) in the kernel log stops the run.

exit status: 0 every seed acceptable, 1 some seed failed, 2 bad usage or
DEVICE unusable.
)";

// New kernel log messages since the last call, via /dev/kmsg.
class KernelLog {
public:
	KernelLog() : fd_(open("/dev/kmsg", O_RDONLY | O_NONBLOCK))
	{
		if (fd_ < 0)
			throw std::runtime_error(std::string("/dev/kmsg: ") +
						 std::strerror(errno));
		lseek(fd_, 0, SEEK_END);
	}
	~KernelLog() { close(fd_); }

	struct Line {
		int level;	// KERN_ERR is 3
		std::string text;
	};

	std::vector<Line> drain()
	{
		std::vector<Line> lines;
		char rec[8192];
		for (;;) {
			const ssize_t n = read(fd_, rec, sizeof(rec) - 1);
			if (n < 0 && errno == EPIPE)
				continue;	// overwritten records: go on
			if (n <= 0)
				break;
			rec[n] = '\0';
			// "prio,seq,usec,flags;message\n"
			const char *msg = std::strchr(rec, ';');
			if (!msg)
				continue;
			std::string text(msg + 1);
			if (auto nl = text.find('\n'); nl != std::string::npos)
				text.erase(nl);
			lines.push_back({std::atoi(rec) & 7, text});
		}
		return lines;
	}

private:
	int fd_;
};

int fsck_n(const std::string &dev)
{
	return fsck(dev, {.repair = false}, nullptr).exit_code;
}

SeedOutcome run_seed(const std::string &dev, const std::string &dir,
		     const std::string &opts, const MetadataSnapshot &snap,
		     std::uint64_t seed, KernelLog &klog,
		     flashnet::vm::LogScanner &scanner)
{
	SeedOutcome o;
	o.seed = seed;
	{
		Image img = Image::open(dev, Image::Access::read_write);
		snap.restore(img);
		o.corruption = corrupt(img, snap, seed,
				       {.flips = true, .super_field = true, .journal = true});
		o.ro_features = read_super(img).s_feature_ro_compat &
				~CONTIGFS_FEATURE_RO_COMPAT_SUPP;
	}
	o.fsck_before = fsck_n(dev);
	klog.drain();
	if (mount(dev.c_str(), dir.c_str(), "contigfs", 0, opts.c_str()))
		o.mount_errno = errno;
	if (o.mounted()) {
		std::vector<std::string> files;
		o.walk = walk_tree(dir, &files);
		o.change = change_tree(dir, files);
		if (umount(dir.c_str()))
			o.umount_errno = errno;
		if (!o.umount_errno && o.fsck_before == 0)
			o.fsck_after = fsck_n(dev);
	}
	for (const KernelLog::Line &line : klog.drain()) {
		// Errors and warnings, not the notes of a successful mount.
		if (line.level <= 4 && line.text.starts_with("contigfs"))
			o.kernel_lines.push_back(line.text);
		scanner.feed_line("[    0.000000] " + line.text);
	}
	return o;
}

void print(const SeedOutcome &o, const std::string &why)
{
	std::cout << "seed " << o.seed << ": fsck " << o.fsck_before << ", ";
	if (!o.mounted())
		std::cout << "refused " << strerrorname_np(o.mount_errno);
	else
		std::cout << "mounted, " << o.walk.entries << " entries, "
			  << o.walk.error_count() + o.change.error_count() << " errors";
	if (!o.kernel_lines.empty())
		std::cout << " [" << o.kernel_lines.back() << "]";
	std::cout << " |" << o.corruption << "\n";
	if (!why.empty())
		std::cout << "FAIL seed " << o.seed << ": " << why << "\n";
	for (const auto *r : {&o.walk, &o.change})
		if (!r->first_error.empty() && !why.empty())
			std::cout << "  first error: " << r->first_error << "\n";
}

std::uint64_t number(const char *arg)
{
	char *end = nullptr;
	errno = 0;
	const unsigned long long v = std::strtoull(arg, &end, 0);
	if (errno || !*arg || *end || *arg == '-')
		throw std::invalid_argument(std::string("not a number: '") + arg + "'");
	return v;
}

} // namespace

int main(int argc, char **argv)
{
	std::uint64_t first = 1, count = 100;
	std::string opts;
	std::vector<std::string> operands;
	try {
		for (int i = 1; i < argc; i++) {
			const std::string a = argv[i];
			if (a == "-h" || a == "--help") {
				std::cout << kUsage;
				return 0;
			}
			if ((a == "-s" || a == "-n" || a == "-o") && i + 1 >= argc)
				throw std::invalid_argument(a + " needs a value");
			if (a == "-s")
				first = number(argv[++i]);
			else if (a == "-n")
				count = number(argv[++i]);
			else if (a == "-o")
				opts = argv[++i];
			else if (!a.empty() && a[0] == '-')
				throw std::invalid_argument("unknown option " + a);
			else
				operands.push_back(a);
		}
		if (operands.size() != 2)
			throw std::invalid_argument("need DEVICE and DIR");
	} catch (const std::invalid_argument &e) {
		std::cerr << "contigfs-mountfuzz: " << e.what()
			  << "\nTry 'contigfs-mountfuzz --help'.\n";
		return 2;
	}
	const std::string &dev = operands[0], &dir = operands[1];
	MetadataSnapshot snap;
	try {
		if (const int code = fsck_n(dev); code != kFsckClean)
			throw std::runtime_error(dev + ": fsck -n exit " +
						 std::to_string(code) +
						 ": not a consistent contigfs");
		Image img = Image::open(dev, Image::Access::read_only);
		snap = MetadataSnapshot::take(img);
	} catch (const std::exception &e) {
		std::cerr << "contigfs-mountfuzz: " << e.what() << "\n";
		return 2;
	}
	std::cout << "mountfuzz: " << dev << ": " << snap.pages.size()
		  << " metadata pages in use; seeds " << first << ".."
		  << first + count - 1 << std::endl;
	Tally tally;
	try {
		KernelLog klog;
		flashnet::vm::LogScanner scanner;
		for (std::uint64_t seed = first; seed < first + count; seed++) {
			const SeedOutcome o = run_seed(dev, dir, opts, snap, seed,
						       klog, scanner);
			std::string why = judge(o);
			if (!scanner.reports().empty())
				why = "kernel report: " + scanner.reports().front().headline;
			tally.add(o, why.empty());
			print(o, why);
			std::cout.flush();
			if (!scanner.reports().empty())
				break;
		}
		Image img = Image::open(dev, Image::Access::read_write);
		snap.restore(img);
	} catch (const std::exception &e) {
		std::cerr << "contigfs-mountfuzz: " << e.what() << "\n";
		std::cout << tally.summary() << std::endl;
		return 2;
	}
	std::cout << tally.summary() << std::endl;
	return tally.failed ? 1 : 0;
}
