// The ids that cross to JS and back: a request's (its reply carries the same), a timer's,
// a fetch's, a program load's. They come from one count of this instance and wrap after
// 2^32. 0 is never used (it means "none"), nor an id still live in its own table
// (lib/src/id_table.hpp).
#pragma once

#include <cstdint>

namespace wasm_mt::detail {

// Sets where the count goes on (tests use it to reach the wrap-around).
void set_next_id(std::uint32_t id) noexcept;

}  // namespace wasm_mt::detail
