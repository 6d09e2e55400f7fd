// SPDX-License-Identifier: GPL-2.0
/*
 * FPDU sizing, the MPA CRC32c and the checks every received DDP/RDMAP
 * header passes before a byte of its payload is placed. Pure functions:
 * the RX path calls them in softirq.
 */
#include <kunit/visibility.h>
#include <linux/crc32c.h>
#include <linux/kernel.h>
#include <linux/math64.h>
#include <linux/string.h>
#include <asm/unaligned.h>

#include "siwf_fpdu.h"

/* Largest FPDU for an MSS: whole 8-byte units, as upstream siw sends. */
unsigned int siwf_fpdu_limit(unsigned int mss)
{
	return round_down(mss, 8);
}
EXPORT_SYMBOL_IF_KUNIT(siwf_fpdu_limit);

/*
 * Payload bytes one FPDU can carry behind a header of hdr_len bytes
 * (length field included) so that header + payload + pad + CRC fit the
 * limit; 0 if not even an empty segment fits. The limit is a multiple of
 * 8, so filling it up to the CRC needs no pad; the 16-bit length field
 * caps the ULPDU.
 */
unsigned int siwf_fpdu_max_payload(unsigned int mss, unsigned int hdr_len)
{
	unsigned int limit = siwf_fpdu_limit(mss);
	unsigned int ulpdu_hdr = hdr_len - MPA_LEN_SIZE;

	if (hdr_len < MPA_LEN_SIZE || limit < hdr_len + MPA_CRC_SIZE)
		return 0;
	return min(limit - hdr_len - MPA_CRC_SIZE, U16_MAX - ulpdu_hdr);
}
EXPORT_SYMBOL_IF_KUNIT(siwf_fpdu_max_payload);

/* FPDUs a message needs; an empty message still takes one. */
u32 siwf_fpdu_count(u64 msg_len, unsigned int max_payload)
{
	if (!max_payload)
		return 0;
	if (!msg_len)
		return 1;
	return div_u64(msg_len + max_payload - 1, max_payload);
}
EXPORT_SYMBOL_IF_KUNIT(siwf_fpdu_count);

u32 siwf_crc_update(u32 crc, const void *data, unsigned int len)
{
	return crc32c(crc, data, len);
}
EXPORT_SYMBOL_IF_KUNIT(siwf_crc_update);

__le32 siwf_crc_trailer(u32 crc)
{
	return cpu_to_le32(~crc);
}
EXPORT_SYMBOL_IF_KUNIT(siwf_crc_trailer);

/*
 * CRC of a whole FPDU in one buffer, from its length field through its
 * pad as they are in the buffer (zero when we built it).
 */
__le32 siwf_fpdu_crc(const void *fpdu)
{
	unsigned int ulpdu = get_unaligned_be16(fpdu);
	unsigned int len = MPA_LEN_SIZE + ulpdu + siwf_fpdu_pad(ulpdu);

	return siwf_crc_trailer(siwf_crc_update(siwf_crc_start(), fpdu, len));
}
EXPORT_SYMBOL_IF_KUNIT(siwf_fpdu_crc);

static bool siwf_opcode_tagged(u8 op)
{
	return op == RDMAP_WRITE || op == RDMAP_READ_RESPONSE;
}

/*
 * First look at an FPDU, its first four bytes: which header follows and
 * how long it is. Versions are checked before the opcode because an
 * unknown version makes every other field meaningless.
 */
int siwf_rx_ctrl(const struct iwarp_ctrl *c, unsigned int *hdr_len,
		 struct siwf_term_cause *cause)
{
	u8 op = iwarp_opcode(c);

	if (iwarp_ddp_version(c) != IWARP_DDP_VERSION) {
		if (iwarp_tagged(c))
			siwf_term_set(cause, TERM_LAYER_DDP, DDP_ETYPE_TAGGED,
				      DDP_T_VERSION);
		else
			siwf_term_set(cause, TERM_LAYER_DDP,
				      DDP_ETYPE_UNTAGGED, DDP_U_VERSION);
		return -EPROTO;
	}
	if (iwarp_rdmap_version(c) != IWARP_RDMAP_VERSION) {
		siwf_term_set(cause, TERM_LAYER_RDMAP,
			      RDMAP_ETYPE_REMOTE_OPERATION,
			      RDMAP_ECODE_VERSION);
		return -EPROTO;
	}
	if (op >= RDMAP_OPCODE_COUNT ||
	    siwf_opcode_tagged(op) != iwarp_tagged(c)) {
		siwf_term_set(cause, TERM_LAYER_RDMAP,
			      RDMAP_ETYPE_REMOTE_OPERATION, RDMAP_ECODE_OPCODE);
		return -EPROTO;
	}
	*hdr_len = iwarp_hdr_len(op);
	if (be16_to_cpu(c->mpa_len) < *hdr_len - MPA_LEN_SIZE) {
		/* shorter than its own header: no DDP error code fits */
		siwf_term_set(cause, TERM_LAYER_DDP, DDP_ETYPE_CATASTROPHIC, 0);
		return -EPROTO;
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(siwf_rx_ctrl);

static int siwf_rx_untagged(const union iwarp_hdr *h, struct siwf_rx_hdr *rx,
			    struct siwf_term_cause *cause)
{
	static const u8 queue_of[RDMAP_OPCODE_COUNT] = {
		[RDMAP_READ_REQUEST] = IWARP_QN_READ_REQUEST,
		[RDMAP_SEND] = IWARP_QN_SEND,
		[RDMAP_SEND_INV] = IWARP_QN_SEND,
		[RDMAP_SEND_SE] = IWARP_QN_SEND,
		[RDMAP_SEND_SE_INV] = IWARP_QN_SEND,
		[RDMAP_TERMINATE] = IWARP_QN_TERMINATE,
	};
	const struct iwarp_untagged_hdr *u = &h->untagged;

	rx->msg.qn = be32_to_cpu(u->qn);
	rx->msg.msn = be32_to_cpu(u->msn);
	rx->msg.mo = be32_to_cpu(u->mo);
	if (rx->opcode == RDMAP_SEND_INV || rx->opcode == RDMAP_SEND_SE_INV)
		rx->msg.inval_stag = be32_to_cpu(h->send_inv.inval_stag);
	else
		rx->msg.inval_stag = 0;

	if (rx->msg.qn != queue_of[rx->opcode]) {
		siwf_term_set(cause, TERM_LAYER_DDP, DDP_ETYPE_UNTAGGED,
			      DDP_U_INVALID_QN);
		return -EPROTO;
	}
	if (rx->opcode == RDMAP_READ_REQUEST ||
	    rx->opcode == RDMAP_TERMINATE) {
		/* one whole segment each (RFC 5040 sections 4.4 and 4.8) */
		if (rx->msg.mo || !rx->last) {
			siwf_term_set(cause, TERM_LAYER_DDP,
				      DDP_ETYPE_UNTAGGED, DDP_U_INVALID_MO);
			return -EPROTO;
		}
	}
	if (rx->opcode == RDMAP_READ_REQUEST) {
		const struct iwarp_read_request *r = &h->rreq;

		if (rx->payload_len) {
			siwf_term_set(cause, TERM_LAYER_DDP,
				      DDP_ETYPE_UNTAGGED, DDP_U_TOO_LONG);
			return -EPROTO;
		}
		rx->rreq.sink_stag = be32_to_cpu(r->sink_stag);
		rx->rreq.sink_to = be64_to_cpu(r->sink_to);
		rx->rreq.size = be32_to_cpu(r->size);
		rx->rreq.src_stag = be32_to_cpu(r->src_stag);
		rx->rreq.src_to = be64_to_cpu(r->src_to);
	}
	return 0;
}

/*
 * The whole header is in: decode it and check what needs no QP state.
 * Placement (STag lookup, bounds, MSN against posted buffers) is the
 * engine's; the TO wrap is checked here because it needs nothing else.
 */
int siwf_rx_decode(const union iwarp_hdr *h, struct siwf_rx_hdr *rx,
		   struct siwf_term_cause *cause)
{
	unsigned int hdr_len;
	int err;

	memset(rx, 0, sizeof(*rx));
	err = siwf_rx_ctrl(&h->ctrl, &hdr_len, cause);
	if (err)
		return err;

	rx->opcode = iwarp_opcode(&h->ctrl);
	rx->tagged = iwarp_tagged(&h->ctrl);
	rx->last = iwarp_last(&h->ctrl);
	rx->hdr_len = hdr_len;
	rx->ulpdu_len = be16_to_cpu(h->ctrl.mpa_len);
	rx->payload_len = rx->ulpdu_len - (hdr_len - MPA_LEN_SIZE);

	if (!rx->tagged)
		return siwf_rx_untagged(h, rx, cause);

	rx->tag.stag = be32_to_cpu(h->tagged.stag);
	rx->tag.to = be64_to_cpu(h->tagged.to);
	if (rx->payload_len && rx->tag.to + rx->payload_len - 1 <
	    rx->tag.to) {
		siwf_term_set(cause, TERM_LAYER_DDP, DDP_ETYPE_TAGGED,
			      DDP_T_TO_WRAP);
		return -EPROTO;
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(siwf_rx_decode);
