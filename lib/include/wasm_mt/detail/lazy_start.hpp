// The start of a lazy coroutine awaited once (task, generator): the awaiter runs it up to
// its first suspension; when it finishes, it resumes its awaiter, except when it finished
// during that first run: the awaiter then goes on by itself, instead of being resumed on
// top of the stack (each such await would otherwise grow the stack: cppcoro's bool
// await_suspend, for wasm without the tail calls that symmetric transfer needs).
#pragma once

#include "wasm_mt/detail/coroutine.hpp"

namespace wasm_mt::detail {

// A promise type's base: its initial and final suspension.
struct lazy_start_promise {
  coro::coroutine_handle<> continuation;
  enum class start_stage { idle, starting, finished_while_starting, suspended };
  start_stage stage = start_stage::idle;

  coro::suspend_always initial_suspend() noexcept { return {}; }
  struct final_awaiter {
    bool await_ready() noexcept { return false; }
    template <class Promise>
    void await_suspend(coro::coroutine_handle<Promise> self) noexcept {
      lazy_start_promise& promise = self.promise();
      if (promise.stage == start_stage::starting) {
        promise.stage = start_stage::finished_while_starting;
        return;
      }
      if (auto next = promise.continuation) next.resume();
    }
    void await_resume() noexcept {}
  };
  final_awaiter final_suspend() noexcept { return {}; }
};

// An awaiter's await_suspend: starts `handle` for `waiter`; false (go on at once) when it
// finished in that first run.
template <class Promise>
bool start_lazy(coro::coroutine_handle<Promise> handle, coro::coroutine_handle<> waiter) noexcept {
  lazy_start_promise& promise = handle.promise();
  promise.continuation = waiter;
  promise.stage = lazy_start_promise::start_stage::starting;
  handle.resume();
  if (promise.stage == lazy_start_promise::start_stage::finished_while_starting) return false;
  promise.stage = lazy_start_promise::start_stage::suspended;
  return true;
}

}  // namespace wasm_mt::detail
