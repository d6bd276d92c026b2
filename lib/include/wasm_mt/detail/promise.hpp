// The producer's side of a future, as std::promise is of std::future: whoever must
// settle a shared_state keeps it as a promise until it does. A promise dropped before
// its state settled fails the state with error_kind::broken_promise (std::promise's
// future_errc::broken_promise, concurrencpp's broken_task), so that a consumer never
// waits for ever on a producer that is gone.
#pragma once

#include <exception>
#include <memory>
#include <utility>

#include "wasm_mt/detail/shared_state.hpp"

namespace wasm_mt::detail {

// The error a broken promise's state fails with.
std::exception_ptr broken_promise_error() noexcept;

// A producer lets go of `state` without settling it: fails it with broken_promise,
// unless it settled already or nobody can see it any more.
template <class T>
void break_promise(std::shared_ptr<shared_state<T>> state) noexcept {
  if (state && !state->ready() && state->caller_listens()) state->set_error(broken_promise_error());
}

template <class T>
class promise {
 public:
  promise() = default;
  explicit promise(std::shared_ptr<shared_state<T>> state) noexcept : state_(std::move(state)) {}
  promise(promise&&) noexcept = default;
  promise& operator=(promise&& other) noexcept {
    if (this != &other) {
      break_unsettled();
      state_ = std::move(other.state_);
    }
    return *this;
  }
  promise(const promise&) = delete;
  promise& operator=(const promise&) = delete;
  // Breaks the promise if its state has not settled (and someone may still see it).
  ~promise() { break_unsettled(); }

  explicit operator bool() const noexcept { return state_ != nullptr; }
  // The state, to settle (set_value, set_error) or to ask about.
  shared_state<T>* operator->() const noexcept { return state_.get(); }

 private:
  void break_unsettled() noexcept { break_promise(std::move(state_)); }

  std::shared_ptr<shared_state<T>> state_;
};

}  // namespace wasm_mt::detail
