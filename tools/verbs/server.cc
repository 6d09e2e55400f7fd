#include "server.h"
#include "conn.h"
#include "pattern.h"
#include "registry.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <map>
#include <thread>

namespace flashnet::verbs {

std::uint64_t target_fill_seed(const Hello &h)
{
	return h.flags & kFill ? h.seed : h.seed ^ 0xbac6'90f0'0d5e'ed11ull;
}

namespace {

std::atomic<bool> g_stop{false};

void on_signal(int)
{
	g_stop = true;
}

// Reports by token, for Role::Report connections.
class ReportStore {
public:
	void put(const Report &r)
	{
		{
			std::lock_guard<std::mutex> g(mu_);
			map_[r.token] = r;
		}
		cv_.notify_all();
	}
	std::optional<Report> take(std::uint64_t token, int timeout_ms)
	{
		std::unique_lock<std::mutex> g(mu_);
		if (!cv_.wait_for(g, std::chrono::milliseconds(timeout_ms),
				  [&] { return map_.count(token) > 0; }))
			return std::nullopt;
		Report r = map_[token];
		map_.erase(token);
		return r;
	}

private:
	std::mutex mu_;
	std::condition_variable cv_;
	std::map<std::uint64_t, Report> map_;
};

ReportStore g_reports;

// Connections whose serve thread has not ended yet (Role::Sync waits for
// all but itself).
std::atomic<unsigned> g_active{0};

// CQs shared by the connections of one Hello::group (kSharedCq): created
// by the first connection, destroyed with the last QP using them.
struct CqPair {
	std::shared_ptr<SharedCq> send, recv;
};
std::mutex g_groups_mu;
std::map<std::uint64_t, std::weak_ptr<CqPair>> g_groups;

std::shared_ptr<CqPair> group_cqs(const Hello &h)
{
	std::lock_guard<std::mutex> g(g_groups_mu);
	if (auto p = g_groups[h.group].lock())
		return p;
	auto p = std::make_shared<CqPair>();
	p->send = std::make_shared<SharedCq>(h.cq_size);
	p->recv = std::make_shared<SharedCq>(h.cq_size);
	g_groups[h.group] = p;
	return p;
}

[[noreturn]] void fail(const std::string &why)
{
	throw CaseFailure(why);
}

void accept_conn(Endpoint &ep, int timeout_ms)
{
	rdma_conn_param p = {};
	p.responder_resources = 16;
	p.initiator_depth = 16;
	if (rdma_accept(ep.id, &p))
		fail(errno_text("rdma_accept", errno));
	ep.expect_event(RDMA_CM_EVENT_ESTABLISHED, timeout_ms);
	ep.established = true;
}

// Sends MSG on the QP and waits for its completion.
template <class T> void send_msg(Endpoint &ep, const T &msg, int timeout_ms)
{
	Buffer b(sizeof(T));
	std::memcpy(b.data(), &msg, sizeof(T));
	b.reg(ep.pd, IBV_ACCESS_LOCAL_WRITE);
	ibv_sge sge = b.sge(0, sizeof(T));
	post_send(ep.qp(), IBV_WR_SEND, 0x5e4d, {&sge, 1}, IBV_SEND_SIGNALED);
	expect_one_wc(ep.poll_send(1, timeout_ms), 0x5e4d, timeout_ms, "server SEND");
}

// After the peer went away: let late async events arrive, move the QP to
// error (flushes what is left) and poll everything that completes.
std::vector<ibv_wc> observe_end(Endpoint &ep, std::size_t max)
{
	std::this_thread::sleep_for(std::chrono::milliseconds(500));
	ep.disconnect();
	std::this_thread::sleep_for(std::chrono::milliseconds(100));
	return poll_n(ep.rcq, max, 300);
}

void count_recvs(Report &rep, const std::vector<ibv_wc> &wcs)
{
	for (const ibv_wc &wc : wcs) {
		if (wc.status == IBV_WC_SUCCESS)
			rep.recv_success++;
		else if (wc.status == IBV_WC_WR_FLUSH_ERR)
			rep.recv_flushed++;
		else if (rep.recv_other++ == 0)
			rep.first_other_status = wc.status;
	}
}

void snapshot_events(Report &rep, Endpoint &ep)
{
	auto &ae = AsyncEvents::get();
	rep.qp_events = ae.qp_mask(ep.qp()->qp_num);
	rep.cq_events = ae.cq_mask(ep.scq) | ae.cq_mask(ep.rcq);
	rep.disconnected = ep.disconnected;
}

void serve_recv(Endpoint &ep, const Hello &h, int tmo)
{
	const auto sizes = hello_sizes(h);
	if (sizes.empty() || h.count == 0 || h.count > 4096)
		fail("bad Recv hello");
	const bool observe = h.flags & kNoPoll;
	const std::uint32_t space = h.recv_space ? h.recv_space : max_size(h);
	const SgList layout = make_sglist(split_lengths(space, h.recv_sges, h.seed ^ 0x5151), 7);
	QpSpec spec;
	spec.recv_cq = h.cq_size ? h.cq_size : static_cast<int>(h.count) + 8;
	spec.recv_wr = h.count + 4;
	spec.recv_sge = h.recv_sges;
	spec.send_cq = 8;
	spec.send_wr = 4;
	spec.channel = h.flags & (kChannel | kSolicitedOnly);
	std::shared_ptr<CqPair> shared;
	if (h.flags & kSharedCq) {
		if (h.flags & (kChannel | kSolicitedOnly | kNoPoll) || h.cq_size < h.count)
			fail("bad shared-CQ hello");
		shared = group_cqs(h);
		spec.shared_send = shared->send;
		spec.shared_recv = shared->recv;
	}
	ep.create_qp(spec);
	Buffer buf(layout.span_end * h.count);
	buf.reg(ep.pd, IBV_ACCESS_LOCAL_WRITE);
	for (std::uint32_t i = 0; i < h.count; i++) {
		auto sges = layout.sges(buf, i * layout.span_end);
		post_recv(ep.qp(), i, sges);
	}
	if (spec.channel && ibv_req_notify_cq(ep.rcq, h.flags & kSolicitedOnly ? 1 : 0))
		fail("ibv_req_notify_cq failed");
	accept_conn(ep, tmo);

	Report rep;
	rep.token = h.token;
	rep.cq_cqe = static_cast<std::uint32_t>(ep.rcq->cqe);
	(void)shared;	// keeps the group's CQs for the QP's lifetime
	std::string verdict;
	std::vector<ibv_wc> wcs;
	if (observe) {
		const auto deadline = std::chrono::steady_clock::now() +
				      std::chrono::milliseconds(tmo);
		while (!ep.disconnected && std::chrono::steady_clock::now() < deadline)
			ep.next_event(200);
		if (!ep.disconnected)
			verdict = "connection never ended; ";
		wcs = observe_end(ep, h.count + 8);
	} else if (h.flags & kSolicitedOnly) {
		// One wakeup, at the solicited SEND; all messages are there by
		// then. Whether it came at all is the client's to judge (upstream
		// siw 6.1 never signals a solicited-only CQ for a RECV).
		if (wait_cq_event(ep.cc, std::min(tmo, 5000))) {
			wcs = poll_n(ep.rcq, h.count, 0);
			rep.woke = static_cast<std::uint16_t>(1 + wcs.size());
		}
		auto more = poll_n(ep.rcq, h.count - wcs.size(), tmo);
		wcs.insert(wcs.end(), more.begin(), more.end());
	} else if (h.flags & kChannel) {
		unsigned wakeups = 0;
		while (wcs.size() < h.count) {
			auto got = poll_n(ep.rcq, h.count - wcs.size(), 0);
			wcs.insert(wcs.end(), got.begin(), got.end());
			if (wcs.size() >= h.count)
				break;
			if (ibv_req_notify_cq(ep.rcq, 0))
				fail("ibv_req_notify_cq failed");
			got = poll_n(ep.rcq, h.count - wcs.size(), 0);
			wcs.insert(wcs.end(), got.begin(), got.end());
			if (wcs.size() >= h.count)
				break;
			if (!wait_cq_event(ep.cc, tmo))
				fail("no completion event after " +
				     std::to_string(wcs.size()) + " messages");
			wakeups++;
		}
		if (wakeups == 0)
			verdict = "never slept on the completion channel; ";
	} else {
		wcs = ep.poll_recv(h.count, tmo);
	}
	count_recvs(rep, wcs);

	// Byte-for-byte check of every successful RECV; message i carries
	// pattern(seed + i) from position 0.
	unsigned checked = 0;
	for (std::size_t k = 0; k < wcs.size() && verdict.size() < 150; k++) {
		const ibv_wc &wc = wcs[k];
		if (wc.status != IBV_WC_SUCCESS)
			continue;
		const std::uint64_t i = wc.wr_id;
		if (i >= h.count || wc.opcode != IBV_WC_RECV) {
			verdict += "bad completion wr_id " + std::to_string(i) + "; ";
			continue;
		}
		if (!observe && i != k)
			verdict += "RECV " + std::to_string(i) + " completed in place " +
				   std::to_string(k) + "; ";
		const std::uint32_t want = sizes[i % sizes.size()];
		if (wc.byte_len != want) {
			verdict += "RECV " + std::to_string(i) + " byte_len " +
				   std::to_string(wc.byte_len) + " != " + std::to_string(want) + "; ";
			continue;
		}
		std::uint32_t pos = 0;
		for (std::size_t s = 0; s < layout.lens.size() && pos < want; s++) {
			const std::uint32_t n = std::min(layout.lens[s], want - pos);
			auto got = buf.span(i * layout.span_end + layout.offs[s], n);
			if (auto m = check_pattern(got, h.seed + i, pos)) {
				verdict += "RECV " + std::to_string(i) + " SGE " +
					   std::to_string(s) + ": " + m->describe() + "; ";
				break;
			}
			pos += n;
		}
		checked++;
	}
	if (!observe && wcs.size() != h.count)
		verdict += "got " + std::to_string(wcs.size()) + " of " +
			   std::to_string(h.count) + " RECV completions; ";
	if (!observe && rep.recv_success != h.count)
		verdict += std::to_string(h.count - rep.recv_success) +
			   " RECV(s) failed, first " +
			   wc_status_name(rep.first_other_status) + "; ";
	rep.ok = verdict.empty();
	if (verdict.empty())
		verdict = std::to_string(checked) + " message(s) verified";
	set_text(rep.text, sizeof(rep.text), verdict);
	if (!observe && !ep.disconnected) {
		snapshot_events(rep, ep);
		send_msg(ep, rep, tmo);
		// The client hangs up once it has the report.
		while (!ep.disconnected && ep.next_event(tmo))
			;
	}
	snapshot_events(rep, ep);
	g_reports.put(rep);
}

void serve_target(Endpoint &ep, const Hello &h, int tmo)
{
	if (h.mr_len == 0 || h.mr_len > (64u << 20))
		fail("bad Target hello");
	QpSpec spec;
	spec.send_cq = 8;
	spec.recv_cq = 8;
	spec.send_wr = 4;
	spec.recv_wr = 4;
	ep.create_qp(spec);
	ibv_pd *other = nullptr;
	if (h.flags & kOtherPd) {
		other = ibv_alloc_pd(ep.ctx());
		if (!other)
			fail(errno_text("ibv_alloc_pd", errno));
	}
	Report rep;
	rep.token = h.token;
	std::string verdict;
	{
		Buffer mr(h.mr_len);
		const std::uint64_t init = target_fill_seed(h);
		fill_pattern(mr.span(0, h.mr_len), init, 0);
		mr.reg(other ? other : ep.pd, static_cast<int>(h.mr_access));
		Buffer msgs(2 * sizeof(Done));
		msgs.reg(ep.pd, IBV_ACCESS_LOCAL_WRITE);
		for (int i = 0; i < 2; i++) {
			ibv_sge s = msgs.sge(i * sizeof(Done), sizeof(Done));
			post_recv(ep.qp(), i, {&s, 1});
		}
		accept_conn(ep, tmo);
		Offer off;
		off.addr = mr.addr();
		off.rkey = mr.rkey();
		off.len = h.mr_len;
		send_msg(ep, off, tmo);

		const auto deadline = std::chrono::steady_clock::now() +
				      std::chrono::milliseconds(tmo);
		std::vector<ibv_wc> wcs;
		while (std::chrono::steady_clock::now() < deadline) {
			wcs = poll_n(ep.rcq, 1, 0);
			if (!wcs.empty() || ep.disconnected)
				break;
			ep.next_event(5);
		}
		if (!wcs.empty() && wcs[0].status == IBV_WC_SUCCESS) {
			count_recvs(rep, wcs);
			auto done = decode<Done>(msgs.span(wcs[0].wr_id * sizeof(Done), sizeof(Done)));
			if (!done)
				fail("bad Done message");
			// Ranges hold pattern(done.seed); every other byte keeps
			// the initial fill.
			std::vector<bool> covered(h.mr_len, false);
			for (unsigned r = 0; r < done->nranges && r < kMaxRanges; r++) {
				const auto &rg = done->ranges[r];
				if (std::uint64_t(rg.off) + rg.len > h.mr_len) {
					verdict += "range outside the MR; ";
					continue;
				}
				if (auto m = check_pattern(mr.span(rg.off, rg.len), done->seed, rg.off))
					verdict += "written range " + std::to_string(r) + ": " +
						   m->describe() + "; ";
				for (std::uint32_t k = 0; k < rg.len; k++)
					covered[rg.off + k] = true;
			}
			std::uint64_t stray = 0, first = 0;
			for (std::uint32_t k = 0; k < h.mr_len; k++)
				if (!covered[k] && mr.data()[k] != pattern_byte(init, k) && !stray++)
					first = k;
			if (stray)
				verdict += std::to_string(stray) +
					   " byte(s) outside the written ranges changed, first at " +
					   std::to_string(first) + "; ";
			rep.mr_intact = stray == 0;
			rep.ok = verdict.empty();
			if (verdict.empty())
				verdict = "MR verified (" + std::to_string(done->nranges) +
					  " range(s))";
			set_text(rep.text, sizeof(rep.text), verdict);
			snapshot_events(rep, ep);
			send_msg(ep, rep, tmo);
			while (!ep.disconnected && ep.next_event(tmo))
				;
		} else {
			// An error case: the connection ends without a Done.
			const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
				deadline - std::chrono::steady_clock::now()).count();
			while (!ep.disconnected && ep.next_event(static_cast<int>(std::max<long>(left, 0))))
				;
			auto rest = observe_end(ep, 8);
			wcs.insert(wcs.end(), rest.begin(), rest.end());
			count_recvs(rep, wcs);
			rep.mr_intact = !check_pattern(mr.span(0, h.mr_len), init, 0);
			verdict = ep.disconnected ? "connection ended without Done"
						  : "no Done and no disconnect";
			set_text(rep.text, sizeof(rep.text), verdict);
		}
		snapshot_events(rep, ep);
	}	// the MR is deregistered before its PD goes
	if (other)
		ibv_dealloc_pd(other);
	g_reports.put(rep);
}

void serve_report(Endpoint &ep, const Hello &h, int tmo)
{
	QpSpec spec;
	spec.send_cq = 4;
	spec.recv_cq = 4;
	spec.send_wr = 2;
	spec.recv_wr = 2;
	ep.create_qp(spec);
	auto rep = g_reports.take(h.token, tmo);
	if (!rep) {
		Report none;
		none.token = h.token;
		set_text(none.text, sizeof(none.text), "no report for this token");
		rep = none;
	}
	accept_conn(ep, tmo);
	send_msg(ep, *rep, tmo);
	while (!ep.disconnected && ep.next_event(tmo))
		;
}

// Role::Sync: the client asks before every case whether the server has
// finished everything earlier (threads ended, QPs, CQs and cm_ids
// destroyed). Accepted only then; the Report says ok.
// QPs the kernel still has (rdma res show qp), 0 if that cannot be told.
int kernel_qps()
{
	FILE *f = ::popen("rdma res show qp 2>/dev/null", "r");
	if (!f)
		return 0;
	int n = 0;
	char line[512];
	while (std::fgets(line, sizeof(line), f))
		if (std::strstr(line, "lqpn"))
			n++;
	::pclose(f);
	return n;
}

void serve_sync(Endpoint &ep, const Hello &h, int tmo, std::uint16_t port)
{
	QpSpec spec;
	spec.send_cq = 4;
	spec.recv_cq = 4;
	spec.send_wr = 2;
	spec.recv_wr = 2;
	ep.create_qp(spec);
	// Accept at once (siw times an unanswered MPA request out after
	// 10 s), then wait; the client waits for the Report.
	accept_conn(ep, tmo);
	// Our threads have ended; the kernel may still be tearing their
	// connections down (siw does that in its CM work queue, which also
	// handles new connect requests). With root and the rdma tool, also
	// wait until no QP but this one is left, and no TCP connection of
	// the port but this one.
	const bool idle = AsyncEvents::get().wait(
		[&] { return g_active.load() <= 1 && kernel_qps() <= 1 && tcp_busy(port) <= 1; },
		tmo / 2);
	Report rep;
	rep.token = h.token;
	rep.ok = idle;
	set_text(rep.text, sizeof(rep.text),
		 idle ? "idle"
		      : std::to_string(g_active.load() - 1) + " thread(s), " +
				std::to_string(kernel_qps()) + " QP(s), " +
				std::to_string(tcp_busy(port)) + " TCP connection(s) still there");
	send_msg(ep, rep, tmo);
	while (!ep.disconnected && ep.next_event(tmo))
		;
}

void serve_one(rdma_cm_id *id, Hello h, const Options &o);

void serve(rdma_cm_id *id, Hello h, const Options &o)
{
	serve_one(id, h, o);	// its Endpoint is gone when it returns
	g_active--;
}

void serve_one(rdma_cm_id *id, Hello h, const Options &o)
{
	const int tmo = static_cast<int>(o.timeout) * 1000;
	const auto t0 = std::chrono::steady_clock::now();
	Endpoint ep;
	const std::string name = get_text(h.name, sizeof(h.name));
	try {
		ep.ch = rdma_create_event_channel();
		if (!ep.ch) {
			rdma_destroy_id(id);
			fail(errno_text("rdma_create_event_channel", errno));
		}
		if (rdma_migrate_id(id, ep.ch)) {
			rdma_destroy_id(id);
			fail(errno_text("rdma_migrate_id", errno));
		}
		ep.id = id;
		switch (static_cast<Role>(h.role)) {
		case Role::Recv:
			serve_recv(ep, h, tmo);
			break;
		case Role::Target:
			serve_target(ep, h, tmo);
			break;
		case Role::Report:
			serve_report(ep, h, tmo);
			break;
		case Role::Sync:
			serve_sync(ep, h, tmo, o.port);
			break;
		default:
			fail("unknown role " + std::to_string(h.role));
		}
		ep.disconnect();
		if (o.verbose)
			std::fprintf(stderr, "server: %s done\n", name.c_str());
	} catch (const std::exception &e) {
		const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
			std::chrono::steady_clock::now() - t0).count();
		std::fprintf(stderr, "server: %s: %s (%lld ms after the request)\n", name.c_str(),
			     e.what(), static_cast<long long>(ms));
		// A connect that never got established is the client's to retry
		// (same token): its report would stand in for the real one.
		if (ep.established) {
			Report rep;
			rep.token = h.token;
			set_text(rep.text, sizeof(rep.text), std::string("server error: ") + e.what());
			if (ep.qp())
				snapshot_events(rep, ep);
			g_reports.put(rep);
		}
		ep.disconnect();
	}
}

} // namespace

int run_server(const Options &o)
{
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	signal(SIGPIPE, SIG_IGN);
	rdma_event_channel *ch = rdma_create_event_channel();
	rdma_cm_id *listen_id = nullptr;
	if (!ch || rdma_create_id(ch, &listen_id, nullptr, RDMA_PS_TCP)) {
		std::perror("server: rdma_cm");
		return 1;
	}
	sockaddr_in sin = {};
	sin.sin_family = AF_INET;
	sin.sin_port = htons(o.port);
	if (!o.addr.empty() && inet_pton(AF_INET, o.addr.c_str(), &sin.sin_addr) != 1) {
		std::fprintf(stderr, "server: bad address %s\n", o.addr.c_str());
		return 1;
	}
	if (rdma_bind_addr(listen_id, reinterpret_cast<sockaddr *>(&sin)) ||
	    rdma_listen(listen_id, 256)) {
		std::perror("server: rdma_bind_addr/rdma_listen");
		return 1;
	}
	std::printf("server: listening on port %u\n", unsigned(o.port));
	std::fflush(stdout);
	std::vector<std::thread> threads;
	unsigned served = 0;
	while (!g_stop) {
		pollfd p = {ch->fd, POLLIN, 0};
		if (::poll(&p, 1, 200) <= 0)
			continue;
		rdma_cm_event *ev = nullptr;
		if (rdma_get_cm_event(ch, &ev))
			continue;
		if (ev->event != RDMA_CM_EVENT_CONNECT_REQUEST) {
			rdma_ack_cm_event(ev);
			continue;
		}
		rdma_cm_id *id = ev->id;
		auto hello = decode<Hello>({static_cast<const std::uint8_t *>(ev->param.conn.private_data),
					    ev->param.conn.private_data_len});
		rdma_ack_cm_event(ev);
		if (!hello || hello->role == static_cast<std::uint16_t>(Role::Bye)) {
			rdma_reject(id, nullptr, 0);
			rdma_destroy_id(id);
			if (hello)
				g_stop = true;
			else
				std::fprintf(stderr, "server: connect request without a valid hello\n");
			continue;
		}
		served++;
		g_active++;
		threads.emplace_back(serve, id, *hello, std::cref(o));
	}
	for (auto &t : threads)
		t.join();
	rdma_destroy_id(listen_id);
	rdma_destroy_event_channel(ch);
	AsyncEvents::get().stop();
	std::printf("server: served %u connection(s)\n", served);
	return 0;
}

} // namespace flashnet::verbs
