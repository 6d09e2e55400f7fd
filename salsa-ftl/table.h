/* SPDX-License-Identifier: GPL-2.0 */
/*
 * salsa table parsing with the detailed error message in a caller's buffer.
 *
 * dm never frees ti->error, so salsa_parse_table() can only hand it static
 * strings; the detailed message (which quotes the argument at fault) goes
 * to the kernel log from there, or to @errbuf from the function below.
 */
#ifndef _SALSA_TABLE_H
#define _SALSA_TABLE_H

#include "salsa.h"

/* Enough for every message with the quoted argument cut to its limit. */
#define SALSA_TABLE_ERRLEN	256

/*
 * Parses a table line (argv starts at the first member device) into @cfg.
 * Returns 0, or -EINVAL with a message in @errbuf naming the argument at
 * fault and what is allowed (truncated to @errlen; @errlen may be 0).
 * Allocates nothing and touches no device. @cfg->dev_paths point into
 * @argv, so they are valid only as long as @argv is (the ctr call).
 */
int salsa_parse_table_buf(struct salsa_config *cfg, unsigned int argc,
			  char **argv, sector_t target_sectors,
			  char *errbuf, size_t errlen);

#endif /* _SALSA_TABLE_H */
