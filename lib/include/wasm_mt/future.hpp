// wasm_mt::future<T>: the eventual result of a request (like a JS Promise).
//  - Eager: the work has started when you hold one.
//  - Move-only, with one consumer: `T v = co_await f;` (throws wasm_mt::error on
//    failure), or a callback, f.then(on_value, on_error). A second consumer (another
//    co_await, a then() after a co_await) is a std::logic_error, never a silent hang.
//  - Continuations run from a fresh microtask: a coroutine awaiting a future, or a then()
//    callback, never runs inside the code that settled the future (a reply, terminate(),
//    a pool's bookkeeping), and then() never calls back at once. (co_await of a future
//    that has settled already does not suspend: it goes on at once.)
//  - Also a coroutine return type: a function returning future<T> may co_await and
//    co_return; it runs at once, up to its first suspension.
// Dropping a future is fire-and-forget: an error that nobody awaits or handles is
// logged to the console, never lost silently.
#pragma once

#include <exception>
#include <memory>
#include <optional>
#include <stdexcept>
#include <type_traits>
#include <utility>

#include "wasm_mt/detail/coroutine.hpp"
#include "wasm_mt/detail/shared_state.hpp"
#include "wasm_mt/error.hpp"

namespace wasm_mt {

template <class T>
class future;

namespace detail {

template <class T>
struct future_promise_base {
  std::shared_ptr<shared_state<T>> state = std::make_shared<shared_state<T>>();
  void return_value(T value) { state->set_value(std::move(value)); }
};

template <>
struct future_promise_base<void> {
  std::shared_ptr<shared_state<void>> state = std::make_shared<shared_state<void>>();
  void return_void() { state->set_value({}); }
};

// Converts whatever a future failed with into the wasm_mt::error handed to callbacks.
wasm_mt::error to_error(const std::exception_ptr& failure);

// Throws that an empty (default-constructed or moved-from) future was used.
[[noreturn]] void throw_empty_future();

// Names the request behind `f` in the log lines about it (call_site.hpp).
template <class T>
void set_origin(future<T>& f, origin from) noexcept;

}  // namespace detail

template <class T>
class future {
 public:
  using value_type = T;
  using state_type = detail::shared_state<T>;

  struct promise_type : detail::future_promise_base<T> {
    future get_return_object() { return future(this->state); }
    detail::coro::suspend_never initial_suspend() noexcept { return {}; }
    detail::coro::suspend_never final_suspend() noexcept { return {}; }
    void unhandled_exception() { this->state->set_error(std::current_exception()); }
  };

  future() = default;
  explicit future(std::shared_ptr<state_type> state) : state_(std::move(state)) {}
  future(future&&) noexcept = default;
  future& operator=(future&&) noexcept = default;
  future(const future&) = delete;
  future& operator=(const future&) = delete;

  // A future that is already settled.
  static future ready_error(std::exception_ptr error) {
    auto state = std::make_shared<state_type>();
    state->set_error(std::move(error));
    return future(std::move(state));
  }

  // False for a default-constructed or moved-from future (std::future's meaning).
  bool valid() const noexcept { return state_ != nullptr; }
  // True once settled (value or error): get() then does not throw logic_error.
  bool ready() const noexcept { return state_ && state_->ready(); }

  class awaiter {
   public:
    explicit awaiter(std::shared_ptr<state_type> state) : state_(std::move(state)) {}
    awaiter(const awaiter&) = delete;
    awaiter& operator=(const awaiter&) = delete;
    ~awaiter() {
      if (waiting_) state_->clear_waiter(waiting_);
    }
    bool await_ready() const noexcept { return state_->ready() && !state_->has_consumer(); }
    // Does not suspend when the future already has a consumer: await_resume then throws.
    bool await_suspend(detail::coro::coroutine_handle<> waiter) noexcept {
      if (!state_->set_waiter(waiter)) return false;
      waiting_ = waiter;
      return true;
    }
    T await_resume() {
      if (!waiting_ && state_->has_consumer()) detail::throw_second_consumer();
      waiting_ = nullptr;
      if constexpr (std::is_void_v<T>)
        state_->take();
      else
        return state_->take();
    }

   private:
    std::shared_ptr<state_type> state_;
    detail::coro::coroutine_handle<> waiting_;
  };

  // The result of a settled future, moved out once; throws its error. Never blocks:
  // on a future that is not ready it throws std::logic_error.
  T get() {
    if (!state_) detail::throw_empty_future();
    if (!ready()) throw std::logic_error("wasm_mt::future::get() on a future that has not settled");
    if constexpr (std::is_void_v<T>)
      state_->take();
    else
      return state_->take();
  }

  awaiter operator co_await() const& { return awaiter(checked_state()); }
  awaiter operator co_await() && { return awaiter(checked_state()); }

  // Calls on_value(T) (or on_value() for void) or on_error(const wasm_mt::error&) once
  // the future settles, from a fresh microtask (also when it has settled already).
  // Errors that are not wasm_mt::error arrive converted (kind remote_exception, their
  // what() as message). What a callback throws is logged to the console. Throws
  // std::logic_error when the future already has a consumer.
  template <class OnValue, class OnError>
  void then(OnValue on_value, OnError on_error) {
    auto* raw = checked_state().get();
    raw->set_callback([raw, on_value = std::move(on_value), on_error = std::move(on_error)]() mutable {
      std::optional<detail::stored_t<T>> value;
      try {
        value.emplace(raw->take());
      } catch (...) {
        on_error(detail::to_error(std::current_exception()));
        return;
      }
      if constexpr (std::is_void_v<T>)
        on_value();
      else
        on_value(std::move(*value));
    });
  }

  // As above; an error is logged to the console.
  template <class OnValue>
  void then(OnValue on_value) {
    then(std::move(on_value), [from = checked_state()->from()](const wasm_mt::error& e) {
      detail::report_unobserved_error(std::make_exception_ptr(e), from);
    });
  }

 private:
  template <class U>
  friend void detail::set_origin(future<U>& f, detail::origin from) noexcept;

  const std::shared_ptr<state_type>& checked_state() const {
    if (!state_) detail::throw_empty_future();
    return state_;
  }

  std::shared_ptr<state_type> state_;
};

namespace detail {
template <class T>
void set_origin(future<T>& f, origin from) noexcept {
  if (f.state_) f.state_->set_origin(from);
}
}  // namespace detail

}  // namespace wasm_mt
