/* SPDX-License-Identifier: GPL-2.0 */
/* Requests the worker carries out for the block path and the API. */
#ifndef _SALSA_WRITEBACK_H
#define _SALSA_WRITEBACK_H

#include "salsa.h"

enum salsa_req_type {
	SALSA_REQ_FLUSH,	/* write every dirty page, then commit */
	SALSA_REQ_TRIM,
	SALSA_REQ_REMAP,
	SALSA_REQ_CHECKPOINT,	/* commit, then write a checkpoint */
};

struct salsa_request {
	struct list_head node;
	enum salsa_req_type type;
	u64 lba, len, dest;
	bool armed;		/* flush: all its pages are submitted */
	u64 target;		/* flush: wb seq that must complete */
	u64 errors_at_arm;
	int error;
	void (*done)(struct salsa_ftl *ftl, struct salsa_request *req);
	void *priv;
};

/* Queues @req for the worker; @req->done runs there when it is finished. */
void salsa_request_queue(struct salsa_ftl *ftl, struct salsa_request *req);
/* Queues @req and sleeps until it is done; returns its error. */
int salsa_request_wait(struct salsa_ftl *ftl, struct salsa_request *req);
/* Waits until no I/O of the FTL is in flight. */
void salsa_drain(struct salsa_ftl *ftl);

#endif /* _SALSA_WRITEBACK_H */
