// SPDX-License-Identifier: GPL-2.0
/*
 * Statistics: one formatter for the counters, used by `dmsetup status`
 * (space separated) and by debugfs (one per line), plus a per-segment
 * table in debugfs for looking at GC and wear.
 *
 * debugfs: /sys/kernel/debug/salsa_ftl/<dm name>/{stats,segments}. The
 * files exist while the table is live (from resume to suspend), so that a
 * table reload, which constructs the new table before the old one is
 * gone, never sees a name clash.
 */
#define pr_fmt(fmt) "salsa: " fmt

#include <linux/debugfs.h>
#include <linux/device-mapper.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

#include "salsa.h"

static struct dentry *salsa_debugfs_root;

static u64 salsa_stat(atomic64_t *v)
{
	return atomic64_read(v);
}

/* WA in thousandths: flash pages written per user page written out. */
static u64 salsa_wa_milli(struct salsa_ftl *ftl)
{
	u64 user = salsa_stat(&ftl->stats.user_flash_pages);
	u64 gc = salsa_stat(&ftl->stats.gc_flash_pages);

	return user ? div64_u64((user + gc) * 1000, user) : 1000;
}

struct salsa_stats_out {
	char *buf;
	size_t len;
	size_t n;
	char sep;
};

static __printf(2, 3) void salsa_emit(struct salsa_stats_out *out,
				      const char *fmt, ...)
{
	va_list args;

	if (out->n && out->n + 1 < out->len)
		out->buf[out->n++] = out->sep;
	va_start(args, fmt);
	out->n += vscnprintf(out->buf + out->n, out->len - out->n, fmt, args);
	va_end(args);
}

/*
 * Every counter as "key=value", separated by @sep, NUL-terminated in @buf;
 * returns the length (truncated to @len like scnprintf).
 */
size_t salsa_stats_format(struct salsa_ftl *ftl, char *buf, size_t len,
			  char sep)
{
	struct salsa_stats_out out = { .buf = buf, .len = len, .sep = sep };
	struct salsa_stats *st = &ftl->stats;
	u64 occupancy[SALSA_MAX_STREAMS] = { 0 };
	u32 min_erase = U32_MAX, max_erase = 0;
	u64 wa = salsa_wa_milli(ftl);
	unsigned int i;

	if (!len)
		return 0;
	buf[0] = '\0';
	/* A racy snapshot: each value is read once, unordered. */
	for (i = 0; i < ftl->nr_segs; i++) {
		struct salsa_segment *seg = &ftl->segs[i];
		u8 state = READ_ONCE(seg->state);
		u32 erases = READ_ONCE(seg->erase_count);

		if (state == SALSA_SEG_OPEN || state == SALSA_SEG_CLOSED)
			occupancy[seg->stream % SALSA_MAX_STREAMS] +=
				READ_ONCE(seg->valid);
		min_erase = min(min_erase, erases);
		max_erase = max(max_erase, erases);
	}

	salsa_emit(&out, "host_reads=%llu", salsa_stat(&st->host_read_pages));
	salsa_emit(&out, "host_writes=%llu",
		   salsa_stat(&st->host_write_pages));
	salsa_emit(&out, "user_flash=%llu",
		   salsa_stat(&st->user_flash_pages));
	salsa_emit(&out, "gc_flash=%llu", salsa_stat(&st->gc_flash_pages));
	salsa_emit(&out, "meta_flash=%llu",
		   salsa_stat(&st->meta_flash_pages));
	salsa_emit(&out, "wa=%llu.%03llu", div_u64(wa, 1000), wa % 1000);
	salsa_emit(&out, "gc_runs=%llu", salsa_stat(&st->gc_runs));
	salsa_emit(&out, "free_segs=%u/%u", READ_ONCE(ftl->nr_free_segs),
		   ftl->nr_segs);
	salsa_emit(&out, "mapped=%llu/%llu", READ_ONCE(ftl->mapped_pages),
		   ftl->capacity_pages);
	salsa_emit(&out, "pool_hits=%llu", salsa_stat(&st->pool_hits));
	salsa_emit(&out, "pool_misses=%llu", salsa_stat(&st->pool_misses));
	salsa_emit(&out, "pool_evictions=%llu",
		   salsa_stat(&st->pool_evictions));
	salsa_emit(&out, "pool_dirty=%u", READ_ONCE(ftl->nr_pool_dirty));
	salsa_emit(&out, "trims=%llu", salsa_stat(&st->trims));
	salsa_emit(&out, "commits=%llu", salsa_stat(&st->commits));
	salsa_emit(&out, "checkpoints=%llu", salsa_stat(&st->checkpoints));
	salsa_emit(&out, "erase_min=%u", min_erase == U32_MAX ? 0 : min_erase);
	salsa_emit(&out, "erase_max=%u", max_erase);
	for (i = 0; i < ftl->cfg.streams && i < SALSA_MAX_STREAMS; i++)
		salsa_emit(&out, "stream%u=%llu", i, occupancy[i]);
	for (i = 0; i < ftl->nr_devs; i++)
		salsa_emit(&out, "dev%u_writes=%lld", i,
			   (long long)atomic64_read(&ftl->devs[i].pages_written));
	return out.n;
}

void salsa_stats_reset(struct salsa_ftl *ftl)
{
	struct salsa_stats *st = &ftl->stats;
	atomic64_t *v;

	/* Every member is an atomic64_t counter. */
	for (v = (atomic64_t *)st; v < (atomic64_t *)(st + 1); v++)
		atomic64_set(v, 0);
}

/* ---- debugfs ---- */

static int salsa_stats_show(struct seq_file *m, void *unused)
{
	struct salsa_ftl *ftl = m->private;
	char *buf = kmalloc(PAGE_SIZE, GFP_KERNEL);

	if (!buf)
		return -ENOMEM;
	salsa_stats_format(ftl, buf, PAGE_SIZE, '\n');
	seq_printf(m, "%s\n", buf);
	kfree(buf);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(salsa_stats);

static const char *const salsa_seg_state_names[] = {
	[SALSA_SEG_FREE] = "free",
	[SALSA_SEG_OPEN] = "open",
	[SALSA_SEG_CLOSED] = "closed",
	[SALSA_SEG_PENDING] = "pending",
};

static int salsa_segments_show(struct seq_file *m, void *unused)
{
	struct salsa_ftl *ftl = m->private;
	u32 i;

	seq_puts(m, "segment state stream valid erase_count close_seq victim\n");
	for (i = 0; i < ftl->nr_segs; i++) {
		struct salsa_segment *seg = &ftl->segs[i];
		u8 state = READ_ONCE(seg->state);

		seq_printf(m, "%u %s %u %u %u %llu %d\n", i,
			   state < ARRAY_SIZE(salsa_seg_state_names) ?
			   salsa_seg_state_names[state] : "?",
			   READ_ONCE(seg->stream), READ_ONCE(seg->valid),
			   READ_ONCE(seg->erase_count),
			   READ_ONCE(seg->close_seq), READ_ONCE(seg->victim));
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(salsa_segments);

/* Best effort, like all of debugfs: the device works without it. */
void salsa_debugfs_add(struct salsa_ftl *ftl, const char *name)
{
	struct dentry *dir;

	if (ftl->debugfs_dir || !salsa_debugfs_root)
		return;
	dir = debugfs_create_dir(name, salsa_debugfs_root);
	if (IS_ERR(dir)) {
		pr_warn("%s: no debugfs directory: %ld\n", name, PTR_ERR(dir));
		return;
	}
	debugfs_create_file("stats", 0444, dir, ftl, &salsa_stats_fops);
	debugfs_create_file("segments", 0444, dir, ftl, &salsa_segments_fops);
	ftl->debugfs_dir = dir;
}

void salsa_debugfs_remove(struct salsa_ftl *ftl)
{
	/* Waits for readers of the files: none can outlive this. */
	debugfs_remove(ftl->debugfs_dir);
	ftl->debugfs_dir = NULL;
}

void salsa_stats_module_init(void)
{
	struct dentry *root = debugfs_create_dir("salsa_ftl", NULL);

	salsa_debugfs_root = IS_ERR(root) ? NULL : root;
}

void salsa_stats_module_exit(void)
{
	debugfs_remove(salsa_debugfs_root);
	salsa_debugfs_root = NULL;
}
