// SPDX-License-Identifier: GPL-2.0
#include "qemu.h"

#include <algorithm>
#include <filesystem>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace flashnet::vm;
namespace fs = std::filesystem;

namespace {

GuestSpec sample()
{
	GuestSpec s;
	s.kernel.image = "/boot/vmlinuz-x";
	s.kernel.initramfs = "/cache/initrd.gz";
	s.job_dir = "/tmp/job";
	return s;
}

// The value following `flag` in argv, or "" if absent.
std::vector<std::string> values_of(const std::vector<std::string> &argv,
				   const std::string &flag)
{
	std::vector<std::string> v;
	for (std::size_t i = 0; i + 1 < argv.size(); i++)
		if (argv[i] == flag)
			v.push_back(argv[i + 1]);
	return v;
}

bool contains(const std::vector<std::string> &v, const std::string &s)
{
	return std::find(v.begin(), v.end(), s) != v.end();
}

} // namespace

TEST(QemuArgv, TcgByDefaultWithMaxCpu)
{
	auto argv = qemu_argv(sample());
	EXPECT_EQ(values_of(argv, "-accel"),
		  std::vector<std::string>{"tcg,thread=multi"});
	EXPECT_EQ(values_of(argv, "-cpu"), std::vector<std::string>{"max"});
}

TEST(QemuArgv, KvmUsesHostCpu)
{
	GuestSpec s = sample();
	s.accel = Accel::kvm;
	auto argv = qemu_argv(s);
	EXPECT_EQ(values_of(argv, "-accel"), std::vector<std::string>{"kvm"});
	EXPECT_EQ(values_of(argv, "-cpu"), std::vector<std::string>{"host"});
}

TEST(QemuArgv, PanicEndsQemuInsteadOfIdling)
{
	auto argv = qemu_argv(sample());
	EXPECT_TRUE(contains(argv, "-no-reboot"));
	auto append = values_of(argv, "-append").at(0);
	EXPECT_NE(append.find("panic=-1"), std::string::npos);
	EXPECT_NE(append.find("printk.time=1"), std::string::npos);
}

TEST(QemuArgv, FourLevelPaging)
{
	// The debug kernel's KASAN misreports early boot under 5-level paging.
	auto append = values_of(qemu_argv(sample()), "-append").at(0);
	EXPECT_NE(append.find(" no5lvl "), std::string::npos);
}

TEST(QemuArgv, HostRootIsReadOnlyAndJobDirWritable)
{
	auto fsdevs = values_of(qemu_argv(sample()), "-fsdev");
	ASSERT_EQ(fsdevs.size(), 2u);
	EXPECT_NE(fsdevs[0].find("path=/,"), std::string::npos);
	EXPECT_NE(fsdevs[0].find("readonly=on"), std::string::npos);
	EXPECT_NE(fsdevs[1].find("path=/tmp/job"), std::string::npos);
	EXPECT_EQ(fsdevs[1].find("readonly"), std::string::npos);
}

TEST(QemuArgv, KernelArgsAreAppended)
{
	GuestSpec s = sample();
	s.kernel_args = {"flashnet.probe=1"};
	auto append = values_of(qemu_argv(s), "-append").at(0);
	EXPECT_NE(append.find(" flashnet.probe=1"), std::string::npos);
}

TEST(QemuArgv, EachDiskIsAVirtioBlkDevice)
{
	GuestSpec s = sample();
	s.disks = {{"/d/a.img", 0}, {"/d/b.img", 0}};
	auto argv = qemu_argv(s);
	auto drives = values_of(argv, "-drive");
	ASSERT_EQ(drives.size(), 2u);
	EXPECT_NE(drives[0].find("file=/d/a.img,format=raw"),
		  std::string::npos);
	EXPECT_NE(drives[1].find("id=disk1"), std::string::npos);
	auto devices = values_of(argv, "-device");
	EXPECT_TRUE(contains(devices,
			     "virtio-blk-pci,drive=disk1,serial=flashnet1"));
}

TEST(QemuArgv, DiskPathWithCommaIsRefused)
{
	GuestSpec s = sample();
	s.disks = {{"/d/a,b.img", 0}};
	EXPECT_THROW(qemu_argv(s), std::invalid_argument);
}

TEST(QemuArgv, LinkIsUdpOnLoopbackOnly)
{
	GuestSpec s = sample();
	s.link = LinkEnd{4000, 4001, "52:54:00:77:00:01"};
	auto argv = qemu_argv(s);
	EXPECT_EQ(values_of(argv, "-netdev"),
		  std::vector<std::string>{
			  "socket,id=link,udp=127.0.0.1:4001,"
			  "localaddr=127.0.0.1:4000"});
	EXPECT_TRUE(contains(values_of(argv, "-device"),
			     "virtio-net-pci,netdev=link,mac=52:54:00:77:00:01"));
}

TEST(QemuArgv, NoNetworkWithoutLink)
{
	EXPECT_TRUE(values_of(qemu_argv(sample()), "-netdev").empty());
}

TEST(ParseSize, Suffixes)
{
	EXPECT_EQ(parse_size("4096"), 4096u);
	EXPECT_EQ(parse_size("64K"), 64u << 10);
	EXPECT_EQ(parse_size("3M"), 3u << 20);
	EXPECT_EQ(parse_size("2G"), 2ull << 30);
	EXPECT_EQ(parse_size("1T"), 1ull << 40);
}

TEST(ParseSize, RejectsGarbageAndOverflow)
{
	EXPECT_THROW(parse_size(""), std::invalid_argument);
	EXPECT_THROW(parse_size("12Q"), std::invalid_argument);
	EXPECT_THROW(parse_size("G"), std::invalid_argument);
	EXPECT_THROW(parse_size("99999999999T"), std::invalid_argument);
}

TEST(ParseDisk, FileAndOptionalSize)
{
	DiskSpec d = parse_disk("/x/flash.img:1G");
	EXPECT_EQ(d.file, "/x/flash.img");
	EXPECT_EQ(d.size, 1ull << 30);
	EXPECT_EQ(parse_disk("/x/flash.img").size, 0u);
	EXPECT_THROW(parse_disk(":1G"), std::invalid_argument);
}

TEST(PrepareDisk, CreatesSparseFileOnceAndKeepsIt)
{
	fs::path dir = fs::temp_directory_path() /
		       ("flashnet-disk-" + std::to_string(getpid()));
	fs::create_directories(dir);
	DiskSpec d{dir / "disk.img", 1ull << 30};
	prepare_disk(d);
	EXPECT_EQ(fs::file_size(d.file), 1ull << 30);
	struct stat st;
	ASSERT_EQ(stat(d.file.c_str(), &st), 0);
	EXPECT_LT(st.st_blocks * 512, 1 << 20) << "not sparse";

	// An existing disk is reused as it is: that is what survives a cut.
	fs::resize_file(d.file, 4096);
	prepare_disk(d);
	EXPECT_EQ(fs::file_size(d.file), 4096u);
	fs::remove_all(dir);
}

TEST(PrepareDisk, MissingFileWithoutSizeIsAnError)
{
	EXPECT_THROW(prepare_disk({"/nonexistent/flashnet.img", 0}),
		     std::runtime_error);
}
