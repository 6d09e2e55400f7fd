// SPDX-License-Identifier: GPL-2.0
#include "device.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>

namespace flashnet::salsa {

namespace {

std::string errno_text(int err)
{
	return std::string(strerror(err));
}

} // namespace

AlignedBuffer::AlignedBuffer(std::size_t bytes) : size_(bytes)
{
	void *p = nullptr;
	const std::size_t alloc = bytes ? bytes : 4096;
	if (posix_memalign(&p, 4096, alloc))
		throw std::bad_alloc();
	std::memset(p, 0, alloc);
	mem_.reset(static_cast<std::uint8_t *>(p));
}

void AlignedBuffer::Free::operator()(std::uint8_t *p) const
{
	free(p);
}

Device Device::open(const std::string &path, bool writable)
{
	Device d;
	d.path_ = path;
	d.writable_ = writable;
	const int mode = (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC;
	struct stat st;
	if (stat(path.c_str(), &st) < 0)
		throw IoError(path + ": " + errno_text(errno));
	d.block_ = S_ISBLK(st.st_mode);
	if (!d.block_ && !S_ISREG(st.st_mode))
		throw IoError(path + ": neither a block device nor a regular file");

	d.fd_ = ::open(path.c_str(), mode | O_DIRECT);
	d.direct_ = d.fd_ >= 0;
	if (d.fd_ < 0 && (errno != EINVAL || d.block_))
		throw IoError(path + ": open with O_DIRECT: " + errno_text(errno));
	if (d.fd_ >= 0 && !d.block_) {
		// Some file systems accept O_DIRECT at open and refuse it on
		// the first transfer.
		AlignedBuffer probe(4096);
		if (pread(d.fd_, probe.data(), probe.size(), 0) < 0 &&
		    errno == EINVAL) {
			d.close_fd();
			d.direct_ = false;
		}
	}
	if (d.fd_ < 0) {
		d.fd_ = ::open(path.c_str(), mode);
		if (d.fd_ < 0)
			throw IoError(path + ": " + errno_text(errno));
	}
	return d;
}

Device::Device(Device &&other) noexcept
{
	*this = std::move(other);
}

Device &Device::operator=(Device &&other) noexcept
{
	if (this != &other) {
		close_fd();
		fd_ = std::exchange(other.fd_, -1);
		path_ = std::move(other.path_);
		writable_ = other.writable_;
		direct_ = other.direct_;
		block_ = other.block_;
	}
	return *this;
}

Device::~Device()
{
	close_fd();
}

void Device::close_fd()
{
	if (fd_ >= 0)
		::close(fd_);
	fd_ = -1;
}

std::uint64_t Device::size() const
{
	if (block_) {
		std::uint64_t bytes = 0;
		if (ioctl(fd_, BLKGETSIZE64, &bytes) < 0)
			throw IoError(path_ + ": BLKGETSIZE64: " +
				      errno_text(errno));
		return bytes;
	}
	struct stat st;
	if (fstat(fd_, &st) < 0)
		throw IoError(path_ + ": fstat: " + errno_text(errno));
	return static_cast<std::uint64_t>(st.st_size);
}

void Device::read(void *buf, std::size_t len, std::uint64_t offset)
{
	auto *p = static_cast<std::uint8_t *>(buf);
	std::size_t done = 0;
	while (done < len) {
		ssize_t n = pread(fd_, p + done, len - done,
				  static_cast<off_t>(offset + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			throw IoError(path_ + ": read of " + std::to_string(len) +
				      " bytes at offset " +
				      std::to_string(offset + done) + ": " +
				      errno_text(errno));
		if (n == 0)
			throw IoError(path_ + ": read of " + std::to_string(len) +
				      " bytes at offset " + std::to_string(offset) +
				      ": end of device after " +
				      std::to_string(done) + " bytes");
		done += static_cast<std::size_t>(n);
	}
}

void Device::write(const void *buf, std::size_t len, std::uint64_t offset)
{
	const auto *p = static_cast<const std::uint8_t *>(buf);
	std::size_t done = 0;
	while (done < len) {
		ssize_t n = pwrite(fd_, p + done, len - done,
				   static_cast<off_t>(offset + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			throw IoError(path_ + ": write of " +
				      std::to_string(len) + " bytes at offset " +
				      std::to_string(offset + done) + ": " +
				      (n < 0 ? errno_text(errno)
					     : std::string("no progress")));
		done += static_cast<std::size_t>(n);
	}
}

void Device::sync()
{
	if (fsync(fd_) < 0)
		throw IoError(path_ + ": fsync (cache flush): " +
			      errno_text(errno));
}

} // namespace flashnet::salsa
