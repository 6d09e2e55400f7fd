// Data cases: SEND/RECV with 1..6 SGEs on both sides, inline SENDs, RDMA
// WRITE and READ with several local SGEs at offsets into the remote MR.
// The receiving side checks every byte against the seeded pattern.
#include "client.h"
#include "pattern.h"

#include <cstring>
#include <memory>

namespace flashnet::verbs {

namespace {

// SIW_MAX_SGE (rdma/siw-abi.h): what libsiw accepts per work request.
constexpr unsigned kMaxSge = 6;
// SIW_MAX_INLINE: 5 SGEs of 16 bytes.
constexpr unsigned kMaxInline = 80;

// Sizes: one byte, non-page-aligned, exactly a page, just over a page,
// several MSS (the link's MSS is ~1448 B), and a large odd one.
const std::vector<std::uint32_t> kSendSizes = {1, 1000, 4096, 4097, 9001, 70001};

// COUNT messages of SIZES[i % n] bytes in SEND_SGES pieces against RECVs
// of RECV_SGES pieces; the server verifies and reports.
void send_case(const Options &o, const std::string &name, unsigned send_sges,
	       unsigned recv_sges, const std::vector<std::uint32_t> &sizes,
	       std::uint32_t count, std::uint32_t flags = 0, unsigned send_flags = 0)
{
	Hello h = make_hello(o, Role::Recv, name);
	h.count = count;
	h.nsizes = static_cast<std::uint16_t>(sizes.size());
	for (std::size_t i = 0; i < sizes.size(); i++)
		h.sizes[i] = sizes[i];
	h.recv_sges = static_cast<std::uint16_t>(recv_sges);
	h.flags = flags;
	QpSpec spec;
	spec.send_sge = send_sges;
	spec.send_wr = count + 4;
	spec.send_cq = static_cast<int>(count) + 4;
	MsgSlots slots;
	auto ep = connect_to(o.addr, o.port, h, spec, timeout_ms(o),
			     [&](Endpoint &e) { slots.post(e, 0, 1); });
	std::vector<std::unique_ptr<Buffer>> bufs;
	for (std::uint32_t i = 0; i < count; i++) {
		const std::uint32_t size = sizes[i % sizes.size()];
		SgList l = make_sglist(split_lengths(size, send_sges, h.seed + i), 5);
		auto b = std::make_unique<Buffer>(l.span_end);
		std::uint32_t pos = 0;
		for (std::size_t s = 0; s < l.lens.size(); s++) {
			fill_pattern(b->span(l.offs[s], l.lens[s]), h.seed + i, pos);
			pos += l.lens[s];
		}
		b->reg(ep->pd, IBV_ACCESS_LOCAL_WRITE);
		auto sges = l.sges(*b);
		post_send(ep->qp(), IBV_WR_SEND, 100 + i, sges, IBV_SEND_SIGNALED | send_flags);
		bufs.push_back(std::move(b));
	}
	auto wcs = poll_n(ep->scq, count, timeout_ms(o));
	check(wcs.size() == count, std::to_string(wcs.size()) + " of " +
				      std::to_string(count) + " SEND completions");
	for (std::uint32_t i = 0; i < count; i++) {
		check(wcs[i].wr_id == 100 + i, "SEND completions out of order");
		check(wcs[i].status == IBV_WC_SUCCESS,
		      "SEND " + std::to_string(i) + ": " + wc_status_name(wcs[i].status));
		check(wcs[i].opcode == IBV_WC_SEND, "SEND completion opcode");
	}
	expect_server_ok(slots.get<Report>(*ep, 0, timeout_ms(o), "server report"));
	ep->disconnect();
}

void inline_case(const Options &o)
{
	const std::string name = "send_inline";
	const std::vector<std::uint32_t> sizes = {1, 17, 64, kMaxInline};
	const unsigned sges[] = {1, 2, 3, 5};
	Hello h = make_hello(o, Role::Recv, name);
	h.count = 4;
	h.nsizes = 4;
	for (int i = 0; i < 4; i++)
		h.sizes[i] = sizes[i];
	h.recv_sges = 2;
	QpSpec spec;
	spec.send_sge = kMaxSge;
	spec.max_inline = kMaxInline;
	MsgSlots slots;
	auto ep = connect_to(o.addr, o.port, h, spec, timeout_ms(o),
			     [&](Endpoint &e) { slots.post(e, 0, 1); });
	check(ep->cap.max_inline_data >= kMaxInline,
	      "max_inline_data granted " + std::to_string(ep->cap.max_inline_data));
	// Inline data is copied at post time: the buffers are not registered
	// (lkey 0) and are overwritten right after each post.
	for (std::uint32_t i = 0; i < 4; i++) {
		SgList l = make_sglist(split_lengths(sizes[i], sges[i], h.seed + i), 3);
		Buffer b(l.span_end);
		std::uint32_t pos = 0;
		for (std::size_t s = 0; s < l.lens.size(); s++) {
			fill_pattern(b.span(l.offs[s], l.lens[s]), h.seed + i, pos);
			pos += l.lens[s];
		}
		auto sg = l.sges(b);
		post_send(ep->qp(), IBV_WR_SEND, 100 + i, sg,
			  IBV_SEND_SIGNALED | IBV_SEND_INLINE);
		std::memset(b.data(), 0xee, b.size());
	}
	auto wcs = poll_n(ep->scq, 4, timeout_ms(o));
	check(wcs.size() == 4, "inline SEND completions missing");
	for (auto &wc : wcs)
		check(wc.status == IBV_WC_SUCCESS, "inline SEND: " + wc_status_name(wc.status));
	expect_server_ok(slots.get<Report>(*ep, 0, timeout_ms(o), "server report"));
	// One byte more than max_inline_data must be refused at post time.
	Buffer big(kMaxInline + 1);
	ibv_sge s = {big.addr(), kMaxInline + 1, 0};
	ibv_send_wr wr = {}, *bad = nullptr;
	wr.opcode = IBV_WR_SEND;
	wr.sg_list = &s;
	wr.num_sge = 1;
	wr.send_flags = IBV_SEND_SIGNALED | IBV_SEND_INLINE;
	check(ibv_post_send(ep->qp(), &wr, &bad) != 0,
	      "an inline SEND of max_inline_data + 1 bytes was accepted");
	check(poll_n(ep->scq, 1, 200).empty(), "the refused inline SEND completed");
	ep->disconnect();
}

struct RdmaOp {
	std::uint32_t off;	// into the remote MR
	std::uint32_t len;
	unsigned sges;		// local pieces
};
const std::vector<RdmaOp> kRdmaOps = {
	{4093, 9001, 3}, {100000, 70001, kMaxSge}, {8192, 4096, 2}, {262143, 1, 1}};
constexpr std::uint32_t kMrLen = 262144;

void write_case(const Options &o)
{
	Hello h = make_hello(o, Role::Target, "write_multi_sge");
	h.mr_len = kMrLen;
	h.mr_access = IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE;
	QpSpec spec;
	spec.send_sge = kMaxSge;
	MsgSlots slots;
	auto ep = connect_to(o.addr, o.port, h, spec, timeout_ms(o),
			     [&](Endpoint &e) { slots.post(e, 0, 2); });
	Offer off = slots.get<Offer>(*ep, 0, timeout_ms(o), "MR offer");
	check(off.len == kMrLen, "offered MR has the wrong length");
	Done done;
	done.seed = h.seed;
	std::vector<std::unique_ptr<Buffer>> bufs;
	for (std::size_t k = 0; k < kRdmaOps.size(); k++) {
		const RdmaOp &op = kRdmaOps[k];
		SgList l = make_sglist(split_lengths(op.len, op.sges, h.seed + k), 9);
		auto b = std::make_unique<Buffer>(l.span_end);
		std::uint32_t pos = op.off;
		for (std::size_t s = 0; s < l.lens.size(); s++) {
			fill_pattern(b->span(l.offs[s], l.lens[s]), h.seed, pos);
			pos += l.lens[s];
		}
		b->reg(ep->pd, IBV_ACCESS_LOCAL_WRITE);
		auto sg = l.sges(*b);
		post_send(ep->qp(), IBV_WR_RDMA_WRITE, 200 + k, sg, IBV_SEND_SIGNALED,
			  off.addr + op.off, off.rkey);
		done.ranges[done.nranges++] = {op.off, op.len};
		bufs.push_back(std::move(b));
	}
	auto wcs = poll_n(ep->scq, kRdmaOps.size(), timeout_ms(o));
	check(wcs.size() == kRdmaOps.size(), "WRITE completions missing");
	for (std::size_t k = 0; k < wcs.size(); k++) {
		check(wcs[k].wr_id == 200 + k, "WRITE completions out of order");
		check(wcs[k].status == IBV_WC_SUCCESS, "WRITE: " + wc_status_name(wcs[k].status));
		check(wcs[k].opcode == IBV_WC_RDMA_WRITE, "WRITE completion opcode");
	}
	expect_server_ok(finish_target(*ep, slots, 1, done, timeout_ms(o)));
	ep->disconnect();
}

void read_case(const Options &o)
{
	Hello h = make_hello(o, Role::Target, "read_multi_sge");
	h.mr_len = kMrLen;
	h.mr_access = IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_READ;
	h.flags = kFill;
	QpSpec spec;
	spec.send_sge = kMaxSge;
	spec.send_wr = 32;
	spec.send_cq = 32;
	MsgSlots slots;
	auto ep = connect_to(o.addr, o.port, h, spec, timeout_ms(o),
			     [&](Endpoint &e) { slots.post(e, 0, 2); });
	ibv_device_attr attr = {};
	check(ibv_query_device(ep->ctx(), &attr) == 0, "ibv_query_device failed");
	check(attr.max_sge_rd >= 1, "device max_sge_rd is 0");
	const unsigned max_rd = static_cast<unsigned>(attr.max_sge_rd);
	Offer off = slots.get<Offer>(*ep, 0, timeout_ms(o), "MR offer");
	// A READ sink must allow REMOTE_WRITE on iWARP (RFC 5040 5.3: the
	// READ response is a tagged write into it).
	std::vector<std::unique_ptr<Buffer>> bufs;
	std::vector<SgList> lists;
	std::uint64_t wr = 300;
	for (std::size_t k = 0; k < kRdmaOps.size(); k++) {
		const RdmaOp &op = kRdmaOps[k];
		SgList l = make_sglist(split_lengths(op.len, op.sges, h.seed + k), 11);
		auto b = std::make_unique<Buffer>(l.span_end);
		std::memset(b->data(), 0x5a, b->size());
		b->reg(ep->pd, IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE);
		auto sg = l.sges(*b);
		if (sg.size() <= max_rd) {
			post_send(ep->qp(), IBV_WR_RDMA_READ, wr++, sg, IBV_SEND_SIGNALED,
				  off.addr + op.off, off.rkey);
		} else {
			// The device reads into at most max_sge_rd SGEs
			// (siw: 1): one READ per local piece, in order.
			std::uint32_t pos = op.off;
			for (auto &one : sg) {
				post_send(ep->qp(), IBV_WR_RDMA_READ, wr++, {&one, 1},
					  IBV_SEND_SIGNALED, off.addr + pos, off.rkey);
				pos += one.length;
			}
		}
		bufs.push_back(std::move(b));
		lists.push_back(l);
	}
	const std::size_t n = wr - 300;
	auto wcs = poll_n(ep->scq, n, timeout_ms(o));
	check(wcs.size() == n, std::to_string(wcs.size()) + " of " + std::to_string(n) +
				       " READ completions");
	for (std::size_t k = 0; k < n; k++) {
		check(wcs[k].wr_id == 300 + k, "READ completions out of order");
		check(wcs[k].status == IBV_WC_SUCCESS, "READ: " + wc_status_name(wcs[k].status));
		check(wcs[k].opcode == IBV_WC_RDMA_READ, "READ completion opcode");
	}
	for (std::size_t k = 0; k < kRdmaOps.size(); k++) {
		std::uint32_t pos = kRdmaOps[k].off;
		const SgList &l = lists[k];
		for (std::size_t s = 0; s < l.lens.size(); s++) {
			if (auto m = check_pattern(bufs[k]->span(l.offs[s], l.lens[s]), h.seed, pos))
				throw CaseFailure("READ " + std::to_string(k) + " SGE " +
						  std::to_string(s) + ": " + m->describe());
			pos += l.lens[s];
		}
		// The bytes between the pieces were not touched.
		for (std::size_t s = 0; s + 1 < l.lens.size(); s++)
			for (std::size_t g = l.offs[s] + l.lens[s]; g < l.offs[s + 1]; g++)
				check(bufs[k]->data()[g] == 0x5a, "READ wrote between SGEs");
	}
	Done done;	// no ranges: the source MR must be unchanged
	done.seed = h.seed;
	expect_server_ok(finish_target(*ep, slots, 1, done, timeout_ms(o)));
	ep->disconnect();
}

} // namespace

void add_data_cases(Registry &r)
{
	r.add({"send_sge1", "SEND/RECV, 1 SGE each side, 1 B .. 70001 B",
	       [](const Options &o) { send_case(o, "send_sge1", 1, 1, kSendSizes, 6); }});
	r.add({"send_sge2x3", "SEND 2 SGEs into RECVs of 3 SGEs, 1 B .. 70001 B",
	       [](const Options &o) { send_case(o, "send_sge2x3", 2, 3, kSendSizes, 6); }});
	r.add({"send_sge_max", "SEND 6 SGEs into RECVs of 6 SGEs (SIW_MAX_SGE)",
	       [](const Options &o) { send_case(o, "send_sge_max", kMaxSge, kMaxSge, kSendSizes, 6); }});
	r.add({"send_sge_mixed", "SEND 5 SGEs into RECVs of 1 SGE, 24 messages in flight",
	       [](const Options &o) { send_case(o, "send_sge_mixed", 5, 1, kSendSizes, 24); }});
	r.add({"send_inline", "inline SENDs of 1..80 B from unregistered, reused buffers; 81 B refused",
	       inline_case});
	r.add({"write_multi_sge", "RDMA WRITE from 1..6 local SGEs at offsets into the MR; server checks every byte",
	       write_case});
	r.add({"read_multi_sge", "RDMA READ at offsets into the MR into several local pieces; client checks",
	       read_case});
}

} // namespace flashnet::verbs
