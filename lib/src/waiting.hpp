// Internal: futures waiting for a JS callback (timer, fetch, program load), by token.
#pragma once

#include <cstdint>
#include <memory>
#include <utility>

#include "wasm_mt/detail/promise.hpp"
#include "wasm_mt/detail/shared_state.hpp"
#include "wasm_mt/future.hpp"

#include "id_table.hpp"

namespace wasm_mt::detail {

template <class T>
class waiting {
 public:
  // A new token and the future its callback will settle.
  std::pair<std::uint32_t, future<T>> add() {
    auto state = std::make_shared<shared_state<T>>();
    const std::uint32_t token = states_.add(promise<T>(state));
    return {token, future<T>(std::move(state))};
  }
  // The promise for `token`, once (empty for an unknown or settled token).
  promise<T> take(std::uint32_t token) noexcept { return states_.take(token); }

 private:
  id_table<promise<T>> states_;
};

}  // namespace wasm_mt::detail
