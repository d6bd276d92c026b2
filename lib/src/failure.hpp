// Internal: errors that must be reported even when there is no memory to describe them.
#pragma once

#include <exception>

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

}  // namespace wasm_mt::detail
