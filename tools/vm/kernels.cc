// SPDX-License-Identifier: GPL-2.0
#include "kernels.h"

#include "process.h"
#include "session.h"

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <regex>
#include <stdexcept>
#include <sys/utsname.h>
#include <unistd.h>

#ifndef FLASHNET_SOURCE_DIR
#error "FLASHNET_SOURCE_DIR must name the repository root"
#endif

namespace fs = std::filesystem;

namespace flashnet::vm {

namespace {

std::string read_first_line(const fs::path &file)
{
	std::ifstream in(file);
	std::string line;
	if (!in || !std::getline(in, line))
		throw std::runtime_error("cannot read " + file.string());
	return line;
}

// Content hash of the files that go into an initramfs, so editing the init
// script makes a new one.
std::string initramfs_key()
{
	const fs::path g = source_dir() / "tools/vm/guest";
	std::string out = run_capture(
		{"sh", "-c",
		 "cat \"$0/init\" \"$0/mkinitramfs.sh\" | sha256sum",
		 g.string()});
	return out.substr(0, 12);
}

void ensure_initramfs(KernelImage &k, const fs::path &modules_base)
{
	fs::path dir = cache_dir() / "initramfs";
	fs::create_directories(dir);
	k.initramfs = dir / (k.release + "-" + initramfs_key() + ".cpio.gz");
	if (fs::exists(k.initramfs))
		return;
	run_capture({(source_dir() / "tools/vm/guest/mkinitramfs.sh").string(),
		     k.release, modules_base.string(), k.initramfs.string()});
}

KernelImage from_build_dir(const std::string &name, const fs::path &dir)
{
	KernelImage k;
	k.name = name;
	k.image = dir / "bzImage";
	k.release = read_first_line(dir / "release");
	k.module_dir = dir / "modules/lib/modules" / k.release;
	k.build_dir = dir / "build";
	if (!fs::exists(k.image))
		throw std::runtime_error("no kernel image at " + k.image.string());
	ensure_initramfs(k, dir / "modules");
	return k;
}

} // namespace

fs::path cache_dir()
{
	if (const char *c = std::getenv("FLASHNET_CACHE"); c && *c)
		return c;
	if (const char *x = std::getenv("XDG_CACHE_HOME"); x && *x)
		return fs::path(x) / "flashnet";
	if (const char *h = std::getenv("HOME"); h && *h)
		return fs::path(h) / ".cache/flashnet";
	throw std::runtime_error("no cache directory: set FLASHNET_CACHE");
}

fs::path source_dir()
{
	return FLASHNET_SOURCE_DIR;
}

std::string stock_release()
{
	std::string deps = run_capture(
		{"dpkg-query", "-W", "-f", "${Depends}", "linux-image-amd64"});
	std::smatch m;
	static const std::regex image("linux-image-([0-9][^ ,]*)");
	if (!std::regex_search(deps, m, image))
		throw std::runtime_error(
			"cannot tell the stock kernel from linux-image-amd64 (" +
			deps + "); run tools/setup/setup.sh");
	return m[1];
}

KernelImage resolve_kernel(const std::string &name)
{
	if (name == "stock") {
		KernelImage k;
		k.name = name;
		k.release = stock_release();
		k.image = "/boot/vmlinuz-" + k.release;
		k.build_dir = "/lib/modules/" + k.release + "/build";
		if (!fs::exists(k.image))
			throw std::runtime_error("stock kernel " +
						 k.image.string() + " missing");
		ensure_initramfs(k, "");
		return k;
	}
	if (name == "debug") {
		std::string dir = run_capture(
			{(source_dir() / "tools/kernel/build-kernel.sh").string()});
		while (!dir.empty() && (dir.back() == '\n' || dir.back() == ' '))
			dir.pop_back();
		return from_build_dir(name, dir);
	}
	if (fs::is_directory(name))
		return from_build_dir(name, name);
	throw std::invalid_argument("unknown kernel '" + name +
				    "' (stock, debug, or a kernel directory)");
}

Accel probe_accel(bool verbose)
{
	if (const char *forced = std::getenv("FLASHNET_ACCEL")) {
		std::string f = forced;
		if (f == "kvm")
			return Accel::kvm;
		if (f == "tcg")
			return Accel::tcg;
	}
	if (access("/dev/kvm", R_OK | W_OK) != 0)
		return Accel::tcg;

	utsname u{};
	uname(&u);
	fs::path cached = cache_dir() / ("accel-" + std::string(u.release));
	if (fs::exists(cached)) {
		std::string v = read_first_line(cached);
		return v == "kvm" ? Accel::kvm : Accel::tcg;
	}

	// A guest that reaches its init within this time under KVM really
	// runs; a hanging KVM never does.
	GuestSpec spec;
	spec.name = "kvm-probe";
	spec.kernel = resolve_kernel("stock");
	spec.accel = Accel::kvm;
	spec.memory_mb = 512;
	spec.kernel_args.push_back("flashnet.probe=1");
	bool works = probe_boot(spec, 20.0);
	if (verbose)
		std::cerr << "flashnet-vm: KVM " << (works ? "works" : "hangs")
			  << " here; using " << (works ? "kvm" : "tcg") << "\n";
	fs::create_directories(cached.parent_path());
	std::ofstream(cached) << (works ? "kvm" : "tcg") << "\n";
	return works ? Accel::kvm : Accel::tcg;
}

} // namespace flashnet::vm
