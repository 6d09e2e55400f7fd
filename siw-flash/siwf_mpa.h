/* SPDX-License-Identifier: GPL-2.0 */
/*
 * MPA connection setup without sockets: request/reply frames to and from
 * byte buffers, the responder's and the initiator's decisions (CRC, IRD/ORD,
 * peer-to-peer RTR), and the handshake as a state machine. The connection
 * manager owns the socket, the timers and the upcalls and asks these
 * functions what to do.
 */
#ifndef SIWF_MPA_H
#define SIWF_MPA_H

#include <linux/types.h>

#include "iwarp.h"
#include "siwf_term.h"

/* What we send as initiator; as responder we answer in the peer's. */
#define SIWF_MPA_REVISION	MPA_REVISION_2
#define SIWF_MPA_REQUEST_TIMEOUT_MS	5000	/* responder waits for it */
#define SIWF_MPA_REPLY_TIMEOUT_MS	10000	/* initiator waits for it */

enum siwf_mpa_frame {
	SIWF_MPA_REQUEST,
	SIWF_MPA_REPLY,
};

/* Ready-to-receive frame kinds of RFC 6581, as a mask */
enum siwf_rtr {
	SIWF_RTR_WRITE	= 1 << 0,
	SIWF_RTR_READ	= 1 << 1,
	SIWF_RTR_SEND	= 1 << 2,	/* parsed, never offered or chosen */
};

/* A request or reply, decoded (parse) or to be encoded (build). */
struct siwf_mpa_params {
	u8 revision;
	u8 markers;
	u8 crc;
	u8 reject;
	u8 enhanced;		/* IRD/ORD block present (revision 2 only) */
	u8 p2p;			/* IRD/ORD block: RTR frame wanted */
	u8 rtr;			/* enum siwf_rtr: offered (request), chosen */
	u16 ird;
	u16 ord;
	u16 pd_len;		/* consumer private data, IRD/ORD block excluded */
};

/* Local limits and policy, from the device and the module parameters. */
struct siwf_mpa_policy {
	u16 max_ird;
	u16 max_ord;
	u8 crc_required;	/* insist on CRC (module parameter) */
	u8 rtr;			/* enum siwf_rtr this side can handle */
};

/* Outcome of the negotiation, for the QP. */
struct siwf_mpa_result {
	u8 crc;
	u8 rtr;			/* one SIWF_RTR_* bit in P2P mode, else 0 */
	u16 ird;
	u16 ord;
};

int siwf_mpa_build(void *buf, size_t size, enum siwf_mpa_frame kind,
		   const struct siwf_mpa_params *p, const void *pdata);
int siwf_mpa_check_hdr(const struct mpa_rr_hdr *h, enum siwf_mpa_frame kind);
int siwf_mpa_parse(const void *frame, size_t len, enum siwf_mpa_frame kind,
		   struct siwf_mpa_params *p, const u8 **pdata);
int siwf_mpa_respond(const struct siwf_mpa_params *req,
		     const struct siwf_mpa_policy *local,
		     struct siwf_mpa_params *rep,
		     struct siwf_mpa_result *res);
void siwf_mpa_reject(const struct siwf_mpa_params *req,
		     const struct siwf_mpa_policy *local,
		     struct siwf_mpa_params *rep);
int siwf_mpa_check_reply(const struct siwf_mpa_params *req,
			 const struct siwf_mpa_params *rep,
			 const struct siwf_mpa_policy *local,
			 struct siwf_mpa_result *res,
			 struct siwf_term_cause *cause);

/* The handshake. Events come from the socket, the timer and the consumer. */
enum siwf_mpa_state {
	SIWF_MPA_IDLE,		/* TCP connected, nothing exchanged yet */
	SIWF_MPA_AWAIT_REQUEST,	/* responder */
	SIWF_MPA_AWAIT_ACCEPT,	/* responder: consumer deciding */
	SIWF_MPA_AWAIT_RTR,	/* responder in P2P mode: reply sent */
	SIWF_MPA_AWAIT_REPLY,	/* initiator: request sent */
	SIWF_MPA_RDMA,		/* established: FPDUs from now on */
	SIWF_MPA_CLOSED,	/* failed: the socket goes */
};

enum siwf_mpa_event {
	SIWF_MPA_EV_LISTEN_ACCEPTED,	/* responder got a TCP connection */
	SIWF_MPA_EV_REQUEST_SENT,
	SIWF_MPA_EV_REQUEST_OK,		/* siwf_mpa_parse and respond: 0 */
	SIWF_MPA_EV_REQUEST_REFUSED,	/* valid frame, unacceptable terms */
	SIWF_MPA_EV_REQUEST_INVALID,	/* not an MPA request at all */
	SIWF_MPA_EV_ACCEPT,		/* consumer accepts */
	SIWF_MPA_EV_ACCEPT_P2P,		/* ... and an RTR frame must follow */
	SIWF_MPA_EV_REJECT,		/* consumer rejects */
	SIWF_MPA_EV_RTR_RECEIVED,
	SIWF_MPA_EV_RTR_INVALID,	/* another frame or kind: TERMINATE */
	SIWF_MPA_EV_REPLY_OK,		/* siwf_mpa_check_reply: 0, no RTR */
	SIWF_MPA_EV_REPLY_OK_P2P,	/* ... and we must send the RTR frame */
	SIWF_MPA_EV_REPLY_REJECTED,	/* peer's reply has R set */
	SIWF_MPA_EV_REPLY_INVALID,	/* check_reply failed: TERMINATE */
	SIWF_MPA_EV_TIMEOUT,
	SIWF_MPA_EV_PEER_CLOSED,	/* EOF or TCP error before RDMA mode */
};

/* What the connection manager does, in this order. */
enum siwf_mpa_action {
	SIWF_MPA_DO_CANCEL_TIMER	= 1 << 0,
	SIWF_MPA_DO_START_REQ_TIMER	= 1 << 1,
	SIWF_MPA_DO_START_REP_TIMER	= 1 << 2,
	SIWF_MPA_DO_SEND_REPLY		= 1 << 3,
	SIWF_MPA_DO_SEND_REJECT		= 1 << 4,
	SIWF_MPA_DO_SEND_RTR		= 1 << 5,
	SIWF_MPA_DO_SEND_TERMINATE	= 1 << 6,
	SIWF_MPA_DO_UPCALL_REQUEST	= 1 << 7,	/* CONNECT_REQUEST */
	SIWF_MPA_DO_UPCALL_REPLY	= 1 << 8,	/* CONNECT_REPLY, status */
	SIWF_MPA_DO_UPCALL_ESTABLISHED	= 1 << 9,
	SIWF_MPA_DO_UPCALL_CLOSE	= 1 << 10,	/* accepted, then failed */
	SIWF_MPA_DO_CLOSE		= 1 << 11,
	SIWF_MPA_DO_STALE		= 1 << 12,	/* event no longer matters */
	SIWF_MPA_DO_BUG			= 1 << 13,	/* impossible here */
};

struct siwf_mpa_step {
	enum siwf_mpa_state next;
	unsigned int actions;	/* enum siwf_mpa_action */
	int status;		/* for the REPLY and CLOSE upcalls */
};

struct siwf_mpa_step siwf_mpa_next(enum siwf_mpa_state state,
				   enum siwf_mpa_event event);

#endif /* SIWF_MPA_H */
