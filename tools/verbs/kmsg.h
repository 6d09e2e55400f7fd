// The TERMINATE messages upstream siw logs when it receives one
// ("siw: got TERMINATE. layer L, type T, code C"), read from /dev/kmsg.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace flashnet::verbs {

struct TermCodes {
	int layer, type, code;
};

// The codes in one /dev/kmsg record or dmesg line, if it is such a message.
std::optional<TermCodes> parse_terminate(const std::string &line);

// Kernel log records written after construction.
class KmsgWatch {
public:
	KmsgWatch();	// throws if /dev/kmsg cannot be read
	~KmsgWatch();
	std::vector<std::string> read_new();

private:
	int fd_ = -1;
};

} // namespace flashnet::verbs
