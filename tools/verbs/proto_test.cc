#include "proto.h"

#include <infiniband/verbs.h>

#include <gtest/gtest.h>

using namespace flashnet::verbs;

TEST(Proto, RoundTripAndRejects)
{
	Hello h;
	h.role = static_cast<std::uint16_t>(Role::Target);
	h.token = 0x1122334455667788ull;
	h.nsizes = 2;
	h.sizes[0] = 7;
	h.sizes[1] = 70001;
	set_text(h.name, sizeof(h.name), "a_name_that_is_much_longer_than_thirty_one_bytes");
	auto bytes = encode(h);
	auto back = decode<Hello>(bytes);
	ASSERT_TRUE(back);
	EXPECT_EQ(back->token, h.token);
	EXPECT_EQ(get_text(back->name, sizeof(back->name)).size(), 31u);
	EXPECT_EQ(hello_sizes(*back), (std::vector<std::uint32_t>{7, 70001}));
	EXPECT_EQ(max_size(*back), 70001u);
	// iWARP private data must fit in MPA's 512 bytes with room to spare.
	EXPECT_LE(sizeof(Hello), 196u);
	EXPECT_FALSE(decode<Hello>(std::span(bytes).first(bytes.size() - 1)));
	bytes[0] ^= 1;
	EXPECT_FALSE(decode<Hello>(bytes));
	bytes[0] ^= 1;
	bytes[4] ^= 1;	// version
	EXPECT_FALSE(decode<Hello>(bytes));
	Report r;
	r.ok = 1;
	EXPECT_TRUE(decode<Report>(encode(r)));
	EXPECT_FALSE(decode<Report>(encode(Offer{})));	// too short
}

TEST(Proto, EventAndStatusNames)
{
	EXPECT_EQ(events_to_string(0), "none");
	const auto m = event_bit(IBV_EVENT_QP_ACCESS_ERR) | event_bit(IBV_EVENT_CQ_ERR);
	const auto s = events_to_string(m);
	EXPECT_NE(s.find(ibv_event_type_str(IBV_EVENT_QP_ACCESS_ERR)), std::string::npos);
	EXPECT_NE(s.find(ibv_event_type_str(IBV_EVENT_CQ_ERR)), std::string::npos);
	EXPECT_EQ(event_bit(-1), 0u);
	EXPECT_EQ(event_bit(64), 0u);
	EXPECT_EQ(wc_status_name(IBV_WC_WR_FLUSH_ERR), ibv_wc_status_str(IBV_WC_WR_FLUSH_ERR));
}
