// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the MPA CRC against published vectors and a hand-built FPDU, FPDU
 * sizing for real and odd MSS values, the checks on received headers (one
 * case per TERMINATE cause), and TERMINATE frames byte for byte.
 */
#include <kunit/test.h>
#include <linux/errno.h>
#include <linux/limits.h>
#include <linux/string.h>
#include <asm/unaligned.h>

#include "siwf_fpdu.h"
#include "siwf_term.h"
#include "siwf_test.h"

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

struct siwf_crc_case {
	const char *what;
	u8 data[32];
	unsigned int len;
	u8 trailer[4];		/* as on the wire */
};

/* RFC 3720 B.4, and the customary check value of CRC32c */
static const struct siwf_crc_case siwf_crc_cases[] = {
	{ "32 zero bytes", { 0 }, 32, { 0xaa, 0x36, 0x91, 0x8a } },
	{ "32 bytes 0xff", {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	  }, 32, { 0x43, 0xab, 0xa8, 0x62 } },
	{ "32 incrementing", {
		0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
		16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31,
	  }, 32, { 0x4e, 0x79, 0xdd, 0x46 } },
	{ "32 decrementing", {
		31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17, 16,
		15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0,
	  }, 32, { 0x5c, 0xdb, 0x3f, 0x11 } },
	{ "123456789", "123456789", 9, { 0x83, 0x92, 0x06, 0xe3 } },
};

static void siwf_crc_desc(const struct siwf_crc_case *c, char *d)
{
	strscpy(d, c->what, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(siwf_crc, siwf_crc_cases, siwf_crc_desc);

static void crc_vector_test(struct kunit *test)
{
	const struct siwf_crc_case *c = test->param_value;
	__le32 got;
	unsigned int cut;

	got = siwf_crc_trailer(siwf_crc_update(siwf_crc_start(), c->data,
					       c->len));
	SIWF_EXPECT_BYTES(test, &got, c->trailer, sizeof(got));

	/* fed in two pieces at every split point: the same */
	for (cut = 0; cut <= c->len; cut++) {
		u32 crc = siwf_crc_update(siwf_crc_start(), c->data, cut);

		crc = siwf_crc_update(crc, c->data + cut, c->len - cut);
		KUNIT_EXPECT_EQ(test, le32_to_cpu(siwf_crc_trailer(crc)),
				le32_to_cpu(got));
	}
}

/*
 * A SEND of "abc", last segment, MSN 1: ULPDU 18 + 3 = 21 bytes, one pad
 * byte; the trailer was computed independently of this code.
 */
static const u8 siwf_send_abc[28] = {
	0x00, 0x15, 0x41, 0x43,		/* ULPDU 21, L, DDP 1, RDMAP 1 SEND */
	0x00, 0x00, 0x00, 0x00,		/* RsvdULP */
	0x00, 0x00, 0x00, 0x00,		/* QN 0 */
	0x00, 0x00, 0x00, 0x01,		/* MSN 1 */
	0x00, 0x00, 0x00, 0x00,		/* MO 0 */
	'a', 'b', 'c', 0x00,		/* payload, pad */
	0x44, 0x70, 0x65, 0xaa,		/* CRC32c, least significant first */
};

static void crc_fpdu_test(struct kunit *test)
{
	u8 frame[sizeof(siwf_send_abc)];
	__le32 crc;

	memcpy(frame, siwf_send_abc, sizeof(frame));
	crc = siwf_fpdu_crc(frame);
	SIWF_EXPECT_BYTES(test, &crc, frame + 24, sizeof(crc));

	/* the pad is covered: a stray pad byte changes the CRC */
	frame[23] = 1;
	KUNIT_EXPECT_NE(test, le32_to_cpu(siwf_fpdu_crc(frame)), le32_to_cpu(crc));
	frame[23] = 0;
	/* so is the length field */
	frame[1] = 0x14;	/* 20: 2 + 20 + 2 pad = 24, same extent */
	KUNIT_EXPECT_NE(test, le32_to_cpu(siwf_fpdu_crc(frame)), le32_to_cpu(crc));
}

static struct kunit_case siwf_crc_test_cases[] = {
	KUNIT_CASE_PARAM(crc_vector_test, siwf_crc_gen_params),
	KUNIT_CASE(crc_fpdu_test),
	{}
};

struct kunit_suite siwf_crc_test_suite = {
	.name = "siw_flash_crc",
	.test_cases = siwf_crc_test_cases,
};

static void fpdu_pad_test(struct kunit *test)
{
	static const u8 pad[8] = { 2, 1, 0, 3, 2, 1, 0, 3 };
	unsigned int len;

	for (len = 0; len < ARRAY_SIZE(pad); len++) {
		KUNIT_EXPECT_EQ(test, siwf_fpdu_pad(len), pad[len]);
		KUNIT_EXPECT_EQ(test, siwf_fpdu_wire_len(len) % 4, 0);
		KUNIT_EXPECT_EQ(test, siwf_fpdu_wire_len(len),
				2 + len + pad[len] + 4);
	}
	KUNIT_EXPECT_EQ(test, siwf_fpdu_pad(65535), 3);
}

struct siwf_mss_case {
	unsigned int mss, hdr_len, payload;
};

static const struct siwf_mss_case siwf_mss_cases[] = {
	{ 1460, 20, 1432 },	/* Ethernet, SEND */
	{ 1460, 16, 1436 },	/* Ethernet, WRITE / READ response */
	{ 1461, 16, 1436 },	/* odd: rounded down to 1456 */
	{ 1459, 20, 1432 },	/* odd: 1456 too */
	{ 1448, 16, 1428 },	/* Ethernet with TCP timestamps */
	{ 1023, 16, 996 },	/* 1016 */
	{ 536, 20, 512 },	/* the IPv4 default */
	{ 8948, 16, 8924 },	/* jumbo */
	{ 9001, 20, 8976 },	/* 9000 */
	{ 65495, 20, 65464 },	/* loopback: 65488 */
	{ 65535, 16, 65508 },	/* 65528: the ULPDU still fits 16 bits */
	{ 24, 16, 4 },		/* the smallest that carries a byte */
	{ 23, 16, 0 },		/* 16: header + CRC only would need 20 */
	{ 20, 16, 0 },		/* an empty tagged FPDU fits exactly */
	{ 52, 48, 0 },		/* READ request + CRC, exactly */
	{ 51, 48, 0 },
	{ 0, 16, 0 },
	{ 7, 16, 0 },
};

static void siwf_mss_desc(const struct siwf_mss_case *c, char *d)
{
	snprintf(d, KUNIT_PARAM_DESC_SIZE, "mss %u hdr %u", c->mss, c->hdr_len);
}

KUNIT_ARRAY_PARAM(siwf_mss, siwf_mss_cases, siwf_mss_desc);

static void fpdu_max_payload_test(struct kunit *test)
{
	const struct siwf_mss_case *c = test->param_value;
	unsigned int p = siwf_fpdu_max_payload(c->mss, c->hdr_len);
	unsigned int ulpdu = c->hdr_len - MPA_LEN_SIZE + p;

	KUNIT_EXPECT_EQ(test, p, c->payload);
	KUNIT_EXPECT_EQ(test, siwf_fpdu_limit(c->mss) % 8, 0);
	KUNIT_EXPECT_LE(test, siwf_fpdu_limit(c->mss), c->mss);
	if (!p)
		return;
	/* it fits, a byte more would not, and the length field holds it */
	KUNIT_EXPECT_LE(test, siwf_fpdu_wire_len(ulpdu),
			siwf_fpdu_limit(c->mss));
	KUNIT_EXPECT_GT(test, siwf_fpdu_wire_len(ulpdu + 1),
			siwf_fpdu_limit(c->mss));
	KUNIT_EXPECT_LE(test, ulpdu, U16_MAX);
}

static void fpdu_empty_fits_test(struct kunit *test)
{
	/* header + CRC exactly at the limit: room for nothing, but valid */
	KUNIT_EXPECT_EQ(test, siwf_fpdu_max_payload(20, 16), 0);
	KUNIT_EXPECT_EQ(test, siwf_fpdu_wire_len(14), 20U);
	/* a header shorter than the length field is nonsense */
	KUNIT_EXPECT_EQ(test, siwf_fpdu_max_payload(1460, 1), 0);
}

static void fpdu_count_test(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, siwf_fpdu_count(0, 1432), 1);
	KUNIT_EXPECT_EQ(test, siwf_fpdu_count(1, 1432), 1);
	KUNIT_EXPECT_EQ(test, siwf_fpdu_count(1432, 1432), 1);
	KUNIT_EXPECT_EQ(test, siwf_fpdu_count(1433, 1432), 2);
	KUNIT_EXPECT_EQ(test, siwf_fpdu_count(4096, 1436), 3);
	KUNIT_EXPECT_EQ(test, siwf_fpdu_count(1ULL << 32, 1436), 2990925U);
	KUNIT_EXPECT_EQ(test, siwf_fpdu_count(100, 0), 0);
}

static struct kunit_case siwf_fpdu_size_test_cases[] = {
	KUNIT_CASE(fpdu_pad_test),
	KUNIT_CASE_PARAM(fpdu_max_payload_test, siwf_mss_gen_params),
	KUNIT_CASE(fpdu_empty_fits_test),
	KUNIT_CASE(fpdu_count_test),
	{}
};

struct kunit_suite siwf_fpdu_size_test_suite = {
	.name = "siw_flash_fpdu_size",
	.test_cases = siwf_fpdu_size_test_cases,
};

static void siwf_untagged(union iwarp_hdr *h, enum rdmap_opcode op, u32 qn,
			  u32 msn, u32 mo, unsigned int payload)
{
	memset(h, 0, sizeof(*h));
	iwarp_set_ctrl(&h->ctrl, op, false, true);
	h->ctrl.mpa_len = cpu_to_be16(iwarp_hdr_len(op) - MPA_LEN_SIZE +
				      payload);
	h->untagged.qn = cpu_to_be32(qn);
	h->untagged.msn = cpu_to_be32(msn);
	h->untagged.mo = cpu_to_be32(mo);
}

static void siwf_tagged(union iwarp_hdr *h, enum rdmap_opcode op, u32 stag,
			u64 to, unsigned int payload)
{
	memset(h, 0, sizeof(*h));
	iwarp_set_ctrl(&h->ctrl, op, true, false);
	h->ctrl.mpa_len = cpu_to_be16(sizeof(h->tagged) - MPA_LEN_SIZE +
				      payload);
	h->tagged.stag = cpu_to_be32(stag);
	h->tagged.to = cpu_to_be64(to);
}

static void rx_send_test(struct kunit *test)
{
	struct siwf_term_cause cause = { };
	struct siwf_rx_hdr rx;
	union iwarp_hdr h = { };

	memcpy(&h, siwf_send_abc, sizeof(struct iwarp_untagged_hdr));
	KUNIT_ASSERT_EQ(test, siwf_rx_decode(&h, &rx, &cause), 0);
	KUNIT_EXPECT_EQ(test, rx.opcode, RDMAP_SEND);
	KUNIT_EXPECT_EQ(test, rx.tagged, 0);
	KUNIT_EXPECT_EQ(test, rx.last, 1);
	KUNIT_EXPECT_EQ(test, rx.hdr_len, 20);
	KUNIT_EXPECT_EQ(test, rx.ulpdu_len, 21);
	KUNIT_EXPECT_EQ(test, rx.payload_len, 3);
	KUNIT_EXPECT_EQ(test, rx.msg.qn, 0);
	KUNIT_EXPECT_EQ(test, rx.msg.msn, 1);
	KUNIT_EXPECT_EQ(test, rx.msg.mo, 0);
	KUNIT_EXPECT_EQ(test, rx.msg.inval_stag, 0);
}

static void rx_send_inv_test(struct kunit *test)
{
	struct siwf_term_cause cause = { };
	union iwarp_hdr h;
	struct siwf_rx_hdr rx;

	siwf_untagged(&h, RDMAP_SEND_SE_INV, IWARP_QN_SEND, 0x80000001,
		      0xfffff000, 4096);
	h.send_inv.inval_stag = cpu_to_be32(0x00abcd12);
	h.ctrl.ddp &= ~DDP_LAST;
	KUNIT_ASSERT_EQ(test, siwf_rx_decode(&h, &rx, &cause), 0);
	KUNIT_EXPECT_EQ(test, rx.opcode, RDMAP_SEND_SE_INV);
	KUNIT_EXPECT_EQ(test, rx.last, 0);
	KUNIT_EXPECT_EQ(test, rx.payload_len, 4096);
	KUNIT_EXPECT_EQ(test, rx.msg.msn, 0x80000001U);
	KUNIT_EXPECT_EQ(test, rx.msg.mo, 0xfffff000U);
	KUNIT_EXPECT_EQ(test, rx.msg.inval_stag, 0x00abcd12U);

	/* a plain SEND's RsvdULP is not an STag */
	h.ctrl.rdmap = (h.ctrl.rdmap & ~RDMAP_OPCODE_MASK) | RDMAP_SEND;
	KUNIT_ASSERT_EQ(test, siwf_rx_decode(&h, &rx, &cause), 0);
	KUNIT_EXPECT_EQ(test, rx.msg.inval_stag, 0);
}

static void rx_write_test(struct kunit *test)
{
	struct siwf_term_cause cause = { };
	union iwarp_hdr h;
	struct siwf_rx_hdr rx;

	siwf_tagged(&h, RDMAP_WRITE, 0x12345678, 0xfedcba9876543210ULL, 1436);
	KUNIT_ASSERT_EQ(test, siwf_rx_decode(&h, &rx, &cause), 0);
	KUNIT_EXPECT_EQ(test, rx.opcode, RDMAP_WRITE);
	KUNIT_EXPECT_EQ(test, rx.tagged, 1);
	KUNIT_EXPECT_EQ(test, rx.hdr_len, 16);
	KUNIT_EXPECT_EQ(test, rx.payload_len, 1436);
	KUNIT_EXPECT_EQ(test, rx.tag.stag, 0x12345678U);
	KUNIT_EXPECT_EQ(test, rx.tag.to, 0xfedcba9876543210ULL);

	/* the last byte at the very top of the TO space is still fine */
	siwf_tagged(&h, RDMAP_READ_RESPONSE, 1, U64_MAX - 99, 100);
	KUNIT_EXPECT_EQ(test, siwf_rx_decode(&h, &rx, &cause), 0);
	KUNIT_EXPECT_EQ(test, rx.opcode, RDMAP_READ_RESPONSE);
	/* an empty segment at the top too */
	siwf_tagged(&h, RDMAP_WRITE, 1, U64_MAX, 0);
	KUNIT_EXPECT_EQ(test, siwf_rx_decode(&h, &rx, &cause), 0);
}

static void rx_read_request_test(struct kunit *test)
{
	struct siwf_term_cause cause = { };
	union iwarp_hdr h;
	struct siwf_rx_hdr rx;

	siwf_untagged(&h, RDMAP_READ_REQUEST, IWARP_QN_READ_REQUEST, 3, 0, 0);
	h.rreq.sink_stag = cpu_to_be32(0x100);
	h.rreq.sink_to = cpu_to_be64(0x7f0000001000ULL);
	h.rreq.size = cpu_to_be32(1 << 20);
	h.rreq.src_stag = cpu_to_be32(0x2ff);
	h.rreq.src_to = cpu_to_be64(4096);
	KUNIT_ASSERT_EQ(test, siwf_rx_decode(&h, &rx, &cause), 0);
	KUNIT_EXPECT_EQ(test, rx.hdr_len, 48);
	KUNIT_EXPECT_EQ(test, rx.ulpdu_len, 46);
	KUNIT_EXPECT_EQ(test, rx.payload_len, 0);
	KUNIT_EXPECT_EQ(test, rx.msg.qn, 1);
	KUNIT_EXPECT_EQ(test, rx.msg.msn, 3);
	KUNIT_EXPECT_EQ(test, rx.rreq.sink_stag, 0x100U);
	KUNIT_EXPECT_EQ(test, rx.rreq.sink_to, 0x7f0000001000ULL);
	KUNIT_EXPECT_EQ(test, rx.rreq.size, 1U << 20);
	KUNIT_EXPECT_EQ(test, rx.rreq.src_stag, 0x2ffU);
	KUNIT_EXPECT_EQ(test, rx.rreq.src_to, 4096ULL);
}

static void rx_terminate_test(struct kunit *test)
{
	struct siwf_term_cause cause = { };
	union iwarp_hdr h;
	struct siwf_rx_hdr rx;

	siwf_untagged(&h, RDMAP_TERMINATE, IWARP_QN_TERMINATE, 1, 0, 20);
	h.term.term = iwarp_term_word(TERM_LAYER_DDP, DDP_ETYPE_UNTAGGED,
				      DDP_U_INVALID_QN);
	KUNIT_ASSERT_EQ(test, siwf_rx_decode(&h, &rx, &cause), 0);
	KUNIT_EXPECT_EQ(test, rx.hdr_len, 24);
	KUNIT_EXPECT_EQ(test, rx.payload_len, 20);
	KUNIT_EXPECT_EQ(test, iwarp_term_ecode(&h.term), DDP_U_INVALID_QN);
}

struct siwf_rx_bad {
	const char *what;
	void (*spoil)(union iwarp_hdr *h);
	u8 layer, etype, ecode;
};

static void siwf_send_hdr(union iwarp_hdr *h)
{
	siwf_untagged(h, RDMAP_SEND, IWARP_QN_SEND, 1, 0, 10);
}

static void siwf_rreq_hdr(union iwarp_hdr *h)
{
	siwf_untagged(h, RDMAP_READ_REQUEST, IWARP_QN_READ_REQUEST, 1, 0, 0);
}

static void spoil_ddp_version_untagged(union iwarp_hdr *h)
{
	siwf_send_hdr(h);
	h->ctrl.ddp = (h->ctrl.ddp & ~DDP_VERSION_MASK) | 0;
}

static void spoil_ddp_version_tagged(union iwarp_hdr *h)
{
	siwf_tagged(h, RDMAP_WRITE, 1, 0, 8);
	h->ctrl.ddp = (h->ctrl.ddp & ~DDP_VERSION_MASK) | 2;
}

static void spoil_rdmap_version(union iwarp_hdr *h)
{
	siwf_send_hdr(h);
	h->ctrl.rdmap = (h->ctrl.rdmap & RDMAP_OPCODE_MASK) | 2 << 6;
}

static void spoil_opcode_8(union iwarp_hdr *h)
{
	siwf_send_hdr(h);
	h->ctrl.rdmap |= 0x8;		/* SEND 3 becomes 11 */
}

static void spoil_opcode_15(union iwarp_hdr *h)
{
	siwf_tagged(h, RDMAP_WRITE, 1, 0, 8);
	h->ctrl.rdmap |= RDMAP_OPCODE_MASK;
}

static void spoil_send_tagged(union iwarp_hdr *h)
{
	siwf_send_hdr(h);
	h->ctrl.ddp |= DDP_TAGGED;
}

static void spoil_write_untagged(union iwarp_hdr *h)
{
	siwf_tagged(h, RDMAP_WRITE, 1, 0, 8);
	h->ctrl.ddp &= ~DDP_TAGGED;
}

static void spoil_short_send(union iwarp_hdr *h)
{
	siwf_send_hdr(h);
	h->ctrl.mpa_len = cpu_to_be16(17);
}

static void spoil_short_rreq(union iwarp_hdr *h)
{
	siwf_rreq_hdr(h);
	h->ctrl.mpa_len = cpu_to_be16(45);
}

static void spoil_send_on_read_queue(union iwarp_hdr *h)
{
	siwf_send_hdr(h);
	h->untagged.qn = cpu_to_be32(IWARP_QN_READ_REQUEST);
}

static void spoil_rreq_on_send_queue(union iwarp_hdr *h)
{
	siwf_rreq_hdr(h);
	h->untagged.qn = cpu_to_be32(IWARP_QN_SEND);
}

static void spoil_queue_3(union iwarp_hdr *h)
{
	siwf_send_hdr(h);
	h->untagged.qn = cpu_to_be32(3);
}

static void spoil_rreq_mo(union iwarp_hdr *h)
{
	siwf_rreq_hdr(h);
	h->untagged.mo = cpu_to_be32(4096);
}

static void spoil_rreq_not_last(union iwarp_hdr *h)
{
	siwf_rreq_hdr(h);
	h->ctrl.ddp &= ~DDP_LAST;
}

static void spoil_rreq_payload(union iwarp_hdr *h)
{
	siwf_rreq_hdr(h);
	h->ctrl.mpa_len = cpu_to_be16(47);
}

static void spoil_terminate_mo(union iwarp_hdr *h)
{
	siwf_untagged(h, RDMAP_TERMINATE, IWARP_QN_TERMINATE, 1, 1, 0);
}

static void spoil_to_wrap(union iwarp_hdr *h)
{
	siwf_tagged(h, RDMAP_WRITE, 1, U64_MAX - 98, 100);
}

static const struct siwf_rx_bad siwf_rx_bad_cases[] = {
	{ "DDP version 0, untagged", spoil_ddp_version_untagged,
	  TERM_LAYER_DDP, DDP_ETYPE_UNTAGGED, DDP_U_VERSION },
	{ "DDP version 2, tagged", spoil_ddp_version_tagged,
	  TERM_LAYER_DDP, DDP_ETYPE_TAGGED, DDP_T_VERSION },
	{ "RDMAP version 2", spoil_rdmap_version, TERM_LAYER_RDMAP,
	  RDMAP_ETYPE_REMOTE_OPERATION, RDMAP_ECODE_VERSION },
	{ "opcode 11", spoil_opcode_8, TERM_LAYER_RDMAP,
	  RDMAP_ETYPE_REMOTE_OPERATION, RDMAP_ECODE_OPCODE },
	{ "opcode 15", spoil_opcode_15, TERM_LAYER_RDMAP,
	  RDMAP_ETYPE_REMOTE_OPERATION, RDMAP_ECODE_OPCODE },
	{ "tagged SEND", spoil_send_tagged, TERM_LAYER_RDMAP,
	  RDMAP_ETYPE_REMOTE_OPERATION, RDMAP_ECODE_OPCODE },
	{ "untagged WRITE", spoil_write_untagged, TERM_LAYER_RDMAP,
	  RDMAP_ETYPE_REMOTE_OPERATION, RDMAP_ECODE_OPCODE },
	{ "SEND shorter than its header", spoil_short_send, TERM_LAYER_DDP,
	  DDP_ETYPE_CATASTROPHIC, 0 },
	{ "READ request cut short", spoil_short_rreq, TERM_LAYER_DDP,
	  DDP_ETYPE_CATASTROPHIC, 0 },
	{ "SEND on queue 1", spoil_send_on_read_queue, TERM_LAYER_DDP,
	  DDP_ETYPE_UNTAGGED, DDP_U_INVALID_QN },
	{ "READ request on queue 0", spoil_rreq_on_send_queue,
	  TERM_LAYER_DDP, DDP_ETYPE_UNTAGGED, DDP_U_INVALID_QN },
	{ "queue 3", spoil_queue_3, TERM_LAYER_DDP, DDP_ETYPE_UNTAGGED,
	  DDP_U_INVALID_QN },
	{ "READ request MO 4096", spoil_rreq_mo, TERM_LAYER_DDP,
	  DDP_ETYPE_UNTAGGED, DDP_U_INVALID_MO },
	{ "READ request not last", spoil_rreq_not_last, TERM_LAYER_DDP,
	  DDP_ETYPE_UNTAGGED, DDP_U_INVALID_MO },
	{ "READ request with payload", spoil_rreq_payload, TERM_LAYER_DDP,
	  DDP_ETYPE_UNTAGGED, DDP_U_TOO_LONG },
	{ "TERMINATE MO 1", spoil_terminate_mo, TERM_LAYER_DDP,
	  DDP_ETYPE_UNTAGGED, DDP_U_INVALID_MO },
	{ "TO wraps", spoil_to_wrap, TERM_LAYER_DDP, DDP_ETYPE_TAGGED,
	  DDP_T_TO_WRAP },
};

static void siwf_rx_bad_desc(const struct siwf_rx_bad *c, char *d)
{
	strscpy(d, c->what, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(siwf_rx_bad, siwf_rx_bad_cases, siwf_rx_bad_desc);

static void rx_rejects_test(struct kunit *test)
{
	const struct siwf_rx_bad *c = test->param_value;
	struct siwf_term_cause cause = { 0xee, 0xee, 0xee };
	union iwarp_hdr h;
	struct siwf_rx_hdr rx;

	c->spoil(&h);
	KUNIT_EXPECT_EQ(test, siwf_rx_decode(&h, &rx, &cause), -EPROTO);
	KUNIT_EXPECT_EQ(test, cause.layer, c->layer);
	KUNIT_EXPECT_EQ(test, cause.etype, c->etype);
	KUNIT_EXPECT_EQ(test, cause.ecode, c->ecode);
}

static void rx_ctrl_hdr_len_test(struct kunit *test)
{
	struct siwf_term_cause cause = { };
	unsigned int len = 0;
	union iwarp_hdr h;

	siwf_rreq_hdr(&h);
	KUNIT_EXPECT_EQ(test, siwf_rx_ctrl(&h.ctrl, &len, &cause), 0);
	KUNIT_EXPECT_EQ(test, len, 48);
	siwf_tagged(&h, RDMAP_READ_RESPONSE, 1, 0, 0);
	KUNIT_EXPECT_EQ(test, siwf_rx_ctrl(&h.ctrl, &len, &cause), 0);
	KUNIT_EXPECT_EQ(test, len, 16);
}

static struct kunit_case siwf_rx_test_cases[] = {
	KUNIT_CASE(rx_send_test),
	KUNIT_CASE(rx_send_inv_test),
	KUNIT_CASE(rx_write_test),
	KUNIT_CASE(rx_read_request_test),
	KUNIT_CASE(rx_terminate_test),
	KUNIT_CASE_PARAM(rx_rejects_test, siwf_rx_bad_gen_params),
	KUNIT_CASE(rx_ctrl_hdr_len_test),
	{}
};

struct kunit_suite siwf_rx_test_suite = {
	.name = "siw_flash_rx",
	.test_cases = siwf_rx_test_cases,
};

struct siwf_hdrct_case {
	struct siwf_term_cause cause;
	u32 hdrct;		/* host order M 0x8000, D 0x4000, R 0x2000 */
};

static const struct siwf_hdrct_case siwf_hdrct_cases[] = {
	{ { TERM_LAYER_RDMAP, RDMAP_ETYPE_CATASTROPHIC, 0 }, 0 },
	{ { TERM_LAYER_RDMAP, RDMAP_ETYPE_REMOTE_PROTECTION,
	    RDMAP_ECODE_BASE_BOUNDS }, 0xe000 },
	{ { TERM_LAYER_RDMAP, RDMAP_ETYPE_REMOTE_OPERATION,
	    RDMAP_ECODE_VERSION }, 0 },
	{ { TERM_LAYER_RDMAP, RDMAP_ETYPE_REMOTE_OPERATION,
	    RDMAP_ECODE_OPCODE }, 0 },
	{ { TERM_LAYER_RDMAP, RDMAP_ETYPE_REMOTE_OPERATION,
	    RDMAP_ECODE_CATASTROPHIC_STREAM }, 0xc000 },
	{ { TERM_LAYER_DDP, DDP_ETYPE_CATASTROPHIC, 0 }, 0 },
	{ { TERM_LAYER_DDP, DDP_ETYPE_TAGGED, DDP_T_INVALID_STAG }, 0xc000 },
	{ { TERM_LAYER_DDP, DDP_ETYPE_TAGGED, DDP_T_VERSION }, 0 },
	{ { TERM_LAYER_DDP, DDP_ETYPE_UNTAGGED, DDP_U_MSN_RANGE }, 0xc000 },
	{ { TERM_LAYER_DDP, DDP_ETYPE_UNTAGGED, DDP_U_VERSION }, 0 },
	{ { TERM_LAYER_LLP, MPA_ETYPE, MPA_ECODE_CRC }, 0 },
	{ { TERM_LAYER_LLP, MPA_ETYPE, MPA_ECODE_INSUFFICIENT_IRD }, 0 },
};

static void siwf_hdrct_desc(const struct siwf_hdrct_case *c, char *d)
{
	snprintf(d, KUNIT_PARAM_DESC_SIZE, "%u/%u/%u", c->cause.layer,
		 c->cause.etype, c->cause.ecode);
}

KUNIT_ARRAY_PARAM(siwf_hdrct, siwf_hdrct_cases, siwf_hdrct_desc);

static void term_hdrct_test(struct kunit *test)
{
	const struct siwf_hdrct_case *c = test->param_value;

	KUNIT_EXPECT_EQ(test, be32_to_cpu(siwf_term_hdrct(&c->cause)),
			c->hdrct);
}

/* A READ request touching memory it may not: the whole request echoed */
static void term_protection_frame_test(struct kunit *test)
{
	static const u8 want_hdr[24] = {
		0x00, 0x46, 0x41, 0x47,	/* ULPDU 70, L, TERMINATE */
		0, 0, 0, 0,
		0, 0, 0, 2,		/* QN 2 */
		0, 0, 0, 5,		/* MSN 5 */
		0, 0, 0, 0,
		0x01, 0x01, 0xe0, 0x00,	/* RDMAP, protection, bounds, MDR */
	};
	struct siwf_term_cause c = { TERM_LAYER_RDMAP,
				     RDMAP_ETYPE_REMOTE_PROTECTION,
				     RDMAP_ECODE_BASE_BOUNDS };
	u8 buf[IWARP_TERM_FRAME_MAX + 8];
	union iwarp_hdr bad;
	__le32 crc;

	siwf_rreq_hdr(&bad);
	bad.rreq.src_stag = cpu_to_be32(0xabc01);
	memset(buf, 0x5a, sizeof(buf));
	KUNIT_ASSERT_EQ(test, siwf_term_build(buf, &c, &bad, 5, false), 76);
	SIWF_EXPECT_BYTES(test, buf, want_hdr, sizeof(want_hdr));
	SIWF_EXPECT_BYTES(test, buf + 24, &bad, 48);
	KUNIT_EXPECT_EQ(test, get_unaligned((u32 *)(buf + 72)), 0);
	KUNIT_EXPECT_EQ(test, buf[76], 0x5a);	/* nothing beyond */

	KUNIT_ASSERT_EQ(test, siwf_term_build(buf, &c, &bad, 5, true), 76);
	crc = siwf_crc_trailer(siwf_crc_update(siwf_crc_start(), buf, 72));
	SIWF_EXPECT_BYTES(test, buf + 72, &crc, sizeof(crc));
	KUNIT_EXPECT_NE(test, get_unaligned((u32 *)(buf + 72)), 0);
}

static void term_ddp_frame_test(struct kunit *test)
{
	struct siwf_term_cause c = { TERM_LAYER_DDP, DDP_ETYPE_TAGGED,
				     DDP_T_STAG_NOT_ASSOC };
	struct siwf_rx_hdr rx;
	struct siwf_term_cause rx_cause;
	union iwarp_hdr bad, got;
	u8 buf[IWARP_TERM_FRAME_MAX];

	siwf_tagged(&bad, RDMAP_WRITE, 0x4242, 0x1000, 1000);
	KUNIT_ASSERT_EQ(test, siwf_term_build(buf, &c, &bad, 1, false),
			24 + 16 + 4);
	KUNIT_EXPECT_EQ(test, get_unaligned_be16(buf), 24 + 16 - 2);
	KUNIT_EXPECT_EQ(test, get_unaligned_be32(buf + 20), 0x1102c000U);
	SIWF_EXPECT_BYTES(test, buf + 24, &bad, 16);
	/* the segment length is the offending FPDU's ULPDU length */
	KUNIT_EXPECT_EQ(test, get_unaligned_be16(buf + 24), 14 + 1000);

	/* and our own receive checks accept what we send */
	memcpy(&got, buf, sizeof(got));
	KUNIT_EXPECT_EQ(test, siwf_rx_decode(&got, &rx, &rx_cause), 0);
	KUNIT_EXPECT_EQ(test, rx.opcode, RDMAP_TERMINATE);
	KUNIT_EXPECT_EQ(test, rx.payload_len, 16);
}

static void term_headerless_frame_test(struct kunit *test)
{
	struct siwf_term_cause c = { TERM_LAYER_LLP, MPA_ETYPE,
				     MPA_ECODE_INSUFFICIENT_IRD };
	u8 buf[IWARP_TERM_FRAME_MAX];
	union iwarp_hdr bad;

	KUNIT_ASSERT_EQ(test, siwf_term_build(buf, &c, NULL, 1, true), 28);
	KUNIT_EXPECT_EQ(test, get_unaligned_be16(buf), 22);
	KUNIT_EXPECT_EQ(test, get_unaligned_be32(buf + 20), 0x20060000U);

	/* a protection error with nothing to echo claims no headers */
	c = (struct siwf_term_cause){ TERM_LAYER_RDMAP,
				      RDMAP_ETYPE_REMOTE_PROTECTION, 0 };
	KUNIT_ASSERT_EQ(test, siwf_term_build(buf, &c, NULL, 1, false), 28);
	KUNIT_EXPECT_EQ(test, get_unaligned_be32(buf + 20), 0x01000000U);
	/* nor with an offending header of no known opcode */
	memset(&bad, 0, sizeof(bad));
	bad.ctrl.rdmap = 0x4f;
	KUNIT_ASSERT_EQ(test, siwf_term_build(buf, &c, &bad, 1, false), 28);
	KUNIT_EXPECT_EQ(test, get_unaligned_be32(buf + 20), 0x01000000U);
}

static struct kunit_case siwf_term_test_cases[] = {
	KUNIT_CASE_PARAM(term_hdrct_test, siwf_hdrct_gen_params),
	KUNIT_CASE(term_protection_frame_test),
	KUNIT_CASE(term_ddp_frame_test),
	KUNIT_CASE(term_headerless_frame_test),
	{}
};

struct kunit_suite siwf_term_test_suite = {
	.name = "siw_flash_term",
	.test_cases = siwf_term_test_cases,
};
