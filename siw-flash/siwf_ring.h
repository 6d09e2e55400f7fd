/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Queues shared with user space (SQ, RQ, CQ) and the inbound read queue:
 * power-of-two rings indexed by free-running u32 counters. The counters
 * only ever increase and wrap at 2^32, which a power-of-two size divides,
 * so slot = counter & (size - 1) and used = prod - cons hold across the
 * wrap without any special case.
 */
#ifndef SIWF_RING_H
#define SIWF_RING_H

#include <linux/bits.h>
#include <linux/log2.h>
#include <linux/types.h>

#define SIWF_RING_SIZE_MAX	BIT(31)

static inline bool siwf_ring_size_valid(u32 size)
{
	return size && is_power_of_2(size);
}

/* The ring for a request of want entries, or 0 if above max (a power of 2) */
static inline u32 siwf_ring_size_for(u32 want, u32 max)
{
	if (want > max || max > SIWF_RING_SIZE_MAX)
		return 0;
	return want ? __roundup_pow_of_two(want) : 1;
}

static inline u32 siwf_ring_slot(u32 counter, u32 size)
{
	return counter & (size - 1);
}

static inline u32 siwf_ring_used(u32 prod, u32 cons)
{
	return prod - cons;
}

static inline u32 siwf_ring_free(u32 prod, u32 cons, u32 size)
{
	return size - siwf_ring_used(prod, cons);
}

static inline bool siwf_ring_empty(u32 prod, u32 cons)
{
	return prod == cons;
}

static inline bool siwf_ring_full(u32 prod, u32 cons, u32 size)
{
	return siwf_ring_used(prod, cons) == size;
}

#endif /* SIWF_RING_H */
