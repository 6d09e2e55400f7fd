// SPDX-License-Identifier: GPL-2.0
/*
 * MPA connection setup (RFC 5044 section 7, RFC 6581) as pure functions:
 * frames to and from buffers, what the responder answers, whether the
 * initiator can live with the answer, and the handshake's state machine.
 */
#include <kunit/visibility.h>
#include <linux/bitops.h>
#include <linux/errno.h>
#include <linux/minmax.h>
#include <linux/string.h>

#include "siwf_mpa.h"

#define SIWF_RTR_WIRE	(SIWF_RTR_WRITE | SIWF_RTR_READ)

static const char *siwf_mpa_key(enum siwf_mpa_frame kind)
{
	return kind == SIWF_MPA_REQUEST ? MPA_KEY_REQUEST : MPA_KEY_REPLY;
}

/*
 * Encode p (and pd_len bytes of pdata) into buf. Returns the frame length,
 * -EMSGSIZE if the private data with the IRD/ORD block exceeds what the
 * RDMA CM can carry, -ENOSPC if buf is too small, -EINVAL for values the
 * frame cannot express.
 */
int siwf_mpa_build(void *buf, size_t size, enum siwf_mpa_frame kind,
		   const struct siwf_mpa_params *p, const void *pdata)
{
	unsigned int block = p->enhanced ? sizeof(struct mpa_ird_ord) : 0;
	unsigned int pd_len = block + p->pd_len;
	struct mpa_rr_hdr *h = buf;
	u8 *pd = (u8 *)(h + 1);

	if ((p->enhanced && p->revision != MPA_REVISION_2) ||
	    p->ird > MPA_IRD_ORD_MAX || p->ord > MPA_IRD_ORD_MAX)
		return -EINVAL;
	if (pd_len > MPA_PRIVATE_DATA_MAX)
		return -EMSGSIZE;
	if (size < sizeof(*h) + pd_len)
		return -ENOSPC;

	memcpy(h->key, siwf_mpa_key(kind), MPA_KEY_SIZE);
	h->flags_rev = (p->markers ? MPA_RR_MARKERS : 0) |
		       (p->crc ? MPA_RR_CRC : 0) |
		       (p->reject ? MPA_RR_REJECT : 0) |
		       (p->enhanced ? MPA_RR_ENHANCED : 0);
	mpa_rr_set_revision(h, p->revision);
	h->pd_len = cpu_to_be16(pd_len);

	if (p->enhanced) {
		struct mpa_ird_ord *b = (struct mpa_ird_ord *)pd;

		b->ird = cpu_to_be16(p->ird);
		b->ord = cpu_to_be16(p->ord);
		if (p->p2p)
			b->ird |= MPA_IRD_P2P;
		if (p->rtr & SIWF_RTR_SEND)
			b->ird |= MPA_IRD_SEND_RTR;
		if (p->rtr & SIWF_RTR_WRITE)
			b->ord |= MPA_ORD_WRITE_RTR;
		if (p->rtr & SIWF_RTR_READ)
			b->ord |= MPA_ORD_READ_RTR;
		pd += block;
	}
	if (p->pd_len)
		memcpy(pd, pdata, p->pd_len);
	return sizeof(*h) + pd_len;
}
EXPORT_SYMBOL_IF_KUNIT(siwf_mpa_build);

/*
 * Check the fixed 20 bytes of a request or reply, before reading the rest.
 * Returns the whole frame's length, or -EBADMSG (not this kind of MPA
 * frame), -EPROTONOSUPPORT (revision above 2), -EMSGSIZE (private data
 * beyond what we accept).
 */
int siwf_mpa_check_hdr(const struct mpa_rr_hdr *h, enum siwf_mpa_frame kind)
{
	unsigned int pd_len = be16_to_cpu(h->pd_len);

	if (memcmp(h->key, siwf_mpa_key(kind), MPA_KEY_SIZE))
		return -EBADMSG;
	if (mpa_rr_revision(h) > MPA_REVISION_2)
		return -EPROTONOSUPPORT;
	if (pd_len > MPA_PRIVATE_DATA_MAX)
		return -EMSGSIZE;
	return sizeof(*h) + pd_len;
}
EXPORT_SYMBOL_IF_KUNIT(siwf_mpa_check_hdr);

/*
 * Decode the frame at the start of len received bytes. Returns the bytes
 * it took (later ones may already be FPDUs), -EAGAIN if it is not all
 * there yet, the errors of siwf_mpa_check_hdr(), or -EPROTO when it claims
 * an IRD/ORD block its private data is too short to hold. *pdata points to
 * the consumer's private data, after the block.
 */
int siwf_mpa_parse(const void *frame, size_t len, enum siwf_mpa_frame kind,
		   struct siwf_mpa_params *p, const u8 **pdata)
{
	const struct mpa_rr_hdr *h = frame;
	const u8 *pd = (const u8 *)(h + 1);
	unsigned int pd_len;
	int total;

	if (len < sizeof(*h))
		return -EAGAIN;
	total = siwf_mpa_check_hdr(h, kind);
	if (total < 0)
		return total;
	if (len < total)
		return -EAGAIN;

	memset(p, 0, sizeof(*p));
	pd_len = total - sizeof(*h);
	p->revision = mpa_rr_revision(h);
	p->markers = !!(h->flags_rev & MPA_RR_MARKERS);
	p->crc = !!(h->flags_rev & MPA_RR_CRC);
	p->reject = !!(h->flags_rev & MPA_RR_REJECT);
	/* before revision 2 the bit is reserved: ignored on receive */
	if (p->revision == MPA_REVISION_2 &&
	    (h->flags_rev & MPA_RR_ENHANCED)) {
		const struct mpa_ird_ord *b = (const struct mpa_ird_ord *)pd;

		if (pd_len < sizeof(*b))
			return -EPROTO;
		p->enhanced = 1;
		p->ird = mpa_ird_value(b);
		p->ord = mpa_ord_value(b);
		p->p2p = !!(b->ird & MPA_IRD_P2P);
		p->rtr = (b->ird & MPA_IRD_SEND_RTR ? SIWF_RTR_SEND : 0) |
			 (b->ord & MPA_ORD_WRITE_RTR ? SIWF_RTR_WRITE : 0) |
			 (b->ord & MPA_ORD_READ_RTR ? SIWF_RTR_READ : 0);
		pd += sizeof(*b);
		pd_len -= sizeof(*b);
	}
	p->pd_len = pd_len;
	if (pdata)
		*pdata = pd;
	return total;
}
EXPORT_SYMBOL_IF_KUNIT(siwf_mpa_parse);

/* RFC 5044 section 7.1: CRC is used if either side asks for it. */
static u8 siwf_mpa_responder_crc(const struct siwf_mpa_params *req,
				 const struct siwf_mpa_policy *local)
{
	return req->crc || local->crc_required;
}

/*
 * The responder's half of the terms, accepted or not: its ORD is what the
 * initiator can take (peer IRD), its IRD what the initiator will send
 * (peer ORD), both lowered to the local maxima rather than refused.
 */
static void siwf_mpa_answer(const struct siwf_mpa_params *req,
			    const struct siwf_mpa_policy *local,
			    struct siwf_mpa_params *rep)
{
	memset(rep, 0, sizeof(*rep));
	rep->revision = req->revision;
	rep->crc = siwf_mpa_responder_crc(req, local);
	if (req->enhanced) {
		rep->enhanced = 1;
		rep->ord = min(req->ird, local->max_ord);
		rep->ird = min(req->ord, local->max_ird);
	}
}

/*
 * The RTR kind the responder picks from the initiator's offer: WRITE
 * before READ. An offer naming neither (at most a Send) gets WRITE, as
 * upstream siw answers it; 0 if we cannot take any kind offered.
 */
static u8 siwf_mpa_pick_rtr(u8 offered, u8 supported)
{
	u8 common = offered & supported & SIWF_RTR_WIRE;

	if (!(offered & SIWF_RTR_WIRE))
		common = supported & SIWF_RTR_WRITE;
	if (common & SIWF_RTR_WRITE)
		return SIWF_RTR_WRITE;
	return common & SIWF_RTR_READ;
}

/*
 * Responder: answer a parsed, valid request. On 0, rep is the reply to
 * send and res the connection's terms. On -EOPNOTSUPP (markers asked for,
 * or no RTR kind in common) the request must be refused: see
 * siwf_mpa_reject().
 */
int siwf_mpa_respond(const struct siwf_mpa_params *req,
		     const struct siwf_mpa_policy *local,
		     struct siwf_mpa_params *rep,
		     struct siwf_mpa_result *res)
{
	memset(res, 0, sizeof(*res));
	siwf_mpa_answer(req, local, rep);
	if (req->markers)
		return -EOPNOTSUPP;

	res->crc = rep->crc;
	if (!req->enhanced) {
		/* nothing was negotiated: the local limits hold */
		res->ird = local->max_ird;
		res->ord = local->max_ord;
		return 0;
	}
	res->ird = rep->ird;
	res->ord = rep->ord;
	if (req->p2p) {
		rep->p2p = 1;
		rep->rtr = siwf_mpa_pick_rtr(req->rtr, local->rtr);
		if (!rep->rtr)
			return -EOPNOTSUPP;
		res->rtr = rep->rtr;
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(siwf_mpa_respond);

/* Responder: the reply that refuses req (R set, no markers, no RTR). */
void siwf_mpa_reject(const struct siwf_mpa_params *req,
		     const struct siwf_mpa_policy *local,
		     struct siwf_mpa_params *rep)
{
	siwf_mpa_answer(req, local, rep);
	rep->reject = 1;
}
EXPORT_SYMBOL_IF_KUNIT(siwf_mpa_reject);

/*
 * Initiator: can we live with rep, the answer to our req? 0 with res the
 * connection's terms. -ECONNREFUSED: the peer refused (no TERMINATE).
 * Otherwise the connection fails and cause says what the TERMINATE
 * carries: -EPROTO a reply breaking the protocol (markers, CRC dropped,
 * enhanced request answered without the block), -ENOBUFS the peer's ORD
 * above our IRD maximum, -ENOPROTOOPT no RTR kind we offered.
 */
int siwf_mpa_check_reply(const struct siwf_mpa_params *req,
			 const struct siwf_mpa_params *rep,
			 const struct siwf_mpa_policy *local,
			 struct siwf_mpa_result *res,
			 struct siwf_term_cause *cause)
{
	u8 rtr;

	memset(res, 0, sizeof(*res));
	if (rep->reject)
		return -ECONNREFUSED;
	if (rep->markers || (req->crc && !rep->crc) ||
	    (req->enhanced && !rep->enhanced)) {
		siwf_term_set(cause, TERM_LAYER_LLP, MPA_ETYPE,
			      MPA_ECODE_INVALID_RR);
		return -EPROTO;
	}
	res->crc = rep->crc;
	if (!req->enhanced) {
		res->ird = local->max_ird;
		res->ord = local->max_ord;
		return 0;
	}
	if (rep->ord > local->max_ird) {
		siwf_term_set(cause, TERM_LAYER_LLP, MPA_ETYPE,
			      MPA_ECODE_INSUFFICIENT_IRD);
		return -ENOBUFS;
	}
	/* relaxed: take the peer's ORD, never read beyond its IRD */
	res->ird = rep->ord;
	res->ord = min(req->ord, rep->ird);
	if (req->p2p) {
		rtr = rep->rtr & req->rtr & SIWF_RTR_WIRE;
		if (!rtr) {
			siwf_term_set(cause, TERM_LAYER_LLP, MPA_ETYPE,
				      MPA_ECODE_NO_MATCHING_RTR);
			return -ENOPROTOOPT;
		}
		res->rtr = rtr & SIWF_RTR_WRITE ?: SIWF_RTR_READ;
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(siwf_mpa_check_reply);

static struct siwf_mpa_step siwf_mpa_go(enum siwf_mpa_state next,
					unsigned int actions, int status)
{
	return (struct siwf_mpa_step){ next, actions, status };
}

static struct siwf_mpa_step siwf_mpa_responder(enum siwf_mpa_state state,
					       enum siwf_mpa_event event)
{
	switch (state) {
	case SIWF_MPA_AWAIT_REQUEST:
		switch (event) {
		case SIWF_MPA_EV_REQUEST_OK:
			return siwf_mpa_go(SIWF_MPA_AWAIT_ACCEPT,
					   SIWF_MPA_DO_CANCEL_TIMER |
					   SIWF_MPA_DO_UPCALL_REQUEST, 0);
		case SIWF_MPA_EV_REQUEST_REFUSED:
			return siwf_mpa_go(SIWF_MPA_CLOSED,
					   SIWF_MPA_DO_CANCEL_TIMER |
					   SIWF_MPA_DO_SEND_REJECT |
					   SIWF_MPA_DO_CLOSE, 0);
		case SIWF_MPA_EV_REQUEST_INVALID:
		case SIWF_MPA_EV_PEER_CLOSED:
			return siwf_mpa_go(SIWF_MPA_CLOSED,
					   SIWF_MPA_DO_CANCEL_TIMER |
					   SIWF_MPA_DO_CLOSE, 0);
		case SIWF_MPA_EV_TIMEOUT:
			return siwf_mpa_go(SIWF_MPA_CLOSED, SIWF_MPA_DO_CLOSE,
					   0);
		default:
			break;
		}
		break;
	case SIWF_MPA_AWAIT_ACCEPT:
		switch (event) {
		case SIWF_MPA_EV_ACCEPT:
			return siwf_mpa_go(SIWF_MPA_RDMA,
					   SIWF_MPA_DO_SEND_REPLY |
					   SIWF_MPA_DO_UPCALL_ESTABLISHED, 0);
		case SIWF_MPA_EV_ACCEPT_P2P:
			/* a peer that never sends the RTR must not pin us */
			return siwf_mpa_go(SIWF_MPA_AWAIT_RTR,
					   SIWF_MPA_DO_SEND_REPLY |
					   SIWF_MPA_DO_START_REQ_TIMER, 0);
		case SIWF_MPA_EV_REJECT:
			return siwf_mpa_go(SIWF_MPA_CLOSED,
					   SIWF_MPA_DO_SEND_REJECT |
					   SIWF_MPA_DO_CLOSE, 0);
		case SIWF_MPA_EV_PEER_CLOSED:
			/* no upcall: the consumer's accept will fail */
			return siwf_mpa_go(SIWF_MPA_CLOSED, SIWF_MPA_DO_CLOSE,
					   0);
		case SIWF_MPA_EV_TIMEOUT:
			return siwf_mpa_go(state, SIWF_MPA_DO_STALE, 0);
		default:
			break;
		}
		break;
	case SIWF_MPA_AWAIT_RTR:
		switch (event) {
		case SIWF_MPA_EV_RTR_RECEIVED:
			return siwf_mpa_go(SIWF_MPA_RDMA,
					   SIWF_MPA_DO_CANCEL_TIMER |
					   SIWF_MPA_DO_UPCALL_ESTABLISHED, 0);
		case SIWF_MPA_EV_RTR_INVALID:
			return siwf_mpa_go(SIWF_MPA_CLOSED,
					   SIWF_MPA_DO_CANCEL_TIMER |
					   SIWF_MPA_DO_SEND_TERMINATE |
					   SIWF_MPA_DO_UPCALL_CLOSE |
					   SIWF_MPA_DO_CLOSE, -EPROTO);
		case SIWF_MPA_EV_TIMEOUT:
			return siwf_mpa_go(SIWF_MPA_CLOSED,
					   SIWF_MPA_DO_UPCALL_CLOSE |
					   SIWF_MPA_DO_CLOSE, -ETIMEDOUT);
		case SIWF_MPA_EV_PEER_CLOSED:
			return siwf_mpa_go(SIWF_MPA_CLOSED,
					   SIWF_MPA_DO_CANCEL_TIMER |
					   SIWF_MPA_DO_UPCALL_CLOSE |
					   SIWF_MPA_DO_CLOSE, -ECONNRESET);
		default:
			break;
		}
		break;
	default:
		break;
	}
	return siwf_mpa_go(state, SIWF_MPA_DO_BUG, 0);
}

/*
 * Reply upcall statuses are what the RDMA CM maps to events:
 * -ECONNREFUSED REJECTED, -ETIMEDOUT UNREACHABLE, others CONNECT_ERROR.
 */
static struct siwf_mpa_step siwf_mpa_initiator(enum siwf_mpa_event event)
{
	switch (event) {
	case SIWF_MPA_EV_REPLY_OK:
		return siwf_mpa_go(SIWF_MPA_RDMA, SIWF_MPA_DO_CANCEL_TIMER |
				   SIWF_MPA_DO_UPCALL_REPLY, 0);
	case SIWF_MPA_EV_REPLY_OK_P2P:
		/* the RTR goes out before the consumer may post anything */
		return siwf_mpa_go(SIWF_MPA_RDMA, SIWF_MPA_DO_CANCEL_TIMER |
				   SIWF_MPA_DO_SEND_RTR |
				   SIWF_MPA_DO_UPCALL_REPLY, 0);
	case SIWF_MPA_EV_REPLY_REJECTED:
		return siwf_mpa_go(SIWF_MPA_CLOSED, SIWF_MPA_DO_CANCEL_TIMER |
				   SIWF_MPA_DO_UPCALL_REPLY | SIWF_MPA_DO_CLOSE,
				   -ECONNREFUSED);
	case SIWF_MPA_EV_REPLY_INVALID:
		return siwf_mpa_go(SIWF_MPA_CLOSED, SIWF_MPA_DO_CANCEL_TIMER |
				   SIWF_MPA_DO_SEND_TERMINATE |
				   SIWF_MPA_DO_UPCALL_REPLY | SIWF_MPA_DO_CLOSE,
				   -EPROTO);
	case SIWF_MPA_EV_TIMEOUT:
		return siwf_mpa_go(SIWF_MPA_CLOSED, SIWF_MPA_DO_UPCALL_REPLY |
				   SIWF_MPA_DO_CLOSE, -ETIMEDOUT);
	case SIWF_MPA_EV_PEER_CLOSED:
		return siwf_mpa_go(SIWF_MPA_CLOSED, SIWF_MPA_DO_CANCEL_TIMER |
				   SIWF_MPA_DO_UPCALL_REPLY | SIWF_MPA_DO_CLOSE,
				   -ECONNRESET);
	default:
		return siwf_mpa_go(SIWF_MPA_AWAIT_REPLY, SIWF_MPA_DO_BUG, 0);
	}
}

/*
 * One step of the handshake: the next state and what to do, in the order
 * of enum siwf_mpa_action. A timeout or a peer close that arrives after
 * the handshake ended is stale (a timer racing its cancel, or the QP's
 * business now); any other event the state cannot receive is a bug of the
 * caller and leaves the state alone.
 */
struct siwf_mpa_step siwf_mpa_next(enum siwf_mpa_state state,
				   enum siwf_mpa_event event)
{
	switch (state) {
	case SIWF_MPA_IDLE:
		if (event == SIWF_MPA_EV_LISTEN_ACCEPTED)
			return siwf_mpa_go(SIWF_MPA_AWAIT_REQUEST,
					   SIWF_MPA_DO_START_REQ_TIMER, 0);
		if (event == SIWF_MPA_EV_REQUEST_SENT)
			return siwf_mpa_go(SIWF_MPA_AWAIT_REPLY,
					   SIWF_MPA_DO_START_REP_TIMER, 0);
		if (event == SIWF_MPA_EV_PEER_CLOSED)
			return siwf_mpa_go(SIWF_MPA_CLOSED, SIWF_MPA_DO_CLOSE,
					   0);
		break;
	case SIWF_MPA_AWAIT_REPLY:
		return siwf_mpa_initiator(event);
	case SIWF_MPA_AWAIT_REQUEST:
	case SIWF_MPA_AWAIT_ACCEPT:
	case SIWF_MPA_AWAIT_RTR:
		return siwf_mpa_responder(state, event);
	case SIWF_MPA_RDMA:
	case SIWF_MPA_CLOSED:
		if (event == SIWF_MPA_EV_TIMEOUT ||
		    event == SIWF_MPA_EV_PEER_CLOSED)
			return siwf_mpa_go(state, SIWF_MPA_DO_STALE, 0);
		break;
	}
	return siwf_mpa_go(state, SIWF_MPA_DO_BUG, 0);
}
EXPORT_SYMBOL_IF_KUNIT(siwf_mpa_next);
