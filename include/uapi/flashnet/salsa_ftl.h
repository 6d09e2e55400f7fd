/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * On-flash format of the salsa flash translation layer.
 *
 * Every member device starts with a metadata area of SALSA_META_PAGES
 * pages. Its first two pages hold identical copies of the superblock; on
 * member 0 the rest of the area holds two checkpoint slots. The data area
 * that follows is cut into equal chunks; segment s is chunk s of every
 * member, and page i of a segment lives on member i % nr_members, so every
 * segment is striped over all members.
 *
 * The first pages of a segment are its summary: a header entry and then one
 * entry per data slot, written with the data and committed at every flush.
 * Entries are only ever appended to a summary page, so rewriting the page
 * leaves the bytes of committed entries unchanged, and each entry carries its
 * own CRC: a torn summary write cannot damage a committed entry.
 *
 * All integers are little endian. Pages are 4 KiB.
 */
#ifndef _UAPI_FLASHNET_SALSA_FTL_H
#define _UAPI_FLASHNET_SALSA_FTL_H

#include <linux/types.h>

#define SALSA_PAGE_SIZE		4096
#define SALSA_SB_MAGIC		0x4c54464153534c41ULL	/* "ALSSAFTL" */
#define SALSA_CKPT_MAGIC	0x54504b4341534c41ULL	/* "ALSACKPT" */
#define SALSA_SEG_MAGIC		0x4745534153534c41ULL	/* "ALSSASEG" */
#define SALSA_FORMAT_VERSION	1

/* Pages at the start of every member before its first data chunk. */
#define SALSA_SB_COPIES		2

struct salsa_sb {
	__le64 magic;
	__le32 version;
	__le32 crc;		/* crc32c of the page with this field zero */
	__u8 uuid[16];		/* of the whole salsa device */
	__le32 member;		/* index of this device in the table */
	__le32 nr_members;
	__le64 member_pages;	/* size of this member when formatted */
	__le64 virtual_pages;	/* size of the LBA space */
	__le32 seg_pages;	/* pages per segment, summary included */
	__le32 sum_pages;	/* summary pages at the start of a segment */
	__le32 nr_segs;
	__le32 meta_pages;	/* metadata area per member */
	__le32 ckpt_pages;	/* pages per checkpoint slot (member 0) */
	__le32 reserved0;
	__le64 format_time;	/* seconds since the epoch */
	__u8 reserved[4008];
} __packed;

enum salsa_sum_type {
	SALSA_SUM_EMPTY = 0,
	SALSA_SUM_HEADER = 1,	/* entry 0: describes the incarnation */
	SALSA_SUM_DATA = 2,	/* the slot holds the page of LBA @lba */
	SALSA_SUM_TRIM = 3,	/* [lba, lba + len) became unmapped */
	SALSA_SUM_REMAP = 4,	/* [lba, lba + len) moved to [dest, ...) */
};

/*
 * One summary entry. Entry 0 of a segment is its header: @lba holds
 * SALSA_SEG_MAGIC, @len the erase count, @dest the stream. An entry belongs
 * to the incarnation whose header carries the same @gen; entries of an older
 * incarnation are ignored.
 */
struct salsa_sum_entry {
	__le64 seq;		/* global order of all map changes */
	__le64 lba;
	__le64 dest;
	__le64 len;
	__le32 gen;
	__le16 type;		/* enum salsa_sum_type */
	__le16 flags;
	__le32 reserved[5];
	__le32 crc;		/* crc32c of the entry with this field zero */
} __packed;

#define SALSA_SUM_PER_PAGE	(SALSA_PAGE_SIZE / sizeof(struct salsa_sum_entry))

/* Checkpoint segment record. */
struct salsa_ckpt_seg {
	__le32 gen;
	__le32 erase_count;
	__u8 state;		/* enum salsa_seg_state */
	__u8 stream;
	__le16 reserved;
	__le32 reserved1;
} __packed;

/*
 * A checkpoint slot: this header page, then nr_segs struct salsa_ckpt_seg,
 * then one __le64 per data slot of every segment (LBA + 1, or 0 if the slot
 * holds no live page). @crc covers everything after the header page.
 * The checkpoint reflects every summary entry with seq <= @seq.
 */
struct salsa_ckpt {
	__le64 magic;
	__le64 seq;
	__le32 crc;		/* crc32c of the payload after this page */
	__le32 hdr_crc;		/* crc32c of this page with this field zero */
	__u8 uuid[16];
	__le32 nr_segs;
	__le32 data_slots;	/* per segment */
	__le64 payload_bytes;
	__u8 reserved[4040];
} __packed;

#endif /* _UAPI_FLASHNET_SALSA_FTL_H */
