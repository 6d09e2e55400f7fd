// SPDX-License-Identifier: GPL-2.0
#include "image.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>

namespace flashnet::contigfs {

namespace {

constexpr std::uint64_t kPage = 4096;
// Largest single transfer; bigger requests are split.
constexpr std::uint64_t kMaxTransferPages = 256;

std::string sys_error(int err)
{
	return std::string(strerror(err));
}

bool aligned(const void *p)
{
	return reinterpret_cast<std::uintptr_t>(p) % kPage == 0;
}

} // namespace

PageBuffer::PageBuffer(std::size_t pages) : pages_(pages)
{
	void *p = nullptr;
	if (posix_memalign(&p, kPage, (pages ? pages : 1) * kPage))
		throw std::bad_alloc();
	mem_.reset(static_cast<std::uint8_t *>(p));
	clear();
}

void PageBuffer::clear()
{
	std::memset(mem_.get(), 0, (pages_ ? pages_ : 1) * kPage);
}

void PageBuffer::Free::operator()(std::uint8_t *p) const
{
	free(p);
}

Image Image::open(const std::string &path, Access access)
{
	Image img;
	img.path_ = path;
	img.writable_ = access == Access::read_write;
	struct stat st;
	if (stat(path.c_str(), &st) < 0)
		throw IoError(path + ": " + sys_error(errno));
	img.block_ = S_ISBLK(st.st_mode);
	if (!img.block_ && !S_ISREG(st.st_mode))
		throw IoError(path + ": neither a block device nor a regular file");
	int flags = (img.writable_ ? O_RDWR : O_RDONLY) | O_CLOEXEC;
	if (img.block_)
		flags |= O_DIRECT | (img.writable_ ? O_EXCL : 0);
	img.fd_ = ::open(path.c_str(), flags);
	if (img.fd_ < 0) {
		const int err = errno;
		if (err == EBUSY)
			throw IoError(path + ": in use (mounted, or held by "
					     "another program)");
		throw IoError(path + ": open" +
			      (img.block_ ? " with O_DIRECT" : "") + ": " +
			      sys_error(err));
	}
	return img;
}

Image::Image(Image &&other) noexcept
{
	*this = std::move(other);
}

Image &Image::operator=(Image &&other) noexcept
{
	if (this != &other) {
		close_fd();
		fd_ = std::exchange(other.fd_, -1);
		path_ = std::move(other.path_);
		writable_ = other.writable_;
		block_ = other.block_;
	}
	return *this;
}

Image::~Image()
{
	close_fd();
}

void Image::close_fd()
{
	if (fd_ >= 0)
		::close(fd_);
	fd_ = -1;
}

std::uint64_t Image::size_bytes() const
{
	if (block_) {
		std::uint64_t bytes = 0;
		if (ioctl(fd_, BLKGETSIZE64, &bytes) < 0)
			throw IoError(path_ + ": BLKGETSIZE64: " +
				      sys_error(errno));
		return bytes;
	}
	struct stat st;
	if (fstat(fd_, &st) < 0)
		throw IoError(path_ + ": fstat: " + sys_error(errno));
	return static_cast<std::uint64_t>(st.st_size);
}

void Image::transfer(bool write, std::uint64_t lba, std::uint64_t count,
		     void *buf)
{
	auto *p = static_cast<std::uint8_t *>(buf);
	const char *what = write ? "write" : "read";
	while (count) {
		const std::uint64_t n =
			count < kMaxTransferPages ? count : kMaxTransferPages;
		const std::uint64_t len = n * kPage;
		std::uint64_t done = 0;
		while (done < len) {
			const off_t off = static_cast<off_t>(lba * kPage + done);
			ssize_t r = write ? pwrite(fd_, p + done, len - done, off)
					  : pread(fd_, p + done, len - done, off);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0) {
				std::string why =
					r < 0 ? sys_error(errno)
					      : std::string(write ? "no progress"
								  : "end of device");
				throw IoError(path_ + ": " + what + " of LBA " +
					      std::to_string(lba + done / kPage) +
					      " (byte offset " +
					      std::to_string(lba * kPage + done) +
					      "): " + why);
			}
			done += static_cast<std::uint64_t>(r);
		}
		p += len;
		lba += n;
		count -= n;
	}
}

void Image::read(std::uint64_t lba, std::uint64_t count, void *buf)
{
	if (!block_ || aligned(buf)) {
		transfer(false, lba, count, buf);
		return;
	}
	PageBuffer bounce(1);
	auto *p = static_cast<std::uint8_t *>(buf);
	for (std::uint64_t i = 0; i < count; i++) {
		transfer(false, lba + i, 1, bounce.data());
		std::memcpy(p + i * kPage, bounce.data(), kPage);
	}
}

void Image::write(std::uint64_t lba, std::uint64_t count, const void *buf)
{
	if (!writable_)
		throw IoError(path_ + ": write of LBA " + std::to_string(lba) +
			      " on a read-only open");
	if (!block_ || aligned(buf)) {
		transfer(true, lba, count, const_cast<void *>(buf));
		return;
	}
	PageBuffer bounce(1);
	const auto *p = static_cast<const std::uint8_t *>(buf);
	for (std::uint64_t i = 0; i < count; i++) {
		std::memcpy(bounce.data(), p + i * kPage, kPage);
		transfer(true, lba + i, 1, bounce.data());
	}
}

void Image::discard(std::uint64_t lba, std::uint64_t count)
{
	if (!count)
		return;
	const std::uint64_t range[2] = {lba * kPage, count * kPage};
	if (block_) {
		if (ioctl(fd_, BLKDISCARD, range) == 0)
			return;
		const int err = errno;
		if (err != EOPNOTSUPP && err != EINVAL)
			throw IoError(path_ + ": BLKDISCARD of LBAs [" +
				      std::to_string(lba) + ", " +
				      std::to_string(lba + count) +
				      "): " + sys_error(err));
		if (ioctl(fd_, BLKZEROOUT, range) < 0)
			throw IoError(path_ + ": cannot discard (" +
				      sys_error(err) + ") and BLKZEROOUT of LBAs [" +
				      std::to_string(lba) + ", " +
				      std::to_string(lba + count) +
				      "): " + sys_error(errno));
		return;
	}
	if (fallocate(fd_, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
		      static_cast<off_t>(range[0]),
		      static_cast<off_t>(range[1])) == 0)
		return;
	// A file system without hole punching: write zeroes.
	PageBuffer zeros(kMaxTransferPages);
	while (count) {
		const std::uint64_t n =
			count < kMaxTransferPages ? count : kMaxTransferPages;
		write(lba, n, zeros.data());
		lba += n;
		count -= n;
	}
}

void Image::discard_all()
{
	const std::uint64_t bytes = size_bytes();
	if (block_) {
		discard(0, bytes / kPage);
		return;
	}
	if (ftruncate(fd_, 0) < 0 ||
	    ftruncate(fd_, static_cast<off_t>(bytes)) < 0)
		throw IoError(path_ + ": truncate to 0 and back to " +
			      std::to_string(bytes) + " bytes: " +
			      sys_error(errno));
}

void Image::sync()
{
	if (fsync(fd_) < 0)
		throw IoError(path_ + ": fsync (cache flush): " +
			      sys_error(errno));
}

} // namespace flashnet::contigfs
