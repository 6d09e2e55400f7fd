// SPDX-License-Identifier: GPL-2.0
/*
 * The salsa table line:
 *
 *   0 <virtual sectors> salsa <dev> [<dev>...] [key=value...]
 *
 * Parsing checks only the line itself, before the constructor allocates
 * anything or opens a member; whether the members fit the line (size, the
 * format on flash) is the constructor's and metadata.c's business.
 */

#include <linux/ctype.h>
#include <linux/device-mapper.h>
#include <linux/kernel.h>
#include <linux/overflow.h>
#include <linux/sizes.h>
#include <linux/string.h>
#include <linux/stringify.h>
#include <kunit/visibility.h>

#include "salsa.h"
#include "table.h"

#define DM_MSG_PREFIX "salsa"

/* How much of an argument a message quotes (device paths may be long). */
#define SALSA_QUOTE_MAX	80

enum salsa_key_id {
	SALSA_KEY_OP,
	SALSA_KEY_SEGMENT_SIZE,
	SALSA_KEY_POOL_SIZE,
	SALSA_KEY_STREAMS,
	SALSA_KEY_GC_LOW,
	SALSA_KEY_GC_HIGH,
	SALSA_KEY_FORMAT,
	SALSA_NR_KEYS
};

/*
 * Every message reads "<what>: <why>". The whole of it is the static
 * ti->error; in the detailed message the argument at fault replaces <what>.
 */

/* A key's rule: "<key>: <what is allowed>". */
struct salsa_key {
	const char *rule;
	bool size;		/* bytes, with an optional k/m/g suffix */
	u64 min, max, align;
};

static const struct salsa_key salsa_keys[SALSA_NR_KEYS] = {
	[SALSA_KEY_OP] = {
		"op: overprovisioning must be 2..90 %", false, 2, 90, 1 },
	[SALSA_KEY_SEGMENT_SIZE] = {
		"segment_size: segment size must be a multiple of 4K from 64K to 1G (bytes, suffix k, m or g)",
		true, SZ_64K, SZ_1G, SALSA_PAGE_SIZE },
	[SALSA_KEY_POOL_SIZE] = {
		"pool_size: DRAM pool size must be a multiple of 4K from 1M to 16G (bytes, suffix k, m or g)",
		true, SZ_1M, SZ_16G, SALSA_PAGE_SIZE },
	[SALSA_KEY_STREAMS] = {
		"streams: number of data streams must be 1.." __stringify(SALSA_MAX_STREAMS),
		false, 1, SALSA_MAX_STREAMS, 1 },
	/* gc_high > gc_low is checked once both are known. */
	[SALSA_KEY_GC_LOW] = {
		"gc_low: GC start threshold must be 1..50 % free segments, below gc_high",
		false, 1, 50, 1 },
	[SALSA_KEY_GC_HIGH] = {
		"gc_high: GC stop threshold must be above gc_low and at most 80 % free segments",
		false, 2, 80, 1 },
	[SALSA_KEY_FORMAT] = {
		"format: must be 0 or 1 (1 overwrites whatever the members hold)",
		false, 0, 1, 1 },
};

static const char salsa_err_length[] =
	"virtual size: must be a non-zero multiple of 8 sectors (4 KiB pages)";
static const char salsa_err_no_dev[] =
	"devices: at least one member device must come before the options";
static const char salsa_err_many_devs[] =
	"devices: too many member devices (at most " __stringify(SALSA_MAX_DEVS) ")";
static const char salsa_err_dup_dev[] =
	"devices: a member device is listed twice";
static const char salsa_err_no_eq[] =
	"options: expected key=value (member devices come first)";
static const char salsa_err_unknown[] =
	"options: unknown key (op, segment_size, pool_size, streams, gc_low, gc_high, format)";
static const char salsa_err_dup_key[] =
	"options: each key may be given once";

/* The <why> of a message. */
static const char *salsa_why(const char *msg)
{
	return strchr(msg, ':') + 2;
}

static size_t salsa_key_len(const struct salsa_key *key)
{
	return strchr(key->rule, ':') - key->rule;
}

struct salsa_err {
	char *buf;
	size_t len;
	const char *msg;	/* static */
};

/* Records static @msg and the detailed message; returns -EINVAL. */
static __printf(3, 4) int salsa_fail(struct salsa_err *err, const char *msg,
				     const char *fmt, ...)
{
	va_list args;

	err->msg = msg;
	if (err->len) {
		va_start(args, fmt);
		vsnprintf(err->buf, err->len, fmt, args);
		va_end(args);
	}
	return -EINVAL;
}

/*
 * Decimal digits, then for sizes an optional k/m/g suffix, and nothing
 * else (kstrtou64() would accept a trailing newline). Returns NULL with the
 * value in *@val, or why @s is not acceptable.
 */
static const char *salsa_parse_u64(const char *s, bool size, u64 *val)
{
	unsigned int shift = 0;
	u64 v = 0;

	if (!*s)
		return "empty value";
	if (!isdigit(*s))
		return "not a decimal number";
	for (; isdigit(*s); s++) {
		if (check_mul_overflow(v, 10ULL, &v) ||
		    check_add_overflow(v, (u64)(*s - '0'), &v))
			return "number too large";
	}
	if (size && *s) {
		switch (tolower(*s)) {
		case 'k':
			shift = 10;
			break;
		case 'm':
			shift = 20;
			break;
		case 'g':
			shift = 30;
			break;
		default:
			if (isalpha(*s))
				return "unknown size suffix";
			return "trailing characters after the number";
		}
		s++;
	}
	if (*s)
		return "trailing characters after the number";
	if (v > U64_MAX >> shift)
		return "number too large";
	*val = v << shift;
	return NULL;
}

static const struct salsa_key *salsa_find_key(const char *arg, size_t len)
{
	unsigned int i;

	for (i = 0; i < SALSA_NR_KEYS; i++) {
		if (salsa_key_len(&salsa_keys[i]) == len &&
		    !memcmp(salsa_keys[i].rule, arg, len))
			return &salsa_keys[i];
	}
	return NULL;
}

static void salsa_set_key(struct salsa_config *cfg, enum salsa_key_id id,
			  u64 v)
{
	switch (id) {
	case SALSA_KEY_OP:
		cfg->op_percent = v;
		break;
	case SALSA_KEY_SEGMENT_SIZE:
		cfg->seg_pages = v / SALSA_PAGE_SIZE;
		break;
	case SALSA_KEY_POOL_SIZE:
		cfg->pool_pages = v / SALSA_PAGE_SIZE;
		break;
	case SALSA_KEY_STREAMS:
		cfg->streams = v;
		break;
	case SALSA_KEY_GC_LOW:
		cfg->gc_low_percent = v;
		break;
	case SALSA_KEY_GC_HIGH:
		cfg->gc_high_percent = v;
		break;
	case SALSA_KEY_FORMAT:
		cfg->format = v;
		break;
	case SALSA_NR_KEYS:
		break;
	}
}

/* The member devices: the leading arguments without '='. */
static int salsa_parse_devs(struct salsa_config *cfg, unsigned int argc,
			    char **argv, struct salsa_err *err)
{
	unsigned int i, j;

	for (i = 0; i < argc && !strchr(argv[i], '='); i++) {
		if (i == SALSA_MAX_DEVS)
			return salsa_fail(err, salsa_err_many_devs,
					  "%.*s: %s", SALSA_QUOTE_MAX, argv[i],
					  salsa_why(salsa_err_many_devs));
		for (j = 0; j < i; j++) {
			if (!strcmp(argv[i], argv[j]))
				return salsa_fail(err, salsa_err_dup_dev,
						  "%.*s: %s", SALSA_QUOTE_MAX, argv[i],
						  salsa_why(salsa_err_dup_dev));
		}
		cfg->dev_paths[i] = argv[i];
	}
	if (!argc)
		return salsa_fail(err, salsa_err_no_dev, "%s", salsa_err_no_dev);
	if (!i)
		return salsa_fail(err, salsa_err_no_dev, "%.*s: %s",
				  SALSA_QUOTE_MAX, argv[0],
				  salsa_why(salsa_err_no_dev));
	cfg->nr_devs = i;
	return 0;
}

static int salsa_parse_opts(struct salsa_config *cfg, unsigned int argc,
			    char **argv, struct salsa_err *err)
{
	const char *given[SALSA_NR_KEYS] = { };
	const struct salsa_key *gc_low = &salsa_keys[SALSA_KEY_GC_LOW];
	const struct salsa_key *gc_high = &salsa_keys[SALSA_KEY_GC_HIGH];
	const struct salsa_key *key;
	const char *arg, *eq, *why;
	unsigned int i;
	u64 v;

	for (i = 0; i < argc; i++) {
		arg = argv[i];
		eq = strchr(arg, '=');
		if (!eq)
			return salsa_fail(err, salsa_err_no_eq,
					  "%.*s: %s", SALSA_QUOTE_MAX, arg,
					  salsa_why(salsa_err_no_eq));
		key = salsa_find_key(arg, eq - arg);
		if (!key)
			return salsa_fail(err, salsa_err_unknown,
					  "%.*s: %s", SALSA_QUOTE_MAX, arg,
					  salsa_why(salsa_err_unknown));
		if (given[key - salsa_keys])
			return salsa_fail(err, salsa_err_dup_key,
					  "%.*s: %s", SALSA_QUOTE_MAX, arg,
					  salsa_why(salsa_err_dup_key));
		given[key - salsa_keys] = arg;

		why = salsa_parse_u64(eq + 1, key->size, &v);
		if (why)
			return salsa_fail(err, key->rule, "%.*s: %s; %s",
					  SALSA_QUOTE_MAX, arg, why,
					  salsa_why(key->rule));
		if (v < key->min || v > key->max || v % key->align)
			return salsa_fail(err, key->rule, "%.*s: %s",
					  SALSA_QUOTE_MAX, arg, salsa_why(key->rule));
		salsa_set_key(cfg, key - salsa_keys, v);
	}

	/* The defaults are in order, so at least one of the two was given. */
	if (cfg->gc_high_percent > cfg->gc_low_percent)
		return 0;
	if (given[SALSA_KEY_GC_HIGH])
		return salsa_fail(err, gc_high->rule, "%.*s: %s (gc_low is %u)",
				  SALSA_QUOTE_MAX, given[SALSA_KEY_GC_HIGH],
				  salsa_why(gc_high->rule), cfg->gc_low_percent);
	return salsa_fail(err, gc_low->rule, "%.*s: %s (gc_high is %u)",
			  SALSA_QUOTE_MAX, given[SALSA_KEY_GC_LOW],
			  salsa_why(gc_low->rule), cfg->gc_high_percent);
}

static int salsa_parse(struct salsa_config *cfg, unsigned int argc,
		       char **argv, sector_t target_sectors,
		       struct salsa_err *err)
{
	int ret;

	memset(cfg, 0, sizeof(*cfg));
	cfg->op_percent = SALSA_DEFAULT_OP_PERCENT;
	cfg->pool_pages = SALSA_DEFAULT_POOL_PAGES;
	cfg->streams = SALSA_DEFAULT_STREAMS;
	cfg->gc_low_percent = SALSA_DEFAULT_GC_LOW;
	cfg->gc_high_percent = SALSA_DEFAULT_GC_HIGH;

	if (!target_sectors || target_sectors % SALSA_PAGE_SECTORS)
		return salsa_fail(err, salsa_err_length,
				  "virtual size %llu sectors: %s",
				  (unsigned long long)target_sectors,
				  salsa_why(salsa_err_length));
	cfg->virtual_pages = target_sectors / SALSA_PAGE_SECTORS;

	ret = salsa_parse_devs(cfg, argc, argv, err);
	if (ret)
		return ret;
	return salsa_parse_opts(cfg, argc - cfg->nr_devs, argv + cfg->nr_devs,
				err);
}

int salsa_parse_table_buf(struct salsa_config *cfg, unsigned int argc,
			  char **argv, sector_t target_sectors,
			  char *errbuf, size_t errlen)
{
	struct salsa_err err = { .buf = errbuf, .len = errlen };

	return salsa_parse(cfg, argc, argv, target_sectors, &err);
}
EXPORT_SYMBOL_IF_KUNIT(salsa_parse_table_buf);

/*
 * For the ctr: ti->error gets a static message naming the key, and the
 * log gets the detailed one quoting the argument ("salsa: op=95: ...").
 */
int salsa_parse_table(struct salsa_config *cfg, unsigned int argc,
		      char **argv, sector_t target_sectors, char **error)
{
	char buf[SALSA_TABLE_ERRLEN];
	struct salsa_err err = { .buf = buf, .len = sizeof(buf) };
	int ret;

	ret = salsa_parse(cfg, argc, argv, target_sectors, &err);
	if (ret) {
		DMERR("%s", buf);
		*error = (char *)err.msg;
	}
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(salsa_parse_table);
