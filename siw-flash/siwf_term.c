// SPDX-License-Identifier: GPL-2.0
/*
 * TERMINATE frames (RFC 5040 section 4.8): which parts of the offending
 * segment to echo back, and the frame itself, built in a caller's buffer
 * so the RX path can use it without allocating.
 */
#include <kunit/visibility.h>
#include <linux/string.h>

#include "siwf_fpdu.h"
#include "siwf_term.h"

/*
 * Which headers of the offending segment a TERMINATE copies (the Hdrct
 * bits). None when the layout of that header cannot be trusted (version
 * or opcode unknown) or when the error is not about a segment (local
 * catastrophic, and MPA errors, found below DDP); the whole RDMAP header
 * for protection errors, so the peer sees the STag and offset at fault;
 * the DDP header otherwise.
 */
__be32 siwf_term_hdrct(const struct siwf_term_cause *c)
{
	switch (c->layer) {
	case TERM_LAYER_RDMAP:
		if (c->etype == RDMAP_ETYPE_REMOTE_PROTECTION)
			return TERM_HDR_M | TERM_HDR_D | TERM_HDR_R;
		if (c->etype != RDMAP_ETYPE_REMOTE_OPERATION ||
		    c->ecode == RDMAP_ECODE_VERSION ||
		    c->ecode == RDMAP_ECODE_OPCODE)
			return 0;
		return TERM_HDR_M | TERM_HDR_D;
	case TERM_LAYER_DDP:
		if ((c->etype == DDP_ETYPE_TAGGED &&
		     c->ecode == DDP_T_VERSION) ||
		    (c->etype == DDP_ETYPE_UNTAGGED &&
		     c->ecode == DDP_U_VERSION) ||
		    (c->etype != DDP_ETYPE_TAGGED &&
		     c->etype != DDP_ETYPE_UNTAGGED))
			return 0;
		return TERM_HDR_M | TERM_HDR_D;
	default:
		return 0;
	}
}
EXPORT_SYMBOL_IF_KUNIT(siwf_term_hdrct);

/*
 * Build the TERMINATE for cause into buf (IWARP_TERM_FRAME_MAX bytes):
 * untagged on queue 2 with the given MSN, the offending segment's headers
 * as siwf_term_hdrct() says (bad may be NULL: nothing is copied then), and
 * the CRC trailer, zero unless crc. Returns the bytes to send.
 */
unsigned int siwf_term_build(void *buf, const struct siwf_term_cause *c,
			     const union iwarp_hdr *bad, u32 msn, bool crc)
{
	struct iwarp_term_frame *f = buf;
	__be32 hdrct = bad ? siwf_term_hdrct(c) : 0;
	unsigned int copy = 0, len;
	struct mpa_trailer trailer = { };

	if (hdrct & TERM_HDR_R)
		copy = iwarp_hdr_len(iwarp_opcode(&bad->ctrl));
	else if (hdrct & TERM_HDR_D)
		copy = iwarp_tagged(&bad->ctrl) ?
		       sizeof(struct iwarp_tagged_hdr) :
		       sizeof(struct iwarp_untagged_hdr);
	if (!copy)
		hdrct = 0;	/* never claim headers that are not there */

	memset(f, 0, sizeof(*f));
	iwarp_set_ctrl(&f->hdr.ddp.ctrl, RDMAP_TERMINATE, false, true);
	f->hdr.ddp.qn = cpu_to_be32(IWARP_QN_TERMINATE);
	f->hdr.ddp.msn = cpu_to_be32(msn);
	f->hdr.term = iwarp_term_word(c->layer, c->etype, c->ecode) | hdrct;
	/* the copy's length field becomes the DDP Segment Length: equal */
	if (copy)
		memcpy(&f->copied, bad, copy);

	len = sizeof(f->hdr) + copy;
	f->hdr.ddp.ctrl.mpa_len = cpu_to_be16(len - MPA_LEN_SIZE);
	if (crc)
		trailer.crc = siwf_fpdu_crc(f);
	memcpy((u8 *)buf + len, &trailer, sizeof(trailer));
	return len + sizeof(trailer);
}
EXPORT_SYMBOL_IF_KUNIT(siwf_term_build);
