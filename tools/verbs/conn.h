// Connection setup over rdma_cm (iWARP needs it) and the verbs plumbing
// every case shares: registered buffers, QP creation, waiting for CM
// events and completions with deadlines, and the device's async events.
#pragma once

#include "proto.h"

#include <infiniband/verbs.h>
#include <rdma/rdma_cma.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace flashnet::verbs {

// Page-aligned zeroed memory, optionally registered.
class Buffer {
public:
	explicit Buffer(std::size_t size);
	~Buffer();
	Buffer(const Buffer &) = delete;
	Buffer &operator=(const Buffer &) = delete;

	void reg(ibv_pd *pd, int access);	// throws on failure; drops an earlier MR
	ibv_pd *pd() const { return mr_ ? mr_->pd : nullptr; }
	std::uint8_t *data() { return p_; }
	std::size_t size() const { return size_; }
	std::span<std::uint8_t> span(std::size_t off, std::size_t len);
	std::uint32_t lkey() const { return mr_ ? mr_->lkey : 0; }
	std::uint32_t rkey() const { return mr_ ? mr_->rkey : 0; }
	std::uint64_t addr(std::size_t off = 0) const
	{
		return reinterpret_cast<std::uintptr_t>(p_) + off;
	}
	ibv_sge sge(std::size_t off, std::uint32_t len) const
	{
		return {addr(off), len, lkey()};
	}

private:
	std::uint8_t *p_ = nullptr;
	std::size_t size_ = 0;
	ibv_mr *mr_ = nullptr;
};

// Pieces of one buffer used as a scatter/gather list: lens[i] bytes at
// offs[i], separated by odd gaps so no piece is aligned like the last.
struct SgList {
	std::vector<std::uint32_t> lens;
	std::vector<std::size_t> offs;
	std::size_t span_end = 0;	// bytes of buffer the list needs
	std::vector<ibv_sge> sges(const Buffer &b, std::size_t base = 0) const;
	std::uint32_t total() const;
};
SgList make_sglist(const std::vector<std::uint32_t> &lens, std::size_t first_off);

// A CQ that several QPs of this process share. Whoever polls it sorts
// what it finds by qp_num, so every QP's owner sees only its own
// completions, in order. many_qps uses one send and one receive CQ per
// side: upstream siw cannot give one process a CQ per QP for 64 QPs
// (README.md, "mmap key 0x90000").
class SharedCq {
public:
	explicit SharedCq(int cqe) : cqe_(cqe) {}
	~SharedCq();
	SharedCq(const SharedCq &) = delete;
	SharedCq &operator=(const SharedCq &) = delete;
	// The CQ, created on CTX by the first QP that uses it; throws
	// CaseFailure if that fails.
	ibv_cq *attach(ibv_context *ctx);
	// Up to N completions of QP QP_NUM, waiting until TIMEOUT_MS.
	std::vector<ibv_wc> poll(std::uint32_t qp_num, std::size_t n, int timeout_ms);

private:
	int cqe_;
	ibv_cq *cq_ = nullptr;
	std::mutex mu_;
	std::map<std::uint32_t, std::deque<ibv_wc>> q_;
};

struct QpSpec {
	int send_cq = 64;
	int recv_cq = 64;
	std::uint32_t send_wr = 32;
	std::uint32_t recv_wr = 32;
	std::uint32_t send_sge = 1;
	std::uint32_t recv_sge = 1;
	std::uint32_t max_inline = 0;
	bool channel = false;	// CQs report to a completion channel
	// If set, the QP uses these instead of CQs of its own.
	std::shared_ptr<SharedCq> shared_send, shared_recv;
};

// One connection: its own CM event channel, PD, CQs and QP.
struct Endpoint {
	rdma_event_channel *ch = nullptr;
	rdma_cm_id *id = nullptr;
	ibv_pd *pd = nullptr;
	ibv_comp_channel *cc = nullptr;
	ibv_cq *scq = nullptr;
	ibv_cq *rcq = nullptr;
	std::shared_ptr<SharedCq> shared_scq, shared_rcq;	// scq/rcq not owned
	ibv_qp_cap cap = {};	// what the provider granted
	bool disconnected = false;
	bool established = false;	// server: ESTABLISHED after rdma_accept

	Endpoint() = default;
	~Endpoint();
	Endpoint(const Endpoint &) = delete;
	Endpoint &operator=(const Endpoint &) = delete;

	ibv_qp *qp() const { return id ? id->qp : nullptr; }
	ibv_context *ctx() const { return id ? id->verbs : nullptr; }
	void create_qp(const QpSpec &spec);	// PD, CQs, QP on id
	// Up to N completions of this QP from its send / receive CQ (shared
	// or not) within TIMEOUT_MS.
	std::vector<ibv_wc> poll_send(std::size_t n, int timeout_ms);
	std::vector<ibv_wc> poll_recv(std::size_t n, int timeout_ms);
	// Waits for the next CM event; returns its type (and status), or
	// nothing at the deadline. Records DISCONNECTED.
	std::optional<rdma_cm_event_type> next_event(int timeout_ms, int *status = nullptr);
	// Waits until an event of TYPE arrives; throws naming what came
	// instead (or the timeout).
	void expect_event(rdma_cm_event_type type, int timeout_ms);
	void disconnect();	// rdma_disconnect once, errors ignored
private:
	bool disconnect_called_ = false;
};

// Client side: resolves ADDR:PORT, creates the QP, lets BEFORE post
// receives, connects with hello as private data, waits for ESTABLISHED.
std::unique_ptr<Endpoint> connect_to(const std::string &addr, std::uint16_t port,
				     const Hello &hello, const QpSpec &spec,
				     int timeout_ms,
				     const std::function<void(Endpoint &)> &before = {});

void post_send(ibv_qp *qp, ibv_wr_opcode op, std::uint64_t wr_id,
	       std::span<ibv_sge> sges, unsigned flags,
	       std::uint64_t raddr = 0, std::uint32_t rkey = 0);
void post_recv(ibv_qp *qp, std::uint64_t wr_id, std::span<ibv_sge> sges);

// Polls CQ until N completions arrived or TIMEOUT_MS passed; returns them.
std::vector<ibv_wc> poll_n(ibv_cq *cq, std::size_t n, int timeout_ms);
// Exactly one completion with wr_id WR_ID and status SUCCESS, or throws.
ibv_wc expect_wc(ibv_cq *cq, std::uint64_t wr_id, int timeout_ms,
		 const std::string &what);
// The same for what Endpoint::poll_send/poll_recv returned.
ibv_wc expect_one_wc(const std::vector<ibv_wc> &wcs, std::uint64_t wr_id,
		     int timeout_ms, const std::string &what);
// Waits for a completion event on CC (ibv_get_cq_event), acks it;
// returns the CQ, or nullptr at the deadline.
ibv_cq *wait_cq_event(ibv_comp_channel *cc, int timeout_ms);

// Affiliated and unaffiliated async events of every device context this
// process uses, recorded by a background thread.
class AsyncEvents {
public:
	static AsyncEvents &get();
	void watch(ibv_context *ctx);	// starts the reader once per context
	std::uint64_t qp_mask(std::uint32_t qp_num);	// event_bit()s seen
	std::uint64_t cq_mask(const ibv_cq *cq);
	void forget_cq(const ibv_cq *cq);
	void forget_qp(std::uint32_t qp_num);	// a new QP got this number	// before the CQ is destroyed
	// Polls pred() (which may call the *_mask methods) until true or the deadline.
	bool wait(const std::function<bool()> &pred, int timeout_ms);
	void stop();

private:
	struct Rec {
		int type;
		std::uint32_t qp_num;
		const ibv_cq *cq;
	};
	void loop(ibv_context *ctx);
	std::mutex mu_;
	std::vector<Rec> recs_;
	std::vector<ibv_context *> ctxs_;
	struct Impl;
	std::shared_ptr<Impl> impl_;
};

std::string errno_text(const std::string &what, int err);

// TCP connections of this host to or from PORT (/proc/net/tcp, IPv4) in
// any state but LISTEN and TIME_WAIT: siw's sockets stay there until its
// CM has torn the connection down. -1 if the file cannot be read.
int tcp_busy(std::uint16_t port);

} // namespace flashnet::verbs
