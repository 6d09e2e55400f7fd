// SPDX-License-Identifier: GPL-2.0
#include "qemu.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <stdexcept>
#include <unistd.h>

namespace flashnet::vm {

std::vector<std::string> qemu_argv(const GuestSpec &spec)
{
	std::vector<std::string> a = {
		"qemu-system-x86_64", "-nodefaults", "-no-user-config",
		"-display", "none", "-no-reboot", "-machine", "q35",
	};
	if (spec.accel == Accel::kvm) {
		a.insert(a.end(), {"-accel", "kvm", "-cpu", "host"});
	} else {
		a.insert(a.end(), {"-accel", "tcg,thread=multi", "-cpu", "max"});
	}
	a.insert(a.end(), {"-smp", std::to_string(spec.cpus), "-m",
			   std::to_string(spec.memory_mb)});

	// panic=-1 turns a panic into a reboot, which -no-reboot turns into
	// QEMU exiting: a dead guest never idles until the timeout. no5lvl:
	// with -cpu max the kernel would use 5-level paging, under which the
	// 6.1 KASAN kernel intermittently reports a wild access in
	// rcu_is_watching() during early boot (an interrupt in cpu_detect()).
	std::string append = "console=ttyS0 printk.time=1 panic=-1 no5lvl "
			     "mitigations=off random.trust_cpu=on";
	for (const auto &arg : spec.kernel_args)
		append += " " + arg;
	a.insert(a.end(), {"-kernel", spec.kernel.image.string(), "-initrd",
			   spec.kernel.initramfs.string(), "-append", append});

	a.insert(a.end(), {"-chardev", "stdio,id=con,signal=off", "-serial",
			   "chardev:con"});

	a.insert(a.end(),
		 {"-fsdev",
		  "local,id=hostroot,path=/,security_model=none,readonly=on,"
		  "multidevs=remap",
		  "-device", "virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot"});
	a.insert(a.end(), {"-fsdev",
			   "local,id=fnjob,path=" + spec.job_dir.string() +
				   ",security_model=none",
			   "-device", "virtio-9p-pci,fsdev=fnjob,mount_tag=fnjob"});

	for (std::size_t i = 0; i < spec.disks.size(); i++) {
		const std::string id = "disk" + std::to_string(i);
		// The file must not contain a comma: QEMU would split on it.
		if (spec.disks[i].file.string().find(',') != std::string::npos)
			throw std::invalid_argument("disk path contains ',': " +
						    spec.disks[i].file.string());
		a.insert(a.end(),
			 {"-drive",
			  "file=" + spec.disks[i].file.string() +
				  ",format=raw,if=none,id=" + id +
				  ",cache=writeback",
			  "-device",
			  "virtio-blk-pci,drive=" + id + ",serial=flashnet" +
				  std::to_string(i)});
	}

	if (spec.link) {
		const LinkEnd &l = *spec.link;
		a.insert(a.end(),
			 {"-netdev",
			  "socket,id=link,udp=127.0.0.1:" +
				  std::to_string(l.peer_port) +
				  ",localaddr=127.0.0.1:" +
				  std::to_string(l.local_port),
			  "-device", "virtio-net-pci,netdev=link,mac=" + l.mac});
	}
	return a;
}

std::uint64_t parse_size(const std::string &text)
{
	std::size_t used = 0;
	unsigned long long n;
	try {
		n = std::stoull(text, &used);
	} catch (const std::exception &) {
		throw std::invalid_argument("bad size '" + text + "'");
	}
	std::string suffix = text.substr(used);
	int shift = 0;
	if (suffix == "" || suffix == "B")
		shift = 0;
	else if (suffix == "K" || suffix == "k")
		shift = 10;
	else if (suffix == "M")
		shift = 20;
	else if (suffix == "G")
		shift = 30;
	else if (suffix == "T")
		shift = 40;
	else
		throw std::invalid_argument("bad size suffix in '" + text + "'");
	if (shift && (n >> (64 - shift)) != 0)
		throw std::invalid_argument("size too large: '" + text + "'");
	return static_cast<std::uint64_t>(n) << shift;
}

DiskSpec parse_disk(const std::string &arg)
{
	DiskSpec d;
	auto colon = arg.rfind(':');
	if (colon == std::string::npos) {
		d.file = arg;
	} else {
		d.file = arg.substr(0, colon);
		d.size = parse_size(arg.substr(colon + 1));
	}
	if (d.file.empty())
		throw std::invalid_argument("disk '" + arg + "' has no file name");
	return d;
}

void prepare_disk(const DiskSpec &disk)
{
	if (std::filesystem::exists(disk.file))
		return;
	if (disk.size == 0)
		throw std::runtime_error("disk " + disk.file.string() +
					 " does not exist and has no size");
	int fd = open(disk.file.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC,
		      0644);
	if (fd < 0 || ftruncate(fd, static_cast<off_t>(disk.size)) < 0) {
		std::string why = strerror(errno);
		if (fd >= 0)
			close(fd);
		throw std::runtime_error("create disk " + disk.file.string() +
					 ": " + why);
	}
	close(fd);
}

} // namespace flashnet::vm
