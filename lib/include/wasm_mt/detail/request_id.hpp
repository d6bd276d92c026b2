// Request IDs: each request a thread sends carries one, and its reply the same. They
// count up across all threads of this instance and wrap after 2^32. 0 is never used
// (it means "not sent"), nor an ID the same thread still has pending.
#pragma once

#include <cstdint>

namespace wasm_mt::detail {

// Sets where the count goes on (tests use it to reach the wrap-around).
void set_next_request_id(std::uint32_t id) noexcept;

}  // namespace wasm_mt::detail
