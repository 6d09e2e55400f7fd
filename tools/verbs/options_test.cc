#include "options.h"

#include <gtest/gtest.h>

using namespace flashnet::verbs;

TEST(Options, ClientDefaultsAndValues)
{
	auto o = parse_options({"client", "--addr", "10.77.0.1", "--port", "19001",
				"--case", "send_sge1", "--case", "many_qps", "--qps", "80",
				"--profile", "strict", "--kmsg", "--seed", "99", "--timeout", "60",
				"--no-bye"});
	EXPECT_EQ(o.mode, Mode::Client);
	EXPECT_EQ(o.addr, "10.77.0.1");
	EXPECT_EQ(o.port, 19001);
	EXPECT_EQ(o.cases, (std::vector<std::string>{"send_sge1", "many_qps"}));
	EXPECT_EQ(o.qps, 80u);
	EXPECT_EQ(o.profile, "strict");
	EXPECT_TRUE(o.kmsg);
	EXPECT_EQ(o.seed, 99u);
	EXPECT_EQ(o.timeout, 60u);
	EXPECT_FALSE(o.bye);
	auto d = parse_options({"client", "--addr", "x"});
	EXPECT_EQ(d.qps, 64u);
	EXPECT_EQ(d.profile, "siw");
	EXPECT_TRUE(d.bye);
	EXPECT_TRUE(d.cases.empty());
}

TEST(Options, Server)
{
	auto o = parse_options({"server", "--port", "20000"});
	EXPECT_EQ(o.mode, Mode::Server);
	EXPECT_EQ(o.port, 20000);
	EXPECT_TRUE(o.addr.empty());
}

TEST(Options, Errors)
{
	auto bad = [](std::vector<std::string> a, const char *what) {
		try {
			parse_options(a);
			ADD_FAILURE() << "accepted: " << what;
		} catch (const std::invalid_argument &e) {
			EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
		}
	};
	bad({}, "missing mode");
	bad({"both"}, "unknown mode");
	bad({"client"}, "--addr is required");
	bad({"client", "--addr", "a", "--port", "0"}, "--port");
	bad({"client", "--addr", "a", "--port", "70000"}, "--port");
	bad({"client", "--addr", "a", "--port", "12x"}, "--port");
	bad({"client", "--addr", "a", "--qps", "-1"}, "--qps");
	bad({"client", "--addr", "a", "--profile", "rxe"}, "--profile");
	bad({"client", "--addr"}, "missing value");
	bad({"server", "--case", "x"}, "unknown option '--case' for server");
	bad({"client", "--addr", "a", "--bogus"}, "unknown option '--bogus'");
	EXPECT_NO_THROW(parse_options({"client", "--list"}));
}
