// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the wire formats of iwarp.h, checked against the byte layouts the
 * RFCs draw, so a wrong field, mask or packing shows as a wrong byte.
 */
#include <kunit/test.h>
#include <linux/stddef.h>
#include <linux/string.h>

#include "iwarp.h"
#include "siwf_test.h"

static void iwarp_sizes_and_offsets_test(struct kunit *test)
{
	iwarp_check_layout();

	KUNIT_EXPECT_EQ(test, offsetof(struct mpa_rr_hdr, flags_rev), 16);
	KUNIT_EXPECT_EQ(test, offsetof(struct mpa_rr_hdr, pd_len), 18);
	KUNIT_EXPECT_EQ(test, offsetof(struct iwarp_ctrl, ddp), 2);
	KUNIT_EXPECT_EQ(test, offsetof(struct iwarp_ctrl, rdmap), 3);
	KUNIT_EXPECT_EQ(test, offsetof(struct iwarp_untagged_hdr, ulp), 4);
	KUNIT_EXPECT_EQ(test, offsetof(struct iwarp_untagged_hdr, qn), 8);
	KUNIT_EXPECT_EQ(test, offsetof(struct iwarp_untagged_hdr, msn), 12);
	KUNIT_EXPECT_EQ(test, offsetof(struct iwarp_untagged_hdr, mo), 16);
	KUNIT_EXPECT_EQ(test, offsetof(struct iwarp_tagged_hdr, stag), 4);
	KUNIT_EXPECT_EQ(test, offsetof(struct iwarp_tagged_hdr, to), 8);
	KUNIT_EXPECT_EQ(test, offsetof(struct iwarp_send_inv_hdr, inval_stag),
			4);
	KUNIT_EXPECT_EQ(test, offsetof(struct iwarp_read_request, sink_stag),
			20);
	KUNIT_EXPECT_EQ(test, offsetof(struct iwarp_read_request, sink_to), 24);
	KUNIT_EXPECT_EQ(test, offsetof(struct iwarp_read_request, size), 32);
	KUNIT_EXPECT_EQ(test, offsetof(struct iwarp_read_request, src_stag),
			36);
	KUNIT_EXPECT_EQ(test, offsetof(struct iwarp_read_request, src_to), 40);
	KUNIT_EXPECT_EQ(test, offsetof(struct iwarp_term_hdr, term), 20);
	KUNIT_EXPECT_EQ(test, offsetof(struct iwarp_term_frame, copied), 24);
	KUNIT_EXPECT_EQ(test, IWARP_TERM_FRAME_MAX, 76);
}

static void iwarp_mpa_hdr_bytes_test(struct kunit *test)
{
	static const u8 want[4] = { 0xf0, 0x02, 0x01, 0x04 };
	struct mpa_rr_hdr h = { };

	h.flags_rev = MPA_RR_MARKERS | MPA_RR_CRC | MPA_RR_REJECT |
		      MPA_RR_ENHANCED;
	mpa_rr_set_revision(&h, MPA_REVISION_2);
	h.pd_len = cpu_to_be16(260);
	SIWF_EXPECT_BYTES(test, (u8 *)&h + MPA_KEY_SIZE, want, sizeof(want));
	KUNIT_EXPECT_EQ(test, mpa_rr_revision(&h), MPA_REVISION_2);

	/* the revision setter leaves the flags alone, and the reverse */
	mpa_rr_set_revision(&h, 0xab);
	KUNIT_EXPECT_EQ(test, mpa_rr_revision(&h), 0xab);
	KUNIT_EXPECT_TRUE(test, h.flags_rev & MPA_RR_MARKERS);
	KUNIT_EXPECT_TRUE(test, h.flags_rev & MPA_RR_ENHANCED);
	h.flags_rev &= ~MPA_RR_CRC;
	KUNIT_EXPECT_EQ(test, ((u8 *)&h)[16], 0xb0);
	KUNIT_EXPECT_EQ(test, mpa_rr_revision(&h), 0xab);
}

static void iwarp_ird_ord_bytes_test(struct kunit *test)
{
	static const u8 want[4] = { 0xbf, 0xff, 0x80, 0x05 };
	struct mpa_ird_ord b;

	b.ird = cpu_to_be16(MPA_IRD_ORD_MAX) | MPA_IRD_P2P;
	b.ord = cpu_to_be16(5) | MPA_ORD_WRITE_RTR;
	SIWF_EXPECT_BYTES(test, &b, want, sizeof(want));
	KUNIT_EXPECT_EQ(test, mpa_ird_value(&b), MPA_IRD_ORD_MAX);
	KUNIT_EXPECT_EQ(test, mpa_ord_value(&b), 5);

	b.ird |= MPA_IRD_SEND_RTR;
	b.ord |= MPA_ORD_READ_RTR;
	KUNIT_EXPECT_EQ(test, ((u8 *)&b)[0], 0xff);
	KUNIT_EXPECT_EQ(test, ((u8 *)&b)[2], 0xc0);
	KUNIT_EXPECT_EQ(test, mpa_ird_value(&b), MPA_IRD_ORD_MAX);
	KUNIT_EXPECT_EQ(test, mpa_ord_value(&b), 5);
}

static void iwarp_ctrl_bytes_test(struct kunit *test)
{
	struct iwarp_ctrl c = { };

	iwarp_set_ctrl(&c, RDMAP_SEND_SE, false, true);
	KUNIT_EXPECT_EQ(test, c.ddp, 0x41);
	KUNIT_EXPECT_EQ(test, c.rdmap, 0x45);
	iwarp_set_ctrl(&c, RDMAP_WRITE, true, false);
	KUNIT_EXPECT_EQ(test, c.ddp, 0x81);
	KUNIT_EXPECT_EQ(test, c.rdmap, 0x40);
}

/* Every opcode and flag combination survives encode and decode. */
static void iwarp_ctrl_round_trip_test(struct kunit *test)
{
	struct iwarp_ctrl c;
	int op, t, l;

	for (op = 0; op < RDMAP_OPCODE_COUNT; op++) {
		for (t = 0; t < 2; t++) {
			for (l = 0; l < 2; l++) {
				memset(&c, 0xee, sizeof(c));
				iwarp_set_ctrl(&c, op, t, l);
				KUNIT_EXPECT_EQ(test, iwarp_opcode(&c), op);
				KUNIT_EXPECT_EQ(test, iwarp_tagged(&c), !!t);
				KUNIT_EXPECT_EQ(test, iwarp_last(&c), !!l);
				KUNIT_EXPECT_EQ(test, iwarp_ddp_version(&c), 1);
				KUNIT_EXPECT_EQ(test, iwarp_rdmap_version(&c),
						1);
				/* reserved bits of both bytes are zero */
				KUNIT_EXPECT_EQ(test, c.ddp & 0x3c, 0);
				KUNIT_EXPECT_EQ(test, c.rdmap & 0x30, 0);
			}
		}
	}
}

static void iwarp_read_request_bytes_test(struct kunit *test)
{
	static const u8 want[48] = {
		0x00, 0x2e, 0x41, 0x41,			/* len 46, ctrl */
		0x00, 0x00, 0x00, 0x00,			/* RsvdULP */
		0x00, 0x00, 0x00, 0x01,			/* QN 1 */
		0x00, 0x00, 0x00, 0x07,			/* MSN */
		0x00, 0x00, 0x00, 0x00,			/* MO */
		0x11, 0x22, 0x33, 0x44,			/* sink STag */
		0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
		0x00, 0x01, 0x00, 0x00,			/* 64 KiB */
		0xaa, 0xbb, 0xcc, 0xdd,			/* source STag */
		0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8,
	};
	struct iwarp_read_request r = { };

	r.ddp.ctrl.mpa_len = cpu_to_be16(46);
	iwarp_set_ctrl(&r.ddp.ctrl, RDMAP_READ_REQUEST, false, true);
	r.ddp.qn = cpu_to_be32(IWARP_QN_READ_REQUEST);
	r.ddp.msn = cpu_to_be32(7);
	r.sink_stag = cpu_to_be32(0x11223344);
	r.sink_to = cpu_to_be64(0x0102030405060708ULL);
	r.size = cpu_to_be32(65536);
	r.src_stag = cpu_to_be32(0xaabbccdd);
	r.src_to = cpu_to_be64(0xf1f2f3f4f5f6f7f8ULL);
	SIWF_EXPECT_BYTES(test, &r, want, sizeof(want));
}

static void iwarp_tagged_bytes_test(struct kunit *test)
{
	static const u8 want[16] = {
		0x10, 0x0e, 0xc1, 0x42,			/* len, T L, RRESP */
		0xde, 0xad, 0xbe, 0xef,
		0x00, 0x00, 0x7f, 0xff, 0x12, 0x34, 0x50, 0x00,
	};
	struct iwarp_tagged_hdr h = { };

	h.ctrl.mpa_len = cpu_to_be16(0x100e);
	iwarp_set_ctrl(&h.ctrl, RDMAP_READ_RESPONSE, true, true);
	h.stag = cpu_to_be32(0xdeadbeef);
	h.to = cpu_to_be64(0x00007fff12345000ULL);
	SIWF_EXPECT_BYTES(test, &h, want, sizeof(want));
}

static void iwarp_term_word_test(struct kunit *test)
{
	static const u8 want[4] = { 0x20, 0x06, 0xc0, 0x00 };
	struct iwarp_term_hdr t = { };

	t.term = iwarp_term_word(TERM_LAYER_LLP, MPA_ETYPE,
				 MPA_ECODE_INSUFFICIENT_IRD) |
		 TERM_HDR_M | TERM_HDR_D;
	SIWF_EXPECT_BYTES(test, &t.term, want, sizeof(want));
	KUNIT_EXPECT_EQ(test, iwarp_term_layer(&t), TERM_LAYER_LLP);
	KUNIT_EXPECT_EQ(test, iwarp_term_etype(&t), MPA_ETYPE);
	KUNIT_EXPECT_EQ(test, iwarp_term_ecode(&t),
			MPA_ECODE_INSUFFICIENT_IRD);

	t.term = iwarp_term_word(TERM_LAYER_RDMAP,
				 RDMAP_ETYPE_REMOTE_OPERATION,
				 RDMAP_ECODE_UNSPECIFIED) | TERM_HDR_R;
	KUNIT_EXPECT_EQ(test, be32_to_cpu(t.term), 0x02ff2000U);
	KUNIT_EXPECT_EQ(test, iwarp_term_ecode(&t), RDMAP_ECODE_UNSPECIFIED);
	/* fields do not bleed into each other */
	t.term = iwarp_term_word(0x1f, 0x1f, 0);
	KUNIT_EXPECT_EQ(test, be32_to_cpu(t.term), 0xff000000U);
}

/* The RFC values of the codes, as another implementation reads them */
static void iwarp_error_codes_test(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, TERM_LAYER_DDP, 1);
	KUNIT_EXPECT_EQ(test, TERM_LAYER_LLP, 2);
	KUNIT_EXPECT_EQ(test, RDMAP_ECODE_CANNOT_INVALIDATE, 0x09);
	KUNIT_EXPECT_EQ(test, RDMAP_ECODE_CATASTROPHIC_GLOBAL, 0x08);
	KUNIT_EXPECT_EQ(test, DDP_T_VERSION, 0x04);
	KUNIT_EXPECT_EQ(test, DDP_U_VERSION, 0x06);
	KUNIT_EXPECT_EQ(test, DDP_U_TOO_LONG, 0x05);
	KUNIT_EXPECT_EQ(test, MPA_ECODE_CRC, 0x02);
	KUNIT_EXPECT_EQ(test, MPA_ECODE_NO_MATCHING_RTR, 0x07);
	KUNIT_EXPECT_EQ(test, RDMAP_SEND_SE_INV, 0x6);
	KUNIT_EXPECT_EQ(test, RDMAP_TERMINATE, 0x7);
}

struct iwarp_hdr_len_case {
	enum rdmap_opcode op;
	unsigned int len;
};

static const struct iwarp_hdr_len_case iwarp_hdr_len_cases[] = {
	{ RDMAP_WRITE, 16 }, { RDMAP_READ_REQUEST, 48 },
	{ RDMAP_READ_RESPONSE, 16 }, { RDMAP_SEND, 20 },
	{ RDMAP_SEND_INV, 20 }, { RDMAP_SEND_SE, 20 },
	{ RDMAP_SEND_SE_INV, 20 }, { RDMAP_TERMINATE, 24 },
	{ 8, 0 }, { 15, 0 },
};

static void iwarp_hdr_len_desc(const struct iwarp_hdr_len_case *c, char *d)
{
	snprintf(d, KUNIT_PARAM_DESC_SIZE, "opcode %u", c->op);
}

KUNIT_ARRAY_PARAM(iwarp_hdr_len, iwarp_hdr_len_cases, iwarp_hdr_len_desc);

static void iwarp_hdr_len_test(struct kunit *test)
{
	const struct iwarp_hdr_len_case *c = test->param_value;

	KUNIT_EXPECT_EQ(test, iwarp_hdr_len(c->op), c->len);
}

static struct kunit_case siwf_iwarp_test_cases[] = {
	KUNIT_CASE(iwarp_sizes_and_offsets_test),
	KUNIT_CASE(iwarp_mpa_hdr_bytes_test),
	KUNIT_CASE(iwarp_ird_ord_bytes_test),
	KUNIT_CASE(iwarp_ctrl_bytes_test),
	KUNIT_CASE(iwarp_ctrl_round_trip_test),
	KUNIT_CASE(iwarp_read_request_bytes_test),
	KUNIT_CASE(iwarp_tagged_bytes_test),
	KUNIT_CASE(iwarp_term_word_test),
	KUNIT_CASE(iwarp_error_codes_test),
	KUNIT_CASE_PARAM(iwarp_hdr_len_test, iwarp_hdr_len_gen_params),
	{}
};

struct kunit_suite siwf_iwarp_test_suite = {
	.name = "siw_flash_iwarp",
	.test_cases = siwf_iwarp_test_cases,
};
