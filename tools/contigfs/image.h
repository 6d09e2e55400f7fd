// SPDX-License-Identifier: GPL-2.0
// Page I/O on a contigfs device: a block device (O_DIRECT, since the kernel
// module reads through the FTL and not the page cache) or a regular file
// standing in for one. Errors name the path, the LBA and the byte offset.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>

namespace flashnet::contigfs {

class IoError : public std::runtime_error {
public:
	using std::runtime_error::runtime_error;
};

// Zeroed, page-aligned memory for O_DIRECT transfers.
class PageBuffer {
public:
	explicit PageBuffer(std::size_t pages = 1);
	std::uint8_t *data() { return mem_.get(); }
	const std::uint8_t *data() const { return mem_.get(); }
	std::uint8_t *page(std::size_t i) { return data() + i * 4096; }
	const std::uint8_t *page(std::size_t i) const { return data() + i * 4096; }
	std::size_t pages() const { return pages_; }
	std::size_t bytes() const { return pages_ * 4096; }
	void clear();

private:
	struct Free {
		void operator()(std::uint8_t *p) const;
	};
	std::unique_ptr<std::uint8_t, Free> mem_;
	std::size_t pages_;
};

class Image {
public:
	enum class Access { read_only, read_write };

	// A block device is opened with O_DIRECT, and with O_EXCL when
	// writable (the kernel refuses while the file system is mounted).
	// Throws IoError naming the path.
	static Image open(const std::string &path, Access access);

	Image(Image &&other) noexcept;
	Image &operator=(Image &&other) noexcept;
	Image(const Image &) = delete;
	Image &operator=(const Image &) = delete;
	~Image();

	const std::string &path() const { return path_; }
	bool is_block() const { return block_; }
	bool writable() const { return writable_; }
	std::uint64_t size_bytes() const;
	// Whole 4 KiB pages.
	std::uint64_t pages() const { return size_bytes() / 4096; }

	// Whole transfers of `count` pages at `lba`; anything short throws.
	// Buffers need not be aligned (unaligned ones are bounced).
	void read(std::uint64_t lba, std::uint64_t count, void *buf);
	void write(std::uint64_t lba, std::uint64_t count, const void *buf);
	// Makes pages read as zero: BLKDISCARD (BLKZEROOUT if the device
	// cannot discard) or a hole punched in a file.
	void discard(std::uint64_t lba, std::uint64_t count);
	// The whole device: for a file, truncated to 0 and back to its size.
	void discard_all();
	// fsync: a cache flush on a block device.
	void sync();

private:
	Image() = default;
	void close_fd();
	void transfer(bool write, std::uint64_t lba, std::uint64_t count,
		      void *buf);

	int fd_ = -1;
	std::string path_;
	bool writable_ = false;
	bool block_ = false;
};

} // namespace flashnet::contigfs
