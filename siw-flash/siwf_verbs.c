// SPDX-License-Identifier: GPL-2.0
/*
 * The verbs surface that needs no data path: device and port queries, the
 * GID, user contexts and protection domains. CQs are in siwf_cq.c; QPs,
 * SRQs and memory regions do not exist yet.
 */
#include <linux/netdevice.h>
#include <rdma/ib_mad.h>
#include <rdma/ib_user_verbs.h>

#include "siwf.h"

int siwf_query_device(struct ib_device *base, struct ib_device_attr *attr,
		      struct ib_udata *udata)
{
	struct siwf_device *sdev = to_siwf_dev(base);

	/* No driver-specific request or response exists. */
	if (udata && (udata->inlen || udata->outlen))
		return -EINVAL;

	memset(attr, 0, sizeof(*attr));
	attr->vendor_id = SIWF_VENDOR_ID;
	attr->vendor_part_id = sdev->dev_id;
	attr->hw_ver = 1;
	attr->sys_image_guid = base->node_guid;
	attr->max_mr_size = SIWF_MAX_MR_SIZE;
	attr->page_size_cap = PAGE_SIZE;
	attr->max_qp = SIWF_MAX_QP;
	attr->max_qp_wr = SIWF_MAX_QP_WR;
	attr->device_cap_flags = IB_DEVICE_MEM_MGT_EXTENSIONS;
	attr->kernel_cap_flags = IBK_ALLOW_USER_UNREG;
	attr->max_send_sge = SIWF_MAX_SGE;
	attr->max_recv_sge = SIWF_MAX_SGE;
	attr->max_sge_rd = SIWF_MAX_SGE_RD;
	attr->max_cq = SIWF_MAX_CQ;
	attr->max_cqe = SIWF_MAX_CQE;
	attr->max_mr = SIWF_MAX_MR;
	attr->max_pd = SIWF_MAX_PD;
	attr->max_qp_rd_atom = SIWF_MAX_IRD;
	attr->max_qp_init_rd_atom = SIWF_MAX_ORD;
	attr->max_res_rd_atom = SIWF_MAX_QP * SIWF_MAX_IRD;
	attr->atomic_cap = IB_ATOMIC_NONE;
	attr->max_srq = SIWF_MAX_SRQ;
	attr->max_srq_wr = SIWF_MAX_SRQ_WR;
	attr->max_srq_sge = SIWF_MAX_SGE;
	attr->max_fast_reg_page_list_len = SIWF_MAX_FRMR_PAGES;
	return 0;
}

/*
 * The core has filled in state and MTU from the netdev's carrier and IPv4
 * address; the port state here follows the netdev itself (up with carrier:
 * active), as the PORT_ACTIVE / PORT_ERR events do.
 */
int siwf_query_port(struct ib_device *base, u32 port,
		    struct ib_port_attr *attr)
{
	struct siwf_device *sdev = to_siwf_dev(base);

	attr->state = READ_ONCE(sdev->state);
	attr->phys_state = attr->state == IB_PORT_ACTIVE ?
		IB_PORT_PHYS_STATE_LINK_UP : IB_PORT_PHYS_STATE_DISABLED;
	attr->max_mtu = IB_MTU_4096;
	attr->active_mtu = ib_mtu_int_to_enum(READ_ONCE(sdev->netdev->mtu));
	attr->gid_tbl_len = 1;
	attr->port_cap_flags = IB_PORT_CM_SUP | IB_PORT_DEVICE_MGMT_SUP;
	attr->max_msg_sz = SIWF_MAX_MSG_SIZE;
	/*
	 * A software device has no link of its own and ib_get_eth_speed()
	 * would take the RTNL (and complain about netdevs without a speed):
	 * report a fixed 10 Gb/s.
	 */
	attr->active_speed = IB_SPEED_SDR;
	attr->active_width = IB_WIDTH_4X;
	return 0;
}

/* iWARP has no GID table (and no P_Keys): the one GID is the netdev's MAC. */
int siwf_query_gid(struct ib_device *base, u32 port, int index,
		   union ib_gid *gid)
{
	struct siwf_device *sdev = to_siwf_dev(base);

	if (index)
		return -EINVAL;
	memset(gid, 0, sizeof(*gid));
	spin_lock(&sdev->lock);
	memcpy(gid->raw, sdev->raw_gid, ETH_ALEN);
	spin_unlock(&sdev->lock);
	return 0;
}

int siwf_get_port_immutable(struct ib_device *base, u32 port,
			    struct ib_port_immutable *immutable)
{
	immutable->gid_tbl_len = 1;
	immutable->core_cap_flags = RDMA_CORE_PORT_IWARP;
	return 0;
}

int siwf_alloc_ucontext(struct ib_ucontext *base, struct ib_udata *udata)
{
	struct siwf_device *sdev = to_siwf_dev(base->device);
	struct siw_uresp_alloc_ctx uresp = { .dev_id = sdev->dev_id };
	int rv;

	if (udata->outlen < sizeof(uresp))
		return -EINVAL;
	if (!siwf_count_get(&sdev->num_ctx, SIWF_MAX_CONTEXT))
		return -ENOMEM;
	rv = ib_copy_to_udata(udata, &uresp, sizeof(uresp));
	if (rv)
		siwf_count_put(&sdev->num_ctx);
	return rv;
}

void siwf_dealloc_ucontext(struct ib_ucontext *base)
{
	siwf_count_put(&to_siwf_dev(base->device)->num_ctx);
}

int siwf_alloc_pd(struct ib_pd *base, struct ib_udata *udata)
{
	if (!siwf_count_get(&to_siwf_dev(base->device)->num_pd, SIWF_MAX_PD))
		return -ENOMEM;
	return 0;
}

int siwf_dealloc_pd(struct ib_pd *base, struct ib_udata *udata)
{
	siwf_count_put(&to_siwf_dev(base->device)->num_pd);
	return 0;
}
