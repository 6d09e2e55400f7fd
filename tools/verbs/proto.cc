#include "proto.h"

#include <infiniband/verbs.h>

#include <algorithm>
#include <cstring>

namespace flashnet::verbs {

void set_text(char *dst, std::size_t size, const std::string &text)
{
	const std::size_t n = std::min(size - 1, text.size());
	std::memcpy(dst, text.data(), n);
	std::memset(dst + n, 0, size - n);
}

std::string get_text(const char *src, std::size_t size)
{
	return std::string(src, strnlen(src, size));
}

std::vector<std::uint32_t> hello_sizes(const Hello &h)
{
	const unsigned n = std::min<unsigned>(h.nsizes, kMaxSizes);
	return {h.sizes, h.sizes + n};
}

std::uint32_t max_size(const Hello &h)
{
	std::uint32_t m = 0;
	for (auto s : hello_sizes(h))
		m = std::max(m, s);
	return m;
}

std::uint64_t event_bit(int type)
{
	return type >= 0 && type < 64 ? 1ull << type : 0;
}

std::string events_to_string(std::uint64_t mask)
{
	std::string out;
	for (int t = 0; t < 64; t++) {
		if (!(mask & (1ull << t)))
			continue;
		if (!out.empty())
			out += ",";
		out += ibv_event_type_str(static_cast<ibv_event_type>(t));
	}
	return out.empty() ? "none" : out;
}

std::string wc_status_name(int status)
{
	return ibv_wc_status_str(static_cast<ibv_wc_status>(status));
}

} // namespace flashnet::verbs
