// SPDX-License-Identifier: GPL-2.0
/*
 * fn_harness_trigger - provoke one real kernel report at load time.
 *
 * Test-only; never shipped. The FlashNet test harness scans guest kernel
 * logs for WARN, BUG/Oops, KASAN, lockdep, kmemleak and atomic-sleep reports.
 * A scanner tested only against hand-written samples can drift from what
 * the kernel really prints, so the harness loads this module with
 * trigger=<kind> in a debug guest and checks that the genuine report is
 * caught. Each trigger breaks a rule on purpose.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bug.h>
#include <linux/compiler.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>

static char *trigger = "none";
module_param(trigger, charp, 0444);
MODULE_PARM_DESC(trigger,
		 "Report to provoke at load: none (default), warn, null_deref, kasan, lockdep, leak, sleep_atomic");

/* Not a multiple of the KASAN granule: the byte after it is poisoned. */
#define FN_KASAN_SIZE	115

#define FN_LEAK_COUNT	4
#define FN_LEAK_SIZE	64
/* Shows up in kmemleak's hex dump, so a report can be tied to this module. */
#define FN_LEAK_MARK	"fn_harness_trigger leak"

/* Keeps the out-of-bounds load observable. */
static char fn_kasan_sink;

static DEFINE_MUTEX(fn_lock_a);
static DEFINE_MUTEX(fn_lock_b);
static DEFINE_SPINLOCK(fn_spin);

static void fn_trigger_none(void)
{
}

static void fn_trigger_warn(void)
{
	WARN_ON_ONCE(1);
}

static void fn_trigger_null_deref(void)
{
	int *p = NULL;

	/*
	 * A real "BUG: kernel NULL pointer dereference" and Oops that kill the
	 * insmod process; the module never finishes loading. Hiding the
	 * pointer keeps the compiler from turning the load into a trap.
	 */
	OPTIMIZER_HIDE_VAR(p);
	pr_info("fn_harness_trigger: read %d\n", READ_ONCE(*p));
}

static void fn_trigger_kasan(void)
{
	size_t size = FN_KASAN_SIZE;
	char *buf;

	buf = kmalloc(size, GFP_KERNEL);
	if (!buf)
		return;

	/* As the KASAN KUnit tests do: hide the size so the read stays. */
	OPTIMIZER_HIDE_VAR(buf);
	OPTIMIZER_HIDE_VAR(size);
	fn_kasan_sink = READ_ONCE(buf[size]);

	kfree(buf);
}

static void fn_trigger_lockdep(void)
{
	/* Teach lockdep the order a -> b ... */
	mutex_lock(&fn_lock_a);
	mutex_lock(&fn_lock_b);
	mutex_unlock(&fn_lock_b);
	mutex_unlock(&fn_lock_a);

	/*
	 * ... then take b -> a. Lockdep reports the cycle when a is taken;
	 * with a single thread nothing can actually deadlock.
	 */
	mutex_lock(&fn_lock_b);
	mutex_lock(&fn_lock_a);
	mutex_unlock(&fn_lock_a);
	mutex_unlock(&fn_lock_b);
}

static void fn_trigger_leak(void)
{
	char *obj;
	int i;

	/* Several objects, in case a stale copy of one pointer survives. */
	for (i = 0; i < FN_LEAK_COUNT; i++) {
		obj = kmalloc(FN_LEAK_SIZE, GFP_KERNEL);
		if (!obj)
			return;
		strscpy(obj, FN_LEAK_MARK, FN_LEAK_SIZE);
	}
}

static void fn_trigger_sleep_atomic(void)
{
	/*
	 * might_sleep() reports exactly as msleep() would, without really
	 * scheduling while atomic, so the module survives and unloads.
	 */
	spin_lock(&fn_spin);
	might_sleep();
	spin_unlock(&fn_spin);
}

static const struct {
	const char *name;
	void (*fire)(void);
} fn_triggers[] = {
	{ "none",		fn_trigger_none },
	{ "warn",		fn_trigger_warn },
	{ "null_deref",	fn_trigger_null_deref },
	{ "kasan",		fn_trigger_kasan },
	{ "lockdep",		fn_trigger_lockdep },
	{ "leak",		fn_trigger_leak },
	{ "sleep_atomic",	fn_trigger_sleep_atomic },
};

static int __init fn_harness_trigger_init(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(fn_triggers); i++) {
		if (!sysfs_streq(trigger, fn_triggers[i].name))
			continue;
		/* Marks where the provoked report starts in the log. */
		pr_info("trigger=%s\n", fn_triggers[i].name);
		fn_triggers[i].fire();
		return 0;
	}

	pr_err("unknown trigger '%s'\n", trigger);
	return -EINVAL;
}
module_init(fn_harness_trigger_init);

/* Needed so the module can be unloaded after a survivable trigger. */
static void __exit fn_harness_trigger_exit(void)
{
}
module_exit(fn_harness_trigger_exit);

MODULE_DESCRIPTION("FlashNet test-only: provoke a real kernel report for the harness log scanner");
MODULE_LICENSE("GPL");
