// Client-side helpers every case group uses, and the client main loop.
#pragma once

#include "conn.h"
#include "options.h"
#include "proto.h"
#include "registry.h"

#include <string>

namespace flashnet::verbs {

int timeout_ms(const Options &o);
void check(bool ok, const std::string &why);	// throws CaseFailure(why) if !ok

// A hello for role R whose seed is unique to case NAME (and --seed) and
// whose token is unique to this run.
Hello make_hello(const Options &o, Role r, const std::string &name);

// Receive buffers for Offer and Report messages, posted before connect.
struct MsgSlots {
	Buffer buf{4 * sizeof(Report)};
	void post(Endpoint &ep, std::uint64_t first_wr_id, unsigned n);
	template <class T> T get(Endpoint &ep, std::uint64_t wr_id, int tmo, const char *what);
};

// The server's report under h.token, fetched over a Role::Report connection.
Report fetch_report(const Options &o, const Hello &h);
// Throws unless the server's own checks passed.
void expect_server_ok(const Report &r);

// Sends Done (the MR ranges now holding pattern(seed)) and returns the
// Target's report; wr_ids 900 (SEND) and REPORT_WR (its RECV slot).
Report finish_target(Endpoint &ep, MsgSlots &slots, std::uint64_t report_wr,
		     const Done &done, int tmo);

// Handshake before a case: a Role::Sync connection the server accepts
// only once every earlier connection's thread has ended. Up to 3 attempts,
// each failure logged as "retry: ..."; false if none succeeded.
bool sync_server(const Options &o, const std::string &before);

int run_client(const Options &o);

// Case groups (cases_*.cc).
void add_data_cases(Registry &r);
void add_scale_cases(Registry &r);
void add_cq_cases(Registry &r);
void add_error_cases(Registry &r);

} // namespace flashnet::verbs
