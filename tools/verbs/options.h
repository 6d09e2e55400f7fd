// Command line of flashnet-verbs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace flashnet::verbs {

enum class Mode { Server, Client };

struct Options {
	Mode mode = Mode::Client;
	std::string addr;		// server: bind address (default any)
	std::uint16_t port = 18515;
	std::vector<std::string> cases;	// client: --case NAME (all if empty)
	bool list = false;		// client: print case names and exit
	unsigned qps = 64;		// client: connections of the many-QP case
	std::string profile = "siw";	// client: expectation profile (expect.h)
	bool kmsg = false;		// client: check TERMINATE codes in /dev/kmsg
	unsigned timeout = 30;		// seconds any single wait may take
	std::uint64_t seed = 1;		// client: base of every data pattern
	bool verbose = false;
	bool bye = true;		// client: tell the server to exit at the end
};

// Throws std::invalid_argument with a message naming the bad argument.
Options parse_options(const std::vector<std::string> &args);
std::string usage();

} // namespace flashnet::verbs
