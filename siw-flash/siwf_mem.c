// SPDX-License-Identifier: GPL-2.0
/*
 * Memory shared with user space: queues live in vmalloc_user() memory and
 * are mapped by mmap(cmd_fd, offset = key), the key coming from the core's
 * mmap-entry table of the user context. Memory regions (pinned and lazy,
 * behind struct siwf_mem_ops) will live here too.
 */
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "siwf.h"

/*
 * Make len bytes at addr (from vmalloc_user()) mappable through uctx. On
 * failure *key is SIW_INVAL_UOBJ_KEY, which libsiw takes as "no mapping".
 */
struct rdma_user_mmap_entry *siwf_mmap_insert(struct siwf_ucontext *uctx,
					      void *addr, size_t len, u64 *key)
{
	struct siwf_mmap_entry *entry;

	*key = SIW_INVAL_UOBJ_KEY;
	entry = kzalloc(sizeof(*entry), GFP_KERNEL);
	if (!entry)
		return NULL;
	entry->addr = addr;
	if (rdma_user_mmap_entry_insert(&uctx->base, &entry->rdma, len)) {
		kfree(entry);
		return NULL;
	}
	*key = rdma_user_mmap_get_offset(&entry->rdma);
	return &entry->rdma;
}

int siwf_mmap(struct ib_ucontext *base, struct vm_area_struct *vma)
{
	struct rdma_user_mmap_entry *rdma;
	int rv;

	/* Only a mapping of the entry's exact (page-rounded) size is found. */
	rdma = rdma_user_mmap_entry_get(base, vma);
	if (!rdma)
		return -EINVAL;
	rv = remap_vmalloc_range(vma, to_siwf_mmap_entry(rdma)->addr, 0);
	rdma_user_mmap_entry_put(rdma);
	return rv;
}

/*
 * The last reference to an entry is gone. The memory itself belongs to
 * the object that inserted the entry: a mapping still open after that
 * object was destroyed holds its own references on the pages.
 */
void siwf_mmap_free(struct rdma_user_mmap_entry *rdma)
{
	kfree(to_siwf_mmap_entry(rdma));
}
