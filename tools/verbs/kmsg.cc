#include "kmsg.h"
#include "conn.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <stdexcept>

namespace flashnet::verbs {

std::optional<TermCodes> parse_terminate(const std::string &line)
{
	const std::string key = "siw: got TERMINATE. ";
	auto at = line.find(key);
	if (at == std::string::npos)
		return std::nullopt;
	TermCodes t;
	if (std::sscanf(line.c_str() + at + key.size(), "layer %d, type %d, code %d",
			&t.layer, &t.type, &t.code) != 3)
		return std::nullopt;
	return t;
}

KmsgWatch::KmsgWatch()
{
	fd_ = ::open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd_ < 0)
		throw std::runtime_error(errno_text("/dev/kmsg", errno));
	::lseek(fd_, 0, SEEK_END);
}

KmsgWatch::~KmsgWatch()
{
	if (fd_ >= 0)
		::close(fd_);
}

std::vector<std::string> KmsgWatch::read_new()
{
	std::vector<std::string> out;
	char buf[8192];
	for (;;) {
		ssize_t n = ::read(fd_, buf, sizeof(buf));
		if (n > 0) {
			out.emplace_back(buf, static_cast<std::size_t>(n));
			continue;
		}
		if (n < 0 && errno == EPIPE)	// overwritten records: go on
			continue;
		break;
	}
	return out;
}

} // namespace flashnet::verbs
