/* SPDX-License-Identifier: GPL-2.0 */
/*
 * siw_flash's object model: the device and the verbs objects that exist so
 * far (user context, PD, CQ), the limits the device advertises, and the
 * entry points the files of the verbs surface share.
 *
 * Memory seen by user space (queues now, memory regions later) is reached
 * through siwf_mem.c only. Memory regions will come in two kinds behind one
 * narrow interface chosen at registration (pinned DRAM pages; lazy ContigFS
 * mappings that hand out a page at an offset or say when it is ready), so
 * the engines never ask which kind they hold: see struct siwf_mem_ops.
 */
#ifndef SIWF_H
#define SIWF_H

#include <linux/atomic.h>
#include <linux/if_ether.h>
#include <linux/list.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <rdma/ib_verbs.h>
#include <rdma/siw-abi.h>

#define SIWF_VENDOR_ID		0x464c4e	/* "FLN" */
#define SIWF_NODE_DESC		"FlashNet software iWARP"

/* What query_device advertises and the object counters enforce. */
#define SIWF_MAX_CONTEXT	1024
#define SIWF_MAX_PD		16384
#define SIWF_MAX_QP		16384
#define SIWF_MAX_QP_WR		4096	/* per SQ and RQ, a power of 2 */
#define SIWF_MAX_CQ		16384
#define SIWF_MAX_CQE		65536	/* a power of 2 */
#define SIWF_MAX_MR		65536
#define SIWF_MAX_SRQ		16384
#define SIWF_MAX_SRQ_WR		4096
#define SIWF_MAX_SGE		SIW_MAX_SGE
#define SIWF_MAX_SGE_RD		1	/* an iWARP READ sink is one SGE */
#define SIWF_MAX_INLINE		SIW_MAX_INLINE	/* 80 bytes */
#define SIWF_MAX_IRD		128	/* inbound READs per QP */
#define SIWF_MAX_ORD		128	/* outbound READs per QP */
#define SIWF_MAX_FRMR_PAGES	256
#define SIWF_MAX_MR_SIZE	BIT_ULL(46)	/* lazy ContigFS regions are large */
#define SIWF_MAX_MSG_SIZE	0x80000000U

struct siwf_device {
	struct ib_device base;
	struct list_head list;		/* siwf_devices, under siwf_devices_lock */
	/*
	 * Held by the core (ib_device_set_netdev) until unregistration has
	 * stopped every verb.
	 */
	struct net_device *netdev;
	u32 dev_id;
	spinlock_t lock;		/* protects raw_gid */
	u8 raw_gid[ETH_ALEN];		/* iWARP: the netdev's MAC */
	enum ib_port_state state;	/* follows the netdev, READ_ONCE */

	atomic_t num_ctx;
	atomic_t num_pd;
	atomic_t num_cq;
	atomic_t next_cq_id;
};

struct siwf_ucontext {
	struct ib_ucontext base;
};

struct siwf_pd {
	struct ib_pd base;
};

/*
 * A CQ is an array of num_cqe siw_cqe followed by the siw_cq_ctrl word,
 * in vmalloc memory mapped to user space for a user CQ. The producer (the
 * kernel) writes a CQE, then sets SIW_WQE_VALID; the consumer (libsiw, or
 * siwf_poll_cq for a kernel CQ) copies it and clears the flags. The
 * notify word is armed by the consumer and disarmed by the producer.
 */
struct siwf_cq {
	struct ib_cq base;
	spinlock_t lock;		/* producer side; poll of a kernel CQ */
	struct siw_cqe *queue;
	struct siw_cq_ctrl *notify;	/* right after the last CQE */
	u32 num_cqe;			/* a power of 2 */
	u32 prod;			/* free-running, siwf_ring.h */
	u32 cons;			/* kernel CQs only */
	u32 id;
	struct rdma_user_mmap_entry *entry;	/* user CQs only */
};

/* A region of vmalloc_user() memory that user space maps by its key. */
struct siwf_mmap_entry {
	struct rdma_user_mmap_entry rdma;
	void *addr;
};

/*
 * The seam for memory region kinds (declared ahead of its users, the MR
 * step): the engines reach a region's bytes only through these calls.
 * get_page() either returns the page holding @offset, referenced, or
 * returns NULL and calls ready(ctx) once it can succeed (never sleeps, may
 * be called from softirq); put_page() drops the reference, saying whether
 * the page was written.
 */
struct siwf_mem;
struct siwf_mem_ops {
	struct page *(*get_page)(struct siwf_mem *mem, u64 offset, bool write,
				 void (*ready)(void *ctx), void *ctx);
	void (*put_page)(struct siwf_mem *mem, struct page *page, bool dirty);
	void (*release)(struct siwf_mem *mem);
};

static inline struct siwf_device *to_siwf_dev(struct ib_device *base)
{
	return container_of(base, struct siwf_device, base);
}

static inline struct siwf_ucontext *to_siwf_uctx(struct ib_ucontext *base)
{
	return container_of(base, struct siwf_ucontext, base);
}

static inline struct siwf_cq *to_siwf_cq(struct ib_cq *base)
{
	return container_of(base, struct siwf_cq, base);
}

static inline struct siwf_mmap_entry *
to_siwf_mmap_entry(struct rdma_user_mmap_entry *rdma)
{
	return container_of(rdma, struct siwf_mmap_entry, rdma);
}

/* Take one of at most max objects counted by count. */
static inline bool siwf_count_get(atomic_t *count, int max)
{
	return atomic_add_unless(count, 1, max);
}

static inline void siwf_count_put(atomic_t *count)
{
	atomic_dec(count);
}

/* siwf_verbs.c: device, port, context and PD verbs */
int siwf_query_device(struct ib_device *base, struct ib_device_attr *attr,
		      struct ib_udata *udata);
int siwf_query_port(struct ib_device *base, u32 port,
		    struct ib_port_attr *attr);
int siwf_query_gid(struct ib_device *base, u32 port, int index,
		   union ib_gid *gid);
int siwf_get_port_immutable(struct ib_device *base, u32 port,
			    struct ib_port_immutable *immutable);
int siwf_alloc_ucontext(struct ib_ucontext *base, struct ib_udata *udata);
void siwf_dealloc_ucontext(struct ib_ucontext *base);
int siwf_alloc_pd(struct ib_pd *base, struct ib_udata *udata);
int siwf_dealloc_pd(struct ib_pd *base, struct ib_udata *udata);

/* siwf_cq.c */
int siwf_create_cq(struct ib_cq *base, const struct ib_cq_init_attr *attr,
		   struct ib_udata *udata);
int siwf_destroy_cq(struct ib_cq *base, struct ib_udata *udata);
int siwf_poll_cq(struct ib_cq *base, int num_entries, struct ib_wc *wc);
int siwf_req_notify_cq(struct ib_cq *base, enum ib_cq_notify_flags flags);
int siwf_cq_add(struct siwf_cq *cq, const struct siw_cqe *cqe, bool solicited);

/* siwf_mem.c: memory user space maps */
struct rdma_user_mmap_entry *siwf_mmap_insert(struct siwf_ucontext *uctx,
					      void *addr, size_t len, u64 *key);
int siwf_mmap(struct ib_ucontext *base, struct vm_area_struct *vma);
void siwf_mmap_free(struct rdma_user_mmap_entry *rdma);

#endif /* SIWF_H */
