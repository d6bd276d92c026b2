// wasm_mt::task<T>: a lazy coroutine (after cppcoro's task). Nothing runs until it is
// awaited, or started with spawn_local(). Async closures return one:
//   struct Sub { int a, b; wasm_mt::task<int> operator()() const {
//     co_await wasm_mt::sleep(1000); co_return a - b; } };
#pragma once

#include <exception>
#include <stdexcept>
#include <utility>
#include <variant>

#include "wasm_mt/detail/coroutine.hpp"
#include "wasm_mt/detail/lazy_start.hpp"
#include "wasm_mt/detail/shared_state.hpp"
#include "wasm_mt/future.hpp"

namespace wasm_mt {

template <class T = void>
class task;

namespace detail {

template <class T>
struct task_promise_base {
  std::variant<std::monostate, stored_t<T>, std::exception_ptr> result;
  void return_value(T value) { result.template emplace<1>(std::move(value)); }
};
template <>
struct task_promise_base<void> {
  std::variant<std::monostate, stored_t<void>, std::exception_ptr> result;
  void return_void() { result.template emplace<1>(); }
};

}  // namespace detail

template <class T>
class [[nodiscard]] task {
 public:
  using value_type = T;

  // (Its start and end: detail/lazy_start.hpp.)
  struct promise_type : detail::task_promise_base<T>, detail::lazy_start_promise {
    task get_return_object() {
      return task(detail::coro::coroutine_handle<promise_type>::from_promise(*this));
    }
    void unhandled_exception() { this->result.template emplace<2>(std::current_exception()); }
  };

  task(task&& other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}
  task& operator=(task&& other) noexcept {
    if (this != &other) {
      destroy();
      handle_ = std::exchange(other.handle_, nullptr);
    }
    return *this;
  }
  ~task() { destroy(); }

  // Starts the task and resumes the awaiting coroutine when it finishes. A task is
  // awaited once: a second co_await throws std::logic_error (as a future's second
  // consumer does), never a moved-from value.
  auto operator co_await() && {
    // (A task started by another co_await and not finished: a second awaiter would take
    // over its continuation. Refused here: await_suspend cannot throw.)
    if (handle_ && !handle_.done() && handle_.promise().stage != detail::lazy_start_promise::start_stage::idle)
      throw std::logic_error("wasm_mt::task awaited twice: another co_await is waiting for it");
    struct awaiter {
      detail::coro::coroutine_handle<promise_type> handle;
      bool await_ready() const noexcept { return !handle || handle.done(); }
      // Runs the task up to its first suspension; false (go on at once) when it finished
      // in that run.
      bool await_suspend(detail::coro::coroutine_handle<> waiter) noexcept { return detail::start_lazy(handle, waiter); }
      T await_resume() {
        if (!handle) throw wasm_mt::error(error_kind::bad_payload, "await of an empty (moved-from) wasm_mt::task");
        // (Taken out: the task's result is its first awaiter's.)
        auto result = std::exchange(handle.promise().result, {});
        if (result.index() == 0) throw std::logic_error("wasm_mt::task awaited twice: its result went to the first co_await");
        if (result.index() == 2) std::rethrow_exception(std::get<2>(result));
        if constexpr (!std::is_void_v<T>) return std::move(std::get<1>(result));
      }
    };
    return awaiter{handle_};
  }

 private:
  explicit task(detail::coro::coroutine_handle<promise_type> handle) : handle_(handle) {}
  void destroy() {
    if (handle_) std::exchange(handle_, nullptr).destroy();
  }

  detail::coro::coroutine_handle<promise_type> handle_;
};

namespace detail {
template <class T>
future<T> run_local(task<T> work) {
  if constexpr (std::is_void_v<T>)
    co_await std::move(work);
  else
    co_return co_await std::move(work);
}
}  // namespace detail

// Starts `work` now, on this thread's event loop (the counterpart of
// wasm_bindgen_futures::spawn_local), and returns its eventual result. Not [[nodiscard]]:
// drop the future to fire and forget, and an error is then logged, not lost.
template <class T>
future<T> spawn_local(task<T> work, detail::call_site site = detail::call_site::here()) {
  future<T> result = detail::run_local(std::move(work));
  detail::set_origin(result, {"spawn_local", {}, site});
  return result;
}

}  // namespace wasm_mt
