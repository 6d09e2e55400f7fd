#include "expect.h"
#include "proto.h"

#include <infiniband/verbs.h>

#include <stdexcept>

namespace flashnet::verbs {

namespace {

// TERMINATE layer/type/code (RFC 5040 / 5041, siw iwarp.h):
// layer 0 RDMAP, 1 DDP; DDP type 1 tagged buffer, 2 untagged buffer;
// RDMAP type 1 remote protection.
std::vector<ErrorExpect> make_table(bool strict)
{
	const std::uint64_t access = event_bit(IBV_EVENT_QP_ACCESS_ERR);
	const std::uint64_t req = event_bit(IBV_EVENT_QP_REQ_ERR);
	const std::uint64_t fatal = event_bit(IBV_EVENT_QP_FATAL);
	std::vector<ErrorExpect> t;
	auto add = [&](std::string name, int status, std::uint64_t resp, int l,
		       int ty, int code, std::string note) {
		ErrorExpect e;
		e.name = std::move(name);
		e.requester_status = status;
		e.responder_qp_events = resp;
		e.term_layer = l;
		e.term_type = ty;
		e.term_code = code;
		e.note = std::move(note);
		t.push_back(e);
	};
	// RDMA WRITE: the requester completes it once sent (iWARP has no
	// WRITE acknowledgement); the responder's DDP layer rejects the
	// tagged buffer, sends TERMINATE and closes.
	add("err_write_no_remote_write", IBV_WC_SUCCESS, access, 1, 1, 0,
	    "siw_check_mem E_ACCESS_PERM -> DDP tagged 'invalid STag'");
	add("err_write_bad_rkey", IBV_WC_SUCCESS, 0, 1, 1, 0,
	    "STag key mismatch in siw_proc_write raises no async event");
	add("err_write_out_of_bounds", IBV_WC_SUCCESS, access, 1, 1, 1,
	    "E_BASE_BOUNDS -> DDP tagged 'base or bounds'");
	add("err_write_other_pd", IBV_WC_SUCCESS, access, 1, 1, 2,
	    "E_PD_MISMATCH -> DDP tagged 'STag not associated with RDMAP stream'");
	// RDMA READ: the responder's READ RESPONSE fails its memory check,
	// it sends an RDMAP TERMINATE (remote protection) and closes; the
	// requester's READ is still in its ORQ and is flushed.
	add("err_read_no_remote_read", IBV_WC_WR_FLUSH_ERR, req, 0, 1, 2,
	    "RDMAP 'access rights violation'");
	add("err_read_bad_rkey", IBV_WC_WR_FLUSH_ERR, req, 0, 1, 0,
	    "RDMAP 'invalid STag'");
	add("err_read_out_of_bounds", IBV_WC_WR_FLUSH_ERR, req, 0, 1, 1,
	    "RDMAP 'base or bounds violation'");
	add("err_read_other_pd", IBV_WC_WR_FLUSH_ERR, req, 0, 1, 3,
	    "RDMAP 'STag not associated with RDMAP stream'");
	// SEND longer than the posted RECV: the responder's RECV completes
	// with a local length error.
	add("err_send_too_long", IBV_WC_SUCCESS, fatal, 1, 2, 2,
	    "DDP untagged 'no buffer'; responder RECV IBV_WC_LOC_LEN_ERR");
	t.back().responder_recv_status = IBV_WC_LOC_LEN_ERR;
	if (!strict) {
		for (ErrorExpect &e : t)
			if (e.name == "err_read_no_remote_read") {
				// siw_qp_sq_proc_tx checks a READ RESPONSE's source
				// with siw_check_sgl_tx(pd, wqe, 0): no permission
				// bits, so REMOTE_READ is never required.
				e.enforced = false;
				e.requester_status = IBV_WC_SUCCESS;
				e.responder_qp_events = 0;
				e.term_layer = e.term_type = e.term_code = -1;
				e.note = "upstream siw 6.1 does not enforce REMOTE_READ "
					 "(siw_check_sgl_tx perms 0): the READ succeeds";
			}
	}
	return t;
}

} // namespace

const ErrorExpect &error_expect(const std::string &profile, const std::string &name)
{
	static const std::vector<ErrorExpect> siw = make_table(false);
	static const std::vector<ErrorExpect> strict = make_table(true);
	const std::vector<ErrorExpect> *t;
	if (profile == "siw")
		t = &siw;
	else if (profile == "strict")
		t = &strict;
	else
		throw std::invalid_argument("unknown profile '" + profile + "'");
	for (const ErrorExpect &e : *t)
		if (e.name == name)
			return e;
	throw std::invalid_argument("no expectation for '" + name + "'");
}

std::vector<std::string> error_case_names()
{
	std::vector<std::string> out;
	for (const ErrorExpect &e : make_table(false))
		out.push_back(e.name);
	return out;
}

} // namespace flashnet::verbs
