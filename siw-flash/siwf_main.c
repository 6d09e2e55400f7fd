// SPDX-License-Identifier: GPL-2.0
/*
 * siw_flash.ko: module life.
 *
 * So far the module holds only the iWARP protocol logic: MPA connection
 * setup, FPDU sizing and CRC, received-header checks and TERMINATE frames
 * (iwarp.h, siwf_mpa.c, siwf_fpdu.c, siwf_term.c). It registers no RDMA
 * device, link type, connection manager or data path yet; loading it
 * provides nothing a user can drive.
 */
#include <linux/kobject.h>
#include <linux/module.h>

#include "iwarp.h"

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

static int __init siwf_init(void)
{
	iwarp_check_layout();

	if (siwf_upstream_siw_loaded()) {
		pr_err("siw_flash: upstream siw is loaded; both claim rdma-core's siw driver id: unload siw first\n");
		return -EBUSY;
	}
	return 0;
}

static void __exit siwf_exit(void)
{
}

module_init(siwf_init);
module_exit(siwf_exit);

MODULE_DESCRIPTION("FlashNet software iWARP: protocol logic only, no RDMA device yet");
MODULE_AUTHOR("FlashNet");
MODULE_LICENSE("GPL");
