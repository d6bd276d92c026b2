// Internal: errors that must be reported even when there is no memory to describe them.
#pragma once

#include <exception>

#include "wasm_mt/error.hpp"

namespace wasm_mt::detail {

// The exception make() returns, as an exception_ptr; or, when making it throws (no
// memory for its text), what it threw. Either way there is a failure to report.
template <class Make>
std::exception_ptr exception_or_failure(Make make) noexcept {
  try {
    return std::make_exception_ptr(make());
  } catch (...) {
    return std::current_exception();
  }
}

// Whether `failure` is a cancellation (a wasm_mt::error of kind cancelled): a stop, not
// a failure, in a pool's counts.
inline bool is_cancellation(const std::exception_ptr& failure) noexcept {
  try {
    std::rethrow_exception(failure);
  } catch (const wasm_mt::error& e) {
    return e.kind() == error_kind::cancelled;
  } catch (...) {
    return false;
  }
}

}  // namespace wasm_mt::detail
