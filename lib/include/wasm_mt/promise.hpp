// wasm_mt::promise<T>: a future you settle yourself, as std::promise (and concurrencpp's
// result_promise), to bring a callback-shaped source into co_await:
//
//   wasm_mt::promise<int> answer;
//   auto f = answer.get_future();
//   on_ready_callback([p = std::move(answer)](int v) mutable { p.set_value(v); });
//   int v = co_await std::move(f);
//
// A promise dropped before it settled its future fails it with
// error_kind::broken_promise (std::promise's future_errc::broken_promise), so that a
// consumer never waits for ever on a producer that is gone. Move-only. Single-threaded
// like every future (one wasm instance, one JS thread).
#pragma once

#include <exception>
#include <memory>
#include <stdexcept>
#include <type_traits>
#include <utility>

#include "wasm_mt/detail/promise.hpp"
#include "wasm_mt/detail/shared_state.hpp"
#include "wasm_mt/future.hpp"

namespace wasm_mt {

template <class T>
class promise {
 public:
  promise() : state_(std::make_shared<detail::shared_state<T>>()) {}
  promise(promise&&) noexcept = default;
  promise& operator=(promise&& other) noexcept {
    if (this != &other) {
      detail::break_promise(std::move(state_));
      state_ = std::move(other.state_);
      future_taken_ = other.future_taken_;
    }
    return *this;
  }
  promise(const promise&) = delete;
  promise& operator=(const promise&) = delete;
  // Unsettled: its future fails with broken_promise (not logged if nobody holds it).
  ~promise() { detail::break_promise(std::move(state_)); }

  // The future this promise settles. Throws std::logic_error the second time (std::
  // promise's future_already_retrieved), and for a moved-from promise.
  [[nodiscard]] future<T> get_future() {
    check();
    if (future_taken_) throw std::logic_error("wasm_mt::promise: get_future() was called already");
    future_taken_ = true;
    return future<T>(state_);
  }

  // Settles the future with `value` (nothing for void). Throws std::logic_error when it
  // has settled already (std::promise's promise_already_satisfied).
  template <class U = T>
    requires(!std::is_void_v<U>)
  void set_value(U value) {
    check();
    if (!state_->set_value(std::move(value))) already();
  }
  void set_value()
    requires std::is_void_v<T>
  {
    check();
    if (!state_->set_value({})) already();
  }
  // Settles the future with `error` (a wasm_mt::error, or any exception: then() hands
  // others on as remote_exception). Throws std::logic_error when settled already.
  void set_exception(std::exception_ptr error) {
    check();
    if (!state_->set_error(std::move(error))) already();
  }

 private:
  void check() const {
    if (!state_) throw std::logic_error("wasm_mt::promise: use of a moved-from promise");
  }
  [[noreturn]] static void already() { throw std::logic_error("wasm_mt::promise: its future has settled already"); }

  std::shared_ptr<detail::shared_state<T>> state_;
  bool future_taken_ = false;
};

}  // namespace wasm_mt
