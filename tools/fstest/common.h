// SPDX-License-Identifier: GPL-2.0
// Pieces shared by the fstest programs: exit codes, errno names, an owned
// file descriptor, errors that carry errno, and option parsing.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace flashnet::fstest {

// Exit codes of every fstest program.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;	// data, size or a semantic check is wrong
inline constexpr int kExitSysError = 2;	// a system call failed unexpectedly
inline constexpr int kExitUsage = 16;	// bad command line

class Usage : public std::invalid_argument {
public:
	using std::invalid_argument::invalid_argument;
};

// A system call failed: what it was doing, and errno.
class SysError : public std::runtime_error {
public:
	SysError(const std::string &what, int err);
	int err() const { return err_; }

private:
	int err_;
};

// "ENOENT", or "errno 4242" when glibc has no name for it.
std::string errno_name(int err);
// "ENOENT (No such file or directory)"
std::string errno_text(int err);
// The errno for "ENOENT" (or a decimal number); 0 if unknown.
int errno_from_name(const std::string &name);

// An owned file descriptor: closed on destruction.
class Fd {
public:
	Fd() = default;
	explicit Fd(int fd) : fd_(fd) {}
	Fd(Fd &&o) noexcept : fd_(o.release()) {}
	Fd &operator=(Fd &&o) noexcept;
	Fd(const Fd &) = delete;
	Fd &operator=(const Fd &) = delete;
	~Fd();

	int get() const { return fd_; }
	explicit operator bool() const { return fd_ >= 0; }
	int release();
	void reset(int fd = -1);

private:
	int fd_ = -1;
};

// "--opt VALUE" options, "--flag" flags and positional arguments.
struct Args {
	std::vector<std::string> positional;
	std::map<std::string, std::string> values;
	std::set<std::string> flags;

	bool has(const std::string &k) const { return values.count(k) != 0; }
	bool flag(const std::string &k) const { return flags.count(k) != 0; }
	std::string str(const std::string &k, const std::string &def = "") const;
	// A number, optionally with a binary suffix k, m, g (KiB, MiB, GiB).
	std::uint64_t num(const std::string &k, std::uint64_t def) const;
	std::uint64_t num(const std::string &k, std::uint64_t def,
			  std::uint64_t min, std::uint64_t max) const;
};

// Throws Usage for an unknown option or a missing value.
Args parse_args(const std::vector<std::string> &args,
		const std::set<std::string> &valued,
		const std::set<std::string> &bools);

// Parses "123", "0x10", "64k", "256M", "1g"; throws Usage naming `what`.
std::uint64_t parse_size(const std::string &what, const std::string &text);

} // namespace flashnet::fstest
