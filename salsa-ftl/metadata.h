/* SPDX-License-Identifier: GPL-2.0 */
/*
 * On-flash metadata internals shared with the recovery KUnit suite.
 *
 * salsa_md_open() and salsa_geometry() follow table.c's convention for
 * errors: dm keeps ti->error without ever freeing it (and prints it after
 * the FTL is gone), so *error only ever gets a static "<what>: <why>"
 * string, and the detailed message (member number, path, sizes) goes to
 * the kernel log.
 */
#ifndef _SALSA_METADATA_H
#define _SALSA_METADATA_H

#include <linux/crc32c.h>

#include "salsa.h"

/* A summary page and some data slots, whatever the number of members. */
#define SALSA_MIN_SEG_PAGES	16

/* Every checksum of the format: crc32c seeded with ~0, not inverted. */
static inline u32 salsa_crc(const void *buf, size_t len)
{
	return crc32c(~0U, buf, len);
}

/* Member-0 page of checkpoint slot @slot. */
static inline u64 salsa_ckpt_slot_page(struct salsa_ftl *ftl,
				       unsigned int slot)
{
	return SALSA_CKPT_FIRST_PAGE + (u64)slot * ftl->ckpt_pages;
}

#endif /* _SALSA_METADATA_H */
