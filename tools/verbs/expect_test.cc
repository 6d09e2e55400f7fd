#include "expect.h"
#include "kmsg.h"
#include "proto.h"

#include <infiniband/verbs.h>

#include <gtest/gtest.h>

using namespace flashnet::verbs;

TEST(Expect, ProfilesDifferOnlyInRemoteRead)
{
	for (const std::string &n : error_case_names()) {
		const ErrorExpect &a = error_expect("siw", n);
		const ErrorExpect &b = error_expect("strict", n);
		EXPECT_TRUE(b.enforced) << n;
		if (n == "err_read_no_remote_read") {
			EXPECT_FALSE(a.enforced);
			EXPECT_EQ(a.requester_status, IBV_WC_SUCCESS);
			EXPECT_EQ(b.requester_status, IBV_WC_WR_FLUSH_ERR);
			EXPECT_EQ(b.term_code, 2);	// RDMAP access rights
		} else {
			EXPECT_TRUE(a.enforced) << n;
			EXPECT_EQ(a.requester_status, b.requester_status) << n;
			EXPECT_EQ(a.responder_qp_events, b.responder_qp_events) << n;
		}
	}
	EXPECT_THROW(error_expect("rxe", "err_write_bad_rkey"), std::invalid_argument);
	EXPECT_THROW(error_expect("siw", "nope"), std::invalid_argument);
}

TEST(Expect, SiwStatuses)
{
	const auto &w = error_expect("siw", "err_write_out_of_bounds");
	EXPECT_EQ(w.requester_status, IBV_WC_SUCCESS);
	EXPECT_EQ(w.responder_qp_events, event_bit(IBV_EVENT_QP_ACCESS_ERR));
	EXPECT_EQ(w.term_layer, 1);
	EXPECT_EQ(w.term_code, 1);
	const auto &r = error_expect("siw", "err_read_other_pd");
	EXPECT_EQ(r.requester_status, IBV_WC_WR_FLUSH_ERR);
	EXPECT_EQ(r.responder_qp_events, event_bit(IBV_EVENT_QP_REQ_ERR));
	EXPECT_EQ(error_expect("siw", "err_write_bad_rkey").responder_qp_events, 0u);
	EXPECT_EQ(error_expect("siw", "err_send_too_long").responder_recv_status, IBV_WC_LOC_LEN_ERR);
}

TEST(Kmsg, ParseTerminate)
{
	auto t = parse_terminate("4,1234,5678901,-;siw: got TERMINATE. layer 1, type 2, code 3\n");
	ASSERT_TRUE(t);
	EXPECT_EQ(t->layer, 1);
	EXPECT_EQ(t->type, 2);
	EXPECT_EQ(t->code, 3);
	EXPECT_TRUE(parse_terminate("[  12.5] siw: got TERMINATE. layer 0, type 1, code 0"));
	EXPECT_FALSE(parse_terminate("siw: got TERMINATE. garbage"));
	EXPECT_FALSE(parse_terminate("siw: [QP 3]: rresp stag: 1 != 2"));
}
