// Error completions: RDMA WRITE and READ that break the responder's access
// rules, and a SEND longer than the RECV. Each case checks, against the
// expectation table (expect.cc), the requester's work completion status,
// its async events and that its connection ends, and - from the server's
// report - the responder's async events, its flushed RECVs, that its
// connection ended and that its MR is unchanged. With --kmsg it also
// checks the TERMINATE codes the requester's siw logged.
#include "client.h"
#include "expect.h"
#include "kmsg.h"
#include "pattern.h"

#include <memory>
#include <thread>

namespace flashnet::verbs {

namespace {

constexpr std::uint32_t kMrLen = 65536;
constexpr std::uint32_t kLen = 4096;

struct RdmaError {
	ibv_wr_opcode op;
	int access;		// of the server's MR
	bool other_pd;		// MR registered in a second PD
	std::uint32_t rkey_xor;	// applied to the offered rkey
	std::uint32_t off;	// into the MR (kLen bytes from there)
};

void check_terminate(const ErrorExpect &e, KmsgWatch *km)
{
	if (!km)
		return;
	std::vector<TermCodes> seen;
	for (int i = 0; i < 20 && seen.empty(); i++) {
		for (auto &line : km->read_new())
			if (auto t = parse_terminate(line))
				seen.push_back(*t);
		if (seen.empty())
			std::this_thread::sleep_for(std::chrono::milliseconds(100));
	}
	if (e.term_layer < 0) {
		check(seen.empty(), "a TERMINATE arrived though none was expected");
		return;
	}
	check(seen.size() == 1, std::to_string(seen.size()) + " TERMINATE messages logged, wanted 1");
	const TermCodes &t = seen[0];
	check(t.layer == e.term_layer && t.type == e.term_type && t.code == e.term_code,
	      "TERMINATE layer " + std::to_string(t.layer) + " type " + std::to_string(t.type) +
		      " code " + std::to_string(t.code) + ", wanted " + std::to_string(e.term_layer) +
		      "/" + std::to_string(e.term_type) + "/" + std::to_string(e.term_code));
}

// The requester's connection ends, its spare RECV is flushed, and its own
// async events are as expected.
void check_requester_end(const ErrorExpect &e, Endpoint &ep, std::uint64_t spare_wr, int tmo)
{
	ep.expect_event(RDMA_CM_EVENT_DISCONNECTED, tmo);
	ep.disconnect();
	auto wcs = poll_n(ep.rcq, 1, 2000);
	check(wcs.size() == 1 && wcs[0].wr_id == spare_wr &&
		      wcs[0].status == IBV_WC_WR_FLUSH_ERR,
	      "requester's spare RECV was not flushed");
	std::this_thread::sleep_for(std::chrono::milliseconds(200));
	const std::uint64_t ev = AsyncEvents::get().qp_mask(ep.qp()->qp_num);
	check(ev == e.requester_qp_events, "requester QP events " + events_to_string(ev) +
						   ", wanted " + events_to_string(e.requester_qp_events));
}

void check_responder(const ErrorExpect &e, const Report &r, bool target)
{
	const std::string t = get_text(r.text, sizeof(r.text));
	check(r.disconnected, "responder connection did not end (" + t + ")");
	check(r.qp_events == e.responder_qp_events,
	      "responder QP events " + events_to_string(r.qp_events) + ", wanted " +
		      events_to_string(e.responder_qp_events));
	if (target)
		check(r.mr_intact, "responder MR was modified");
	if (e.responder_recv_status >= 0) {
		check(r.recv_other == 1 && int(r.first_other_status) == e.responder_recv_status,
		      "responder RECV status " +
			      (r.recv_other ? wc_status_name(r.first_other_status) : std::string("none")) +
			      ", wanted " + wc_status_name(e.responder_recv_status));
	} else {
		check(r.recv_other == 0, "responder RECV failed with " +
						 wc_status_name(r.first_other_status));
	}
	check(r.recv_success == 0, "responder completed a RECV");
}

void rdma_error_case(const Options &o, const std::string &name, const RdmaError &x)
{
	const ErrorExpect &e = error_expect(o.profile, name);
	const bool read = x.op == IBV_WR_RDMA_READ;
	Hello h = make_hello(o, Role::Target, name);
	h.mr_len = kMrLen;
	h.mr_access = static_cast<std::uint32_t>(x.access);
	h.flags = (x.other_pd ? std::uint32_t(kOtherPd) : 0u) | (read ? std::uint32_t(kFill) : 0u);
	std::unique_ptr<KmsgWatch> km;
	if (o.kmsg)
		km = std::make_unique<KmsgWatch>();
	QpSpec spec;
	MsgSlots slots;
	auto ep = connect_to(o.addr, o.port, h, spec, timeout_ms(o),
			     [&](Endpoint &ep) { slots.post(ep, 0, 2); });
	Offer off = slots.get<Offer>(*ep, 0, timeout_ms(o), "MR offer");
	Buffer local(kLen);
	if (!read)
		fill_pattern(local.span(0, kLen), h.seed, x.off);
	local.reg(ep->pd, IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE);
	ibv_sge s = local.sge(0, kLen);
	post_send(ep->qp(), x.op, 77, {&s, 1}, IBV_SEND_SIGNALED, off.addr + x.off,
		  off.rkey ^ x.rkey_xor);
	auto wcs = poll_n(ep->scq, 1, timeout_ms(o));
	check(wcs.size() == 1, "no completion for the faulty operation");
	check(wcs[0].wr_id == 77, "completion for another WR");
	check(int(wcs[0].status) == e.requester_status,
	      "requester status " + wc_status_name(wcs[0].status) + ", wanted " +
		      wc_status_name(e.requester_status));
	if (!e.enforced) {
		// A documented gap of the provider: the operation went through.
		check(!read || !check_pattern(local.span(0, kLen), h.seed, x.off),
		      "READ data wrong");
		Done done;
		done.seed = h.seed;
		expect_server_ok(finish_target(*ep, slots, 1, done, timeout_ms(o)));
		check_terminate(e, km.get());
		ep->disconnect();
		return;
	}
	check_requester_end(e, *ep, 1, timeout_ms(o));
	check_terminate(e, km.get());
	check_responder(e, fetch_report(o, h), true);
}

void send_too_long(const Options &o)
{
	const std::string name = "err_send_too_long";
	const ErrorExpect &e = error_expect(o.profile, name);
	Hello h = make_hello(o, Role::Recv, name);
	h.count = 2;
	h.nsizes = 1;
	h.sizes[0] = 3000;
	h.recv_space = 1000;
	h.flags = kNoPoll;
	std::unique_ptr<KmsgWatch> km;
	if (o.kmsg)
		km = std::make_unique<KmsgWatch>();
	QpSpec spec;
	MsgSlots slots;
	auto ep = connect_to(o.addr, o.port, h, spec, timeout_ms(o),
			     [&](Endpoint &ep) { slots.post(ep, 1, 1); });
	Buffer b(3000);
	fill_pattern(b.span(0, 3000), h.seed, 0);
	b.reg(ep->pd, IBV_ACCESS_LOCAL_WRITE);
	ibv_sge s = b.sge(0, 3000);
	post_send(ep->qp(), IBV_WR_SEND, 77, {&s, 1}, IBV_SEND_SIGNALED);
	auto wcs = poll_n(ep->scq, 1, timeout_ms(o));
	check(wcs.size() == 1 && wcs[0].wr_id == 77, "no completion for the SEND");
	check(int(wcs[0].status) == e.requester_status,
	      "requester status " + wc_status_name(wcs[0].status) + ", wanted " +
		      wc_status_name(e.requester_status));
	check_requester_end(e, *ep, 1, timeout_ms(o));
	check_terminate(e, km.get());
	Report r = fetch_report(o, h);
	// The second RECV was never used: flushed (or lost with the first).
	check(r.recv_flushed <= 1, "responder flushed " + std::to_string(r.recv_flushed) + " RECVs");
	check_responder(e, r, false);
}

} // namespace

void add_error_cases(Registry &r)
{
	const int lw = IBV_ACCESS_LOCAL_WRITE;
	const int rw = IBV_ACCESS_REMOTE_WRITE, rr = IBV_ACCESS_REMOTE_READ;
	struct Def {
		const char *name;
		const char *what;
		RdmaError x;
	};
	const Def defs[] = {
		{"err_write_no_remote_write", "WRITE into an MR without REMOTE_WRITE (remote access error)",
		 {IBV_WR_RDMA_WRITE, lw | rr, false, 0, 0}},
		{"err_write_bad_rkey", "WRITE with a wrong rkey (key byte changed)",
		 {IBV_WR_RDMA_WRITE, lw | rw, false, 0x5a, 0}},
		{"err_write_out_of_bounds", "WRITE at offset = MR length (just past the end)",
		 {IBV_WR_RDMA_WRITE, lw | rw, false, 0, kMrLen}},
		{"err_write_other_pd", "WRITE into an MR of another PD",
		 {IBV_WR_RDMA_WRITE, lw | rw, true, 0, 0}},
		{"err_read_no_remote_read", "READ from an MR without REMOTE_READ",
		 {IBV_WR_RDMA_READ, lw | rw, false, 0, 0}},
		{"err_read_bad_rkey", "READ with a wrong rkey (key byte changed)",
		 {IBV_WR_RDMA_READ, lw | rr, false, 0x5a, 0}},
		{"err_read_out_of_bounds", "READ at offset = MR length (just past the end)",
		 {IBV_WR_RDMA_READ, lw | rr, false, 0, kMrLen}},
		{"err_read_other_pd", "READ from an MR of another PD",
		 {IBV_WR_RDMA_READ, lw | rr, true, 0, 0}},
	};
	for (const Def &d : defs) {
		const std::string name = d.name;
		const RdmaError x = d.x;
		r.add({name, d.what, [name, x](const Options &o) { rdma_error_case(o, name, x); }});
	}
	r.add({"err_send_too_long", "SEND of 3000 B into a 1000 B RECV", send_too_long});
}

} // namespace flashnet::verbs
