// SPDX-License-Identifier: GPL-2.0
// What a guest is made of, and the QEMU command line that makes it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace flashnet::vm {

enum class Accel { tcg, kvm };

struct KernelImage {
	std::string name;		// "stock", "debug", or a path given by the user
	std::filesystem::path image;	// bzImage / vmlinuz
	std::filesystem::path initramfs;
	std::string release;		// uname -r inside the guest
	// lib/modules/<release> for kernels not installed on the host, bound
	// over /lib/modules/<release> in the guest; empty for host kernels.
	std::filesystem::path module_dir;
	// KDIR to build out-of-tree modules against.
	std::filesystem::path build_dir;
};

struct DiskSpec {
	std::filesystem::path file;	// host file backing the virtio disk
	std::uint64_t size = 0;		// create (sparse) with this size if missing
};

// One end of a point-to-point link: a QEMU UDP socket netdev on 127.0.0.1.
struct LinkEnd {
	std::uint16_t local_port = 0;
	std::uint16_t peer_port = 0;
	std::string mac;
};

struct GuestSpec {
	std::string name = "guest";
	KernelImage kernel;
	Accel accel = Accel::tcg;
	int cpus = 1;
	int memory_mb = 1024;
	std::vector<DiskSpec> disks;
	std::optional<LinkEnd> link;
	std::filesystem::path job_dir;	// shared read-write at /flashnet
	std::vector<std::string> kernel_args;	// appended to the command line
};

std::vector<std::string> qemu_argv(const GuestSpec &spec);

// Parses "FILE" or "FILE:SIZE" with SIZE in bytes or with a K/M/G/T suffix.
DiskSpec parse_disk(const std::string &arg);
std::uint64_t parse_size(const std::string &text);

// Creates the disk's file (sparse) if it does not exist yet.
void prepare_disk(const DiskSpec &disk);

} // namespace flashnet::vm
