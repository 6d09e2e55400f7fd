// Expected outcomes of the error cases, per provider profile. Derived from
// the upstream siw source (Linux 6.1, drivers/infiniband/sw/siw) and
// confirmed in guests; README.md explains each line.
//   siw:    upstream siw on both sides (the reference).
//   strict: the same, except that the responder enforces REMOTE_READ as
//           DESIGN.md requires of siw-flash (upstream 6.1 does not).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace flashnet::verbs {

struct ErrorExpect {
	std::string name;
	bool enforced = true;		// false: the operation succeeds (a known gap)
	int requester_status = 0;	// ibv_wc_status of the failing WR
	std::uint64_t requester_qp_events = 0;	// exact set, event_bit()s
	std::uint64_t responder_qp_events = 0;	// exact set
	int responder_recv_status = -1;	// status of the responder's failed RECV, -1: none fails
	int term_layer = -1, term_type = -1, term_code = -1;	// TERMINATE the requester receives
	std::string note;
};

// Throws std::invalid_argument for an unknown profile or case.
const ErrorExpect &error_expect(const std::string &profile, const std::string &name);
std::vector<std::string> error_case_names();

} // namespace flashnet::verbs
