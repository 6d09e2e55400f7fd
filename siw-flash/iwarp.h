/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iWARP wire formats: MPA (RFC 5044, enhanced establishment RFC 6581),
 * DDP (RFC 5041) and RDMAP (RFC 5040). Everything that goes on the wire is
 * declared here, in network byte order, so sparse can check every access;
 * code outside this header never masks or shifts a wire field by hand.
 *
 * Every FPDU begins with the 16-bit MPA ULPDU length, so the header structs
 * below include it: sizeof() is what precedes the payload in the stream.
 */
#ifndef SIWF_IWARP_H
#define SIWF_IWARP_H

#include <linux/build_bug.h>
#include <linux/types.h>
#include <asm/byteorder.h>

#define IWARP_DDP_VERSION	1
#define IWARP_RDMAP_VERSION	1

/* MPA request/reply frames (RFC 5044 section 7.1, RFC 6581 section 9) */

#define MPA_KEY_SIZE		16
#define MPA_KEY_REQUEST		"MPA ID Req Frame"
#define MPA_KEY_REPLY		"MPA ID Rep Frame"
#define MPA_REVISION_1		1
#define MPA_REVISION_2		2	/* enhanced connection establishment */
/*
 * The protocol allows 512 bytes; the RDMA CM passes at most 256
 * (RDMA_MAX_PRIVATE_DATA), IRD/ORD block included, and so does upstream siw.
 */
#define MPA_PRIVATE_DATA_MAX	256
#define MPA_IRD_ORD_MAX		0x3fff

struct mpa_rr_hdr {
	u8 key[MPA_KEY_SIZE];
	__be16 flags_rev;		/* M C R E flags, revision */
	__be16 pd_len;			/* private data, IRD/ORD block included */
} __packed;

enum {
	MPA_RR_MARKERS	= cpu_to_be16(0x8000),
	MPA_RR_CRC	= cpu_to_be16(0x4000),
	MPA_RR_REJECT	= cpu_to_be16(0x2000),
	MPA_RR_ENHANCED	= cpu_to_be16(0x1000),	/* IRD/ORD block follows */
	MPA_RR_REVISION	= cpu_to_be16(0x00ff),
};

static inline u8 mpa_rr_revision(const struct mpa_rr_hdr *h)
{
	return be16_to_cpu(h->flags_rev & MPA_RR_REVISION);
}

static inline void mpa_rr_set_revision(struct mpa_rr_hdr *h, u8 rev)
{
	h->flags_rev = (h->flags_rev & ~MPA_RR_REVISION) | cpu_to_be16(rev);
}

/* The first four bytes of the private data when MPA_RR_ENHANCED is set */
struct mpa_ird_ord {
	__be16 ird;
	__be16 ord;
} __packed;

enum {
	MPA_IRD_ORD_VALUE	= cpu_to_be16(MPA_IRD_ORD_MAX),
	MPA_IRD_P2P		= cpu_to_be16(0x8000),	/* RTR frame wanted */
	/* third RTR kind, a zero-length Send: never offered or chosen here */
	MPA_IRD_SEND_RTR	= cpu_to_be16(0x4000),
	MPA_ORD_WRITE_RTR	= cpu_to_be16(0x8000),	/* zero-length WRITE */
	MPA_ORD_READ_RTR	= cpu_to_be16(0x4000),	/* zero-length READ */
};

static inline u16 mpa_ird_value(const struct mpa_ird_ord *b)
{
	return be16_to_cpu(b->ird & MPA_IRD_ORD_VALUE);
}

static inline u16 mpa_ord_value(const struct mpa_ird_ord *b)
{
	return be16_to_cpu(b->ord & MPA_IRD_ORD_VALUE);
}

/* FPDU framing (RFC 5044 section 4) */

#define MPA_LEN_SIZE		2	/* ULPDU length field */
#define MPA_CRC_SIZE		4
#define MPA_ALIGN		4	/* length field + ULPDU + pad */

/*
 * The CRC32c trailer travels least significant byte first, the order in
 * which iSCSI (RFC 3720 B.4) sends it, so it is the one little-endian field.
 */
struct mpa_trailer {
	__le32 crc;
} __packed;

/* DDP and RDMAP control bytes (RFC 5041 section 4, RFC 5040 section 4) */

struct iwarp_ctrl {
	__be16 mpa_len;			/* ULPDU length: DDP header + payload */
	u8 ddp;				/* T L reserved(4) DV(2) */
	u8 rdmap;			/* RV(2) reserved(2) opcode(4) */
} __packed;

#define DDP_TAGGED		0x80
#define DDP_LAST		0x40
#define DDP_VERSION_MASK	0x03
#define RDMAP_VERSION_SHIFT	6
#define RDMAP_OPCODE_MASK	0x0f

enum rdmap_opcode {
	RDMAP_WRITE		= 0x0,
	RDMAP_READ_REQUEST	= 0x1,
	RDMAP_READ_RESPONSE	= 0x2,
	RDMAP_SEND		= 0x3,
	RDMAP_SEND_INV		= 0x4,
	RDMAP_SEND_SE		= 0x5,
	RDMAP_SEND_SE_INV	= 0x6,
	RDMAP_TERMINATE		= 0x7,
	RDMAP_OPCODE_COUNT
};

static inline bool iwarp_tagged(const struct iwarp_ctrl *c)
{
	return c->ddp & DDP_TAGGED;
}

static inline bool iwarp_last(const struct iwarp_ctrl *c)
{
	return c->ddp & DDP_LAST;
}

static inline u8 iwarp_ddp_version(const struct iwarp_ctrl *c)
{
	return c->ddp & DDP_VERSION_MASK;
}

static inline u8 iwarp_rdmap_version(const struct iwarp_ctrl *c)
{
	return c->rdmap >> RDMAP_VERSION_SHIFT;
}

static inline u8 iwarp_opcode(const struct iwarp_ctrl *c)
{
	return c->rdmap & RDMAP_OPCODE_MASK;
}

/* Control bytes as we send them: both versions 1, reserved bits zero. */
static inline void iwarp_set_ctrl(struct iwarp_ctrl *c, enum rdmap_opcode op,
				  bool tagged, bool last)
{
	c->ddp = (tagged ? DDP_TAGGED : 0) | (last ? DDP_LAST : 0) |
		 IWARP_DDP_VERSION;
	c->rdmap = IWARP_RDMAP_VERSION << RDMAP_VERSION_SHIFT | op;
}

/* Untagged queues (RFC 5040 section 5) */
enum iwarp_qn {
	IWARP_QN_SEND		= 0,
	IWARP_QN_READ_REQUEST	= 1,
	IWARP_QN_TERMINATE	= 2,
};

/* Untagged DDP segment: SEND variants, READ request, TERMINATE */
struct iwarp_untagged_hdr {
	struct iwarp_ctrl ctrl;
	__be32 ulp;			/* RsvdULP: invalidate STag or zero */
	__be32 qn;
	__be32 msn;
	__be32 mo;
} __packed;

/* Tagged DDP segment: RDMA WRITE and READ response */
struct iwarp_tagged_hdr {
	struct iwarp_ctrl ctrl;
	__be32 stag;
	__be64 to;
} __packed;

/* SEND_INV and SEND_SE_INV name the STag to invalidate in RsvdULP */
struct iwarp_send_inv_hdr {
	struct iwarp_ctrl ctrl;
	__be32 inval_stag;
	__be32 qn;
	__be32 msn;
	__be32 mo;
} __packed;

/* RDMA READ request: one untagged segment carrying what to read where */
struct iwarp_read_request {
	struct iwarp_untagged_hdr ddp;
	__be32 sink_stag;
	__be64 sink_to;
	__be32 size;
	__be32 src_stag;
	__be64 src_to;
} __packed;

/*
 * TERMINATE (RFC 5040 section 4.8). The control word may be followed by the
 * 16-bit length of the DDP segment at fault (M) and a copy of its DDP (D)
 * and RDMAP (R) headers: that is the offending FPDU's header with its
 * length field replaced, see struct iwarp_term_frame.
 */
struct iwarp_term_hdr {
	struct iwarp_untagged_hdr ddp;
	__be32 term;
} __packed;

#define TERM_LAYER_SHIFT	28
#define TERM_ETYPE_SHIFT	24
#define TERM_ECODE_SHIFT	16

enum {
	TERM_LAYER	= cpu_to_be32(0xf0000000),
	TERM_ETYPE	= cpu_to_be32(0x0f000000),
	TERM_ECODE	= cpu_to_be32(0x00ff0000),
	TERM_HDR_M	= cpu_to_be32(0x00008000),	/* segment length valid */
	TERM_HDR_D	= cpu_to_be32(0x00004000),	/* DDP header copied */
	TERM_HDR_R	= cpu_to_be32(0x00002000),	/* RDMAP header copied */
};

static inline __be32 iwarp_term_word(u8 layer, u8 etype, u8 ecode)
{
	return cpu_to_be32((u32)(layer & 0xf) << TERM_LAYER_SHIFT |
			   (u32)(etype & 0xf) << TERM_ETYPE_SHIFT |
			   (u32)ecode << TERM_ECODE_SHIFT);
}

static inline u8 iwarp_term_layer(const struct iwarp_term_hdr *t)
{
	return be32_to_cpu(t->term & TERM_LAYER) >> TERM_LAYER_SHIFT;
}

static inline u8 iwarp_term_etype(const struct iwarp_term_hdr *t)
{
	return be32_to_cpu(t->term & TERM_ETYPE) >> TERM_ETYPE_SHIFT;
}

static inline u8 iwarp_term_ecode(const struct iwarp_term_hdr *t)
{
	return be32_to_cpu(t->term & TERM_ECODE) >> TERM_ECODE_SHIFT;
}

union iwarp_hdr {
	struct iwarp_ctrl ctrl;
	struct iwarp_untagged_hdr untagged;
	struct iwarp_tagged_hdr tagged;
	struct iwarp_send_inv_hdr send_inv;
	struct iwarp_read_request rreq;
	struct iwarp_term_hdr term;
};

/*
 * The largest TERMINATE we send: its header, then the segment length and
 * the copied DDP and RDMAP headers (at most a READ request's). The CRC
 * follows what is used of it; every length here is a multiple of 4, so no
 * TERMINATE needs a pad.
 */
struct iwarp_term_frame {
	struct iwarp_term_hdr hdr;
	union iwarp_hdr copied;
} __packed;

#define IWARP_TERM_FRAME_MAX	(sizeof(struct iwarp_term_frame) + MPA_CRC_SIZE)

/* Header length, MPA length field included, of each opcode's segments */
static inline unsigned int iwarp_hdr_len(enum rdmap_opcode op)
{
	switch (op) {
	case RDMAP_WRITE:
	case RDMAP_READ_RESPONSE:
		return sizeof(struct iwarp_tagged_hdr);
	case RDMAP_READ_REQUEST:
		return sizeof(struct iwarp_read_request);
	case RDMAP_TERMINATE:
		return sizeof(struct iwarp_term_hdr);
	case RDMAP_SEND:
	case RDMAP_SEND_INV:
	case RDMAP_SEND_SE:
	case RDMAP_SEND_SE_INV:
		return sizeof(struct iwarp_untagged_hdr);
	default:
		return 0;
	}
}

/* TERMINATE error codes: layer, then type, then code within the type */

enum iwarp_term_layer {
	TERM_LAYER_RDMAP	= 0x0,
	TERM_LAYER_DDP		= 0x1,
	TERM_LAYER_LLP		= 0x2,	/* MPA */
};

/* RDMAP (RFC 5040 section 7.2) */
enum rdmap_etype {
	RDMAP_ETYPE_CATASTROPHIC	= 0x0,
	RDMAP_ETYPE_REMOTE_PROTECTION	= 0x1,
	RDMAP_ETYPE_REMOTE_OPERATION	= 0x2,
};

enum rdmap_ecode {
	RDMAP_ECODE_INVALID_STAG	= 0x00,
	RDMAP_ECODE_BASE_BOUNDS		= 0x01,
	RDMAP_ECODE_ACCESS_RIGHTS	= 0x02,
	RDMAP_ECODE_STAG_NOT_ASSOC	= 0x03,
	RDMAP_ECODE_TO_WRAP		= 0x04,
	RDMAP_ECODE_VERSION		= 0x05,
	RDMAP_ECODE_OPCODE		= 0x06,
	RDMAP_ECODE_CATASTROPHIC_STREAM	= 0x07,
	RDMAP_ECODE_CATASTROPHIC_GLOBAL	= 0x08,
	RDMAP_ECODE_CANNOT_INVALIDATE	= 0x09,
	RDMAP_ECODE_UNSPECIFIED		= 0xff,
};

/* DDP (RFC 5041 section 7.2) */
enum ddp_etype {
	DDP_ETYPE_CATASTROPHIC	= 0x0,
	DDP_ETYPE_TAGGED	= 0x1,
	DDP_ETYPE_UNTAGGED	= 0x2,
};

enum ddp_tagged_ecode {
	DDP_T_INVALID_STAG	= 0x00,
	DDP_T_BASE_BOUNDS	= 0x01,
	DDP_T_STAG_NOT_ASSOC	= 0x02,
	DDP_T_TO_WRAP		= 0x03,
	DDP_T_VERSION		= 0x04,
};

enum ddp_untagged_ecode {
	DDP_U_INVALID_QN	= 0x01,
	DDP_U_MSN_NO_BUFFER	= 0x02,
	DDP_U_MSN_RANGE		= 0x03,
	DDP_U_INVALID_MO	= 0x04,
	DDP_U_TOO_LONG		= 0x05,
	DDP_U_VERSION		= 0x06,
};

/* LLP = MPA (RFC 5044 section 8; 5 to 7 from RFC 6581) */
enum mpa_etype {
	MPA_ETYPE		= 0x0,
};

enum mpa_ecode {
	MPA_ECODE_TCP_LOST		= 0x01,
	MPA_ECODE_CRC			= 0x02,
	MPA_ECODE_MARKER		= 0x03,
	MPA_ECODE_INVALID_RR		= 0x04,
	MPA_ECODE_LOCAL_CATASTROPHIC	= 0x05,
	MPA_ECODE_INSUFFICIENT_IRD	= 0x06,
	MPA_ECODE_NO_MATCHING_RTR	= 0x07,
};

/* Sizes the RFCs fix; anything else is a mistake in this header. */
static inline void iwarp_check_layout(void)
{
	BUILD_BUG_ON(sizeof(struct mpa_rr_hdr) != 20);
	BUILD_BUG_ON(sizeof(struct mpa_ird_ord) != 4);
	BUILD_BUG_ON(sizeof(struct iwarp_ctrl) != 4);
	BUILD_BUG_ON(sizeof(struct iwarp_untagged_hdr) != 20);
	BUILD_BUG_ON(sizeof(struct iwarp_tagged_hdr) != 16);
	BUILD_BUG_ON(sizeof(struct iwarp_send_inv_hdr) != 20);
	BUILD_BUG_ON(sizeof(struct iwarp_read_request) != 48);
	BUILD_BUG_ON(sizeof(struct iwarp_term_hdr) != 24);
	BUILD_BUG_ON(sizeof(union iwarp_hdr) != 48);
	BUILD_BUG_ON(sizeof(struct iwarp_term_frame) != 72);
}

#endif /* SIWF_IWARP_H */
