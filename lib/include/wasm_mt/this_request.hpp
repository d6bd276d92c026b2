// Inside a closure running on a worker: the request it serves. Its stop (the caller's
// stop_token, a deadline, job::cancel) and its progress events.
//
//   struct Render {
//     Scene scene;
//     wasm_mt::task<Image> operator()() const {
//       Image image(scene.width, scene.height);
//       for (int row = 0; row < scene.height; ++row) {
//         co_await wasm_mt::this_request::checkpoint();   // throws `cancelled` once stopped
//         render_row(scene, row, image);
//         wasm_mt::this_request::emit(Progress{row + 1, scene.height});
//       }
//       co_return image;
//     }
//   };
//
// These work in the closure's body and in everything it co_awaits (the request travels
// with the coroutines, across co_await). Outside a request (the main thread, a then()
// callback of a synchronous closure) stop_requested() is false and emit() does nothing.
//
// A stop reaches the worker as a message, which the worker reads only between tasks of
// its event loop: a synchronous closure runs to its end before it can see one, and an
// async one sees it at its next suspension (checkpoint() is one). A closure that does
// not stop is terminated by a pool after pool_options::stop_grace_ms (docs/README.md,
// Cancellation).
#pragma once

#include <type_traits>

#include "wasm_mt/detail/payload.hpp"
#include "wasm_mt/detail/request_context.hpp"
#include "wasm_mt/future.hpp"
#include "wasm_mt/stop_token.hpp"

namespace wasm_mt::this_request {

// True once the caller stopped this request (it already failed there with cancelled or
// timeout: what the closure returns now is dropped).
bool stop_requested() noexcept;

// The request's stop token (for stop_callback, or to hand to code that takes one). Its
// stop_possible() is false for a synchronous closure and outside a request.
stop_token get_stop_token() noexcept;

// Throws wasm_mt::error(error_kind::cancelled) if stop_requested().
void throw_if_stop_requested();

// Settles when the request is stopped (never, for one that cannot be: see
// get_stop_token). For when_any(work, this_request::stopped()).
[[nodiscard]] future<void> stopped();

// A cancellation point for long async work: lets the worker's event loop run (so that a
// stop, which arrives as a message, can be read), then throws cancelled if the request
// was stopped. Cheap in a tight loop: it yields only when 2 ms of work went by since its
// last yield (a yield is a macrotask, not a 4 ms-clamped timer), and otherwise settles
// at once. Outside an async request it only yields.
[[nodiscard]] future<void> checkpoint();

namespace detail {
bool wants_events() noexcept;
void emit_encoded(const wasm_mt::detail::encoded& event);
}  // namespace detail

// Sends a progress event to the caller: a value of any type with a JSON form
// (nlohmann::json, a struct with to_json, wasm_mt::bytes inside). The caller's
// call_options::on_event receives them in order, each before the request's result.
// Costs nothing when the caller gave no handler (the value is not even encoded), and
// events are batched (a closure may emit thousands a second). Throws bad_payload for a
// value that cannot be encoded.
template <class T>
void emit(const T& event) {
  if (!detail::wants_events()) return;
  detail::emit_encoded(wasm_mt::detail::encode(event));
}

}  // namespace wasm_mt::this_request
