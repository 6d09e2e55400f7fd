/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Requests on the page pool: a get_lba() call, or one bio of the block
 * path, which embeds it so the data path allocates nothing.
 */
#ifndef _SALSA_POOL_H
#define _SALSA_POOL_H

#include "salsa.h"

struct salsa_get;

/* A get waiting for one page (read in flight, or a write-out to finish). */
struct salsa_waiter {
	struct list_head node;
	struct salsa_get *get;
	u64 lba;
	bool embedded;
};

struct salsa_get {
	struct salsa_ftl *ftl;
	u64 next;		/* first page not looked at yet */
	u64 end;
	unsigned int flags;
	salsa_page_cb cb;
	void *ctx;
	atomic64_t remaining;	/* undelivered pages + 1 while advancing */
	struct list_head starved;
	/* Runs once every page is delivered; NULL: the get is kfree()d. */
	void (*finish)(struct salsa_get *g);
	struct salsa_waiter waiter;	/* for single-page gets */
};

void salsa_get_init(struct salsa_get *g, struct salsa_ftl *ftl, u64 lba,
		    u64 len, unsigned int flags, salsa_page_cb cb, void *ctx);
void salsa_get_start(struct salsa_get *g);

/* Worker: dirty pages to write out. */
struct salsa_page *salsa_pool_next_dirty(struct salsa_ftl *ftl);
/* Worker: write-out of @pg finished; @in_place if it wrote the page itself. */
void salsa_pool_wb_done(struct salsa_ftl *ftl, struct salsa_page *pg,
			bool in_place, int error);
/* Drops the idle clean pages of a range from DRAM (before a remap). */
void salsa_pool_evict_range(struct salsa_ftl *ftl, u64 lba, u64 len);
void salsa_pool_redirty(struct salsa_ftl *ftl, struct salsa_page *pg);

int salsa_pool_module_init(void);
void salsa_pool_module_exit(void);

#endif /* _SALSA_POOL_H */
