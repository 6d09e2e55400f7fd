// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: MPA connection setup. Frames against exact bytes and every way a
 * request or reply is refused; the negotiation of CRC, IRD/ORD and RTR on
 * both sides; the handshake's transition table.
 */
#include <kunit/test.h>
#include <linux/errno.h>
#include <linux/string.h>

#include "siwf_mpa.h"
#include "siwf_test.h"

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

#define FRAME_MAX	(sizeof(struct mpa_rr_hdr) + MPA_PRIVATE_DATA_MAX)

static const struct siwf_mpa_policy siwf_test_policy = {
	.max_ird = 128, .max_ord = 128, .rtr = SIWF_RTR_WRITE | SIWF_RTR_READ,
};

/* What our CM sends as initiator: revision 2, IRD/ORD block */
static struct siwf_mpa_params siwf_test_request(u16 ird, u16 ord)
{
	return (struct siwf_mpa_params){
		.revision = MPA_REVISION_2, .enhanced = 1, .ird = ird,
		.ord = ord,
	};
}

/* A raw request frame as a foreign peer may send it */
static int siwf_test_raw(u8 *buf, const char *key, u16 flags_rev, u16 pd_len)
{
	struct mpa_rr_hdr *h = (struct mpa_rr_hdr *)buf;

	memset(buf, 0, FRAME_MAX);
	memcpy(h->key, key, MPA_KEY_SIZE);
	h->flags_rev = cpu_to_be16(flags_rev);
	h->pd_len = cpu_to_be16(pd_len);
	return sizeof(*h) + pd_len;
}

static void mpa_build_request_bytes_test(struct kunit *test)
{
	static const u8 want[] = {
		'M', 'P', 'A', ' ', 'I', 'D', ' ', 'R',
		'e', 'q', ' ', 'F', 'r', 'a', 'm', 'e',
		0x50, 0x02,		/* C, enhanced, revision 2 */
		0x00, 0x06,		/* IRD/ORD block + 2 bytes */
		0x80, 0x10,		/* P2P, IRD 16 */
		0xc0, 0x08,		/* WRITE and READ RTR, ORD 8 */
		'h', 'i',
	};
	struct siwf_mpa_params p = siwf_test_request(16, 8);
	u8 buf[FRAME_MAX];

	p.crc = 1;
	p.p2p = 1;
	p.rtr = SIWF_RTR_WRITE | SIWF_RTR_READ;
	p.pd_len = 2;
	KUNIT_ASSERT_EQ(test, siwf_mpa_build(buf, sizeof(buf), SIWF_MPA_REQUEST,
					     &p, "hi"), (int)sizeof(want));
	SIWF_EXPECT_BYTES(test, buf, want, sizeof(want));
}

static void mpa_build_reply_bytes_test(struct kunit *test)
{
	static const u8 want[] = {
		'M', 'P', 'A', ' ', 'I', 'D', ' ', 'R',
		'e', 'p', ' ', 'F', 'r', 'a', 'm', 'e',
		0x20, 0x01,		/* R, revision 1 */
		0x00, 0x00,
	};
	struct siwf_mpa_params p = { .revision = 1, .reject = 1 };
	u8 buf[FRAME_MAX];

	KUNIT_ASSERT_EQ(test, siwf_mpa_build(buf, sizeof(buf), SIWF_MPA_REPLY,
					     &p, NULL), (int)sizeof(want));
	SIWF_EXPECT_BYTES(test, buf, want, sizeof(want));
}

static void mpa_build_limits_test(struct kunit *test)
{
	struct siwf_mpa_params p = siwf_test_request(1, 1);
	u8 pd[MPA_PRIVATE_DATA_MAX] = { };
	u8 buf[FRAME_MAX];

	/* 252 bytes + the 4-byte block: exactly the maximum */
	p.pd_len = MPA_PRIVATE_DATA_MAX - sizeof(struct mpa_ird_ord);
	KUNIT_EXPECT_EQ(test, siwf_mpa_build(buf, sizeof(buf),
					     SIWF_MPA_REQUEST, &p, pd),
			(int)FRAME_MAX);
	KUNIT_EXPECT_EQ(test, siwf_mpa_build(buf, FRAME_MAX - 1,
					     SIWF_MPA_REQUEST, &p, pd),
			-ENOSPC);
	p.pd_len++;
	KUNIT_EXPECT_EQ(test, siwf_mpa_build(buf, sizeof(buf),
					     SIWF_MPA_REQUEST, &p, pd),
			-EMSGSIZE);
	p.pd_len = 0;
	p.ird = MPA_IRD_ORD_MAX + 1;
	KUNIT_EXPECT_EQ(test, siwf_mpa_build(buf, sizeof(buf),
					     SIWF_MPA_REQUEST, &p, pd), -EINVAL);
	p.ird = 1;
	p.revision = MPA_REVISION_1;	/* no block before revision 2 */
	KUNIT_EXPECT_EQ(test, siwf_mpa_build(buf, sizeof(buf),
					     SIWF_MPA_REQUEST, &p, pd), -EINVAL);
}

/* Parameters that go through build and parse unchanged */
static const struct siwf_mpa_params siwf_round_trips[] = {
	{ .revision = 0 },
	{ .revision = 1, .crc = 1, .pd_len = 5 },
	{ .revision = 1, .markers = 1, .reject = 1, .pd_len = 256 },
	{ .revision = 2, .pd_len = 3 },
	{ .revision = 2, .enhanced = 1, .ird = 0, .ord = 0 },
	{ .revision = 2, .enhanced = 1, .crc = 1, .ird = 0x3fff, .ord = 1,
	  .p2p = 1, .rtr = SIWF_RTR_READ, .pd_len = 252 },
	{ .revision = 2, .enhanced = 1, .ird = 7, .ord = 0x3fff, .p2p = 1,
	  .rtr = SIWF_RTR_WRITE | SIWF_RTR_READ | SIWF_RTR_SEND },
};

static void siwf_round_trip_desc(const struct siwf_mpa_params *p, char *d)
{
	snprintf(d, KUNIT_PARAM_DESC_SIZE, "rev %u enh %u ird %u ord %u pd %u",
		 p->revision, p->enhanced, p->ird, p->ord, p->pd_len);
}

KUNIT_ARRAY_PARAM(siwf_round_trip, siwf_round_trips, siwf_round_trip_desc);

static void mpa_round_trip_test(struct kunit *test)
{
	const struct siwf_mpa_params *p = test->param_value;
	enum siwf_mpa_frame kind;
	struct siwf_mpa_params got;
	u8 buf[FRAME_MAX], pd[MPA_PRIVATE_DATA_MAX];
	const u8 *got_pd;
	int i, len;

	for (i = 0; i < sizeof(pd); i++)
		pd[i] = i * 7 + 1;
	for (kind = SIWF_MPA_REQUEST; kind <= SIWF_MPA_REPLY; kind++) {
		len = siwf_mpa_build(buf, sizeof(buf), kind, p, pd);
		KUNIT_ASSERT_GT(test, len, 0);
		KUNIT_ASSERT_EQ(test, siwf_mpa_parse(buf, len, kind, &got,
						     &got_pd), len);
		KUNIT_EXPECT_EQ(test, got.revision, p->revision);
		KUNIT_EXPECT_EQ(test, got.markers, p->markers);
		KUNIT_EXPECT_EQ(test, got.crc, p->crc);
		KUNIT_EXPECT_EQ(test, got.reject, p->reject);
		KUNIT_EXPECT_EQ(test, got.enhanced, p->enhanced);
		KUNIT_EXPECT_EQ(test, got.p2p, p->p2p);
		KUNIT_EXPECT_EQ(test, got.rtr, p->rtr);
		KUNIT_EXPECT_EQ(test, got.ird, p->ird);
		KUNIT_EXPECT_EQ(test, got.ord, p->ord);
		KUNIT_EXPECT_EQ(test, got.pd_len, p->pd_len);
		KUNIT_EXPECT_PTR_EQ(test, got_pd, buf + len - p->pd_len);
		SIWF_EXPECT_BYTES(test, got_pd, pd, p->pd_len);
	}
}

static void mpa_parse_incomplete_test(struct kunit *test)
{
	struct siwf_mpa_params p = { .revision = 1, .pd_len = 10 }, got;
	u8 buf[FRAME_MAX];
	int len;

	len = siwf_mpa_build(buf, sizeof(buf), SIWF_MPA_REQUEST, &p, buf);
	KUNIT_ASSERT_EQ(test, len, 30);
	KUNIT_EXPECT_EQ(test, siwf_mpa_parse(buf, 0, SIWF_MPA_REQUEST, &got,
					     NULL), -EAGAIN);
	KUNIT_EXPECT_EQ(test, siwf_mpa_parse(buf, 19, SIWF_MPA_REQUEST, &got,
					     NULL), -EAGAIN);
	KUNIT_EXPECT_EQ(test, siwf_mpa_parse(buf, 29, SIWF_MPA_REQUEST, &got,
					     NULL), -EAGAIN);
	/* bytes after the frame are not the frame's */
	KUNIT_EXPECT_EQ(test, siwf_mpa_parse(buf, sizeof(buf),
					     SIWF_MPA_REQUEST, &got, NULL), 30);
	KUNIT_EXPECT_EQ(test, got.pd_len, 10);
}

struct siwf_bad_frame {
	const char *what;
	const char *key;
	u16 flags_rev;
	u16 pd_len;
	int err;
};

static const struct siwf_bad_frame siwf_bad_requests[] = {
	{ "reply key", MPA_KEY_REPLY, 0x0001, 0, -EBADMSG },
	{ "garbage key", "GET / HTTP/1.1\r\n", 0x0001, 0, -EBADMSG },
	{ "revision 3", MPA_KEY_REQUEST, 0x0003, 0, -EPROTONOSUPPORT },
	{ "revision 255", MPA_KEY_REQUEST, 0x00ff, 0, -EPROTONOSUPPORT },
	{ "pd_len 257", MPA_KEY_REQUEST, 0x0001, 257, -EMSGSIZE },
	{ "pd_len 512", MPA_KEY_REQUEST, 0x0002, 512, -EMSGSIZE },
	{ "pd_len 65535", MPA_KEY_REQUEST, 0x0001, 65535, -EMSGSIZE },
	{ "enhanced, pd_len 0", MPA_KEY_REQUEST, 0x1002, 0, -EPROTO },
	{ "enhanced, pd_len 3", MPA_KEY_REQUEST, 0x1002, 3, -EPROTO },
	/* the valid neighbours of the cases above */
	{ "revision 0", MPA_KEY_REQUEST, 0x0000, 0, 20 },
	{ "pd_len 256", MPA_KEY_REQUEST, 0x0001, 256, 276 },
	{ "enhanced, pd_len 4", MPA_KEY_REQUEST, 0x1002, 4, 24 },
	/* revision 1: E is a reserved bit, the pd is the consumer's */
	{ "revision 1 with E", MPA_KEY_REQUEST, 0x1001, 0, 20 },
};

static void siwf_bad_frame_desc(const struct siwf_bad_frame *f, char *d)
{
	strscpy(d, f->what, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(siwf_bad_request, siwf_bad_requests, siwf_bad_frame_desc);

static void mpa_parse_request_checks_test(struct kunit *test)
{
	const struct siwf_bad_frame *f = test->param_value;
	struct siwf_mpa_params got;
	u8 buf[FRAME_MAX];
	int len;

	len = siwf_test_raw(buf, f->key, f->flags_rev, f->pd_len);
	KUNIT_EXPECT_EQ(test, siwf_mpa_parse(buf, sizeof(buf),
					     SIWF_MPA_REQUEST, &got, NULL),
			f->err);
	if (len <= FRAME_MAX)
		KUNIT_EXPECT_EQ(test, siwf_mpa_check_hdr((void *)buf,
							 SIWF_MPA_REQUEST),
				f->err == -EPROTO ? len : f->err);
}

static void mpa_parse_revision1_keeps_pd_test(struct kunit *test)
{
	struct siwf_mpa_params got;
	u8 buf[FRAME_MAX];
	const u8 *pd;

	siwf_test_raw(buf, MPA_KEY_REQUEST, 0x1001, 4);
	KUNIT_ASSERT_EQ(test, siwf_mpa_parse(buf, sizeof(buf),
					     SIWF_MPA_REQUEST, &got, &pd), 24);
	KUNIT_EXPECT_EQ(test, got.enhanced, 0);
	KUNIT_EXPECT_EQ(test, got.pd_len, 4);
	KUNIT_EXPECT_PTR_EQ(test, pd, (const u8 *)buf + 20);
}

static void mpa_parse_reply_key_test(struct kunit *test)
{
	struct siwf_mpa_params got;
	u8 buf[FRAME_MAX];

	siwf_test_raw(buf, MPA_KEY_REQUEST, 0x0001, 0);
	KUNIT_EXPECT_EQ(test, siwf_mpa_parse(buf, 20, SIWF_MPA_REPLY, &got,
					     NULL), -EBADMSG);
	siwf_test_raw(buf, MPA_KEY_REPLY, 0x0001, 0);
	KUNIT_EXPECT_EQ(test, siwf_mpa_parse(buf, 20, SIWF_MPA_REPLY, &got,
					     NULL), 20);
	/* one flipped bit in the key is another key */
	buf[15] ^= 0x20;
	KUNIT_EXPECT_EQ(test, siwf_mpa_parse(buf, 20, SIWF_MPA_REPLY, &got,
					     NULL), -EBADMSG);
}

static struct kunit_case siwf_mpa_frame_test_cases[] = {
	KUNIT_CASE(mpa_build_request_bytes_test),
	KUNIT_CASE(mpa_build_reply_bytes_test),
	KUNIT_CASE(mpa_build_limits_test),
	KUNIT_CASE_PARAM(mpa_round_trip_test, siwf_round_trip_gen_params),
	KUNIT_CASE(mpa_parse_incomplete_test),
	KUNIT_CASE_PARAM(mpa_parse_request_checks_test,
			 siwf_bad_request_gen_params),
	KUNIT_CASE(mpa_parse_revision1_keeps_pd_test),
	KUNIT_CASE(mpa_parse_reply_key_test),
	{}
};

struct kunit_suite siwf_mpa_frame_test_suite = {
	.name = "siw_flash_mpa_frame",
	.test_cases = siwf_mpa_frame_test_cases,
};

/* Responder: revisions 0 to 2 are answered in their own revision. */
static void mpa_respond_revisions_test(struct kunit *test)
{
	struct siwf_mpa_params req = { }, rep;
	struct siwf_mpa_result res;
	u8 rev;

	for (rev = 0; rev <= MPA_REVISION_2; rev++) {
		req.revision = rev;
		KUNIT_EXPECT_EQ(test, siwf_mpa_respond(&req, &siwf_test_policy,
						       &rep, &res), 0);
		KUNIT_EXPECT_EQ(test, rep.revision, rev);
		KUNIT_EXPECT_EQ(test, rep.reject, 0);
		KUNIT_EXPECT_EQ(test, rep.enhanced, 0);
		KUNIT_EXPECT_EQ(test, rep.markers, 0);
		/* nothing negotiated: the local limits */
		KUNIT_EXPECT_EQ(test, res.ird, 128);
		KUNIT_EXPECT_EQ(test, res.ord, 128);
		KUNIT_EXPECT_EQ(test, res.rtr, 0);
	}
}

static void mpa_respond_markers_rejected_test(struct kunit *test)
{
	struct siwf_mpa_params req = siwf_test_request(4, 4), rep;
	struct siwf_mpa_result res;

	req.markers = 1;
	req.crc = 1;
	KUNIT_EXPECT_EQ(test, siwf_mpa_respond(&req, &siwf_test_policy, &rep,
					       &res), -EOPNOTSUPP);
	siwf_mpa_reject(&req, &siwf_test_policy, &rep);
	KUNIT_EXPECT_EQ(test, rep.reject, 1);
	KUNIT_EXPECT_EQ(test, rep.markers, 0);
	KUNIT_EXPECT_EQ(test, rep.crc, 1);
	KUNIT_EXPECT_EQ(test, rep.revision, MPA_REVISION_2);
	KUNIT_EXPECT_EQ(test, rep.enhanced, 1);
	KUNIT_EXPECT_EQ(test, rep.p2p, 0);
	KUNIT_EXPECT_EQ(test, rep.rtr, 0);
}

struct siwf_ird_ord_case {
	u16 peer_ird, peer_ord, max_ird, max_ord;
	u16 ird, ord;		/* the responder's, in its reply */
};

static const struct siwf_ird_ord_case siwf_ird_ord_cases[] = {
	{ 16, 8, 128, 128, 8, 16 },	/* swapped, within limits */
	{ 200, 300, 128, 128, 128, 128 },	/* both lowered */
	{ 0, 0, 128, 128, 0, 0 },
	{ 0x3fff, 1, 16, 64, 1, 64 },	/* ORD capped by max_ord */
	{ 5, 0x3fff, 16, 64, 16, 5 },	/* IRD capped by max_ird */
	{ 128, 128, 0, 0, 0, 0 },	/* no reads at all here */
};

static void siwf_ird_ord_desc(const struct siwf_ird_ord_case *c, char *d)
{
	snprintf(d, KUNIT_PARAM_DESC_SIZE, "peer %u/%u max %u/%u",
		 c->peer_ird, c->peer_ord, c->max_ird, c->max_ord);
}

KUNIT_ARRAY_PARAM(siwf_ird_ord, siwf_ird_ord_cases, siwf_ird_ord_desc);

static void mpa_respond_ird_ord_test(struct kunit *test)
{
	const struct siwf_ird_ord_case *c = test->param_value;
	struct siwf_mpa_params req = siwf_test_request(c->peer_ird,
						       c->peer_ord), rep;
	struct siwf_mpa_policy local = siwf_test_policy;
	struct siwf_mpa_result res;

	local.max_ird = c->max_ird;
	local.max_ord = c->max_ord;
	KUNIT_ASSERT_EQ(test, siwf_mpa_respond(&req, &local, &rep, &res), 0);
	KUNIT_EXPECT_EQ(test, rep.enhanced, 1);
	KUNIT_EXPECT_EQ(test, rep.ird, c->ird);
	KUNIT_EXPECT_EQ(test, rep.ord, c->ord);
	KUNIT_EXPECT_EQ(test, res.ird, c->ird);
	KUNIT_EXPECT_EQ(test, res.ord, c->ord);
}

/* Responder CRC: on if the peer asks or we insist (RFC 5044 7.1) */
static void mpa_respond_crc_matrix_test(struct kunit *test)
{
	struct siwf_mpa_policy local = siwf_test_policy;
	struct siwf_mpa_params req = siwf_test_request(1, 1), rep;
	struct siwf_mpa_result res;
	int peer, required;

	for (peer = 0; peer < 2; peer++) {
		for (required = 0; required < 2; required++) {
			req.crc = peer;
			local.crc_required = required;
			KUNIT_ASSERT_EQ(test, siwf_mpa_respond(&req, &local,
							       &rep, &res), 0);
			KUNIT_EXPECT_EQ_MSG(test, rep.crc, peer || required,
					    "peer %d required %d", peer,
					    required);
			KUNIT_EXPECT_EQ(test, res.crc, rep.crc);
		}
	}
}

/* Initiator CRC: a responder may add CRC, never drop what we asked */
static void mpa_reply_crc_matrix_test(struct kunit *test)
{
	static const struct {
		u8 sent, replied;
		int err;
	} m[] = { { 0, 0, 0 }, { 0, 1, 0 }, { 1, 1, 0 }, { 1, 0, -EPROTO } };
	struct siwf_mpa_params req = siwf_test_request(4, 4), rep;
	struct siwf_term_cause cause = { };
	struct siwf_mpa_result res;
	int i;

	for (i = 0; i < ARRAY_SIZE(m); i++) {
		req.crc = m[i].sent;
		rep = siwf_test_request(4, 4);
		rep.crc = m[i].replied;
		KUNIT_EXPECT_EQ(test, siwf_mpa_check_reply(&req, &rep,
							   &siwf_test_policy,
							   &res, &cause),
				m[i].err);
		if (!m[i].err)
			KUNIT_EXPECT_EQ(test, res.crc, m[i].replied);
	}
	KUNIT_EXPECT_EQ(test, cause.layer, TERM_LAYER_LLP);
	KUNIT_EXPECT_EQ(test, cause.etype, MPA_ETYPE);
	KUNIT_EXPECT_EQ(test, cause.ecode, MPA_ECODE_INVALID_RR);
}

static void mpa_reply_refusals_test(struct kunit *test)
{
	struct siwf_mpa_params req = siwf_test_request(4, 4), rep;
	struct siwf_term_cause cause = { 9, 9, 9 };
	struct siwf_mpa_result res;

	rep = siwf_test_request(4, 4);
	rep.reject = 1;
	KUNIT_EXPECT_EQ(test, siwf_mpa_check_reply(&req, &rep,
						   &siwf_test_policy, &res,
						   &cause), -ECONNREFUSED);
	KUNIT_EXPECT_EQ(test, cause.layer, 9);	/* no TERMINATE */

	rep.reject = 0;
	rep.markers = 1;
	KUNIT_EXPECT_EQ(test, siwf_mpa_check_reply(&req, &rep,
						   &siwf_test_policy, &res,
						   &cause), -EPROTO);
	KUNIT_EXPECT_EQ(test, cause.ecode, MPA_ECODE_INVALID_RR);

	/* an enhanced request needs an enhanced reply */
	rep = (struct siwf_mpa_params){ .revision = 1 };
	cause.ecode = 0;
	KUNIT_EXPECT_EQ(test, siwf_mpa_check_reply(&req, &rep,
						   &siwf_test_policy, &res,
						   &cause), -EPROTO);
	KUNIT_EXPECT_EQ(test, cause.ecode, MPA_ECODE_INVALID_RR);

	/* a plain request takes a plain reply, with our limits */
	req = (struct siwf_mpa_params){ .revision = 1 };
	KUNIT_EXPECT_EQ(test, siwf_mpa_check_reply(&req, &rep,
						   &siwf_test_policy, &res,
						   &cause), 0);
	KUNIT_EXPECT_EQ(test, res.ird, 128);
	KUNIT_EXPECT_EQ(test, res.ord, 128);
}

static void mpa_reply_ird_ord_test(struct kunit *test)
{
	struct siwf_mpa_params req = siwf_test_request(16, 32), rep;
	struct siwf_term_cause cause = { };
	struct siwf_mpa_result res;

	/* the peer's ORD up to our maximum IRD is fine, even above 16 */
	rep = siwf_test_request(8, 128);
	KUNIT_EXPECT_EQ(test, siwf_mpa_check_reply(&req, &rep,
						   &siwf_test_policy, &res,
						   &cause), 0);
	KUNIT_EXPECT_EQ(test, res.ird, 128);
	KUNIT_EXPECT_EQ(test, res.ord, 8);	/* lowered to its IRD */

	/* its IRD above what we asked: we still read no more than 32 */
	rep = siwf_test_request(1000, 0);
	KUNIT_EXPECT_EQ(test, siwf_mpa_check_reply(&req, &rep,
						   &siwf_test_policy, &res,
						   &cause), 0);
	KUNIT_EXPECT_EQ(test, res.ird, 0);
	KUNIT_EXPECT_EQ(test, res.ord, 32);

	/* one above our maximum: TERMINATE, insufficient IRD */
	rep = siwf_test_request(8, 129);
	KUNIT_EXPECT_EQ(test, siwf_mpa_check_reply(&req, &rep,
						   &siwf_test_policy, &res,
						   &cause), -ENOBUFS);
	KUNIT_EXPECT_EQ(test, cause.layer, TERM_LAYER_LLP);
	KUNIT_EXPECT_EQ(test, cause.etype, MPA_ETYPE);
	KUNIT_EXPECT_EQ(test, cause.ecode, MPA_ECODE_INSUFFICIENT_IRD);
}

struct siwf_rtr_case {
	const char *what;
	u8 offered, supported;
	int err;
	u8 chosen;
};

static const struct siwf_rtr_case siwf_rtr_cases[] = {
	{ "both offered: WRITE", SIWF_RTR_WRITE | SIWF_RTR_READ,
	  SIWF_RTR_WRITE | SIWF_RTR_READ, 0, SIWF_RTR_WRITE },
	{ "READ only", SIWF_RTR_READ, SIWF_RTR_WRITE | SIWF_RTR_READ, 0,
	  SIWF_RTR_READ },
	{ "WRITE only", SIWF_RTR_WRITE, SIWF_RTR_WRITE | SIWF_RTR_READ, 0,
	  SIWF_RTR_WRITE },
	{ "none named: WRITE", 0, SIWF_RTR_WRITE | SIWF_RTR_READ, 0,
	  SIWF_RTR_WRITE },
	{ "Send only: WRITE", SIWF_RTR_SEND, SIWF_RTR_WRITE, 0,
	  SIWF_RTR_WRITE },
	{ "READ, we do WRITE", SIWF_RTR_READ, SIWF_RTR_WRITE, -EOPNOTSUPP, 0 },
	{ "both, we do READ", SIWF_RTR_WRITE | SIWF_RTR_READ, SIWF_RTR_READ, 0,
	  SIWF_RTR_READ },
	{ "none named, we do READ", 0, SIWF_RTR_READ, -EOPNOTSUPP, 0 },
};

static void siwf_rtr_desc(const struct siwf_rtr_case *c, char *d)
{
	strscpy(d, c->what, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(siwf_rtr, siwf_rtr_cases, siwf_rtr_desc);

static void mpa_respond_rtr_test(struct kunit *test)
{
	const struct siwf_rtr_case *c = test->param_value;
	struct siwf_mpa_params req = siwf_test_request(2, 2), rep;
	struct siwf_mpa_policy local = siwf_test_policy;
	struct siwf_mpa_result res;

	req.p2p = 1;
	req.rtr = c->offered;
	local.rtr = c->supported;
	KUNIT_ASSERT_EQ(test, siwf_mpa_respond(&req, &local, &rep, &res),
			c->err);
	if (c->err)
		return;
	KUNIT_EXPECT_EQ(test, rep.p2p, 1);
	KUNIT_EXPECT_EQ(test, rep.rtr, c->chosen);
	KUNIT_EXPECT_EQ(test, res.rtr, c->chosen);
}

static void mpa_respond_no_p2p_no_rtr_test(struct kunit *test)
{
	struct siwf_mpa_params req = siwf_test_request(2, 2), rep;
	struct siwf_mpa_result res;

	req.rtr = SIWF_RTR_WRITE;	/* RTR bits without P2P mean nothing */
	KUNIT_ASSERT_EQ(test, siwf_mpa_respond(&req, &siwf_test_policy, &rep,
					       &res), 0);
	KUNIT_EXPECT_EQ(test, rep.p2p, 0);
	KUNIT_EXPECT_EQ(test, rep.rtr, 0);
	KUNIT_EXPECT_EQ(test, res.rtr, 0);
}

static void mpa_reply_rtr_test(struct kunit *test)
{
	struct siwf_mpa_params req = siwf_test_request(2, 2), rep;
	struct siwf_term_cause cause = { };
	struct siwf_mpa_result res;

	req.p2p = 1;
	req.rtr = SIWF_RTR_WRITE;
	rep = siwf_test_request(2, 2);
	rep.p2p = 1;
	rep.rtr = SIWF_RTR_WRITE;
	KUNIT_EXPECT_EQ(test, siwf_mpa_check_reply(&req, &rep,
						   &siwf_test_policy, &res,
						   &cause), 0);
	KUNIT_EXPECT_EQ(test, res.rtr, SIWF_RTR_WRITE);

	/* both named, both offered: WRITE, as we would choose */
	req.rtr = SIWF_RTR_WRITE | SIWF_RTR_READ;
	rep.rtr = req.rtr;
	KUNIT_EXPECT_EQ(test, siwf_mpa_check_reply(&req, &rep,
						   &siwf_test_policy, &res,
						   &cause), 0);
	KUNIT_EXPECT_EQ(test, res.rtr, SIWF_RTR_WRITE);

	/* a kind we did not offer, or none: TERMINATE, no matching RTR */
	req.rtr = SIWF_RTR_WRITE;
	rep.rtr = SIWF_RTR_READ;
	KUNIT_EXPECT_EQ(test, siwf_mpa_check_reply(&req, &rep,
						   &siwf_test_policy, &res,
						   &cause), -ENOPROTOOPT);
	KUNIT_EXPECT_EQ(test, cause.layer, TERM_LAYER_LLP);
	KUNIT_EXPECT_EQ(test, cause.ecode, MPA_ECODE_NO_MATCHING_RTR);
	rep.rtr = 0;
	cause.ecode = 0;
	KUNIT_EXPECT_EQ(test, siwf_mpa_check_reply(&req, &rep,
						   &siwf_test_policy, &res,
						   &cause), -ENOPROTOOPT);
	KUNIT_EXPECT_EQ(test, cause.ecode, MPA_ECODE_NO_MATCHING_RTR);
}

/*
 * Both sides through real frames: each side's IRD must be the other's
 * ORD, and both must agree on CRC and the RTR kind.
 */
static void mpa_both_sides_agree_test(struct kunit *test)
{
	static const u16 wants[][2] = { { 16, 8 }, { 0, 200 }, { 300, 1 } };
	struct siwf_mpa_policy ini = siwf_test_policy, rsp = siwf_test_policy;
	struct siwf_mpa_params req, got_req, rep, got_rep;
	struct siwf_mpa_result ini_res, rsp_res;
	struct siwf_term_cause cause;
	u8 buf[FRAME_MAX];
	int i, len;

	rsp.max_ird = 64;
	rsp.max_ord = 100;
	rsp.rtr = SIWF_RTR_READ;
	ini.crc_required = 1;
	for (i = 0; i < ARRAY_SIZE(wants); i++) {
		req = siwf_test_request(min(wants[i][0], ini.max_ird),
					min(wants[i][1], ini.max_ord));
		req.crc = ini.crc_required;
		req.p2p = 1;
		req.rtr = SIWF_RTR_WRITE | SIWF_RTR_READ;
		len = siwf_mpa_build(buf, sizeof(buf), SIWF_MPA_REQUEST, &req,
				     NULL);
		KUNIT_ASSERT_EQ(test, siwf_mpa_parse(buf, len, SIWF_MPA_REQUEST,
						     &got_req, NULL), len);
		KUNIT_ASSERT_EQ(test, siwf_mpa_respond(&got_req, &rsp, &rep,
						       &rsp_res), 0);
		len = siwf_mpa_build(buf, sizeof(buf), SIWF_MPA_REPLY, &rep,
				     NULL);
		KUNIT_ASSERT_EQ(test, siwf_mpa_parse(buf, len, SIWF_MPA_REPLY,
						     &got_rep, NULL), len);
		KUNIT_ASSERT_EQ(test, siwf_mpa_check_reply(&req, &got_rep,
							   &ini, &ini_res,
							   &cause), 0);
		KUNIT_EXPECT_EQ(test, ini_res.ird, rsp_res.ord);
		KUNIT_EXPECT_EQ(test, ini_res.ord, rsp_res.ird);
		KUNIT_EXPECT_LE(test, rsp_res.ird, rsp.max_ird);
		KUNIT_EXPECT_LE(test, rsp_res.ord, rsp.max_ord);
		KUNIT_EXPECT_LE(test, ini_res.ord, req.ord);
		KUNIT_EXPECT_EQ(test, ini_res.crc, 1);
		KUNIT_EXPECT_EQ(test, rsp_res.crc, 1);
		KUNIT_EXPECT_EQ(test, ini_res.rtr, SIWF_RTR_READ);
		KUNIT_EXPECT_EQ(test, rsp_res.rtr, SIWF_RTR_READ);
	}
}

static struct kunit_case siwf_mpa_negotiation_test_cases[] = {
	KUNIT_CASE(mpa_respond_revisions_test),
	KUNIT_CASE(mpa_respond_markers_rejected_test),
	KUNIT_CASE_PARAM(mpa_respond_ird_ord_test, siwf_ird_ord_gen_params),
	KUNIT_CASE(mpa_respond_crc_matrix_test),
	KUNIT_CASE(mpa_reply_crc_matrix_test),
	KUNIT_CASE(mpa_reply_refusals_test),
	KUNIT_CASE(mpa_reply_ird_ord_test),
	KUNIT_CASE_PARAM(mpa_respond_rtr_test, siwf_rtr_gen_params),
	KUNIT_CASE(mpa_respond_no_p2p_no_rtr_test),
	KUNIT_CASE(mpa_reply_rtr_test),
	KUNIT_CASE(mpa_both_sides_agree_test),
	{}
};

struct kunit_suite siwf_mpa_negotiation_test_suite = {
	.name = "siw_flash_mpa_negotiation",
	.test_cases = siwf_mpa_negotiation_test_cases,
};

#define S(x)	SIWF_MPA_##x
#define E(x)	SIWF_MPA_EV_##x
#define A(x)	SIWF_MPA_DO_##x

struct siwf_fsm_case {
	enum siwf_mpa_state state;
	enum siwf_mpa_event event;
	enum siwf_mpa_state next;
	unsigned int actions;
	int status;
};

static const struct siwf_fsm_case siwf_fsm_cases[] = {
	{ S(IDLE), E(LISTEN_ACCEPTED), S(AWAIT_REQUEST), A(START_REQ_TIMER) },
	{ S(IDLE), E(REQUEST_SENT), S(AWAIT_REPLY), A(START_REP_TIMER) },
	{ S(IDLE), E(PEER_CLOSED), S(CLOSED), A(CLOSE) },
	{ S(IDLE), E(REPLY_OK), S(IDLE), A(BUG) },
	{ S(IDLE), E(TIMEOUT), S(IDLE), A(BUG) },
	/* responder */
	{ S(AWAIT_REQUEST), E(REQUEST_OK), S(AWAIT_ACCEPT),
	  A(CANCEL_TIMER) | A(UPCALL_REQUEST) },
	{ S(AWAIT_REQUEST), E(REQUEST_REFUSED), S(CLOSED),
	  A(CANCEL_TIMER) | A(SEND_REJECT) | A(CLOSE) },
	{ S(AWAIT_REQUEST), E(REQUEST_INVALID), S(CLOSED),
	  A(CANCEL_TIMER) | A(CLOSE) },
	{ S(AWAIT_REQUEST), E(PEER_CLOSED), S(CLOSED),
	  A(CANCEL_TIMER) | A(CLOSE) },
	{ S(AWAIT_REQUEST), E(TIMEOUT), S(CLOSED), A(CLOSE) },
	{ S(AWAIT_REQUEST), E(ACCEPT), S(AWAIT_REQUEST), A(BUG) },
	{ S(AWAIT_ACCEPT), E(ACCEPT), S(RDMA),
	  A(SEND_REPLY) | A(UPCALL_ESTABLISHED) },
	{ S(AWAIT_ACCEPT), E(ACCEPT_P2P), S(AWAIT_RTR),
	  A(SEND_REPLY) | A(START_REQ_TIMER) },
	{ S(AWAIT_ACCEPT), E(REJECT), S(CLOSED), A(SEND_REJECT) | A(CLOSE) },
	{ S(AWAIT_ACCEPT), E(PEER_CLOSED), S(CLOSED), A(CLOSE) },
	{ S(AWAIT_ACCEPT), E(TIMEOUT), S(AWAIT_ACCEPT), A(STALE) },
	{ S(AWAIT_ACCEPT), E(REQUEST_OK), S(AWAIT_ACCEPT), A(BUG) },
	{ S(AWAIT_RTR), E(RTR_RECEIVED), S(RDMA),
	  A(CANCEL_TIMER) | A(UPCALL_ESTABLISHED) },
	{ S(AWAIT_RTR), E(RTR_INVALID), S(CLOSED),
	  A(CANCEL_TIMER) | A(SEND_TERMINATE) | A(UPCALL_CLOSE) | A(CLOSE),
	  -EPROTO },
	{ S(AWAIT_RTR), E(TIMEOUT), S(CLOSED), A(UPCALL_CLOSE) | A(CLOSE),
	  -ETIMEDOUT },
	{ S(AWAIT_RTR), E(PEER_CLOSED), S(CLOSED),
	  A(CANCEL_TIMER) | A(UPCALL_CLOSE) | A(CLOSE), -ECONNRESET },
	{ S(AWAIT_RTR), E(ACCEPT), S(AWAIT_RTR), A(BUG) },
	/* initiator */
	{ S(AWAIT_REPLY), E(REPLY_OK), S(RDMA),
	  A(CANCEL_TIMER) | A(UPCALL_REPLY) },
	{ S(AWAIT_REPLY), E(REPLY_OK_P2P), S(RDMA),
	  A(CANCEL_TIMER) | A(SEND_RTR) | A(UPCALL_REPLY) },
	{ S(AWAIT_REPLY), E(REPLY_REJECTED), S(CLOSED),
	  A(CANCEL_TIMER) | A(UPCALL_REPLY) | A(CLOSE), -ECONNREFUSED },
	{ S(AWAIT_REPLY), E(REPLY_INVALID), S(CLOSED),
	  A(CANCEL_TIMER) | A(SEND_TERMINATE) | A(UPCALL_REPLY) | A(CLOSE),
	  -EPROTO },
	{ S(AWAIT_REPLY), E(TIMEOUT), S(CLOSED), A(UPCALL_REPLY) | A(CLOSE),
	  -ETIMEDOUT },
	{ S(AWAIT_REPLY), E(PEER_CLOSED), S(CLOSED),
	  A(CANCEL_TIMER) | A(UPCALL_REPLY) | A(CLOSE), -ECONNRESET },
	{ S(AWAIT_REPLY), E(REQUEST_OK), S(AWAIT_REPLY), A(BUG) },
	/* after the handshake */
	{ S(RDMA), E(TIMEOUT), S(RDMA), A(STALE) },
	{ S(RDMA), E(PEER_CLOSED), S(RDMA), A(STALE) },
	{ S(RDMA), E(REPLY_OK), S(RDMA), A(BUG) },
	{ S(CLOSED), E(TIMEOUT), S(CLOSED), A(STALE) },
	{ S(CLOSED), E(PEER_CLOSED), S(CLOSED), A(STALE) },
	{ S(CLOSED), E(RTR_RECEIVED), S(CLOSED), A(BUG) },
};

static void siwf_fsm_desc(const struct siwf_fsm_case *c, char *d)
{
	snprintf(d, KUNIT_PARAM_DESC_SIZE, "state %d event %d", c->state,
		 c->event);
}

KUNIT_ARRAY_PARAM(siwf_fsm, siwf_fsm_cases, siwf_fsm_desc);

static void mpa_fsm_transition_test(struct kunit *test)
{
	const struct siwf_fsm_case *c = test->param_value;
	struct siwf_mpa_step step = siwf_mpa_next(c->state, c->event);

	KUNIT_EXPECT_EQ(test, step.next, c->next);
	KUNIT_EXPECT_EQ(test, step.actions, c->actions);
	KUNIT_EXPECT_EQ(test, step.status, c->status);
}

/*
 * Every (state, event) pair: the handshake ends only through RDMA or
 * CLOSED, a close always comes with CLOSE, a timer is never both started
 * and cancelled, and an unexpected event never changes the state.
 */
static void mpa_fsm_invariants_test(struct kunit *test)
{
	enum siwf_mpa_state s;
	enum siwf_mpa_event e;
	struct siwf_mpa_step step;

	for (s = SIWF_MPA_IDLE; s <= SIWF_MPA_CLOSED; s++) {
		for (e = SIWF_MPA_EV_LISTEN_ACCEPTED;
		     e <= SIWF_MPA_EV_PEER_CLOSED; e++) {
			step = siwf_mpa_next(s, e);
			if (step.actions & (A(BUG) | A(STALE))) {
				KUNIT_EXPECT_EQ(test, step.next, s);
				KUNIT_EXPECT_TRUE(test, step.actions == A(BUG) ||
						  step.actions == A(STALE));
			}
			if (step.next == SIWF_MPA_CLOSED && s != SIWF_MPA_CLOSED)
				KUNIT_EXPECT_TRUE(test,
						  step.actions & A(CLOSE));
			if (step.actions & A(CLOSE))
				KUNIT_EXPECT_EQ(test, step.next,
						SIWF_MPA_CLOSED);
			KUNIT_EXPECT_FALSE(test, (step.actions &
						  A(CANCEL_TIMER)) &&
					   (step.actions &
					    (A(START_REQ_TIMER) |
					     A(START_REP_TIMER))));
			if (step.actions & (A(UPCALL_REPLY) | A(UPCALL_CLOSE)))
				KUNIT_EXPECT_TRUE(test, s == S(AWAIT_REPLY) ||
						  s == S(AWAIT_RTR));
		}
	}
}

static struct kunit_case siwf_mpa_fsm_test_cases[] = {
	KUNIT_CASE_PARAM(mpa_fsm_transition_test, siwf_fsm_gen_params),
	KUNIT_CASE(mpa_fsm_invariants_test),
	{}
};

struct kunit_suite siwf_mpa_fsm_test_suite = {
	.name = "siw_flash_mpa_fsm",
	.test_cases = siwf_mpa_fsm_test_cases,
};
