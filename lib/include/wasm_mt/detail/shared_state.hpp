// The state behind a wasm_mt::future: settles exactly once (value or error), then wakes
// its one consumer (an awaiting coroutine or a callback). Settling does not throw: what
// the consumer throws is reported (report_unobserved_error), not passed back to the code
// that settled, which may be failing other requests too. (With native wasm exceptions a
// JS exception from the consumer still passes through: see noexcept_js_eh.hpp.)
// Single-threaded by design: each wasm instance runs on one JS thread and nothing here
// is shared across instances.
#pragma once

#include <exception>
#include <functional>
#include <optional>
#include <type_traits>
#include <utility>
#include <variant>

#include "wasm_mt/detail/coroutine.hpp"
#include "wasm_mt/detail/noexcept_js_eh.hpp"
#include "wasm_mt/error.hpp"

namespace wasm_mt::detail {

// void results are stored as std::monostate.
template <class T>
using stored_t = std::conditional_t<std::is_void_v<T>, std::monostate, T>;

// Reports an error nobody retrieved (a fire-and-forget request failed); cancellations
// are not reported.
void report_unobserved_error(const std::exception_ptr& error) noexcept;

class shared_state_base {
 public:
  shared_state_base() = default;
  shared_state_base(const shared_state_base&) = delete;
  shared_state_base& operator=(const shared_state_base&) = delete;

  bool ready() const noexcept { return settled_; }

  // The consumer to wake on settle. A coroutine that is destroyed while waiting must
  // call clear_waiter, so it is never resumed.
  void set_waiter(coro::coroutine_handle<> waiter) noexcept { waiter_ = waiter; }
  void clear_waiter(coro::coroutine_handle<> waiter) noexcept {
    if (waiter_ == waiter) waiter_ = nullptr;
  }
  // Runs `callback` on settle, or at once when already settled.
  void set_callback(std::function<void()> callback) {
    callback_ = std::move(callback);
    if (settled_) wake();
  }

  // Settles with an error; false (and no effect) when already settled.
  bool set_error(std::exception_ptr error) WASM_MT_DETAIL_NOEXCEPT_JS_EH {
    if (settled_) return false;
    error_ = std::move(error);
    settle();
    return true;
  }

 protected:
  ~shared_state_base() {
    if (error_ && !retrieved_) report_unobserved_error(error_);
  }

  void settle() WASM_MT_DETAIL_NOEXCEPT_JS_EH {
    settled_ = true;
    wake();
  }

  // Throws the error; or, when there is none, that the value was already taken. Out of
  // line, so that take()'s common path is small enough to inline (and, with JS
  // exceptions, costs no trampoline).
  [[noreturn]] void throw_no_value();

 private:
  // Resumes the waiter or runs the callback, once. The last use of `this`: the consumer
  // may destroy this state.
  void wake() WASM_MT_DETAIL_NOEXCEPT_JS_EH;

  bool settled_ = false;
  bool retrieved_ = false;
  std::exception_ptr error_;
  coro::coroutine_handle<> waiter_;
  std::function<void()> callback_;
};

template <class T>
class shared_state : public shared_state_base {
 public:
  // Settles with a value; false (and no effect) when already settled.
  bool set_value(stored_t<T> value) {
    if (ready()) return false;
    value_.emplace(std::move(value));
    settle();
    return true;
  }

  // The result, moved out once; rethrows the error.
  stored_t<T> take() {
    if (!value_) throw_no_value();
    stored_t<T> value = std::move(*value_);
    value_.reset();
    return value;
  }

 private:
  std::optional<stored_t<T>> value_;
};

}  // namespace wasm_mt::detail
