// SPDX-License-Identifier: GPL-2.0
// The system calls flashnet-fsx makes, behind one thin virtual interface so
// tests can inject faults (a lost write, a size that does not change, an
// errno), RAII owners for its descriptors and mappings, and memory copies
// that survive a SIGBUS from a mapping and report where it hit.
#pragma once

#include <cstddef>
#include <sys/stat.h>
#include <sys/types.h>

namespace flashnet::fstest {

// The real calls. Every method returns what the POSIX call returns and
// leaves errno set on failure; a test overrides what it wants to break.
class Posix {
public:
	virtual ~Posix() = default;
	virtual int open(const char *path, int flags, mode_t mode);
	virtual int close(int fd);
	virtual ssize_t pread(int fd, void *buf, size_t len, off_t off);
	virtual ssize_t pwrite(int fd, const void *buf, size_t len, off_t off);
	virtual int ftruncate(int fd, off_t len);
	virtual int fstat(int fd, struct stat *st);
	virtual int fsync(int fd);
	virtual int fdatasync(int fd);
	virtual void *mmap(size_t len, int prot, int flags, int fd, off_t off);
	virtual int munmap(void *addr, size_t len);
	virtual int msync(void *addr, size_t len, int flags);
	virtual int unlink(const char *path);
};

// A descriptor owned through a Posix.
class SysFd {
public:
	SysFd() = default;
	SysFd(Posix &sys, int fd) : sys_(&sys), fd_(fd) {}
	SysFd(SysFd &&o) noexcept : sys_(o.sys_), fd_(o.fd_) { o.fd_ = -1; }
	SysFd &operator=(SysFd &&o) noexcept;
	SysFd(const SysFd &) = delete;
	SysFd &operator=(const SysFd &) = delete;
	~SysFd();

	int get() const { return fd_; }
	// Closes now; returns close()'s result (errno set on -1).
	int close();

private:
	Posix *sys_ = nullptr;
	int fd_ = -1;
};

// A mapping owned through a Posix; `off` is its file offset.
class SysMap {
public:
	SysMap() = default;
	SysMap(Posix &sys, void *addr, size_t len, off_t off)
		: sys_(&sys), addr_(addr), len_(len), off_(off) {}
	SysMap(SysMap &&o) noexcept;
	SysMap &operator=(SysMap &&o) noexcept;
	SysMap(const SysMap &) = delete;
	SysMap &operator=(const SysMap &) = delete;
	~SysMap();

	unsigned char *at(off_t file_off) const
	{
		return static_cast<unsigned char *>(addr_) + (file_off - off_);
	}
	void *addr() const { return addr_; }
	size_t len() const { return len_; }
	off_t off() const { return off_; }
	// Unmaps now; returns munmap()'s result.
	int unmap();

private:
	Posix *sys_ = nullptr;
	void *addr_ = nullptr;
	size_t len_ = 0;
	off_t off_ = 0;
};

// memcpy that returns the faulting address instead of dying of SIGBUS (a
// mapping access the file system refused); nullptr when all went well.
const void *guarded_copy(void *dst, const void *src, size_t len);

} // namespace flashnet::fstest
