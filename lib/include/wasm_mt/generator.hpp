// wasm_mt::generator<T>: what a streaming closure returns. A coroutine that co_yields the
// items of a stream and may co_await between them; the caller reads them with
// thread::stream (stream.hpp).
//
//   struct RenderTiles {
//     int count;
//     wasm_mt::generator<wasm_mt::bytes> operator()() const {
//       for (int i = 0; i < count; ++i) co_yield render_tile(i);   // sent as it is made
//     }
//   };
//   WASM_MT_CLOSURE(RenderTiles, count)
//
// co_yield sends the item to the caller at once (batched with the worker's other
// messages) and goes on while the caller is fewer than call_options::stream_window items
// behind; past that it waits for the caller to take some (back-pressure). When the caller
// stops the stream (it destroyed its stream, or a stop or deadline came), the pending or
// next co_yield throws error_kind::cancelled, as this_request::checkpoint() does. An
// exception that leaves the coroutine ends the stream with that error, after the items
// before it. Lazy, move-only; only wasm_mt runs it (as it runs a task).
#pragma once

#include <exception>
#include <utility>

#include "wasm_mt/detail/coroutine.hpp"
#include "wasm_mt/detail/lazy_start.hpp"
#include "wasm_mt/detail/payload.hpp"
#include "wasm_mt/future.hpp"

namespace wasm_mt {

namespace detail {
// Sends `item` (encoded) as the current request's next stream item; the future settles
// once the worker may go on (at once while within the window), or fails with cancelled.
future<void> send_stream_item(const encoded& item);
}  // namespace detail

template <class T>
class [[nodiscard]] generator {
 public:
  using value_type = T;

  // (Its start and end, as task's: detail/lazy_start.hpp.)
  struct promise_type : detail::lazy_start_promise {
    std::exception_ptr error;

    generator get_return_object() {
      return generator(detail::coro::coroutine_handle<promise_type>::from_promise(*this));
    }
    void return_void() noexcept {}
    void unhandled_exception() noexcept { error = std::current_exception(); }

    // co_yield: encodes and sends the item (throws bad_payload for one that cannot be).
    future<void> yield_value(const T& item) { return detail::send_stream_item(detail::encode(item)); }
  };

  generator(generator&& other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}
  generator& operator=(generator&& other) noexcept {
    if (this != &other) {
      destroy();
      handle_ = std::exchange(other.handle_, nullptr);
    }
    return *this;
  }
  ~generator() { destroy(); }

  // Runs the generator to its end (wasm_mt's own use: the worker's stream runner).
  auto operator co_await() && {
    struct awaiter {
      detail::coro::coroutine_handle<promise_type> handle;
      bool await_ready() const noexcept { return !handle || handle.done(); }
      bool await_suspend(detail::coro::coroutine_handle<> waiter) noexcept { return detail::start_lazy(handle, waiter); }
      void await_resume() {
        if (!handle) throw wasm_mt::error(error_kind::bad_payload, "run of an empty (moved-from) wasm_mt::generator");
        if (handle.promise().error) std::rethrow_exception(handle.promise().error);
      }
    };
    return awaiter{handle_};
  }

 private:
  explicit generator(detail::coro::coroutine_handle<promise_type> handle) : handle_(handle) {}
  void destroy() {
    if (handle_) std::exchange(handle_, nullptr).destroy();
  }
  detail::coro::coroutine_handle<promise_type> handle_;
};

}  // namespace wasm_mt
