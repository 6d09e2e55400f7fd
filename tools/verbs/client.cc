#include "client.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <random>
#include <thread>

namespace flashnet::verbs {

int timeout_ms(const Options &o)
{
	return static_cast<int>(o.timeout) * 1000;
}

void check(bool ok, const std::string &why)
{
	if (!ok)
		throw CaseFailure(why);
}

Hello make_hello(const Options &o, Role r, const std::string &name)
{
	static std::mt19937_64 rng(std::random_device{}() ^
				   static_cast<std::uint64_t>(getpid()) ^
				   static_cast<std::uint64_t>(std::chrono::steady_clock::now()
								      .time_since_epoch().count()));
	Hello h;
	h.role = static_cast<std::uint16_t>(r);
	h.token = rng();
	h.seed = o.seed * 0x100000001b3ull ^ std::hash<std::string>{}(name);
	set_text(h.name, sizeof(h.name), name);
	return h;
}

void MsgSlots::post(Endpoint &ep, std::uint64_t first_wr_id, unsigned n)
{
	if (buf.pd() != ep.pd)	// first post, or a new connection attempt
		buf.reg(ep.pd, IBV_ACCESS_LOCAL_WRITE);
	for (unsigned i = 0; i < n; i++) {
		const std::uint64_t wr = first_wr_id + i;
		ibv_sge s = buf.sge((wr % 4) * sizeof(Report), sizeof(Report));
		post_recv(ep.qp(), wr, {&s, 1});
	}
}

template <class T> T MsgSlots::get(Endpoint &ep, std::uint64_t wr_id, int tmo, const char *what)
{
	ibv_wc wc = expect_one_wc(ep.poll_recv(1, tmo), wr_id, tmo, what);
	auto m = decode<T>(buf.span((wr_id % 4) * sizeof(Report), wc.byte_len));
	check(m.has_value(), std::string("malformed ") + what);
	return *m;
}
template Offer MsgSlots::get<Offer>(Endpoint &, std::uint64_t, int, const char *);
template Report MsgSlots::get<Report>(Endpoint &, std::uint64_t, int, const char *);

Report fetch_report(const Options &o, const Hello &h)
{
	Hello q = h;
	q.role = static_cast<std::uint16_t>(Role::Report);
	QpSpec spec;
	spec.send_cq = spec.recv_cq = 4;
	spec.send_wr = spec.recv_wr = 2;
	MsgSlots slots;
	auto ep = connect_to(o.addr, o.port, q, spec, timeout_ms(o),
			     [&](Endpoint &e) { slots.post(e, 0, 1); });
	Report r = slots.get<Report>(*ep, 0, timeout_ms(o), "server report");
	check(r.token == h.token, "report for another token");
	ep->disconnect();
	return r;
}

void expect_server_ok(const Report &r)
{
	check(r.ok != 0, "server: " + get_text(r.text, sizeof(r.text)));
}

Report finish_target(Endpoint &ep, MsgSlots &slots, std::uint64_t report_wr,
		     const Done &done, int tmo)
{
	Buffer b(sizeof(Done));
	std::memcpy(b.data(), &done, sizeof(Done));
	b.reg(ep.pd, IBV_ACCESS_LOCAL_WRITE);
	ibv_sge s = b.sge(0, sizeof(Done));
	post_send(ep.qp(), IBV_WR_SEND, 900, {&s, 1}, IBV_SEND_SIGNALED);
	expect_one_wc(ep.poll_send(1, tmo), 900, tmo, "Done SEND");
	return slots.get<Report>(ep, report_wr, tmo, "server report");
}

bool sync_server(const Options &o, const std::string &before)
{
	// Not part of any case: a case's own connection and checks are
	// never retried. Bounded and logged.
	std::string why;
	for (int attempt = 1; attempt <= 3; attempt++) {
		try {
			Hello h = make_hello(o, Role::Sync, "sync." + before);
			QpSpec spec;
			spec.send_cq = spec.recv_cq = 4;
			spec.send_wr = spec.recv_wr = 2;
			MsgSlots slots;
			auto ep = connect_to(o.addr, o.port, h, spec, timeout_ms(o),
					     [&](Endpoint &e) { slots.post(e, 0, 1); });
			Report r = slots.get<Report>(*ep, 0, timeout_ms(o), "sync report");
			check(r.token == h.token, "sync report for another token");
			// We hang up and wait until the connection is down on our
			// side too, so nothing of it overlaps the case.
			ep->disconnect();
			ep->expect_event(RDMA_CM_EVENT_DISCONNECTED, timeout_ms(o));
			if (r.ok)
				return true;
			why = "server busy: " + get_text(r.text, sizeof(r.text));
		} catch (const std::exception &e) {
			why = e.what();
		}
		std::printf("retry: sync before %s (attempt %d of 3 failed: %s)\n",
			    before.c_str(), attempt, why.c_str());
		std::fflush(stdout);
		std::this_thread::sleep_for(std::chrono::seconds(1));
	}
	return false;
}

Registry builtin_cases()
{
	Registry r;
	add_data_cases(r);
	add_cq_cases(r);
	add_error_cases(r);
	// Last: if it runs out of device resources (README.md) the server
	// keeps its half of them until its timeouts, failing later cases.
	add_scale_cases(r);
	return r;
}

int run_client(const Options &o)
{
	const Registry reg = builtin_cases();
	if (o.list) {
		for (const Case &c : reg.all())
			std::printf("%-28s %s\n", c.name.c_str(), c.description.c_str());
		return 0;
	}
	std::vector<const Case *> cases;
	try {
		cases = reg.select(o.cases);
	} catch (const std::exception &e) {
		std::fprintf(stderr, "flashnet-verbs: %s\n", e.what());
		return 2;
	}
	Summary s;
	for (const Case *c : cases) {
		// Handshake: the server has finished every earlier connection
		// (the previous case's teardown) before this case connects.
		if (!sync_server(o, c->name))
			std::printf("note: server not confirmed idle before %s\n", c->name.c_str());
		// And our side: the sync connection (and any earlier one) is
		// gone from TCP, not only from rdma_cm.
		if (!AsyncEvents::get().wait([&] { return tcp_busy(o.port) <= 0; }, timeout_ms(o)))
			std::printf("note: %d TCP connection(s) to port %u still open before %s\n",
				    tcp_busy(o.port), unsigned(o.port), c->name.c_str());
		run_case(*c, o, s, stdout);
	}
	if (o.bye) {
		try {
			Hello h = make_hello(o, Role::Bye, "bye");
			QpSpec spec;
			spec.send_cq = spec.recv_cq = 2;
			spec.send_wr = spec.recv_wr = 1;
			connect_to(o.addr, o.port, h, spec, timeout_ms(o));
		} catch (const std::exception &) {
			// rejected, as it should be
		}
	}
	std::printf("%s\n", s.line().c_str());
	AsyncEvents::get().stop();
	return s.exit_status();
}

} // namespace flashnet::verbs
