/* SPDX-License-Identifier: GPL-2.0 */
/*
 * salsa: a log-structured flash translation layer as a device-mapper target.
 *
 * Object model shared by the target (target.c), the page pool and its API
 * (pool.c), the map (map.c), segments and streams (segment.c), write-out and
 * commit (writeback.c), garbage collection (gc.c), on-flash metadata and
 * recovery (metadata.c) and member I/O (media.c).
 *
 * Concurrency, in two domains:
 *  - DRAM state (the map xarray, pool pages and their lists, get waiters) is
 *    guarded by the map xarray's lock, taken with irqsave: the API may be
 *    called from any context.
 *  - Flash state (segments, the reverse map, summaries, sequence numbers,
 *    statistics of both) is owned by the FTL worker, one ordered work item:
 *    every flash map change, commit, checkpoint and GC step runs there, so
 *    they need no lock among themselves. The worker takes the xarray lock
 *    when it touches DRAM state.
 * I/O completions only queue themselves for the worker.
 */
#ifndef _SALSA_H
#define _SALSA_H

#include <linux/types.h>
#include <linux/list.h>
#include <linux/xarray.h>
#include <linux/workqueue.h>
#include <linux/blk_types.h>
#include <linux/kref.h>
#include <linux/wait.h>
#include <linux/atomic.h>
#include <linux/uuid.h>
#include <flashnet/salsa.h>
#include <uapi/flashnet/salsa_ftl.h>

#define SALSA_PAGE_SECTORS	(SALSA_PAGE_SIZE >> SECTOR_SHIFT)
#define SALSA_MAX_DEVS		16
#define SALSA_MAX_STREAMS	8
#define SALSA_PBA_NONE		(~0ULL)
#define SALSA_MIN_SEGS		16

/* Metadata area per member: superblocks, then (member 0) two checkpoints. */
#define SALSA_CKPT_FIRST_PAGE	SALSA_SB_COPIES

/*
 * Parsed table. Sizes are in pages. A zero seg_pages means "as formatted"
 * when opening (the default size when formatting).
 */
struct salsa_config {
	u64 virtual_pages;
	unsigned int nr_devs;
	const char *dev_paths[SALSA_MAX_DEVS];
	unsigned int op_percent;	/* overprovisioning, % of data slots */
	u32 seg_pages;
	u64 pool_pages;
	unsigned int streams;		/* 1: one log for everything */
	unsigned int gc_low_percent;	/* start GC below this % free segs */
	unsigned int gc_high_percent;	/* stop GC above it */
	bool format;			/* overwrite an existing format */
};

#define SALSA_DEFAULT_OP_PERCENT	20
#define SALSA_DEFAULT_SEG_PAGES		256		/* 1 MiB */
#define SALSA_DEFAULT_POOL_PAGES	4096		/* 16 MiB */
#define SALSA_DEFAULT_STREAMS		4
#define SALSA_DEFAULT_GC_LOW		10
#define SALSA_DEFAULT_GC_HIGH		15

int salsa_parse_table(struct salsa_config *cfg, unsigned int argc,
		      char **argv, sector_t target_sectors, char **error);

/* ---- segments ---- */

enum salsa_seg_state {
	SALSA_SEG_FREE = 0,	/* erasable: no live data, nothing shadowed */
	SALSA_SEG_OPEN,		/* being filled by a stream */
	SALSA_SEG_CLOSED,	/* full */
	SALSA_SEG_PENDING,	/* no live data; free after the next commit */
};

/* In-memory copy of an open (or not yet committed) segment summary. */
struct salsa_summary {
	struct salsa_sum_entry *entries;	/* sum_pages pages, vmalloc */
	unsigned long *dirty;			/* one bit per summary page */
};

struct salsa_segment {
	u32 nr;
	u32 gen;		/* incarnation, bumped at every open */
	u32 erase_count;
	u32 valid;		/* live data slots */
	u32 next_slot;		/* open: next data slot to hand out */
	u32 inflight;		/* writes submitted, not yet completed */
	atomic_t reads;		/* direct reads in flight (pins the segment) */
	u8 state;		/* enum salsa_seg_state */
	u8 stream;
	bool victim;		/* GC is draining it */
	u64 max_shadow_seq;	/* newest TRIM/REMAP entry it holds */
	u64 close_seq;		/* seq when it was closed: its age */
	u32 gc_seen_valid;	/* valid at the previous GC scan */
	struct list_head node;	/* free or pending list */
	struct salsa_summary *sum;
};

/* ---- page pool ---- */

struct salsa_io;
typedef void (*salsa_io_end_fn)(struct salsa_ftl *ftl, struct salsa_io *io);

/* One page of asynchronous member I/O; @end runs in the worker. */
struct salsa_io {
	struct list_head node;
	u64 pba;
	struct page *page;
	blk_opf_t opf;
	int error;
	salsa_io_end_fn end;
};

enum salsa_page_state {
	SALSA_PG_FREE = 0,	/* on the free list, not in the map */
	SALSA_PG_READING,	/* read in flight for readers */
	SALSA_PG_RMW,		/* read in flight for a writer */
	SALSA_PG_CLEAN,		/* in DRAM, equal to its flash copy (if any) */
	SALSA_PG_DIRTY,		/* in DRAM, newer than its flash copy */
};

struct salsa_page {
	struct page *page;
	u64 lba;
	u64 pba;		/* current flash copy, SALSA_PBA_NONE if none */
	u64 wb_mapped;		/* wb seq of the newest write-out mapped */
	u16 epoch;		/* last write epoch (from the map entry) */
	u8 heat;		/* saturating get/put count (from the map entry) */
	u8 state;		/* enum salsa_page_state */
	bool meta;		/* SALSA_META data */
	bool discarded;		/* trimmed while its read was in flight */
	bool charged;		/* counted in mapped_pages */
	u16 stable;		/* in-place write-outs in flight: writers wait */
	u16 wb_inflight;	/* write-outs in flight */
	struct salsa_io rio;	/* the read that fills it */
	unsigned int refs;
	unsigned int wrefs;	/* references with SALSA_WRITE */
	struct list_head lru;	/* free, clean or dirty list */
	struct list_head waiters;	/* struct salsa_waiter */
};

/*
 * Map entries: a struct salsa_page pointer while the page is in DRAM,
 * otherwise an xa value packing the flash address with the page's heat.
 * Absent entries are LBAs never written (or trimmed): they read as zeroes.
 */
#define SALSA_VAL_PBA_BITS	40
#define SALSA_VAL_EPOCH_SHIFT	SALSA_VAL_PBA_BITS
#define SALSA_VAL_HEAT_SHIFT	(SALSA_VAL_EPOCH_SHIFT + 16)
#define SALSA_HEAT_MAX		15

static inline void *salsa_mk_val(u64 pba, u16 epoch, u8 heat)
{
	return xa_mk_value(pba | (u64)epoch << SALSA_VAL_EPOCH_SHIFT |
			   (u64)heat << SALSA_VAL_HEAT_SHIFT);
}

static inline u64 salsa_val_pba(void *entry)
{
	return xa_to_value(entry) & ((1ULL << SALSA_VAL_PBA_BITS) - 1);
}

static inline u16 salsa_val_epoch(void *entry)
{
	return xa_to_value(entry) >> SALSA_VAL_EPOCH_SHIFT;
}

static inline u8 salsa_val_heat(void *entry)
{
	return (xa_to_value(entry) >> SALSA_VAL_HEAT_SHIFT) & SALSA_HEAT_MAX;
}

/* ---- I/O to members ---- */

/* How the FTL reaches its members; media.c for devices, a RAM disk in KUnit. */
struct salsa_media_ops {
	void (*submit)(struct salsa_ftl *ftl, struct salsa_io *io);
	/* Synchronous I/O of @nr pages at @dev_page of member @dev. */
	int (*rw)(struct salsa_ftl *ftl, unsigned int dev, u64 dev_page,
		  void *buf, unsigned int nr, blk_opf_t opf);
	int (*flush)(struct salsa_ftl *ftl);
};

extern const struct salsa_media_ops salsa_bdev_media;
int salsa_media_init(struct salsa_ftl *ftl);
void salsa_media_exit(struct salsa_ftl *ftl);

struct salsa_dev {
	struct dm_dev *dm_dev;
	u64 pages;
	atomic64_t pages_written;	/* wear, in page writes */
};

/* Completes @io from any context: queues it for the worker. */
void salsa_io_done(struct salsa_ftl *ftl, struct salsa_io *io, int error);

/* ---- statistics ---- */

struct salsa_stats {
	atomic64_t host_read_pages;
	atomic64_t host_write_pages;	/* pages written by users */
	atomic64_t user_flash_pages;	/* user pages written to flash */
	atomic64_t gc_flash_pages;	/* pages moved by GC */
	atomic64_t meta_flash_pages;	/* summary and checkpoint pages */
	atomic64_t gc_runs;		/* segments reclaimed */
	atomic64_t pool_hits;
	atomic64_t pool_misses;
	atomic64_t pool_evictions;
	atomic64_t trims;
	atomic64_t commits;
	atomic64_t checkpoints;
};

/* ---- the FTL ---- */

struct salsa_ftl {
	struct kref ref;
	struct dm_target *ti;		/* NULL in KUnit */
	const struct salsa_media_ops *media;
	void *media_priv;		/* KUnit's RAM disk */
	struct salsa_dev devs[SALSA_MAX_DEVS];
	unsigned int nr_devs;
	struct salsa_config cfg;
	uuid_t uuid;
	bool dead;			/* target gone: API calls fail */

	/* Geometry (pages). */
	u64 virtual_pages;
	u32 seg_pages;
	u32 sum_pages;
	u32 data_slots;			/* seg_pages - sum_pages */
	u32 chunk_pages;		/* seg_pages / nr_devs */
	u32 nr_segs;
	u32 meta_pages;
	u32 ckpt_pages;
	u64 capacity_pages;		/* most LBAs that may be mapped */

	/* DRAM state, under map's lock. */
	struct xarray map;
	struct salsa_page *pool;
	unsigned int pool_nr;
	struct list_head pool_free;
	struct list_head pool_clean;	/* unreferenced clean, LRU first */
	struct list_head pool_dirty;	/* unreferenced dirty, oldest first */
	unsigned int nr_pool_free, nr_pool_clean, nr_pool_dirty;
	struct list_head get_starved;	/* requests waiting for pool pages */
	u64 mapped_pages;		/* LBAs holding data */

	/* Flash state, owned by the worker. */
	struct salsa_segment *segs;
	u64 *rev;			/* per data slot: LBA + 1, 0 if dead */
	struct list_head seg_free;
	struct list_head seg_pending;
	u32 nr_free_segs;
	u32 gc_low_segs, gc_high_segs, reserve_segs;
	struct salsa_segment *open[SALSA_MAX_STREAMS];
	u64 seq;			/* next summary sequence number */
	u64 ckpt_seq[2];		/* per checkpoint slot, 0 if none */
	unsigned int ckpt_next;		/* slot the next checkpoint goes to */
	u64 user_writes;		/* write-outs, for epochs */
	unsigned int epoch_shift;
	bool ckpt_wanted;
	u32 segs_since_ckpt;

	/* Worker. */
	struct workqueue_struct *wq;
	struct work_struct work;
	spinlock_t done_lock;		/* done, to_submit, requests */
	struct list_head done;		/* completed struct salsa_io */
	struct list_head requests;	/* trims, remaps, syncs (done_lock) */
	struct list_head wb_inflight;	/* struct salsa_wb, by wb seq */
	u64 wb_seq;			/* last write-out sequence handed out */
	struct list_head flush_wait;	/* armed flush requests */
	unsigned int wb_inflight_nr;
	u64 wb_errors;			/* failed write-outs, ever */
	bool space_wait;		/* a write-out found no free segment */
	struct list_head gc_moves;	/* GC state (gc.c) */
	void *gc;
	wait_queue_head_t idle_wait;

	struct list_head to_submit;	/* struct salsa_io queued by the API */
	struct bio_set *bs;		/* media.c */

	struct salsa_stats stats;
	struct dentry *debugfs_dir;	/* while the table is live */
	struct list_head node;		/* registry for salsa_ftl_get() */
	dev_t devt;			/* of the mapped device */
};

/* ---- geometry ---- */

static inline u32 salsa_pba_seg(struct salsa_ftl *ftl, u64 pba)
{
	return div_u64(pba, ftl->seg_pages);
}

static inline u32 salsa_pba_idx(struct salsa_ftl *ftl, u64 pba)
{
	u32 idx;

	div_u64_rem(pba, ftl->seg_pages, &idx);
	return idx;
}

static inline u64 salsa_slot_pba(struct salsa_ftl *ftl, u32 seg, u32 slot)
{
	return (u64)seg * ftl->seg_pages + ftl->sum_pages + slot;
}

/* Data slot of a data pba: index into the reverse map. */
static inline u64 salsa_pba_rev(struct salsa_ftl *ftl, u64 pba)
{
	return (u64)salsa_pba_seg(ftl, pba) * ftl->data_slots +
	       salsa_pba_idx(ftl, pba) - ftl->sum_pages;
}

/* Member and page on that member of segment page @pba (striping). */
static inline unsigned int salsa_pba_dev(struct salsa_ftl *ftl, u64 pba)
{
	return salsa_pba_idx(ftl, pba) % ftl->nr_devs;
}

static inline u64 salsa_pba_dev_page(struct salsa_ftl *ftl, u64 pba)
{
	return ftl->meta_pages +
	       (u64)salsa_pba_seg(ftl, pba) * ftl->chunk_pages +
	       salsa_pba_idx(ftl, pba) / ftl->nr_devs;
}

/* Summary entry of data slot @slot (entry 0 is the header). */
static inline struct salsa_sum_entry *
salsa_sum_entry(struct salsa_summary *sum, u32 slot)
{
	return &sum->entries[slot + 1];
}

/* Layout for a member of @member_pages pages; 0 or -EINVAL. */
int salsa_geometry(struct salsa_ftl *ftl, u64 min_member_pages, u32 seg_pages,
		   unsigned int op_percent, char **error);

/* ---- segment.c: allocation, streams, summaries (worker only) ---- */

/* Stream numbers: user data by heat, metadata, GC relocations. */
unsigned int salsa_stream_user(struct salsa_ftl *ftl, u16 epoch, u8 heat,
			       bool meta);
unsigned int salsa_stream_gc(struct salsa_ftl *ftl, u16 epoch, u8 heat);
u16 salsa_epoch_now(struct salsa_ftl *ftl);

/*
 * Next slot of @stream's open segment, opening the least worn free segment
 * when needed; SALSA_PBA_NONE when no free segment may be used (user
 * streams leave reserve_segs to GC). Counts the write as in flight.
 */
u64 salsa_alloc_slot(struct salsa_ftl *ftl, unsigned int stream, bool gc);
/* A write to @pba completed (or failed): drops the in-flight count. */
void salsa_slot_written(struct salsa_ftl *ftl, u64 pba);

/* Appends an entry to the summary of @pba's segment, stamping seq and gen. */
u64 salsa_sum_append(struct salsa_ftl *ftl, u64 pba, u16 type, u64 lba,
		     u64 dest, u64 len);
int salsa_summary_alloc(struct salsa_ftl *ftl, struct salsa_segment *seg);
void salsa_summary_free(struct salsa_segment *seg);
void salsa_seg_init_lists(struct salsa_ftl *ftl);
/* Live-slot bookkeeping; moves emptied closed segments to pending. */
void salsa_seg_validate(struct salsa_ftl *ftl, u64 pba, u64 lba);
void salsa_seg_invalidate(struct salsa_ftl *ftl, u64 pba);
/* After a commit: pending segments that may be erased become free. */
void salsa_seg_release_pending(struct salsa_ftl *ftl);
u64 salsa_stable_ckpt_seq(struct salsa_ftl *ftl);

/* ---- map.c (worker only unless noted) ---- */

/* A user write-out of @lba landed at @pba: it supersedes any flash copy. */
void salsa_map_set(struct salsa_ftl *ftl, struct salsa_page *pg, u64 pba);
/* GC moved @lba from @old to @new; false (and @new dropped) if stale. */
bool salsa_map_move(struct salsa_ftl *ftl, u64 lba, u64 old, u64 new);
int salsa_map_trim(struct salsa_ftl *ftl, u64 lba, u64 len);
int salsa_map_remap(struct salsa_ftl *ftl, u64 from, u64 to, u64 len);
/* Any context: current flash address of @lba or SALSA_PBA_NONE. */
u64 salsa_map_lookup(struct salsa_ftl *ftl, u64 lba);

/* ---- pool.c ---- */

int salsa_pool_init(struct salsa_ftl *ftl, unsigned int nr_pages);
void salsa_pool_exit(struct salsa_ftl *ftl);
/* The worker finished a read into @pg / a write-out of it. */
void salsa_pool_read_done(struct salsa_ftl *ftl, struct salsa_page *pg,
			  int error);
/* Pages became free or evictable: resume starved requests. */
void salsa_pool_kick(struct salsa_ftl *ftl);

/* ---- writeback.c (worker) ---- */

void salsa_worker_kick(struct salsa_ftl *ftl);
void salsa_worker_fn(struct work_struct *work);
/* Flush every dirty page and commit; sleeps. */
int salsa_flush_all(struct salsa_ftl *ftl);
/* Make every appended summary entry durable; worker only. */
int salsa_commit(struct salsa_ftl *ftl);

/* ---- gc.c (worker) ---- */

int salsa_gc_init(struct salsa_ftl *ftl);
void salsa_gc_exit(struct salsa_ftl *ftl);
/* Victim choice; NULL if nothing is worth reclaiming. */
struct salsa_segment *salsa_gc_pick_victim(struct salsa_ftl *ftl);
/* Advance GC if free segments are short; true if it did something. */
bool salsa_gc_step(struct salsa_ftl *ftl);
bool salsa_gc_busy(struct salsa_ftl *ftl);

/* ---- metadata.c ---- */

/*
 * Reads the superblocks of all members and either opens the existing format
 * (checkpoint + summary replay) or writes a fresh one (when the members hold
 * none, or cfg->format). On failure sets *error and leaves no state behind.
 */
int salsa_md_open(struct salsa_ftl *ftl, char **error);
void salsa_md_close(struct salsa_ftl *ftl);
/* Writes a checkpoint into the older slot; worker only, after a commit. */
int salsa_ckpt_write(struct salsa_ftl *ftl);
/* Replays summary entries sorted by seq (exposed for KUnit). */
int salsa_replay(struct salsa_ftl *ftl, struct salsa_sum_entry *entries,
		 u64 nr, u64 *pbas);

/* ---- stats.c ---- */

/* Every counter as key=value, separated by @sep (dmsetup status, debugfs). */
size_t salsa_stats_format(struct salsa_ftl *ftl, char *buf, size_t len,
			  char sep);
void salsa_stats_reset(struct salsa_ftl *ftl);
/* salsa_ftl/<name>/{stats,segments} in debugfs, while the table is live. */
void salsa_debugfs_add(struct salsa_ftl *ftl, const char *name);
void salsa_debugfs_remove(struct salsa_ftl *ftl);
void salsa_stats_module_init(void);
void salsa_stats_module_exit(void);

/* ---- life cycle (target.c) ---- */

struct salsa_ftl *salsa_ftl_alloc(const struct salsa_config *cfg);
void salsa_ftl_release(struct kref *ref);
int salsa_ftl_start(struct salsa_ftl *ftl, char **error);
void salsa_ftl_stop(struct salsa_ftl *ftl);

#endif /* _SALSA_H */
