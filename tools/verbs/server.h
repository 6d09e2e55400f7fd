// flashnet-verbs server: listens with rdma_cm and serves every connection
// in a thread of its own, in the role its connect request names (proto.h).
#pragma once

#include "options.h"
#include "proto.h"

#include <cstdint>

namespace flashnet::verbs {

// Initial content of a Target MR: pattern(seed) if it is a READ source,
// else a background pattern any stray write would disturb.
std::uint64_t target_fill_seed(const Hello &h);

int run_server(const Options &o);

} // namespace flashnet::verbs
