// SPDX-License-Identifier: GPL-2.0
/*
 * On-flash metadata: geometry, superblocks, format, checkpoints and
 * recovery.
 *
 * Every member starts with the same metadata area: two superblock copies,
 * then two checkpoint slots that only member 0 uses (the area has one size
 * everywhere so that chunk s sits at the same page on every member).
 * Recovery (HACKING.md, rule 4) loads the newest valid checkpoint, reads
 * every segment summary and replays, in seq order, the entries of current
 * incarnations that the checkpoint does not reflect yet.
 */
#define pr_fmt(fmt) "salsa: " fmt

#include <linux/device-mapper.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/stringify.h>
#include <linux/timekeeping.h>
#include <linux/vmalloc.h>
#include <kunit/visibility.h>

#include "salsa.h"
#include "metadata.h"

/* Checkpoint and summary I/O is bounded by this, whatever the device. */
#define SALSA_IO_PAGES		256
#define SALSA_IO_BYTES		(SALSA_IO_PAGES * SALSA_PAGE_SIZE)
/* PBAs live in SALSA_VAL_PBA_BITS bits of a map entry. */
#define SALSA_MAX_PBAS		BIT_ULL(SALSA_VAL_PBA_BITS)

/*
 * Static "<what>: <why>" strings for *error (see metadata.h); the log gets
 * the details.
 */
static const char salsa_err_seg_small[] =
	"segment size: a segment needs at least 16 pages (64 KiB)";
static const char salsa_err_seg_stripe[] =
	"segment size: must be a multiple of the number of members in 4 KiB pages";
static const char salsa_err_seg_many[] =
	"segment size: too small for members this large (2^32 segments or more)";
static const char salsa_err_member_small[] =
	"member size: too small for " __stringify(SALSA_MIN_SEGS) " segments and the metadata area";
static const char salsa_err_op_small[] =
	"op: too little overprovisioning for GC to ever free a segment";
static const char salsa_err_no_capacity[] =
	"op: overprovisioning and GC's reserve segments leave no capacity";
static const char salsa_err_sb_io[] =
	"member: cannot read its superblock";
static const char salsa_err_foreign[] =
	"member: holds data that is not a salsa superblock; add format=1 to overwrite it";
static const char salsa_err_sb_corrupt[] =
	"member: both superblock copies are corrupt; format=1 reformats, losing the data";
static const char salsa_err_version[] =
	"member: holds a salsa format version this module does not read";
static const char salsa_err_unformatted[] =
	"member: unformatted while others hold a salsa format; add format=1 to reformat";
static const char salsa_err_uuid[] =
	"members: they belong to different salsa devices";
static const char salsa_err_order[] =
	"member: listed at the wrong position; list members in their format order";
static const char salsa_err_nr_members[] =
	"members: the table lists a different number than were formatted";
static const char salsa_err_shrunk[] =
	"member: smaller than when it was formatted";
static const char salsa_err_layout[] =
	"members: their superblocks disagree on the layout";
static const char salsa_err_layout_calc[] =
	"superblock: records a layout this module does not compute for it";
static const char salsa_err_seg_size[] =
	"segment_size: differs from the format's; omit it or add format=1";
static const char salsa_err_size[] =
	"virtual size: differs from the format's; use the formatted size or add format=1";
static const char salsa_err_nomem[] =
	"out of memory for the flash state";
static const char salsa_err_md_write[] =
	"format: cannot write the metadata to a member";
static const char salsa_err_md_read[] =
	"recovery: cannot read a segment summary";

static __printf(4, 5) int salsa_md_fail(char **error, int ret, const char *why,
					 const char *fmt, ...)
{
	struct va_format vaf;
	va_list args;

	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	pr_err("%pV\n", &vaf);
	va_end(args);
	*error = (char *)why;
	return ret;
}

/* The path from the table while the ctr runs, the dm name otherwise. */
static const char *salsa_dev_name(struct salsa_ftl *ftl, unsigned int dev)
{
	if (ftl->cfg.dev_paths[dev])
		return ftl->cfg.dev_paths[dev];
	if (ftl->devs[dev].dm_dev)
		return ftl->devs[dev].dm_dev->name;
	return "-";
}

/* ---- geometry ---- */

static u64 salsa_ckpt_payload_bytes(u64 nr_segs, u32 data_slots)
{
	return nr_segs * (sizeof(struct salsa_ckpt_seg) +
			  (u64)data_slots * sizeof(__le64));
}

/* Metadata area of a member for @nr_segs segments: sbs and two slots. */
static u64 salsa_meta_size(u64 nr_segs, u32 data_slots, u64 *ckpt_pages)
{
	u64 ckpt = 1 + DIV_ROUND_UP_ULL(salsa_ckpt_payload_bytes(nr_segs,
								   data_slots),
					SALSA_PAGE_SIZE);

	if (ckpt_pages)
		*ckpt_pages = ckpt;
	return SALSA_SB_COPIES + 2 * ckpt;
}

static bool salsa_segs_fit(u64 nr, u64 member_pages, u32 chunk_pages,
			   u32 data_slots)
{
	return salsa_meta_size(nr, data_slots, NULL) + nr * chunk_pages <=
	       member_pages;
}

/*
 * The most segments that fit next to their own metadata area. The area
 * grows with the segment count, so start from the area of an upper bound
 * (that count fits for sure) and add the segments its shrinking freed.
 */
static u64 salsa_fit_segs(u64 member_pages, u32 chunk_pages, u32 data_slots)
{
	u64 nr = div_u64(member_pages, chunk_pages);
	u64 meta = salsa_meta_size(nr, data_slots, NULL);

	nr = member_pages > meta ?
	     div_u64(member_pages - meta, chunk_pages) : 0;
	while (salsa_segs_fit(nr + 1, member_pages, chunk_pages, data_slots))
		nr++;
	return nr;
}

int salsa_geometry(struct salsa_ftl *ftl, u64 min_member_pages, u32 seg_pages,
		   unsigned int op_percent, char **error)
{
	unsigned int nr_devs = ftl->nr_devs;
	u32 sum_pages, data_slots, chunk_pages, reserve, gc_low, gc_high;
	u64 member_pages, nr_segs, ckpt_pages, meta_pages, slots, usable;

	/*
	 * 16 pages also leave data slots: one summary page covers a header
	 * and 63 slots, so data_slots >= 15 here.
	 */
	if (seg_pages < SALSA_MIN_SEG_PAGES)
		return salsa_md_fail(error, -EINVAL, salsa_err_seg_small,
				     "segment of %u pages: at least %u pages (%u KiB) are needed",
				     seg_pages, SALSA_MIN_SEG_PAGES,
				     SALSA_MIN_SEG_PAGES * SALSA_PAGE_SIZE / 1024);
	if (!nr_devs || seg_pages % nr_devs)
		return salsa_md_fail(error, -EINVAL, salsa_err_seg_stripe,
				     "segment of %u pages cannot be striped over %u members: use a multiple of %u pages",
				     seg_pages, nr_devs, nr_devs);

	/* Smallest n with n pages of entries for a header and the rest. */
	sum_pages = DIV_ROUND_UP(seg_pages + 1, SALSA_SUM_PER_PAGE + 1);
	data_slots = seg_pages - sum_pages;
	chunk_pages = seg_pages / nr_devs;

	/* A member beyond what PBAs can address is used only partly. */
	member_pages = min(min_member_pages, div_u64(SALSA_MAX_PBAS, nr_devs));
	nr_segs = salsa_fit_segs(member_pages, chunk_pages, data_slots);
	if (nr_segs < SALSA_MIN_SEGS) {
		u64 need = salsa_meta_size(SALSA_MIN_SEGS, data_slots, NULL) +
			   (u64)SALSA_MIN_SEGS * chunk_pages;

		return salsa_md_fail(error, -EINVAL, salsa_err_member_small,
				     "members of %llu KiB hold %llu segments of %u KiB: each member needs at least %llu MiB for %u segments",
				     min_member_pages * SALSA_PAGE_SIZE / 1024,
				     nr_segs, seg_pages * SALSA_PAGE_SIZE / 1024,
				     DIV_ROUND_UP_ULL(need * SALSA_PAGE_SIZE,
						      1024 * 1024),
				     SALSA_MIN_SEGS);
	}
	if (nr_segs > U32_MAX)
		return salsa_md_fail(error, -EINVAL, salsa_err_seg_many,
				     "%llu segments of %u pages: use larger segments",
				     nr_segs, seg_pages);
	meta_pages = salsa_meta_size(nr_segs, data_slots, &ckpt_pages);

	/* GC writes into the reserve while every stream holds a segment. */
	reserve = max(ftl->cfg.streams, 1U) + 2;
	op_percent = min(op_percent, 100U);
	slots = nr_segs * data_slots;
	usable = div_u64(slots * (100 - op_percent), 100);
	if (slots - usable < data_slots)
		return salsa_md_fail(error, -EINVAL, salsa_err_op_small,
				     "op=%u%% of %llu segments is %llu pages, less than one segment (%u pages): GC could never free one",
				     op_percent, nr_segs, slots - usable,
				     data_slots);
	if (usable <= (u64)reserve * data_slots)
		return salsa_md_fail(error, -EINVAL, salsa_err_no_capacity,
				     "%llu segments with op=%u%% and %u reserve segments leave no capacity: use larger members, smaller segments, less overprovisioning or fewer streams",
				     nr_segs, op_percent, reserve);

	gc_low = max_t(u64, div_u64(nr_segs * ftl->cfg.gc_low_percent, 100),
		       reserve + 1);
	gc_high = max_t(u64, div_u64(nr_segs * ftl->cfg.gc_high_percent, 100),
			reserve + 2);
	gc_high = min_t(u64, max(gc_high, gc_low + 1), nr_segs);

	ftl->seg_pages = seg_pages;
	ftl->sum_pages = sum_pages;
	ftl->data_slots = data_slots;
	ftl->chunk_pages = chunk_pages;
	ftl->nr_segs = nr_segs;
	ftl->meta_pages = meta_pages;
	ftl->ckpt_pages = ckpt_pages;
	ftl->capacity_pages = usable - (u64)reserve * data_slots;
	ftl->reserve_segs = reserve;
	ftl->gc_low_segs = gc_low;
	ftl->gc_high_segs = gc_high;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(salsa_geometry);

/* ---- flash state ---- */

static int salsa_state_alloc(struct salsa_ftl *ftl)
{
	u32 i;

	ftl->segs = kvcalloc(ftl->nr_segs, sizeof(*ftl->segs), GFP_KERNEL);
	ftl->rev = kvcalloc((size_t)ftl->nr_segs * ftl->data_slots,
			    sizeof(*ftl->rev), GFP_KERNEL);
	if (!ftl->segs || !ftl->rev) {
		kvfree(ftl->segs);
		kvfree(ftl->rev);
		ftl->segs = NULL;
		ftl->rev = NULL;
		return -ENOMEM;
	}
	for (i = 0; i < ftl->nr_segs; i++) {
		ftl->segs[i].nr = i;
		INIT_LIST_HEAD(&ftl->segs[i].node);
	}
	return 0;
}

/* Forgets what a checkpoint that then failed its CRC loaded. */
static void salsa_state_clear(struct salsa_ftl *ftl)
{
	u32 i;

	memset(ftl->rev, 0, (size_t)ftl->nr_segs * ftl->data_slots *
	       sizeof(*ftl->rev));
	for (i = 0; i < ftl->nr_segs; i++) {
		ftl->segs[i].gen = 0;
		ftl->segs[i].erase_count = 0;
		ftl->segs[i].stream = 0;
	}
}

/* ---- superblocks ---- */

/* Ordered: without a valid copy, the highest verdict of the two counts. */
enum salsa_sb_verdict {
	SALSA_SB_OK,
	SALSA_SB_BLANK,		/* all zeroes: never formatted */
	SALSA_SB_IOERR,
	SALSA_SB_FOREIGN,	/* another program's data */
	SALSA_SB_CORRUPT,	/* salsa's, but its CRC fails */
	SALSA_SB_VERSION,	/* salsa's, a version this code cannot read */
};

static const char *const salsa_sb_what[] = {
	[SALSA_SB_OK] = "valid",
	[SALSA_SB_BLANK] = "blank",
	[SALSA_SB_IOERR] = "unreadable",
	[SALSA_SB_FOREIGN] = "not a salsa superblock",
	[SALSA_SB_CORRUPT] = "CRC mismatch",
	[SALSA_SB_VERSION] = "unsupported version",
};

struct salsa_member_sb {
	struct salsa_sb *copies;	/* SALSA_SB_COPIES pages */
	struct salsa_sb *sb;		/* the copy in use, if any */
	u8 verdict;
	u8 copy[SALSA_SB_COPIES];
	int err[SALSA_SB_COPIES];
};

static u32 salsa_sb_crc(struct salsa_sb *sb)
{
	__le32 crc = sb->crc;
	u32 ret;

	sb->crc = 0;
	ret = salsa_crc(sb, sizeof(*sb));
	sb->crc = crc;
	return ret;
}

static u8 salsa_sb_check(struct salsa_sb *sb)
{
	if (le64_to_cpu(sb->magic) != SALSA_SB_MAGIC)
		return memchr_inv(sb, 0, sizeof(*sb)) ? SALSA_SB_FOREIGN :
							SALSA_SB_BLANK;
	if (salsa_sb_crc(sb) != le32_to_cpu(sb->crc))
		return SALSA_SB_CORRUPT;
	if (le32_to_cpu(sb->version) != SALSA_FORMAT_VERSION)
		return SALSA_SB_VERSION;
	return SALSA_SB_OK;
}

/* Copies are read one by one so that one bad sector spares the other. */
static void salsa_sb_read(struct salsa_ftl *ftl, unsigned int dev,
			  struct salsa_member_sb *m)
{
	unsigned int k;

	m->sb = NULL;
	m->verdict = SALSA_SB_BLANK;
	for (k = 0; k < SALSA_SB_COPIES; k++) {
		m->err[k] = ftl->media->rw(ftl, dev, k, &m->copies[k], 1,
					   REQ_OP_READ);
		m->copy[k] = m->err[k] ? SALSA_SB_IOERR :
					 salsa_sb_check(&m->copies[k]);
		if (m->copy[k] == SALSA_SB_OK) {
			if (!m->sb)
				m->sb = &m->copies[k];
		} else if (m->copy[k] > m->verdict) {
			m->verdict = m->copy[k];
		}
	}
	if (m->sb)
		m->verdict = SALSA_SB_OK;
}

static void salsa_sb_fill(struct salsa_ftl *ftl, struct salsa_sb *sb,
			  unsigned int dev, time64_t now)
{
	memset(sb, 0, sizeof(*sb));
	sb->magic = cpu_to_le64(SALSA_SB_MAGIC);
	sb->version = cpu_to_le32(SALSA_FORMAT_VERSION);
	export_uuid(sb->uuid, &ftl->uuid);
	sb->member = cpu_to_le32(dev);
	sb->nr_members = cpu_to_le32(ftl->nr_devs);
	sb->member_pages = cpu_to_le64(ftl->devs[dev].pages);
	sb->virtual_pages = cpu_to_le64(ftl->virtual_pages);
	sb->seg_pages = cpu_to_le32(ftl->seg_pages);
	sb->sum_pages = cpu_to_le32(ftl->sum_pages);
	sb->nr_segs = cpu_to_le32(ftl->nr_segs);
	sb->meta_pages = cpu_to_le32(ftl->meta_pages);
	sb->ckpt_pages = cpu_to_le32(ftl->ckpt_pages);
	sb->format_time = cpu_to_le64(now);
	sb->crc = cpu_to_le32(salsa_crc(sb, sizeof(*sb)));
}

/* ---- format ---- */

/*
 * Old summaries would pass their CRC and gen checks in the new format (its
 * gens restart at 0), so every summary page is zeroed, not just headers.
 */
static int salsa_zero_summaries(struct salsa_ftl *ftl)
{
	unsigned int runs = min(ftl->nr_devs, ftl->sum_pages), d;
	u32 buf_pages = min_t(u32, DIV_ROUND_UP(ftl->sum_pages, ftl->nr_devs),
			      SALSA_IO_PAGES);
	void *zero = vzalloc((size_t)buf_pages * SALSA_PAGE_SIZE);
	int ret = 0;
	u32 s;

	if (!zero)
		return -ENOMEM;
	for (s = 0; s < ftl->nr_segs && !ret; s++) {
		for (d = 0; d < runs && !ret; d++) {
			u64 page = ftl->meta_pages + (u64)s * ftl->chunk_pages;
			u32 left = DIV_ROUND_UP(ftl->sum_pages - d,
						ftl->nr_devs);

			while (left && !ret) {
				u32 nr = min(left, buf_pages);

				ret = ftl->media->rw(ftl, d, page, zero, nr,
						     REQ_OP_WRITE);
				page += nr;
				left -= nr;
			}
		}
		cond_resched();
	}
	vfree(zero);
	return ret;
}

static int salsa_format(struct salsa_ftl *ftl, struct salsa_member_sb *m,
			char **error)
{
	u32 seg_pages = ftl->cfg.seg_pages;
	u64 min_pages = U64_MAX;
	unsigned int i, k;
	time64_t now;
	int ret;

	for (i = 0; i < ftl->nr_devs; i++)
		min_pages = min(min_pages, ftl->devs[i].pages);
	/* The default size, striped evenly over the members. */
	if (!seg_pages)
		seg_pages = roundup(SALSA_DEFAULT_SEG_PAGES, ftl->nr_devs);
	ret = salsa_geometry(ftl, min_pages, seg_pages, ftl->cfg.op_percent,
			     error);
	if (ret)
		return ret;
	if (salsa_state_alloc(ftl))
		return salsa_md_fail(error, -ENOMEM, salsa_err_nomem,
				     "no memory for %u segments of %u slots",
				     ftl->nr_segs, ftl->data_slots);
	uuid_gen(&ftl->uuid);

	ret = salsa_zero_summaries(ftl);
	if (ret)
		goto fail;
	/* Both checkpoint slots invalid: a blank header page each. */
	memset(m[0].copies, 0, SALSA_PAGE_SIZE);
	for (k = 0; k < 2 && !ret; k++)
		ret = ftl->media->rw(ftl, 0, salsa_ckpt_slot_page(ftl, k),
				     m[0].copies, 1, REQ_OP_WRITE);
	if (!ret)
		ret = ftl->media->flush(ftl);
	if (ret)
		goto fail;

	/* Superblocks last: until they are complete, nothing claims the area. */
	now = ktime_get_real_seconds();
	for (i = 0; i < ftl->nr_devs; i++) {
		salsa_sb_fill(ftl, m[i].copies, i, now);
		for (k = 0; k < SALSA_SB_COPIES; k++) {
			ret = ftl->media->rw(ftl, i, k, m[i].copies, 1,
					     REQ_OP_WRITE | REQ_FUA);
			if (ret)
				return salsa_md_fail(error, ret,
						     salsa_err_md_write,
						     "member %u (%s): superblock copy %u write failed: %d",
						     i, salsa_dev_name(ftl, i),
						     k, ret);
		}
	}

	ftl->seq = 1;
	ftl->ckpt_seq[0] = 0;
	ftl->ckpt_seq[1] = 0;
	ftl->ckpt_next = 0;
	ftl->mapped_pages = 0;
	salsa_seg_init_lists(ftl);
	pr_info("formatted %u member(s) as %pU: %u segments of %u pages, capacity %llu pages\n",
		ftl->nr_devs, &ftl->uuid, ftl->nr_segs, ftl->seg_pages,
		ftl->capacity_pages);
	return 0;

fail:
	return salsa_md_fail(error, ret, salsa_err_md_write,
			     "format: metadata write failed: %d", ret);
}

/* ---- checkpoints ---- */

/*
 * Payload: a record per segment, then the reverse map. Chunks start at
 * multiples of SALSA_IO_BYTES, so neither kind of item straddles two.
 */
static void salsa_ckpt_fill(struct salsa_ftl *ftl, void *buf, u64 off,
			    size_t len)
{
	u64 seg_bytes = (u64)ftl->nr_segs * sizeof(struct salsa_ckpt_seg);
	u64 end = off + len;

	if (off < seg_bytes) {
		struct salsa_ckpt_seg *cs = buf;
		u32 i = div_u64(off, sizeof(*cs));

		for (; off < min(end, seg_bytes); off += sizeof(*cs), i++) {
			const struct salsa_segment *seg = &ftl->segs[i];

			memset(cs, 0, sizeof(*cs));
			cs->gen = cpu_to_le32(seg->gen);
			cs->erase_count = cpu_to_le32(seg->erase_count);
			cs->state = seg->state;
			cs->stream = seg->stream;
			cs++;
		}
		buf = cs;
	}
	if (off < end) {
		u64 i = (off - seg_bytes) / sizeof(__le64);
		__le64 *w = buf;

		for (; off < end; off += sizeof(*w))
			*w++ = cpu_to_le64(ftl->rev[i++]);
	}
}

static void salsa_ckpt_parse(struct salsa_ftl *ftl, const void *buf, u64 off,
			     size_t len)
{
	u64 seg_bytes = (u64)ftl->nr_segs * sizeof(struct salsa_ckpt_seg);
	u64 end = off + len;

	if (off < seg_bytes) {
		const struct salsa_ckpt_seg *cs = buf;
		u32 i = div_u64(off, sizeof(*cs));

		for (; off < min(end, seg_bytes); off += sizeof(*cs), i++) {
			struct salsa_segment *seg = &ftl->segs[i];

			seg->gen = le32_to_cpu(cs->gen);
			seg->erase_count = le32_to_cpu(cs->erase_count);
			seg->stream = cs->stream < SALSA_MAX_STREAMS ?
				      cs->stream : 0;
			cs++;
		}
		buf = cs;
	}
	if (off < end) {
		u64 i = (off - seg_bytes) / sizeof(__le64);
		const __le64 *w = buf;

		for (; off < end; off += sizeof(*w))
			ftl->rev[i++] = le64_to_cpu(*w++);
	}
}

static u64 salsa_ftl_ckpt_bytes(struct salsa_ftl *ftl)
{
	return salsa_ckpt_payload_bytes(ftl->nr_segs, ftl->data_slots);
}

int salsa_ckpt_write(struct salsa_ftl *ftl)
{
	unsigned int slot = ftl->ckpt_next, noio;
	u64 first = salsa_ckpt_slot_page(ftl, slot), page = first + 1;
	u64 bytes = salsa_ftl_ckpt_bytes(ftl), seq = ftl->seq - 1, off;
	struct salsa_ckpt *hdr;
	u32 crc = ~0U;
	void *buf;
	int ret = 0;

	/* The worker must not recurse into writing out through itself. */
	noio = memalloc_noio_save();
	buf = vmalloc(SALSA_IO_BYTES);
	memalloc_noio_restore(noio);
	if (!buf)
		return -ENOMEM;

	/* The slot is no fallback while it is being overwritten. */
	ftl->ckpt_seq[slot] = 0;
	for (off = 0; off < bytes && !ret; off += SALSA_IO_BYTES) {
		size_t len = min_t(u64, bytes - off, SALSA_IO_BYTES);
		unsigned int nr = DIV_ROUND_UP(len, SALSA_PAGE_SIZE);

		salsa_ckpt_fill(ftl, buf, off, len);
		crc = crc32c(crc, buf, len);
		memset(buf + len, 0, (size_t)nr * SALSA_PAGE_SIZE - len);
		ret = ftl->media->rw(ftl, 0, page, buf, nr, REQ_OP_WRITE);
		page += nr;
		cond_resched();
	}
	if (ret)
		goto out;

	hdr = buf;
	memset(hdr, 0, sizeof(*hdr));
	hdr->magic = cpu_to_le64(SALSA_CKPT_MAGIC);
	hdr->seq = cpu_to_le64(seq);
	hdr->crc = cpu_to_le32(crc);
	export_uuid(hdr->uuid, &ftl->uuid);
	hdr->nr_segs = cpu_to_le32(ftl->nr_segs);
	hdr->data_slots = cpu_to_le32(ftl->data_slots);
	hdr->payload_bytes = cpu_to_le64(bytes);
	hdr->hdr_crc = cpu_to_le32(salsa_crc(hdr, sizeof(*hdr)));
	/*
	 * The preflush makes the payload durable before the header that
	 * vouches for it: a slot whose header is on flash must be usable,
	 * or freeing segments against its seq (rule 3) would lose entries.
	 */
	ret = ftl->media->rw(ftl, 0, first, hdr, 1,
			     REQ_OP_WRITE | REQ_PREFLUSH | REQ_FUA);
	if (ret)
		goto out;

	ftl->ckpt_seq[slot] = seq;
	ftl->ckpt_next = !slot;
	atomic64_add(ftl->ckpt_pages, &ftl->stats.meta_flash_pages);
	atomic64_inc(&ftl->stats.checkpoints);
out:
	vfree(buf);
	if (ret)
		pr_err("checkpoint into slot %u failed: %d\n", slot, ret);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(salsa_ckpt_write);

enum salsa_ckpt_verdict {
	SALSA_CKPT_OK,
	SALSA_CKPT_BLANK,	/* never written */
	SALSA_CKPT_BAD,		/* header corrupt, stale or unreadable */
	SALSA_CKPT_BAD_PAYLOAD,	/* header fine, payload CRC or read failed */
};

struct salsa_ckpt_slot {
	u8 verdict;
	u64 seq;
	u32 crc;
};

static u8 salsa_ckpt_check(struct salsa_ftl *ftl, struct salsa_ckpt *h)
{
	__le32 hdr_crc = h->hdr_crc;
	u32 crc;

	if (!memchr_inv(h, 0, sizeof(*h)))
		return SALSA_CKPT_BLANK;
	h->hdr_crc = 0;
	crc = salsa_crc(h, sizeof(*h));
	h->hdr_crc = hdr_crc;
	if (le64_to_cpu(h->magic) != SALSA_CKPT_MAGIC ||
	    crc != le32_to_cpu(hdr_crc) ||
	    memcmp(h->uuid, ftl->uuid.b, sizeof(h->uuid)) ||
	    le32_to_cpu(h->nr_segs) != ftl->nr_segs ||
	    le32_to_cpu(h->data_slots) != ftl->data_slots ||
	    le64_to_cpu(h->payload_bytes) != salsa_ftl_ckpt_bytes(ftl))
		return SALSA_CKPT_BAD;
	return SALSA_CKPT_OK;
}

/* Reads and checks a slot's payload; loads it into segs/rev if @apply. */
static int salsa_ckpt_read(struct salsa_ftl *ftl, unsigned int slot, u32 want,
			   bool apply, void *buf)
{
	u64 page = salsa_ckpt_slot_page(ftl, slot) + 1;
	u64 bytes = salsa_ftl_ckpt_bytes(ftl), off;
	u32 crc = ~0U;
	int ret;

	for (off = 0; off < bytes; off += SALSA_IO_BYTES) {
		size_t len = min_t(u64, bytes - off, SALSA_IO_BYTES);
		unsigned int nr = DIV_ROUND_UP(len, SALSA_PAGE_SIZE);

		ret = ftl->media->rw(ftl, 0, page, buf, nr, REQ_OP_READ);
		if (ret)
			return ret;
		crc = crc32c(crc, buf, len);
		if (apply)
			salsa_ckpt_parse(ftl, buf, off, len);
		page += nr;
		cond_resched();
	}
	return crc == want ? 0 : -EBADMSG;
}

/*
 * Loads the newest checkpoint that passes both CRCs and returns its seq (0
 * when there is none: every summary entry is replayed then). Slots that
 * fail count as empty for rule 3 until they are rewritten.
 */
static void salsa_ckpt_load(struct salsa_ftl *ftl, void *buf, u64 *seq)
{
	struct salsa_ckpt_slot c[2];
	unsigned int k, n, order[2] = { 0, 1 };
	int loaded = -1, ret;

	for (k = 0; k < 2; k++) {
		ret = ftl->media->rw(ftl, 0, salsa_ckpt_slot_page(ftl, k), buf,
				     1, REQ_OP_READ);
		c[k].verdict = ret ? SALSA_CKPT_BAD : salsa_ckpt_check(ftl, buf);
		c[k].seq = le64_to_cpu(((struct salsa_ckpt *)buf)->seq);
		c[k].crc = le32_to_cpu(((struct salsa_ckpt *)buf)->crc);
	}
	if (c[0].verdict == SALSA_CKPT_OK && c[1].verdict == SALSA_CKPT_OK &&
	    c[1].seq > c[0].seq)
		swap(order[0], order[1]);

	for (n = 0; n < 2; n++) {
		k = order[n];
		if (c[k].verdict != SALSA_CKPT_OK)
			continue;
		/* The older slot is only checked: it must be a sound fallback. */
		ret = salsa_ckpt_read(ftl, k, c[k].crc, loaded < 0, buf);
		if (ret) {
			c[k].verdict = SALSA_CKPT_BAD_PAYLOAD;
			if (loaded < 0)
				salsa_state_clear(ftl);
			continue;
		}
		if (loaded < 0)
			loaded = k;
	}

	for (k = 0; k < 2; k++) {
		ftl->ckpt_seq[k] = c[k].verdict == SALSA_CKPT_OK ? c[k].seq : 0;
		if (loaded < 0 || k == loaded)
			continue;
		if (c[k].verdict == SALSA_CKPT_BAD_PAYLOAD)
			pr_warn("checkpoint slot %u corrupt (seq %llu), using slot %u (seq %llu)\n",
				k, c[k].seq, loaded, c[loaded].seq);
		else if (c[k].verdict == SALSA_CKPT_BAD)
			pr_warn("checkpoint slot %u corrupt (bad header), using slot %u (seq %llu)\n",
				k, loaded, c[loaded].seq);
	}
	if (loaded < 0) {
		if (c[0].verdict == SALSA_CKPT_BLANK &&
		    c[1].verdict == SALSA_CKPT_BLANK)
			pr_info("no checkpoint written yet: replaying every segment summary\n");
		else
			pr_warn("no valid checkpoint (slot 0 %s, slot 1 %s): recovering by full replay from seq 0; data trimmed before the lost checkpoints may reappear\n",
				c[0].verdict == SALSA_CKPT_BLANK ? "blank" : "corrupt",
				c[1].verdict == SALSA_CKPT_BLANK ? "blank" : "corrupt");
	}
	/* The next checkpoint spares the one recovery started from. */
	ftl->ckpt_next = loaded < 0 ? 0 : !loaded;
	*seq = loaded < 0 ? 0 : c[loaded].seq;
}

/* ---- replay ---- */

struct salsa_replay_ord {
	u64 seq;
	u64 idx;
};

static int salsa_replay_cmp(const void *a, const void *b)
{
	const struct salsa_replay_ord *x = a, *y = b;

	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	/* Equal seqs only come from damage; keep the outcome repeatable. */
	if (x->idx != y->idx)
		return x->idx < y->idx ? -1 : 1;
	return 0;
}

static bool salsa_replay_pba_ok(struct salsa_ftl *ftl, u64 pba)
{
	return pba < (u64)ftl->nr_segs * ftl->seg_pages &&
	       salsa_pba_idx(ftl, pba) >= ftl->sum_pages;
}

static bool salsa_range_ok(struct salsa_ftl *ftl, u64 lba, u64 len)
{
	return len && lba < ftl->virtual_pages &&
	       len <= ftl->virtual_pages - lba;
}

/* Clears @pba's reverse entry if it still names @lba. */
static void salsa_rev_clear(struct salsa_ftl *ftl, u64 pba, u64 lba)
{
	u64 *rev;

	if (!salsa_replay_pba_ok(ftl, pba))
		return;
	rev = &ftl->rev[salsa_pba_rev(ftl, pba)];
	if (*rev == lba + 1)
		*rev = 0;
}

static int salsa_replay_data(struct salsa_ftl *ftl, u64 lba, u64 pba)
{
	u64 *rev = &ftl->rev[salsa_pba_rev(ftl, pba)];
	void *old;

	/* A slot holds one page per incarnation: another LBA there is stale. */
	if (*rev && *rev != lba + 1) {
		old = xa_load(&ftl->map, *rev - 1);
		if (xa_is_value(old) && salsa_val_pba(old) == pba)
			xa_erase_irq(&ftl->map, *rev - 1);
	}
	old = xa_load(&ftl->map, lba);
	if (xa_is_value(old) && salsa_val_pba(old) != pba)
		salsa_rev_clear(ftl, salsa_val_pba(old), lba);
	*rev = lba + 1;
	return xa_err(xa_store_irq(&ftl->map, lba, salsa_mk_val(pba, 0, 0),
				   GFP_KERNEL));
}

/* Costs one step per mapped LBA in the range, never per LBA. */
static void salsa_replay_trim(struct salsa_ftl *ftl, u64 lba, u64 len)
{
	unsigned long index;
	void *entry;

	xa_for_each_range(&ftl->map, index, entry, lba, lba + len - 1) {
		if (xa_is_value(entry))
			salsa_rev_clear(ftl, salsa_val_pba(entry), index);
		xa_erase_irq(&ftl->map, index);
	}
}

/*
 * The destination ends up with exactly the source's mappings. They are
 * lifted out first so that overlapping ranges move each mapping once.
 */
static int salsa_replay_remap(struct salsa_ftl *ftl, u64 from, u64 to,
			      u64 len)
{
	struct xarray moved;
	unsigned long index;
	void *entry;
	int ret = 0;

	xa_init(&moved);
	xa_for_each_range(&ftl->map, index, entry, from, from + len - 1) {
		ret = xa_err(xa_store(&moved, index - from, entry,
				      GFP_KERNEL));
		if (ret)
			goto out;
		xa_erase_irq(&ftl->map, index);
	}
	salsa_replay_trim(ftl, to, len);
	xa_for_each(&moved, index, entry) {
		ret = xa_err(xa_store_irq(&ftl->map, to + index, entry,
					  GFP_KERNEL));
		if (ret)
			goto out;
		if (xa_is_value(entry) &&
		    salsa_replay_pba_ok(ftl, salsa_val_pba(entry)))
			ftl->rev[salsa_pba_rev(ftl, salsa_val_pba(entry))] =
				to + index + 1;
	}
out:
	xa_destroy(&moved);
	return ret;
}

/* 0, a negative errno, or 1 if the entry does not fit the device. */
static int salsa_replay_one(struct salsa_ftl *ftl,
			    const struct salsa_sum_entry *e, u64 pba)
{
	u64 seq = le64_to_cpu(e->seq), lba = le64_to_cpu(e->lba);
	u64 dest = le64_to_cpu(e->dest), len = le64_to_cpu(e->len);
	struct salsa_segment *seg;

	if (!salsa_replay_pba_ok(ftl, pba))
		return 1;
	seg = &ftl->segs[salsa_pba_seg(ftl, pba)];
	switch (le16_to_cpu(e->type)) {
	case SALSA_SUM_DATA:
		if (lba >= ftl->virtual_pages)
			return 1;
		return salsa_replay_data(ftl, lba, pba);
	case SALSA_SUM_TRIM:
		if (!salsa_range_ok(ftl, lba, len))
			return 1;
		seg->max_shadow_seq = max(seg->max_shadow_seq, seq);
		salsa_replay_trim(ftl, lba, len);
		return 0;
	case SALSA_SUM_REMAP:
		if (!salsa_range_ok(ftl, lba, len) ||
		    !salsa_range_ok(ftl, dest, len))
			return 1;
		seg->max_shadow_seq = max(seg->max_shadow_seq, seq);
		return salsa_replay_remap(ftl, lba, dest, len);
	default:
		return 1;
	}
}

int salsa_replay(struct salsa_ftl *ftl, struct salsa_sum_entry *entries,
		 u64 nr, u64 *pbas)
{
	struct salsa_replay_ord *ord;
	u64 i, skipped = 0;
	int ret = 0;

	if (!nr)
		return 0;
	ord = kvmalloc_array(nr, sizeof(*ord), GFP_KERNEL);
	if (!ord)
		return -ENOMEM;
	for (i = 0; i < nr; i++) {
		ord[i].seq = le64_to_cpu(entries[i].seq);
		ord[i].idx = i;
	}
	sort(ord, nr, sizeof(*ord), salsa_replay_cmp, NULL);

	for (i = 0; i < nr && !ret; i++) {
		ret = salsa_replay_one(ftl, &entries[ord[i].idx],
				       pbas[ord[i].idx]);
		if (ret > 0) {
			skipped++;
			ret = 0;
		}
		if (!(i & 1023))
			cond_resched();
	}
	kvfree(ord);
	if (skipped)
		pr_warn("replay skipped %llu summary entries outside the device\n",
			skipped);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(salsa_replay);

/* ---- recovery ---- */

struct salsa_scan {
	u64 ckpt_seq;
	u64 max_seq;		/* of every entry with a valid CRC */
	void *buf;		/* one segment's summary, by member */
	u32 run;		/* summary pages per member (at most) */
	/* Entries to replay and the PBAs of their slots. */
	struct salsa_sum_entry *entries;
	u64 *pbas;
	u64 nr, cap;
};

static int salsa_scan_add(struct salsa_scan *sc,
			  const struct salsa_sum_entry *e, u64 pba)
{
	if (sc->nr == sc->cap) {
		u64 cap = max_t(u64, 1024, sc->cap * 2);
		struct salsa_sum_entry *entries;
		u64 *pbas;

		entries = kvmalloc_array(cap, sizeof(*entries), GFP_KERNEL);
		pbas = kvmalloc_array(cap, sizeof(*pbas), GFP_KERNEL);
		if (!entries || !pbas) {
			kvfree(entries);
			kvfree(pbas);
			return -ENOMEM;
		}
		if (sc->nr) {
			memcpy(entries, sc->entries, sc->nr * sizeof(*entries));
			memcpy(pbas, sc->pbas, sc->nr * sizeof(*pbas));
		}
		kvfree(sc->entries);
		kvfree(sc->pbas);
		sc->entries = entries;
		sc->pbas = pbas;
		sc->cap = cap;
	}
	sc->entries[sc->nr] = *e;
	sc->pbas[sc->nr++] = pba;
	return 0;
}

/* Entry @j of the summary in the scan buffer (member d's run at d * run). */
static struct salsa_sum_entry *salsa_scan_entry(struct salsa_ftl *ftl,
						struct salsa_scan *sc, u32 j)
{
	u32 idx = j / SALSA_SUM_PER_PAGE;
	size_t page = (idx % ftl->nr_devs) * sc->run + idx / ftl->nr_devs;

	return (struct salsa_sum_entry *)(sc->buf + page * SALSA_PAGE_SIZE) +
	       j % SALSA_SUM_PER_PAGE;
}

static bool salsa_sum_entry_ok(const struct salsa_sum_entry *e)
{
	struct salsa_sum_entry tmp = *e;

	tmp.crc = 0;
	return salsa_crc(&tmp, sizeof(tmp)) == le32_to_cpu(e->crc);
}

static int salsa_scan_segment(struct salsa_ftl *ftl, struct salsa_scan *sc,
			      u32 s)
{
	unsigned int runs = min(ftl->nr_devs, ftl->sum_pages), d;
	struct salsa_segment *seg = &ftl->segs[s];
	u32 j, hgen = 0, max_gen = seg->gen;
	struct salsa_sum_entry *hdr;
	u64 seg_seq = 0;
	bool hdr_ok;
	int ret;

	for (d = 0; d < runs; d++) {
		ret = ftl->media->rw(ftl, d,
				     ftl->meta_pages + (u64)s * ftl->chunk_pages,
				     sc->buf + (size_t)d * sc->run * SALSA_PAGE_SIZE,
				     DIV_ROUND_UP(ftl->sum_pages - d, ftl->nr_devs),
				     REQ_OP_READ);
		if (ret)
			return ret;
	}

	hdr = salsa_scan_entry(ftl, sc, 0);
	hdr_ok = salsa_sum_entry_ok(hdr) &&
		 le16_to_cpu(hdr->type) == SALSA_SUM_HEADER &&
		 le64_to_cpu(hdr->lba) == SALSA_SEG_MAGIC;
	if (hdr_ok)
		hgen = le32_to_cpu(hdr->gen);

	for (j = 0; j <= ftl->data_slots; j++) {
		struct salsa_sum_entry *e = salsa_scan_entry(ftl, sc, j);
		u64 seq = le64_to_cpu(e->seq);
		u32 gen = le32_to_cpu(e->gen);
		u16 type = le16_to_cpu(e->type);

		if (!salsa_sum_entry_ok(e))
			continue;
		/*
		 * A torn commit can leave entries of an incarnation whose
		 * header never landed; the next open must not reuse its gen.
		 */
		max_gen = max(max_gen, gen);
		sc->max_seq = max(sc->max_seq, seq);
		if (!hdr_ok || !j || gen != hgen)
			continue;
		seg_seq = max(seg_seq, seq);
		if (type != SALSA_SUM_DATA && type != SALSA_SUM_TRIM &&
		    type != SALSA_SUM_REMAP)
			continue;
		/* Even when the checkpoint has it: the other slot may not. */
		if (type != SALSA_SUM_DATA)
			seg->max_shadow_seq = max(seg->max_shadow_seq, seq);
		if (seq <= sc->ckpt_seq)
			continue;
		ret = salsa_scan_add(sc, e, salsa_slot_pba(ftl, s, j - 1));
		if (ret)
			return ret;
	}

	if (hdr_ok) {
		u64 stream = le64_to_cpu(hdr->dest);

		/* Reopened since the checkpoint: its old data is superseded. */
		if (hgen != seg->gen)
			memset(&ftl->rev[(u64)s * ftl->data_slots], 0,
			       ftl->data_slots * sizeof(*ftl->rev));
		seg->erase_count = min_t(u64, le64_to_cpu(hdr->len), U32_MAX);
		seg->stream = stream < SALSA_MAX_STREAMS ? stream : 0;
		seg->close_seq = seg_seq;
	}
	seg->gen = max_gen;
	return 0;
}

/* The checkpoint's reverse map, as map entries. */
static int salsa_map_from_rev(struct salsa_ftl *ftl)
{
	u64 dropped = 0;
	u32 s, slot;
	int ret;

	for (s = 0; s < ftl->nr_segs; s++) {
		u64 *rev = &ftl->rev[(u64)s * ftl->data_slots];

		for (slot = 0; slot < ftl->data_slots; slot++) {
			u64 lba = rev[slot] - 1;

			if (!rev[slot])
				continue;
			if (lba >= ftl->virtual_pages ||
			    xa_load(&ftl->map, lba)) {
				rev[slot] = 0;
				dropped++;
				continue;
			}
			ret = xa_err(xa_store_irq(&ftl->map, lba,
						  salsa_mk_val(salsa_slot_pba(ftl, s, slot), 0, 0),
						  GFP_KERNEL));
			if (ret)
				return ret;
		}
		cond_resched();
	}
	if (dropped)
		pr_warn("checkpoint: dropped %llu reverse map entries outside the device or mapped twice\n",
			dropped);
	return 0;
}

/* Live counts and states from the rebuilt reverse map. */
static void salsa_settle_segments(struct salsa_ftl *ftl, u64 ckpt_seq)
{
	u64 mapped = 0;
	u32 s, slot;

	for (s = 0; s < ftl->nr_segs; s++) {
		struct salsa_segment *seg = &ftl->segs[s];
		const u64 *rev = &ftl->rev[(u64)s * ftl->data_slots];
		u32 valid = 0;

		for (slot = 0; slot < ftl->data_slots; slot++)
			valid += !!rev[slot];
		seg->valid = valid;
		mapped += valid;
		/* Segments open at the crash are closed: no slot is reused. */
		seg->next_slot = ftl->data_slots;
		if (valid) {
			seg->state = SALSA_SEG_CLOSED;
			if (!seg->close_seq)
				seg->close_seq = ckpt_seq;
		} else if (seg->max_shadow_seq) {
			/* Its TRIM/REMAP entries wait for both checkpoints. */
			seg->state = SALSA_SEG_PENDING;
		} else {
			seg->state = SALSA_SEG_FREE;
			seg->next_slot = 0;
		}
	}
	ftl->mapped_pages = mapped;
}

static int salsa_recover(struct salsa_ftl *ftl, char **error)
{
	struct salsa_scan sc = { };
	void *ckpt_buf;
	u32 s;
	int ret;

	sc.run = DIV_ROUND_UP(ftl->sum_pages, ftl->nr_devs);
	sc.buf = vmalloc(array_size(min(ftl->nr_devs, ftl->sum_pages) *
				    sc.run, SALSA_PAGE_SIZE));
	ckpt_buf = vmalloc(SALSA_IO_BYTES);
	if (!sc.buf || !ckpt_buf) {
		ret = salsa_md_fail(error, -ENOMEM, salsa_err_nomem,
				    "no memory for recovery buffers");
		goto out;
	}

	salsa_ckpt_load(ftl, ckpt_buf, &sc.ckpt_seq);
	for (s = 0; s < ftl->nr_segs; s++) {
		ret = salsa_scan_segment(ftl, &sc, s);
		if (ret == -ENOMEM) {
			ret = salsa_md_fail(error, ret, salsa_err_nomem,
					    "no memory for %llu summary entries",
					    sc.nr);
			goto out;
		}
		if (ret) {
			ret = salsa_md_fail(error, ret, salsa_err_md_read,
					    "segment %u: summary read failed: %d",
					    s, ret);
			goto out;
		}
		cond_resched();
	}

	ret = salsa_map_from_rev(ftl);
	if (!ret)
		ret = salsa_replay(ftl, sc.entries, sc.nr, sc.pbas);
	if (ret) {
		ret = salsa_md_fail(error, ret, salsa_err_nomem,
				    "no memory to rebuild the map: %d", ret);
		goto out;
	}

	salsa_settle_segments(ftl, sc.ckpt_seq);
	ftl->seq = max(sc.max_seq, sc.ckpt_seq) + 1;
	salsa_seg_init_lists(ftl);
	pr_info("opened %pU: checkpoint seq %llu, replayed %llu entries, %llu pages mapped, %u of %u segments free, next seq %llu\n",
		&ftl->uuid, sc.ckpt_seq, sc.nr, ftl->mapped_pages,
		ftl->nr_free_segs, ftl->nr_segs, ftl->seq);
	if (ftl->mapped_pages > ftl->capacity_pages)
		pr_warn("%llu pages mapped, more than the capacity of %llu at op=%u%%: writes fail until pages are trimmed\n",
			ftl->mapped_pages, ftl->capacity_pages,
			ftl->cfg.op_percent);
out:
	kvfree(sc.entries);
	kvfree(sc.pbas);
	vfree(sc.buf);
	vfree(ckpt_buf);
	return ret;
}

/* Checks every member against member 0 and the table; geometry from it. */
static int salsa_check_format(struct salsa_ftl *ftl, struct salsa_member_sb *m,
			      char **error)
{
	const struct salsa_sb *ref = m[0].sb;
	u64 min_pages = U64_MAX, vpages = le64_to_cpu(ref->virtual_pages);
	u32 seg_pages = le32_to_cpu(ref->seg_pages);
	unsigned int i, k;
	int ret;

	for (i = 0; i < ftl->nr_devs; i++) {
		const struct salsa_sb *sb = m[i].sb;
		const char *name = salsa_dev_name(ftl, i);
		u64 pages = le64_to_cpu(sb->member_pages);

		for (k = 0; k < SALSA_SB_COPIES; k++)
			if (m[i].copy[k] != SALSA_SB_OK)
				pr_warn("member %u (%s): superblock copy %u: %s; using copy %u\n",
					i, name, k, salsa_sb_what[m[i].copy[k]],
					(unsigned int)(sb - m[i].copies));
		if (m[i].copy[0] == SALSA_SB_OK && m[i].copy[1] == SALSA_SB_OK &&
		    memcmp(&m[i].copies[0], &m[i].copies[1], sizeof(*sb)))
			pr_warn("member %u (%s): the superblock copies differ; using copy 0\n",
				i, name);
		if (memcmp(sb->uuid, ref->uuid, sizeof(sb->uuid)))
			return salsa_md_fail(error, -EINVAL, salsa_err_uuid,
					     "member %u (%s) belongs to salsa device %pU, member 0 (%s) to %pU",
					     i, name, sb->uuid,
					     salsa_dev_name(ftl, 0), ref->uuid);
		if (le32_to_cpu(sb->member) != i)
			return salsa_md_fail(error, -EINVAL, salsa_err_order,
					     "member %u (%s) was formatted as member %u",
					     i, name, le32_to_cpu(sb->member));
		if (le32_to_cpu(sb->nr_members) != ftl->nr_devs)
			return salsa_md_fail(error, -EINVAL,
					     salsa_err_nr_members,
					     "member %u (%s) was formatted as one of %u members, the table lists %u",
					     i, name,
					     le32_to_cpu(sb->nr_members),
					     ftl->nr_devs);
		if (ftl->devs[i].pages < pages)
			return salsa_md_fail(error, -EINVAL, salsa_err_shrunk,
					     "member %u (%s) has %llu pages, it was formatted with %llu",
					     i, name, ftl->devs[i].pages, pages);
		if (sb->virtual_pages != ref->virtual_pages ||
		    sb->seg_pages != ref->seg_pages ||
		    sb->sum_pages != ref->sum_pages ||
		    sb->nr_segs != ref->nr_segs ||
		    sb->meta_pages != ref->meta_pages ||
		    sb->ckpt_pages != ref->ckpt_pages)
			return salsa_md_fail(error, -EINVAL, salsa_err_layout,
					     "member %u (%s) records another layout than member 0 (%s)",
					     i, name, salsa_dev_name(ftl, 0));
		min_pages = min(min_pages, pages);
	}

	if (ftl->cfg.seg_pages && ftl->cfg.seg_pages != seg_pages)
		return salsa_md_fail(error, -EINVAL, salsa_err_seg_size,
				     "segment_size=%u KiB, the members were formatted with %u KiB segments",
				     ftl->cfg.seg_pages * SALSA_PAGE_SIZE / 1024,
				     seg_pages * SALSA_PAGE_SIZE / 1024);
	if (ftl->cfg.virtual_pages != vpages)
		return salsa_md_fail(error, -EINVAL, salsa_err_size,
				     "the table maps %llu sectors, the members were formatted for %llu",
				     ftl->cfg.virtual_pages * SALSA_PAGE_SECTORS,
				     vpages * SALSA_PAGE_SECTORS);

	ret = salsa_geometry(ftl, min_pages, seg_pages, ftl->cfg.op_percent,
			     error);
	if (ret)
		return ret;
	if (ftl->sum_pages != le32_to_cpu(ref->sum_pages) ||
	    ftl->nr_segs != le32_to_cpu(ref->nr_segs) ||
	    ftl->meta_pages != le32_to_cpu(ref->meta_pages) ||
	    ftl->ckpt_pages != le32_to_cpu(ref->ckpt_pages))
		return salsa_md_fail(error, -EINVAL, salsa_err_layout_calc,
				     "superblock records %u summary pages, %u segments, %u metadata pages, %u checkpoint pages; this module computes %u, %u, %u, %u",
				     le32_to_cpu(ref->sum_pages),
				     le32_to_cpu(ref->nr_segs),
				     le32_to_cpu(ref->meta_pages),
				     le32_to_cpu(ref->ckpt_pages),
				     ftl->sum_pages, ftl->nr_segs,
				     ftl->meta_pages, ftl->ckpt_pages);
	import_uuid(&ftl->uuid, ref->uuid);
	return 0;
}

/*
 * Format, open, or refuse: 1 to format, 0 to open, or an error. Members
 * with something unusable are reported before blank ones, which are only
 * wrong next to formatted ones.
 */
static int salsa_choose(struct salsa_ftl *ftl, struct salsa_member_sb *m,
			char **error)
{
	unsigned int i, blank = 0, valid = ftl->nr_devs;

	for (i = 0; i < ftl->nr_devs; i++) {
		if (m[i].verdict == SALSA_SB_OK && valid == ftl->nr_devs)
			valid = i;
		blank += m[i].verdict == SALSA_SB_BLANK;
	}
	if (ftl->cfg.format) {
		if (valid < ftl->nr_devs)
			pr_notice("format=1: overwriting salsa device %pU\n",
				  m[valid].sb->uuid);
		return 1;
	}
	if (blank == ftl->nr_devs) {
		pr_info("the members hold no salsa format: formatting\n");
		return 1;
	}

	for (i = 0; i < ftl->nr_devs; i++) {
		const char *name = salsa_dev_name(ftl, i);
		u8 *c = m[i].copy;

		switch (m[i].verdict) {
		case SALSA_SB_IOERR:
			return salsa_md_fail(error, m[i].err[0] ?: -EIO,
					     salsa_err_sb_io,
					     "member %u (%s): superblock read failed: %d, %d",
					     i, name, m[i].err[0], m[i].err[1]);
		case SALSA_SB_FOREIGN:
			return salsa_md_fail(error, -EINVAL, salsa_err_foreign,
					     "member %u (%s) holds data that is not a salsa superblock; add format=1 to overwrite it",
					     i, name);
		case SALSA_SB_CORRUPT:
			return salsa_md_fail(error, -EINVAL,
					     salsa_err_sb_corrupt,
					     "member %u (%s): no valid superblock copy (copy 0: %s, copy 1: %s)",
					     i, name, salsa_sb_what[c[0]],
					     salsa_sb_what[c[1]]);
		case SALSA_SB_VERSION: {
			const struct salsa_sb *sb =
				&m[i].copies[c[0] == SALSA_SB_VERSION ? 0 : 1];

			return salsa_md_fail(error, -EINVAL, salsa_err_version,
					     "member %u (%s) holds salsa format version %u, this module reads version %u",
					     i, name, le32_to_cpu(sb->version),
					     SALSA_FORMAT_VERSION);
		}
		default:
			break;
		}
	}
	for (i = 0; i < ftl->nr_devs; i++)
		if (m[i].verdict == SALSA_SB_BLANK)
			return salsa_md_fail(error, -EINVAL,
					     salsa_err_unformatted,
					     "member %u (%s) is unformatted, member %u (%s) belongs to salsa device %pU; add format=1 to reformat all members",
					     i, salsa_dev_name(ftl, i), valid,
					     salsa_dev_name(ftl, valid),
					     m[valid].sb->uuid);
	return 0;
}

/* What salsa_md_open() changes besides segs, rev and the map. */
struct salsa_md_saved {
	u64 virtual_pages, capacity_pages, seq, ckpt_seq[2], mapped_pages;
	u32 seg_pages, sum_pages, data_slots, chunk_pages, nr_segs;
	u32 meta_pages, ckpt_pages, gc_low_segs, gc_high_segs, reserve_segs;
	unsigned int ckpt_next;
	uuid_t uuid;
};

static void salsa_md_save(struct salsa_ftl *ftl, struct salsa_md_saved *s)
{
	s->virtual_pages = ftl->virtual_pages;
	s->capacity_pages = ftl->capacity_pages;
	s->seq = ftl->seq;
	s->ckpt_seq[0] = ftl->ckpt_seq[0];
	s->ckpt_seq[1] = ftl->ckpt_seq[1];
	s->mapped_pages = ftl->mapped_pages;
	s->seg_pages = ftl->seg_pages;
	s->sum_pages = ftl->sum_pages;
	s->data_slots = ftl->data_slots;
	s->chunk_pages = ftl->chunk_pages;
	s->nr_segs = ftl->nr_segs;
	s->meta_pages = ftl->meta_pages;
	s->ckpt_pages = ftl->ckpt_pages;
	s->gc_low_segs = ftl->gc_low_segs;
	s->gc_high_segs = ftl->gc_high_segs;
	s->reserve_segs = ftl->reserve_segs;
	s->ckpt_next = ftl->ckpt_next;
	s->uuid = ftl->uuid;
}

static void salsa_md_restore(struct salsa_ftl *ftl,
			     const struct salsa_md_saved *s)
{
	kvfree(ftl->segs);
	kvfree(ftl->rev);
	ftl->segs = NULL;
	ftl->rev = NULL;
	xa_destroy(&ftl->map);
	ftl->virtual_pages = s->virtual_pages;
	ftl->capacity_pages = s->capacity_pages;
	ftl->seq = s->seq;
	ftl->ckpt_seq[0] = s->ckpt_seq[0];
	ftl->ckpt_seq[1] = s->ckpt_seq[1];
	ftl->mapped_pages = s->mapped_pages;
	ftl->seg_pages = s->seg_pages;
	ftl->sum_pages = s->sum_pages;
	ftl->data_slots = s->data_slots;
	ftl->chunk_pages = s->chunk_pages;
	ftl->nr_segs = s->nr_segs;
	ftl->meta_pages = s->meta_pages;
	ftl->ckpt_pages = s->ckpt_pages;
	ftl->gc_low_segs = s->gc_low_segs;
	ftl->gc_high_segs = s->gc_high_segs;
	ftl->reserve_segs = s->reserve_segs;
	ftl->ckpt_next = s->ckpt_next;
	ftl->uuid = s->uuid;
}

int salsa_md_open(struct salsa_ftl *ftl, char **error)
{
	struct salsa_md_saved saved;
	struct salsa_member_sb *m;
	void *sbs;
	unsigned int i;
	int ret;

	salsa_md_save(ftl, &saved);
	ftl->virtual_pages = ftl->cfg.virtual_pages;

	m = kcalloc(ftl->nr_devs, sizeof(*m), GFP_KERNEL);
	sbs = vmalloc(array3_size(ftl->nr_devs, SALSA_SB_COPIES,
				  SALSA_PAGE_SIZE));
	if (!m || !sbs) {
		ret = salsa_md_fail(error, -ENOMEM, salsa_err_nomem,
				    "no memory for superblocks");
		goto out;
	}
	for (i = 0; i < ftl->nr_devs; i++) {
		m[i].copies = sbs + (size_t)i * SALSA_SB_COPIES *
				    SALSA_PAGE_SIZE;
		salsa_sb_read(ftl, i, &m[i]);
	}

	ret = salsa_choose(ftl, m, error);
	if (ret > 0) {
		ret = salsa_format(ftl, m, error);
	} else if (!ret) {
		ret = salsa_check_format(ftl, m, error);
		if (!ret && salsa_state_alloc(ftl))
			ret = salsa_md_fail(error, -ENOMEM, salsa_err_nomem,
					    "no memory for %u segments of %u slots",
					    ftl->nr_segs, ftl->data_slots);
		if (!ret)
			ret = salsa_recover(ftl, error);
	}
out:
	if (ret)
		salsa_md_restore(ftl, &saved);
	vfree(sbs);
	kfree(m);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(salsa_md_open);

void salsa_md_close(struct salsa_ftl *ftl)
{
	u32 i;

	if (ftl->segs)
		for (i = 0; i < ftl->nr_segs; i++)
			salsa_summary_free(&ftl->segs[i]);
	kvfree(ftl->segs);
	kvfree(ftl->rev);
	ftl->segs = NULL;
	ftl->rev = NULL;
}
EXPORT_SYMBOL_IF_KUNIT(salsa_md_close);
