// flashnet-siwf-smoke: the verbs objects of a siw_flash device that need no
// data path, driven through unmodified libibverbs + libsiw: a user context,
// the device and port attributes, a PD, CQs (mapped by libsiw) with a
// completion channel, arming and polling, and the CQ size limits. With
// --expect-event it waits for one asynchronous port event instead.
//
//   flashnet-siwf-smoke --device NAME
//   flashnet-siwf-smoke --device NAME --expect-event port_active|port_err
//
// Exit status: 0 every check passed, 1 a check failed, 2 usage.
#include <infiniband/verbs.h>
#include <poll.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

namespace {

int failures;

void check(bool ok, const std::string &what)
{
	std::printf("%s: %s\n", ok ? "ok" : "FAIL", what.c_str());
	if (!ok)
		++failures;
}

struct CloseDevice {
	void operator()(ibv_context *c) const { ibv_close_device(c); }
};
struct DeallocPd {
	void operator()(ibv_pd *p) const { ibv_dealloc_pd(p); }
};
struct DestroyCq {
	void operator()(ibv_cq *c) const { ibv_destroy_cq(c); }
};
struct DestroyChannel {
	void operator()(ibv_comp_channel *c) const { ibv_destroy_comp_channel(c); }
};
using Context = std::unique_ptr<ibv_context, CloseDevice>;
using Pd = std::unique_ptr<ibv_pd, DeallocPd>;
using Cq = std::unique_ptr<ibv_cq, DestroyCq>;
using Channel = std::unique_ptr<ibv_comp_channel, DestroyChannel>;

Context open_device(const std::string &name)
{
	int n = 0;
	ibv_device **list = ibv_get_device_list(&n);
	Context ctx;
	for (int i = 0; list && i < n; ++i)
		if (name == ibv_get_device_name(list[i]))
			ctx.reset(ibv_open_device(list[i]));
	if (list)
		ibv_free_device_list(list);
	return ctx;
}

int objects(ibv_context *ctx)
{
	ibv_device_attr dev{};
	check(ibv_query_device(ctx, &dev) == 0, "ibv_query_device");
	check(ctx->device->transport_type == IBV_TRANSPORT_IWARP, "transport iWARP");
	check(ctx->device->node_type == IBV_NODE_RNIC, "node type RNIC");
	check(dev.max_qp_rd_atom == 128 && dev.max_qp_init_rd_atom == 128,
	      "IRD/ORD 128/128 (" + std::to_string(dev.max_qp_rd_atom) + "/" +
		      std::to_string(dev.max_qp_init_rd_atom) + ")");
	check(dev.max_cqe > 0 && (dev.max_cqe & (dev.max_cqe - 1)) == 0,
	      "max_cqe " + std::to_string(dev.max_cqe) + " is a power of 2");
	ibv_port_attr port{};
	check(ibv_query_port(ctx, 1, &port) == 0, "ibv_query_port");
	std::printf("port 1: %s, active MTU %d\n", ibv_port_state_str(port.state),
		    128 << port.active_mtu);

	Pd pd(ibv_alloc_pd(ctx));
	check(pd != nullptr, "ibv_alloc_pd");

	Channel ch(ibv_create_comp_channel(ctx));
	check(ch != nullptr, "ibv_create_comp_channel");
	if (!ch)
		return 1;
	Cq cq(ibv_create_cq(ctx, 100, nullptr, ch.get(), 0));
	check(cq != nullptr, std::string("ibv_create_cq 100 entries") +
				     (cq ? "" : std::string(": ") + std::strerror(errno)));
	if (!cq)
		return 1;
	check(cq->cqe >= 100, "CQ has " + std::to_string(cq->cqe) + " >= 100 entries");
	ibv_wc wc[4];
	check(ibv_poll_cq(cq.get(), 4, wc) == 0, "an empty CQ polls 0 (mapped CQEs)");
	check(ibv_req_notify_cq(cq.get(), 0) == 0, "ibv_req_notify_cq next completion");
	check(ibv_req_notify_cq(cq.get(), 1) == 0, "ibv_req_notify_cq solicited only");
	check(ibv_poll_cq(cq.get(), 4, wc) == 0, "still empty after arming");
	// Nothing completes: the channel must have no event.
	pollfd pfd{ch->fd, POLLIN, 0};
	check(poll(&pfd, 1, 0) == 0, "no completion event on the channel");

	Cq big(ibv_create_cq(ctx, dev.max_cqe, nullptr, nullptr, 0));
	check(big != nullptr, "ibv_create_cq max_cqe " + std::to_string(dev.max_cqe));
	if (big)
		check(ibv_poll_cq(big.get(), 4, wc) == 0, "the largest CQ polls 0");
	big.reset();
	Cq too_big(ibv_create_cq(ctx, dev.max_cqe + 1, nullptr, nullptr, 0));
	check(too_big == nullptr, "ibv_create_cq max_cqe + 1 is refused");

	check(ibv_destroy_cq(cq.release()) == 0, "ibv_destroy_cq");
	check(ibv_destroy_comp_channel(ch.release()) == 0, "ibv_destroy_comp_channel");
	check(ibv_dealloc_pd(pd.release()) == 0, "ibv_dealloc_pd");
	return failures ? 1 : 0;
}

int expect_event(ibv_context *ctx, const std::string &want)
{
	ibv_event_type type = want == "port_active" ? IBV_EVENT_PORT_ACTIVE
						    : IBV_EVENT_PORT_ERR;
	std::printf("waiting for %s\n", ibv_event_type_str(type));
	std::fflush(stdout);
	pollfd pfd{ctx->async_fd, POLLIN, 0};
	for (;;) {
		if (poll(&pfd, 1, 60000) != 1) {
			check(false, "no async event within 60 s");
			return 1;
		}
		ibv_async_event ev{};
		if (ibv_get_async_event(ctx, &ev)) {
			check(false, "ibv_get_async_event");
			return 1;
		}
		ibv_event_type got = ev.event_type;
		int port = ev.element.port_num;
		ibv_ack_async_event(&ev);
		std::printf("event %s port %d\n", ibv_event_type_str(got), port);
		if (got == type) {
			check(port == 1, "event on port 1");
			return failures ? 1 : 0;
		}
	}
}

} // namespace

int main(int argc, char **argv)
{
	std::string device, event;
	for (int i = 1; i < argc; ++i) {
		std::string a = argv[i];
		if (a == "--help" || a == "-h") {
			std::puts("usage: flashnet-siwf-smoke --device NAME "
				  "[--expect-event port_active|port_err]");
			return 0;
		}
		if (a == "--device" && i + 1 < argc)
			device = argv[++i];
		else if (a == "--expect-event" && i + 1 < argc)
			event = argv[++i];
		else {
			std::fprintf(stderr, "flashnet-siwf-smoke: bad argument %s\n", a.c_str());
			return 2;
		}
	}
	if (device.empty() ||
	    (!event.empty() && event != "port_active" && event != "port_err")) {
		std::fprintf(stderr, "flashnet-siwf-smoke: --device NAME required, "
				     "--expect-event port_active|port_err\n");
		return 2;
	}
	setvbuf(stdout, nullptr, _IOLBF, 0);
	Context ctx = open_device(device);
	if (!ctx) {
		std::fprintf(stderr, "flashnet-siwf-smoke: cannot open %s: %s\n",
			     device.c_str(), std::strerror(errno));
		return 1;
	}
	check(true, "user context on " + device + " (libsiw)");
	return event.empty() ? objects(ctx.get()) : expect_event(ctx.get(), event);
}
