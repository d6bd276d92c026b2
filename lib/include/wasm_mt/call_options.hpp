// Per-call options of exec, exec_by_name and exec_js, on a thread and on a pool: a stop
// token, a deadline and a handler for the closure's progress events.
//
//   wasm_mt::stop_source stop;
//   auto found = pool.exec(Search{query}, {.stop = stop.get_token(), .timeout_ms = 250});
//   auto image = th.exec(Render{scene}, {.on_event = [&](const Progress& p) { bar.set(p.done); }});
//
// A stopped or late request fails at once with error_kind::cancelled or timeout (as
// piscina's abort and workerpool's cancel/timeout reject at once); its worker is told,
// and what it still returns is dropped. Rules: docs/README.md, Cancellation.
#pragma once

#include <cstddef>
#include <functional>
#include <limits>
#include <string_view>
#include <type_traits>
#include <utility>

#include <nlohmann/json.hpp>

#include "wasm_mt/callbacks.hpp"
#include "wasm_mt/detail/payload.hpp"
#include "wasm_mt/stop_token.hpp"

namespace wasm_mt {

namespace detail {
// The one parameter type of a callable that has exactly one (not generic), else void.
template <class F>
struct only_parameter {
  using type = void;
};
template <class F>
  requires requires { &F::operator(); }
struct only_parameter<F> : only_parameter<decltype(&F::operator())> {};
template <class C, class R, class A>
struct only_parameter<R (C::*)(A)> {
  using type = std::remove_cvref_t<A>;
};
template <class C, class R, class A>
struct only_parameter<R (C::*)(A) const> {
  using type = std::remove_cvref_t<A>;
};
template <class R, class A>
struct only_parameter<R (*)(A)> {
  using type = std::remove_cvref_t<A>;
};
}  // namespace detail

// Receives a request's events (this_request::emit in the closure), in order, on the
// calling thread, each before the request's result. Made from any callable taking one
// value: nlohmann::json, or any type with a JSON form (wasm_mt::bytes included), which
// each event is decoded to (a generic lambda gets nlohmann::json). An event that cannot
// be decoded, or a handler that throws, is reported on the console (as an unhandled
// error) and the request goes on.
class event_handler {
 public:
  event_handler() = default;
  template <class F>
    requires(!std::is_same_v<std::remove_cvref_t<F>, event_handler>)
  event_handler(F handler) : deliver_(adapt(std::move(handler))) {}

  explicit operator bool() const noexcept { return static_cast<bool>(deliver_); }
  // Decodes an event (JSON text, with `buffer_count` buffers in the message being
  // delivered) and runs the handler. Throws what decoding or the handler throws.
  void operator()(std::string_view payload, std::size_t buffer_count) const { deliver_(payload, buffer_count); }

 private:
  template <class F>
  static std::function<void(std::string_view, std::size_t)> adapt(F handler) {
    using T = typename detail::only_parameter<F>::type;
    using event_type = std::conditional_t<std::is_void_v<T>, nlohmann::json, T>;
    static_assert(std::is_invocable_v<F&, event_type&&>,
                  "call_options::on_event takes a callable with one parameter: the event's type (nlohmann::json, or "
                  "a type with a JSON form)");
    return [handler = std::move(handler)](std::string_view payload, std::size_t buffer_count) mutable {
      handler(detail::decode<event_type>(payload, buffer_count));
    };
  }
  std::function<void(std::string_view, std::size_t)> deliver_;
};

struct call_options {
  // Stops the request when a stop is requested: it fails with error_kind::cancelled
  // (not_run() when it had not been sent to a worker yet; a stop requested before the
  // call sends nothing).
  stop_token stop;
  // A deadline in ms from the call (waiting in a pool's queue included): past it the
  // request fails with error_kind::timeout, as a stop. Infinity: none.
  double timeout_ms = std::numeric_limits<double>::infinity();
  // The closure's events (exec and exec_by_name; exec_js bodies emit none).
  event_handler on_event;
  // stream(): how many items the worker may send ahead of those the caller has
  // taken (back-pressure), 1 to 2^24-1. The stream's rate is at most about this many
  // items per round trip (~0.1 ms): raise it for tiny items, lower it for large ones
  // (at most this many wait in memory here).
  std::size_t stream_window = 32;
  // The closures the worker may run here, for this request, through
  // this_request::call_caller (callbacks.hpp; the thread's or pool's own count too).
  wasm_mt::callbacks callbacks;
  // A pool's queue order: a queued task goes before every queued task of a lower
  // priority, after those of its own or a higher one (all 0 by default: first in, first
  // out). A task that a free thread takes at once starts at once, whatever its priority;
  // a task retried after its worker died goes back to the front of the queue. A thread
  // sends at once (it has no queue) and ignores it. (workerpool and piscina take a
  // custom queue for this.)
  int priority = 0;
};

}  // namespace wasm_mt
