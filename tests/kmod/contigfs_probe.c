// SPDX-License-Identifier: GPL-2.0
/*
 * fn_contigfs_probe: lets guest tests ask contigfs_resolve_vma() about
 * their own address space. Write "resolve ADDR LEN" (resolve and release)
 * or "hold ADDR LEN" (keep the range until "release") to
 * /sys/kernel/debug/fn_contigfs_probe; read the last answer:
 * "lba=L offset=O len=N writable=W" or "error=E".
 */
#include <linux/debugfs.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <flashnet/contigfs.h>

#define PROBE_MAX_HELD	16

static DEFINE_MUTEX(probe_lock);
static char probe_answer[96];
static struct contigfs_range probe_held[PROBE_MAX_HELD];
static unsigned int probe_nr_held;
static struct dentry *probe_file;

static void probe_release_all(void)
{
	while (probe_nr_held)
		contigfs_put_range(&probe_held[--probe_nr_held]);
}

static ssize_t probe_write(struct file *file, const char __user *ubuf,
			   size_t count, loff_t *ppos)
{
	char cmd[16], buf[64];
	struct contigfs_range r;
	unsigned long addr;
	u64 len;
	int ret;

	if (count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = 0;
	mutex_lock(&probe_lock);
	if (sscanf(buf, "%15s", cmd) == 1 && !strcmp(cmd, "release")) {
		probe_release_all();
		goto out;
	}
	if (sscanf(buf, "%15s %lx %llu", cmd, &addr, &len) != 3 ||
	    (strcmp(cmd, "resolve") && strcmp(cmd, "hold"))) {
		count = -EINVAL;
		goto out;
	}
	if (!strcmp(cmd, "hold") && probe_nr_held == PROBE_MAX_HELD) {
		count = -ENOSPC;
		goto out;
	}
	ret = contigfs_resolve_vma(current->mm, addr, len, &r);
	if (ret) {
		snprintf(probe_answer, sizeof(probe_answer), "error=%d\n", ret);
		goto out;
	}
	snprintf(probe_answer, sizeof(probe_answer),
		 "lba=%llu offset=%u len=%llu writable=%d\n", r.lba, r.offset,
		 r.len, r.writable);
	if (!strcmp(cmd, "hold"))
		probe_held[probe_nr_held++] = r;
	else
		contigfs_put_range(&r);
out:
	mutex_unlock(&probe_lock);
	return count;
}

static ssize_t probe_read(struct file *file, char __user *ubuf, size_t count,
			  loff_t *ppos)
{
	ssize_t ret;

	mutex_lock(&probe_lock);
	ret = simple_read_from_buffer(ubuf, count, ppos, probe_answer,
				      strlen(probe_answer));
	mutex_unlock(&probe_lock);
	return ret;
}

static const struct file_operations probe_fops = {
	.owner = THIS_MODULE,
	.read = probe_read,
	.write = probe_write,
	.llseek = default_llseek,
};

static int __init probe_init(void)
{
	probe_file = debugfs_create_file("fn_contigfs_probe", 0600, NULL, NULL,
					 &probe_fops);
	return 0;
}

static void __exit probe_exit(void)
{
	debugfs_remove(probe_file);
	mutex_lock(&probe_lock);
	probe_release_all();
	mutex_unlock(&probe_lock);
}

module_init(probe_init);
module_exit(probe_exit);
MODULE_DESCRIPTION("Test probe of contigfs_resolve_vma()");
MODULE_LICENSE("GPL");
