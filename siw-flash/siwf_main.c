// SPDX-License-Identifier: GPL-2.0
/*
 * siw_flash.ko: module and device life.
 *
 * `rdma link add NAME type siw_flash netdev DEV` creates an iWARP RNIC
 * (rdma-core's siw driver id, ABI 1) bound to DEV; `rdma link delete NAME`,
 * unregistering DEV or unloading the module removes it. The port follows
 * DEV (up with carrier: active) with PORT_ACTIVE / PORT_ERR events.
 *
 * What the device can do so far: queries, user contexts, PDs and CQs
 * (siwf_verbs.c, siwf_cq.c, siwf_mem.c). No QP, SRQ or MR exists, and the
 * iw_cm entry points are stubs that refuse (no connection manager yet);
 * the protocol logic (iwarp.h, siwf_mpa.c, siwf_fpdu.c, siwf_term.c) has
 * no caller yet.
 */
#include <linux/idr.h>
#include <linux/kobject.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/netdevice.h>
#include <net/addrconf.h>
#include <rdma/ib_verbs.h>
#include <rdma/iw_cm.h>
#include <rdma/rdma_netlink.h>

#include "iwarp.h"
#include "siwf.h"

/*
 * Upstream siw and this driver both claim RDMA_DRIVER_SIW, and siw's
 * netdev notifier would take our devices for its own, so the two must not
 * share a kernel. A loaded module is a kobject in the kset behind
 * /sys/module; that kset is not exported, but our own kobject sits in it.
 * Only a modular siw is seen (as Debian builds it): a built-in one without
 * parameters has no /sys/module entry.
 */
static bool siwf_upstream_siw_loaded(void)
{
#ifdef MODULE
	struct kset *modules = THIS_MODULE->mkobj.kobj.kset;
	struct kobject *siw;

	if (!modules)
		return false;
	siw = kset_find_obj(modules, "siw");
	if (!siw)
		return false;
	kobject_put(siw);
	return true;
#else
	return false;
#endif
}

/*
 * Our devices, for module unload: a device stays on the list until its
 * dealloc_driver has run, the last call the core makes into the module.
 */
static LIST_HEAD(siwf_devices);
static DEFINE_MUTEX(siwf_devices_lock);
static DEFINE_IDA(siwf_dev_ida);

/*
 * TODO(connection manager step, README "does not exist yet"): the iw_cm
 * entry points. The core calls iw_create_listen without checking it
 * exists (a wildcard rdma_listen reaches every iWARP device), so these
 * stubs refuse instead of being left NULL. There are no QPs to look up.
 */
static int siwf_iw_create_listen(struct iw_cm_id *id, int backlog)
{
	return -EOPNOTSUPP;
}

static int siwf_iw_destroy_listen(struct iw_cm_id *id)
{
	return 0;
}

static int siwf_iw_connect(struct iw_cm_id *id, struct iw_cm_conn_param *p)
{
	return -EOPNOTSUPP;
}

static int siwf_iw_accept(struct iw_cm_id *id, struct iw_cm_conn_param *p)
{
	return -EOPNOTSUPP;
}

static int siwf_iw_reject(struct iw_cm_id *id, const void *pdata, u8 len)
{
	return -EOPNOTSUPP;
}

static struct ib_qp *siwf_iw_get_qp(struct ib_device *base, int qpn)
{
	return NULL;
}

static void siwf_iw_qp_ref(struct ib_qp *qp)
{
}

static void siwf_dealloc_driver(struct ib_device *base)
{
	struct siwf_device *sdev = to_siwf_dev(base);

	ida_free(&siwf_dev_ida, sdev->dev_id);
	mutex_lock(&siwf_devices_lock);
	list_del_init(&sdev->list);
	mutex_unlock(&siwf_devices_lock);
}

static const struct ib_device_ops siwf_device_ops = {
	.owner = THIS_MODULE,
	.driver_id = RDMA_DRIVER_SIW,
	.uverbs_abi_ver = SIW_ABI_VERSION,

	.alloc_pd = siwf_alloc_pd,
	.alloc_ucontext = siwf_alloc_ucontext,
	.create_cq = siwf_create_cq,
	.dealloc_driver = siwf_dealloc_driver,
	.dealloc_pd = siwf_dealloc_pd,
	.dealloc_ucontext = siwf_dealloc_ucontext,
	.destroy_cq = siwf_destroy_cq,
	.get_port_immutable = siwf_get_port_immutable,
	.iw_accept = siwf_iw_accept,
	.iw_add_ref = siwf_iw_qp_ref,
	.iw_connect = siwf_iw_connect,
	.iw_create_listen = siwf_iw_create_listen,
	.iw_destroy_listen = siwf_iw_destroy_listen,
	.iw_get_qp = siwf_iw_get_qp,
	.iw_reject = siwf_iw_reject,
	.iw_rem_ref = siwf_iw_qp_ref,
	.mmap = siwf_mmap,
	.mmap_free = siwf_mmap_free,
	.poll_cq = siwf_poll_cq,
	.query_device = siwf_query_device,
	.query_gid = siwf_query_gid,
	.query_port = siwf_query_port,
	.req_notify_cq = siwf_req_notify_cq,

	INIT_RDMA_OBJ_SIZE(ib_cq, siwf_cq, base),
	INIT_RDMA_OBJ_SIZE(ib_pd, siwf_pd, base),
	INIT_RDMA_OBJ_SIZE(ib_ucontext, siwf_ucontext, base),
};

static enum ib_port_state siwf_netdev_port_state(struct net_device *netdev)
{
	return netif_running(netdev) && netif_carrier_ok(netdev) ?
		IB_PORT_ACTIVE : IB_PORT_DOWN;
}

static void siwf_set_gid(struct siwf_device *sdev, struct net_device *netdev)
{
	spin_lock(&sdev->lock);
	memset(sdev->raw_gid, 0, ETH_ALEN);
	memcpy(sdev->raw_gid, netdev->dev_addr,
	       min_t(unsigned int, netdev->addr_len, ETH_ALEN));
	spin_unlock(&sdev->lock);
}

static int siwf_newlink(const char *name, struct net_device *netdev)
{
	struct siwf_device *sdev;
	struct ib_device *base;
	int rv;

	base = ib_device_get_by_netdev(netdev, RDMA_DRIVER_SIW);
	if (base) {
		ib_device_put(base);
		return -EEXIST;
	}
	if (siwf_upstream_siw_loaded()) {
		pr_err("siw_flash: upstream siw is loaded; both claim rdma-core's siw driver id: unload siw first\n");
		return -EBUSY;
	}

	sdev = ib_alloc_device(siwf_device, base);
	if (!sdev)
		return -ENOMEM;
	base = &sdev->base;
	INIT_LIST_HEAD(&sdev->list);
	spin_lock_init(&sdev->lock);
	atomic_set(&sdev->num_ctx, 0);
	atomic_set(&sdev->num_pd, 0);
	atomic_set(&sdev->num_cq, 0);
	atomic_set(&sdev->next_cq_id, 0);
	rv = ida_alloc(&siwf_dev_ida, GFP_KERNEL);
	if (rv < 0) {
		ib_dealloc_device(base);
		return rv;
	}
	sdev->dev_id = rv;

	siwf_set_gid(sdev, netdev);
	if (netdev->addr_len == ETH_ALEN)
		addrconf_addr_eui48((u8 *)&base->node_guid, netdev->dev_addr);
	else	/* no MAC (loopback, tunnels): a GUID from the device id */
		base->node_guid = cpu_to_be64((u64)SIWF_VENDOR_ID << 32 |
					      sdev->dev_id);
	base->node_type = RDMA_NODE_RNIC;
	base->phys_port_cnt = 1;
	base->num_comp_vectors = 1;
	strscpy(base->node_desc, SIWF_NODE_DESC, sizeof(base->node_desc));
	memcpy(base->iw_ifname, netdev->name, sizeof(base->iw_ifname));
	sdev->netdev = netdev;
	sdev->state = siwf_netdev_port_state(netdev);
	ib_set_device_ops(base, &siwf_device_ops);

	/* From here on the device is freed by dealloc_driver's caller. */
	mutex_lock(&siwf_devices_lock);
	list_add_tail(&sdev->list, &siwf_devices);
	mutex_unlock(&siwf_devices_lock);

	rv = ib_device_set_netdev(base, netdev, 1);
	if (!rv)
		rv = ib_register_device(base, name, NULL);
	if (rv) {
		ib_dealloc_device(base);
		return rv;
	}
	ibdev_info(base, "siw_flash device on %s\n", netdev->name);
	return 0;
}

static struct rdma_link_ops siwf_link_ops = {
	.type = "siw_flash",
	.newlink = siwf_newlink,
};

static void siwf_port_event(struct siwf_device *sdev, enum ib_port_state state)
{
	struct ib_event event = {
		.device = &sdev->base,
		.element.port_num = 1,
	};

	if (READ_ONCE(sdev->state) == state)
		return;
	WRITE_ONCE(sdev->state, state);
	event.event = state == IB_PORT_ACTIVE ? IB_EVENT_PORT_ACTIVE :
		IB_EVENT_PORT_ERR;
	ib_dispatch_event(&event);
}

static int siwf_netdev_event(struct notifier_block *nb, unsigned long what,
			     void *ptr)
{
	struct net_device *netdev = netdev_notifier_info_to_dev(ptr);
	struct ib_event event = { .element.port_num = 1 };
	struct siwf_device *sdev;
	struct ib_device *base;

	/* Upstream siw's devices (never loaded with us) have the same id. */
	base = ib_device_get_by_netdev(netdev, RDMA_DRIVER_SIW);
	if (!base)
		return NOTIFY_DONE;
	if (base->ops.owner != THIS_MODULE) {
		ib_device_put(base);
		return NOTIFY_DONE;
	}
	sdev = to_siwf_dev(base);

	switch (what) {
	case NETDEV_UP:
	case NETDEV_DOWN:
	case NETDEV_CHANGE:
		siwf_port_event(sdev, siwf_netdev_port_state(netdev));
		break;
	case NETDEV_CHANGEADDR:
		siwf_set_gid(sdev, netdev);
		event.device = base;
		event.event = IB_EVENT_GID_CHANGE;
		ib_dispatch_event(&event);
		break;
	case NETDEV_CHANGEMTU:
		/* query_port reads the MTU; new connections use the new MSS */
		ibdev_dbg(base, "%s: MTU now %u\n", netdev->name, netdev->mtu);
		break;
	case NETDEV_UNREGISTER:
		/* The RTNL is held: unregister from the core's work queue. */
		ib_unregister_device_queued(base);
		break;
	default:
		break;
	}
	ib_device_put(base);
	return NOTIFY_OK;
}

static struct notifier_block siwf_netdev_nb = {
	.notifier_call = siwf_netdev_event,
};

/*
 * Unregister every device left. A device being unregistered elsewhere
 * (rdma link delete, the netdev going away) is still on the list until its
 * dealloc_driver ran; ib_unregister_device() on it waits for that.
 */
static void siwf_unregister_all(void)
{
	struct siwf_device *sdev;

	mutex_lock(&siwf_devices_lock);
	while ((sdev = list_first_entry_or_null(&siwf_devices,
						struct siwf_device, list))) {
		get_device(&sdev->base.dev);
		mutex_unlock(&siwf_devices_lock);
		ib_unregister_device(&sdev->base);
		put_device(&sdev->base.dev);
		mutex_lock(&siwf_devices_lock);
	}
	mutex_unlock(&siwf_devices_lock);
}

static int __init siwf_init(void)
{
	int rv;

	iwarp_check_layout();

	if (siwf_upstream_siw_loaded()) {
		pr_err("siw_flash: upstream siw is loaded; both claim rdma-core's siw driver id: unload siw first\n");
		return -EBUSY;
	}
	rv = register_netdevice_notifier(&siwf_netdev_nb);
	if (rv)
		return rv;
	rdma_link_register(&siwf_link_ops);
	return 0;
}

static void __exit siwf_exit(void)
{
	rdma_link_unregister(&siwf_link_ops);
	siwf_unregister_all();
	unregister_netdevice_notifier(&siwf_netdev_nb);
	ida_destroy(&siwf_dev_ida);
}

module_init(siwf_init);
module_exit(siwf_exit);

MODULE_DESCRIPTION("FlashNet software iWARP (device, contexts, PDs and CQs so far)");
MODULE_AUTHOR("FlashNet");
MODULE_LICENSE("GPL");
MODULE_ALIAS_RDMA_LINK("siw_flash");
