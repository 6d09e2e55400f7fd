/* SPDX-License-Identifier: GPL-2.0 */
/*
 * STags: the 32-bit name of a memory region on the wire, a 24-bit index
 * into the device's region table and an 8-bit key the consumer may change
 * (fast-register, ib_update_fast_reg_key()) to retire old references.
 */
#ifndef SIWF_STAG_H
#define SIWF_STAG_H

#include <linux/errno.h>
#include <linux/types.h>

#include "siwf_term.h"

#define SIWF_STAG_KEY_BITS	8
#define SIWF_STAG_KEY_MASK	0xffU
/* Index 0 is never handed out: STag 0 is what a forgotten field holds. */
#define SIWF_STAG_INDEX_MIN	1U
#define SIWF_STAG_INDEX_LIMIT	(1U << (32 - SIWF_STAG_KEY_BITS))

static inline u32 siwf_stag(u32 index, u8 key)
{
	return index << SIWF_STAG_KEY_BITS | key;
}

static inline u32 siwf_stag_index(u32 stag)
{
	return stag >> SIWF_STAG_KEY_BITS;
}

static inline u8 siwf_stag_key(u32 stag)
{
	return stag & SIWF_STAG_KEY_MASK;
}

/* Can index name a region in a table of nr_regions? */
static inline bool siwf_stag_index_valid(u32 index, u32 nr_regions)
{
	return index >= SIWF_STAG_INDEX_MIN && index < nr_regions &&
	       index < SIWF_STAG_INDEX_LIMIT;
}

/* A new STag for a region keeps its index; only the key may change. */
static inline int siwf_stag_rekey(u32 cur, u32 proposed, u32 *stag)
{
	if (siwf_stag_index(proposed) != siwf_stag_index(cur))
		return -EINVAL;
	*stag = proposed;
	return 0;
}

/*
 * A peer's STag, found in the table as region_stag: a stale key names a
 * retired reference and is as invalid as an unknown index. Tagged
 * segments report it at DDP, READ request sources at RDMAP.
 */
static inline int siwf_stag_check(u32 stag, u32 region_stag, bool tagged,
				  struct siwf_term_cause *cause)
{
	if (stag == region_stag)
		return 0;
	if (tagged)
		siwf_term_set(cause, TERM_LAYER_DDP, DDP_ETYPE_TAGGED,
			      DDP_T_INVALID_STAG);
	else
		siwf_term_set(cause, TERM_LAYER_RDMAP,
			      RDMAP_ETYPE_REMOTE_PROTECTION,
			      RDMAP_ECODE_INVALID_STAG);
	return -EACCES;
}

#endif /* SIWF_STAG_H */
