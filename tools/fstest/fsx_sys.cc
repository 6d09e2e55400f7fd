// SPDX-License-Identifier: GPL-2.0
#include "fsx_sys.h"

#include <atomic>
#include <csetjmp>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <mutex>
#include <sys/mman.h>
#include <unistd.h>

namespace flashnet::fstest {

int Posix::open(const char *path, int flags, mode_t mode)
{
	return ::open(path, flags, mode);
}

int Posix::close(int fd)
{
	return ::close(fd);
}

ssize_t Posix::pread(int fd, void *buf, size_t len, off_t off)
{
	return ::pread(fd, buf, len, off);
}

ssize_t Posix::pwrite(int fd, const void *buf, size_t len, off_t off)
{
	return ::pwrite(fd, buf, len, off);
}

int Posix::ftruncate(int fd, off_t len)
{
	return ::ftruncate(fd, len);
}

int Posix::fstat(int fd, struct stat *st)
{
	return ::fstat(fd, st);
}

int Posix::fsync(int fd)
{
	return ::fsync(fd);
}

int Posix::fdatasync(int fd)
{
	return ::fdatasync(fd);
}

void *Posix::mmap(size_t len, int prot, int flags, int fd, off_t off)
{
	return ::mmap(nullptr, len, prot, flags, fd, off);
}

int Posix::munmap(void *addr, size_t len)
{
	return ::munmap(addr, len);
}

int Posix::msync(void *addr, size_t len, int flags)
{
	return ::msync(addr, len, flags);
}

int Posix::unlink(const char *path)
{
	return ::unlink(path);
}

SysFd &SysFd::operator=(SysFd &&o) noexcept
{
	if (this != &o) {
		close();
		sys_ = o.sys_;
		fd_ = o.fd_;
		o.fd_ = -1;
	}
	return *this;
}

SysFd::~SysFd()
{
	close();
}

int SysFd::close()
{
	if (fd_ < 0)
		return 0;
	const int fd = fd_;
	fd_ = -1;
	return sys_->close(fd);
}

SysMap::SysMap(SysMap &&o) noexcept
	: sys_(o.sys_), addr_(o.addr_), len_(o.len_), off_(o.off_)
{
	o.addr_ = nullptr;
}

SysMap &SysMap::operator=(SysMap &&o) noexcept
{
	if (this != &o) {
		unmap();
		sys_ = o.sys_;
		addr_ = o.addr_;
		len_ = o.len_;
		off_ = o.off_;
		o.addr_ = nullptr;
	}
	return *this;
}

SysMap::~SysMap()
{
	unmap();
}

int SysMap::unmap()
{
	if (!addr_)
		return 0;
	void *a = addr_;
	addr_ = nullptr;
	return sys_->munmap(a, len_);
}

namespace {

// Volatile, with signal fences around the copy: the compiler knows memcpy
// never reads t_jump and would otherwise drop the store before it.
thread_local sigjmp_buf *volatile t_jump;
thread_local const void *volatile t_fault;

void on_sigbus(int sig, siginfo_t *si, void *)
{
	if (!t_jump) {
		// Not ours: die of it as if nobody had caught it.
		signal(sig, SIG_DFL);
		return;
	}
	t_fault = si->si_addr;
	siglongjmp(*t_jump, 1);
}

void install_handler()
{
	static std::once_flag once;
	std::call_once(once, [] {
		struct sigaction sa = {};
		sa.sa_sigaction = on_sigbus;
		sa.sa_flags = SA_SIGINFO | SA_NODEFER;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGBUS, &sa, nullptr);
	});
}

} // namespace

const void *guarded_copy(void *dst, const void *src, size_t len)
{
	install_handler();
	sigjmp_buf jump;
	if (sigsetjmp(jump, 1)) {
		t_jump = nullptr;
		return t_fault ? t_fault : src;
	}
	t_fault = nullptr;
	t_jump = &jump;
	std::atomic_signal_fence(std::memory_order_seq_cst);
	std::memcpy(dst, src, len);
	std::atomic_signal_fence(std::memory_order_seq_cst);
	t_jump = nullptr;
	return nullptr;
}

} // namespace flashnet::fstest
