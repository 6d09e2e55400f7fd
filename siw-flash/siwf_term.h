/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Why a stream ends: the (layer, type, code) triple a TERMINATE carries, as
 * the receive checks report it, and the TERMINATE frame built from it.
 */
#ifndef SIWF_TERM_H
#define SIWF_TERM_H

#include <linux/types.h>

#include "iwarp.h"

struct siwf_term_cause {
	u8 layer;	/* enum iwarp_term_layer */
	u8 etype;	/* enum rdmap_etype, ddp_etype or mpa_etype */
	u8 ecode;	/* the code within that type */
};

static inline void siwf_term_set(struct siwf_term_cause *c, u8 layer,
				 u8 etype, u8 ecode)
{
	c->layer = layer;
	c->etype = etype;
	c->ecode = ecode;
}

__be32 siwf_term_hdrct(const struct siwf_term_cause *c);
unsigned int siwf_term_build(void *buf, const struct siwf_term_cause *c,
			     const union iwarp_hdr *bad, u32 msn, bool crc);

#endif /* SIWF_TERM_H */
