/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Segment and GC entry points beyond salsa.h: set-up of the write epochs,
 * the commit request GC makes of the worker, and the pending transition
 * GC needs for segments it drained.
 */
#ifndef _SALSA_GC_H
#define _SALSA_GC_H

#include "salsa.h"

/*
 * Sets ftl->epoch_shift so that writing the capacity once takes about 1024
 * epochs. Call once capacity_pages is known, before the first write-out.
 */
void salsa_streams_init(struct salsa_ftl *ftl);

/*
 * Worker: true when a commit now would turn pending segments into free ones
 * (or get a checkpoint asked for that lets them go) while free segments are
 * short. False again once that commit is done, so it never asks in a loop.
 */
bool salsa_gc_wants_commit(struct salsa_ftl *ftl);

/* A closed segment with no live slot and no write in flight goes pending. */
void salsa_seg_check_empty(struct salsa_ftl *ftl, struct salsa_segment *seg);

#endif /* _SALSA_GC_H */
