// SPDX-License-Identifier: GPL-2.0
// A block device (or a regular file standing in for one) owned by RAII,
// with whole-transfer reads and writes whose errors name the device, the
// byte offset and the length.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>

namespace flashnet::salsa {

class IoError : public std::runtime_error {
public:
	using std::runtime_error::runtime_error;
};

// Page-aligned memory for O_DIRECT.
class AlignedBuffer {
public:
	explicit AlignedBuffer(std::size_t bytes);
	std::uint8_t *data() { return mem_.get(); }
	const std::uint8_t *data() const { return mem_.get(); }
	std::size_t size() const { return size_; }

private:
	struct Free {
		void operator()(std::uint8_t *p) const;
	};
	std::unique_ptr<std::uint8_t, Free> mem_;
	std::size_t size_;
};

class Device {
public:
	// Opens with O_DIRECT. A regular file whose file system refuses
	// O_DIRECT (at open, or on a probe read of its first page) falls back
	// to buffered I/O; a block device never does. Throws IoError naming
	// the path. Reads and writes may come from several threads.
	static Device open(const std::string &path, bool writable);

	Device(Device &&other) noexcept;
	Device &operator=(Device &&other) noexcept;
	Device(const Device &) = delete;
	Device &operator=(const Device &) = delete;
	~Device();

	const std::string &path() const { return path_; }
	bool direct() const { return direct_; }
	bool is_block() const { return block_; }
	// Bytes: the block device's size, or the regular file's length.
	std::uint64_t size() const;

	// Whole transfers; short transfers and errors throw IoError.
	void read(void *buf, std::size_t len, std::uint64_t offset);
	void write(const void *buf, std::size_t len, std::uint64_t offset);
	// fsync: a cache flush on a block device.
	void sync();

private:
	Device() = default;
	void close_fd();

	int fd_ = -1;
	std::string path_;
	bool writable_ = false;
	bool direct_ = false;
	bool block_ = false;
};

} // namespace flashnet::salsa
