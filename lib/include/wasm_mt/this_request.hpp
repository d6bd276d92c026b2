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

#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

#include "wasm_mt/call_options.hpp"
#include "wasm_mt/closure.hpp"
#include "wasm_mt/detail/call_site.hpp"
#include "wasm_mt/detail/payload.hpp"
#include "wasm_mt/detail/pending_request.hpp"
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
// get_stop_token; nor once the request has ended, for a coroutine it left running).
// For when_any(work, this_request::stopped()).
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
// Sends a call to this worker's parent; settles `request` with why when it cannot go.
// Throws std::logic_error outside a worker.
void send_to_caller(function_id called, std::uint32_t signature, const wasm_mt::detail::encoded& captures,
                    const std::shared_ptr<wasm_mt::detail::pending_request>& request);
}  // namespace detail

// Runs `closure` on the thread that sent this worker its requests (the page, or the
// worker that spawned this one) and gives its result: a call back into the caller, e.g.
// for data only the page holds (Comlink's proxied callbacks; here by function ID, as
// every call: the caller's program has the same closures). Errors as exec's; terminated
// when this worker's parent ended it. The call carries the current request's stop token
// unless `options` gives another: when the request is stopped, the pending call fails
// with cancelled (the caller's closure, already running, finishes; its result is
// dropped). Events and streams are not supported in this direction. Throws
// std::logic_error outside a wasm_mt worker (there is no caller).
template <class Closure>
[[nodiscard]] future<closure_result_t<std::decay_t<Closure>>> call_caller(
    Closure&& closure, call_options options = {}, wasm_mt::detail::call_site site = wasm_mt::detail::call_site::here())
    WASM_MT_DETAIL_CHECK_CLOSURE(std::decay_t<Closure>)
    WASM_MT_DETAIL_CHECK_USE(std::decay_t<Closure>, is_streaming_closure<std::decay_t<Closure>>,
                             "call_caller runs a closure that returns a value, not a generator") {
  using C = std::decay_t<Closure>;
  using R = closure_result_t<C>;
  if constexpr (wasm_mt::detail::closure_accepted<C>() && wasm_mt::detail::use_accepted<!is_streaming_closure<C>>()) {
    if (!options.stop.stop_possible()) options.stop = get_stop_token();
    auto state = wasm_mt::detail::new_request<R>(closure_id<C>(), std::move(options),
                                                 {"call_caller", closure_name<C>(), site});
    if (state->ready()) return future<R>(std::move(state));
    wasm_mt::detail::encoded captures;
    try {
      captures = wasm_mt::detail::encode(closure);
    } catch (...) {
      state->settle_error(wasm_mt::detail::unsent_failure(std::current_exception()));
      return future<R>(std::move(state));
    }
    detail::send_to_caller(closure_id<C>(), closure_signature<C>(), captures, state);
    return future<R>(std::move(state));
  } else {
    return {};  // not reached: the call failed to compile, saying why
  }
}

namespace detail {
// Whether the current request's events have room: fewer than event_window sent and not
// yet handled by the caller.
bool event_room() noexcept;
// Settles once they have (throws cancelled once the request is stopped).
wasm_mt::future<void> await_event_room();

// What emit() returns: the event is sent already; co_await it (in an async closure) to
// wait while the caller has event_window (1024) events of this request not yet handled.
// Ignoring it sends on regardless.
class emitted {
 public:
  bool await_ready() const noexcept { return event_room(); }
  bool await_suspend(wasm_mt::detail::coro::coroutine_handle<> waiter) {
    auto room = await_event_room();
    awaiter_.emplace(wasm_mt::detail::future_access::state(room));
    return awaiter_->await_suspend(waiter);  // (the awaiter is its consumer now)
  }
  void await_resume() {
    if (awaiter_) awaiter_->await_resume();
  }

 private:
  std::optional<wasm_mt::future<void>::awaiter> awaiter_;  // only once it waits
};
}  // namespace detail

// Sends a progress event to the caller: a value of any type with a JSON form
// (nlohmann::json, a struct with to_json, wasm_mt::bytes inside). The caller's
// call_options::on_event receives them in order, each before the request's result.
// Costs nothing when the caller gave no handler (the value is not even encoded), and
// events are batched (a closure may emit thousands a second). Throws bad_payload for a
// value that cannot be encoded.
// Back-pressure: `co_await this_request::emit(e)` in an async closure waits while the
// caller has 1024 of its events not yet handled (as Node's writable.write() returning
// false, then 'drain'); it throws cancelled once the request is stopped. A plain
// emit(e) (and every emit of a synchronous closure, which cannot hear the caller while
// it runs) sends regardless: bounded only by what it emits.
template <class T>
detail::emitted emit(const T& event) {
  if (detail::wants_events()) detail::emit_encoded(wasm_mt::detail::encode(event));
  return {};
}

}  // namespace wasm_mt::this_request
