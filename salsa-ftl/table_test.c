// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the table line parser. Every accepted form yields the config it
 * spells out; every class of bad line is refused with -EINVAL and a message
 * that quotes the argument at fault and says what is allowed.
 */

#include <kunit/test.h>
#include <linux/ctype.h>
#include <linux/module.h>
#include <linux/string.h>

#include "salsa.h"
#include "table.h"
#include "kunit_ramdisk.h"

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

#define GIB_SECTORS	(SZ_1G >> SECTOR_SHIFT)
#define MAX_ARGS	24

struct table_case {
	const char *name;
	sector_t sectors;
	const char *line;	/* the arguments after "salsa" */
	/* Refused: substrings of the detailed and of the static message. */
	const char *err;
	const char *static_err;
	/* Accepted: the config (virtual_pages is sectors / 8). */
	unsigned int nr_devs;
	unsigned int op;
	u32 seg_pages;
	u64 pool_pages;
	unsigned int streams;
	unsigned int gc_low;
	unsigned int gc_high;
	bool format;
};

/* Accepted lines list every field; D_ spells the defaults. */
#define D_OP	SALSA_DEFAULT_OP_PERCENT
#define D_POOL	SALSA_DEFAULT_POOL_PAGES
#define D_STR	SALSA_DEFAULT_STREAMS
#define D_LOW	SALSA_DEFAULT_GC_LOW
#define D_HIGH	SALSA_DEFAULT_GC_HIGH

#define GOOD(n, l, devs, o, seg, pool, str, low, high, fmt)		\
	{ .name = n, .sectors = GIB_SECTORS, .line = l, .nr_devs = devs,\
	  .op = o, .seg_pages = seg, .pool_pages = pool, .streams = str,\
	  .gc_low = low, .gc_high = high, .format = fmt }
#define BAD(n, l, e, se)						\
	{ .name = n, .sectors = GIB_SECTORS, .line = l, .err = e,	\
	  .static_err = se }

#define DEVS16 "/dev/d0 /dev/d1 /dev/d2 /dev/d3 /dev/d4 /dev/d5 /dev/d6 " \
	"/dev/d7 /dev/d8 /dev/d9 /dev/d10 /dev/d11 /dev/d12 /dev/d13 "	\
	"/dev/d14 /dev/d15"

#define OP_RULE "overprovisioning must be 2..90 %"
#define SEG_RULE "segment size must be a multiple of 4K from 64K to 1G"
#define POOL_RULE "DRAM pool size must be a multiple of 4K from 1M to 16G"
#define STREAMS_RULE "number of data streams must be 1..8"
#define LOW_RULE "GC start threshold must be 1..50 % free segments"
#define HIGH_RULE \
	"GC stop threshold must be above gc_low and at most 80 % free segments"
#define FORMAT_RULE "must be 0 or 1"

static const struct table_case table_cases[] = {
	GOOD("defaults", "/dev/vda",
	     1, D_OP, 0, D_POOL, D_STR, D_LOW, D_HIGH, false),
	GOOD("two devices", "/dev/vda /dev/vdb",
	     2, D_OP, 0, D_POOL, D_STR, D_LOW, D_HIGH, false),
	GOOD("sixteen devices", DEVS16,
	     16, D_OP, 0, D_POOL, D_STR, D_LOW, D_HIGH, false),
	GOOD("op lowest", "/dev/vda op=2",
	     1, 2, 0, D_POOL, D_STR, D_LOW, D_HIGH, false),
	GOOD("op highest", "/dev/vda op=90",
	     1, 90, 0, D_POOL, D_STR, D_LOW, D_HIGH, false),
	GOOD("op leading zero", "/dev/vda op=007",
	     1, 7, 0, D_POOL, D_STR, D_LOW, D_HIGH, false),
	GOOD("segment_size bytes", "/dev/vda segment_size=1048576",
	     1, D_OP, 256, D_POOL, D_STR, D_LOW, D_HIGH, false),
	GOOD("segment_size 64k", "/dev/vda segment_size=64k",
	     1, D_OP, 16, D_POOL, D_STR, D_LOW, D_HIGH, false),
	GOOD("segment_size 68K not a power of two", "/dev/vda segment_size=68K",
	     1, D_OP, 17, D_POOL, D_STR, D_LOW, D_HIGH, false),
	GOOD("segment_size 2m", "/dev/vda segment_size=2m",
	     1, D_OP, 512, D_POOL, D_STR, D_LOW, D_HIGH, false),
	GOOD("segment_size 3M", "/dev/vda segment_size=3M",
	     1, D_OP, 768, D_POOL, D_STR, D_LOW, D_HIGH, false),
	GOOD("segment_size 1g", "/dev/vda segment_size=1g",
	     1, D_OP, 262144, D_POOL, D_STR, D_LOW, D_HIGH, false),
	GOOD("segment_size 1G", "/dev/vda segment_size=1G",
	     1, D_OP, 262144, D_POOL, D_STR, D_LOW, D_HIGH, false),
	GOOD("pool_size 1M", "/dev/vda pool_size=1M",
	     1, D_OP, 0, 256, D_STR, D_LOW, D_HIGH, false),
	GOOD("pool_size 4100k", "/dev/vda pool_size=4100k",
	     1, D_OP, 0, 1025, D_STR, D_LOW, D_HIGH, false),
	GOOD("pool_size bytes", "/dev/vda pool_size=67108864",
	     1, D_OP, 0, 16384, D_STR, D_LOW, D_HIGH, false),
	GOOD("pool_size 16G", "/dev/vda pool_size=16G",
	     1, D_OP, 0, 4194304, D_STR, D_LOW, D_HIGH, false),
	GOOD("pool_size 16384m", "/dev/vda pool_size=16384m",
	     1, D_OP, 0, 4194304, D_STR, D_LOW, D_HIGH, false),
	GOOD("streams 1", "/dev/vda streams=1",
	     1, D_OP, 0, D_POOL, 1, D_LOW, D_HIGH, false),
	GOOD("streams 8", "/dev/vda streams=8",
	     1, D_OP, 0, D_POOL, 8, D_LOW, D_HIGH, false),
	GOOD("gc lowest", "/dev/vda gc_low=1 gc_high=2",
	     1, D_OP, 0, D_POOL, D_STR, 1, 2, false),
	GOOD("gc highest", "/dev/vda gc_high=80 gc_low=50",
	     1, D_OP, 0, D_POOL, D_STR, 50, 80, false),
	GOOD("gc_low below default gc_high", "/dev/vda gc_low=14",
	     1, D_OP, 0, D_POOL, D_STR, 14, D_HIGH, false),
	GOOD("gc_high above default gc_low", "/dev/vda gc_high=11",
	     1, D_OP, 0, D_POOL, D_STR, D_LOW, 11, false),
	GOOD("format 0", "/dev/vda format=0",
	     1, D_OP, 0, D_POOL, D_STR, D_LOW, D_HIGH, false),
	GOOD("format 1", "/dev/vda format=1",
	     1, D_OP, 0, D_POOL, D_STR, D_LOW, D_HIGH, true),
	GOOD("every key, any order",
	     "/dev/a /dev/b /dev/c streams=2 format=1 op=30 gc_high=40 gc_low=20 pool_size=32M segment_size=256K",
	     3, 30, 64, 8192, 2, 20, 40, true),
	GOOD("device path with escaped space", "/dev/disk/by-label/a\\ b",
	     1, D_OP, 0, D_POOL, D_STR, D_LOW, D_HIGH, false),

	{ .name = "length zero", .sectors = 0, .line = "/dev/vda",
	  .err = "virtual size 0 sectors: must be a non-zero multiple of 8 sectors (4 KiB pages)",
	  .static_err = "virtual size: must be a non-zero multiple of 8" },
	{ .name = "length unaligned", .sectors = GIB_SECTORS + 4,
	  .line = "/dev/vda", .err = "virtual size 2097156 sectors: must be",
	  .static_err = "virtual size: must be" },
	BAD("no arguments", "",
	    "devices: at least one member device must come before the options",
	    "devices: at least one member device"),
	BAD("options only", "op=20",
	    "op=20: at least one member device must come before the options",
	    "devices: at least one member device"),
	BAD("seventeen devices", DEVS16 " /dev/d16",
	    "/dev/d16: too many member devices (at most 16)",
	    "devices: too many member devices (at most 16)"),
	BAD("device twice", "/dev/a /dev/b /dev/a",
	    "/dev/a: a member device is listed twice",
	    "devices: a member device is listed twice"),
	BAD("device after an option", "/dev/a op=20 /dev/b",
	    "/dev/b: expected key=value (member devices come first)",
	    "options: expected key=value"),
	BAD("key without value", "/dev/a op=20 format",
	    "format: expected key=value",
	    "options: expected key=value"),
	BAD("unknown key", "/dev/a foo=1",
	    "foo=1: unknown key (op, segment_size, pool_size, streams, gc_low, gc_high, format)",
	    "options: unknown key (op,"),
	BAD("empty key", "/dev/a =1",
	    "=1: unknown key", "options: unknown key"),
	BAD("keys are case-sensitive", "/dev/a OP=20",
	    "OP=20: unknown key", "options: unknown key"),
	BAD("key prefix", "/dev/a o=20",
	    "o=20: unknown key", "options: unknown key"),
	BAD("key twice", "/dev/a op=20 op=30",
	    "op=30: each key may be given once",
	    "options: each key may be given once"),
	BAD("op empty", "/dev/a op=",
	    "op=: empty value; " OP_RULE, "op: " OP_RULE),
	BAD("op letters", "/dev/a op=abc",
	    "op=abc: not a decimal number; " OP_RULE, "op: " OP_RULE),
	BAD("op negative", "/dev/a op=-5",
	    "op=-5: not a decimal number; " OP_RULE, "op: " OP_RULE),
	BAD("op plus sign", "/dev/a op=+5",
	    "op=+5: not a decimal number; " OP_RULE, "op: " OP_RULE),
	BAD("op hex", "/dev/a op=0x10",
	    "op=0x10: trailing characters after the number; " OP_RULE,
	    "op: " OP_RULE),
	BAD("op percent sign", "/dev/a op=20%",
	    "op=20%: trailing characters after the number; " OP_RULE,
	    "op: " OP_RULE),
	BAD("op size suffix", "/dev/a op=20k",
	    "op=20k: trailing characters after the number; " OP_RULE,
	    "op: " OP_RULE),
	BAD("op below", "/dev/a op=1", "op=1: " OP_RULE, "op: " OP_RULE),
	BAD("op above", "/dev/a op=95", "op=95: " OP_RULE, "op: " OP_RULE),
	BAD("op zero", "/dev/a op=0", "op=0: " OP_RULE, "op: " OP_RULE),
	BAD("op wraps in 32 bits", "/dev/a op=4294967316",
	    "op=4294967316: " OP_RULE, "op: " OP_RULE),
	BAD("op overflows 64 bits", "/dev/a op=18446744073709551636",
	    "op=18446744073709551636: number too large; " OP_RULE,
	    "op: " OP_RULE),
	BAD("segment_size below", "/dev/a segment_size=60K",
	    "segment_size=60K: " SEG_RULE, "segment_size: " SEG_RULE),
	BAD("segment_size zero", "/dev/a segment_size=0",
	    "segment_size=0: " SEG_RULE, "segment_size: " SEG_RULE),
	BAD("segment_size above", "/dev/a segment_size=2G",
	    "segment_size=2G: " SEG_RULE, "segment_size: " SEG_RULE),
	BAD("segment_size just above", "/dev/a segment_size=1052672K",
	    "segment_size=1052672K: " SEG_RULE, "segment_size: " SEG_RULE),
	BAD("segment_size not 4K aligned", "/dev/a segment_size=66K",
	    "segment_size=66K: " SEG_RULE, "segment_size: " SEG_RULE),
	BAD("segment_size odd bytes", "/dev/a segment_size=65537",
	    "segment_size=65537: " SEG_RULE, "segment_size: " SEG_RULE),
	BAD("segment_size unknown suffix", "/dev/a segment_size=64x",
	    "segment_size=64x: unknown size suffix; " SEG_RULE,
	    "segment_size: " SEG_RULE),
	BAD("segment_size KiB", "/dev/a segment_size=64KiB",
	    "segment_size=64KiB: trailing characters after the number; " SEG_RULE,
	    "segment_size: " SEG_RULE),
	BAD("segment_size fraction", "/dev/a segment_size=1.5M",
	    "segment_size=1.5M: trailing characters after the number; " SEG_RULE,
	    "segment_size: " SEG_RULE),
	BAD("segment_size suffix only", "/dev/a segment_size=M",
	    "segment_size=M: not a decimal number; " SEG_RULE,
	    "segment_size: " SEG_RULE),
	BAD("segment_size empty", "/dev/a segment_size=",
	    "segment_size=: empty value; " SEG_RULE,
	    "segment_size: " SEG_RULE),
	BAD("segment_size overflows with suffix",
	    "/dev/a segment_size=18014398509481984K",
	    "segment_size=18014398509481984K: number too large; " SEG_RULE,
	    "segment_size: " SEG_RULE),
	BAD("pool_size below", "/dev/a pool_size=1020K",
	    "pool_size=1020K: " POOL_RULE, "pool_size: " POOL_RULE),
	BAD("pool_size above", "/dev/a pool_size=17G",
	    "pool_size=17G: " POOL_RULE, "pool_size: " POOL_RULE),
	BAD("pool_size not 4K aligned", "/dev/a pool_size=1048577",
	    "pool_size=1048577: " POOL_RULE, "pool_size: " POOL_RULE),
	BAD("pool_size terabytes", "/dev/a pool_size=1T",
	    "pool_size=1T: unknown size suffix; " POOL_RULE,
	    "pool_size: " POOL_RULE),
	BAD("streams zero", "/dev/a streams=0",
	    "streams=0: " STREAMS_RULE, "streams: " STREAMS_RULE),
	BAD("streams above", "/dev/a streams=9",
	    "streams=9: " STREAMS_RULE, "streams: " STREAMS_RULE),
	BAD("streams garbage", "/dev/a streams=4x",
	    "streams=4x: trailing characters after the number; " STREAMS_RULE,
	    "streams: " STREAMS_RULE),
	BAD("gc_low zero", "/dev/a gc_low=0",
	    "gc_low=0: " LOW_RULE, "gc_low: " LOW_RULE),
	BAD("gc_low above", "/dev/a gc_low=51 gc_high=80",
	    "gc_low=51: " LOW_RULE, "gc_low: " LOW_RULE),
	BAD("gc_low above default gc_high", "/dev/a gc_low=15",
	    "gc_low=15: " LOW_RULE ", below gc_high (gc_high is 15)",
	    "gc_low: " LOW_RULE),
	BAD("gc_high above", "/dev/a gc_high=81",
	    "gc_high=81: " HIGH_RULE, "gc_high: " HIGH_RULE),
	BAD("gc_high one", "/dev/a gc_high=1",
	    "gc_high=1: " HIGH_RULE, "gc_high: " HIGH_RULE),
	BAD("gc_high equal to gc_low", "/dev/a gc_high=20 gc_low=20",
	    "gc_high=20: " HIGH_RULE " (gc_low is 20)",
	    "gc_high: " HIGH_RULE),
	BAD("gc_high below gc_low", "/dev/a gc_low=30 gc_high=20",
	    "gc_high=20: " HIGH_RULE " (gc_low is 30)",
	    "gc_high: " HIGH_RULE),
	BAD("gc_high at default gc_low", "/dev/a gc_high=10",
	    "gc_high=10: " HIGH_RULE " (gc_low is 10)",
	    "gc_high: " HIGH_RULE),
	BAD("format two", "/dev/a format=2",
	    "format=2: " FORMAT_RULE, "format: " FORMAT_RULE),
	BAD("format word", "/dev/a format=yes",
	    "format=yes: not a decimal number; " FORMAT_RULE,
	    "format: " FORMAT_RULE),
	BAD("first error wins", "/dev/a op=1 streams=0",
	    "op=1: " OP_RULE, "op: " OP_RULE),
};

static void table_case_desc(const struct table_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(table, table_cases, table_case_desc);

/* Splits @line the way dm does (whitespace, backslash quotes). */
static unsigned int table_split(struct kunit *test, const char *line,
				char **argv)
{
	char *s = kunit_kzalloc(test, strlen(line) + 1, GFP_KERNEL);
	char *out;
	unsigned int argc = 0;

	KUNIT_ASSERT_NOT_NULL(test, s);
	strcpy(s, line);
	for (;;) {
		s = skip_spaces(s);
		if (!*s)
			break;
		KUNIT_ASSERT_LT(test, argc, MAX_ARGS);
		argv[argc++] = s;
		for (out = s; *s && !isspace(*s); s++) {
			if (*s == '\\' && s[1])
				s++;
			*out++ = *s;
		}
		if (*s)
			s++;
		*out = '\0';
	}
	return argc;
}

static void salsa_table_parses(struct kunit *test)
{
	const struct table_case *c = test->param_value;
	struct salsa_config cfg;
	char buf[SALSA_TABLE_ERRLEN] = "";
	char *argv[MAX_ARGS];
	unsigned int argc, i;
	char *error = NULL;
	int ret;

	argc = table_split(test, c->line, argv);
	ret = salsa_parse_table_buf(&cfg, argc, argv, c->sectors, buf,
				    sizeof(buf));
	if (c->err) {
		KUNIT_EXPECT_EQ(test, ret, -EINVAL);
		KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(buf, c->err),
					  "message \"%s\"", buf);
	} else {
		KUNIT_ASSERT_EQ_MSG(test, ret, 0, "message \"%s\"", buf);
		KUNIT_EXPECT_EQ(test, cfg.virtual_pages, c->sectors / 8);
		KUNIT_EXPECT_EQ(test, cfg.nr_devs, c->nr_devs);
		/* Paths point into argv, in table order. */
		for (i = 0; i < c->nr_devs; i++)
			KUNIT_EXPECT_PTR_EQ(test, cfg.dev_paths[i], argv[i]);
		KUNIT_EXPECT_EQ(test, cfg.op_percent, c->op);
		KUNIT_EXPECT_EQ(test, cfg.seg_pages, c->seg_pages);
		KUNIT_EXPECT_EQ(test, cfg.pool_pages, c->pool_pages);
		KUNIT_EXPECT_EQ(test, cfg.streams, c->streams);
		KUNIT_EXPECT_EQ(test, cfg.gc_low_percent, c->gc_low);
		KUNIT_EXPECT_EQ(test, cfg.gc_high_percent, c->gc_high);
		KUNIT_EXPECT_EQ(test, cfg.format, c->format);
	}

	/* The ctr's entry point agrees, with a static ti->error. */
	ret = salsa_parse_table(&cfg, argc, argv, c->sectors, &error);
	if (c->err) {
		KUNIT_EXPECT_EQ(test, ret, -EINVAL);
		KUNIT_ASSERT_NOT_NULL(test, error);
		KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(error, c->static_err),
					  "ti->error \"%s\"", error);
	} else {
		KUNIT_EXPECT_EQ(test, ret, 0);
		KUNIT_EXPECT_NULL(test, error);
	}
}

/* The detailed message fits a short buffer, or none at all. */
static void salsa_table_short_errbuf(struct kunit *test)
{
	struct salsa_config cfg;
	char *argv[MAX_ARGS];
	unsigned int argc;
	char buf[8];

	argc = table_split(test, "/dev/a op=95", argv);
	memset(buf, 'x', sizeof(buf));
	KUNIT_EXPECT_EQ(test, salsa_parse_table_buf(&cfg, argc, argv,
						    GIB_SECTORS, buf,
						    sizeof(buf)), -EINVAL);
	KUNIT_EXPECT_STREQ(test, buf, "op=95: ");
	KUNIT_EXPECT_EQ(test, salsa_parse_table_buf(&cfg, argc, argv,
						    GIB_SECTORS, NULL, 0),
			-EINVAL);
}

/* A long device path is quoted only in part; the reason stays whole. */
static void salsa_table_long_path(struct kunit *test)
{
	char *path = kunit_kzalloc(test, 1024, GFP_KERNEL);
	char *argv[2];
	struct salsa_config cfg;
	char buf[SALSA_TABLE_ERRLEN];

	KUNIT_ASSERT_NOT_NULL(test, path);
	memset(path, 'p', 1023);
	argv[0] = path;
	argv[1] = path;
	KUNIT_EXPECT_EQ(test, salsa_parse_table_buf(&cfg, 2, argv, GIB_SECTORS,
						    buf, sizeof(buf)), -EINVAL);
	KUNIT_EXPECT_LT(test, strlen(buf), sizeof(buf) - 1);
	KUNIT_EXPECT_NOT_NULL(test,
			      strstr(buf, ": a member device is listed twice"));
}

/* The largest virtual size: only the page alignment matters. */
static void salsa_table_huge_virtual_size(struct kunit *test)
{
	struct salsa_config cfg;
	char *argv[MAX_ARGS];
	unsigned int argc;

	argc = table_split(test, "/dev/a", argv);
	KUNIT_ASSERT_EQ(test, salsa_parse_table_buf(&cfg, argc, argv,
						    U64_MAX & ~7ULL, NULL, 0),
			0);
	KUNIT_EXPECT_EQ(test, cfg.virtual_pages, U64_MAX >> 3);
}

static struct kunit_case salsa_table_test_cases[] = {
	KUNIT_CASE_PARAM(salsa_table_parses, table_gen_params),
	KUNIT_CASE(salsa_table_short_errbuf),
	KUNIT_CASE(salsa_table_long_path),
	KUNIT_CASE(salsa_table_huge_virtual_size),
	{}
};

struct kunit_suite salsa_table_test_suite = {
	.name = "salsa_table",
	.test_cases = salsa_table_test_cases,
};
