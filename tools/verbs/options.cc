#include "options.h"

#include <stdexcept>

namespace flashnet::verbs {

namespace {

unsigned long to_number(const std::string &opt, const std::string &v,
			unsigned long lo, unsigned long hi)
{
	std::size_t used = 0;
	unsigned long n = 0;
	try {
		if (!v.empty() && v[0] != '-')
			n = std::stoul(v, &used, 0);
	} catch (const std::exception &) {
		used = 0;
	}
	if (used == 0 || used != v.size() || n < lo || n > hi)
		throw std::invalid_argument(opt + ": expected a number in " +
					    std::to_string(lo) + ".." +
					    std::to_string(hi) + ", got '" + v +
					    "'");
	return n;
}

} // namespace

std::string usage()
{
	return "usage:\n"
	       "  flashnet-verbs server [--addr A] [--port P] [--timeout S] [--verbose]\n"
	       "  flashnet-verbs client --addr A [--port P] [--case NAME]... [--list]\n"
	       "                [--qps N] [--profile siw|strict] [--kmsg] [--seed N]\n"
	       "                [--timeout S] [--no-bye] [--verbose]\n"
	       "\n"
	       "The client runs the named cases (all by default) against a server,\n"
	       "prints 'PASS name' or 'FAIL name: why' for each, then\n"
	       "'verbs: N passed, M failed'; it exits 0 only if every case passed.\n"
	       "--profile names the expected provider behaviour (see README.md);\n"
	       "--kmsg also checks the TERMINATE codes upstream siw logs on the\n"
	       "client's kernel (needs root). Unless --no-bye the server exits\n"
	       "when the client is done.\n";
}

Options parse_options(const std::vector<std::string> &args)
{
	if (args.empty())
		throw std::invalid_argument("missing mode (server or client)");
	Options o;
	if (args[0] == "server")
		o.mode = Mode::Server;
	else if (args[0] == "client")
		o.mode = Mode::Client;
	else
		throw std::invalid_argument("unknown mode '" + args[0] + "'");
	for (std::size_t i = 1; i < args.size(); i++) {
		const std::string &opt = args[i];
		auto value = [&]() -> const std::string & {
			if (i + 1 >= args.size())
				throw std::invalid_argument(opt + ": missing value");
			return args[++i];
		};
		const bool client = o.mode == Mode::Client;
		if (opt == "--addr")
			o.addr = value();
		else if (opt == "--port")
			o.port = static_cast<std::uint16_t>(
				to_number(opt, value(), 1, 65535));
		else if (opt == "--timeout")
			o.timeout = static_cast<unsigned>(
				to_number(opt, value(), 1, 3600));
		else if (opt == "--verbose")
			o.verbose = true;
		else if (client && opt == "--case")
			o.cases.push_back(value());
		else if (client && opt == "--list")
			o.list = true;
		else if (client && opt == "--qps")
			o.qps = static_cast<unsigned>(
				to_number(opt, value(), 1, 1024));
		else if (client && opt == "--profile") {
			o.profile = value();
			if (o.profile != "siw" && o.profile != "strict")
				throw std::invalid_argument(
					"--profile: expected siw or strict, got '" +
					o.profile + "'");
		} else if (client && opt == "--kmsg")
			o.kmsg = true;
		else if (client && opt == "--seed")
			o.seed = to_number(opt, value(), 0, ~0ul);
		else if (client && opt == "--no-bye")
			o.bye = false;
		else
			throw std::invalid_argument("unknown option '" + opt +
						    "' for " + args[0]);
	}
	if (o.mode == Mode::Client && !o.list && o.addr.empty())
		throw std::invalid_argument("client: --addr is required");
	return o;
}

} // namespace flashnet::verbs
