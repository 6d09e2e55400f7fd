/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * On-disk format of contigfs, shared by contigfs.ko, mkfs.contigfs and
 * fsck.contigfs.
 *
 * contigfs lives on a salsa device, whose virtual LBA space is sparse: a page
 * never written costs no flash and reads as zeroes. Every block is one 4 KiB
 * salsa page; "LBA" below is a page number in the salsa device. The space is
 * laid out, in this order:
 *
 *   LBA 0                       superblock
 *   [journal_start, +pages)     metadata journal (header page + images)
 *   [ibitmap_start, +pages)     inode bitmap (bit n set: inode n in use)
 *   [itable_start, +pages)      inode table, CONTIGFS_INODES_PER_PAGE per page
 *   [mbitmap_start, +pages)     free-block bitmaps of the metadata zone
 *   [dbitmap_start, +pages)     free-block bitmaps of the data zone
 *   [meta_start, +meta_pages)   metadata zone: directory blocks, long symlinks
 *   [data_start, +data_pages)   data zone: regular file contents
 *
 * Zones are managed by buddy allocation. A block of order k is 2^k pages at a
 * zone-relative page index that is a multiple of 2^k. Every file, directory
 * and long symlink owns at most one block (i_start, i_order); its contents are
 * that block's pages in order, so file offset -> LBA is one addition. Pages of
 * a block past the contents read as zeroes.
 *
 * Free-block bitmaps. A zone of P pages with orders 0..K (2^K <= P) has one
 * bitmap per order: order k has P >> k bits and starts at bit offset off_k,
 * where off_0 = 0 and off_{k+1} = off_k + round_up(P >> k, 64). Bit
 * off_k + b is set iff block b of order k is free and maximal: it holds no
 * allocated page, and k == K, or its parent block (order k + 1) extends past
 * P or holds an allocated page. This state is a function of the allocated
 * blocks alone, so fsck can recompute it. Bits are numbered little endian:
 * bit n is (byte[n / 8] >> (n % 8)) & 1; the same holds for the inode bitmap.
 *
 * Journal. Metadata pages (superblock excluded: it is written only by mkfs)
 * change in DRAM and reach their home LBAs only through a transaction: their
 * images are written to the journal with a header page, the journal is
 * flushed, then the home pages are written and flushed. The journal holds
 * one transaction; a valid header (magic, uuid, header crc, and data crc over
 * the images) means "copy these images home", which is idempotent. Mount
 * replays a valid journal and then writes a zeroed header page.
 *
 * Checksums are CRC-32C (Castagnoli), initial value 0xffffffff, no final
 * inversion (the kernel's crc32c(~0, buf, len)), computed over the structure
 * with its own crc field set to zero. All integers are little endian.
 */
#ifndef _UAPI_FLASHNET_CONTIGFS_H
#define _UAPI_FLASHNET_CONTIGFS_H

#include <linux/types.h>

#define CONTIGFS_MAGIC		0x53464749544e4f43ULL	/* "CONTIGFS" */
#define CONTIGFS_JOURNAL_MAGIC	0x4c4e524a53464743ULL	/* "CGFSJRNL" */
#define CONTIGFS_VERSION	1
#define CONTIGFS_BLOCK_SIZE	4096
#define CONTIGFS_BLOCK_SHIFT	12
#define CONTIGFS_SB_LBA		0

#define CONTIGFS_ROOT_INO	1	/* inode 0 is never used */
#define CONTIGFS_INODE_SIZE	256
#define CONTIGFS_INODES_PER_PAGE (CONTIGFS_BLOCK_SIZE / CONTIGFS_INODE_SIZE)
#define CONTIGFS_MAX_ORDER	40	/* 4 PiB per block */
#define CONTIGFS_NO_BLOCK	0xff	/* i_order of an inode without a block */
#define CONTIGFS_NAME_LEN	255
#define CONTIGFS_INLINE_SYMLINK	128	/* targets shorter than this are inline */
#define CONTIGFS_MAX_SYMLINK	(CONTIGFS_BLOCK_SIZE - 1)

/* Feature flags: none defined in version 1. */
#define CONTIGFS_FEATURE_COMPAT_SUPP		0ULL
#define CONTIGFS_FEATURE_RO_COMPAT_SUPP		0ULL
#define CONTIGFS_FEATURE_INCOMPAT_SUPP		0ULL

struct contigfs_zone {
	__le64 start;		/* first LBA of the zone */
	__le64 pages;		/* P */
	__le64 bitmap_start;	/* first LBA of its free-block bitmaps */
	__le64 bitmap_pages;
	__le32 orders;		/* K + 1 */
	__le32 reserved;
} __attribute__((packed));

struct contigfs_super {
	__le64 s_magic;
	__le32 s_version;
	__le32 s_crc;		/* over the whole page, this field zero */
	__le64 s_feature_compat;	/* unknown bits: ignored */
	__le64 s_feature_ro_compat;	/* unknown bits: read-only mount */
	__le64 s_feature_incompat;	/* unknown bits: refuse to mount */
	__u8 s_uuid[16];
	char s_label[32];	/* NUL-padded */
	__le64 s_mkfs_time;	/* seconds since the epoch */
	__le64 s_total_pages;	/* LBAs used by the fs: [0, total) */
	__le64 s_journal_start;
	__le64 s_journal_pages;	/* header page + image pages */
	__le64 s_ibitmap_start;
	__le64 s_ibitmap_pages;
	__le64 s_itable_start;
	__le64 s_itable_pages;
	__le64 s_inode_count;	/* itable_pages * CONTIGFS_INODES_PER_PAGE */
	struct contigfs_zone s_meta;
	struct contigfs_zone s_data;
	__u8 s_reserved[3856];
} __attribute__((packed));

/* File types in directory entries (the values of the DT_* constants). */
enum contigfs_file_type {
	CONTIGFS_FT_UNKNOWN = 0,
	CONTIGFS_FT_FIFO = 1,
	CONTIGFS_FT_CHR = 2,
	CONTIGFS_FT_DIR = 4,
	CONTIGFS_FT_BLK = 6,
	CONTIGFS_FT_REG = 8,
	CONTIGFS_FT_LNK = 10,
	CONTIGFS_FT_SOCK = 12,
};

/* i_flags */
#define CONTIGFS_INODE_MOVING	0x1	/* contents being remapped, see below */

/*
 * An inode slot is free when every byte is zero. A used inode has a valid
 * i_crc (seeded with the inode number: crc32c(~0, le64 ino) continued over
 * the 256 bytes with i_crc zero). Regular files own a data-zone block,
 * directories and symlinks longer than the inline limit a metadata-zone
 * block; i_start is zone-relative. CONTIGFS_INODE_MOVING: the contents are
 * being moved from (i_old_start, i_old_order) to (i_start, i_order) by a
 * salsa remap; both blocks are allocated until mount finishes the move.
 * The module moves only regular files so (directories move by copying
 * within one transaction), but mount finishes a pending move of any block.
 */
struct contigfs_inode {
	__le16 i_mode;
	__le16 i_flags;
	__le32 i_nlink;
	__le32 i_uid;
	__le32 i_gid;
	__le64 i_size;		/* bytes; directories: blocks * 4096 */
	__le64 i_start;		/* zone-relative first page of the block */
	__le64 i_old_start;	/* CONTIGFS_INODE_MOVING: the source block */
	__le64 i_parent;	/* directories: inode number of ".." */
	__le64 i_atime;		/* seconds since the epoch (signed) */
	__le64 i_mtime;
	__le64 i_ctime;
	__le32 i_atime_nsec;
	__le32 i_mtime_nsec;
	__le32 i_ctime_nsec;
	__le32 i_rdev;		/* device files: new_encode_dev() */
	__le32 i_generation;
	__le32 i_crc;
	__u8 i_order;		/* block is 2^order pages; CONTIGFS_NO_BLOCK */
	__u8 i_old_order;
	__u8 i_reserved[30];
	char i_symlink[CONTIGFS_INLINE_SYMLINK];	/* inline target, no NUL */
} __attribute__((packed));

/*
 * A directory block is a chain of records that tiles the 4 KiB block
 * exactly. d_rec_len is a multiple of 8, at least CONTIGFS_DIRENT_LEN(name)
 * and never crosses the block end. d_ino == 0 marks an unused record (a new
 * block is one unused record of 4096 bytes). Names are 1..255 bytes without
 * '/' or NUL, never "." or ".." (those are implied: "." is the directory
 * itself, ".." its i_parent), unique within the directory.
 */
struct contigfs_dirent {
	__le64 d_ino;
	__le16 d_rec_len;
	__u8 d_name_len;
	__u8 d_type;		/* enum contigfs_file_type */
	char d_name[];
} __attribute__((packed));

#define CONTIGFS_DIRENT_HEADER	12
#define CONTIGFS_DIRENT_LEN(name_len) \
	(((CONTIGFS_DIRENT_HEADER) + (name_len) + 7) & ~7)

/* The journal's first page. Image i lives at journal_start + 1 + i. */
struct contigfs_journal_header {
	__le64 j_magic;
	__le32 j_crc;		/* over the page, this field zero */
	__le32 j_count;		/* images in this transaction */
	__u8 j_uuid[16];	/* the superblock's */
	__le64 j_seq;		/* transaction number, increasing */
	__le32 j_data_crc;	/* over the j_count images, in order */
	__le32 j_reserved;
	__le64 j_lba[];		/* home LBA of each image */
} __attribute__((packed));

#define CONTIGFS_JOURNAL_MAX_IMAGES \
	((CONTIGFS_BLOCK_SIZE - sizeof(struct contigfs_journal_header)) / 8)

#endif /* _UAPI_FLASHNET_CONTIGFS_H */
