/* SPDX-License-Identifier: GPL-2.0 */
/*
 * FPDU arithmetic, the MPA CRC and the checks on a received DDP/RDMAP
 * header. Called from the RX path in softirq: nothing here sleeps,
 * allocates or touches memory other than the bytes it is given.
 */
#ifndef SIWF_FPDU_H
#define SIWF_FPDU_H

#include <linux/types.h>

#include "iwarp.h"
#include "siwf_term.h"

/* Bytes of zero that bring length field + ULPDU to a multiple of 4 */
static inline unsigned int siwf_fpdu_pad(unsigned int ulpdu_len)
{
	return -(MPA_LEN_SIZE + ulpdu_len) & (MPA_ALIGN - 1);
}

/* Bytes on the wire for a ULPDU: length field, ULPDU, pad, CRC */
static inline unsigned int siwf_fpdu_wire_len(unsigned int ulpdu_len)
{
	return MPA_LEN_SIZE + ulpdu_len + siwf_fpdu_pad(ulpdu_len) +
	       MPA_CRC_SIZE;
}

unsigned int siwf_fpdu_limit(unsigned int mss);
unsigned int siwf_fpdu_max_payload(unsigned int mss, unsigned int hdr_len);
u32 siwf_fpdu_count(u64 msg_len, unsigned int max_payload);

/*
 * CRC32c over length field, ULPDU and pad, fed in pieces as the engines
 * walk headers and pages: start, update for every piece, then the trailer.
 */
static inline u32 siwf_crc_start(void)
{
	return ~0U;
}

u32 siwf_crc_update(u32 crc, const void *data, unsigned int len);
__le32 siwf_crc_trailer(u32 crc);
__le32 siwf_fpdu_crc(const void *fpdu);

/* A received header, decoded and checked; host byte order. */
struct siwf_rx_hdr {
	u8 opcode;		/* enum rdmap_opcode */
	u8 tagged;
	u8 last;
	u8 hdr_len;		/* bytes before the payload */
	u16 payload_len;	/* DDP payload bytes after the header */
	u16 ulpdu_len;
	union {
		struct {	/* WRITE, READ response */
			u32 stag;
			u64 to;
		} tag;
		struct {	/* SEND variants, READ request, TERMINATE */
			u32 qn;
			u32 msn;
			u32 mo;
			u32 inval_stag;	/* SEND_INV, SEND_SE_INV */
		} msg;
	};
	struct {		/* READ request only */
		u32 sink_stag;
		u64 sink_to;
		u32 size;
		u32 src_stag;
		u64 src_to;
	} rreq;
};

int siwf_rx_ctrl(const struct iwarp_ctrl *c, unsigned int *hdr_len,
		 struct siwf_term_cause *cause);
int siwf_rx_decode(const union iwarp_hdr *h, struct siwf_rx_hdr *rx,
		   struct siwf_term_cause *cause);

#endif /* SIWF_FPDU_H */
