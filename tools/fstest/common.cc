// SPDX-License-Identifier: GPL-2.0
#include "common.h"

#include <cerrno>
#include <cstring>
#include <unistd.h>

namespace flashnet::fstest {

SysError::SysError(const std::string &what, int err)
	: std::runtime_error(what + ": " + errno_text(err)), err_(err)
{
}

std::string errno_name(int err)
{
	const char *n = strerrorname_np(err);
	return n ? std::string(n) : "errno " + std::to_string(err);
}

std::string errno_text(int err)
{
	return errno_name(err) + " (" + strerror(err) + ")";
}

int errno_from_name(const std::string &name)
{
	if (!name.empty() && name.find_first_not_of("0123456789") ==
				     std::string::npos)
		return std::stoi(name);
	for (int e = 1; e < 4096; e++) {
		const char *n = strerrorname_np(e);
		if (n && name == n)
			return e;
	}
	return 0;
}

Fd &Fd::operator=(Fd &&o) noexcept
{
	if (this != &o)
		reset(o.release());
	return *this;
}

Fd::~Fd()
{
	reset();
}

int Fd::release()
{
	int fd = fd_;
	fd_ = -1;
	return fd;
}

void Fd::reset(int fd)
{
	if (fd_ >= 0)
		::close(fd_);
	fd_ = fd;
}

std::string Args::str(const std::string &k, const std::string &def) const
{
	auto it = values.find(k);
	return it == values.end() ? def : it->second;
}

std::uint64_t Args::num(const std::string &k, std::uint64_t def) const
{
	auto it = values.find(k);
	return it == values.end() ? def : parse_size(k, it->second);
}

std::uint64_t Args::num(const std::string &k, std::uint64_t def,
			std::uint64_t min, std::uint64_t max) const
{
	const std::uint64_t v = num(k, def);
	if (v < min || v > max)
		throw Usage(k + ": " + std::to_string(v) + " is not in " +
			    std::to_string(min) + ".." + std::to_string(max));
	return v;
}

Args parse_args(const std::vector<std::string> &args,
		const std::set<std::string> &valued,
		const std::set<std::string> &bools)
{
	Args a;
	for (std::size_t i = 0; i < args.size(); i++) {
		const std::string &s = args[i];
		if (valued.count(s)) {
			if (i + 1 >= args.size())
				throw Usage(s + " needs a value");
			a.values[s] = args[++i];
		} else if (bools.count(s)) {
			a.flags.insert(s);
		} else if (s.size() > 1 && s[0] == '-') {
			throw Usage("unknown option '" + s + "'");
		} else {
			a.positional.push_back(s);
		}
	}
	return a;
}

std::uint64_t parse_size(const std::string &what, const std::string &text)
{
	std::string t = text;
	std::uint64_t mult = 1;
	if (!t.empty()) {
		switch (t.back()) {
		case 'k': case 'K': mult = 1ULL << 10; break;
		case 'm': case 'M': mult = 1ULL << 20; break;
		case 'g': case 'G': mult = 1ULL << 30; break;
		default: break;
		}
		if (mult != 1)
			t.pop_back();
	}
	if (t.empty() || t[0] == '-' || t[0] == '+')
		throw Usage(what + ": not a number: '" + text + "'");
	std::size_t used = 0;
	unsigned long long v = 0;
	try {
		v = std::stoull(t, &used, 0);
	} catch (const std::exception &) {
		used = 0;
	}
	if (used != t.size() || (v && v * mult / mult != v))
		throw Usage(what + ": not a number: '" + text + "'");
	return v * mult;
}

} // namespace flashnet::fstest
