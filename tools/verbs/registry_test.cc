#include "expect.h"
#include "options.h"
#include "registry.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <set>

using namespace flashnet::verbs;

TEST(Registry, BuiltinCasesCoverTheIssue)
{
	Registry r = builtin_cases();
	std::set<std::string> names;
	for (const Case &c : r.all()) {
		EXPECT_TRUE(names.insert(c.name).second) << c.name;
		EXPECT_FALSE(c.description.empty()) << c.name;
		EXPECT_TRUE(c.run) << c.name;
	}
	for (const char *n : {"send_sge1", "send_sge_max", "send_inline", "write_multi_sge",
			      "read_multi_sge", "many_qps", "notify_channel", "notify_solicited",
			      "cq_overflow_send", "cq_overflow_recv"})
		EXPECT_TRUE(names.count(n)) << n;
	// Every error case has an expectation in both profiles.
	for (const std::string &n : error_case_names()) {
		EXPECT_TRUE(names.count(n)) << n;
		EXPECT_NO_THROW(error_expect("siw", n));
		EXPECT_NO_THROW(error_expect("strict", n));
	}
	EXPECT_GE(r.all().size(), 20u);
}

TEST(Registry, SelectKeepsRegistryOrderAndRejectsUnknown)
{
	Registry r;
	auto nop = [](const Options &) {};
	r.add({"a", "A", nop});
	r.add({"b", "B", nop});
	r.add({"c", "C", nop});
	EXPECT_THROW(r.add({"b", "again", nop}), std::logic_error);
	EXPECT_EQ(r.select({}).size(), 3u);
	auto s = r.select({"c", "a"});
	ASSERT_EQ(s.size(), 2u);
	EXPECT_EQ(s[0]->name, "a");
	EXPECT_EQ(s[1]->name, "c");
	try {
		r.select({"a", "zz"});
		ADD_FAILURE();
	} catch (const std::invalid_argument &e) {
		EXPECT_NE(std::string(e.what()).find("'zz'"), std::string::npos);
	}
}

TEST(Registry, RunCaseAndSummary)
{
	Options o;
	Summary s;
	char *text = nullptr;
	std::size_t len = 0;
	std::FILE *out = open_memstream(&text, &len);
	run_case({"ok", "", [](const Options &) {}}, o, s, out);
	run_case({"bad", "", [](const Options &) { throw CaseFailure("wanted X, got Y"); }}, o, s, out);
	run_case({"odd", "", [](const Options &) { throw 5; }}, o, s, out);
	std::fclose(out);
	EXPECT_EQ(std::string(text, len),
		  "PASS ok\nFAIL bad: wanted X, got Y\nFAIL odd: unknown exception\n");
	std::free(text);
	EXPECT_EQ(s.line(), "verbs: 1 passed, 2 failed");
	EXPECT_EQ(s.exit_status(), 1);
	Summary good{3, 0};
	EXPECT_EQ(good.line(), "verbs: 3 passed, 0 failed");
	EXPECT_EQ(good.exit_status(), 0);
	EXPECT_EQ(Summary{}.exit_status(), 1);	// nothing ran
}
