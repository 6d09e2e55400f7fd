// flashnet-verbs: a verbs test client/server (librdmacm + libibverbs).
// See README.md.
#include "client.h"
#include "options.h"
#include "server.h"

#include <cstdio>
#include <stdexcept>

int main(int argc, char **argv)
{
	using namespace flashnet::verbs;
	std::vector<std::string> args(argv + 1, argv + argc);
	if (!args.empty() && (args[0] == "--help" || args[0] == "-h")) {
		std::fputs(usage().c_str(), stdout);
		return 0;
	}
	Options o;
	try {
		o = parse_options(args);
	} catch (const std::invalid_argument &e) {
		std::fprintf(stderr, "flashnet-verbs: %s\n%s", e.what(), usage().c_str());
		return 2;
	}
	setvbuf(stdout, nullptr, _IOLBF, 0);
	return o.mode == Mode::Server ? run_server(o) : run_client(o);
}
