// SPDX-License-Identifier: GPL-2.0
/*
 * Completion queues: creation with the user-mapped CQE array and notify
 * word, destruction, the producer side (siwf_cq_add, for the engines) and,
 * for kernel consumers, poll and arm. A user CQ is polled and armed by
 * libsiw in the mapped memory without entering the kernel.
 */
#include <linux/vmalloc.h>
#include <rdma/uverbs_ioctl.h>

#include "siwf.h"
#include "siwf_ring.h"

static const enum ib_wc_status siwf_wc_status[SIW_NUM_WC_STATUS] = {
	[SIW_WC_SUCCESS] = IB_WC_SUCCESS,
	[SIW_WC_LOC_LEN_ERR] = IB_WC_LOC_LEN_ERR,
	[SIW_WC_LOC_PROT_ERR] = IB_WC_LOC_PROT_ERR,
	[SIW_WC_LOC_QP_OP_ERR] = IB_WC_LOC_QP_OP_ERR,
	[SIW_WC_WR_FLUSH_ERR] = IB_WC_WR_FLUSH_ERR,
	[SIW_WC_BAD_RESP_ERR] = IB_WC_BAD_RESP_ERR,
	[SIW_WC_LOC_ACCESS_ERR] = IB_WC_LOC_ACCESS_ERR,
	[SIW_WC_REM_ACCESS_ERR] = IB_WC_REM_ACCESS_ERR,
	[SIW_WC_REM_INV_REQ_ERR] = IB_WC_REM_INV_REQ_ERR,
	[SIW_WC_GENERAL_ERR] = IB_WC_GENERAL_ERR,
};

static const enum ib_wc_opcode siwf_wc_opcode[SIW_NUM_OPCODES] = {
	[SIW_OP_WRITE] = IB_WC_RDMA_WRITE,
	[SIW_OP_READ] = IB_WC_RDMA_READ,
	[SIW_OP_READ_LOCAL_INV] = IB_WC_RDMA_READ,
	[SIW_OP_SEND] = IB_WC_SEND,
	[SIW_OP_SEND_WITH_IMM] = IB_WC_SEND,
	[SIW_OP_SEND_REMOTE_INV] = IB_WC_SEND,
	[SIW_OP_FETCH_AND_ADD] = IB_WC_FETCH_ADD,
	[SIW_OP_COMP_AND_SWAP] = IB_WC_COMP_SWAP,
	[SIW_OP_RECEIVE] = IB_WC_RECV,
	[SIW_OP_INVAL_STAG] = IB_WC_LOCAL_INV,
	[SIW_OP_REG_MR] = IB_WC_REG_MR,
};

int siwf_create_cq(struct ib_cq *base, const struct ib_cq_init_attr *attr,
		   struct ib_udata *udata)
{
	struct siwf_ucontext *uctx =
		rdma_udata_to_drv_context(udata, struct siwf_ucontext, base);
	struct siwf_device *sdev = to_siwf_dev(base->device);
	struct siwf_cq *cq = to_siwf_cq(base);
	size_t bytes;
	u32 size;
	int rv;

	if (attr->flags)
		return -EOPNOTSUPP;
	size = attr->cqe > 0 ? siwf_ring_size_for(attr->cqe, SIWF_MAX_CQE) : 0;
	if (!size)
		return -EINVAL;
	if (udata && udata->outlen < sizeof(struct siw_uresp_create_cq))
		return -EINVAL;
	if (!siwf_count_get(&sdev->num_cq, SIWF_MAX_CQ))
		return -ENOMEM;

	bytes = size * sizeof(struct siw_cqe) + sizeof(struct siw_cq_ctrl);
	cq->queue = udata ? vmalloc_user(bytes) : vzalloc(bytes);
	if (!cq->queue) {
		rv = -ENOMEM;
		goto err_count;
	}
	cq->notify = (struct siw_cq_ctrl *)&cq->queue[size];
	cq->num_cqe = size;
	cq->prod = 0;
	cq->cons = 0;
	cq->id = atomic_inc_return(&sdev->next_cq_id);
	spin_lock_init(&cq->lock);
	base->cqe = size;

	if (udata) {
		struct siw_uresp_create_cq uresp = {
			.cq_id = cq->id,
			.num_cqe = size,
		};

		cq->entry = siwf_mmap_insert(uctx, cq->queue, bytes,
					     &uresp.cq_key);
		if (!cq->entry) {
			rv = -ENOMEM;
			goto err_queue;
		}
		rv = ib_copy_to_udata(udata, &uresp, sizeof(uresp));
		if (rv)
			goto err_entry;
	}
	return 0;

err_entry:
	rdma_user_mmap_entry_remove(cq->entry);
err_queue:
	vfree(cq->queue);
err_count:
	siwf_count_put(&sdev->num_cq);
	return rv;
}

int siwf_destroy_cq(struct ib_cq *base, struct ib_udata *udata)
{
	struct siwf_cq *cq = to_siwf_cq(base);

	if (cq->entry)
		rdma_user_mmap_entry_remove(cq->entry);
	vfree(cq->queue);
	siwf_count_put(&to_siwf_dev(base->device)->num_cq);
	return 0;
}

/*
 * Is the consumer waiting for this completion? Disarms the notify word
 * (one shot) if so; a consumer re-arming at the same time wins.
 */
static bool siwf_cq_disarm(struct siwf_cq *cq, bool solicited)
{
	u32 armed = READ_ONCE(cq->notify->flags);

	if (!(armed & SIW_NOTIFY_NEXT_COMPLETION) &&
	    !(solicited && (armed & SIW_NOTIFY_SOLICITED)))
		return false;
	return cmpxchg(&cq->notify->flags, armed, SIW_NOTIFY_NOT) == armed;
}

/*
 * Post one completion (for the TX and RX engines; no caller yet). Returns
 * -ENOSPC if the consumer has not freed the slot: the CQ overflowed.
 */
int siwf_cq_add(struct siwf_cq *cq, const struct siw_cqe *src, bool solicited)
{
	struct siw_cqe *cqe;
	unsigned long flags;
	bool notify;

	spin_lock_irqsave(&cq->lock, flags);
	cqe = &cq->queue[siwf_ring_slot(cq->prod, cq->num_cqe)];
	if (READ_ONCE(cqe->flags) & SIW_WQE_VALID) {
		spin_unlock_irqrestore(&cq->lock, flags);
		return -ENOSPC;
	}
	cqe->id = src->id;
	cqe->opcode = src->opcode;
	cqe->status = src->status;
	cqe->bytes = src->bytes;
	cqe->imm_data = src->imm_data;
	cqe->qp_id = src->qp_id;
	/* The entry is complete before the consumer can see it valid. */
	smp_store_release(&cqe->flags, (src->flags & ~SIW_WQE_VALID) |
					SIW_WQE_VALID);
	cq->prod++;
	notify = siwf_cq_disarm(cq, solicited);
	spin_unlock_irqrestore(&cq->lock, flags);

	if (notify && cq->base.comp_handler)
		cq->base.comp_handler(&cq->base, cq->base.cq_context);
	return 0;
}

static void siwf_cqe_to_wc(const struct siw_cqe *cqe, struct ib_wc *wc)
{
	memset(wc, 0, sizeof(*wc));
	wc->wr_id = cqe->id;
	wc->byte_len = cqe->bytes;
	wc->qp = cqe->base_qp;
	if (cqe->status < SIW_NUM_WC_STATUS)
		wc->status = siwf_wc_status[cqe->status];
	else
		wc->status = IB_WC_GENERAL_ERR;
	if (cqe->opcode < SIW_NUM_OPCODES)
		wc->opcode = siwf_wc_opcode[cqe->opcode];
	else
		wc->status = IB_WC_GENERAL_ERR;
	if (cqe->flags & SIW_WQE_REM_INVAL) {
		wc->wc_flags = IB_WC_WITH_INVALIDATE;
		wc->ex.invalidate_rkey = cqe->inval_stag;
	}
}

/* Kernel CQs only: libsiw polls a user CQ in the mapped memory. */
int siwf_poll_cq(struct ib_cq *base, int num_entries, struct ib_wc *wc)
{
	struct siwf_cq *cq = to_siwf_cq(base);
	unsigned long flags;
	int n;

	spin_lock_irqsave(&cq->lock, flags);
	for (n = 0; n < num_entries; n++) {
		struct siw_cqe *cqe =
			&cq->queue[siwf_ring_slot(cq->cons, cq->num_cqe)];

		/* Pairs with the release in siwf_cq_add(). */
		if (!(smp_load_acquire(&cqe->flags) & SIW_WQE_VALID))
			break;
		siwf_cqe_to_wc(cqe, &wc[n]);
		/* The slot goes back to the producer after it was read. */
		smp_store_release(&cqe->flags, 0);
		cq->cons++;
	}
	spin_unlock_irqrestore(&cq->lock, flags);
	return n;
}

/* Kernel CQs only: libsiw arms a user CQ in the mapped notify word. */
int siwf_req_notify_cq(struct ib_cq *base, enum ib_cq_notify_flags flags)
{
	struct siwf_cq *cq = to_siwf_cq(base);
	u32 want = SIW_NOTIFY_SOLICITED;

	if ((flags & IB_CQ_SOLICITED_MASK) == IB_CQ_NEXT_COMP)
		want |= SIW_NOTIFY_NEXT_COMPLETION;
	/* Armed before looking for completions that came in meanwhile. */
	smp_store_mb(cq->notify->flags, want);

	if (flags & IB_CQ_REPORT_MISSED_EVENTS) {
		struct siw_cqe *cqe =
			&cq->queue[siwf_ring_slot(READ_ONCE(cq->cons),
						  cq->num_cqe)];

		return READ_ONCE(cqe->flags) & SIW_WQE_VALID ? 1 : 0;
	}
	return 0;
}
