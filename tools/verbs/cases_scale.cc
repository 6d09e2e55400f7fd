// Many QPs at once: --qps connections (64 by default), each its own
// rdma_cm connection, PD and QP, all open together; SENDs are posted on
// all of them before any completion is reaped, and every server thread
// checks its own data. The QPs of each side share one send and one
// receive CQ: upstream siw cannot create the object whose mmap key would
// be 0x90000 (SIW_INVAL_UOBJ_KEY, i.e. the 145th page of queues one
// process has mapped), and a CQ pair per QP reaches that at the 36th QP
// (README.md). Shared CQs: 2 pages per QP plus the CQs.
#include "client.h"
#include "pattern.h"

#include <memory>

namespace flashnet::verbs {

namespace {

void many_qps(const Options &o)
{
	const std::vector<std::uint32_t> sizes = {1500, 9000, 4097, 12345};
	const std::uint32_t count = 4;
	struct Conn {
		Hello h;
		std::unique_ptr<MsgSlots> slots;
		std::unique_ptr<Endpoint> ep;
		std::vector<std::unique_ptr<Buffer>> bufs;
	};
	// Keep both sides below the 144 mmap pages (README.md): 2 per QP,
	// CQs of up to 256 entries take 3 each, and some room for the
	// server's other connections.
	check(o.qps <= 64, "--qps " + std::to_string(o.qps) +
				   " needs more than the 144 queue pages one process can "
				   "map on upstream siw (README.md); at most 64");
	const std::uint64_t group = make_hello(o, Role::Recv, "many_qps.group").token;
	auto scq = std::make_shared<SharedCq>(static_cast<int>(o.qps * count));
	auto rcq = std::make_shared<SharedCq>(static_cast<int>(o.qps));
	std::vector<Conn> conns(o.qps);
	for (unsigned q = 0; q < o.qps; q++) {
		Conn &c = conns[q];
		c.h = make_hello(o, Role::Recv, "many_qps." + std::to_string(q));
		c.h.count = count;
		c.h.nsizes = static_cast<std::uint16_t>(sizes.size());
		for (std::size_t i = 0; i < sizes.size(); i++)
			c.h.sizes[i] = sizes[i];
		c.h.recv_sges = 2;
		c.h.flags = kSharedCq;
		c.h.group = group;
		c.h.cq_size = static_cast<std::uint16_t>(o.qps * count);
		QpSpec spec;
		spec.send_sge = 2;
		spec.send_wr = 8;
		spec.recv_wr = 2;
		spec.shared_send = scq;
		spec.shared_recv = rcq;
		c.slots = std::make_unique<MsgSlots>();
		try {
			c.ep = connect_to(o.addr, o.port, c.h, spec, timeout_ms(o),
					  [&](Endpoint &e) { c.slots->post(e, 0, 1); });
		} catch (const std::exception &e) {
			throw CaseFailure("connection " + std::to_string(q) + ": " + e.what());
		}
	}
	for (std::uint32_t i = 0; i < count; i++)
		for (unsigned q = 0; q < o.qps; q++) {
			Conn &c = conns[q];
			const std::uint32_t size = sizes[i];
			SgList l = make_sglist(split_lengths(size, 2, c.h.seed + i), 1);
			auto b = std::make_unique<Buffer>(l.span_end);
			std::uint32_t pos = 0;
			for (std::size_t s = 0; s < l.lens.size(); s++) {
				fill_pattern(b->span(l.offs[s], l.lens[s]), c.h.seed + i, pos);
				pos += l.lens[s];
			}
			b->reg(c.ep->pd, IBV_ACCESS_LOCAL_WRITE);
			auto sg = l.sges(*b);
			post_send(c.ep->qp(), IBV_WR_SEND, 100 + i, sg, IBV_SEND_SIGNALED);
			c.bufs.push_back(std::move(b));
		}
	unsigned bad = 0;
	std::string first;
	for (unsigned q = 0; q < o.qps; q++) {
		Conn &c = conns[q];
		try {
			auto wcs = c.ep->poll_send(count, timeout_ms(o));
			check(wcs.size() == count, "SEND completions missing");
			for (auto &wc : wcs)
				check(wc.status == IBV_WC_SUCCESS, "SEND: " + wc_status_name(wc.status));
			expect_server_ok(c.slots->get<Report>(*c.ep, 0, timeout_ms(o), "server report"));
		} catch (const std::exception &e) {
			if (bad++ == 0)
				first = "QP " + std::to_string(q) + ": " + e.what();
		}
	}
	for (auto &c : conns)
		c.ep->disconnect();
	check(bad == 0, std::to_string(bad) + " of " + std::to_string(o.qps) +
				" QPs failed; " + first);
}

} // namespace

void add_scale_cases(Registry &r)
{
	r.add({"many_qps", "--qps (64) connections open at once, SENDs on all in flight, all verified",
	       many_qps});
}

} // namespace flashnet::verbs
