// What client and server tell each other: the connect request's private
// data (Hello: which server role, seeds, sizes) and fixed-size messages
// carried by SEND (Offer, Done, Report). Both ends run this same binary on
// the same architecture, so messages are plain structs with a magic and a
// version; decode() rejects anything else.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace flashnet::verbs {

inline constexpr std::uint32_t kMagic = 0x464e5642;	// "FNVB"
inline constexpr std::uint16_t kVersion = 2;

enum class Role : std::uint16_t {
	Recv = 1,	// post RECVs, check SENDs byte for byte, SEND a Report
	Target = 2,	// offer an MR; check it after Done (WRITE/READ cases)
	Report = 3,	// SEND the Report stored under Hello::token
	Bye = 4,	// the client is done: the server exits
	Sync = 5,	// accepted once every earlier connection's thread ended; SENDs a Report
};

enum HelloFlags : std::uint32_t {
	kOtherPd = 1u << 0,	    // Target: register the MR in a second PD
	kFill = 1u << 1,	    // Target: MR holds pattern(seed) (READ source)
	kSolicitedOnly = 1u << 2,   // Recv: arm the CQ solicited-only, one wakeup
	kChannel = 1u << 3,	    // Recv: wait on a completion channel
	kNoPoll = 1u << 4,	    // Recv: never poll until disconnected (CQ overflow)
	kSharedCq = 1u << 5,	    // Recv: use the CQs shared by all connections of Hello::group
};

inline constexpr unsigned kMaxSizes = 6;

// rdma_cm private data of a connect request (iWARP allows 512 - 4 bytes).
struct Hello {
	std::uint32_t magic = kMagic;
	std::uint16_t version = kVersion;
	std::uint16_t role = 0;
	std::uint64_t token = 0;	// names this case run in the server's reports
	std::uint64_t seed = 0;
	std::uint32_t flags = 0;
	std::uint32_t count = 0;	// Recv: messages to expect
	std::uint32_t mr_len = 0;	// Target: MR size
	std::uint32_t mr_access = 0;	// Target: ibv_access_flags of the MR
	std::uint32_t sizes[kMaxSizes] = {};	// Recv: message i has sizes[i % nsizes] bytes
	std::uint16_t nsizes = 0;
	std::uint16_t recv_sges = 1;	// Recv: SGEs per RECV
	std::uint16_t cq_size = 0;	// Recv: receive CQ entries (0: enough)
	std::uint16_t recv_space = 0;	// Recv: bytes per RECV if nonzero (else max size)
	char name[32] = {};
	std::uint64_t group = 0;	// kSharedCq: connections sharing CQs (cq_size entries each)
};

// Target -> client: where the MR is.
struct Offer {
	std::uint32_t magic = kMagic;
	std::uint16_t version = kVersion;
	std::uint16_t pad = 0;
	std::uint64_t addr = 0;
	std::uint32_t rkey = 0;
	std::uint32_t len = 0;
};

inline constexpr unsigned kMaxRanges = 8;

// Client -> Target after its RDMA operations completed: the MR must hold
// pattern(seed) at these ranges and its initial content everywhere else.
struct Done {
	std::uint32_t magic = kMagic;
	std::uint16_t version = kVersion;
	std::uint16_t nranges = 0;
	std::uint64_t seed = 0;
	struct Range {
		std::uint32_t off;
		std::uint32_t len;
	} ranges[kMaxRanges] = {};
};

// What the server saw on its side of one case.
struct Report {
	std::uint32_t magic = kMagic;
	std::uint16_t version = kVersion;
	std::uint16_t ok = 0;			// the server's own checks passed
	std::uint64_t token = 0;
	std::uint32_t recv_success = 0;		// RECV completions with IBV_WC_SUCCESS
	std::uint32_t recv_flushed = 0;		// ... with IBV_WC_WR_FLUSH_ERR
	std::uint32_t recv_other = 0;		// ... with any other status
	std::uint32_t first_other_status = 0;	// that status (ibv_wc_status)
	std::uint64_t qp_events = 0;		// bit per ibv_event_type on the QP
	std::uint64_t cq_events = 0;		// bit per ibv_event_type on its CQs
	std::uint8_t disconnected = 0;		// RDMA_CM_EVENT_DISCONNECTED seen
	std::uint8_t mr_intact = 0;		// Target: MR unchanged (error cases)
	std::uint16_t woke = 0;			// Recv solicited-only: 1 + completions present at the wakeup, 0 none
	std::uint32_t cq_cqe = 0;		// Recv: entries its receive CQ really has
	char text[200] = {};			// the server's verdict in words
};

template <class T> std::vector<std::uint8_t> encode(const T &msg)
{
	const auto *p = reinterpret_cast<const std::uint8_t *>(&msg);
	return {p, p + sizeof(T)};
}

// A message of type T if bytes hold one (size, magic and version checked).
template <class T> std::optional<T> decode(std::span<const std::uint8_t> bytes)
{
	T msg;
	if (bytes.size() < sizeof(T))
		return std::nullopt;
	__builtin_memcpy(&msg, bytes.data(), sizeof(T));
	if (msg.magic != kMagic || msg.version != kVersion)
		return std::nullopt;
	return msg;
}

void set_text(char *dst, std::size_t size, const std::string &text);
std::string get_text(const char *src, std::size_t size);
// Hello::sizes as a vector.
std::vector<std::uint32_t> hello_sizes(const Hello &h);
std::uint32_t max_size(const Hello &h);
// Bit mask of an event type for Report::qp_events / cq_events.
std::uint64_t event_bit(int ibv_event_type);
std::string events_to_string(std::uint64_t mask);
std::string wc_status_name(int status);

} // namespace flashnet::verbs
